"""UI: `event`, Reflex's handler decorator with a type mypy can follow (rx.event is typed through `__new__`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import reflex as rx

P = ParamSpec("P")
R = TypeVar("R")

if TYPE_CHECKING:

    class Handler(Generic[P, R]):
        """A decorated handler: the class attribute is Reflex's EventHandler, the instance one the method."""

        @overload
        def __get__(self, instance: None, owner: type) -> rx.EventHandler: ...

        @overload
        def __get__(self, instance: object, owner: type) -> Callable[P, R]: ...

        def __get__(self, instance: object, owner: type) -> rx.EventHandler | Callable[P, R]: ...

    def event(fn: Callable[Concatenate[Any, P], R]) -> Handler[P, R]:
        """Mark a state method as an event handler (rx.event itself at run time)."""

else:
    # mypy reads `rx.event(fn)` as an EventNamespace (it drops a `__new__` that returns another
    # type) and cannot solve Reflex's EventCallback either; at run time this is rx.event itself.
    event = rx.event

"""UI: every Reflex internal the app relies on, in one place (tests/ui/test_reflex_adapter.py pins each one).

Reflex 0.10.1 offers no public way to ask whether a tab's socket is connected, which socket a token belongs to,
to mark a socket in a tab's router data, or to read a dynamic route's parameters without a deprecation warning.
An upgrade that changes any of these fails that test, not a learner's tab.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import reflex as rx
from reflex.state import BaseState
from reflex_base.constants import RouteVar

# In a tab's router data: the socket whose event last proved the session (learnapp/ui/binding.py).
VERIFIED_SID = "learnapp_verified_sid"

S = TypeVar("S", bound=BaseState)


def serving(app: rx.App) -> bool:
    """Whether the app serves sockets (an app built for compiling or tests has none)."""
    return app.event_namespace is not None


async def is_connected(app: rx.App, token: str) -> bool:
    """Whether the tab `token` has a connected socket, on any worker (Redis keeps the socket records)."""
    namespace = app.event_namespace
    return namespace is not None and await namespace._token_manager.is_token_connected(token)


def prove_socket(state: BaseState) -> None:
    """Record that the socket of the event being handled proved the session (its own event reached a handler)."""
    router_data: dict[str, Any] = state.router_data
    sid = router_data.get(RouteVar.SESSION_ID)
    if router_data.get(VERIFIED_SID) != sid:
        state.router_data = {**router_data, VERIFIED_SID: sid}


def socket_proven(app: rx.App, state: BaseState) -> bool:
    """Whether the tab's current socket is the one that last proved the session (see prove_socket).

    Reflex keeps a closed tab's state, token included: whoever connects with such a token and sends no event of
    their own must get nothing. is_connected, asked just before, fetched the token's socket record on any worker.
    """
    namespace = app.event_namespace
    if namespace is None:  # no sockets served: no one to send to
        return True
    router_data: dict[str, Any] = state.router_data
    checked = router_data.get(VERIFIED_SID)
    return checked is not None and namespace.sid_to_token.get(checked) == router_data.get(RouteVar.CLIENT_TOKEN)


@contextlib.asynccontextmanager
async def tab_state(app: rx.App, token: str, cls: type[S]) -> AsyncIterator[tuple[BaseState, S]]:
    """The tab's root state and its `cls` state, under the tab's lock; changes reach the tab when the block ends."""
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=cls)) as root:
        found = root if isinstance(root, cls) else await root.get_state(cls)
        yield root, found


def page_param(state: BaseState, name: str) -> str:
    """A dynamic route's parameter (`[course]` in /courses/[course]); RouterData.page warns it is deprecated."""
    value = state.router._page.params.get(name, "")
    return value if isinstance(value, str) else ""

"""UI: the page shell (top bar with navigation and account menu) and shared small components."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import reflex as rx
from reflex.components.react_router.dom import ReactRouterLink
from reflex.event import EventSpec

from learnapp.domain import routes
from learnapp.ui.components.bell import bell
from learnapp.ui.session import SessionState


def post_form(form_id: str) -> EventSpec:
    """Post a form to our HTTP routes (which set or clear the HttpOnly cookie), then follow the redirect.

    The tab also drops its Reflex client token, so the next page starts from a fresh server-side state
    and nothing a previous account saw in this tab is sent to the browser again.
    """
    # A compiled-in function, not a string the browser would eval (the CSP allows no eval).
    return rx.run_script(
        f"(() => {{ const form = document.getElementById('{form_id}');"
        " fetch(form.action, {method: 'POST', body: new FormData(form), credentials: 'same-origin'})"
        ".then((response) => { window.sessionStorage.removeItem('token'); window.location.assign(response.url); });"
        " })()"
    )


def nav_link(text: str, href: str) -> rx.Component:
    return rx.link(text, href=href, size="3", weight="medium", color_scheme="gray", high_contrast=True)


def link_button(
    *children: rx.Component | str, href: rx.Var | str, new_tab: bool = False, **props: object
) -> rx.Component:
    """A link that looks like a button: one <a> styled by the button (a button inside a link would be two nested
    interactive elements, announced and focused twice). In-app navigation like rx.link; `new_tab` for downloads."""
    target = {"target": "_blank"} if new_tab else {}
    return rx.button(ReactRouterLink.create(*children, to=href, **target), as_child=True, **props)


def loaded_link_button(*children: rx.Component | str, href: rx.Var | str, **props: Any) -> rx.Component:
    """A link button whose address comes from the page's load: until this visit's load has answered, the tab shows
    the state of its last visit, and the address with it (Continue Learning to a lesson done since), so it waits."""
    waiting = rx.button(*children, loading=True, disabled=True, **props)
    return rx.cond(rx.State.is_hydrated, link_button(*children, href=href, **props), waiting)


def until_loaded(*children: rx.Component) -> rx.Component:
    """Hidden until this visit's load has answered. Before it, the tab shows what its state held: another course's
    page (whose Enroll would enroll in that course) or an empty one with Enroll and "0 lessons". Hidden, not removed:
    the page keeps its place, and neither a pointer nor assistive technology reaches what is not this page yet."""
    loaded = rx.State.is_hydrated
    return rx.box(
        *children,
        visibility=rx.cond(loaded, "visible", "hidden"),
        aria_busy=rx.cond(loaded, "false", "true"),
        width="100%",
    )


def scroll_box(content: rx.Component, label: rx.Var | str, max_height: str | None = None) -> rx.Component:
    """A region that scrolls when its content (a wide table) does not fit, and that keyboard users can focus to
    scroll it (Radix's scroll area cannot take focus); tables inside do not scroll on their own (learnapp.css)."""
    return rx.box(
        content,
        overflow="auto",
        max_height=max_height,
        width="100%",
        tab_index=0,
        role="region",
        aria_label=label,
        class_name="scroll-box",
    )


def data_table(
    headers: Sequence[str | rx.Component],
    rows: rx.Var,
    row: Callable[[Any], rx.Component],
    label: rx.Var | str,
    *,
    size: Literal["1", "2"] = "1",
    ghost: bool = True,
    max_height: str | None = None,
) -> rx.Component:
    """A table of rows from state in a focusable scroll box: one header row, one `row(item)` per item."""
    return scroll_box(
        rx.table.root(
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
            rx.table.body(rx.foreach(rows, row)),
            size=size,
            width="100%",
            **({"variant": "ghost"} if ghost else {}),
        ),
        label,
        max_height=max_height,
    )


def keyed_form(*fields: rx.Component, key: rx.Var, on_submit: Any, spacing: Literal["3", "4"] = "3") -> rx.Component:
    """A form whose fields take default values from state: a new `key` remounts it to show the stored values again;
    it keeps what was typed after a refused submit (no reset)."""
    return rx.form(
        rx.vstack(*fields, spacing=spacing, width="100%", align="start"),
        key=key,
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )


def code_block(value: object, **props: object) -> rx.Component:
    """Markdown's code blocks in the a11y-dark palette, in either theme: Reflex's default (one-light, one-dark)
    draws comments and keywords under 4.5:1 contrast."""
    return rx.code_block(value, theme=rx.code_block.themes.a11y_dark, margin_y="1em", wrap_long_lines=True, **props)


# For rx.markdown(component_map=...): lesson bodies.
MARKDOWN_COMPONENTS = {"pre": code_block}


def visually_hidden(text: str) -> rx.Component:
    """Text for screen readers only (a column of buttons still needs a header)."""
    return rx.el.span(text, class_name="sr-only")


def main_nav(label: str, links: dict[str, str], **props: object) -> rx.Component:
    """The site's navigation landmark; `links` style the row of links, `props` the landmark itself."""
    return rx.el.nav(
        rx.hstack(
            nav_link("Catalog", "/"),
            nav_link("My Learning", routes.MY_LEARNING),
            rx.cond(SessionState.is_admin, nav_link("Admin", routes.ADMIN)),
            **links,
        ),
        aria_label=label,
        **props,
    )


def account_menu() -> rx.Component:
    return rx.cond(
        SessionState.signed_in,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("circle-user", size=18),
                    rx.text(SessionState.learner_name, class_name="hide-phone"),
                    variant="soft",
                    aria_label="Account menu",
                ),
            ),
            rx.menu.content(
                rx.menu.item("Profile", on_click=rx.redirect(routes.PROFILE)),
                rx.menu.separator(),
                rx.el.form(
                    rx.el.button("Log out", type="submit", class_name="menu-button"),
                    id="logout-form",
                    action="/auth/logout",
                    method="post",
                    on_submit=post_form("logout-form"),
                ),
            ),
        ),
        rx.hstack(
            link_button("Log in", href=routes.LOGIN, variant="soft"),
            link_button("Sign up", href=routes.SIGNUP),
            spacing="2",
        ),
    )


def top_bar() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.icon("graduation-cap", size=24), rx.text("learnapp", size="5", weight="bold"), align="center"
                ),
                href="/",
                underline="none",
                color_scheme="gray",
                high_contrast=True,
                aria_label="learnapp home",
            ),
            main_nav("Main", {"spacing": "4"}, class_name="hide-phone"),
            rx.spacer(),
            rx.color_mode.button(aria_label="Switch light and dark mode"),
            bell(),
            account_menu(),
            padding_x="1.25em",
            padding_y="0.75em",
            align="center",
            spacing="4",
            width="100%",
        ),
        border_bottom="1px solid var(--gray-a5)",
        position="sticky",
        top="0",
        z_index="10",
        background="var(--color-background)",
    )


def page(*children: rx.Component, size: str = "3") -> rx.Component:
    # Landmarks (header, navigation, main) let a screen reader jump straight to the content.
    return rx.box(
        top_bar(),
        rx.el.main(rx.container(rx.vstack(*children, spacing="5", padding_y="1.5em", width="100%"), size=size)),
        main_nav(
            "Main, bottom",
            {"justify": "center", "spacing": "6", "padding": "0.75em"},
            class_name="show-phone",
            position="sticky",
            bottom="0",
            border_top="1px solid var(--gray-a5)",
            background="var(--color-background)",
        ),
        min_height="100vh",
    )


def progress_bar(percent: rx.Var | int, label: rx.Var | str) -> rx.Component:
    return rx.hstack(
        rx.progress(value=percent, max=100, size="2", width="100%", aria_label=label),
        rx.text(
            percent.to_string() + "%" if isinstance(percent, rx.Var) else f"{percent}%",
            size="2",
            weight="medium",
            min_width="3.5em",
            white_space="nowrap",
            flex_shrink="0",
            text_align="right",
        ),
        align="center",
        width="100%",
    )

"""UI: the page shell (top bar with navigation and account menu) and shared small components."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from learnapp.ui.bell import bell
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
                rx.menu.item("Profile", on_click=rx.redirect("/profile")),
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
            rx.link(rx.button("Log in", variant="soft"), href="/login"),
            rx.link(rx.button("Sign up"), href="/signup"),
            spacing="2",
        ),
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(rx.icon("graduation-cap", size=24), rx.text("learnapp", size="5", weight="bold"), align="center"),
            href="/",
            underline="none",
            color_scheme="gray",
            high_contrast=True,
            aria_label="learnapp home",
        ),
        rx.hstack(
            nav_link("Catalog", "/"),
            nav_link("My Learning", "/my-learning"),
            rx.cond(SessionState.is_admin, nav_link("Admin", "/admin")),
            spacing="4",
            class_name="hide-phone",
        ),
        rx.spacer(),
        rx.color_mode.button(aria_label="Switch light and dark mode"),
        bell(),
        account_menu(),
        padding_x="1.25em",
        padding_y="0.75em",
        border_bottom="1px solid var(--gray-a5)",
        align="center",
        spacing="4",
        width="100%",
        position="sticky",
        top="0",
        z_index="10",
        background="var(--color-background)",
    )


def page(*children: rx.Component, size: str = "3") -> rx.Component:
    return rx.box(
        top_bar(),
        rx.container(rx.vstack(*children, spacing="5", padding_y="1.5em", width="100%"), size=size),
        rx.box(
            rx.hstack(
                nav_link("Catalog", "/"),
                nav_link("My Learning", "/my-learning"),
                rx.cond(SessionState.is_admin, nav_link("Admin", "/admin")),
                justify="center",
                spacing="6",
                padding="0.75em",
            ),
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

"""UI: the pieces of the content page: the upload zone, the steps, and the impact report with its Apply button."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.components.react_router.dom import ReactRouterLink

from learnapp.services.content.upload import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES
from learnapp.ui.pages.admin_common import table, tiles

# The drop zone's own file input (react-dropzone's, which takes no props from us) gets a name for assistive
# technology: the same words as the "Choose files" button that opens it.
NAME_THE_INPUT = (
    "document.querySelectorAll('.content-drop input[type=file]')"
    ".forEach((input) => input.setAttribute('aria-label', 'Choose content files (.yaml or .zip)'))"
)


EMPTY_THE_INPUT = "document.querySelectorAll('.content-drop input[type=file]').forEach((input) => { input.value = '' })"


def _file_name(item: Any) -> Any:
    return item["file"].to(dict[str, Any])["name"].to(str)


def download_button(href: str, filename: str) -> rx.Component:
    """A plain <a download> styled as a button: a document navigation the browser saves; the page stays."""
    return rx.button(
        ReactRouterLink.create(
            rx.icon("download", size=16), "Download catalog (YAML)", to=href, reload_document=True, download=filename
        ),
        as_child=True,
        variant="soft",
    )


def upload_zone(state: Any, upload_id: str) -> rx.Component:
    """Drop or choose files: they are checked and previewed at once (nothing is written until Apply)."""
    return rx.card(
        rx.vstack(
            rx.heading("Upload content files", size="4", as_="h2"),
            rx.box(
                rx.upload(
                    rx.vstack(
                        rx.icon("file-up", size=28, color="var(--accent-9)"),
                        rx.text(
                            "Drop .yaml files or one .zip of the content folder here", weight="medium", align="center"
                        ),
                        # Its click reaches the drop zone, which opens the file chooser; a real button for the keyboard.
                        rx.button(rx.icon("folder-open", size=16), "Choose files", type="button", disabled=state.busy),
                        align="center",
                        spacing="2",
                    ),
                    id=upload_id,
                    multiple=True,
                    max_size=MAX_UPLOAD_BYTES,
                    no_keyboard=True,
                    disabled=state.busy,
                    # The input is emptied once its files are taken (the drop zone holds them): choosing the same
                    # file again, fixed, must count. First, not after the server's answer: a file chosen as soon as
                    # the answer shows would be emptied out of the input by the queued script.
                    on_drop=[rx.call_script(EMPTY_THE_INPUT), state.check(rx.upload_files(upload_id=upload_id))],
                    # Only the names go to the server: the File objects themselves would travel over the websocket.
                    on_drop_rejected=lambda rejected: [
                        rx.call_script(EMPTY_THE_INPUT),
                        state.refused(rejected.to(list[dict[str, Any]]).map(_file_name)),
                    ],
                    border="2px dashed var(--gray-a7)",
                    border_radius="var(--radius-3)",
                    padding="1.5em 1em",
                    width="100%",
                    cursor="pointer",
                    class_name="content-drop",
                ),
                width="100%",
                on_mount=rx.call_script(NAME_THE_INPUT),
            ),
            rx.cond(
                state.busy,
                rx.hstack(rx.spinner(size="2"), rx.text("Checking the files…", size="2"), align="center"),
                rx.cond(
                    state.files.length() > 0,
                    rx.flex(
                        rx.text("Checked:", size="2", color_scheme="gray"),
                        rx.foreach(
                            state.files, lambda name: rx.badge(name, size="2", variant="soft", color_scheme="gray")
                        ),
                        spacing="2",
                        wrap="wrap",
                        align="center",
                    ),
                ),
            ),
            rx.text(
                "YAML files as described in content/README.md, several at once, or one .zip of the content folder; "
                f"at most {MAX_UPLOAD_FILES} files and {MAX_UPLOAD_BYTES // 1048576} MB in all. Uploading only checks "
                "and previews: nothing is written until you apply. To edit the catalog, download it, change it and "
                "upload it again.",
                size="1",
                color_scheme="gray",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def steps() -> rx.Component:
    items = [
        ("file-up", "Upload the content files: every problem is listed by file and line, and nothing is written."),
        (
            "eye",
            "Preview: which courses change, how many learners drop below 100% or reach it, which certificates "
            "are affected. Nothing is written.",
        ),
        (
            "check",
            "Apply: exactly the files previewed, in one transaction; the affected learners' stored progress is "
            "recomputed and each change is recorded in their history. Completions stay; certificates are never "
            "revoked. If someone else changed the catalog meanwhile, nothing is applied: preview again.",
        ),
    ]
    return rx.card(
        rx.vstack(
            *(
                rx.hstack(rx.icon(icon, size=18, color="var(--accent-9)", flex_shrink="0"), rx.text(text, size="2"))
                for icon, text in items
            ),
            spacing="3",
        ),
        width="100%",
        variant="surface",
    )


def report(state: Any) -> rx.Component:
    return rx.vstack(
        rx.cond(
            state.stage == "applied",
            rx.callout(
                "Applied. Stored progress of the affected learners was recomputed. Each change is in their history.",
                icon="check",
                color_scheme="green",
                width="100%",
            ),
            rx.callout("Preview only: nothing has been written yet.", icon="eye", width="100%"),
        ),
        tiles(state.figures),
        rx.card(
            rx.vstack(
                rx.heading("What changes", size="4", as_="h2"),
                rx.flex(
                    rx.foreach(state.courses, lambda c: rx.badge(c, size="2", variant="soft")), gap="2", wrap="wrap"
                ),
                table(
                    ["Item", "Created", "Updated", "Retired"], state.kinds, ["kind", "created", "updated", "retired"]
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Certificates affected", size="4", as_="h2"),
                rx.text(
                    "Their holders' course or pathway reopens. Certificates are never revoked: these stay valid.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(
                    state.certificates.length() == 0,
                    rx.text("None.", size="2", color_scheme="gray"),
                    table(
                        ["Learner", "Course or pathway", "Kind", "Code"],
                        state.certificates,
                        ["learner", "title", "kind", "code"],
                        height="300px",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        rx.cond(
            state.stage == "previewed",
            rx.hstack(
                rx.button("Apply update", size="3", on_click=state.apply, loading=state.busy, disabled=state.busy),
                rx.text(
                    "Applies exactly the files previewed, in one transaction, and recomputes the affected learners' "
                    "progress.",
                    size="2",
                    color_scheme="gray",
                ),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
        ),
        spacing="4",
        width="100%",
    )

"""API: one-click unsubscribe from email notices (RFC 8058), by the signed link in each notice, without logging in.

GET shows a page with one button (mail scanners fetch links, so a GET changes nothing); POST turns the kind off,
which is also what a mail program's own "Unsubscribe" button sends (List-Unsubscribe-Post).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from learnapp.api.deps import DB
from learnapp.services.mail.preferences import LABELS, read_token, unsubscribe

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Email preferences · learnapp</title></head>
<body><main><h1>Email preferences</h1>{body}<p><a href="/profile">Choose which emails you get</a></p></main></body>
</html>"""
INVALID = "<p>This unsubscribe link is not valid. You can choose your emails on your profile.</p>"


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status)


router = APIRouter(prefix="/mail", include_in_schema=False)


@router.get("/unsubscribe")
def confirm(db: DB, t: str = "") -> HTMLResponse:
    found = read_token(db, t[:200])
    if found is None:
        return _page(INVALID, 404)
    return _page(
        f"<p>Stop these emails: <strong>{escape(LABELS[found[1]])}</strong>?</p>"
        f'<form method="post" action="/mail/unsubscribe?t={escape(t, quote=True)}">'
        '<button type="submit">Unsubscribe</button></form>'
    )


@router.post("/unsubscribe")
def one_click(db: DB, t: str = "") -> HTMLResponse:
    label = unsubscribe(db, t[:200])
    if label is None:
        return _page(INVALID, 404)
    return _page(f"<p>Done: no more emails for <strong>{escape(label)}</strong>.</p>")

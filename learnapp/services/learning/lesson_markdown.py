"""Services: lesson markdown without active HTML: raw HTML dropped outside code, unsafe link targets neutralised."""

from __future__ import annotations

import html
import re

import nh3

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Elements whose content is never text a learner should see: nh3 drops them whole, content included.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "title", "svg", "math"}
    | {"xmp", "noembed", "noframes", "frameset", "frame", "select", "applet", "portal", "plaintext"}
)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)  # an inline code span
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@\\]+@[^\s<>\\]+)>")
# CommonMark raw HTML (spec 6.6), whitespace allowed anywhere it may be: matching more only drops more.
_ATTRIBUTE = r"""\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?"""
_RAW_HTML = re.compile(
    r"<!--.*?-->|<!-->|<!--->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<![A-Za-z][^>]*>"
    rf"|</[A-Za-z][A-Za-z0-9-]*\s*>|<[A-Za-z][A-Za-z0-9-]*(?:{_ATTRIBUTE})*\s*/?>",
    re.DOTALL,
)
# An unclosed one ends with its paragraph, as a markdown HTML block would.
_WHOLE_ELEMENT = re.compile(
    rf"<({'|'.join(sorted(DROPPED_WITH_CONTENT))})\b.*?(?:</\1\s*>|(?=\n[ \t]*\n)|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_TAG_START = re.compile(r"(?<!\\)((?:\\\\)*)<(?=[A-Za-z/!?])")  # a `<` that could still open a tag
_INLINE_TARGET = re.compile(r"(\]\(\s*)(<[^>\n]*>|[^)\n]*)")  # a title or blanks included: judged whole
_REFERENCE_TARGET = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*\n?[ \t]*)(<[^>\n]*>|\S+)", re.MULTILINE)
# Inside code a tag is text; these are what would run if the code were not code after all (the last line of defence).
_ACTIVE_TAG = re.compile(
    rf"<\s*/?\s*(?:{'|'.join(sorted(DROPPED_WITH_CONTENT | {'form', 'base', 'meta', 'link'}))})\b"
    r"|<[^>]*[\s/\"']on[a-z]+\s*=",
    re.IGNORECASE,
)
_ACTIVE_URL = re.compile(r"(?:javascript|vbscript|livescript):|=[\"']?data:")  # on text without blanks, lowercased


def clean_markdown(body: str) -> str:
    """The same lesson with no raw HTML outside code and no link or image to a non-web scheme.

    Code (fenced blocks and inline spans) keeps its text, tags included, since it renders as text; code that would
    be active if read as HTML is cleaned like prose, so a mistake in telling code from prose cannot let script through.
    """
    return "".join(_clean_code(part) if is_code else _clean_prose(part) for is_code, part in _blocks(body))


def _blocks(body: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces: fenced code blocks, fence lines included, and what lies between them."""
    pieces: list[tuple[bool, str]] = []
    fence: str | None = None
    for line in body.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            fence = opening.group(1)
            pieces.append((True, line))
            continue
        if fence is not None:
            pieces.append((True, line))
            closing = _FENCE.match(line)
            same = closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence)
            if closing and same and not line[closing.end() :].strip():
                fence = None
            continue
        pieces.append((False, line))
    merged: list[tuple[bool, str]] = []
    for is_code, text in pieces:
        if merged and merged[-1][0] == is_code:
            merged[-1] = (is_code, merged[-1][1] + text)
        else:
            merged.append((is_code, text))
    return merged


def _clean_code(code: str) -> str:
    return _clean_prose(code) if _active(code) else code


def _active(code: str) -> bool:
    return bool(_ACTIVE_TAG.search(html.unescape(code)) or _ACTIVE_URL.search(_normalised(code)))


def _clean_prose(text: str) -> str:
    """Inline code spans and autolinks stay; raw HTML goes; any `<` left that could open a tag is escaped."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = text.replace("\x00", "")
    text = _SPAN.sub(lambda m: m.group(0) if _active(m.group(0)) else keep(m), text)
    text = _AUTOLINK.sub(lambda m: keep(m) if _safe_target(m.group(0)[1:-1]) else "", text)
    text = _WHOLE_ELEMENT.sub(lambda m: _text_of(m.group(0)), text)
    text = _RAW_HTML.sub("", text)
    text = _INLINE_TARGET.sub(_neutralise_target, text)
    text = _REFERENCE_TARGET.sub(_neutralise_target, text)
    text = _TAG_START.sub(lambda m: m.group(1) + "\\<", text)
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _text_of(element: str) -> str:
    """What nh3 leaves of an element it drops with its content: nothing, or text around broken markup."""
    cleaned = html.unescape(nh3.clean(element, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT)))
    return _RAW_HTML.sub("", cleaned)


def _neutralise_target(match: re.Match[str]) -> str:
    target = match.group(2)
    bare = target[1:-1] if target.startswith("<") and target.endswith(">") else target
    return match.group(0) if _safe_target(bare) else match.group(1) + "#"


def _safe_target(target: str) -> bool:
    """A relative link or an http(s)/mailto one, judged as a browser would read it (entities, escapes, tabs gone)."""
    scheme = re.match(r"([a-z][a-z0-9+.-]*):", _normalised(target).replace("\\", ""))
    return scheme is None or scheme.group(1) in SAFE_SCHEMES


def _normalised(text: str) -> str:
    return re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(text)).lower()

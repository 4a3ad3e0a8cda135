"""User text made inert where it is shown: in markdown (Prefect artifacts) and in CSV cells.

A driver, track or series name comes from whoever submitted the slate. Shown in markdown as it is, a name
such as `[click me](javascript:alert(1))` becomes a live link and `<img src=x onerror=...>` an element;
opened in a spreadsheet, a cell such as `=cmd|' /C calc'!A0` becomes a formula. These functions turn such
text into plain characters that render as what they are.
"""

from __future__ import annotations

import json
import re
import string

# Characters that start a markup of their own in HTML: shown as entities, which render as the character.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Every other ASCII punctuation character may carry markdown meaning (links, emphasis, code, tables,
# headings, lists, autolinks such as `www.` and `https://`); CommonMark lets any of them be backslash-escaped.
_ESCAPED = {c: "\\" + c for c in string.punctuation if c not in _ENTITIES}
_TABLE = str.maketrans({**_ENTITIES, **_ESCAPED})

# Line breaks and other control characters would end a table row or a heading: each becomes a space.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")

# A cell starting with one of these is read as a formula by spreadsheets (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_markdown(text: object) -> str:
    """`text` as markdown that renders exactly as the text: no link, HTML element, emphasis or table cell break.

    Markdown punctuation is backslash-escaped, `&`, `<` and `>` become HTML entities, and line breaks and other
    control characters become single spaces, so the result stays on one line (a table cell, a heading).
    """
    flat = _BREAKS.sub(" ", str(text))
    return flat.translate(_TABLE)


def csv_safe(text: str) -> str:
    """`text` as a CSV cell no spreadsheet evaluates: a leading `'` before a text that would start a formula."""
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


# A JSON string may spell half of a UTF-16 pair ("\ud9bb") on its own: Python keeps it as a lone surrogate,
# which is no character at all and cannot be written out as UTF-8, so no message may ever quote it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_problem(value: object, path: tuple[str, ...] = ()) -> str | None:
    """Where in `value` (nested dicts and lists, keys included) a text holds a lone surrogate, as a message
    that is itself valid text; None when every text is valid Unicode."""
    if not path:
        # Every request body passes here, and almost none holds a surrogate: one encode of the whole body
        # answers for it faster than the walk below, which then only runs to say where the surrogate is.
        try:
            json.dumps(value, ensure_ascii=False, default=lambda _: None).encode("utf-8")
            return None
        except (UnicodeEncodeError, TypeError, ValueError):
            pass
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found is None:
            return None
        where = ".".join(path) or "body"
        return f"{where}: text holds a lone surrogate (\\u{ord(found.group()):04x}), which is not valid Unicode"
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list | tuple):
        items = list(enumerate(value))
    else:
        return None
    for key, item in items:
        label = str(key)
        if isinstance(key, str) and _SURROGATE.search(key):
            return surrogate_problem(key, path)
        problem = surrogate_problem(item, (*path, label))
        if problem is not None:
            return problem
    return None

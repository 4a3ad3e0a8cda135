"""User text made inert: escape_markdown for what the Prefect UI renders, csv_safe for spreadsheet cells.

Escaped text is rendered with a CommonMark renderer (markdown-it, with GFM tables and raw HTML on, as a
permissive UI would have them) to check it shows as the very characters given and as nothing else.
"""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from pitwall.text import csv_safe, escape_markdown

HOSTILE = [
    "[click me](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "![x](https://evil.example/pixel.png)",
    "<https://evil.example>",
    "https://evil.example/path",
    "www.evil.example",
    "Kyle | Busch | 9",
    "`rm -rf` ``code``",
    "**bold** _em_ ~~gone~~",
    "line one\nline two\r\n# heading\rthree",
    "# not a heading",
    "> not a quote",
    "- not a list",
    "1. not a list",
    "&lt;img&gt; &amp; &#60;",
    "back\\slash \\[x\\]",
    "[ref]: https://evil.example",
    "a\u2028b\u2029c\x00d\x7fe",
]

renderer = MarkdownIt("commonmark", {"html": True}).enable("table")


def _flat(text: str) -> str:
    """What escape_markdown promises to show: the text with line breaks and control characters as spaces."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]+", " ", text)


def _cells(markdown_table: str) -> list[str]:
    rendered = renderer.render(markdown_table)
    return [html.unescape(re.sub(r"<[^>]*>", "", cell)) for cell in re.findall(r"<td>(.*?)</td>", rendered, re.S)]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_its_own_characters_in_a_paragraph(text: str) -> None:
    rendered = renderer.render(escape_markdown(text))
    assert rendered.startswith("<p>") and rendered.count("<p>") == 1, rendered
    inner = rendered.strip()[len("<p>"):-len("</p>")]
    assert "<" not in inner and ">" not in inner, f"markup in {rendered!r}"
    assert html.unescape(inner) == _flat(text).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_in_its_table_cell(text: str) -> None:
    row = f"| name | n |\n|---|---|\n| {escape_markdown(text)} | 7 |\n"
    assert _cells(row) == [_flat(text).strip(), "7"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_a_heading_makes_one_heading_and_nothing_else(text: str) -> None:
    rendered = renderer.render(f"# Portfolio for {escape_markdown(text)}")
    match = re.fullmatch(r"<h1>(.*)</h1>\n", rendered, re.S)
    assert match, rendered
    assert "<" not in match.group(1)
    assert html.unescape(match.group(1)) == f"Portfolio for {_flat(text)}".strip()


def test_the_link_and_the_image_tag_come_out_inert() -> None:
    link = escape_markdown("[click me](javascript:alert(1))")
    assert "](javascript:" not in link
    assert link == r"\[click me\]\(javascript\:alert\(1\)\)"
    img = escape_markdown("<img src=x onerror=alert(1)>")
    assert "<" not in img and ">" not in img
    assert img.startswith("&lt;img")


def test_pipes_backticks_and_newlines_cannot_break_a_row() -> None:
    assert escape_markdown("a|b") == r"a\|b"
    assert escape_markdown("`x`") == r"\`x\`"
    assert "\n" not in escape_markdown("a\nb\r\nc") and "\r" not in escape_markdown("a\rb")
    assert escape_markdown("a\nb") == "a b"


def test_ordinary_names_read_the_same_once_rendered() -> None:
    for name in ["Kyle Larson", "Ricky Stenhouse Jr.", "Martin Truex Jr", "A.J. Allmendinger",
                 "Daniel Suárez", "Phoenix Raceway", "O'Reilly", "2024-11-10", "Cup"]:
        assert html.unescape(renderer.render(escape_markdown(name))) == f"<p>{name}</p>\n"
    assert escape_markdown("Kyle Larson") == "Kyle Larson"


def test_anything_is_turned_to_text_first() -> None:
    assert escape_markdown(12.5) == r"12\.5"
    assert escape_markdown(None) == "None"


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "=HYPERLINK(\"x\")"])
def test_csv_safe_neutralizes_a_formula(cell: str) -> None:
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Kyle Larson", "Ricky Stenhouse Jr.", "Ricky Stenhouse-Jr", "Jean-Eric Vergne",
                                  "A.J. Allmendinger", "1", "", "'quoted", "Daniel Suárez", "x=1", "a+b", "a@b"])
def test_csv_safe_leaves_ordinary_text_alone(cell: str) -> None:
    assert csv_safe(cell) == cell


def test_a_lone_surrogate_is_found_with_its_place_and_named_in_valid_text():
    from pitwall.text import surrogate_problem

    assert surrogate_problem({"portfolio": {"locks": ["Kyle Larson", "Ryan Blaney"]}}) is None
    problem = surrogate_problem({"portfolio": {"driver_max_exposure": {"\ud9bb\udd1e": 0.5}}})
    assert problem == "portfolio.driver_max_exposure: text holds a lone surrogate (\\ud9bb), which is not valid Unicode"
    assert surrogate_problem({"drivers": [{"name": "ok"}, {"name": "bad \udc80"}]}).startswith("drivers.1.name: ")
    problem.encode("utf-8")  # the message itself is valid text


def test_a_surrogate_beside_what_json_cannot_write_is_still_found():
    # The quick answer encodes the body as JSON; a tuple key, a set or an object must not hide a surrogate
    # elsewhere in it, nor make a clean body look bad.
    from pitwall.text import surrogate_problem

    clean = {"a": (1, "x"), "b": {1, 2}, "c": object(), ("k", 1): "v", 2.5: float("nan")}
    assert surrogate_problem(clean) is None
    assert surrogate_problem({**clean, "d": ["ok", ("\udc80",)]}).startswith("d.1.0: ")
    assert surrogate_problem({("k", 1): "v", "e": "\ud800"}).startswith("e: ")
    assert surrogate_problem("\udfff") == "body: text holds a lone surrogate (\\udfff), which is not valid Unicode"


def test_an_optimize_request_with_a_lone_surrogate_is_refused_before_any_field_is_read():
    import pytest
    from pydantic import ValidationError

    from pitwall.request import OptimizeRequest

    body = {"slate_id": "x", "portfolio": {"driver_max_exposure": {"\ud9bb\udd1e": -1e308, "dnf": 3.5}}}
    with pytest.raises(ValidationError) as caught:
        OptimizeRequest.model_validate(body)
    (error,) = caught.value.errors()
    assert "lone surrogate" in error["msg"]

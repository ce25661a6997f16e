"""Splitting a document into blocks with exact character offsets.

Two units:

* ``line``: every non-blank line is a block.  News scraped to text keeps one paragraph
  per line, with or without blank lines between; headlines, widget lines ("A+ A-") and
  menu items stand on lines of their own, so this is the default.
* ``paragraph``: a run of non-blank lines ended by a blank line is a block, for texts
  that wrap their lines and separate paragraphs by blank lines.

Line breaks are ``\\n``, ``\\r\\n`` and a lone ``\\r``; no other character ends a line.
A leading ``date YYYY-MM-DD`` header (as in scraped news: `` date 2025-12-11 Rusya…``)
is document metadata: it is never part of a block, so it is never removed.
"""

from __future__ import annotations

import re

from .model import Block

__all__ = ["UNITS", "date_header", "general_rows", "split", "split_rows"]

UNITS = ("line", "paragraph")

_BREAK = re.compile(r"\r\n|\r|\n")
_DATE_HEADER = re.compile(r"\A[\s\ufeff]*date[ \t]+(\d{4}-\d{2}-\d{2})(?![\w-])[ \t]*")
# White space as str.strip() sees it, plus the byte-order mark.
_WS = " \t\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def date_header(text: str) -> tuple[str | None, int]:
    """Return ``(date, end)`` of a leading ``date YYYY-MM-DD`` header, or ``(None, 0)``."""
    m = _DATE_HEADER.match(text)
    if m is None:
        return None, 0
    return m.group(1), m.end()


def _lines(text: str, begin: int):
    """Yield ``(start, end, line_no)`` of each line's content, from ``begin`` on."""
    line_no = text.count("\n", 0, begin) + text.count("\r", 0, begin) - text.count("\r\n", 0, begin) + 1
    pos = begin
    for m in _BREAK.finditer(text, begin):
        yield pos, m.start(), line_no
        pos = m.end()
        line_no += 1
    if pos < len(text):
        yield pos, len(text), line_no


def _line_rows(text: str, begin: int) -> list[tuple[int, int, int, int, int]]:
    """:func:`split_rows` for ``unit="line"`` when ``\\n`` is the only line break: the
    lines come from one ``str.split`` instead of a regular expression, and each is
    stripped twice instead of three times: several times faster on news text, and
    the analysis splits every document."""
    rows: list[tuple[int, int, int, int, int]] = []
    append = rows.append
    pos = begin
    line_no = text.count("\n", 0, begin) + 1
    for content in text[begin:].split("\n"):
        size = len(content)
        body = content.lstrip(_WS)
        if body:
            start = pos + size - len(body)
            append((start, start + len(body.rstrip(_WS)), pos, pos + size, line_no))
        pos += size + 1
        line_no += 1
    return rows


def split(text: str, unit: str = "line") -> list[Block]:
    """Split ``text`` into blocks.  Every block holds at least one non-blank character;
    blank text yields no block."""
    return [Block(i, *row) for i, row in enumerate(split_rows(text, unit))]


def split_rows(text: str, unit: str = "line") -> list[tuple[int, int, int, int, int]]:
    """:func:`split` as plain tuples ``(start, end, seg_start, seg_end, line)``, one per
    block in order (what the analysis ships between processes)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: choose one of {', '.join(UNITS)}")
    _, begin = date_header(text)
    if unit == "line" and "\r" not in text:
        return _line_rows(text, begin)
    return general_rows(text, begin, unit)


def general_rows(text: str, begin: int, unit: str) -> list[tuple[int, int, int, int, int]]:
    """:func:`split_rows` from ``begin`` on (the end of a date header, see
    :func:`date_header`), for every unit and line break: the general path, which
    :func:`split_rows` leaves for a faster one when the unit is ``line`` and ``\\n``
    the only line break (a test compares both)."""
    rows: list[tuple[int, int, int, int, int]] = []
    para: list[tuple[int, int, int, int, int]] | None = None  # open paragraph lines

    def close_paragraph() -> None:
        nonlocal para
        if para:
            first, last = para[0], para[-1]
            rows.append((first[2], last[3], first[0], last[1], first[4]))
        para = None

    for ls, le, line_no in _lines(text, begin):
        content = text[ls:le]
        stripped = content.strip(_WS)
        if not stripped:
            if unit == "paragraph":
                close_paragraph()
            continue
        start = ls + (len(content) - len(content.lstrip(_WS)))
        end = le - (len(content) - len(content.rstrip(_WS)))
        if unit == "line":
            rows.append((start, end, ls, le, line_no))
        else:
            if para is None:
                para = []
            para.append((ls, le, start, end, line_no))
    close_paragraph()
    return rows

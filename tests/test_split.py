"""Splitting documents into blocks (dedup.split): units, line breaks, offsets, the date header."""

from __future__ import annotations

import re

import pytest
from helpers import FAST, LINE_BREAKS, LINE_CONTENT, block_texts
from hypothesis import given
from hypothesis import strategies as st

from dedup.split import date_header, general_rows, split, split_rows

_BREAK = re.compile(r"\r\n|\r|\n")


def test_split_line_unit_offsets_and_line_numbers():
    text = "  Alpha one  \n\nBeta\ttwo\n   \n\tGamma\n"
    blocks = split(text, "line")
    assert [text[b.start : b.end] for b in blocks] == ["Alpha one", "Beta\ttwo", "Gamma"]
    assert [b.line for b in blocks] == [1, 3, 5]
    assert [b.index for b in blocks] == [0, 1, 2]
    # The segment is the whole line (indentation included, line break not).
    assert [text[b.seg_start : b.seg_end] for b in blocks] == ["  Alpha one  ", "Beta\ttwo", "\tGamma"]


def test_split_paragraph_unit():
    text = "one a\none b\n\n\ntwo\n  \t \nthree a\nthree b\nthree c"
    blocks = split(text, "paragraph")
    assert [text[b.start : b.end] for b in blocks] == ["one a\none b", "two", "three a\nthree b\nthree c"]
    assert [b.line for b in blocks] == [1, 5, 7]


@pytest.mark.parametrize("unit", ["line", "paragraph"])
def test_split_crlf_and_lone_cr_are_line_breaks(unit):
    text = "a1 x\r\nb2 y\rc3 z\n\r\nd4 w\r"
    got = [(text[b.start : b.end], b.line) for b in split(text, unit)]
    if unit == "line":
        assert got == [("a1 x", 1), ("b2 y", 2), ("c3 z", 3), ("d4 w", 5)]
    else:
        assert got == [("a1 x\r\nb2 y\rc3 z", 1), ("d4 w", 5)]


def test_split_other_characters_do_not_break_lines():
    # Form feed, NEL and the Unicode line separator end a line for str.splitlines(),
    # but the README names only \n, \r\n and \r.
    text = "one\x0ctwo\x85three\u2028four\nfive"
    assert block_texts(text) == ["one\x0ctwo\x85three\u2028four", "five"]


def test_split_blank_text_has_no_blocks():
    assert split("", "line") == []
    assert split(" \n\t\r\n  \r", "line") == []
    assert split("\n\n \n", "paragraph") == []


def test_split_rejects_unknown_unit():
    with pytest.raises(ValueError):
        split("x", "sentence")


@FAST
@given(st.lists(st.tuples(LINE_CONTENT, LINE_BREAKS), max_size=12), LINE_CONTENT)
def test_split_line_blocks_match_a_reference_splitter(lines, last):
    text = "".join(c + b for c, b in lines) + last
    expected = [
        (content.strip(), number)
        for number, content in enumerate(_BREAK.split(text), start=1)
        if content.strip()
    ]
    blocks = split(text, "line")
    assert [(text[b.start : b.end], b.line) for b in blocks] == expected
    for b in blocks:
        seg = text[b.seg_start : b.seg_end]
        assert "\n" not in seg and "\r" not in seg
        assert seg.strip() == text[b.start : b.end]


@FAST
@given(
    st.sampled_from(["", "date 2025-12-11 ", "\ufeff date 2025-12-11\n", "\n\ndate 2025-12-11\t\n \n"]),
    st.lists(st.text(alphabet="ab İı \t\u00a0\u3000\ufeff\u2028\x0b.", max_size=8), max_size=12),
)
def test_split_line_fast_path_gives_the_general_rows(header, lines):
    # Text whose only line break is \n takes a faster path: same rows, to the offset.
    text = header + "\n".join(lines)
    _, begin = date_header(text)
    assert split_rows(text, "line") == general_rows(text, begin, "line")


@FAST
@given(st.lists(st.tuples(LINE_CONTENT, LINE_BREAKS), max_size=12), LINE_CONTENT)
def test_split_paragraph_blocks_are_runs_of_non_blank_lines(lines, last):
    text = "".join(c + b for c, b in lines) + last
    paragraphs: list[list[str]] = [[]]
    for content in _BREAK.split(text):
        if content.strip():
            paragraphs[-1].append(content.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    expected = [p for p in paragraphs if p]
    blocks = split(text, "paragraph")
    assert len(blocks) == len(expected)
    for b, para in zip(blocks, expected):
        body = text[b.start : b.end]
        assert body == body.strip()
        assert [x.strip() for x in _BREAK.split(body)] == para


def test_date_header_is_metadata_not_a_block():
    text = "date 2024-03-05\nFirst line here\nSecond line\n"
    assert date_header(text)[0] == "2024-03-05"
    blocks = split(text)
    assert [text[b.start : b.end] for b in blocks] == ["First line here", "Second line"]
    assert [b.line for b in blocks] == [2, 3]


def test_date_header_on_the_same_line_as_the_lead():
    # The scraped-news layout of seeds/001 and seeds/004.
    text = " date 2025-12-11 Rusya, NATO ve Avrupa\n\nİkinci paragraf\n"
    assert date_header(text)[0] == "2025-12-11"
    blocks = split(text)
    assert [(text[b.start : b.end], b.line) for b in blocks] == [("Rusya, NATO ve Avrupa", 1), ("İkinci paragraf", 3)]
    assert "date" not in text[blocks[0].seg_start : blocks[0].seg_end]


def test_date_header_after_blank_lines_and_crlf():
    text = "\r\n\r\ndate 2020-01-02\r\nBody line\r\n"
    assert date_header(text)[0] == "2020-01-02"
    assert [(text[b.start : b.end], b.line) for b in split(text)] == [("Body line", 4)]


@pytest.mark.parametrize(
    "text",
    [
        "update 2024-01-01\nx",
        "Date 2024-01-01\nx",
        "date 2024-01-011\nx",
        "date 2024-01-01-02\nx",
        "intro\ndate 2024-01-01\nx",
        "date: 2024-01-01\nx",
    ],
)
def test_not_a_date_header(text):
    assert date_header(text) == (None, 0)
    assert text.splitlines()[0].strip() in block_texts(text)

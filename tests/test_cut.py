"""Cutting removed blocks out of a text (dedup.cut): kept text byte for byte, one separator between kept blocks."""

from __future__ import annotations

import pytest
from conftest import assert_cut_from, max_break_run
from helpers import FAST, LINE_BREAKS, block_texts
from hypothesis import given
from hypothesis import strategies as st

from dedup.cut import cut, cut_length
from dedup.split import split


def _cut(text: str, remove_texts: set[str], unit: str = "line") -> str:
    blocks = split(text, unit)
    return cut(text, blocks, {b.index for b in blocks if text[b.start : b.end] in remove_texts})


def test_cut_nothing_returns_the_text():
    text = "  A\r\n\r\nB  \rC"
    assert cut(text, split(text), set()) == text


def test_cut_a_line():
    assert _cut("Alpha\nBeta\nGamma\n", {"Beta"}) == "Alpha\nGamma\n"
    assert _cut("Alpha\nBeta\nGamma\n", {"Alpha"}) == "Beta\nGamma\n"
    assert _cut("Alpha\nBeta\nGamma\n", {"Gamma"}) == "Alpha\nBeta\n"
    assert _cut("Alpha\nBeta\nGamma", {"Gamma"}) == "Alpha\nBeta"


def test_cut_paragraph_leaves_no_doubled_blank_line():
    text = "P one\n\nP two\nstill two\n\nP three\n"
    assert _cut(text, {"P two\nstill two"}, "paragraph") == "P one\n\nP three\n"
    assert _cut(text, {"P one"}, "paragraph") == "P two\nstill two\n\nP three\n"
    assert _cut(text, {"P three"}, "paragraph") == "P one\n\nP two\nstill two\n"
    assert _cut(text, {"P one", "P three"}, "paragraph") == "P two\nstill two\n"


def test_cut_keeps_the_strongest_separator():
    # Removing the last line of a paragraph must not glue two paragraphs together.
    assert _cut("A line\nB line\n\nC line\n", {"B line"}) == "A line\n\nC line\n"
    # ... nor the first line of one.
    assert _cut("A line\n\nB line\nC line\n", {"B line"}) == "A line\n\nC line\n"
    # Two blank lines between paragraphs were there before: the first of equals stays.
    assert _cut("A\n\n\nB\n\nC\n", {"B"}) == "A\n\n\nC\n"
    assert _cut("A\r\nB\r\n\r\nC\r\n", {"B"}) == "A\r\n\r\nC\r\n"
    assert _cut("A\n \t\nB\n\nC", {"B"}) == "A\n \t\nC"


def test_cut_keeps_kept_blocks_byte_identical():
    text = "  indented ş  \n\t tab line\u00a0\r\nRemove me\rlast  "
    out = _cut(text, {"Remove me"})
    assert out == "  indented ş  \n\t tab line\u00a0\r\nlast  "


def test_cut_all_blocks_removes_every_block_and_keeps_the_header():
    text = "date 2020-01-01\nFirst block\n\nSecond block\n"
    blocks = split(text)
    out = cut(text, blocks, {b.index for b in blocks})
    assert out.startswith("date 2020-01-01")
    assert "block" not in out
    assert split(out) == []
    plain = "One\nTwo\n"
    out = cut(plain, split(plain), {0, 1})
    assert out.strip() == ""


@pytest.mark.parametrize("text", ["date 2020-01-01\nFirst block\n", "\n\nOnly block\n\n"])
def test_cut_all_blocks_adds_no_blank_line(text):
    blocks = split(text)
    out = cut(text, blocks, {b.index for b in blocks})
    assert max_break_run(out) <= max_break_run(text)


def test_cut_lead_on_the_header_line_keeps_the_next_block_on_its_own_line():
    text = " date 2025-12-11 Agency lead paragraph.\n\nSecond paragraph.\n"
    out = _cut(text, {"Agency lead paragraph."})
    assert "Second paragraph." in out
    assert out.index("Second paragraph.") > 0
    assert out[out.index("Second paragraph.") - 1] in "\r\n"


_doc_line = st.sampled_from(["alpha", "  beta ", "gamma\t", "İçel", "", " ", "\t"])


@st.composite
def doc_and_removal(draw):
    parts = []
    for _ in range(draw(st.integers(0, 10))):
        parts.append(draw(_doc_line) + draw(LINE_BREAKS))
    parts.append(draw(_doc_line))
    # A date header on a line of its own, or sharing its line with the first block.
    text = draw(st.sampled_from(["", "", "date 2021-02-03\n", " date 2021-02-03 ", "\n"])) + "".join(parts)
    unit = draw(st.sampled_from(["line", "paragraph"]))
    blocks = split(text, unit)
    removed = draw(st.sets(st.sampled_from([b.index for b in blocks]))) if blocks else set()
    return text, unit, blocks, removed


@FAST
@given(doc_and_removal())
def test_cut_property_output_is_the_input_minus_whole_blocks(case):
    text, unit, blocks, removed = case
    out = cut(text, blocks, removed)
    # The report counts output characters without making the output: same number.
    assert cut_length(text, blocks, removed) == len(out)
    kept = [b for b in blocks if b.index not in removed]
    if not removed:
        assert out == text
        return
    # Re-splitting the output gives exactly the kept blocks, byte-identical, in order.
    assert block_texts(out, unit) == [text[b.start : b.end] for b in kept]
    if not kept:
        # Only the text around the blocks is left (a date header stays).
        assert out.strip() == text[: blocks[0].seg_start].strip()
        assert max_break_run(out) <= max_break_run(text)
        return
    assert_cut_from(text, blocks, kept, out)
    # No doubled blank line: no longer run of line breaks than the input had.
    assert max_break_run(out) <= max_break_run(text)

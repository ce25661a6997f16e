"""Plain data (dedup.model): documents."""

from __future__ import annotations

import pytest

from dedup import Document


def test_document_keeps_its_text_as_utf8_and_gives_it_back_unchanged():
    # Documents hold UTF-8 (half the memory of a Python string of Turkish text) and
    # decode it when read: every character comes back, lone surrogates included
    # (JSONL can carry them), and the length is in characters.
    text = "İstanbul'da ılık bir gün\ud800 — ǅ 𝕏\r\n"
    doc = Document("a", text, order=3, date="2024-01-02", meta={"raw": "x"})
    assert doc.text == text and doc.length == len(text)
    assert doc.data == text.encode("utf-8", "surrogatepass") and len(doc.data) < 2 * len(text)
    moved = doc.replace(order=7)
    assert moved.order == 7 and moved.text == text and moved.data is doc.data
    assert moved.replace(order=3) == doc and hash(moved.replace(order=3)) == hash(doc)
    assert doc.replace(text="başka").text == "başka" and doc.replace(text="başka").length == 5
    assert Document("a", text, order=3, date="2024-01-02") == doc  # meta is not compared
    with pytest.raises(AttributeError):
        doc.order = 1

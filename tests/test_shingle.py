"""Shingle sets and exact Jaccard similarity (dedup.shingle)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import FAST
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.shingle import jaccard, jaccard_many, shingle_hashes, shingle_sets
from dedup.signatures import signatures, signatures_flat


def py_shingles(text: str, kind: str = "char", n: int = 5) -> set[str]:
    """Reference shingles as Python strings (the README's definition)."""
    if kind == "char":
        if not text:
            return set()
        if len(text) < n:
            return {text}
        return {text[i : i + n] for i in range(len(text) - n + 1)}
    words = text.split()
    if not words:
        return set()
    if len(words) <= n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_char_shingle_counts():
    got = shingle_sets(["abcdef", "abcde", "abc", "", "aaaaaaa"], "char", 5)
    assert [len(s) for s in got] == [2, 1, 1, 0, 1]
    for s in got:
        assert s.dtype == np.uint64
        assert list(s) == sorted(set(s.tolist()))


def test_word_shingle_counts():
    got = shingle_sets(["a b c d", "a b", "", "x x x x x"], "word", 2)
    assert [len(s) for s in got] == [3, 1, 0, 1]


def test_short_texts_are_one_shingle_each():
    a, b, c = shingle_sets(["kiev", "kyiv", "kiev"], "char", 5)
    assert len(a) == len(b) == 1
    assert jaccard(a, b) == 0.0
    assert jaccard(a, c) == 1.0
    w1, w2 = shingle_sets(["one two", "one three"], "word", 3)
    assert jaccard(w1, w2) == 0.0


def test_shingle_rejects_bad_arguments():
    with pytest.raises(ValueError):
        shingle_sets(["x"], "char", 0)
    with pytest.raises(ValueError):
        shingle_sets(["x"], "sentence", 5)


_shingle_text = st.text(alphabet="abc şİ日", max_size=14)


@FAST
@given(_shingle_text, _shingle_text, st.sampled_from(["char", "word"]), st.integers(1, 5))
def test_jaccard_is_exact(a, b, kind, n):
    sa, sb = shingle_sets([a, b], kind, n)
    ra, rb = py_shingles(a, kind, n), py_shingles(b, kind, n)
    assert len(sa) == len(ra) and len(sb) == len(rb)
    if ra or rb:
        expected = len(ra & rb) / len(ra | rb)
    else:
        expected = 1.0
    assert jaccard(sa, sb) == expected
    assert jaccard(sb, sa) == expected


@FAST
@given(st.lists(_shingle_text, min_size=1, max_size=6), st.sampled_from(["char", "word"]), st.integers(1, 6))
def test_shingles_of_a_text_do_not_depend_on_its_batch(texts, kind, n):
    together = shingle_sets(texts, kind, n)
    for text, got in zip(texts, together):
        assert np.array_equal(shingle_sets([text], kind, n)[0], got)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="abcİı ", max_size=30), min_size=1, max_size=12), st.integers(1, 5))
def test_jaccard_many_equals_jaccard_pair_by_pair(texts, n):
    sets = shingle_sets(texts, "char", n)
    for a in sets:
        assert jaccard_many(a, sets).tolist() == pytest.approx([jaccard(a, b) for b in sets])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefİı ", max_size=120), min_size=1, max_size=20),
    st.sampled_from(["char", "word"]),
    st.integers(1, 6),
)
def test_flat_shingle_hashes_hold_the_sets_and_sign_the_same(texts, kind, n):
    # The analysis signs flat hashes (repeats kept, no per-text sort); verification
    # intersects sorted sets.  Both must describe the same sets, and the signatures
    # made from the flat form must be the ones datasketch gives the sets.
    flat, counts = shingle_hashes(texts, kind, n)
    sets = shingle_sets(texts, kind, n)
    assert counts.tolist() == [len(py) if kind == "word" else max(len(t) - n + 1, min(len(t), 1)) for t, py in zip(texts, sets)]
    ends = np.cumsum(counts)
    for s, e, c in zip(sets, ends.tolist(), counts.tolist()):
        assert np.array_equal(np.unique(flat[e - c : e]), s)
    keep = counts > 0
    if keep.any():
        got = signatures_flat(flat, counts[keep], 32, 3, "affine32")
        want = signatures([s for s in sets if len(s)], 32, 3, "affine32", "datasketch")
        assert np.array_equal(got, want)

"""Shingles: the sets of n-grams whose overlap measures how alike two blocks are.

Every shingle is represented by a 64-bit hash, and every block by the sorted array of
its distinct shingle hashes (``numpy.uint64``), which is what MinHash signs and what
verification intersects.

* ``char`` shingles (the default): every run of ``n`` characters of the normalized
  text, spaces included.  They tolerate typos and Turkish suffixes, and need no word
  boundaries, so Chinese and Japanese work as well as Turkish.  They are hashed with
  numpy over the whole batch at once (a polynomial over the code points, then the
  MurmurHash3 finalizer), not one Python call per shingle.
* ``word`` shingles: every run of ``n`` words, hashed with xxh3-64.

A normalized text shorter than one shingle is one shingle of its own, so short blocks
are never silently dropped (two texts of a single word are alike only if equal).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

__all__ = ["SHINGLE_KINDS", "jaccard", "jaccard_many", "shingle_hashes", "shingle_sets", "sorted_unique"]

SHINGLE_KINDS = ("char", "word")

_U64 = np.uint64
_MULT = _U64(0x9E3779B97F4A7C15)
_MASK64 = (1 << 64) - 1


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def _poly(codepoints: Sequence[int]) -> int:
    h = 0
    for c in codepoints:
        h = (h * 0x9E3779B97F4A7C15 + c + 1) & _MASK64
    return h


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique hashes first, which is several times slower
    on large arrays of 64-bit hashes)."""
    a = np.sort(a)
    if len(a) > 1:
        a = a[np.concatenate(([True], a[1:] != a[:-1]))]
    return a


SLICE = 1 << 22  # characters hashed at once: bounds memory for huge texts


def _char_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every char shingle hash of every text, grouped by text in order (repeats kept),
    and the number of hashes of each text.  At most ``SLICE`` characters are hashed at
    once; a text longer than that is hashed in overlapping slices."""
    parts_h: list[np.ndarray] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    group: list[str] = []
    first = size = 0

    def flush(upto: int) -> None:
        nonlocal group, first, size
        if group:
            h, c = _char_hashes_batch(group, n)
            parts_h.append(h)
            counts[first:upto] = c
        group, first, size = [], upto, 0

    for i, text in enumerate(texts):
        if len(text) > SLICE:
            flush(i)
            for start in range(0, len(text) - n + 1, SLICE):
                h, c = _char_hashes_batch([text[start : start + SLICE + n - 1]], n)
                parts_h.append(h)
                counts[i] += int(c[0])
            first = i + 1
            continue
        if size + len(text) > SLICE and group:
            flush(i)
        group.append(text)
        size += len(text)
    flush(len(texts))
    flat = np.concatenate(parts_h) if parts_h else np.empty(0, dtype=_U64)
    return flat, counts


def _char_hashes_batch(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    short = [i for i, t in enumerate(texts) if 0 < len(t) < n]
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(_U64) + _U64(1)
    windows = len(codes) - n + 1
    if windows <= 0 and not short:
        return np.empty(0, dtype=_U64), counts
    if windows > 0:
        h = np.zeros(windows, dtype=_U64)
        for j in range(n):
            h *= _MULT
            h += codes[j : j + windows]
        # A window is valid when it ends inside the text it starts in: a text of
        # length L >= n starts L - n + 1 valid windows, then n - 1 that run past its
        # end; a shorter text starts none.  One np.repeat of True/False runs (far
        # faster than a +1/-1 mark per text and a cumulative sum).
        long = lengths >= n
        runs = np.empty(2 * len(lengths), dtype=np.int64)
        runs[0::2] = np.where(long, lengths - n + 1, 0)
        runs[1::2] = np.where(long, n - 1, lengths)
        flags = np.zeros(2 * len(lengths), dtype=bool)
        flags[0::2] = True
        h = h[np.repeat(flags, runs)[:windows]]
    else:
        h = np.empty(0, dtype=_U64)
    if short:
        # A text shorter than one shingle is one shingle of its own, in its place.
        h_short = np.array([_poly(map(ord, texts[i])) for i in short], dtype=_U64)
        pos = np.cumsum(counts)[short] - 1  # where each short text's one hash goes
        merged = np.empty(len(h) + len(short), dtype=_U64)
        mask = np.ones(len(merged), dtype=bool)
        mask[pos] = False
        merged[mask] = h
        merged[pos] = h_short
        h = merged
    return _fmix64(h), counts


def _char_shingles(texts: Sequence[str], n: int) -> list[np.ndarray]:
    flat, counts = _char_hashes(texts, n)
    ends = np.cumsum(counts)
    return [sorted_unique(flat[e - c : e]) for e, c in zip(ends.tolist(), counts.tolist())]


def _word_shingles(texts: Sequence[str], n: int) -> list[np.ndarray]:
    hasher = xxhash.xxh3_64_intdigest
    out = []
    for text in texts:
        words = text.split()
        if not words:
            grams: list[str] = []
        elif len(words) <= n:
            grams = [" ".join(words)]
        else:
            grams = [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
        out.append(sorted_unique(np.fromiter((hasher(g.encode("utf-8", "surrogatepass")) for g in grams), dtype=_U64, count=len(grams))))
    return out


def shingle_sets(texts: Sequence[str], kind: str = "char", n: int = 5) -> list[np.ndarray]:
    """Return, for each normalized text, the sorted distinct 64-bit shingle hashes."""
    if n < 1:
        raise ValueError("n-gram size must be at least 1")
    if kind == "char":
        return _char_shingles(texts, n)
    if kind == "word":
        return _word_shingles(texts, n)
    raise ValueError(f"unknown shingle kind {kind!r}: choose one of {', '.join(SHINGLE_KINDS)}")


def shingle_hashes(texts: Sequence[str], kind: str = "char", n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Every shingle hash of every text, flat: ``(hashes, counts)`` where text ``i``
    owns the ``counts[i]`` hashes after those of the texts before it.  Repeats within a
    text are kept (MinHash does not need them removed, and skipping the per-text sort
    is most of the cost); ``shingle_sets`` gives the sorted distinct sets."""
    if n < 1:
        raise ValueError("n-gram size must be at least 1")
    if kind == "char":
        return _char_hashes(texts, n)
    if kind == "word":
        sets = _word_shingles(texts, n)
        counts = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        return (np.concatenate(sets) if sets else np.empty(0, dtype=_U64)), counts
    raise ValueError(f"unknown shingle kind {kind!r}: choose one of {', '.join(SHINGLE_KINDS)}")


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted, distinct shingle arrays."""
    if len(a) == 0 or len(b) == 0:
        return 1.0 if len(a) == len(b) else 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (len(a) + len(b) - inter)


def jaccard_many(a: np.ndarray, others: Sequence[np.ndarray]) -> np.ndarray:
    """Exact Jaccard of ``a`` to each of ``others`` (sorted, distinct arrays), in one
    vectorized pass; equal to ``[jaccard(a, b) for b in others]``."""
    if not len(others):
        return np.empty(0)
    sizes = np.fromiter((len(b) for b in others), dtype=np.int64, count=len(others))
    flat = np.concatenate(others)
    owner = np.repeat(np.arange(len(others)), sizes)
    if len(a):
        idx = np.minimum(np.searchsorted(a, flat), len(a) - 1)  # a is sorted: binary search
        inter = np.bincount(owner[a[idx] == flat], minlength=len(others))
    else:
        inter = np.zeros(len(others), dtype=np.int64)
    union = len(a) + sizes - inter
    out = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    if len(a) == 0:
        out = (sizes == 0).astype(float)
    return out

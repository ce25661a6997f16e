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

__all__ = ["shingle_sets", "jaccard", "jaccard_many", "sorted_unique", "SHINGLE_KINDS"]

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


def _group(hashes: np.ndarray, owner: np.ndarray, count: int) -> list[np.ndarray]:
    """Split (owner, hash) pairs, ``owner`` ascending, into one sorted, de-duplicated
    array per owner."""
    bounds = np.searchsorted(owner, np.arange(count + 1))
    return [sorted_unique(hashes[bounds[i] : bounds[i + 1]]) for i in range(count)]


SLICE = 1 << 22  # characters hashed at once: bounds memory for huge texts


def _char_shingles(texts: Sequence[str], n: int) -> list[np.ndarray]:
    """Char shingles of texts, a group of at most ``SLICE`` characters at a time; a text
    longer than that is hashed in overlapping slices whose sets are merged."""
    out: list[np.ndarray] = []
    group: list[str] = []
    size = 0
    for text in texts:
        if len(text) > SLICE:
            out.extend(_char_shingles_batch(group, n))
            group, size = [], 0
            parts = (text[i : i + SLICE + n - 1] for i in range(0, len(text) - n + 1, SLICE))
            out.append(sorted_unique(np.concatenate([_char_shingles_batch([part], n)[0] for part in parts])))
            continue
        if size + len(text) > SLICE and group:
            out.extend(_char_shingles_batch(group, n))
            group, size = [], 0
        group.append(text)
        size += len(text)
    out.extend(_char_shingles_batch(group, n))
    return out


def _char_shingles_batch(texts: Sequence[str], n: int) -> list[np.ndarray]:
    if not texts:
        return []
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths)
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(_U64) + _U64(1)
    windows = len(codes) - n + 1
    parts_h: list[np.ndarray] = []
    parts_o: list[np.ndarray] = []
    if windows > 0:
        h = np.zeros(windows, dtype=_U64)
        for j in range(n):
            h *= _MULT
            h += codes[j : j + windows]
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[:windows]
        valid = np.arange(n, windows + n, dtype=np.int64) <= ends[owner]
        parts_h.append(_fmix64(h[valid]))
        parts_o.append(owner[valid])
    short = [i for i, t in enumerate(texts) if 0 < len(t) < n]
    if short:
        parts_h.append(_fmix64(np.array([_poly(map(ord, texts[i])) for i in short], dtype=_U64)))
        parts_o.append(np.array(short, dtype=np.int64))
    if not parts_h:
        return [np.empty(0, dtype=_U64) for _ in texts]
    hashes, owner = np.concatenate(parts_h), np.concatenate(parts_o)
    if short:
        order = np.argsort(owner, kind="stable")
        hashes, owner = hashes[order], owner[order]
    return _group(hashes, owner, len(texts))


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

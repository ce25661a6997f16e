"""MinHash signatures of shingle sets, computed with datasketch.

Shingles arrive already hashed (64-bit, see :mod:`dedup.shingle`), so datasketch is
given an identity hash function and its batched API (``MinHash.bulk``, which reuses one
initialized sketch and calls ``update_batch`` per set).  The permutation scheme is
always passed explicitly: datasketch 2.0 changed the default to ``affine32`` and hash
values of different schemes must never meet in one index.  ``affine32`` and ``legacy``
take 32-bit input hashes (the high half of ours); ``affine64`` takes all 64 bits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

__all__ = ["signatures", "SCHEMES"]

SCHEMES = ("affine32", "affine64", "legacy")
CHUNK = 1 << 16  # shingles per update_batch call for huge sets


def _identity(value):
    return value


def signatures(shingles: Sequence[np.ndarray], num_perm: int, seed: int, scheme: str) -> np.ndarray:
    """Return a ``(len(shingles), num_perm)`` array of MinHash values, one row per set.

    Every set must be non-empty (an empty set has no meaningful signature)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown MinHash scheme {scheme!r}: choose one of {', '.join(SCHEMES)}")
    dtype = np.uint64 if scheme in ("affine64", "legacy") else np.uint32
    out = np.empty((len(shingles), num_perm), dtype=dtype)
    if not len(shingles):
        return out
    # Plain lists of Python ints: datasketch calls the hash function once per value.
    def values(s: np.ndarray) -> list[int]:
        return (s if scheme == "affine64" else s >> np.uint64(32)).tolist()

    kwargs = dict(num_perm=num_perm, seed=seed, scheme=scheme, hashfunc=_identity)
    small = [i for i, s in enumerate(shingles) if len(s) <= CHUNK]
    for i, m in zip(small, MinHash.generator((values(shingles[i]) for i in small), **kwargs)):
        if len(shingles[i]) == 0:
            raise ValueError("cannot sign an empty shingle set")
        out[i] = m.hashvalues
    # A huge block (a 50 MB document on one line): update_batch builds a
    # (values x num_perm) matrix, so feed it in chunks to bound memory.
    for i in (i for i, s in enumerate(shingles) if len(s) > CHUNK):
        m = MinHash(**kwargs)
        for start in range(0, len(shingles[i]), CHUNK):
            m.update_batch(values(shingles[i][start : start + CHUNK]))
        out[i] = m.hashvalues
    return out

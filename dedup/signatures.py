"""MinHash signatures of shingle sets: datasketch's MinHash, in three engines.

Shingles arrive already hashed (64-bit, see :mod:`dedup.shingle`).  The ``datasketch``
engine gives them to datasketch's batched API (``MinHash.generator``, which reuses one
initialized sketch and calls ``update_batch`` per set) with an identity hash function;
``update_batch`` still calls that function once per shingle in Python.  The ``numpy``
engine uses datasketch's permutation parameters for the same
``num_perm``/``seed``/``scheme`` (drawn as datasketch draws them, see
:func:`permutations`) and datasketch's pre-mix, and applies them to many sets at once,
one permutation at a time over long runs of values: the same signatures, bit for bit
(a property test compares them), several times faster.  The permutation scheme is
always passed explicitly: datasketch 2.0 changed the default to ``affine32`` and hash
values of different schemes must never meet in one index.  ``affine32`` and ``legacy``
take 32-bit input hashes (the high half of ours); ``affine64`` takes all 64 bits.

The ``native`` engine is the numpy engine's arithmetic in a small C loop
(``dedup/_kernels.c``, built when dedup is installed, skipped when no C compiler is
there): each value is read once instead of three times per permutation, an order of
magnitude faster than numpy.  Same values again, bit for bit.  ``auto`` (the default)
takes it when it is built and numpy when it is not.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

__all__ = ["ENGINES", "NATIVE", "SCHEMES", "permutations", "resolve_engine", "signatures", "signatures_flat", "signatures_numpy"]

try:
    from . import _kernels
except ImportError:  # installed without a C compiler: the numpy engine does the work
    _kernels = None

SCHEMES = ("affine32", "affine64", "legacy")
ENGINES = ("auto", "native", "numpy", "datasketch")
#: Whether the compiled kernel of the ``native`` engine is built.
NATIVE = _kernels is not None
CHUNK = 1 << 16  # shingles per update_batch call for huge sets
RUN = 1 << 18  # values the numpy engine permutes per call (long runs amortize call overhead)


def _fmix(hv, width):
    """datasketch's pre-mix (the MurmurHash3 finalizer), bit for bit (a test compares
    it with datasketch's own); defined here so that workers need not import
    datasketch, which is slow to import (it imports scipy)."""
    if width == 32:
        c = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
    else:
        c = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
    hv = hv ^ (hv >> c[0])
    hv = hv * c[1]
    hv = hv ^ (hv >> c[2])
    hv = hv * c[3]
    return hv ^ (hv >> c[4])


@functools.lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters ``(a, b)`` for these settings, computed once
    per process and handed to workers.  For the affine schemes they are drawn here
    exactly as datasketch 2.x draws them (``RandomState(seed)``: odd multipliers, then
    offsets; a test compares them with a ``MinHash``'s own), so that a scan never
    imports datasketch, which is slow to import (it imports scipy).  ``legacy`` asks
    datasketch."""
    if scheme in _WIDTHS:
        width, dtype = _WIDTHS[scheme]
        gen = np.random.RandomState(seed)
        a = gen.randint(0, 1 << (width - 1), num_perm, dtype=dtype) * dtype(2) + dtype(1)
        b = gen.randint(0, 1 << width, num_perm, dtype=dtype)
        return a, b
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    return a, b


_WIDTHS = {"affine32": (32, np.uint32), "affine64": (64, np.uint64)}


def resolve_engine(engine: str, scheme: str) -> str:
    """The engine that does the work for these options: ``auto`` is ``native`` when
    it is built and ``numpy`` when not; the ``legacy`` scheme always needs datasketch."""
    if engine not in ENGINES:
        raise ValueError(f"unknown MinHash engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if scheme == "legacy":
        return "datasketch"
    if engine == "auto":
        return "native" if NATIVE else "numpy"
    return engine


def _identity(value):
    return value


def signatures(shingles: Sequence[np.ndarray], num_perm: int, seed: int, scheme: str, engine: str = "datasketch") -> np.ndarray:
    """Return a ``(len(shingles), num_perm)`` array of MinHash values, one row per set.

    Every set must be non-empty (an empty set has no meaningful signature).  With
    ``engine="numpy"`` or ``"native"`` the same values are computed by
    :func:`signatures_numpy`."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown MinHash scheme {scheme!r}: choose one of {', '.join(SCHEMES)}")
    engine = resolve_engine(engine, scheme)
    if engine != "datasketch":
        return signatures_numpy(shingles, num_perm, seed, scheme, engine)
    from datasketch import MinHash

    dtype = np.uint64 if scheme in ("affine64", "legacy") else np.uint32
    out = np.empty((len(shingles), num_perm), dtype=dtype)
    if not len(shingles):
        return out
    # Plain lists of Python ints: datasketch calls the hash function once per value.
    def values(s: np.ndarray) -> list[int]:
        return (s if scheme == "affine64" else s >> np.uint64(32)).tolist()

    kwargs = {"num_perm": num_perm, "seed": seed, "scheme": scheme, "hashfunc": _identity}
    small = [i for i, s in enumerate(shingles) if len(s) <= CHUNK]
    for i, m in zip(small, MinHash.generator((values(shingles[i]) for i in small), **kwargs)):
        if len(shingles[i]) == 0:
            raise ValueError("cannot sign an empty shingle set")
        out[i] = m.hashvalues
    # A huge block (a whole document on one line): update_batch builds a
    # (values x num_perm) matrix, so feed it in chunks to bound memory.
    for i in (i for i, s in enumerate(shingles) if len(s) > CHUNK):
        m = MinHash(**kwargs)
        for start in range(0, len(shingles[i]), CHUNK):
            m.update_batch(values(shingles[i][start : start + CHUNK]))
        out[i] = m.hashvalues
    return out


def signatures_numpy(shingles: Sequence[np.ndarray], num_perm: int, seed: int, scheme: str, engine: str = "numpy", *, run: int = RUN) -> np.ndarray:
    """The signatures :func:`signatures` computes through datasketch, bit for bit, with
    datasketch's own permutation parameters and pre-mix, but batched over many sets
    (``engine`` ``numpy`` or ``native``) instead of one ``update_batch`` call per set.
    Affine schemes only (the tests compare the engines); ``run``: see
    :func:`signatures_flat`."""
    sizes = np.fromiter((len(x) for x in shingles), dtype=np.int64, count=len(shingles))
    flat = np.concatenate(shingles) if len(shingles) else np.empty(0, dtype=np.uint64)
    return signatures_flat(flat, sizes, num_perm, seed, scheme, engine=engine, run=run)


def signatures_flat(
    flat: np.ndarray,
    counts: np.ndarray,
    num_perm: int,
    seed: int,
    scheme: str,
    perms: tuple[np.ndarray, np.ndarray] | None = None,
    engine: str = "auto",
    *,
    run: int = RUN,
) -> np.ndarray:
    """MinHash signatures of sets given flat: set ``i`` is the ``counts[i]`` values of
    ``flat`` after those of the sets before it (repeated values are harmless: a minimum
    does not see them).  Same values as datasketch, bit for bit; affine schemes only.

    ``engine`` ``native`` (or ``auto`` when it is built) runs the compiled loop.
    ``numpy`` works one permutation at a time over a run of at most ``run`` values
    (multiply, add, ``np.minimum.reduceat`` at the set boundaries): long contiguous
    numpy loops, faster than a values × permutations matrix per set; a set larger
    than a run is reduced piece by piece.  ``run`` never changes the result."""
    if scheme not in ("affine32", "affine64"):
        raise ValueError("the numpy and native engines support the affine32 and affine64 schemes")
    engine = resolve_engine(engine, scheme)
    if engine == "datasketch":
        raise ValueError("signatures_flat runs the numpy and native engines; use signatures() for datasketch")
    if engine == "native" and not NATIVE:
        raise ValueError("the native MinHash engine is not built (dedup was installed without a C compiler)")
    a, b = perms if perms is not None else permutations(num_perm, seed, scheme)
    width = 32 if scheme == "affine32" else 64
    dtype = np.uint32 if width == 32 else np.uint64
    n = len(counts)
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if n and (counts <= 0).any():
        raise ValueError("cannot sign an empty shingle set")
    flat = np.ascontiguousarray(flat, dtype=np.uint64)
    if engine == "native":
        out = np.empty((n, num_perm), dtype=dtype)
        if n:
            _kernels.minhash(flat, counts, np.ascontiguousarray(a, dtype=dtype), np.ascontiguousarray(b, dtype=dtype), out, width)
        return out
    out_t = np.empty((num_perm, n), dtype=dtype)  # one row per permutation, made contiguous
    if not n:
        return out_t.T.copy()
    hv = _fmix((flat >> np.uint64(32)).astype(np.uint32) if width == 32 else flat, width)
    ends = np.cumsum(counts)
    starts = ends - counts
    a_list, b_list = list(a), list(b)  # numpy scalars of the scheme's width
    buf = np.empty(min(run, len(hv)), dtype=dtype)
    i = 0
    while i < n:
        j = max(int(np.searchsorted(ends, starts[i] + run, side="right")), i + 1)
        lo, hi = int(starts[i]), int(ends[j - 1])
        if hi - lo > run:  # one set larger than a run: reduced piece by piece
            acc = np.full(num_perm, np.iinfo(dtype).max, dtype=dtype)
            for k in range(lo, hi, run):
                x = hv[k : min(k + run, hi)]
                piece = buf[: len(x)]
                for p in range(num_perm):
                    np.multiply(x, a_list[p], out=piece)
                    np.add(piece, b_list[p], out=piece)
                    acc[p] = min(acc[p], piece.min())
            out_t[:, i] = acc
        else:
            x = hv[lo:hi]
            piece = buf[: hi - lo]
            seg = starts[i:j] - lo
            for p in range(num_perm):
                np.multiply(x, a_list[p], out=piece)
                np.add(piece, b_list[p], out=piece)
                np.minimum.reduceat(piece, seg, out=out_t[p, i:j])
        i = j
    return np.ascontiguousarray(out_t.T)

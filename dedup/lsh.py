"""Locality-sensitive hashing: candidate pairs from MinHash signatures.

The signature is cut into ``bands`` bands of ``rows`` rows; two blocks are candidates
when all rows of at least one band agree.  A pair of true Jaccard similarity ``s``
becomes a candidate with probability ``1 - (1 - s**rows) ** bands``.

Every candidate is verified against its true similarity afterwards, so a false
positive costs a little time while a false negative is a duplicate missed for good.
:func:`choose_params` therefore picks, among all ``bands × rows <= num_perm``, the
largest ``rows`` (fewest false positives) whose probability of missing a pair *at the
threshold* is at most ``max_miss`` (1 %).  datasketch's own choice weighs both errors
equally and misses about a quarter of the pairs near 0.8 (9 bands × 13 rows for 128
permutations: a pair at 0.88 is found 85 % of the time); for 0.8 this picks 21 × 6
(a pair at 0.8 is found 99.8 % of the time, at 0.88 all but one in 10^6).

Buckets are found by sorting 64-bit band keys with numpy, band by band, instead of a
hash table per band: the same candidates as ``datasketch.MinHashLSH`` with the same
``params`` (a test checks that), in a fraction of the time and memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import xxhash

__all__ = ["choose_params", "candidate_probability", "candidate_pairs", "Candidates", "candidates", "estimate_filter", "low_bytes"]


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that a pair of the given Jaccard similarity becomes a candidate."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_params(threshold: float, num_perm: int, max_miss: float = 0.01) -> tuple[int, int]:
    """Return ``(bands, rows)`` for a similarity threshold (see the module docs)."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - candidate_probability(threshold, bands, rows) <= max_miss:
            best = (bands, rows)
    return best


def _band_keys(sig: np.ndarray, start: int, stop: int) -> np.ndarray:
    """A 64-bit key per row of ``sig[:, start:stop]`` (equal bands, equal keys)."""
    band = np.ascontiguousarray(sig[:, start:stop]).astype(np.uint64)
    key = np.full(len(sig), 0xCBF29CE484222325, dtype=np.uint64)
    for j in range(band.shape[1]):
        key ^= band[:, j]
        key *= np.uint64(0x100000001B3)
        key ^= key >> np.uint64(29)
    return key


def _band_groups(sig: np.ndarray, band: int, rows: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The buckets of one band, as ``(order, starts, sizes)``: bucket ``k`` holds
    ``order[starts[k] : starts[k] + sizes[k]]`` (ascending), sizes >= 2 only.  A 64-bit
    key collision would merge two buckets: such a bucket is split by its real rows."""
    n = len(sig)
    lo, hi = band * rows, (band + 1) * rows
    keys = _band_keys(sig, lo, hi)
    # Sort (key, row) packed into one uint64: the key's high bits above the row number.
    # A plain sort of uint64 is several times faster than a stable argsort, and members
    # of a bucket come out ascending.  The fewer key bits make collisions likelier; a
    # collision is caught below like any other (buckets are checked against real rows).
    shift = np.uint64(max(1, (n - 1).bit_length()))
    packed = np.sort(((keys >> shift) << shift) | np.arange(n, dtype=np.uint64))
    order = (packed & ((np.uint64(1) << shift) - np.uint64(1))).astype(np.int64)
    sorted_keys = packed >> shift
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    sizes = np.diff(np.append(starts, n))
    multi = sizes > 1
    starts, sizes = starts[multi], sizes[multi]
    if not len(starts):
        return
    # Verify that every member's band equals its bucket's first member's band.
    first = np.repeat(starts, sizes)
    pos = first + _ramp(sizes)
    equal = (sig[order[pos], lo:hi] == sig[order[first], lo:hi]).all(axis=1)
    if equal.all():
        yield order, starts, sizes
        return
    bad_buckets = np.unique(np.repeat(np.arange(len(starts)), sizes)[~equal])
    good = np.ones(len(starts), dtype=bool)
    good[bad_buckets] = False
    yield order, starts[good], sizes[good]
    for k in bad_buckets.tolist():
        members = order[starts[k] : starts[k] + sizes[k]]
        _, inverse = np.unique(sig[members, lo:hi], axis=0, return_inverse=True)
        for g in np.unique(inverse):
            group = np.sort(members[inverse.ravel() == g])
            if len(group) > 1:
                yield group, np.array([0]), np.array([len(group)])


def _ramp(sizes: np.ndarray) -> np.ndarray:
    """``[0, 1, …, sizes[0]-1, 0, 1, …]``."""
    total = int(sizes.sum())
    return np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def buckets(sig: np.ndarray, bands: int, rows: int, on_band: Callable[[], None] | None = None) -> Iterator[np.ndarray]:
    """Yield, band by band, the arrays of row indices that share a bucket (size >= 2),
    each sorted ascending.  ``on_band`` is called after each band (progress)."""
    if len(sig) < 2:
        return
    for band in range(bands):
        if band and on_band is not None:
            on_band()
        for order, starts, sizes in _band_groups(sig, band, rows):
            for s, z in zip(starts.tolist(), sizes.tolist()):
                yield order[s : s + z]
    if on_band is not None:
        on_band()


def _unique_pairs(chunks: list[np.ndarray], n: int) -> np.ndarray:
    """Distinct ``(i, j)`` rows of the chunks, sorted (as one int64 code each)."""
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.concatenate([c[:, 0].astype(np.int64) * n + c[:, 1] for c in chunks])
    codes.sort()
    codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return np.stack((codes // n, codes % n), axis=1)


def candidate_pairs(sig: np.ndarray, bands: int, rows: int, on_band: Callable[[], None] | None = None) -> np.ndarray:
    """Return the distinct candidate pairs ``(i, j)``, ``i < j``, as an ``(m, 2)``
    array sorted lexicographically (every bucket expanded, however large)."""
    c = candidates(sig, bands, rows, on_band, max_pair_bucket=len(sig) + 1)
    return c.pairs


#: Buckets up to this size become explicit pairs; larger ones (a family of many near
#: copies, a boilerplate variant in every document) stay groups, so their cost is
#: linear in their size, not quadratic.
MAX_PAIR_BUCKET = 32


@dataclass
class Candidates:
    """The LSH candidates of ``n`` nodes, without materializing huge buckets.

    ``pairs`` are the distinct pairs from small buckets; ``groups`` the distinct large
    buckets (sorted member arrays); ``group_ptr``/``group_ids`` map each node to the
    large buckets it belongs to (CSR)."""

    n: int
    pairs: np.ndarray
    groups: list[np.ndarray]
    group_ptr: np.ndarray
    group_ids: np.ndarray

    @classmethod
    def from_pairs(cls, n: int, pairs) -> Candidates:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return cls(n, pairs, [], np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int64))

    @property
    def implied_pairs(self) -> int:
        """Candidate pairs counted as if every bucket had been expanded (upper bound)."""
        return int(len(self.pairs)) + sum(len(g) * (len(g) - 1) // 2 for g in self.groups)

    def neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR adjacency ``(ptr, ids)`` of the explicit pairs, both directions."""
        if len(self.pairs) == 0:
            return np.zeros(self.n + 1, dtype=np.int64), np.empty(0, dtype=np.int64)
        src = np.concatenate((self.pairs[:, 0], self.pairs[:, 1]))
        dst = np.concatenate((self.pairs[:, 1], self.pairs[:, 0]))
        order = np.argsort(src, kind="stable")
        ptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=self.n), out=ptr[1:])
        return ptr, dst[order]

    def group_members(self, node: int) -> np.ndarray:
        """The members of every large bucket ``node`` is in (with ``node`` and repeats)."""
        gs = self.group_ids[self.group_ptr[node] : self.group_ptr[node + 1]].tolist()
        if not gs:
            return np.empty(0, dtype=np.int64)
        return self.groups[gs[0]] if len(gs) == 1 else np.concatenate([self.groups[g] for g in gs])


def candidates(sig: np.ndarray, bands: int, rows: int, on_band: Callable[[], None] | None = None, max_pair_bucket: int = MAX_PAIR_BUCKET) -> Candidates:
    """LSH candidates of the rows of ``sig`` (see :class:`Candidates`)."""
    n = len(sig)
    chunks: list[np.ndarray] = []
    groups: list[np.ndarray] = []
    seen_groups: set[int] = set()
    triu = {}
    for band in range(bands if n > 1 else 0):
        if band and on_band is not None:
            on_band()
        for order, starts, sizes in _band_groups(sig, band, rows):
            for z in np.unique(sizes).tolist():
                at = starts[sizes == z]
                if z > max_pair_bucket:
                    for s0 in at.tolist():
                        members = order[s0 : s0 + z].astype(np.int64)
                        key = xxhash.xxh3_64_intdigest(members.tobytes())
                        if key not in seen_groups:
                            seen_groups.add(key)
                            groups.append(members)
                    continue
                if z not in triu:
                    triu[z] = np.triu_indices(z, k=1)
                i, j = triu[z]
                left = order[at[:, None] + i].ravel()
                right = order[at[:, None] + j].ravel()
                chunks.append(np.stack((left, right), axis=1))
    if on_band is not None and n > 1:
        on_band()
    pairs = _unique_pairs(chunks, n)
    if groups:
        owner = np.concatenate([np.full(len(g), k, dtype=np.int64) for k, g in enumerate(groups)])
        node = np.concatenate(groups)
        order = np.argsort(node, kind="stable")
        group_ids = owner[order]
        group_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(node, minlength=n), out=group_ptr[1:])
    else:
        group_ids = np.empty(0, dtype=np.int64)
        group_ptr = np.zeros(n + 1, dtype=np.int64)
    return Candidates(n, pairs, groups, group_ptr, group_ids)


def low_bytes(sig: np.ndarray) -> np.ndarray:
    """The lowest byte of every signature value: a quarter of the memory to read when
    counting equal values.  Equal values have equal low bytes, so a count over the low
    bytes is an upper bound of the true count (on average 0.75 above it at 192
    permutations for unrelated texts): whatever the bound rejects, the true count
    rejects too, and only the rest needs the full values."""
    return sig.astype(np.uint8)


def estimate_filter(sig: np.ndarray, pairs: np.ndarray, minimum: float, chunk: int = 1 << 15, low: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the pairs whose MinHash estimate (share of equal signature
    values) reaches ``minimum``, computed in vectorized chunks.  With ``low`` (from
    :func:`low_bytes`) most pairs are rejected on the low bytes alone; the mask is
    the same."""
    need = int(np.ceil(minimum * sig.shape[1] - 1e-9))
    keep = np.zeros(len(pairs), dtype=bool)
    for k in range(0, len(pairs), chunk):
        p = pairs[k : k + chunk]
        if low is not None:
            maybe = np.flatnonzero(np.count_nonzero(low[p[:, 0]] == low[p[:, 1]], axis=1) >= need)
            q = p[maybe]
            keep[k + maybe] = np.count_nonzero(sig[q[:, 0]] == sig[q[:, 1]], axis=1) >= need
        else:
            keep[k : k + chunk] = np.count_nonzero(sig[p[:, 0]] == sig[p[:, 1]], axis=1) >= need
    return keep

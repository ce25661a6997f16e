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

Candidate pairs are screened by their MinHash estimate as buckets are met (see
:func:`candidates`).  Short texts that share a common phrase make buckets whose pairs
grow with the square of the corpus (131 M pairs looked at in a 1 GB news corpus), so
that screen runs in the compiled kernel when it is built (``dedup/_kernels.c``, about
35 ns a pair, nothing stored per pair), else in numpy (same result, about 5x slower).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import xxhash

try:  # the compiled kernels (see dedup.signatures): optional
    from . import _kernels
except ImportError:  # pragma: no cover - built wherever a C compiler is
    _kernels = None

__all__ = ["choose_params", "candidate_probability", "candidate_pairs", "Candidates", "candidates", "low_bytes"]


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


def _band_values(sig, band: int, rows: int) -> np.ndarray:
    """The ``(n, rows)`` values of one band: a slice of a signature matrix, or read
    from a :class:`dedup.spill.SignatureSpill` (anything with a ``band`` method)."""
    if hasattr(sig, "band"):
        return sig.band(band)
    return sig[:, band * rows : (band + 1) * rows]


def _band_keys(values: np.ndarray, native: bool = False) -> np.ndarray:
    """A 64-bit key per row of a band's values (equal bands, equal keys); ``native``:
    computed by the compiled kernel (the same keys; uint32 values only)."""
    if native:
        if values.dtype != np.uint32:
            raise ValueError("the compiled band keys take uint32 values")
        keys = np.empty(len(values), dtype=np.uint64)
        _kernels.band_keys(np.ascontiguousarray(values), values.shape[1], keys)
        return keys
    band = np.ascontiguousarray(values).astype(np.uint64)
    key = np.full(len(values), 0xCBF29CE484222325, dtype=np.uint64)
    for j in range(band.shape[1]):
        key ^= band[:, j]
        key *= np.uint64(0x100000001B3)
        key ^= key >> np.uint64(29)
    return key


def _band_groups(values: np.ndarray, keys: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The buckets of one band (its ``(n, rows)`` values and their :func:`_band_keys`),
    as ``(order, starts, sizes)``: bucket ``k`` holds ``order[starts[k] : starts[k] +
    sizes[k]]`` (ascending), sizes >= 2 only.  A 64-bit key collision would merge two
    buckets: such a bucket is split by its real rows."""
    n = len(values)
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
    equal = (values[order[pos]] == values[order[first]]).all(axis=1)
    if equal.all():
        yield order, starts, sizes
        return
    bad_buckets = np.unique(np.repeat(np.arange(len(starts)), sizes)[~equal])
    good = np.ones(len(starts), dtype=bool)
    good[bad_buckets] = False
    yield order, starts[good], sizes[good]
    for k in bad_buckets.tolist():
        members = order[starts[k] : starts[k] + sizes[k]]
        _, inverse = np.unique(values[members], axis=0, return_inverse=True)
        for g in np.unique(inverse):
            group = np.sort(members[inverse.ravel() == g])
            if len(group) > 1:
                yield group, np.array([0], dtype=np.int64), np.array([len(group)], dtype=np.int64)


def _ramp(sizes: np.ndarray) -> np.ndarray:
    """``[0, 1, …, sizes[0]-1, 0, 1, …]``."""
    total = int(sizes.sum())
    return np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def candidate_pairs(sig: np.ndarray, bands: int, rows: int, on_band: Callable[[], None] | None = None) -> np.ndarray:
    """Return the distinct candidate pairs ``(i, j)``, ``i < j``, as an ``(m, 2)``
    array sorted lexicographically (every bucket expanded, however large)."""
    c = candidates(sig, bands, rows, on_band, max_pair_bucket=len(sig) + 1)
    return c.pairs


#: Buckets up to this size become explicit pairs.  A larger bucket stays a group (the
#: clustering takes it in time linear in its size: a family of near copies joins its
#: first center) when it is *dense*, at least 1/4 of its members plausible with its
#: first one, or larger than MAX_SCREENED_BUCKET.  A sparse one (unrelated short
#: texts that share a common phrase: they grow with the corpus) is expanded into pairs
#: and screened by estimate like any small bucket, each member's low bytes read once:
#: a group's members would be estimated again by every one of them that becomes a
#: center, a cost that grows with the square of the corpus.
MAX_PAIR_BUCKET = 32
MAX_SCREENED_BUCKET = 1024
DENSE_SHARE = 0.25


@dataclass
class Candidates:
    """The LSH candidates of ``n`` nodes, without materializing huge buckets.

    ``pairs`` are the distinct pairs from expanded buckets; ``groups`` the distinct
    large buckets kept whole (sorted member arrays; see :data:`MAX_PAIR_BUCKET`);
    ``group_ptr``/``group_ids`` map each node to the groups it belongs to (CSR)."""

    n: int
    pairs: np.ndarray
    groups: list[np.ndarray]
    group_ptr: np.ndarray
    group_ids: np.ndarray
    distinct_pairs: int = -1  # distinct pairs from small buckets, before any estimate (-1: len(pairs))
    rejected: int = 0  # how many of them the estimate dropped

    def __post_init__(self):
        if self.distinct_pairs < 0:
            self.distinct_pairs = len(self.pairs)

    @classmethod
    def from_pairs(cls, n: int, pairs) -> Candidates:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return cls(n, pairs, [], np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int64))

    @property
    def implied_pairs(self) -> int:
        """Candidate pairs counted as if every bucket had been expanded (upper bound):
        a pair from small buckets is counted once; one that the estimate dropped is
        counted in the first band it shares (not at all when that band put it in a
        large bucket, which counts it already)."""
        return self.distinct_pairs + sum(len(g) * (len(g) - 1) // 2 for g in self.groups)

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


def _count_true(eq: np.ndarray) -> np.ndarray:
    """``np.count_nonzero(eq, axis=1)`` for a C-contiguous boolean matrix, about 5x
    faster: bytes of 0/1 are added eight at a time as 64-bit words (no lane exceeds
    255 while a row has at most 255 columns), then the eight lanes are folded."""
    if eq.shape[1] % 8 or eq.shape[1] > 255 or not eq.flags.c_contiguous:
        return np.count_nonzero(eq, axis=1)
    lanes = eq.view(np.uint64).sum(axis=1, dtype=np.uint64)
    return (lanes * np.uint64(0x0101010101010101)) >> np.uint64(56)


def _shared_earlier(equal: np.ndarray, band: int, rows: int) -> np.ndarray:
    """Per pair, whether all rows of some band before ``band`` are equal (``equal``:
    one row of per-value equalities per pair)."""
    if not band:
        return np.zeros(len(equal), dtype=bool)
    width = band * rows
    # Every row of a band equal: an AND of strided columns (a reduction over an axis of
    # 5 is several times slower).
    whole = equal[:, 0:width:rows].copy()
    for r in range(1, rows):
        whole &= equal[:, r:width:rows]
    return whole.any(axis=1)


def _full_equal(sig, pairs: np.ndarray) -> np.ndarray:
    """Per pair, which of the two signatures' values are equal."""
    n_cols = sig.shape[1]
    full = sig[pairs.ravel()].reshape(len(pairs), 2, n_cols)
    return full[:, 0] == full[:, 1]


def _settle(sig, pairs: np.ndarray, band: int, rows: int, need: int, decided: dict[int, tuple[bool, int]], n: int) -> int:
    """Decide the pairs that are plausible on their low bytes on their full values
    (``decided``: pair code ``i * n + j`` -> (kept, band)); returns how many were
    dropped for the first time (not sharing an earlier band).  A pair decided in an
    earlier band is not decided again; one decided only in a later band (bands may
    run in threads) is, so that its first shared band counts it."""
    if not len(pairs):
        return 0
    codes = (pairs[:, 0] * n + pairs[:, 1]).tolist()
    get = decided.get
    fresh = [k for k, c in enumerate(codes) if get(c, _UNDECIDED)[1] > band]
    if not fresh:
        return 0
    equal = _full_equal(sig, pairs[fresh])
    passed = np.count_nonzero(equal, axis=1) >= need
    for k, ok in zip(fresh, passed.tolist()):
        if band < get(codes[k], _UNDECIDED)[1]:  # keep the earliest band that decided it
            decided[codes[k]] = (ok, band)
    return int(np.count_nonzero(~passed & ~_shared_earlier(equal, band, rows)))


_UNDECIDED = (False, 1 << 62)


def _screen(sig, eq: np.ndarray, earlier: np.ndarray | None, pairs: np.ndarray, band: int, rows: int, need: int, decided: dict[int, tuple[bool, int]], n: int) -> int:
    """Screen pairs that share ``band`` by their MinHash estimate (at least ``need``
    equal values to keep the pair); ``eq[k]`` says which low bytes of pair ``k`` are
    equal, ``earlier[k]`` whether the two may share an earlier band (their band tags,
    one byte of each earlier band's key, are equal in some earlier band).  Pairs that
    may pass end up in ``decided`` (pair code ``i * n + j`` -> kept), the rest are
    dropped; returns how many pairs were dropped for the first time.  A dropped pair
    is counted in the first band it shares, so pairs that fail need not be remembered:
    they are the vast majority.

    The low bytes decide most of it: a count of equal low bytes below ``need`` means a
    count of equal values below it too, and an earlier band whose low bytes differ was
    not shared.  Full values are read only to settle the rest, once per pair.  (The
    compiled :func:`_screen_native` does the same without making ``eq``.)"""
    maybe = _count_true(eq) >= need
    at = np.flatnonzero(maybe)
    dropped = _settle(sig, pairs[at], band, rows, need, decided, n) + len(eq) - len(at)
    if band:  # dropped on the low bytes: not counted again if an earlier band was shared
        check = np.flatnonzero(~maybe & earlier)
        check = check[_shared_earlier(eq[check], band, rows)]
        if len(check):
            dropped -= int(np.count_nonzero(_shared_earlier(_full_equal(sig, pairs[check]), band, rows)))
    return dropped


def _screen_native(sig, low: np.ndarray, tags: np.ndarray, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, band: int, rows: int, need: int, decided: dict[int, tuple[bool, int]], n: int, chunk: int) -> int:
    """:func:`_screen` for every pair of the given buckets, in the compiled kernel:
    pairs are neither stored nor gathered, only the few plausible ones come back
    (their full values are then read ``chunk`` pairs at a time)."""
    plausible, recheck, failing = _kernels.screen(low, low.shape[1], order, starts, sizes, need, tags, tags.shape[1], band, rows)
    plausible = np.frombuffer(plausible, dtype=np.int64).reshape(-1, 2)
    recheck = np.frombuffer(recheck, dtype=np.int64).reshape(-1, 2)
    dropped = failing
    for k in range(0, len(plausible), chunk):
        dropped += _settle(sig, plausible[k : k + chunk], band, rows, need, decided, n)
    for k in range(0, len(recheck), chunk):
        dropped -= int(np.count_nonzero(_shared_earlier(_full_equal(sig, recheck[k : k + chunk]), band, rows)))
    return dropped


def _bucket_pieces(order: np.ndarray, at: np.ndarray, z: int, chunk: int, triu: dict) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The buckets of size ``z`` starting at ``at`` (positions in ``order``), in
    pieces of about ``chunk`` pairs: ``(members, i, j)``, where ``members`` is a
    ``(buckets, z)`` array of nodes and the pieces' pairs are ``members[:, i]`` with
    ``members[:, j]`` (``i < j``).  Small buckets come many at a time; a bucket with
    more than ``chunk`` pairs comes alone, its pairs in slices."""
    if z in triu:
        i, j = triu[z]
    else:
        i, j = np.triu_indices(z, k=1)
        if z <= 64:
            triu[z] = i, j
    ramp = np.arange(z)
    if len(i) <= chunk:
        step = max(1, chunk // len(i))
        for k in range(0, len(at), step):
            yield order[at[k : k + step, None] + ramp], i, j
        return
    for s0 in at.tolist():
        members = order[s0 : s0 + z][None, :]
        for p0 in range(0, len(i), chunk):
            yield members, i[p0 : p0 + chunk], j[p0 : p0 + chunk]


def candidates(
    sig,
    bands: int,
    rows: int,
    on_band: Callable[[], None] | None = None,
    max_pair_bucket: int = MAX_PAIR_BUCKET,
    minimum: float | None = None,
    chunk: int = 4096,
    max_screened_bucket: int = MAX_SCREENED_BUCKET,
    native: bool | None = None,
    threads: int = 1,
) -> Candidates:
    """LSH candidates of the rows of ``sig`` (see :class:`Candidates`): a signature
    matrix, or a :class:`dedup.spill.SignatureSpill` (read one band at a time).

    With ``minimum``, explicit pairs whose MinHash estimate (share of equal values) is
    below it are dropped band by band, as they are found, and only counted
    (``Candidates.rejected``): memory holds the plausible pairs only, however many
    pairs the buckets make.  Buckets larger than ``max_pair_bucket`` stay groups when
    they are dense (see :data:`MAX_PAIR_BUCKET`); their members are not estimated here.
    ``native``: screen pairs in the compiled kernel (default: when it is built; the
    numpy path gives the same result).  ``threads``: bands processed at once, in a
    pool of threads (sorting, the kernel and most numpy work release the GIL); the
    result does not depend on it.  A :class:`dedup.spill.SignatureSpill` must then be
    safe to read from several threads (it is)."""
    built = _kernels is not None and hasattr(_kernels, "screen")  # not a build older than the screen
    if native is None:
        native = built
    elif native and not built:
        raise ValueError("the compiled kernel is not built")
    n = len(sig)
    need = None if minimum is None else int(np.ceil(minimum * sig.shape[1] - 1e-9))
    low = None if need is None else np.ascontiguousarray(sig.low if hasattr(sig, "low") else low_bytes(np.asarray(sig)))
    # One byte of every band's key per node, filled band by band: nodes whose tags
    # differ in a band did not share it, so a pair's earlier bands are ruled out by
    # comparing ``band`` bytes, not ``band * rows`` low bytes (equal tags are checked).
    tags = None if need is None else np.empty((n, bands), dtype=np.uint8)
    decided: dict[int, tuple[bool, int]] = {}  # plausible pairs (code i * n + j): (kept, band decided in)
    triu: dict = {}
    # Bands are independent but for the tags of the bands before them (set as soon as
    # a band's keys are known) and the pairs already decided (a cache: a pair is
    # counted as dropped in its first shared band only, whichever band decided it
    # first); with ``threads`` > 1 they run in a pool of threads, a few at a time.
    ready = [threading.Event() for _ in range(bands)]

    def one_band(band: int) -> tuple[int, list[tuple[int, np.ndarray]], list[np.ndarray]]:
        rejected = 0
        found: list[tuple[int, np.ndarray]] = []  # large buckets kept whole: (key, members)
        kept: list[np.ndarray] = []
        try:
            values = _band_values(sig, band, rows)
            keys = _band_keys(values, native and values.dtype == np.uint32)
            if tags is not None:
                tags[:, band] = keys >> np.uint64(56)
        finally:
            ready[band].set()  # also on an error: no band waits for it forever
        if tags is not None:
            for earlier_band in range(band):
                ready[earlier_band].wait()
        for order, starts, sizes in _band_groups(values, keys):
            expand: list[tuple[np.ndarray, int]] = []  # for the kernel: (starts, size)
            for z in np.unique(sizes).tolist():
                at = starts[sizes == z]
                if z > max_pair_bucket:
                    sparse = []
                    for s0 in at.tolist():
                        members = order[s0 : s0 + z].astype(np.int64)
                        if need is not None and z <= max_screened_bucket:
                            # Upper bound of each member's count of values equal to the first's.
                            plausible = np.count_nonzero(np.count_nonzero(low[members] == low[members[0]], axis=1) >= need)
                            if plausible < DENSE_SHARE * z:
                                sparse.append(s0)
                                continue
                        found.append((xxhash.xxh3_64_intdigest(members.tobytes()), members))
                    if not sparse:
                        continue
                    at = np.array(sparse, dtype=np.int64)
                if native and need is not None:
                    expand.append((at, z))
                    continue
                for members, i, j in _bucket_pieces(order, at, z, chunk, triu):
                    pairs = np.stack((members[:, i].ravel(), members[:, j].ravel()), axis=1).astype(np.int64)
                    if need is None:
                        kept.append(pairs)
                        continue
                    # Each member's low bytes are gathered once per bucket, not once per
                    # pair: random reads of a large matrix are the cost here.
                    member_low = low[members]
                    eq = (member_low[:, i] == member_low[:, j]).reshape(len(pairs), -1)
                    earlier = None
                    if band:
                        member_tags = tags[members, :band]
                        earlier = (member_tags[:, i] == member_tags[:, j]).reshape(len(pairs), band).any(axis=1)
                    rejected += _screen(sig, eq, earlier, pairs, band, rows, need, decided, n)
            if expand:
                at = np.concatenate([a for a, _ in expand])
                z = np.concatenate([np.full(len(a), z, dtype=np.int64) for a, z in expand])
                rejected += _screen_native(sig, low, tags, order, at, z, band, rows, need, decided, n, chunk)
        return rejected, found, kept

    todo = range(bands if n > 1 else 0)
    results: list[tuple[int, list[tuple[int, np.ndarray]], list[np.ndarray]]] = []
    if threads > 1 and len(todo) > 1:
        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dedup-lsh")
        futures: deque[Future] = deque()

        def take() -> None:
            results.append(futures.popleft().result())
            if on_band is not None and len(results) < len(todo):
                on_band()

        try:
            # At most `threads` + 1 bands submitted, in band order: a band's memory is
            # freed as soon as it is taken in.
            for band in todo:
                futures.append(pool.submit(one_band, band))
                if len(futures) > threads:
                    take()
            while futures:
                take()
        finally:
            pool.shutdown(cancel_futures=True)
    else:
        for band in todo:
            if band and on_band is not None:
                on_band()
            results.append(one_band(band))
    if on_band is not None and n > 1:
        on_band()
    rejected = sum(r for r, _, _ in results)
    kept = [p for _, _, k in results for p in k]
    groups: list[np.ndarray] = []
    seen_groups: set[int] = set()
    for _, found, _ in results:  # in band order: the same groups whatever the threads
        for key, members in found:
            if key not in seen_groups:
                seen_groups.add(key)
                groups.append(members)
    if need is not None:  # distinct already
        codes = np.sort(np.array([c for c, (ok, _) in decided.items() if ok], dtype=np.int64))
    else:  # a pair shared by several bands comes once per band
        codes = np.sort(np.concatenate([p[:, 0] * n + p[:, 1] for p in kept])) if kept else np.empty(0, dtype=np.int64)
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if len(codes) else codes
    pairs = np.stack((codes // n, codes % n), axis=1)
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
    return Candidates(n, pairs, groups, group_ptr, group_ids, len(pairs) + rejected, rejected)


def low_bytes(sig: np.ndarray) -> np.ndarray:
    """The lowest byte of every signature value: a quarter of the memory to read when
    counting equal values.  Equal values have equal low bytes, so a count over the low
    bytes is an upper bound of the true count (on average 0.75 above it at 192
    permutations for unrelated texts): whatever the bound rejects, the true count
    rejects too, and only the rest needs the full values."""
    return sig.astype(np.uint8)

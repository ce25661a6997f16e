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
grow with the square of the corpus, so that screen runs in the compiled kernel when it
is built (``dedup/_kernels.c``: nothing stored per pair), else in numpy (the same
result, slower).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import xxhash

try:  # the compiled kernels (see dedup.signatures): optional
    from . import _kernels
except ImportError:  # pragma: no cover - built wherever a C compiler is
    _kernels = None

from .tuning import DEFAULT_TUNING

__all__ = [
    "Candidates",
    "LshOptions",
    "band_keys",
    "band_values",
    "candidate_pairs",
    "candidate_probability",
    "candidates",
    "choose_params",
    "count_true",
    "low_bytes",
]


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


def band_values(sig, band: int, rows: int) -> np.ndarray:
    """The ``(n, rows)`` values of one band: a slice of a signature matrix, or read
    from a :class:`dedup.spill.SignatureSpill` (anything with a ``band`` method)."""
    if hasattr(sig, "band"):
        return sig.band(band)
    return sig[:, band * rows : (band + 1) * rows]


def band_keys(values: np.ndarray, native: bool = False) -> np.ndarray:
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
    """The buckets of one band (its ``(n, rows)`` values and their :func:`band_keys`),
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
    c = candidates(sig, bands, rows, LshOptions(max_pair_bucket=len(sig) + 1), on_band=on_band)
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
        """Candidates of ``n`` nodes that are these pairs only (no large bucket)."""
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


@dataclass(frozen=True)
class LshOptions:
    """How :func:`candidates` works.

    ``minimum``: explicit pairs whose MinHash estimate (share of equal values) is below
    it are dropped band by band, as they are found, and only counted
    (``Candidates.rejected``): memory holds the plausible pairs only, however many
    pairs the buckets make (None: every pair is kept).  Buckets larger than
    ``max_pair_bucket`` stay groups when they are dense or larger than
    ``max_screened_bucket`` (see :data:`MAX_PAIR_BUCKET`); their members are not
    estimated here.  ``native``: screen pairs in the compiled kernel (None: when it is
    built; the numpy path gives the same result).  ``chunk``: pairs gathered and
    screened at once.  ``threads``: bands processed at once, in a pool of threads
    (sorting, the kernel and most numpy work release the GIL).  Neither ``native``,
    ``chunk`` nor ``threads`` changes the result."""

    minimum: float | None = None
    max_pair_bucket: int = MAX_PAIR_BUCKET
    max_screened_bucket: int = MAX_SCREENED_BUCKET
    chunk: int = DEFAULT_TUNING.lsh_chunk
    native: bool | None = None
    threads: int = 1


def count_true(eq: np.ndarray) -> np.ndarray:
    """``np.count_nonzero(eq, axis=1)`` for a boolean matrix, faster when it is
    C-contiguous with a multiple of 8 columns (at most 255): bytes of 0/1 are added
    eight at a time as 64-bit words (no lane exceeds 255), then the eight lanes are
    folded."""
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


_UNDECIDED = (False, 1 << 62)


class _PairScreen:
    """The estimate screen of :func:`candidates`, shared by its bands: pairs need at
    least ``need`` equal values to be kept.

    ``low``: the low bytes of every signature (:func:`low_bytes`); ``tags``: one byte of
    every band's key per node, filled band by band (nodes whose tags differ in a band
    did not share it, so a pair's earlier bands are ruled out by comparing ``band``
    bytes, not ``band * rows`` low bytes; equal tags are checked).  ``decided``: the
    plausible pairs (code ``i * n + j``) -> (kept, band decided in).  A dropped pair is
    counted in the first band it shares, so pairs that fail need not be remembered:
    they are the vast majority."""

    def __init__(self, sig, bands: int, rows: int, minimum: float):
        self.sig, self.rows, self.n = sig, rows, len(sig)
        self.need = int(np.ceil(minimum * sig.shape[1] - 1e-9))
        self.low = np.ascontiguousarray(low_of(sig))
        self.tags = np.empty((self.n, bands), dtype=np.uint8)
        self.decided: dict[int, tuple[bool, int]] = {}

    def settle(self, pairs: np.ndarray, band: int) -> int:
        """Decide the pairs that are plausible on their low bytes on their full values;
        returns how many were dropped for the first time (not sharing an earlier band).
        A pair decided in an earlier band is not decided again; one decided only in a
        later band (bands may run in threads) is, so that its first shared band counts
        it."""
        if not len(pairs):
            return 0
        codes = (pairs[:, 0] * self.n + pairs[:, 1]).tolist()
        get = self.decided.get
        fresh = [k for k, c in enumerate(codes) if get(c, _UNDECIDED)[1] > band]
        if not fresh:
            return 0
        equal = _full_equal(self.sig, pairs[fresh])
        passed = np.count_nonzero(equal, axis=1) >= self.need
        for k, ok in zip(fresh, passed.tolist()):
            if band < get(codes[k], _UNDECIDED)[1]:  # keep the earliest band that decided it
                self.decided[codes[k]] = (ok, band)
        return int(np.count_nonzero(~passed & ~_shared_earlier(equal, band, self.rows)))

    def screen(self, eq: np.ndarray, earlier: np.ndarray | None, pairs: np.ndarray, band: int) -> int:
        """Screen pairs that share ``band``; ``eq[k]`` says which low bytes of pair
        ``k`` are equal, ``earlier[k]`` whether the two may share an earlier band
        (their tags are equal in some earlier band).  Returns how many pairs were
        dropped for the first time.

        The low bytes decide most of it: a count of equal low bytes below ``need``
        means a count of equal values below it too, and an earlier band whose low bytes
        differ was not shared.  Full values are read only to settle the rest, once per
        pair.  (:meth:`screen_native` does the same without making ``eq``.)"""
        maybe = count_true(eq) >= self.need
        at = np.flatnonzero(maybe)
        dropped = self.settle(pairs[at], band) + len(eq) - len(at)
        if band:  # dropped on the low bytes: not counted again if an earlier band was shared
            check = np.flatnonzero(~maybe & earlier)
            check = check[_shared_earlier(eq[check], band, self.rows)]
            if len(check):
                dropped -= int(np.count_nonzero(_shared_earlier(_full_equal(self.sig, pairs[check]), band, self.rows)))
        return dropped

    def screen_native(self, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, band: int, chunk: int) -> int:
        """:meth:`screen` for every pair of the given buckets, in the compiled kernel:
        pairs are neither stored nor gathered, only the few plausible ones come back
        (their full values are then read ``chunk`` pairs at a time)."""
        low, tags = self.low, self.tags
        plausible, recheck, failing = _kernels.screen(low, low.shape[1], order, starts, sizes, self.need, tags, tags.shape[1], band, self.rows)
        plausible = np.frombuffer(plausible, dtype=np.int64).reshape(-1, 2)
        recheck = np.frombuffer(recheck, dtype=np.int64).reshape(-1, 2)
        dropped = failing
        for k in range(0, len(plausible), chunk):
            dropped += self.settle(plausible[k : k + chunk], band)
        for k in range(0, len(recheck), chunk):
            dropped -= int(np.count_nonzero(_shared_earlier(_full_equal(self.sig, recheck[k : k + chunk]), band, self.rows)))
        return dropped

    def kept_codes(self) -> np.ndarray:
        """The codes of the pairs kept, ascending (distinct already)."""
        return np.sort(np.array([c for c, (ok, _) in self.decided.items() if ok], dtype=np.int64))


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


@dataclass
class _BandResult:
    """What one band found: pairs dropped by the screen (counted), large buckets kept
    whole (``(key, members)``) and, without a screen, its explicit pairs."""

    rejected: int = 0
    groups: list[tuple[int, np.ndarray]] = field(default_factory=list)
    pairs: list[np.ndarray] = field(default_factory=list)


class _Bands:
    """The bands of one :func:`candidates` call.  Bands are independent but for the tags
    of the bands before them (set as soon as a band's keys are known: ``ready``) and
    the pairs already decided (a cache: a pair is counted as dropped in its first
    shared band only, whichever band decided it first)."""

    def __init__(self, sig, bands: int, rows: int, options: LshOptions, native: bool, screen: _PairScreen | None):
        self.sig, self.rows, self.options, self.native, self.screen = sig, rows, options, native, screen
        self.ready = [threading.Event() for _ in range(bands)]
        self.triu: dict = {}

    def run(self, band: int) -> _BandResult:
        """Find the buckets of ``band`` and turn them into groups and pairs."""
        try:
            values = band_values(self.sig, band, self.rows)
            keys = band_keys(values, self.native and values.dtype == np.uint32)
            if self.screen is not None:
                self.screen.tags[:, band] = keys >> np.uint64(56)
        finally:
            self.ready[band].set()  # also on an error: no band waits for it forever
        if self.screen is not None:
            for earlier_band in range(band):
                self.ready[earlier_band].wait()
        result = _BandResult()
        for order, starts, sizes in _band_groups(values, keys):
            self._buckets(band, order, starts, sizes, result)
        return result

    def _buckets(self, band: int, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, result: _BandResult) -> None:
        expand: list[tuple[np.ndarray, int]] = []  # for the kernel: (starts, size)
        for z in np.unique(sizes).tolist():
            at = starts[sizes == z]
            if z > self.options.max_pair_bucket:
                at = self._large_buckets(order, at, z, result)
                if not len(at):
                    continue
            if self.native and self.screen is not None:
                expand.append((at, z))
                continue
            self._expand(band, order, at, z, result)
        if expand:
            at = np.concatenate([a for a, _ in expand])
            z = np.concatenate([np.full(len(a), z, dtype=np.int64) for a, z in expand])
            result.rejected += self.screen.screen_native(order, at, z, band, self.options.chunk)

    def _large_buckets(self, order: np.ndarray, at: np.ndarray, z: int, result: _BandResult) -> np.ndarray:
        """Keep the dense buckets of size ``z`` (or those too large to screen) whole, as
        groups; return the starts of the sparse ones, to be expanded into pairs."""
        screen = self.screen
        sparse = []
        for s0 in at.tolist():
            members = order[s0 : s0 + z].astype(np.int64)
            if screen is not None and z <= self.options.max_screened_bucket:
                # Upper bound of each member's count of values equal to the first's.
                plausible = np.count_nonzero(np.count_nonzero(screen.low[members] == screen.low[members[0]], axis=1) >= screen.need)
                if plausible < DENSE_SHARE * z:
                    sparse.append(s0)
                    continue
            result.groups.append((xxhash.xxh3_64_intdigest(members.tobytes()), members))
        return np.array(sparse, dtype=np.int64)

    def _expand(self, band: int, order: np.ndarray, at: np.ndarray, z: int, result: _BandResult) -> None:
        """The pairs of the buckets of size ``z`` starting at ``at``: screened (numpy),
        or kept as they are without a screen."""
        screen = self.screen
        for members, i, j in _bucket_pieces(order, at, z, self.options.chunk, self.triu):
            pairs = np.stack((members[:, i].ravel(), members[:, j].ravel()), axis=1).astype(np.int64)
            if screen is None:
                result.pairs.append(pairs)
                continue
            # Each member's low bytes are gathered once per bucket, not once per pair:
            # random reads of a large matrix are the cost here.
            member_low = screen.low[members]
            eq = (member_low[:, i] == member_low[:, j]).reshape(len(pairs), -1)
            earlier = None
            if band:
                member_tags = screen.tags[members, :band]
                earlier = (member_tags[:, i] == member_tags[:, j]).reshape(len(pairs), band).any(axis=1)
            result.rejected += screen.screen(eq, earlier, pairs, band)


def _run_bands(run: Callable[[int], _BandResult], n_bands: int, threads: int, on_band: Callable[[], None] | None) -> list[_BandResult]:
    """``run`` every band, in a pool of ``threads`` threads when there are several;
    the results in band order.  ``on_band`` is called after each band but the last."""
    results: list[_BandResult] = []
    if threads <= 1 or n_bands <= 1:
        for band in range(n_bands):
            if band and on_band is not None:
                on_band()
            results.append(run(band))
        return results
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dedup-lsh")
    futures: deque[Future] = deque()

    def take() -> None:
        results.append(futures.popleft().result())
        if on_band is not None and len(results) < n_bands:
            on_band()

    try:
        # At most `threads` + 1 bands submitted, in band order: a band's memory is
        # freed as soon as it is taken in.
        for band in range(n_bands):
            futures.append(pool.submit(run, band))
            if len(futures) > threads:
                take()
        while futures:
            take()
    finally:
        pool.shutdown(cancel_futures=True)
    return results


def _distinct_groups(results: list[_BandResult]) -> list[np.ndarray]:
    """The large buckets kept whole, each once, in band order (the same groups
    whatever the threads)."""
    groups: list[np.ndarray] = []
    seen: set[int] = set()
    for result in results:
        for key, members in result.groups:
            if key not in seen:
                seen.add(key)
                groups.append(members)
    return groups


def _distinct_codes(pairs: list[np.ndarray], n: int) -> np.ndarray:
    """The codes ``i * n + j`` of the pairs, ascending, each once (a pair shared by
    several bands comes once per band)."""
    codes = np.sort(np.concatenate([p[:, 0] * n + p[:, 1] for p in pairs])) if pairs else np.empty(0, dtype=np.int64)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if len(codes) else codes


def _group_index(groups: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(group_ptr, group_ids)``: the groups each of the ``n`` nodes is in."""
    group_ptr = np.zeros(n + 1, dtype=np.int64)
    if not groups:
        return group_ptr, np.empty(0, dtype=np.int64)
    owner = np.concatenate([np.full(len(g), k, dtype=np.int64) for k, g in enumerate(groups)])
    node = np.concatenate(groups)
    order = np.argsort(node, kind="stable")
    np.cumsum(np.bincount(node, minlength=n), out=group_ptr[1:])
    return group_ptr, owner[order]


def _use_native(native: bool | None) -> bool:
    built = _kernels is not None and hasattr(_kernels, "screen")  # not a build older than the screen
    if native is None:
        return built
    if native and not built:
        raise ValueError("the compiled kernel is not built")
    return native


def candidates(sig, bands: int, rows: int, options: LshOptions | None = None, *, on_band: Callable[[], None] | None = None) -> Candidates:
    """LSH candidates of the rows of ``sig`` (see :class:`Candidates`): a signature
    matrix, or a :class:`dedup.spill.SignatureSpill` (read one band at a time; it must
    be safe to read from several threads when ``options.threads`` > 1: it is).
    ``options``: see :class:`LshOptions`.  ``on_band`` is called once per band."""
    options = options or LshOptions()
    native = _use_native(options.native)
    n = len(sig)
    screen = None if options.minimum is None else _PairScreen(sig, bands, rows, options.minimum)
    work = _Bands(sig, bands, rows, options, native, screen)
    results = _run_bands(work.run, bands if n > 1 else 0, options.threads, on_band)
    if on_band is not None and n > 1:
        on_band()
    rejected = sum(r.rejected for r in results)
    groups = _distinct_groups(results)
    codes = screen.kept_codes() if screen is not None else _distinct_codes([p for r in results for p in r.pairs], n)
    pairs = np.stack((codes // n, codes % n), axis=1)
    group_ptr, group_ids = _group_index(groups, n)
    return Candidates(n, pairs, groups, group_ptr, group_ids, len(pairs) + rejected, rejected)


def low_of(sig) -> np.ndarray:
    """The low bytes of ``sig``'s signatures: kept by a :class:`~dedup.spill.SignatureSpill`,
    made from an array."""
    return sig.low if hasattr(sig, "low") else low_bytes(np.asarray(sig))


def low_bytes(sig: np.ndarray) -> np.ndarray:
    """The lowest byte of every signature value: a quarter of the memory to read when
    counting equal values.  Equal values have equal low bytes, so a count over the low
    bytes is an upper bound of the true count (on average 0.75 above it at 192
    permutations for unrelated texts): whatever the bound rejects, the true count
    rejects too, and only the rest needs the full values."""
    return sig.astype(np.uint8)

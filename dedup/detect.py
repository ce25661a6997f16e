"""Detection: documents in, clusters and a removal plan out.

Stages, each a pure function over plain data:

1. :func:`analyze_batch` (runs in worker processes with ``jobs > 1``): split each
   document into blocks, normalize every block, key it by xxh3-128 of its normalized
   form (the exact tier), and for every distinct key not signed before (by this
   process or, in a worker, by this worker) compute its shingle set and MinHash
   signature.  Blocks shorter than ``min_chars`` get no key: they are kept and counted,
   never compared.
2. Merge the batches in document order: distinct normalized texts become *nodes*.
3. LSH over the node signatures gives candidate pairs (:mod:`dedup.lsh`).
4. Star clustering verifies candidates and forms clusters (:mod:`dedup.cluster`).
5. Every cluster keeps its canonical block; all other members are removed.

Nothing here depends on the number of workers or on batch sizes: batches are merged in
document order and every stage is deterministic.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np
import xxhash

from .cluster import star_clusters
from .config import ScanConfig
from .errors import WorkerError
from .lsh import Candidates, LshOptions, candidates
from .memory import release_memory
from .model import Blocks, Document
from .normalize import normalize, weighted_length
from .pool import WORKER_DIED, worker_context, worker_init
from .progress import bar as progress_bar
from .shingle import jaccard, jaccard_many, shingle_hashes, shingle_sets
from .signatures import permutations, resolve_engine, signatures, signatures_flat
from .spill import SignatureSpill
from .split import split_rows

__all__ = ["Member", "Cluster", "Detection", "detect", "analyze_batch", "ESTIMATE_MARGIN"]

#: Candidates whose MinHash estimate is this far below the threshold are rejected
#: without the exact check (a pair at the threshold 0.65 falls that low with probability
#: 7e-6 at 192 permutations: 4.4 standard deviations); nothing is ever accepted on an estimate.
ESTIMATE_MARGIN = 0.15
SHINGLE_AHEAD = 512  # nodes shingled at once during verification
SHINGLE_CACHE = 32768  # shingle sets kept for verification (about 10 KB each at most)
#: A center's candidates are estimated and verified this many at a time.  A family of
#: near copies can be as large as the corpus (a footer numbered with the page, on
#: every page: one center, 102,856 candidates in a 480 MB benchmark corpus); taken at
#: once, its shingle sets and their flattened copies took 1.5 GB more peak memory.
VERIFY_CHUNK = 8192


@dataclass(frozen=True, slots=True)
class Member:
    doc: int  # index into Detection.documents
    block: int  # index into that document's blocks
    similarity: float  # verified similarity to the canonical block (1.0: same normalized text)
    match: str  # "canonical", "exact" or "near"


@dataclass(frozen=True, slots=True)
class Cluster:
    id: int
    kind: str  # "exact": all members share one normalized text; "near" otherwise
    scope: str  # "within": one document; "across": several
    members: tuple[Member, ...]  # members[0] is the canonical block (kept)

    @property
    def canonical(self) -> Member:
        return self.members[0]


@dataclass
class Detection:
    documents: list[Document]
    blocks: list[Blocks]  # per document (a sequence of Block)
    clusters: list[Cluster]
    removed: list[set[int]]  # per document: indices of removed blocks
    short_blocks: int  # blocks below min_chars: never compared, always kept
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


@dataclass
class _Batch:
    """What one batch's analysis sends back: plain arrays, cheap to pickle."""

    counts: np.ndarray  # blocks per document
    rows: np.ndarray  # (blocks, 5) int64: start, end, seg_start, seg_end, line
    slot: np.ndarray  # per block: index into new_keys, or -1 (too short to compare)
    new_keys: list[int]  # the batch's distinct exact keys, in first-seen order
    signed: np.ndarray  # which of them were signed (ascending indices into new_keys)
    sigs: np.ndarray  # their signatures, one row per signed key
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # split+normalize+key, shingle+hash, sign


def analyze_batch(
    texts: Sequence[str | bytes],
    config: ScanConfig,
    perms: tuple[np.ndarray, np.ndarray] | None = None,
    known: Container[int] = (),
) -> _Batch:
    """Split, normalize, key, shingle and sign a batch of documents (pure); texts may
    come as UTF-8 (:attr:`Document.data`: half the size to send to a worker).
    ``perms``: the MinHash permutations (:func:`dedup.signatures.permutations`), so
    that a worker need not import datasketch to make them.  Keys in ``known`` (texts
    whose signature the caller has already) are listed but not shingled or signed:
    boilerplate that every page repeats is signed once, not once per batch.
    ``seconds`` of the result: the time its three steps took (never part of a result
    that is compared or reported)."""
    t0 = time.perf_counter()
    hasher = xxhash.xxh3_128_intdigest
    min_chars = config.min_chars
    all_rows: list[tuple[int, int, int, int, int]] = []
    counts: list[int] = []
    slot: list[int] = []
    first: dict[int, int] = {}
    signed: list[int] = []  # indices (into first) of the keys to sign
    norms: list[str] = []  # their normalized texts
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogatepass")
        rows = split_rows(text, config.unit)
        counts.append(len(rows))
        all_rows.extend(rows)
        for start, end, *_ in rows:
            norm = normalize(text[start:end])
            if weighted_length(norm) < min_chars:
                slot.append(-1)
                continue
            key = hasher(norm.encode("utf-8", "surrogatepass"))
            k = first.get(key)
            if k is None:
                k = first[key] = len(first)
                if key not in known:
                    signed.append(k)
                    norms.append(norm)
            slot.append(k)
    engine = resolve_engine(config.minhash_engine, config.scheme)
    t1 = time.perf_counter()
    if engine != "datasketch":
        # Flat hashes straight into the signatures: no per-text sorted set is made.
        flat, sizes = shingle_hashes(norms, config.shingle, config.ngram)
        t2 = time.perf_counter()
        sigs = signatures_flat(flat, sizes, config.num_perm, config.seed, config.scheme, perms, engine)
    else:
        sets = shingle_sets(norms, config.shingle, config.ngram)
        t2 = time.perf_counter()
        sigs = signatures(sets, config.num_perm, config.seed, config.scheme, engine)
    t3 = time.perf_counter()
    return _Batch(
        np.array(counts, dtype=np.int64),
        np.array(all_rows, dtype=np.int64).reshape(-1, 5),
        np.array(slot, dtype=np.int64),
        list(first),
        np.array(signed, dtype=np.int64),
        sigs,
        (t1 - t0, t2 - t1, t3 - t2),
    )


#: In a worker process: the keys this worker has signed, least recently met first (at
#: most WORKER_KEYS: about 40 MB; a worker's peak RSS went 50 -> 88 MB at 300 MB).  A
#: key here was signed in an earlier batch of this worker, and the main process merges
#: batches in the order they were submitted, which is the order each worker takes them
#: in: by the time this batch is merged, the signature is known.  Forgetting a key only
#: means signing it again.
_signed_here: dict[int, None] = {}
WORKER_KEYS = 1 << 18


def _analyze_in_worker(texts: Sequence[bytes], config: ScanConfig, perms) -> _Batch:
    """:func:`analyze_batch` in a pool worker, skipping the texts it signed before."""
    res = analyze_batch(texts, config, perms, known=_signed_here)
    for key in res.new_keys:  # signed now or met again: most recently used last
        _signed_here.pop(key, None)
        _signed_here[key] = None
    if len(_signed_here) > WORKER_KEYS:
        for key in list(itertools.islice(_signed_here, len(_signed_here) - WORKER_KEYS // 2)):
            del _signed_here[key]
    return res


def _batches(documents: Iterable[Document], max_chars: int = 1 << 19, max_docs: int = 2000) -> Iterator[list[Document]]:
    """Cut the document stream into batches as it comes (the last may be short)."""
    cur: list[Document] = []
    size = 0
    for doc in documents:
        cur.append(doc)
        size += doc.length
        if size >= max_chars or len(cur) >= max_docs:
            yield cur
            cur, size = [], 0
    if cur:
        yield cur


def _policy_primary(config: ScanConfig, documents: Sequence[Document], rows: np.ndarray, flat_doc: np.ndarray) -> np.ndarray | None:
    """Per block, the part of the keep policy that comes before reading order
    (smaller is better): none for ``first``, minus the length for ``longest``, the
    document's date for ``earliest`` (undated documents after every dated one)."""
    if config.keep == "longest":
        return -(rows[:, 1] - rows[:, 0])
    if config.keep == "earliest":
        dates = sorted({doc.date for doc in documents if doc.date})
        rank = {d: i for i, d in enumerate(dates)}
        doc_rank = np.array([rank.get(doc.date, len(dates)) if doc.date else len(dates) for doc in documents], dtype=np.int64)
        return doc_rank[flat_doc]
    return None


def detect(
    documents: Iterable[Document],
    config: ScanConfig,
    *,
    progress: bool = False,
    expected: int | Callable[[], int | None] | None = None,
) -> Detection:
    """Find the duplicate blocks of ``documents`` (in their reading order).  They may
    come as a stream (an iterator that reads them): with ``jobs > 1`` the workers
    analyze the first batches while the next are read.  ``expected``: how many
    documents to show in the progress bar when ``documents`` has no length, or a
    function giving the best estimate so far (asked again as batches are merged: a
    JSONL file's count is known once it is read)."""
    bands, rows_per_band = config.lsh_params
    # Signatures go to disk as they arrive (see dedup.spill); their files are removed
    # when detection ends, however it ends.
    with SignatureSpill(config.num_perm, bands, rows_per_band) as spill:
        return _detect(documents, config, spill, progress, expected)


def _detect(stream: Iterable[Document], config: ScanConfig, sig: SignatureSpill, progress: bool, expected: int | Callable[[], int | None] | None) -> Detection:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    documents: list[Document] = []  # filled as the stream is read
    if expected is None and isinstance(stream, Sequence):
        expected = len(stream)
    estimate = expected if callable(expected) else None

    def collected() -> Iterator[Document]:
        for doc in stream:
            documents.append(doc)
            yield doc

    def bar(total: int | None, desc: str, unit: str):
        return progress_bar(total, desc, unit, progress)

    # 1-2. analyze batches (in order) and merge them into nodes: a node is a distinct
    # normalized text, numbered in order of first appearance.  The merge touches each
    # batch's distinct keys, never a block one at a time.
    node_of_key: dict[int, int] = {}
    count_parts: list[np.ndarray] = []
    row_parts: list[np.ndarray] = []
    node_parts: list[np.ndarray] = []
    executor: ProcessPoolExecutor | None = None
    # Batches in flight, oldest first: enough to keep every worker busy while the main
    # process reads on, few enough that results are merged (and their memory freed) soon.
    in_flight: deque[tuple[Future, int]] = deque()
    window = 2 * config.jobs + 2
    work = [0.0, 0.0, 0.0]  # seconds of each step of the analysis, summed over batches

    def merge(res: _Batch, n_docs: int) -> None:
        slot_node = np.empty(len(res.new_keys), dtype=np.int64)
        sig_row = np.full(len(res.new_keys), -1, dtype=np.int64)
        sig_row[res.signed] = np.arange(len(res.signed))
        fresh = []
        for r, (key, row) in enumerate(zip(res.new_keys, sig_row.tolist())):
            node = node_of_key.get(key)
            if node is None:
                if row < 0:  # skipped as known: cannot happen (see _signed_here)
                    raise RuntimeError("internal error: a text was not signed and is not known")
                node = node_of_key[key] = len(node_of_key)
                fresh.append(row)
            slot_node[r] = node
        sig.append(res.sigs[fresh])
        block_node = np.full(len(res.slot), -1, dtype=np.int64)  # -1: too short to compare
        compared_here = res.slot >= 0
        block_node[compared_here] = slot_node[res.slot[compared_here]]
        node_parts.append(block_node)
        count_parts.append(res.counts)
        row_parts.append(res.rows)
        for k, seconds in enumerate(res.seconds):
            work[k] += seconds
        if estimate is not None:
            total = estimate()
            if total is not None and total != pbar.total:
                pbar.total = max(total, pbar.n + n_docs)
        pbar.update(n_docs)

    try:
        perms = permutations(config.num_perm, config.seed, config.scheme) if config.scheme != "legacy" else None
        held: list[bytes] | None = None  # the first batch, until a second shows workers are worth starting
        with bar(estimate() if estimate is not None else expected, "analyze", "doc") as pbar:
            for batch in _batches(collected()):
                texts = [doc.data for doc in batch]
                if config.jobs <= 1:  # every text merged so far has its signature
                    merge(analyze_batch(texts, config, perms, known=node_of_key), len(texts))
                    continue
                if executor is None:
                    if held is None:
                        held = texts
                        continue
                    executor = ProcessPoolExecutor(max_workers=config.jobs, mp_context=worker_context(), initializer=worker_init)
                    in_flight.append((executor.submit(_analyze_in_worker, held, config, perms), len(held)))
                    held = None
                in_flight.append((executor.submit(_analyze_in_worker, texts, config, perms), len(texts)))
                while len(in_flight) > window:
                    future, n_docs = in_flight.popleft()
                    merge(future.result(), n_docs)
            if held is not None:  # a single batch: no workers
                merge(analyze_batch(held, config, perms, known=node_of_key), len(held))
            while in_flight:
                future, n_docs = in_flight.popleft()
                merge(future.result(), n_docs)
    except BrokenProcessPool as exc:
        raise WorkerError(WORKER_DIED) from exc
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)  # after an error (a bad input file): drop what is queued
    node_of_key.clear()
    n_nodes = len(sig)
    counts = np.concatenate(count_parts) if count_parts else np.zeros(0, dtype=np.int64)
    rows = np.concatenate(row_parts) if row_parts else np.zeros((0, 5), dtype=np.int64)
    block_node = np.concatenate(node_parts) if node_parts else np.zeros(0, dtype=np.int64)
    for parts in (count_parts, row_parts, node_parts):
        parts.clear()
    release_memory()
    doc_ptr = np.concatenate(([0], np.cumsum(counts)))
    flat_doc = np.repeat(np.arange(len(documents), dtype=np.int64), counts)
    block_index = np.arange(len(rows), dtype=np.int64) - doc_ptr[flat_doc]
    blocks = [Blocks(rows[lo:hi]) for lo, hi in zip(doc_ptr[:-1].tolist(), doc_ptr[1:].tolist())]
    compared = np.flatnonzero(block_node >= 0)
    short = len(rows) - len(compared)
    timings["analyze"] = time.perf_counter() - t0
    # Seconds of work inside the analysis, added up over the batches: with workers they
    # ran side by side, so their sum may exceed the stage's wall time.
    timings["split_normalize"], timings["shingle_hash"], timings["signatures"] = work

    # Each node's blocks in reading order, and its best block under the keep policy
    # (policy first, then document order, then block order): vectorized.
    doc_order = np.array([doc.order for doc in documents], dtype=np.int64)
    primary = _policy_primary(config, documents, rows, flat_doc)
    sort_keys = [block_index[compared], doc_order[flat_doc[compared]]]
    if primary is not None:
        sort_keys.append(primary[compared])
    by_policy = compared[np.lexsort(sort_keys)]
    _, first_pos = np.unique(block_node[by_policy], return_index=True)
    best_block = by_policy[first_pos]  # per node: its canonical block (flat index)
    rank = np.empty(n_nodes, dtype=np.int64)
    rank[np.argsort(first_pos, kind="stable")] = np.arange(n_nodes)
    node_count = np.bincount(block_node[compared], minlength=n_nodes)
    multi = node_count > 1
    by_node = compared[np.argsort(block_node[compared], kind="stable")]  # grouped by node, reading order
    node_ptr = np.concatenate(([0], np.cumsum(node_count)))

    # 3. candidates.
    t1 = time.perf_counter()
    bands, rows_per_band = sig.bands, sig.rows_per_band
    # Pairs whose MinHash estimate is far below the threshold cannot pass verification
    # (the estimator's standard deviation at 0.65 with 192 permutations is 0.034): they
    # are dropped as LSH finds them, so neither memory nor the clustering loop meets
    # more than the plausible pairs.
    cutoff = config.threshold - ESTIMATE_MARGIN
    with bar(bands, "candidates", "band") as pbar:
        # --minhash-engine numpy/datasketch: no compiled code at all (same result).
        native = None if config.minhash_engine in ("auto", "native") else False
        # With --jobs > 1, bands run in as many threads (never more than the cores).
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        threads = max(1, min(config.jobs, cores))
        cands = candidates(sig, bands, rows_per_band, LshOptions(minimum=cutoff, native=native, threads=threads), on_band=pbar.update) if n_nodes > 1 else Candidates.from_pairs(n_nodes, [])
    low = sig.low  # most estimates need only a quarter of the signature bytes
    release_memory()
    timings["lsh"] = time.perf_counter() - t1

    # 4. verify and cluster.  Shingle sets are not kept from the analysis (they would
    # dominate memory): the nodes that meet a plausible candidate are shingled again
    # from their text (see similarity_many below), and forgotten once they belong to a
    # cluster (they are never compared again).
    # Oldest first; an OrderedDict drops its oldest entry in O(1), a dict whose front
    # was deleted walks over the holes on every next(iter(...)) (3.6 s at 1 GB).
    shingle_cache: OrderedDict[int, np.ndarray] = OrderedDict()
    threshold = config.threshold

    text_of_doc = functools.lru_cache(maxsize=1024)(lambda d: documents[d].text)  # each document decoded once, mostly

    def text_of(node: int) -> str:
        f = int(by_node[node_ptr[node]])
        start, end = rows[f, 0:2].tolist()
        return normalize(text_of_doc(int(flat_doc[f]))[start:end])

    # Shingling one center's candidates at a time costs more in call overhead than in
    # work, so the nodes of explicit pairs are shingled ahead, a few hundred at once, in
    # the order the clustering first needs them (a pair is met when its better-ranked
    # side is visited).  The cache is bounded: the oldest entries go first.
    ahead: list[int] = []
    if len(cands.pairs):
        first_met = np.minimum(rank[cands.pairs[:, 0]], rank[cands.pairs[:, 1]])
        need = np.full(n_nodes, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(need, cands.pairs[:, 0], first_met)
        np.minimum.at(need, cands.pairs[:, 1], first_met)
        paired = np.unique(cands.pairs)
        ahead = paired[np.argsort(need[paired], kind="stable")].tolist()
    ahead_at = 0

    def in_chunks(fn: Callable[[int, np.ndarray], np.ndarray], center: int, others: np.ndarray) -> np.ndarray:
        """``fn(center, others)``, ``VERIFY_CHUNK`` of the others at a time."""
        parts = [fn(center, others[i : i + VERIFY_CHUNK]) for i in range(0, len(others), VERIFY_CHUNK)]
        return np.concatenate(parts) if parts else np.empty(0)

    def similarity_many(center: int, others: np.ndarray) -> np.ndarray:
        sims = in_chunks(similarity_chunk, center, others)
        shingle_cache.pop(center, None)  # a center is never compared again
        return sims

    verifying = [0.0]  # seconds spent computing true similarities (part of "cluster")

    def similarity_chunk(center: int, others: np.ndarray) -> np.ndarray:
        t = time.perf_counter()
        try:
            return _similarity_chunk(center, others)
        finally:
            verifying[0] += time.perf_counter() - t

    def _similarity_chunk(center: int, others: np.ndarray) -> np.ndarray:
        nonlocal ahead_at
        missing = [n for n in [center, *others.tolist()] if n not in shingle_cache]
        if missing:
            wanted = set(missing)
            while len(missing) < SHINGLE_AHEAD and ahead_at < len(ahead):
                node = ahead[ahead_at]
                ahead_at += 1
                if node not in shingle_cache and node not in wanted:
                    missing.append(node)
            for node, sh in zip(missing, shingle_sets([text_of(n) for n in missing], config.shingle, config.ngram)):
                shingle_cache[node] = sh
        sims = jaccard_many(shingle_cache[center], [shingle_cache[o] for o in others.tolist()])
        shingle_cache.move_to_end(center)  # needed again by the next chunk, if any
        for node in others[sims >= threshold].tolist():  # the nodes that join are never compared again
            del shingle_cache[node]
        while len(shingle_cache) > SHINGLE_CACHE:
            shingle_cache.popitem(last=False)
        return sims

    n_perm = sig.shape[1]

    def estimate(center: int, others: np.ndarray) -> np.ndarray:
        return in_chunks(estimate_chunk, center, others)

    def estimate_chunk(center: int, others: np.ndarray) -> np.ndarray:
        # The share of equal low bytes (in memory) bounds the estimate from above: it
        # settles every candidate below the cut-off; the full values are read from the
        # spill for the rest only.
        est = (low[others] == low[center]).sum(axis=1) / n_perm
        maybe = np.flatnonzero(est >= cutoff)
        if len(maybe):
            full = sig[np.append(others[maybe], center)]
            est[maybe] = (full[:-1] == full[-1]).sum(axis=1) / n_perm
        return est

    t2 = time.perf_counter()
    with bar(n_nodes, "verify+cluster", "text") as pbar:
        node_clusters, counts = star_clusters(
            n_nodes,
            rank,
            cands,
            lambda a, b: jaccard(*shingle_sets([text_of(a), text_of(b)], config.shingle, config.ngram)),  # pairwise form; similarity_many does the work
            config.threshold,
            multi,
            pbar.update,
            estimate,
            ESTIMATE_MARGIN,
            similarity_many=similarity_many,
            pairs_estimated=True,
        )
    timings["cluster"] = time.perf_counter() - t2
    timings["verify"] = verifying[0]

    # 5. canonical copy and members.
    def place(flat: list[int]) -> list[tuple[int, int]]:
        return list(zip(flat_doc[flat].tolist(), block_index[flat].tolist()))

    clusters: list[Cluster] = []
    removed: list[set[int]] = [set() for _ in documents]
    for nc in node_clusters:
        canonical = int(best_block[nc.center])
        cd, cb = int(flat_doc[canonical]), int(block_index[canonical])
        members = [Member(cd, cb, 1.0, "canonical")]
        center_blocks = by_node[node_ptr[nc.center] : node_ptr[nc.center + 1]]
        others = [(d, b, 1.0, "exact") for d, b in place(center_blocks[center_blocks != canonical])]
        for node, sim in nc.members:
            others.extend((d, b, float(sim), "near") for d, b in place(by_node[node_ptr[node] : node_ptr[node + 1]]))
        others.sort(key=lambda m: (documents[m[0]].order, m[1]))
        members.extend(Member(*m) for m in others)
        for m in others:
            removed[m[0]].add(m[1])
        kind = "near" if nc.members else "exact"
        scope = "within" if len({m.doc for m in members}) == 1 else "across"
        clusters.append(Cluster(0, kind, scope, tuple(members)))
    clusters.sort(key=lambda c: (documents[c.canonical.doc].order, c.canonical.block))
    clusters = [Cluster(i + 1, c.kind, c.scope, c.members) for i, c in enumerate(clusters)]
    stats = {
        "distinct_texts": n_nodes,
        "candidate_pairs": cands.implied_pairs,
        "rejected_by_estimate": counts.pop("rejected_by_estimate") + cands.rejected,
        **counts,
    }
    return Detection(documents, blocks, clusters, removed, short, stats, timings)

"""The analysis, the first stage of detection: documents in, blocks and nodes out.

:func:`analyze_batch` (run in worker processes with ``jobs > 1``) splits each document
of a batch into blocks, normalizes every block, keys it by xxh3-128 of its normalized
form (the exact tier), and for every distinct key not signed before (by this process
or, in a worker, by this worker) computes its shingles and MinHash signature.  Blocks
shorter than ``min_chars`` get no key: they are never compared alone (only a short
key, for menu runs: :mod:`dedup.runs`).

:func:`analyze` cuts the document stream into batches (:func:`batches`), has them
analyzed here or in workers (:func:`analyzed_batches`) and merges the results in
document order (:class:`NodeMerger`): distinct normalized texts become *nodes*,
numbered in order of first appearance, whose signatures go to the
:class:`dedup.spill.SignatureSpill`.  The result, an :class:`Analysis`, holds every
block of the corpus and its node.  Nothing depends on the number of workers or on
batch sizes: batches are merged in document order.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import time
from collections import Counter, deque
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np
import xxhash

from .config import ScanConfig
from .contain import Fingerprints
from .errors import WorkerError
from .memory import release_memory
from .model import Blocks, Document
from .normalize import normalize, weighted_length
from .pool import WORKER_DIED, worker_context, worker_init
from .rules import tag_shapes
from .shingle import shingle_hashes, shingle_sets
from .signatures import permutations, resolve_engine, signatures, signatures_flat
from .spill import SignatureSpill
from .split import split_rows
from .tuning import DEFAULT_TUNING, Tuning

__all__ = [
    "Analysis",
    "AnalyzedBatch",
    "NodeBlocks",
    "NodeMerger",
    "RecentKeys",
    "analyze",
    "analyze_batch",
    "analyze_in_worker",
    "analyze_remembering",
    "analyzed_batches",
    "batches",
]

Perms = tuple[np.ndarray, np.ndarray]


@dataclass
class AnalyzedBatch:
    """What one batch's analysis sends back: plain arrays, cheap to pickle."""

    blocks_per_doc: np.ndarray  # blocks of each document of the batch
    rows: np.ndarray  # (blocks, 5) int64: start, end, seg_start, seg_end, line
    slot: np.ndarray  # per block: index into new_keys, or -1 (too short to compare)
    new_keys: list[int]  # the batch's distinct exact keys, in first-seen order
    signed: np.ndarray  # which of them were signed (ascending indices into new_keys)
    sigs: np.ndarray  # their signatures, one row per signed key
    fingerprints: Fingerprints | None = None  # of each signed key, for containment (see dedup.contain)
    short_keys: np.ndarray | None = None  # per block: 64-bit key of a short block's normalized text (0: none)
    tags: list[list[str]] | None = None  # per signed key: the affixes it might carry as a tag (dedup.rules.tag_shapes)
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # split+normalize+key, shingle+hash, sign


def analyze_batch(
    texts: Sequence[str | bytes],
    config: ScanConfig,
    perms: Perms | None = None,
    known: Container[int] = (),
) -> AnalyzedBatch:
    """Split, normalize, key, shingle and sign a batch of documents (pure); texts may
    come as UTF-8 (:attr:`Document.data`: less to send to a worker than a string).
    ``perms``: the MinHash permutations (:func:`dedup.signatures.permutations`), so
    that a worker need not import datasketch to make them.  Keys in ``known`` (texts
    whose signature the caller has already) are listed but not shingled or signed:
    boilerplate that every page repeats is signed once, not once per batch.
    ``seconds`` of the result: the time its three steps took (never part of a result
    that is compared or reported)."""
    t0 = time.perf_counter()
    keyed = _key_blocks(texts, config, known)
    t1 = time.perf_counter()
    engine = resolve_engine(config.minhash_engine, config.scheme)
    if engine != "datasketch":
        # Flat hashes straight into the signatures: no per-text sorted set is made.
        flat, sizes = shingle_hashes(keyed.norms, config.shingle, config.ngram)
        t2 = time.perf_counter()
        sigs = signatures_flat(flat, sizes, config.num_perm, config.seed, config.scheme, perms, engine)
    else:
        sets = shingle_sets(keyed.norms, config.shingle, config.ngram)
        t2 = time.perf_counter()
        sigs = signatures(sets, config.num_perm, config.seed, config.scheme, engine)
    fingerprints = None
    if config.containment:
        if engine == "datasketch" or (config.shingle, config.ngram) != ("char", 5):
            flat, sizes = shingle_hashes(keyed.norms, "char", 5)  # positional character 5-grams
        fingerprints = Fingerprints.of(flat, sizes, [len(t) for t in keyed.norms], native=engine == "native")
    t3 = time.perf_counter()
    return AnalyzedBatch(
        np.array(keyed.blocks_per_doc, dtype=np.int64),
        np.array(keyed.rows, dtype=np.int64).reshape(-1, 5),
        np.array(keyed.slot, dtype=np.int64),
        list(keyed.first),
        np.array(keyed.signed, dtype=np.int64),
        sigs,
        fingerprints,
        np.array(keyed.short_keys, dtype=np.uint64) if config.min_run else None,
        keyed.tags if config.containment and config.tags else None,
        (t1 - t0, t2 - t1, t3 - t2),
    )


@dataclass
class _Keyed:
    """The blocks of a batch with their exact keys (see :func:`_key_blocks`)."""

    rows: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    blocks_per_doc: list[int] = field(default_factory=list)
    slot: list[int] = field(default_factory=list)  # per block: index into first, or -1
    first: dict[int, int] = field(default_factory=dict)  # distinct keys -> index, first seen first
    signed: list[int] = field(default_factory=list)  # indices (into first) of the keys to sign
    norms: list[str] = field(default_factory=list)  # their normalized texts
    short_keys: list[int] = field(default_factory=list)  # per block: key of a short block (0: compared, or empty)
    tags: list[list[str]] = field(default_factory=list)  # per text to sign: its possible tags


def _key_blocks(texts: Sequence[str | bytes], config: ScanConfig, known: Container[int]) -> _Keyed:
    """Split and normalize every text of a batch and key its blocks; list the
    normalized texts to sign (new keys not in ``known``)."""
    hasher = xxhash.xxh3_128_intdigest
    short_hasher = xxhash.xxh3_64_intdigest if config.min_run else None
    shapes = tag_shapes if config.containment and config.tags else None
    min_chars = config.min_chars
    out = _Keyed()
    first, slot, signed, norms, short_keys, tags = out.first, out.slot, out.signed, out.norms, out.short_keys, out.tags
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogatepass")
        rows = split_rows(text, config.unit)
        out.blocks_per_doc.append(len(rows))
        out.rows.extend(rows)
        for start, end, *_ in rows:
            norm = normalize(text[start:end])
            if weighted_length(norm) < min_chars:
                slot.append(-1)
                if short_hasher is not None:
                    # 0 marks "no key": a text hashing to 0 is taken as its neighbour 1
                    short_keys.append((short_hasher(norm.encode("utf-8", "surrogatepass")) or 1) if norm else 0)
                continue
            if short_hasher is not None:
                short_keys.append(0)
            key = hasher(norm.encode("utf-8", "surrogatepass"))
            k = first.get(key)
            if k is None:
                k = first[key] = len(first)
                if key not in known:
                    signed.append(k)
                    norms.append(norm)
                    if shapes is not None:
                        tags.append(shapes(text[start:end]))
            slot.append(k)
    return out


class RecentKeys:
    """The keys met most recently, at most ``capacity`` of them: what a worker process
    remembers having signed.  :meth:`remember` moves keys to the most recent end;
    past the capacity, the least recently met are forgotten, down to half of it.
    Forgetting a key only means signing it again."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        #: The keys, least recently met first (a dict: the fastest ``in`` for
        #: :func:`analyze_batch`'s ``known``).
        self.keys: dict[int, None] = {}

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    def __len__(self) -> int:
        return len(self.keys)

    def remember(self, keys: Iterable[int]) -> None:
        """Mark ``keys`` as met now (signed now or met again), then forget the least
        recent if there are more than ``capacity``."""
        known = self.keys
        for key in keys:
            known.pop(key, None)
            known[key] = None
        if len(known) > self.capacity:
            for key in list(itertools.islice(known, len(known) - self.capacity // 2)):
                del known[key]


def analyze_remembering(texts: Sequence[str | bytes], config: ScanConfig, perms: Perms | None, memory: RecentKeys) -> AnalyzedBatch:
    """:func:`analyze_batch`, skipping the texts whose keys are in ``memory``, then
    remembering every key of the batch there."""
    res = analyze_batch(texts, config, perms, known=memory.keys)
    memory.remember(res.new_keys)
    return res


#: In a worker process: the keys this worker has signed.  A key here was signed in an
#: earlier batch of this worker, and the main process merges batches in the order they
#: were submitted, which is the order each worker takes them in: by the time this batch
#: is merged, the signature is known.
_worker_memory: RecentKeys | None = None


def analyze_in_worker(texts: Sequence[bytes], config: ScanConfig, perms: Perms | None, worker_keys: int) -> AnalyzedBatch:
    """:func:`analyze_batch` in a pool worker, skipping the texts it signed before (it
    remembers at most ``worker_keys`` keys, see :class:`RecentKeys`)."""
    global _worker_memory
    if _worker_memory is None or _worker_memory.capacity != worker_keys:
        _worker_memory = RecentKeys(worker_keys)
    return analyze_remembering(texts, config, perms, _worker_memory)


def batches(documents: Iterable[Document], max_chars: int = DEFAULT_TUNING.batch_chars, max_docs: int = DEFAULT_TUNING.batch_docs) -> Iterator[list[Document]]:
    """Cut the document stream into batches as it comes (the last may be short): a
    batch closes once it holds ``max_chars`` characters or ``max_docs`` documents."""
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


def analyzed_batches(
    batched: Iterable[list[Document]],
    config: ScanConfig,
    perms: Perms | None,
    known: Container[int],
    worker_keys: int = DEFAULT_TUNING.worker_keys,
) -> Iterator[tuple[AnalyzedBatch, int]]:
    """Analyze batches and yield each result with its number of documents, in the
    order of the batches.  With ``config.jobs`` 1 (or a single batch) here, skipping
    the keys in ``known`` (the caller's merged keys, which it must update before
    asking for the next result); else in ``jobs`` worker processes, each skipping what
    it signed before.  Close the iterator when done (the workers stop then)."""
    if config.jobs <= 1:  # every text merged so far has its signature
        for batch in batched:
            texts = [doc.data for doc in batch]
            yield analyze_batch(texts, config, perms, known=known), len(texts)
        return
    executor: ProcessPoolExecutor | None = None
    # Batches in flight, oldest first: enough to keep every worker busy while the main
    # process reads on, few enough that results are merged (and their memory freed) soon.
    in_flight: deque[tuple[Future, int]] = deque()
    window = 2 * config.jobs + 2
    held: list[bytes] | None = None  # the first batch, until a second shows workers are worth starting
    try:
        for batch in batched:
            texts = [doc.data for doc in batch]
            if executor is None:
                if held is None:
                    held = texts
                    continue
                executor = ProcessPoolExecutor(max_workers=config.jobs, mp_context=worker_context(), initializer=worker_init)
                in_flight.append((executor.submit(analyze_in_worker, held, config, perms, worker_keys), len(held)))
                held = None
            in_flight.append((executor.submit(analyze_in_worker, texts, config, perms, worker_keys), len(texts)))
            while len(in_flight) > window:
                future, n_docs = in_flight.popleft()
                yield future.result(), n_docs
        if held is not None:  # a single batch: no workers
            yield analyze_batch(held, config, perms, known=known), len(held)
        while in_flight:
            future, n_docs = in_flight.popleft()
            yield future.result(), n_docs
    except BrokenProcessPool as exc:
        raise WorkerError(WORKER_DIED) from exc
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)  # after an error (a bad input file): drop what is queued


@dataclass
class NodeBlocks:
    """The compared blocks of every node, CSR: node ``n``'s blocks (flat indices, in
    reading order) are ``blocks[ptr[n] : ptr[n + 1]]``."""

    blocks: np.ndarray
    ptr: np.ndarray

    @classmethod
    def of(cls, block_node: np.ndarray, n_nodes: int, compared: np.ndarray | None = None) -> NodeBlocks:
        """The blocks of each of ``n_nodes`` nodes, from every block's node (-1: none);
        ``compared``: the blocks that have one, when the caller has them already."""
        if compared is None:
            compared = np.flatnonzero(block_node >= 0)
        count = np.bincount(block_node[compared], minlength=n_nodes)
        by_node = compared[np.argsort(block_node[compared], kind="stable")]  # grouped by node, reading order
        return cls(by_node, np.concatenate(([0], np.cumsum(count))))

    @property
    def multi(self) -> np.ndarray:
        """Per node: whether it stands for two blocks or more."""
        return np.diff(self.ptr) > 1

    def blocks_of(self, node: int) -> np.ndarray:
        """The blocks of ``node``, in reading order."""
        return self.blocks[self.ptr[node] : self.ptr[node + 1]]

    def first_block(self, node: int) -> int:
        """The first block of ``node`` in reading order."""
        return int(self.blocks[self.ptr[node]])


@dataclass
class Analysis:
    """Every block of the corpus, in reading order (flat indices), and its node.

    ``rows``: ``(blocks, 5)`` start, end, seg_start, seg_end, line of every block;
    ``doc_ptr``: document ``d``'s blocks are ``rows[doc_ptr[d] : doc_ptr[d + 1]]``;
    ``block_node``: per block its node (a distinct normalized text, numbered in order
    of first appearance), -1 when it is too short to compare.  The nodes' signatures
    are in the spill the analysis wrote to.  ``work``: seconds of the three steps of
    the analysis (split+normalize, shingle+hash, signatures) summed over batches.
    ``fingerprints``: each node's, for containment (:class:`dedup.contain.Fingerprints`);
    ``short_key``: each short block's key, for menu runs (:mod:`dedup.runs`)."""

    documents: list[Document]
    rows: np.ndarray
    doc_ptr: np.ndarray
    block_node: np.ndarray
    n_nodes: int
    work: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fingerprints: Fingerprints | None = None  # per node, for containment (None: containment off)
    short_key: np.ndarray | None = None  # per block: key of a short block (0: none; None: runs off)
    tags: Counter = field(default_factory=Counter)  # possible tag -> distinct texts carrying it
    doc_of_block: np.ndarray = field(init=False)  # per block: its document
    block_index: np.ndarray = field(init=False)  # per block: its index in its document
    compared: np.ndarray = field(init=False)  # the blocks that have a node, ascending
    nodes: NodeBlocks = field(init=False)

    def __post_init__(self) -> None:
        counts = np.diff(self.doc_ptr)
        self.doc_of_block = np.repeat(np.arange(len(self.documents), dtype=np.int64), counts)
        self.block_index = np.arange(len(self.rows), dtype=np.int64) - self.doc_ptr[self.doc_of_block]
        self.compared = np.flatnonzero(self.block_node >= 0)
        self.nodes = NodeBlocks.of(self.block_node, self.n_nodes, self.compared)

    @property
    def short_blocks(self) -> int:
        """Blocks too short to compare alone (removed only as parts of repeated runs)."""
        return len(self.rows) - len(self.compared)

    def blocks(self) -> list[Blocks]:
        """The blocks of every document."""
        return [Blocks(self.rows[lo:hi]) for lo, hi in zip(self.doc_ptr[:-1].tolist(), self.doc_ptr[1:].tolist())]


class NodeMerger:
    """Merges analyzed batches, in document order, into nodes: appends the signatures
    of new nodes to ``spill`` and keeps every block's node.  The merge touches each
    batch's distinct keys, never a block one at a time."""

    def __init__(self, spill: SignatureSpill):
        self.spill = spill
        #: Exact key -> node: what the analysis in this process may skip signing.
        self.node_of_key: dict[int, int] = {}
        self._counts: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._nodes: list[np.ndarray] = []
        self._fingerprints: list[Fingerprints] = []
        self._short: list[np.ndarray] = []
        self.tags: Counter = Counter()  # possible tag -> distinct texts that carry it
        self.work = [0.0, 0.0, 0.0]  # seconds of each step of the analysis, summed over batches

    def add(self, res: AnalyzedBatch) -> None:
        """Merge the next batch (batches come in document order)."""
        node_of_key = self.node_of_key
        slot_node = np.empty(len(res.new_keys), dtype=np.int64)
        sig_row = np.full(len(res.new_keys), -1, dtype=np.int64)
        sig_row[res.signed] = np.arange(len(res.signed))
        fresh = []
        for r, (key, row) in enumerate(zip(res.new_keys, sig_row.tolist())):
            node = node_of_key.get(key)
            if node is None:
                if row < 0:  # skipped as known: cannot happen (see _worker_memory)
                    raise RuntimeError("internal error: a text was not signed and is not known")
                node = node_of_key[key] = len(node_of_key)
                fresh.append(row)
            slot_node[r] = node
        self.spill.append(res.sigs[fresh])
        if res.fingerprints is not None:
            self._fingerprints.append(res.fingerprints.take(fresh))
        if res.short_keys is not None:
            self._short.append(res.short_keys)
        if res.tags is not None:
            for row in fresh:
                self.tags.update(res.tags[row])
        block_node = np.full(len(res.slot), -1, dtype=np.int64)  # -1: too short to compare
        compared_here = res.slot >= 0
        block_node[compared_here] = slot_node[res.slot[compared_here]]
        self._nodes.append(block_node)
        self._counts.append(res.blocks_per_doc)
        self._rows.append(res.rows)
        for k, seconds in enumerate(res.seconds):
            self.work[k] += seconds

    def finish(self, documents: list[Document]) -> Analysis:
        """The :class:`Analysis` of the merged batches (``documents``: theirs, in
        order); the merge's own memory is given back first."""
        self.node_of_key.clear()
        n_nodes = len(self.spill)
        counts = np.concatenate(self._counts) if self._counts else np.zeros(0, dtype=np.int64)
        rows = np.concatenate(self._rows) if self._rows else np.zeros((0, 5), dtype=np.int64)
        block_node = np.concatenate(self._nodes) if self._nodes else np.zeros(0, dtype=np.int64)
        fingerprints = Fingerprints.concat(self._fingerprints) if self._fingerprints else None
        short_key = np.concatenate(self._short) if self._short else None
        for parts in (self._counts, self._rows, self._nodes, self._fingerprints, self._short):
            parts.clear()
        release_memory()
        doc_ptr = np.concatenate(([0], np.cumsum(counts)))
        return Analysis(documents, rows, doc_ptr, block_node, n_nodes, (self.work[0], self.work[1], self.work[2]), fingerprints, short_key, self.tags)


def _collect(documents: Iterable[Document], into: list[Document]) -> Iterator[Document]:
    """The documents as they come, each also appended to ``into``; one without an
    ``order`` is numbered by its position in the stream."""
    for doc in documents:
        if doc.order is None:
            doc = doc.replace(order=len(into))
        into.append(doc)
        yield doc


def analyze(
    documents: Iterable[Document],
    config: ScanConfig,
    spill: SignatureSpill,
    tuning: Tuning = DEFAULT_TUNING,
    *,
    cut: Callable[[Iterable[Document]], Iterable[list[Document]]] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> Analysis:
    """Analyze ``documents`` (a stream: read as the analysis goes) into ``spill`` and
    return the :class:`Analysis`.  ``cut`` cuts the stream into batches (default:
    :func:`batches` with ``tuning``'s sizes); ``on_batch(n)`` is told when a batch of
    ``n`` documents has been merged."""
    if cut is None:
        cut = functools.partial(batches, max_chars=tuning.batch_chars, max_docs=tuning.batch_docs)
    read: list[Document] = []  # filled as the stream is read
    merger = NodeMerger(spill)
    perms = permutations(config.num_perm, config.seed, config.scheme) if config.scheme != "legacy" else None
    results = analyzed_batches(cut(_collect(documents, read)), config, perms, merger.node_of_key, tuning.worker_keys)
    with contextlib.closing(results):
        for res, n_docs in results:
            merger.add(res)
            if on_batch is not None:
                on_batch(n_docs)
    return merger.finish(read)

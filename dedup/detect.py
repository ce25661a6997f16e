"""Detection: documents in, clusters and a removal plan out.

Stages, each a pure function over plain data:

1. :func:`analyze_batch` (runs in worker processes with ``jobs > 1``): split each
   document into blocks, normalize every block, key it by xxh3-128 of its normalized
   form (the exact tier), and for every distinct key compute its shingle set and MinHash
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

import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import xxhash
from tqdm import tqdm

from .cluster import star_clusters
from .config import ScanConfig
from .lsh import Candidates, candidates, estimate_filter
from .model import Block, Document
from .normalize import normalize, weighted_length
from .shingle import jaccard, jaccard_many, shingle_hashes, shingle_sets
from .signatures import signatures, signatures_flat
from .split import split

__all__ = ["Member", "Cluster", "Detection", "detect", "analyze_batch", "ESTIMATE_MARGIN"]

#: Candidates whose MinHash estimate is this far below the threshold are rejected
#: without the exact check (a pair at the threshold 0.65 falls that low with probability
#: about 1e-5 at 192 permutations: 4.4 standard deviations); nothing is ever accepted on an estimate.
ESTIMATE_MARGIN = 0.15


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
    blocks: list[list[Block]]
    clusters: list[Cluster]
    removed: list[set[int]]  # per document: indices of removed blocks
    short_blocks: int  # blocks below min_chars: never compared, always kept
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


@dataclass
class _Batch:
    blocks: list[list[Block]]
    keys: list[list[int]]  # per block: exact key, or -1 for a block too short to compare
    new_keys: list[int]
    sigs: np.ndarray


def analyze_batch(texts: Sequence[str], config: ScanConfig) -> _Batch:
    """Split, normalize, key, shingle and sign a batch of documents (pure)."""
    hasher = xxhash.xxh3_128_intdigest
    all_blocks, all_keys = [], []
    first: dict[int, int] = {}
    norms: list[str] = []
    for text in texts:
        blocks = split(text, config.unit)
        keys = []
        for b in blocks:
            norm = normalize(text[b.start : b.end])
            if weighted_length(norm) < config.min_chars:
                keys.append(-1)
                continue
            key = hasher(norm.encode("utf-8", "surrogatepass"))
            keys.append(key)
            if key not in first:
                first[key] = len(norms)
                norms.append(norm)
        all_blocks.append(blocks)
        all_keys.append(keys)
    if config.minhash_engine == "numpy" and config.scheme != "legacy":
        # Flat hashes straight into the signatures: no per-text sorted set is made.
        flat, counts = shingle_hashes(norms, config.shingle, config.ngram)
        sigs = signatures_flat(flat, counts, config.num_perm, config.seed, config.scheme)
    else:
        sigs = signatures(shingle_sets(norms, config.shingle, config.ngram), config.num_perm, config.seed, config.scheme, config.minhash_engine)
    return _Batch(all_blocks, all_keys, list(first), sigs)


def _batches(documents: Sequence[Document], max_chars: int = 1 << 19, max_docs: int = 2000) -> list[list[int]]:
    out: list[list[int]] = []
    cur: list[int] = []
    size = 0
    for i, doc in enumerate(documents):
        cur.append(i)
        size += len(doc.text)
        if size >= max_chars or len(cur) >= max_docs:
            out.append(cur)
            cur, size = [], 0
    if cur:
        out.append(cur)
    return out


def _policy_key(config: ScanConfig, doc: Document, block: Block) -> tuple:
    if config.keep == "longest":
        primary: tuple = (-(block.end - block.start),)
    elif config.keep == "earliest":
        primary = (0, doc.date) if doc.date else (1, "")
    else:
        primary = ()
    return (*primary, doc.order, block.index)


def detect(documents: Sequence[Document], config: ScanConfig, *, progress: bool = False) -> Detection:
    """Find the duplicate blocks of ``documents`` (already in their reading order)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    documents = list(documents)
    batches = _batches(documents)

    def bar(total: int, desc: str, unit: str):
        return tqdm(total=total, desc=desc, unit=unit, disable=not progress, file=sys.stderr, leave=False, dynamic_ncols=True)

    # 1-2. analyze batches (in order) and merge them into nodes.
    blocks: list[list[Block]] = [[] for _ in documents]
    block_node: list[list[int]] = [[] for _ in documents]
    node_of_key: dict[int, int] = {}
    node_rep: list[tuple[int, int]] = []  # a (document, block) standing for each node
    sig_parts: list[np.ndarray] = []
    short = 0
    results: Iterable[_Batch]
    executor = ProcessPoolExecutor(max_workers=config.jobs) if config.jobs > 1 and len(batches) > 1 else None
    try:
        texts = ([documents[i].text for i in batch] for batch in batches)
        if executor is None:
            results = (analyze_batch(t, config) for t in texts)
        else:
            results = executor.map(analyze_batch, texts, [config] * len(batches))
        with bar(len(documents), "analyze", "doc") as pbar:
            for batch, res in zip(batches, results):
                new = set()
                rows = []
                for row, key in enumerate(res.new_keys):
                    if key not in node_of_key:
                        node_of_key[key] = len(node_rep)
                        node_rep.append((-1, -1))
                        new.add(node_of_key[key])
                        rows.append(row)
                sig_parts.append(res.sigs[rows])  # one array per batch, not one per text
                for doc_index, doc_blocks, keys in zip(batch, res.blocks, res.keys):
                    blocks[doc_index] = doc_blocks
                    nodes = [node_of_key[k] if k != -1 else -1 for k in keys]
                    for b, node in enumerate(nodes):
                        if node in new:
                            node_rep[node] = (doc_index, b)
                            new.discard(node)
                    short += nodes.count(-1)
                    block_node[doc_index] = nodes
                pbar.update(len(batch))
    finally:
        if executor is not None:
            executor.shutdown()
    n_nodes = len(node_rep)
    sig = np.concatenate(sig_parts) if sig_parts else np.empty((0, config.num_perm), dtype=np.uint32)
    del sig_parts
    timings["analyze"] = time.perf_counter() - t0

    # Blocks of every node, in reading order, and each node's best policy key.
    node_blocks: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    best_key: list[tuple | None] = [None] * n_nodes
    for d, (doc, nodes) in enumerate(zip(documents, block_node)):
        for b, node in enumerate(nodes):
            if node < 0:
                continue
            node_blocks[node].append((d, b))
            key = _policy_key(config, doc, blocks[d][b])
            if best_key[node] is None or key < best_key[node]:
                best_key[node] = key
    order = sorted(range(n_nodes), key=lambda n: best_key[n])  # type: ignore[arg-type, return-value]
    rank = np.empty(n_nodes, dtype=np.int64)
    rank[order] = np.arange(n_nodes)
    multi = np.array([len(nb) > 1 for nb in node_blocks], dtype=bool)

    # 3. candidates.
    t1 = time.perf_counter()
    bands, rows = config.lsh_params
    with bar(bands, "candidates", "band") as pbar:
        cands = candidates(sig, bands, rows, pbar.update) if n_nodes > 1 else Candidates.from_pairs(n_nodes, [])
    implied_pairs = cands.implied_pairs
    # Pairs whose MinHash estimate is far below the threshold cannot pass verification
    # (the estimator's standard deviation at 0.65 with 192 permutations is 0.034): drop
    # them in one vectorized pass, so the clustering loop only meets plausible pairs.
    explicit = len(cands.pairs)
    cands.pairs = cands.pairs[estimate_filter(sig, cands.pairs, config.threshold - ESTIMATE_MARGIN)]
    prefiltered = explicit - len(cands.pairs)
    timings["lsh"] = time.perf_counter() - t1

    # 4. verify and cluster.  Shingle sets are not kept from the analysis (they would
    # dominate memory): the few nodes that meet a plausible candidate are shingled
    # again from their text, once each.
    shingle_cache: dict[int, np.ndarray] = {}

    def text_of(node: int) -> str:
        d, b = node_rep[node]
        block = blocks[d][b]
        return normalize(documents[d].text[block.start : block.end])

    # Nodes of the surviving explicit pairs are shingled in one batch.
    paired = np.unique(cands.pairs).tolist() if len(cands.pairs) else []
    for node, sh in zip(paired, shingle_sets([text_of(n) for n in paired], config.shingle, config.ngram)):
        shingle_cache[node] = sh

    def similarity_many(center: int, others: np.ndarray) -> np.ndarray:
        missing = [n for n in [center, *others.tolist()] if n not in shingle_cache]
        for node, sh in zip(missing, shingle_sets([text_of(n) for n in missing], config.shingle, config.ngram)):
            shingle_cache[node] = sh
        return jaccard_many(shingle_cache[center], [shingle_cache[o] for o in others.tolist()])

    def shingles_of(node: int) -> np.ndarray:
        sh = shingle_cache.get(node)
        if sh is None:
            sh = shingle_cache[node] = shingle_sets([text_of(node)], config.shingle, config.ngram)[0]
        return sh

    t2 = time.perf_counter()
    with bar(n_nodes, "verify+cluster", "text") as pbar:
        node_clusters, counts = star_clusters(
            n_nodes,
            rank,
            cands,
            lambda a, b: jaccard(shingles_of(a), shingles_of(b)),
            config.threshold,
            multi,
            pbar.update,
            lambda center, others: (sig[others] == sig[center]).sum(axis=1) / sig.shape[1],
            ESTIMATE_MARGIN,
            similarity_many=similarity_many,
        )
    timings["cluster"] = time.perf_counter() - t2

    # 5. canonical copy and members.
    def policy(db: tuple[int, int]) -> tuple:
        return _policy_key(config, documents[db[0]], blocks[db[0]][db[1]])

    clusters: list[Cluster] = []
    removed: list[set[int]] = [set() for _ in documents]
    for nc in node_clusters:
        center_blocks = node_blocks[nc.center]
        canonical = min(center_blocks, key=policy)
        members = [Member(canonical[0], canonical[1], 1.0, "canonical")]
        others = [(d, b, 1.0, "exact") for d, b in center_blocks if (d, b) != canonical]
        for node, sim in nc.members:
            others.extend((d, b, float(sim), "near") for d, b in node_blocks[node])
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
        "candidate_pairs": implied_pairs,
        "rejected_by_estimate": counts.pop("rejected_by_estimate") + prefiltered,
        **counts,
    }
    return Detection(documents, blocks, clusters, removed, short, stats, timings)

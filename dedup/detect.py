"""Detection: documents in, clusters and a removal plan out.

The stages, each in a module of its own and testable alone, with plain data between
them:

1. :func:`dedup.analyze.analyze`: split, normalize, key (the exact tier), shingle and
   sign every block, in batches (in worker processes with ``jobs > 1``), and merge the
   batches in document order into *nodes*, the distinct normalized texts
   (:class:`dedup.analyze.Analysis`; the signatures go to a
   :class:`dedup.spill.SignatureSpill`).
2. :func:`dedup.rank.rank_nodes`: the keep policy gives each node its best block and a
   rank.
3. :func:`dedup.lsh.candidates`: LSH over the node signatures gives candidate pairs,
   screened by their MinHash estimate.
4. :func:`dedup.cluster.star_clusters` with a :class:`dedup.verify.Verifier`: centers
   in rank order take the candidates whose true similarity reaches the threshold.
5. :func:`dedup.cluster.build_clusters`: every cluster keeps its canonical block; all
   other members are removed.

Nothing depends on the number of workers or on the sizes in :class:`dedup.tuning.Tuning`:
batches are merged in document order and every stage is deterministic.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .analyze import analyze
from .cluster import Cluster, Member, build_clusters, star_clusters
from .config import ScanConfig
from .contain import MIN_FRAGMENT_CHARS, Claim, assign
from .contain import candidates as contain_candidates
from .contain import verify as contain_verify
from .lsh import Candidates, LshOptions, candidates
from .memory import release_memory
from .model import Blocks, Document
from .progress import bar as progress_bar
from .rank import rank_nodes
from .runs import find_runs
from .spill import SignatureSpill
from .tuning import DEFAULT_TUNING, Tuning
from .verify import Verifier, estimate_cutoff

__all__ = ["Cluster", "Detection", "Member", "detect", "find_candidates"]


@dataclass
class Detection:
    """What detection found: the documents, their blocks, the clusters and, per
    document, the blocks to remove; ``stats`` go into the report, ``timings`` never."""

    documents: list[Document]
    blocks: list[Blocks]  # per document (a sequence of Block)
    clusters: list[Cluster]
    removed: list[set[int]]  # per document: indices of removed blocks
    short_blocks: int  # blocks below min_chars: never compared alone (removed only in repeated runs)
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def detect(
    documents: Iterable[Document],
    config: ScanConfig,
    *,
    progress: bool = False,
    expected: int | Callable[[], int | None] | None = None,
    tuning: Tuning = DEFAULT_TUNING,
) -> Detection:
    """Find the duplicate blocks of ``documents`` (in their reading order).  They may
    come as a stream (an iterator that reads them): with ``jobs > 1`` the workers
    analyze the first batches while the next are read.  ``expected``: how many
    documents to show in the progress bar when ``documents`` has no length, or a
    function giving the best estimate so far (asked again as batches are merged: a
    JSONL file's count is known once it is read).  ``tuning``: batch, chunk and cache
    sizes (they never change the result)."""
    bands, rows_per_band = config.lsh_params
    # Signatures go to disk as they arrive (see dedup.spill); their files are removed
    # when detection ends, however it ends.
    with SignatureSpill(config.num_perm, bands, rows_per_band, cache_rows=tuning.spill_cache_rows) as spill:
        return _detect(documents, config, spill, progress, expected, tuning)


def _detect(
    stream: Iterable[Document],
    config: ScanConfig,
    spill: SignatureSpill,
    progress: bool,
    expected: int | Callable[[], int | None] | None,
    tuning: Tuning,
) -> Detection:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if expected is None and isinstance(stream, Sequence):
        expected = len(stream)
    recount = expected if callable(expected) else None
    with progress_bar(recount() if recount is not None else expected, "analyze", "doc", progress) as pbar:
        analysis = analyze(stream, config, spill, tuning, on_batch=functools.partial(_advance, pbar, recount))
    timings["analyze"] = time.perf_counter() - t0
    # Seconds of work inside the analysis, added up over the batches: with workers they
    # ran side by side, so their sum may exceed the stage's wall time.
    timings["split_normalize"], timings["shingle_hash"], timings["signatures"] = analysis.work
    ranking = rank_nodes(config.keep, analysis)

    t1 = time.perf_counter()
    with progress_bar(spill.bands, "candidates", "band", progress) as pbar:
        cands = find_candidates(spill, config, tuning, pbar.update)
    release_memory()
    timings["lsh"] = time.perf_counter() - t1

    verifier = Verifier.for_candidates(spill, analysis, cands, ranking.rank, config, tuning, ranking.best_block)
    cands_implied, cands_rejected = cands.implied_pairs, cands.rejected
    t2 = time.perf_counter()
    with progress_bar(analysis.n_nodes, "verify+cluster", "text", progress) as pbar:
        node_clusters, pair_counts = star_clusters(
            analysis.n_nodes,
            ranking.rank,
            cands,
            verifier.similarities,
            config.threshold,
            multi=analysis.nodes.multi,
            plausible=verifier.plausible,
            on_progress=pbar.update,
        )
    timings["cluster"] = time.perf_counter() - t2
    timings["verify"] = verifier.seconds
    del cands
    release_memory()

    t3 = time.perf_counter()
    claims, contain_counts = [], {}
    if config.containment and analysis.fingerprints is not None:
        claims, contain_counts = find_claims(analysis, node_clusters, ranking.rank, config, verifier)
    timings["containment"] = time.perf_counter() - t3
    runs = None
    if config.min_run and analysis.short_key is not None:
        doc_rank = _doc_rank(config.keep, analysis.documents)
        runs = find_runs(analysis.short_key, analysis.doc_of_block, doc_rank, config.min_run)

    clusters, removed = build_clusters(node_clusters, analysis, ranking.best_block, claims, runs, verifier.contained)
    stats = {
        "distinct_texts": analysis.n_nodes,
        "candidate_pairs": cands_implied,
        "rejected_by_estimate": pair_counts.pop("rejected_by_estimate") + cands_rejected,
        **pair_counts,
        "rejected_by_facts": verifier.rejected["rejected_by_facts"] + contain_counts.get("rejected_by_facts", 0),
        "left_for_containment": verifier.rejected["fuller_candidate"] + verifier.rejected["tagged_center"],
        "containment_candidates": contain_counts.get("containment_candidates", 0),
        "containment_verified": contain_counts.get("containment_verified", 0),
        "contained_pairs": contain_counts.get("contained_pairs", 0),
        "tagged_pairs": contain_counts.get("tagged_pairs", 0),
        "run_blocks": 0 if runs is None else len(runs.blocks),
    }
    return Detection(analysis.documents, analysis.blocks(), clusters, removed, analysis.short_blocks, stats, timings)


def find_claims(analysis, node_clusters, rank: np.ndarray, config: ScanConfig, verifier: Verifier) -> tuple[list[Claim], dict[str, int]]:
    """The containment stage over the texts the near tier keeps (cluster centers and
    texts in no cluster): which go in favour of a fuller one (:mod:`dedup.contain`),
    and its counts.  ``verifier``: the near tier's, for the texts and the fragments and
    tagged copies it verified already."""
    active = np.ones(analysis.n_nodes, dtype=bool)
    for nc in node_clusters:
        for m, _ in nc.members:
            active[m] = False
    # Short lines (a name, a caption, a phrase) inside a longer paragraph are not copies
    # of it: they are verified only as headlines under a tag (dedup.contain.verify).
    queries = None if config.tags else analysis.fingerprints.chars >= MIN_FRAGMENT_CHARS
    pairs = contain_candidates(analysis.fingerprints, active, queries=queries)
    edges = contain_verify(
        pairs,
        verifier.texts.originals,
        config.containment,
        config.shingle,
        config.ngram,
        facts=config.facts,
        tags=config.tags,
        known_fragments=[e for e in verifier.fragments if active[e[0]] and active[e[1]]],
        known_tagged=[e for e in verifier.tagged if active[e[0]] and active[e[1]]],
        tag_lines=analysis.tags,
    )
    counts = dict(edges.counts)
    counts["containment_candidates"] = len(pairs)
    return assign(edges, rank), counts


def _doc_rank(keep: str, documents: Sequence[Document]) -> np.ndarray:
    """Each document's place in the keep policy's order (for menu runs: ``earliest``
    by date, undated last; otherwise reading order)."""
    order = np.array([doc.order for doc in documents], dtype=np.int64)
    if keep == "earliest":
        dates = sorted({doc.date for doc in documents if doc.date})
        at = {d: i for i, d in enumerate(dates)}
        primary = np.array([at.get(doc.date, len(dates)) if doc.date else len(dates) for doc in documents], dtype=np.int64)
        return np.lexsort((order, primary)).argsort()
    return order.argsort().argsort()


def _advance(pbar, recount: Callable[[], int | None] | None, n_docs: int) -> None:
    """Count ``n_docs`` more documents analyzed, with the best estimate of the total."""
    if recount is not None:
        total = recount()
        if total is not None and total != pbar.total:
            pbar.total = max(total, pbar.n + n_docs)
    pbar.update(n_docs)


def find_candidates(sig: SignatureSpill, config: ScanConfig, tuning: Tuning = DEFAULT_TUNING, on_band: Callable[[], None] | None = None) -> Candidates:
    """The LSH candidates of the nodes whose signatures are in ``sig``, for ``config``.

    Pairs whose MinHash estimate is far below the threshold cannot pass verification
    (the estimator's standard deviation at 0.65 with 192 permutations is 0.034): they
    are dropped as LSH finds them, so neither memory nor the clustering meets more than
    the plausible pairs.  ``--minhash-engine numpy`` or ``datasketch``: no compiled
    code at all (the same result).  With ``jobs > 1``, bands run in as many threads
    (never more than the cores)."""
    if len(sig) <= 1:
        return Candidates.from_pairs(len(sig), [])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    options = LshOptions(
        minimum=estimate_cutoff(config.threshold),
        chunk=tuning.lsh_chunk,
        native=None if config.minhash_engine in ("auto", "native") else False,
        threads=max(1, min(config.jobs, cores)),
    )
    return candidates(sig, sig.bands, sig.rows_per_band, options, on_band=on_band)

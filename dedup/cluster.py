"""Clusters without chaining, and the canonical copy.

Nodes are the distinct normalized texts (the exact tier has already put identical
blocks together); each node carries the rank of its best block under the keep policy.
Nodes are visited best rank first.  A node not yet in a cluster becomes a cluster's
*center*; each of its LSH candidates that is not yet in a cluster is verified against
the center, and joins it only if its true similarity reaches the threshold.  So every
member is verified similar to the canonical copy itself: A~B and B~C never pull an
unrelated C in with A.  Candidates are verified when they are met, which spares the
pairs whose two sides were both taken already.

Because centers are visited in policy order, the center's best block is the best
block of the whole cluster: it is the canonical copy that is kept.
:func:`build_clusters` turns the clusters of nodes into clusters of blocks (every block
of every member node) and the set of blocks each document loses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .contain import Claim
from .lsh import Candidates
from .runs import RunMatch
from .shingle import sorted_unique

if TYPE_CHECKING:
    from .analyze import Analysis

__all__ = ["Cluster", "Member", "NodeCluster", "build_clusters", "star_clusters"]

PROGRESS_STEP = 4096  # visited nodes between two progress reports


@dataclass(frozen=True, slots=True)
class NodeCluster:
    """A cluster of nodes: its center and the members that joined it."""

    center: int
    members: tuple[tuple[int, float], ...]  # (node, similarity to center), center excluded


@dataclass(frozen=True, slots=True)
class Member:
    """A block of a cluster."""

    doc: int  # index into Detection.documents
    block: int  # index into that document's blocks
    similarity: float  # verified similarity (containment for "contained"/"tagged") to the block it matched
    match: str  # "canonical", "exact", "near", "contained", "tagged" or "run"
    document: str  # the document's id
    via: tuple[int, int] | None = None  # (doc, block) it was matched with, when not the canonical block


@dataclass(frozen=True, slots=True)
class Cluster:
    """Blocks that are copies of one another; the first is the canonical copy (kept)."""

    id: int
    kind: str  # "exact": one normalized text; "near": near copies; "partial": fragments or tagged copies too; "run": a repeated run of short lines
    scope: str  # "within": one document; "across": several
    members: tuple[Member, ...]  # members[0] is the canonical block (kept)

    @property
    def canonical(self) -> Member:
        """The block that is kept."""
        return self.members[0]


def star_clusters(
    n_nodes: int,
    rank: Sequence[int] | np.ndarray,
    cands: Candidates,
    similarities: Callable[[int, np.ndarray], np.ndarray],
    threshold: float,
    *,
    multi: np.ndarray | None = None,
    plausible: Callable[[int, np.ndarray], np.ndarray] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[NodeCluster], dict[str, int]]:
    """Cluster nodes around centers visited in ascending ``rank``.

    ``cands`` are the LSH candidates: their explicit pairs are taken as they are (LSH
    screened them by estimate already, see :func:`dedup.lsh.candidates`); the members
    of their large buckets are screened here by ``plausible(center, others)`` (a mask:
    which of them may reach the threshold; nothing is ever accepted on it), when
    given.  ``similarities(center, others)`` gives the true similarities of one center
    to the candidates that remain, best ranked first.  ``multi[node]`` is true when the
    node stands for two or more blocks (an exact cluster even without near
    neighbours); ``on_progress(k)`` is told that ``k`` more nodes were visited.

    Returns the clusters (only those with two blocks or more) and counts of verified,
    accepted and rejected (by ``plausible``) pairs."""
    rank = np.asarray(rank)
    ptr, ids = cands.neighbours()
    has_cands = (np.diff(ptr) > 0) | (np.diff(cands.group_ptr) > 0)
    visit = _visit_order(rank, has_cands if multi is None else has_cands | multi)
    assigned = np.zeros(n_nodes, dtype=bool)
    clusters: list[NodeCluster] = []
    counts = {"verified_pairs": 0, "accepted_pairs": 0, "rejected_by_estimate": 0}
    if on_progress is not None:
        on_progress(n_nodes - len(visit))
    for visited, center in enumerate(visit.tolist(), start=1):
        if on_progress is not None and visited % PROGRESS_STEP == 0:
            on_progress(PROGRESS_STEP)
        if assigned[center]:
            continue
        assigned[center] = True
        members = []
        if has_cands[center]:
            others = _open_candidates(center, ids[ptr[center] : ptr[center + 1]], cands, assigned, rank, plausible, counts)
            sims = similarities(center, others).tolist() if len(others) else []
            for other, sim in zip(others.tolist(), sims):
                counts["verified_pairs"] += 1
                if sim >= threshold:
                    counts["accepted_pairs"] += 1
                    assigned[other] = True
                    members.append((other, sim))
        if members or (multi is not None and multi[center]):
            clusters.append(NodeCluster(center, tuple(members)))
    if on_progress is not None:
        on_progress(len(visit) % PROGRESS_STEP)
    return clusters, counts


def _visit_order(rank: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """The nodes worth visiting, in rank order.  A node with no candidate and a single
    block can neither form a cluster nor join one (candidates are symmetric)."""
    visit = np.flatnonzero(relevant)
    return visit[np.argsort(rank[visit], kind="stable")]


def _open_candidates(
    center: int,
    paired: np.ndarray,
    cands: Candidates,
    assigned: np.ndarray,
    rank: np.ndarray,
    plausible: Callable[[int, np.ndarray], np.ndarray] | None,
    counts: dict[str, int],
) -> np.ndarray:
    """The candidates of ``center`` not in a cluster yet, best ranked first: its
    explicit pairs (``paired``) and the plausible members of its large buckets."""
    paired = paired[~assigned[paired]]  # distinct already: pairs are unique
    grouped = cands.group_members(center)
    if len(grouped):
        grouped = sorted_unique(grouped[~assigned[grouped]])
    if plausible is not None and len(grouped):
        keep = plausible(center, grouped)
        counts["rejected_by_estimate"] += int(len(grouped) - keep.sum())
        grouped = grouped[keep]
    others = np.concatenate((paired, grouped))
    if len(paired) and len(grouped):  # a node can be both paired and grouped
        others = sorted_unique(others)
    return others[np.argsort(rank[others], kind="stable")]


def build_clusters(
    node_clusters: Sequence[NodeCluster],
    analysis: Analysis,
    best_block: np.ndarray,
    claims: Sequence[Claim] = (),
    runs: RunMatch | None = None,
    contained: Mapping[int, float] | None = None,
) -> tuple[list[Cluster], list[set[int]]]:
    """Clusters of blocks from clusters of nodes, numbered in the reading order of
    their canonical blocks, and per document the indices of its removed blocks.

    Every block of a member node is a member; the canonical block is ``best_block`` of
    the center (its best block under the keep policy), the center's other blocks are
    exact copies and the blocks of the other nodes near ones.  ``claims``: texts the
    containment stage removes in favour of another (:func:`dedup.contain.assign`); a
    claimed text joins the cluster of the text that keeps it, with its own near copies.
    ``runs``: short blocks removed as parts of repeated runs, one cluster per run.
    ``contained``: near copies that lie inside their center, with their containment:
    they are reported as ``contained``.  Members follow the canonical block in reading order; every member but the
    canonical one is removed."""
    documents = analysis.documents
    removed: list[set[int]] = [set() for _ in documents]
    by_center = {nc.center: nc for nc in node_clusters}
    claim_of = {cl.node: cl for cl in claims}

    def root(node: int) -> int:
        while node in claim_of:
            node = claim_of[node].by
        return node

    # Per kept text: the texts that joined it (node, similarity, match, matched with).
    inside = contained or {}

    def near(m: int, sim: float, center: int) -> tuple[int, float, str, int]:
        return (m, inside[m], "contained", center) if m in inside else (m, sim, "near", center)

    joined: dict[int, list[tuple[int, float, str, int]]] = {}
    for nc in node_clusters:
        if nc.center not in claim_of:
            joined.setdefault(nc.center, []).extend(near(m, sim, nc.center) for m, sim in nc.members)
    for cl in claims:
        entries = joined.setdefault(root(cl.node), [])
        entries.append((cl.node, cl.value, cl.match, cl.by))
        nc = by_center.get(cl.node)
        if nc is not None:
            entries.extend(near(m, sim, cl.node) for m, sim in nc.members)
    centers = set(joined) | {nc.center for nc in node_clusters if nc.center not in claim_of}
    clusters: list[Cluster] = []
    for center in sorted(centers):
        entries = joined.get(center, [])
        members = _members(center, entries, analysis, best_block)
        for m in members[1:]:
            removed[m.doc].add(m.block)
        kind = "partial" if any(e[2] != "near" for e in entries) else "near" if entries else "exact"
        scope = "within" if len({m.doc for m in members}) == 1 else "across"
        clusters.append(Cluster(0, kind, scope, tuple(members)))
    if runs is not None and len(runs.blocks):
        clusters.extend(_run_clusters(runs, analysis, removed))
    clusters.sort(key=lambda c: (documents[c.canonical.doc].order, c.canonical.block))
    return [Cluster(i + 1, c.kind, c.scope, c.members) for i, c in enumerate(clusters)], removed


def _members(center: int, entries: list[tuple[int, float, str, int]], analysis: Analysis, best_block: np.ndarray) -> list[Member]:
    """The members of one cluster: the canonical block (``best_block`` of ``center``),
    then the others in reading order."""
    nodes, documents = analysis.nodes, analysis.documents
    canonical = int(best_block[center])

    def place(flat: np.ndarray | int) -> list[tuple[int, int]]:
        flat = np.atleast_1d(flat)
        return list(zip(analysis.doc_of_block[flat].tolist(), analysis.block_index[flat].tolist()))

    def via(node: int) -> tuple[int, int] | None:
        block = int(best_block[node])
        return None if block == canonical else place(block)[0]

    center_blocks = nodes.blocks_of(center)
    others = [(d, b, 1.0, "exact", None) for d, b in place(center_blocks[center_blocks != canonical])]
    for node, sim, match, by in entries:
        matched = via(by)
        others.extend((d, b, float(sim), match, matched) for d, b in place(nodes.blocks_of(node)))
    others.sort(key=lambda m: (documents[m[0]].order, m[1]))
    cd, cb = place(canonical)[0]
    canonical_member = Member(cd, cb, 1.0, "canonical", documents[cd].id)
    return [canonical_member, *(Member(d, b, sim, match, documents[d].id, matched) for d, b, sim, match, matched in others)]


def _run_clusters(runs: RunMatch, analysis: Analysis, removed: list[set[int]]) -> list[Cluster]:
    """One cluster per repeated run: the removed blocks whose run starts by repeating
    the same block, that block first (kept)."""
    documents = analysis.documents
    doc_of, index_of = analysis.doc_of_block, analysis.block_index
    blocks, source = runs.blocks, runs.source
    # Segments: consecutive removed blocks of one document.
    new_segment = np.concatenate(([True], (blocks[1:] != blocks[:-1] + 1) | (doc_of[blocks[1:]] != doc_of[blocks[:-1]])))
    segment = np.cumsum(new_segment) - 1
    head = source[np.flatnonzero(new_segment)][segment]  # per removed block: its segment's first source
    groups: dict[int, list[int]] = {}
    for i, h in enumerate(head.tolist()):
        groups.setdefault(h, []).append(i)
    out = []
    for h, idx in groups.items():
        hd, hb = int(doc_of[h]), int(index_of[h])
        members = [Member(hd, hb, 1.0, "canonical", documents[hd].id)]
        for i in idx:
            d, b, s = int(doc_of[blocks[i]]), int(index_of[blocks[i]]), int(source[i])
            removed[d].add(b)
            members.append(Member(d, b, 1.0, "run", documents[d].id, None if s == h else (int(doc_of[s]), int(index_of[s]))))
        members[1:] = sorted(members[1:], key=lambda m: (documents[m.doc].order, m.block))
        scope = "within" if len({m.doc for m in members}) == 1 else "across"
        out.append(Cluster(0, "run", scope, tuple(members)))
    return out

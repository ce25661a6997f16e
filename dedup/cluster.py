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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .lsh import Candidates
from .shingle import sorted_unique

__all__ = ["NodeCluster", "star_clusters"]


@dataclass(frozen=True, slots=True)
class NodeCluster:
    center: int
    members: tuple[tuple[int, float], ...]  # (node, similarity to center), center excluded


def star_clusters(
    n_nodes: int,
    rank: Sequence[int] | np.ndarray,
    cands: Candidates | np.ndarray,
    similarity: Callable[[int, int], float],
    threshold: float,
    multi: np.ndarray | None = None,
    on_progress: Callable[[int], None] | None = None,
    estimate: Callable[[int, np.ndarray], np.ndarray] | None = None,
    estimate_margin: float = 0.15,
    similarity_many: Callable[[int, np.ndarray], np.ndarray] | None = None,
    pairs_estimated: bool = False,
) -> tuple[list[NodeCluster], dict[str, int]]:
    """Cluster nodes around centers visited in ascending ``rank``.

    ``cands`` are the LSH candidates (or an ``(m, 2)`` array of candidate pairs); ``similarity(a, b)`` the true similarity;
    ``multi[node]`` is true when the node stands for two or more blocks (an exact
    cluster even without near neighbours); ``on_progress(k)`` is told that ``k`` more
    nodes were visited.  ``estimate(center, others)`` (MinHash estimates, vectorized)
    lets candidates far below the threshold (estimate < threshold - margin) be
    rejected without the exact check; nothing is ever accepted on an estimate.
    ``similarity_many(center, others)``, when given, computes the exact similarities
    of one center to many candidates at once (same values as ``similarity``).
    ``pairs_estimated`` says the explicit pairs were already filtered by the same
    estimate test (see :func:`dedup.lsh.candidates`): then only members of large
    buckets are estimated here.
    Returns the clusters (only those with two blocks or more) and
    counts of verified and accepted pairs."""
    rank = np.asarray(rank)
    if not isinstance(cands, Candidates):
        cands = Candidates.from_pairs(n_nodes, cands)
    ptr, ids = cands.neighbours()
    has_cands = (np.diff(ptr) > 0) | (np.diff(cands.group_ptr) > 0)
    assigned = np.zeros(n_nodes, dtype=bool)
    clusters: list[NodeCluster] = []
    verified = accepted = rejected = 0
    # A node with no candidate and a single block can neither form a cluster nor join
    # one (candidates are symmetric): only the others are visited, in rank order.
    relevant = has_cands if multi is None else has_cands | multi
    visit = np.flatnonzero(relevant)
    visit = visit[np.argsort(rank[visit], kind="stable")]
    if on_progress is not None:
        on_progress(n_nodes - len(visit))
    for visited, center in enumerate(visit.tolist(), start=1):
        if on_progress is not None and visited % 4096 == 0:
            on_progress(4096)
        if assigned[center]:
            continue
        assigned[center] = True
        members = []
        if has_cands[center]:
            paired = ids[ptr[center] : ptr[center + 1]]
            paired = paired[~assigned[paired]]  # distinct already: pairs are unique
            grouped = cands.group_members(center)
            if len(grouped):
                grouped = sorted_unique(grouped[~assigned[grouped]])
            if pairs_estimated:
                # Explicit pairs passed the same estimate test already: only the
                # members of large buckets still need it.
                settled, unsure = paired, grouped
            else:
                settled, unsure = paired[:0], sorted_unique(np.concatenate((paired, grouped)))
            if estimate is not None and len(unsure):
                keep = estimate(center, unsure) >= threshold - estimate_margin
                rejected += int(len(unsure) - keep.sum())
                unsure = unsure[keep]
            others = np.concatenate((settled, unsure))
            if len(settled) and len(unsure):  # a node can be both paired and grouped
                others = sorted_unique(others)
            others = others[np.argsort(rank[others], kind="stable")]
            if not len(others):
                sims = []
            elif similarity_many is not None:
                sims = similarity_many(center, others).tolist()
            else:
                sims = [similarity(center, other) for other in others.tolist()]
            for other, sim in zip(others.tolist(), sims):
                verified += 1
                if sim >= threshold:
                    accepted += 1
                    assigned[other] = True
                    members.append((other, sim))
        if members or (multi is not None and multi[center]):
            clusters.append(NodeCluster(center, tuple(members)))
    if on_progress is not None:
        on_progress(len(visit) % 4096)
    return clusters, {"verified_pairs": verified, "accepted_pairs": accepted, "rejected_by_estimate": rejected}

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

__all__ = ["NodeCluster", "star_clusters"]


@dataclass(frozen=True, slots=True)
class NodeCluster:
    center: int
    members: tuple[tuple[int, float], ...]  # (node, similarity to center), center excluded


def star_clusters(
    n_nodes: int,
    rank: Sequence[int] | np.ndarray,
    pairs: np.ndarray,
    similarity: Callable[[int, int], float],
    threshold: float,
    multi: np.ndarray | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[NodeCluster], dict[str, int]]:
    """Cluster nodes around centers visited in ascending ``rank``.

    ``pairs`` are candidate pairs (``(m, 2)``); ``similarity(a, b)`` the true
    similarity; ``multi[node]`` is true when the node stands for two or more blocks (an
    exact cluster even without near neighbours); ``on_progress(k)`` is told that ``k``
    more nodes were visited.  Returns the clusters (only those with
    two blocks or more) and counts of verified and accepted pairs."""
    neighbours: list[list[int]] = [[] for _ in range(n_nodes)]
    for a, b in pairs.tolist():
        neighbours[a].append(b)
        neighbours[b].append(a)
    assigned = np.zeros(n_nodes, dtype=bool)
    clusters: list[NodeCluster] = []
    verified = accepted = 0
    for visited, center in enumerate(np.argsort(np.asarray(rank), kind="stable").tolist(), start=1):
        if on_progress is not None and visited % 4096 == 0:
            on_progress(4096)
        if assigned[center]:
            continue
        assigned[center] = True
        members = []
        for other in sorted(neighbours[center], key=lambda x: rank[x]):
            if assigned[other]:
                continue
            sim = similarity(center, other)
            verified += 1
            if sim >= threshold:
                accepted += 1
                assigned[other] = True
                members.append((other, sim))
        if members or (multi is not None and multi[center]):
            clusters.append(NodeCluster(center, tuple(members)))
    if on_progress is not None:
        on_progress(n_nodes % 4096)
    return clusters, {"verified_pairs": verified, "accepted_pairs": accepted}

"""The keep policy: which block of a node is its best, and in what order nodes become
cluster centers.

Blocks are ordered by the policy first (``first``: nothing; ``longest``: the longest
block, in original characters; ``earliest``: the earliest dated document, undated ones
after every dated one), then by document order, then by block order.  A node's best
block is its first in that order, and nodes are ranked by their best block: the
clustering visits them in rank order, so a cluster's center holds the best block of the
whole cluster, the canonical copy that is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .analyze import Analysis
from .model import Document

__all__ = ["NodeRanking", "policy_primary", "rank_nodes"]


@dataclass
class NodeRanking:
    """Per node: ``rank``, when the clustering visits it (0 first), and
    ``best_block``, its best block under the keep policy (a flat block index)."""

    rank: np.ndarray
    best_block: np.ndarray


def policy_primary(keep: str, documents: Sequence[Document], rows: np.ndarray, doc_of_block: np.ndarray) -> np.ndarray | None:
    """Per block, the part of the keep policy that comes before reading order
    (smaller is better): none for ``first``, minus the length for ``longest``, the
    document's date rank for ``earliest`` (undated documents after every dated one)."""
    if keep == "longest":
        return -(rows[:, 1] - rows[:, 0])
    if keep == "earliest":
        dates = sorted({doc.date for doc in documents if doc.date})
        rank = {d: i for i, d in enumerate(dates)}
        doc_rank = np.array([rank.get(doc.date, len(dates)) if doc.date else len(dates) for doc in documents], dtype=np.int64)
        return doc_rank[doc_of_block]
    return None


def rank_nodes(keep: str, analysis: Analysis) -> NodeRanking:
    """Each node's best block under the keep policy ``keep`` and the nodes' ranks
    (see the module docs), vectorized over every compared block."""
    documents, compared = analysis.documents, analysis.compared
    doc_order = np.array([doc.order for doc in documents], dtype=np.int64)
    primary = policy_primary(keep, documents, analysis.rows, analysis.doc_of_block)
    sort_keys = [analysis.block_index[compared], doc_order[analysis.doc_of_block[compared]]]
    if primary is not None:
        sort_keys.append(primary[compared])
    by_policy = compared[np.lexsort(sort_keys)]
    _, first_pos = np.unique(analysis.block_node[by_policy], return_index=True)
    rank = np.empty(analysis.n_nodes, dtype=np.int64)
    rank[np.argsort(first_pos, kind="stable")] = np.arange(analysis.n_nodes)
    return NodeRanking(rank, by_policy[first_pos])

"""Star clustering (dedup.cluster): no chaining, every member verified against the center."""

from __future__ import annotations

import numpy as np
from helpers import (
    CHAIN_A,
    CHAIN_B,
    CHAIN_C,
    CHAIN_T,
    analysis_of,
    docs_of,
    one_by_one,
    text_similarity,
)

from dedup.cluster import Cluster, Member, NodeCluster, build_clusters, star_clusters
from dedup.lsh import Candidates
from dedup.rank import rank_nodes


def test_chain_fixture_is_a_chain():
    assert text_similarity(CHAIN_A, CHAIN_B) >= CHAIN_T
    assert text_similarity(CHAIN_B, CHAIN_C) >= CHAIN_T
    assert text_similarity(CHAIN_A, CHAIN_C) < CHAIN_T


def test_star_clusters_do_not_chain():
    sims = {(0, 1): 0.9, (1, 2): 0.9, (0, 2): 0.1}
    pairs = Candidates.from_pairs(3, [[0, 1], [1, 2], [0, 2]])
    similarities = one_by_one(lambda a, b: sims[(min(a, b), max(a, b))])
    clusters, counts = star_clusters(3, [0, 1, 2], pairs, similarities, 0.7)
    assert [(c.center, [m for m, _ in c.members]) for c in clusters] == [(0, [1])]
    assert counts["accepted_pairs"] == 1
    # The middle node ranked first takes both ends.
    clusters, _ = star_clusters(3, [1, 0, 2], pairs, similarities, 0.7)
    assert [(c.center, sorted(m for m, _ in c.members)) for c in clusters] == [(1, [0, 2])]


def test_only_members_of_large_buckets_are_screened_and_nothing_is_accepted_on_it():
    # Node 0 is paired with 4 (a pair LSH screened already) and shares a large bucket
    # with 1, 2 and 3; the screen rules out 2.  Node 5 stands for two blocks.
    cands = Candidates(6, np.array([[0, 4]]), [np.array([0, 1, 2, 3])], np.array([0, 1, 2, 3, 4, 4, 4]), np.array([0, 0, 0, 0]))
    screened = []

    def plausible(center, others):
        screened.append((center, others.tolist()))
        return others != 2

    asked = []

    def similarities(center, others):
        asked.append((center, others.tolist()))
        return np.array([0.9 if o in (1, 4) else 0.5 for o in others.tolist()])

    multi = np.array([False, False, False, False, False, True])
    clusters, counts = star_clusters(6, [0, 1, 2, 3, 4, 5], cands, similarities, 0.8, multi=multi, plausible=plausible)
    # The group's members only, not the explicit pair; 2, ruled out, is a center later.
    assert screened == [(0, [1, 2, 3]), (2, [3])]
    assert asked == [(0, [1, 3, 4]), (2, [3])]  # in rank order
    assert clusters == [NodeCluster(0, ((1, 0.9), (4, 0.9))), NodeCluster(5, ())]
    assert counts == {"verified_pairs": 4, "accepted_pairs": 2, "rejected_by_estimate": 1}


def test_build_clusters_alone_gives_members_in_reading_order_and_the_removed_blocks():
    # Blocks (flat): 0 "Ortak ..." (d0), 1 "Birinci ..." (d0), 2 a near copy of 1 (d1),
    # 3 "Ortak ..." again (d1), 4 the same again (d0).
    line = "Birinci belgenin kendi satırı burada duruyor"
    docs = docs_of(f"Ortak satır burada yazıyor, uzun bir satır\n{line}.\nortak satir burada yaziyor uzun bir satir\n",
                   f"{line} ve bitti.\nORTAK SATIR BURADA YAZIYOR, uzun bir satır\n")
    analysis, _ = analysis_of(docs)
    assert analysis.block_node.tolist() == [0, 1, 0, 2, 0]  # flat blocks: d0 has three, d1 two
    best = rank_nodes("first", analysis).best_block
    clusters, removed = build_clusters([NodeCluster(1, ((2, 0.75),)), NodeCluster(0, ())], analysis, best)
    d0, d1 = (doc.id for doc in analysis.documents)
    assert clusters == [
        Cluster(1, "exact", "across", (Member(0, 0, 1.0, "canonical", d0), Member(0, 2, 1.0, "exact", d0), Member(1, 1, 1.0, "exact", d1))),
        Cluster(2, "near", "across", (Member(0, 1, 1.0, "canonical", d0), Member(1, 0, 0.75, "near", d1))),
    ]
    assert removed == [{2}, {0, 1}]

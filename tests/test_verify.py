"""Verification (dedup.verify): chunks of candidates change nothing."""

from __future__ import annotations

import random

import numpy as np
import pytest
from helpers import analysis_of, docs_of

from dedup import Document, ScanConfig, detect
from dedup.cut import cut
from dedup.normalize import normalize
from dedup.shingle import jaccard, shingle_sets
from dedup.signatures import signatures
from dedup.tuning import DEFAULT_TUNING, Tuning
from dedup.verify import (
    ESTIMATE_MARGIN,
    NodeTexts,
    ShingleCache,
    Verifier,
    shingle_order,
)

BASE = "Dışişleri Bakanı Lavrov Ankara'da basın toplantısı düzenledi ve soruları yanıtladı"
TEXTS = [normalize(t) for t in (
    BASE,
    BASE + " bugün",
    BASE.replace("basın", "geniş basın"),
    "Merkez Bankası faiz kararını perşembe günü açıklayacak",
    BASE[:40] + " Merkez Bankası faiz kararını perşembe günü",
)]


def test_a_large_near_family_is_verified_in_chunks_with_the_same_result():
    """A footer numbered with the page is a near copy on every page: one center with as
    many candidates as pages.  They are estimated and verified a chunk at a time (to
    bound memory); the chunk size changes nothing in the result."""

    footer = ("Yasal Uyarı: Sitemizde yayınlanan haber, yorum, fotoğraf ve videoların tüm hakları saklıdır; "
              "kaynak gösterilmeden kısmen ya da tamamen kullanılamaz ve kopyalanamaz.")
    words = ("kent", "meclis", "yağmur", "okul", "liman", "tren", "orman", "sergi", "pazar", "köprü",
             "bahar", "rapor", "yarış", "müze", "fener", "nehir", "çarşı", "tarla", "saray", "kitap")
    rng = random.Random(11)
    # page numbers of 1 to 9 digits: the copies differ from the canonical one by different
    # amounts, so a similarity reported for the wrong candidate shows
    docs = {f"p{i:02d}.txt": f"{' '.join(rng.choices(words, k=12))}.\n{footer} Haber no: {rng.randrange(10 ** (1 + i % 9))}.\n"
            for i in range(40)}
    documents = [Document(name, text, order=i) for i, (name, text) in enumerate(docs.items())]
    results = {}
    for chunk in (4, DEFAULT_TUNING.verify_chunk):  # 39 candidates: nine chunks of 4 and one of 3
        det = detect(documents, ScanConfig(), tuning=Tuning(verify_chunk=chunk))
        outputs = [cut(doc.text, det.blocks[d], det.removed[d]) for d, doc in enumerate(documents)]
        results[chunk] = (det.clusters, det.removed, det.stats, outputs)
        # The longest page number is the fullest footer: the first lies inside it.
        family = [c for c in det.clusters if c.kind in ("near", "partial")]
        assert len(family) == 1 and len(family[0].members) == 40
        assert len({m.similarity for m in family[0].members if m.match == "near"}) >= 5  # the copies are not all equally close
        assert sum("Yasal Uyarı" in out for out in outputs) == 1
    assert results[4] == results[DEFAULT_TUNING.verify_chunk]


def test_shingles_are_made_in_the_order_the_clustering_first_meets_them():
    pairs = np.array([[2, 3], [0, 3], [1, 4]])
    rank = np.array([0, 1, 2, 3, 4])
    # pair (0, 3) is met at rank 0, (1, 4) at 1, (2, 3) at 2
    assert shingle_order(pairs, rank, 6) == [0, 3, 1, 4, 2]
    # reversed ranks: (1, 4) is met first, then (2, 3) and (0, 3) together (node 3's rank)
    assert shingle_order(pairs, np.array([4, 3, 2, 1, 0]), 6) == [1, 4, 0, 2, 3]
    assert shingle_order(np.empty((0, 2), dtype=np.int64), rank, 6) == []


SMALL = (Tuning(verify_chunk=1, shingle_ahead=1, shingle_cache=1), Tuning(verify_chunk=2, shingle_ahead=3, shingle_cache=2))


@pytest.mark.parametrize("tuning", [DEFAULT_TUNING, *SMALL])
def test_the_verifier_alone_gives_exact_similarities_and_screens_by_estimate(tuning):
    sets = shingle_sets(TEXTS)
    sig = signatures(sets, 128, 1, "affine32")
    verifier = Verifier(sig, TEXTS.__getitem__, ScanConfig(threshold=0.6, containment=0, facts=False), order=[4, 3, 2, 1, 0], tuning=tuning)
    others = np.array([1, 2, 3, 4])
    estimates = np.array([np.mean(sig[o] == sig[0]) for o in others.tolist()])
    assert verifier.plausible(0, others).tolist() == (estimates >= 0.6 - ESTIMATE_MARGIN).tolist()
    near = verifier.estimates(0, others) >= verifier.cutoff
    assert np.array_equal(verifier.estimates(0, others)[near], estimates[near])  # exact where it matters
    sims = verifier.similarities(0, others)
    assert sims.tolist() == [jaccard(sets[0], sets[o]) for o in others.tolist()]
    assert sims[0] >= 0.6 and sims[2] < 0.6
    assert len(verifier.cache) <= tuning.shingle_cache and 0 not in verifier.cache  # a center is never compared again
    assert verifier.seconds > 0


def test_the_shingle_cache_makes_sets_ahead_and_forgets_the_oldest():
    made = []

    def texts(node):
        made.append(node)
        return TEXTS[node]

    cache = ShingleCache(texts, "char", 5, order=[3, 4, 0], ahead=3, capacity=2)
    cache.load([1])
    assert made == [1, 3, 4]  # the one asked for, then the next in order
    assert np.array_equal(cache[1], shingle_sets([TEXTS[1]])[0])
    cache.touch(1)  # 3, 4, 1
    cache.trim()
    assert 3 not in cache and 4 in cache and 1 in cache
    cache.forget([4])
    cache.discard(7)  # not there: nothing happens
    assert len(cache) == 1


def test_a_node_text_is_the_normalized_text_of_its_first_block():
    analysis, _ = analysis_of(docs_of("Ortak satır burada yazıyor, uzun bir satır\n", "ORTAK SATIR BURADA YAZIYOR; uzun bir satır!\n"))
    assert analysis.n_nodes == 1
    assert NodeTexts(analysis)(0) == normalize("Ortak satır burada yazıyor, uzun bir satır")

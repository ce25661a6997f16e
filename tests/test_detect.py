"""Detection end to end (dedup.detect): the exact tier, short blocks, no chaining, members and the canonical copy."""

from __future__ import annotations

import pytest
from helpers import (
    CHAIN_A,
    CHAIN_B,
    CHAIN_C,
    CHAIN_T,
    docs_of,
    removed_texts,
    text_similarity,
)

from dedup import Document, ScanConfig, detect
from dedup.tuning import Tuning


def test_detect_does_not_chain():
    cfg = ScanConfig(threshold=CHAIN_T, min_chars=5)
    det = detect(docs_of(CHAIN_A + "\n", CHAIN_B + "\n", CHAIN_C + "\n"), cfg)
    a_cluster = [c for c in det.clusters if c.canonical.doc == 0]
    assert len(a_cluster) == 1
    assert {m.doc for m in a_cluster[0].members} == {0, 1}  # C is like B, not like A
    assert removed_texts(det) == [(1, CHAIN_B)]  # C stays: it is not like A


def test_detect_members_are_similar_to_the_canonical():
    cfg = ScanConfig(threshold=CHAIN_T, min_chars=5)
    det = detect(docs_of(CHAIN_B + "\n", CHAIN_A + "\n", CHAIN_C + "\n"), cfg)
    assert len(det.clusters) == 1
    c = det.clusters[0]
    assert c.kind == "near" and c.scope == "across"
    canon = det.documents[c.canonical.doc].text.strip()
    assert canon == CHAIN_B
    for m in c.members[1:]:
        text = det.documents[m.doc].text.strip()
        assert m.match == "near"
        assert m.similarity == pytest.approx(text_similarity(canon, text))
        assert m.similarity >= CHAIN_T


def test_detect_exact_tier_uses_the_normalized_text():
    a = "RUSYA DIŞİŞLERİ BAKANI SERGEY LAVROV: NATO’NUN GENİŞLEMESİ"
    b = "Rusya Dışişleri Bakanı Sergey Lavrov - NATO'nun genişlemesi"
    det = detect(docs_of(f"{a}\nfirst document text\n", f"intro line of document two\n{b}\n"), ScanConfig())
    assert len(det.clusters) == 1
    c = det.clusters[0]
    assert c.kind == "exact" and c.scope == "across"
    assert [(m.doc, m.block, m.match, m.similarity) for m in c.members] == [(0, 0, "canonical", 1.0), (1, 1, "exact", 1.0)]


def test_short_blocks_are_never_compared():
    det = detect(docs_of("A+ A-\nİstanbul\nunique text of document one\n", "A+ A-\nİstanbul\nunique text of doc two\n"), ScanConfig())
    assert det.clusters == []
    assert det.short_blocks == 4
    # min_chars counts the normalized text: 19 letters + 'ş' stay short at 20.
    det = detect(docs_of("abcdefghijklmnoprsş\n", "ABCDEFGHIJKLMNOPRSS\n"), ScanConfig())
    assert det.clusters == [] and det.short_blocks == 2
    det = detect(docs_of("abcdefghijklmnoprsş\n", "ABCDEFGHIJKLMNOPRSS\n"), ScanConfig(min_chars=19))
    assert len(det.clusters) == 1


def test_cjk_counts_double_for_min_chars():
    line = "日本語のニュース記事です"  # 12 characters, weight 24
    det = detect(docs_of(line + "\n", line + "\n"), ScanConfig())
    assert len(det.clusters) == 1
    assert det.clusters[0].kind == "exact"


def test_date_headers_are_never_duplicates():
    docs = docs_of("date 2020-01-01\nfirst document has its own text\n", "date 2020-01-01\nsecond document text is different\n")
    det = detect(docs, ScanConfig(min_chars=5))
    assert det.clusters == []
    assert [len(b) for b in det.blocks] == [1, 1]


def test_within_one_document_the_first_occurrence_is_kept():
    line = "Lavrov: NATO’nun genişlemesi cevapsız kalmayacak"
    for keep in ("first", "longest", "earliest"):
        det = detect(docs_of(f"{line}\nA+ A-\n{line}\nother text of the article\n{line}\n"), ScanConfig(keep=keep))
        assert len(det.clusters) == 1
        c = det.clusters[0]
        assert c.scope == "within"
        assert [(m.block, m.match) for m in c.members] == [(0, "canonical"), (2, "exact"), (4, "exact")]


def test_tuning_sizes_must_be_positive():
    assert Tuning().verify_chunk > 1
    with pytest.raises(ValueError, match="verify_chunk"):
        Tuning(verify_chunk=0)
    with pytest.raises(ValueError, match="batch_docs"):
        Tuning(batch_docs=-1)


def test_documents_without_an_order_are_read_in_list_order():
    # The Python API: the first document of the list holds the kept copy, and members
    # name their documents.
    cfg = ScanConfig(min_chars=1)
    det = detect([Document("a", "one\ntwo\n"), Document("b", "two\n")], cfg)
    (cluster,) = det.clusters
    assert [(m.document, m.block, m.match) for m in cluster.members] == [("a", 1, "canonical"), ("b", 0, "exact")]
    assert det.removed == [set(), {0}]
    det = detect([Document("b", "two\n"), Document("a", "one\ntwo\n")], cfg)
    assert [(m.document, m.match) for m in det.clusters[0].members] == [("b", "canonical"), ("a", "exact")]
    # An explicit order still decides.
    det = detect([Document("a", "one\ntwo\n", order=5), Document("b", "two\n", order=1)], cfg)
    assert [(m.document, m.match) for m in det.clusters[0].members] == [("b", "canonical"), ("a", "exact")]

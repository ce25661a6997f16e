"""The analysis (dedup.analyze): keyed, signed once, batches and workers change nothing."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import analysis_of, docs_of

from dedup import Document, ScanConfig, detect
from dedup.analyze import RecentKeys, analyze_batch, analyze_remembering, batches
from dedup.tuning import Tuning

#: Two documents: a line both have (typed differently), a short line, a line of each.
TWO = (
    "Ortak satır burada yazıyor, uzun bir satır.\nA+ A-\nBirinci belgenin kendi satırı burada.\n",
    "İkinci belgenin kendi satırı burada duruyor.\nORTAK SATIR BURADA YAZIYOR, uzun bir satır\n",
)

MENU = "Adana Adıyaman Afyonkarahisar Ağrı Amasya Ankara Antalya Artvin Aydın Balıkesir"
WIDGET = "Yazı boyutunu büyüt A+ A- küçült, paylaş, yazdır"


def _page(i: int) -> bytes:
    return f"{MENU}\nHaber {i}: belediye meclisi bugün {i * 7} gündem maddesini görüştü.\n{WIDGET}\n".encode()


def test_known_texts_are_keyed_but_not_signed_again():
    config = ScanConfig()
    first = analyze_batch([_page(1), _page(2)], config)
    assert len(first.new_keys) == 4 and first.signed.tolist() == [0, 1, 2, 3]  # menu, story 1, widget, story 2
    again = analyze_batch([_page(3)], config, known=set(first.new_keys))
    assert len(again.new_keys) == 3 and first.new_keys[0] in again.new_keys
    assert again.signed.tolist() == [1] and again.sigs.shape == (1, config.num_perm)  # only the new story
    # The one signature made is the one made without skipping.
    full = analyze_batch([_page(3)], config)
    assert np.array_equal(again.sigs[0], full.sigs[1])


def test_a_worker_signs_boilerplate_once_and_forgets_the_least_recent():
    memory = RecentKeys(8)  # what a worker remembers having signed
    config = ScanConfig()
    signed = [len(analyze_remembering([_page(i)], config, None, memory).signed) for i in range(12)]
    assert signed[0] == 3 and set(signed[1:]) == {1}  # menu and widget signed by the first batch only
    assert len(memory) <= 8
    menu_key = analyze_batch([_page(0)], config).new_keys[0]
    assert menu_key in memory  # met in every batch: never the least recent
    story0 = analyze_batch([_page(0)], config).new_keys[1]
    assert story0 not in memory  # forgotten: it would be signed again
    assert len(analyze_remembering([_page(0)], config, None, memory).signed) == 1


def test_boilerplate_in_every_batch_gives_the_same_result_with_workers():
    documents = [Document(id=f"p{i}.txt", text=_page(i % 40).decode(), order=i) for i in range(300)]
    whole = detect(documents, ScanConfig(jobs=1))
    split_up = detect(iter(documents), ScanConfig(jobs=2), tuning=Tuning(batch_docs=9))
    assert split_up.clusters == whole.clusters and split_up.removed == whole.removed
    assert split_up.stats == whole.stats
    assert whole.stats["distinct_texts"] == 42  # menu, widget and 40 stories


def test_the_analysis_numbers_blocks_and_nodes_in_reading_order():
    analysis, sigs = analysis_of(docs_of(*TWO))
    assert analysis.doc_ptr.tolist() == [0, 3, 5]  # three blocks, then two
    assert analysis.block_node.tolist() == [0, -1, 1, 2, 0]  # the common line is one node; A+ A- is too short
    assert analysis.n_nodes == 3 and analysis.short_blocks == 1 and analysis.compared.tolist() == [0, 2, 3, 4]
    assert analysis.doc_of_block.tolist() == [0, 0, 0, 1, 1] and analysis.block_index.tolist() == [0, 1, 2, 0, 1]
    assert analysis.nodes.blocks_of(0).tolist() == [0, 4] and analysis.nodes.first_block(2) == 3
    assert analysis.nodes.multi.tolist() == [True, False, False]
    assert [len(b) for b in analysis.blocks()] == [3, 2]
    # One signature per node, the one the batch analysis makes for its first block.
    alone = analyze_batch([t.encode() for t in TWO], ScanConfig())
    assert sigs.shape == (3, ScanConfig().num_perm) and np.array_equal(sigs, alone.sigs)


def test_batches_close_at_a_number_of_characters_or_of_documents():
    docs = docs_of("a" * 10, "b" * 10, "c" * 25, "d", "e", "f")
    assert [[d.id for d in b] for b in batches(docs, max_chars=20, max_docs=4)] == [["d0", "d1"], ["d2"], ["d3", "d4", "d5"]]
    assert [len(b) for b in batches(docs, max_chars=1000, max_docs=4)] == [4, 2]
    assert list(batches([], max_chars=1, max_docs=1)) == []


def test_recent_keys_forget_the_least_recently_met_down_to_half():
    memory = RecentKeys(4)
    memory.remember([1, 2, 3, 4])
    memory.remember([1])  # met again: now the most recent
    assert list(memory.keys) == [2, 3, 4, 1]
    memory.remember([5])  # five keys: down to two, the most recent
    assert list(memory.keys) == [1, 5] and 1 in memory and 2 not in memory and len(memory) == 2
    with pytest.raises(ValueError):
        RecentKeys(0)


def test_the_analysis_does_not_depend_on_batches_or_workers():
    documents = [Document(f"p{i}.txt", _page(i % 7).decode(), order=i) for i in range(40)]
    want, want_sigs = analysis_of(documents)
    for config, tuning in ((ScanConfig(), Tuning(batch_docs=1)), (ScanConfig(jobs=2), Tuning(batch_docs=3, worker_keys=2))):
        got, sigs = analysis_of(iter(documents), config, tuning)
        assert got.documents == documents and got.n_nodes == want.n_nodes == 2 + 7
        for name in ("rows", "doc_ptr", "block_node"):
            assert np.array_equal(getattr(got, name), getattr(want, name)), name
        assert np.array_equal(sigs, want_sigs)
        assert all(seconds > 0 for seconds in got.work)

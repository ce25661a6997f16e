"""The keep policies (dedup.rank): first, longest, earliest, and where dates come from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import write_docs
from helpers import analysis_of, docs_of, removed_texts, text_similarity

from dedup import ScanConfig, detect, scan
from dedup.normalize import normalize
from dedup.rank import policy_primary, rank_nodes

SHORT = "Dışişleri Bakanı Lavrov Ankara'da açıklama yaptı ve soruları yanıtladı"
LONG = SHORT + " bugün"


def _kept_doc(det) -> int:
    assert len(det.clusters) == 1
    return det.clusters[0].canonical.doc


def test_keep_first():
    det = detect(docs_of(f"x1 unique one one one\n{LONG}\n", f"{SHORT}\n", f"{LONG}\n"), ScanConfig(keep="first"))
    assert _kept_doc(det) == 0
    assert [r[0] for r in removed_texts(det)] == [1, 2]


def test_keep_longest():
    assert text_similarity(SHORT, LONG) >= 0.7
    det = detect(docs_of(f"{SHORT}\n", f"{LONG}\n", f"{SHORT}\n"), ScanConfig(keep="longest"))
    assert _kept_doc(det) == 1
    assert removed_texts(det) == [(0, SHORT), (2, SHORT)]


def test_keep_longest_counts_the_original_characters_and_ties_go_to_first():
    plain = "Rusya Dışişleri Bakanı Sergey Lavrov açıklama yaptı"
    padded = "Rusya Dışişleri Bakanı —  Sergey Lavrov: açıklama yaptı"
    assert normalize(plain) == normalize(padded)
    det = detect(docs_of(f"{plain}\n", f"{padded}\n", f"{padded}\n"), ScanConfig(keep="longest"))
    assert _kept_doc(det) == 1
    det = detect(docs_of(f"{plain}\n", f"{plain}\n"), ScanConfig(keep="longest"))
    assert _kept_doc(det) == 0


def test_keep_earliest_by_date():
    docs = docs_of(f"{SHORT}\n", f"{SHORT}\n", f"{LONG}\n", f"{SHORT}\n", dates=["2021-05-01", None, "2019-12-31", "2020-06-01"])
    det = detect(docs, ScanConfig(keep="earliest"))
    assert _kept_doc(det) == 2
    assert sorted(r[0] for r in removed_texts(det)) == [0, 1, 3]


def test_keep_earliest_puts_undated_after_dated_and_ties_to_first():
    det = detect(docs_of(f"{SHORT}\n", f"{SHORT}\n", f"{SHORT}\n", dates=[None, "2030-01-01", "2030-01-01"]), ScanConfig(keep="earliest"))
    assert _kept_doc(det) == 1
    det = detect(docs_of(f"{SHORT}\n", f"{SHORT}\n", dates=[None, None]), ScanConfig(keep="earliest"))
    assert _kept_doc(det) == 0


def _kept_ids(result) -> list[str]:
    return [
        m["document"] for c in result.report["clusters"] for m in c["members"] if m["action"] == "kept"
    ]


def test_keep_earliest_reads_the_date_header(tmp_path: Path):
    corpus = write_docs(
        tmp_path / "c",
        {
            "a.txt": f"date 2022-03-01\n{SHORT}\nbody of a is here\n",
            "b.txt": f"date 2021-07-15\n{SHORT}\nbody of b is here\n",
            "c.txt": f"{SHORT}\nbody of c has no date\n",
        },
    )
    result = scan([corpus], None, ScanConfig(keep="earliest"))
    assert _kept_ids(result) == ["b.txt"]
    assert {d["id"]: d["date"] for d in result.report["documents"]} == {"a.txt": "2022-03-01", "b.txt": "2021-07-15", "c.txt": None}
    assert _kept_ids(scan([corpus], None, ScanConfig(keep="first"))) == ["a.txt"]


def test_keep_earliest_reads_the_jsonl_date_field(tmp_path: Path):
    rows = [
        {"id": "r1", "published": "2024-05-02T10:00:00Z", "text": f"{SHORT}\nr1 body text here"},
        {"id": "r2", "text": f"{SHORT}\nr2 body, no date at all"},
        {"id": "r3", "published": "2023-11-30", "text": f"{SHORT}\nr3 body text here"},
        {"id": "r4", "published": "2024-01-01", "text": f"date 2020-01-01\n{SHORT}\nr4: the field wins over the header"},
    ]
    folder = tmp_path / "j"
    folder.mkdir()
    (folder / "news.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = scan([folder], None, ScanConfig(keep="earliest", date_field="published"))
    assert _kept_ids(result) == ["r3"]
    assert [d["date"] for d in result.report["documents"]] == ["2024-05-02", None, "2023-11-30", "2024-01-01"]
    # Undated records come after dated ones even when read first.
    folder2 = tmp_path / "j2"
    folder2.mkdir()
    (folder2 / "news.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [rows[1], rows[0]]), encoding="utf-8"
    )
    assert _kept_ids(scan([folder2], None, ScanConfig(keep="earliest", date_field="published"))) == ["r1"]


def test_rank_nodes_alone_gives_each_node_its_best_block_and_a_rank():
    # Blocks (flat): 0 "Ortak ...", 1 "Birinci ...", 2 "İkinci ...", 3 "ORTAK ..." (longer).
    docs = docs_of(
        "Ortak satır burada yazıyor, uzun bir satır\nBirinci belgenin kendi satırı burada.\n",
        "İkinci belgenin kendi satırı burada, epey uzun bir satır.\nORTAK SATIR BURADA YAZIYOR —  uzun bir satır!\n",
        dates=[None, "2020-01-01"],
    )
    analysis, _ = analysis_of(docs)
    assert analysis.block_node.tolist() == [0, 1, 2, 0]
    first = rank_nodes("first", analysis)
    assert first.best_block.tolist() == [0, 1, 2] and first.rank.tolist() == [0, 1, 2]
    longest = rank_nodes("longest", analysis)
    assert longest.best_block.tolist() == [3, 1, 2]
    assert longest.rank.tolist() == [1, 2, 0]  # by the length of each node's best block
    earliest = rank_nodes("earliest", analysis)  # the dated document first, then reading order
    assert earliest.best_block.tolist() == [3, 1, 2] and earliest.rank.tolist() == [1, 2, 0]


def test_the_policy_before_reading_order():
    docs = docs_of("x", "y", "z", dates=["2021-05-01", None, "2019-12-31"])
    rows = np.array([[0, 3, 0, 3, 1], [0, 5, 0, 5, 1], [0, 1, 0, 1, 1]])
    doc_of_block = np.array([0, 1, 2])
    assert policy_primary("first", docs, rows, doc_of_block) is None
    assert policy_primary("longest", docs, rows, doc_of_block).tolist() == [-3, -5, -1]
    assert policy_primary("earliest", docs, rows, doc_of_block).tolist() == [1, 2, 0]  # undated after every date

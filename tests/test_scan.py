"""Scanning (dedup.scan): progress bars, timings, the document estimate, the garbage collector."""

from __future__ import annotations

import gc
import importlib
import json
import re

import pytest
from conftest import write_docs
from helpers import menu_corpus

from dedup import ScanConfig, scan
from dedup.errors import InputError
from dedup.readers import discover
from dedup.scan import estimated_documents, iter_documents

# The modules whose names the package gives to functions (dedup.detect, dedup.scan).
detect_module = importlib.import_module("dedup.detect")
scan_module = importlib.import_module("dedup.scan")


def test_scan_draws_a_bar_for_every_long_stage(tmp_path, capsys):
    root = menu_corpus(tmp_path / "in", 5)
    scan([root], tmp_path / "out", ScanConfig(), progress=True)
    err = capsys.readouterr().err
    for stage, total in (("analyze", 5), ("candidates", None), ("verify+cluster", None), ("write", 5), ("report", 5 + 3)):
        assert f"{stage}:" in err
        if total is not None:
            assert re.search(rf"{re.escape(stage)}: .*\b0/{total}\b", err), stage
    scan([root], tmp_path / "out2", ScanConfig())
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_times_every_stage_the_benchmark_prints(tmp_path, jobs):
    # benchmarks/perf.py prints each of these stages.  The three steps of the analysis
    # are seconds of work (added up over the workers); verifying is part of clustering.
    story = "Dışişleri Bakanı Lavrov, Libya'daki krizin çözümü için iki ülkenin birlikte çalıştığını söyledi"
    docs = {f"p{i:02d}.txt": f"Başlık {i} burada\n{story} {'bugün' if i % 2 else 'dün'}.\nKapanış {i} cümlesi\n" for i in range(12)}
    result = scan([write_docs(tmp_path / "in", docs)], tmp_path / "out", ScanConfig(jobs=jobs))
    assert any(c.kind == "near" for c in result.detection.clusters)  # something was verified
    t = result.timings
    wall = ("read", "analyze", "lsh", "cluster", "containment", "plan", "write")
    for stage in (*wall, "split_normalize", "shingle_hash", "signatures", "verify", "total"):
        assert t[stage] >= 0, stage
    assert 0 < t["split_normalize"] and 0 < t["shingle_hash"] and 0 < t["signatures"]
    assert 0 < t["verify"] <= t["cluster"]
    assert sum(t[k] for k in wall) <= t["total"]  # the stages do not overlap in time
    if jobs == 1:  # the analysis ran here, inside the analyze stage
        assert t["split_normalize"] + t["shingle_hash"] + t["signatures"] <= t["analyze"]


def test_jsonl_document_estimate_converges_to_the_count(tmp_path):
    # With workers, JSONL is read as the analysis goes: the bar's total is the records
    # of the files read so far plus, for the rest, as many records per byte.
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.jsonl").write_text("".join(json.dumps({"id": f"a{i:02d}", "text": f"record {i:02d}"}) + "\n" for i in range(10)), encoding="utf-8")
    (root / "b.jsonl").write_text("".join(json.dumps({"id": f"b{i:02d}", "text": f"record {i:02d}"}) + "\n" for i in range(30)), encoding="utf-8")
    (root / "c.txt").write_text("one text file, one document\n", encoding="utf-8")
    _, sources = discover([root])
    loaded: list = []
    estimate = estimated_documents(sources, loaded)
    assert estimate() is None  # nothing read: no total yet
    stream = iter_documents(sources, ScanConfig(), loaded)
    next(stream)  # a.jsonl is read whole before its first record comes out
    assert estimate() == 1 + 10 + 30  # b.jsonl: same bytes per record as a.jsonl
    rest = list(stream)
    assert estimate() == len(rest) + 1 == 41


def test_every_bar_ends_full_with_workers_and_skipped_input(tmp_path, monkeypatch):
    # Skipped files (binary, a broken link), an empty JSONL file, jobs 2: every bar's
    # last count is its total.
    ended: dict[str, tuple[int, int | None]] = {}

    class Bar:
        def __init__(self, total, desc, unit, enabled):
            self.total, self.desc, self.n = total, desc, 0

        def update(self, k=1):
            self.n += k

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            ended[self.desc] = (self.n, self.total)

    monkeypatch.setattr(detect_module, "progress_bar", Bar)
    monkeypatch.setattr(scan_module, "bar", Bar)
    root = tmp_path / "in"
    root.mkdir()
    for name, n in (("a.jsonl", 5), ("b.jsonl", 7)):
        records = (json.dumps({"id": f"{name}{i}", "text": f"Record {i} of {name}, long enough"}) + "\n" for i in range(n))
        (root / name).write_text("".join(records), encoding="utf-8")
    (root / "empty.jsonl").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"\x00\x01 not text")
    (root / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (root / "c.txt").write_text("Record 1 of a.jsonl, long enough\n", encoding="utf-8")
    result = scan([root], tmp_path / "out", ScanConfig(jobs=2, on_error="skip"), progress=True)
    assert len(result.detection.documents) == 13
    assert ended["analyze"] == (13, 13)
    assert ended["write"] == (5, 5)  # every file but the broken link
    assert ended["report"][0] == ended["report"][1] == 13 + len(result.detection.clusters)


@pytest.mark.parametrize("enabled", [True, False])
def test_scan_puts_the_garbage_collector_back_as_it_was(tmp_path, enabled):
    # The collector is off during a scan (it found nothing and cost time): a program
    # that calls the API gets it back as it had it, also when the scan fails.
    (tmp_path / "a.txt").write_text("Aynı paragraf iki kez yazıldı burada.\nAynı paragraf iki kez yazıldı burada.\n", encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "b.txt").write_bytes(b"caf\xe9 \x80 not UTF-8\n")
    during = []
    real_detect = scan_module.detect

    def detect(*args, **kwargs):
        during.append(gc.isenabled())
        return real_detect(*args, **kwargs)

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        scan_module.detect = detect
        res = scan([tmp_path / "a.txt"], None, ScanConfig())
        assert during == [False]  # off while the scan runs
        assert res.report["summary"]["removed_blocks"] == 1
        assert gc.isenabled() is enabled
        with pytest.raises(InputError, match="not valid UTF-8"):
            scan([tmp_path / "bad"], None, ScanConfig())
        assert gc.isenabled() is enabled
    finally:
        scan_module.detect = real_detect
        (gc.enable if was else gc.disable)()

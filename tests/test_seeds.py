"""What must be true on seeds/ (issue: `dedup scan` end to end)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup import ScanConfig, scan
from dedup.normalize import normalize


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.fixture
def result(seeds: Path, tmp_path: Path):
    return scan([seeds], tmp_path / "out", ScanConfig())


def out_text(result, name_prefix: str) -> str:
    files = [p for p in result.out.iterdir() if p.name.startswith(name_prefix)]
    assert len(files) == 1
    return files[0].read_text(encoding="utf-8")


def test_002_paragraphs_printed_twice_appear_once(result):
    text = out_text(result, "002_")
    for start in ("Rusya ile Türkiye'nin farklı", 'Lavrov, "İki ülkenin', "Türkiye ile Libya meselesinin"):
        assert sum(line.startswith(start) for line in _lines(text)) == 1, start


def test_002_capitalised_headline_and_its_twin_form_one_cluster(result):
    caps = "RUSYA DIŞİŞLERİ BAKANI SERGEY LAVROV: TÜRKİYE İLE DAĞLIK KARABAĞ"
    mixed = "Rusya Dışişleri Bakanı Sergey Lavrov: Türkiye ile Dağlık Karabağ meselesinde çalışmaya devam edeceğiz"
    clusters = [
        c for c in result.report["clusters"] if any(m["preview"].startswith(caps) for m in c["members"])
    ]
    assert len(clusters) == 1
    members = clusters[0]["members"]
    assert {m["preview"][:10] for m in members} == {caps[:10], mixed[:10]}
    assert sorted(m["action"] for m in members) == ["kept", "removed"]
    lines = _lines(out_text(result, "002_"))
    assert sum(line.startswith(caps) for line in lines) + sum(line == mixed for line in lines) == 1


def test_000_headline_appears_once(result):
    headline = "Lavrov: NATO’nun genişlemesi cevapsız kalmayacak"
    lines = _lines(out_text(result, "000_"))
    assert lines.count(headline) == 1
    assert "A+ A-" in lines  # the widget line next to the removed copy stays


def test_nothing_unique_is_removed(result, seeds):
    removed = {
        (m["document"][:3], m["line"], m["match"])
        for c in result.report["clusters"]
        for m in c["members"]
        if m["action"] == "removed"
    }
    # Four paragraphs and a headline printed twice, and a crosshead quoting the paragraph under it.
    assert removed == {("000", 89, "exact"), ("002", 16, "exact"), ("002", 22, "exact"), ("002", 24, "exact"), ("002", 26, "exact"), ("002", 28, "contained")}
    # Every line of the input is still in the output, up to case and accents, or inside a kept line.
    for src in sorted(seeds.iterdir()):
        inp = {normalize(x) for x in _lines(src.read_text(encoding="utf-8"))}
        out = {normalize(x) for x in _lines((result.out / src.name).read_text(encoding="utf-8"))}
        for line in inp - out:
            assert any(line in kept for kept in out), (src.name, line)
        assert len(inp - out) <= 1, src.name


def test_a_crosshead_quoting_its_paragraph_goes_in_favour_of_the_paragraph(result):
    crosshead = "TÜRK ORTAKLARIMIZLA ÇALIŞMAYA DEVAM EDECEĞİZ"
    (cluster,) = [c for c in result.report["clusters"] if any(crosshead in m["preview"] for m in c["members"])]
    kept, gone = cluster["members"]
    assert gone["match"] == "contained" and gone["similarity"] == 1.0 and crosshead in gone["preview"]
    assert kept["action"] == "kept" and kept["line"] > gone["line"]  # the fuller text stays, though read later
    assert cluster["kind"] == "partial"


def test_short_lines_are_never_duplicates(result):
    for c in result.report["clusters"]:
        for m in c["members"]:
            assert m["chars"] >= 20, m
    # "İstanbul" stands twice in 000 (dateline and menu) and "-" twice in 002: both kept.
    assert result.report["summary"]["short_blocks"] > 80


def test_second_scan_of_the_output_finds_nothing(result, tmp_path):
    inputs = [p for p in result.out.iterdir() if p.suffix == ".txt"]
    again = scan(inputs, tmp_path / "again", ScanConfig())
    assert again.report["clusters"] == []
    assert again.report["summary"]["removed_chars"] == 0


def test_report_accounts_for_every_character(result, seeds):
    s = result.report["summary"]
    assert s["input_chars"] == s["output_chars"] + s["removed_chars"]
    assert s["input_chars"] == sum(len(p.read_text(encoding="utf-8")) for p in seeds.iterdir())
    for d in result.report["documents"]:
        assert d["input_chars"] == d["output_chars"] + d["removed_chars"]
        assert d["output_chars"] == len((result.out / d["output"]).read_text(encoding="utf-8"))
    on_disk = json.loads((result.out / "report.json").read_text(encoding="utf-8"))
    assert on_disk == result.report

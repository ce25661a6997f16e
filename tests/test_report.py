"""The report (dedup.report): progress steps, report.md kept short."""

from __future__ import annotations

import random
import re

from conftest import write_docs
from helpers import menu_corpus

from dedup import ScanConfig, scan
from dedup import report as report_module
from dedup.report import render_markdown


def test_report_progress_adds_up_to_its_steps(tmp_path, monkeypatch):
    # The report bar must end full: every step reported once, whatever the step size.
    monkeypatch.setattr(report_module, "PROGRESS_STEP", 3)
    root = menu_corpus(tmp_path / "in", 11)
    result = scan([root], None, ScanConfig())
    steps: list[int] = []
    report_module.build_report(result.detection, ScanConfig(), result.outputs, [None] * 11, progress=steps.append)
    assert len(result.detection.clusters) == 3  # the three menu lines
    assert sum(steps) == report_module.report_steps(result.detection) == 11 + 3
    assert all(k > 0 for k in steps) and len(steps) > 2


def test_report_md_stays_short_for_a_menu_on_every_page(tmp_path):
    """A menu line that 60 pages repeat makes one cluster of 60 copies: report.md shows
    the largest clusters first, a few copies of each and the documents that lost the
    most, and says where the rest is; report.json keeps every copy."""
    menu = "Gündem Ekonomi Spor Dünya Kültür Sanat Yaşam Teknoloji Sağlık Yazarlar"
    words = ("kent", "meclis", "yağmur", "okul", "liman", "tren", "orman", "sergi", "pazar", "köprü",
             "bahar", "rapor", "yarış", "müze", "fener", "nehir", "çarşı", "tarla", "saray", "kitap")
    rng = random.Random(5)
    docs = {f"p{i:02d}.txt": f"{' '.join(rng.choices(words, k=12))}.\n" for i in range(60)}
    # three small clusters, each of two copies, in the documents read first; the menu
    # ends every page, so its cluster is not the first in reading order
    for k, para in enumerate(["Valilik yarın okulların tatil olduğunu duyurdu ve velileri uyardı.",
                              "Kar yağışı nedeniyle bazı köy yolları ulaşıma kapandı, ekipler çalışıyor.",
                              "Maçın ilk yarısı golsüz bitti, ikinci yarıda ev sahibi baskı kurdu."]):
        for name in (f"p{2 * k:02d}.txt", f"p{2 * k + 1:02d}.txt"):
            docs[name] += para + "\n"
    docs = {name: text + menu + "\n" for name, text in docs.items()}
    res = scan([write_docs(tmp_path / "in", docs)], tmp_path / "out", ScanConfig())
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    clusters = res.report["clusters"]
    menu_cluster = next(c for c in clusters if c["size"] == 60)
    assert len(clusters) == 4 and len(menu_cluster["members"]) == 60  # the JSON keeps every copy
    headings = re.findall(r"^### Cluster (\d+): \w+, \w+, (\d+) copies$", md, flags=re.MULTILINE)
    assert menu_cluster["id"] != 1 and headings[0] == (str(menu_cluster["id"]), "60")  # largest first
    assert sorted(int(n) for _, n in headings) == [2, 2, 2, 60]
    assert md.count(f"| {menu[:20]}") == 10  # at most ten copies of a cluster shown
    assert "… and 50 more copies in report.json." in md
    table = md.split("## Documents with removals", 1)[1]
    assert table.count("\n| `p") == 59  # under the cap: every changed document (all but the first) is listed
    short = render_markdown(res.report, max_clusters=2, max_members=3, max_documents=5)
    shown = re.findall(r"^### Cluster (\d+):", short, flags=re.MULTILINE)
    small = sorted(c["id"] for c in clusters if c["size"] == 2)
    assert shown == [str(menu_cluster["id"]), str(small[0])]  # ties of size: the lower id
    assert "The 2 largest of 4 clusters; report.json lists them all." in short
    assert "… and 57 more copies in report.json." in short
    assert "The 5 of 59 documents that lost the most characters; report.json lists every document." in short
    rows = re.findall(r"^\| `(p\d\d\.txt)` \| \d+ \| (\d+) \| (\d+) \|$", short, flags=re.MULTILINE)
    assert len(rows) == 5
    lost = {d["id"]: d["removed_chars"] for d in res.report["documents"]}
    assert [int(c) for _, _, c in rows] == sorted(lost.values(), reverse=True)[:5]

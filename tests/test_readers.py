"""The reader's inventory: every file under an input folder is read or listed as
not read, with the reason, in the reports and the summary; a check never passes on nothing."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from conftest import write_docs
from typer.testing import CliRunner

from dedup import ScanConfig, scan
from dedup.cli import app
from dedup.readers import inventory

runner = CliRunner()

PARA = "Rusya Dışişleri Bakanı Sergey Lavrov, Moskova'da düzenlenen basın toplantısında konuştu."


pytestmark = pytest.mark.usefixtures("isolated_cwd")


def unsupported_folder(folder: Path) -> Path:
    """A folder of the formats a pipeline has, none of them read (yet)."""
    folder.mkdir(parents=True)
    record = json.dumps({"id": "1", "text": PARA}) + "\n"
    (folder / "part-0.jsonl.gz").write_bytes(gzip.compress(record.encode()))
    (folder / "part-1.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 8)
    (folder / "table.csv").write_text(f"id,text\n1,{PARA}\n", encoding="utf-8")
    (folder / "records.json").write_text(f"[{record}]", encoding="utf-8")
    (folder / "README").write_text(PARA, encoding="utf-8")
    return folder


def test_a_folder_of_unread_formats_lists_every_file_with_its_reason(tmp_path: Path):
    src = unsupported_folder(tmp_path / "c")
    result = scan([src], tmp_path / "out", ScanConfig())
    s, unread = result.report["summary"], result.report["unread"]
    assert s["documents"] == 0 and s["unread_files"] == 5
    reasons = {u["path"]: u["reason"] for u in unread}
    assert sorted(reasons) == ["README", "part-0.jsonl.gz", "part-1.jsonl.zst", "records.json", "table.csv"]
    assert "compressed" in reasons["part-0.jsonl.gz"] and "compressed" in reasons["part-1.jsonl.zst"]
    assert "unsupported file type (.csv" in reasons["table.csv"] and "(.json" in reasons["records.json"]
    assert "no file type" in reasons["README"]
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Files not read" in md and "`table.csv`" in md and "5 files" in md


def test_the_summary_names_the_files_not_read(tmp_path: Path):
    src = unsupported_folder(tmp_path / "c")
    write_docs(src, {"a.txt": PARA + "\n"})
    r = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.stdout.splitlines() if x.startswith("not read"))
    assert " 5 " in line and "README: no file type" in line and "4 more in report.json" in line


def test_hidden_folders_links_and_own_reports_are_listed_not_read(tmp_path: Path):
    src = write_docs(tmp_path / "c", {"a.txt": PARA + "\n", ".git/HEAD": "ref\n", "sub/.cache/x.txt": PARA + "\n", ".hidden.txt": PARA + "\n"})
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", src / "linked")
    old = tmp_path / "old"
    scan([write_docs(tmp_path / "o", {"b.txt": PARA + "\n"})], old, ScanConfig())
    found = inventory([src, old])
    by_path = {u.path: u.reason for u in found.unread}
    assert by_path["c/.git/"] == "hidden folder, not searched"
    assert by_path["c/sub/.cache/"] == "hidden folder, not searched"
    assert by_path["c/linked/"] == "link to a folder, not followed"
    for own in ("report.json", "report.md", "dedup-manifest.json"):
        assert "dedup's own" in by_path[f"old/{own}"]
    assert sorted(s.rel for s in found.sources) == ["c/.hidden.txt", "c/a.txt", "old/b.txt"]  # a hidden file of a corpus type is read
    assert [u.path for u in found.unread] == sorted(by_path)


def test_every_file_under_the_input_is_read_or_listed(tmp_path: Path):
    src = unsupported_folder(tmp_path / "c")
    write_docs(src, {"a.txt": PARA, "deep/b.md": PARA, "deep/c.jsonl": json.dumps({"id": "j", "text": PARA}) + "\n", "deep/notes.rtf": "x"})
    found = inventory([src])
    listed = {s.rel for s in found.sources} | {u.path for u in found.unread}
    on_disk = {p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()}
    assert on_disk == listed
    assert not {s.rel for s in found.sources} & {u.path for u in found.unread}


def test_a_file_given_by_name_that_cannot_be_read_is_still_an_error(tmp_path: Path):
    src = unsupported_folder(tmp_path / "c")
    r = runner.invoke(app, ["scan", str(src / "table.csv"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "table.csv: unsupported file type" in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("what", ["empty", "unread formats", "only short blocks"])
def test_check_never_passes_on_nothing(tmp_path: Path, what: str):
    src = tmp_path / "c"
    if what == "empty":
        src.mkdir()
    elif what == "unread formats":
        unsupported_folder(src)
    else:
        write_docs(src, {"a.txt": "kısa\nkısa\n"})
    r = runner.invoke(app, ["check", str(src)])
    assert r.exit_code == 2, r.output
    assert r.stderr.count("\n") == 1 and "no block to check" in r.stderr and str(src) in r.stderr
    if what == "unread formats":
        assert "5 files not read" in r.stderr
    r = runner.invoke(app, ["check", str(src), "--write-baseline", str(tmp_path / "base.json")])
    assert r.exit_code == 2 and not (tmp_path / "base.json").exists()


def test_check_says_which_files_it_did_not_read(tmp_path: Path):
    src = unsupported_folder(tmp_path / "c")
    write_docs(src, {"a.md": f"{PARA}\nİkinci satır burada, farklı ve yeterince uzun.\n"})
    r = runner.invoke(app, ["check", str(src)])
    assert r.exit_code == 0, r.output
    assert "5 files under the inputs were not read, so not checked" in r.stdout and "README: no file type" in r.stdout
    r = runner.invoke(app, ["check", str(src), "--format", "github"])
    assert r.stdout.count("::warning file=") == 5 and "title=dedup%3A file not read" in r.stdout
    data = json.loads(runner.invoke(app, ["check", str(src), "--format", "json"]).stdout)
    assert sorted(u["path"].rsplit("/", 1)[-1] for u in data["unread"]) == ["README", "part-0.jsonl.gz", "part-1.jsonl.zst", "records.json", "table.csv"]


def test_a_name_with_a_line_break_stays_on_one_line(tmp_path: Path):
    src = write_docs(tmp_path / "c", {"a.txt": PARA + "\n"})
    (src / "evil\n::warning::x.csv").write_text("x", encoding="utf-8")
    r = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0
    line = next(x for x in r.stdout.splitlines() if x.startswith("not read"))
    assert "evil\\n::warning::x.csv" in line
    assert not any(x.startswith("::warning") for x in r.stdout.splitlines())
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "`evil\\n::warning::x.csv`" in md
    r = runner.invoke(app, ["scan", str(src / "missing\nfile.txt"), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "missing\\nfile.txt" in r.stderr

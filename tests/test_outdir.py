"""--out safety: dedup replaces only its own earlier output, and only its own files."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_docs
from typer.testing import CliRunner

from dedup import ScanConfig, scan
from dedup.cli import app
from dedup.errors import UsageError
from dedup.outdir import MANIFEST, read_manifest

scan_module = importlib.import_module("dedup.scan")  # the module, not the function of that name

runner = CliRunner()

LEAD = "Rusya Dışişleri Bakanı Sergey Lavrov, Moskova'da düzenlenen basın toplantısında konuştu."


pytestmark = pytest.mark.usefixtures("isolated_cwd")


def corpus(folder: Path) -> Path:
    return write_docs(
        folder,
        {
            "a.txt": f"Birinci haber başlığı burada yazıyor\n{LEAD}\nBirinci haberin kendi paragrafı burada.\n",
            "sub/b.md": f"İkinci haber başlığı burada yazıyor\n{LEAD}\nİkinci haberin kendi paragrafı burada.\n",
        },
    )


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``: path -> sha256 of the bytes ("dir" for a folder)."""
    return {
        p.relative_to(folder).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


def run(*args: str | Path):
    return runner.invoke(app, ["scan", *map(str, args)])


def one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dedup: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_a_project_folder_with_a_report_json_is_refused_and_untouched(tmp_path: Path):
    # The reproduction, run as a user would, in a fresh process.
    proj = tmp_path / "proj"
    (proj / "src").mkdir(parents=True)
    (proj / "report.json").write_text('{"tests":12}', encoding="utf-8")
    (proj / "src" / "app.py").write_text("print(1)\n", encoding="utf-8")
    (proj / ".git").mkdir()
    (proj / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    before = snapshot(proj)
    done = subprocess.run([sys.executable, "-m", "dedup", "scan", str(corpus(tmp_path / "c")), "--out", str(proj)], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "is not a dedup output" in done.stderr and str(proj) in done.stderr
    assert snapshot(proj) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".proj.")] == []


@pytest.mark.parametrize("extra", ["notes.txt", ".git/HEAD", "sub/deeper/keep.jsonl"])
def test_a_file_dedup_did_not_write_is_a_refusal_not_a_deletion(tmp_path: Path, extra: str):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    (out / extra).parent.mkdir(parents=True, exist_ok=True)
    (out / extra).write_text("mine, not dedup's\n", encoding="utf-8")
    before = snapshot(out)
    one_line_error(run(src, "--out", out), f"holds {extra}, which dedup did not write", "nothing was changed")
    assert snapshot(out) == before


def test_a_file_changed_since_dedup_wrote_it_is_a_refusal(tmp_path: Path):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    with open(out / "a.txt", "a", encoding="utf-8") as fh:
        fh.write("my own edit\n")
    before = snapshot(out)
    one_line_error(run(src, "--out", out), "holds a.txt, changed since dedup wrote it")
    assert snapshot(out) == before


def test_an_output_without_a_manifest_is_refused(tmp_path: Path):
    # An output of a version without the manifest is, to dedup, someone else's folder.
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    (out / MANIFEST).unlink()
    before = snapshot(out)
    one_line_error(run(src, "--out", out), f"no {MANIFEST}")
    assert snapshot(out) == before


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "a/../../x"])
def test_a_manifest_naming_paths_outside_the_folder_is_not_trusted(tmp_path: Path, path: str):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("{}", encoding="utf-8")
    (out / MANIFEST).write_text(json.dumps({"tool": "dedup", "manifest_version": 1, "dry_run": False, "files": [{"path": path, "bytes": 2}]}), encoding="utf-8")
    assert read_manifest(out) is None
    (tmp_path / "outside.txt").write_text("keep\n", encoding="utf-8")
    one_line_error(run(corpus(tmp_path / "c"), "--out", out), "is not a dedup output")
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "keep\n"


def test_the_manifest_lists_every_file_with_its_size(tmp_path: Path):
    out = tmp_path / "out"
    assert run(corpus(tmp_path / "c"), "--out", out, "--jobs", "2").exit_code == 0
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    on_disk = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.rglob("*") if p.is_file() and p.name != MANIFEST}
    assert {e["path"]: e["bytes"] for e in manifest["files"]} == on_disk
    assert [e["path"] for e in manifest["files"]] == sorted(on_disk)
    assert manifest["tool"] == "dedup" and manifest["manifest_version"] == 1 and manifest["dry_run"] is False


def test_replacing_removes_only_what_the_manifest_lists_and_tolerates_missing_files(tmp_path: Path):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    (out / "a.txt").unlink()  # the user took one output file away: still our folder
    (src / "sub" / "b.md").unlink()
    assert run(src, "--out", out).exit_code == 0
    assert sorted(snapshot(out)) == ["a.txt", MANIFEST, "report.json", "report.md"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_a_file_that_appears_in_out_during_the_scan_stops_the_replacement(tmp_path: Path, monkeypatch):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    scan([src], out, ScanConfig())
    real = scan_module.build_report

    def meanwhile(*args, **kwargs):
        (out / "arrived-meanwhile.txt").write_text("someone's\n", encoding="utf-8")
        return real(*args, **kwargs)

    monkeypatch.setattr(scan_module, "build_report", meanwhile)
    before = snapshot(out)
    with pytest.raises(UsageError, match="arrived-meanwhile.txt, which dedup did not write"):
        scan([src], out, ScanConfig())
    assert snapshot(out) == {**before, "arrived-meanwhile.txt": hashlib.sha256(b"someone's\n").hexdigest()}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_a_dry_run_never_replaces_deduplicated_files(tmp_path: Path):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    before = snapshot(out)
    one_line_error(run(src, "--out", out, "--dry-run"), "a dry run does not replace", "another --out")
    assert snapshot(out) == before


def test_a_dry_run_replaces_an_earlier_dry_run_and_a_scan_replaces_a_dry_run(tmp_path: Path):
    src = corpus(tmp_path / "c")
    preview = tmp_path / "preview"
    assert run(src, "--out", preview, "--dry-run").exit_code == 0
    assert sorted(snapshot(preview)) == [MANIFEST, "report.json", "report.md"]
    assert json.loads((preview / MANIFEST).read_text(encoding="utf-8"))["dry_run"] is True
    first = snapshot(preview)
    assert run(src, "--out", preview, "--dry-run", "--threshold", "0.9").exit_code == 0
    assert sorted(snapshot(preview)) == sorted(first)
    assert run(src, "--out", preview).exit_code == 0
    assert sorted(snapshot(preview)) == sorted([*first, "a.txt", "sub", "sub/b.md"])


def test_an_empty_out_folder_is_used(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    assert run(corpus(tmp_path / "c"), "--out", out).exit_code == 0
    assert (out / "a.txt").is_file() and (out / MANIFEST).is_file()


def test_a_same_size_edit_is_seen_by_its_content(tmp_path: Path):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    text = (out / "a.txt").read_bytes()
    (out / "a.txt").write_bytes(text.replace(b"Birinci", b"BIRINCI"))  # same length
    before = snapshot(out)
    one_line_error(run(src, "--out", out), "holds a.txt, changed since dedup wrote it (its content differs)")
    assert snapshot(out) == before


def test_a_hand_written_manifest_cannot_claim_someone_elses_files(tmp_path: Path):
    out = tmp_path / "out"
    (out / "src").mkdir(parents=True)
    (out / "src" / "app.py").write_text("print(1)\n", encoding="utf-8")
    entry = {"path": "src/app.py", "bytes": 9, "xxh3_128": "0" * 32}
    (out / MANIFEST).write_text(json.dumps({"tool": "dedup", "manifest_version": 1, "dry_run": False, "files": [entry]}), encoding="utf-8")
    before = snapshot(out)
    one_line_error(run(corpus(tmp_path / "c"), "--out", out), "holds src/app.py, changed since dedup wrote it")
    assert snapshot(out) == before


def test_a_folder_in_out_that_cannot_be_looked_into_is_a_refusal(tmp_path: Path, monkeypatch):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    (out / "private").mkdir()
    (out / "private" / "notes.txt").write_text("mine\n", encoding="utf-8")
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("private"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    before = snapshot(out)
    monkeypatch.setattr(os, "scandir", scandir)  # as root, chmod 000 would not stop the listing
    one_line_error(run(src, "--out", out), "cannot look into", "private", "nothing was changed")
    monkeypatch.undo()
    assert snapshot(out) == before


def test_file_names_that_are_not_utf8_are_written_and_replaced(tmp_path: Path):
    src = tmp_path / "c"
    src.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    try:
        (src / name).write_text(LEAD + "\n" + LEAD + "\n", encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 names")
    out = tmp_path / "out"
    assert run(src, "--out", out).exit_code == 0
    assert (out / name).read_text(encoding="utf-8") == LEAD + "\n"
    assert read_manifest(out) is not None and name in read_manifest(out).files
    assert run(src, "--out", out).exit_code == 0  # its own output, recognized again


def test_a_signal_during_the_swap_leaves_a_whole_output(tmp_path: Path, monkeypatch):
    src = corpus(tmp_path / "c")
    out = tmp_path / "out"
    scan([src], out, ScanConfig())
    (src / "a.txt").write_text("Yepyeni bir metin, öncekinden tamamen farklı bir paragraf.\n", encoding="utf-8")
    writers = importlib.import_module("dedup.writers")
    real = os.rename
    calls = []

    def rename(a, b):
        real(a, b)
        calls.append(b)
        if len(calls) == 1:  # the earlier output has just been moved aside
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(writers.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        scan([src], out, ScanConfig())
    monkeypatch.undo()
    # The interruption waited for the swap: the new output is whole, the old one gone.
    assert "Yepyeni" in (out / "a.txt").read_text(encoding="utf-8")
    assert read_manifest(out) is not None and read_manifest(out).files.keys() == {p for p in snapshot(out) if p not in (MANIFEST, "sub")}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_the_working_folder_cannot_be_out(tmp_path: Path):
    src = corpus(tmp_path / "c")
    one_line_error(run(src, "--out", "."), "working folder")
    (tmp_path / "cwd" / "deeper").mkdir()
    os.chdir(tmp_path / "cwd" / "deeper")
    one_line_error(run(src, "--out", ".."), "working folder")

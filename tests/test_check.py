"""`dedup check`: exit codes, formats parsed by real parsers, baselines, configuration."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import write_docs
from typer.testing import CliRunner

from dedup.cli import app

PARA = "Rusya Dışişleri Bakanı Sergey Lavrov, Moskova'da yapılan toplantıda açıklama yaptı."
OTHER = "Ankara'da bugün düzenlenen basın toplantısında yeni ekonomi programı tanıtıldı."
THIRD = "İstanbul'da yağmur nedeniyle bazı seferler iptal edildi, yetkililer uyarıda bulundu."


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, cwd: Path | None = None, env: dict | None = None):
    import os

    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(app, list(args), env=env)
    finally:
        os.chdir(old)


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "clean", {"a.txt": f"{PARA}\n{OTHER}\n", "b.txt": f"{THIRD}\n"})


@pytest.fixture
def dirty(tmp_path: Path) -> Path:
    # one copy across documents (b repeats a's first paragraph, re-cased),
    # one within a document (c repeats its own line).
    return write_docs(
        tmp_path / "dirty",
        {"a.txt": f"{PARA}\n{OTHER}\n", "b.txt": f"{PARA.upper()}\n", "c.txt": f"{THIRD}\n\n{THIRD}\n"},
    )


def test_clean_corpus_passes_with_exit_0(runner, clean, tmp_path):
    r = run(runner, "check", str(clean), cwd=tmp_path)
    assert r.exit_code == 0, r.output
    assert "passed" in r.output


def test_duplicates_fail_with_exit_1_by_default(runner, dirty, tmp_path):
    r = run(runner, "check", str(dirty), cwd=tmp_path)
    assert r.exit_code == 1, r.output
    assert "limit broken" in r.output
    assert "b.txt:1" in r.output and "c.txt:3" in r.output  # where the copies are


def test_limits_decide_the_exit_code(runner, dirty, tmp_path):
    assert run(runner, "check", str(dirty), "--max-cross-duplicates", "1", "--max-within-duplicates", "1", cwd=tmp_path).exit_code == 0
    assert run(runner, "check", str(dirty), "--max-cross-duplicates", "0", "--max-within-duplicates", "1", cwd=tmp_path).exit_code == 1
    # 2 duplicates of 6 blocks = 0.333…
    assert run(runner, "check", str(dirty), "--max-duplicate-ratio", "0.4", cwd=tmp_path).exit_code == 0
    assert run(runner, "check", str(dirty), "--max-duplicate-ratio", "0.3", cwd=tmp_path).exit_code == 1


def test_usage_and_input_errors_exit_2(runner, dirty, tmp_path):
    assert run(runner, "check", str(tmp_path / "missing")).exit_code == 2
    assert run(runner, "check", str(dirty), "--threshold", "7").exit_code == 2
    assert run(runner, "check", str(dirty), "--max-cross-duplicates", "-1").exit_code == 2
    assert run(runner, "check", str(dirty), "--format", "yaml").exit_code == 2
    assert run(runner, "check", str(dirty), "--baseline", str(tmp_path / "nope.json")).exit_code == 2


def test_exit_codes_are_documented_in_help(runner):
    r = runner.invoke(app, ["check", "--help"])
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    for code in ("0 success", "1 check: a limit is broken", "2 bad option or bad input"):
        assert code in text


def test_json_format_is_parseable_and_stable(runner, dirty, tmp_path):
    r = run(runner, "check", str(dirty), "--format", "json", cwd=tmp_path)
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert data["schema_version"] == 1 and data["passed"] is False
    assert data["counts"]["new_cross_duplicates"] == 1 and data["counts"]["new_within_duplicates"] == 1
    places = {(Path(d["path"]).name, d["line"], d["scope"]) for d in data["duplicates"]}
    assert places == {("b.txt", 1, "across"), ("c.txt", 3, "within")}
    again = run(runner, "check", str(dirty), "--format", "json", cwd=tmp_path)
    assert again.output == r.output


def test_github_format_annotates_each_duplicate_and_writes_summary(runner, dirty, tmp_path):
    summary = tmp_path / "summary.md"
    r = run(runner, "check", str(dirty), "--format", "github", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.exit_code == 1
    errors = [line for line in r.output.splitlines() if line.startswith("::error file=")]
    assert len(errors) == 2
    for line in errors:
        props, message = line[len("::error ") :].split("::", 1)
        fields = dict(p.split("=", 1) for p in props.split(","))
        assert (tmp_path / fields["file"]).is_file()  # a path relative to the working directory
        assert int(fields["line"]) >= 1
        assert "Duplicate block" in message
    text = summary.read_text(encoding="utf-8")
    assert "dedup check" in text and "| duplicate |" in text


def test_junit_format_has_one_case_per_document(runner, dirty, tmp_path):
    r = run(runner, "check", str(dirty), "--format", "junit", cwd=tmp_path)
    assert r.exit_code == 1
    root = ET.fromstring(r.output)
    cases = root.findall(".//testcase")
    assert sorted(c.get("name") for c in cases) == ["a.txt", "b.txt", "c.txt"]
    failed = sorted(c.get("name") for c in cases if c.find("failure") is not None)
    assert failed == ["b.txt", "c.txt"]
    assert root.find("testsuite").get("failures") == "2"


def test_baseline_round_trip_counts_only_new_duplicates(runner, dirty, tmp_path):
    base = tmp_path / "baseline.json"
    r = run(runner, "check", str(dirty), "--write-baseline", str(base), cwd=tmp_path)
    assert r.exit_code == 0, r.output
    entries = json.loads(base.read_text(encoding="utf-8"))["entries"]
    assert len(entries) == 2 and all("fingerprint" in e for e in entries)
    assert run(runner, "check", str(dirty), "--baseline", str(base), cwd=tmp_path).exit_code == 0

    # Edits elsewhere (a new line on top shifts every line number) do not invalidate it.
    c = dirty / "c.txt"
    c.write_text("Yeni eklenen ve tamamen farklı olan bir giriş paragrafı burada.\n" + c.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(runner, "check", str(dirty), "--baseline", str(base), cwd=tmp_path).exit_code == 0

    # A new copy counts.
    (dirty / "d.txt").write_text(OTHER + "\n", encoding="utf-8")
    r = run(runner, "check", str(dirty), "--baseline", str(base), "--format", "json", cwd=tmp_path)
    assert r.exit_code == 1
    new = [d for d in json.loads(r.output)["duplicates"] if d["new"]]
    assert [Path(d["path"]).name for d in new] == ["d.txt"]


def test_stale_baseline_entries_are_reported(runner, dirty, tmp_path):
    base = tmp_path / "baseline.json"
    run(runner, "check", str(dirty), "--write-baseline", str(base), cwd=tmp_path)
    (dirty / "c.txt").write_text(THIRD + "\n", encoding="utf-8")  # the within copy is gone
    r = run(runner, "check", str(dirty), "--baseline", str(base), "--format", "json", cwd=tmp_path)
    assert r.exit_code == 0
    stale = json.loads(r.output)["stale_baseline_entries"]
    assert [e["document"] for e in stale] == ["c.txt"]
    text = run(runner, "check", str(dirty), "--baseline", str(base), cwd=tmp_path)
    assert "stale" in text.output


def test_pyproject_settings_apply_and_command_line_wins(runner, dirty, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.dedup]\nmax-cross-duplicates = 5\nmax_within_duplicates = 5\n", encoding="utf-8"
    )
    assert run(runner, "check", str(dirty), cwd=tmp_path).exit_code == 0
    assert run(runner, "check", str(dirty), "--max-within-duplicates", "0", cwd=tmp_path).exit_code == 1


def test_dedup_toml_wins_over_pyproject_and_bad_keys_are_refused(runner, dirty, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nmax-cross-duplicates = 5\nmax-within-duplicates = 5\n", encoding="utf-8")
    (tmp_path / "dedup.toml").write_text("max-cross-duplicates = 0\nmax-within-duplicates = 5\n", encoding="utf-8")
    assert run(runner, "check", str(dirty), cwd=tmp_path).exit_code == 1
    (tmp_path / "dedup.toml").write_text("max-crossduplicates = 0\n", encoding="utf-8")
    r = run(runner, "check", str(dirty), cwd=tmp_path)
    assert r.exit_code == 2 and "unknown setting" in r.output


def test_settings_change_detection_too(runner, dirty, tmp_path):
    # min-chars above every line: nothing is compared, and a gate never passes on nothing.
    (tmp_path / "dedup.toml").write_text("min-chars = 500\n", encoding="utf-8")
    r = run(runner, "check", str(dirty), cwd=tmp_path)
    assert r.exit_code == 2 and "no block to check" in r.stderr and "shorter than --min-chars 500" in r.stderr


def test_check_writes_nothing(runner, dirty, tmp_path):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    run(runner, "check", str(dirty), cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_help_shows_defaults_and_config_table_literally(runner):
    text = " ".join(runner.invoke(app, ["scan", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "[default: 0.65]" in text and "[default: line]" in text
    assert "[tool.dedup]" in text


def test_a_repeat_inside_one_file_is_within_even_when_its_cluster_touches_another(runner, tmp_path):
    # The README's pre-commit example: --max-within-duplicates 0 must catch a file that
    # repeats its own sentence, also when another file has that sentence too.
    corpus = write_docs(tmp_path / "c", {"a.txt": f"{PARA}\n{OTHER}\n{PARA}\n", "b.txt": f"{PARA}\n"})
    r = run(runner, "check", str(corpus), "--max-within-duplicates", "0", "--max-cross-duplicates", "5", "--format", "json", cwd=tmp_path)
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["counts"]["new_within_duplicates"] == 1 and data["counts"]["new_cross_duplicates"] == 1
    assert {(d["path"].rsplit("/", 1)[-1], d["line"], d["scope"]) for d in data["duplicates"]} == {("a.txt", 3, "within"), ("b.txt", 1, "across")}
    assert run(runner, "check", str(corpus), "--max-within-duplicates", "1", "--max-cross-duplicates", "1", cwd=tmp_path).exit_code == 0
    # report.json says the same, per removed copy and in the summary.
    out = tmp_path / "out"
    assert run(runner, "scan", str(corpus), "--out", str(out), cwd=tmp_path).exit_code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (cluster,) = report["clusters"]
    assert cluster["scope"] == "across"  # the cluster itself spans two documents
    members = [(m["document"], m["action"], m.get("scope")) for m in cluster["members"]]
    assert members == [("a.txt", "kept", None), ("a.txt", "removed", "within"), ("b.txt", "removed", "across")]
    assert report["summary"]["removed_by_scope"] == {"within": 1, "across": 1}
    assert "1 repeated their own document, 1 another one" in (out / "report.md").read_text(encoding="utf-8")


def test_limits_are_validated_by_the_library(tmp_path):
    from dedup.check import Limits
    from dedup.errors import UsageError

    with pytest.raises(UsageError, match="max-cross-duplicates"):
        Limits(max_cross_duplicates=-1)
    with pytest.raises(UsageError, match="at most 1"):
        Limits(max_duplicate_ratio=5)


def test_the_python_api_checks_like_the_command(tmp_path, dirty):
    from dedup import Limits, check

    verdict = check([dirty], Limits(max_cross_duplicates=1, max_within_duplicates=1))
    assert verdict.passed and len(verdict.new) == 2
    verdict = check([dirty], Limits(max_cross_duplicates=0, max_within_duplicates=1))
    assert not verdict.passed and "across documents exceed --max-cross-duplicates 0" in verdict.violations[0]
    baseline = [{"document": d.document, "fingerprint": d.fingerprint} for d in verdict.duplicates]
    assert check([dirty], baseline=baseline).passed  # every duplicate known: none new


def test_a_file_that_repeats_itself_is_within_whatever_other_files_are_checked(runner, tmp_path):
    # b repeats a sentence that a also has: b's second copy repeats b itself, so the
    # pre-commit gate fails whether a is staged beside b or not.
    corpus = write_docs(tmp_path / "c", {"a.txt": f"{PARA}\n", "b.txt": f"{PARA}\n{OTHER}\n{PARA}\n"})
    for inputs in ([corpus], [corpus / "b.txt"], [corpus / "a.txt", corpus / "b.txt"]):
        r = run(runner, "check", *map(str, inputs), "--max-within-duplicates", "0", "--max-cross-duplicates", "5", "--format", "json", cwd=tmp_path)
        assert r.exit_code == 1, (inputs, r.output)
        data = json.loads(r.stdout)
        scopes = sorted((d["path"].rsplit("/", 1)[-1], d["line"], d["scope"]) for d in data["duplicates"])
        assert ("b.txt", 3, "within") in scopes
        assert data["counts"]["new_within_duplicates"] == 1


def test_a_bad_choice_in_the_config_file_names_the_file(runner, dirty, tmp_path):
    (tmp_path / "dedup.toml").write_text('unit = "sentence"\n', encoding="utf-8")
    r = run(runner, "check", str(dirty), cwd=tmp_path)
    assert r.exit_code == 2 and "dedup.toml: setting 'unit' must be one of line, paragraph, not 'sentence'" in r.stderr
    (tmp_path / "dedup.toml").write_text('format = "xml"\n', encoding="utf-8")
    r = run(runner, "check", str(dirty), cwd=tmp_path)
    assert r.exit_code == 2 and "dedup.toml: setting 'format' must be one of text, json, github, junit" in r.stderr

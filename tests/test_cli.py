"""The `dedup scan` command line, as a user meets it."""

from __future__ import annotations

import hashlib
import importlib
import json
import random
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_docs
from typer.testing import CliRunner

from dedup import ScanConfig, detect
from dedup.analyze import batches
from dedup.cli import app
from dedup.lsh import choose_params
from dedup.scan import read_corpus
from dedup.tuning import Tuning

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("isolated_cwd")

HEAD = "Lavrov: NATO’nun genişlemesi cevapsız kalmayacak"
LEAD = "Rusya Dışişleri Bakanı Sergey Lavrov, Moskova'da düzenlenen basın toplantısında konuştu."


def run(*args: str | Path):
    return runner.invoke(app, ["scan", *map(str, args)])


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> sha256 of its bytes)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def files_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def small_corpus(folder: Path) -> Path:
    return write_docs(
        folder,
        {
            "a.txt": f"{HEAD}\nA+ A-\n{LEAD}\nBirinci haberin kendi paragrafı burada.\n{LEAD}\n",
            "sub/b.md": f"date 2024-02-03\n{HEAD.upper()}\n\nAnkara'dan bambaşka bir gelişme aktarıldı.\n",
            "c.txt": "Bu belgede tekrar eden hiçbir satır yok, hepsi özgün.\n",
        },
    )


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    err = result.stderr.strip()
    assert err.startswith("dedup: error:"), err
    assert "\n" not in err, err
    for f in fragments:
        assert f in err, (f, err)
    assert result.stdout == ""


def assert_nothing_written(out: Path) -> None:
    assert not out.exists()
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert leftovers == []


# --------------------------------------------------------------------------- success


def test_scan_seeds_exits_0_and_prints_a_summary(seeds: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = run(seeds, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    summary = result.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    s = report["summary"]
    assert "documents" in summary and f"{s['documents']:,}" in summary
    assert "clusters" in summary and f"{s['removed_blocks']:,} removed" in summary
    assert str(out) in summary and "report.md" in summary
    assert sorted(files_bytes(out)) == sorted([p.name for p in seeds.iterdir()] + ["dedup-manifest.json", "report.json", "report.md"])
    assert s["documents"] == 5 and s["removed_blocks"] == 6
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# dedup report")


def test_quiet_prints_nothing(seeds: Path, tmp_path: Path):
    result = run(seeds, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
    assert (tmp_path / "out" / "report.json").is_file()


def _dedup_executable() -> str:
    candidate = Path(sys.executable).parent / "dedup"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dedup")
    if found is None:
        pytest.fail("the `dedup` console script is not installed")
    return found


def test_real_dedup_command(seeds: Path, tmp_path: Path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [_dedup_executable(), "scan", str(seeds), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path / "cwd",
    )
    assert proc.returncode == 0, proc.stderr
    assert "documents" in proc.stdout and "clusters" in proc.stdout
    assert proc.stderr == ""  # not a terminal: no progress bars
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1
    assert report["summary"]["removed_blocks"] == 6
    for p in seeds.iterdir():
        assert (out / p.name).is_file()
    bad = subprocess.run([_dedup_executable(), "scan", str(tmp_path / "missing"), "--out", str(tmp_path / "o2")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "missing" in bad.stderr


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("dedup ")


def test_dry_run_writes_only_the_two_reports(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    result = run(corpus, "--out", out, "--dry-run")
    assert result.exit_code == 0, result.output
    assert sorted(files_bytes(out)) == ["dedup-manifest.json", "report.json", "report.md"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [d["output"] for d in report["documents"]] == [None, None, None]
    assert report["summary"]["removed_blocks"] == 2
    full = tmp_path / "full"
    assert run(corpus, "--out", full).exit_code == 0
    full_report = json.loads((full / "report.json").read_text(encoding="utf-8"))
    assert full_report["summary"] == report["summary"]
    assert full_report["clusters"] == report["clusters"]


def test_text_outputs_are_the_inputs_minus_the_removed_lines(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    assert run(corpus, "--out", out).exit_code == 0
    assert (out / "a.txt").read_text(encoding="utf-8") == f"{HEAD}\nA+ A-\n{LEAD}\nBirinci haberin kendi paragrafı burada.\n"
    assert (out / "sub/b.md").read_text(encoding="utf-8") == "date 2024-02-03\nAnkara'dan bambaşka bir gelişme aktarıldı.\n"
    assert (out / "c.txt").read_bytes() == (corpus / "c.txt").read_bytes()


# --------------------------------------------------------------------------- JSONL


def test_jsonl_with_custom_fields(tmp_path: Path):
    folder = tmp_path / "j"
    folder.mkdir()
    lines = [
        # Unchanged records must come back byte for byte: odd spacing, escapes, key order.
        '{"body": "' + HEAD + '\\nİlk kaydın özgün satırı burada.", "key": "n1",  "n": 1.50, "tags": ["a", "b"]}',
        '{"key":"n2","lang":"tr","body":"Tamamen özgün bir kayıt, \\u00e7ok özgün.\\nHiçbir satırı tekrar etmiyor.","extra":null}',
        '{"key": "n3", "body": "' + HEAD.upper() + '\\r\\nÜçüncü kaydın özgün satırı.", "nested": {"x": [1, 2, {"y": "z"}]}, "text": "not this field"}',
        '{"key": 4, "body": "Dördüncü kayıt: ' + LEAD + '\\n' + LEAD + '"}',
    ]
    src = folder / "news.jsonl"
    src.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    out = tmp_path / "out"
    result = run(folder, "--out", out, "--text-field", "body", "--id-field", "key", "--min-chars", "20")
    assert result.exit_code == 0, result.output
    out_lines = (out / "news.jsonl").read_bytes().split(b"\n")
    assert out_lines[-1] == b""
    out_lines = out_lines[:-1]
    assert len(out_lines) == len(lines)
    # Same records, same order.
    records_in = [json.loads(x) for x in lines]
    records_out = [json.loads(x) for x in out_lines]
    assert [r["key"] for r in records_out] == [r["key"] for r in records_in]
    # Unchanged records: byte-identical.
    assert out_lines[0] == lines[0].encode("utf-8")
    assert out_lines[1] == lines[1].encode("utf-8")
    # Changed records: only the text field changed, other fields pass through, key order kept.
    for i, new_body in [(2, "Üçüncü kaydın özgün satırı."), (3, "Dördüncü kayıt: " + LEAD)]:
        assert records_out[i] == {**records_in[i], "body": new_body}
        assert list(records_out[i]) == list(records_in[i])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in report["documents"]] == ["n1", "n2", "n3", "4"]
    assert [d["line"] for d in report["documents"]] == [1, 2, 3, 4]
    assert [d["source"] for d in report["documents"]] == ["news.jsonl"] * 4
    # Record 4's two lines are near duplicates: the first (longer) one is kept.
    assert [d["removed_blocks"] for d in report["documents"]] == [0, 0, 1, 1]


def test_jsonl_without_id_field_uses_file_and_line(tmp_path: Path):
    folder = tmp_path / "j"
    folder.mkdir()
    (folder / "x.jsonl").write_text(
        json.dumps({"text": HEAD + "\nbir"}) + "\n\n" + json.dumps({"text": HEAD + "\niki"}) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    assert run(folder, "--out", out).exit_code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in report["documents"]] == ["x.jsonl:1", "x.jsonl:3"]
    records = [json.loads(x) for x in (out / "x.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    assert [r["text"] for r in records] == [HEAD + "\nbir", "iki"]


# --------------------------------------------------------------------------- bad input


BAD_INPUTS = {
    "malformed JSON": ("news.jsonl", b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "broken"\n', "news.jsonl:2"),
    "missing text field": ("news.jsonl", b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "ok"}\n{"id": 3, "body": "x"}\n', "news.jsonl:3"),
    "non-string text": ("news.jsonl", b'{"id": 1, "text": 42}\n', "news.jsonl:1"),
    "null text": ("news.jsonl", b'{"id": 1, "text": "fine"}\n{"id": 2, "text": null}\n', "news.jsonl:2"),
    "record not an object": ("news.jsonl", b'{"id": 1, "text": "ok"}\n["text", "x"]\n', "news.jsonl:2"),
    "duplicate ids": ("news.jsonl", b'{"id": "a", "text": "x"}\n{"id": "b", "text": "y"}\n{"id": "a", "text": "z"}\n', "news.jsonl:3"),
    "invalid UTF-8 in JSONL": ("news.jsonl", b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n', "news.jsonl:2"),
    "invalid UTF-8 in text": ("bad.txt", "İyi bir satır\n".encode() + b"k\xf6t\xfc\n", "bad.txt"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_names_the_file_and_writes_nothing(case, tmp_path: Path):
    name, data, where = BAD_INPUTS[case]
    corpus = small_corpus(tmp_path / "corpus")
    (corpus / name).write_bytes(data)
    out = tmp_path / "out"
    result = run(corpus, "--out", out)
    assert_one_line_error(result, where)
    assert_nothing_written(out)


def test_error_messages_only_suggest_existing_options(tmp_path: Path):
    corpus = write_docs(tmp_path / "c", {"ok.txt": "fine\n"})
    (corpus / "bad.txt").write_bytes(b"k\xf6t\xfc\n")
    result = run(corpus, "--out", tmp_path / "out")
    assert result.exit_code == 2
    help_text = runner.invoke(app, ["scan", "--help"]).stdout
    for option in re.findall(r"--[a-z][a-z-]+", result.stderr):
        assert option in help_text, option


def test_lone_surrogate_in_jsonl_is_not_an_internal_error(tmp_path: Path):
    folder = tmp_path / "j"
    folder.mkdir()
    (folder / "s.jsonl").write_bytes(b'{"id": 1, "text": "lone \\ud800 surrogate in a long enough line"}\n')
    out = tmp_path / "out"
    result = run(folder, "--out", out)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert_one_line_error(result, "s.jsonl:1")
        assert_nothing_written(out)


def test_missing_input_and_unsupported_file(tmp_path: Path):
    out = tmp_path / "out"
    assert_one_line_error(run(tmp_path / "nope", "--out", out), "nope")
    assert_nothing_written(out)
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n", encoding="utf-8")
    assert_one_line_error(run(csv, "--out", out), "data.csv")
    assert_nothing_written(out)


@pytest.mark.parametrize(
    "options",
    [
        ["--threshold", "0"],
        ["--threshold", "1.5"],
        ["--bands", "4"],
        ["--bands", "20", "--rows", "10"],
        ["--min-chars", "0"],
        ["--jobs", "0"],
        ["--ngram", "0"],
        ["--text-field", ""],
    ],
)
def test_bad_option_values_exit_2(options, tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    result = run(corpus, "--out", out, *options)
    assert_one_line_error(result)
    assert_nothing_written(out)


def test_report_name_clash_in_the_input_is_refused(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    (corpus / "report.md").write_text("# my own notes\n", encoding="utf-8")
    out = tmp_path / "out"
    assert_one_line_error(run(corpus, "--out", out), "report.md")
    assert_nothing_written(out)


# --------------------------------------------------------------------------- --out safety


def test_out_inside_an_input_is_refused(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    before = tree(corpus)
    for out in (corpus / "out", corpus / "sub" / "deeper" / "out", corpus):
        result = run(corpus, "--out", out)
        assert_one_line_error(result, "--out")
        assert tree(corpus) == before
        assert not (corpus / "out").exists() and not (corpus / "sub" / "deeper").exists()
    # An input file given by name is also an input: --out may not be that file.
    result = run(corpus / "c.txt", "--out", corpus / "c.txt")
    assert result.exit_code == 2
    assert tree(corpus) == before


def test_input_inside_out_is_refused(tmp_path: Path):
    parent = tmp_path / "work"
    corpus = small_corpus(parent / "corpus")
    before = tree(parent)
    result = run(corpus, "--out", parent)
    assert_one_line_error(result, "inside --out")
    assert tree(parent) == before
    result = run(corpus / "a.txt", "--out", parent)
    assert result.exit_code == 2
    assert tree(parent) == before


def test_existing_foreign_out_is_refused_and_left_alone(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.txt").write_text("do not delete\n", encoding="utf-8")
    result = run(corpus, "--out", out)
    assert_one_line_error(result, "--out")
    assert tree(out) == {"thesis.txt": hashlib.sha256(b"do not delete\n").hexdigest()}
    (out / "thesis.txt").unlink()
    # Empty is fine.
    assert run(corpus, "--out", out).exit_code == 0
    assert (out / "report.json").is_file()


def test_out_that_is_a_file_is_refused(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out.txt"
    out.write_text("x\n", encoding="utf-8")
    assert_one_line_error(run(corpus, "--out", out), "--out")
    assert out.read_text(encoding="utf-8") == "x\n"


def test_rerun_replaces_an_earlier_output(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    assert run(corpus, "--out", out).exit_code == 0
    assert (out / "sub/b.md").exists()
    (corpus / "sub" / "b.md").unlink()
    assert run(corpus, "--out", out).exit_code == 0
    # The earlier output's sub/b.md (listed in its manifest) is gone with it.
    assert sorted(files_bytes(out)) == ["a.txt", "c.txt", "dedup-manifest.json", "report.json", "report.md"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in report["documents"]] == ["a.txt", "c.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_the_input_folder_is_never_modified(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    (corpus / "news.jsonl").write_bytes(
        b'{"id": "j1", "text": "' + HEAD.encode("utf-8") + b'\\nJSONL kaydi"}\r\n\n{"id": "j2", "text": "baska bir kayit burada"}'
    )
    (corpus / "notes.csv").write_text("ignored,file\n", encoding="utf-8")
    before = tree(corpus)
    mtimes = {p: p.stat().st_mtime_ns for p in corpus.rglob("*")}
    for k, options in enumerate(([], ["--dry-run"], ["--unit", "paragraph", "--keep", "longest"], ["--keep", "earliest", "--jobs", "2"])):
        out = tmp_path / f"out{k}"
        result = run(corpus, "--out", out, *options)
        assert result.exit_code == 0, result.output
        assert tree(corpus) == before
        assert {p: p.stat().st_mtime_ns for p in corpus.rglob("*")} == mtimes
    out_files = files_bytes(tmp_path / "out0")
    assert "notes.csv" not in out_files


# --------------------------------------------------------------------------- determinism


POOL = [
    "Dışişleri Bakanı açıklama yaptı ve soruları yanıtladı",
    "DIŞİŞLERİ BAKANI AÇIKLAMA YAPTI VE SORULARI YANITLADI",
    "Ekonomi haberleri: piyasalarda gün sonu değerlendirmesi",
    "Hava durumu: İstanbul'da yarın yağmur bekleniyor",
    "Hava durumu: Istanbul'da yarin yagmur bekleniyor!",
    "Spor: milli takım hazırlık maçında iki gol attı",
    "Spor: milli takım hazırlık maçında üç gol attı",
    "A+ A-",
    "Paylaş",
]


def big_corpus(folder: Path, n_docs: int = 2500) -> Path:
    rng = random.Random(7)
    docs = {}
    for i in range(n_docs):
        # A line of its own: random hex, so unrelated to every other document's.
        lines = [f"özgün {hashlib.sha256(str(i).encode()).hexdigest()[:40]}"]
        lines += rng.sample(POOL, rng.randint(1, 4))
        rng.shuffle(lines)
        docs[f"d{i // 500}/doc{i:05d}.txt"] = "\n".join(lines) + "\n"
    return write_docs(folder, docs)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    return big_corpus(tmp_path_factory.mktemp("big") / "corpus")


def test_jobs_do_not_change_any_output(big: Path, tmp_path: Path):
    _, _, documents = read_corpus([big], ScanConfig())
    assert len(list(batches(documents))) > 1  # the worker pool really has several batches
    out1, out2 = tmp_path / "j1", tmp_path / "j2"
    r1 = run(big, "--out", out1, "--jobs", "1", "--quiet")
    r2 = run(big, "--out", out2, "--jobs", "2", "--quiet")
    assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output)
    f1, f2 = files_bytes(out1), files_bytes(out2)
    assert sorted(f1) == sorted(f2)
    assert len(f1) == 2503  # 2,500 documents, two reports and the manifest
    for name in f1:
        assert f1[name] == f2[name], name
    report = json.loads(f1["report.json"])
    assert report["summary"]["removed_blocks"] > 1000
    assert report["summary"]["clusters_by_kind"]["near"] > 0


def test_report_is_byte_identical_across_runs(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out1, out2 = tmp_path / "o1", tmp_path / "o2"
    assert run(corpus, "--out", out1).exit_code == 0
    assert run(corpus, "--out", out2).exit_code == 0
    assert files_bytes(out1) == files_bytes(out2)
    text = (out1 / "report.json").read_text(encoding="utf-8")
    assert str(tmp_path / "o1") not in text  # no absolute output path in the report
    report = json.loads(text)
    assert "jobs" not in report["parameters"]
    bands, rows = choose_params(report["parameters"]["threshold"], report["parameters"]["num_perm"])
    assert report["parameters"]["lsh"] == {"bands": bands, "rows": rows, "max_miss_at_threshold": 0.01}


def test_os_listing_order_does_not_matter(tmp_path: Path):
    docs = {
        "x/2.txt": f"{HEAD}\nİkinci belge\n",
        "x/10.txt": f"{HEAD.upper()}\nOnuncu belge\n",
        "y/1.txt": f"{LEAD}\n{HEAD}\n",
        "a.txt": f"{LEAD}\nA belgesi\n",
    }
    one = write_docs(tmp_path / "one", docs)
    two = write_docs(tmp_path / "two", dict(reversed(list(docs.items()))))
    assert run(one, "--out", tmp_path / "o1").exit_code == 0
    assert run(two, "--out", tmp_path / "o2").exit_code == 0
    f1, f2 = files_bytes(tmp_path / "o1"), files_bytes(tmp_path / "o2")
    r1, r2 = json.loads(f1.pop("report.json")), json.loads(f2.pop("report.json"))
    f1.pop("report.md"), f2.pop("report.md")
    f1.pop("dedup-manifest.json"), f2.pop("dedup-manifest.json")  # it holds the reports' hashes
    assert f1 == f2
    r1["parameters"].pop("inputs"), r2["parameters"].pop("inputs")
    assert r1 == r2
    # Inside a folder: sorted by relative path, so a.txt is first.
    assert [d["id"] for d in r1["documents"]] == ["a.txt", "x/10.txt", "x/2.txt", "y/1.txt"]
    assert r1["clusters"][0]["canonical"]["document"] == "a.txt"


def _order_case(tmp_path: Path, kind: str) -> tuple[list[Path], list[Path]]:
    a = write_docs(tmp_path / "a", {"one.txt": f"{HEAD}\nA klasörünün satırı\n"})
    b = write_docs(tmp_path / "b", {"two.txt": f"{HEAD}\nB klasörünün satırı\n"})
    if kind == "folders":
        return [a, b], [b, a]
    return [a / "one.txt", b / "two.txt"], [b / "two.txt", a / "one.txt"]


def _kept_and_removed(out: Path) -> tuple[str, str]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (cluster,) = report["clusters"]
    kept = [m["document"] for m in cluster["members"] if m["action"] == "kept"]
    removed = [m["document"] for m in cluster["members"] if m["action"] == "removed"]
    return kept[0], removed[0]


@pytest.mark.parametrize("kind", ["folders", "files"])
def test_command_line_order_changes_only_which_copy_is_kept(kind, tmp_path: Path):
    forward, backward = _order_case(tmp_path, kind)
    assert run(*forward, "--out", tmp_path / "o1").exit_code == 0
    assert run(*backward, "--out", tmp_path / "o2").exit_code == 0
    r1 = json.loads((tmp_path / "o1" / "report.json").read_text(encoding="utf-8"))
    r2 = json.loads((tmp_path / "o2" / "report.json").read_text(encoding="utf-8"))
    for key in ("documents", "blocks", "removed_blocks", "clusters", "removed_chars", "output_chars"):
        assert r1["summary"][key] == r2["summary"][key], key
    assert r2["parameters"]["inputs"] == [str(p) for p in backward]
    # Under any order, one copy of the headline is kept and the other removed.
    assert {*_kept_and_removed(tmp_path / "o1")} == {"a/one.txt", "b/two.txt"}


@pytest.mark.parametrize("kind", ["folders", "files"])
def test_keep_first_follows_the_command_line_order(kind, tmp_path: Path):
    forward, backward = _order_case(tmp_path, kind)
    assert run(*forward, "--out", tmp_path / "o1").exit_code == 0
    assert run(*backward, "--out", tmp_path / "o2").exit_code == 0
    assert _kept_and_removed(tmp_path / "o1") == ("a/one.txt", "b/two.txt")
    assert _kept_and_removed(tmp_path / "o2") == ("b/two.txt", "a/one.txt")


def test_an_output_folder_can_be_scanned_again(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    assert run(corpus, "--out", out).exit_code == 0
    again = run(out, "--out", tmp_path / "again")
    assert again.exit_code == 0, again.output
    report = json.loads((tmp_path / "again" / "report.json").read_text(encoding="utf-8"))
    assert report["clusters"] == []
    assert [d["id"] for d in report["documents"]] == ["a.txt", "c.txt", "sub/b.md"]


# --------------------------------------------------------------------------- options and exit codes


def replace_scan(monkeypatch, fake) -> None:
    """Make the command's call into the library run ``fake`` instead."""
    monkeypatch.setattr(importlib.import_module("dedup.scan"), "scan", fake)
    monkeypatch.setattr("dedup.cli.run_scan", fake, raising=False)


@pytest.mark.parametrize(
    "options",
    [
        ["--scheme", "affine64"],
        ["--scheme", "legacy"],
        ["--shingle", "word", "--ngram", "2"],
        ["--unit", "paragraph"],
        ["--keep", "longest"],
        ["--num-perm", "64", "--bands", "16", "--rows", "4"],
    ],
)
def test_options_are_recorded_and_exact_duplicates_found_under_any_of_them(options, tmp_path: Path):
    corpus = write_docs(
        tmp_path / "corpus",
        {
            "a.txt": f"{HEAD}\n\n{LEAD}\n\nBirinci haberin kendi paragrafı burada.\n\n{LEAD}\n",
            "b.txt": "Bu belgede tekrar eden hiçbir satır yok, hepsi özgün.\n",
        },
    )
    out = tmp_path / "out"
    result = run(corpus, "--out", out, *options)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    params = report["parameters"]
    for name, value in zip(options[::2], options[1::2]):
        key = name[2:].replace("-", "_")
        if key in ("bands", "rows"):
            assert params["lsh"][key] == int(value)
        else:
            assert str(params[key]) == value
    assert params["minhash"]["scheme"] == params["scheme"]
    # The LEAD paragraph printed twice in a.txt is found whatever the options.
    assert any(
        c["scope"] == "within" and all(m["document"] == "a.txt" for m in c["members"]) for c in report["clusters"]
    )
    assert "Rusya Dışişleri" in (out / "a.txt").read_text(encoding="utf-8")


def _alarm(signum, frame):
    raise TimeoutError("dedup scan still running after 10 s: hung")


def test_greek_corpus_is_scanned(tmp_path: Path):
    line = "Η πρωτεΐνη είναι σημαντική για τον οργανισμό μας"
    corpus = write_docs(tmp_path / "corpus", {"a.txt": f"{line}\nπρώτο κείμενο εδώ\n", "b.txt": f"{line}\nδεύτερο κείμενο\n"})
    out = tmp_path / "out"
    if hasattr(signal, "setitimer"):  # turn a hang into a failure (not a speed test)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        result = run(corpus, "--out", out)
    finally:
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    assert result.exit_code == 0, result.output
    assert (out / "b.txt").read_text(encoding="utf-8") == "δεύτερο κείμενο\n"


def test_interrupt_exits_130_and_writes_nothing(tmp_path: Path, monkeypatch):
    corpus = small_corpus(tmp_path / "corpus")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    replace_scan(monkeypatch, interrupted)
    out = tmp_path / "out"
    result = run(corpus, "--out", out)
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert_nothing_written(out)


def test_internal_error_exits_3_with_one_line_and_debug_shows_the_traceback(tmp_path: Path, monkeypatch):
    corpus = small_corpus(tmp_path / "corpus")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    replace_scan(monkeypatch, broken)
    out = tmp_path / "out"
    result = run(corpus, "--out", out)
    assert result.exit_code == 3
    err = result.stderr.strip()
    assert "\n" not in err and "internal error" in err and "boom" in err and "--debug" in err
    assert "Traceback" not in result.stderr
    debug = run(corpus, "--out", out, "--debug")
    assert debug.exit_code == 3
    assert "Traceback" in debug.stderr and "RuntimeError: boom" in debug.stderr


def test_many_batches_in_flight_merge_in_document_order(big: Path):
    # Small batches: more than 2 * jobs + 2 are in flight, so results are merged while
    # later batches are still being read and submitted; nothing may change.
    _, _, documents = read_corpus([big], ScanConfig())
    whole = detect(documents, ScanConfig(jobs=1))
    small = Tuning(batch_docs=37)
    assert len(list(batches(documents, small.batch_chars, small.batch_docs))) > 2 * 2 + 2
    split_up = detect(iter(documents), ScanConfig(jobs=2), tuning=small)
    assert split_up.clusters == whole.clusters
    assert split_up.removed == whole.removed
    assert split_up.stats == whole.stats


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    "args, needle",
    [
        (["scan"], "missing argument 'INPUT...'"),
        (["scan", "corpus"], "missing option '--out'"),
        (["scan", "corpus", "--out", "o", "--bogus"], "no such option: --bogus"),
        (["scan", "corpus", "--out", "o", "--unit", "sentence"], "'sentence' is not one of 'line', 'paragraph'"),
        (["check", "corpus", "--max-cross-duplicates", "many"], "'many' is not a valid int"),
        (["frobnicate"], "no such command 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(tmp_path: Path, args: list[str], needle: str):
    (tmp_path / "cwd" / "corpus").mkdir()
    for result in (runner.invoke(app, args), subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True)):
        code = getattr(result, "exit_code", getattr(result, "returncode", None))
        assert code == 2, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("dedup: error: ") and needle in result.stderr and "--help" in result.stderr
        assert result.stdout == ""


def test_help_shows_input_not_the_parameter_name():
    for command in ("scan", "check"):
        text = runner.invoke(app, [command, "--help"], prog_name="dedup", env={"COLUMNS": "200"}).output
        assert text.splitlines()[0] == f"Usage: dedup {command} [OPTIONS] INPUT..."
        assert "{" not in text.split("Options:")[0] and "<list" not in text and "inputs" not in text.lower().split("options:")[0].replace("the inputs", "")


def test_report_md_lists_skipped_input(tmp_path: Path):
    corpus = small_corpus(tmp_path / "corpus")
    (corpus / "bad.txt").write_bytes(b"\xff\xfe\x00broken \x00 binary")
    (corpus / "news.jsonl").write_text('{"id": "ok", "text": "bir kayıt"}\nnot json\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run(corpus, "--out", out, "--on-error", "skip")
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Skipped input (copied unchanged)" in md
    assert "`news.jsonl:2`" in md and "not valid JSON" in md

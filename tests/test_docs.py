"""The documentation cannot drift from the program.

* The options tables in README.md (and docs/) list exactly the options that
  ``dedup scan --help`` and ``dedup check --help`` print, with the same defaults.
  Option names and defaults are compared, never the wording of the help texts.
* Every relative link in README.md and docs/*.md points to a file that exists.
* README.md stays short, and its first two shell blocks (run by ``.ci/run`` on a
  fresh machine) stay what they are.
* docs/performance.md is what ``benchmarks/make_performance_doc.py`` makes of
  benchmarks/RESULTS.md now.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_README_WORDS = 1600

# ---------------------------------------------------------------------------
# --help, parsed for option names and defaults only
# ---------------------------------------------------------------------------

_BOX = str.maketrans({c: " " for c in "│╭╮╰╯─┃┏┓┗┛━┌┐└┘"})  # rich's panels, if help is ever rendered with them
_OPTION_TOKEN = re.compile(r"^-{1,2}[A-Za-z][\w-]*$")
_DEFAULT = re.compile(r"\[default:\s*([^\]]*)\]")


def _app():
    """The object behind the ``dedup`` console script, as installed."""
    found = [ep for ep in entry_points(group="console_scripts") if ep.name == "dedup"]
    assert found, "the dedup console script is not installed: pip install -e ."
    return found[0].load()


def help_text(command: str) -> str:
    result = CliRunner().invoke(_app(), [command, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def parse_help(text: str) -> dict[str, dict]:
    """``{option name: {"names": all its names, "default": str | None, "required": bool}}``
    for every option of a command's ``--help`` (``--help`` itself left out).

    An option entry starts on a line, at the options column, that begins with ``-``;
    its help text runs on until the next entry or the end of the section, wrapped
    anywhere.  Only the names, ``[default: …]`` and ``[required]`` are read from it."""
    entries: list[tuple[list[str], list[str]]] = []
    in_options = False
    column = None
    for raw in text.translate(_BOX).splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if re.match(r"^\s*options\s*:?\s*$", line, re.I):  # "Options:" (click) or " Options " (rich)
            in_options, column = True, None
            continue
        if not in_options:
            continue
        if not stripped:
            if entries:  # a blank line (or a panel's border) ends the section
                in_options = False
            continue
        if line[0] != " ":  # the next section
            in_options = False
            continue
        entry = re.sub(r"^\*\s+", "", stripped)  # rich marks a required option with "*"
        indent = len(line) - len(line.lstrip(" *"))
        if entry.startswith("-") and (column is None or indent <= column):
            column = indent
            names = []
            for token in re.split(r"[\s,/]+", entry):
                if not _OPTION_TOKEN.match(token):
                    break  # the metavar or the help text: names are done
                names.append(token)
            entries.append((names, [entry]))
        elif entries:
            entries[-1][1].append(stripped)
    options: dict[str, dict] = {}
    for names, help_lines in entries:
        body = " ".join(" ".join(help_lines).split())
        default = _DEFAULT.search(body)
        long = next((n for n in names if n.startswith("--")), names[0])
        if long == "--help":
            continue
        options[long] = {
            "names": set(names),
            "default": default.group(1).strip() if default else None,
            "required": "[required]" in body,
        }
    return options


# ---------------------------------------------------------------------------
# The options tables of the docs
# ---------------------------------------------------------------------------

_TABLE_TAG = re.compile(r"<!--\s*options:\s*([\w ]+?)\s*-->")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_LITERAL = re.compile(r"^`([^`]+)`$")


def _cells(row: str) -> list[str]:
    return [c.strip() for c in _CELL_SPLIT.split(row.strip().strip("|"))]


def doc_tables() -> list[tuple[Path, set[str], list[dict]]]:
    """Every options table in README.md and docs/*.md: a Markdown table right after a
    ``<!-- options: scan check -->`` comment naming the commands it documents.  Each row:
    ``{"names", "default" (a literal in backticks, else None), "default_text", "row"}``."""
    tables = []
    for path in [README, *sorted(DOCS.glob("*.md"))]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            tag = _TABLE_TAG.search(line)
            if not tag:
                continue
            commands = set(tag.group(1).split())
            rows = []
            j = i + 1
            while j < len(lines) and not lines[j].lstrip().startswith("|"):
                j += 1
            header = _cells(lines[j])
            assert header[:2] == ["option", "default"], f"{path.name}: options table after line {i + 1} must start with | option | default |"
            for row in lines[j + 2 :]:
                if not row.lstrip().startswith("|"):
                    break
                cells = _cells(row)
                names = set()
                for span in re.findall(r"`([^`]+)`", cells[0]):
                    for token in span.replace("\\|", "|").split():
                        if _OPTION_TOKEN.match(token):
                            names.add(token)
                literal = _LITERAL.match(cells[1])
                rows.append({"names": names, "default": literal.group(1) if literal else None, "default_text": cells[1], "row": row})
            tables.append((path, commands, rows))
    return tables


def documented(command: str) -> dict[str, dict]:
    """The rows documenting ``command``'s options, by long name."""
    out: dict[str, dict] = {}
    for path, commands, rows in doc_tables():
        if command not in commands:
            continue
        for row in rows:
            long = next((n for n in sorted(row["names"], key=lambda n: (n.startswith("--no-"), n)) if n.startswith("--")), None)
            assert long, f"{path.name}: a row names no long option: {row['row']}"
            assert long not in out, f"{long} is documented twice for {command}"
            out[long] = {**row, "where": path.name}
    return out


def _same(a: str, b: str) -> bool:
    """Defaults compared without white space (help texts wrap anywhere, even after a dash)."""
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


def _single_value(default: str | None) -> bool:
    return default is not None and not re.search(r"\s", default)


def test_help_parser_reads_names_defaults_and_wrapped_lines():
    sample = """Usage: dedup scan [OPTIONS] INPUT...

Options:
  -o, --out <path>                Output folder.  [required]
  --unit <line|paragraph>         Block unit: every non-blank line, or blank-
                                  line separated paragraphs. [default: line]
  --bands <int>                   LSH bands (with
                                  --rows). [default: chosen for 99% recall at
                                  the threshold]
  --keep <first|longest|earliest>
                                  Copy to keep. [default:
                                  first]
  -q, --quiet                     No progress bars.
  --help                          Show this message and exit.

  Exit codes: 0 success; 2 bad option
  --bad [default: nothing].
"""
    opts = parse_help(sample)
    assert set(opts) == {"--out", "--unit", "--bands", "--keep", "--quiet"}
    assert opts["--out"] == {"names": {"-o", "--out"}, "default": None, "required": True}
    assert opts["--unit"]["default"] == "line"
    assert opts["--bands"]["default"] == "chosen for 99% recall at the threshold"
    assert opts["--keep"]["default"] == "first"
    assert opts["--quiet"]["names"] == {"-q", "--quiet"}


@pytest.mark.parametrize("command", ["scan", "check"])
def test_options_tables_list_every_option_of_help_and_no_other(command):
    helped = parse_help(help_text(command))
    assert len(helped) >= 5, f"could not read the options of dedup {command} --help"
    docs = documented(command)
    missing = sorted(set(helped) - set(docs))
    extra = sorted(set(docs) - set(helped))
    assert not missing, f"options of `dedup {command} --help` missing from the options tables: {missing}"
    assert not extra, f"options in the tables for {command} that `dedup {command} --help` does not have: {extra}"
    for name, opt in helped.items():
        assert docs[name]["names"] == opt["names"], f"{name}: the table names {sorted(docs[name]['names'])}, --help {sorted(opt['names'])}"


@pytest.mark.parametrize("command", ["scan", "check"])
def test_options_tables_give_the_defaults_of_help(command):
    helped = parse_help(help_text(command))
    docs = documented(command)
    for name, opt in helped.items():
        row = docs.get(name)
        if row is None:
            continue  # reported by the test above
        if row["default"] is not None:  # the table gives a value: --help must show the same
            assert opt["default"] is not None and _same(row["default"], opt["default"]), (
                f"{name}: the table's default is {row['default']!r}, --help says {opt['default']!r}"
            )
        elif _single_value(opt["default"]):  # --help shows a value: the table must give it
            pytest.fail(f"{name}: --help's default is {opt['default']!r}; give it in the table as `{opt['default']}`")
        if opt["required"]:
            assert "required" in row["default_text"].lower(), f"{name} is required: say so in the table's default column"


def test_options_tables_are_found_in_the_readme():
    commands = [c for path, cs, _ in doc_tables() if path == README for c in cs]
    assert "scan" in commands and "check" in commands


# ---------------------------------------------------------------------------
# Links, length, the CI blocks
# ---------------------------------------------------------------------------

_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|^\[[^\]]+\]:\s*(\S+)", re.M)
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _doc_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    out = set()
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    for heading in re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, re.M):
        slug = heading.strip().lower()
        slug = re.sub(r"[^\w\- ]", "", slug)
        out.add(slug.replace(" ", "-"))
    return out


def test_docs_exist():
    for name in ("how-it-works.md", "report.md", "robustness.md", "performance.md", "design-notes.md"):
        assert (DOCS / name).is_file(), f"docs/{name} is missing"


@pytest.mark.parametrize("path", _doc_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_to_existing_files(path):
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    bad = []
    for m in _LINK.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        dest = path if not file_part else (path.parent / unquote(file_part)).resolve()
        if not dest.exists():
            bad.append(f"{target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            bad.append(f"{target} (no such heading)")
        elif dest.exists() and ROOT not in dest.parents and dest != ROOT:
            bad.append(f"{target} (outside the repository)")
    assert not bad, f"{path.relative_to(ROOT)}: broken links: {bad}"


def test_readme_stays_short():
    words = len(README.read_text(encoding="utf-8").split())
    assert words < MAX_README_WORDS, f"README.md has {words} words; keep it under {MAX_README_WORDS} and move detail into docs/"


def test_readme_opens_with_the_two_blocks_ci_runs():
    # .ci/run runs these two on a fresh machine: the first installs dedup and scans
    # seeds/, the second installs the test extra and runs the tests.
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```(?:sh|bash|shell|console)\n(.*?)^```", text, flags=re.S | re.M)
    assert [b.strip() for b in blocks[:2]] == [
        "pip install . && dedup scan seeds/ --out out/ && cat out/report.md",
        'pip install -e ".[test]" && python -m pytest -q',
    ]


# ---------------------------------------------------------------------------
# docs/performance.md is generated
# ---------------------------------------------------------------------------


def _performance_script():
    path = ROOT / "benchmarks" / "make_performance_doc.py"
    spec = importlib.util.spec_from_file_location("make_performance_doc", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_performance_doc_is_what_the_script_generates():
    script = _performance_script()
    expected = script.render((ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8"))
    committed = (DOCS / "performance.md").read_text(encoding="utf-8")
    assert committed == expected, "docs/performance.md is stale: run `python benchmarks/make_performance_doc.py`"


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    block = re.search(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S | re.M).group(1)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in (ROOT / "seeds").iterdir():
        (corpus / seed.name).write_bytes(seed.read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out
    assert "'documents': 5" in printed and "exact across [('a', 1, 'canonical'), ('b', 0, 'exact')]" in printed
    assert (tmp_path / "out" / "report.json").is_file()


def test_the_architecture_page_maps_every_module():
    """docs/architecture.md names every module of the package, and nothing that is gone."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(dedup/[\w./]+)`", page))
    modules = {f"dedup/{p.name}" for p in (ROOT / "dedup").iterdir() if p.suffix in (".py", ".c") and p.name not in ("__init__.py", "__main__.py")}
    assert modules - named == set(), "modules missing from docs/architecture.md"
    assert {n for n in named if not (ROOT / n).exists()} == set(), "docs/architecture.md names files that do not exist"

"""Prove that a restructuring changed nothing a user can see: the same outputs, byte
for byte, on the seeds and on generated corpora, under many option sets.

    python benchmarks/identical.py before.json                       # record
    python benchmarks/identical.py after.json --compare before.json  # record again, compare
    python benchmarks/identical.py --time BASE_SRC                   # time this tree against another

Recording runs ``dedup scan`` (a fresh process each time, from the source tree given by
``--src``, default: this checkout) on every corpus with every option set of
:data:`OPTION_SETS`, each into ``WORK/LABEL-CORPUS-OPTIONS/``, and writes a digest of
every output tree to a JSON file: the SHA-256 of every file (the deduplicated texts,
``report.json`` and ``report.md``), plus the summary printed on stdout without its
``time`` line and with the output folder as ``OUT``.  ``--compare OLD.json`` then
names every run whose digest differs from the one recorded before (and the files that
differ): exit status 1 if any does.  The output folders stay, so ``diff -r
WORK/before-X WORK/after-X`` shows what differs.

A baseline to compare with, from the commit before a change::

    mkdir -p /tmp/base && git archive HEAD dedup | tar -x -C /tmp/base
    cp dedup/_kernels*.so /tmp/base/dedup/   # the compiled kernel, if built
    python benchmarks/identical.py /tmp/before.json --src /tmp/base --label before

The corpora are made once under ``WORK`` by ``benchmarks/corpus.py`` (it needs
``pip install gflanguages==0.7.11``) and reused: 10 MB of text files, 10 MB of JSONL,
and 5 MB with a numbered boilerplate paragraph on every page (one near family as large
as the corpus).  ``seeds/`` is always one of them.

``--time BASE_SRC`` times ``dedup scan WORK/c10/docs --jobs 2`` (or ``--jobs N``; another
corpus with ``--time-corpus DIR``) from
this tree and from ``BASE_SRC`` (another checkout of dedup, e.g. ``git archive`` of the
commit before, with the compiled ``dedup/_kernels*.so`` copied in), alternating,
``--runs`` times each, and prints the median and the best of the wall time of the
whole process and of its CPU time (the scan process's own, without its workers).

Every run is independent of the others; the machine should be otherwise idle while
timing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: corpus name -> arguments of benchmarks/corpus.py (None: the repository's seeds/).
CORPORA: dict[str, list[str] | None] = {
    "seeds": None,
    "c10": ["--mb", "10"],
    "c10j": ["--mb", "10", "--format", "jsonl"],
    "c5near": ["--mb", "5", "--boilerplate-every-doc", "near"],
}

#: option set name -> extra arguments of ``dedup scan``.
OPTION_SETS: dict[str, list[str]] = {
    "jobs1": ["--jobs", "1"],
    "jobs2": ["--jobs", "2"],
    "longest": ["--keep", "longest"],
    "earliest": ["--keep", "earliest"],
    "paragraph": ["--unit", "paragraph"],
    "word3": ["--shingle", "word", "--ngram", "3"],
    "numpy": ["--minhash-engine", "numpy"],
    "t08": ["--threshold", "0.8"],
}


def corpus_path(work: Path, name: str) -> Path:
    """The documents of corpus ``name``, generated under ``work`` the first time (the
    documents are in its ``docs`` folder, beside the truth files)."""
    args = CORPORA[name]
    if args is None:
        return REPO / "seeds"
    path = work / name
    if not (path / "truth.json").is_file():
        print(f"generating {name} ...", file=sys.stderr)
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "corpus.py"), str(path), *args], check=True, stdout=subprocess.DEVNULL)
    return path / "docs"


def dedup_command(src: Path) -> tuple[list[str], dict[str, str]]:
    """The command that runs the CLI of the dedup in ``src``, and its environment
    (``-c`` rather than ``-m dedup``: older trees have no ``dedup/__main__.py``).
    Outputs of trees that write ``dedup-manifest.json`` differ from older ones in that
    file alone, and it names the dedup version: compare trees of one version."""
    env = dict(os.environ, PYTHONPATH=str(src))
    return [sys.executable, "-c", "import sys; from dedup.cli import app; sys.argv[0] = 'dedup'; app()"], env


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by path relative to it."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run_one(src: Path, corpus: Path, out: Path, options: list[str]) -> dict:
    """Scan ``corpus`` into ``out`` (emptied first) and digest what came out."""
    if out.exists():
        subprocess.run(["rm", "-rf", str(out)], check=True)
    cmd, env = dedup_command(src)
    # Run from the output's parent: no dedup.toml or pyproject.toml of a checkout applies.
    proc = subprocess.run([*cmd, "scan", str(corpus), "--out", str(out), *options], check=False, env=env, cwd=out.parent, capture_output=True, text=True)
    # The summary without what differs from run to run: the time and the output folder.
    stdout = "\n".join(line.replace(str(out), "OUT") for line in proc.stdout.splitlines() if not line.startswith("time "))
    return {"exit": proc.returncode, "stdout": stdout, "files": tree_digest(out) if out.is_dir() else {}}


def record(args) -> dict:
    runs = {}
    for cname in args.corpora:
        corpus = corpus_path(args.work, cname)
        for oname in args.options:
            name = f"{cname}-{oname}"
            t = time.perf_counter()
            runs[name] = run_one(args.src, corpus, args.work / f"{args.label}-{name}", OPTION_SETS[oname])
            print(f"{name:24} exit {runs[name]['exit']}  {len(runs[name]['files'])} files  {time.perf_counter() - t:6.1f} s", file=sys.stderr)
    return runs


def compare(old: dict, new: dict) -> list[str]:
    """One line per run that differs (or is missing on one side)."""
    lines = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            lines.append(f"{name}: only in the {'new' if a is None else 'old'} digest")
            continue
        problems = []
        if a["exit"] != b["exit"]:
            problems.append(f"exit {a['exit']} -> {b['exit']}")
        if a["stdout"] != b["stdout"]:
            problems.append("summary on stdout differs")
        files = sorted(f for f in set(a["files"]) | set(b["files"]) if a["files"].get(f) != b["files"].get(f))
        if files:
            problems.append(f"{len(files)} files differ: {', '.join(files[:5])}{' ...' if len(files) > 5 else ''}")
        if problems:
            lines.append(f"{name}: " + "; ".join(problems))
    return lines


def timing(args) -> None:
    """Wall time and CPU time (user + system) of each run; on a shared machine the CPU
    time and the fastest run are the steadier.  The CPU time is the scan process's
    own: the workers are children of the forkserver, not of the scan."""
    corpus = args.time_corpus or corpus_path(args.work, "c10")
    sources = {"this": args.src, "base": args.time}
    wall: dict[str, list[float]] = {k: [] for k in sources}
    cpu: dict[str, list[float]] = {k: [] for k in sources}
    for k in range(args.runs):
        for label, src in (sources.items() if k % 2 == 0 else reversed(sources.items())):
            cmd, env = dedup_command(src)
            out = args.work / f"time-{label}"
            subprocess.run(["rm", "-rf", str(out)], check=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            extra = shlex.split(args.this_options) if label == "this" else []
            subprocess.run([*cmd, "scan", str(corpus), "--out", str(out), "--jobs", str(args.jobs), "-q", *extra], env=env, cwd=args.work, check=True)
            wall[label].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[label].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            print(f"run {k + 1} {label}: {wall[label][-1]:.2f} s wall, {cpu[label][-1]:.2f} s CPU", file=sys.stderr)
    for label, src in sources.items():
        w, c = wall[label], cpu[label]
        print(
            f"{label:5} wall median {statistics.median(w):.2f} s, fastest {min(w):.2f} s;"
            f" CPU median {statistics.median(c):.2f} s, least {min(c):.2f} s  ({src})"
        )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("digest", nargs="?", type=Path, help="JSON file to write the digests to")
    p.add_argument("--compare", type=Path, help="a digest recorded before: say which runs differ")
    p.add_argument("--work", type=Path, default=Path("/tmp/identical"), help="corpora and output trees (default: %(default)s)")
    p.add_argument("--src", type=Path, default=REPO, help="source tree of the dedup to run (default: this checkout)")
    p.add_argument("--label", default=None, help="prefix of the output folders (default: the digest's file name)")
    p.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    p.add_argument("--options", nargs="+", default=list(OPTION_SETS), choices=list(OPTION_SETS))
    p.add_argument("--time", type=Path, metavar="BASE_SRC", help="time this tree against the dedup in BASE_SRC")
    p.add_argument("--time-corpus", type=Path, metavar="DIR", help="the corpus to time on (default: the generated c10)")
    p.add_argument("--this-options", default="", metavar="OPTIONS", help="more options for this tree's timed scans (e.g. '--min-run 0')")
    p.add_argument("--runs", type=int, default=3, help="timed runs of each tree (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=2, help="--jobs of the timed scans (default: %(default)s)")
    args = p.parse_args(argv)
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    args.src = args.src.resolve()
    if args.time is not None:
        args.time = args.time.resolve()
        timing(args)
        return 0
    if args.digest is None:
        p.error("give a digest file to write (or --time)")
    args.label = args.label or args.digest.stem
    runs = record(args)
    args.digest.write_text(json.dumps({"src": str(args.src), "runs": runs}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.compare is None:
        return 0
    old = json.loads(args.compare.read_text(encoding="utf-8"))["runs"]
    # Only the runs made now are compared (a subset may have been asked for).
    diffs = compare({k: v for k, v in old.items() if k in runs}, runs)
    for line in diffs:
        print(line)
    if not diffs:
        print(f"all {len(runs)} runs byte-identical to {args.compare}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

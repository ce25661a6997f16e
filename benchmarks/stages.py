"""Median seconds of each stage of a scan, for several option sets side by side.

    python benchmarks/stages.py CORPUS_DIR [--runs 3] [--jobs 2] [--variant 'LABEL:JSON' ...]

Each run is ``dedup.scan`` in this process (fresh output folder), so the stages are
``ScanResult.timings`` (the analysis steps are seconds of work added up over the
workers) plus the process's own CPU time.  Variants run in turn, round by round, since
a shared machine's speed drifts; the default variant is dedup's defaults.  With
``PYTHONPATH`` pointing at another checkout, the same script times that one (unknown
options of a variant are an error there).  Example, the cost of partial copies::

    python benchmarks/stages.py /tmp/c100/docs --variant 'defaults:{}' \\
        --variant 'no runs:{"min_run": 0}' --variant 'no partial rules:{"containment": 0, "min_run": 0, "facts": false}'
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dedup import ScanConfig
from dedup.scan import scan


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--variant", action="append", default=[], metavar="LABEL:JSON", help="a label and ScanConfig options as JSON")
    args = ap.parse_args(argv)
    variants = []
    for text in args.variant or ["defaults:{}"]:
        label, _, options = text.partition(":")
        variants.append((label, json.loads(options or "{}")))
    work = Path(tempfile.mkdtemp(prefix="stages-"))
    times: dict[str, list[dict]] = {label: [] for label, _ in variants}
    try:
        for k in range(args.runs):
            for label, options in variants if k % 2 == 0 else reversed(variants):
                out = work / "out"
                shutil.rmtree(out, ignore_errors=True)
                cpu = time.process_time()
                result = scan([args.corpus], out, ScanConfig(jobs=args.jobs, **options))
                timings = dict(result.timings, cpu=time.process_time() - cpu)
                times[label].append(timings)
                print(f"run {k + 1} {label}: {timings['total']:.2f} s, CPU {timings['cpu']:.2f} s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stages = list(dict.fromkeys(key for runs in times.values() for t in runs for key in t))
    print("| stage | " + " | ".join(label for label, _ in variants) + " |")
    print("|---|" + "---:|" * len(variants))
    for stage in stages:
        cells = [f"{statistics.median(t.get(stage, 0.0) for t in times[label]):.2f}" for label, _ in variants]
        print(f"| {stage} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

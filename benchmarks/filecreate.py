"""What creating one output file per input costs this machine's file system.

    python benchmarks/filecreate.py                    # 24,510 files (the 100 MB corpus), 5 rounds
    python benchmarks/filecreate.py --files 2438 --rounds 3 --dir /some/disk

dedup writes a text corpus back as a tree of files, one per input, into a fresh folder
beside ``--out``.  On the shared benchmark machine that stage's time swings widely
from one run to the next, and this script shows how much of it is the file system
alone, with no dedup code involved: in a fresh folder under ``--dir`` it creates
``--files`` files of ``--bytes`` bytes (``open(path, "xb")``, one write, close: what
dedup's writer thread does), in two subfolders, then removes them; ``--procs 2`` splits
the files between two processes.  Each round prints its wall time and the user and
system CPU it took; the medians go to ``benchmarks/results/filecreate.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _create(folder: str, lo: int, hi: int, size: int) -> None:
    data = b"x" * size
    for i in range(lo, hi):
        with open(os.path.join(folder, f"s{i % 2}", f"{i}.txt"), "xb") as fh:
            fh.write(data)


def _cpu() -> tuple[float, float]:
    t = os.times()
    return t.user + t.children_user, t.system + t.children_system


def one_round(base: Path, files: int, size: int, procs: int) -> dict:
    folder = tempfile.mkdtemp(prefix="dedup-filecreate-", dir=base)
    try:
        for sub in ("s0", "s1"):
            os.mkdir(os.path.join(folder, sub))
        u0, s0 = _cpu()
        t0 = time.perf_counter()
        if procs == 1:
            _create(folder, 0, files, size)
        else:
            cuts = [k * files // procs for k in range(procs + 1)]
            with ProcessPoolExecutor(procs) as pool:
                list(pool.map(_create, [folder] * procs, cuts[:-1], cuts[1:], [size] * procs))
        wall = time.perf_counter() - t0
        u1, s1 = _cpu()
    finally:
        t1 = time.perf_counter()
        shutil.rmtree(folder, ignore_errors=True)
        remove = time.perf_counter() - t1
    return {"wall": round(wall, 3), "user": round(u1 - u0, 3), "system": round(s1 - s0, 3), "remove": round(remove, 3)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=24510, help="files per round (24,510: the 100 MB benchmark corpus)")
    p.add_argument("--bytes", type=int, default=3600, help="bytes per file (about the corpus's mean output file)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--procs", type=int, nargs="+", default=[1, 2], help="processes creating the files (rounds alternate)")
    p.add_argument("--dir", default=tempfile.gettempdir(), help="where the fresh folders are made")
    p.add_argument("--json", default=str(HERE / "results" / "filecreate.json"), help="results file ('' for none)")
    args = p.parse_args(argv)
    runs: dict[int, list[dict]] = {n: [] for n in args.procs}
    for r in range(args.rounds):
        for n in args.procs:  # alternating, so that a slow spell weighs on every setting
            res = one_round(Path(args.dir), args.files, args.bytes, n)
            runs[n].append(res)
            print(f"round {r + 1}, {n} process(es): {args.files} files in {res['wall']:.2f} s "
                  f"(user {res['user']:.2f} s, system {res['system']:.2f} s; removing {res['remove']:.2f} s)", flush=True)
    summary = {}
    for n, rs in runs.items():
        med = {k: round(statistics.median(x[k] for x in rs), 3) for k in ("wall", "user", "system", "remove")}
        med["wall_range"] = [min(x["wall"] for x in rs), max(x["wall"] for x in rs)]
        med["ms_per_file"] = round(med["wall"] / args.files * 1000, 3)
        summary[str(n)] = med
        print(f"median, {n} process(es): {med['wall']:.2f} s wall ({med['ms_per_file']:.3f} ms per file; "
              f"range {med['wall_range'][0]:.2f}-{med['wall_range'][1]:.2f} s), system {med['system']:.2f} s")
    if args.json:
        out = {"command": "python benchmarks/filecreate.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               "files": args.files, "bytes": args.bytes, "rounds": args.rounds, "dir": args.dir,
               "load_avg_at_start": [round(x, 2) for x in os.getloadavg()], "runs": {str(k): v for k, v in runs.items()},
               "median": summary}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

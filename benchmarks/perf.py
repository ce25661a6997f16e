"""Speed, memory and scale of dedup against its floor, naive datasketch and the peers.

    python benchmarks/perf.py                       # 10 and 100 MB, 3 runs, writes benchmarks/RESULTS.md
    python benchmarks/perf.py --sizes 10 --runs 1   # quick
    python benchmarks/perf.py --big                 # adds 1000 MB
    python benchmarks/perf.py --profile             # adds a cProfile of dedup (jobs 1) on the smallest size

For each size a news-like corpus is generated once by ``benchmarks/corpus.py`` and cached
under ``benchmarks/data/`` (git-ignored).  Every measured run is a fresh subprocess
(``perf.py _child ...``): wall time is measured inside it around the work (interpreter
start and imports excluded), peak RSS is the child's own ``VmHWM`` (not ``ru_maxrss``,
which Linux carries over from perf.py through fork and exec) and, for the worker
processes it starts, their largest ``ru_maxrss`` (``RUSAGE_CHILDREN``) or ``VmHWM``.

Measured side by side on the same corpus:

* ``dedup`` — ``scan(inputs, out, ScanConfig(jobs=N))`` for N = 1 and 2, writing the
  deduplicated corpus and the report to a temporary folder; per-stage seconds from
  ``result.timings``.
* ``floor`` — read every file (with dedup's own reader and its read-ahead hints,
  ``dedup.readers.read_ahead_bytes``), split it into lines, ``dedup.normalize.normalize`` every
  non-blank line and hash its character 5-grams with ``dedup.shingle.shingle_hashes``
  (in batches of about 2 MB, like dedup; hashed only, not sorted into sets), nothing
  else; one process and two.
* ``naive datasketch`` — per block a ``MinHash(num_perm=128)`` fed with
  ``m.update(s.encode())`` for every character 5-gram string of the normalized block,
  then ``MinHashLSH(threshold=0.65, num_perm=128)`` insert of every block and a query
  of every block.  Blocks are those dedup compares (at least 20 normalized characters).
  It runs on the first ``--naive-max-blocks`` blocks and is extrapolated linearly to the
  whole corpus when that is larger (labelled "extrapolated"; a lower bound, since LSH
  buckets only grow with the corpus).
* peers — ``text-dedup`` 0.4.x (``python -m text_dedup.minhash``) and ``datatrove``
  (MinHash signature → buckets → cluster → filter), each in its own virtual environment
  under ``/tmp`` (``--peer-venv-root``) so their pins never touch ours, each given the
  blocks as documents (one block per JSONL record), with their defaults and with
  settings as close to ours as their options allow.  Their precision/recall is computed
  on the planted truth, like dedup's.  A peer that cannot be installed or run is
  recorded with the reason.

Quality is measured on the blocks dedup compares (at least 20 normalized characters):
pairwise precision and recall of "same cluster" against "same planted origin" (every
exact/near copy, and repeated boilerplate), over all those blocks and over content
blocks only (boilerplate left out), plus the recall of each planted copy kind (is the
copy in its source's cluster?).  Tools that delete short records (text-dedup drops
records under 5 tokens) get those blocks counted as not clustered.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

KIND_CODES = ("fresh", "exact", "typo", "recased", "deaccented", "light_edit", "boilerplate", "menu")
COPY_KINDS = ("exact", "typo", "recased", "deaccented", "light_edit")


# ==========================================================================
# Corpus and block table
# ==========================================================================

def every_doc_suffix(every_doc: str | None) -> str:
    return {None: "", "exact": "-everydoc", "near": "-everydoc-near"}[every_doc]


def corpus_path(mb: float, seed: int, every_doc: str | None) -> Path:
    return DATA / f"news-{mb:g}mb-seed{seed}{every_doc_suffix(every_doc)}"


def ensure_corpus(mb: float, seed: int, every_doc: str | None) -> Path:
    import corpus

    path = corpus_path(mb, seed, every_doc)
    truth = path / "truth.json"
    if truth.exists() and json.loads(truth.read_text()).get("generator_version") != corpus.GENERATOR_VERSION:
        print(f"{path.name} was made by an older generator: making it again", file=sys.stderr)
        (path / "blocks.npz").unlink(missing_ok=True)
        truth.unlink()
    if truth.exists() and (path / "blocks.npz").exists():
        return path
    if not truth.exists():
        tmp = path.with_name(path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"generating {mb:g} MB corpus (seed {seed}) ...", file=sys.stderr)
        corpus.generate(tmp, mb, seed, "txt", boilerplate_every_doc=every_doc or False)
        shutil.rmtree(path, ignore_errors=True)
        tmp.rename(path)
    build_block_table(path)
    return path


def build_block_table(path: Path) -> None:
    """Write ``blocks.jsonl`` (one record per block, for the peers) and ``blocks.npz``
    (origin, kind, compared flag per block, in dedup's reading order)."""
    import numpy as np

    from dedup import ScanConfig
    from dedup.normalize import normalize, weighted_length
    from dedup.scan import read_corpus
    from dedup.split import split

    print(f"building block table of {path.name} ...", file=sys.stderr)
    config = ScanConfig()
    _, _, docs = read_corpus([path / "docs"], config)
    labels = {}
    with open(path / "labels.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            labels[rec["id"]] = rec
    origin, kind, compared, doc_of = [], [], [], []
    code = {k: i for i, k in enumerate(KIND_CODES)}
    with open(path / "blocks.jsonl", "w", encoding="utf-8") as out:
        for d, doc in enumerate(docs):
            lab = labels[doc.id]
            blocks = split(doc.text, config.unit)
            if len(blocks) != len(lab["o"]):
                raise RuntimeError(f"{doc.id}: {len(blocks)} blocks but {len(lab['o'])} labels")
            for b, o, k in zip(blocks, lab["o"], lab["k"]):
                text = doc.text[b.start : b.end]
                out.write(json.dumps({"id": len(origin), "text": text}, ensure_ascii=False) + "\n")
                origin.append(o)
                kind.append(code[k])
                compared.append(weighted_length(normalize(text)) >= config.min_chars)
                doc_of.append(d)
    np.savez(path / "blocks.npz", origin=np.array(origin, dtype=np.int64), kind=np.array(kind, dtype=np.int8),
             compared=np.array(compared, dtype=bool), doc=np.array(doc_of, dtype=np.int64))


# ==========================================================================
# Quality against the planted truth
# ==========================================================================

def quality(pred, path: Path) -> dict:
    """Pairwise precision/recall of predicted clusters (``pred[i]``: cluster id of block
    i, or -1 for none) against planted origins, on the compared blocks."""
    import numpy as np

    t = np.load(path / "blocks.npz")
    origin, kind, compared = t["origin"], t["kind"], t["compared"]
    pred = np.asarray(pred, dtype=np.int64)
    n = len(origin)
    singles = n + np.arange(n, dtype=np.int64) + int(max(pred.max(initial=0), 0)) + 1
    pred = np.where(pred < 0, singles, pred)
    orig = np.where(origin < 0, -singles, origin)  # menus: never truly duplicates (not compared anyway)

    def pairs_of(*cols):
        _, counts = np.unique(np.stack(cols, axis=1), axis=0, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    def prf(mask):
        p, o = pred[mask], orig[mask]
        tp, pp, tt = pairs_of(p, o), pairs_of(p), pairs_of(o)
        prec = tp / pp if pp else 1.0
        rec = tp / tt if tt else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                "true_pairs": tt, "predicted_pairs": pp}

    out = {"all": prf(compared), "content": prf(compared & (kind != KIND_CODES.index("boilerplate")))}
    # recall per planted copy kind: is the copy in the cluster of its fresh source?
    fresh = kind == KIND_CODES.index("fresh")
    src_block = {}
    for i in np.flatnonzero(fresh & compared):
        src_block[int(origin[i])] = int(i)
    per_kind = {}
    for k in COPY_KINDS:
        idx = np.flatnonzero((kind == KIND_CODES.index(k)) & compared)
        hit = tot = 0
        for i in idx:
            s = src_block.get(int(origin[i]))
            if s is None:
                continue
            tot += 1
            hit += int(pred[i] == pred[s])
        per_kind[k] = round(hit / tot, 4) if tot else None
    out["recall_by_kind"] = per_kind
    return out


# ==========================================================================
# Children (each measured run is one of these, in a fresh process)
# ==========================================================================

def _own_peak_kb() -> int:
    """This process's peak RSS since it started its program.  Not ``ru_maxrss``: Linux
    keeps that across fork and exec, so a child of perf.py reported perf.py's own peak
    when it was larger (after generating a corpus in-process: 131 MB for every row of
    a 10 MB corpus).  ``VmHWM`` belongs to the address space, new at exec."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss(worker_kb: int = 0) -> dict:
    self_kb = _own_peak_kb()
    child_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, worker_kb)
    return {"rss_main_mb": round(self_kb / 1024, 1), "rss_worker_mb": round(child_kb / 1024, 1)}


class WorkerPeak:
    """Peak RSS (VmHWM) of the largest descendant process, sampled from /proc while
    a run lasts: dedup's workers are children of a forkserver, which RUSAGE_CHILDREN
    does not see.  Linux only (0 elsewhere)."""

    def __init__(self, every: float = 0.2):
        import threading

        self.kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def __enter__(self):
        if os.path.isdir("/proc"):
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self, every: float) -> None:
        me = os.getpid()
        while not self._stop.wait(every):
            parent = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/stat") as fh:
                            parent[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
                    except (OSError, IndexError, ValueError):
                        pass
            for pid in parent:
                p, seen = parent.get(pid), 0
                while p and p != me and seen < 8:
                    p, seen = parent.get(p), seen + 1
                if p == me and pid != me:
                    try:
                        with open(f"/proc/{pid}/status") as fh:
                            for line in fh:
                                if line.startswith("VmHWM:"):
                                    self.kb = max(self.kb, int(line.split()[1]))
                    except OSError:
                        pass


def child_dedup(args: dict) -> dict:
    import numpy as np

    from dedup import ScanConfig, scan

    # The output stays until the whole invocation ends (main removes out_root): on this
    # project's machines (ext4 mounted with discard) removing one run's 24,510 output
    # files made the next run's file creation 2-4x slower (write stage 5 s -> 21 s).
    out = Path(tempfile.mkdtemp(prefix="run-", dir=args["out_root"])) / "out"
    with WorkerPeak() as workers:
        t0 = time.perf_counter()
        res = scan([args["corpus"] + "/docs"], out, ScanConfig(jobs=args["jobs"]))
        wall = time.perf_counter() - t0
    rss = _rss(workers.kb)
    result = {"wall": wall, "timings": res.timings, "summary": res.report["summary"], **rss,
              "largest_cluster": max((len(c.members) for c in res.detection.clusters), default=0)}
    if args.get("clusters"):
        det = res.detection
        offsets = np.cumsum([0] + [len(b) for b in det.blocks])
        pred = np.full(int(offsets[-1]), -1, dtype=np.int64)
        for c in det.clusters:
            for m in c.members:
                pred[offsets[m.doc] + m.block] = c.id
        np.save(args["clusters"], pred)
    return result


def _floor_files(corpus: str) -> list:
    from dedup.readers import discover

    return discover([Path(corpus, "docs")])[1]  # every .txt file, as dedup finds them


def _floor_work(paths: list) -> tuple[int, int]:
    from dedup.normalize import normalize
    from dedup.readers import read_ahead_bytes
    from dedup.shingle import shingle_hashes

    lines = shingles = 0
    batch: list[str] = []
    size = 0

    def flush():
        nonlocal batch, size, shingles
        if batch:
            shingles += len(shingle_hashes(batch, "char", 5)[0])  # hashed, not sorted into sets
        batch, size = [], 0

    for _, data in read_ahead_bytes(paths):  # dedup's own reader, read-ahead hints and all: a fair floor
        text = data.decode("utf-8")
        for line in text.splitlines():
            if line.strip():
                norm = normalize(line)
                batch.append(norm)
                size += len(norm)
                lines += 1
        if size >= 1 << 21:
            flush()
    flush()
    return lines, shingles


def child_floor(args: dict) -> dict:
    import dedup.normalize  # noqa: F401  (imports, and the normalization table, outside the timing)
    import dedup.shingle  # noqa: F401

    paths = _floor_files(args["corpus"])
    procs = args["procs"]
    t0 = time.perf_counter()
    if procs == 1:
        lines, shingles = _floor_work(paths)
    else:
        from concurrent.futures import ProcessPoolExecutor

        chunk = max(20, len(paths) // (procs * 16))
        parts = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
        lines = shingles = 0
        with ProcessPoolExecutor(max_workers=procs) as ex:
            for a, b in ex.map(_floor_work, parts):
                lines += a
                shingles += b
    wall = time.perf_counter() - t0
    return {"wall": wall, "lines": lines, "shingles": shingles, **_rss()}


def child_naive(args: dict) -> dict:
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from dedup.normalize import normalize, weighted_length

    t = np.load(Path(args["corpus"]) / "blocks.npz")
    total = int(t["compared"].sum())
    texts = []
    t_read = time.perf_counter()
    with open(Path(args["corpus"]) / "blocks.jsonl", encoding="utf-8") as f:
        for line, comp in zip(f, t["compared"]):
            if comp:
                texts.append(json.loads(line)["text"])
                if len(texts) >= args["max_blocks"]:
                    break
    t0 = time.perf_counter()
    sketches = []
    for text in texts:
        norm = normalize(text)
        if weighted_length(norm) < 20:
            continue
        m = MinHash(num_perm=128)
        for i in range(max(1, len(norm) - 4)):
            m.update(norm[i : i + 5].encode("utf-8"))
        sketches.append(m)
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.65, num_perm=128)
    for i, m in enumerate(sketches):
        lsh.insert(i, m)
    candidates = 0
    for m in sketches:
        candidates += len(lsh.query(m)) - 1
    t2 = time.perf_counter()
    n = len(sketches)
    scale = total / n if n else 1.0
    return {"blocks_run": n, "blocks_total": total, "minhash_s": t1 - t0, "lsh_s": t2 - t1,
            "wall_run": t2 - t0, "wall": (t2 - t0) * scale, "extrapolated": n < total,
            "read_s": t0 - t_read, "candidates": candidates, **_rss()}


def run_child(kind: str, args: dict, timeout: float | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "_child", kind, json.dumps(args)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
    out, err = proc.communicate(timeout=timeout)
    outer = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child {kind} failed ({proc.returncode}):\n{err[-3000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res["outer_wall"] = outer
    return res


# ==========================================================================
# Peers
# ==========================================================================

PEERS = {
    "text-dedup": {"venv": "peers-td", "pip": ["text-dedup>=0.4,<0.5"], "module": "text_dedup"},
    "datatrove": {"venv": "peers-dt", "pip": ["datatrove[processing]", "spacy", "orjson"], "module": "datatrove"},
}

TEXT_DEDUP_DRIVER = r'''
import json, pickle, subprocess, sys, time, resource, os
cfg = json.loads(sys.argv[1])
cmd = [sys.executable, "-m", "text_dedup.minhash", "--path", "json", "--data_files", cfg["blocks"],
       "--split", "train", "--cache_dir", cfg["work"] + "/cache", "--output", cfg["work"] + "/out",
       "--column", "text", "--idx_column", "id", "--debug", "--num_proc", str(cfg["procs"])] + cfg["options"]
t0 = time.perf_counter()
p = subprocess.run(cmd, capture_output=True, text=True)
wall = time.perf_counter() - t0
if p.returncode != 0:
    print(p.stderr[-3000:], file=sys.stderr); sys.exit(1)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.path.insert(0, os.path.dirname(os.path.abspath(__import__("text_dedup").__file__)))
with open(cfg["work"] + "/out/uf.pkl", "rb") as f:
    uf = pickle.load(f)
clusters = {str(i): uf.find(i) for i in list(uf.parent)}
from datasets import load_from_disk
out = load_from_disk(cfg["work"] + "/out")
kept = len(out)
json.dump(clusters, open(cfg["work"] + "/clusters.json", "w"))
if cfg.get("ids"):
    json.dump([str(i) for i in out["id"]], open(cfg["work"] + "/kept.json", "w"))
print(json.dumps({"wall": wall, "rss_peak_mb": rss, "kept_records": kept, "log": p.stderr[-1500:]}))
'''

DATATROVE_DRIVER = r'''
import json, sys, time, resource, os, glob, gzip


def main():
    cfg = json.loads(sys.argv[1])
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.pipeline.dedup import MinhashDedupSignature, MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.utils.hashing import HashConfig
    w, procs = cfg["work"], cfg["procs"]
    mc = MinhashConfig(hash_config=HashConfig(precision=64), **cfg["options"])
    lang = cfg.get("language", "en")
    def reader():
        return JsonlReader(cfg["data"], id_key="id", text_key="text", doc_progress=False, compression=None)
    signature = MinhashDedupSignature(output_folder=w + "/sigs", config=mc, language=lang)
    if cfg.get("tokenizer") == "split":  # words = str.split of the simplified text, instead of the language's tokenizer
        from datatrove.utils.word_tokenizers import WordTokenizer

        class SplitTokenizer(WordTokenizer):
            def word_tokenize(self, text):
                return text.split()

            def sent_tokenize(self, text):
                return [text]

            def span_tokenize(self, text):
                return [(0, len(text))]

        signature.word_tokenizer = SplitTokenizer()
    t0 = time.perf_counter()
    LocalPipelineExecutor(pipeline=[reader(), signature], tasks=procs, workers=procs, logging_dir=w + "/logs/s1").run()
    LocalPipelineExecutor(pipeline=[MinhashDedupBuckets(input_folder=w + "/sigs", output_folder=w + "/buckets", config=mc)],
                          tasks=mc.num_buckets, workers=procs, logging_dir=w + "/logs/s2").run()
    LocalPipelineExecutor(pipeline=[MinhashDedupCluster(input_folder=w + "/buckets", output_folder=w + "/remove", config=mc,
                                                        save_cluster_id=True)],
                          tasks=1, logging_dir=w + "/logs/s3").run()
    LocalPipelineExecutor(pipeline=[reader(), MinhashDedupFilter(input_folder=w + "/remove", load_cluster_ids=True,
                                      exclusion_writer=JsonlWriter(w + "/removed", compression=None)),
                                    JsonlWriter(w + "/kept", compression=None)],
                          tasks=procs, workers=procs, logging_dir=w + "/logs/s4").run()
    wall = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:  # VmHWM: ru_maxrss keeps the peak of perf.py across fork and exec
        own = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        pass
    rss = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    clusters, kept, kept_ids = {}, 0, []
    for sub in ("kept", "removed"):
        for fn in glob.glob(w + "/" + sub + "/*.jsonl"):
            for line in open(fn, encoding="utf-8"):
                r = json.loads(line)
                kept += sub == "kept"
                if sub == "kept" and cfg.get("ids"):
                    kept_ids.append(str(r["id"])[1:])
                c = r.get("metadata", {}).get("minhash_cluster_id", -1)
                if c != -1:
                    clusters[str(r["id"])[1:]] = c
    json.dump(clusters, open(w + "/clusters.json", "w"))
    if cfg.get("ids"):
        json.dump(kept_ids, open(w + "/kept.json", "w"))
    print(json.dumps({"wall": wall, "rss_peak_mb": rss, "kept_records": kept}))


if __name__ == "__main__":  # datatrove starts worker processes
    main()
'''


def peer_python(name: str, root: Path, install: bool) -> tuple[Path | None, str]:
    """Return the peer venv's python (installing it when asked), or None and why not."""
    spec = PEERS[name]
    venv = root / spec["venv"]
    py = venv / "bin" / "python"
    ok = py.exists() and subprocess.run([str(py), "-c", f"import {spec['module']}"], capture_output=True).returncode == 0
    if ok:
        return py, ""
    if not install:
        return None, f"not installed in {venv} (run without --no-install-peers)"
    print(f"installing {name} into {venv} ...", file=sys.stderr)
    r = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"venv failed: {r.stderr[-500:]}"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", *spec["pip"]], capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"pip install {' '.join(spec['pip'])} failed: {r.stderr.strip().splitlines()[-1:]}"
    return py, ""


def peer_version(py: Path, dist: str) -> str:
    r = subprocess.run([str(py), "-c", f"from importlib.metadata import version; print(version({dist!r}))"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "?"


def run_peer_blocks(name: str, py: Path, blocks: Path, config: dict, procs: int, timeout: float = 1500,
                    ids: bool = False) -> dict:
    """Run one peer configuration on ``blocks`` (JSONL, one record ``{"id", "text"}`` per
    block).  Returns ``wall`` (inside the driver), ``outer_wall`` (the whole command),
    ``rss_peak_mb``, ``kept_records``, ``clusters`` (record id as a string -> cluster),
    ``dropped_records`` (text-dedup: records it deletes unclustered, under
    ``--min_length`` tokens; None for datatrove) and, with ``ids``, ``removed_ids``: the
    ids (as strings) of the records the peer did not keep.  ``{"error": ...}`` when the
    run fails."""
    work = Path(tempfile.mkdtemp(prefix=f"perf-{name}-"))
    try:
        if name == "text-dedup":
            driver = TEXT_DEDUP_DRIVER
            args = {"blocks": str(blocks), "work": str(work), "procs": procs, "options": config["options"], "ids": ids}
        else:
            driver = DATATROVE_DRIVER
            data = work / "data"
            data.mkdir()
            # one input file per task, so each of the `procs` tasks reads a share
            n = sum(1 for _ in open(blocks, encoding="utf-8"))
            per = -(-n // procs)
            with open(blocks, encoding="utf-8") as f:
                for k in range(procs):
                    with open(data / f"part-{k}.jsonl", "w", encoding="utf-8") as g:
                        for _ in range(per):
                            line = f.readline()
                            if not line:
                                break
                            rec = json.loads(line)  # string ids: datatrove drops a falsy id (0)
                            g.write(json.dumps({"id": f"b{rec['id']}", "text": rec["text"]}, ensure_ascii=False) + "\n")
            args = {"data": str(data), "work": str(work), "procs": procs, "options": config["options"],
                    "language": config.get("language", "en"), "tokenizer": config.get("tokenizer"), "ids": ids}
        script = work / "driver.py"
        script.write_text(driver, encoding="utf-8")
        t0 = time.perf_counter()
        try:
            p = subprocess.run([str(py), str(script), json.dumps(args)], capture_output=True, text=True, cwd=str(work),
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"did not finish within {timeout:.0f} s (--peer-timeout)"}
        outer = time.perf_counter() - t0
        if p.returncode != 0:
            return {"error": (p.stderr or p.stdout)[-1200:]}
        res = json.loads(p.stdout.strip().splitlines()[-1])
        res["outer_wall"] = outer
        res.pop("log", None)
        clusters = json.load(open(work / "clusters.json", encoding="utf-8"))
        res["clusters"] = clusters
        n_records = sum(1 for _ in open(blocks, encoding="utf-8"))
        res["dropped_records"] = None
        if name == "text-dedup":
            # records it deletes without clustering them (under --min_length tokens)
            members = len(clusters)
            roots = len(set(clusters.values()))
            res["dropped_records"] = n_records - res["kept_records"] - (members - roots)
        if ids:
            kept = set(json.load(open(work / "kept.json", encoding="utf-8")))
            with open(blocks, encoding="utf-8") as f:
                res["removed_ids"] = [i for i in (str(json.loads(line)["id"]) for line in f) if i not in kept]
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_peer(name: str, py: Path, corpus: Path, config: dict, procs: int, timeout: float = 1500) -> dict:
    """Run one peer configuration on the corpus blocks; return time, RSS, clusters, quality."""
    import numpy as np

    res = run_peer_blocks(name, py, corpus / "blocks.jsonl", config, procs, timeout)
    if "error" in res:
        return res
    clusters = res.pop("clusters")
    n_blocks = len(np.load(corpus / "blocks.npz")["origin"])
    pred = np.full(n_blocks, -1, dtype=np.int64)
    for k, c in clusters.items():
        pred[int(k)] = int(c)
    res["quality"] = quality(pred, corpus)
    return res


def peer_configs(fast: bool = False) -> dict:
    """Peer configurations, ``(name, settings)`` per peer: their defaults and settings as
    close to ours as their options allow; ``fast`` adds datatrove's fastest reasonable
    setting (its defaults with the words split on whitespace, no language tokenizer).
    perf.py measures the first two."""
    configs = {
        "text-dedup": [
            ("defaults", {"options": []}),
            ("close", {"options": ["--num_perm", "128", "--threshold", "0.65", "--b", "32", "--r", "4",
                                   "--ngram", "3", "--min_length", "1", "--hash_func", "xxh3"]}),
        ],
        "datatrove": [
            ("defaults", {"options": {}}),
            ("close", {"options": {"n_grams": 3, "num_buckets": 32, "hashes_per_bucket": 4}, "language": "tr"}),
        ],
    }
    if fast:
        configs["datatrove"].append(("whitespace", {"options": {}, "tokenizer": "split"}))
    return configs


PEER_NOTES = {
    ("text-dedup", "defaults"): "word 5-grams (\\W split, lower-cased), 250 perm, threshold 0.7 (its own bands), sha1, drops records under 5 tokens",
    ("text-dedup", "close"): "word 3-grams, 128 perm, threshold 0.65, 32 bands x 4 rows (ours), xxh3, min_length 1 (keeps short records)",
    ("datatrove", "defaults"): "word 5-grams of simplified text (lower, no punctuation/diacritics), 14 buckets x 8 hashes, English tokenizer",
    ("datatrove", "close"): "word 3-grams, 32 buckets x 4 hashes (ours), Turkish tokenizer; no threshold option (no verification)",
    ("datatrove", "whitespace"): "its defaults (word 5-grams of simplified text, 14 buckets x 8 hashes), words split on whitespace "
    "(str.split) instead of a language's tokenizer: its fastest reasonable setting",
}


# ==========================================================================
# Main
# ==========================================================================

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def machine_info() -> dict:
    from importlib.metadata import version

    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    vers = {}
    for dist in ("dedup", "datasketch", "numpy", "xxhash"):
        try:
            vers[dist] = version(dist)
        except Exception:
            vers[dist] = "?"
    import hashlib

    h = hashlib.sha256()
    for f in sorted([*(ROOT / "dedup").glob("*.py"), *(ROOT / "dedup").glob("*.c")]):
        h.update(f.name.encode() + f.read_bytes())
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=str(ROOT)).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "dedup"], capture_output=True, text=True, cwd=str(ROOT)).stdout.strip()
    from dedup.signatures import resolve_engine

    engine = resolve_engine("auto", "affine32")
    vers["dedup_tree"] = f"git {head or '?'}{' + uncommitted changes' if dirty else ''}, dedup/*.py+*.c sha256 {h.hexdigest()[:12]}, MinHash engine {engine}"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"load_avg_at_start": [round(x, 2) for x in os.getloadavg()], "nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem, 1),
            "python": platform.python_version(),
            "platform": platform.platform(), **vers}


def fmt(x, nd=2):
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def profile_dedup(corpus: Path, top: int = 25) -> str:
    code = textwrap.dedent(f"""
        import cProfile, pstats, io, sys, tempfile, shutil
        sys.path.insert(0, {str(ROOT)!r})
        from dedup import scan, ScanConfig
        out = tempfile.mkdtemp() + "/out"
        pr = cProfile.Profile(); pr.enable()
        scan([{str(corpus / 'docs')!r}], out, ScanConfig(jobs=1))
        pr.disable(); shutil.rmtree(out, ignore_errors=True)
        s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats({top}); print(s.getvalue())
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT))
    text = p.stdout if p.returncode == 0 else p.stderr
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    head = [line for line in lines[:start] if "function calls" in line]
    return "\n".join(head + lines[start:start + top + 1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=float, nargs="+", default=[10, 100], help="corpus sizes in MB")
    p.add_argument("--big", action="store_true", help="also 1000 MB")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--boilerplate-every-doc", nargs="?", const="exact", choices=("exact", "near"), default=None,
                   help="corpora with one long paragraph in every document, the same (exact) or numbered (near)")
    p.add_argument("--naive-max-blocks", type=int, default=30000)
    p.add_argument("--no-naive", action="store_true")
    p.add_argument("--no-peers", action="store_true")
    p.add_argument("--peer-runs", type=int, default=1)
    p.add_argument("--peer-procs", type=int, default=2)
    p.add_argument("--peer-max-mb", type=float, default=100, help="skip peers on larger corpora")
    p.add_argument("--peer-venv-root", default="/tmp")
    p.add_argument("--peer-timeout", type=float, default=1500, help="seconds per peer run")
    p.add_argument("--no-install-peers", action="store_true")
    p.add_argument("--parts", default="dedup,floor,naive,peers", help="what to measure (comma-separated)")
    p.add_argument("--merge", action="store_true", help="keep the other sizes already in --json (run sizes one at a time)")
    p.add_argument("--profile", action="store_true", help="cProfile dedup (jobs 1) on the smallest size")
    p.add_argument("--results", default=str(HERE / "RESULTS.md"), help="markdown output ('' for none)")
    p.add_argument("--json", default=str(HERE / "results" / "perf.json"), help="raw results ('' for none)")
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="dedup --jobs values to measure (e.g. only 2 on 1 GB)")
    p.add_argument("--render-only", action="store_true", help="rewrite --results from --json without measuring")
    args = p.parse_args(argv)
    if args.render_only:
        md = render(json.loads(Path(args.json).read_text()))
        write_results(Path(args.results), md)
        print(md)
        return 0
    sizes = list(args.sizes) + ([1000.0] if args.big and 1000.0 not in args.sizes else [])
    info = machine_info()
    command = "python benchmarks/perf.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"machine: {info}", file=sys.stderr)

    peers: dict[str, tuple[Path | None, str]] = {}
    if not args.no_peers:
        for name in PEERS:
            peers[name] = peer_python(name, Path(args.peer_venv_root), not args.no_install_peers)
            if peers[name][0] is not None:
                info[name] = peer_version(peers[name][0], name)
            else:
                info[name] = f"unavailable: {peers[name][1]}"

    results = {"machine": info, "command": command, "sizes": {}}
    if args.merge and args.json and Path(args.json).exists():
        old = json.loads(Path(args.json).read_text())
        results["sizes"] = {k: v for k, v in old.get("sizes", {}).items()}
        # One line per distinct command (a merged run repeats one that ran before).
        earlier = [c for c in old.get("command", "").splitlines() if c]
        results["command"] = "\n".join(dict.fromkeys([*earlier, command]))
        for k, v in old.get("machine", {}).items():  # e.g. peer versions from a run that measured them
            if k not in info or str(info[k]).startswith("unavailable") and not str(v).startswith("unavailable"):
                info[k] = v
        if "profile" in old:
            results["profile"] = old["profile"]
    # Every dedup run's output is kept until the end (see child_dedup), then removed.
    out_root = Path(tempfile.mkdtemp(prefix="dedup-perf-outs-"))
    atexit.register(shutil.rmtree, out_root, True)
    for mb in sizes:
        corpus = ensure_corpus(mb, args.seed, args.boilerplate_every_doc)
        truth = json.loads((corpus / "truth.json").read_text())
        real_mb = truth["bytes"] / 1e6
        key = f"{mb:g}{every_doc_suffix(args.boilerplate_every_doc)}"
        R: dict = results["sizes"].get(key, {}) if args.merge else {}
        parts = set(args.parts.split(","))
        if R.get("generator_version") != truth["generator_version"]:
            R = {}  # measured on a corpus made by another generator: nothing of it is kept
            if not {"dedup", "floor"} <= parts:
                sys.exit(f"perf.py: no figures of dedup and the floor on the {key} corpus made by this generator: "
                         "measure them first (--parts dedup,floor)")
        R.update({"mb": real_mb, "generator_version": truth["generator_version"], "every_doc": args.boilerplate_every_doc,
                  "truth": {k: truth[k] for k in ("documents", "blocks", "exact_copies", "near_copies")}})
        if "dedup" in parts:
            R["dedup_tree"] = info["dedup_tree"]
        if {"dedup", "floor"} & parts:
            R["rss"] = "VmHWM"  # see _own_peak_kb
        results["sizes"][key] = R

        def log(msg):
            print(f"[{mb:g} MB] {msg}", file=sys.stderr, flush=True)

        # dedup and the floor: rounds of dedup jobs 1, jobs 2, floor 1 process, floor 2
        # processes, so that a disk or a neighbour that slows down during the sequence
        # weighs on all of them alike (this machine's speed drifts by tens of percent
        # within an hour: ratios of medians taken minutes apart would carry the drift).
        all_runs: dict[int, list[dict]] = {j: [] for j in args.jobs}
        floor_runs: dict[int, list[dict]] = {p: [] for p in (1, 2)} if "floor" in parts else {}
        for i in range(args.runs if "dedup" in parts or floor_runs else 0):
            for jobs in args.jobs if "dedup" in parts else ():
                extra = {"clusters": str(corpus / "dedup_clusters.npy")} if (i == 0 and jobs == args.jobs[0]) else {}
                r = run_child("dedup", {"corpus": str(corpus), "jobs": jobs, "out_root": str(out_root), **extra})
                log(f"dedup jobs={jobs} run {i + 1}: {r['wall']:.2f} s, rss {r['rss_main_mb']:.0f}+{r['rss_worker_mb']:.0f} MB")
                all_runs[jobs].append(r)
            for procs, runs in floor_runs.items():
                runs.append(run_child("floor", {"corpus": str(corpus), "procs": procs}))
                log(f"floor procs={procs} run {i + 1}: {runs[-1]['wall']:.2f} s")
        for jobs, runs in all_runs.items() if "dedup" in parts else ():
            blocks = runs[0]["summary"]["blocks"]
            stages = sorted({k for r in runs for k in r["timings"]})
            R[f"dedup_j{jobs}"] = {
                "wall": med([r["wall"] for r in runs]), "walls": [round(r["wall"], 3) for r in runs],
                "outer_wall": med([r["outer_wall"] for r in runs]), "blocks": blocks, "rss_main_mb": med([r["rss_main_mb"] for r in runs]),
                "rss_worker_mb": med([r["rss_worker_mb"] for r in runs]),
                "stages": {k: med([r["timings"].get(k) for r in runs]) for k in stages},
                "largest_cluster": runs[0]["largest_cluster"],
                "summary": runs[0]["summary"],
            }
        import numpy as np

        if "dedup" in parts:
            R["dedup_quality"] = quality(np.load(corpus / "dedup_clusters.npy"), corpus)

        for procs, runs in floor_runs.items():
            R[f"floor_p{procs}"] = {"wall": med([r["wall"] for r in runs]), "walls": [round(r["wall"], 3) for r in runs],
                                    "lines": runs[0]["lines"], "rss_main_mb": med([r["rss_main_mb"] for r in runs]),
                                    "rss_worker_mb": med([r["rss_worker_mb"] for r in runs])}

        # naive datasketch (one run: it is slow)
        if not args.no_naive and "naive" in parts:
            r = run_child("naive", {"corpus": str(corpus), "max_blocks": args.naive_max_blocks})
            log(f"naive datasketch: {r['wall_run']:.1f} s on {r['blocks_run']} blocks -> {r['wall']:.1f} s for {r['blocks_total']}")
            R["naive"] = r

        # peers (on the blocks as documents)
        if not args.no_peers and mb <= args.peer_max_mb and "peers" in parts:
            R["peers"] = {}
            for name, (py, why) in peers.items():
                for cname, cfg in peer_configs()[name]:
                    key = f"{name}:{cname}"
                    if py is None:
                        R.setdefault("peers", {})[key] = {"error": why}
                        continue
                    runs = [run_peer(name, py, corpus, cfg, args.peer_procs, args.peer_timeout) for _ in range(args.peer_runs)]
                    errs = [r for r in runs if "error" in r]
                    if errs:
                        R.setdefault("peers", {})[key] = {"error": errs[0]["error"]}
                        log(f"{key}: FAILED {errs[0]['error'][-300:]}")
                        continue
                    q = runs[0]["quality"]
                    R.setdefault("peers", {})[key] = {
                        "wall": med([r["wall"] for r in runs]), "outer_wall": med([r["outer_wall"] for r in runs]),
                        "rss_peak_mb": med([r["rss_peak_mb"] for r in runs]), "quality": q,
                        "dropped_records": runs[0].get("dropped_records"), "procs": args.peer_procs,
                    }
                    log(f"{key}: {R['peers'][key]['wall']:.1f} s, content P/R {q['content']['precision']}/{q['content']['recall']}")
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(results, indent=1, default=str))

    if args.profile:
        smallest = corpus_path(min(sizes), args.seed, args.boilerplate_every_doc)
        results["profile"] = {"size": f"{min(sizes):g}", "text": profile_dedup(smallest)}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    md = render(results)
    print(md)
    if args.results:
        write_results(Path(args.results), md)
        print(f"written {args.results}", file=sys.stderr)
    return 0


def write_results(path: Path, md: str) -> None:
    """Write RESULTS.md, keeping the sections this script does not write (``## Partial
    copies…``, measured by benchmarks/identical.py and benchmarks/stages.py)."""
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        at = old.find("\n## Partial copies")
        if at >= 0:
            kept = old[at:]
    path.write_text(md.rstrip("\n") + "\n" + kept if kept else md, encoding="utf-8")


#: The rows of the per-stage table: (key in ScanResult.timings, label).
STAGE_ROWS = (
    ("read", "read"),
    ("analyze", "analyze (the rest of the analysis phase's wall time)"),
    ("split_normalize", "… split + normalize + exact key (work)"),
    ("shingle_hash", "… shingle + hash (work)"),
    ("signatures", "… MinHash signatures and containment fingerprints (work)"),
    ("lsh", "LSH candidates"),
    ("cluster", "verify + cluster"),
    ("verify", "… verify (true similarity)"),
    ("containment", "partial copies (containment candidates, verification)"),
    ("plan", "report"),
    ("write", "write"),
    ("total", "total"),
)


def size_label(size: str, R: dict, short: bool = False) -> str:
    """``100 MB corpus``, ``480 MB corpus, one paragraph in every document (near)``;
    ``short``: ``100 MB``, ``480 MB, every document (near)``."""
    label = f"{size.split('-')[0]} MB" + ("" if short else " corpus")
    if R.get("every_doc"):
        label += f", {'every document' if short else 'one paragraph in every document'} ({R['every_doc']})"
    return label


def render(results: dict) -> str:
    info = results["machine"]
    L = ["# Speed and scale (benchmarks/perf.py)", ""]
    L.append("Reproduce (the corpora are generated at run time by `benchmarks/corpus.py`, cached in "
             "`benchmarks/data/`; the peers are installed into their own virtual environments under `/tmp`):")
    L += ["", "```sh", "pip install -e . && pip install gflanguages==0.7.11", results["command"], "```", ""]
    L.append(f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gib']} GiB, Python {info['python']}, "
             f"{info['platform']}.  Libraries: dedup {info['dedup']}, datasketch {info['datasketch']}, numpy {info['numpy']}, "
             f"xxhash {info['xxhash']}, text-dedup {info.get('text-dedup', '—')}, datatrove {info.get('datatrove', '—')}.")
    L.append("")
    L.append(f"Load average when the run started: {info.get('load_avg_at_start')} (another engineer works on the same "
             "machine; a busy core slows every row of one size alike, but compare rows of one size, not across runs).")
    L.append("")
    L.append("Medians of the runs (each in a fresh process; wall time inside the process, imports excluded; "
             "the runs of dedup and of the floor alternate round by round, so one slow spell weighs on both; sizes "
             "measured at git d45089d or older ran all dedup runs first). "
             "MB = 10^6 bytes of UTF-8 input; blocks = dedup's line blocks. RSS: main process / largest worker.")
    if not any("naive" in R or "peers" in R for R in results["sizes"].values()):
        L += ["", "The per-shingle datasketch loop and the peers are not in this file's raw results: their last "
              "figures are in [RESULTS-baselines.md](RESULTS-baselines.md)."]
    results["sizes"] = dict(sorted(results["sizes"].items(), key=lambda kv: (float(kv[0].split("-")[0]), kv[0])))
    for size, R in results["sizes"].items():
        mb = R["mb"]
        t = R["truth"]
        L += ["", f"## {size_label(size, R)} ({mb:.1f} MB, {t['documents']} documents, {t['blocks']} blocks; "
              f"planted {t['exact_copies']} exact and {t['near_copies']} near copies)", ""]
        if R.get("every_doc"):
            big = (R.get("dedup_j2") or R.get("dedup_j1") or {}).get("largest_cluster")
            which = "the same in all" if R["every_doc"] == "exact" else "numbered with the document (a distinct text in each, near copies of one another)"
            L += [f"Every document ends with one long paragraph, {which}: "
                  f"dedup's largest cluster has {big} members.", ""]
        L.append(f"dedup measured: {R.get('dedup_tree', '?')}; corpus generator version {R.get('generator_version', '2 or older')}")
        L.append("")
        if R.get("rss") != "VmHWM":
            L += ["Peak RSS of dedup, the floor and the naive loop here was read as `ru_maxrss`, which Linux carries over "
                  "from perf.py through fork and exec: a row showing perf.py's own footprint (131 MB on the morning of "
                  "2026-12-03) may have used less.", ""]
        L.append("| what | wall s | MB/s | blocks/s | peak RSS MB | wall s of each run | wall s incl. process start |")
        L.append("|---|---:|---:|---:|---:|---|---:|")
        d_any = R.get("dedup_j1") or R["dedup_j2"]
        blocks = d_any["blocks"]

        def row(name, wall, rss, runs, outer=None):
            L.append(f"| {name} | {fmt(wall)} | {fmt(mb / wall if wall else None, 1)} | "
                     f"{fmt(blocks / wall if wall else None, 0)} | {rss} | {runs} | {fmt(outer)} |")

        for j in (1, 2):
            if f"dedup_j{j}" not in R:
                continue
            d = R[f"dedup_j{j}"]
            row(f"dedup scan, jobs {j}", d["wall"], f"{d['rss_main_mb']:.0f} / {d['rss_worker_mb']:.0f}", ", ".join(map(str, d["walls"])),
                d.get("outer_wall"))
        for pr in (1, 2):
            f = R[f"floor_p{pr}"]
            row(f"floor (read+split+normalize+shingle), {pr} proc", f["wall"], f"{f['rss_main_mb']:.0f} / {f['rss_worker_mb']:.0f}",
                ", ".join(map(str, f["walls"])))
        if "naive" in R:
            n = R["naive"]
            label = ("naive datasketch, 1 proc (extrapolated from "
                     f"{n['blocks_run']} of {n['blocks_total']} blocks, {n['wall_run']:.1f} s)") if n["extrapolated"] else "naive datasketch, 1 proc"
            row(label, n["wall"], f"{n['rss_main_mb']:.0f}", "1")
        for key, pv in R.get("peers", {}).items():
            if "error" in pv:
                L.append(f"| {key} | failed: {pv['error'][-200:].strip().replace(chr(10), ' ')} | | | | | |")
            else:
                row(f"{key}, {pv['procs']} proc", pv["wall"], f"{pv['rss_peak_mb']:.0f} (largest process)",
                    str(round(pv["wall"], 2)), pv.get("outer_wall"))

        L += ["", "dedup per stage (median seconds; rows marked … are parts of the stage above them, and the "
              "analysis steps are seconds of work added up over the workers, which ran side by side):", "",
              "| stage | jobs 1 | jobs 2 |", "|---|---:|---:|"]
        for st, label in STAGE_ROWS:
            L.append(f"| {label} | {fmt(R.get('dedup_j1', {}).get('stages', {}).get(st))} | {fmt(R.get('dedup_j2', {}).get('stages', {}).get(st))} |")
        s = d_any["summary"]
        L.append("")
        L.append(f"dedup found {s['clusters']} clusters ({s['clusters_by_kind']}), removed {s['removed_blocks']} of "
                 f"{s['blocks']} blocks; {s['distinct_texts']} distinct texts, {s['candidate_pairs']} candidate pairs.")

        L += ["", "Quality on the planted truth (blocks of at least 20 normalized characters; pairwise):", "",
              "| tool | P all | R all | P content | R content | F1 content | " + " | ".join(f"R {k}" for k in COPY_KINDS) + " |",
              "|---|" + "---:|" * (5 + len(COPY_KINDS))]

        def qrow(name, q):
            L.append(f"| {name} | {q['all']['precision']:.3f} | {q['all']['recall']:.3f} | {q['content']['precision']:.3f} | "
                     f"{q['content']['recall']:.3f} | {q['content']['f1']:.3f} | "
                     + " | ".join(fmt(q["recall_by_kind"][k], 3) for k in COPY_KINDS) + " |")

        qrow("dedup", R["dedup_quality"])
        for key, pv in R.get("peers", {}).items():
            if "error" not in pv:
                qrow(key + (f" (deleted {pv['dropped_records']} records unclustered)" if pv.get("dropped_records") else ""), pv["quality"])

        # ratios
        d2, d1 = R["dedup_j2"]["wall"], R.get("dedup_j1", {}).get("wall")
        f1, f2 = R["floor_p1"]["wall"], R["floor_p2"]["wall"]
        L += ["", "Ratios (same run, same corpus):", ""]
        L.append(f"- dedup throughput / floor throughput: jobs 2 vs floor 2 procs **{f2 / d2:.2f}** "
                 f"(target ≥ 0.5)" + (f"; jobs 1 vs floor 1 proc {f1 / d1:.2f}" if d1 else ""))
        if "naive" in R:
            L.append(f"- naive datasketch time / dedup time: **{R['naive']['wall'] / d2:.1f}×** vs jobs 2, "
                     f"{R['naive']['wall'] / d1:.1f}× vs jobs 1 (target ≥ 10×)"
                     + (" — naive extrapolated" if R["naive"]["extrapolated"] else ""))
        ok_peers = {k: v for k, v in R.get("peers", {}).items() if "error" not in v}
        if ok_peers:
            fastest = min(ok_peers, key=lambda k: ok_peers[k]["outer_wall"])
            fp = ok_peers[fastest]
            dq = R["dedup_quality"]["content"]
            d2o = R["dedup_j2"].get("outer_wall", d2)
            L.append(f"- fastest peer ({fastest}, {fp['procs']} procs) time / dedup jobs 2 time, both with process start: "
                     f"**{fp['outer_wall'] / d2o:.1f}×** "
                     f"(target ≥ 3× at equal or better P/R: dedup content P/R {dq['precision']:.3f}/{dq['recall']:.3f}, "
                     f"{fastest} {fp['quality']['content']['precision']:.3f}/{fp['quality']['content']['recall']:.3f})")
        L.append("- peak RSS of dedup: " + (f"{R['dedup_j1']['rss_main_mb']:.0f} MB (jobs 1); " if d1 else "")
                 + f"{R['dedup_j2']['rss_main_mb']:.0f} MB main + {R['dedup_j2']['rss_worker_mb']:.0f} MB per worker (jobs 2); "
                 f"{d_any['rss_main_mb'] / mb:.2f} MB per input MB")

    L += ["", "## Cost curve (seconds per MB)", "", "| size | dedup jobs 1 | dedup jobs 2 | floor 1 proc | floor 2 procs |",
          "|---|---:|---:|---:|---:|"]
    for size, R in results["sizes"].items():
        mb = R["mb"]
        j1 = R.get("dedup_j1", {}).get("wall")
        L.append(f"| {size_label(size, R, short=True)} | {fmt(j1 / mb if j1 else None, 3)} | {R['dedup_j2']['wall'] / mb:.3f} | "
                 f"{R['floor_p1']['wall'] / mb:.3f} | {R['floor_p2']['wall'] / mb:.3f} |")
    L += ["", "How to read this:", "",
          "- Quality is pairwise (same cluster vs same planted origin) on the blocks dedup compares. "
          "Up to generator version 2, short fresh texts sometimes came out as real near duplicates of each other "
          "(two headlines both `Rusya Dışişleri Bakanı Sergey Lavrov, imzalama töreninin ardından`, one with `da` at the end) "
          "that the truth called distinct, charging every tool false positives (3,574 of dedup's pairs at 100 MB). "
          "Version 4 redraws a short fresh text that shares most of its word trigrams with one earlier short text "
          "(1.6 % of fresh texts at 100 MB); a few such pairs remain (68 of dedup's pairs at 100 MB, verified Jaccard 0.65-0.9).",
          "- `wall s` of dedup, floor and naive is measured inside the process (imports excluded); the peers' is their "
          "whole command (text-dedup: its CLI, dataset loading included; datatrove: its four executors). "
          "`incl. process start` is comparable across rows; the fastest-peer ratio uses it.",
          "- The naive datasketch row, when marked extrapolated, ran on the first blocks only and was scaled "
          "linearly; LSH buckets only grow with the corpus, so it is a lower bound.",
          "- Peers ran once per configuration with 2 processes; dedup and the floor ran `--runs` times.",
          "- dedup's outputs (one file per input document plus the report) are kept until the invocation ends: "
          "removing a run's output right after it (tens of thousands of files, on this machine's ext4 mounted with `discard`) "
          "made the next run's write stage 2-4x slower. Figures measured before this change (git 7c76ddc and older) paid that.",
          "- Each size names the dedup code it measured (`dedup measured`); with `--merge`, sizes and parts may come "
          "from different invocations, and the cost curve is only a curve where they name the same code."]
    L += ["", "Peer settings:", ""]
    measured = {(name, cname) for name, cs in peer_configs().items() for cname, _ in cs}
    for (name, cname), note in PEER_NOTES.items():
        if (name, cname) in measured:
            L.append(f"- {name} `{cname}`: {note}")
    if "profile" in results:
        L += ["", f"## cProfile of dedup scan, jobs 1, {results['profile']['size']} MB (top by own time)", "", "```",
              results["profile"]["text"], "```"]
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "_child":
        kind, cargs = sys.argv[2], json.loads(sys.argv[3])
        fn = {"dedup": child_dedup, "floor": child_floor, "naive": child_naive}[kind]
        print(json.dumps(fn(cargs), default=float))
        sys.exit(0)
    sys.exit(main())

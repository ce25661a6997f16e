"""Precision and recall of dedup on the labelled benchmark, and the sweep that chose
the defaults.

    pip install ".[bench]"
    python benchmarks/quality.py                 # default sweep, writes benchmarks/QUALITY.md
    python benchmarks/quality.py --sources 600   # smaller, faster

The corpus is generated at run time by ``benchmarks/labelled.py`` from real text that
a PyPI package ships (see that file).  A labelled pair counts as *predicted duplicate*
when dedup puts both blocks in one cluster.  For every configuration it prints
precision, recall and F1 over all labelled pairs, recall per variant kind, the false
positive rate per hard-negative kind, and the LSH recall (share of the labelled true
pairs whose true similarity reaches the threshold that LSH made candidates), with our
bands × rows against datasketch's automatic choice for the same threshold.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from labelled import make_benchmark  # noqa: E402

from dedup import Document, ScanConfig, detect  # noqa: E402
from dedup.lsh import choose_params  # noqa: E402
from dedup.normalize import normalize  # noqa: E402
from dedup.shingle import jaccard, shingle_sets  # noqa: E402
from dedup.signatures import signatures  # noqa: E402
from dedup.split import split  # noqa: E402

# The heading partial_eval.py writes begins with this, whatever it is titled now
# ("Partial copies (before containment matching)", "Partial copies", ...).
PARTIAL_SECTION = "## Partial copies"


def block_texts(documents: list[tuple[str, str]], unit: str = "line") -> dict[str, str]:
    out = {}
    for doc_id, text in documents:
        for b in split(text, unit):
            out[f"{doc_id}#{b.line}"] = text[b.start : b.end]
    return out


def predicted_clusters(documents: list[tuple[str, str]], config: ScanConfig) -> tuple[dict[str, int], dict]:
    docs = [Document(doc_id, text, order=i) for i, (doc_id, text) in enumerate(documents)]
    det = detect(docs, config)
    cluster_of = {}
    for c in det.clusters:
        for m in c.members:
            b = det.blocks[m.doc][m.block]
            cluster_of[f"{docs[m.doc].id}#{b.line}"] = c.id
    return cluster_of, det.stats


def score(pairs, kinds, cluster_of) -> dict:
    tp = fp = fn = tn = 0
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for a, b, label in pairs:
        pred = a in cluster_of and cluster_of.get(a) == cluster_of.get(b)
        kind = kinds[(a, b)]
        per_kind[kind]["n"] += 1
        per_kind[kind]["pred"] += int(pred)
        if label and pred:
            tp += 1
        elif label:
            fn += 1
        elif pred:
            fp += 1
        else:
            tn += 1
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "per_kind": {k: v["pred"] / v["n"] for k, v in sorted(per_kind.items())},
    }


def naive_exact(pairs, kinds, texts) -> dict:
    """The usual baseline: exact match after lower-casing and stripping punctuation."""

    def key(t: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", t.lower()).split())

    cluster_of = {k: key(t) for k, t in texts.items() if len(key(t)) >= 20}
    return score(pairs, kinds, cluster_of)


def lsh_recall(pairs, texts, config: ScanConfig, window: float = 0.1) -> dict:
    """Share of labelled true pairs with true similarity in [t, t + window] that LSH
    makes candidates, for our bands/rows and for datasketch's automatic choice."""
    from datasketch.lsh import _optimal_param

    true = [(a, b) for a, b, label in pairs if label and a in texts and b in texts]
    norms = {k: normalize(texts[k]) for pair in true for k in pair}
    keys = sorted(norms)
    index = {k: i for i, k in enumerate(keys)}
    sh = shingle_sets([norms[k] for k in keys], config.shingle, config.ngram)
    ok = [len(s) > 0 for s in sh]
    sig = signatures([s if len(s) else np.zeros(1, np.uint64) for s in sh], config.num_perm, config.seed, config.scheme)
    t = config.threshold
    near = []
    for a, b in true:
        i, j = index[a], index[b]
        if ok[i] and ok[j] and norms[a] != norms[b]:
            s = jaccard(sh[i], sh[j])
            if t <= s <= t + window:
                near.append((i, j))
    out = {"pairs_in_window": len(near)}
    for name, (bands, rows) in (("ours", choose_params(t, config.num_perm)), ("datasketch_auto", _optimal_param(t, config.num_perm, 0.5, 0.5))):
        hit = 0
        for i, j in near:
            eq = sig[i] == sig[j]
            if any(eq[k * rows : (k + 1) * rows].all() for k in range(bands)):
                hit += 1
        out[name] = {"bands": bands, "rows": rows, "recall": hit / len(near) if near else None}
    return out


def lsh_curve(config: ScanConfig, similarities=(0.5, 0.6, 0.7, 0.8, 0.88, 0.95), trials: int = 2000, seed: int = 0) -> dict:
    """Measured share of pairs of exact Jaccard ``s`` that become LSH candidates, for our
    banding and for datasketch's automatic one at the same threshold (random sets of
    300 shingles in their union, signed with the scan's MinHash settings)."""
    from datasketch.lsh import _optimal_param

    rng = np.random.default_rng(seed)
    choices = {"ours": choose_params(config.threshold, config.num_perm), "datasketch_auto": _optimal_param(config.threshold, config.num_perm, 0.5, 0.5)}
    out: dict = {name: {"bands": b, "rows": r, "found": {}} for name, (b, r) in choices.items()}
    union = 300
    for s in similarities:
        inter = round(s * union)
        sets = []
        for _ in range(trials):
            u = np.unique(rng.integers(0, 2**63, size=union + 10, dtype=np.uint64))[:union]
            rest = u[inter:]
            sets.append(np.sort(np.concatenate((u[:inter], rest[: len(rest) // 2]))))
            sets.append(np.sort(np.concatenate((u[:inter], rest[len(rest) // 2 :]))))
        sig = signatures(sets, config.num_perm, config.seed, config.scheme)
        eq = sig[0::2] == sig[1::2]
        for name, (b, r) in choices.items():
            hit = np.zeros(trials, dtype=bool)
            for k in range(b):
                hit |= eq[:, k * r : (k + 1) * r].all(axis=1)
            out[name]["found"][f"{inter / union:.2f}"] = float(hit.mean())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "QUALITY.md")
    ap.add_argument("--quick", action="store_true", help="only the default configuration")
    args = ap.parse_args()

    t0 = time.perf_counter()
    bench = make_benchmark(n_sources=args.sources, seed=args.seed)
    texts = block_texts(bench.documents)
    pairs = [(a, b, label) for a, b, label in bench.pairs]
    kinds = {(a, b): bench.kinds[(a, b, label)] if (a, b, label) in bench.kinds else bench.kinds[(a, b)] for a, b, label in pairs}
    n_true = sum(1 for _, _, label in pairs if label)
    made = time.perf_counter() - t0
    print(f"benchmark: {len(bench.documents)} documents, {len(texts)} blocks, {len(pairs)} labelled pairs ({n_true} duplicates), made in {made:.1f} s")
    print("kinds:", dict(Counter(kinds.values())))

    default = ScanConfig()
    configs: list[tuple[str, ScanConfig]] = [("default", default)]
    if not args.quick:
        for k in (3, 4, 5, 6, 7):
            for t in (0.5, 0.6, 0.65, 0.7, 0.8):
                configs.append((f"char{k} t{t}", ScanConfig(shingle="char", ngram=k, threshold=t)))
        for n in (1, 2, 3, 5):
            for t in (0.4, 0.5, 0.6, 0.7, 0.8):
                configs.append((f"word{n} t{t}", ScanConfig(shingle="word", ngram=n, threshold=t)))
        for m in (10, 20, 30):
            configs.append((f"min_chars {m}", default.replace(min_chars=m)))

    rows = []
    base = naive_exact(pairs, kinds, texts)
    rows.append(("baseline: exact after lower+strip punctuation", "", base, None))
    print(f"{'configuration':48s} {'P':>6s} {'R':>6s} {'F1':>6s}  seconds")
    print(f"{rows[0][0]:48s} {base['precision']:6.4f} {base['recall']:6.4f} {base['f1']:6.4f}")
    for name, cfg in configs:
        t1 = time.perf_counter()
        cluster_of, stats = predicted_clusters(bench.documents, cfg)
        dt = time.perf_counter() - t1
        s = score(pairs, kinds, cluster_of)
        rows.append((name, f"{cfg.shingle}{cfg.ngram} t={cfg.threshold} min={cfg.min_chars} lsh={cfg.lsh_params[0]}x{cfg.lsh_params[1]}", s, dt))
        print(f"{name:48s} {s['precision']:6.4f} {s['recall']:6.4f} {s['f1']:6.4f}  {dt:.1f}")

    lsh = lsh_recall(pairs, texts, default)
    print("LSH recall near the threshold:", json.dumps(lsh))
    curve = lsh_curve(default)
    print("LSH candidate rate by similarity:", json.dumps(curve))
    best = max(rows[1:], key=lambda r: (round(r[2]["f1"], 4), r[0] == "default"))
    print(f"best F1: {best[0]} ({best[2]['f1']:.4f})")

    d = rows[1][2]
    lines = [
        "# Detection quality on the labelled benchmark",
        "",
        f"Reproduce: `python benchmarks/quality.py --sources {args.sources} --seed {args.seed}`"
        f" (Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}).",
        "",
        f"{len(bench.documents)} documents, {len(texts)} blocks, {len(pairs)} labelled pairs "
        f"({n_true} duplicates). Kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(kinds.values()).items())) + ".",
        "",
        "| configuration | details | precision | recall | F1 | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for name, detail, s, dt in rows:
        lines.append(f"| {name} | {detail} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} | {'' if dt is None else f'{dt:.1f}'} |")
    lines += [
        "",
        "## Default configuration, by kind",
        "",
        "Share of pairs of each kind that dedup calls duplicates (should be 1 for duplicate kinds, 0 for the others):",
        "",
        "| kind | predicted duplicate | baseline |",
        "|---|---|---|",
    ]
    for k, v in d["per_kind"].items():
        lines.append(f"| {k} | {v:.4f} | {base['per_kind'].get(k, 0):.4f} |")
    lines += [
        "",
        "## LSH recall near the threshold",
        "",
        f"Labelled duplicate pairs whose true Jaccard lies in [{default.threshold}, {default.threshold + 0.1:.1f}]: "
        f"{lsh['pairs_in_window']}. Share that LSH makes candidates:",
        "",
        "| banding | bands × rows | recall |",
        "|---|---|---|",
    ]
    for name in ("ours", "datasketch_auto"):
        v = lsh[name]
        recall = "" if v["recall"] is None else f"{v['recall']:.4f}"
        lines.append(f"| {name} | {v['bands']} × {v['rows']} | {recall} |")
    sims = list(curve["ours"]["found"])
    lines += [
        "",
        f"Measured on {2000} random pairs of sets per similarity (exact Jaccard, 300 shingles in the union), "
        f"signed like a scan ({default.num_perm} permutations, `{default.scheme}`): share that becomes a candidate.",
        "",
        "| banding | bands × rows | " + " | ".join(f"J={x}" for x in sims) + " |",
        "|---|---|" + "---|" * len(sims),
    ]
    for name in ("ours", "datasketch_auto"):
        v = curve[name]
        lines.append(f"| {name} | {v['bands']} × {v['rows']} | " + " | ".join(f"{v['found'][x]:.3f}" for x in sims) + " |")
    lines.append("")
    # benchmarks/partial_eval.py owns the sections from PARTIAL_SECTION on: keep them
    keep = ""
    if args.out.exists():
        old = args.out.read_text(encoding="utf-8")
        m = re.search(rf"^{re.escape(PARTIAL_SECTION)}\b", old, re.M)
        if m:
            keep = "\n" + old[m.start() :]
    args.out.write_text("\n".join(lines) + keep, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

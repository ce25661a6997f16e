"""Measure dedup, its peers and two containment indexes on the partial-copy benchmark.

    pip install ".[bench]"          # gflanguages: UDHR text besides seeds/
    python benchmarks/partial_eval.py [--seed 0] [--per-case 24] [--work DIR] [--no-timing] [--write]
        [--tools dedup,datatrove,text-dedup] [--variant 'LABEL:ARGS' ...] [--section-title TITLE]

For each case of ``benchmarks/partial.py`` (every case is its own small corpus):

1. ``dedup scan CASE_DIR --unit line --dry-run`` with the defaults, then from
   ``report.json``: *recall* (share of planted groups resolved: the removed members
   are exactly one of the group's acceptable outcomes: fragments removed in favour of
   the fuller text, tagged headlines in favour of the untagged one, all copies but
   one), *caught* (share of groups where dedup removed any member, in either
   direction), *precision* (removed blocks that are acceptable removals of their
   group / all removed blocks), negatives removed, and *text lost* (characters of the
   case's distinct content units that no kept block carries any more).
2. Similarity of the labelled pairs (character 5-grams of dedup's normalization):
   Jaccard and containment ``|A∩B| / min(|A|, |B|)``; for each negative, its most
   similar other block of the case.
3. Containment candidates: datasketch's ``MinHashLSHEnsemble`` at containment 0.9 and
   0.8, against an exact prefix-filter index of rare shingles and MinHash LSH with
   low-threshold banding, both verified exactly: recall of the labelled
   (fragment -> fuller) pairs, candidates per query, candidates of templated lines.
   Timing on the first 10,000 distinct blocks of a ``benchmarks/corpus.py`` corpus
   (``--no-timing``: left out; it takes minutes).
4. Other configurations scored alike, side by side in the table "All tools, per case":
   dedup with other arguments (``--variant 'LABEL:ARGS'``, repeatable; ARGS go to
   ``dedup scan`` as given; the first variant is the one of step 1) and, with
   ``--tools``, the peers of ``benchmarks/perf.py``: datatrove (its MinHash pipeline)
   and text-dedup 0.4.x (``text_dedup.minhash``), each configuration of
   ``perf.peer_configs(fast=True)``.  A peer gets each case's blocks as records of one
   JSONL file (id: the block key) and a block counts as removed when the peer does not
   keep its record.  The peers run in their own virtual environments under
   ``--peer-venv-root`` (default /tmp), installed on first use unless
   ``--no-install-peers``.

``--write`` replaces the section ``--section-title`` (default "Partial copies (before
containment matching)") of ``benchmarks/QUALITY.md`` with the tables printed.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import partial  # noqa: E402
import perf  # noqa: E402

from dedup.lsh import candidate_pairs  # noqa: E402
from dedup.normalize import normalize, weighted_length  # noqa: E402
from dedup.shingle import shingle_sets  # noqa: E402
from dedup.signatures import signatures  # noqa: E402

MIN_CHARS = 20  # dedup's default --min-chars
NUM_PERM, SEED, SCHEME = 192, 1, "affine32"  # dedup's defaults
TEMPLATED_KINDS = ("weather", "market", "score", "number_line", "same_tag")
PREFIX_M = 16  # shingles a candidate must share among the query's miss + PREFIX_M rarest
RECALL_WEIGHTS = (0.1, 0.9)  # LSHEnsemble weighted for recall, like dedup's own banding
SECTION = "## Partial copies (before containment matching)"
TOOLS = ("dedup", "datatrove", "text-dedup")


# --------------------------------------------------------------------------
# Tools: dedup variants and the peers
# --------------------------------------------------------------------------

def parse_variant(text: str) -> tuple[str, list[str]]:
    """``"LABEL:ARGS"`` -> (label, arguments for ``dedup scan``, split like a shell)."""
    label, sep, rest = text.partition(":")
    if not sep or not label.strip():
        raise argparse.ArgumentTypeError(f"--variant takes 'LABEL:ARGS' (ARGS may be empty), not {text!r}")
    return label.strip(), shlex.split(rest)


def write_records(case: partial.Case, path: Path) -> list[str]:
    """The case's blocks as JSONL records for the peers, one per line of its documents,
    in dedup's reading order: ``{"id": "<case>/<doc>#<line>", "text": line}``.  Returns
    the ids."""
    ids = []
    with open(path, "w", encoding="utf-8") as f:
        for d, lines in enumerate(case.docs):
            for i, line in enumerate(lines, 1):
                ids.append(f"{case.name}/{partial.Case.doc_name(d)}#{i}")
                f.write(json.dumps({"id": ids[-1], "text": line}, ensure_ascii=False) + "\n")
    return ids


def tool_runs(tools: list[str], variants: list[tuple[str, list[str]]], venv_root: Path, install: bool) -> dict[str, dict]:
    """Every configuration to score, by label: dedup's variants, then each peer's
    configurations (``perf.peer_configs(fast=True)``), a peer that cannot be had
    marked with why."""
    runs: dict[str, dict] = {}
    if "dedup" in tools:
        for label, extra in variants:
            runs[label] = {"tool": "dedup", "args": extra}
    configs = perf.peer_configs(fast=True)
    for name in (t for t in TOOLS if t in tools and t != "dedup"):
        py, why = perf.peer_python(name, venv_root, install)
        version = perf.peer_version(py, name) if py else None
        for cname, cfg in configs[name]:
            runs[f"{name} {cname}"] = {"tool": name, "config": cname, "settings": cfg, "python": py, "unavailable": why or None,
                                       "version": version, "note": perf.PEER_NOTES.get((name, cname), "")}
    return runs


def run_tool(run: dict, label: str, case_dir: Path, records: Path, out_dir: Path, procs: int, timeout: float) -> tuple[set[str], dict]:
    """Removed block keys of one configuration on one case, and facts of the run
    (seconds, records a peer deleted unclustered).  Raises RuntimeError when it fails."""
    if run["tool"] == "dedup":
        t0 = time.perf_counter()
        removed = run_dedup(case_dir, out_dir / label.replace("/", "_") / case_dir.name, run["args"])
        return removed, {"seconds": time.perf_counter() - t0}
    if run["unavailable"]:
        raise RuntimeError(f"unavailable: {run['unavailable']}")
    res = perf.run_peer_blocks(run["tool"], run["python"], records, run["settings"], procs, timeout, ids=True)
    if "error" in res:
        raise RuntimeError(res["error"].strip()[-600:])
    return set(res["removed_ids"]), {"seconds": res["outer_wall"], "dropped": res["dropped_records"]}


def totals(scores: dict[str, dict]) -> dict:
    """Figures of one configuration over all the cases it ran on."""
    groups = sum(s["groups"] for s in scores.values())
    resolved = sum(k["resolved"] for s in scores.values() for k in s["per_kind"].values())
    removed = sum(s["removed"] for s in scores.values())
    ok = sum(s["correct_removals"] for s in scores.values())
    negs = sum(v["n"] for s in scores.values() for v in s["negatives"].values())
    neg_removed = sum(v.get("removed", 0) for s in scores.values() for v in s["negatives"].values())
    lost = sum(s["lost_chars"] for s in scores.values())
    content = sum(s["content_chars"] for s in scores.values())
    recall = resolved / groups if groups else None
    precision = ok / removed if removed else 1.0
    f1 = 2 * recall * precision / (recall + precision) if recall is not None and recall + precision else (None if recall is None else 0.0)
    return {"groups": groups, "resolved": resolved, "recall": recall, "removed": removed, "correct_removals": ok,
            "precision": precision, "f1": f1, "negatives": negs, "negatives_removed": neg_removed,
            "negatives_share": neg_removed / negs if negs else None, "lost_chars": lost, "content_chars": content,
            "lost_share": lost / content if content else None}


# --------------------------------------------------------------------------
# dedup itself
# --------------------------------------------------------------------------

def run_dedup(case_dir: Path, out_dir: Path, extra: list[str] = ()) -> set[str]:
    """Keys ``"<case>/<doc>#<line>"`` of the blocks dedup removes, with ``extra``
    arguments passed to ``dedup scan`` as given."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "dedup", "scan", str(case_dir), "-o", str(out_dir), "--unit", "line", "--dry-run", "-q", *extra]
    # outside the repository: no [tool.dedup] config
    p = subprocess.run(cmd, cwd=out_dir.parent, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"dedup scan {shlex.join(extra)} exited {p.returncode}: {(p.stderr or p.stdout).strip()[-600:]}")
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    removed = set()
    for c in report["clusters"]:
        for m in c["members"]:
            if m["action"] == "removed":
                removed.add(f"{case_dir.name}/{m['document']}#{m['line']}")
    return removed


def score_case(case: dict, units: dict, removed: set[str]) -> dict:
    blocks = case["blocks"]
    removed = {k for k in removed if k in blocks}
    ok: set[str] = set()
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for g in case["groups"]:
        members = set(g["members"])
        gone = members & removed
        if g["accept"] == "one_survivor":
            elsewhere = set(g.get("elsewhere", ())) - removed  # the item on another site's identical menu
            resolved = len(members - removed) == 1 or (not members - removed and bool(elsewhere))
            if members - removed or elsewhere:
                ok |= gone
        else:
            sets = [set(a) for a in g["accept"]]
            resolved = gone in sets
            ok |= gone & set().union(*sets)
        if not g["positive"]:
            continue
        k = per_kind[g["kind"]]
        k["groups"] += 1
        k["resolved"] += resolved
        k["caught"] += bool(gone)
        if g["copy_first"]:
            k["copy_first"] += 1
            k["copy_first_resolved"] += resolved
    negatives: dict[str, Counter] = defaultdict(Counter)
    for key, b in blocks.items():
        if b["role"] == "negative":
            negatives[b["kind"]]["n"] += 1
            negatives[b["kind"]]["removed"] += key in removed
    # text lost
    carried = {u for b in blocks.values() for u in b["units"]}
    kept = {u for key, b in blocks.items() if key not in removed for u in b["units"]}
    pieces: dict[str, list[str]] = defaultdict(list)
    roots = set()
    for u in carried:
        p = units[u]["parent"]
        if p is not None and p in carried:
            pieces[p].append(u)
        else:
            roots.add(u)
    total = sum(units[u]["chars"] for u in roots)
    lost = 0
    for u in roots:
        if u in kept:
            continue
        lost += units[u]["chars"] - max((units[x]["chars"] for x in pieces[u] if x in kept), default=0)
    groups = sum(k["groups"] for k in per_kind.values())
    return {
        "blocks": len(blocks),
        "removed": len(removed),
        "correct_removals": len(ok),
        "precision": len(ok) / len(removed) if removed else 1.0,
        "groups": groups,
        "recall": sum(k["resolved"] for k in per_kind.values()) / groups if groups else None,
        "caught": sum(k["caught"] for k in per_kind.values()) / groups if groups else None,
        "copy_first": sum(k["copy_first"] for k in per_kind.values()),
        "copy_first_resolved": sum(k["copy_first_resolved"] for k in per_kind.values()),
        "per_kind": {k: dict(v) for k, v in per_kind.items()},
        "negatives": {k: dict(v) for k, v in negatives.items()},
        "content_chars": total,
        "lost_chars": lost,
    }


# --------------------------------------------------------------------------
# Similarities
# --------------------------------------------------------------------------

class Shingles:
    """Character 5-gram sets (dedup's normalization and hashing) of block texts."""

    def __init__(self, texts: dict[str, str]):
        keys = list(texts)
        norms = [normalize(texts[k]) for k in keys]
        sets = shingle_sets(norms, "char", 5)
        self.norm = dict(zip(keys, norms))
        self.arr = dict(zip(keys, sets))
        self.set = {k: set(a.tolist()) for k, a in zip(keys, sets)}

    def jaccard(self, a: str, b: str) -> float:
        x, y = self.set[a], self.set[b]
        i = len(x & y)
        return i / (len(x) + len(y) - i) if x or y else 1.0

    def containment(self, a: str, b: str) -> float:
        """|A ∩ B| / min(|A|, |B|)."""
        x, y = self.set[a], self.set[b]
        return len(x & y) / min(len(x), len(y)) if x and y else 0.0

    def contained(self, a: str, b: str) -> float:
        """|A ∩ B| / |A|: how much of A is inside B."""
        x, y = self.set[a], self.set[b]
        return len(x & y) / len(x) if x else 0.0


def labelled_pairs(case: dict) -> list[tuple[str, str, str]]:
    """(kind, fragment, fuller) for every positive group; members of one-survivor
    groups are paired with the first member."""
    out = []
    for g in case["groups"]:
        if not g["positive"]:
            continue
        if g["accept"] == "one_survivor":
            out += [(g["kind"], m, g["members"][0]) for m in g["members"][1:]]
        elif g["kind"] == "tagged_headline":
            out += [(g["kind"], g["fragments"][0], t) for t in g["accept"][0]]
        else:
            out += [(g["kind"], f, g["fuller"]) for f in g["fragments"]]
    return out


def token_diff(a: str, b: str) -> tuple[int, float]:
    """Tokens that differ between two texts (difflib on normalized words and numbers)
    and their share of the longer text's tokens."""
    ta, tb = partial.fact_tokens(a), partial.fact_tokens(b)
    same = sum(m.size for m in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_matching_blocks())
    d = max(len(ta), len(tb)) - same
    return d, d / max(len(ta), len(tb), 1)


def similarity_case(case: dict, texts: dict[str, str]) -> dict:
    sh = Shingles(texts)
    rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    diffs: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for kind, f, full in labelled_pairs(case):
        rows[f"+ {kind}"].append((sh.jaccard(f, full), sh.containment(f, full)))
        if kind == "number_update":
            d, share = token_diff(texts[f], texts[full])
            diffs["+ number_update"].append((d, share, sh.jaccard(f, full)))
    keys = list(texts)
    for key, b in case["blocks"].items():
        if b["role"] != "negative":
            continue
        others = [o for o in keys if o != key and sh.norm[o] != sh.norm[key] or (o != key and b["kind"] == "lone_short_line")]
        if not others:
            continue
        j = max(others, key=lambda o: sh.jaccard(key, o))
        c = max(others, key=lambda o: sh.containment(key, o))
        rows[f"- {b['kind']}"].append((sh.jaccard(key, j), sh.containment(key, c)))
        if b["kind"] in TEMPLATED_KINDS:
            d, share = token_diff(texts[key], texts[j])
            diffs[f"- {b['kind']}"].append((d, share, sh.jaccard(key, j)))
    out = {}
    for kind, v in rows.items():
        js, cs = [x[0] for x in v], [x[1] for x in v]
        out[kind] = {
            "pairs": len(v),
            "j065": sum(x >= 0.65 for x in js) / len(v),
            "c09": sum(x >= 0.9 for x in cs) / len(v),
            "c08": sum(x >= 0.8 for x in cs) / len(v),
            "j": (min(js), statistics.median(js), max(js)),
            "c": (min(cs), statistics.median(cs), max(cs)),
        }
    return {"pairs": out, "diffs": {k: v for k, v in diffs.items()}}


# --------------------------------------------------------------------------
# Containment indexes
# --------------------------------------------------------------------------

def distinct_compared(texts: dict[str, str]) -> tuple[list[str], list[np.ndarray], dict[str, int]]:
    """Distinct normalized texts of the blocks dedup compares (``--min-chars``), their
    shingle sets, and each block key's index among them."""
    norms: list[str] = []
    index: dict[str, int] = {}
    at: dict[str, int] = {}
    for k, t in texts.items():
        n = normalize(t)
        if weighted_length(n) < MIN_CHARS:
            continue
        if n not in at:
            at[n] = len(norms)
            norms.append(n)
        index[k] = at[n]
    return norms, shingle_sets(norms, "char", 5), index


def contained_share(a: np.ndarray, b: np.ndarray) -> float:
    return np.intersect1d(a, b, assume_unique=True).size / len(a) if len(a) else 0.0


def lsh_ensemble_candidates(sets: list[np.ndarray], sig: np.ndarray, threshold: float, num_part: int = 16, m: int = 8,
                            weights: tuple[float, float] = (0.5, 0.5)) -> tuple[set, float, float]:
    """datasketch's MinHashLSHEnsemble: for each set, the sets that contain it
    (containment ≥ threshold, approximately).  ``weights``: of false positives and
    false negatives when it chooses its banding (its default weighs them equally).
    Returns (pairs (query, found), build seconds, query seconds)."""
    from datasketch import MinHash, MinHashLSHEnsemble

    mhs = [MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=row, scheme=SCHEME) for row in sig]
    t0 = time.perf_counter()
    index = MinHashLSHEnsemble(threshold=threshold, num_perm=NUM_PERM, num_part=num_part, m=m, weights=weights)
    index.index([(i, mh, len(s)) for i, (mh, s) in enumerate(zip(mhs, sets))])
    t1 = time.perf_counter()
    pairs = set()
    for i, (mh, s) in enumerate(zip(mhs, sets)):
        for j in index.query(mh, len(s)):
            if j != i:
                pairs.add((i, j))
    return pairs, t1 - t0, time.perf_counter() - t1


def prefix_candidates(sets: list[np.ndarray], threshold: float, m: int = 1) -> tuple[set, float, float]:
    """Exact candidates by prefix filtering: if |A ∩ B| ≥ t|A|, B misses at most
    ⌊(1 - t)|A|⌋ shingles of A, so it holds at least ``m`` of any ⌊(1 - t)|A|⌋ + m of
    them.  Take A's rarest ones (by document frequency among the indexed texts), look
    them up in an inverted index of every shingle, and keep the texts found ``m`` times
    or more (``m`` = 1: the plain prefix filter; larger: fewer candidates, longer
    prefixes).  Returns (pairs (query, found) before verification, build s, query s)."""
    t0 = time.perf_counter()
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    flat = np.concatenate(sets)
    owner = np.repeat(np.arange(len(sets)), sizes)
    order = np.argsort(flat, kind="stable")
    h_sorted, o_sorted = flat[order], owner[order]
    uniq, start, df = np.unique(h_sorted, return_index=True, return_counts=True)
    t1 = time.perf_counter()
    n = len(sets)
    # A may miss this many of its shingles in B; B then holds need = p - miss of A's p rarest
    miss = np.floor((1.0 - threshold) * sizes + 1e-9).astype(np.int64)
    plen = np.minimum(sizes, miss + m)
    need = plen - miss
    pairs: set = set()
    chunk = 512  # queries at a time: bounded memory for the expanded postings
    for c0 in range(0, n, chunk):
        qh, qo = [], []
        for i in range(c0, min(n, c0 + chunk)):
            s = sets[i]
            pos = np.searchsorted(uniq, s)
            rare = np.lexsort((s, df[pos]))[: plen[i]]  # by document frequency, then hash
            qh.append(pos[rare])
            qo.append(np.full(len(rare), i, dtype=np.int64))
        pos = np.concatenate(qh)
        qo = np.concatenate(qo)
        lens = df[pos]
        rows = np.repeat(qo, lens)
        idx = np.repeat(start[pos], lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))
        found = o_sorted[idx]
        code = rows * n + found
        code = code[found != rows]
        if m > 1:
            code, count = np.unique(code, return_counts=True)
            code = code[count >= need[code // n]]
        else:
            code = np.unique(code)
        pairs.update(zip((code // n).tolist(), (code % n).tolist()))
    return pairs, t1 - t0, time.perf_counter() - t1


def lsh_low_candidates(sig: np.ndarray, bands: int, rows: int) -> tuple[set, float]:
    """MinHash LSH banding (symmetric pairs, both directions) with low rows."""
    t0 = time.perf_counter()
    p = candidate_pairs(sig, bands, rows)
    pairs = set(zip(p[:, 0].tolist(), p[:, 1].tolist())) | set(zip(p[:, 1].tolist(), p[:, 0].tolist()))
    return pairs, time.perf_counter() - t0


def verify(sets: list[np.ndarray], pairs: set, threshold: float) -> tuple[set, float]:
    t0 = time.perf_counter()
    ok = {(i, j) for i, j in pairs if contained_share(sets[i], sets[j]) >= threshold}
    return ok, time.perf_counter() - t0


def sign(sets: list[np.ndarray]) -> np.ndarray:
    return signatures(sets, NUM_PERM, SEED, SCHEME, engine="auto")


def fingerprint_candidates(norms: list[str]) -> tuple[set, float, float]:
    """dedup's own candidates (``dedup.contain``): winnowed 16-character fingerprints,
    pairs sharing uncommon ones; both directions of each pair (build and query time)."""
    from dedup.contain import Fingerprints, candidates
    from dedup.shingle import shingle_hashes

    t0 = time.perf_counter()
    flat, sizes = shingle_hashes(norms)
    fp = Fingerprints.of(flat, sizes, [len(t) for t in norms])
    t1 = time.perf_counter()
    found = candidates(fp, np.ones(len(norms), dtype=bool)).tolist()
    t2 = time.perf_counter()
    return {(a, b) for a, b in found} | {(b, a) for a, b in found}, t1 - t0, t2 - t1


def index_case(case: dict, texts: dict[str, str], thresholds=(0.9, 0.8)) -> dict:
    norms, sets, at = distinct_compared(texts)
    sig = sign(sets)
    truth = [(kind, at[f], at[full]) for kind, f, full in labelled_pairs(case) if f in at and full in at and at[f] != at[full]]
    templated = {at[k] for k, b in case["blocks"].items() if b["role"] == "negative" and b["kind"] in TEMPLATED_KINDS and k in at}
    out: dict = {"texts": len(norms), "truth_pairs": len(truth)}
    methods = {}
    for t in thresholds:
        methods[f"LSHEnsemble c≥{t}"] = (t, lsh_ensemble_candidates(sets, sig, t)[0])
        methods[f"LSHEnsemble c≥{t}, weights 0.1/0.9"] = (t, lsh_ensemble_candidates(sets, sig, t, weights=RECALL_WEIGHTS)[0])
        methods[f"prefix filter c≥{t}, 1 shared"] = (t, prefix_candidates(sets, t, 1)[0])
        methods[f"prefix filter c≥{t}, {PREFIX_M} shared"] = (t, prefix_candidates(sets, t, PREFIX_M)[0])
    for b, r in ((96, 2), (64, 3)):
        methods[f"MinHash LSH {b}×{r}"] = (thresholds[0], lsh_low_candidates(sig, b, r)[0])
    methods["fingerprints (dedup)"] = (thresholds[0], fingerprint_candidates(norms)[0])
    for name, (t, pairs) in methods.items():
        # a labelled pair counts as found when the fragment's query returns the fuller
        # text (or the reverse, for near copies whose containment is symmetric)
        found = [(kind, i, j) for kind, i, j in truth if (i, j) in pairs or (kind == "number_update" and (j, i) in pairs)]
        exact, _ = verify(sets, pairs, t)
        false = len(pairs) - len(exact)
        tmpl_q = [(i, j) for i, j in pairs if i in templated]
        tmpl_exact = [(i, j) for i, j in tmpl_q if (i, j) in exact]
        out[name] = {
            "found": len(found),
            "by_kind": dict(Counter(k for k, _, _ in found)),
            "candidates": len(pairs),
            "per_query": len(pairs) / len(norms),
            "false_candidates": false,
            "templated_queries": len(templated),
            "templated_candidates": len(tmpl_q),
            "templated_contained": len(tmpl_exact),
        }
    out["truth_by_kind"] = dict(Counter(k for k, _, _ in truth))
    # Coverage of a fuller text by the union of the blocks found inside it (prefix
    # filter at the first threshold, verified): ~1 when its parts all stand elsewhere
    # (a merged line, a paragraph also printed split), well below 1 when it holds text
    # of its own (a truncated copy's source, a line merging one known and one new part).
    t = thresholds[0]
    exact, _ = verify(sets, methods[f"prefix filter c≥{t}, {PREFIX_M} shared"][1], t)
    inside: dict[int, list[int]] = defaultdict(list)
    for i, j in exact:
        inside[j].append(i)
    cov: dict[str, list[float]] = defaultdict(list)
    for g in case["groups"]:
        full = g["fuller"]
        if full is None or full not in at or g["kind"] == "tagged_headline":
            continue
        j = at[full]
        parts = [sets[i] for i in inside[j]]
        covered = np.intersect1d(sets[j], np.unique(np.concatenate(parts))).size if parts else 0
        cov[g["kind"]].append(covered / len(sets[j]))
    out["coverage"] = dict(cov)
    return out


def _lsh_low_timed(sets: list[np.ndarray], sig: np.ndarray, bands: int, rows: int, exact: set, cap: int = 1_000_000, seed: int = 0) -> dict:
    """Low-threshold banding on many texts: the candidate pairs stay a numpy array;
    beyond ``cap`` pairs only a random sample of ``cap`` is verified and the counts are
    scaled up (marked ``sampled``)."""
    t0 = time.perf_counter()
    p = candidate_pairs(sig, bands, rows)
    tq = time.perf_counter() - t0
    n = len(p)
    sample = p if n <= cap else p[np.random.default_rng(seed).choice(n, cap, replace=False)]
    t1 = time.perf_counter()
    ok = set()
    for i, j in sample.tolist():
        if contained_share(sets[i], sets[j]) >= 0.9:
            ok.add((i, j))
        if contained_share(sets[j], sets[i]) >= 0.9:
            ok.add((j, i))
    tv = (time.perf_counter() - t1) * n / len(sample) if len(sample) else 0.0
    scale = n / len(sample) if len(sample) else 1.0
    return {"build_s": 0.0, "query_s": tq, "verify_s": tv, "candidates": 2 * n, "contained": round(len(ok) * scale),
            "recall": (len(ok & exact) / len(exact) if n <= cap else None) if exact else None, "sampled": n > cap}


def timing(work: Path, n: int = 10_000, mb: float = 5.0) -> dict:
    """Build and query times on the first ``n`` distinct compared blocks of a
    ``benchmarks/corpus.py`` corpus (news-like Turkish, real words), and how many
    containment pairs each method finds there against the exact answer."""
    import corpus

    from dedup.split import split

    folder = work / f"corpus-{mb:g}mb"
    if not (folder / "truth.json").exists():
        if folder.exists():
            shutil.rmtree(folder)
        corpus.generate(folder, mb, seed=0, progress=False)
    texts: dict[str, str] = {}
    for path in sorted((folder / "docs").rglob("*.txt")):
        t = path.read_text(encoding="utf-8")
        for b in split(t, "line"):
            texts[f"{path.name}#{b.line}"] = t[b.start : b.end]
    norms, sets, _ = distinct_compared(texts)
    norms, sets = norms[:n], sets[:n]
    t0 = time.perf_counter()
    sig = sign(sets)
    t_sig = time.perf_counter() - t0
    out = {"blocks": len(norms), "chars": sum(len(x) for x in norms), "signatures_s": t_sig}
    exact_ref = {}

    def log(name):
        v = out[name]
        print(f"  timing {name}: build {v['build_s']:.2f} s, query {v['query_s']:.2f} s, verify {v['verify_s']} s, "
              f"{v['candidates']} candidates, {v['contained']} contained", file=sys.stderr)

    for t in (0.9, 0.8):
        pairs, tb, tq = prefix_candidates(sets, t, PREFIX_M)
        exact, tv = verify(sets, pairs, t)
        exact_ref[t] = exact
        out[f"prefix filter c≥{t}, {PREFIX_M} shared"] = {"build_s": tb, "query_s": tq, "verify_s": tv, "candidates": len(pairs),
                                                         "contained": len(exact), "recall": 1.0}
        log(f"prefix filter c≥{t}, {PREFIX_M} shared")
        pairs, tb, tq = prefix_candidates(sets, t, 1)
        # exact too: the same pairs verify; verifying millions of candidates one by one is not worth the wait
        out[f"prefix filter c≥{t}, 1 shared"] = {"build_s": tb, "query_s": tq, "verify_s": None, "candidates": len(pairs),
                                                "contained": len(exact), "recall": 1.0}
        log(f"prefix filter c≥{t}, 1 shared")
    for t in (0.9, 0.8):
        for suffix, w in (("", (0.5, 0.5)), (", weights 0.1/0.9", RECALL_WEIGHTS)):
            pairs, tb, tq = lsh_ensemble_candidates(sets, sig, t, weights=w)
            exact, tv = verify(sets, pairs, t)
            name = f"LSHEnsemble c≥{t}{suffix}"
            out[name] = {"build_s": tb, "query_s": tq, "verify_s": tv, "candidates": len(pairs), "contained": len(exact),
                         "recall": len(exact & exact_ref[t]) / len(exact_ref[t]) if exact_ref[t] else None}
            log(name)
    for b, r in ((64, 3), (96, 2)):
        name = f"MinHash LSH {b}×{r} (c≥0.9)"
        out[name] = _lsh_low_timed(sets, sig, b, r, exact_ref[0.9])
        log(name)
    pairs, tb, tq = fingerprint_candidates(norms)
    exact, tv = verify(sets, pairs, 0.9)
    name = "fingerprints (dedup), c≥0.9"
    out[name] = {"build_s": tb, "query_s": tq, "verify_s": tv, "candidates": len(pairs), "contained": len(exact),
                 "recall": len(exact & exact_ref[0.9]) / len(exact_ref[0.9]) if exact_ref[0.9] else None}
    log(name)
    return out


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def _pct(x) -> str:
    if x is None:
        return "–"
    return f"{100 * x:.1f} %" if 0 < x < 0.005 or 0.995 <= x < 1 else f"{100 * x:.0f} %"


def _frac(n: int, d: int) -> str:
    return f"{n}/{d} ({_pct(n / d)})" if d else "–"


def render_tools(results: dict[str, dict], runs: dict[str, dict], cases: list[str]) -> list[str]:
    """The table "All tools, per case": every configuration on every case, then one
    "all cases" row per configuration; what each configuration is and how long it took."""
    L = ["### All tools, per case", "",
         "Every configuration on the same cases, scored alike. dedup: `dedup scan CASE --unit line` with the arguments "
         "shown. Peers: each case's blocks as records of one JSONL file (id `<case>/<doc>#<line>`, in dedup's reading "
         "order), deduplicated as whole records; a block counts as removed when the peer does not keep its record (a "
         "non-root member of a peer cluster; text-dedup also deletes records under its `--min_length` tokens). "
         "*F1*: harmonic mean of recall and precision. *Negatives removed*: hard negatives (blocks that must stay) "
         "removed. *Text lost*: share of the case's distinct content that no kept block carries any more.", ""]
    for label, run in runs.items():
        if run["tool"] == "dedup":
            what = f"`dedup scan CASE --unit line {shlex.join(run['args'])}`" if run["args"] else "`dedup scan CASE --unit line`, defaults"
        else:
            what = f"{run['tool']} {run['version'] or ''}".strip() + (f", {run['note']}" if run["note"] else "")
        res = results[label]
        failed = {c: r["error"] for c, r in res.items() if "error" in r}
        line = f"- **{label}**: {what}"
        if len(failed) < len(res):
            secs = sum(r["seconds"] for r in res.values() if "score" in r)
            procs = "" if run["tool"] == "dedup" else f", {run['procs']} process" + ("es" if run["procs"] > 1 else "")
            line += f"; {secs:.1f} s for the {len(res) - len(failed)} cases (whole commands, process start and imports included{procs})"
        dropped = sum(r.get("dropped") or 0 for r in res.values() if "score" in r)
        if dropped:
            line += f"; deleted {dropped} short records unclustered (counted as removed)"
        if failed:
            first = next(iter(failed.values())).replace("\n", " ").replace("|", "/")
            where = "every case" if len(failed) == len(res) else f"{len(failed)} of {len(res)} cases ({', '.join(failed)})"
            line += f". **Failed** on {where}: {first[-300:]}"
        L.append(line.rstrip(".") + ".")
    L += ["", "| case | tool | recall | precision | F1 | removed | negatives removed | text lost |", "|---|---|---|---|---|---|---|---|"]

    def row(case: str, label: str, t: dict) -> str:
        f1 = "–" if t["f1"] is None else f"{t['f1']:.3f}"
        lost = f"{t['lost_chars']} of {t['content_chars']} ({100 * t['lost_share']:.1f} %)" if t["content_chars"] else "–"
        return (f"| {case} | {label} | {_frac(t['resolved'], t['groups'])} | {t['precision']:.3f} | {f1} | {t['removed']} | "
                f"{_frac(t['negatives_removed'], t['negatives'])} | {lost} |")

    for case in cases:
        for label in runs:
            r = results[label].get(case)
            if r is None:
                continue
            if "error" in r:
                L.append(f"| {case} | {label} | failed | | | | | |")
            else:
                L.append(row(case, label, totals({case: r["score"]})))
    for label in runs:
        ok = {c: r["score"] for c, r in results[label].items() if "score" in r}
        if ok:
            name = "**all cases**" if len(ok) == len(results[label]) else f"**all cases** ({len(ok)} of {len(results[label])} ran)"
            L.append(row(name, f"**{label}**", totals(ok)))
    return L + [""]


def render(meta: dict, scores: dict, sims: dict, idx: dict, tim: dict | None, cmd: str, title: str = SECTION,
           tools: tuple[dict, dict] | None = None, minutes: float | None = None) -> str:
    """The section: ``scores`` are the first dedup configuration's, per case (empty:
    its tables are left out); ``tools`` = (results by label and case, the runs)."""
    L = [title, ""]
    if minutes is None:
        took = "about 6 minutes on one core"
    else:
        took = "this run took " + (f"{minutes:.0f} minutes" if minutes >= 1.5 else f"{60 * minutes:.0f} s") + " on this machine"
    peers = tools is not None and any(r["tool"] != "dedup" for r in tools[1].values())
    L += [
        f"Reproduce: `pip install \".[bench]\"`, then `{cmd}` (add `--write` to replace this section; {took}"
        + (", most of it the 10,000-block timing" if tim else "")
        + ("; the peers install themselves into virtual environments under `/tmp` (`--peer-venv-root`) the first time, "
           "which takes a few minutes more" if peers else "")
        + "). Benchmark `benchmarks/partial.py`, measured by "
        "`benchmarks/partial_eval.py`; each case is its own small corpus, scanned with `dedup scan CASE --unit line` and "
        "every other option at its default" + (" (other configurations: table \"All tools, per case\")" if tools and len(tools[1]) > 1 else "") + ".",
        "",
        f"Text: {meta['text']}. Instances per case and language: "
        + "; ".join(f"{c} " + ", ".join(f"{lang} {n}" for lang, n in v.items()) for c, v in meta["instances"].items()) + ".",
        "",
        "*Recall*: planted groups resolved as they should be (fragments removed in favour of the fuller text, a merged line "
        "or its parts, tagged headlines in favour of the untagged one, all copies of a repeated line but one). "
        "*Caught*: groups where dedup removed any member, in either direction. *Precision*: removed blocks that are "
        "acceptable removals / removed blocks. *Text lost*: characters of the case's distinct content (sentences, "
        "templated lines, menu items, headlines) that no kept block carries any more.",
        "",
    ]
    if scores:
        L += ["### dedup, per case", "",
              "| case | blocks | groups | recall | caught | recall when the copy is read first | removed | precision | negatives removed | text lost |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for name, s in scores.items():
        negs = sum(v["n"] for v in s["negatives"].values())
        nrem = sum(v.get("removed", 0) for v in s["negatives"].values())
        cf = f"{s['copy_first_resolved']}/{s['copy_first']}" if s["copy_first"] else "–"
        L.append(f"| {name} | {s['blocks']} | {s['groups']} | {_pct(s['recall'])} | {_pct(s['caught'])} | {cf} | {s['removed']} | "
                 f"{s['precision']:.3f} | {nrem}/{negs} | {s['lost_chars']} of {s['content_chars']} "
                 f"({100 * s['lost_chars'] / max(1, s['content_chars']):.1f} %) |")
    if scores:
        tot_rem = sum(s["removed"] for s in scores.values())
        tot_ok = sum(s["correct_removals"] for s in scores.values())
        tot_g = sum(s["groups"] for s in scores.values())
        tot_res = sum(round((s["recall"] or 0) * s["groups"]) for s in scores.values())
        lost = sum(s["lost_chars"] for s in scores.values())
        content = sum(s["content_chars"] for s in scores.values())
        L += ["", f"All cases: recall {tot_res}/{tot_g} ({100 * tot_res / max(1, tot_g):.0f} %), precision {tot_ok}/{tot_rem} "
              f"({tot_ok / max(1, tot_rem):.3f}), text lost {lost} of {content} characters ({100 * lost / max(1, content):.1f} %).", ""]
        neg: dict[str, Counter] = defaultdict(Counter)
        for s in scores.values():
            for k, v in s["negatives"].items():
                neg[k].update(v)
        L += ["Negatives removed by kind: " + "; ".join(f"{k} {v['removed']}/{v['n']}" for k, v in sorted(neg.items())) + ".", ""]
    if tools is not None:
        L += render_tools(tools[0], tools[1], list(sims))

    L += ["### Similarity of the labelled pairs", "",
          "Character 5-grams of dedup's normalization. `+` rows: planted (fragment, fuller) pairs; `-` rows: each negative "
          "with its most similar other block of the case (by Jaccard, and by containment). Containment is |A∩B| / min(|A|, |B|). "
          "A `merged_new` negative is the fuller side of its pair (the known part lies inside it): it must stay, its part may go.",
          "", "| case | pairs | Jaccard ≥ 0.65 | containment ≥ 0.9 | containment ≥ 0.8 | Jaccard min / median / max | containment min / median / max |",
          "|---|---|---|---|---|---|---|"]
    for name, s in sims.items():
        for kind, v in sorted(s["pairs"].items()):
            j, c = v["j"], v["c"]
            L.append(f"| {name}: {kind} | {v['pairs']} | {_pct(v['j065'])} | {_pct(v['c09'])} | {_pct(v['c08'])} | "
                     f"{j[0]:.2f} / {j[1]:.2f} / {j[2]:.2f} | {c[0]:.2f} / {c[1]:.2f} / {c[2]:.2f} |")
    L += ["", "Tokens (normalized words and numbers) that differ between a number update and its source, and between a "
          "templated negative and its most similar line: count and share of the longer text's tokens.", "",
          "| pairs | n | differing tokens min / max | share min / median / max | Jaccard of these pairs ≥ 0.65 |", "|---|---|---|---|---|"]
    diffs: dict[str, list] = defaultdict(list)
    for s in sims.values():
        for k, v in s["diffs"].items():
            diffs[k] += v
    for k, v in sorted(diffs.items()):
        d = [x[0] for x in v]
        sh = [x[1] for x in v]
        L.append(f"| {k} | {len(v)} | {min(d)} / {max(d)} | {min(sh):.2f} / {statistics.median(sh):.2f} / {max(sh):.2f} | "
                 f"{sum(x[2] >= 0.65 for x in v)} |")

    L += ["", "### Containment candidates on the same blocks", "",
          "Every distinct compared block (≥ 20 normalized characters) of a case is indexed and queried; a labelled pair is "
          "found when the fragment's query returns the fuller text. LSHEnsemble: datasketch's `MinHashLSHEnsemble` "
          f"({NUM_PERM} permutations, 16 partitions, m = 8) with its default weights (false positives and negatives "
          "alike) and weighted for recall (0.1 / 0.9). Prefix filter: an inverted index of every shingle; a query takes "
          "its ⌊(1 − t)·|A|⌋ + m rarest shingles and keeps the texts that hold m of them (exact: no pair at the threshold "
          "is missed). MinHash LSH: dedup's banding with short bands, verified afterwards. Fingerprints (dedup): what dedup "
          "uses, winnowed 16-character fingerprints (`dedup.contain`), pairs sharing uncommon ones and covering half of the "
          "shorter text's; both directions of a pair count as queries. *False*: candidates whose exact containment "
          "(query in candidate) is below the threshold (for MinHash LSH: below 0.9). *Templated*: candidates returned "
          "for the templated negatives (weather, market, score, number lines, same-tag headlines), and how many of them "
          "truly reach the containment threshold.", "",
          "| method | labelled pairs found | candidates per query | false candidates | templated: candidates / truly contained |",
          "|---|---|---|---|---|"]
    methods = [k for k in next(iter(idx.values())) if k not in ("texts", "truth_pairs", "truth_by_kind", "coverage")]
    truth = sum(v["truth_pairs"] for v in idx.values())
    texts = sum(v["texts"] for v in idx.values())
    for m in methods:
        found = sum(v[m]["found"] for v in idx.values())
        cand = sum(v[m]["candidates"] for v in idx.values())
        false = sum(v[m]["false_candidates"] for v in idx.values())
        tc = sum(v[m]["templated_candidates"] for v in idx.values())
        tx = sum(v[m]["templated_contained"] for v in idx.values())
        tq = sum(v[m]["templated_queries"] for v in idx.values())
        L.append(f"| {m} | {found}/{truth} ({100 * found / max(1, truth):.0f} %) | {cand / max(1, texts):.2f} | {false} | "
                 f"{tc} / {tx} (from {tq} lines) |")
    cols = ("LSHEnsemble c≥0.9", "LSHEnsemble c≥0.9, weights 0.1/0.9", f"prefix filter c≥0.9, {PREFIX_M} shared", "MinHash LSH 96×2",
            "fingerprints (dedup)")
    L += ["", "Labelled pairs found per case:", "", "| case | pairs | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for name, v in idx.items():
        if v["truth_pairs"]:
            L.append(f"| {name} | {v['truth_pairs']} | " + " | ".join(str(v[c]["found"]) for c in cols) + " |")
    cov: dict[str, list[float]] = defaultdict(list)
    for v in idx.values():
        for k, x in v["coverage"].items():
            cov[k] += x
    L += ["", "Coverage of the fuller text of each group by the union of the blocks verified inside it (prefix filter, "
          "c≥0.9): a merged line (`merge`) and a paragraph also printed split (`split`) are covered by their parts; "
          "the source of a truncated or appended copy, and a line merging a known and a new part (`merged_new`, a "
          "negative), are not.", "", "| fuller text of | n | coverage min / median / max |", "|---|---|---|"]
    for k, x in sorted(cov.items()):
        L.append(f"| {k} | {len(x)} | {min(x):.2f} / {statistics.median(x):.2f} / {max(x):.2f} |")
    if tim:
        L += ["", f"### Time per {tim['blocks']:,} blocks", "",
              f"The first {tim['blocks']:,} distinct compared blocks ({tim['chars'] / 1e6:.1f} M characters) of "
              "`python benchmarks/corpus.py DIR --mb 5 --seed 0` (news-like Turkish with planted copies), one core. "
              f"MinHash signatures ({NUM_PERM} permutations, dedup's engine) took {tim['signatures_s']:.2f} s and are not "
              "counted below; the prefix filter needs none. *Contained pairs*: (query, candidate) pairs verified exactly "
              "at the method's threshold (0.9 for MinHash LSH). *Recall*: their share of the exact answer, which the "
              f"prefix filter gives (with 1 or {PREFIX_M} shared shingles it finds the same pairs). The generated text "
              "recombines the words of a few dozen real paragraphs, so its rare shingles are far less rare than in real "
              "news: the prefix filter's candidate counts here are pessimistic. The fingerprints find the pairs that share "
              "stretches of text; the exact answer's other pairs are short lines whose 5-grams occur here and there in a "
              "longer paragraph (see docs/design-notes.md, Partial copies).", "",
              "| method | build s | query s | verify s | candidates | contained pairs | recall |", "|---|---|---|---|---|---|---|"]
        for k, v in tim.items():
            if isinstance(v, dict):
                mark = " (verified on a sample of 1 M pairs, scaled)" if v.get("sampled") else ""
                vs = "not run" if v["verify_s"] is None else f"{v['verify_s']:.2f}"
                approx = "≈ " if v.get("sampled") else ""
                L.append(f"| {k} | {v['build_s']:.2f} | {v['query_s']:.2f} | {vs}{mark} | {v['candidates']:,} | "
                         f"{approx}{v['contained']:,} | {_pct(v['recall'])} |")
    L.append("")
    return "\n".join(L)


def write_section(path: Path, text: str, title: str = SECTION) -> None:
    """Replace everything from the section's heading on (``title``, or the section's
    default title when the file still has that one) with ``text``."""
    old = path.read_text(encoding="utf-8")
    head = old
    for t in dict.fromkeys((title, SECTION)):
        m = re.search(rf"^{re.escape(t)}[ \t]*$", old, re.M)
        if m:
            head = old[: m.start()]
            break
    path.write_text(head.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-case", type=int, default=24)
    ap.add_argument("--work", type=Path, default=None, help="folder for the benchmark, the scans and the timing corpus")
    ap.add_argument("--no-timing", action="store_true", help="skip the 10,000-block timing")
    ap.add_argument("--write", action="store_true", help="replace the section in benchmarks/QUALITY.md")
    ap.add_argument("--section-title", default=SECTION, help=f"heading of the section (default {SECTION!r}); --write replaces "
                    "the section under this heading, or under the default one while the file still has that")
    ap.add_argument("--tools", default="dedup", help=f"comma-separated, of {', '.join(TOOLS)} (default: dedup)")
    ap.add_argument("--variant", action="append", type=parse_variant, default=[], metavar="LABEL:ARGS",
                    help="a dedup configuration to score: a label, a colon, and arguments passed to `dedup scan` as given "
                         "(repeatable; the first is the one of the dedup-only tables; default 'dedup:')")
    ap.add_argument("--peer-venv-root", type=Path, default=Path("/tmp"), help="where the peers' virtual environments are (made)")
    ap.add_argument("--no-install-peers", action="store_true", help="use the peers only where already installed")
    ap.add_argument("--peer-procs", type=int, default=1, help="processes per peer run (the cases are small)")
    ap.add_argument("--peer-timeout", type=float, default=600, help="seconds per peer run")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if bad := [t for t in tools if t not in TOOLS]:
        ap.error(f"--tools: unknown {', '.join(bad)} (choose from {', '.join(TOOLS)})")
    if args.variant and "dedup" not in tools:
        tools.insert(0, "dedup")
    variants = args.variant or [("dedup", [])]
    if len({label for label, _ in variants}) < len(variants):
        ap.error("--variant: two variants with one label")
    work = args.work or Path(tempfile.mkdtemp(prefix="partial-"))
    work.mkdir(parents=True, exist_ok=True)
    peer_labels = {f"{t} {cname}" for t, cs in perf.peer_configs(fast=True).items() if t in tools for cname, _ in cs}
    if clash := peer_labels & {label for label, _ in variants}:
        ap.error(f"--variant: {', '.join(sorted(clash))} is the label of a peer configuration")
    runs = tool_runs(tools, variants, args.peer_venv_root, not args.no_install_peers)
    for run in runs.values():
        run["procs"] = args.peer_procs
    bench = partial.make_benchmark(args.seed, args.per_case)
    partial.check(bench)
    bdir = work / f"bench-{args.seed}"
    if bdir.exists():
        shutil.rmtree(bdir)
    bench.write(bdir)
    labels = bench.labels()
    (work / "out").mkdir(exist_ok=True)
    (work / "records").mkdir(exist_ok=True)
    first = next((label for label, run in runs.items() if run["tool"] == "dedup"), None)
    results: dict[str, dict] = {label: {} for label in runs}
    scores, sims, idx = {}, {}, {}
    for name in bench.cases:
        case = labels["cases"][name]
        texts = {k: bench.cases[name].text(k) for k in case["blocks"]}
        records = work / "records" / f"{name}.jsonl"
        if set(write_records(bench.cases[name], records)) != set(case["blocks"]):
            raise RuntimeError(f"{name}: the records are not the labelled blocks")
        for label, run in runs.items():
            try:
                removed, facts = run_tool(run, label, bdir / name, records, work / "out", args.peer_procs, args.peer_timeout)
            except RuntimeError as e:
                results[label][name] = {"error": str(e)}
                print(f"{name:16s} {label}: FAILED {str(e)[-300:]}", file=sys.stderr)
                continue
            s = score_case(case, labels["units"], removed)
            results[label][name] = {"score": s, **facts}
            print(f"{name:16s} {label:28s} recall {_pct(s['recall']):>5s} caught {_pct(s['caught']):>5s} precision "
                  f"{s['precision']:.3f} lost {s['lost_chars']}/{s['content_chars']} ({facts['seconds']:.1f} s)", file=sys.stderr)
            if label == first:
                scores[name] = s
        sims[name] = similarity_case(case, texts)
        idx[name] = index_case(case, texts)
    tim = None if args.no_timing else timing(work)
    cmd = f"python benchmarks/partial_eval.py --seed {args.seed} --per-case {args.per_case}" + (" --no-timing" if args.no_timing else "")
    if tools != ["dedup"]:
        cmd += f" --tools {','.join(tools)}"
    for label, extra in args.variant:
        cmd += " --variant " + shlex.quote(f"{label}:{shlex.join(extra)}")
    if args.peer_procs != 1 and len(tools) > 1:
        cmd += f" --peer-procs {args.peer_procs}"
    if args.section_title != SECTION:
        cmd += " --section-title " + shlex.quote(args.section_title)
    text = render(bench.meta, scores, sims, idx, tim, cmd, args.section_title, (results, runs), (time.perf_counter() - t_start) / 60)
    print(text)
    info = {label: {k: (str(v) if isinstance(v, Path) else v) for k, v in run.items()} for label, run in runs.items()}
    (work / "results.json").write_text(json.dumps({"scores": scores, "similarity": sims, "index": idx, "timing": tim,
                                                   "tools": {"runs": info, "results": results}},
                                                  ensure_ascii=False, indent=1, default=list), encoding="utf-8")
    if args.write:
        write_section(HERE / "QUALITY.md", text, args.section_title)
    return 0


if __name__ == "__main__":
    sys.exit(main())

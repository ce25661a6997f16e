"""The report: ``report.json`` (versioned schema, see README) and a short ``report.md``.

The report holds nothing that changes from run to run on the same input and options
(no time stamps, no absolute paths, no timings), so it is byte-identical across runs.
"""

from __future__ import annotations

import heapq
import json
import platform
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from . import __version__
from .config import ScanConfig
from .contain import COVERED, FULLER, MIN_FRAGMENT_CHARS, POSTING_CAP, SHARED_SHARE, WINDOW
from .detect import Detection
from .errors import printable
from .normalize import NORMALIZATION_VERSION
from .plan import OutputTexts
from .rules import FACT_SHARE, TAG_MAX_WORDS

__all__ = ["SCHEMA_VERSION", "build_report", "removal_scopes", "report_steps", "render_markdown", "dumps", "dump_chunks"]

SCHEMA_VERSION = 1
CLUSTER_KINDS = ("exact", "near", "partial", "run")
MATCHES = ("exact", "near", "contained", "tagged", "run")  # why a copy was removed
PREVIEW_CHARS = 120
PROGRESS_STEP = 1024  # documents or clusters between two progress updates


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def parameters(config: ScanConfig, inputs: list[str] | None = None) -> dict:
    params = config.as_dict()
    params.pop("jobs")  # never changes the result
    params.pop("minhash_engine")  # every engine gives the same signatures, bit for bit
    bands, rows = config.lsh_params
    params.update(
        {
            "lsh": {"bands": bands, "rows": rows, "max_miss_at_threshold": 0.01 if config.bands is None else None},
            "exact_hash": "xxh3_128 of the normalized block (UTF-8)",
            "shingle_hash": "char: polynomial over code points + murmur3 fmix64; word: xxh3_64",
            "minhash": {"library": "datasketch", "scheme": config.scheme, "num_perm": config.num_perm, "seed": config.seed},
            "similarity": "Jaccard of shingle sets, verified exactly for every candidate",
            "partial_copies": {
                "containment": "share of the smaller block's shingles inside the fuller one, verified exactly",
                "min_fragment_chars": MIN_FRAGMENT_CHARS,
                "fuller_own_shingles": f"at least {FULLER}x the fragment's own",
                "candidates": {"fingerprint_chars": 16, "window": WINDOW, "posting_cap": POSTING_CAP, "shared_share": SHARED_SHARE, "covered": COVERED},
                "fact_share": FACT_SHARE,
                "tag_max_words": TAG_MAX_WORDS,
            },
            "normalization_version": NORMALIZATION_VERSION,
            "libraries": {
                "dedup": __version__,
                "datasketch": _version("datasketch"),
                "xxhash": _version("xxhash"),
                "numpy": _version("numpy"),
                "python": platform.python_version(),
            },
        }
    )
    if inputs is not None:
        params["inputs"] = inputs
    return params


def _member_facts(det: Detection, outputs: Sequence[str], advance: Callable[[int], None]) -> dict[tuple[int, int], tuple[int, int, int, str]]:
    """``(line, start, end, preview)`` of every cluster member, keyed by (document,
    block).  Made in document order, each document decoded once, and that text also
    plans the document's output (:class:`OutputTexts`), which would decode it again.
    ``advance(k)``: ``k`` more documents are done."""
    wanted: dict[int, list[int]] = {}
    for c in det.clusters:
        for m in c.members:
            wanted.setdefault(m.doc, []).append(m.block)
            if m.via is not None:  # a run's line may repeat a block that is in no cluster
                wanted.setdefault(m.via[0], []).append(m.via[1])
    plan = outputs.plan if isinstance(outputs, OutputTexts) else None
    out: dict[tuple[int, int], tuple[int, int, int, str]] = {}
    done = 0
    for d in sorted(wanted):
        if d - done >= PROGRESS_STEP:
            advance(d - done)
            done = d
        text = det.documents[d].text
        if plan is not None:
            plan(d, text)
        rows = det.blocks[d].rows
        blocks = wanted[d]
        for b, (start, end, line) in zip(blocks, rows[blocks][:, (0, 1, 4)].tolist()):
            out[d, b] = (line, start, end, _preview(text[start:end]))
    if len(det.documents) > done:
        advance(len(det.documents) - done)
    return out


def removal_scopes(cluster) -> list[str]:
    """The scope of each removed copy of ``cluster`` (``members[1:]``, in order):
    ``within`` when its own document holds the kept copy or an earlier copy (the
    document repeats itself), ``across`` when its only other copies are in other
    documents.  What a cluster touches besides does not matter."""
    seen = {cluster.canonical.doc}
    scopes = []
    for m in cluster.members[1:]:  # a document's copies in reading order
        scopes.append("within" if m.doc in seen else "across")
        seen.add(m.doc)
    return scopes


def report_steps(det: Detection) -> int:
    """The steps :func:`build_report` reports to ``progress``: one per document and one
    per cluster."""
    return len(det.documents) + len(det.clusters)


def _document_rows(det: Detection, outputs: Sequence[str], out_paths: list[str | None]) -> list[dict]:
    """report.json's ``documents``: one row per document, in reading order."""
    length = outputs.length if isinstance(outputs, OutputTexts) else (lambda i: len(outputs[i]))
    rows = []
    for i, (doc, blocks, removed, out_path) in enumerate(zip(det.documents, det.blocks, det.removed, out_paths)):
        out_len = length(i)
        row = {
            "id": doc.id,
            "source": doc.source,
            "line": doc.line,
            "date": doc.date,
            "blocks": len(blocks),
            "removed_blocks": len(removed),
            "input_chars": doc.length,
            "removed_chars": doc.length - out_len,
            "output_chars": out_len,
            "output": out_path,
        }
        if doc.line is None:
            del row["line"]
        rows.append(row)
    return rows


def _cluster_row(det: Detection, c, facts: dict[tuple[int, int], tuple[int, int, int, str]]) -> dict:
    """One cluster of report.json's ``clusters``: its kept copy first, each removed
    copy with its scope (where its kept copy is)."""
    members = []
    scopes = ["", *removal_scopes(c)]
    for m, scope in zip(c.members, scopes):
        line, start, end, preview = facts[m.doc, m.block]
        member = {
            "document": det.documents[m.doc].id,
            "block": m.block,
            "line": line,
            "span": [start, end],
            "chars": end - start,
            "similarity": round(m.similarity, 4),
            "match": m.match,
            "action": "kept" if m.match == "canonical" else "removed",
            "preview": preview,
        }
        if m.match != "canonical":
            member["scope"] = scope
        if m.via is not None:  # verified against this block, not the kept one
            member["matched"] = {"document": det.documents[m.via[0]].id, "block": m.via[1], "line": facts[m.via][0]}
        members.append(member)
    return {
        "id": c.id,
        "kind": c.kind,
        "scope": c.scope,
        "size": len(c.members),
        "documents": len({m.doc for m in c.members}),
        "canonical": {"document": members[0]["document"], "block": members[0]["block"], "line": members[0]["line"]},
        "members": members,
    }


def _summary(det: Detection, doc_rows: list[dict], clusters: list[dict], skipped: list[dict], unread: list[dict]) -> dict:
    """report.json's ``summary``: counts that add up (``input_chars`` = ``output_chars``
    + ``removed_chars``), the parameters' effect, and the detection's statistics."""
    total_in = sum(r["input_chars"] for r in doc_rows)
    total_out = sum(r["output_chars"] for r in doc_rows)
    total_blocks = sum(r["blocks"] for r in doc_rows)
    total_removed = sum(r["removed_blocks"] for r in doc_rows)
    removed_scopes = [m["scope"] for c in clusters for m in c["members"] if m["action"] == "removed"]
    return {
        "documents": len(doc_rows),
        "blocks": total_blocks,
        "short_blocks": det.short_blocks,
        "compared_blocks": total_blocks - det.short_blocks,
        "duplicate_blocks": sum(c["size"] for c in clusters),
        "removed_blocks": total_removed,
        "clusters": len(clusters),
        "clusters_by_kind": {k: sum(1 for c in clusters if c["kind"] == k) for k in CLUSTER_KINDS},
        "removed_by_match": {k: sum(1 for c in clusters for m in c["members"] if m["match"] == k) for k in MATCHES},
        "clusters_by_scope": {s: sum(1 for c in clusters if c["scope"] == s) for s in ("within", "across")},
        "removed_by_scope": {s: removed_scopes.count(s) for s in ("within", "across")},
        "input_chars": total_in,
        "removed_chars": total_in - total_out,
        "output_chars": total_out,
        "skipped": len(skipped),
        "skipped_chars": sum(item["chars"] for item in skipped),
        "unread_files": len(unread),
        "duplicate_ratio": round(total_removed / total_blocks, 6) if total_blocks else 0.0,
        "removed_char_ratio": round((total_in - total_out) / total_in, 6) if total_in else 0.0,
        **det.stats,
    }


def build_report(
    det: Detection,
    config: ScanConfig,
    outputs: Sequence[str],
    out_paths: list[str | None],
    inputs: list[str] | None = None,
    skipped: list[dict] | None = None,
    progress: Callable[[int], None] | None = None,
    unread: list[dict] | None = None,
) -> dict:
    """The report of a scan.  ``skipped`` lists what ``--on-error skip`` passed through
    unchanged (``where``, ``reason``, ``chars``): it is counted apart from documents.
    ``unread`` lists the files under the input folders that were not read (``path``,
    ``reason``).  ``progress(k)`` is told that ``k`` more of :func:`report_steps` are
    done."""
    skipped = skipped or []
    unread = unread or []
    advance = progress or (lambda k: None)
    facts = _member_facts(det, outputs, advance)
    doc_rows = _document_rows(det, outputs, out_paths)
    clusters = []
    for k, c in enumerate(det.clusters, start=1):
        if k % PROGRESS_STEP == 0:
            advance(PROGRESS_STEP)
        clusters.append(_cluster_row(det, c, facts))
    if len(det.clusters) % PROGRESS_STEP:
        advance(len(det.clusters) % PROGRESS_STEP)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "dedup",
        "parameters": parameters(config, inputs),
        "summary": _summary(det, doc_rows, clusters, skipped, unread),
        "documents": doc_rows,
        "skipped": skipped,
        "unread": unread,
        "clusters": clusters,
    }


def dumps(report: dict) -> str:
    """report.json: one top-level key per line, one document or cluster per line.
    Readable with a pager or ``jq``, and several times faster to write than indented
    JSON for large corpora."""
    return "".join(dump_chunks(report))


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def dump_chunks(report: dict):
    """:func:`dumps` piece by piece, so a large report is written without being held
    in memory as one string."""

    compact = _COMPACT.encode  # one encoder for the whole report, not one per item

    yield "{\n"
    last = len(report) - 1
    for k, (key, value) in enumerate(report.items()):
        end = ",\n" if k < last else "\n"
        if isinstance(value, list) and value:
            yield f"  {compact(key)}: [\n"
            for i, item in enumerate(value):
                yield "    " + compact(item) + (",\n" if i < len(value) - 1 else "\n")
            yield "  ]" + end
        else:
            yield f"  {compact(key)}: {compact(value)}" + end
    yield "}\n"


def _md_escape(text: str) -> str:
    return printable(text).replace("|", "\\|").replace("`", "'")


def _md_inputs_left_out(report: dict, max_listed: int = 20) -> list[str]:
    """report.md's account of the input that is not deduplicated: bad files or
    records passed through unchanged (``--on-error skip``) and files not read."""
    lines: list[str] = []
    for key, title, where, what in (
        ("skipped", "Skipped input (copied unchanged)", "where", "bad files or records were passed through unchanged (`--on-error skip`)"),
        ("unread", "Files not read", "path", "files under the input folders were not read"),
    ):
        items = report.get(key, [])
        if not items:
            continue
        more = f"; the first {max_listed} below, report.json lists them all." if len(items) > max_listed else ":"
        lines += [f"## {title}", "", f"{len(items)} {what}{more}", ""]
        lines += [f"- `{_md_escape(item[where])}`: {_md_escape(item['reason'])}" for item in items[:max_listed]]
        lines.append("")
    return lines


def render_markdown(report: dict, max_clusters: int = 30, max_members: int = 10, max_documents: int = 100) -> str:
    """``report.md``: the summary, the parameters, the ``max_clusters`` largest
    clusters (at most ``max_members`` copies of each) and the ``max_documents``
    documents that lost the most characters.  Short whatever the corpus: a menu that
    every page repeats makes one cluster with a member per page, and report.json
    lists them all."""
    s = report["summary"]
    p = report["parameters"]
    lines = [
        "# dedup report",
        "",
        f"{s['documents']} documents, {s['blocks']} blocks ({s['short_blocks']} too short to compare). "
        f"{s['clusters']} clusters ({', '.join(f'{n} {k}' for k, n in s['clusters_by_kind'].items())}; "
        f"{s['clusters_by_scope']['within']} within one document, {s['clusters_by_scope']['across']} across documents). "
        f"{s['removed_blocks']} blocks removed ({s['duplicate_ratio']:.1%} of blocks; "
        f"{s['removed_by_scope']['within']} repeated their own document, {s['removed_by_scope']['across']} another one), "
        f"{s['removed_chars']} of {s['input_chars']} characters ({s['removed_char_ratio']:.1%}).",
        "",
        f"Parameters: unit `{p['unit']}`, {p['shingle']} {p['ngram']}-gram shingles, threshold {p['threshold']}, "
        f"MinHash {p['num_perm']} permutations (`{p['scheme']}`, seed {p['seed']}), "
        f"LSH {p['lsh']['bands']} bands × {p['lsh']['rows']} rows, min {p['min_chars']} chars, keep `{p['keep']}`; "
        f"partial copies at containment {p['containment'] or 'off'}, tags {'on' if p['tags'] else 'off'}, "
        f"facts {'on' if p['facts'] else 'off'}, runs of {p['min_run'] or 'off'} short lines.",
        "",
        "Removed copies by match: " + ", ".join(f"{k} {n}" for k, n in s["removed_by_match"].items()) + ".",
        "",
    ]
    lines += _md_inputs_left_out(report)
    clusters = report["clusters"]
    if clusters:
        shown = heapq.nsmallest(max_clusters, clusters, key=lambda c: (-c["size"], c["id"]))
        lines += ["## Clusters", ""]
        if len(shown) < len(clusters):
            lines += [f"The {len(shown)} largest of {len(clusters)} clusters; report.json lists them all.", ""]
        for c in shown:
            lines.append(f"### Cluster {c['id']}: {c['kind']}, {c['scope']}, {c['size']} copies")
            lines.append("")
            lines.append("| action | match | document | line | similarity | text |")
            lines.append("|---|---|---|---|---|---|")
            for m in c["members"][:max_members]:
                lines.append(
                    f"| {m['action']} | {m['match']} | `{_md_escape(m['document'])}` | {m['line']} | {m['similarity']:.3f} | {_md_escape(m['preview'])} |"
                )
            lines.append("")
            if len(c["members"]) > max_members:
                lines += [f"… and {len(c['members']) - max_members} more copies in report.json.", ""]
    changed = [d for d in report["documents"] if d["removed_blocks"]]
    if changed:
        shown_docs = heapq.nsmallest(max_documents, enumerate(changed), key=lambda kv: (-kv[1]["removed_chars"], kv[0]))
        lines += ["## Documents with removals", ""]
        if len(shown_docs) < len(changed):
            lines += [f"The {len(shown_docs)} of {len(changed)} documents that lost the most characters; report.json lists every document.", ""]
        lines += ["| document | blocks | removed | removed chars |", "|---|---|---|---|"]
        for _, d in shown_docs:
            lines.append(f"| `{_md_escape(d['id'])}` | {d['blocks']} | {d['removed_blocks']} | {d['removed_chars']} |")
        lines.append("")
    return "\n".join(lines)

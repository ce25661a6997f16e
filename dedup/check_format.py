"""Renderings of a :class:`~dedup.check.CheckResult`: text for people, JSON, GitHub
workflow commands (+ a Markdown step summary) and JUnit XML for CI systems."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections import defaultdict

from .check import CheckResult, Duplicate
from .errors import printable
from .readers import unread_brief

__all__ = ["render", "render_text", "render_json", "render_github", "render_github_summary", "render_junit", "FORMATS"]

FORMATS = ("text", "json", "github", "junit")
MAX_LISTED = 50


def _where(path: str, line: int) -> str:
    return f"{printable(path)}:{line}"


_HOW = {
    "exact": "same text as",
    "near": "near copy (similarity {:.2f}) of",
    "contained": "part ({:.0%} inside) of the fuller block",
    "tagged": "tagged copy (containment {:.2f}) of",
    "run": "part of a repeated run of short lines from",
}


def _describe(d: Duplicate) -> str:
    how = _HOW.get(d.kind, "copy of").format(d.similarity)
    return f"{how} {_where(d.canonical_path, d.canonical_line)}"


def render_text(r: CheckResult) -> str:
    """For people: the verdict, the worst documents, and where each new copy is."""
    c = r.counts()
    lines = []
    if r.passed:
        lines.append(f"dedup check: passed — {c['new_duplicates']} new duplicate blocks in {c['blocks']} blocks")
    else:
        lines.append(f"dedup check: FAILED — {c['new_duplicates']} new duplicate blocks in {c['blocks']} blocks")
        for v in r.violations:
            lines.append(f"  limit broken: {v}")
    if c["baselined_duplicates"]:
        lines.append(f"  {c['baselined_duplicates']} known duplicates ignored (baseline)")
    if r.stale:
        lines.append(f"  {len(r.stale)} baseline entries are stale (no longer duplicated): refresh with --write-baseline")
    if r.unread:
        lines.append(f"  {len(r.unread)} files under the inputs were not read, so not checked ({unread_brief(r.unread, '--format json')})")
    new = r.new
    if new:
        worst = sorted((d for d in r.documents if d["new_duplicates"]), key=lambda d: (-d["new_duplicates"], d["document"]))[:10]
        lines.append("")
        lines.append("worst documents:")
        for d in worst:
            lines.append(f"  {d['new_duplicates']:>5} of {d['blocks']:>5} blocks  {d['path']}")
        by_cluster: dict[int, list[Duplicate]] = defaultdict(list)
        for d in new:
            by_cluster[d.cluster].append(d)
        lines.append("")
        lines.append("new duplicates:")
        shown = 0
        for cid in sorted(by_cluster):
            group = by_cluster[cid]
            first = group[0]
            lines.append(f"  cluster {cid}, kept at {_where(first.canonical_path, first.canonical_line)}: {first.preview}")
            for d in group:
                if shown >= MAX_LISTED:
                    break
                lines.append(f"    {_where(d.path, d.line)}  {d.kind} {d.similarity:.2f}, {d.scope}")
                shown += 1
            if shown >= MAX_LISTED:
                lines.append(f"  … {len(new) - shown} more (use --format json for all)")
                break
    return "\n".join(lines)


def render_json(r: CheckResult) -> str:
    """The verdict as JSON, with a stable schema."""
    return json.dumps(r.as_dict(), ensure_ascii=False, indent=2)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(r: CheckResult) -> str:
    """GitHub workflow commands: an error annotation on each new copy's line."""
    lines = []
    for d in r.new:
        where = "in the same document" if d.scope == "within" else "across documents"
        msg = f"Duplicate block ({where}): {_describe(d)}: {d.preview}"
        lines.append(
            f"::error file={_gh_escape(d.path, True)},line={d.line},title={_gh_escape('dedup: duplicate block', True)}::{_gh_escape(msg)}"
        )
    for s in r.stale:
        lines.append(f"::warning title=dedup: stale baseline entry::{_gh_escape(s['document'] + ': ' + s.get('preview', ''))}")
    for u in r.unread:
        lines.append(f"::warning file={_gh_escape(u['path'], True)},title={_gh_escape('dedup: file not read', True)}::{_gh_escape(u['reason'])}")
    verdict = "passed" if r.passed else "failed: " + "; ".join(r.violations)
    lines.append(("::notice title=dedup check::" if r.passed else "::error title=dedup check::") + _gh_escape(f"dedup check {verdict}"))
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def render_github_summary(r: CheckResult) -> str:
    """A Markdown summary for ``$GITHUB_STEP_SUMMARY``."""
    c = r.counts()
    lines = [f"## dedup check: {'✅ passed' if r.passed else '❌ failed'}", ""]
    lines += [f"- {v}" for v in r.violations]
    lines += [
        f"- blocks: {c['blocks']}, new duplicates: {c['new_duplicates']} "
        f"({c['new_cross_duplicates']} across documents, {c['new_within_duplicates']} within), ratio {c['new_duplicate_ratio']:.4f}",
        f"- known (baseline): {c['baselined_duplicates']}, stale baseline entries: {c['stale_baseline_entries']}",
        "",
    ]
    if r.new:
        lines += ["| duplicate | kept copy | match | text |", "|---|---|---|---|"]
        for d in r.new[:MAX_LISTED]:
            kept = _md(_where(d.canonical_path, d.canonical_line))
            lines.append(f"| `{_md(_where(d.path, d.line))}` | `{kept}` | {d.kind} {d.similarity:.2f} | {_md(d.preview)} |")
        if len(r.new) > MAX_LISTED:
            lines.append(f"\n… and {len(r.new) - MAX_LISTED} more.")
    return "\n".join(lines) + "\n"


def render_junit(r: CheckResult) -> str:
    """JUnit XML: one test case per document, failed when it holds new duplicates."""
    by_doc: dict[str, list[Duplicate]] = defaultdict(list)
    for d in r.new:
        by_doc[d.document].append(d)
    failures = sum(1 for doc in r.documents if by_doc.get(doc["document"]))
    suite = ET.Element(
        "testsuite",
        name="dedup check",
        tests=str(len(r.documents)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for doc in r.documents:
        case = ET.SubElement(suite, "testcase", classname="dedup", name=doc["document"], file=doc["path"])
        dups = by_doc.get(doc["document"])
        if dups:
            fail = ET.SubElement(case, "failure", message=f"{len(dups)} duplicate block(s)", type="duplicate")
            fail.text = "\n".join(f"{_where(d.path, d.line)}: {_describe(d)}: {d.preview}" for d in dups)
    suites = ET.Element("testsuites", name="dedup", tests=suite.get("tests"), failures=suite.get("failures"))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def render(r: CheckResult, fmt: str, quiet: bool = False) -> tuple[str, str | None]:
    """What ``dedup check --format fmt`` prints on stdout, and a warning for stderr (or
    None).  ``github`` also appends the Markdown summary to ``$GITHUB_STEP_SUMMARY``
    when it is set; ``text`` prints nothing with ``quiet`` unless the check failed."""
    if fmt == "json":
        return render_json(r), None
    if fmt == "junit":
        return render_junit(r), None
    if fmt == "github":
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            try:
                with open(summary_file, "a", encoding="utf-8") as fh:
                    fh.write(render_github_summary(r))
            except OSError as exc:  # the verdict still stands
                return render_github(r), f"cannot write GITHUB_STEP_SUMMARY {summary_file}: {exc.strerror or exc}"
        return render_github(r), None
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return ("" if quiet and r.passed else render_text(r)), None

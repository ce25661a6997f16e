"""``dedup check``: a data-quality gate over the same detection as ``scan``.

A *duplicate* here is a block that ``scan`` would remove (every member of a cluster
but its canonical copy).  Each has a content fingerprint: xxh3-128 of its normalized
text, so it survives edits elsewhere in the file.  A baseline records the duplicates
known today as ``(document, fingerprint)``; with a baseline only new duplicates count,
and baseline entries no longer found are reported as stale.

Limits (all on *new* duplicates):

* ``max_duplicate_ratio``: new duplicate blocks ÷ all blocks;
* ``max_cross_duplicates``: new duplicates whose only earlier copies are in other
  documents;
* ``max_within_duplicates``: new duplicates whose document holds the kept copy or
  an earlier copy: the document repeats itself (even when the cluster also has
  copies in other documents).

With no limit given at all, the gate allows no new duplicate (both counts default to 0).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from .config import ScanConfig
from .errors import InputError, OutputError, UsageError
from .normalize import normalize
from .readers import shown_path, unread_brief
from .report import removal_scopes
from .scan import ScanResult, scan

__all__ = ["check", "Limits", "Duplicate", "CheckResult", "evaluate", "require_blocks", "write_baseline", "load_baseline", "BASELINE_VERSION"]

BASELINE_VERSION = 1
CHECK_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Limits:
    """The limits of a check, each on *new* duplicates (None: not limited).  With none
    given, no new duplicate is allowed (see :meth:`effective`)."""

    max_duplicate_ratio: float | None = None
    max_cross_duplicates: int | None = None
    max_within_duplicates: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_duplicate_ratio", "max_cross_duplicates", "max_within_duplicates"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
                raise UsageError(f"--{name.replace('_', '-')} must be a number not below 0, not {value!r}")
        if self.max_duplicate_ratio is not None and self.max_duplicate_ratio > 1:
            raise UsageError(f"--max-duplicate-ratio is a share of all blocks, at most 1 (0.01 = 1 %), not {self.max_duplicate_ratio}")

    def effective(self) -> Limits:
        """These limits, or with none given at all: no new duplicate of either scope."""
        if self.max_duplicate_ratio is None and self.max_cross_duplicates is None and self.max_within_duplicates is None:
            return Limits(None, 0, 0)
        return self


@dataclass(frozen=True)
class Duplicate:
    """A block ``scan`` would remove, where it is and where its kept copy is."""

    document: str
    path: str  # the file, relative to the working directory (for annotations)
    line: int  # line in that file (JSONL: the record's line)
    block_line: int  # line of the block inside the document
    fingerprint: str
    cluster: int
    scope: str
    kind: str
    similarity: float
    preview: str
    canonical_document: str
    canonical_path: str
    canonical_line: int
    new: bool = True

    def as_dict(self) -> dict:
        """The fields as a dict (the JSON format's ``duplicates[]`` entries)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class CheckResult:
    """The verdict of a check: whether it passed, the limits broken, every duplicate
    (new or known from the baseline) and the counts they were judged by."""

    passed: bool
    limits: Limits
    violations: list[str]
    duplicates: list[Duplicate]
    blocks: int
    documents: list[dict]
    stale: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)  # the scan's, as in report.json
    unread: list[dict] = field(default_factory=list)  # files under the inputs not read (path, reason)

    @property
    def new(self) -> list[Duplicate]:
        """The duplicates not in the baseline: the ones the limits count."""
        return [d for d in self.duplicates if d.new]

    def as_dict(self) -> dict:
        """The JSON format of the verdict (``--format json``)."""
        return {
            "schema_version": CHECK_SCHEMA_VERSION,
            "passed": self.passed,
            "limits": self.limits.__dict__,
            "violations": self.violations,
            "counts": self.counts(),
            "duplicates": [d.as_dict() for d in self.duplicates],
            "stale_baseline_entries": self.stale,
            "unread": self.unread,
            "summary": self.summary,
        }

    def counts(self) -> dict:
        """The counts the limits are judged by, and the baseline's."""
        new = self.new
        return {
            "blocks": self.blocks,
            "duplicates": len(self.duplicates),
            "new_duplicates": len(new),
            "new_cross_duplicates": sum(1 for d in new if d.scope == "across"),
            "new_within_duplicates": sum(1 for d in new if d.scope == "within"),
            "new_duplicate_ratio": round(len(new) / self.blocks, 6) if self.blocks else 0.0,
            "baselined_duplicates": sum(1 for d in self.duplicates if not d.new),
            "stale_baseline_entries": len(self.stale),
        }


def fingerprint(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(normalize(text).encode("utf-8", "surrogatepass"))


def _display_path(root: Path, source: str) -> str:
    return shown_path(root / source)


def _unread_shown(root: Path, unread: list[dict]) -> list[dict]:
    """The files not read, their paths relative to the working directory (a folder's
    keeps its trailing slash)."""
    return [{"path": _display_path(root, u["path"]) + ("/" if u["path"].endswith("/") else ""), "reason": u["reason"]} for u in unread]


def duplicates_of(result: ScanResult, root: Path) -> list[Duplicate]:
    det = result.detection
    docs = det.documents
    out = []
    for c in det.clusters:
        canon = c.canonical
        cdoc = docs[canon.doc]
        cblock = det.blocks[canon.doc][canon.block]
        cpath = _display_path(root, cdoc.source)
        cline = cdoc.line if cdoc.line is not None else cblock.line
        for m, scope in zip(c.members[1:], removal_scopes(c)):
            doc = docs[m.doc]
            b = det.blocks[m.doc][m.block]
            text = doc.text[b.start : b.end]
            flat = " ".join(text.split())
            out.append(
                Duplicate(
                    document=doc.id,
                    path=_display_path(root, doc.source),
                    line=doc.line if doc.line is not None else b.line,
                    block_line=b.line,
                    fingerprint=fingerprint(text),
                    cluster=c.id,
                    scope=scope,
                    kind=m.match,
                    similarity=round(m.similarity, 4),
                    preview=flat if len(flat) <= 80 else flat[:79] + "…",
                    canonical_document=cdoc.id,
                    canonical_path=cpath,
                    canonical_line=cline,
                )
            )
    return out


def load_baseline(path: Path) -> list[dict]:
    """The entries of a baseline file (``document``, ``fingerprint``), checked."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable dedup baseline ({exc})") from None
    if not isinstance(data, dict) or data.get("baseline_version") != BASELINE_VERSION or not isinstance(data.get("entries"), list):
        raise InputError(f"{path}: not a dedup baseline of version {BASELINE_VERSION}")
    for i, e in enumerate(data["entries"]):
        if not isinstance(e, dict) or not isinstance(e.get("document"), str) or not isinstance(e.get("fingerprint"), str):
            raise InputError(f"{path}: entry {i} lacks 'document' or 'fingerprint'")
    return data["entries"]


def baseline_data(dups: list[Duplicate], parameters: dict) -> dict:
    entries = sorted(
        ({"document": d.document, "fingerprint": d.fingerprint, "preview": d.preview} for d in dups),
        key=lambda e: (e["document"], e["fingerprint"]),
    )
    params = {k: parameters[k] for k in ("unit", "shingle", "ngram", "threshold", "min_chars", "keep") if k in parameters}
    return {"baseline_version": BASELINE_VERSION, "tool": "dedup", "parameters": params, "entries": entries}


def write_baseline(path: Path, dups: list[Duplicate], parameters: dict) -> None:
    """Record ``dups`` as the known duplicates in a baseline file, atomically."""
    data = json.dumps(baseline_data(dups, parameters), ensure_ascii=False, indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None


def evaluate(result: ScanResult, root: Path, limits: Limits, baseline: list[dict] | None = None) -> CheckResult:
    """Judge a scan's duplicates against ``limits``; those in ``baseline`` are known,
    not new, and baseline entries no longer found are stale."""
    dups = duplicates_of(result, root)
    stale: list[dict] = []
    if baseline is not None:
        known = Counter((e["document"], e["fingerprint"]) for e in baseline)
        marked = []
        for d in dups:
            key = (d.document, d.fingerprint)
            if known[key] > 0:
                known[key] -= 1
                marked.append(Duplicate(**{**d.as_dict(), "new": False}))
            else:
                marked.append(d)
        dups = marked
        left = Counter(known)
        for e in baseline:
            key = (e["document"], e["fingerprint"])
            if left[key] > 0:
                left[key] -= 1
                stale.append({"document": e["document"], "fingerprint": e["fingerprint"], "preview": e.get("preview", "")})
    summary = result.report["summary"]
    blocks = summary["blocks"]
    eff = limits.effective()
    new = [d for d in dups if d.new]
    cross = sum(1 for d in new if d.scope == "across")
    within = len(new) - cross
    ratio = len(new) / blocks if blocks else 0.0
    violations = []
    if eff.max_duplicate_ratio is not None and ratio > eff.max_duplicate_ratio:
        violations.append(f"duplicate ratio {ratio:.4f} ({len(new)} of {blocks} blocks) exceeds --max-duplicate-ratio {eff.max_duplicate_ratio}")
    if eff.max_cross_duplicates is not None and cross > eff.max_cross_duplicates:
        violations.append(f"{cross} duplicate blocks across documents exceed --max-cross-duplicates {eff.max_cross_duplicates}")
    if eff.max_within_duplicates is not None and within > eff.max_within_duplicates:
        violations.append(f"{within} duplicate blocks within documents exceed --max-within-duplicates {eff.max_within_duplicates}")
    per_doc = Counter(d.document for d in new)
    docs = [
        {"document": r["id"], "path": _display_path(root, r["source"]), "blocks": r["blocks"], "new_duplicates": per_doc.get(r["id"], 0)}
        for r in result.report["documents"]
    ]
    unread = _unread_shown(root, result.report.get("unread", []))
    return CheckResult(not violations, eff, violations, dups, blocks, docs, stale, summary, result.report["parameters"], unread)


def require_blocks(result: ScanResult, inputs: Sequence[str | os.PathLike]) -> None:
    """Refuse a check that would pass on nothing: no block was read, or every block is
    too short to compare.  The message says what was found and what was not read."""
    s = result.report["summary"]
    if s["compared_blocks"]:
        return
    given = " ".join(os.fspath(p) for p in inputs)
    found = f"{s['documents']} documents, {s['blocks']} blocks"
    if s["blocks"]:
        found += f", all shorter than --min-chars {result.report['parameters']['min_chars']}"
    unread = result.report.get("unread", [])
    if unread:
        found += f"; {len(unread)} files not read ({unread_brief(_unread_shown(result.root, unread))})"
    raise InputError(f"{given}: no block to check ({found}); a check on nothing cannot pass")


def check(
    inputs: Sequence[str | os.PathLike],
    limits: Limits | None = None,
    config: ScanConfig | None = None,
    *,
    baseline: list[dict] | None = None,
    root: Path | None = None,
    progress: bool = False,
) -> CheckResult:
    """Detect duplicates in ``inputs`` as :func:`dedup.scan` would, writing nothing, and
    judge them against ``limits`` (only duplicates not in ``baseline`` count; see
    :func:`load_baseline`).  Paths in the result are relative to the working
    directory.  Raises :class:`InputError` when there is no block to check: a gate
    never passes on nothing."""
    result = scan(inputs, None, config, progress=progress)
    require_blocks(result, inputs)
    return evaluate(result, root or result.root, limits or Limits(), baseline)

"""Reading a corpus: folders of text files and JSONL files, in a deterministic order.

* Inputs are read in the order given; a folder is searched recursively for ``*.txt``,
  ``*.md`` and ``*.jsonl``, taken in sorted order of their relative path, never in the
  order the OS lists them.  A dedup output folder's own ``report.md`` is skipped.
* A text file is one document; its id is its path relative to the input root.
* A JSONL file holds one document per line; its id is the id field (default ``id``) or,
  when that is absent, ``path:line``.  Other fields are carried along untouched.

The *input root* is the input folder itself when one folder is given, the folder of the
file when one file is given, and the deepest common folder of all inputs otherwise; ids
and output paths are relative to it, so two inputs can never write to the same place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, UsageError
from .model import Document
from .split import date_header

__all__ = ["Source", "discover", "read_source", "TEXT_SUFFIXES", "JSONL_SUFFIXES"]

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl",)


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: where it is, its path relative to the input root, its kind."""

    path: Path
    rel: str
    kind: str  # "text" or "jsonl"


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    return None


def discover(inputs: Sequence[str | os.PathLike]) -> tuple[Path, list[Source]]:
    """Return the input root and the input files, each once, in a deterministic order."""
    if not inputs:
        raise UsageError("no input given: name at least one folder or file")
    resolved: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if not p.exists():
            raise InputError(f"{raw}: no such file or folder")
        if not (p.is_dir() or p.is_file()):
            raise InputError(f"{raw}: not a regular file or folder")
        if p.is_file() and _kind(p) is None:
            raise InputError(f"{raw}: unsupported file type (expected {', '.join(TEXT_SUFFIXES + JSONL_SUFFIXES)})")
        resolved.append(p.resolve())
    if len(resolved) == 1:
        root = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    else:
        root = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))
    found: dict[Path, Source] = {}
    for p in resolved:
        if p.is_file():
            files = [p]
        else:
            files = sorted(
                (f for f in p.rglob("*") if f.is_file() and _kind(f) and not _is_own_report(f)),
                key=lambda f: f.relative_to(p).as_posix(),
            )
        for f in files:
            key = f.resolve()
            if key not in found:
                found[key] = Source(f, f.relative_to(root).as_posix(), _kind(f) or "text")
    # Inputs in the order given; inside a folder, sorted by relative path.
    return root, list(found.values())


def _is_own_report(path: Path) -> bool:
    """A dedup output folder's report.md (beside its report.json) is not a document."""
    if path.name != "report.md":
        return False
    report = path.with_name("report.json")
    try:
        with open(report, encoding="utf-8") as fh:
            head = fh.read(200)
    except OSError:
        return False
    return '"schema_version"' in head and '"tool": "dedup"' in head


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not valid UTF-8 at byte {exc.start} (dedup reads UTF-8 text)") from None


def read_source(source: Source, *, text_field: str = "text", id_field: str = "id", date_field: str = "date") -> Iterator[Document]:
    """Yield the documents of one input file (``order`` is left at 0: the caller
    numbers documents across sources)."""
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source.rel}: cannot read ({exc.strerror or exc})") from None
    if source.kind == "text":
        text = _decode(data, source.rel)
        date, _ = date_header(text)
        yield Document(id=source.rel, text=text, date=date, source=source.rel)
        return
    for line_no, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        where = f"{source.rel}:{line_no}"
        try:
            record = json.loads(_decode(raw, where))
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise InputError(f"{where}: a JSONL record must be an object, not {type(record).__name__}")
        if text_field not in record:
            raise InputError(f"{where}: no {text_field!r} field (set --text-field)")
        text = record[text_field]
        if not isinstance(text, str):
            raise InputError(f"{where}: field {text_field!r} is {type(text).__name__}, not a string")
        doc_id = record.get(id_field)
        doc_id = where if doc_id is None or isinstance(doc_id, (dict, list)) else str(doc_id)
        date = record.get(date_field)
        date = date[:10] if isinstance(date, str) and len(date) >= 10 and date[4] == "-" and date[7] == "-" else None
        if date is None:
            date, _ = date_header(text)
        yield Document(id=doc_id, text=text, date=date, source=source.rel, line=line_no, meta={"raw": raw, "record": record})

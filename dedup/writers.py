"""Writing the output folder atomically.

Everything is written into a fresh temporary folder beside ``--out`` and moved into
place only when complete, so an interrupted run never leaves a half-written folder that
looks finished.  An existing ``--out`` is replaced only when it is empty or holds a
previous dedup output (a ``report.json`` at its top); anything else is refused before
any work is done.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from .errors import OutputError, UsageError
from .model import Document
from .readers import Loaded

__all__ = ["check_out_dir", "output_files", "write_tree"]


def check_out_dir(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output folder that overlaps an input or holds someone else's files."""
    out_r = out.resolve()
    for p in inputs:
        p_r = p.resolve()
        if out_r == p_r or (p_r.is_dir() and out_r.is_relative_to(p_r)):
            raise UsageError(f"--out {out} is inside the input {p}: choose a folder outside the inputs")
        if p_r.is_relative_to(out_r):
            raise UsageError(f"the input {p} is inside --out {out}: choose another output folder")
    if out.is_symlink():
        raise UsageError(f"--out {out} is a symbolic link: give a real folder")
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"--out {out} exists and is not a folder")
        if any(out.iterdir()) and not (out / "report.json").is_file():
            raise UsageError(f"--out {out} is not empty and holds no earlier dedup output: choose an empty or new folder")


def output_files(loaded: Sequence[Loaded], documents: Sequence[Document], outputs: Sequence[str], text_field: str) -> Iterable[tuple[str, bytes]]:
    """Yield ``(relative path, content)`` of every output file, in input order.  Each
    file is written back in the encoding (and with the BOM) it came in."""
    for f in loaded:
        rel = f.source.rel
        if f.passthrough is not None:
            yield rel, f.passthrough
            continue
        if f.layout is None and not f.documents:  # skipped and unreadable: nothing to copy
            continue
        if f.layout is None:  # a text file: one document
            i = f.offset
            yield rel, f.bom + outputs[i].encode(f.encoding, "surrogatepass" if f.encoding.startswith("utf") else "strict")
            continue
        errors = "surrogatepass" if f.encoding.startswith("utf") else "strict"
        newline = "\n".encode(f.encoding)
        lines: list[bytes] = []
        for item in f.layout:
            if isinstance(item, bytes):  # an undecodable line, skipped: kept as it was
                lines.append(item)
                continue
            if isinstance(item, str):
                lines.append(item.encode(f.encoding, errors))
                continue
            i = f.offset + item
            doc = documents[i]
            raw = doc.meta["raw"]
            out = outputs[i]
            line = raw if out == doc.text else _replace_field(raw, text_field, out, doc.meta["record"])
            lines.append(line.encode(f.encoding, errors))
        yield rel, f.bom + newline.join(lines) + (newline if f.final_newline and lines else b"")


_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def _field_span(line: str, field: str) -> tuple[int, int] | None:
    """Character span of the value of top-level ``field`` in a JSON object line (the
    last one, as json.loads keeps the last of duplicate keys)."""
    i = len(line) - len(line.lstrip(_WS))
    if not line.startswith("{", i):
        return None
    i += 1
    found = None
    while True:
        while i < len(line) and line[i] in _WS + ",":
            i += 1
        if i >= len(line) or line[i] == "}":
            return found
        key, i = json.decoder.scanstring(line, i + 1)
        while line[i] in _WS:
            i += 1
        i += 1  # the colon
        while line[i] in _WS:
            i += 1
        start = i
        _, i = _DECODER.raw_decode(line, i)
        if key == field:
            found = (start, i)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a \\ud800 escape
        return False
    return True


def _replace_field(line: str, field: str, value: str, record: dict) -> str:
    """``line`` with only the value of ``field`` replaced: every other character is kept."""
    span = _field_span(line, field)
    if span is None:  # cannot happen for a line json.loads accepted; stay safe
        record = dict(record)
        record[field] = value
        return json.dumps(record, ensure_ascii=True)
    encoded = json.dumps(value, ensure_ascii=line.isascii() or not _encodable(value))
    return line[: span[0]] + encoded + line[span[1] :]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_tree(out: Path, files: Iterable[tuple[str, bytes | Iterable[bytes]]]) -> None:
    """Write ``files`` (relative path → bytes, or an iterable of byte chunks) as the
    folder ``out``, atomically."""
    try:
        _write_tree(out, files)
    except OSError as exc:
        raise OutputError(f"cannot write --out {out}: {exc.strerror or exc}; nothing was written") from None


def _write_tree(out: Path, files: Iterable[tuple[str, bytes | Iterable[bytes]]]) -> None:
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        made: set[str] = {""}
        for rel, data in files:
            # Paths come from relative input paths; refuse anything that could climb out
            # (the folder is fresh, so there is no symlink inside to follow).
            parts = PurePosixPath(rel).parts
            if not parts or PurePosixPath(rel).is_absolute() or ".." in parts or "\\" in rel:
                raise UsageError(f"refusing to write {rel!r}: it would land outside --out")
            folder = "/".join(parts[:-1])
            if folder not in made:
                (tmp / folder).mkdir(parents=True, exist_ok=True)
                made.add(folder)
            with open(tmp / rel, "xb") as fh:
                if isinstance(data, bytes):
                    fh.write(data)
                else:  # an iterable of byte chunks (a large report)
                    fh.writelines(data)
        os.chmod(tmp, 0o777 & ~_umask())
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rmdir(old)
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

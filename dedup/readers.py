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

import codecs
import errno
import itertools
import json
import os
import stat
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, UsageError, printable
from .model import Document
from .outdir import MANIFEST, OWN_FILES, REPORT_FILES, read_manifest
from .split import date_header

__all__ = [
    "Source",
    "Loaded",
    "Unread",
    "Inventory",
    "inventory",
    "discover",
    "read_source",
    "decode",
    "shown",
    "shown_path",
    "unread_brief",
    "read_ahead_bytes",
    "TEXT_SUFFIXES",
    "JSONL_SUFFIXES",
]

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl",)


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: where it is, its path relative to the input root, its kind."""

    path: Path
    rel: str
    kind: str  # "text" or "jsonl"
    regular: bool = False  # known to be a regular file, not through a link (read ahead without a stat)


def _kind(path: Path) -> str | None:
    return _suffix_kind(path.name)


def _suffix_kind(name: str) -> str | None:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    return None


COMPRESSED_SUFFIXES = (".gz", ".zst", ".zstd", ".bz2", ".xz", ".lz4", ".zip", ".7z", ".tar", ".tgz")


@dataclass(frozen=True, slots=True)
class Unread:
    """A file (or a folder, its path ending in ``/``) under an input folder that is not
    read, and why."""

    path: str  # relative to the input root
    reason: str

    def as_dict(self) -> dict:
        """The entry of report.json's ``unread``."""
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class Inventory:
    """What the inputs hold: the input root, the files to read (in reading order) and
    every file under an input folder that is not read, sorted by path."""

    root: Path
    sources: list[Source]
    unread: list[Unread]


def _unread_reason(name: str) -> str:
    """Why a file of this name is not read (it has no corpus suffix)."""
    suffix = os.path.splitext(name)[1].lower()
    read = ", ".join(TEXT_SUFFIXES + JSONL_SUFFIXES)
    if suffix in COMPRESSED_SUFFIXES:
        return f"compressed or archived ({suffix}): not read; decompress it first (read are {read})"
    if not suffix or name.startswith(".") and name.count(".") == 1:
        return f"no file type (read are {read})"
    return f"unsupported file type ({suffix}; read are {read})"


def discover(inputs: Sequence[str | os.PathLike]) -> tuple[Path, list[Source]]:
    """Return the input root and the input files, each once, in a deterministic order."""
    found = inventory(inputs)
    return found.root, found.sources


def inventory(inputs: Sequence[str | os.PathLike]) -> Inventory:
    """The input root, the input files (each once, in a deterministic order) and what
    is not read under the input folders, with the reason."""
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
    unread: dict[str, Unread] = {}
    for p in resolved:
        if p.is_file():
            if p not in found:
                found[p] = Source(p, p.relative_to(root).as_posix(), _kind(p) or "text", regular=not p.is_symlink())
            continue
        base = p.relative_to(root).as_posix()
        base = "" if base == "." else base + "/"
        files, skipped = _walk(p)
        for rel, f, link in files:
            # Under a resolved folder, walked without following folder links, only a
            # link to a file can name a file already found under another path.
            key = f.resolve() if link else f
            if key not in found:
                found[key] = Source(f, base + rel, _suffix_kind(rel) or "text", regular=not link)
        for item in skipped:
            unread.setdefault(base + item.path, Unread(base + item.path, item.reason))
    read = {src.rel for src in found.values()}
    # Inputs in the order given; inside a folder, sorted by relative path.
    return Inventory(root, list(found.values()), sorted((u for u in unread.values() if u.path not in read), key=lambda u: u.path))


def _walk(folder: Path) -> tuple[list[tuple[str, Path, bool]], list[Unread]]:
    """Corpus files under ``folder`` as ``(relative posix path, path, is a link)``,
    sorted by relative path, and what is not read there, with the reason.  Symbolic
    links to folders are not followed (no loops, nothing outside the input); links to
    files are read; a broken link fails when it is read; an unreadable folder is an
    error; hidden folders are not searched; sockets and fifos are no corpus; an
    earlier dedup output's reports and manifest are no documents.  Listed with
    ``scandir``, whose entries know their type: no ``stat`` per file."""
    out: list[tuple[str, str, bool]] = []  # (relative posix path, full path, is a link)
    unread: list[Unread] = []
    folders = [("", os.fspath(folder))]
    while folders:
        prefix, path = folders.pop()
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except OSError as exc:
            raise InputError(f"{shown_path(exc.filename or path)}: cannot list folder ({exc.strerror or exc})") from None
        own = _own_files(path, {e.name for e in entries})
        for entry in entries:
            name = entry.name
            rel = prefix + name
            if entry.is_dir(follow_symlinks=False):
                # Hidden folders (.git, a dedup temporary folder left by a killed run) are no corpus.
                if name.startswith("."):
                    unread.append(Unread(rel + "/", "hidden folder, not searched"))
                else:
                    folders.append((rel + "/", entry.path))
                continue
            link = entry.is_symlink()
            if link and entry.is_dir():
                unread.append(Unread(rel + "/", "link to a folder, not followed"))
                continue
            if name in own:
                unread.append(Unread(rel, own[name]))
                continue
            if _suffix_kind(name) is None:
                unread.append(Unread(rel, _unread_reason(name)))
                continue
            if not link and not entry.is_file(follow_symlinks=False):  # a socket, a fifo
                unread.append(Unread(rel, "not a regular file"))
                continue
            out.append((rel, entry.path, link))
    out.sort()
    unread.sort(key=lambda u: u.path)
    return [(rel, Path(full), link) for rel, full, link in out], unread


def unread_brief(unread: Sequence[dict], more_in: str | None = None) -> str:
    """The first file not read and why, and how many more (``; N more in MORE_IN``):
    one line for a summary or a message."""
    first = unread[0]
    more = f"; {len(unread) - 1} more" + (f" in {more_in}" if more_in else "") if len(unread) > 1 else ""
    return f"{printable(first['path'])}: {first['reason']}{more}"


def shown_path(path: str | os.PathLike) -> str:
    """``path`` as the user finds it from the working directory."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return os.fspath(path)


def _own_files(folder: str, names: set[str]) -> dict[str, str]:
    """The files of an earlier dedup output at the top of ``folder`` that are not
    documents (its reports and manifest), with the reason; empty elsewhere."""
    if MANIFEST in names and read_manifest(Path(folder)) is not None:
        return {name: "dedup's own report or manifest (an earlier output)" for name in OWN_FILES if name in names}
    if all(name in names for name in REPORT_FILES) and _is_own_report(Path(folder, "report.md")):
        return {name: "dedup's own report (an earlier output)" for name in REPORT_FILES}
    return {}


def _is_own_report(path: Path) -> bool:
    """A report.md beside the report.json of an output without a manifest."""
    report = path.with_name("report.json")
    try:
        with open(report, encoding="utf-8") as fh:
            head = fh.read(200)
    except OSError:
        return False
    return '"schema_version"' in head and '"tool": "dedup"' in head


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
BINARY_PROBE = 8192


@dataclass
class Loaded:
    """One input file as read: its documents, and what is needed to write it back.

    ``layout`` (JSONL only) lists the file's lines in order: an ``int`` is the index of
    a document in ``documents``, a ``str`` a line passed through unchanged (blank, or
    skipped under ``--on-error skip``).  ``passthrough`` is the whole file's bytes when
    the file itself was skipped: it is copied unchanged."""

    source: Source
    encoding: str = "utf-8"
    bom: bytes = b""
    documents: list[Document] = field(default_factory=list)
    layout: list[int | str | bytes] | None = None
    final_newline: bool = True
    passthrough: bytes | None = None
    skipped: list[dict] = field(default_factory=list)
    offset: int = 0  # index of this file's first document in the whole corpus

    def drop(self, local: int, reason: str) -> None:
        """Skip document ``local`` (a duplicate id): pass its line through unchanged."""
        doc = self.documents.pop(local)
        where = f"{doc.source}:{doc.line}" if doc.line else doc.source
        self.skipped.append({"where": where, "reason": reason, "chars": len(doc.meta.get("raw", doc.text))})
        if self.layout is None:
            self.passthrough = self.bom + doc.text.encode(self.encoding)
            return
        self.layout = [doc.meta["raw"] if item == local else (item - 1 if isinstance(item, int) and item > local else item) for item in self.layout]


#: How much of each file the kernel is asked to read ahead: the whole of a news
#: article; a larger file is read ahead by the kernel's own sequential read-ahead.
PREFETCH_BYTES = 8 << 20
PREFETCH_AHEAD = 64  # files opened, and their reading started, ahead of the one read


# O_NONBLOCK: should a FIFO take a regular file's place after the listing, opening it
# does not wait for a writer.
_O_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0)


def _not_regular(src: Source) -> bool:
    """Whether ``src`` is a link to something other than a regular file (a FIFO, a
    device): opening or reading it could wait forever, or touch a FIFO's writer."""
    return not src.regular and not stat.S_ISREG(os.stat(src.path).st_mode)


def open_ahead(src: Source) -> int | None:
    """Open ``src`` and, where the kernel takes the hint, ask it to start reading the
    file into its page cache; None where it cannot be opened (not a regular file, an
    error: the read reports it).  Reading many small files one after the other waits
    for the disk once per file; asked ahead, the disk works on the next files while
    the current one is parsed (docs/design-notes.md has the measurement)."""
    try:
        if _not_regular(src):
            return None
        fd = os.open(src.path, _O_READ)
    except OSError:
        return None
    advise = getattr(os, "posix_fadvise", None)  # none on Windows or macOS: no hint there
    if advise is not None:
        try:
            advise(fd, 0, PREFETCH_BYTES, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
    return fd


_READ_MAX = 1 << 30  # Linux gives at most about 2 GiB from one read() anyway


def _read_fd(fd: int) -> bytes:
    """Everything left to read in ``fd``: one call for a file that is as large as
    fstat says; a short read before that (a file over 2 GiB, some network file
    systems) or a file that grew is read on to the end."""
    size = os.fstat(fd).st_size
    parts = []
    got = 0
    while True:
        want = min(size - got + 1, _READ_MAX) if got <= size else 1 << 20
        chunk = os.read(fd, want)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
        if got >= size and len(chunk) < want:
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_ahead_bytes(sources: Sequence[Source], ahead: int = PREFETCH_AHEAD) -> Iterator[tuple[Source, bytes | OSError]]:
    """Yield each of ``sources`` in order with its bytes (or the ``OSError`` reading it
    gave), having opened the next ``ahead`` files and asked the kernel to read them.
    Each file is opened once and read with one call: opening it once for the hint and
    again for the read cost more than the read itself on small cached files."""
    window: deque[tuple[Source, int | None]] = deque()
    pending = iter(sources)
    try:
        for src in itertools.islice(pending, ahead):
            window.append((src, open_ahead(src)))
        while window:
            src, fd = window[0]
            try:
                nxt = next(pending, None)
                if nxt is not None:
                    window.append((nxt, open_ahead(nxt)))
                try:
                    if fd is not None:
                        data: bytes | OSError = _read_fd(fd)
                    elif _not_regular(src):
                        data = OSError(errno.EINVAL, "not a regular file")
                    else:
                        data = src.path.read_bytes()
                except OSError as exc:
                    data = exc
            finally:
                window.popleft()
                if fd is not None:
                    os.close(fd)
            yield src, data
    finally:
        for _, fd in window:
            if fd is not None:
                os.close(fd)


def decode(data: bytes, where: str, encoding: str | None = None) -> tuple[str, str, bytes]:
    """Decode a file: a BOM decides (UTF-8 or UTF-16), else ``encoding``, else strict
    UTF-8.  Returns ``(text, codec, bom)``; the BOM is not part of the text."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            data, used = data[len(bom) :], codec
            break
    else:
        bom, used = b"", encoding or "utf-8"
        nul = data.find(b"\0", 0, BINARY_PROBE)
        if nul >= 0 and not used.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32")):
            raise InputError(f"{where}: looks binary (NUL byte at byte {nul}), not text")
    try:
        return data.decode(used), used, bom
    except UnicodeDecodeError as exc:
        offset = exc.start + len(bom)
        if encoding is None and not bom:
            raise InputError(f"{where}: not valid UTF-8 at byte {offset} (if it is a legacy encoding, give --encoding, e.g. cp1254 or iso-8859-9)") from None
        raise InputError(f"{where}: not valid {used} at byte {offset}") from None
    except LookupError:
        raise UsageError(f"--encoding {encoding}: unknown encoding") from None


def shown(source: Source) -> str:
    """The file as a user finds it from the working directory (for error messages)."""
    return shown_path(source.path)


def _as_given(exc: InputError, source: Source) -> InputError:
    """``exc`` with the file named from the working directory instead of the input root."""
    message = str(exc)
    if message.startswith(source.rel):
        return InputError(shown(source) + message[len(source.rel) :])
    return exc


def _skip_or_raise(exc: InputError, on_error: str, loaded: Loaded, where: str, chars: int) -> None:
    if on_error != "skip":
        raise _as_given(exc, loaded.source) from None
    loaded.skipped.append({"where": where, "reason": str(exc).split(": ", 1)[-1], "chars": chars})


def read_source(
    source: Source,
    *,
    text_field: str = "text",
    id_field: str = "id",
    date_field: str = "date",
    encoding: str | None = None,
    on_error: str = "fail",
    data: bytes | OSError | None = None,
) -> Loaded:
    """Read one input file.  Bad input raises :class:`InputError` naming the file (and
    line); with ``on_error="skip"`` the bad file or record is kept aside instead, to be
    copied to the output unchanged, and listed in ``skipped``.  Documents' ``order`` is
    left at 0: the caller numbers documents across sources.  ``data``: the file's
    bytes, or the error reading them gave, when the caller has read it
    (:func:`read_ahead_bytes`)."""
    loaded = Loaded(source)
    try:
        if data is None:
            data = source.path.read_bytes()
        elif isinstance(data, OSError):
            raise data
    except OSError as exc:
        broken = source.path.is_symlink() and not source.path.exists()
        reason = "broken symbolic link" if broken else f"cannot read ({exc.strerror or exc})"
        _skip_or_raise(InputError(f"{source.rel}: {reason}"), on_error, loaded, source.rel, 0)
        return loaded  # nothing could be read, so nothing is written for it
    try:
        text, loaded.encoding, loaded.bom = decode(data, source.rel, encoding)
    except InputError as exc:
        if source.kind == "jsonl" and "at byte" in str(exc):
            return _read_jsonl_lines(loaded, data, exc, encoding, on_error, text_field, id_field, date_field)
        _skip_or_raise(exc, on_error, loaded, source.rel, len(data))
        loaded.passthrough = data
        return loaded
    if source.kind == "text":
        date, _ = date_header(text)
        # Valid UTF-8 as read is what the document holds: no second encoding.
        same = codecs.lookup(loaded.encoding).name == "utf-8"
        payload = data[len(loaded.bom) :] if same else None
        loaded.documents.append(Document(id=source.rel, text=text, date=date, source=source.rel, data=payload))
        return loaded
    lines = text.split("\n")
    loaded.final_newline = lines[-1] == ""
    if loaded.final_newline:
        lines.pop()
    _parse_jsonl(loaded, lines, on_error, text_field, id_field, date_field)
    return loaded


def _parse_jsonl(loaded: Loaded, lines: list, on_error: str, text_field: str, id_field: str, date_field: str) -> None:
    """Fill ``loaded`` from a JSONL file's lines (``str``, or ``InputError`` for a line
    that could not be decoded, paired with its raw bytes)."""
    loaded.layout = []
    rel = loaded.source.rel
    for line_no, raw in enumerate(lines, start=1):
        where = f"{rel}:{line_no}"
        if isinstance(raw, tuple):  # (error, raw bytes): undecodable line
            exc, raw_bytes = raw
            _skip_or_raise(exc, on_error, loaded, where, len(raw_bytes))
            loaded.layout.append(raw_bytes)
            continue
        if not raw.strip():
            loaded.layout.append(raw)
            continue
        try:
            doc = _record(raw, where, rel, line_no, text_field, id_field, date_field)
        except InputError as exc:
            _skip_or_raise(exc, on_error, loaded, where, len(raw))
            loaded.layout.append(raw)
            continue
        loaded.layout.append(len(loaded.documents))
        loaded.documents.append(doc)


def _read_jsonl_lines(loaded, data, exc, encoding, on_error, text_field, id_field, date_field) -> Loaded:
    """A JSONL file that does not decode as a whole: name the line, or under ``skip``
    decode it line by line and pass the undecodable lines through as bytes."""
    codec = encoding or "utf-8"
    if codec.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        _skip_or_raise(exc, on_error, loaded, loaded.source.rel, len(data))
        loaded.passthrough = data
        return loaded
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    loaded.bom, loaded.encoding = bom, codec
    raw_lines = data[len(bom) :].split(b"\n")
    loaded.final_newline = raw_lines[-1] == b""
    if loaded.final_newline:
        raw_lines.pop()
    lines: list = []
    for line_no, raw in enumerate(raw_lines, start=1):
        try:
            lines.append(raw.decode(codec))
        except UnicodeDecodeError as err:
            bad = InputError(f"{loaded.source.rel}:{line_no}: not valid {'UTF-8' if codec == 'utf-8' else codec} at byte {err.start} of the line")
            if on_error != "skip":
                raise _as_given(bad, loaded.source) from None
            lines.append((bad, raw))
    _parse_jsonl(loaded, lines, on_error, text_field, id_field, date_field)
    return loaded


def _record(raw: str, where: str, rel: str, line_no: int, text_field: str, id_field: str, date_field: str) -> Document:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None
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
    # The raw line is kept to be written back unchanged (the parsed record is not: it
    # would hold the text a second time); a changed line is parsed again when written.
    return Document(id=doc_id, text=text, date=date, source=rel, line=line_no, meta={"raw": raw})

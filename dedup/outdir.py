"""The output folder: what ``--out`` may be, and what replacing it may remove.

Every output folder dedup writes holds ``dedup-manifest.json``, which names every file
of that output with its size.  An existing ``--out`` is used only when it is empty or
is such an earlier output whose files are all its own: every file in it is listed by
its manifest, with the size dedup wrote.  Anything else there (a file dedup did not
write, a file changed since) is a refusal, and nothing is touched.  Replacing an
earlier output removes only the files its manifest lists.

A dry run writes only its reports; it never replaces an earlier output that holds
deduplicated texts (see :func:`check_out_dir`).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from . import __version__
from .errors import OutputError, UsageError

__all__ = [
    "MANIFEST",
    "MANIFEST_VERSION",
    "REPORT_FILES",
    "OWN_FILES",
    "Manifest",
    "check_out_dir",
    "existing_output",
    "read_manifest",
    "foreign",
    "digest",
    "manifest_bytes",
    "remove_listed",
]

MANIFEST = "dedup-manifest.json"
MANIFEST_VERSION = 1
REPORT_FILES = ("report.json", "report.md")
OWN_FILES = (*REPORT_FILES, MANIFEST)  # what dedup writes at the top of every output


@dataclass
class Manifest:
    """What an earlier output's manifest says: each file it wrote (relative POSIX
    path → size in bytes and xxh3-128 of the content) and whether it was a dry run.
    ``seen`` remembers the files found intact, by size and modification time, so that
    looking again just before replacing does not read them all a second time."""

    files: dict[str, tuple[int, str]]
    dry_run: bool
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        """The deduplicated files of that output: everything but its reports."""
        return sorted(p for p in self.files if p not in REPORT_FILES)


def digest(path: str | os.PathLike) -> str:
    """xxh3-128 of a file's content (hex), read a megabyte at a time."""
    h = xxhash.xxh3_128()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def manifest_bytes(files: Iterable[tuple[str, int, str]], dry_run: bool) -> bytes:
    """The manifest of an output holding ``files`` (``(relative path, bytes, xxh3-128
    hex)``): sorted by path, one file a line, so the same output gives the same
    manifest byte for byte and it greps well.  Non-ASCII characters are escaped: a file
    name that is not valid UTF-8 survives."""
    head = {"tool": "dedup", "manifest_version": MANIFEST_VERSION, "dedup_version": __version__, "dry_run": dry_run}
    lines = [json.dumps({"path": p, "bytes": n, "xxh3_128": h}, ensure_ascii=True) for p, n, h in sorted(files)]
    body = ",\n".join(f"  {line}" for line in lines)
    text = json.dumps(head, ensure_ascii=True)[:-1] + ', "files": [' + (f"\n{body}\n" if lines else "") + "]}\n"
    return text.encode("ascii")


def _entry(e: object) -> tuple[str, int, str] | None:
    """A manifest entry, if it is well formed and names a path inside the folder."""
    if not isinstance(e, dict):
        return None
    path, size, h = e.get("path"), e.get("bytes"), e.get("xxh3_128")
    if not isinstance(path, str) or not isinstance(size, int) or isinstance(size, bool) or not isinstance(h, str):
        return None
    if not path or path.startswith("/") or "\\" in path or any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return path, size, h


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest at the top of ``folder``, or None when there is none or it is not
    a dedup manifest this version can read."""
    path = folder / MANIFEST
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != "dedup" or data.get("manifest_version") != MANIFEST_VERSION:
        return None
    entries = data.get("files")
    if not isinstance(entries, list) or not isinstance(data.get("dry_run"), bool):
        return None
    files: dict[str, tuple[int, str]] = {}
    for e in entries:
        entry = _entry(e)
        if entry is None:
            return None
        files[entry[0]] = entry[1:]
    return Manifest(files, data["dry_run"])


def _cannot_list(out: Path):
    def fail(exc: OSError) -> None:
        raise UsageError(f"--out {out}: cannot look into {exc.filename} ({exc.strerror or exc}); nothing was changed")

    return fail


def foreign(out: Path, manifest: Manifest) -> str | None:
    """Why ``out`` holds something its manifest does not account for (None: nothing):
    a file it does not list, or a listed file changed since (its size or its content).
    A folder that cannot be looked into is a refusal (:class:`UsageError`)."""
    for folder, dirs, names in os.walk(out, onerror=_cannot_list(out)):
        base = Path(folder).relative_to(out).as_posix()
        prefix = "" if base == "." else base + "/"
        for name in [*names, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            rel = prefix + name
            if rel == MANIFEST:
                continue
            full = os.path.join(folder, name)
            try:
                st = os.lstat(full)
            except FileNotFoundError:
                continue
            if rel not in manifest.files:
                return f"holds {rel}, which dedup did not write"
            size, content = manifest.files[rel]
            if not stat.S_ISREG(st.st_mode):
                return f"holds {rel}, which is no longer the file dedup wrote"
            if st.st_size != size:
                return f"holds {rel}, changed since dedup wrote it ({st.st_size} bytes, not {size})"
            if manifest.seen.get(rel) == (st.st_size, st.st_mtime_ns):
                continue
            try:
                same = digest(full) == content
            except OSError as exc:
                raise UsageError(f"--out {out}: cannot read {rel} ({exc.strerror or exc}); nothing was changed") from None
            if not same:
                return f"holds {rel}, changed since dedup wrote it (its content differs)"
            manifest.seen[rel] = (st.st_size, st.st_mtime_ns)
    return None


def check_out_dir(out: Path, inputs: Sequence[Path], dry_run: bool = False) -> Manifest | None:
    """Refuse an output folder that overlaps an input, that cannot be replaced (the
    working directory, a mount point, a folder whose parent is not writable) or that
    holds anything dedup did not write; return the manifest of the earlier output it
    holds (None when ``out`` is new or empty).  A dry run also refuses an earlier output
    with deduplicated texts, which it would otherwise replace by two reports."""
    out_r = out.resolve()
    for p in inputs:
        p_r = p.resolve()
        if out_r == p_r or (p_r.is_dir() and out_r.is_relative_to(p_r)):
            raise UsageError(f"--out {out} is inside the input {p}: choose a folder outside the inputs")
        if p_r.is_relative_to(out_r):
            raise UsageError(f"the input {p} is inside --out {out}: choose another output folder")
    if Path.cwd().resolve().is_relative_to(out_r):
        raise UsageError(f"--out {out} is the working folder or holds it: dedup replaces --out whole; choose another folder")
    if out_r.is_dir() and os.path.ismount(out_r):
        raise UsageError(f"--out {out} is a mount point, which cannot be replaced: give a folder inside it")
    parent = out_r.parent
    if parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write --out {out}: the output is built beside it, in {parent}, which is not writable; nothing was written")
    return existing_output(out, dry_run)


def existing_output(out: Path, dry_run: bool = False, known: Manifest | None = None) -> Manifest | None:
    """What ``out`` holds now, if it may be replaced: None when it does not exist or is
    empty, the manifest of the earlier dedup output it holds otherwise.  Raises
    :class:`UsageError` (nothing touched) for anything else.  ``known``: the manifest
    found when the scan began, whose files found intact then are not read again."""
    if out.is_symlink():
        raise UsageError(f"--out {out} is a symbolic link: give a real folder")
    if not out.exists():
        return None
    if not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot list the folder ({exc.strerror or exc})") from None
    if empty:
        return None
    manifest = read_manifest(out)
    if manifest is None:
        raise UsageError(f"--out {out} is not empty and is not a dedup output (no {MANIFEST}): choose an empty or new folder; nothing was changed")
    if known is not None and known.files == manifest.files:
        manifest.seen.update(known.seen)
    why = foreign(out, manifest)
    if why is not None:
        raise UsageError(f"--out {out} {why}: choose an empty or new folder; nothing was changed")
    if dry_run and manifest.texts:
        raise UsageError(
            f"--out {out} holds the deduplicated files of an earlier scan, which a dry run does not replace: "
            "give the dry run another --out; nothing was changed"
        )
    return manifest


def remove_listed(folder: Path, manifest: Manifest) -> bool:
    """Remove from ``folder`` (an earlier output, moved aside) the files ``manifest``
    lists and the manifest, then every folder left empty, ``folder`` included.  Never
    removes anything else; returns whether ``folder`` is gone."""
    for rel in [*manifest.files, MANIFEST]:
        path = folder.joinpath(*rel.split("/"))
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass  # left in place: the folder stays, and nothing else is lost
    for sub, _, _ in sorted(os.walk(folder), key=lambda w: -len(w[0])):  # deepest first
        try:
            os.rmdir(sub)
        except OSError:
            pass  # not empty: holds something the manifest does not list
    return not folder.exists()

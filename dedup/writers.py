"""Writing the output folder atomically.

Everything is written into a fresh temporary folder beside ``--out`` and moved into
place only when complete, so an interrupted run never leaves a half-written folder that
looks finished.  The folder gets a manifest naming every file written (see
:mod:`dedup.outdir`): what may be replaced, and what replacing may remove, is decided by
it.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path, PurePosixPath

import xxhash

from .errors import OutputError, UsageError, WorkerError
from .interrupts import deferred_signals
from .model import Document
from .outdir import MANIFEST, Manifest, existing_output, foreign, manifest_bytes, remove_listed
from .plan import OutputTexts
from .pool import WORKER_DIED, worker_context, worker_init
from .readers import Loaded

__all__ = ["output_files", "written", "TreeWriter"]


def written(f: Loaded) -> bool:
    """Whether :func:`output_files` writes this input file (not when it was skipped
    because it could not be read: there is nothing to copy)."""
    return f.passthrough is not None or f.layout is not None or bool(f.documents)


def output_files(loaded: Sequence[Loaded], documents: Sequence[Document], outputs: OutputTexts, text_field: str) -> Iterable[tuple[str, bytes]]:
    """Yield ``(relative path, content)`` of every output file, in input order.  Each
    file is written back in the encoding (and with the BOM) it came in."""
    for f in loaded:
        rel = f.source.rel
        if not written(f):
            continue
        if f.passthrough is not None:
            yield rel, f.passthrough
            continue
        errors = "surrogatepass" if f.encoding.startswith("utf") else "strict"
        if f.layout is None:  # a text file: one document
            yield rel, f.bom + outputs.encoded(f.offset, f.encoding, errors)
            continue
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
            line = _replace_field(raw, text_field, outputs[i]) if outputs.changed(i) else raw
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


def _replace_field(line: str, field: str, value: str) -> str:
    """``line`` with only the value of ``field`` replaced: every other character is kept."""
    span = _field_span(line, field)
    if span is None:  # cannot happen for a line json.loads accepted; stay safe
        record = json.loads(line)
        record[field] = value
        return json.dumps(record, ensure_ascii=True)
    encoded = json.dumps(value, ensure_ascii=line.isascii() or not _encodable(value))
    return line[: span[0]] + encoded + line[span[1] :]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_files(items: list[tuple[str, bytes]]) -> None:
    """Create and write files (in a writer process); a file that exists is an error."""
    for path, data in items:
        with open(path, "xb") as fh:
            fh.write(data)


class TreeWriter:
    """An output folder written atomically.

    Files go into a fresh temporary folder beside ``out``; :meth:`commit` moves it into
    place (replacing an earlier output), and leaving the ``with`` block without a
    commit removes it, so nothing half-written is ever left where ``out`` is.

    Files given as bytes are written in the background, by a thread or, with
    ``processes`` > 0, by that many worker processes that take them in batches (they
    start once the output outgrows one batch; a smaller output is written at commit,
    in this process).
    Creating tens of thousands of files is mostly kernel time, which then overlaps the
    caller's work (cutting the next texts, building the report) instead of adding to
    it; processes also run it on every core, never waiting for this process's
    interpreter lock.  Files up to ``budget`` bytes (each counted as its size plus
    ``PER_FILE``) may wait to be written and the caller blocks beyond that: the last
    ``budget`` bytes of files are written while it builds the report.  Every
    ``OSError`` becomes an :class:`OutputError` naming ``out``; a failure stays: every
    later call raises it again.

    :meth:`commit` adds the manifest (every file written, with its size) and replaces
    an earlier output at ``out`` only if it still holds nothing but the files its own
    manifest lists, and then removes only those; ``dry_run`` is recorded in the
    manifest (a dry run writes no deduplicated texts)."""

    PER_FILE = 512  # what a waiting file costs besides its bytes (path, tuple): an upper bound
    BATCH = 1 << 20  # bytes of files handed to a writer process at once

    def __init__(self, out: Path, budget: int = 64 << 20, processes: int = 0, dry_run: bool = False, previous: Manifest | None = None):
        self.out = out
        self.dry_run = dry_run
        self.previous = previous  # the earlier output's manifest, as found when the scan began
        self._files: dict[str, tuple[int, str]] = {}  # relative path -> (bytes, xxh3-128 hex) written
        self.left_behind: Path | None = None  # an earlier output's folder that kept files not its own
        self._tmp: Path | None = None
        self._made: set[str] = {""}
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._budget = budget
        self._waiting = 0  # bytes queued and not yet written
        self._room = threading.Condition()
        self._error: BaseException | None = None
        self._cancelled = False  # leaving without a commit: skip what still waits
        self._thread: threading.Thread | None = None
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._batch: list[tuple[str, bytes]] = []
        self._batch_cost = 0
        self._batch_limit = min(self.BATCH, max(1, budget // (2 * max(processes, 1))))
        self._in_flight: dict[Future, int] = {}  # batch -> its cost

    def __enter__(self) -> TreeWriter:
        try:
            parent = self.out.absolute().parent
            parent.mkdir(parents=True, exist_ok=True)
            with deferred_signals():  # an interruption lands after self._tmp is set
                self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-", dir=parent))
            if not self._processes:
                thread = threading.Thread(target=self._drain, name="dedup-writer", daemon=True)
                thread.start()
                self._thread = thread  # once started: __exit__ stops it
        except BaseException as exc:  # __exit__ is not called when __enter__ fails
            self.__exit__(None, None, None)
            if isinstance(exc, OSError):
                raise self._failed(exc) from None
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Not committed (an error, Ctrl-C): throw the folder away.  What still waits is
        # not written, and a second Ctrl-C meanwhile waits until the folder is gone.
        with deferred_signals():
            try:
                if self._thread is not None:
                    self._cancelled = True
                    self._stop()
                if self._pool is not None:
                    self._pool.shutdown(wait=True, cancel_futures=True)  # batches not started are dropped
                    self._pool = None
                    self._in_flight.clear()
            finally:
                if self._tmp is not None:
                    shutil.rmtree(self._tmp, ignore_errors=True)
                    self._tmp = None

    def _failed(self, exc: OSError) -> OutputError:
        return OutputError(f"cannot write --out {self.out}: {exc.strerror or exc}; nothing was written")

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            path, data = item
            try:
                if self._error is None and not self._cancelled:
                    with open(path, "xb") as fh:
                        fh.write(data)
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc
            with self._room:
                self._waiting -= len(data) + self.PER_FILE
                self._room.notify_all()

    def _stop(self) -> None:
        assert self._thread is not None
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def _submit(self) -> None:
        """Hand the current batch to a writer process, once there is room for it."""
        batch, cost = self._batch, self._batch_cost
        self._batch, self._batch_cost = [], 0
        self._reap([f for f in self._in_flight if f.done()])  # a failure is seen at the next file
        while self._error is None and self._in_flight and sum(self._in_flight.values()) + cost > self._budget:
            self._reap(wait(self._in_flight, return_when=FIRST_COMPLETED).done)
        if not batch or self._error is not None:
            return
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self._processes, mp_context=worker_context(), initializer=worker_init)
            self._in_flight[self._pool.submit(_write_files, batch)] = cost
        except BrokenProcessPool as exc:
            self._error = exc

    def _reap(self, done: Iterable[Future]) -> None:
        for future in done:
            del self._in_flight[future]
            exc = future.exception()
            if exc is not None and self._error is None:
                self._error = exc

    def _drain_processes(self) -> None:
        if self._pool is None and self._error is None:  # one batch in all: written here
            batch, self._batch, self._batch_cost = self._batch, [], 0
            try:
                _write_files(batch)
            except OSError as exc:
                self._error = exc
            return
        self._submit()
        if self._in_flight:
            self._reap(wait(self._in_flight).done)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _raise_pending(self) -> None:
        exc = self._error
        if exc is not None:
            if isinstance(exc, BrokenProcessPool):
                raise WorkerError(WORKER_DIED) from exc
            raise self._failed(exc) if isinstance(exc, OSError) else exc

    def _path(self, rel: str) -> str:
        # Paths come from relative input paths; refuse anything that could climb out
        # (the folder is fresh, so there is no symlink inside to follow).
        parts = rel.split("/")
        if "" in parts or "." in parts or ".." in parts or "\\" in rel:  # rare: look closer
            pure = PurePosixPath(rel)
            if not pure.parts or pure.is_absolute() or ".." in pure.parts or "\\" in rel:
                raise UsageError(f"refusing to write {rel!r}: it would land outside --out")
            parts = list(pure.parts)
        root = os.fspath(self._tmp)
        folder = "/".join(parts[:-1])
        if folder not in self._made:
            os.makedirs(os.path.join(root, folder), exist_ok=True)
            self._made.add(folder)
        return os.path.join(root, *parts)

    def add(self, rel: str, data: bytes | Iterable[bytes]) -> None:
        """Write one file: bytes in the background, an iterable of byte chunks (a large
        report) here and now, one chunk at a time."""
        self._raise_pending()
        if rel == MANIFEST:
            raise UsageError(f"refusing to write {rel!r}: dedup writes its own manifest there")
        try:
            path = self._path(rel)
            if isinstance(data, bytes):
                self._files[rel] = (len(data), xxhash.xxh3_128_hexdigest(data))
            if isinstance(data, bytes) and self._processes:
                self._batch.append((path, data))
                self._batch_cost += len(data) + self.PER_FILE
                if self._batch_cost >= self._batch_limit:
                    self._submit()
            elif isinstance(data, bytes):
                cost = len(data) + self.PER_FILE
                with self._room:  # an error in the thread also frees room: it skips what is queued
                    while self._waiting and self._waiting + cost > self._budget:
                        self._room.wait()
                    self._waiting += cost
                self._queue.put((path, data))
            else:
                size, h = 0, xxhash.xxh3_128()
                with open(path, "xb") as fh:
                    for chunk in data:
                        size += len(chunk)
                        h.update(chunk)
                        fh.write(chunk)
                self._files[rel] = (size, h.hexdigest())
        except OSError as exc:
            raise self._failed(exc) from None

    def commit(self) -> None:
        """Wait for the last files, add the manifest, and move the folder into place.
        An earlier output there is looked at again, moved aside, looked at once more
        (whatever arrived meanwhile is a refusal, and it goes back in place), and only
        the files its manifest lists are removed.  Signals wait until the folders are
        where they belong."""
        if self._processes:
            self._drain_processes()
        else:
            self._stop()
        self._raise_pending()
        assert self._tmp is not None
        out, tmp = self.out, self._tmp
        try:
            with open(tmp / MANIFEST, "xb") as fh:
                fh.write(manifest_bytes(((p, n, h) for p, (n, h) in self._files.items()), self.dry_run))
            os.chmod(tmp, 0o777 & ~_umask())
            previous = existing_output(out, self.dry_run, known=self.previous)
            with deferred_signals():
                if out.exists():
                    self._swap(previous)
                else:
                    os.rename(tmp, out)
                    self._tmp = None
        except OSError as exc:
            raise self._failed(exc) from None
        finally:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None

    def _swap(self, previous: Manifest | None) -> None:
        """Replace the earlier output at ``out`` by the finished folder."""
        out, tmp = self.out, self._tmp
        assert tmp is not None
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=tmp.parent))
        os.rmdir(old)
        os.rename(out, old)
        try:
            earlier = previous or Manifest({}, False)
            why = foreign(old, earlier)
        except BaseException:
            os.rename(old, out)
            raise
        if why is not None:
            os.rename(old, out)
            raise UsageError(f"--out {out} {why} (it arrived while the scan ran): choose an empty or new folder; nothing was changed")
        try:
            os.rename(tmp, out)
        except OSError:
            os.rename(old, out)  # the earlier output back in its place
            raise
        self._tmp = None
        if not remove_listed(old, earlier):
            self.left_behind = old

"""``scan``: read a corpus, detect duplicates, write the deduplicated corpus and report."""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import ScanConfig
from .detect import Detection, detect
from .errors import InputError, UsageError
from .memory import release_memory
from .model import Document
from .outdir import OWN_FILES, check_out_dir
from .plan import OutputTexts, output_texts
from .progress import bar
from .readers import Loaded, Source, discover, inventory, read_ahead_bytes, read_source, shown
from .report import build_report, dump_chunks, render_markdown, report_steps
from .writers import TreeWriter, output_files, written

__all__ = ["scan", "read_corpus", "iter_documents", "estimated_documents", "ScanResult"]

@dataclass
class ScanResult:
    """What a scan found and wrote: the detection, the report (as written to
    report.json), the output texts, where they went, and the time of each stage."""

    detection: Detection
    report: dict
    outputs: OutputTexts  # a sequence of str, made when read
    out: Path | None
    root: Path  # the input root: document ids and output paths are relative to it
    # Seconds per stage: read, analyze, lsh, cluster, plan (the report), write, total;
    # and inside them split_normalize, shingle_hash, signatures (work in the analysis,
    # added up over the workers) and verify (part of cluster).  Never in the report.
    timings: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # for the user, never in the report


def read_corpus(inputs: Sequence[str | os.PathLike], config: ScanConfig) -> tuple[Path, list[Loaded], list[Document]]:
    """Read every input file; documents are numbered in reading order and their ids
    must be unique (under ``on_error="skip"`` a repeated id is skipped instead)."""
    root, sources = discover(inputs)
    loaded: list[Loaded] = []
    return root, loaded, list(iter_documents(sources, config, loaded))


def iter_documents(sources: Sequence[Source], config: ScanConfig, loaded_files: list[Loaded], clock: list[float] | None = None) -> Iterator[Document]:
    """:func:`read_corpus` as a stream: yield the documents of ``sources`` file by file
    as they are read, appending each file's :class:`Loaded` to ``loaded_files``.
    ``clock[0]`` accumulates the seconds spent reading."""
    seen: dict[str, str] = {}
    count = 0
    t = time.perf_counter()  # the read-ahead hints, given between files, count as reading
    for src, data in read_ahead_bytes(sources):
        loaded = read_source(
            src,
            data=data,
            text_field=config.text_field,
            id_field=config.id_field,
            date_field=config.date_field,
            encoding=config.encoding,
            on_error=config.on_error,
        )
        local = 0
        while local < len(loaded.documents):
            doc = loaded.documents[local]
            where = f"{doc.source}:{doc.line}" if doc.line else doc.source
            if doc.id in seen:
                message = f"duplicate document id {doc.id!r} (first seen at {seen[doc.id]})"
                if config.on_error != "skip":
                    place = shown(loaded.source) + (f":{doc.line}" if doc.line else "")
                    raise InputError(f"{place}: {message}; set --id-field")
                loaded.drop(local, message)
                continue
            seen[doc.id] = where
            local += 1
        loaded.offset = count
        docs = [doc.replace(order=count + i) for i, doc in enumerate(loaded.documents)]
        count += len(docs)
        loaded_files.append(loaded)
        if clock is not None:
            clock[0] += time.perf_counter() - t
        yield from docs
        t = time.perf_counter()


def estimated_documents(sources: Sequence[Source], loaded: list[Loaded]) -> Callable[[], int | None]:
    """How many documents the sources hold, as well as is known so far: the documents
    of every file read (a skipped file has none), one per text file still to read, and
    for the JSONL files still to read as many records per byte as the JSONL files read
    that gave records (None while there is no such file).  Exact once every JSONL file
    has been read."""
    size: dict[str, int] = {}
    for src in sources:
        if src.kind == "jsonl":
            try:
                size[src.rel] = os.stat(src.path).st_size
            except OSError:  # reported when the file is read
                size[src.rel] = 0
    unread_texts = len(sources) - len(size)
    unread_jsonl, unread_bytes = len(size), sum(size.values())
    documents = records = record_bytes = counted = 0  # counted: files of `loaded` taken in

    def estimate() -> int | None:
        nonlocal unread_texts, unread_jsonl, unread_bytes, documents, records, record_bytes, counted
        for f in loaded[counted:]:
            documents += len(f.documents)
            if f.source.kind != "jsonl":
                unread_texts -= 1
                continue
            unread_jsonl -= 1
            unread_bytes -= size[f.source.rel]
            if f.documents:
                records += len(f.documents)
                record_bytes += size[f.source.rel]
        counted = len(loaded)
        if not unread_jsonl:
            return documents + unread_texts
        if not record_bytes:
            return None
        return documents + unread_texts + round(unread_bytes * records / record_bytes)

    return estimate


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector off (as it was after).

    A scan makes millions of small objects that live until it ends (documents, block
    rows, report entries) and holds no reference cycles: the collector finds nothing,
    but each of its full passes walks every object made so far, a tenth of a scan's
    time for nothing (docs/design-notes.md).  Memory held in cycles is still freed by reference
    counting where there is no cycle, and by the collector once it is back on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def scan(
    inputs: Sequence[str | os.PathLike],
    out: str | os.PathLike | None,
    config: ScanConfig | None = None,
    *,
    dry_run: bool = False,
    progress: bool = False,
) -> ScanResult:
    """Scan ``inputs`` and write the result under ``out`` (only the reports with
    ``dry_run``; nothing at all when ``out`` is None).  Python's cyclic garbage
    collector is off while it runs (see :func:`gc_paused`)."""
    with gc_paused():
        return _scan(inputs, out, config, dry_run=dry_run, progress=progress)


def _scan(
    inputs: Sequence[str | os.PathLike],
    out: str | os.PathLike | None,
    config: ScanConfig | None,
    *,
    dry_run: bool,
    progress: bool,
) -> ScanResult:
    config = config or ScanConfig()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    out_path = Path(out) if out is not None else None
    previous = check_out_dir(out_path, [Path(p) for p in inputs], dry_run=dry_run) if out_path is not None else None
    found = inventory(inputs)
    clash = [src.rel for src in found.sources if src.rel in OWN_FILES]
    if out_path is not None and clash:
        raise UsageError(f"the input {clash[0]} would be written over by dedup's own file of that name in --out: rename or move it")
    loaded: list[Loaded] = []
    det = _read_and_detect(found.sources, config, loaded, progress, timings, listing=time.perf_counter() - t0)
    outputs = output_texts(det)
    out_paths = [None if dry_run or out_path is None else doc.source for doc in det.documents]
    skipped = [item for f in loaded for item in f.skipped]

    def make_report() -> dict:
        t1 = time.perf_counter()
        with bar(report_steps(det), "report", "step", progress) as pbar:
            unread = [u.as_dict() for u in found.unread]
            report = build_report(det, config, outputs, out_paths, [os.fspath(p) for p in inputs], skipped, pbar.update, unread)
        timings["plan"] = time.perf_counter() - t1
        return report

    warnings: list[str] = []
    if out_path is None:
        report = make_report()
    else:
        t2 = time.perf_counter()
        with TreeWriter(out_path, processes=config.jobs if config.jobs > 1 else 0, dry_run=dry_run, previous=previous) as tree:
            # Output files are cut and encoded one at a time and handed to the writer
            # (a thread, or --jobs processes); the report is built while the last of
            # them reach the disk.
            if not dry_run:
                with bar(sum(map(written, loaded)), "write", "file", progress) as pbar:
                    for rel, data in output_files(loaded, det.documents, outputs, config.text_field):
                        tree.add(rel, data)
                        pbar.update()
            report = make_report()
            # JSONL can carry lone surrogates (\\ud800 escapes): in the reports they stay escapes.
            tree.add("report.json", (chunk.encode("utf-8", "backslashreplace") for chunk in dump_chunks(report)))
            tree.add("report.md", render_markdown(report).encode("utf-8", "backslashreplace"))
            tree.commit()
        if tree.left_behind is not None:
            warnings.append(f"some files of the earlier output could not be removed; they are in {tree.left_behind}")
        timings["write"] = time.perf_counter() - t2 - timings["plan"]
    timings["total"] = time.perf_counter() - t0
    return ScanResult(det, report, outputs, out_path, found.root, timings, warnings)


def _read_and_detect(sources: Sequence[Source], config: ScanConfig, loaded: list[Loaded], progress: bool, timings: dict, listing: float) -> Detection:
    """Read ``sources`` (appending each file to ``loaded``) and detect their duplicates.

    With jobs > 1 files are read as the analysis goes, while the workers analyze the
    batches read before (a bad file is then reported when reading reaches it, after
    the analysis of what came before).  With jobs 1 nothing would overlap: every file
    is read first, so bad input fails before any analysis.  ``timings`` gets the
    detection's stages, with "read" the time spent reading and "analyze" the rest."""
    clock = [0.0]
    stream = iter_documents(sources, config, loaded, clock)
    if config.jobs <= 1:
        stream = list(stream)
        expected: int | Callable[[], int | None] = len(stream)
    else:  # a text file is one document (none if skipped); a JSONL file's count is known once read
        expected = estimated_documents(sources, loaded)
    read_before = clock[0]  # all of it with jobs 1, nothing with a stream
    det = detect(stream, config, progress=progress, expected=expected)
    release_memory()
    timings.update(det.timings)
    timings["read"] = listing + clock[0]
    timings["analyze"] = det.timings["analyze"] - (clock[0] - read_before)  # reading done inside detect
    return det

"""The ``dedup`` command line: parses options into a :class:`ScanConfig` and calls the
library.  Nothing here decides a result."""

from __future__ import annotations

import sys
import traceback
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .config import ScanConfig
from .errors import EXIT_INTERRUPTED, DedupError
from .scan import scan as run_scan

EXIT_INTERNAL = 3

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 2 bad option or bad input (one line on stderr naming the file, "
    "nothing written); 3 internal error (please report it; --debug shows the traceback); "
    "130 interrupted."
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Find exact and near-duplicate text blocks within and across documents. " + EXIT_CODES_HELP,
)


class Unit(str, Enum):
    line = "line"
    paragraph = "paragraph"


class Shingle(str, Enum):
    char = "char"
    word = "word"


class Keep(str, Enum):
    first = "first"
    longest = "longest"
    earliest = "earliest"


class Scheme(str, Enum):
    affine32 = "affine32"
    affine64 = "affine64"
    legacy = "legacy"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dedup {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Find exact and near-duplicate text blocks within and across documents."""


def _fail(message: str, code: int) -> None:
    typer.echo(f"dedup: error: {message}", err=True)
    raise typer.Exit(code)


def _summary(result, dry_run: bool) -> str:
    s = result.report["summary"]
    t = result.timings.get("total", 0.0)
    p = result.report["parameters"]
    lines = [
        f"documents        {s['documents']:>10,}",
        f"blocks           {s['blocks']:>10,}   ({s['short_blocks']:,} shorter than {p['min_chars']} chars, kept without comparing)",
        f"clusters         {s['clusters']:>10,}   ({s['clusters_by_kind']['exact']:,} exact, {s['clusters_by_kind']['near']:,} near; "
        f"{s['clusters_by_scope']['within']:,} within a document, {s['clusters_by_scope']['across']:,} across)",
        f"duplicate blocks {s['duplicate_blocks']:>10,}   ({s['removed_blocks']:,} removed, {s['duplicate_ratio']:.1%} of all blocks)",
        f"characters       {s['input_chars']:>10,}   in, {s['removed_chars']:,} removed ({s['removed_char_ratio']:.1%}), {s['output_chars']:,} out",
        f"time             {t:>10.2f} s",
    ]
    if result.out is not None:
        what = "reports only (--dry-run)" if dry_run else "deduplicated texts and reports"
        lines.append(f"written to       {result.out}/  ({what}: see {result.out}/report.md)")
    return "\n".join(lines)


@app.command(epilog=EXIT_CODES_HELP)
def scan(
    inputs: Annotated[list[Path], typer.Argument(help="Folders (searched for *.txt, *.md, *.jsonl) and files.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: deduplicated texts, report.json, report.md.")],
    unit: Annotated[Unit, typer.Option(help="Block unit: every non-blank line, or blank-line separated paragraphs.")] = Unit.line,
    threshold: Annotated[float, typer.Option(help="Jaccard similarity of shingle sets from which two blocks are near duplicates.")] = ScanConfig.threshold,
    shingle: Annotated[Shingle, typer.Option(help="Shingles: character or word n-grams.")] = Shingle.char,
    ngram: Annotated[int, typer.Option(help="Shingle size (characters or words).")] = ScanConfig.ngram,
    min_chars: Annotated[int, typer.Option(help="Blocks shorter than this (normalized; CJK counts double) are kept and never compared.")] = ScanConfig.min_chars,
    keep: Annotated[Keep, typer.Option(help="Which copy to keep: first seen, longest, or earliest dated (date field or 'date YYYY-MM-DD' header).")] = Keep.first,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.")] = ScanConfig.num_perm,
    bands: Annotated[Optional[int], typer.Option(help="LSH bands (default: chosen for 99% recall at the threshold).")] = None,
    rows: Annotated[Optional[int], typer.Option(help="LSH rows per band (with --bands).")] = None,
    seed: Annotated[int, typer.Option(help="MinHash seed.")] = ScanConfig.seed,
    scheme: Annotated[Scheme, typer.Option(help="datasketch permutation scheme.")] = Scheme.affine32,
    text_field: Annotated[str, typer.Option(help="JSONL field holding the text.")] = ScanConfig.text_field,
    id_field: Annotated[str, typer.Option(help="JSONL field holding the document id.")] = ScanConfig.id_field,
    date_field: Annotated[str, typer.Option(help="JSONL field holding the date (for --keep earliest).")] = ScanConfig.date_field,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (never changes the result).")] = 1,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write only report.json and report.md.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars and no summary.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")] = False,
) -> None:
    """Find repeated blocks in INPUTS and write a deduplicated copy of every document
    plus report.json and report.md to --out."""
    try:
        config = ScanConfig(
            unit=unit.value,
            shingle=shingle.value,
            ngram=ngram,
            threshold=threshold,
            num_perm=num_perm,
            bands=bands,
            rows=rows,
            seed=seed,
            scheme=scheme.value,
            min_chars=min_chars,
            keep=keep.value,
            text_field=text_field,
            id_field=id_field,
            date_field=date_field,
            jobs=jobs,
        )
        result = run_scan(inputs, out, config, dry_run=dry_run, progress=not quiet and sys.stderr.isatty())
    except DedupError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("dedup: interrupted; nothing was written to --out", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:  # an internal error: say how to report it
        if debug:
            traceback.print_exc()
        _fail(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback and report it)", EXIT_INTERNAL)
    if not quiet:
        typer.echo(_summary(result, dry_run))

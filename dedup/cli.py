"""The ``dedup`` command line: parses options (and the configuration file) into one
validated :class:`ScanConfig` and calls the library.  Nothing here decides a result."""

from __future__ import annotations

import inspect
import signal
import sys
import traceback
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .config import ScanConfig
from .errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED, DedupError, Terminated, printable
from .readers import unread_brief
from .settings import CHOICES, SCAN_KEYS, load_settings, merge

EXIT_LIMIT = 1

EXIT_CODES_HELP = (
    "Exit codes: 0 success (check: every limit holds); 1 check: a limit is broken; "
    "2 bad option or bad input (one line on stderr naming the file, nothing written); "
    "3 internal error (please report it; --debug shows the traceback) or a worker process died; "
    "4 the output could not be written (disk full, permissions; nothing half-written is left); "
    "130 interrupted (Ctrl-C); 143 terminated (SIGTERM)."
)

#: click's base of every usage error, found through typer's public BadParameter: typer
#: 0.26 and later carry their own copy of click, earlier ones use click itself.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class _OneLineErrors(TyperGroup):
    """Usage errors as one line on stderr, ``dedup: error: …``, exit 2, like every
    other error (click prints a usage block of three lines)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except _ClickException as exc:
            if not standalone_mode:
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":  # `dedup` alone: the help
                exc.show()
                sys.exit(exc.exit_code)
            ctx = getattr(exc, "ctx", None)
            see = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
            message = " ".join(exc.format_message().split()).rstrip(".")
            typer.echo(f"dedup: error: {message[:1].lower() + message[1:]}{see}", err=True)
            sys.exit(exc.exit_code)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


class _Command(TyperCommand):
    """A command whose usage line reads ``[OPTIONS] INPUT...`` (typer writes a required
    argument in braces)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts contain [default: …] and [tool.dedup]: print them as written
    help="Find exact and near-duplicate text blocks within and across documents. " + EXIT_CODES_HELP,
)


def _choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """A Typer choice type made from the tuple of values the library defines, so the
    command line can never offer a value the library does not know."""
    return Enum(name, {v: v for v in values}, type=str)  # type: ignore[return-value]


Unit = _choices("Unit", CHOICES["unit"])
Shingle = _choices("Shingle", CHOICES["shingle"])
Keep = _choices("Keep", CHOICES["keep"])
Scheme = _choices("Scheme", CHOICES["scheme"])
OnError = _choices("OnError", CHOICES["on_error"])
Engine = _choices("Engine", CHOICES["minhash_engine"])
Format = _choices("Format", CHOICES["format"])

D = ScanConfig()  # built-in defaults, shown in --help


def _opt(*names: str, help: str) -> Any:
    return typer.Option(*names, help=help, show_default=False)


Inputs = Annotated[list[Path], typer.Argument(metavar="INPUT...", help="Folders (searched for *.txt, *.md, *.jsonl) and files.", show_default=False)]

#: The options of both ``scan`` and ``check``, declared once: each command gets them
#: through :func:`_with_shared_options`, in this order, after its own options.
SHARED_OPTIONS: dict[str, Any] = {
    "unit": Annotated[Optional[Unit], _opt(help=f"Block unit: every non-blank line, or blank-line separated paragraphs. [default: {D.unit}]")],
    "threshold": Annotated[
        Optional[float], _opt(help=f"Jaccard similarity of shingle sets from which two blocks are near duplicates. [default: {D.threshold}]")
    ],
    "shingle": Annotated[Optional[Shingle], _opt(help=f"Shingles: character or word n-grams. [default: {D.shingle}]")],
    "ngram": Annotated[Optional[int], _opt(help=f"Shingle size in characters or words. [default: {D.ngram}]")],
    "min_chars": Annotated[
        Optional[int], _opt(help=f"Blocks shorter than this (normalized; CJK counts double) are never compared alone (see --min-run). [default: {D.min_chars}]")
    ],
    "keep": Annotated[
        Optional[Keep], _opt(help=f"Copy to keep: first seen, longest, or earliest dated (date field or 'date YYYY-MM-DD' header). [default: {D.keep}]")
    ],
    "containment": Annotated[
        Optional[float],
        _opt(
            help="Share of a block's shingles inside a fuller block from which it is a partial copy (split, cut, merged into a longer line), "
            f"removed in favour of the fuller block whatever --keep says; 0 turns partial copies off. [default: {D.containment}]"
        ),
    ],
    "tags": Annotated[
        Optional[bool],
        _opt(
            "--tags/--no-tags",
            help="A line that is another with a short tag that recurs ('SON DAKİKA: …', '… - Site') is removed in favour of the untagged one. "
            "[default: on]",
        ),
    ],
    "facts": Annotated[
        Optional[bool],
        _opt(
            "--facts/--no-facts",
            help="Blocks that differ in a number or a name are distinct unless the differing words are at most 5% of the longer block "
            "(weather or market lines of other places and days stay; a long paragraph with one number updated is a near copy). [default: on]",
        ),
    ],
    "min_run": Annotated[
        Optional[int],
        _opt(
            help="A run of this many consecutive short lines (under --min-chars) that repeats, in order, is removed as one unit "
            f"(menus of provinces or sections); a short line outside such a run is never compared; 0 turns runs off. [default: {D.min_run}]"
        ),
    ],
    "num_perm": Annotated[Optional[int], _opt(help=f"MinHash permutations. [default: {D.num_perm}]")],
    "bands": Annotated[Optional[int], _opt(help="LSH bands (with --rows). [default: chosen for 99% recall at the threshold]")],
    "rows": Annotated[Optional[int], _opt(help="LSH rows per band (with --bands).")],
    "seed": Annotated[Optional[int], _opt(help=f"MinHash seed. [default: {D.seed}]")],
    "scheme": Annotated[Optional[Scheme], _opt(help=f"datasketch permutation scheme. [default: {D.scheme}]")],
    "text_field": Annotated[Optional[str], _opt(help=f"JSONL field holding the text. [default: {D.text_field}]")],
    "id_field": Annotated[Optional[str], _opt(help=f"JSONL field holding the document id. [default: {D.id_field}]")],
    "date_field": Annotated[Optional[str], _opt(help=f"JSONL field holding the date (for --keep earliest). [default: {D.date_field}]")],
    "encoding": Annotated[
        Optional[str],
        _opt(help="Encoding of input files without a BOM, e.g. cp1254 or iso-8859-9 (UTF-8 and UTF-16 with a BOM are recognized). [default: utf-8]"),
    ],
    "on_error": Annotated[
        Optional[OnError],
        _opt(
            help="On a bad file or record: fail before writing anything, or skip it (copied to the output unchanged and listed in the report). "
            f"[default: {D.on_error}]"
        ),
    ],
    "minhash_engine": Annotated[
        Optional[Engine],
        _opt(
            help="How MinHash is computed; every engine gives the same signatures, bit for bit: native, a compiled loop over many blocks at once "
            "(built at install when a C compiler is there); numpy, the same batched in numpy (slower); datasketch, its update_batch per block "
            "(slowest); auto, native when built, else numpy. auto and native also screen LSH candidate pairs in compiled code; numpy and "
            f"datasketch run none. The legacy scheme always uses datasketch for MinHash. [default: {D.minhash_engine}]"
        ),
    ],
    "jobs": Annotated[Optional[int], _opt("--jobs", "-j", help=f"Worker processes; never changes the result. [default: {D.jobs}]")],
    "config": Annotated[Optional[Path], _opt("--config", help="Configuration file (default: the nearest dedup.toml or pyproject.toml with [tool.dedup]).")],
    "quiet": Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars and no summary.")],
    "debug": Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")],
}
_FLAGS = ("quiet", "debug")  # False by default; every other shared option None (not given)


def _with_shared_options(func: Callable[..., None]) -> Callable[..., None]:
    """Give a command (``def cmd(own options..., **shared)``) the shared options, as
    if each were written in its signature: Typer reads ``__signature__``."""
    signature = inspect.signature(func, eval_str=True)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False if name in _FLAGS else None, annotation=annotation)
        for name, annotation in SHARED_OPTIONS.items()
    ]
    func.__signature__ = signature.replace(parameters=[*own, *shared])  # type: ignore[attr-defined]
    func.__annotations__ = {**func.__annotations__, **SHARED_OPTIONS}
    return func


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dedup {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Find exact and near-duplicate text blocks within and across documents."""


def _enum_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in values.items()}


def _config(cli_values: dict[str, Any], settings: dict[str, Any]) -> ScanConfig:
    """The scan options: the command line's (those given) over the file's."""
    merged = merge(_enum_values(cli_values), settings)
    return ScanConfig(**{k: v for k, v in merged.items() if k in SCAN_KEYS})


def _terminate(signum, frame):  # noqa: ARG001
    raise Terminated()


def _run(body: Callable[[], int | None], debug: bool) -> None:
    """Run a command body, turning every failure into one line and an exit code."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        code = body()
    except DedupError as exc:
        typer.echo(f"dedup: error: {printable(str(exc))}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("dedup: interrupted; nothing was written", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Terminated:
        typer.echo("dedup: terminated; nothing was written", err=True)
        raise typer.Exit(EXIT_TERMINATED) from None
    except Exception as exc:  # an internal error: say how to report it
        if debug:
            traceback.print_exc()
        typer.echo(
            f"dedup: internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback and report it)",
            err=True,
        )
        raise typer.Exit(EXIT_INTERNAL) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code:
        raise typer.Exit(code)


def _summary(result, dry_run: bool) -> str:
    s = result.report["summary"]
    t = result.timings.get("total", 0.0)
    p = result.report["parameters"]
    lines = [
        f"documents        {s['documents']:>10,}",
        f"blocks           {s['blocks']:>10,}   ({s['short_blocks']:,} shorter than {p['min_chars']} chars, never compared alone)",
        f"clusters         {s['clusters']:>10,}   ({', '.join(f'{n:,} {k}' for k, n in s['clusters_by_kind'].items() if n or k in ('exact', 'near'))}; "
        f"{s['clusters_by_scope']['within']:,} within a document, {s['clusters_by_scope']['across']:,} across)",
        f"duplicate blocks {s['duplicate_blocks']:>10,}   ({s['removed_blocks']:,} removed, {s['duplicate_ratio']:.1%} of all blocks; "
        f"{s['removed_by_scope']['within']:,} repeated their own document, {s['removed_by_scope']['across']:,} another one)",
        f"characters       {s['input_chars']:>10,}   in, {s['removed_chars']:,} removed ({s['removed_char_ratio']:.1%}), {s['output_chars']:,} out",
        f"time             {t:>10.2f} s",
    ]
    if s["skipped"]:  # --on-error skip passed bad input through: say so, not only in the report
        first = result.report["skipped"][0]
        more = f"; {s['skipped'] - 1} more in report.json" if s["skipped"] > 1 else ""
        what = f"{printable(first['where'])}: {printable(first['reason'])}{more}"
        lines.insert(5, f"skipped          {s['skipped']:>10,}   bad files or records copied unchanged ({what})")
    if s.get("unread_files"):  # files under the input folders that were not read: never silently
        brief = unread_brief(result.report["unread"], "report.json")
        lines.insert(-1, f"not read         {s['unread_files']:>10,}   files ({brief})")
    if result.out is not None:
        what = "reports only (--dry-run)" if dry_run else "deduplicated texts and reports"
        lines.append(f"written to       {result.out}/  ({what}: see {result.out}/report.md)")
    return "\n".join(lines)


def _progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


@app.command(cls=_Command, epilog=EXIT_CODES_HELP)
@_with_shared_options
def scan(
    inputs: Inputs,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: deduplicated texts, report.json, report.md, dedup-manifest.json.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write only report.json, report.md and the manifest.")] = False,
    **shared: Any,
) -> None:
    """Find repeated blocks in the inputs and write a deduplicated copy of every document
    plus report.json and report.md to --out."""
    from .scan import scan as run_scan

    def body() -> None:
        settings, _ = load_settings(shared["config"])
        cfg = _config(shared, settings)
        result = run_scan(inputs, out, cfg, dry_run=dry_run, progress=_progress(shared["quiet"]))
        if not shared["quiet"]:
            typer.echo(_summary(result, dry_run))
        for warning in result.warnings:
            typer.echo(f"dedup: warning: {warning}", err=True)

    _run(body, shared["debug"])


@app.command(cls=_Command, epilog=EXIT_CODES_HELP)
@_with_shared_options
def check(
    inputs: Inputs,
    max_duplicate_ratio: Annotated[Optional[float], _opt(help="Most new duplicate blocks allowed, as a share of all blocks (0.01 = 1 %).")] = None,
    max_cross_duplicates: Annotated[Optional[int], _opt(help="Most new duplicate blocks allowed whose kept copy is in another document.")] = None,
    max_within_duplicates: Annotated[Optional[int], _opt(help="Most new duplicate blocks allowed whose kept copy is in the same document.")] = None,
    baseline: Annotated[Optional[Path], _opt(help="Baseline of known duplicates: only new ones count.")] = None,
    write_baseline: Annotated[Optional[Path], _opt(help="Record today's duplicates in this baseline file and exit 0.")] = None,
    format: Annotated[
        Optional[Format], _opt("--format", "-f", help="Output: text for people, json, github (workflow annotations), junit (XML). [default: text]")
    ] = None,
    **shared: Any,
) -> None:
    """Check the inputs for duplicate blocks against limits, writing nothing but the
    verdict: exit 0 when every limit holds, 1 when one is broken.  With no limit
    given, no new duplicate is allowed."""
    from .check import Limits, load_baseline
    from .check import check as run_check
    from .check import write_baseline as save_baseline
    from .check_format import render

    quiet = shared["quiet"]
    own = {
        "max_duplicate_ratio": max_duplicate_ratio,
        "max_cross_duplicates": max_cross_duplicates,
        "max_within_duplicates": max_within_duplicates,
        "format": format,
    }

    def body() -> int:
        settings, source = load_settings(shared["config"])
        cfg = _config(shared, settings)
        merged = merge(_enum_values(own), settings)
        fmt = merged.get("format", "text")
        limits = Limits(merged.get("max_duplicate_ratio"), merged.get("max_cross_duplicates"), merged.get("max_within_duplicates"))
        base_path: Path | str | None = baseline if baseline is not None else settings.get("baseline")
        if baseline is None and base_path is not None and source is not None:
            base_path = source.parent / base_path  # a path in a config file is relative to that file
        base = load_baseline(Path(base_path)) if base_path is not None and write_baseline is None else None
        verdict = run_check(inputs, limits, cfg, baseline=base, progress=_progress(quiet) and fmt == "text")
        if write_baseline is not None:
            save_baseline(write_baseline, verdict.duplicates, verdict.parameters)
            if not quiet:
                typer.echo(f"dedup: wrote {len(verdict.duplicates)} known duplicates to {write_baseline}", err=True)
            return 0
        text, warning = render(verdict, fmt, quiet)
        if text:
            typer.echo(text)
        if warning:
            typer.echo(f"dedup: warning: {warning}", err=True)
        return 0 if verdict.passed else EXIT_LIMIT

    _run(body, shared["debug"])

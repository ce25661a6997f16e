"""Errors a user can meet, each with its exit code (documented in README and --help)."""

from __future__ import annotations

__all__ = [
    "printable",
    "DedupError",
    "InputError",
    "UsageError",
    "OutputError",
    "Terminated",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_OUTPUT",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
]

EXIT_OK = 0
EXIT_USAGE = 2  # bad option or bad input: nothing was written
EXIT_INTERNAL = 3  # a bug, or a worker process died: nothing was written
EXIT_OUTPUT = 4  # the output could not be written (disk full, permissions): nothing was left half-written
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_TERMINATED = 143  # SIGTERM


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_CONTROL.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def printable(text: str) -> str:
    """``text`` on one line: line breaks and other control characters (a file may be
    named with them) written as escapes, so a message or a table row stays one line."""
    return text.translate(_CONTROL)


class DedupError(Exception):
    """An expected failure: one line for the user, and an exit code."""

    exit_code = EXIT_USAGE


class UsageError(DedupError):
    """Options that contradict each other or the file system (e.g. --out inside an input)."""


class InputError(DedupError):
    """Input that cannot be read as the corpus it claims to be; names the file (and line)."""


class OutputError(DedupError):
    """The output folder could not be written; the partial output was removed."""

    exit_code = EXIT_OUTPUT


class WorkerError(DedupError):
    """A worker process died (exit code of an internal error: nothing was written)."""

    exit_code = EXIT_INTERNAL


class Terminated(BaseException):
    """Raised by the SIGTERM handler so that clean-up code runs, like KeyboardInterrupt."""

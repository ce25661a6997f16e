"""Errors a user can meet, each with its exit code (documented in README and --help)."""

from __future__ import annotations

__all__ = [
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

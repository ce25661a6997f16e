"""Errors a user can meet, each with its exit code (documented in README and --help)."""

from __future__ import annotations

__all__ = ["DedupError", "InputError", "UsageError", "EXIT_OK", "EXIT_USAGE", "EXIT_INTERRUPTED"]

EXIT_OK = 0
EXIT_USAGE = 2  # bad option or bad input: nothing was written
EXIT_INTERRUPTED = 130


class DedupError(Exception):
    """An expected failure: one line for the user, and an exit code."""

    exit_code = EXIT_USAGE


class UsageError(DedupError):
    """Options that contradict each other or the file system (e.g. --out inside an input)."""


class InputError(DedupError):
    """Input that cannot be read as the corpus it claims to be; names the file (and line)."""

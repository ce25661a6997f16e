"""Giving freed memory back to the system between the stages of a scan."""

from __future__ import annotations

import ctypes
import sys

__all__ = ["release_memory"]


def release_memory() -> None:
    """Give freed memory back to the system.  glibc keeps the heap pages that were
    freed, so after the analysis of a large corpus the process would go on holding
    much memory it no longer uses.  Does nothing where there is no ``malloc_trim``."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


_malloc_trim = _find_malloc_trim()

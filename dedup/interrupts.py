"""Holding Ctrl-C and SIGTERM back while a temporary folder is made and handed over.

A signal is handled between two bytecodes, wherever the main thread happens to be.
Right after ``tempfile.mkdtemp`` has made its folder, and before the caller holds it (to
remove it on the way out), an interruption would leave the folder behind: a test that
signals a scan the moment its scratch folder appears hit this on a busy machine.  Inside
:func:`deferred_signals` the signal is only noted, and raised again once the block ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["deferred_signals"]

_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Run the block with SIGINT and SIGTERM noted instead of handled; deliver them,
    in order, to the handlers in place before, when the block ends (however it ends).
    Python handles signals in the main thread only: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def note(signum, frame):  # noqa: ARG001
        pending.append(signum)

    previous = {s: signal.signal(s, note) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for s in pending:
            signal.raise_signal(s)

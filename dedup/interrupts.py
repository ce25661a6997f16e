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
    Python handles signals in the main thread only: elsewhere this does nothing, and
    so it does for a signal whose handler was not set from Python (it could not be put
    back)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def note(signum, frame):  # noqa: ARG001
        pending.append(signum)

    previous: dict[int, object] = {}
    try:
        for s in _SIGNALS:
            handler = signal.getsignal(s)
            if handler is None:
                continue
            previous[s] = handler  # before the swap: an interruption here still restores it
            signal.signal(s, note)
        yield
    finally:
        # Every handler goes back before anything is delivered, and each one even if
        # a signal arriving meanwhile raises from a handler already put back.
        _restore(list(previous.items()))
        for s in pending:
            signal.raise_signal(s)


def _restore(handlers: list[tuple[int, object]]) -> None:
    if handlers:
        try:
            signal.signal(*handlers[0])
        finally:
            _restore(handlers[1:])

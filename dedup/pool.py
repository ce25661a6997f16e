"""Worker processes: how dedup starts them (the analysis and the output writer)."""

from __future__ import annotations

import multiprocessing
import signal

__all__ = ["WORKER_DIED", "worker_context", "worker_init"]

#: The error when a worker process dies (BrokenProcessPool).
WORKER_DIED = (
    "a worker process died: the system may have killed it for memory, or a script calls dedup with "
    "jobs > 1 outside `if __name__ == \"__main__\":` (workers import the main script; see README); "
    "jobs 1 runs without workers"
)


def worker_context():
    """Workers start from a small server process (``forkserver``, which has imported
    dedup's analysis already), not as forks of this one: a fork would carry the whole
    corpus along, counted again in every worker's memory.  ``spawn`` where there is
    no forkserver (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([f"{__package__}.analyze"])  # imported once by the server, not by every worker
    return ctx


def worker_init() -> None:
    """Workers ignore Ctrl-C: a terminal sends it to every process of the group, and
    the main process alone stops the run (one line, exit 130), then drops the queue."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

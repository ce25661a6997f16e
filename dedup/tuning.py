"""Batch, chunk and cache sizes of the detection: how the work is cut, never what it finds.

Every field of :class:`Tuning` bounds memory or amortizes call overhead; none changes a
result (the tests run detection with tiny values and compare).  They are not options of
a scan (:class:`dedup.config.ScanConfig`) and never appear in a report.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["DEFAULT_TUNING", "Tuning"]


@dataclass(frozen=True, slots=True)
class Tuning:
    """Sizes that decide how detection cuts its work (see the module docs)."""

    #: A batch of documents for the analysis closes once it holds this many characters...
    batch_chars: int = 1 << 19
    #: ... or this many documents.
    batch_docs: int = 2000
    #: Keys a worker process remembers having signed (least recently met forgotten
    #: first): boilerplate repeated in every batch is signed once per worker.
    worker_keys: int = 1 << 18
    #: Whole signatures the signature spill keeps in memory after reading them.
    spill_cache_rows: int = 1 << 16
    #: LSH candidate pairs screened (or gathered) at once.
    lsh_chunk: int = 4096
    #: A center's candidates are estimated and verified this many at a time: a family
    #: of near copies can be as large as the corpus (a footer numbered with the page).
    verify_chunk: int = 8192
    #: Nodes shingled at once during verification (ahead of need, in the order the
    #: clustering meets them).
    shingle_ahead: int = 512
    #: Shingle sets kept for verification; the oldest go first.
    shingle_cache: int = 32768

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 1:
                raise ValueError(f"Tuning.{f.name} must be at least 1, not {getattr(self, f.name)}")


#: Today's sizes.
DEFAULT_TUNING = Tuning()

"""Plain data passed between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    """One document of the corpus.

    ``id`` is unique in a run: a path relative to the input root for text files, the
    id field (or ``file:line``) for JSONL records.  ``order`` is the document's rank in
    the deterministic reading order; ``date`` (``YYYY-MM-DD``) comes from a date field
    or a ``date YYYY-MM-DD`` header line, when present.
    """

    id: str
    text: str
    order: int = 0
    date: str | None = None
    source: str = ""  # the file it came from, relative to the input root
    line: int | None = None  # 1-based line in a JSONL file
    meta: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph (or line) of a document.

    ``start:end`` is the block's text without surrounding white space; ``seg_start:
    seg_end`` the whole lines it stands on (indentation included, line break not):
    that is what is cut out when the block is removed.  ``line`` is 1-based.
    """

    index: int
    start: int
    end: int
    seg_start: int
    seg_end: int
    line: int

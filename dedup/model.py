"""Plain data passed between the pipeline stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


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


class Blocks(Sequence):
    """The blocks of one document, held compactly as the rows ``(start, end, seg_start,
    seg_end, line)`` of an integer array; indexing gives :class:`Block` objects.  A
    corpus of millions of blocks costs 40 bytes per block this way, not a Python
    object each."""

    __slots__ = ("rows",)

    def __init__(self, rows: np.ndarray):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self.rows)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("block index out of range")
        return Block(i, *self.rows[i].tolist())

    def __eq__(self, other) -> bool:
        if isinstance(other, Blocks):
            return np.array_equal(self.rows, other.rows)
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"Blocks({list(self)!r})"

"""Plain data passed between the pipeline stages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


class Document:
    """One document of the corpus.

    ``id`` is unique in a run: a path relative to the input root for text files, the
    id field (or ``file:line``) for JSONL records.  ``order`` is the document's rank in
    the deterministic reading order (None, the default: its position in the list or
    stream given to :func:`dedup.detect`; the reader numbers what it reads); ``date`` (``YYYY-MM-DD``) comes from a date field
    or a ``date YYYY-MM-DD`` header line, when present.

    The text is held as UTF-8 (``data``; lone surrogates, which JSON strings can
    carry, pass through) and decoded when ``text`` is read: most text is not Latin-1,
    and a Python string of it costs 2 bytes per character, UTF-8 a little over one.
    Documents are immutable; :meth:`replace` makes a changed copy.
    """

    __slots__ = ("id", "data", "length", "order", "date", "source", "line", "meta")

    def __init__(
        self,
        id: str,
        text: str,
        order: int | None = None,
        date: str | None = None,
        source: str = "",
        line: int | None = None,
        meta: dict[str, Any] | None = None,
        *,
        data: bytes | None = None,
    ):
        set_ = object.__setattr__
        set_(self, "id", id)
        set_(self, "data", data if data is not None else text.encode("utf-8", "surrogatepass"))
        set_(self, "length", len(text))  # in characters
        set_(self, "order", order)
        set_(self, "date", date)
        set_(self, "source", source)
        set_(self, "line", line)
        set_(self, "meta", {} if meta is None else meta)

    @property
    def text(self) -> str:
        """The document's text (decoded from :attr:`data` each time)."""
        return self.data.decode("utf-8", "surrogatepass")

    def replace(self, **changes) -> Document:
        """A copy with some fields changed (``text`` included)."""
        fields = {k: getattr(self, k) for k in ("id", "order", "date", "source", "line", "meta")}
        if "text" in changes:
            return Document(text=changes.pop("text"), **{**fields, **changes})
        doc = Document.__new__(Document)
        for k, v in {**fields, "data": self.data, "length": self.length, **changes}.items():
            object.__setattr__(doc, k, v)
        return doc

    def __setattr__(self, name, value):
        raise AttributeError(f"Document is immutable: use replace({name}=...)")

    def __eq__(self, other) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return (self.id, self.data, self.order, self.date, self.source, self.line) == (other.id, other.data, other.order, other.date, other.source, other.line)

    def __hash__(self) -> int:
        return hash((self.id, self.data, self.order, self.date, self.source, self.line))

    def __repr__(self) -> str:
        text = self.text
        shown = text if len(text) <= 60 else text[:57] + "..."
        return f"Document(id={self.id!r}, text={shown!r}, order={self.order}, date={self.date!r}, source={self.source!r}, line={self.line!r})"


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

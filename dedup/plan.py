"""The plan: the deduplicated text of every document, made from the detection's
removed blocks when it is needed (never a corpus's worth of strings at once)."""

from __future__ import annotations

import codecs
from collections.abc import Sequence

from .cut import plan_cut
from .detect import Detection

__all__ = ["OutputTexts", "output_texts"]


class OutputTexts(Sequence):
    """The deduplicated text of every document, in document order, made when asked
    for: a corpus's worth of output strings is never held at once.  The slices that
    make a document's output are planned once (for the report's character counts)
    and reused when the text is written."""

    def __init__(self, det: Detection):
        self._det = det
        self._spans: dict[int, list[tuple[int, int]]] = {}

    def __len__(self) -> int:
        return len(self._det.documents)

    def plan(self, i: int, text: str | None = None) -> list[tuple[int, int]] | None:
        """The slices of document ``i``'s output (None: unchanged); ``text``: the
        document's text, when the caller has decoded it already."""
        det = self._det
        if not det.removed[i]:
            return None
        spans = self._spans.get(i)
        if spans is None:
            text = det.documents[i].text if text is None else text
            spans = self._spans[i] = plan_cut(text, det.blocks[i], det.removed[i])
        return spans

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        text = self._det.documents[i].text
        spans = self.plan(i)
        if spans is None:
            return text
        return "".join(text[s:e] for s, e in spans)

    def length(self, i: int) -> int:
        """``len(self[i])``, without making the text."""
        spans = self.plan(i)
        if spans is None:
            return self._det.documents[i].length
        return sum(e - s for s, e in spans)

    def changed(self, i: int) -> bool:
        """Whether document ``i`` loses anything (a removed block is never empty)."""
        return bool(self._det.removed[i])

    def encoded(self, i: int, encoding: str, errors: str) -> bytes:
        """``self[i].encode(encoding, errors)``; an unchanged UTF-8 document is not
        decoded at all."""
        if not self.changed(i) and codecs.lookup(encoding).name == "utf-8":
            return self._det.documents[i].data
        return self[i].encode(encoding, errors)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))


def output_texts(det: Detection) -> OutputTexts:
    """The deduplicated text of every document, in document order (computed lazily)."""
    return OutputTexts(det)

"""Cutting removed blocks out of a document's text.

The output is made only of slices of the input: kept blocks are byte-identical, and so
is everything before the first block and after the last one.  Between two kept blocks
exactly one of the original separators (line breaks and blank lines) is kept: the one
with the most line breaks among those the removed blocks stood between (the first of
equals).  So removing a paragraph leaves no doubled blank line behind, and removing the
last line of a paragraph does not glue two paragraphs together.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .model import Block

__all__ = ["cut"]


def _breaks(sep: str) -> int:
    return sep.count("\n") + sep.count("\r") - sep.count("\r\n")


def cut(text: str, blocks: Sequence[Block], removed: Collection[int]) -> str:
    """Return ``text`` without the blocks whose index is in ``removed``."""
    if not removed:
        return text
    kept = [b for b in blocks if b.index not in removed]
    if not blocks:
        return text
    out = [text[: blocks[0].seg_start]]
    if not kept:
        out.append(text[blocks[-1].seg_end :])
        return "".join(out)
    # Separators: sep[i] stands between blocks[i] and blocks[i + 1].
    prev: Block | None = None
    for b in kept:
        if prev is not None:
            best = None
            best_breaks = -1
            for i in range(prev.index, b.index):
                sep = text[blocks[i].seg_end : blocks[i + 1].seg_start]
                n = _breaks(sep)
                if n > best_breaks:
                    best, best_breaks = sep, n
            out.append(best or "")
        out.append(text[b.seg_start : b.seg_end])
        prev = b
    out.append(text[blocks[-1].seg_end :])
    return "".join(out)

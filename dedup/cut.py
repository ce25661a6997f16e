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


def _strongest(seps) -> str:
    best, best_breaks = "", -1
    for sep in seps:
        n = _breaks(sep)
        if n > best_breaks:
            best, best_breaks = sep, n
    return best


def cut(text: str, blocks: Sequence[Block], removed: Collection[int]) -> str:
    """Return ``text`` without the blocks whose index is in ``removed``."""
    if not removed or not blocks:
        return text
    kept = [b for b in blocks if b.index not in removed]

    def sep(i: int) -> str:  # the separator after blocks[i]
        return text[blocks[i].seg_end : blocks[i + 1].seg_start]

    lead = text[: blocks[0].seg_start]
    trail = text[blocks[-1].seg_end :]
    if not kept:
        # The white space that ends the lead and the trail are the two separators
        # left around the removed text: keep the stronger one only.
        # A document that was all duplicates becomes empty (a date header stays).
        core = lead.rstrip()
        return core + _strongest([lead[len(core) :], trail]) if core else ""
    out = [lead]
    if kept[0].index > 0 and lead and lead[-1] not in "\r\n":
        # The first block shared its line with the lead (a date header): the next
        # kept block must not be glued onto that line.
        out.append(_strongest(sep(i) for i in range(kept[0].index)))
    prev: Block | None = None
    for b in kept:
        if prev is not None:
            out.append(_strongest(sep(i) for i in range(prev.index, b.index)))
        out.append(text[b.seg_start : b.seg_end])
        prev = b
    out.append(trail)
    return "".join(out)

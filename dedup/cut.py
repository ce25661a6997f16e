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

from .model import Block, Blocks

__all__ = ["cut", "cut_length", "plan_cut"]


def _breaks(text: str, span: tuple[int, int]) -> int:
    sep = text[span[0] : span[1]]
    return sep.count("\n") + sep.count("\r") - sep.count("\r\n")


def _strongest(text: str, spans) -> tuple[int, int]:
    best, best_breaks = (0, 0), -1
    for span in spans:
        n = _breaks(text, span)
        if n > best_breaks:
            best, best_breaks = span, n
    return best


def plan_cut(text: str, blocks: Sequence[Block], removed: Collection[int]) -> list[tuple[int, int]]:
    """The (start, end) slices of ``text`` that make the output, in order.  Kept text
    between two removals is one slice, so the work follows the removed blocks only."""
    if not removed or not blocks:
        return [(0, len(text))]
    last = len(blocks) - 1
    if isinstance(blocks, Blocks):  # compact rows: read the two columns at once
        seg_start, seg_end = blocks.rows[:, 2].tolist(), blocks.rows[:, 3].tolist()
    else:
        seg_start, seg_end = [b.seg_start for b in blocks], [b.seg_end for b in blocks]

    def sep(i: int) -> tuple[int, int]:  # the separator after blocks[i]
        return (seg_end[i], seg_start[i + 1])

    lead_end = seg_start[0]
    if len(removed) == len(blocks):
        # The white space that ends the lead and the trail are the two separators
        # left around the removed text: keep the stronger one only.
        # A document that was all duplicates becomes empty (a date header stays).
        core_end = len(text[:lead_end].rstrip())
        trail = (seg_end[last], len(text))
        return [(0, core_end), _strongest(text, [(core_end, lead_end), trail])] if core_end else []
    out: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:  # adjacent slices merge into one
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        elif end > start:
            out.append((start, end))

    cursor = 0
    runs: list[list[int]] = []  # maximal runs of consecutive removed blocks
    for i in sorted(removed):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    for r0, r1 in runs:
        if r0 == 0:  # removed from the start: the lead stays
            add(0, lead_end)
            if lead_end and text[lead_end - 1] not in "\r\n":
                # The first block shared its line with the lead (a date header): the
                # next kept block must not be glued onto that line.
                add(*_strongest(text, (sep(i) for i in range(r1 + 1))))
            cursor = seg_start[r1 + 1]
        elif r1 == last:  # removed to the end: the trail stays
            add(cursor, seg_end[r0 - 1])
            cursor = seg_end[last]
        else:  # between two kept blocks: one separator, the strongest
            add(cursor, seg_end[r0 - 1])
            add(*_strongest(text, (sep(i) for i in range(r0 - 1, r1 + 1))))
            cursor = seg_start[r1 + 1]
    add(cursor, len(text))
    return out


def cut(text: str, blocks: Sequence[Block], removed: Collection[int]) -> str:
    """Return ``text`` without the blocks whose index is in ``removed``."""
    if not removed or not blocks:
        return text
    return "".join(text[s:e] for s, e in plan_cut(text, blocks, removed))


def cut_length(text: str, blocks: Sequence[Block], removed: Collection[int]) -> int:
    """``len(cut(text, blocks, removed))``, without making the text."""
    if not removed or not blocks:
        return len(text)
    return sum(e - s for s, e in plan_cut(text, blocks, removed))

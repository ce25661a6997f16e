"""Menu runs: repeated runs of short lines.

A line shorter than ``--min-chars`` is never compared on its own: a province's name
alone (a dateline) is not a copy of the same name in a menu.  A province menu is a
*run* of such lines, and it is the run that repeats from page to page.  A window of
``min_run`` consecutive short blocks of one document whose normalized texts appear in
that order earlier in the corpus (in the keep policy's document order) is a repeated
run; every block of such a window is removed, and matched to the aligned block of the
window's first occurrence.  A short block that is in no repeated window stays.

Nothing is lost: a removed block's text is the aligned block's, which comes earlier;
if that one is removed too, it is by an occurrence earlier still, so the earliest
occurrence of every removed text is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RunMatch", "find_runs"]

_U64 = np.uint64
_MULT = _U64(0x9E3779B97F4A7C15)


@dataclass
class RunMatch:
    """The blocks removed as parts of repeated runs (flat indices, ascending) and, for
    each, the flat index of the block it repeats (aligned in the first occurrence)."""

    blocks: np.ndarray
    source: np.ndarray


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    return h


def find_runs(short_key: np.ndarray, doc_of_block: np.ndarray, doc_rank: np.ndarray, min_run: int) -> RunMatch:
    """The repeated runs (see the module docs).  ``short_key``: per flat block, the key
    of a short block's normalized text (0: not a short block); ``doc_of_block``: each
    block's document; ``doc_rank``: each document's place in the keep policy's order
    (smaller first)."""
    n = len(short_key)
    none = RunMatch(np.zeros(0, np.int64), np.zeros(0, np.int64))
    if n < min_run or min_run < 2:
        return none
    short = short_key != 0
    # Windows [i, i + min_run): all short, all in one document.
    ok = short.astype(np.int64)
    csum = np.concatenate(([0], np.cumsum(ok)))
    starts = np.arange(n - min_run + 1)
    full = (csum[starts + min_run] - csum[starts]) == min_run
    same_doc = doc_of_block[starts] == doc_of_block[starts + min_run - 1]
    starts = starts[full & same_doc]
    if not len(starts):
        return none
    with np.errstate(over="ignore"):
        h = np.zeros(len(starts), dtype=_U64)
        for j in range(min_run):
            h = _mix((h * _MULT) ^ short_key[starts + j].astype(_U64))
    # Each window's first occurrence, in keep-policy order (document rank, then place).
    order = np.lexsort((starts, doc_rank[doc_of_block[starts]], h))
    hs = h[order]
    group_start = np.concatenate(([True], hs[1:] != hs[:-1]))
    first_of_group = np.maximum.accumulate(np.where(group_start, np.arange(len(order)), 0))
    first = order[first_of_group]
    repeat = ~group_start
    # Key collisions: a repeat must hold the same keys as its first occurrence.
    rep_windows, src_windows = starts[order[repeat]], starts[first[repeat]]
    same = np.ones(len(rep_windows), dtype=bool)
    for j in range(min_run):
        same &= short_key[rep_windows + j] == short_key[src_windows + j]
    rep_windows, src_windows = rep_windows[same], src_windows[same]
    if not len(rep_windows):
        return none
    blocks = (rep_windows[:, None] + np.arange(min_run)).ravel()
    source = (src_windows[:, None] + np.arange(min_run)).ravel()
    # A block in several repeated windows: the one whose source comes first.
    by = np.lexsort((source, blocks))
    blocks, source = blocks[by], source[by]
    keep = np.concatenate(([True], blocks[1:] != blocks[:-1]))
    blocks, source = blocks[keep], source[keep]
    # A source removed itself repeats an earlier block: follow to the one kept.
    repeats = source
    while True:
        at = np.minimum(np.searchsorted(blocks, source), len(blocks) - 1)
        hit = blocks[at] == source
        if not hit.any():
            return RunMatch(blocks, source)
        source = np.where(hit, repeats[at], source)

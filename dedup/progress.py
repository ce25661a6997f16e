"""Progress bars on standard error (tqdm), one per long stage, cleared when it ends."""

from __future__ import annotations

import sys

from tqdm import tqdm

__all__ = ["bar"]


def bar(total: int | None, desc: str, unit: str, enabled: bool) -> tqdm:
    """A bar for one stage; ``enabled=False`` gives one that draws nothing (the stage
    code updates it all the same)."""
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, file=sys.stderr, leave=False, dynamic_ncols=True)

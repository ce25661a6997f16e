from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of seeds/ (tests must never write beside the real one)."""
    dst = tmp_path / "seeds"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture
def isolated_cwd(tmp_path: Path, monkeypatch) -> Path:
    """Run from an empty folder, so no dedup.toml or pyproject.toml around the
    repository can change the options (use with ``pytestmark``)."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def write_docs(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
    return folder


LINE_BREAK = re.compile(r"\r\n|\r|\n")


def assert_cut_from(text: str, blocks, kept, out: str) -> None:
    """``out`` is ``text`` with whole block segments cut out: the text before the first
    block, then every kept segment byte for byte with only white space taken from the
    input between them, then the text after the last block.  A kept block that began a
    line still begins one."""
    prefix = text[: blocks[0].seg_start]
    assert out.startswith(prefix)
    pos = len(prefix)
    prev_end = blocks[0].seg_start
    for k, b in enumerate(kept):
        seg = text[b.seg_start : b.seg_end]
        gap_end = out.index(seg, pos)
        gap = out[pos:gap_end]
        assert gap.strip() == "", repr(gap)
        assert gap in text[prev_end : b.seg_start], repr(gap)
        if k > 0:
            assert LINE_BREAK.search(gap), repr(gap)  # two kept blocks are never glued
        if b.seg_start == 0 or text[b.seg_start - 1] in "\r\n":
            assert gap_end == 0 or out[gap_end - 1] in "\r\n", "a kept block lost its own line"
        pos = gap_end + len(seg)
        prev_end = b.seg_end
    assert out[pos:] == text[blocks[-1].seg_end :]


def max_break_run(text: str) -> int:
    """The largest number of line breaks in one stretch of white space (a run of
    blank lines counts its breaks; ``\\r\\n`` is one break)."""
    best = 0
    for m in re.finditer(r"[^\S\r\n]*(?:(?:\r\n|\r|\n)[^\S\r\n]*)+", text):
        best = max(best, len(LINE_BREAK.findall(m.group(0))))
    return best

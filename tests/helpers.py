"""Helpers shared by the tests of several modules: settings, strategies, fixtures of
text and small functions over detections."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import write_docs
from hypothesis import settings
from hypothesis import strategies as st

from dedup import Document, ScanConfig
from dedup.analyze import Analysis, analyze
from dedup.normalize import normalize
from dedup.shingle import jaccard, shingle_sets
from dedup.signatures import NATIVE
from dedup.spill import SignatureSpill
from dedup.split import split
from dedup.tuning import DEFAULT_TUNING, Tuning

__all__ = [
    "CHAIN_A",
    "CHAIN_B",
    "CHAIN_C",
    "CHAIN_T",
    "FAST",
    "LINE_BREAKS",
    "LINE_CONTENT",
    "NATIVE",
    "WORDS",
    "analysis_of",
    "block_texts",
    "docs_of",
    "menu_corpus",
    "native_only",
    "one_by_one",
    "removed_texts",
    "text_similarity",
]

FAST = settings(max_examples=60, deadline=None)

#: The content of a line, and a line break (generated text for split and cut).
LINE_CONTENT = st.text(alphabet="ab İıçşĞ\t\u00a0xyz.", max_size=8)
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r"])

#: Three texts that form a chain at CHAIN_T: A ~ B and B ~ C, but not A ~ C.
WORDS = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
    "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
]
CHAIN_A = " ".join(WORDS[0:20])
CHAIN_B = " ".join(WORDS[3:23])
CHAIN_C = " ".join(WORDS[6:26])
CHAIN_T = 0.65

native_only = pytest.mark.skipif(not NATIVE, reason="dedup's compiled kernel is not built here (no C compiler at install)")


def one_by_one(similarity):
    """The vectorized similarities star_clusters asks for, from a function of one pair."""
    return lambda center, others: np.array([similarity(center, o) for o in others.tolist()], dtype=float)


def block_texts(text: str, unit: str = "line") -> list[str]:
    """The text of every block of ``text``."""
    return [text[b.start : b.end] for b in split(text, unit)]


def text_similarity(a: str, b: str) -> float:
    """The Jaccard similarity dedup computes for two texts (default shingles)."""
    sa, sb = shingle_sets([normalize(a), normalize(b)])
    return jaccard(sa, sb)


def docs_of(*texts: str, dates=None) -> list[Document]:
    """Documents ``d0``, ``d1``, ... of these texts, in this order (with these dates)."""
    dates = dates or [None] * len(texts)
    return [Document(f"d{i}", t, order=i, date=d) for i, (t, d) in enumerate(zip(texts, dates))]


def removed_texts(det) -> list[tuple[int, str]]:
    """``(document, text)`` of every removed block of a detection, in reading order."""
    out = []
    for d, doc in enumerate(det.documents):
        for b in sorted(det.removed[d]):
            blk = det.blocks[d][b]
            out.append((d, doc.text[blk.start : blk.end]))
    return out


def menu_corpus(folder: Path, pages: int) -> Path:
    """``pages`` text files under ``folder``, each a three-line menu and a story of its own."""
    menu = "Adana Adıyaman Afyonkarahisar\nAğrı Amasya Ankara Antalya\nArtvin Aydın Balıkesir Bilecik"
    return write_docs(folder, {f"p{i:03d}.txt": f"{menu}\nStory {i}: " + " ".join(f"w{i}x{k}" for k in range(12)) + "\n" for i in range(pages)})


def analysis_of(documents: list[Document], config: ScanConfig | None = None, tuning: Tuning = DEFAULT_TUNING) -> tuple[Analysis, np.ndarray]:
    """The analysis of ``documents`` alone, and the signatures it made (one row per node)."""
    config = config or ScanConfig()
    bands, rows = config.lsh_params
    with SignatureSpill(config.num_perm, bands, rows) as spill:
        analysis = analyze(documents, config, spill, tuning)
        return analysis, spill[:]

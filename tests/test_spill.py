"""Signatures on disk (dedup.spill): rows back through the cache, from many threads, files removed."""

from __future__ import annotations

import importlib
import tempfile
import threading

import numpy as np
import pytest
from helpers import docs_of
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import ScanConfig, detect
from dedup.spill import SignatureSpill

detect_module = importlib.import_module("dedup.detect")  # the package gives the name `detect` to the function


def test_signature_spill_reads_from_many_threads_at_once():
    # The row cache is shared: 8 threads reading overlapping rows through a cache of
    # 4 rows, the first of them before anything was read (the spill finishes writing
    # once), all get the rows that were appended.
    rng = np.random.default_rng(5)
    sig = rng.integers(0, 2**32, size=(64, 32), dtype=np.uint64).astype(np.uint32)
    errors = []
    with SignatureSpill(32, 8, 4, cache_rows=4) as spill:
        spill.append(sig)
        start = threading.Barrier(8)

        def read(k):
            try:
                start.wait()
                r = np.random.default_rng(k)
                for _ in range(300):
                    rows = r.integers(0, 64, size=int(r.integers(1, 9)))
                    assert np.array_equal(spill[rows], sig[rows])
                    b = int(r.integers(0, 8))
                    assert np.array_equal(spill.band(b), sig[:, b * 4 : (b + 1) * 4])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=read, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert spill.low.shape == (64, 32)
    assert not errors, errors[0]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(1, 8), st.lists(st.lists(st.integers(-60, 59), max_size=25), min_size=1, max_size=12))
def test_signature_spill_reads_back_every_row_through_its_cache(n, cache_rows, reads):
    # Rows come back from a small cache or the file: whatever the order, repeats and
    # evictions, a read gives the rows that were appended (negative indices count from
    # the end, as for a matrix).
    rng = np.random.default_rng(n * 100 + cache_rows)
    sig = rng.integers(0, 2**32, size=(n, 16), dtype=np.uint64).astype(np.uint32)
    with SignatureSpill(16, 4, 4, cache_rows=cache_rows) as spill:
        spill.append(sig[: n // 2])
        spill.append(sig[n // 2 :])
        for read in reads:
            index = np.array([r for r in read if -n <= r < n], dtype=np.int64)
            assert np.array_equal(spill[index], sig[index])
        assert np.array_equal(spill[:], sig) and np.array_equal(spill[n - 1], sig[n - 1])


def test_signature_spill_is_removed_after_detection_even_on_error(tmp_path, monkeypatch):
    # Signatures are spilled to a private folder under TMPDIR: nothing is left
    # behind, whether detection finishes or fails half-way.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    docs = docs_of("Aynı paragraf iki kez yazıldı, burada.\n\nAynı paragraf iki kez yazıldı, burada.", "Başka bir metin burada duruyor ve uzun.")
    det = detect(docs, ScanConfig())
    assert len(det.clusters) == 1 and list(tmp_path.iterdir()) == []

    def boom(*args, **kwargs):
        assert any(tmp_path.iterdir())  # the spill exists while LSH runs
        raise RuntimeError("boom")

    monkeypatch.setattr(detect_module, "candidates", boom)
    with pytest.raises(RuntimeError):
        detect(docs + docs_of("Aynı paragraf iki kez yazıldı, burada!"), ScanConfig())
    assert list(tmp_path.iterdir()) == []

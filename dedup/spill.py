"""Signatures on disk: the analysis appends them batch by batch, LSH reads them band
by band, verification reads single rows.

A large corpus has millions of distinct paragraphs, and their signatures would take
more memory than everything else the main process holds.  They are spilled to two
kinds of files in a private temporary folder (``TMPDIR``), removed when the scan
ends:

* ``rows``: all signatures, one after another (row-major), read row by row for the
  few that the estimates need in full;
* ``band-NNN``: the ``rows`` values of one LSH band for every signature, so that LSH
  loads one band at a time (``rows`` values per text).

Only the lowest byte of every value stays in memory (:func:`dedup.lsh.low_bytes`, a
quarter of the size): it settles most estimates on its own.  Rows read in full are
kept in a small cache (the last ``cache_rows`` read): the same few texts (short ones
with a common phrase) come back band after band.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Self

import numpy as np

from .interrupts import deferred_signals
from .lsh import low_bytes
from .tuning import DEFAULT_TUNING

__all__ = ["SignatureSpill"]


class SignatureSpill:
    """Append signatures ``(k, num_perm)`` uint32 with :meth:`append`, then use the
    object like a read-only signature matrix: ``len``, ``shape``, row indexing
    (``spill[rows]``), :meth:`band` and :attr:`low`.  Use it as a context manager (or
    call :meth:`close`) so that its files are removed.  ``cache_rows``: how many whole
    signatures read from the file stay in memory (the last read)."""

    def __init__(self, num_perm: int, bands: int, rows: int, dir: str | None = None, cache_rows: int = DEFAULT_TUNING.spill_cache_rows):
        if cache_rows < 1:
            raise ValueError(f"cache_rows must be at least 1, not {cache_rows}")
        self.num_perm, self.bands, self.rows_per_band = num_perm, bands, rows
        self.cache_rows = cache_rows
        self._rows_file = None
        self._band_files: list = []
        self._fd: int | None = None
        self._dir: Path | None = None
        try:  # an interruption here (Ctrl-C, SIGTERM) must not leave the folder behind
            with deferred_signals():  # not even between mkdtemp's mkdir and this line
                self._dir = Path(tempfile.mkdtemp(prefix="dedup-signatures-", dir=dir))
                # Removed at exit at the latest, should an interruption fall between
                # this constructor and the caller's with statement.
                self._finalizer = weakref.finalize(self, shutil.rmtree, self._dir, True)
            # Open until the signatures are read (see _finish_writing) or close().
            self._rows_file = open(self._dir / "rows", "wb")  # noqa: SIM115
            for b in range(bands):
                self._band_files.append(open(self._dir / f"band-{b:03d}", "wb"))  # noqa: SIM115
        except BaseException:
            self.close()
            raise
        self._lock = threading.Lock()  # the cache of rows is shared by the readers
        self._finish_lock = threading.Lock()
        self._low_parts: list[np.ndarray] = []
        self._low: np.ndarray | None = None
        self.n = 0
        self._slot_of: np.ndarray | None = None  # row -> cache slot, or -1
        self._cached: np.ndarray | None = None  # cached rows, one per slot
        self._row_in: np.ndarray | None = None  # slot -> row, or -1
        self._next = 0  # the slot to fill next

    # writing -------------------------------------------------------------------
    def append(self, sigs: np.ndarray) -> None:
        """Add signatures after those appended before (not once reading has begun)."""
        if self._low is not None:
            raise RuntimeError("append after the signatures were read")
        sigs = np.ascontiguousarray(sigs, dtype=np.uint32)
        if sigs.ndim != 2 or sigs.shape[1] != self.num_perm:
            raise ValueError(f"expected signatures of {self.num_perm} values, got shape {sigs.shape}")
        if not len(sigs):
            return
        self._rows_file.write(sigs.tobytes())
        r = self.rows_per_band
        for b, f in enumerate(self._band_files):
            f.write(np.ascontiguousarray(sigs[:, b * r : (b + 1) * r]).tobytes())
        self._low_parts.append(low_bytes(sigs))
        self.n += len(sigs)

    def _finish(self) -> None:
        with self._finish_lock:  # the first readers may come from several threads at once
            if self._low is None:
                self._finish_writing()

    def _finish_writing(self) -> None:
        self._rows_file.close()
        for f in self._band_files:
            f.close()
        self._low = np.concatenate(self._low_parts) if self._low_parts else np.empty((0, self.num_perm), dtype=np.uint8)
        self._low_parts = []

    # reading -------------------------------------------------------------------
    def __len__(self) -> int:
        return self.n

    @property
    def shape(self) -> tuple[int, int]:
        """``(signatures, num_perm)``, like a matrix's."""
        return (self.n, self.num_perm)

    @property
    def low(self) -> np.ndarray:
        """The lowest byte of every value, ``(n, num_perm)`` uint8, in memory."""
        self._finish()
        return self._low

    def band(self, b: int) -> np.ndarray:
        """The values of band ``b`` for every signature, ``(n, rows)`` uint32."""
        self._finish()
        return np.fromfile(self._dir / f"band-{b:03d}", dtype=np.uint32).reshape(self.n, self.rows_per_band)

    def __getitem__(self, index) -> np.ndarray:
        """Whole signatures, from the cache or the file: ``spill[i]`` one,
        ``spill[array]`` several (``spill[:]`` all).  Safe from several threads."""
        with self._lock:
            return self._getitem(index)

    def _getitem(self, index) -> np.ndarray:
        self._finish()
        if isinstance(index, slice):
            index = np.arange(self.n)[index]
        idx = np.asarray(index, dtype=np.int64)
        if idx.size and (idx.min() < -self.n or idx.max() >= self.n):
            raise IndexError("signature index out of range")
        idx = np.where(idx < 0, idx + self.n, idx)
        flat = idx.ravel()
        rows, where = np.unique(flat, return_inverse=True)
        out = np.empty((len(rows), self.num_perm), dtype=np.uint32)
        if self._slot_of is None:
            self._slot_of = np.full(self.n, -1, dtype=np.int32)
        slots = self._slot_of[rows]
        hit = slots >= 0
        if hit.any():
            out[hit] = self._cached[slots[hit]]
        missing = rows[~hit]
        if len(missing):
            got = self._read_rows(missing)
            out[~hit] = got
            self._remember(missing, got)
        return out[where.ravel()].reshape(idx.shape + (self.num_perm,))

    def _read_rows(self, rows: np.ndarray) -> np.ndarray:
        """Rows (ascending, distinct) read from the file with ``pread``, not through a
        mapping: mapped pages of the file would count as this process's memory."""
        width = self.num_perm * 4
        buf = bytearray(len(rows) * width)
        view = memoryview(buf)
        if self._fd is None:
            self._fd = os.open(self._dir / "rows", os.O_RDONLY)
        # Runs of consecutive rows are read in one call.
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        starts = np.concatenate(([0], breaks)).tolist()
        ends = np.concatenate((breaks, [len(rows)])).tolist()
        first_rows = rows[starts].tolist() if len(rows) else []
        for s, e, r in zip(starts, ends, first_rows):
            got = os.preadv(self._fd, [view[s * width : e * width]], r * width)
            if got != (e - s) * width:
                raise OSError(f"short read from the signature spill ({got} of {(e - s) * width} bytes)")
        return np.frombuffer(buf, dtype=np.uint32).reshape(len(rows), self.num_perm)

    def _remember(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Put rows in the cache, oldest out first (a ring of ``cache_rows`` slots)."""
        cap = min(self.cache_rows, self.n)
        if not cap:
            return
        if self._cached is None:
            self._cached = np.empty((cap, self.num_perm), dtype=np.uint32)
            self._row_in = np.full(cap, -1, dtype=np.int64)
        rows, values = rows[-cap:], values[-cap:]
        at = (self._next + np.arange(len(rows))) % cap
        old = self._row_in[at]
        self._slot_of[old[old >= 0]] = -1
        self._slot_of[rows] = at
        self._row_in[at] = rows
        self._cached[at] = values
        self._next = int((self._next + len(rows)) % cap)

    def close(self) -> None:
        """Close the files and remove the folder (once; also without a with statement)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._rows_file is not None and not self._rows_file.closed:
            self._rows_file.close()
        for f in self._band_files:
            if not f.closed:
                f.close()
        if self._dir is not None:
            self._finalizer()  # removes the folder, once

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

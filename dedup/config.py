"""One validated object holding every option that decides a scan's result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from . import signatures
from .errors import UsageError
from .lsh import choose_params
from .shingle import SHINGLE_KINDS
from .signatures import ENGINES, SCHEMES
from .split import UNITS

__all__ = ["ScanConfig", "KEEP_POLICIES"]

KEEP_POLICIES = ("first", "longest", "earliest")
ON_ERROR = ("fail", "skip")


@dataclass(frozen=True)
class ScanConfig:
    """Options of a scan.  Defaults were chosen on the labelled benchmark
    (``benchmarks/quality.py``); README explains each choice."""

    unit: str = "line"
    shingle: str = "char"
    ngram: int = 5
    threshold: float = 0.65
    num_perm: int = 192
    bands: int | None = None
    rows: int | None = None
    seed: int = 1
    scheme: str = "affine32"
    min_chars: int = 20
    keep: str = "first"
    text_field: str = "text"
    id_field: str = "id"
    date_field: str = "date"
    encoding: str | None = None
    on_error: str = "fail"
    jobs: int = 1
    minhash_engine: str = "auto"
    containment: float = 0.95
    tags: bool = True
    facts: bool = True
    min_run: int = 5

    def __post_init__(self) -> None:
        def bad(msg: str) -> UsageError:
            return UsageError(msg)

        if self.unit not in UNITS:
            raise bad(f"--unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.shingle not in SHINGLE_KINDS:
            raise bad(f"--shingle must be one of {', '.join(SHINGLE_KINDS)}, not {self.shingle!r}")
        if self.scheme not in SCHEMES:
            raise bad(f"--scheme must be one of {', '.join(SCHEMES)}, not {self.scheme!r}")
        if self.keep not in KEEP_POLICIES:
            raise bad(f"--keep must be one of {', '.join(KEEP_POLICIES)}, not {self.keep!r}")
        if not 1 <= self.ngram <= 64:
            raise bad(f"--ngram must be between 1 and 64, not {self.ngram}")
        if not 0.0 < self.threshold <= 1.0:
            raise bad(f"--threshold must be in (0, 1], not {self.threshold}")
        if not 16 <= self.num_perm <= 1024:
            raise bad(f"--num-perm must be between 16 and 1024, not {self.num_perm}")
        if self.min_chars < 1:
            raise bad(f"--min-chars must be at least 1, not {self.min_chars}")
        if self.on_error not in ON_ERROR:
            raise bad(f"--on-error must be one of {', '.join(ON_ERROR)}, not {self.on_error!r}")
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise bad(f"--encoding {self.encoding}: unknown encoding") from None
        if self.minhash_engine not in ENGINES:
            raise bad(f"--minhash-engine must be one of {', '.join(ENGINES)}, not {self.minhash_engine!r}")
        if self.minhash_engine == "native" and not signatures.NATIVE:
            raise bad("--minhash-engine native: the compiled kernel is not built (dedup was installed without a C compiler); use auto or numpy")
        if not (self.containment == 0.0 or 0.5 <= self.containment <= 1.0):
            raise bad(f"--containment must be 0 (off) or between 0.5 and 1, not {self.containment}")
        if self.min_run != 0 and not 2 <= self.min_run <= 1000:
            raise bad(f"--min-run must be 0 (off) or between 2 and 1000, not {self.min_run}")
        if self.jobs < 1:
            raise bad(f"--jobs must be at least 1, not {self.jobs}")
        if (self.bands is None) != (self.rows is None):
            raise bad("--bands and --rows go together: give both or neither")
        if self.bands is not None and self.rows is not None:
            if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
                raise bad(f"--bands × --rows must be at most --num-perm ({self.num_perm}), got {self.bands}×{self.rows}")
        for name in ("text_field", "id_field", "date_field"):
            if not getattr(self, name):
                raise bad(f"--{name.replace('_', '-')} must not be empty")

    @property
    def lsh_params(self) -> tuple[int, int]:
        """``(bands, rows)``: the ones given, or the ones chosen for the threshold."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return choose_params(self.threshold, self.num_perm)

    def replace(self, **changes) -> ScanConfig:
        """A copy with some options changed (validated again)."""
        return replace(self, **changes)

    def as_dict(self) -> dict:
        """Every option, with the LSH bands and rows as used."""
        d = asdict(self)
        d["bands"], d["rows"] = self.lsh_params
        return d

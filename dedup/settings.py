"""Options from a configuration file: ``[tool.dedup]`` in ``pyproject.toml`` or a
``dedup.toml`` (whose keys sit at the top level, or under ``[tool.dedup]`` too).

The nearest file wins, looking in the working directory and then its parents; in one
folder ``dedup.toml`` wins over ``pyproject.toml``.  ``--config FILE`` names one
explicitly.  Keys are the long option names, with dashes or underscores
(``min-chars = 30``, ``max_duplicate_ratio = 0.01``).  Options given on the command
line win over the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from .check_format import FORMATS
from .config import KEEP_POLICIES, ON_ERROR, ScanConfig
from .errors import UsageError
from .shingle import SHINGLE_KINDS
from .signatures import ENGINES, SCHEMES
from .split import UNITS

__all__ = ["load_settings", "SCAN_KEYS", "CHECK_KEYS", "merge"]

SCAN_KEYS: dict[str, type | tuple[type, ...]] = {
    f.name: {"int": int, "float": (int, float), "str": str, "int | None": int, "str | None": str, "bool": bool}[str(f.type)] for f in fields(ScanConfig)
}
#: Settings with a fixed set of values: checked where the file is named.
CHOICES: dict[str, tuple[str, ...]] = {
    "unit": UNITS,
    "shingle": SHINGLE_KINDS,
    "keep": KEEP_POLICIES,
    "scheme": SCHEMES,
    "on_error": ON_ERROR,
    "minhash_engine": ENGINES,
    "format": FORMATS,
}
CHECK_KEYS: dict[str, type | tuple[type, ...]] = {
    "max_duplicate_ratio": (int, float),
    "max_cross_duplicates": int,
    "max_within_duplicates": int,
    "baseline": str,
    "format": str,
}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the configuration ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    table = data.get("tool", {}).get("dedup") if isinstance(data.get("tool"), dict) else None
    if path.name == "pyproject.toml":
        return table
    if table is not None:
        return table
    return {k: v for k, v in data.items() if k != "tool"}


def load_settings(explicit: Path | None = None, start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """Return the settings (keys with underscores) and the file they came from."""
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"--config {explicit}: no such file")
        found = _read(explicit)
        return _validate(found or {}, explicit), explicit
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in ("dedup.toml", "pyproject.toml"):
            path = folder / name
            if path.is_file():
                table = _read(path)
                if table is not None:
                    return _validate(table, path), path
    return {}, None


def _validate(table: dict[str, Any], path: Path) -> dict[str, Any]:
    known = {**SCAN_KEYS, **CHECK_KEYS}
    out = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key not in known:
            raise UsageError(f"{path}: unknown setting {raw_key!r} (known: {', '.join(sorted(k.replace('_', '-') for k in known))})")
        expected = known[key]
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            raise UsageError(f"{path}: setting {raw_key!r} has the wrong type ({type(value).__name__})")
        choices = CHOICES.get(key)
        if choices is not None and value not in choices:
            raise UsageError(f"{path}: setting {raw_key!r} must be one of {', '.join(choices)}, not {value!r}")
        out[key] = value
    return out


def merge(cli: dict[str, Any], file: dict[str, Any]) -> dict[str, Any]:
    """Command-line values (not None) win over the file's."""
    merged = dict(file)
    merged.update({k: v for k, v in cli.items() if v is not None})
    return merged

"""Normalization of block text for comparison only (outputs keep the original bytes).

One function, :func:`normalize`, maps a block to the string the exact and near tiers
compare.  It is built so that the variants a web corpus produces of one paragraph meet:

* Unicode compatibility forms (NFKC): full-width letters, ligatures, no-break spaces.
* Case, folded so that it is right for Turkish *and* for every other language: the
  four letters ``I ı İ i`` all become ``i``.  ``str.lower()`` is wrong for Turkish
  (``İ`` becomes ``i`` plus a combining dot, ``I`` becomes ``i`` instead of ``ı``);
  mapping all four to one letter is the only folding that also matches Turkish typed
  without Turkish letters (``DISISLERI``, ``Disisleri``, ``Dışişleri``, ``DIŞİŞLERİ``).
* Diacritics on Latin letters are dropped (``ç ğ ö ş ü â é`` → ``c g o s u a e``), so
  text typed on a keyboard without them still matches.  Marks on other scripts (Indic
  vowel signs, Japanese dakuten, Hangul) are kept: they are letters there.
* A URL becomes one word (its punctuation removed), so a link whose slug repeats a
  headline is not taken for a copy of the headline.
* Apostrophes and quote marks in words vanish (``NATO’nun`` = ``NATO'nun`` =
  ``NATOnun``); every other punctuation mark, symbol, dash and list bullet becomes a
  space; zero-width and other format characters vanish; runs of white space become one
  space and the ends are trimmed.

The result is what the exact tier hashes and what the near tier cuts into shingles.
"""

from __future__ import annotations

import re
import sys
import unicodedata

__all__ = ["FOLDING_TABLE", "NORMALIZATION_VERSION", "fold_characters", "normalize", "weighted_length"]

#: Bumped whenever :func:`normalize` changes its output; recorded in every report.
NORMALIZATION_VERSION = "1"

# Characters removed outright, joining what stands around them: apostrophes and
# quote-like marks used as apostrophes (Turkish suffixes: NATO’nun, Türkiye'nin).
_JOINERS = "'\u2019\u2018\u201b\u02bc\u02bb\u2032\u0060\u00b4"

# Extra Latin letters that have no Unicode decomposition but are commonly typed
# as their base letter.
_LATIN_EXTRA = {
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ħ": "h", "Ħ": "h",
    "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ŀ": "l", "Ŀ": "l",
}

_LATIN_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF))


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    # Punctuation, symbols, separators and controls in the Basic Multilingual Plane
    # become a space; format characters (zero-width space/joiners, soft hyphen, BOM,
    # bidi marks) are removed.  Astral-plane symbols (emoji) are left as they are.
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat[0] in "PSZ" or cat == "Cc":
            table[cp] = " "
        elif cat == "Cf":
            table[cp] = None
    for ch in _JOINERS:
        table[ord(ch)] = None
    # Combining diacritical marks (the block used by Latin, Greek and Cyrillic).
    for cp in range(0x0300, 0x0370):
        table[cp] = None
    # Latin letters with diacritics -> base letters (already lower-cased).
    for lo, hi in _LATIN_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if not ch.isalpha():
                continue
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            if base and base != ch and base.isascii():
                table[cp] = base.casefold()
    for ch, base in _LATIN_EXTRA.items():
        table[ord(ch)] = base
    # Turkish: I, ı, İ and i are one letter for comparison.
    table[ord("I")] = "i"
    table[ord("İ")] = "i"
    table[ord("ı")] = "i"
    return table


#: The character step of :func:`normalize` as a :meth:`str.translate` table: code point
#: -> replacement (``None``: removed).  Code points not in it stay as they are.
FOLDING_TABLE = _build_table()


def _build_fast_path() -> tuple[bytes, bytes, tuple[tuple[str, str], ...]]:
    """The table as a byte table for text in Latin-1 (``bytes.translate`` is several
    times faster than ``str.translate`` with a dict), plus the frequent characters
    beyond Latin-1 (Turkish letters, typographic quotes and dashes) and the Latin-1
    characters that map to two letters, replaced up front.  Every replacement must
    be a fixed point of the table, so replacing first and translating after gives
    what one ``str.translate`` gives (a test compares both on real text)."""
    table = bytearray(range(256))
    delete = bytearray()
    pre = []
    for cp in range(256):
        value = FOLDING_TABLE.get(cp, chr(cp))
        if value is None:
            delete.append(cp)
        elif len(value) == 1 and ord(value) < 256:
            table[cp] = ord(value)
        else:
            pre.append((chr(cp), value))
    for ch in "şŞğĞıİ\u2019\u2018\u201c\u201d\u2013\u2014\u2026\u2022\u2033\u20ac\u20ba\u201e\u2039\u203a\u201a":
        pre.append((ch, FOLDING_TABLE.get(ord(ch), ch) or ""))
    for _, value in pre:
        assert all(FOLDING_TABLE.get(ord(c), c) == c for c in value), value
    return bytes(table), bytes(delete), tuple(pre)


_LATIN1_TABLE, _LATIN1_DELETE, _PRE_REPLACE = _build_fast_path()


def fold_characters(text: str) -> str:
    """The character step of :func:`normalize`: ``text.translate(FOLDING_TABLE)``,
    faster for Latin-script text (a byte table for what is Latin-1, the frequent
    characters beyond it replaced first; a test compares both on every kind of text)."""
    for ch, value in _PRE_REPLACE:
        if ch in text:
            text = text.replace(ch, value)
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.translate(FOLDING_TABLE)
    return data.translate(_LATIN1_TABLE, _LATIN1_DELETE).decode("latin-1")
_URL = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.)[^\s<>\"]+")
_NOT_WORD = re.compile(r"[\W_]+")


def _squash_url(match: re.Match) -> str:
    return " " + _NOT_WORD.sub("", match.group(0)) + " "


def normalize(text: str) -> str:
    """Return the comparison form of ``text`` (see the module documentation).

    >>> normalize("DIŞİŞLERİ BAKANI") == normalize("Dışişleri Bakanı") == normalize("Disisleri Bakani")
    True
    """
    if not text.isascii():
        if "\u00b4" in text:  # NFKC would make the acute accent a space and a mark
            text = text.replace("\u00b4", "")
        text = unicodedata.normalize("NFKC", text)
    if "://" in text or "www." in text:
        text = _URL.sub(_squash_url, text)
    text = fold_characters(text).casefold()
    # Removing characters can bring a letter and a mark together, and casefold() can
    # produce marks ('ǰ' -> 'ǰ'): repeat until nothing changes, so that
    # normalize(normalize(x)) == normalize(x).
    # (Three rounds at most: NFKC recomposes what casefold() decomposed, e.g. Greek 'ΐ',
    # and the table then drops the marks, so the second round is the last in practice.)
    for _ in range(3):
        if text.isascii() or unicodedata.is_normalized("NFKC", text):
            break
        text = fold_characters(unicodedata.normalize("NFKC", text).casefold())
    # Runs of white space become one space, none at the ends: str.split() splits where
    # re's \s matches (both use str.isspace) and is several times faster than re.sub.
    return " ".join(text.split())


def _is_wide(cp: int) -> bool:
    return (
        0x1100 <= cp <= 0x11FF
        or 0x2E80 <= cp <= 0xA4CF
        or 0xAC00 <= cp <= 0xD7A3
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFF60
        or cp >= 0x20000
    )


def weighted_length(normalized: str) -> int:
    """Length used for the minimum-length rule: CJK characters (which carry a word
    each) count twice, every other character once."""
    if normalized.isascii() or max(normalized) < "\u1100":
        return len(normalized)
    return len(normalized) + sum(1 for ch in normalized if _is_wide(ord(ch)))


if sys.flags.optimize < 2:  # keep the table honest: folding must be idempotent
    assert normalize(normalize("DIŞİŞLERİ «Bakanı» — İçel")) == normalize("DIŞİŞLERİ «Bakanı» — İçel")

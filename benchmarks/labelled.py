"""Labelled near-duplicate benchmark built at run time from real multilingual text.

Where the text comes from
-------------------------
PyPI package ``gflanguages`` (Google Fonts language metadata; developed with
0.7.11; ``pip install gflanguages``, which also pulls ``gfmetadata`` and
``protobuf``).  Licence of the package: Apache-2.0.  Files read:
``gflanguages/data/languages/*.textproto`` (one per language/script, read via
``gflanguages.LoadLanguages()``), fields ``sample_text.specimen_36``,
``specimen_32``, ``specimen_21`` and ``specimen_16``.  Those fields hold
sentences and paragraphs of the Universal Declaration of Human Rights (UDHR)
as translated by people for ~750 living languages (taken by Google Fonts from
the OHCHR / "UDHR in Unicode" collection; OHCHR lets the UDHR text be freely
reproduced).  Nothing is downloaded at run time and nothing is committed.

Known limits of this source: the register is legal prose, not news; the
paragraphs of a language are different articles of one document; and the
languages we care most about are thin: Turkish has 9 paragraphs, English 8,
German only 1, Japanese 8, Korean 13, Chinese 19 (Hans+Hant).  The rest of the
2451 usable paragraphs come from ~700 other languages in many scripts, which is
what makes the corpus large enough for 2000 sources (at most 2421).  To make up
a little, sources in tr/en/de/zh/ja/ko get 1-3 variants each (others 0-2).

What it builds
--------------
``make_benchmark()`` returns a :class:`Benchmark`: documents (one paragraph per
line, no blank lines) made of source paragraphs plus planted variants, and
labelled pairs of block keys ``"doc_id#line_no"`` (1-based line numbers).

True (duplicate) kinds:  exact, recased, deaccented, typo, light_edit
False (not duplicate):   heavy_rewrite, same_topic, shared_quote, short_line

Every variant function is a pure function of its arguments and a seed (an int
or a ``random.Random``); :func:`check_variant` asserts that a variant really
differs from its source in the way its kind says.

Run ``python benchmarks/labelled.py OUT_DIR`` to write ``OUT_DIR/*.txt``,
``OUT_DIR/pairs.jsonl`` and ``OUT_DIR/meta.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import difflib
import functools
import json
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TEXT_PACKAGE = "gflanguages"
SPECIMEN_FIELDS = ("specimen_36", "specimen_32", "specimen_21", "specimen_16")
MIN_WIDTH, MAX_WIDTH = 40, 600  # display width; CJK characters count 2
NEAR_DUP_JACCARD = 0.3  # sources closer than this (char 5-grams) are dropped

# Languages written in Latin script with the dotted/dotless i distinction.
TURKIC_LANGS = frozenset({"tr", "az", "crh", "gag"})
# Always taken first as sources (if present in the package).
FOCUS_LANGS = (
    "tr_Latn", "en_Latn", "de_Latn", "zh_Hans", "zh_Hant", "ja_Jpan", "ko_Kore",
    "az_Latn", "fr_Latn", "es_Latn", "it_Latn", "nl_Latn", "pl_Latn", "ru_Cyrl",
    "uk_Cyrl", "el_Grek", "ar_Arab", "fa_Arab", "he_Hebr", "hi_Deva", "vi_Latn",
    "th_Thai", "id_Latn", "pt_Latn", "sv_Latn", "cs_Latn", "hu_Latn", "ro_Latn",
)

TRUE_KINDS = ("exact", "recased", "deaccented", "typo", "light_edit")
FALSE_KINDS = ("heavy_rewrite", "same_topic", "shared_quote", "short_line")
KINDS = TRUE_KINDS + FALSE_KINDS


class NotApplicable(ValueError):
    """A variant of this kind cannot be made from this text."""


def _rng(seed: int | random.Random | None) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    return random.Random(0 if seed is None else seed)


# --------------------------------------------------------------------------
# Text loading
# --------------------------------------------------------------------------

def _clean(text: str) -> str:
    # \s also covers \x1c-\x1f, \x85, \u2028, \u2029: nothing str.splitlines
    # would split on survives inside a block.
    return re.sub(r"\s+", " ", text).strip()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _norm_for_sim(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold()).strip()


def _char_shingles(text: str, k: int = 5) -> set[str]:
    s = _norm_for_sim(text)
    if len(s) <= k:
        return {s}
    return {s[i:i + k] for i in range(len(s) - k + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def char_jaccard(a: str, b: str, k: int = 5) -> float:
    """Jaccard similarity of casefolded character k-grams."""
    return jaccard(_char_shingles(a, k), _char_shingles(b, k))


@functools.lru_cache(maxsize=1)
def _corpus() -> tuple[tuple[str, str], ...]:
    """All usable (lang_id, paragraph) pairs, deduplicated, deterministic order."""
    try:
        import gflanguages
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "benchmarks/labelled.py needs the text package: pip install gflanguages"
        ) from exc

    langs = gflanguages.LoadLanguages()
    focus = [lid for lid in FOCUS_LANGS if lid in langs]
    order = focus + sorted(set(langs) - set(focus))
    seen: set[str] = set()
    raw: list[tuple[str, str]] = []
    for lid in order:
        lang = langs[lid]
        if lang.historical or not lang.HasField("sample_text"):
            continue
        for fname in SPECIMEN_FIELDS:
            for line in getattr(lang.sample_text, fname).split("\n"):
                line = _clean(line)
                if not line or line in seen:
                    continue
                seen.add(line)
                if MIN_WIDTH <= _width(line) <= MAX_WIDTH and any(c.isalpha() for c in line):
                    raw.append((lid, line))

    # Drop near-duplicates (case-only copies, dialect translations sharing most
    # of their characters, a line contained in a longer one): keep the first.
    kept: list[tuple[str, str]] = []
    kept_sh: list[set[str]] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for lid, text in raw:
        sh = _char_shingles(text)
        counts: Counter[int] = Counter()
        for g in sh:
            plist = postings.get(g)
            if plist and len(plist) < 400:
                counts.update(plist)
        dup = False
        for j, n in counts.items():
            if n >= 0.2 * min(len(sh), len(kept_sh[j])):
                inter = len(sh & kept_sh[j])
                if (inter / len(sh | kept_sh[j]) >= NEAR_DUP_JACCARD
                        or inter / min(len(sh), len(kept_sh[j])) >= 0.6):
                    dup = True
                    break
        if dup:
            continue
        idx = len(kept)
        kept.append((lid, text))
        kept_sh.append(sh)
        for g in sh:
            postings[g].append(idx)
    return tuple(kept)


def load_corpus() -> list[tuple[str, str]]:
    """All source paragraphs as ``(lang_id, text)``; lang_id like ``"tr_Latn"``."""
    return list(_corpus())


def load_paragraphs(lang: str | None = None) -> list[str]:
    """Real paragraphs from the text package, deduplicated and length-filtered.

    ``lang`` is None (all languages), a language code (``"tr"``) or a full id
    (``"tr_Latn"``, ``"zh_Hant"``).
    """
    out = []
    for lid, text in _corpus():
        if lang is None or lid == lang or lid.split("_")[0] == lang:
            out.append(text)
    return out


def lang_code(lang: str | None) -> str:
    return (lang or "").split("_")[0]


# --------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------

def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZ"


def is_unspaced(text: str) -> bool:
    """True for scripts written without spaces between words (zh, ja, th, ...)."""
    return len(text) >= 8 and text.count(" ") / len(text) < 0.04


def tokens(text: str) -> list[str]:
    """Comparable tokens: whitespace words stripped of punctuation and casefolded,
    or single non-punctuation characters for unspaced scripts."""
    if is_unspaced(text):
        return [c for c in text.casefold() if not _is_punct(c)]
    out = []
    for w in text.split():
        w = "".join(c for c in w if not _is_punct(c)).casefold()
        if w:
            out.append(w)
    return out


def kept_fraction(src: str, var: str) -> float:
    """Share of the source's tokens (multiset) still present in the variant."""
    a, b = Counter(tokens(src)), Counter(tokens(var))
    total = sum(a.values())
    return sum((a & b).values()) / total if total else 1.0


def build_vocab(texts: Iterable[str]) -> list[str]:
    """Sorted distinct substitution units: words, or characters for unspaced text."""
    vocab: set[str] = set()
    for t in texts:
        if is_unspaced(t):
            vocab.update(c for c in t if not _is_punct(c))
        else:
            for w in t.split():
                w = w.strip("".join(c for c in w if _is_punct(c)))
                if w and not any(_is_punct(c) for c in w):
                    vocab.add(w)
    return sorted(vocab)


# --------------------------------------------------------------------------
# Case helpers (Turkish-aware)
# --------------------------------------------------------------------------

def upper(text: str, lang: str | None = None) -> str:
    if lang_code(lang) in TURKIC_LANGS:
        text = text.replace("i", "İ").replace("ı", "I")
    return text.upper()


def lower(text: str, lang: str | None = None) -> str:
    if lang_code(lang) in TURKIC_LANGS:
        text = text.replace("I", "ı").replace("İ", "i")
    return text.lower()


def casefold(text: str, lang: str | None = None) -> str:
    return lower(text, lang).casefold()


def title_case(text: str, lang: str | None = None) -> str:
    """Upper-case the first cased letter of each space-separated word and
    lower-case the rest (unlike str.title, ``Türkiye'nin`` stays one word)."""
    words = []
    for w in text.split(" "):
        for i, ch in enumerate(w):
            if ch.isalpha():
                w = w[:i] + upper(ch, lang) + lower(w[i + 1:], lang)
                break
        words.append(w)
    return " ".join(words)


# --------------------------------------------------------------------------
# Deaccenting
# --------------------------------------------------------------------------

_TR_DEACCENT = str.maketrans({
    "ç": "c", "Ç": "C", "ğ": "g", "Ğ": "G", "ı": "i", "İ": "I",
    "ö": "o", "Ö": "O", "ş": "s", "Ş": "S", "ü": "u", "Ü": "U",
})
_LATIN_EXTRA = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T"}


@functools.lru_cache(maxsize=4096)
def _is_latin(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


def deaccent(text: str) -> str:
    """Turkish letters to ASCII, and combining marks on Latin letters removed.
    Other scripts (Greek, Cyrillic, ...) are left alone."""
    s = unicodedata.normalize("NFD", text.translate(_TR_DEACCENT))
    out: list[str] = []
    prev_latin = False
    for ch in s:
        if unicodedata.combining(ch):
            if not prev_latin:
                out.append(ch)
            continue
        ch = _LATIN_EXTRA.get(ch, ch)
        prev_latin = _is_latin(ch) and ch.isalpha()
        out.append(ch)
    result = unicodedata.normalize("NFC", "".join(out))
    # Keep non-Latin parts byte-identical to the input where possible.
    return result if result != unicodedata.normalize("NFC", text) else text


# --------------------------------------------------------------------------
# Edit distance (for checks)
# --------------------------------------------------------------------------

def osa_distance(a: str, b: str, limit: int = 8) -> int:
    """Optimal-string-alignment distance (adjacent swap = 1), computed in a band;
    returns ``limit + 1`` when the distance exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    inf = limit + 1
    prev2: dict[int, int] = {}
    prev = {j: j for j in range(0, min(len(b), limit) + 1)}
    for i in range(1, len(a) + 1):
        cur: dict[int, int] = {}
        lo, hi = max(0, i - limit), min(len(b), i + limit)
        if lo == 0:
            cur[0] = i
        for j in range(max(1, lo), hi + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev.get(j, inf) + 1, cur.get(j - 1, inf) + 1, prev.get(j - 1, inf) + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2.get(j - 2, inf) + 1)
            cur[j] = min(v, inf)
        prev2, prev = prev, cur
        if min(cur.values(), default=inf) >= inf:
            return inf
    return min(prev.get(len(b), inf), inf)


def _token_diff_size(a: Sequence[str], b: Sequence[str]) -> int:
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")


_QUOTE_NORM = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                             "‘": "'", "’": "'", "‚": "'"})

# --------------------------------------------------------------------------
# Variant functions.  Signature: fn(text, seed, **kw) -> str
# --------------------------------------------------------------------------


def variant_exact(text: str, seed: int | random.Random = 0, **_: object) -> str:
    """An identical copy."""
    return text


def variant_recased(text: str, seed: int | random.Random = 0, *,
                    lang: str | None = None, mode: str | None = None, **_: object) -> str:
    """ALL CAPS or Title Case (Turkish-aware for tr/az/crh/gag: i->İ, ı->I)."""
    r = _rng(seed)
    modes = [mode] if mode else r.sample(["upper", "title"], 2)
    for m in modes:
        out = upper(text, lang) if m == "upper" else title_case(text, lang)
        if out != text and casefold(out, lang) == casefold(text, lang):
            return out
    raise NotApplicable("recasing does not change this text")


def variant_deaccented(text: str, seed: int | random.Random = 0, **_: object) -> str:
    """Turkish letters folded to ASCII and Latin diacritics stripped."""
    out = deaccent(text)
    if out == text:
        raise NotApplicable("no Latin diacritics to strip")
    return out


def variant_typo(text: str, seed: int | random.Random = 0, *,
                 n_edits: int | None = None, **_: object) -> str:
    """1-3 character edits (adjacent swap, drop, insert, replace) on letters."""
    r = _rng(seed)
    alphabet = sorted({c for c in text if c.isalpha()})
    if len(alphabet) < 2:
        raise NotApplicable("too few letters for typos")
    for _attempt in range(20):
        n = n_edits or r.randint(1, 3)
        chars = list(text)
        for _ in range(n):
            letters = [i for i, c in enumerate(chars) if c.isalpha()]
            op = r.choice(("swap", "drop", "insert", "replace"))
            if op == "swap":
                cands = [i for i in letters if i + 1 < len(chars)
                         and chars[i + 1].isalpha() and chars[i + 1] != chars[i]]
                if cands:
                    i = r.choice(cands)
                    chars[i], chars[i + 1] = chars[i + 1], chars[i]
                    continue
                op = "replace"
            inner = [i for i in letters if (i > 0 and chars[i - 1].isalpha())
                     or (i + 1 < len(chars) and chars[i + 1].isalpha())]
            if op == "drop" and len(inner) > 10:
                del chars[r.choice(inner)]
            elif op == "insert":
                chars.insert(r.choice(letters) + r.randint(0, 1), r.choice(alphabet))
            else:
                i = r.choice(letters)
                chars[i] = r.choice([c for c in alphabet if c != chars[i]])
        out = _clean("".join(chars))
        if out != text and 1 <= osa_distance(text, out, 3) <= 3:
            return out
    raise NotApplicable("could not make a typo")  # pragma: no cover


_PREFIXES = {
    "tr": ("AA - ", "ANKARA (AA) - ", "İSTANBUL (DHA) - ", "İHA - "),
    "en": ("Reuters - ", "LONDON (Reuters) - ", "(AP) - "),
    "de": ("BERLIN (dpa) - ", "(dpa) ", "AFP - "),
    "fr": ("PARIS (AFP) - ", "AFP - "),
    "es": ("MADRID (EFE) - ", "EFE - "),
    "zh": ("新华社北京电 ", "（中新社）"),
    "ja": ("【共同】", "【ロイター】"),
    "ko": ("(서울=연합뉴스) ",),
}
_DEFAULT_PREFIXES = ("Reuters - ", "AFP - ", "(AP) - ")
_SUFFIXES = {"tr": (" (AA)",), "en": (" (Reuters)",), "de": (" (dpa)",)}
_CURLY = {'"': ("“", "”"), "'": ("‘", "’")}


def _curly_quotes(text: str) -> str:
    out, open_d, open_s = [], True, True
    for i, c in enumerate(text):
        if c == '"':
            out.append("“" if open_d else "”")
            open_d = not open_d
        elif c == "'":
            prev = text[i - 1] if i else " "
            if prev.isalnum():  # apostrophe
                out.append("’")
            else:
                out.append("‘" if open_s else "’")
                open_s = not open_s
        else:
            out.append(c)
    return "".join(out)


def variant_light_edit(text: str, seed: int | random.Random = 0, *,
                       lang: str | None = None, vocab: Sequence[str] | None = None,
                       op: str | None = None, **_: object) -> str:
    """Change/insert/delete 1-2 words, change punctuation, swap straight and
    curly quotes, or add a short agency prefix/suffix ("Reuters - ")."""
    r = _rng(seed)
    code = lang_code(lang)
    unspaced = is_unspaced(text)
    units = list(vocab) if vocab else build_vocab([text])
    ops = [op] if op else r.sample(
        ["prefix", "quotes", "punct", "word_sub", "word_ins", "word_del"], 6)
    for o in ops:
        out = _light_edit_op(o, text, r, code, unspaced, units)
        if out is not None and out != text:
            return out
    raise NotApplicable("no light edit applies")


def _light_edit_op(op: str, text: str, r: random.Random, code: str,
                   unspaced: bool, units: Sequence[str]) -> str | None:
    if op == "prefix":
        if r.random() < 0.75 or code not in _SUFFIXES:
            return r.choice(_PREFIXES.get(code, _DEFAULT_PREFIXES)) + text
        return text + r.choice(_SUFFIXES[code])
    if op == "quotes":
        if any(c in text for c in "\"'"):
            return _curly_quotes(text)
        if any(c in text for c in "“”„«»‘’‚"):
            return text.translate(_QUOTE_NORM)
        return None
    if op == "punct":
        choices = []
        if text[-1] in ".。":
            choices.append(text[:-1])
        elif not _is_punct(text[-1]):
            choices.append(text + ("。" if unspaced and code in ("zh", "ja") else "."))
        for a, b in ((", ", "; "), (", ", " "), ("; ", ", "), ("，", "、"), ("，", "；"), (" - ", " – ")):
            if a in text:
                pos = [m.start() for m in re.finditer(re.escape(a), text)]
                p = r.choice(pos)
                choices.append(text[:p] + b + text[p + len(a):])
        return r.choice(choices) if choices else None
    n = r.randint(1, 2)
    if unspaced:
        units = sorted({c for u in units for c in u if not _is_punct(c)})
        if not units:
            return None
        chars = list(text)
        for _ in range(n):
            letters = [i for i, c in enumerate(chars) if not _is_punct(c)]
            if op == "word_sub":
                i = r.choice(letters)
                chars[i:i + 2] = [r.choice(units) for _ in range(2)]
            elif op == "word_ins":
                pos = r.choice(letters)
                chars[pos:pos] = [r.choice(units), r.choice(units)]
            elif op == "word_del" and len(letters) > 20:
                i = r.choice(letters)
                del chars[i:i + 2]
            else:
                return None
        return "".join(chars)
    words = text.split(" ")
    for _ in range(n):
        if op == "word_sub":
            i = r.randrange(len(words))
            core = words[i].strip("".join(c for c in words[i] if _is_punct(c)))
            cands = [u for u in r.sample(list(units), min(len(units), 30))
                     if u.casefold() != core.casefold()]
            if not core or not cands:
                return None
            new = r.choice(cands)
            first = upper(new[0], code) if core[0].isupper() else lower(new[0], code)
            words[i] = words[i].replace(core, first + new[1:], 1)
        elif op == "word_ins":
            if not units:
                return None
            new = r.choice(units)
            words.insert(r.randint(1, max(1, len(words) - 1)), lower(new[0], code) + new[1:])
        elif op == "word_del" and len(words) >= 8:
            i = r.randrange(1, len(words))
            w = words[i]
            trail = w[len(w.rstrip("".join(c for c in w if _is_punct(c)))):]
            if trail and not _is_punct(words[i - 1][-1]):
                words[i - 1] += trail  # keep the sentence's punctuation
            del words[i]
        else:
            return None
    return " ".join(words)


_CLAUSE_SPLIT = re.compile(r"(?<=[,;:.!?，。；：、؛،])\s*")


def variant_heavy_rewrite(text: str, seed: int | random.Random = 0, *,
                          vocab: Sequence[str] | None = None, keep_max: float = 0.4,
                          **_: object) -> str:
    """Keep one or two short phrases of the source (fewer than ``keep_max`` of
    its tokens in all), substitute or drop every other word (substitutes come
    from ``vocab``, words of the same language) and reorder the clauses."""
    r = _rng(seed)
    unspaced = is_unspaced(text)
    sep = "" if unspaced else " "
    units = [u for u in (vocab or []) if u]
    if len(units) < 30:
        raise NotApplicable("vocabulary too small for a rewrite")
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    toks = [(ci, t) for ci, c in enumerate(clauses) for t in (list(c) if unspaced else c.split())]
    n = len(toks)
    share = 0.3
    for _attempt in range(30):
        keep: set[int] = set()
        n_runs = 1 if n < 12 else r.randint(1, 2)
        run = max(1, int(share * n) // n_runs)
        for _ in range(n_runs):
            start = r.randrange(0, max(1, n - run + 1))
            keep.update(range(start, start + run))
        by_clause: dict[int, list[str]] = defaultdict(list)
        for i, (ci, t) in enumerate(toks):
            if i in keep or (unspaced and _is_punct(t)):
                by_clause[ci].append(t)
                continue
            if r.random() < 0.8:
                by_clause[ci].append(r.choice(units))
            if r.random() < 0.1:
                by_clause[ci].append(r.choice(units))
        order = list(range(len(clauses)))
        r.shuffle(order)
        if len(order) > 1 and order == sorted(order):
            order = order[1:] + order[:1]
        words = [t for ci in order for t in by_clause[ci]]
        if len(order) == 1 and len(words) > 3:  # one clause: move the kept phrase
            k = r.randrange(1, len(words))
            words = words[k:] + words[:k]
        out = _clean(sep.join(words))
        if text[:1].isupper() and out[:1].islower():
            out = out[:1].upper() + out[1:]
        if (out and out != text and kept_fraction(text, out) < keep_max
                and len(out) >= 0.5 * len(text)):
            return out
        share *= 0.85
    raise NotApplicable("could not rewrite below the kept-token limit")


def _content_words(text: str) -> set[str]:
    if is_unspaced(text):
        t = [c for c in text if not _is_punct(c)]
        return {a + b for a, b in zip(t, t[1:])}
    return {w for w in tokens(text) if len(w) >= 4}


def _named_words(text: str) -> set[str]:
    """Capitalised words that do not start a sentence."""
    words = text.split()
    out = set()
    for prev, w in zip(words, words[1:]):
        core = "".join(c for c in w if not _is_punct(c))
        if core[:1].isupper() and prev[-1:] not in ".!?:" and len(core) > 1:
            out.add(core.casefold())
    return out


def variant_same_topic(text: str, seed: int | random.Random = 0, *,
                       candidates: Sequence[str] = (), max_sim: float = 0.15,
                       **_: object) -> str:
    """Pick a *different* real paragraph (from ``candidates``) that shares some
    (named) words with ``text`` but is otherwise unrelated."""
    r = _rng(seed)
    cw, nw = _content_words(text), _named_words(text)
    scored = []
    for c in candidates:
        if c == text:
            continue
        shared = len(cw & _content_words(c))
        named = len(nw & _named_words(c))
        if shared + named < 2:
            continue
        if char_jaccard(text, c) >= max_sim or kept_fraction(text, c) >= 0.5:
            continue
        scored.append((named, shared, c))
    if not scored:
        raise NotApplicable("no paragraph on the same topic")
    scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
    return r.choice(scored[:3])[2]


_QUOTES_BY_LANG = {"de": ("„", "“"), "fr": ("« ", " »"), "ja": ("「", "」"),
                   "zh": ("“", "”"), "ru": ("«", "»"), "uk": ("«", "»")}
_SAID = {"tr": "dedi.", "en": "he said.", "de": "sagte er.", "fr": "a-t-il dit."}


def make_shared_quote(quote_source: str, host_a: str, host_b: str,
                      seed: int | random.Random = 0, *, lang: str | None = None
                      ) -> tuple[str, str, str]:
    """Two different paragraphs that both quote the same long passage.

    Returns ``(text_a, text_b, quote)``; the quote is 25-55% of each text.
    """
    r = _rng(seed)
    code = lang_code(lang)
    if char_jaccard(host_a, host_b) >= 0.15:
        raise NotApplicable("hosts are too similar")
    unspaced = is_unspaced(quote_source)
    target = int(r.uniform(0.5, 1.0) * min(len(host_a), len(host_b)))
    lo = 15 if unspaced else 40
    target = max(lo, min(target, 220, len(quote_source)))
    # start the quote at the beginning of a sentence or clause
    if unspaced:
        starts = [i + 1 for i, c in enumerate(quote_source) if c in "，。、；：,;:!?！？"
                  and len(quote_source) - i - 1 >= max(lo, 0.6 * target)]
        start = r.choice([0] + starts)
        quote = quote_source[start:start + target]
    else:
        words = quote_source.split()
        starts = [i + 1 for i, w in enumerate(words) if w[-1:] in ".,;:!?؛،"
                  and len(" ".join(words[i + 1:])) >= max(lo, 0.6 * target)]
        start = r.choice([0] + starts)
        span: list[str] = []
        for w in words[start:]:
            if len(" ".join(span + [w])) > target and len(" ".join(span)) >= lo:
                break
            span.append(w)
        ends = [j for j, w in enumerate(span[:-1]) if w[-1:] in ".,;:!?؛،"
                and len(" ".join(span[:j + 1])) >= max(lo, 0.6 * target)]
        if ends:  # stop at the end of a clause when that keeps it long enough
            span = span[:ends[-1] + 1]
        quote = " ".join(span)
    quote = quote.strip(" ,;:，、；：")
    if len(quote) < lo:
        raise NotApplicable("quote too short")
    op, cl = _QUOTES_BY_LANG.get(code, ("“", "”"))
    q = f"{op}{quote}{cl}"

    def embed(host: str) -> str:
        how = r.randrange(3)
        if how == 0:
            return f"{host} {q}"
        if how == 1:
            said = _SAID.get(code)
            return f"{q} {said} {host}" if said else f"{q} {host}"
        cut = [m.end() for m in re.finditer(r"[,;:，、]\s*", host)]
        if not cut:
            return f"{host} {q}"
        p = r.choice(cut)
        return _clean(f"{host[:p]} {q} {host[p:]}")

    return _clean(embed(host_a)), _clean(embed(host_b)), quote


_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"),
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz",
           "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
           "August", "September", "Oktober", "November", "Dezember"),
}
_DASHES = ("-", "—", "***", "* * *", "...", "•", "#")


def format_date(d: _dt.date, lang: str | None, style: int = 0) -> str:
    code = lang_code(lang)
    if code in ("zh", "ja"):
        return f"{d.year}年{d.month}月{d.day}日"
    if code == "ko":
        return f"{d.year}년 {d.month}월 {d.day}일"
    if style == 1:
        return d.isoformat()
    if style == 2:
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if code == "tr":
        return f"{d.day} {_MONTHS['tr'][d.month - 1]} {d.year}"
    if code == "de":
        return f"{d.day}. {_MONTHS['de'][d.month - 1]} {d.year}"
    return f"{_MONTHS['en'][d.month - 1]} {d.day}, {d.year}"


def make_short_lines(seed: int | random.Random = 0, *, lang: str | None = None,
                     words: Sequence[str] = ()) -> tuple[str, str]:
    """Two short lines (a separator, a single word, a date, a page number) that
    are identical or nearly so but must not count as duplicate paragraphs."""
    r = _rng(seed)
    what = r.choice(("dash", "word", "date", "near_date", "page"))
    if what == "word" and words:
        w = r.choice(list(words))
        return w, w
    if what in ("date", "near_date"):
        d = _dt.date(2015, 1, 1) + _dt.timedelta(days=r.randrange(3650))
        style = r.randrange(3)
        other = d + _dt.timedelta(days=r.choice((1, -1, 7, 365))) if what == "near_date" else d
        return format_date(d, lang, style), format_date(other, lang, style)
    if what == "page":
        n = r.randint(2, 9)
        i = r.randint(1, n - 1)
        return f"{i}/{n}", f"{i + 1}/{n}"
    s = r.choice(_DASHES)
    return s, s


VARIANTS = {
    "exact": variant_exact,
    "recased": variant_recased,
    "deaccented": variant_deaccented,
    "typo": variant_typo,
    "light_edit": variant_light_edit,
    "heavy_rewrite": variant_heavy_rewrite,
    "same_topic": variant_same_topic,
}


def check_variant(kind: str, src: str, var: str, lang: str | None = None) -> None:
    """Raise AssertionError unless ``var`` differs from ``src`` as ``kind`` says."""
    assert var and "\n" not in var and var == _clean(var), (kind, var)
    if kind == "exact":
        assert var == src
        return
    if kind == "short_line":  # identical or nearly so, but too short to count
        assert len(src) <= 30 and len(var) <= 30, (src, var)
        return
    assert var != src, (kind, src)
    if kind == "recased":
        assert casefold(var, lang) == casefold(src, lang), (src, var)
    elif kind == "deaccented":
        assert deaccent(src) == var, (src, var)
    elif kind == "typo":
        assert 1 <= osa_distance(src, var, 3) <= 3, (src, var)
    elif kind == "light_edit":
        a, b = src.translate(_QUOTE_NORM), var.translate(_QUOTE_NORM)
        if is_unspaced(src):
            assert _token_diff_size(a, b) <= 10, (src, var)
        else:
            assert _token_diff_size(a.split(), b.split()) <= 4, (src, var)
    elif kind == "heavy_rewrite":
        assert kept_fraction(src, var) < 0.4, (src, var)
    elif kind == "same_topic":
        assert char_jaccard(src, var) < 0.15 and kept_fraction(src, var) < 0.5, (src, var)
    elif kind == "shared_quote":
        assert char_jaccard(src, var) < 0.6, (src, var)
    else:
        raise KeyError(kind)


# --------------------------------------------------------------------------
# Benchmark assembly
# --------------------------------------------------------------------------

@dataclass
class Benchmark:
    """documents: (doc_id, text) with one block per line.
    pairs: (key_a, key_b, is_duplicate); a key is ``"doc_id#line_no"`` (1-based).
    kinds / placement: keyed by ``(key_a, key_b)``; placement is ``"same_doc"``
    or ``"cross_doc"``.
    origin: every block key -> the id of the paragraph it stands for; blocks
    with the same origin are duplicates of each other (True variants keep their
    source's origin, everything else gets its own), so it also gives complete
    duplicate clusters, not just the sampled pairs.
    langs: every block key -> language id (``"tr_Latn"``; ``"-"`` for short lines).
    """

    documents: list[tuple[str, str]]
    pairs: list[tuple[str, str, bool]]
    kinds: dict[tuple[str, str], str]
    placement: dict[tuple[str, str], str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    langs: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    n_sources: int = 0

    @functools.cached_property
    def texts(self) -> dict[str, str]:
        out = {}
        for doc_id, text in self.documents:
            for i, line in enumerate(text.split("\n"), 1):
                out[f"{doc_id}#{i}"] = line
        return out

    def text(self, key: str) -> str:
        return self.texts[key]

    def counts(self) -> dict[str, int]:
        return dict(Counter(self.kinds[(a, b)] for a, b, _ in self.pairs))


@dataclass
class _Block:
    text: str
    lang: str
    origin: str


def make_benchmark(n_sources: int = 2000, seed: int = 0) -> Benchmark:
    """Build a labelled benchmark from ``n_sources`` real paragraphs."""
    r = random.Random(seed)
    corpus = load_corpus()
    by_lang: dict[str, list[str]] = defaultdict(list)
    for lid, text in corpus:
        by_lang[lid].append(text)
    if n_sources < 10:
        raise ValueError("n_sources must be at least 10")
    if n_sources > len(corpus) - 30:
        raise ValueError(f"n_sources too large: the text package gives {len(corpus)} "
                         f"paragraphs; use at most {len(corpus) - 30}")

    # -- choose sources: focus languages first, the others in random order
    others = sorted(set(by_lang) - set(FOCUS_LANGS))
    r.shuffle(others)
    lang_order = [lid for lid in FOCUS_LANGS if lid in by_lang] + others
    sources: list[tuple[str, str]] = []
    reserve: dict[str, list[str]] = {}
    for lid in lang_order:
        texts = by_lang[lid][:]
        r.shuffle(texts)
        if lid in FOCUS_LANGS[:7] and len(texts) >= 8 and n_sources >= 200:
            # keep one triple of a big language for a shared-quote negative
            reserve[lid], texts = texts[:3], texts[3:]
        room = max(0, n_sources - len(sources))
        sources.extend((lid, t) for t in texts[:room])
        if texts[room:]:
            reserve[lid] = reserve.get(lid, []) + texts[room:]
    vocab = {lid: build_vocab(ts) for lid, ts in by_lang.items()}

    blocks: list[_Block] = []
    docs: list[list[int]] = []
    doc_lang: list[str] = []
    block_doc: dict[int, int] = {}
    pairs: list[tuple[int, int, bool, str]] = []
    next_origin = iter(range(10**9))

    def new_block(text: str, lang: str, origin: str | None = None) -> int:
        blocks.append(_Block(text, lang, origin or f"p{next(next_origin):05d}"))
        return len(blocks) - 1

    def put(doc: int, b: int, pos: int | None = None) -> None:
        d = docs[doc]
        d.insert(r.randint(0, len(d)) if pos is None else pos, b)
        block_doc[b] = doc

    # -- source documents, grouped by language, 3-7 paragraphs each
    src_by_lang: dict[str, list[int]] = defaultdict(list)
    for lid, text in sources:
        src_by_lang[lid].append(new_block(text, lid))
    docs_by_lang: dict[str, list[int]] = defaultdict(list)
    for lid, bids in src_by_lang.items():
        i = 0
        while i < len(bids):
            size = r.randint(3, 7)
            if len(bids) - (i + size) < 2:
                size = len(bids) - i
            docs.append([])
            doc_lang.append(lid)
            docs_by_lang[lid].append(len(docs) - 1)
            for b in bids[i:i + size]:
                put(len(docs) - 1, b, len(docs[-1]))
            i += size

    def other_doc(doc: int, lid: str) -> int:
        same = [d for d in docs_by_lang.get(lid, []) if d != doc]
        if same and r.random() < 0.7:
            return r.choice(same)
        d = r.randrange(len(docs) - 1)
        return d + (d >= doc)

    # -- variants of the sources
    weights = {"exact": 1.0, "recased": 1.0, "deaccented": 2.0, "typo": 1.0,
               "light_edit": 1.0, "heavy_rewrite": 0.9, "same_topic": 0.9}
    seen_pairs: set[tuple[int, int]] = set()
    src_ids = [b for bids in src_by_lang.values() for b in bids]
    for sb in src_ids:
        src = blocks[sb]
        kinds_left = dict(weights)
        if src.lang in FOCUS_LANGS[:7]:
            # the few paragraphs of the languages we care most about get more variants
            n_var = r.choices((1, 2, 3), (0.3, 0.4, 0.3))[0]
            if lang_code(src.lang) in TURKIC_LANGS:
                kinds_left["recased"] = kinds_left["deaccented"] = 3.0
        else:
            n_var = r.choices((0, 1, 2), (0.3, 0.55, 0.15))[0]
        made = 0
        while made < n_var and kinds_left:
            kind = r.choices(list(kinds_left), list(kinds_left.values()))[0]
            del kinds_left[kind]
            vseed = r.randrange(2**32)
            try:
                if kind == "same_topic":
                    cands = [blocks[b].text for b in src_by_lang[src.lang] if b != sb]
                    partner_text = variant_same_topic(src.text, vseed, candidates=cands)
                    pb = next(b for b in src_by_lang[src.lang] if blocks[b].text == partner_text)
                    if (min(sb, pb), max(sb, pb)) in seen_pairs:
                        continue
                    check_variant(kind, src.text, partner_text, src.lang)
                    seen_pairs.add((min(sb, pb), max(sb, pb)))
                    pairs.append((sb, pb, False, kind))
                    made += 1
                    continue
                own_vocab = [u for u in vocab.get(src.lang, [])]
                out = VARIANTS[kind](src.text, vseed, lang=src.lang, vocab=own_vocab)
                out = _clean(out)
                check_variant(kind, src.text, out, src.lang)
            except NotApplicable:
                continue
            label = kind in TRUE_KINDS
            vb = new_block(out, src.lang, src.origin if label else None)
            home = block_doc[sb]
            put(home if r.random() < 0.35 else other_doc(home, src.lang), vb)
            pairs.append((sb, vb, label, kind))
            made += 1

    # -- hard negatives 1: two paragraphs quoting the same long passage
    n_quote = max(1, n_sources // 25)
    quote_langs = [lid for lid in sorted(reserve) if len(reserve[lid]) >= 3
                   and lid not in FOCUS_LANGS[:7]]
    r.shuffle(quote_langs)
    # popped from the end: big languages first
    quote_langs += [lid for lid in reversed(FOCUS_LANGS[:7]) if len(reserve.get(lid, ())) >= 3]
    made_quotes = 0
    while made_quotes < n_quote and quote_langs:
        lid = quote_langs.pop()
        pool = reserve[lid]
        triples = []
        while made_quotes + len(triples) < n_quote and len(pool) >= 3:
            triples.append((pool.pop(), pool.pop(), pool.pop()))
        # what is left of the language pads the documents, each paragraph once
        for qsrc, ha, hb in triples:
            try:
                ta, tb, _q = make_shared_quote(qsrc, ha, hb, r.randrange(2**32), lang=lid)
                check_variant("shared_quote", ta, tb, lid)
            except NotApplicable:
                continue
            docs.append([])
            doc_lang.append(lid)
            da = len(docs) - 1
            ba = new_block(ta, lid)
            put(da, ba)
            for _ in range(min(len(pool), r.randint(0, 2))):
                put(da, new_block(pool.pop(), lid))
            bb = new_block(tb, lid)
            if r.random() < 0.3:
                put(da, bb)
            else:
                docs.append([])
                doc_lang.append(lid)
                put(len(docs) - 1, bb)
                if pool and r.random() < 0.5:
                    put(len(docs) - 1, new_block(pool.pop(), lid))
                if len(docs[-1]) == 1:
                    # a one-line document would make the quote pair trivially
                    # separable; add a short header line
                    put(len(docs) - 1, new_block(format_date(
                        _dt.date(2020, 1, 1) + _dt.timedelta(days=r.randrange(1500)), lid,
                        r.randrange(3)), "-"), 0)
            pairs.append((ba, bb, False, "shared_quote"))
            made_quotes += 1

    # -- hard negatives 2: short lines (separators, words, dates, page numbers)
    n_short = max(1, n_sources // 25)
    for _ in range(n_short):
        d1 = r.randrange(len(docs))
        lid = doc_lang[d1]
        words = [w for w in vocab.get(lid, []) if 3 <= len(w) <= 12 and w[:1].isupper()]
        a, b = make_short_lines(r.randrange(2**32), lang=lid, words=words)
        check_variant("short_line", a, b, lid)
        ba, bb = new_block(a, "-"), new_block(b, "-")
        put(d1, ba)
        put(d1 if r.random() < 0.3 else other_doc(d1, lid), bb)
        pairs.append((ba, bb, False, "short_line"))

    # -- documents in random order, keys, labels
    order = list(range(len(docs)))
    r.shuffle(order)
    documents: list[tuple[str, str]] = []
    key_of: dict[int, str] = {}
    doc_of_key: dict[str, str] = {}
    for new_idx, d in enumerate(order, 1):
        doc_id = f"doc{new_idx:05d}"
        lines = []
        for line_no, b in enumerate(docs[d], 1):
            key_of[b] = f"{doc_id}#{line_no}"
            doc_of_key[key_of[b]] = doc_id
            lines.append(blocks[b].text)
        documents.append((doc_id, "\n".join(lines)))
    assert len(key_of) == len(blocks), "every block is placed exactly once"

    out_pairs: list[tuple[str, str, bool]] = []
    kinds: dict[tuple[str, str], str] = {}
    placement: dict[tuple[str, str], str] = {}
    for ba, bb, label, kind in pairs:
        ka, kb = key_of[ba], key_of[bb]
        out_pairs.append((ka, kb, label))
        kinds[(ka, kb)] = kind
        placement[(ka, kb)] = "same_doc" if doc_of_key[ka] == doc_of_key[kb] else "cross_doc"
    return Benchmark(
        documents=documents,
        pairs=out_pairs,
        kinds=kinds,
        placement=placement,
        origin={key_of[b]: blocks[b].origin for b in range(len(blocks))},
        langs={key_of[b]: blocks[b].lang for b in range(len(blocks))},
        seed=seed,
        n_sources=len(sources),
    )


def write_benchmark(bench: Benchmark, out_dir: str | Path) -> Path:
    """Write ``<doc_id>.txt`` files, ``pairs.jsonl`` and ``meta.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    for doc_id, text in bench.documents:
        (out / f"{doc_id}.txt").write_text(text + "\n", encoding="utf-8")
    with open(out / "pairs.jsonl", "w", encoding="utf-8") as f:
        for a, b, label in bench.pairs:
            f.write(json.dumps({"a": a, "b": b, "label": label,
                                "kind": bench.kinds[(a, b)],
                                "placement": bench.placement[(a, b)]},
                               ensure_ascii=False) + "\n")
    try:
        from importlib.metadata import version
        pkg_version = version(TEXT_PACKAGE)
    except Exception:  # pragma: no cover
        pkg_version = "unknown"
    meta = {
        "text_package": f"{TEXT_PACKAGE}=={pkg_version}",
        "seed": bench.seed,
        "n_sources": bench.n_sources,
        "documents": len(bench.documents),
        "blocks": len(bench.texts),
        "pair_counts": bench.counts(),
        "key_format": "doc_id#line_no (1-based)",
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return out


def _print_summary(bench: Benchmark, examples: int = 0, file=sys.stdout) -> None:
    counts = bench.counts()
    labels = {k: (k in TRUE_KINDS) for k in KINDS}
    place = Counter((bench.kinds[(a, b)], bench.placement[(a, b)]) for a, b, _ in bench.pairs)
    print(f"documents={len(bench.documents)} blocks={len(bench.texts)} "
          f"sources={bench.n_sources} pairs={len(bench.pairs)} "
          f"languages={len(set(bench.langs.values()) - {'-'})}", file=file)
    for k in KINDS:
        print(f"  {k:14s} label={str(labels[k]):5s} pairs={counts.get(k, 0):5d} "
              f"same_doc={place[(k, 'same_doc')]:4d} cross_doc={place[(k, 'cross_doc')]:4d}",
              file=file)
    if examples:
        shown: Counter[str] = Counter()
        for a, b, label in bench.pairs:
            k = bench.kinds[(a, b)]
            if shown[k] >= examples:
                continue
            shown[k] += 1
            print(f"\n[{k}] {a} ~ {b} label={label} ({bench.langs[a]})", file=file)
            print(f"  A: {bench.text(a)[:300]}", file=file)
            print(f"  B: {bench.text(b)[:300]}", file=file)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir", help="empty or new folder to write the benchmark into")
    p.add_argument("--n-sources", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--examples", type=int, default=0, help="print N example pairs per kind")
    args = p.parse_args(argv)
    out = Path(args.out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        p.error(f"{out} exists and is not an empty folder")
    try:
        bench = make_benchmark(n_sources=args.n_sources, seed=args.seed)
    except ValueError as exc:
        p.error(str(exc))
    write_benchmark(bench, out)
    _print_summary(bench, args.examples)
    print(f"written to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

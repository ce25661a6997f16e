"""Labelled benchmark of *partial* copies, built at run time from real text.

    python benchmarks/partial.py OUT_DIR [--seed 0] [--per-case 24] [--seeds-only]

Writes ``OUT_DIR/<case>/NNN.txt`` (one paragraph per line, no blank lines, no date
header: line ``n`` is dedup's block ``n`` with ``--unit line``) and
``OUT_DIR/labels.json``.  Every case is its own small corpus, meant to be scanned on
its own (``dedup scan OUT_DIR/split ...``): the real text is thin (below), so
different cases reuse sentences, while inside one case no sentence is used by two
instances, and every overlap between blocks of a case is a planted one.
``benchmarks/partial_eval.py`` runs dedup and the containment indexes on it.

Where the text comes from
-------------------------
* Turkish: the sentences of the news articles in ``seeds/`` (lines of at least six
  words, split into sentences; real headlines for the tagged-headline case) and the
  Turkish UDHR paragraphs of the PyPI package ``gflanguages`` (through
  ``labelled.load_paragraphs``; see ``benchmarks/labelled.py``).
* Other languages: the UDHR paragraphs of English, German, French, Spanish, Italian,
  Dutch and Portuguese from the same package.  English also has templates (weather,
  markets, scores, a 50-state menu, headline tags).
* Without ``gflanguages`` (CI installs only the test extra) the generator falls back to
  ``seeds/`` alone: Turkish only, fewer instances.  ``make_benchmark(sources=...)``
  takes any text source of the same shape.

A source paragraph is a run of consecutive sentences of one real document, so it reads
as the original did.  Sentences that are (nearly) contained in an earlier sentence are
dropped from the pool, so no two instances meet by accident.

Cases (``CASES``), each with true copies and hard negatives
-----------------------------------------------------------
=================  ==============================================  =========================================
case               planted copy (what should go)                   hard negatives (must stay)
=================  ==============================================  =========================================
split              paragraph P elsewhere as two lines F1, F2:      a line sharing half a sentence of P
                   F1 and F2 go, P stays                           with new text (``shared_clause``)
merge              P1 and P2 elsewhere as one line M: M goes       a line Q1+Q2 where only Q1 is elsewhere
                   (or P1 and P2 go and M stays)                   (``merged_new``)
truncate           P elsewhere cut to its first sentences T:       ``shared_clause``
                   T goes, P stays
append             P elsewhere with one sentence appended:         ``shared_clause``
                   P goes, P+s stays
number_update      a long paragraph with one number changed        the same short number line with another
                   (12 -> 15 kişi): a near copy, one goes          number (``number_line``)
tagged_headline    ``SON DAKİKA: H``, ``H - Site``: the tagged     two different headlines with one tag
                   variants go, the untagged H stays               (``same_tag``)
menu_run           a run of short lines (81 provinces, 50 states)  one province alone as a dateline
                   repeated across documents: all but one copy     (``lone_short_line``)
templated          a templated line reprinted unchanged            weather / market / score lines that differ
                                                                   in a fact (``weather``, ``market``,
                                                                   ``score``)
same_topic         (none)                                          distinct paragraphs of one story
shared_quote       (none)                                          two paragraphs quoting one sentence
=================  ==============================================  =========================================

Labels (``labels.json``)
------------------------
``cases.<case>.blocks``: per block key ``"<case>/<doc>#<line>"``: ``lang``, ``role``
(``source`` the fuller text, ``copy`` should be removed, ``part`` a merge part,
``negative``, ``other``), ``kind``, ``group`` (or null), ``units``.

``cases.<case>.groups``: one per planted relation: ``kind``, ``lang``, ``positive``
(false for groups that only say which removals are harmless around a negative),
``members``, ``fuller``, ``fragments``, ``copy_first`` (whether the copy is read
before the text it copies: ``--keep first`` keeps it), and the acceptable outcomes:
``accept`` is a list of sets of members whose removal resolves the group, or
``"one_survivor"`` (any removal that leaves one member; a menu item's group also
lists in ``elsewhere`` the copies of its item on the case's other menus, and is
resolved too when none of its own survives but one of those does).

``units``: the content of the corpus, for the *text lost* measure.  Each unit is a
sentence (or a templated line, a menu item, a headline); a block carries units; a unit
with a ``parent`` is a piece of the parent unit.  A unit survives when a kept block
carries it or its parent.  Two texts of one updated fact (12 and 15 kişi) are one unit.
Tags (``SON DAKİKA:``) and site names are not content.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEEDS_DIR = ROOT / "seeds"
GENERATOR_VERSION = "1"

CASES = (
    "split", "merge", "truncate", "append", "number_update", "tagged_headline",
    "menu_run", "templated", "same_topic", "shared_quote",
)
#: Languages of the UDHR taken besides Turkish (Latin script, spaced).
OTHER_LANGS = ("en", "de", "fr", "es", "it", "nl", "pt")

# --------------------------------------------------------------------------
# Fixed lists (real names)
# --------------------------------------------------------------------------

PROVINCES_81 = (
    "Adana Adıyaman Afyonkarahisar Ağrı Amasya Ankara Antalya Artvin Aydın Balıkesir Bilecik Bingöl "
    "Bitlis Bolu Burdur Bursa Çanakkale Çankırı Çorum Denizli Diyarbakır Edirne Elazığ Erzincan "
    "Erzurum Eskişehir Gaziantep Giresun Gümüşhane Hakkari Hatay Isparta Mersin İstanbul İzmir Kars "
    "Kastamonu Kayseri Kırklareli Kırşehir Kocaeli Konya Kütahya Malatya Manisa Kahramanmaraş Mardin "
    "Muğla Muş Nevşehir Niğde Ordu Rize Sakarya Samsun Siirt Sinop Sivas Tekirdağ Tokat Trabzon "
    "Tunceli Şanlıurfa Uşak Van Yozgat Zonguldak Aksaray Bayburt Karaman Kırıkkale Batman Şırnak "
    "Bartın Ardahan Iğdır Yalova Karabük Kilis Osmaniye Düzce"
).split()
US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
    "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
    "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
    "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
    "Wisconsin|Wyoming"
).split("|")
UK_CITIES = ("London Manchester Birmingham Leeds Glasgow Liverpool Bristol Sheffield Edinburgh Cardiff "
             "Belfast Leicester Nottingham Newcastle Brighton Plymouth Aberdeen Oxford Cambridge York").split()
TR_TEAMS = ("Galatasaray Fenerbahçe Beşiktaş Trabzonspor Başakşehir Kasımpaşa Sivasspor Konyaspor "
            "Antalyaspor Alanyaspor Kayserispor Rizespor Samsunspor Göztepe Eyüpspor Hatayspor").split()
EN_TEAMS = ("Arsenal|Chelsea|Liverpool|Everton|Tottenham|Newcastle|Brighton|Fulham|Brentford|Wolves|"
            "Aston Villa|West Ham|Crystal Palace|Bournemouth|Nottingham Forest|Manchester City").split("|")
TR_WEATHER = ("güneşli", "parçalı bulutlu", "çok bulutlu", "yağmurlu", "sağanak yağışlı", "sisli",
              "karla karışık yağmurlu", "açık", "rüzgarlı")
EN_WEATHER = ("sunny", "partly cloudy", "cloudy", "rainy", "showery", "foggy", "windy", "clear")
TR_MARKETS = (
    ("Dolar {v} liradan işlem görüyor", 28.0, 36.0),
    ("Euro {v} liradan işlem görüyor", 30.0, 39.0),
    ("Sterlin {v} liradan işlem görüyor", 35.0, 45.0),
    ("Gram altın {v} liradan işlem görüyor", 1900.0, 3100.0),
    ("Borsa İstanbul'da BIST 100 endeksi günü {v} puandan tamamladı", 7000.0, 11000.0),
)
EN_MARKETS = (
    ("The dollar is trading at {v} lira", 28.0, 36.0),
    ("The pound is trading at {v} dollars", 1.1, 1.4),
    ("Gold is trading at {v} dollars an ounce", 1800.0, 2600.0),
    ("The FTSE 100 closed the day at {v} points", 7000.0, 8500.0),
)
TR_TAGS = ("SON DAKİKA: {h}", "FLAŞ: {h}", "{h} - Gündem Haber", "{h} | Haber Merkezi", "SON DAKİKA | {h}")
EN_TAGS = ("BREAKING: {h}", "{h} - The Daily Post", "UPDATE: {h}", "{h} | World News")
TR_NUMBER_SENTENCES = (
    "Olayda yaralanan {n} kişi çevredeki hastanelere kaldırıldı.",
    "Yetkililer, kazada {n} kişinin hayatını kaybettiğini açıkladı.",
    "Toplantıya {n} ülkeden temsilciler katıldı.",
    "Açıklamaya göre bölgede {n} bin kişi tahliye edildi.",
    "Operasyonda {n} şüpheli gözaltına alındı.",
)
EN_NUMBER_SENTENCES = (
    "Officials said {n} people were taken to hospital.",
    "Delegates from {n} countries attended the meeting.",
    "According to the statement, {n} thousand people were evacuated.",
    "Police said {n} suspects were detained.",
)
TR_NUMBER_LINES = ("Kazada {n} kişi yaralandı.", "Depremde {n} bina hasar gördü.", "Yangında {n} hektar alan zarar gördü.")
EN_NUMBER_LINES = ("{n} people were injured in the crash.", "{n} buildings were damaged in the quake.")
TR_QUOTE_FRAMES = ("{a} “{q}” dedi.", "{a} Açıklamada “{q}” ifadesine yer verildi.", "{a} Yetkili, “{q}” diye konuştu.")
EN_QUOTE_FRAMES = ("{a} “{q}” he said.", "{a} The statement read: “{q}”", "{a} An official told reporters: “{q}”")

_TR_HARD = set("çfhkpsştÇFHKPSŞT")
_TR_BACK = set("aıouAIOU")
_TR_VOWELS = set("aeıioöuüAEIİOÖUÜ")


def locative(name: str) -> str:
    """Turkish locative suffix after an apostrophe: Ankara'da, İzmir'de, Kars'ta, Muş'ta."""
    last_vowel = next((c for c in reversed(name) if c in _TR_VOWELS), "a")
    vowel = "a" if last_vowel in _TR_BACK else "e"
    cons = "t" if name[-1] in _TR_HARD else "d"
    return f"{name}'{cons}{vowel}"


# --------------------------------------------------------------------------
# Text sources
# --------------------------------------------------------------------------

_DATE_RE = re.compile(r"\A[\s\ufeff]*date[ \t]+\d{4}-\d{2}-\d{2}[ \t]*")
_BOUNDARY = re.compile(r"[.!?]+[”\"’'»)]*\s+(?=[A-ZÇĞİÖŞÜÂÎÛ“\"‘'«(])")
_WORD = re.compile(r"\w+")


def _quote_depth(text: str) -> int:
    """Open quotations at the end of ``text`` (curly pairs, straight quotes toggle)."""
    return text.count("“") - text.count("”") + text.count('"') % 2 + text.count("«") - text.count("»")


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, split after ``.!?`` before a capital, never inside a
    quotation or after a number or a single capital (``3. Minsk``, ``A. Smith``)."""
    out, start = [], 0
    for m in _BOUNDARY.finditer(text):
        piece = text[start : m.end()]
        before = text[start : m.start()].split()
        last = before[-1] if before else ""
        if not last or last.isdigit() or (len(last) == 1 and last.isupper()) or _quote_depth(piece) != 0:
            continue
        out.append(piece.strip())
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def seed_documents(seeds_dir: Path = SEEDS_DIR) -> tuple[list[list[str]], list[str]]:
    """Sentences of each seed article (lines of at least six words) and its real
    headlines (lines of 3 to 12 words that do not end a sentence)."""
    docs, heads = [], []
    for path in sorted(seeds_dir.glob("*.txt")):
        sents = []
        for line in path.read_text(encoding="utf-8").splitlines():
            line = _clean(_DATE_RE.sub("", line)).lstrip("-• ").strip()
            if not line or line.startswith(("[", "<")):
                continue
            n = len(line.split())
            if n >= 6 and line[-1] in ".!?\"”’":
                sents.extend(split_sentences(line))
            elif 3 <= n <= 12 and line[-1] not in ".:,;" and not line.isupper() and not line[0].isdigit() and "(" not in line:
                if line not in heads:
                    heads.append(line)
        docs.append(sents)
    return docs, heads


def udhr_documents(langs=("tr",) + OTHER_LANGS) -> dict[str, list[list[str]]]:
    """UDHR sentences per language from ``gflanguages`` (one pseudo-document per
    language); raises ImportError when the package is not installed."""
    sys.path.insert(0, str(HERE))
    import labelled  # noqa: PLC0415  (benchmarks/labelled.py)

    labelled._corpus()  # raises ImportError without gflanguages
    out = {}
    for lang in langs:
        sents = [s for p in labelled.load_paragraphs(f"{lang}_Latn") for s in split_sentences(p)]
        if sents:
            out[lang] = [sents]
    return out


@dataclass
class Sources:
    """Real text per language: documents as lists of sentences, plus headlines."""

    docs: dict[str, list[list[str]]]
    headlines: dict[str, list[str]] = field(default_factory=dict)
    origin: str = ""


def load_sources(udhr: bool | None = None) -> Sources:
    """seeds/ and, when ``gflanguages`` is installed (or ``udhr`` is True), the UDHR.
    ``udhr=False`` gives seeds/ alone."""
    seed_docs, heads = seed_documents()
    docs = {"tr": seed_docs}
    origin = "seeds/"
    if udhr is not False:
        try:
            extra = udhr_documents()
        except ImportError:
            if udhr:
                raise
            extra = {}
        for lang, d in extra.items():
            docs.setdefault(lang, []).extend(d)
        if extra:
            origin += " + UDHR (gflanguages): " + ", ".join(sorted(extra))
    return Sources(docs, {"tr": heads}, origin)


# --------------------------------------------------------------------------
# Shingles for the pool filter and the checks (same normalization as dedup)
# --------------------------------------------------------------------------

def _norm(text: str) -> str:
    from dedup.normalize import normalize

    return normalize(text)


def grams(text: str, k: int = 5) -> set[str]:
    s = _norm(text)
    return {s} if len(s) <= k else {s[i : i + k] for i in range(len(s) - k + 1)}


def containment(a: str, b: str) -> float:
    """|A ∩ B| / min(|A|, |B|) over character 5-grams of the normalized texts."""
    ga, gb = grams(a), grams(b)
    return len(ga & gb) / min(len(ga), len(gb))


class Pool:
    """Sentences of one language, taken without replacement as runs of consecutive
    sentences of one document; sentences nearly contained in an earlier one (a
    headline repeated in the text, a quote printed twice) are dropped first."""

    def __init__(self, docs: list[list[str]], r: random.Random, max_containment: float = 0.5):
        kept: list[list[str]] = []
        seen: list[set[str]] = []
        for doc in docs:
            cur = []
            for s in doc:
                g = grams(s)
                if len(_norm(s)) < 25 or any(len(g & h) / min(len(g), len(h)) >= max_containment for h in seen):
                    continue
                seen.append(g)
                cur.append(s)
            if cur:
                kept.append(cur)
        self.docs = kept
        self.r = r

    def remaining(self) -> int:
        return sum(len(d) for d in self.docs)

    def take(self, k: int, min_chars: int = 0) -> list[str]:
        """``k`` consecutive sentences of one document (fewer documents qualify as the
        pool empties); raises LookupError when none has ``k`` left."""
        choices = [i for i, d in enumerate(self.docs) if len(d) >= k]
        if not choices:
            raise LookupError("text pool exhausted")
        i = self.r.choice(choices)
        doc = self.docs[i]
        start = self.r.randrange(len(doc) - k + 1)
        out = doc[start : start + k]
        # the rest of the document stays in order: before and after the run
        self.docs[i] = doc[:start]
        if doc[start + k :]:
            self.docs.append(doc[start + k :])
        self.docs = [d for d in self.docs if d]
        if min_chars and sum(len(s) for s in out) < min_chars and k < 6:
            # too short: take one more sentence when the pool has one at hand
            try:
                out = out + self.take(1)
            except LookupError:
                pass
        return out


# --------------------------------------------------------------------------
# The benchmark being built
# --------------------------------------------------------------------------

@dataclass
class Case:
    """One case's corpus: documents (lists of lines), block labels, groups."""

    name: str
    docs: list[list[str]] = field(default_factory=list)
    blocks: dict[str, dict] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # normalized texts of generated lines

    def doc(self) -> int:
        self.docs.append([])
        return len(self.docs) - 1

    @staticmethod
    def doc_name(i: int) -> str:
        return f"{i:03d}.txt"

    def add(self, d: int, text: str, lang: str, role: str, kind: str, units: list[str]) -> str:
        text = _clean(text)
        assert text and "\n" not in text
        self.docs[d].append(text)
        key = f"{self.name}/{self.doc_name(d)}#{len(self.docs[d])}"
        self.blocks[key] = {"lang": lang, "role": role, "kind": kind, "group": None, "units": list(units)}
        return key

    def group(self, kind: str, lang: str, members: list[str], *, positive: bool = True, fuller: str | None = None,
              fragments: list[str] | None = None, accept=None, copy_first: bool | None = None) -> dict:
        g = {"id": f"{self.name}-{len(self.groups)}", "kind": kind, "lang": lang, "positive": positive,
             "members": members, "fuller": fuller, "fragments": fragments or [], "accept": accept,
             "copy_first": copy_first}
        self.groups.append(g)
        for m in members:
            if self.blocks[m]["group"] is None:
                self.blocks[m]["group"] = g["id"]
        return g

    def text(self, key: str) -> str:
        doc, line = key.split("/", 1)[1].split("#")
        return self.docs[int(doc[:3])][int(line) - 1]


class Units:
    """Content units: id -> text, with an optional parent (a piece of another unit)."""

    def __init__(self) -> None:
        self.table: dict[str, dict] = {}
        self.by_text: dict[tuple[str, str | None], str] = {}

    def get(self, text: str, parent: str | None = None) -> str:
        key = (_clean(text), parent)
        uid = self.by_text.get(key)
        if uid is None:
            uid = f"u{len(self.table)}"
            self.table[uid] = {"text": key[0], "chars": len(key[0]), "parent": parent}
            self.by_text[key] = uid
        return uid

    def variant(self, uid: str, text: str) -> str:
        """Another text of the same unit (an updated number): the same id."""
        self.table[uid].setdefault("variants", []).append(_clean(text))
        return uid


@dataclass
class Benchmark:
    """The generated cases, the content units and the parameters."""

    cases: dict[str, Case]
    units: dict[str, dict]
    meta: dict

    def labels(self) -> dict:
        return {
            **self.meta,
            "cases": {
                name: {"documents": [f"{name}/{Case.doc_name(i)}" for i in range(len(c.docs))],
                       "blocks": c.blocks, "groups": c.groups}
                for name, c in self.cases.items()
            },
            "units": self.units,
        }

    def documents(self, case: str) -> list[tuple[str, str]]:
        c = self.cases[case]
        return [(Case.doc_name(i), "\n".join(lines) + "\n") for i, lines in enumerate(c.docs)]

    def write(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        if out.exists() and any(out.iterdir()):
            raise FileExistsError(f"{out} exists and is not empty")
        for name in self.cases:
            folder = out / name
            folder.mkdir(parents=True, exist_ok=True)
            for doc, text in self.documents(name):
                (folder / doc).write_text(text, encoding="utf-8")
        (out / "labels.json").write_text(json.dumps(self.labels(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return out


# --------------------------------------------------------------------------
# Case makers: each adds one instance (a few documents) or raises LookupError
# --------------------------------------------------------------------------

def _words_half(text: str, first: bool) -> str:
    w = text.split()
    h = len(w) // 2
    return " ".join(w[:h] if first else w[h:])


def _shared_clause(c: Case, U: Units, pool: Pool, r: random.Random, lang: str, sentences: list[str], s_units: list[str]) -> None:
    """Hard negative: the first half of one of ``sentences`` followed by the second half
    of a fresh sentence: shares a long phrase with a planted text, is not a copy."""
    q = pool.take(1)[0]
    i = r.randrange(len(sentences))
    a, b = _words_half(sentences[i], True), _words_half(q, False)
    d = c.doc()
    c.add(d, f"{a} {b}", lang, "negative", "shared_clause", [U.get(a, s_units[i]), U.get(b)])


def _place(c: Case, r: random.Random, first, second) -> bool:
    """Call ``first`` and ``second`` (each writes documents) in a random order; True
    when ``second`` (the copy) was written first."""
    copy_first = r.random() < 0.5
    if copy_first:
        second()
        first()
    else:
        first()
        second()
    return copy_first


def make_split(c, U, pool, r, lang):
    k = r.choice((2, 3, 3, 4))
    sents = pool.take(k)
    units = [U.get(s) for s in sents]
    j = r.randrange(1, k)
    keys = {}

    def src():
        d = c.doc()
        keys["P"] = c.add(d, " ".join(sents), lang, "source", "split", units)

    def cp():
        d = c.doc()
        keys["F1"] = c.add(d, " ".join(sents[:j]), lang, "copy", "split", units[:j])
        keys["F2"] = c.add(d, " ".join(sents[j:]), lang, "copy", "split", units[j:])

    cf = _place(c, r, src, cp)
    c.group("split", lang, [keys["P"], keys["F1"], keys["F2"]], fuller=keys["P"], fragments=[keys["F1"], keys["F2"]],
            accept=[[keys["F1"], keys["F2"]]], copy_first=cf)
    _shared_clause(c, U, pool, r, lang, sents, units)


def make_merge(c, U, pool, r, lang):
    p1, p2 = pool.take(r.choice((1, 2))), pool.take(r.choice((1, 2)))
    u1, u2 = [U.get(s) for s in p1], [U.get(s) for s in p2]
    keys = {}

    def parts():
        d = c.doc()
        keys["P1"] = c.add(d, " ".join(p1), lang, "part", "merge", u1)
        if r.random() < 0.5:
            d = c.doc()
        keys["P2"] = c.add(d, " ".join(p2), lang, "part", "merge", u2)

    def merged():
        d = c.doc()
        keys["M"] = c.add(d, " ".join(p1 + p2), lang, "copy", "merge", u1 + u2)

    cf = _place(c, r, parts, merged)
    c.group("merge", lang, [keys["M"], keys["P1"], keys["P2"]], fuller=keys["M"], fragments=[keys["P1"], keys["P2"]],
            accept=[[keys["M"]], [keys["P1"], keys["P2"]]], copy_first=cf)
    # negative: Q1 + Q2 where only Q1 appears elsewhere; Q1 may go, Q1+Q2 must stay
    q1, q2 = pool.take(1), pool.take(1)
    uq1, uq2 = [U.get(s) for s in q1], [U.get(s) for s in q2]
    d = c.doc()
    kq1 = c.add(d, " ".join(q1), lang, "other", "merged_new_part", uq1)
    d = c.doc()
    kn = c.add(d, " ".join(q1 + q2), lang, "negative", "merged_new", uq1 + uq2)
    c.group("merged_new", lang, [kn, kq1], positive=False, fuller=kn, fragments=[kq1], accept=[[], [kq1]])


def make_truncate(c, U, pool, r, lang):
    k = r.choice((3, 3, 4, 5))
    try:
        sents = pool.take(k)
    except LookupError:
        k = 2
        sents = pool.take(k)
    units = [U.get(s) for s in sents]
    j = r.randrange(1, k)
    keys = {}

    def src():
        keys["P"] = c.add(c.doc(), " ".join(sents), lang, "source", "truncate", units)

    def cp():
        keys["T"] = c.add(c.doc(), " ".join(sents[:j]), lang, "copy", "truncate", units[:j])

    cf = _place(c, r, src, cp)
    c.group("truncate", lang, [keys["P"], keys["T"]], fuller=keys["P"], fragments=[keys["T"]], accept=[[keys["T"]]], copy_first=cf)
    _shared_clause(c, U, pool, r, lang, sents, units)


def make_append(c, U, pool, r, lang):
    k = r.choice((1, 2, 2, 3))
    sents = pool.take(k)
    extra = pool.take(1)
    units = [U.get(s) for s in sents]
    ue = [U.get(s) for s in extra]
    keys = {}

    def src():
        keys["P"] = c.add(c.doc(), " ".join(sents), lang, "copy", "append", units)

    def cp():
        keys["PS"] = c.add(c.doc(), " ".join(sents + extra), lang, "source", "append", units + ue)

    # the appended version is the planted copy, but the fragment P is what should go
    cf = not _place(c, r, src, cp)
    c.group("append", lang, [keys["PS"], keys["P"]], fuller=keys["PS"], fragments=[keys["P"]], accept=[[keys["P"]]], copy_first=cf)
    _shared_clause(c, U, pool, r, lang, sents, units)


def _number(r: random.Random) -> tuple[int, int]:
    n = r.randint(3, 60)
    m = n + r.choice((1, 2, 3, 5, 7, 10, 13))
    return n, m


def make_number_update(c, U, pool, r, lang):
    sents = pool.take(r.choice((2, 3)), min_chars=220)
    tmpl = r.choice(TR_NUMBER_SENTENCES if lang == "tr" else EN_NUMBER_SENTENCES)
    n, m = _number(r)
    pos = r.randrange(1, len(sents) + 1)
    old, new = tmpl.format(n=n), tmpl.format(n=m)
    un = U.get(old)
    U.variant(un, new)
    units = [U.get(s) for s in sents]
    units_p = units[:pos] + [un] + units[pos:]
    first = c.add(c.doc(), " ".join(sents[:pos] + [old] + sents[pos:]), lang, "source", "number_update", units_p)
    second = c.add(c.doc(), " ".join(sents[:pos] + [new] + sents[pos:]), lang, "copy", "number_update", units_p)
    c.group("number_update", lang, [first, second], accept="one_survivor", copy_first=False)
    # negative: one short line of a template, with two different numbers
    line = r.choice(TR_NUMBER_LINES if lang == "tr" else EN_NUMBER_LINES)
    done = 0
    for _try in range(50):
        t = line.format(n=r.randint(2, 99))
        if _norm(t) in c.seen:
            continue
        c.seen.add(_norm(t))
        c.add(c.doc(), t, lang, "negative", "number_line", [U.get(t)])
        done += 1
        if done == 2:
            break


def _headline_from(sentence: str, r: random.Random) -> str:
    w = re.sub("[“”\"«»‘’]", "", sentence).split()
    cut = min(len(w), r.randint(6, 10))
    h = " ".join(w[:cut]).rstrip(",;:.!?“”\"'")
    return h[0].upper() + h[1:]


def make_tagged_headline(c, U, pool, r, lang, heads: list[str]):
    tags = TR_TAGS if lang == "tr" else EN_TAGS

    used = c.__dict__.setdefault("headline_grams", [])

    def headline() -> str:
        # Headlines cut from the first words of sentences can be prefixes of one another
        # ("Everyone has the right to freedom" / "... of thought"): draw until one
        # overlaps no headline of the case by half.
        for _ in range(50):
            h = heads.pop(r.randrange(len(heads))) if heads else _headline_from(pool.take(1)[0], r)
            g = grams(h)
            if not any(len(g & u) / min(len(g), len(u)) >= 0.5 for u in used):
                break
        used.append(g)
        return h

    h = headline()
    uh = U.get(h)
    variants = r.sample(tags, r.choice((1, 2)))
    keys = {}

    def src():
        keys["H"] = c.add(c.doc(), h, lang, "source", "tagged_headline", [uh])

    def cp():
        keys["T"] = [c.add(c.doc(), t.format(h=h), lang, "copy", "tagged_headline", [uh]) for t in variants]

    cf = _place(c, r, src, cp)
    c.group("tagged_headline", lang, [keys["H"], *keys["T"]], fuller=None, fragments=[keys["H"]], accept=[keys["T"]], copy_first=cf)
    # negative: two different headlines under one tag
    t = r.choice(tags)
    for _ in range(2):
        h2 = headline()
        c.add(c.doc(), t.format(h=h2), lang, "negative", "same_tag", [U.get(h2)])


def make_menu_run(c, U, pool, r, lang):
    """One site's menu repeated in 2-4 documents (each with a line of its own text),
    and a document with one item alone as a dateline."""
    items = list(PROVINCES_81 if lang == "tr" else US_STATES)
    if r.random() < 0.5:
        items = sorted(r.sample(items, r.randint(12, 30)))
    prefix = r.choice(("  • ", "• ", "- ", ""))
    copies = r.randint(2, 4)
    keys: list[list[str]] = []
    for _ in range(copies):
        d = c.doc()
        keys.append([c.add(d, prefix + it, lang, "copy", "menu_run", [U.get(it)]) for it in items])
        s = pool.take(1)[0]
        c.add(d, s, lang, "other", "page_text", [U.get(s)])
    # Two sites whose menus list the same items differ only in their bullets, which
    # normalization drops: an item may then survive on the other site alone.  Each
    # group names the copies of its item on the case's other menus (``elsewhere``).
    seen = c.__dict__.setdefault("menu_groups", {})
    for j, it in enumerate(items):
        members = [k[j] for k in keys]
        g = c.group("menu_run", lang, members, accept="one_survivor", copy_first=False)
        g["elsewhere"] = []
        for other in seen.setdefault((lang, it), []):
            other["elsewhere"].extend(members)
            g["elsewhere"].extend(other["members"])
        seen[lang, it].append(g)
        c.blocks[members[0]]["role"] = "source"
    d = c.doc()
    it = r.choice(items)
    c.add(d, it, lang, "negative", "lone_short_line", [U.get(it)])
    s = pool.take(1)[0]
    c.add(d, s, lang, "other", "page_text", [U.get(s)])


def _weather_line(r, lang):
    if lang == "tr":
        city = r.choice(PROVINCES_81)
        return f"{locative(city)} bugün hava {r.choice(TR_WEATHER)}, en yüksek {r.randint(-5, 38)} derece"
    return f"Weather in {r.choice(UK_CITIES)} today: {r.choice(EN_WEATHER)}, high of {r.randint(-3, 32)} degrees"


def _market_line(r, lang):
    tmpl, lo, hi = r.choice(TR_MARKETS if lang == "tr" else EN_MARKETS)
    v = r.uniform(lo, hi)
    s = f"{v:,.2f}" if v >= 1000 else f"{v:.2f}"
    if lang == "tr":
        s = s.replace(",", "_").replace(".", ",").replace("_", ".")
    return tmpl.format(v=s)


def _score_line(r, lang):
    teams = TR_TEAMS if lang == "tr" else EN_TEAMS
    a, b = r.sample(teams, 2)
    week = r.randint(1, 34)
    if lang == "tr":
        return f"Süper Lig {week}. hafta: {a} {r.randint(0, 4)}-{r.randint(0, 4)} {b}"
    return f"Premier League, week {week}: {a} {r.randint(0, 4)}-{r.randint(0, 4)} {b}"


TEMPLATES = {"weather": _weather_line, "market": _market_line, "score": _score_line}


def make_templated(c, U, pool, r, lang, printed: dict[str, list[str]]):
    """One page of templated lines (weather, markets or scores); sometimes it reprints
    one or two lines of an earlier page unchanged (a true copy)."""
    kind = r.choice(tuple(TEMPLATES))
    d = c.doc()
    n = r.randint(4, 8)
    reprint = printed.get(f"{lang}:{kind}", [])
    if reprint and r.random() < 0.6:
        for key in r.sample(reprint, min(len(reprint), r.choice((1, 2)))):
            g = next((g for g in c.groups if key in g["members"]), None)
            text = c.text(key)
            new = c.add(d, text, lang, "copy", kind, c.blocks[key]["units"])
            if g is None:
                c.blocks[key]["role"] = "source"
                c.group(f"{kind}_reprint", lang, [key, new], accept="one_survivor", copy_first=False)
            else:
                g["members"].append(new)
                c.blocks[new]["group"] = g["id"]
    for _ in range(n):
        for _try in range(50):
            t = TEMPLATES[kind](r, lang)
            if _norm(t) not in c.seen:
                break
        else:
            continue
        c.seen.add(_norm(t))
        key = c.add(d, t, lang, "negative", kind, [U.get(t)])
        printed.setdefault(f"{lang}:{kind}", []).append(key)


def make_same_topic(c, U, pool, r, lang):
    """Two or three distinct paragraphs of one story in different documents."""
    for _ in range(r.choice((2, 3))):
        sents = pool.take(r.choice((1, 2)))
        c.add(c.doc(), " ".join(sents), lang, "negative", "same_topic", [U.get(s) for s in sents])


def make_shared_quote(c, U, pool, r, lang):
    """Two different paragraphs that quote one sentence, framed differently."""
    q = re.sub("[“”\"«»]", "", pool.take(1)[0])
    a, b = pool.take(1)[0], pool.take(1)[0]
    frames = r.sample(TR_QUOTE_FRAMES if lang == "tr" else EN_QUOTE_FRAMES, 2)
    uq = U.get(q)
    for ctx, fr in zip((a, b), frames):
        text = fr.format(a=ctx, q=q)
        c.add(c.doc(), text, lang, "negative", "shared_quote", [U.get(ctx), uq])


MAKERS = {
    "split": make_split, "merge": make_merge, "truncate": make_truncate, "append": make_append,
    "number_update": make_number_update, "menu_run": make_menu_run, "same_topic": make_same_topic,
    "shared_quote": make_shared_quote,
}
#: Cases whose templates exist only in Turkish and English.
TEMPLATE_LANGS = ("tr", "en")
TEMPLATED_CASES = ("number_update", "tagged_headline", "menu_run", "templated", "shared_quote")
#: Instances per case that do not scale with ``per_case`` (a menu run is ~80 lines).
FIXED = {"menu_run": 3, "templated": 16}


def make_benchmark(seed: int = 0, per_case: int = 24, sources: Sources | None = None, cases=CASES) -> Benchmark:
    """The benchmark for ``seed``: up to ``per_case`` Turkish instances per case and
    ``per_case // 3`` instances in the other languages together (fewer when the text
    runs out).  ``sources`` defaults to :func:`load_sources` (seeds/ plus the UDHR when
    ``gflanguages`` is installed)."""
    sources = sources or load_sources()
    U = Units()
    out: dict[str, Case] = {}
    counts: dict[str, dict[str, int]] = {}
    for ci, name in enumerate(cases):
        r = random.Random(f"{seed}:{name}:{ci}")
        c = Case(name)
        pools = {lang: Pool(docs, random.Random(f"{seed}:{name}:{lang}")) for lang, docs in sources.docs.items()}
        heads = {lang: list(h) for lang, h in sources.headlines.items()}
        printed: dict[str, list[str]] = {}
        others = [lang for lang in sources.docs if lang != "tr" and (name not in TEMPLATED_CASES or lang in TEMPLATE_LANGS)]
        base = FIXED.get(name, per_case)
        # Turkish first, then the other languages in turn until they have a third as many
        plan = ["tr"] * base + [others[i % len(others)] for i in range(max(1, base // 3))] if others else ["tr"] * base
        made: dict[str, int] = {}
        dry: set[str] = set()
        for lang in plan:
            if lang in dry or lang not in pools:
                continue
            nd, ng = len(c.docs), len(c.groups)
            try:
                if name == "tagged_headline":
                    make_tagged_headline(c, U, pools[lang], r, lang, heads.get(lang, []))
                elif name == "templated":
                    make_templated(c, U, pools[lang], r, lang, printed)
                else:
                    MAKERS[name](c, U, pools[lang], r, lang)
            except LookupError:
                # the text ran out mid-instance: drop its half-written documents
                c.docs = c.docs[:nd]
                c.blocks = {k: v for k, v in c.blocks.items() if int(k.split("/", 1)[1][:3]) < nd}
                del c.groups[ng:]
                dry.add(lang)
                continue
            made[lang] = made.get(lang, 0) + 1
        out[name] = c
        counts[name] = made
    meta = {
        "generator": "benchmarks/partial.py",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "per_case": per_case,
        "text": sources.origin,
        "instances": counts,
    }
    return Benchmark(out, _used_units(U.table, out), meta)


def _used_units(table: dict[str, dict], cases: dict[str, Case]) -> dict[str, dict]:
    used = {u for c in cases.values() for b in c.blocks.values() for u in b["units"]}
    return {k: v for k, v in table.items() if k in used or any(k == table[u]["parent"] for u in used)}


# --------------------------------------------------------------------------
# Label checks
# --------------------------------------------------------------------------

_FACT = re.compile(r"\d+(?:[.,]\d+)*|\w+")


def fact_tokens(text: str) -> list[str]:
    """Numbers and words of a normalized text, in order."""
    return _FACT.findall(_norm(text))


def check(bench: Benchmark) -> dict[str, int]:
    """Assert that the labels say what the texts are; return counts of what was checked.

    * every fragment of a group occurs in its fuller text (normalized, as a substring);
      a merged line is its parts joined; a tagged headline contains the headline;
    * a number update differs from its source in numbers only;
    * a reprinted templated line or menu item is the same text as the others of its group;
    * every templated negative differs from every other block of its case in at least
      one fact (number or name), and no two negatives of a case are the same text;
    * a shared-clause negative is not contained in the paragraph it borrows from;
    * block keys are the documents' line numbers, one paragraph per line.
    """
    n = {"groups": 0, "negatives": 0, "blocks": 0}
    for name, c in bench.cases.items():
        assert set(c.blocks) == {f"{name}/{Case.doc_name(d)}#{i + 1}" for d, lines in enumerate(c.docs) for i in range(len(lines))}
        n["blocks"] += len(c.blocks)
        for g in c.groups:
            n["groups"] += 1
            texts = {m: _norm(c.text(m)) for m in g["members"]}
            for m in g["members"]:
                assert c.blocks[m]["group"] is not None
            if g["kind"] in ("split", "truncate", "append", "merge", "merged_new"):
                full = texts[g["fuller"]]
                for f in g["fragments"]:
                    assert texts[f] and texts[f] in full and texts[f] != full, (g, texts[f], full)
                if g["kind"] in ("split", "merge"):
                    assert " ".join(texts[f] for f in g["fragments"]) == full, g
            elif g["kind"] == "tagged_headline":
                h = texts[g["fragments"][0]]
                for t in g["accept"][0]:
                    assert h in texts[t] and h != texts[t], (h, texts[t])
            elif g["kind"] == "number_update":
                a, b = (fact_tokens(c.text(m)) for m in g["members"])
                diff = [(x, y) for x, y in zip(a, b) if x != y]
                assert len(a) == len(b) and diff and all(x.isdigit() and y.isdigit() for x, y in diff), diff
            else:  # menu items and reprints: the same text
                assert len(set(texts.values())) == 1, g
        negs = [k for k, b in c.blocks.items() if b["role"] == "negative"]
        n["negatives"] += len(negs)
        norms = {k: _norm(c.text(k)) for k in c.blocks}
        for k in negs:
            b = c.blocks[k]
            if b["kind"] in ("weather", "market", "score", "number_line", "same_tag"):
                mine = fact_tokens(c.text(k))
                for other, t in norms.items():
                    if other != k and c.blocks[other]["kind"] == b["kind"] and c.blocks[other]["role"] == "negative":
                        assert t != norms[k], (k, other)
                        assert fact_tokens(c.text(other)) != mine, (k, other)
            if b["kind"] == "shared_clause":
                for other, t in norms.items():
                    if other != k:
                        assert norms[k] not in t, (k, other)
        for b in c.blocks.values():
            for u in b["units"]:
                assert u in bench.units
    return n


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--per-case", type=int, default=24, help="Turkish instances per case (others: a third of it)")
    p.add_argument("--seeds-only", action="store_true", help="seeds/ only, no gflanguages")
    args = p.parse_args(argv)
    bench = make_benchmark(args.seed, args.per_case, load_sources(udhr=False if args.seeds_only else None))
    counts = check(bench)
    bench.write(args.out_dir)
    print(json.dumps({"text": bench.meta["text"], "instances": bench.meta["instances"], **counts}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

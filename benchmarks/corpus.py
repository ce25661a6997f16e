"""Generate a realistic, news-like corpus of a chosen size with planted duplicates.

    python benchmarks/corpus.py OUT_DIR --mb 10 [--seed 0] [--format txt|jsonl]
                                [--exact-share 0.10] [--near-share 0.05]
                                [--boilerplate-every-doc [exact|near]]

Where the text comes from
-------------------------
Nothing random-lettered: every word is a real word.  Per language, a word-level Markov
chain (order 1, with a small chance of jumping to any word of the language, which keeps
distinct paragraphs really distinct) is built from real paragraphs:

* Turkish (the default main language, ``--main-share 0.9``): the sentences of the seed
  news articles in ``seeds/`` plus the Turkish paragraphs of ``labelled.load_paragraphs``
  (UDHR translations shipped by the PyPI package ``gflanguages``).
* the other documents (``1 - main-share``): one language each, chosen among the
  languages of ``labelled.load_corpus()`` with at least 150 words of text, its chain
  built from that language's paragraphs (character-level for scripts written without
  spaces: Chinese, Japanese, Thai, ...).

Generated paragraphs are made of sentences that start where real sentences start and
end where real sentences end, so they share the language's word, character and
punctuation statistics.

Short fresh texts (headlines, one-sentence paragraphs: at most ``SHORT_WORDS`` words)
are kept distinct: one that shares most of its word trigrams with one earlier short
fresh text is redrawn (``ShortTextGuard``), since chains built from so little text would
otherwise make unplanted near duplicates that the truth calls distinct.

What a document looks like (one paragraph per line, like ``seeds/``)
---------------------------------------------------------------------
Each document belongs to one of ``--sites`` sites.  A site has its own navigation line,
footer lines and (for some) a province menu (short lines, never compared by dedup) and
a widget line (``A+ A-``).  A document is: optional ``date YYYY-MM-DD`` header, menu,
headline, sometimes the headline again in capitals, the widget, a lead paragraph, 2-14
body paragraphs, the site's footer, sometimes one of a few global lines (share buttons,
cookie notice), and with ``--boilerplate-every-doc`` one long boilerplate paragraph that
is the same in every document (a cluster with as many members as documents).  With
``--boilerplate-every-doc near`` that paragraph ends with the document's own number
(``Haber no: 12345.``): as many distinct texts as documents, every two of them near
copies (one near cluster, LSH buckets as large as the corpus).

Planted duplicates
------------------
Every content slot (headline, lead, body paragraph) is, independently:

* an exact copy of an earlier content paragraph with probability ``--exact-share``,
* a near copy with probability ``--near-share``, made with the variant functions of
  ``labelled.py``: ``typo``, ``recased``, ``deaccented``, ``light_edit``,
* a fresh paragraph otherwise.

A copy's source is taken from the same document (``--within-share`` 0.35, when it
already has a paragraph) or from a bounded reservoir of earlier documents' paragraphs
(an agency story reused by several outlets).  Memory stays small: documents are
written as they are made, the reservoir holds at most 20,000 paragraphs, and only the
index of ``ShortTextGuard`` grows with the corpus (its distinct word trigrams).

Truth
-----
``truth.json``: the parameters and the planted counts.  ``labels.jsonl``: one line per
document, ``{"id": ..., "o": [origin per block], "k": [kind per block]}`` where blocks
are dedup's line blocks (non-blank lines, after a leading date header) in order.  Blocks
with the same origin are copies of one another (exact or near); ``k`` is one of
``fresh``, ``exact``, ``typo``, ``recased``, ``deaccented``, ``light_edit``,
``boilerplate`` (site footer/navigation/global lines, every-doc paragraph), ``menu``
(short menu and widget lines).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as _dt
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import xxhash

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import labelled  # noqa: E402

SEEDS_DIR = ROOT / "seeds"
GENERATOR_VERSION = "4"

_QUOTES = "\"“”„«»‘’‚'`´"
_SENT_END = re.compile(r"[.!?。！？]$")
_WORD = re.compile(r"\w+")

#: Fresh texts of at most this many words are checked against the short fresh texts
#: made before them (see :class:`ShortTextGuard`).
SHORT_WORDS = 24


class ShortTextGuard:
    """Keeps short fresh texts distinct from one another.

    The chains are built from little text (five articles and the UDHR), so two short
    fresh texts (headlines, one-sentence paragraphs) sometimes come out nearly the same
    (``Rusya Dışişleri Bakanı Sergey Lavrov, imzalama töreninin ardından`` and the same
    with ``da`` at the end): real near duplicates that the truth would call distinct,
    charging every tool false positives for them (generator version 2: 382 of dedup's
    29,852 clusters at 100 MB mixed origins, 3,574 false content pairs).

    A short text (at most ``SHORT_WORDS`` words, in a language written with spaces) is
    redrawn when more than ``share`` of its word trigrams (case- and accent-blind) are
    trigrams of *one* earlier short fresh text.  Each trigram remembers the last
    ``keep`` texts that used it, so the check costs a few hundred dictionary counts: a
    common phrase (``Rusya Dışişleri Bakanı Sergey Lavrov``) stays free to reuse, a near
    copy of one earlier text does not (one of an old text whose every trigram was used
    since by ``keep`` others slips through).  At 10 and 100 MB 0.9 % and 1.6 % of fresh
    texts were redrawn, none kept after all tries; dedup's clusters mixing planted
    origins at 100 MB went from 382 (3,574 false pairs) to 42 (68).  (Version 3 pooled
    the trigrams of all earlier short texts: 34 false pairs, but it redrew 7, 15 and
    23 % of fresh texts at 10, 100 and 300 MB, so bigger corpora had different short
    texts.)  Long paragraphs have too many trigrams to come out alike by chance; they,
    copies and unspaced scripts are not checked.  Memory grows with the distinct
    trigrams of short texts and their users (tens of MB per 100 MB of corpus)."""

    def __init__(self, share: float = 0.5, tries: int = 20, keep: int = 64):
        if tries < 1 or keep < 1:
            raise ValueError("tries and keep must be at least 1")
        self.share, self.tries, self.keep = share, tries, keep
        self.users: dict[int, tuple[int, ...]] = {}  # trigram hash -> the last texts that used it
        self.texts = 0  # short texts accepted so far (their ids)
        self.redrawn = 0
        self.gave_up = 0

    @staticmethod
    def words(text: str) -> list[str]:
        return _WORD.findall(labelled.deaccent(text.casefold()))

    @staticmethod
    def trigrams(words: list[str]) -> set[int]:
        h = xxhash.xxh3_64_intdigest  # not hash(): strings hash differently in every process
        if len(words) < 3:
            return {h(" ".join(words).encode())}
        return {h(" ".join(words[i : i + 3]).encode()) for i in range(len(words) - 2)}

    def closest(self, grams: set[int]) -> int:
        """How many of ``grams`` the one earlier short text that shares most of them has."""
        shared = Counter(u for g in grams for u in self.users.get(g, ()))
        return max(shared.values(), default=0)

    def draw(self, make, unspaced: bool = False) -> str:
        """A text from ``make()``, redrawn while it is a near copy of an earlier one."""
        if unspaced:
            return make()
        for attempt in range(self.tries):
            text = make()
            words = self.words(text)
            if len(words) > SHORT_WORDS:
                return text
            grams = self.trigrams(words)
            if self.closest(grams) <= self.share * len(grams):
                break
            if attempt == self.tries - 1:
                self.gave_up += 1
            else:
                self.redrawn += 1
        self.texts += 1
        for g in grams:
            self.users[g] = (*self.users.get(g, ()), self.texts)[-self.keep :]
        return text


_DATE_RE = re.compile(r"\A[\s\ufeff]*date[ \t]+\d{4}-\d{2}-\d{2}[ \t]*")

PROVINCES = (
    "İstanbul Ankara İzmir Bursa Antalya Adana Konya Gaziantep Şanlıurfa Kocaeli Mersin "
    "Diyarbakır Hatay Manisa Kayseri Samsun Balıkesir Kahramanmaraş Van Aydın Denizli "
    "Sakarya Tekirdağ Muğla Eskişehir Mardin Malatya Trabzon Erzurum Ordu Afyon Tokat "
    "Elazığ Sivas Zonguldak Batman Şırnak Çorum Rize Iğdır Ağrı Muş Çanakkale Kütahya"
).split()
NAV_LINES = (
    "Gündem Ekonomi Dünya Spor Sağlık Kültür Sanat Yazarlar Video Foto Galeri",
    "Son Dakika | Gündem | Politika | Ekonomi | Dünya | Spor | Teknoloji | Yaşam",
    "ANA SAYFA · GÜNDEM · EKONOMİ · DÜNYA · SPOR · MAGAZİN · YAZARLAR · İLETİŞİM",
    "Haberler Siyaset Ekonomi Eğitim Sağlık Spor Teknoloji Otomobil Emlak Hava Durumu",
    "Türkiye Dünya Ekonomi Spor Kültür-Sanat Bilim-Teknoloji Analiz Röportaj Foto",
)
GLOBAL_LINES = (
    "Bu haberi paylaşın: Facebook Twitter WhatsApp Telegram LinkedIn E-posta",
    "Sitemizde çerezler kullanılmaktadır. Sitemizi kullanarak çerez politikamızı kabul etmiş olursunuz.",
    "Haberin devamı için tıklayınız, son dakika gelişmeleri için bildirimleri açın.",
    "Yorum yazarak Topluluk Kuralları’nı kabul etmiş bulunmakta ve tüm sorumluluğu üstlenmektesiniz.",
)
WIDGETS = ("A+ A-", "Kaynak/Source:", "Paylaş", "Abone Ol", "Yazdır", "-")
EVERY_DOC_PARAGRAPH = (
    "Yasal Uyarı: Sitemizde yayınlanan haber, yorum, fotoğraf ve videoların tüm hakları "
    "saklıdır; kaynak gösterilmeden kısmen ya da tamamen kullanılamaz, kopyalanamaz, "
    "çoğaltılamaz ve yayımlanamaz. Haberlerin ve yorumların hukuki sorumluluğu yazarlarına "
    "aittir. Kişisel verileriniz 6698 sayılı Kişisel Verilerin Korunması Kanunu kapsamında "
    "işlenmekte olup ayrıntılı bilgiye Aydınlatma Metni ve Gizlilik Politikası "
    "sayfalarımızdan ulaşabilirsiniz. Piyasa verileri en az on beş dakika gecikmelidir ve "
    "yatırım tavsiyesi niteliği taşımaz."
)

NEAR_KINDS = ("typo", "recased", "deaccented", "light_edit")
KIND_CODES = ("fresh", "exact") + NEAR_KINDS + ("boilerplate", "menu")


# --------------------------------------------------------------------------
# Source text and Markov chains
# --------------------------------------------------------------------------

def seed_paragraphs() -> list[str]:
    """Real Turkish news paragraphs of the seed documents (longer lines only)."""
    out = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = _DATE_RE.sub("", line).strip()
            if len(line.split()) >= 6 and not line.startswith(("[", "<")):
                out.append(line)
    return out


def _strip_quotes(tok: str) -> str:
    return tok.strip(_QUOTES)


class Chain:
    """Order-1 Markov chain over words (or characters for unspaced scripts)."""

    def __init__(self, lang: str, texts: list[str], jump: float = 0.1, jump_single: float = 0.5):
        self.lang = lang
        self.jump = jump
        self.jump_single = jump_single
        self.unspaced = sum(labelled.is_unspaced(t) for t in texts) > len(texts) / 2
        self.sep = "" if self.unspaced else " "
        succ: dict[str, list[str]] = defaultdict(list)
        starts: list[str] = []
        mids: list[str] = []
        for text in texts:
            if self.unspaced:
                toks = [c for c in text if not c.isspace()]
            else:
                toks = [t for t in (_strip_quotes(w) for w in text.split()) if t]
            if not toks:
                continue
            starts.append(toks[0])
            for a, b in zip(toks, toks[1:]):
                succ[a].append(b)
                if _SENT_END.search(a):
                    starts.append(b)
                else:
                    mids.append(b)
        self.succ = dict(succ)
        self.branching = frozenset(t for t, nxt in succ.items() if len(set(nxt)) > 1)
        self.starts = starts
        self.mids = mids or starts
        self.vocab = labelled.build_vocab(texts)
        self.size = sum(len(t) for t in texts)

    def sentence(self, r: random.Random, min_len: int, max_len: int) -> str:
        """A sentence of ``min_len``..``max_len`` tokens ending at a real sentence end
        when the chain reaches one, else cut and given a full stop."""
        tok = self.starts[int(r.random() * len(self.starts))]
        out = [tok]
        succ, mids, jump, jump_single, branching = self.succ, self.mids, self.jump, self.jump_single, self.branching
        while len(out) < max_len:
            if len(out) >= min_len and _SENT_END.search(tok):
                break
            nxt = succ.get(tok)
            # follow the chain where the source branches; where it has only one way on,
            # jump more often, so that no long run of a source sentence is copied
            if nxt is None or r.random() < (jump if tok in branching else jump_single):
                tok = mids[int(r.random() * len(mids))]
            else:
                tok = nxt[int(r.random() * len(nxt))]
            out.append(tok)
        s = self.sep.join(out)
        if not _SENT_END.search(s):
            s = s.rstrip(",;:-–") + ("。" if self.unspaced and self.lang.split("_")[0] in ("zh", "ja") else ".")
        return s

    def paragraph(self, r: random.Random, words: int) -> str:
        scale = 2 if self.unspaced else 1
        parts, n = [], 0
        while n < words:
            s = self.sentence(r, min(6, words) * scale, max(8, min(40, words - n + 6)) * scale)
            if not self.unspaced and r.random() < 0.12:
                s = "“" + s.rstrip(".") + "” " + r.choice(("dedi.", "ifadesini kullandı.", "diye konuştu.")
                                                         if self.lang.startswith("tr") else ("said.",))
            parts.append(s)
            n += max(1, len(s) // (2 if self.unspaced else 7))
        return self.sep.join(parts)

    def headline(self, r: random.Random) -> str:
        scale = 2 if self.unspaced else 1
        s = self.sentence(r, 6 * scale, r.randint(7, 13) * scale)
        return s.rstrip(".。")


def build_chains(main_lang: str = "tr") -> tuple[Chain, list[Chain]]:
    corpus = labelled.load_corpus()
    by_lang: dict[str, list[str]] = defaultdict(list)
    for lid, text in corpus:
        by_lang[lid].append(text)
    main_texts = by_lang.pop(f"{main_lang}_Latn", []) + (seed_paragraphs() if main_lang == "tr" else [])
    main = Chain(f"{main_lang}_Latn", main_texts)
    others = []
    for lid in sorted(by_lang):
        texts = by_lang[lid]
        chain = Chain(lid, texts, jump=0.2, jump_single=0.6)
        words = sum(len(t) for t in texts) // 2 if chain.unspaced else sum(len(t.split()) for t in texts)
        if words >= 150:
            others.append(chain)
    return main, others


# --------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------

def make_near(text: str, lang: str, vocab: list[str], r: random.Random, kind: str | None = None) -> tuple[str, str] | None:
    """A near copy of ``text`` with one of the labelled.py variant functions."""
    kinds = [kind] if kind else r.sample(NEAR_KINDS, len(NEAR_KINDS))
    for k in kinds:
        try:
            out = labelled.VARIANTS[k](text, r.randrange(2**32), lang=lang, vocab=vocab)
        except labelled.NotApplicable:
            continue
        out = labelled._clean(out)
        if out and out != text:
            return out, k
    return None


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------

class _TxtWriter:
    def __init__(self, out: Path, per_dir: int = 1000):
        self.out, self.per_dir, self.n = out / "docs", per_dir, 0
        self.dir: Path | None = None

    def write(self, text: str) -> str:
        sub = f"{self.n // self.per_dir:05d}"
        if self.n % self.per_dir == 0:
            self.dir = self.out / sub
            self.dir.mkdir(parents=True, exist_ok=True)
        rel = f"{sub}/{self.n:08d}.txt"
        assert self.dir is not None
        (self.dir / f"{self.n:08d}.txt").write_text(text, encoding="utf-8")
        self.n += 1
        return rel

    def close(self) -> None:
        pass


class _JsonlWriter:
    def __init__(self, out: Path, per_file: int = 20000):
        self.out, self.per_file, self.n = out / "docs", per_file, 0
        self.out.mkdir(parents=True, exist_ok=True)
        self.f = None

    def write(self, text: str) -> str:
        if self.n % self.per_file == 0:
            if self.f:
                self.f.close()
            self.f = open(self.out / f"part-{self.n // self.per_file:05d}.jsonl", "w", encoding="utf-8")
        doc_id = f"d{self.n:08d}"
        self.f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
        self.n += 1
        return doc_id

    def close(self) -> None:
        if self.f:
            self.f.close()


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------

class _Site:
    def __init__(self, idx: int, chain: Chain, r: random.Random, origin: int):
        self.nav = (r.randrange(len(NAV_LINES)) if r.random() < 0.7 else None)
        self.menu = sorted(r.sample(PROVINCES, r.randint(8, 30))) if r.random() < 0.4 else []
        self.menu_prefix = r.choice(("  • ", "• ", "- ", ""))
        self.widget = r.choice(WIDGETS) if r.random() < 0.6 else None
        self.footer = [chain.sentence(r, 8, 24) for _ in range(r.randint(1, 3))]
        self.footer_origin = list(range(origin, origin + len(self.footer)))
        self.dated = r.random() < 0.5
        self.blank_lines = r.random() < 0.5


def generate(out_dir: str | Path, mb: float, seed: int = 0, fmt: str = "txt", *,
             exact_share: float = 0.10, near_share: float = 0.05, within_share: float = 0.35,
             main_share: float = 0.9, sites: int = 40, boilerplate_every_doc: bool | str = False,
             reservoir_size: int = 20000, progress: bool = True) -> dict:
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    r = random.Random(seed)
    main, others = build_chains("tr")
    other_weights = [c.size for c in others]
    cum = []
    acc = 0
    for w in other_weights:
        acc += w
        cum.append(acc)
    vocab = {main.lang: main.vocab, **{c.lang: c.vocab for c in others}}

    # origins: non-negative for content, per-site/global boilerplate get their own ids.
    next_origin = 0

    def new_origin(n: int = 1) -> int:
        nonlocal next_origin
        o = next_origin
        next_origin += n
        return o

    nav_origin = new_origin(len(NAV_LINES))
    global_origin = new_origin(len(GLOBAL_LINES))
    every_origin = new_origin()
    site_list = []
    for i in range(sites):
        s = _Site(i, main, r, 0)
        s.footer_origin = list(range(new_origin(len(s.footer)), next_origin))
        site_list.append(s)

    writer = _TxtWriter(out) if fmt == "txt" else _JsonlWriter(out)
    labels_f = open(out / "labels.jsonl", "w", encoding="utf-8")
    reservoir: list[tuple[str, int, str]] = []  # (text, origin, lang)
    seen_res = 0
    seen_headlines: set[str] = set()  # one entry per document: small next to the output
    guard = ShortTextGuard()
    counts: Counter = Counter()
    placement: Counter = Counter()
    target = int(mb * 1_000_000)
    written = 0
    date0 = _dt.date(2019, 1, 1)
    last_report = time.perf_counter()

    while written < target:
        site = site_list[r.randrange(len(site_list))]
        if r.random() < main_share or not others:
            chain = main
        else:
            chain = others[bisect.bisect_right(cum, r.random() * acc)]
        lines: list[str] = []
        origins: list[int] = []
        kinds: list[str] = []
        doc_content: list[tuple[str, int, str]] = []  # fresh paragraphs of this document

        def add(text: str, origin: int, kind: str) -> None:
            lines.append(text)
            origins.append(origin)
            kinds.append(kind)

        def content(make_fresh) -> None:
            """One content slot: fresh paragraph, exact copy or near copy."""
            nonlocal seen_res
            x = r.random()
            if x < exact_share + near_share and (doc_content or reservoir):
                within = bool(doc_content) and (r.random() < within_share or not reservoir)
                src = r.choice(doc_content) if within else r.choice(reservoir)
                if x < exact_share:
                    add(src[0], src[1], "exact")
                    counts["exact"] += 1
                    placement[("exact", "within" if within else "across")] += 1
                    return
                res = make_near(src[0], src[2], vocab.get(src[2], []), r)
                if res is not None:
                    add(res[0], src[1], res[1])
                    counts[res[1]] += 1
                    counts["near"] += 1
                    placement[(res[1], "within" if within else "across")] += 1
                    return
                counts["near_not_applicable"] += 1
            text = guard.draw(make_fresh, chain.unspaced)
            o = new_origin()
            add(text, o, "fresh")
            counts["fresh"] += 1
            item = (text, o, chain.lang)
            doc_content.append(item)
            seen_res += 1
            if len(reservoir) < reservoir_size:
                reservoir.append(item)
            else:
                j = r.randrange(seen_res)
                if j < reservoir_size:
                    reservoir[j] = item

        # menu and navigation
        for prov in site.menu if r.random() < 0.8 else []:
            add(site.menu_prefix + prov, -1, "menu")
        if site.nav is not None:
            add(NAV_LINES[site.nav], nav_origin + site.nav, "boilerplate")
        # headline (maybe again in capitals), widget, lead, body
        def headline() -> str:
            # short lines collide by chance: never reuse a headline text as a fresh one
            for _ in range(20):
                h = chain.headline(r)
                if h.casefold() not in seen_headlines:
                    break
            return h

        content(headline)
        if kinds[-1] == "fresh":  # only headlines used: one entry per document at most
            seen_headlines.add(lines[-1].casefold())
        if r.random() < 0.08 and kinds[-1] == "fresh":
            res = make_near(lines[-1], chain.lang, chain.vocab, r, "recased")
            if res is not None:
                add(res[0], origins[-1], "recased")
                counts["recased"] += 1
                counts["near"] += 1
                counts["headline_in_capitals"] += 1
                placement[("recased", "within")] += 1
        if site.widget is not None:
            add(site.widget, -1, "menu")
        content(lambda: chain.paragraph(r, r.randint(25, 50)))
        for _ in range(r.randint(2, 14)):
            content(lambda: chain.paragraph(r, int(min(160, r.lognormvariate(3.6, 0.5)))))
        for text, o in zip(site.footer, site.footer_origin):
            add(text, o, "boilerplate")
        if r.random() < 0.3:
            g = r.randrange(len(GLOBAL_LINES))
            add(GLOBAL_LINES[g], global_origin + g, "boilerplate")
        if boilerplate_every_doc:
            every = EVERY_DOC_PARAGRAPH
            if boilerplate_every_doc == "near":
                every += f" Haber no: {counts['documents'] + 1}."
            add(every, every_origin, "boilerplate")
            counts["every_doc"] += 1

        # origin -1 (menu/widget) gets a unique id per text so equal menu lines share it
        sep = "\n\n" if site.blank_lines else "\n"
        text = sep.join(lines) + "\n"
        if site.dated:
            d = date0 + _dt.timedelta(days=r.randrange(2500))
            text = f" date {d.isoformat()} " + text
        doc_id = writer.write(text)
        labels_f.write(json.dumps({"id": doc_id, "o": origins, "k": kinds}, ensure_ascii=False) + "\n")
        counts["documents"] += 1
        counts["blocks"] += len(lines)
        for k in kinds:
            counts[f"kind:{k}"] += 1
        written += len(text.encode("utf-8"))
        if progress and time.perf_counter() - last_report > 5:
            last_report = time.perf_counter()
            print(f"  corpus: {written / 1e6:.0f}/{mb:g} MB", file=sys.stderr)
    writer.close()
    labels_f.close()

    truth = {
        "generator": "benchmarks/corpus.py",
        "generator_version": GENERATOR_VERSION,
        "parameters": {
            "mb": mb, "seed": seed, "format": fmt, "exact_share": exact_share,
            "near_share": near_share, "within_share": within_share, "main_share": main_share,
            "sites": sites, "boilerplate_every_doc": boilerplate_every_doc,
            "reservoir_size": reservoir_size,
        },
        "bytes": written,
        "documents": counts["documents"],
        "blocks": counts["blocks"],
        "content_slots": counts["fresh"] + counts["exact"] + counts["near"] - counts["headline_in_capitals"],
        "fresh_paragraphs": counts["fresh"],
        "exact_copies": counts["exact"],
        "near_copies": counts["near"],
        "near_copies_by_kind": {k: counts[k] for k in NEAR_KINDS},
        "headline_in_capitals": counts["headline_in_capitals"],
        "near_not_applicable_made_fresh": counts["near_not_applicable"],
        "short_fresh_redrawn": guard.redrawn,
        "short_fresh_kept_after_all_tries": guard.gave_up,
        "placement": {f"{k}/{w}": n for (k, w), n in sorted(placement.items())},
        "blocks_by_kind": {k: counts[f"kind:{k}"] for k in KIND_CODES},
        "every_doc_paragraph_members": counts["every_doc"],
        "languages": {"main": main.lang, "others": len(others)},
        "labels": "labels.jsonl: per document {id, o: origin per block, k: kind per block};"
                  " equal origin = copies of one another; origin -1 = short menu/widget line",
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return truth


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--mb", type=float, default=10.0, help="size in MB (10^6 bytes of UTF-8 text)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", choices=("txt", "jsonl"), default="txt")
    p.add_argument("--exact-share", type=float, default=0.10)
    p.add_argument("--near-share", type=float, default=0.05)
    p.add_argument("--within-share", type=float, default=0.35)
    p.add_argument("--main-share", type=float, default=0.9, help="share of Turkish documents")
    p.add_argument("--sites", type=int, default=40)
    p.add_argument("--boilerplate-every-doc", nargs="?", const="exact", choices=("exact", "near"), default=None,
                   help="one long paragraph in every document: the same (exact), or ending with the document number (near)")
    args = p.parse_args(argv)
    truth = generate(args.out_dir, args.mb, args.seed, args.format, exact_share=args.exact_share,
                     near_share=args.near_share, within_share=args.within_share,
                     main_share=args.main_share, sites=args.sites,
                     boilerplate_every_doc=args.boilerplate_every_doc or False)
    print(json.dumps({k: v for k, v in truth.items() if k != "labels"}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

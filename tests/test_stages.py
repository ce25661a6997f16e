"""Unit tests, one stage at a time: split, cut, normalize, shingle, LSH, signatures,
clustering and the keep policies."""

from __future__ import annotations

import contextlib
import json
import random
import re
import signal
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Document, ScanConfig, detect, scan
from dedup.cluster import star_clusters
from dedup.cut import cut, cut_length
from dedup.lsh import Candidates, candidate_pairs, candidate_probability, choose_params
from dedup.report import render_markdown
from dedup.normalize import FOLDING_TABLE, fold_characters, normalize, weighted_length
from dedup.shingle import jaccard, shingle_sets
from dedup.signatures import signatures
from dedup.split import date_header, general_rows, split, split_rows

from conftest import assert_cut_from, max_break_run, write_docs

FAST = settings(max_examples=60, deadline=None)

_BREAK = re.compile(r"\r\n|\r|\n")


@contextlib.contextmanager
def hang_guard(seconds: int):
    """Turn a hang into a failure: raise TimeoutError if the block has not finished
    after ``seconds`` (far more than the work needs; not a speed test)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: hung")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def one_by_one(similarity):
    """The vectorized similarities star_clusters asks for, from a function of one pair."""
    return lambda center, others: np.array([similarity(center, o) for o in others.tolist()], dtype=float)


def block_texts(text: str, unit: str = "line") -> list[str]:
    return [text[b.start : b.end] for b in split(text, unit)]


# --------------------------------------------------------------------------- split


def test_split_line_unit_offsets_and_line_numbers():
    text = "  Alpha one  \n\nBeta\ttwo\n   \n\tGamma\n"
    blocks = split(text, "line")
    assert [text[b.start : b.end] for b in blocks] == ["Alpha one", "Beta\ttwo", "Gamma"]
    assert [b.line for b in blocks] == [1, 3, 5]
    assert [b.index for b in blocks] == [0, 1, 2]
    # The segment is the whole line (indentation included, line break not).
    assert [text[b.seg_start : b.seg_end] for b in blocks] == ["  Alpha one  ", "Beta\ttwo", "\tGamma"]


def test_split_paragraph_unit():
    text = "one a\none b\n\n\ntwo\n  \t \nthree a\nthree b\nthree c"
    blocks = split(text, "paragraph")
    assert [text[b.start : b.end] for b in blocks] == ["one a\none b", "two", "three a\nthree b\nthree c"]
    assert [b.line for b in blocks] == [1, 5, 7]


@pytest.mark.parametrize("unit", ["line", "paragraph"])
def test_split_crlf_and_lone_cr_are_line_breaks(unit):
    text = "a1 x\r\nb2 y\rc3 z\n\r\nd4 w\r"
    got = [(text[b.start : b.end], b.line) for b in split(text, unit)]
    if unit == "line":
        assert got == [("a1 x", 1), ("b2 y", 2), ("c3 z", 3), ("d4 w", 5)]
    else:
        assert got == [("a1 x\r\nb2 y\rc3 z", 1), ("d4 w", 5)]


def test_split_other_characters_do_not_break_lines():
    # Form feed, NEL and the Unicode line separator end a line for str.splitlines(),
    # but the README names only \n, \r\n and \r.
    text = "one\x0ctwo\x85three\u2028four\nfive"
    assert block_texts(text) == ["one\x0ctwo\x85three\u2028four", "five"]


def test_split_blank_text_has_no_blocks():
    assert split("", "line") == []
    assert split(" \n\t\r\n  \r", "line") == []
    assert split("\n\n \n", "paragraph") == []


def test_split_rejects_unknown_unit():
    with pytest.raises(ValueError):
        split("x", "sentence")


_line_content = st.text(alphabet="ab İıçşĞ\t\u00a0xyz.", max_size=8)
_line_break = st.sampled_from(["\n", "\r\n", "\r"])


@FAST
@given(st.lists(st.tuples(_line_content, _line_break), max_size=12), _line_content)
def test_split_line_blocks_match_a_reference_splitter(lines, last):
    text = "".join(c + b for c, b in lines) + last
    expected = [
        (content.strip(), number)
        for number, content in enumerate(_BREAK.split(text), start=1)
        if content.strip()
    ]
    blocks = split(text, "line")
    assert [(text[b.start : b.end], b.line) for b in blocks] == expected
    for b in blocks:
        seg = text[b.seg_start : b.seg_end]
        assert "\n" not in seg and "\r" not in seg
        assert seg.strip() == text[b.start : b.end]


@FAST
@given(
    st.sampled_from(["", "date 2025-12-11 ", "\ufeff date 2025-12-11\n", "\n\ndate 2025-12-11\t\n \n"]),
    st.lists(st.text(alphabet="ab İı \t\u00a0\u3000\ufeff\u2028\x0b.", max_size=8), max_size=12),
)
def test_split_line_fast_path_gives_the_general_rows(header, lines):
    # Text whose only line break is \n takes a faster path: same rows, to the offset.
    text = header + "\n".join(lines)
    _, begin = date_header(text)
    assert split_rows(text, "line") == general_rows(text, begin, "line")


@FAST
@given(st.lists(st.tuples(_line_content, _line_break), max_size=12), _line_content)
def test_split_paragraph_blocks_are_runs_of_non_blank_lines(lines, last):
    text = "".join(c + b for c, b in lines) + last
    paragraphs: list[list[str]] = [[]]
    for content in _BREAK.split(text):
        if content.strip():
            paragraphs[-1].append(content.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    expected = [p for p in paragraphs if p]
    blocks = split(text, "paragraph")
    assert len(blocks) == len(expected)
    for b, para in zip(blocks, expected):
        body = text[b.start : b.end]
        assert body == body.strip()
        assert [x.strip() for x in _BREAK.split(body)] == para


def test_date_header_is_metadata_not_a_block():
    text = "date 2024-03-05\nFirst line here\nSecond line\n"
    assert date_header(text)[0] == "2024-03-05"
    blocks = split(text)
    assert [text[b.start : b.end] for b in blocks] == ["First line here", "Second line"]
    assert [b.line for b in blocks] == [2, 3]


def test_date_header_on_the_same_line_as_the_lead():
    # The scraped-news layout of seeds/001 and seeds/004.
    text = " date 2025-12-11 Rusya, NATO ve Avrupa\n\nİkinci paragraf\n"
    assert date_header(text)[0] == "2025-12-11"
    blocks = split(text)
    assert [(text[b.start : b.end], b.line) for b in blocks] == [("Rusya, NATO ve Avrupa", 1), ("İkinci paragraf", 3)]
    assert "date" not in text[blocks[0].seg_start : blocks[0].seg_end]


def test_date_header_after_blank_lines_and_crlf():
    text = "\r\n\r\ndate 2020-01-02\r\nBody line\r\n"
    assert date_header(text)[0] == "2020-01-02"
    assert [(text[b.start : b.end], b.line) for b in split(text)] == [("Body line", 4)]


@pytest.mark.parametrize(
    "text",
    [
        "update 2024-01-01\nx",
        "Date 2024-01-01\nx",
        "date 2024-01-011\nx",
        "date 2024-01-01-02\nx",
        "intro\ndate 2024-01-01\nx",
        "date: 2024-01-01\nx",
    ],
)
def test_not_a_date_header(text):
    assert date_header(text) == (None, 0)
    assert text.splitlines()[0].strip() in block_texts(text)


# --------------------------------------------------------------------------- cut


def _cut(text: str, remove_texts: set[str], unit: str = "line") -> str:
    blocks = split(text, unit)
    return cut(text, blocks, {b.index for b in blocks if text[b.start : b.end] in remove_texts})


def test_cut_nothing_returns_the_text():
    text = "  A\r\n\r\nB  \rC"
    assert cut(text, split(text), set()) == text


def test_cut_a_line():
    assert _cut("Alpha\nBeta\nGamma\n", {"Beta"}) == "Alpha\nGamma\n"
    assert _cut("Alpha\nBeta\nGamma\n", {"Alpha"}) == "Beta\nGamma\n"
    assert _cut("Alpha\nBeta\nGamma\n", {"Gamma"}) == "Alpha\nBeta\n"
    assert _cut("Alpha\nBeta\nGamma", {"Gamma"}) == "Alpha\nBeta"


def test_cut_paragraph_leaves_no_doubled_blank_line():
    text = "P one\n\nP two\nstill two\n\nP three\n"
    assert _cut(text, {"P two\nstill two"}, "paragraph") == "P one\n\nP three\n"
    assert _cut(text, {"P one"}, "paragraph") == "P two\nstill two\n\nP three\n"
    assert _cut(text, {"P three"}, "paragraph") == "P one\n\nP two\nstill two\n"
    assert _cut(text, {"P one", "P three"}, "paragraph") == "P two\nstill two\n"


def test_cut_keeps_the_strongest_separator():
    # Removing the last line of a paragraph must not glue two paragraphs together.
    assert _cut("A line\nB line\n\nC line\n", {"B line"}) == "A line\n\nC line\n"
    # ... nor the first line of one.
    assert _cut("A line\n\nB line\nC line\n", {"B line"}) == "A line\n\nC line\n"
    # Two blank lines between paragraphs were there before: the first of equals stays.
    assert _cut("A\n\n\nB\n\nC\n", {"B"}) == "A\n\n\nC\n"
    assert _cut("A\r\nB\r\n\r\nC\r\n", {"B"}) == "A\r\n\r\nC\r\n"
    assert _cut("A\n \t\nB\n\nC", {"B"}) == "A\n \t\nC"


def test_cut_keeps_kept_blocks_byte_identical():
    text = "  indented ş  \n\t tab line\u00a0\r\nRemove me\rlast  "
    out = _cut(text, {"Remove me"})
    assert out == "  indented ş  \n\t tab line\u00a0\r\nlast  "


def test_cut_all_blocks_removes_every_block_and_keeps_the_header():
    text = "date 2020-01-01\nFirst block\n\nSecond block\n"
    blocks = split(text)
    out = cut(text, blocks, {b.index for b in blocks})
    assert out.startswith("date 2020-01-01")
    assert "block" not in out
    assert split(out) == []
    plain = "One\nTwo\n"
    out = cut(plain, split(plain), {0, 1})
    assert out.strip() == ""


@pytest.mark.parametrize("text", ["date 2020-01-01\nFirst block\n", "\n\nOnly block\n\n"])
def test_cut_all_blocks_adds_no_blank_line(text):
    blocks = split(text)
    out = cut(text, blocks, {b.index for b in blocks})
    assert max_break_run(out) <= max_break_run(text)


def test_cut_lead_on_the_header_line_keeps_the_next_block_on_its_own_line():
    text = " date 2025-12-11 Agency lead paragraph.\n\nSecond paragraph.\n"
    out = _cut(text, {"Agency lead paragraph."})
    assert "Second paragraph." in out
    assert out.index("Second paragraph.") > 0
    assert out[out.index("Second paragraph.") - 1] in "\r\n"


_doc_line = st.sampled_from(["alpha", "  beta ", "gamma\t", "İçel", "", " ", "\t"])


@st.composite
def doc_and_removal(draw):
    parts = []
    for _ in range(draw(st.integers(0, 10))):
        parts.append(draw(_doc_line) + draw(_line_break))
    parts.append(draw(_doc_line))
    # A date header on a line of its own, or sharing its line with the first block.
    text = draw(st.sampled_from(["", "", "date 2021-02-03\n", " date 2021-02-03 ", "\n"])) + "".join(parts)
    unit = draw(st.sampled_from(["line", "paragraph"]))
    blocks = split(text, unit)
    removed = draw(st.sets(st.sampled_from([b.index for b in blocks]))) if blocks else set()
    return text, unit, blocks, removed


@FAST
@given(doc_and_removal())
def test_cut_property_output_is_the_input_minus_whole_blocks(case):
    text, unit, blocks, removed = case
    out = cut(text, blocks, removed)
    # The report counts output characters without making the output: same number.
    assert cut_length(text, blocks, removed) == len(out)
    kept = [b for b in blocks if b.index not in removed]
    if not removed:
        assert out == text
        return
    # Re-splitting the output gives exactly the kept blocks, byte-identical, in order.
    assert block_texts(out, unit) == [text[b.start : b.end] for b in kept]
    if not kept:
        # Only the text around the blocks is left (a date header stays).
        assert out.strip() == text[: blocks[0].seg_start].strip()
        assert max_break_run(out) <= max_break_run(text)
        return
    assert_cut_from(text, blocks, kept, out)
    # No doubled blank line: no longer run of line breaks than the input had.
    assert max_break_run(out) <= max_break_run(text)


# --------------------------------------------------------------------------- normalize


def test_normalize_turkish_dotted_and_dotless_i():
    forms = ["DIŞİŞLERİ", "Dışişleri", "Disisleri", "DISISLERI", "dişişleri", "DİŞİŞLERİ"]
    assert {normalize(f) for f in forms} == {"disisleri"}
    assert {normalize(f) for f in ["İSTANBUL", "istanbul", "Istanbul", "ıstanbul", "ISTANBUL"]} == {"istanbul"}
    # str.lower() turns İ into i + combining dot; normalize must not.
    assert normalize("İ") == "i"
    assert normalize("I\u0307") == "i"
    assert normalize("ı") == normalize("I") == normalize("i") == "i"


def test_normalize_turkish_headline_in_capitals():
    caps = "RUSYA DIŞİŞLERİ BAKANI SERGEY LAVROV: TÜRKİYE İLE DAĞLIK KARABAĞ"
    mixed = "Rusya Dışişleri Bakanı Sergey Lavrov: Türkiye ile Dağlık Karabağ"
    ascii_ = "Rusya Disisleri Bakani Sergey Lavrov - Turkiye ile Daglik Karabag"
    assert normalize(caps) == normalize(mixed) == normalize(ascii_)


def test_normalize_apostrophes_vanish():
    assert normalize("NATO’nun") == normalize("NATO'nun") == normalize("NATOnun") == "natonun"
    assert normalize("Türkiye'nin") == normalize("Türkiye’nin") == normalize("Turkiyenin")
    assert normalize("Fırat`ın") == normalize("Fırat‛ın") == normalize("Fıratʼın") == "firatin"


def test_normalize_acute_accent_used_as_apostrophe_vanishes():
    assert normalize("NATO´nun") == normalize("NATO'nun") == "natonun"


def test_normalize_dashes_quotes_bullets_become_spaces():
    assert normalize("• İçel — “Bakanı” – «yeni»") == "icel bakani yeni"
    assert normalize("- Icel - \"Bakani\" - <yeni>") == "icel bakani yeni"
    assert normalize("A+ A-") == "a a"
    assert normalize("  a \t\n  b\u00a0\u2003c  ") == "a b c"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2003\u2028\u2029\u202f\u3000"), st.characters()), max_size=40))
def test_normalize_leaves_single_spaces_between_words_only(text):
    # Every kind of white space run (str.isspace) becomes one plain space; none at the ends.
    out = normalize(text)
    assert out == out.strip() and "  " not in out
    assert all(not ch.isspace() for ch in out.replace(" ", ""))
    assert normalize("x" + text.replace(" ", "\u3000\x1c") + "y") == normalize("x" + text + "y")


def test_normalize_format_characters_vanish():
    assert normalize("Dış\u200bişleri\u00ad") == normalize("Dışişleri")
    assert normalize("\ufeffHaber") == "haber"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(max_codepoint=0x2FF), st.sampled_from("şŞğĞıİæÆ’‘“”–—…•″€₺„‹›‚´\u0307\u200bΐ"), st.characters()), max_size=40))
def test_fast_translation_equals_the_table(text):
    # normalize() takes a Latin-1 byte-table shortcut; it must agree with the table.
    assert fold_characters(text) == text.translate(FOLDING_TABLE)


def test_fast_translation_equals_the_table_on_the_seeds(seeds):
    texts = [f.read_text(encoding="utf-8") for f in sorted(seeds.glob("*.txt"))]
    assert texts
    for text in texts:
        assert fold_characters(text) == text.translate(FOLDING_TABLE)
        assert fold_characters(text.upper()) == text.upper().translate(FOLDING_TABLE)


def test_normalize_nfkc_full_width_and_ligatures():
    assert normalize("ＤＩＳＩＳＬＥＲＩ　１２３") == "disisleri 123"
    assert normalize("ﬁnal ﬂow") == "final flow"
    assert normalize("①") == "1"


def test_normalize_german():
    assert normalize("Straße") == normalize("STRASSE") == normalize("strasse") == "strasse"
    assert normalize("Müller") == normalize("MÜLLER") == normalize("Muller") == "muller"
    assert normalize("Ärger über Öl") == "arger uber ol"


def test_normalize_latin_diacritics_and_extra_letters():
    assert normalize("çğöşüâéñ") == "cgosuaen"
    assert normalize("Łódź Øresund Æsir") == "lodz oresund aesir"


def test_normalize_keeps_cjk_and_other_scripts():
    assert normalize("日本語のテキスト") == "日本語のテキスト"
    assert normalize("한국어 뉴스") == "한국어 뉴스"
    assert normalize("が") == "が"  # the dakuten is part of the letter
    assert normalize("हिन्दी") == "हिन्दी"
    assert normalize("中文，测试。") == "中文 测试"


def test_normalize_url_is_one_word():
    got = normalize("Bkz. https://www.example.com/dis-isleri_bakani?id=3 haberi")
    assert got.split() == ["bkz", "httpswwwexamplecomdisisleribakaniid3", "haberi"]
    assert normalize("www.site.com.tr/a-b") == "wwwsitecomtrab"


def test_normalize_terminates_on_greek():
    words = ["πρωτεΐνη", "ΐ", "ΰ", "ᾶ", "ῆ", "ῶ", "Ἀθῆναι", "Ελληνικά"]
    with hang_guard(10):
        for w in words:
            once = normalize(w)
            assert normalize(once) == once
            assert normalize(unicodedata.normalize("NFD", w)) == once


def test_weighted_length_counts_cjk_double():
    assert weighted_length("abc") == 3
    assert weighted_length("日本語") == 6
    assert weighted_length("한국 ab") == 7
    assert weighted_length(normalize("İçel")) == 4


_norm_alphabet = st.sampled_from(
    list("aAbBiIıİsSşŞçÇğĞöÖüÜßẞéÉ")
    + list(" \t\n\u00a0\u2003'’`´-—–“”\"«»•.,:;!?()/")
    + ["\u200b", "\u00ad", "\ufeff", "\u0307", "\u0301", "Ａ", "１", "ﬁ"]
    + list("日本語テキ한국")
    + ["https://a.b/c-d ", "www.x.com "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_norm_alphabet, max_size=20).map("".join))
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once


@pytest.mark.parametrize("text", ["か\u200b\u3099", "か'\u3099", "\u1100\u200b\u1161"])
def test_normalize_is_idempotent_with_separated_combining_marks(text):
    once = normalize(text)
    assert normalize(once) == once


# --------------------------------------------------------------------------- shingle


def py_shingles(text: str, kind: str = "char", n: int = 5) -> set[str]:
    """Reference shingles as Python strings (the README's definition)."""
    if kind == "char":
        if not text:
            return set()
        if len(text) < n:
            return {text}
        return {text[i : i + n] for i in range(len(text) - n + 1)}
    words = text.split()
    if not words:
        return set()
    if len(words) <= n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_char_shingle_counts():
    got = shingle_sets(["abcdef", "abcde", "abc", "", "aaaaaaa"], "char", 5)
    assert [len(s) for s in got] == [2, 1, 1, 0, 1]
    for s in got:
        assert s.dtype == np.uint64
        assert list(s) == sorted(set(s.tolist()))


def test_word_shingle_counts():
    got = shingle_sets(["a b c d", "a b", "", "x x x x x"], "word", 2)
    assert [len(s) for s in got] == [3, 1, 0, 1]


def test_short_texts_are_one_shingle_each():
    a, b, c = shingle_sets(["kiev", "kyiv", "kiev"], "char", 5)
    assert len(a) == len(b) == 1
    assert jaccard(a, b) == 0.0
    assert jaccard(a, c) == 1.0
    w1, w2 = shingle_sets(["one two", "one three"], "word", 3)
    assert jaccard(w1, w2) == 0.0


def test_shingle_rejects_bad_arguments():
    with pytest.raises(ValueError):
        shingle_sets(["x"], "char", 0)
    with pytest.raises(ValueError):
        shingle_sets(["x"], "sentence", 5)


_shingle_text = st.text(alphabet="abc şİ日", max_size=14)


@FAST
@given(_shingle_text, _shingle_text, st.sampled_from(["char", "word"]), st.integers(1, 5))
def test_jaccard_is_exact(a, b, kind, n):
    sa, sb = shingle_sets([a, b], kind, n)
    ra, rb = py_shingles(a, kind, n), py_shingles(b, kind, n)
    assert len(sa) == len(ra) and len(sb) == len(rb)
    if ra or rb:
        expected = len(ra & rb) / len(ra | rb)
    else:
        expected = 1.0
    assert jaccard(sa, sb) == expected
    assert jaccard(sb, sa) == expected


@FAST
@given(st.lists(_shingle_text, min_size=1, max_size=6), st.sampled_from(["char", "word"]), st.integers(1, 6))
def test_shingles_of_a_text_do_not_depend_on_its_batch(texts, kind, n):
    together = shingle_sets(texts, kind, n)
    for text, got in zip(texts, together):
        assert np.array_equal(shingle_sets([text], kind, n)[0], got)


# --------------------------------------------------------------------------- LSH


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0])
def test_choose_params_finds_99_percent_of_pairs_at_the_threshold(threshold, num_perm):
    if candidate_probability(threshold, num_perm, 1) < 0.99:
        pytest.skip("no banding can reach 99 % here")
    bands, rows = choose_params(threshold, num_perm)
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.99
    # ... and above the threshold too.
    assert candidate_probability(min(1.0, threshold + 0.05), bands, rows) >= 0.99
    # It is the largest such number of rows (fewest false positives).
    for r in range(rows + 1, num_perm + 1):
        assert candidate_probability(threshold, num_perm // r, r) < 0.99


def test_choose_params_documented_example():
    assert choose_params(0.8, 128) == (21, 6)


def _datasketch_pairs(sig: np.ndarray, bands: int, rows: int, scheme: str) -> set[tuple[int, int]]:
    num_perm = sig.shape[1]
    lsh = MinHashLSH(threshold=0.5, num_perm=num_perm, params=(bands, rows))
    hashes = [MinHash(num_perm, scheme=scheme, hashvalues=row) for row in sig]
    for i, m in enumerate(hashes):
        lsh.insert(i, m)
    return {(min(i, j), max(i, j)) for i, m in enumerate(hashes) for j in lsh.query(m) if j != i}


@st.composite
def signature_matrix(draw):
    num_perm = draw(st.sampled_from([16, 24, 32]))
    n = draw(st.integers(0, 25))
    rows = draw(st.integers(1, 4))
    bands = draw(st.integers(2, num_perm // rows))  # datasketch wants two bands or more
    values = draw(st.integers(2, 4))  # few distinct values: many shared bands
    seed = draw(st.integers(0, 2**32 - 1))
    scheme = draw(st.sampled_from(["affine32", "affine64"]))
    dtype = np.uint32 if scheme == "affine32" else np.uint64
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, values, size=(n, num_perm)).astype(dtype)
    return sig, bands, rows, scheme


@settings(max_examples=40, deadline=None)
@given(signature_matrix())
def test_candidate_pairs_equal_datasketch_lsh(case):
    sig, bands, rows, scheme = case
    got = candidate_pairs(sig, bands, rows)
    assert got.ndim == 2 and got.shape[1] == 2
    pairs = [tuple(p) for p in got.tolist()]
    assert pairs == sorted(set(pairs))
    assert all(i < j for i, j in pairs)
    assert set(pairs) == _datasketch_pairs(sig, bands, rows, scheme)


@settings(max_examples=25, deadline=None)
@given(signature_matrix(), st.integers(0, 3))
def test_band_key_collisions_never_merge_buckets(case, key_bits):
    # Bucket keys are hashes (and are shortened to make room for the row number when
    # sorting): force collisions by keeping only a few key bits, and the candidates
    # must still be exactly the pairs that share a whole band.
    import dedup.lsh as L

    sig, bands, rows, scheme = case
    real = L.band_keys
    try:
        L.band_keys = lambda v, *a: real(v, *a) & np.uint64((1 << key_bits) - 1)
        got = {tuple(p) for p in L.candidate_pairs(sig, bands, rows).tolist()}
        groups = L.candidates(sig, bands, rows, L.LshOptions(max_pair_bucket=2))
    finally:
        L.band_keys = real
    assert got == _datasketch_pairs(sig, bands, rows, scheme)
    for g in groups.groups:  # a bucket kept as a group shares one band in full
        assert np.array_equal(g, np.sort(g))
        assert any((sig[g, b * rows : (b + 1) * rows] == sig[g[0], b * rows : (b + 1) * rows]).all() for b in range(bands))


def test_candidate_pairs_equal_datasketch_on_real_signatures():
    base = "dışişleri bakanı sergey lavrov türkiye ile dağlık karabağ meselesinde çalışmaya devam"
    texts = [normalize(base)]
    words = base.split()
    for k in range(1, 12):
        texts.append(normalize(" ".join(words[k:] + words[:k])))
        texts.append(normalize(" ".join(w for i, w in enumerate(words) if i % (k + 1))))
    texts += [normalize(base + " ek kelime"), normalize("tamamen başka bir metin burada yazıyor")]
    sig = signatures(shingle_sets(texts), 128, 1, "affine32")
    for bands, rows in [(32, 4), (21, 6), (16, 8), (128, 1), (2, 64)]:
        got = {tuple(p) for p in candidate_pairs(sig, bands, rows).tolist()}
        assert got == _datasketch_pairs(sig, bands, rows, "affine32")


# --------------------------------------------------------------------------- signatures


def test_equal_sets_give_equal_signatures_in_any_batch():
    texts = ["rusya dışişleri bakanı", "başka bir metin daha", "rusya dışişleri bakanı"]
    sets = shingle_sets([normalize(t) for t in texts])
    for scheme in ("affine32", "affine64", "legacy"):
        sig = signatures(sets, 64, 1, scheme)
        assert sig.shape == (3, 64)
        assert np.array_equal(sig[0], sig[2])
        assert not np.array_equal(sig[0], sig[1])
        alone = signatures([sets[2]], 64, 1, scheme)
        assert np.array_equal(alone[0], sig[2])


def test_signatures_are_datasketch_minhash_of_the_shingles():
    sets = shingle_sets(["rusya disisleri bakani sergey lavrov"])
    sig = signatures(sets, 64, 7, "affine32")
    m = MinHash(64, seed=7, scheme="affine32", hashfunc=lambda v: v)
    for v in (sets[0] >> np.uint64(32)).astype(np.uint32).tolist():
        m.update(v)
    assert np.array_equal(m.hashvalues, sig[0])


def test_signature_similarity_estimates_jaccard():
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()
    texts = [" ".join(words[:12]), " ".join(words[2:14]), " ".join(words[5:16]), " ".join(words[:12]).upper()]
    norms = [normalize(t) for t in texts]
    sets = shingle_sets(norms)
    sig = signatures(sets, 256, 1, "affine32")
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            true = jaccard(sets[i], sets[j])
            est = float(np.mean(sig[i] == sig[j]))
            assert abs(est - true) <= 0.12, (i, j, true, est)


def test_signatures_refuse_an_empty_set():
    with pytest.raises(ValueError):
        signatures([np.empty(0, dtype=np.uint64)], 16, 1, "affine32")


# --------------------------------------------------------------------------- cluster

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
    "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()
CHAIN_A = " ".join(WORDS[0:20])
CHAIN_B = " ".join(WORDS[3:23])
CHAIN_C = " ".join(WORDS[6:26])
CHAIN_T = 0.65


def _sim(a: str, b: str) -> float:
    sa, sb = shingle_sets([normalize(a), normalize(b)])
    return jaccard(sa, sb)


def test_chain_fixture_is_a_chain():
    assert _sim(CHAIN_A, CHAIN_B) >= CHAIN_T
    assert _sim(CHAIN_B, CHAIN_C) >= CHAIN_T
    assert _sim(CHAIN_A, CHAIN_C) < CHAIN_T


def test_star_clusters_do_not_chain():
    sims = {(0, 1): 0.9, (1, 2): 0.9, (0, 2): 0.1}
    pairs = Candidates.from_pairs(3, [[0, 1], [1, 2], [0, 2]])
    similarities = one_by_one(lambda a, b: sims[(min(a, b), max(a, b))])
    clusters, counts = star_clusters(3, [0, 1, 2], pairs, similarities, 0.7)
    assert [(c.center, [m for m, _ in c.members]) for c in clusters] == [(0, [1])]
    assert counts["accepted_pairs"] == 1
    # The middle node ranked first takes both ends.
    clusters, _ = star_clusters(3, [1, 0, 2], pairs, similarities, 0.7)
    assert [(c.center, sorted(m for m, _ in c.members)) for c in clusters] == [(1, [0, 2])]


def _docs(*texts: str, dates=None) -> list[Document]:
    dates = dates or [None] * len(texts)
    return [Document(f"d{i}", t, order=i, date=d) for i, (t, d) in enumerate(zip(texts, dates))]


def _removed_texts(det) -> list[tuple[int, str]]:
    out = []
    for d, doc in enumerate(det.documents):
        for b in sorted(det.removed[d]):
            blk = det.blocks[d][b]
            out.append((d, doc.text[blk.start : blk.end]))
    return out


def test_detect_does_not_chain():
    cfg = ScanConfig(threshold=CHAIN_T, min_chars=5)
    det = detect(_docs(CHAIN_A + "\n", CHAIN_B + "\n", CHAIN_C + "\n"), cfg)
    a_cluster = [c for c in det.clusters if c.canonical.doc == 0]
    assert len(a_cluster) == 1
    assert {m.doc for m in a_cluster[0].members} == {0, 1}  # C is like B, not like A
    assert _removed_texts(det) == [(1, CHAIN_B)]  # C stays: it is not like A


def test_detect_members_are_similar_to_the_canonical():
    cfg = ScanConfig(threshold=CHAIN_T, min_chars=5)
    det = detect(_docs(CHAIN_B + "\n", CHAIN_A + "\n", CHAIN_C + "\n"), cfg)
    assert len(det.clusters) == 1
    c = det.clusters[0]
    assert c.kind == "near" and c.scope == "across"
    canon = det.documents[c.canonical.doc].text.strip()
    assert canon == CHAIN_B
    for m in c.members[1:]:
        text = det.documents[m.doc].text.strip()
        assert m.match == "near"
        assert m.similarity == pytest.approx(_sim(canon, text))
        assert m.similarity >= CHAIN_T


def test_detect_exact_tier_uses_the_normalized_text():
    a = "RUSYA DIŞİŞLERİ BAKANI SERGEY LAVROV: NATO’NUN GENİŞLEMESİ"
    b = "Rusya Dışişleri Bakanı Sergey Lavrov - NATO'nun genişlemesi"
    det = detect(_docs(f"{a}\nfirst document text\n", f"intro line of document two\n{b}\n"), ScanConfig())
    assert len(det.clusters) == 1
    c = det.clusters[0]
    assert c.kind == "exact" and c.scope == "across"
    assert [(m.doc, m.block, m.match, m.similarity) for m in c.members] == [(0, 0, "canonical", 1.0), (1, 1, "exact", 1.0)]


def test_short_blocks_are_never_compared():
    det = detect(_docs("A+ A-\nİstanbul\nunique text of document one\n", "A+ A-\nİstanbul\nunique text of doc two\n"), ScanConfig())
    assert det.clusters == []
    assert det.short_blocks == 4
    # min_chars counts the normalized text: 19 letters + 'ş' stay short at 20.
    det = detect(_docs("abcdefghijklmnoprsş\n", "ABCDEFGHIJKLMNOPRSS\n"), ScanConfig())
    assert det.clusters == [] and det.short_blocks == 2
    det = detect(_docs("abcdefghijklmnoprsş\n", "ABCDEFGHIJKLMNOPRSS\n"), ScanConfig(min_chars=19))
    assert len(det.clusters) == 1


def test_cjk_counts_double_for_min_chars():
    line = "日本語のニュース記事です"  # 12 characters, weight 24
    det = detect(_docs(line + "\n", line + "\n"), ScanConfig())
    assert len(det.clusters) == 1
    assert det.clusters[0].kind == "exact"


def test_date_headers_are_never_duplicates():
    docs = _docs("date 2020-01-01\nfirst document has its own text\n", "date 2020-01-01\nsecond document text is different\n")
    det = detect(docs, ScanConfig(min_chars=5))
    assert det.clusters == []
    assert [len(b) for b in det.blocks] == [1, 1]


def test_within_one_document_the_first_occurrence_is_kept():
    line = "Lavrov: NATO’nun genişlemesi cevapsız kalmayacak"
    for keep in ("first", "longest", "earliest"):
        det = detect(_docs(f"{line}\nA+ A-\n{line}\nother text of the article\n{line}\n"), ScanConfig(keep=keep))
        assert len(det.clusters) == 1
        c = det.clusters[0]
        assert c.scope == "within"
        assert [(m.block, m.match) for m in c.members] == [(0, "canonical"), (2, "exact"), (4, "exact")]


# --------------------------------------------------------------------------- keep policies

SHORT = "Dışişleri Bakanı Lavrov Ankara'da açıklama yaptı ve soruları yanıtladı"
LONG = SHORT + " bugün"


def _kept_doc(det) -> int:
    assert len(det.clusters) == 1
    return det.clusters[0].canonical.doc


def test_keep_first():
    det = detect(_docs(f"x1 unique one one one\n{LONG}\n", f"{SHORT}\n", f"{LONG}\n"), ScanConfig(keep="first"))
    assert _kept_doc(det) == 0
    assert [r[0] for r in _removed_texts(det)] == [1, 2]


def test_keep_longest():
    assert _sim(SHORT, LONG) >= 0.7
    det = detect(_docs(f"{SHORT}\n", f"{LONG}\n", f"{SHORT}\n"), ScanConfig(keep="longest"))
    assert _kept_doc(det) == 1
    assert _removed_texts(det) == [(0, SHORT), (2, SHORT)]


def test_keep_longest_counts_the_original_characters_and_ties_go_to_first():
    plain = "Rusya Dışişleri Bakanı Sergey Lavrov açıklama yaptı"
    padded = "Rusya Dışişleri Bakanı —  Sergey Lavrov: açıklama yaptı"
    assert normalize(plain) == normalize(padded)
    det = detect(_docs(f"{plain}\n", f"{padded}\n", f"{padded}\n"), ScanConfig(keep="longest"))
    assert _kept_doc(det) == 1
    det = detect(_docs(f"{plain}\n", f"{plain}\n"), ScanConfig(keep="longest"))
    assert _kept_doc(det) == 0


def test_keep_earliest_by_date():
    docs = _docs(f"{SHORT}\n", f"{SHORT}\n", f"{LONG}\n", f"{SHORT}\n", dates=["2021-05-01", None, "2019-12-31", "2020-06-01"])
    det = detect(docs, ScanConfig(keep="earliest"))
    assert _kept_doc(det) == 2
    assert sorted(r[0] for r in _removed_texts(det)) == [0, 1, 3]


def test_keep_earliest_puts_undated_after_dated_and_ties_to_first():
    det = detect(_docs(f"{SHORT}\n", f"{SHORT}\n", f"{SHORT}\n", dates=[None, "2030-01-01", "2030-01-01"]), ScanConfig(keep="earliest"))
    assert _kept_doc(det) == 1
    det = detect(_docs(f"{SHORT}\n", f"{SHORT}\n", dates=[None, None]), ScanConfig(keep="earliest"))
    assert _kept_doc(det) == 0


def _kept_ids(result) -> list[str]:
    return [
        m["document"] for c in result.report["clusters"] for m in c["members"] if m["action"] == "kept"
    ]


def test_keep_earliest_reads_the_date_header(tmp_path: Path):
    corpus = write_docs(
        tmp_path / "c",
        {
            "a.txt": f"date 2022-03-01\n{SHORT}\nbody of a is here\n",
            "b.txt": f"date 2021-07-15\n{SHORT}\nbody of b is here\n",
            "c.txt": f"{SHORT}\nbody of c has no date\n",
        },
    )
    result = scan([corpus], None, ScanConfig(keep="earliest"))
    assert _kept_ids(result) == ["b.txt"]
    assert {d["id"]: d["date"] for d in result.report["documents"]} == {"a.txt": "2022-03-01", "b.txt": "2021-07-15", "c.txt": None}
    assert _kept_ids(scan([corpus], None, ScanConfig(keep="first"))) == ["a.txt"]


def test_keep_earliest_reads_the_jsonl_date_field(tmp_path: Path):
    rows = [
        {"id": "r1", "published": "2024-05-02T10:00:00Z", "text": f"{SHORT}\nr1 body text here"},
        {"id": "r2", "text": f"{SHORT}\nr2 body, no date at all"},
        {"id": "r3", "published": "2023-11-30", "text": f"{SHORT}\nr3 body text here"},
        {"id": "r4", "published": "2024-01-01", "text": f"date 2020-01-01\n{SHORT}\nr4: the field wins over the header"},
    ]
    folder = tmp_path / "j"
    folder.mkdir()
    (folder / "news.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = scan([folder], None, ScanConfig(keep="earliest", date_field="published"))
    assert _kept_ids(result) == ["r3"]
    assert [d["date"] for d in result.report["documents"]] == ["2024-05-02", None, "2023-11-30", "2024-01-01"]
    # Undated records come after dated ones even when read first.
    folder2 = tmp_path / "j2"
    folder2.mkdir()
    (folder2 / "news.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [rows[1], rows[0]]), encoding="utf-8"
    )
    assert _kept_ids(scan([folder2], None, ScanConfig(keep="earliest", date_field="published"))) == ["r1"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="abcİı ", max_size=30), min_size=1, max_size=12), st.integers(1, 5))
def test_jaccard_many_equals_jaccard_pair_by_pair(texts, n):
    from dedup.shingle import jaccard_many

    sets = shingle_sets(texts, "char", n)
    for a in sets:
        assert jaccard_many(a, sets).tolist() == pytest.approx([jaccard(a, b) for b in sets])


def test_large_buckets_stay_groups_and_give_the_same_clusters():
    # 60 near-identical lines share every band: one group, not 1,770 explicit pairs.
    from dedup.lsh import LshOptions, candidates

    texts = [f"ortak bir satır burada yazıyor ve sonunda numara var {i}" for i in range(60)]
    sets = shingle_sets([normalize(t) for t in texts], "char", 5)
    sig = signatures(sets, 128, 1, "affine32")
    c = candidates(sig, 32, 4, LshOptions(max_pair_bucket=8))
    assert len(c.groups) >= 1 and c.implied_pairs >= 60 * 59 // 2
    full = candidates(sig, 32, 4, LshOptions(max_pair_bucket=10_000))
    sim = one_by_one(lambda a, b: jaccard(sets[a], sets[b]))
    got, _ = star_clusters(60, list(range(60)), c, sim, 0.6)
    want, _ = star_clusters(60, list(range(60)), full, sim, 0.6)
    assert got == want and len(got) >= 1


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(1, 300), st.floats(0.0, 1.0), st.booleans())
def test_counting_equal_bytes_as_words_equals_count_nonzero(rows, cols, share, strided):
    from dedup.lsh import count_true

    rng = np.random.default_rng(rows * 1000 + cols)
    eq = rng.random((rows, cols * (2 if strided else 1))) < share
    eq = eq[:, ::2] if strided else eq
    assert count_true(eq).tolist() == np.count_nonzero(eq, axis=1).tolist()


def test_sparse_large_buckets_are_screened_and_dense_ones_stay_groups():
    # 100 unrelated rows that share one band (short texts with a common phrase) make a
    # sparse bucket: its pairs are screened, none is plausible, and no group is left for
    # the clustering to estimate center by center.  60 near copies make a dense bucket
    # in every band: one group, not 1,770 pairs screened in each band.
    from dedup.lsh import LshOptions, candidates

    rng = np.random.default_rng(3)
    bands, rows = 16, 4
    sig = rng.integers(0, 2**32, size=(200, 64), dtype=np.uint64).astype(np.uint32)
    sig[:100, :rows] = sig[0, :rows]
    sig[100:160] = sig[100]
    sig[100:160, 40] = np.arange(60, dtype=np.uint32)
    c = candidates(sig, bands, rows, LshOptions(minimum=0.5))
    assert [g.tolist() for g in c.groups] == [list(range(100, 160))]
    assert len(c.pairs) == 0 and c.rejected == 100 * 99 // 2
    assert c.implied_pairs == 100 * 99 // 2 + 60 * 59 // 2
    similarity = one_by_one(lambda a, b: float(np.mean(sig[a] == sig[b])))
    full = candidates(sig, bands, rows, LshOptions(max_pair_bucket=10_000))
    got, _ = star_clusters(200, list(range(200)), c, similarity, 0.65)
    want, _ = star_clusters(200, list(range(200)), full, similarity, 0.65)
    assert got == want and len(got) == 1 and len(got[0].members) == 59


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefİı ", min_size=1, max_size=300), min_size=1, max_size=30),
    st.sampled_from(["affine32", "affine64"]),
    st.integers(0, 2**31),
)
def test_numpy_engine_gives_datasketch_signatures_bit_for_bit(texts, scheme, seed):
    import dedup.signatures as S

    sets = [s for s in shingle_sets(texts, "char", 3) if len(s)]
    if not sets:
        return
    want = S.signatures(sets, 64, seed, scheme, "datasketch")
    assert np.array_equal(S.signatures_numpy(sets, 64, seed, scheme), want)
    if S.NATIVE:
        assert np.array_equal(S.signatures_numpy(sets, 64, seed, scheme, "native"), want)
    # Sets larger than a run take the piecewise path.
    assert np.array_equal(S.signatures_numpy(sets, 64, seed, scheme, run=7), want)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["affine32", "affine64", "legacy"]), st.integers(0, 2**32 - 1), st.integers(1, 300))
def test_permutations_are_datasketchs_own(scheme, seed, num_perm):
    # The affine permutations are drawn without importing datasketch (scipy makes that
    # import cost most of a second); they must be the very parameters a MinHash uses.
    from datasketch import MinHash

    from dedup.signatures import permutations

    a, b = permutations(num_perm, seed, scheme)
    want_a, want_b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    assert a.dtype == want_a.dtype and np.array_equal(a, want_a) and np.array_equal(b, want_b)


def test_a_scan_does_not_import_datasketch(tmp_path):
    # Startup time: the default engine needs nothing from datasketch at run time.
    import subprocess
    import sys

    from conftest import SEEDS

    code = (
        "import sys; from dedup import scan, ScanConfig; "
        f"scan([{str(SEEDS)!r}], {str(tmp_path / 'out')!r}, ScanConfig()); "
        "print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefİı ", max_size=120), min_size=1, max_size=20),
    st.sampled_from(["char", "word"]),
    st.integers(1, 6),
)
def test_flat_shingle_hashes_hold_the_sets_and_sign_the_same(texts, kind, n):
    # The analysis signs flat hashes (repeats kept, no per-text sort); verification
    # intersects sorted sets.  Both must describe the same sets, and the signatures
    # made from the flat form must be the ones datasketch gives the sets.
    from dedup.shingle import shingle_hashes
    from dedup.signatures import signatures_flat

    flat, counts = shingle_hashes(texts, kind, n)
    sets = shingle_sets(texts, kind, n)
    assert counts.tolist() == [len(py) if kind == "word" else max(len(t) - n + 1, min(len(t), 1)) for t, py in zip(texts, sets)]
    ends = np.cumsum(counts)
    for s, e, c in zip(sets, ends.tolist(), counts.tolist()):
        assert np.array_equal(np.unique(flat[e - c : e]), s)
    keep = counts > 0
    if keep.any():
        got = signatures_flat(flat, counts[keep], 32, 3, "affine32")
        want = signatures([s for s in sets if len(s)], 32, 3, "affine32", "datasketch")
        assert np.array_equal(got, want)


def _native_built() -> bool:
    from dedup.signatures import NATIVE

    return NATIVE


native_only = pytest.mark.skipif(not _native_built(), reason="dedup's compiled kernel is not built here (no C compiler at install)")


def test_engines_give_byte_identical_reports(tmp_path):
    from conftest import SEEDS

    engines = ["datasketch", "numpy", "auto"] + (["native"] if _native_built() else [])
    results = {e: scan([SEEDS], tmp_path / e, ScanConfig(minhash_engine=e)) for e in engines}
    for e in engines[1:]:
        for name in sorted(p.name for p in (tmp_path / "datasketch").iterdir()):
            assert (tmp_path / "datasketch" / name).read_bytes() == (tmp_path / e / name).read_bytes(), (e, name)
        assert results[e].report == results["datasketch"].report


def test_native_kernel_is_built_where_a_c_compiler_is():
    # The kernel is an optional extension: a failed build installs dedup silently
    # without it.  Where a compiler is on PATH (CI), a failed build is a bug.
    import shutil
    import sysconfig

    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) here")
    if not Path(sysconfig.get_paths()["include"], "Python.h").is_file():
        pytest.skip("no Python headers here")
    import dedup

    assert _native_built(), (
        f"dedup/_kernels is not built in {Path(dedup.__file__).parent}: the tests import the source tree, "
        "so install it with `pip install -e .` (a plain `pip install .` builds the kernel into site-packages only)"
    )


@native_only
@pytest.mark.parametrize("scheme", ["affine32", "affine64"])
@pytest.mark.parametrize("num_perm", [16, 64, 100, 192])
def test_native_engine_matches_numpy_on_large_and_odd_sets(scheme, num_perm):
    # Sets larger than the kernel's chunk of 4,096 values and permutation counts that
    # are not a multiple of its tile of 64 take the kernel's other paths.
    from dedup.signatures import signatures_flat

    rng = np.random.default_rng(num_perm)
    counts = np.array([1, 4095, 4096, 4097, 10_000, 3, 8193], dtype=np.int64)
    flat = rng.integers(0, 2**64, int(counts.sum()), dtype=np.uint64)
    flat[5000:5100] = 0  # repeats and extreme values
    flat[-1] = 2**64 - 1
    got = signatures_flat(flat, counts, num_perm, 7, scheme, engine="native")
    want = signatures_flat(flat, counts, num_perm, 7, scheme, engine="numpy")
    assert got.dtype == want.dtype and np.array_equal(got, want)
    with pytest.raises(ValueError, match="empty"):
        signatures_flat(flat, np.array([0, len(flat)]), num_perm, 7, scheme, engine="native")
    # The kernel checks what it is given, also when called directly.
    from dedup import _kernels

    dt = got.dtype
    a, b = np.ones(num_perm, dt), np.zeros(num_perm, dt)
    out = np.empty((2, num_perm), dt)
    width = 8 * dt.itemsize
    with pytest.raises(ValueError, match="more than the number of values"):
        _kernels.minhash(flat[:10], np.array([5, 2**62], dtype=np.int64), a, b, out, width)
    with pytest.raises(ValueError, match="unsigned integers"):
        _kernels.minhash(flat[:10].astype(np.float64), np.array([5, 5], dtype=np.int64), a, b, out, width)
    with pytest.raises(ValueError, match="signed integers"):
        _kernels.minhash(flat[:10], np.array([5, 5], dtype=np.uint64), a, b, out, width)
    with pytest.raises(ValueError, match="number of permutations"):
        _kernels.minhash(flat[:10], np.array([5, 5], dtype=np.int64), a, b, out[:1], width)


@native_only
@pytest.mark.parametrize("key_bits", [64, 0])
@pytest.mark.parametrize("num_perm, rows", [(192, 5), (100, 7), (48, 3)])
def test_native_lsh_screen_equals_numpy_on_many_buckets(num_perm, rows, key_bits, monkeypatch):
    # Families of near copies (dense buckets), unrelated rows sharing one phrase
    # (a sparse bucket larger than MAX_PAIR_BUCKET) and many small buckets, over
    # every band: the compiled screen keeps the same pairs and counts the same
    # rejections as the numpy one, and the clusters do not change.  With no key
    # bits, every band tag is equal: every failing pair is checked for an earlier
    # shared band, on low bytes and then on full values.
    import dedup.lsh as L
    from dedup.lsh import LshOptions, candidates

    if key_bits < 64:
        real = L.band_keys
        monkeypatch.setattr(L, "band_keys", lambda v, *a: real(v, *a) & np.uint64((1 << key_bits) - 1))

    rng = np.random.default_rng(num_perm + rows)
    bands = num_perm // rows
    sig = rng.integers(0, 2**32, size=(3000, num_perm), dtype=np.uint64).astype(np.uint32)
    for start in range(0, 2000, 20):  # families: each row keeps a random share of its head's values
        for r in range(start + 1, start + 20):
            same = rng.random(num_perm) < rng.uniform(0.3, 1.0)
            sig[r, same] = sig[start, same]
    sig[2000:2300, :rows] = sig[2000, :rows]  # a sparse bucket of 300 in band 0
    sig[2300:3000, rows : 2 * rows] = rng.integers(0, 40, size=(700, 1)).astype(np.uint32)  # small buckets in band 1
    sig[2300:3000] = (sig[2300:3000] & np.uint32(0xFFFFFF00)) | (sig[0] & np.uint32(0xFF))  # equal low bytes: full values decide
    got = candidates(sig, bands, rows, LshOptions(minimum=0.5, native=True))
    want = candidates(sig, bands, rows, LshOptions(minimum=0.5, native=False))
    assert got.pairs.tolist() == want.pairs.tolist() and len(got.pairs) > 1000
    # Bands in threads (numpy path, and the kernel's reading a spill): the same result.
    from dedup.spill import SignatureSpill

    with SignatureSpill(num_perm, bands, rows) as spill:
        spill.append(sig)
        for native in (False, True):
            threaded = candidates(spill, bands, rows, LshOptions(minimum=0.5, native=native, threads=3, chunk=64))
            assert threaded.pairs.tolist() == want.pairs.tolist()
            assert (threaded.rejected, threaded.implied_pairs) == (want.rejected, want.implied_pairs)
            assert [g.tolist() for g in threaded.groups] == [g.tolist() for g in want.groups]
    assert (got.rejected, got.implied_pairs) == (want.rejected, want.implied_pairs) and got.rejected > 10_000
    assert [g.tolist() for g in got.groups] == [g.tolist() for g in want.groups]
    similarity = one_by_one(lambda a, b: float(np.mean(sig[a] == sig[b])))
    assert star_clusters(3000, list(range(3000)), got, similarity, 0.65) == star_clusters(3000, list(range(3000)), want, similarity, 0.65)


@pytest.mark.parametrize("threads", [1, 3])
def test_lsh_in_threads_reports_every_band_and_stops_on_a_failing_band(threads, monkeypatch):
    # The progress bar gets one step per band whatever the threads; a band that
    # fails (a band file that cannot be read) raises its error, no thread is left.
    import threading

    import dedup.lsh as L
    from dedup.spill import SignatureSpill

    rng = np.random.default_rng(threads)
    sig = rng.integers(0, 2**32, size=(300, 64), dtype=np.uint64).astype(np.uint32)
    sig[100:200, :8] = sig[100, :8]
    steps = []
    with SignatureSpill(64, 16, 4) as spill:
        spill.append(sig)
        L.candidates(spill, 16, 4, L.LshOptions(minimum=0.5, threads=threads), on_band=lambda: steps.append(1))
        assert len(steps) == 16
        steps.clear()
        L.candidates(spill, 16, 4, L.LshOptions(threads=threads), on_band=lambda: steps.append(1))  # no minimum
        assert len(steps) == 16
        real = L.band_values

        def band_values(s, band, rows):
            if band == 2:
                raise OSError("band file gone")
            return real(s, band, rows)

        monkeypatch.setattr(L, "band_values", band_values)
        with pytest.raises(OSError, match="band file gone"):
            L.candidates(spill, 16, 4, L.LshOptions(minimum=0.5, threads=threads))
    assert not [t for t in threading.enumerate() if t.name.startswith("dedup-lsh")]


def test_signature_spill_reads_from_many_threads_at_once():
    # The row cache is shared: 8 threads reading overlapping rows through a cache of
    # 4 rows, the first of them before anything was read (the spill finishes writing
    # once), all get the rows that were appended.
    import threading

    import dedup.spill as S

    rng = np.random.default_rng(5)
    sig = rng.integers(0, 2**32, size=(64, 32), dtype=np.uint64).astype(np.uint32)
    errors = []
    with S.SignatureSpill(32, 8, 4, cache_rows=4) as spill:
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


@native_only
@pytest.mark.parametrize("rows", [1, 3, 5, 8])
def test_native_band_keys_equal_numpy(rows):
    from dedup.lsh import band_keys

    v = np.random.default_rng(rows).integers(0, 2**32, (5000, 12), dtype=np.uint64).astype(np.uint32)
    v[100:200] = v[0]
    for values in (v[:, :rows], v[:, 4 : 4 + rows]):  # contiguous or not
        assert np.array_equal(band_keys(values, True), band_keys(values, False))
    with pytest.raises(ValueError, match="uint32"):
        band_keys(v.astype(np.uint64)[:, :rows], True)


@native_only
def test_native_lsh_kernels_check_their_input():
    from dedup import _kernels

    low = np.zeros((4, 16), dtype=np.uint8)
    tags = np.zeros((4, 4), dtype=np.uint8)
    order = np.arange(4, dtype=np.int64)
    one = np.array([0], dtype=np.int64)
    with pytest.raises(ValueError, match="outside order"):
        _kernels.screen(low, 16, order, one, np.array([5], dtype=np.int64), 8, tags, 4, 1, 4)
    with pytest.raises(ValueError, match="out of range"):
        _kernels.screen(low, 16, np.array([0, 4], dtype=np.int64), one, np.array([2], dtype=np.int64), 8, tags, 4, 1, 4)
    with pytest.raises(ValueError, match="inconsistent"):
        _kernels.screen(low, 16, order, one, np.array([2], dtype=np.int64), 8, tags, 4, 4, 4)  # band 4 of 4 rows passes 16 values
    with pytest.raises(ValueError, match="do not agree"):
        _kernels.screen(low, 16, order, one, np.array([2], dtype=np.int64), 8, tags[:2], 4, 1, 4)
    with pytest.raises(ValueError, match="signed integers"):
        _kernels.screen(low, 16, order.astype(np.uint64), one, np.array([2], dtype=np.int64), 8, tags, 4, 1, 4)
    plausible, recheck, failing = _kernels.screen(low, 16, order, one, np.array([4], dtype=np.int64), 8, tags, 4, 1, 4)
    assert len(np.frombuffer(plausible, dtype=np.int64)) == 12 and recheck == b"" and failing == 0
    with pytest.raises(ValueError, match="do not agree"):
        _kernels.band_keys(np.zeros((4, 5), dtype=np.uint32), 5, np.empty(3, dtype=np.uint64))


def test_auto_engine_falls_back_to_numpy_without_the_kernel(monkeypatch, tmp_path):
    import dedup.signatures as S
    from dedup.errors import UsageError

    assert S.resolve_engine("auto", "legacy") == "datasketch"
    assert S.resolve_engine("numpy", "affine32") == "numpy"
    monkeypatch.setattr(S, "NATIVE", False)
    monkeypatch.setattr(S, "_kernels", None)
    assert S.resolve_engine("auto", "affine32") == "numpy"
    sets = shingle_sets(["kernel or not, the same signatures"], "char", 5)
    assert np.array_equal(S.signatures(sets, 32, 1, "affine32", "auto"), S.signatures(sets, 32, 1, "affine32", "datasketch"))
    with pytest.raises(UsageError, match="native.*not built"):
        ScanConfig(minhash_engine="native")


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.05, 1.0), st.sampled_from([2, 1000]), st.booleans(), st.sampled_from([False, True] if _native_built() else [False]), st.sampled_from([1, 3]))
def test_candidates_filtered_by_estimate_are_exactly_the_plausible_pairs(seed, minimum, max_bucket, spilled, native, threads):
    # LSH drops implausible pairs band by band, deciding most of it on the low bytes
    # and taking each pair in its first shared band only: the pairs kept and the
    # counts must be those of expanding every bucket, removing repeats and then
    # comparing full values, with the numpy screen and with the compiled one.  Rows
    # 5-9 have every low byte equal to row 0's, so the low bytes alone would take
    # wrong decisions for them.
    from dedup.lsh import LshOptions, candidates
    from dedup.spill import SignatureSpill

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**32, size=(40, 64), dtype=np.uint64).astype(np.uint32)
    sig = base.copy()
    for r in range(1, 40):  # rows share a random share of values with row 0
        same = rng.random(64) < rng.random()
        sig[r, same] = base[0, same]
    sig[5:10] = (sig[5:10] & np.uint32(0xFFFFFF00)) | (sig[0] & np.uint32(0xFF))
    bands, rows = 16, 4
    shares = (sig[:, None, :] == sig[None, :, :]).reshape(40, 40, bands, rows).all(axis=3).any(axis=2)
    every = np.array([(i, j) for i in range(40) for j in range(i + 1, 40) if shares[i, j]], dtype=np.int64).reshape(-1, 2)
    need = int(np.ceil(minimum * 64 - 1e-9))
    plausible = every[np.count_nonzero(sig[every[:, 0]] == sig[every[:, 1]], axis=1) >= need]
    with SignatureSpill(64, bands, rows) as spill:
        spill.append(sig[:17])
        spill.append(sig[17:])
        source = spill if spilled else sig
        got = candidates(source, bands, rows, LshOptions(max_pair_bucket=max_bucket, minimum=minimum, chunk=7, native=native, threads=threads))
    if max_bucket > 40:  # no large bucket: every pair is explicit
        assert got.pairs.tolist() == plausible.tolist()
        assert got.distinct_pairs == len(every) and got.rejected == len(every) - len(plausible)
    else:  # pairs in large buckets are left to the clustering, the rest are filtered
        assert {tuple(p) for p in got.pairs.tolist()} <= {tuple(p) for p in plausible.tolist()}
        assert got.implied_pairs >= len(every)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(1, 8), st.lists(st.lists(st.integers(-60, 59), max_size=25), min_size=1, max_size=12))
def test_signature_spill_reads_back_every_row_through_its_cache(n, cache_rows, reads):
    # Rows come back from a small cache or the file: whatever the order, repeats and
    # evictions, a read gives the rows that were appended (negative indices count from
    # the end, as for a matrix).
    import dedup.spill as S

    rng = np.random.default_rng(n * 100 + cache_rows)
    sig = rng.integers(0, 2**32, size=(n, 16), dtype=np.uint64).astype(np.uint32)
    with S.SignatureSpill(16, 4, 4, cache_rows=cache_rows) as spill:
        spill.append(sig[: n // 2])
        spill.append(sig[n // 2 :])
        for read in reads:
            index = np.array([r for r in read if -n <= r < n], dtype=np.int64)
            assert np.array_equal(spill[index], sig[index])
        assert np.array_equal(spill[:], sig) and np.array_equal(spill[n - 1], sig[n - 1])


def test_signature_spill_is_removed_after_detection_even_on_error(tmp_path, monkeypatch):
    # Signatures are spilled to a private folder under TMPDIR: nothing is left
    # behind, whether detection finishes or fails half-way.
    import sys
    import tempfile

    D = sys.modules["dedup.detect"]  # the module (the package exports a function of that name)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    docs = _docs("Aynı paragraf iki kez yazıldı, burada.\n\nAynı paragraf iki kez yazıldı, burada.", "Başka bir metin burada duruyor ve uzun.")
    det = detect(docs, ScanConfig())
    assert len(det.clusters) == 1 and list(tmp_path.iterdir()) == []

    def boom(*args, **kwargs):
        assert any(tmp_path.iterdir())  # the spill exists while LSH runs
        raise RuntimeError("boom")

    monkeypatch.setattr(D, "candidates", boom)
    with pytest.raises(RuntimeError):
        detect(docs + _docs("Aynı paragraf iki kez yazıldı, burada!"), ScanConfig())
    assert list(tmp_path.iterdir()) == []


def test_document_keeps_its_text_as_utf8_and_gives_it_back_unchanged():
    # Documents hold UTF-8 (half the memory of a Python string of Turkish text) and
    # decode it when read: every character comes back, lone surrogates included
    # (JSONL can carry them), and the length is in characters.
    text = "İstanbul'da ılık bir gün\ud800 — ǅ 𝕏\r\n"
    doc = Document("a", text, order=3, date="2024-01-02", meta={"raw": "x"})
    assert doc.text == text and doc.length == len(text)
    assert doc.data == text.encode("utf-8", "surrogatepass") and len(doc.data) < 2 * len(text)
    moved = doc.replace(order=7)
    assert moved.order == 7 and moved.text == text and moved.data is doc.data
    assert moved.replace(order=3) == doc and hash(moved.replace(order=3)) == hash(doc)
    assert doc.replace(text="başka").text == "başka" and doc.replace(text="başka").length == 5
    assert Document("a", text, order=3, date="2024-01-02") == doc  # meta is not compared
    with pytest.raises(AttributeError):
        doc.order = 1


# --------------------------------------------------------------------------- analysis of batches

MENU = "Adana Adıyaman Afyonkarahisar Ağrı Amasya Ankara Antalya Artvin Aydın Balıkesir"
WIDGET = "Yazı boyutunu büyüt A+ A- küçült, paylaş, yazdır"


def _page(i: int) -> bytes:
    return f"{MENU}\nHaber {i}: belediye meclisi bugün {i * 7} gündem maddesini görüştü.\n{WIDGET}\n".encode()


def test_known_texts_are_keyed_but_not_signed_again():
    from dedup.analyze import analyze_batch

    config = ScanConfig()
    first = analyze_batch([_page(1), _page(2)], config)
    assert len(first.new_keys) == 4 and first.signed.tolist() == [0, 1, 2, 3]  # menu, story 1, widget, story 2
    again = analyze_batch([_page(3)], config, known=set(first.new_keys))
    assert len(again.new_keys) == 3 and first.new_keys[0] in again.new_keys
    assert again.signed.tolist() == [1] and again.sigs.shape == (1, config.num_perm)  # only the new story
    # The one signature made is the one made without skipping.
    full = analyze_batch([_page(3)], config)
    assert np.array_equal(again.sigs[0], full.sigs[1])


def test_a_worker_signs_boilerplate_once_and_forgets_the_least_recent():
    from dedup.analyze import RecentKeys, analyze_batch, analyze_remembering

    memory = RecentKeys(8)  # what a worker remembers having signed
    config = ScanConfig()
    signed = [len(analyze_remembering([_page(i)], config, None, memory).signed) for i in range(12)]
    assert signed[0] == 3 and set(signed[1:]) == {1}  # menu and widget signed by the first batch only
    assert len(memory) <= 8
    menu_key = analyze_batch([_page(0)], config).new_keys[0]
    assert menu_key in memory  # met in every batch: never the least recent
    story0 = analyze_batch([_page(0)], config).new_keys[1]
    assert story0 not in memory  # forgotten: it would be signed again
    assert len(analyze_remembering([_page(0)], config, None, memory).signed) == 1


def test_boilerplate_in_every_batch_gives_the_same_result_with_workers():
    from dedup.tuning import Tuning

    documents = [Document(id=f"p{i}.txt", text=_page(i % 40).decode(), order=i) for i in range(300)]
    whole = detect(documents, ScanConfig(jobs=1))
    split_up = detect(iter(documents), ScanConfig(jobs=2), tuning=Tuning(batch_docs=9))
    assert split_up.clusters == whole.clusters and split_up.removed == whole.removed
    assert split_up.stats == whole.stats
    assert whole.stats["distinct_texts"] == 42  # menu, widget and 40 stories


def _menu_corpus(folder: Path, pages: int) -> Path:
    menu = "\n".join(["Adana Adıyaman Afyonkarahisar", "Ağrı Amasya Ankara Antalya", "Artvin Aydın Balıkesir Bilecik"])
    return write_docs(folder, {f"p{i:03d}.txt": f"{menu}\nStory {i}: " + " ".join(f"w{i}x{k}" for k in range(12)) + "\n" for i in range(pages)})


def test_report_progress_adds_up_to_its_steps(tmp_path, monkeypatch):
    # The report bar must end full: every step reported once, whatever the step size.
    import dedup.report as report_module

    monkeypatch.setattr(report_module, "PROGRESS_STEP", 3)
    root = _menu_corpus(tmp_path / "in", 11)
    result = scan([root], None, ScanConfig())
    steps: list[int] = []
    report_module.build_report(result.detection, ScanConfig(), result.outputs, [None] * 11, progress=steps.append)
    assert len(result.detection.clusters) == 3  # the three menu lines
    assert sum(steps) == report_module.report_steps(result.detection) == 11 + 3
    assert all(k > 0 for k in steps) and len(steps) > 2


def test_scan_draws_a_bar_for_every_long_stage(tmp_path, capsys):
    root = _menu_corpus(tmp_path / "in", 5)
    scan([root], tmp_path / "out", ScanConfig(), progress=True)
    err = capsys.readouterr().err
    for stage, total in (("analyze", 5), ("candidates", None), ("verify+cluster", None), ("write", 5), ("report", 5 + 3)):
        assert f"{stage}:" in err
        if total is not None:
            assert re.search(rf"{re.escape(stage)}: .*\b0/{total}\b", err), stage
    scan([root], tmp_path / "out2", ScanConfig())
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_times_every_stage_the_benchmark_prints(tmp_path, jobs):
    # benchmarks/perf.py prints each of these stages.  The three steps of the analysis
    # are seconds of work (added up over the workers); verifying is part of clustering.
    story = "Dışişleri Bakanı Lavrov, Libya'daki krizin çözümü için iki ülkenin birlikte çalıştığını söyledi"
    docs = {f"p{i:02d}.txt": f"Başlık {i} burada\n{story} {'bugün' if i % 2 else 'dün'}.\nKapanış {i} cümlesi\n" for i in range(12)}
    result = scan([write_docs(tmp_path / "in", docs)], tmp_path / "out", ScanConfig(jobs=jobs))
    assert any(c.kind == "near" for c in result.detection.clusters)  # something was verified
    t = result.timings
    wall = ("read", "analyze", "lsh", "cluster", "plan", "write")
    for stage in (*wall, "split_normalize", "shingle_hash", "signatures", "verify", "total"):
        assert t[stage] >= 0, stage
    assert 0 < t["split_normalize"] and 0 < t["shingle_hash"] and 0 < t["signatures"]
    assert 0 < t["verify"] <= t["cluster"]
    assert sum(t[k] for k in wall) <= t["total"]  # the stages do not overlap in time
    if jobs == 1:  # the analysis ran here, inside the analyze stage
        assert t["split_normalize"] + t["shingle_hash"] + t["signatures"] <= t["analyze"]


def test_jsonl_document_estimate_converges_to_the_count(tmp_path):
    # With workers, JSONL is read as the analysis goes: the bar's total is the records
    # of the files read so far plus, for the rest, as many records per byte.
    from dedup.readers import discover
    from dedup.scan import _estimated_documents, iter_documents

    root = tmp_path / "in"
    root.mkdir()
    (root / "a.jsonl").write_text("".join(json.dumps({"id": f"a{i:02d}", "text": f"record {i:02d}"}) + "\n" for i in range(10)), encoding="utf-8")
    (root / "b.jsonl").write_text("".join(json.dumps({"id": f"b{i:02d}", "text": f"record {i:02d}"}) + "\n" for i in range(30)), encoding="utf-8")
    (root / "c.txt").write_text("one text file, one document\n", encoding="utf-8")
    _, sources = discover([root])
    loaded: list = []
    estimate = _estimated_documents(sources, loaded)
    assert estimate() is None  # nothing read: no total yet
    stream = iter_documents(sources, ScanConfig(), loaded)
    next(stream)  # a.jsonl is read whole before its first record comes out
    assert estimate() == 1 + 10 + 30  # b.jsonl: same bytes per record as a.jsonl
    rest = list(stream)
    assert estimate() == len(rest) + 1 == 41


def test_every_bar_ends_full_with_workers_and_skipped_input(tmp_path, monkeypatch):
    # Skipped files (binary, a broken link), an empty JSONL file, jobs 2: every bar's
    # last count is its total.
    import importlib

    detect_module = importlib.import_module("dedup.detect")  # the package's `detect` is the function
    scan_module = importlib.import_module("dedup.scan")
    ended: dict[str, tuple[int, int | None]] = {}

    class Bar:
        def __init__(self, total, desc, unit, enabled):
            self.total, self.desc, self.n = total, desc, 0

        def update(self, k=1):
            self.n += k

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            ended[self.desc] = (self.n, self.total)

    monkeypatch.setattr(detect_module, "progress_bar", Bar)
    monkeypatch.setattr(scan_module, "bar", Bar)
    root = tmp_path / "in"
    root.mkdir()
    for name, n in (("a.jsonl", 5), ("b.jsonl", 7)):
        (root / name).write_text("".join(json.dumps({"id": f"{name}{i}", "text": f"Record {i} of {name}, long enough"}) + "\n" for i in range(n)), encoding="utf-8")
    (root / "empty.jsonl").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"\x00\x01 not text")
    (root / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (root / "c.txt").write_text("Record 1 of a.jsonl, long enough\n", encoding="utf-8")
    result = scan([root], tmp_path / "out", ScanConfig(jobs=2, on_error="skip"), progress=True)
    assert len(result.detection.documents) == 13
    assert ended["analyze"] == (13, 13)
    assert ended["write"] == (5, 5)  # every file but the broken link
    assert ended["report"][0] == ended["report"][1] == 13 + len(result.detection.clusters)


@pytest.mark.parametrize("enabled", [True, False])
def test_scan_puts_the_garbage_collector_back_as_it_was(tmp_path, enabled):
    # The collector is off during a scan (it found nothing and cost 10-15 %): a program
    # that calls the API gets it back as it had it, also when the scan fails.
    import gc

    from dedup.errors import InputError

    (tmp_path / "a.txt").write_text("Aynı paragraf iki kez yazıldı burada.\nAynı paragraf iki kez yazıldı burada.\n", encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "b.txt").write_bytes(b"caf\xe9 \x80 not UTF-8\n")
    import importlib

    S = importlib.import_module("dedup.scan")
    during = []
    real_detect = S.detect

    def detect(*args, **kwargs):
        during.append(gc.isenabled())
        return real_detect(*args, **kwargs)

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        S.detect = detect
        res = scan([tmp_path / "a.txt"], None, ScanConfig())
        assert during == [False]  # off while the scan runs
        assert res.report["summary"]["removed_blocks"] == 1
        assert gc.isenabled() is enabled
        with pytest.raises(InputError, match="not valid UTF-8"):
            scan([tmp_path / "bad"], None, ScanConfig())
        assert gc.isenabled() is enabled
    finally:
        S.detect = real_detect
        (gc.enable if was else gc.disable)()


def test_report_md_stays_short_for_a_menu_on_every_page(tmp_path):
    """A menu line that 60 pages repeat makes one cluster of 60 copies: report.md shows
    the largest clusters first, a few copies of each and the documents that lost the
    most, and says where the rest is; report.json keeps every copy."""
    menu = "Gündem Ekonomi Spor Dünya Kültür Sanat Yaşam Teknoloji Sağlık Yazarlar"
    words = ("kent", "meclis", "yağmur", "okul", "liman", "tren", "orman", "sergi", "pazar", "köprü",
             "bahar", "rapor", "yarış", "müze", "fener", "nehir", "çarşı", "tarla", "saray", "kitap")
    rng = random.Random(5)
    docs = {f"p{i:02d}.txt": f"{' '.join(rng.choices(words, k=12))}.\n" for i in range(60)}
    # three small clusters, each of two copies, in the documents read first; the menu
    # ends every page, so its cluster is not the first in reading order
    for k, para in enumerate(["Valilik yarın okulların tatil olduğunu duyurdu ve velileri uyardı.",
                              "Kar yağışı nedeniyle bazı köy yolları ulaşıma kapandı, ekipler çalışıyor.",
                              "Maçın ilk yarısı golsüz bitti, ikinci yarıda ev sahibi baskı kurdu."]):
        for name in (f"p{2 * k:02d}.txt", f"p{2 * k + 1:02d}.txt"):
            docs[name] += para + "\n"
    docs = {name: text + menu + "\n" for name, text in docs.items()}
    res = scan([write_docs(tmp_path / "in", docs)], tmp_path / "out", ScanConfig())
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    clusters = res.report["clusters"]
    menu_cluster = next(c for c in clusters if c["size"] == 60)
    assert len(clusters) == 4 and len(menu_cluster["members"]) == 60  # the JSON keeps every copy
    headings = re.findall(r"^### Cluster (\d+): \w+, \w+, (\d+) copies$", md, flags=re.M)
    assert menu_cluster["id"] != 1 and headings[0] == (str(menu_cluster["id"]), "60")  # largest first
    assert sorted(int(n) for _, n in headings) == [2, 2, 2, 60]
    assert md.count(f"| {menu[:20]}") == 10  # at most ten copies of a cluster shown
    assert "… and 50 more copies in report.json." in md
    table = md.split("## Documents with removals", 1)[1]
    assert table.count("\n| `p") == 59  # under the cap: every changed document (all but the first) is listed
    short = render_markdown(res.report, max_clusters=2, max_members=3, max_documents=5)
    shown = re.findall(r"^### Cluster (\d+):", short, flags=re.M)
    small = sorted(c["id"] for c in clusters if c["size"] == 2)
    assert shown == [str(menu_cluster["id"]), str(small[0])]  # ties of size: the lower id
    assert "The 2 largest of 4 clusters; report.json lists them all." in short
    assert "… and 57 more copies in report.json." in short
    assert "The 5 of 59 documents that lost the most characters; report.json lists every document." in short
    rows = re.findall(r"^\| `(p\d\d\.txt)` \| \d+ \| (\d+) \| (\d+) \|$", short, flags=re.M)
    assert len(rows) == 5
    lost = {d["id"]: d["removed_chars"] for d in res.report["documents"]}
    assert [int(c) for _, _, c in rows] == sorted(lost.values(), reverse=True)[:5]


def test_a_large_near_family_is_verified_in_chunks_with_the_same_result(tmp_path):
    """A footer numbered with the page is a near copy on every page: one center with as
    many candidates as pages.  They are estimated and verified a chunk at a time (to
    bound memory); the chunk size changes nothing in the result."""
    from dedup.report import build_report, output_texts
    from dedup.scan import read_corpus
    from dedup.tuning import DEFAULT_TUNING, Tuning

    footer = ("Yasal Uyarı: Sitemizde yayınlanan haber, yorum, fotoğraf ve videoların tüm hakları saklıdır; "
              "kaynak gösterilmeden kısmen ya da tamamen kullanılamaz ve kopyalanamaz.")
    words = ("kent", "meclis", "yağmur", "okul", "liman", "tren", "orman", "sergi", "pazar", "köprü",
             "bahar", "rapor", "yarış", "müze", "fener", "nehir", "çarşı", "tarla", "saray", "kitap")
    rng = random.Random(11)
    # page numbers of 1 to 9 digits: the copies differ from the canonical one by different
    # amounts, so a similarity reported for the wrong candidate shows
    docs = {f"p{i:02d}.txt": f"{' '.join(rng.choices(words, k=12))}.\n{footer} Haber no: {rng.randrange(10 ** (1 + i % 9))}.\n"
            for i in range(40)}
    src = write_docs(tmp_path / "in", docs)
    _, _, documents = read_corpus([src], ScanConfig())
    results = {}
    for chunk in (4, DEFAULT_TUNING.verify_chunk):  # 39 candidates: nine chunks of 4 and one of 3
        det = detect(documents, ScanConfig(), tuning=Tuning(verify_chunk=chunk))
        outputs = output_texts(det)
        report = build_report(det, ScanConfig(), outputs, [d.source for d in documents])
        results[chunk] = (json.dumps(report, sort_keys=True), [outputs[i] for i in range(len(outputs))])
        sims = {m["similarity"] for c in report["clusters"] for m in c["members"] if m["match"] == "near"}
        family = [c for c in report["clusters"] if c["kind"] == "near"]
        assert len(family) == 1 and family[0]["size"] == 40
        assert len(sims) >= 5  # the copies are not all equally close
        assert all("Yasal Uyarı" not in out for out in results[chunk][1][1:])
    assert results[4] == results[DEFAULT_TUNING.verify_chunk]

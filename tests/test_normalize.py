"""The comparison form of a block (dedup.normalize): Turkish case, diacritics, punctuation, Unicode forms."""

from __future__ import annotations

import contextlib
import signal
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.normalize import FOLDING_TABLE, fold_characters, normalize, weighted_length


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

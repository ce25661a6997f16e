"""Partial copies (dedup.contain, dedup.rules, dedup.runs): what a user sees in the
output and the report."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import ScanConfig, scan
from dedup.contain import Fingerprints, candidates, is_fragment
from dedup.detect import detect
from dedup.model import Document
from dedup.normalize import normalize
from dedup.plan import output_texts
from dedup.rules import capital_tag, differing_facts, facts_of, tag_affix, tag_shapes
from dedup.runs import find_runs
from dedup.shingle import shingle_hashes

S1 = "Rusya Dışişleri Bakanı Sergey Lavrov, Türkiye ile Dağlık Karabağ meselesinde çalışmaya devam edeceklerini söyledi."
S2 = "Lavrov, iki ülkenin çıkarları doğrultusunda diplomatların ve askeri servislerin birlikte çalıştığını belirtti."
S3 = "Bakan, Libya'daki krizin çözümü için de ortak bir çalışma yürütüldüğünü ifade etti."
PARAGRAPH = f"{S1} {S2} {S3}"


def run(texts: list[str], **options) -> tuple:
    docs = [Document(f"d{i}.txt", t) for i, t in enumerate(texts)]
    det = detect(docs, ScanConfig(**options))
    return det, list(output_texts(det))


def removed_lines(det) -> dict[tuple[int, int], str]:
    return {(m.doc, m.block): m.match for c in det.clusters for m in c.members[1:]}


# --------------------------------------------------------------------------- fragments


def test_a_truncated_copy_read_first_goes_and_the_full_paragraph_stays():
    det, out = run([f"{S1} {S2}\n", f"{PARAGRAPH}\n"])
    assert removed_lines(det) == {(0, 0): "contained"}
    assert out[1] == f"{PARAGRAPH}\n" and S1 not in out[0]
    (cluster,) = det.clusters
    assert cluster.kind == "partial" and cluster.canonical.doc == 1
    assert cluster.members[1].similarity == 1.0


def test_the_old_behaviour_with_containment_off_loses_the_end_of_the_paragraph():
    det, out = run([f"{S1} {S2}\n", f"{PARAGRAPH}\n"], containment=0)
    assert S3 not in "".join(out)  # the reason partial copies exist: keep-first took the full paragraph out


def test_a_split_paragraph_goes_in_favour_of_the_unsplit_one():
    det, out = run([f"{PARAGRAPH}\n", f"{S1}\n{S2} {S3}\n"])
    assert removed_lines(det) == {(1, 0): "contained", (1, 1): "contained"}
    assert out[0] == f"{PARAGRAPH}\n" and out[1] == ""


def test_the_parts_of_a_merged_line_go_and_the_merged_line_stays():
    det, out = run([f"{S1}\n{S2}\n", f"Giriş cümlesi burada duruyor ve uzun.\n{S1} {S2}\n"])
    assert removed_lines(det) == {(0, 0): "contained", (0, 1): "contained"}
    assert f"{S1} {S2}" in out[1]


def test_a_short_line_inside_a_paragraph_is_not_a_copy_of_it():
    name = "Sergey Lavrov, Türkiye ile"  # a phrase, under 40 characters
    det, _ = run([f"{name}\n", f"{PARAGRAPH}\n"])
    assert removed_lines(det) == {}


def test_an_edited_word_is_a_near_copy_for_the_keep_policy_not_a_fragment():
    edited = PARAGRAPH.replace("birlikte", "beraber")
    det, _ = run([f"{edited}\n", f"{PARAGRAPH}\n"])
    assert removed_lines(det) == {(1, 0): "near"}  # the first copy is kept


# --------------------------------------------------------------------------- tags


HEADLINE = "Lavrov: NATO'nun genişlemesi cevapsız kalmayacak"


def test_a_tagged_headline_goes_in_favour_of_the_untagged_one_even_when_read_first():
    texts = [f"SON DAKİKA: {HEADLINE}\n", f"{HEADLINE}\n", f"{HEADLINE} - Gündem Haber\n", "SON DAKİKA: Başka bir haberin başlığı burada yer alıyor\n"]
    det, out = run(texts)
    assert removed_lines(det) == {(0, 0): "tagged", (2, 0): "tagged"}
    assert out[1] == f"{HEADLINE}\n"


def test_without_tags_the_tagged_line_is_just_the_fuller_one():
    det, _ = run([f"SON DAKİKA: {HEADLINE}\n", f"{HEADLINE}\n"], tags=False)
    assert removed_lines(det) == {(1, 0): "contained"}


def test_a_speaker_named_once_is_no_tag():
    assert not capital_tag(f"Erdoğan: {HEADLINE}", HEADLINE, suffix=False)
    assert capital_tag(f"BREAKING: {HEADLINE}", HEADLINE, suffix=False) and capital_tag(f"{HEADLINE} | World News", HEADLINE, suffix=True)
    assert not capital_tag(f"UN: {HEADLINE} - talks resume on Monday", f"UN: {HEADLINE}", suffix=True)
    assert tag_affix(normalize(HEADLINE), normalize(f"SON DAKİKA | {HEADLINE}"), f"SON DAKİKA | {HEADLINE}") == "son dakika"
    assert tag_affix(normalize(HEADLINE), normalize(f"{HEADLINE} ve dahası"), f"{HEADLINE} ve dahası") is None  # no separator
    assert tag_shapes(f"FLAŞ: {HEADLINE}")[0] == "flas"
    assert tag_shapes(f"{HEADLINE} - Gündem Haber") == ["lavrov", "gundem haber"]


# --------------------------------------------------------------------------- facts


WEATHER = ["Karaman'da bugün hava rüzgarlı, en yüksek 8 derece", "Diyarbakır'da bugün hava rüzgarlı, en yüksek 8 derece"]
CASUALTIES = ["Kazada 12 kişi yaralandı, 3 kişi hayatını kaybetti", "Kazada 15 kişi yaralandı, 3 kişi hayatını kaybetti"]


def test_templated_lines_that_replace_a_fact_stay():
    for pair in (WEATHER, CASUALTIES):
        det, _ = run([f"{pair[0]}\n", f"{pair[1]}\n"])
        assert removed_lines(det) == {}, pair
        det, _ = run([f"{pair[0]}\n", f"{pair[1]}\n"], facts=False)
        assert removed_lines(det) == {(1, 0): "near"}, pair


def test_a_long_paragraph_with_one_number_updated_is_a_near_copy():
    long = PARAGRAPH + " Kazada 12 kişi yaralandı ve yaralılar çevredeki hastanelere kaldırıldı."
    det, _ = run([f"{long}\n", f"{long.replace('12', '15')}\n"])
    assert removed_lines(det) == {(1, 0): "near"}


def test_an_added_agency_name_or_a_misspelt_name_is_no_other_fact():
    a = facts_of(normalize(S1), S1)
    tagged = "AFP - " + S1
    assert not differing_facts(a, facts_of(normalize(tagged), tagged))[0]
    typo = S1.replace("Lavrov", "Lavrob")
    assert not differing_facts(a, facts_of(normalize(typo), typo))[0]
    other = S1.replace("Lavrov", "Çavuşoğlu").replace("Sergey", "Mevlüt")
    assert differing_facts(a, facts_of(normalize(other), other))[0]


# --------------------------------------------------------------------------- menu runs


PROVINCES = ["Adana", "Adıyaman", "Afyonkarahisar", "Ağrı", "Amasya", "Ankara", "Antalya", "Artvin"]


def test_a_repeated_menu_goes_as_a_run_and_a_lone_dateline_stays():
    menu = "\n".join(PROVINCES)
    texts = [f"{menu}\n{S1}\n", f"{menu}\n{S2}\n", f"Ankara\n{S3}\n"]
    det, out = run(texts)
    removed = removed_lines(det)
    assert removed == {(1, b): "run" for b in range(len(PROVINCES))}
    assert out[1] == f"{S2}\n" and out[2] == texts[2] and out[0] == texts[0]
    (cluster,) = det.clusters
    assert cluster.kind == "run" and cluster.scope == "across"
    det, _ = run(texts, min_run=0)
    assert removed_lines(det) == {}


def test_a_run_shorter_than_min_run_stays():
    menu = "\n".join(PROVINCES[:4])
    det, _ = run([f"{menu}\n{S1}\n", f"{menu}\n{S2}\n"])
    assert removed_lines(det) == {}
    det, _ = run([f"{menu}\n{S1}\n", f"{menu}\n{S2}\n"], min_run=4)
    assert len(removed_lines(det)) == 4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), max_size=14), min_size=1, max_size=6), st.integers(2, 5))
def test_every_run_line_removed_repeats_a_kept_earlier_line(docs, min_run):
    """On any corpus of short lines (keys 1..7; 0 marks a compared block), every
    removed block repeats, key for key, a block that is kept and comes earlier."""
    keys = np.array([k for d in docs for k in d], dtype=np.uint64)
    doc_of = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    runs = find_runs(keys, doc_of, np.arange(len(docs)), min_run)
    removed = set(runs.blocks.tolist())
    for b, s in zip(runs.blocks.tolist(), runs.source.tolist()):
        assert keys[b] == keys[s] != 0
        assert s not in removed and s < b
    # a removed block lies in a window of min_run short blocks of one document
    for b in removed:
        assert any(
            all(0 <= i < len(keys) and keys[i] != 0 and doc_of[i] == doc_of[b] for i in range(start, start + min_run))
            for start in range(b - min_run + 1, b + 1)
        )


# --------------------------------------------------------------------------- the filter


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcde fgh", min_size=23, max_size=60), st.text(alphabet="xyz ab", max_size=40), st.text(alphabet="pqr ab", max_size=40))
def test_texts_sharing_a_stretch_of_23_characters_share_a_fingerprint(shared, before, after):
    """Winnowing's guarantee, in both engines: a stretch of 16 + WINDOW - 1 normalized
    characters in two texts gives them a common fingerprint."""
    texts = [shared, before + shared + after]
    flat, sizes = shingle_hashes(texts)
    for native in (True, False):
        fp = Fingerprints.of(flat, sizes, [len(t) for t in texts], native=native)
        a, b = (set(fp.vals[lo:hi].tolist()) for lo, hi in zip(fp.ptr[:-1], fp.ptr[1:]))
        assert a & b


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdefgh ijk", max_size=80), min_size=1, max_size=8))
def test_the_compiled_and_numpy_fingerprints_agree(texts):
    texts = [t for t in texts if t] or ["x"]
    flat, sizes = shingle_hashes(texts)
    native = Fingerprints.of(flat, sizes, [len(t) for t in texts])
    plain = Fingerprints.of(flat, sizes, [len(t) for t in texts], native=False)
    for fp in (native, plain):
        assert len(fp) == len(texts)
    assert [set(native.vals[lo:hi].tolist()) for lo, hi in zip(native.ptr[:-1], native.ptr[1:])] == [
        set(plain.vals[lo:hi].tolist()) for lo, hi in zip(plain.ptr[:-1], plain.ptr[1:])
    ]


def test_a_fragment_is_a_candidate_of_its_fuller_text_and_common_phrasing_no_copy():
    common = "rusya disisleri bakani sergey lavrov"
    texts = [normalize(PARAGRAPH), normalize(f"{S1} {S2}"), normalize(S3)]
    texts += [f"{common} dedi ve {chr(97 + i) * 4} konusunda {chr(97 + i) * 6} ekledi" for i in range(20)]  # one phrase, 20 texts
    flat, sizes = shingle_hashes(texts)
    fp = Fingerprints.of(flat, sizes, [len(t) for t in texts])
    found = {tuple(p) for p in candidates(fp, np.ones(len(texts), dtype=bool)).tolist()}
    assert {(0, 1), (0, 2)} <= found
    # Texts sharing only a common phrase may meet as candidates, but none is a copy.
    det = detect([Document(f"d{i}.txt", t) for i, t in enumerate(texts[3:])], ScanConfig())
    assert det.clusters == []
    assert (0, 1) not in {tuple(p) for p in candidates(fp, np.array([False, True] + [True] * (len(texts) - 2))).tolist()}


def test_fingerprints_split_and_joined_stay_the_same():
    texts = [normalize(t) for t in (PARAGRAPH, S1, S2, S3, HEADLINE)]
    flat, sizes = shingle_hashes(texts)
    whole = Fingerprints.of(flat, sizes, [len(t) for t in texts])
    rows = [3, 0, 4]
    part = whole.take(rows)
    again = Fingerprints.concat([whole.take([r]) for r in rows])
    for f in ("counts", "vals", "chars"):
        assert np.array_equal(getattr(part, f), getattr(again, f))


def test_is_fragment_needs_the_fuller_text_to_add_more_than_it_lacks():
    assert is_fragment(100, 100, 200, 0.95)  # wholly inside
    assert is_fragment(100, 100, 101, 0.95)  # inside, one shingle more
    assert not is_fragment(97, 100, 103, 0.95)  # an edited word: 3 own each
    assert is_fragment(97, 100, 130, 0.95)
    assert not is_fragment(90, 100, 300, 0.95)  # 10 % of it is elsewhere
    assert not is_fragment(100, 100, 100, 0.95)  # the same set


# --------------------------------------------------------------------------- the report


def test_the_report_says_why_each_partial_copy_went(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    menu = "\n".join(PROVINCES)
    (src / "a.txt").write_text(f"{menu}\n{S1} {S2}\nSON DAKİKA: {HEADLINE}\n", encoding="utf-8")
    (src / "b.txt").write_text(f"{menu}\n{PARAGRAPH}\n{HEADLINE}\nSON DAKİKA: Başka bir haberin başlığı burada\n", encoding="utf-8")
    result = scan([src], tmp_path / "out", ScanConfig())
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert result.report["summary"] == report["summary"]
    s = report["summary"]
    assert s["removed_by_match"] == {"exact": 0, "near": 0, "contained": 1, "tagged": 1, "run": len(PROVINCES)}
    assert s["clusters_by_kind"] == {"exact": 0, "near": 0, "partial": 2, "run": 1}
    p = report["parameters"]
    assert (p["containment"], p["tags"], p["facts"], p["min_run"]) == (0.95, True, True, 5)
    assert p["partial_copies"]["min_fragment_chars"] == 40
    by_match = {m["match"]: (c, m) for c in report["clusters"] for m in c["members"]}
    c, m = by_match["contained"]
    assert m["document"] == "a.txt" and m["line"] == len(PROVINCES) + 1 and c["canonical"]["document"] == "b.txt"
    c, m = by_match["tagged"]
    assert m["preview"].startswith("SON DAKİKA") and c["members"][0]["preview"] == HEADLINE
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "contained 1" in md and "| removed | tagged |" in md


# --------------------------------------------------------------------------- the switches


def _cli_corpus(root):
    src = root / "in"
    src.mkdir()
    menu = "\n".join(PROVINCES)
    (src / "a.txt").write_text(f"{menu}\n{S1} {S2}\n", encoding="utf-8")
    (src / "b.txt").write_text(f"{menu}\n{PARAGRAPH}\n", encoding="utf-8")
    return src


def _removed_by_match(out) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]["removed_by_match"]


def test_each_rule_is_switched_off_on_the_command_line_and_in_a_config_file(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dedup.cli import app

    runner = CliRunner()
    src = _cli_corpus(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "on"), "-q"])
    assert result.exit_code == 0, result.output
    assert _removed_by_match(tmp_path / "on") == {"exact": 0, "near": 0, "contained": 1, "tagged": 0, "run": len(PROVINCES)}
    result = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "off"), "-q", "--containment", "0", "--min-run", "0"])
    assert result.exit_code == 0, result.output
    assert _removed_by_match(tmp_path / "off")["contained"] == 0 and _removed_by_match(tmp_path / "off")["run"] == 0
    (tmp_path / "dedup.toml").write_text("containment = 0\nmin-run = 0\ntags = false\nfacts = false\n", encoding="utf-8")
    result = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "toml"), "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "toml" / "report.json").read_text(encoding="utf-8"))
    p = report["parameters"]
    assert (p["containment"], p["min_run"], p["tags"], p["facts"]) == (0, 0, False, False)
    (tmp_path / "dedup.toml").write_text('tags = "no"\n', encoding="utf-8")
    result = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "bad"), "-q"])
    assert result.exit_code == 2 and "tags" in result.output
    (tmp_path / "dedup.toml").unlink()
    for option, value in (("--containment", "0.3"), ("--containment", "1.5"), ("--min-run", "1")):
        result = runner.invoke(app, ["scan", str(src), "--out", str(tmp_path / "x"), option, value])
        assert result.exit_code == 2 and option in result.output, (option, value, result.output)


# --------------------------------------------------------------------------- found in review


def test_a_fuller_line_with_another_number_is_no_container_of_the_first():
    a = (
        "The devastating thunderstorm killed 12 residents throughout the coastal settlements "
        "surrounding the northern river delta overnight, authorities confirmed."
    )
    b = a.replace("12", "15") + " Many more were injured."
    det, _ = run([a + "\n", b + "\n"])
    assert removed_lines(det) == {}


def test_capitals_before_a_line_make_no_tag_of_words_after_it():
    a = "UN: Ceasefire agreed in the north of the country"
    det, out = run([a + "\n", a + " - talks resume on Monday\n"])
    assert "talks resume on Monday" in "".join(out)
    assert removed_lines(det) == {(0, 0): "contained"}


def test_a_fragment_is_found_whatever_else_the_corpus_holds():
    m = "The central bank will announce its interest rate decision on Thursday."
    z = "Students started the new school year with great excitement and joy."
    x, y = " ".join([m] * 3), f"{z} {m} {m}"
    for texts in ([x, y], [x, y, z]):
        det, _ = run([t + "\n" for t in texts])
        assert removed_lines(det).get((0, 0)) == "contained", texts


def test_the_engines_find_the_same_fragments():
    phrase = "the harbour council met again on monday, "
    a = (phrase * 20).strip()
    b = a + " " + " ".join(f"and the mayor said item {w} of the plan for ferries number {w * 7} was approved after long debate." for w in range(12))
    results = [removed_lines(run([a + "\n", b + "\n"], minhash_engine=engine)[0]) for engine in ("auto", "numpy")]
    assert results[0] == results[1]


def test_a_short_pair_under_a_one_off_tag_does_not_depend_on_the_order():
    a, b = "Local team wins the cup final again", "Local team wins the cup final again - say fans"
    first, _ = run([a + "\n", b + "\n"])
    second, _ = run([b + "\n", a + "\n"])
    assert removed_lines(first) == {(0, 0): "contained"} and removed_lines(second) == {(1, 0): "contained"}


def test_a_second_scan_reads_the_same_capitals_as_the_first():
    """The rules read a text's capitals from the block the keep policy keeps, so the
    output scanned again gives the same verdict (an upper-case copy read first used to
    decide the first scan, the kept mixed-case one the second)."""
    docs = [
        Document("d1.txt", "DIŞİŞLERİ BAKANI ANKARA'DA BASIN TOPLANTISI DÜZENLEDİ\n", order=1),
        Document("d2.txt", "DIŞİŞLERİ BAKANI ANKARA'DA BASIN TOPLANTISI DÜZENLEYECEK\n", order=2),
        Document("d3.txt", "Dışişleri Bakanı Ankara’da basın toplantısı düzenledi\n", order=3, date="2023-01-05"),
    ]
    cfg = ScanConfig(shingle="char", ngram=2, threshold=0.5, min_chars=5, keep="earliest", containment=0, tags=False, min_run=0)
    outputs = output_texts(detect(docs, cfg))
    again = detect([Document(d.id, out, order=d.order, date=d.date) for d, out in zip(docs, outputs)], cfg)
    assert again.clusters == []

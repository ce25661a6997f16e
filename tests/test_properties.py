"""Properties over generated small corpora: documents made of lines drawn from a small
pool of sentences, typed in different ways (case, Turkish letters or their ASCII
stand-ins, apostrophes, padding), with blank lines, CRLF and lone CR breaks, and
duplicates within and across documents."""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections import Counter
from pathlib import Path

from conftest import assert_cut_from, max_break_run
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Document, ScanConfig, detect, scan
from dedup.normalize import normalize, weighted_length
from dedup.plan import output_texts
from dedup.report import build_report
from dedup.shingle import jaccard, shingle_sets
from dedup.split import split
from dedup.tuning import Tuning

PROPS = settings(max_examples=40, deadline=None)

# Mutually unrelated sentences (pairwise Jaccard far below any threshold used here).
BASE = [
    "Dışişleri Bakanı Ankara'da basın toplantısı düzenledi",
    "Merkez Bankası faiz kararını perşembe günü açıklayacak",
    "İstanbul'da yarın kuvvetli yağış ve fırtına bekleniyor",
    "Milli takım hazırlık maçında rakibini üç golle yendi",
    "Öğrenciler yeni eğitim yılına büyük heyecanla başladı",
    "Şirketin ihracat geliri geçen yıla göre yüzde on arttı",
    "NATO’nun genişlemesi konusunda yeni açıklamalar geldi",
    "Çiftçiler kuraklık nedeniyle destek talep ediyor",
]
# Near duplicates of BASE[0], BASE[1], BASE[6]; NEAR[0] ~ NEAR[1] ~ BASE[0] form a chain
# at 0.7 (BASE[0] and NEAR[1] are not alike).
NEAR = [
    "Dışişleri Bakanı Ankara'da basın toplantısı düzenleyecek",
    "Dışişleri Bakanı Ankara'da geniş basın toplantısı düzenleyecek",
    "Merkez Bankası yeni faiz kararını perşembe günü açıklayacak",
    "NATO’nun genişlemesi konusunda yeni açıklamalar geldi mi",
]
SHORT = ["A+ A-", "-", "İstanbul", "Paylaş", "Yorum yap"]
# Partial copies: BASE[3] and BASE[4] lie inside MERGED; TAGGED are BASE[5] and BASE[7]
# under one recurring tag; NUMBERS state different facts.
MERGED = [BASE[3] + ". " + BASE[4] + "."]
TAGGED = ["SON DAKİKA: " + BASE[5], "SON DAKİKA: " + BASE[7]]
NUMBERS = ["Kazada 12 kişi yaralandı, 3 kişi öldü", "Kazada 15 kişi yaralandı, 3 kişi öldü"]
PARTIAL = MERGED + TAGGED + NUMBERS

_ASCII = str.maketrans("ıİşŞçÇğĞöÖüÜ", "iIsScCgGoOuU")
_APOS = str.maketrans({"'": "’", "’": "'"})

TRANSFORMS = {
    "same": lambda s: s,
    "upper": str.upper,
    "lower": str.lower,
    "turkish upper": lambda s: s.replace("i", "İ").replace("ı", "I").upper(),
    "ascii": lambda s: s.translate(_ASCII),
    "ascii upper": lambda s: s.translate(_ASCII).upper(),
    "apostrophe": lambda s: s.translate(_APOS),
    "padded": lambda s: f"  \t{s} ",
    "punctuated": lambda s: f"“{s}.”",
}
SEPARATORS = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\n \n", "\n\n\n", "\r\r"]
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def test_pool_is_what_the_properties_assume():
    norms = [normalize(s) for s in BASE + NEAR]
    sets = shingle_sets(norms)
    for i, j in itertools.combinations(range(len(BASE)), 2):
        assert jaccard(sets[i], sets[j]) < 0.3
    for s in BASE + NEAR + SHORT:
        assert len({normalize(t(s)) for t in TRANSFORMS.values()}) == 1, s
    for s in SHORT:
        assert weighted_length(normalize(s)) < 20
    near = [jaccard(sets[0], sets[8]), jaccard(sets[8], sets[9]), jaccard(sets[0], sets[9])]
    assert near[0] >= 0.7 and near[1] >= 0.7 and near[2] < 0.7


@st.composite
def lines(draw, pool):
    text = draw(st.sampled_from(pool))
    return TRANSFORMS[draw(st.sampled_from(sorted(TRANSFORMS)))](text)


@st.composite
def document_text(draw, pool, header=None):
    body = draw(st.lists(lines(pool), max_size=8))
    seps = [draw(st.sampled_from(SEPARATORS)) for _ in body]
    text = draw(st.sampled_from(["", "", "\n", "\r\n\r\n"]))
    if header is not None:
        text += f"date {header}" + draw(st.sampled_from(["\n", "\r\n", " "]))
    for line, sep in zip(body, seps):
        text += line + sep
    if seps and draw(st.booleans()):
        text = text[: -len(seps[-1])]  # no final line break
    return text


@st.composite
def corpus(draw, pool=BASE + NEAR + SHORT + PARTIAL, dated=False, max_docs=4):
    n = draw(st.integers(1, max_docs))
    if dated:
        days = draw(st.permutations(range(1, 29)))[:n]
        dates = [f"2024-02-{d:02d}" for d in days]
    else:
        dates = [draw(st.one_of(st.none(), st.sampled_from(["2023-01-05", "2023-07-01", "2024-12-31"]))) for _ in range(n)]
    texts = [draw(document_text(pool, header=draw(st.sampled_from([None, d])) if d else None)) for d in dates]
    return [Document(f"doc{i}.txt", t, order=i, date=d) for i, (t, d) in enumerate(zip(texts, dates))]


@st.composite
def config(draw):
    return ScanConfig(
        unit=draw(st.sampled_from(["line", "paragraph"])),
        threshold=draw(st.sampled_from([0.5, 0.7, 0.85])),
        min_chars=draw(st.sampled_from([5, 20, 40])),
        keep=draw(st.sampled_from(["first", "longest", "earliest"])),
        shingle=draw(st.sampled_from(["char", "char", "word"])),
        ngram=draw(st.sampled_from([2, 3, 5])),
        containment=draw(st.sampled_from([0.0, 0.95, 0.8])),
        tags=draw(st.booleans()),
        facts=draw(st.booleans()),
        min_run=draw(st.sampled_from([0, 2, 3, 5])),
    )


def py_containment(a: str, b: str, kind: str, n: int) -> float:
    """The share of a's shingles that are in b."""
    ga, gb = py_grams(a, kind, n), py_grams(b, kind, n)
    return len(ga & gb) / len(ga)


def py_grams(t: str, kind: str, n: int) -> set[str]:
    if kind == "char":
        return {t} if len(t) < n else {t[i : i + n] for i in range(len(t) - n + 1)}
    w = t.split()
    return {" ".join(w)} if len(w) <= n else {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def block_text(doc: Document, block) -> str:
    return doc.text[block.start : block.end]


def py_jaccard(a: str, b: str, kind: str, n: int) -> float:
    ga, gb = py_grams(a, kind, n), py_grams(b, kind, n)
    return len(ga & gb) / len(ga | gb)


def reorder(docs: list[Document], perm) -> list[Document]:
    return [Document(docs[i].id, docs[i].text, order=k, date=docs[i].date) for k, i in enumerate(perm)]


# --------------------------------------------------------------------------- the output


@PROPS
@given(corpus(), config())
def test_kept_text_is_byte_identical(docs, cfg):
    det = detect(docs, cfg)
    outputs = output_texts(det)
    assert len(outputs) == len(docs)  # every document has an output
    for d, (doc, out) in enumerate(zip(docs, outputs)):
        blocks = det.blocks[d]
        kept = [b for b in blocks if b.index not in det.removed[d]]
        # Every kept block, unchanged, in order; nothing else is a block.
        assert [out[b.start : b.end] for b in split(out, cfg.unit)] == [block_text(doc, b) for b in kept]
        if not det.removed[d]:
            assert out == doc.text
            continue
        if not kept:
            assert split(out, cfg.unit) == []
            assert out.strip() == doc.text[: blocks[0].seg_start].strip()  # a date header stays
            assert max_break_run(out) <= max_break_run(doc.text)
            continue
        assert_cut_from(doc.text, blocks, kept, out)
        assert max_break_run(out) <= max_break_run(doc.text)  # no doubled blank line


@PROPS
@given(corpus(), config())
def test_characters_add_up(docs, cfg):
    det = detect(docs, cfg)
    outputs = output_texts(det)
    report = build_report(det, cfg, outputs, [d.id for d in docs])
    rows = report["documents"]
    assert [r["id"] for r in rows] == [d.id for d in docs]
    for row, doc, out in zip(rows, docs, outputs):
        assert row["input_chars"] == len(doc.text)
        assert row["output_chars"] == len(out)
        assert row["input_chars"] == row["output_chars"] + row["removed_chars"]
        assert row["removed_blocks"] == sum(1 for c in report["clusters"] for m in c["members"] if m["document"] == doc.id and m["action"] == "removed")
    s = report["summary"]
    assert s["input_chars"] == s["output_chars"] + s["removed_chars"]
    assert s["input_chars"] == sum(len(d.text) for d in docs)
    assert s["output_chars"] == sum(len(o) for o in outputs)
    assert s["removed_blocks"] == sum(r["removed_blocks"] for r in rows) == sum(c["size"] - 1 for c in report["clusters"])
    assert s["duplicate_blocks"] == sum(c["size"] for c in report["clusters"])
    assert s["blocks"] == s["short_blocks"] + s["compared_blocks"]


@PROPS
@given(corpus(), config())
def test_scanning_the_output_again_finds_nothing(docs, cfg):
    outputs = output_texts(detect(docs, cfg))
    again = detect([Document(d.id, out, order=d.order, date=d.date) for d, out in zip(docs, outputs)], cfg)
    assert again.clusters == []
    assert all(not r for r in again.removed)


@PROPS
@given(corpus(), config())
def test_short_blocks_are_never_removed(docs, cfg):
    det = detect(docs, cfg)
    short = 0
    for d, doc in enumerate(docs):
        for b in det.blocks[d]:
            length = weighted_length(normalize(block_text(doc, b)))
            if length < cfg.min_chars:
                short += 1
                # Never compared alone: removed only as part of a repeated run.
                members = [m for c in det.clusters for m in c.members if (m.doc, m.block) == (d, b.index)]
                assert all(m.match in ("run", "canonical") for m in members)
                assert (b.index in det.removed[d]) == any(m.match == "run" for m in members)
                if cfg.min_run == 0:
                    assert not members
    assert det.short_blocks == short


@PROPS
@given(corpus(), config())
def test_every_member_is_verified_similar_to_the_canonical(docs, cfg):
    """Every removed block was verified against the block it names (the canonical one,
    or ``via``): a near copy by its Jaccard similarity, a fragment by its containment,
    a tagged copy by the containment of the bare text in it, a run line by its text."""
    det = detect(docs, cfg)

    def norm_of(doc: int, block: int) -> str:
        return normalize(block_text(docs[doc], det.blocks[doc][block]))

    for c in det.clusters:
        canon = c.canonical
        assert canon.match == "canonical"
        canon_norm = norm_of(canon.doc, canon.block)
        assert len(c.members) >= 2
        for m in c.members[1:]:
            norm = norm_of(m.doc, m.block)
            matched = norm_of(*m.via) if m.via is not None else canon_norm
            if m.match in ("exact", "run"):
                assert norm == matched and m.similarity == 1.0
            elif m.match == "near":
                assert norm != matched
                true = py_jaccard(matched, norm, cfg.shingle, cfg.ngram)
                assert abs(m.similarity - true) < 1e-9
                assert m.similarity >= cfg.threshold
            elif m.match == "contained":
                true = py_containment(norm, matched, cfg.shingle, cfg.ngram)
                assert abs(m.similarity - true) < 1e-9 and true >= cfg.containment > 0
                ga, gb = py_grams(norm, cfg.shingle, cfg.ngram), py_grams(matched, cfg.shingle, cfg.ngram)
                assert len(gb - ga) >= max(1, 3 * len(ga - gb))  # the kept one is fuller
            else:
                assert m.match == "tagged" and cfg.tags and cfg.containment
                assert abs(m.similarity - py_containment(matched, norm, cfg.shingle, cfg.ngram)) < 1e-9
                assert len(norm) > len(matched)
        matches = {m.match for m in c.members[1:]}
        if "run" in matches:
            assert c.kind == "run" and matches == {"run"}
        else:
            assert c.kind == ("partial" if matches & {"contained", "tagged"} else "near" if "near" in matches else "exact")
        assert c.scope == ("within" if len({m.doc for m in c.members}) == 1 else "across")
        # Removed = every member but the canonical copy.
        for m in c.members[1:]:
            assert m.block in det.removed[m.doc]
        assert canon.block not in det.removed[canon.doc]
    assert sum(len(r) for r in det.removed) == sum(len(c.members) - 1 for c in det.clusters)


def _policy(cfg: ScanConfig, docs, det, m) -> tuple:
    doc = docs[m.doc]
    b = det.blocks[m.doc][m.block]
    if cfg.keep == "longest":
        return (-(b.end - b.start), doc.order, b.index)
    if cfg.keep == "earliest":
        return ((0, doc.date) if doc.date else (1, ""), doc.order, b.index)
    return (doc.order, b.index)


@PROPS
@given(corpus(), config())
def test_the_kept_copy_follows_the_keep_policy(docs, cfg):
    """Exact and near copies follow the keep policy; fragments and tagged copies go
    whatever it says (the fuller, or the untagged, text stays)."""
    det = detect(docs, cfg)
    for c in det.clusters:
        canon = _policy(cfg, docs, det, c.canonical)
        assert all(canon < _policy(cfg, docs, det, m) for m in c.members[1:] if m.match in ("exact", "near") and m.via is None)


# --------------------------------------------------------------------------- order and batches


@PROPS
@given(corpus(dated=True), config().map(lambda c: c.replace(keep="earliest")), st.randoms(use_true_random=False))
def test_earliest_with_distinct_dates_does_not_depend_on_document_order(docs, cfg, rnd):
    perm = list(range(len(docs)))
    rnd.shuffle(perm)
    a = detect(docs, cfg)
    b = detect(reorder(docs, perm), cfg)
    out_a = dict(zip((d.id for d in docs), output_texts(a)))
    out_b = dict(zip((docs[i].id for i in perm), output_texts(b)))
    assert out_a == out_b

    def clusters(det):
        return {
            (det.documents[c.canonical.doc].id, c.canonical.block, frozenset((det.documents[m.doc].id, m.block) for m in c.members))
            for c in det.clusters
        }

    assert clusters(a) == clusters(b)


@PROPS
@given(
    corpus(pool=BASE + SHORT, max_docs=5),
    # Line blocks: a paragraph of two pool lines would be a near copy of each line.
    # Runs off: which window of a run repeats an earlier one depends on the order.
    config().map(lambda c: c.replace(unit="line", threshold=max(c.threshold, 0.7), ngram=5, min_run=0)),
    st.randoms(use_true_random=False),
)
def test_document_order_only_changes_which_exact_copy_is_kept(docs, cfg, rnd):
    """With exact duplicates only, the order of the documents decides which copy is
    kept, never how many blocks go or which texts survive."""
    perm = list(range(len(docs)))
    rnd.shuffle(perm)
    a = detect(docs, cfg)
    b = detect(reorder(docs, perm), cfg)
    assert all(c.kind == "exact" for c in a.clusters + b.clusters)
    assert len(a.clusters) == len(b.clusters)
    assert sum(map(len, a.removed)) == sum(map(len, b.removed))
    assert a.short_blocks == b.short_blocks

    def surviving(det):
        return Counter(
            normalize(block_text(doc, blk))
            for doc, blocks, removed in zip(det.documents, det.blocks, det.removed)
            for blk in blocks
            if blk.index not in removed
        )

    assert surviving(a) == surviving(b)


@settings(max_examples=25, deadline=None)
@given(corpus(max_docs=5), config())
def test_batching_does_not_change_the_result(docs, cfg):
    whole = detect(docs, cfg)
    split_up = detect(docs, cfg, tuning=Tuning(batch_docs=1))  # a batch per document
    assert split_up.clusters == whole.clusters
    assert split_up.removed == whole.removed
    assert split_up.stats == whole.stats


#: Every size of the detection at its smallest: one document per batch, one candidate
#: per chunk, one shingle set and one signature row kept in memory.
TINY = Tuning(batch_chars=1, batch_docs=1, worker_keys=1, spill_cache_rows=1, lsh_chunk=1, verify_chunk=1, shingle_ahead=1, shingle_cache=1)


@settings(max_examples=25, deadline=None)
@given(corpus(max_docs=5), config())
def test_tuning_does_not_change_the_result(docs, cfg):
    whole = detect(docs, cfg)
    tiny = detect(docs, cfg, tuning=TINY)
    assert tiny.clusters == whole.clusters
    assert tiny.removed == whole.removed
    assert tiny.stats == whole.stats


# --------------------------------------------------------------------------- on disk


@settings(max_examples=15, deadline=None)
@given(corpus(max_docs=3), config(), st.booleans())
def test_scan_on_disk(docs, cfg, as_jsonl):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "in"
        folder.mkdir()
        if as_jsonl:
            data = "".join(json.dumps({"id": d.id, "text": d.text, "n": i}, ensure_ascii=False) + "\n" for i, d in enumerate(docs))
            (folder / "all.jsonl").write_bytes(data.encode("utf-8"))
        else:
            for d in docs:
                (folder / d.id).write_bytes(d.text.encode("utf-8"))
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        result = scan([folder], root / "out", cfg)
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
        report = json.loads((root / "out" / "report.json").read_bytes())
        assert [r["id"] for r in report["documents"]] == [d.id for d in docs]
        if as_jsonl:
            records = [json.loads(x) for x in (root / "out" / "all.jsonl").read_bytes().decode("utf-8").split("\n") if x]
            assert [r["id"] for r in records] == [d.id for d in docs]
            assert [r["n"] for r in records] == list(range(len(docs)))
            outs = [r["text"] for r in records]
        else:
            outs = [(root / "out" / d.id).read_bytes().decode("utf-8") for d in docs]
        assert outs == result.outputs
        for row, out in zip(report["documents"], outs):
            assert row["output_chars"] == len(out)
            assert row["input_chars"] == row["output_chars"] + row["removed_chars"]
        # Scanning the written documents again finds nothing to remove.
        inputs = [root / "out" / "all.jsonl"] if as_jsonl else [root / "out" / d.id for d in docs]
        again = scan(inputs, None, cfg)
        assert again.report["clusters"] == []
        assert again.outputs == outs

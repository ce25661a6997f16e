"""Locality-sensitive hashing (dedup.lsh): banding parameters, candidate pairs equal to datasketch's, the
estimate screen, large buckets, the compiled screen and threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from helpers import NATIVE, native_only, one_by_one
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import lsh
from dedup.cluster import star_clusters
from dedup.lsh import (
    LshOptions,
    band_keys,
    candidate_pairs,
    candidate_probability,
    candidates,
    choose_params,
    count_true,
)
from dedup.normalize import normalize
from dedup.shingle import jaccard, shingle_sets
from dedup.signatures import signatures
from dedup.spill import SignatureSpill

try:  # the compiled kernel's own checks are tested where it is built
    from dedup import _kernels
except ImportError:  # pragma: no cover - built wherever a C compiler is
    _kernels = None


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
    index = MinHashLSH(threshold=0.5, num_perm=num_perm, params=(bands, rows))
    hashes = [MinHash(num_perm, scheme=scheme, hashvalues=row) for row in sig]
    for i, m in enumerate(hashes):
        index.insert(i, m)
    return {(min(i, j), max(i, j)) for i, m in enumerate(hashes) for j in index.query(m) if j != i}


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
    sig, bands, rows, scheme = case
    real = lsh.band_keys
    try:
        lsh.band_keys = lambda v, *a: real(v, *a) & np.uint64((1 << key_bits) - 1)
        got = {tuple(p) for p in lsh.candidate_pairs(sig, bands, rows).tolist()}
        groups = lsh.candidates(sig, bands, rows, lsh.LshOptions(max_pair_bucket=2))
    finally:
        lsh.band_keys = real
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


def test_large_buckets_stay_groups_and_give_the_same_clusters():
    # 60 near-identical lines share every band: one group, not 1,770 explicit pairs.
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
    rng = np.random.default_rng(rows * 1000 + cols)
    eq = rng.random((rows, cols * (2 if strided else 1))) < share
    eq = eq[:, ::2] if strided else eq
    assert count_true(eq).tolist() == np.count_nonzero(eq, axis=1).tolist()


def test_sparse_large_buckets_are_screened_and_dense_ones_stay_groups():
    # 100 unrelated rows that share one band (short texts with a common phrase) make a
    # sparse bucket: its pairs are screened, none is plausible, and no group is left for
    # the clustering to estimate center by center.  60 near copies make a dense bucket
    # in every band: one group, not 1,770 pairs screened in each band.
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
    if key_bits < 64:
        real = lsh.band_keys
        monkeypatch.setattr(lsh, "band_keys", lambda v, *a: real(v, *a) & np.uint64((1 << key_bits) - 1))

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
    rng = np.random.default_rng(threads)
    sig = rng.integers(0, 2**32, size=(300, 64), dtype=np.uint64).astype(np.uint32)
    sig[100:200, :8] = sig[100, :8]
    steps = []
    with SignatureSpill(64, 16, 4) as spill:
        spill.append(sig)
        lsh.candidates(spill, 16, 4, lsh.LshOptions(minimum=0.5, threads=threads), on_band=lambda: steps.append(1))
        assert len(steps) == 16
        steps.clear()
        lsh.candidates(spill, 16, 4, lsh.LshOptions(threads=threads), on_band=lambda: steps.append(1))  # no minimum
        assert len(steps) == 16
        real = lsh.band_values

        def band_values(s, band, rows):
            if band == 2:
                raise OSError("band file gone")
            return real(s, band, rows)

        monkeypatch.setattr(lsh, "band_values", band_values)
        with pytest.raises(OSError, match="band file gone"):
            lsh.candidates(spill, 16, 4, lsh.LshOptions(minimum=0.5, threads=threads))
    assert not [t for t in threading.enumerate() if t.name.startswith("dedup-lsh")]


@native_only
@pytest.mark.parametrize("rows", [1, 3, 5, 8])
def test_native_band_keys_equal_numpy(rows):
    v = np.random.default_rng(rows).integers(0, 2**32, (5000, 12), dtype=np.uint64).astype(np.uint32)
    v[100:200] = v[0]
    for values in (v[:, :rows], v[:, 4 : 4 + rows]):  # contiguous or not
        assert np.array_equal(band_keys(values, True), band_keys(values, False))
    with pytest.raises(ValueError, match="uint32"):
        band_keys(v.astype(np.uint64)[:, :rows], True)


@native_only
def test_native_lsh_kernels_check_their_input():
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


@settings(max_examples=50, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 1.0),
    st.sampled_from([2, 1000]),
    st.booleans(),
    st.sampled_from([False, True] if NATIVE else [False]),
    st.sampled_from([1, 3]),
)
def test_candidates_filtered_by_estimate_are_exactly_the_plausible_pairs(seed, minimum, max_bucket, spilled, native, threads):
    # LSH drops implausible pairs band by band, deciding most of it on the low bytes
    # and taking each pair in its first shared band only: the pairs kept and the
    # counts must be those of expanding every bucket, removing repeats and then
    # comparing full values, with the numpy screen and with the compiled one.  Rows
    # 5-9 have every low byte equal to row 0's, so the low bytes alone would take
    # wrong decisions for them.
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

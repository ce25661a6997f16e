"""MinHash signatures (dedup.signatures): datasketch's values bit for bit in every engine, the compiled kernel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS
from datasketch import MinHash
from helpers import NATIVE, native_only
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup import ScanConfig, scan
from dedup import signatures as signatures_module
from dedup.errors import UsageError
from dedup.normalize import normalize
from dedup.shingle import jaccard, shingle_sets
from dedup.signatures import permutations, signatures, signatures_flat

try:  # the compiled kernel's own checks are tested where it is built
    from dedup import _kernels
except ImportError:  # pragma: no cover - built wherever a C compiler is
    _kernels = None


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
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"]
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


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefİı ", min_size=1, max_size=300), min_size=1, max_size=30),
    st.sampled_from(["affine32", "affine64"]),
    st.integers(0, 2**31),
)
def test_numpy_engine_gives_datasketch_signatures_bit_for_bit(texts, scheme, seed):
    sets = [s for s in shingle_sets(texts, "char", 3) if len(s)]
    if not sets:
        return
    want = signatures_module.signatures(sets, 64, seed, scheme, "datasketch")
    assert np.array_equal(signatures_module.signatures_numpy(sets, 64, seed, scheme), want)
    if signatures_module.NATIVE:
        assert np.array_equal(signatures_module.signatures_numpy(sets, 64, seed, scheme, "native"), want)
    # Sets larger than a run take the piecewise path.
    assert np.array_equal(signatures_module.signatures_numpy(sets, 64, seed, scheme, run=7), want)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["affine32", "affine64", "legacy"]), st.integers(0, 2**32 - 1), st.integers(1, 300))
def test_permutations_are_datasketchs_own(scheme, seed, num_perm):
    # The affine permutations are drawn without importing datasketch (scipy makes that
    # import slow); they must be the very parameters a MinHash uses.
    a, b = permutations(num_perm, seed, scheme)
    want_a, want_b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    assert a.dtype == want_a.dtype and np.array_equal(a, want_a) and np.array_equal(b, want_b)


def test_a_scan_does_not_import_datasketch(tmp_path):
    # Startup time: the default engine needs nothing from datasketch at run time.
    code = (
        "import sys; from dedup import scan, ScanConfig; "
        f"scan([{str(SEEDS)!r}], {str(tmp_path / 'out')!r}, ScanConfig()); "
        "print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_engines_give_byte_identical_reports(tmp_path):
    engines = ["datasketch", "numpy", "auto"] + (["native"] if NATIVE else [])
    results = {e: scan([SEEDS], tmp_path / e, ScanConfig(minhash_engine=e)) for e in engines}
    for e in engines[1:]:
        for name in sorted(p.name for p in (tmp_path / "datasketch").iterdir()):
            assert (tmp_path / "datasketch" / name).read_bytes() == (tmp_path / e / name).read_bytes(), (e, name)
        assert results[e].report == results["datasketch"].report


def test_native_kernel_is_built_where_a_c_compiler_is():
    # The kernel is an optional extension: a failed build installs dedup silently
    # without it.  Where a compiler is on PATH (CI), a failed build is a bug.
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) here")
    if not Path(sysconfig.get_paths()["include"], "Python.h").is_file():
        pytest.skip("no Python headers here")

    assert NATIVE, (
        f"dedup/_kernels is not built in {Path(dedup.__file__).parent}: the tests import the source tree, "
        "so install it with `pip install -e .` (a plain `pip install .` builds the kernel into site-packages only)"
    )


@native_only
@pytest.mark.parametrize("scheme", ["affine32", "affine64"])
@pytest.mark.parametrize("num_perm", [16, 64, 100, 192])
def test_native_engine_matches_numpy_on_large_and_odd_sets(scheme, num_perm):
    # Sets larger than the kernel's chunk of 4,096 values and permutation counts that
    # are not a multiple of its tile of 64 take the kernel's other paths.
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


def test_auto_engine_falls_back_to_numpy_without_the_kernel(monkeypatch, tmp_path):
    assert signatures_module.resolve_engine("auto", "legacy") == "datasketch"
    assert signatures_module.resolve_engine("numpy", "affine32") == "numpy"
    monkeypatch.setattr(signatures_module, "NATIVE", False)
    monkeypatch.setattr(signatures_module, "_kernels", None)
    assert signatures_module.resolve_engine("auto", "affine32") == "numpy"
    sets = shingle_sets(["kernel or not, the same signatures"], "char", 5)
    assert np.array_equal(signatures_module.signatures(sets, 32, 1, "affine32", "auto"), signatures_module.signatures(sets, 32, 1, "affine32", "datasketch"))
    with pytest.raises(UsageError, match="native.*not built"):
        ScanConfig(minhash_engine="native")

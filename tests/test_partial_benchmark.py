"""The partial-copy benchmark (benchmarks/partial.py) on seeds/ alone: its labels say
what its texts are, and a seed always gives the same benchmark.  CI has no
gflanguages, so the text source is given explicitly (seeds only)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from dedup.normalize import normalize
from dedup.split import split

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def partial():
    path = ROOT / "benchmarks" / "partial.py"
    spec = importlib.util.spec_from_file_location("partial_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sources(partial):
    return partial.load_sources(udhr=False)


@pytest.fixture(scope="module")
def bench(partial, sources):
    return partial.make_benchmark(seed=3, per_case=6, sources=sources)


def test_seeds_only_source_is_turkish_from_seeds(sources):
    assert set(sources.docs) == {"tr"}
    assert sources.origin == "seeds/"
    assert sum(len(d) for d in sources.docs["tr"]) > 40
    assert sources.headlines["tr"]


def test_every_case_is_built_with_copies_and_negatives(partial, bench):
    assert set(bench.cases) == set(partial.CASES)
    for name, case in bench.cases.items():
        roles = {b["role"] for b in case.blocks.values()}
        assert "negative" in roles, name
        if name not in ("same_topic", "shared_quote"):
            assert any(g["positive"] for g in case.groups), name
            assert "copy" in roles, name


def test_labels_are_consistent(partial, bench):
    counts = partial.check(bench)
    assert counts["groups"] > 0 and counts["negatives"] > 0


def test_fragments_occur_in_their_source(bench):
    for case in bench.cases.values():
        for g in case.groups:
            if g["fuller"] is None:
                continue
            full = normalize(case.text(g["fuller"]))
            for f in g["fragments"]:
                assert normalize(case.text(f)) in full


def test_templated_negatives_differ_in_a_fact(partial, bench):
    case = bench.cases["templated"]
    negs = [k for k, b in case.blocks.items() if b["role"] == "negative"]
    assert len(negs) > 10
    facts = [tuple(partial.fact_tokens(case.text(k))) for k in negs]
    assert len(set(facts)) == len(facts)
    # and the numbers lines of the number case differ only in their number
    case = bench.cases["number_update"]
    lines = [case.text(k) for k, b in case.blocks.items() if b["kind"] == "number_line"]
    assert len(set(lines)) == len(lines) >= 2


def test_a_broken_label_is_caught(partial, sources):
    b = partial.make_benchmark(seed=3, per_case=2, sources=sources, cases=("truncate",))
    case = b.cases["truncate"]
    g = case.groups[0]
    # pretend the fuller paragraph is the fragment: no longer contained
    g["fuller"], g["fragments"] = g["fragments"][0], [g["fuller"]]
    with pytest.raises(AssertionError):
        partial.check(b)


def test_generation_is_deterministic_for_a_seed(partial, sources, bench):
    again = partial.make_benchmark(seed=3, per_case=6, sources=sources)
    assert again.labels() == bench.labels()
    assert all(again.documents(c) == bench.documents(c) for c in bench.cases)
    other = partial.make_benchmark(seed=4, per_case=6, sources=sources)
    assert other.labels() != bench.labels()


def test_written_files_match_dedup_blocks(partial, bench, tmp_path):
    out = bench.write(tmp_path / "bench")
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    for name, case in labels["cases"].items():
        keys = set()
        for doc in case["documents"]:
            text = (out / doc).read_text(encoding="utf-8")
            for b in split(text, "line"):
                keys.add(f"{doc}#{b.line}")
        assert keys == set(case["blocks"]), name
    with pytest.raises(FileExistsError):
        bench.write(out)

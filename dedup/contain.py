"""Containment: blocks that lie (nearly) wholly inside a fuller block.

A paragraph split over two lines, cut after its first sentences, extended by a
sentence, two paragraphs merged into one line, a headline under a site's tag: in each
case one block's shingles are (nearly) all inside another's, while their Jaccard
similarity can be anything from 0.1 to 0.95.  This stage finds such pairs among the
texts the near tier keeps and removes the fragment in favour of the fuller text, so no
text leaves the corpus; see docs/design-notes.md (Partial copies) for the measurements
behind each choice.

1. :class:`Fingerprints` (made in the analysis, per distinct text): winnowed hashes
   of 16-character stretches; two texts sharing 23 characters share one.
2. :func:`candidates`: pairs sharing fingerprints that few texts hold (at most
   :data:`POSTING_CAP`; more is common phrasing), at least :data:`SHARED_SHARE` of one
   side's uncommon ones (counted over the corpus, so removing copies makes no new
   candidates), and where one side holds :data:`COVERED` of all the other's.  A fragment shares stretches of text with the text it lies in; a
   line whose 5-grams only occur here and there in a long paragraph is not met.  (An
   exact filter on a sample of the 5-grams was tried first: common 5-grams made its
   postings grow with the corpus, 831 s at 100 MB, and what it found beyond shared
   stretches were such scattered matches.)
3. :func:`verify`: the exact containment ``|A ∩ B| / |A|`` of every candidate, from
   the texts' shingle sets.  A is a *fragment* of B when at least ``t`` of A is in B
   and B has shingles of its own, at least three times as many as A (:func:`is_fragment`:
   two texts differing by an edited word are near copies, for the near tier and the
   keep policy), unless the fact rule
   (:mod:`dedup.rules`) says A states a different fact.  B is a *tagged* copy of A
   when B is A with a short affix set off by a separator, and that affix stands so on
   two distinct texts of the corpus or more, or is written in capitals where A is not
   (``BREAKING:``).
4. :func:`assign`: stars without chaining, fullest first.  Tagged copies go first, in
   favour of the bare text.  Then texts are visited from the most shingles down; a text
   not yet claimed claims every fragment of it not yet claimed.  A claimed text never
   claims: each fragment is verified inside the text that keeps it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

try:  # the compiled kernels (see dedup.signatures): optional
    from . import _kernels
except ImportError:  # pragma: no cover - built without a C compiler
    _kernels = None

from .normalize import normalize
from .rules import capital_tag, differing_facts, facts_of, tag_affix
from .shingle import shingle_sets, sorted_unique

__all__ = [
    "COVERED",
    "FULLER",
    "MIN_FRAGMENT_CHARS",
    "POSTING_CAP",
    "SHARED_SHARE",
    "WINDOW",
    "Claim",
    "Edges",
    "Fingerprints",
    "assign",
    "candidates",
    "is_fragment",
    "verify",
]

_U64 = np.uint64
_LOW32 = _U64(0xFFFFFFFF)

#: A text shorter than this (normalized characters) is never taken for a fragment: a
#: name, a caption or a common phrase met inside a longer paragraph is no copy of it.
MIN_FRAGMENT_CHARS = 40

#: Winnowing window: two texts sharing 16 + WINDOW - 1 = 23 normalized characters
#: share a fingerprint.
WINDOW = 8

#: A fingerprint that more texts hold is common phrasing ("Rusya Dışişleri Bakanı
#: Sergey Lavrov"), no sign of a copy: it makes no candidates.
POSTING_CAP = 8

#: The longer text of a candidate pair holds at least this share of the shorter one's
#: fingerprints, common ones included (a fragment shares stretches of text; an edit
#: costs the fingerprints of the windows around it).
COVERED = 0.5

#: Candidates share at least this share of the shorter text's fingerprints that are
#: not common phrasing (a fragment shares all of them but those an edit touches).
SHARED_SHARE = 0.7


@dataclass
class Fingerprints:
    """The fingerprints of every text: sorted distinct 32-bit values, text ``i`` owning
    ``vals[ptr[i]:ptr[i + 1]]``; ``chars[i]``: its normalized length.

    A fingerprint is the hash of 16 consecutive normalized characters (made from the
    character 5-gram hashes at offsets 0, 5, 10 and 11), kept when it is the smallest
    of a window of :data:`WINDOW` consecutive ones (*winnowing*).  Two texts that share
    a stretch of ``16 + WINDOW - 1`` characters share a fingerprint: the stretch holds a
    whole window, whose smallest value both keep."""

    counts: np.ndarray
    vals: np.ndarray
    chars: np.ndarray

    @classmethod
    def empty(cls) -> Fingerprints:
        """No texts."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.uint32), np.zeros(0, np.int64))

    @classmethod
    def of(cls, flat: np.ndarray, sizes: np.ndarray, chars: Sequence[int] | np.ndarray, native: bool = True) -> Fingerprints:
        """The fingerprints of texts whose character 5-gram hashes are ``flat``, in
        text order (text ``i`` owns the next ``sizes[i]``, one per position), and whose
        normalized lengths are ``chars``: in the compiled kernel when it is built and
        ``native``, else in numpy (the same result)."""
        sizes = np.asarray(sizes, dtype=np.int64)
        n, g = len(sizes), len(flat)
        if native and _kernels is not None and hasattr(_kernels, "fingerprints"):
            counts = np.empty(n, dtype=np.int64)
            values = np.empty(g + n, dtype=np.uint32)
            total = _kernels.fingerprints(np.ascontiguousarray(flat, dtype=_U64), sizes, WINDOW, counts, values)
            return cls(counts, values[:total].copy(), np.asarray(chars, dtype=np.int64))
        ends = np.cumsum(sizes)
        starts = ends - sizes
        keys_per_text = np.maximum(sizes - _SPAN, 0)  # 16-character keys of each text
        owners, values = [], []
        m = g - _SPAN
        if m > 0:
            # The key at position p covers the 5-grams at p, p + 5, p + 10 and p + 11.
            with np.errstate(over="ignore"):
                key = _fmix(flat[:m] * _K1 + flat[5 : m + 5] * _K2 + flat[10 : m + 10] * _K3 + flat[_SPAN:])
            # Valid keys: those that end in the text they start in.
            runs = np.empty(2 * n, dtype=np.int64)
            runs[0::2], runs[1::2] = keys_per_text, sizes - keys_per_text
            flags = np.zeros(2 * n, dtype=bool)
            flags[0::2] = True
            valid = np.repeat(flags, runs)[:m]
            if m >= WINDOW:
                # Winnowing: the smallest key of every window of WINDOW valid keys (a
                # window of valid keys lies in one text); a window's smallest is
                # usually the next one's too: each is kept once.
                w = m - WINDOW + 1
                mins = key[:w].copy()
                for j in range(1, WINDOW):
                    np.minimum(mins, key[j : w + j], out=mins)
                filled = np.concatenate(([0], np.cumsum(valid, dtype=np.int64)))
                whole = (filled[WINDOW:] - filled[:w]) == WINDOW
                keep = whole.copy()
                keep[1:] &= (mins[1:] != mins[:-1]) | ~whole[:-1]
                at = np.flatnonzero(keep)
                owners.append(np.searchsorted(ends, at, side="right"))
                values.append(mins[at])
            # Texts with fewer keys than a window: their smallest key.
            few = np.flatnonzero((keys_per_text > 0) & (keys_per_text < WINDOW))
            if len(few):
                owners.append(few)
                values.append(_segment_min(key, starts[few], starts[few] + keys_per_text[few]))
        # Texts under 16 characters: their smallest 5-gram.
        short = np.flatnonzero((keys_per_text == 0) & (sizes > 0))
        if len(short):
            owners.append(short)
            values.append(_segment_min(flat, starts[short], ends[short]))
        if not owners:
            return cls._packed(np.zeros(0, np.int64), np.zeros(0, _U64), n, chars)
        return cls._packed(np.concatenate(owners), np.concatenate(values), n, chars)

    @classmethod
    def _packed(cls, owner: np.ndarray, value: np.ndarray, n: int, chars) -> Fingerprints:
        """Fingerprints from (text, 64-bit key) pairs: the keys' high halves, sorted
        and distinct per text."""
        packed = sorted_unique((owner.astype(_U64) << _U64(32)) | (value >> _U64(32)))
        counts = np.bincount((packed >> _U64(32)).astype(np.int64), minlength=n).astype(np.int64)
        return cls(counts, (packed & _LOW32).astype(np.uint32), np.asarray(chars, dtype=np.int64))

    @classmethod
    def concat(cls, parts: Sequence[Fingerprints]) -> Fingerprints:
        """The fingerprints of ``parts`` one after the other."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("counts", "vals", "chars")))

    @property
    def ptr(self) -> np.ndarray:
        """Offsets of each text's values (one more than there are texts)."""
        return np.concatenate(([0], np.cumsum(self.counts)))

    def __len__(self) -> int:
        return len(self.counts)

    def take(self, rows: Sequence[int] | np.ndarray) -> Fingerprints:
        """The fingerprints of texts ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        ptr = self.ptr
        counts = self.counts[rows]
        starts = np.repeat(ptr[rows] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        idx = starts + np.arange(int(counts.sum()), dtype=np.int64)
        return Fingerprints(counts, self.vals[idx], self.chars[rows])


_SPAN = 11  # a key ends at the 5-gram 11 places on: 16 characters
_K1, _K2, _K3 = _U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F), _U64(0x165667B19E3779F9)


def _segment_min(a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``[a[l:h].min() for l, h in zip(lo, hi)]`` for non-empty, ascending,
    non-overlapping segments."""
    bounds = np.stack((lo, hi), axis=1).ravel()
    return np.minimum.reduceat(np.append(a, a[:1]), bounds)[0::2]


def _fmix(h: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = h ^ (h >> _U64(33))
        h = h * _U64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> _U64(33))
        h = h * _U64(0xC4CEB9FE1A85EC53)
        return h ^ (h >> _U64(33))


def candidates(fp: Fingerprints, active: np.ndarray, cap: int = POSTING_CAP, queries: np.ndarray | None = None) -> np.ndarray:
    """Pairs ``(a, b)``, ``a < b``, of ``active`` texts (a boolean mask) that share a
    fingerprint held by at most ``cap`` active texts (a longer posting is boilerplate
    phrasing, not a copy), at least one of them in ``queries`` (default: all)."""
    n = len(fp)
    keep = np.repeat(active, fp.counts)
    # Most values are held by one text or by very many: find the others on the 32-bit
    # values alone (a fast sort), mark them in a table of their high bits, and sort
    # only the entries that may be theirs with their texts (a value's entries all pass
    # or all fail the table, so the counts below are exact).
    ordered = np.sort(fp.vals[keep])
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if len(ordered) else np.zeros(0, np.int64)
    held = np.diff(np.append(starts, len(ordered)))  # entries, a text's repeats included
    maybe = ordered[starts[(held >= 2) & (held <= 2 * cap)]]
    common = ordered[starts[held > cap]]  # sorted
    # Each text's fingerprints that are not common phrasing (held by at most cap texts,
    # itself included): what the share below is taken of.  It changes only when a
    # value's holders cross the cap, so removing copies does not make new candidates.
    marked = np.zeros(1 << 24, dtype=bool)
    marked[common >> np.uint32(8)] = True
    suspect = np.flatnonzero(marked[fp.vals >> np.uint32(8)])
    is_common = np.zeros(len(fp.vals), dtype=bool)
    if len(common):
        at_common = np.minimum(np.searchsorted(common, fp.vals[suspect]), len(common) - 1)
        is_common[suspect] = common[at_common] == fp.vals[suspect]
    owner_all = np.repeat(np.arange(n, dtype=np.int64), fp.counts)
    uncommon = np.bincount(owner_all[~is_common], minlength=n)
    del marked, suspect, is_common, owner_all, common
    table = np.zeros(1 << 24, dtype=bool)
    table[maybe >> np.uint32(8)] = True
    del ordered, starts, held, maybe
    at = np.flatnonzero(table[fp.vals >> np.uint32(8)] & keep)
    del table, keep
    owner = np.searchsorted(np.cumsum(fp.counts), at, side="right").astype(_U64)
    index = np.sort((fp.vals[at].astype(_U64) << _U64(32)) | owner)
    if len(index):  # a text's value once
        index = index[np.concatenate(([True], index[1:] != index[:-1]))]
    if len(index) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    val = index >> _U64(32)
    own = (index & _LOW32).astype(np.int64)
    first = np.flatnonzero(np.concatenate(([True], val[1:] != val[:-1])))
    count = np.diff(np.append(first, len(val)))
    useful = (count >= 2) & (count <= cap)
    first, count = first[useful], count[useful]
    if not len(first):
        return np.zeros((0, 2), dtype=np.int64)
    # Every pair within each posting: (i, j) for i < j < count, offsets from first.
    pairs = []
    for c in np.unique(count).tolist():
        starts = first[count == c]
        ii, jj = np.triu_indices(c, 1)
        a = own[starts[:, None] + ii[None, :]].ravel()
        b = own[starts[:, None] + jj[None, :]].ravel()
        pairs.append(np.minimum(a, b).astype(_U64) << _U64(32) | np.maximum(a, b).astype(_U64))
    packed = np.sort(np.concatenate(pairs))
    starts = np.flatnonzero(np.concatenate(([True], packed[1:] != packed[:-1])))
    shared = np.diff(np.append(starts, len(packed)))
    packed = packed[starts]
    out = np.stack(((packed >> _U64(32)).astype(np.int64), (packed & _LOW32).astype(np.int64)), axis=1)
    # A fragment shares most of its fingerprints with the text it lies in: at least
    # SHARED_SHARE of those of the shorter text that are not common phrasing.
    # Either side may be the fragment (the one with fewer characters may hold more text).
    need = np.maximum(1, np.ceil(SHARED_SHARE * np.minimum(uncommon[out[:, 0]], uncommon[out[:, 1]]) - 1e-9))
    ok = shared >= need
    if queries is not None:
        ok &= queries[out[:, 0]] | queries[out[:, 1]]
    return _covering(out[ok], fp)


def _covering(pairs: np.ndarray, fp: Fingerprints) -> np.ndarray:
    """The pairs where one text holds at least :data:`COVERED` of the other one's
    fingerprints, common ones included: a fragment shares stretches of text with the
    text it lies in, not only scattered 5-grams."""
    if not len(pairs):
        return pairs
    texts = sorted_unique(pairs.ravel())
    ptr = fp.ptr
    counts = fp.counts[texts]
    at = np.repeat(ptr[texts] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(int(counts.sum()), dtype=np.int64)
    keys = sorted_unique((np.repeat(texts.astype(_U64), counts) << _U64(32)) | fp.vals[at].astype(_U64))
    owner_of_key = (keys >> _U64(32)).astype(np.int64)
    lo = np.searchsorted(owner_of_key, texts)
    hi = np.searchsorted(owner_of_key, texts, side="right")
    held = _held(pairs[:, 0], pairs[:, 1], texts, keys, lo, hi)
    held_back = _held(pairs[:, 1], pairs[:, 0], texts, keys, lo, hi)
    return pairs[(held >= COVERED) | (held_back >= COVERED)]


def _held(a: np.ndarray, b: np.ndarray, texts: np.ndarray, keys: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The share of each ``a``'s fingerprints that its ``b`` holds (``keys``: sorted
    (text, value) of ``texts``, text ``texts[i]`` owning ``keys[lo[i]:hi[i]]``)."""
    ia = np.searchsorted(texts, a)
    size = hi[ia] - lo[ia]
    rep = np.repeat(np.arange(len(a)), size)
    idx = np.repeat(lo[ia] - (np.cumsum(size) - size), size) + np.arange(int(size.sum()), dtype=np.int64)
    want = (b[rep].astype(_U64) << _U64(32)) | (keys[idx] & _LOW32)
    pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    held = np.bincount(rep[keys[pos] == want], minlength=len(a))
    return held / np.maximum(size, 1) + 1e-9


#: The fuller text must have this many times the fragment's own shingles: two texts
#: that differ by an edited word each have a few of their own, and are near copies.
FULLER = 3


def is_fragment(inter: float, n_a: int, n_b: int, threshold: float) -> bool:
    """Whether a text of ``n_a`` shingles is a fragment of one of ``n_b`` when they
    share ``inter``: at least ``threshold`` of it lies inside the other, and the other
    has shingles of its own, at least :data:`FULLER` times as many as it has (two texts
    that differ by an edited word each have a few of their own: near copies)."""
    if not n_a or not n_b:
        return False
    eps = 1e-9
    own_a, own_b = n_a - inter, n_b - inter
    return inter / n_a >= threshold - eps and own_b >= 1 - eps and own_b >= FULLER * own_a - eps


@dataclass
class Edges:
    """Verified pairs: ``fragments`` (a, b, containment of a in b): a is a fragment of
    b; ``tagged`` (a, b, containment, tag): b is a with a recurring tag; and counts of
    the pairs verified and rejected."""

    fragments: list[tuple[int, int, float]]
    tagged: list[tuple[int, int, float, str]]
    counts: Counter
    sizes: dict[int, int]  # distinct shingles of every text of an edge


def verify(
    pairs: np.ndarray,
    originals: Callable[[Sequence[int]], list[str]],
    threshold: float,
    shingle: str,
    ngram: int,
    *,
    facts: bool = True,
    tags: bool = True,
    batch: int = 4096,
    known_fragments: Sequence[tuple[int, int, float, int, int]] = (),
    known_tagged: Sequence[tuple[int, int, float, str, int, int]] = (),
    tag_lines: Mapping[str, int] | None = None,
) -> Edges:
    """The exact containment of each candidate pair and what it makes of them (see the
    module docs).  ``originals(nodes)``: the original texts of ``nodes`` (compared in
    their normalized form).  ``known_fragments`` (fragment, fuller, containment, shingles of
    each) and ``known_tagged`` (bare, tagged, containment, tag, shingles of each):
    pairs verified already (by the near tier), taken as they are.  ``tag_lines``: how
    many distinct texts of the corpus carry each possible tag
    (:func:`dedup.rules.tag_shapes`)."""
    counts: Counter = Counter()
    fragments: list[tuple[int, int, float]] = []
    shaped: list[tuple[int, int, float, str]] = []
    seen: set[tuple[int, int]] = set()
    size: dict[int, int] = {}
    for s in range(0, len(pairs), batch):
        chunk = pairs[s : s + batch]
        nodes = np.unique(chunk).tolist()
        orig = dict(zip(nodes, originals(nodes)))
        norm = {n: normalize(t) for n, t in orig.items()}
        sets = dict(zip(nodes, shingle_sets([norm[n] for n in nodes], shingle, ngram)))
        for a, b in chunk.tolist():
            if (a, b) in seen or (b, a) in seen:
                continue
            seen.add((a, b))
            sa, sb = sets[a], sets[b]
            if len(sa) > len(sb):  # look at each pair from its smaller side
                a, b, sa, sb = b, a, sb, sa
            counts["containment_verified"] += 1
            size[a], size[b] = len(sa), len(sb)
            if not len(sa):
                continue
            inter = int(np.intersect1d(sa, sb, assume_unique=True).size)
            if not is_fragment(inter, len(sa), len(sb), threshold):
                continue
            c_ab = inter / len(sa)
            short = len(norm[a]) < MIN_FRAGMENT_CHARS  # only ever a tagged headline
            if short and not tags:
                continue
            affix = _affix_unless_facts_differ(a, b, norm, orig, facts, tags, counts)
            if affix is False:
                continue
            if affix is not None:
                shaped.append((a, b, c_ab, affix))
            elif not short:
                fragments.append((a, b, c_ab))
    later = sorted({n for e in known_fragments for n in e[:2]} | {n for e in known_tagged for n in e[:2]} | {n for e in shaped for n in e[:2]})
    orig = dict(zip(later, originals(later)))
    norm = {n: normalize(t) for n, t in orig.items()}
    done = {(a, b) for a, b, _ in fragments} | {(a, b) for a, b, _, _ in shaped}
    known = {(e[0], e[1]) for e in known_fragments} | {(e[0], e[1]) for e in known_tagged}
    for a, b, c, n_a, n_b in known_fragments:
        if (a, b) not in done:
            affix = _affix_unless_facts_differ(a, b, norm, orig, facts, tags, counts)
            if affix is False:
                continue
            if affix is not None:
                shaped.append((a, b, c, affix))
            else:
                fragments.append((a, b, c))
            size[a], size[b] = n_a, n_b
    for a, b, c, affix, n_a, n_b in known_tagged:
        if (a, b) not in done:
            shaped.append((a, b, c, affix))
            size[a], size[b] = n_a, n_b
    # A tag is a tag when it tags two lines or more; else the tagged line is just fuller.
    lines_per_tag: dict[str, set[int]] = defaultdict(set)
    for _, b, _, affix in shaped:
        lines_per_tag[affix].add(b)
    tagged = []
    for a, b, c, affix in shaped:
        recurs = len(lines_per_tag[affix]) >= 2 or (tag_lines is not None and tag_lines.get(affix, 0) >= 2)
        if recurs or capital_tag(orig[b], orig[a], suffix=norm[b].startswith(norm[a])):
            tagged.append((a, b, c, affix))
        elif len(norm[a]) >= MIN_FRAGMENT_CHARS or (a, b) in known:
            fragments.append((a, b, c))
    counts["contained_pairs"] = len(fragments)
    counts["tagged_pairs"] = len(tagged)
    return Edges(sorted(fragments), sorted(tagged), counts, size)


def _affix_unless_facts_differ(a: int, b: int, norm: Mapping[int, str], orig: Mapping[int, str], facts: bool, tags: bool, counts: Counter) -> str | None | bool:
    """For a verified pair (``a`` inside ``b``): False when the fact rule says they
    state different facts (counted), else ``b``'s tag over ``a`` (None: no tag)."""
    if facts and differing_facts(facts_of(norm[a], orig[a]), facts_of(norm[b], orig[b]), contained=True)[0]:
        counts["rejected_by_facts"] += 1
        return False
    return tag_affix(norm[a], norm[b], orig[b]) if tags else None


@dataclass(frozen=True, slots=True)
class Claim:
    """Node ``node`` goes in favour of node ``by`` (which keeps it): ``match`` is
    ``contained`` (node is a fragment of by) or ``tagged`` (node is by with a tag);
    ``value``: the containment measured (of the smaller text in the larger)."""

    node: int
    by: int
    match: str
    value: float


def assign(edges: Edges, rank: np.ndarray) -> list[Claim]:
    """Which texts go in favour of which (see the module docs), deterministic:
    ``rank``, the keep policy's order, breaks ties."""
    claimed: dict[int, Claim] = {}
    for a, b, c, _ in sorted(edges.tagged, key=lambda e: (rank[e[0]], rank[e[1]])):
        if b not in claimed and a not in claimed:
            claimed[b] = Claim(b, a, "tagged", c)
    fragments_of: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a, b, c in edges.fragments:
        fragments_of[b].append((a, c))
    size = edges.sizes
    for b in sorted(fragments_of, key=lambda n: (-size[n], rank[n])):
        if b in claimed:
            continue
        for a, c in sorted(fragments_of[b], key=lambda e: rank[e[0]]):
            if a not in claimed:
                claimed[a] = Claim(a, b, "contained", c)
    return sorted(claimed.values(), key=lambda cl: cl.node)

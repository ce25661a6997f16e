"""Containment: blocks that lie (nearly) wholly inside a fuller block.

A paragraph split over two lines, cut after its first sentences, extended by a
sentence, two paragraphs merged into one line, a headline under a site's tag: in each
case one block's shingles are (nearly) all inside another's, while their Jaccard
similarity can be anything from 0.1 to 0.95.  This stage finds such pairs among the
texts the near tier keeps and removes the fragment in favour of the fuller text, so no
text leaves the corpus; see docs/design-notes.md (Partial copies) for the measurements
behind each choice.

1. :class:`Sample` (made in the analysis, per distinct text): the shingle hashes whose
   top two bits are zero, a consistent quarter of every text's shingles, as 32-bit
   values, and the text's number of shingle windows.
2. :func:`candidates`, an exact prefix filter on the sample.  If at least ``t`` of
   A's shingles are in B, B misses at most ``k = ⌊(1 − t)·|A|⌋`` of them, so B holds
   at least ``m`` of any ``k + m`` values of A's sample.  Each text probes the
   ``k + m`` values of its sample with the shortest postings in an inverted index of
   the samples; the texts met ``m`` times, then holding all but ``k`` of the sample,
   are the candidates.  No pair at the threshold is missed (the window count bounds
   ``|A|`` from above, which only widens ``k``), except for texts whose sample has
   ``k`` values or fewer: too short to filter, they are not searched (a text of 16
   shingles or more has a sample that small with probability under 1 %).
3. :func:`verify`: the exact containment ``|A ∩ B| / |A|`` of every candidate, from
   the texts' shingle sets.  A is a *fragment* of B when at least ``t`` of A is in B,
   less than ``t`` of B is in A, and B has at least three times as many shingles of its
   own as A (:func:`is_fragment`: two texts each inside the other, or differing by an
   edited word, are near copies, for the near tier and the keep policy), unless the fact rule
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

from .rules import capital_tag, differing_facts, facts_of, tag_affix
from .shingle import shingle_sets

__all__ = ["FULLER", "MIN_FRAGMENT_CHARS", "Claim", "is_fragment", "Edges", "Sample", "assign", "candidates", "verify"]

_U64 = np.uint64
_LOW32 = _U64(0xFFFFFFFF)

#: A text shorter than this (normalized characters) is never taken for a fragment: a
#: name, a caption or a common phrase met inside a longer paragraph is no copy of it.
MIN_FRAGMENT_CHARS = 40

#: A text probes ``k + SHARED`` values of its sample and keeps the texts met SHARED
#: times (fewer when its sample is small): more shared values, fewer false candidates.
SHARED = 8


@dataclass
class Sample:
    """A consistent quarter of every text's shingles (the hashes whose top two bits are
    zero), as sorted distinct 32-bit values: text ``i`` owns ``vals[ptr[i]:ptr[i + 1]]``.
    ``windows[i]``: the number of shingles of text ``i`` with repeats, an upper bound of
    its distinct shingles."""

    counts: np.ndarray
    vals: np.ndarray
    windows: np.ndarray
    chars: np.ndarray  # per text: its normalized length in characters

    @classmethod
    def empty(cls) -> Sample:
        """No texts."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.uint32), np.zeros(0, np.int64), np.zeros(0, np.int64))

    @classmethod
    def of(cls, flat: np.ndarray, sizes: np.ndarray, chars: Sequence[int] | np.ndarray) -> Sample:
        """The samples of texts whose shingle hashes are ``flat`` (text ``i`` owns the
        next ``sizes[i]``; repeats allowed) and whose normalized lengths are ``chars``."""
        sizes = np.asarray(sizes, dtype=np.int64)
        owner = np.repeat(np.arange(len(sizes), dtype=_U64), sizes)
        chosen = (flat >> _U64(62)) == 0
        keys = np.unique((owner[chosen] << _U64(32)) | ((flat[chosen] >> _U64(30)) & _LOW32))
        counts = np.bincount((keys >> _U64(32)).astype(np.int64), minlength=len(sizes)).astype(np.int64)
        return cls(counts, (keys & _LOW32).astype(np.uint32), sizes.copy(), np.asarray(chars, dtype=np.int64))

    @classmethod
    def of_sets(cls, sets: Sequence[np.ndarray], chars: Sequence[int] | np.ndarray) -> Sample:
        """The samples of texts given as shingle sets."""
        sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        flat = np.concatenate(sets) if len(sets) else np.zeros(0, dtype=_U64)
        return cls.of(flat.astype(_U64), sizes, chars)

    @classmethod
    def concat(cls, parts: Sequence[Sample]) -> Sample:
        """The samples of ``parts`` one after the other."""
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("counts", "vals", "windows", "chars")))

    @property
    def ptr(self) -> np.ndarray:
        """Offsets of each text's values (one more than there are texts)."""
        return np.concatenate(([0], np.cumsum(self.counts)))

    def __len__(self) -> int:
        return len(self.counts)

    def take(self, rows: Sequence[int] | np.ndarray) -> Sample:
        """The samples of texts ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        ptr = self.ptr
        counts = self.counts[rows]
        starts = np.repeat(ptr[rows] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        idx = starts + np.arange(int(counts.sum()), dtype=np.int64)
        return Sample(counts, self.vals[idx], self.windows[rows], self.chars[rows])


def candidates(
    sample: Sample, active: np.ndarray, threshold: float, queries: np.ndarray | None = None, shared: int = SHARED, chunk: int = 1 << 23
) -> np.ndarray:
    """Pairs ``(a, b)`` of ``active`` texts (a boolean mask) such that ``b`` may hold
    at least ``threshold`` of ``a``'s shingles: every such pair is among them (see the
    module docs).  Only texts in ``queries`` (a mask; default: all) are searched as
    ``a``.  ``chunk``: postings expanded at a time (memory only)."""
    n = len(sample)
    owner_all = np.repeat(np.arange(n, dtype=np.int64), sample.counts)
    keep = active[owner_all]
    vals, owner = sample.vals[keep], owner_all[keep]
    if not len(vals):
        return np.zeros((0, 2), dtype=np.int64)
    # The inverted index: the values sorted, each with its texts.
    index = np.sort((vals.astype(_U64) << _U64(32)) | owner.astype(_U64))
    index_val = (index >> _U64(32)).astype(np.uint32)
    index_owner = (index & _LOW32).astype(np.int64)
    del index
    uniq, first, count = np.unique(index_val, return_index=True, return_counts=True)
    at = np.searchsorted(uniq, vals)
    lo, length = first[at], count[at]
    # What each text must probe: k + m of its values, the shortest postings first.
    size = np.bincount(owner, minlength=n)
    k = np.floor((1.0 - threshold) * sample.windows + 1e-9).astype(np.int64)
    m = np.minimum(shared, size - k)
    order = np.lexsort((length, owner))  # by text, then by posting length
    owner_o = owner[order]
    starts = np.concatenate(([0], np.cumsum(size)))[owner_o]
    within = np.arange(len(order)) - starts
    searched = m >= 1
    if queries is not None:
        searched &= queries
    probe = order[(within < (k + m)[owner_o]) & searched[owner_o]]
    if not len(probe):
        return np.zeros((0, 2), dtype=np.int64)
    p_owner, p_lo, p_len = owner[probe], lo[probe], length[probe]
    # Chunks of whole texts (a text's probes are counted together), about ``chunk``
    # postings each.
    texts_at = np.flatnonzero(np.append(True, p_owner[1:] != p_owner[:-1]))
    per_text = np.add.reduceat(p_len, texts_at)
    bounds = np.append(texts_at, len(probe))
    found = []
    t, cum = 0, np.cumsum(per_text)
    while t < len(texts_at):
        base = cum[t - 1] if t else 0
        u = max(t + 1, int(np.searchsorted(cum, base + chunk, side="right")))
        lo_i, hi_i = bounds[t], bounds[u]
        found.append(_met(p_owner[lo_i:hi_i], p_lo[lo_i:hi_i], p_len[lo_i:hi_i], index_owner, m))
        t = u
    pairs = np.concatenate(found)
    if not len(pairs):
        return pairs
    return _holding(pairs, sample, k)


def _met(p_owner: np.ndarray, p_lo: np.ndarray, p_len: np.ndarray, index_owner: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The pairs (a, b) where b is in at least m[a] of a's probed postings."""
    total = int(p_len.sum())
    if not total:
        return np.zeros((0, 2), dtype=np.int64)
    a = np.repeat(p_owner, p_len)
    offsets = np.repeat(p_lo - (np.cumsum(p_len) - p_len), p_len) + np.arange(total, dtype=np.int64)
    b = index_owner[offsets]
    other = a != b
    packed, met = np.unique((a[other].astype(_U64) << _U64(32)) | b[other].astype(_U64), return_counts=True)
    a_u = (packed >> _U64(32)).astype(np.int64)
    enough = met >= m[a_u]
    return np.stack((a_u[enough], (packed[enough] & _LOW32).astype(np.int64)), axis=1)


def _holding(pairs: np.ndarray, sample: Sample, k: np.ndarray) -> np.ndarray:
    """The pairs (a, b) where b's sample holds all but at most k[a] of a's sample."""
    ptr = sample.ptr
    keys = (np.repeat(np.arange(len(sample), dtype=_U64), sample.counts) << _U64(32)) | sample.vals.astype(_U64)  # sorted
    out = []
    step = 1 << 16
    for s in range(0, len(pairs), step):
        a, b = pairs[s : s + step, 0], pairs[s : s + step, 1]
        na = sample.counts[a]
        rep = np.repeat(np.arange(len(a)), na)
        idx = np.repeat(ptr[a] - (np.cumsum(na) - na), na) + np.arange(int(na.sum()), dtype=np.int64)
        want = (b[rep].astype(_U64) << _U64(32)) | sample.vals[idx].astype(_U64)
        pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
        held = np.bincount(rep[keys[pos] == want], minlength=len(a))
        ok = held >= na - k[a]
        out.append(pairs[s : s + step][ok])
    return np.concatenate(out) if out else pairs[:0]


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
    texts: Callable[[int], str],
    originals: Callable[[int], str],
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
    module docs).  ``texts(node)``/``originals(node)``: a text's normalized and
    original form.  ``known_fragments`` (fragment, fuller, containment, shingles of
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
        norm = {n: texts(n) for n in nodes}
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
            if facts and differing_facts(facts_of(norm[a], originals(a)), facts_of(norm[b], originals(b)), contained=True)[0]:
                counts["rejected_by_facts"] += 1
                continue
            affix = tag_affix(norm[a], norm[b], originals(b)) if tags else None
            if affix is not None:
                shaped.append((a, b, c_ab, affix))
            elif not short:
                fragments.append((a, b, c_ab))
    done = {(a, b) for a, b, _ in fragments} | {(a, b) for a, b, _, _ in shaped}
    known = {(e[0], e[1]) for e in known_fragments}
    for a, b, c, n_a, n_b in known_fragments:
        if (a, b) not in done:
            affix = tag_affix(texts(a), texts(b), originals(b)) if tags else None
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
        if recurs or capital_tag(originals(b), originals(a)):
            tagged.append((a, b, c, affix))
        elif len(texts(a)) >= MIN_FRAGMENT_CHARS or (a, b) in known:
            fragments.append((a, b, c))
    counts["contained_pairs"] = len(fragments)
    counts["tagged_pairs"] = len(tagged)
    return Edges(sorted(fragments), sorted(tagged), counts, size)


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

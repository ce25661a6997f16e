"""Verification: the true similarity of a cluster center to its candidates, and the
MinHash screen before it.

Nothing is ever accepted on an estimate: a candidate joins a cluster only when the
exact Jaccard similarity of its shingle set to the center's reaches the threshold.
Candidates whose MinHash estimate is far below the threshold (more than
:data:`ESTIMATE_MARGIN` below) are rejected without the exact check.

Shingle sets are not kept from the analysis (they would dominate memory): the nodes
that meet a plausible candidate are shingled again from their text, ahead of need in
the order the clustering meets them (:func:`shingle_order`), and forgotten once they
belong to a cluster (they are never compared again).  A center's candidates are
estimated and verified a chunk at a time (:attr:`dedup.tuning.Tuning.verify_chunk`): a
family of near copies can be as large as the corpus.
"""

from __future__ import annotations

import functools
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from .analyze import Analysis
from .config import ScanConfig
from .contain import is_fragment
from .lsh import Candidates, low_of
from .normalize import normalize
from .rules import differing_facts, facts_of, tag_affix
from .shingle import jaccard_many, shingle_sets
from .tuning import DEFAULT_TUNING, Tuning

__all__ = ["ESTIMATE_MARGIN", "NodeTexts", "ShingleCache", "Verifier", "in_chunks", "shingle_order"]

#: Candidates whose MinHash estimate is this far below the threshold are rejected
#: without the exact check (a pair at the threshold 0.65 falls that low with probability
#: 7e-6 at 192 permutations: 4.4 standard deviations); nothing is ever accepted on an estimate.
ESTIMATE_MARGIN = 0.15


def estimate_cutoff(threshold: float) -> float:
    """The MinHash estimate below which a pair is rejected without the exact check
    (the LSH screen and the verifier both use it)."""
    return threshold - ESTIMATE_MARGIN


class NodeTexts:
    """The text of a node, from one of its blocks: ``best_block[node]`` when given (the
    block the keep policy keeps, so a second scan of the output sees the same original
    text: the rules of :mod:`dedup.rules` read its capitals), else its first block.
    The text of each document is decoded once, mostly: the last ``cached_documents``
    are kept."""

    def __init__(self, analysis: Analysis, cached_documents: int = 1024, best_block: np.ndarray | None = None):
        self.analysis = analysis
        self.best_block = best_block
        self._document_text = functools.lru_cache(maxsize=cached_documents)(self._decode)

    def _decode(self, doc: int) -> str:
        return self.analysis.documents[doc].text

    def _block(self, node: int) -> int:
        return int(self.best_block[node]) if self.best_block is not None else self.analysis.nodes.first_block(node)

    def __call__(self, node: int) -> str:
        """The normalized text of ``node``."""
        return normalize(self.original(node))

    def originals(self, nodes: Sequence[int]) -> list[str]:
        """The original texts of ``nodes``, fetched document by document (each
        document decoded once)."""
        a = self.analysis
        blocks = np.array([self._block(n) for n in nodes], dtype=np.int64)
        docs = a.doc_of_block[blocks] if len(blocks) else blocks
        out: list[str] = [""] * len(blocks)
        for i in np.argsort(docs, kind="stable").tolist():
            start, end = a.rows[blocks[i], 0:2].tolist()
            out[i] = self._document_text(int(docs[i]))[start:end]
        return out

    def original(self, node: int) -> str:
        """The original text of ``node``."""
        a = self.analysis
        f = self._block(node)
        start, end = a.rows[f, 0:2].tolist()
        return self._document_text(int(a.doc_of_block[f]))[start:end]


def shingle_order(pairs: np.ndarray, rank: np.ndarray, n_nodes: int) -> list[int]:
    """The nodes of the explicit candidate pairs, in the order the clustering first
    needs their shingles: a pair is met when its better-ranked side is visited."""
    if not len(pairs):
        return []
    first_met = np.minimum(rank[pairs[:, 0]], rank[pairs[:, 1]])
    need = np.full(n_nodes, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(need, pairs[:, 0], first_met)
    np.minimum.at(need, pairs[:, 1], first_met)
    paired = np.unique(pairs)
    return paired[np.argsort(need[paired], kind="stable")].tolist()


def in_chunks(fn: Callable[[int, np.ndarray], np.ndarray], center: int, others: np.ndarray, size: int) -> np.ndarray:
    """``fn(center, others)``, ``size`` of the others at a time."""
    parts = [fn(center, others[i : i + size]) for i in range(0, len(others), size)]
    return np.concatenate(parts) if parts else np.empty(0)


class ShingleCache:
    """Shingle sets of nodes, oldest first, at most ``capacity`` after :meth:`trim`.
    Shingling one center's candidates at a time costs more in call overhead than in
    work, so :meth:`load` shingles ``ahead`` nodes at once: the ones asked for, then
    the next of ``order`` (the order they will be needed in)."""

    def __init__(
        self,
        texts: Callable[[int], str],
        shingle: str,
        ngram: int,
        order: Sequence[int] = (),
        ahead: int = DEFAULT_TUNING.shingle_ahead,
        capacity: int = DEFAULT_TUNING.shingle_cache,
    ):
        self.texts, self.shingle, self.ngram = texts, shingle, ngram
        self.order, self.ahead, self.capacity = order, ahead, capacity
        self._next = 0  # the next of order to shingle ahead
        # An OrderedDict drops its oldest entry in O(1); a dict whose front was deleted
        # walks over the holes on every next(iter(...)).
        self._sets: OrderedDict[int, np.ndarray] = OrderedDict()

    def __contains__(self, node: int) -> bool:
        return node in self._sets

    def __len__(self) -> int:
        return len(self._sets)

    def __getitem__(self, node: int) -> np.ndarray:
        return self._sets[node]

    def load(self, nodes: Sequence[int]) -> None:
        """Shingle the nodes not here yet, with as many of the next in order."""
        sets = self._sets
        missing = [n for n in nodes if n not in sets]
        if not missing:
            return
        wanted = set(missing)
        while len(missing) < self.ahead and self._next < len(self.order):
            node = self.order[self._next]
            self._next += 1
            if node not in sets and node not in wanted:
                missing.append(node)
        for node, sh in zip(missing, shingle_sets([self.texts(n) for n in missing], self.shingle, self.ngram)):
            sets[node] = sh

    def touch(self, node: int) -> None:
        """Make ``node`` the most recent (it is needed again soon)."""
        self._sets.move_to_end(node)

    def forget(self, nodes: Sequence[int]) -> None:
        """Drop the sets of ``nodes`` (they must be here)."""
        for node in nodes:
            del self._sets[node]

    def discard(self, node: int) -> None:
        """Drop the set of ``node`` if it is here."""
        self._sets.pop(node, None)

    def trim(self) -> None:
        """Drop the oldest sets down to ``capacity``."""
        while len(self._sets) > self.capacity:
            self._sets.popitem(last=False)


class Verifier:
    """The similarities the clustering asks for (see :func:`dedup.cluster.star_clusters`):
    :meth:`plausible`, the MinHash screen of candidates, and :meth:`similarities`, the
    exact Jaccard similarities.  ``sig``: the nodes' signatures (a matrix or a
    :class:`dedup.spill.SignatureSpill`); ``texts(node)``: a node's normalized text;
    ``config``: the threshold and the shingles; ``order``: the order of
    :func:`shingle_order`.  ``seconds``: time spent computing exact similarities.

    A candidate that reaches the threshold is still turned down (its similarity
    reported as -1) when it is the fuller text, the center lying inside it (it stays
    free for the containment stage, which keeps the fuller text), when the center is
    it with a tag, or when the two state different facts (:mod:`dedup.rules`);
    ``rejected`` counts these."""

    def __init__(self, sig, texts: Callable[[int], str], config: ScanConfig, order: Sequence[int] = (), tuning: Tuning = DEFAULT_TUNING):
        self.sig = sig
        # Most estimates need only a quarter of the signature bytes (the low bytes).
        self.low = low_of(sig)
        self.n_perm = sig.shape[1]
        self.threshold = config.threshold
        self.cutoff = estimate_cutoff(config.threshold)
        self.chunk = tuning.verify_chunk
        self.cache = ShingleCache(texts, config.shingle, config.ngram, order, tuning.shingle_ahead, tuning.shingle_cache)
        self.seconds = 0.0
        self.texts = texts
        self.original = getattr(texts, "original", texts)
        self.containment = config.containment
        self.tags = config.tags and bool(config.containment)
        self.facts = config.facts
        self.rejected: Counter = Counter()
        #: Pairs turned down because the candidate is the fuller text: (center, other,
        #: containment of the center in it, shingles of each), for the containment stage.
        self.fragments: list[tuple[int, int, float, int, int]] = []
        #: Pairs turned down because the center is the candidate with a tag: (candidate,
        #: center, containment, tag, shingles of each).
        self.tagged: list[tuple[int, int, float, str, int, int]] = []
        #: Candidates that joined and lie inside their center: their containment.
        self.contained: dict[int, float] = {}

    @classmethod
    def for_candidates(
        cls,
        sig,
        analysis: Analysis,
        cands: Candidates,
        rank: np.ndarray,
        config: ScanConfig,
        tuning: Tuning = DEFAULT_TUNING,
        best_block: np.ndarray | None = None,
    ) -> Verifier:
        """A verifier of the nodes of ``analysis``, shingling ahead in the order the
        clustering meets the explicit pairs of ``cands`` (``rank``: the nodes' ranks;
        ``best_block``: the block of each node whose text the rules read)."""
        return cls(sig, NodeTexts(analysis, best_block=best_block), config, shingle_order(cands.pairs, rank, analysis.n_nodes), tuning)

    def estimates(self, center: int, others: np.ndarray) -> np.ndarray:
        """MinHash estimates of the similarity of ``center`` to each of ``others``,
        exact for those at or above the cut-off (threshold - margin) and an upper bound
        for the rest."""
        return in_chunks(self._estimates, center, others, self.chunk)

    def plausible(self, center: int, others: np.ndarray) -> np.ndarray:
        """Which of ``others`` may reach the threshold: their estimate is at least the
        cut-off."""
        return self.estimates(center, others) >= self.cutoff

    def _estimates(self, center: int, others: np.ndarray) -> np.ndarray:
        # The share of equal low bytes (in memory) bounds the estimate from above: it
        # settles every candidate below the cut-off; the full values are read from the
        # spill for the rest only.
        low, n_perm = self.low, self.n_perm
        est = (low[others] == low[center]).sum(axis=1) / n_perm
        maybe = np.flatnonzero(est >= self.cutoff)
        if len(maybe):
            full = self.sig[np.append(others[maybe], center)]
            est[maybe] = (full[:-1] == full[-1]).sum(axis=1) / n_perm
        return est

    def similarities(self, center: int, others: np.ndarray) -> np.ndarray:
        """Exact Jaccard similarities of ``center`` to each of ``others``.  The center
        and the others that reach the threshold are forgotten after: they are never
        compared again."""
        sims = in_chunks(self._timed_similarities, center, others, self.chunk)
        self.cache.discard(center)
        return sims

    def _timed_similarities(self, center: int, others: np.ndarray) -> np.ndarray:
        t = time.perf_counter()
        try:
            return self._similarities(center, others)
        finally:
            self.seconds += time.perf_counter() - t

    def _similarities(self, center: int, others: np.ndarray) -> np.ndarray:
        cache = self.cache
        others_list = others.tolist()
        cache.load([center, *others_list])
        sims = jaccard_many(cache[center], [cache[o] for o in others_list])
        if self.containment or self.facts:
            self._turn_down(center, others_list, sims)
        cache.touch(center)  # needed again by the next chunk, if any
        cache.forget(others[sims >= self.threshold].tolist())  # the nodes that join are never compared again
        cache.trim()
        return sims

    def _turn_down(self, center: int, others: list[int], sims: np.ndarray) -> None:
        """Set to -1 the similarity of the accepted candidates that must not join (see
        the class docs)."""
        accepted = np.flatnonzero(sims >= self.threshold)
        if not len(accepted):
            return
        cache, t = self.cache, self.containment
        n_center = len(cache[center])
        center_facts = None
        for i in accepted.tolist():
            other = others[i]
            n_other = len(cache[other])
            sim = float(sims[i])
            inter = sim * (n_center + n_other) / (1.0 + sim)
            if t and n_center and n_other:
                if is_fragment(inter, n_center, n_other, t):
                    self.rejected["fuller_candidate"] += 1
                    self.fragments.append((center, other, inter / n_center, n_center, n_other))
                    sims[i] = -1.0
                    continue
                if self.tags and is_fragment(inter, n_other, n_center, t):
                    affix = tag_affix(self.texts(other), self.texts(center), self.original(center))
                    if affix is not None:
                        self.rejected["tagged_center"] += 1
                        self.tagged.append((other, center, inter / n_other, affix, n_other, n_center))
                        sims[i] = -1.0
                        continue
            if t and n_center and n_other and is_fragment(inter, n_other, n_center, t):
                self.contained[other] = inter / n_other  # it lies inside the center: say so
            if self.facts and sim < 1.0:
                if center_facts is None:
                    center_facts = facts_of(self.texts(center), self.original(center))
                if differing_facts(center_facts, facts_of(self.texts(other), self.original(other)))[0]:
                    self.rejected["rejected_by_facts"] += 1
                    self.contained.pop(other, None)
                    sims[i] = -1.0

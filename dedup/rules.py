"""Two rules on a pair of texts that similarity alone cannot decide.

* **Facts** (:func:`differing_facts`): weather, market and casualty lines of different
  places, days and numbers share most of their shingles, yet they are distinct facts.
  Two texts are one text only if the tokens that differ between them are a small
  share of the longer one (:data:`FACT_SHARE`) or carry no fact (a number or a name);
  a long paragraph with one number updated stays a near copy, a short line with
  another number does not.
* **Tags** (:func:`tag_affix`): ``SON DAKİKA: H`` and ``H - Site`` contain the
  headline ``H``; the extra text is a short affix set off by a separator.  Such a
  line is the copy to remove, not the bare headline.

Both work on the normalized text (for comparing tokens) and on the original text (a
name is a word written with a capital; a tag is set off by punctuation).
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from .normalize import normalize

__all__ = ["FACT_SHARE", "TAG_MAX_WORDS", "differing_facts", "capital_tag", "facts_of", "tag_affix", "tag_shapes"]

#: Two texts that differ in a number or a name are one text only when the differing
#: tokens are at most this share of the longer text's tokens (one changed number in a
#: block of 20 tokens or more).
FACT_SHARE = 0.05

#: Tags are counted on lines up to this long (headlines; a tag on a long paragraph is
#: no sign of being one).
TAG_LINE_CHARS = 200

#: A tag is at most this many words (``SON DAKİKA``, a site's name).
TAG_MAX_WORDS = 4

_TOKEN = re.compile(r"\w+")
_WORD = re.compile(r"\w+(?:['’]\w+)*")  # a word with its suffixes after apostrophes
_ENDS = frozenset(".!?:;…")
_CLOSERS = frozenset("'\"’”»)")
#: What sets a tag off: a colon, a bar, a dash between spaces, a guillemet, a slash.
_SEPARATOR = re.compile(r"\s*[:|»/–—]\s*|\s+-\s+")


class Facts:
    """The tokens of a text (normalized words and numbers, with repeats) and which of
    them carry a fact: a number, or a name: a capitalized word in the original text
    that does not start a sentence, or that takes a suffix after an apostrophe
    (``Karaman'da``, ``Kilis'te``: Turkish marks proper nouns so, even first in a line)."""

    __slots__ = ("tokens", "original", "_names")

    def __init__(self, normalized: str, original: str):
        self.tokens = Counter(_TOKEN.findall(normalized))
        self.original = original
        self._names: set[str] | None = None  # made when first asked for

    @property
    def names(self) -> set[str]:
        """The normalized tokens of the text's names."""
        if self._names is None:
            original, words = self.original, []
            for m in _WORD.finditer(original):
                word = m.group()
                if word[0].isupper() and (not _starts_sentence(original, m.start()) or "'" in word or "’" in word):
                    words.append(word)
            # normalized as the whole text is (Karaman'da -> karamanda), in one call
            self._names = set(_TOKEN.findall(normalize(" ".join(words)))) if words else set()
        return self._names

    def is_fact(self, token: str) -> bool:
        """Whether ``token`` (normalized) is a number or one of this text's names."""
        return any(ch.isdigit() for ch in token) or token in self.names


def _starts_sentence(text: str, at: int) -> bool:
    """Whether the word at ``at`` starts ``text`` or a sentence of it."""
    j = at - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    while j >= 0 and text[j] in _CLOSERS:
        j -= 1
    return j < 0 or text[j] in _ENDS


def facts_of(normalized: str, original: str) -> Facts:
    """The :class:`Facts` of a text."""
    return Facts(normalized, original)


def differing_facts(a: Facts, b: Facts, *, contained: bool = False) -> tuple[bool, float]:
    """Whether ``a`` and ``b`` state different facts, and the share of differing
    tokens.  Near copies (``contained`` false): the tokens each has that the other has
    not, as a share of the longer one.  ``a`` inside ``b`` (``contained``): only
    ``a``'s own tokens count (``b``'s extra text is what makes it the fuller copy), as
    a share of ``a``.  Different facts: the share is above :data:`FACT_SHARE` and a
    fact was *replaced*: each side has a number or a name the other has not (12 and 15,
    Ankara and Kars).  A fact only added (an agency's name before a story) or a name
    misspelt (a token close to the other side's) is not a different fact."""
    only_a = a.tokens - b.tokens
    only_b = b.tokens - a.tokens
    if contained:
        n_diff, n_tokens = sum(only_a.values()), sum(a.tokens.values())
    else:
        n_diff = max(sum(only_a.values()), sum(only_b.values()))
        n_tokens = max(sum(a.tokens.values()), sum(b.tokens.values()))
    share = n_diff / n_tokens if n_tokens else 0.0
    if share <= FACT_SHARE:
        return False, share
    facts_a = [t for t in only_a if a.is_fact(t) and not _misspelt(t, only_b)]
    facts_b = [t for t in only_b if b.is_fact(t) and not _misspelt(t, only_a)]
    return bool(facts_a and facts_b), share


def _misspelt(token: str, others) -> bool:
    """Whether ``token`` (a word, not a number) is a misspelling of one of ``others``."""
    if any(ch.isdigit() for ch in token):
        return False
    return any(SequenceMatcher(None, token, o).ratio() >= 0.75 for o in others if not any(ch.isdigit() for ch in o))


_PREFIX_TAG = re.compile(r"\A\s*([^:|»/–—]{1,40}?)\s*[:|»/–—]\s+\S")
_SUFFIX_TAG = re.compile(r"\S\s+(?:[|»/–—-])\s+([^:|»/–—-]{1,40}?)\s*\Z")


def tag_shapes(original: str) -> list[str]:
    """The affixes ``original`` might carry as a tag (normalized, at most
    :data:`TAG_MAX_WORDS` words): the text before a first separator and the text after
    a last one.  Counted over the corpus, they tell a tag (on many lines) from a
    speaker's name or a one-off prefix."""
    out = []
    if len(original) > TAG_LINE_CHARS:
        return out
    for pattern, start in ((_PREFIX_TAG, 0), (_SUFFIX_TAG, max(0, len(original) - 48))):
        m = pattern.search(original, start)
        if m:
            affix = normalize(m.group(1))
            if affix and len(affix.split()) <= TAG_MAX_WORDS:
                out.append(affix)
    return out


def capital_tag(tagged: str, bare: str, suffix: bool) -> bool:
    """Whether ``tagged`` (original text) adds to ``bare`` an affix that looks like a
    tag even where it does not recur: a prefix written in capitals (``BREAKING: …``,
    ``SON DAKİKA | …``) or a site's name after a dash or a bar, every word capitalized
    (``… - The Daily Post``, ``… | World News``), while ``bare`` is not all capitals.
    ``suffix``: whether the affix follows ``bare`` (else it precedes it)."""
    letters = [ch for ch in bare if ch.isalpha()]
    if not letters or all(ch.isupper() for ch in letters):
        return False
    if not suffix:
        m = _PREFIX_TAG.search(tagged)
        affix = [ch for ch in m.group(1) if ch.isalpha()] if m else []
        return bool(affix) and all(ch.isupper() for ch in affix)
    m = _SUFFIX_TAG.search(tagged)
    if m:
        words = _TOKEN.findall(m.group(1))
        if words and all(w[0].isupper() or w.lower() in _SITE_SMALL_WORDS for w in words) and words[0][0].isupper():
            return True
    return False


_SITE_SMALL_WORDS = frozenset(("the", "of", "and", "de", "la", "le", "el", "der", "die", "das"))


def tag_affix(part: str, whole: str, whole_original: str) -> str | None:
    """The tag of ``whole`` when it is ``part`` (both normalized) with a short affix
    set off by a separator in the original text (``SON DAKİKA: H``, ``H - Site``,
    ``H | Site``), else None.  The tag is returned normalized."""
    part, whole = part.strip(), whole.strip()
    if not part or len(whole) <= len(part):
        return None
    if whole.startswith(part):
        affix, pieces = whole[len(part) :].strip(), _SEPARATOR.split(whole_original.strip())
        candidate = pieces[-1] if len(pieces) > 1 else None
    elif whole.endswith(part):
        affix, pieces = whole[: len(whole) - len(part)].strip(), _SEPARATOR.split(whole_original.strip(), maxsplit=1)
        candidate = pieces[0] if len(pieces) > 1 else None
    else:
        return None
    words = affix.split()
    if candidate is None or not 1 <= len(words) <= TAG_MAX_WORDS or normalize(candidate).strip() != affix:
        return None
    return affix

"""Resolve what people type ("EHA Ljusdal", "connect bollnäs", "trisam hudiksvall") to register insatser.

Two uses: ``resolve_insats`` ranks insatser for a name typed on its own (typos allowed), and
``insatser_in_text`` finds insatser named inside a question. Both fold diacritics and use rapidfuzz over
each insats's name and aliases. When two insatser fit equally ("Ett hållbart arbetsliv" exists in two
kommuner) both are returned, with their kommun, rather than one guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from index.analyze import STOPWORDS, fold, swedish_lexicon
from index.places import kommuner
from index.records import Insats

_MIN_SCORE = 75.0
_TIE = 6.0  # scores this close to the best count as "also fits"
_KOMMUN_MISMATCH = 30.0
_COMMON_RANK = 20_000
_KOMMUN_ONLY = 50.0  # a word this frequent cannot identify an insats on its own


@dataclass(frozen=True, slots=True)
class NameMatch:
    insats: Insats
    score: float  # 0..100
    alias: str  # the alias that matched best


def resolve_insats(text: str, insatser: Sequence[Insats], *, limit: int = 5) -> list[NameMatch]:
    """Insatser whose name fits ``text``, best first; several when they fit about equally well."""
    query = _normalise(text)
    if not query:
        return []
    places = _kommuner_in(query)
    scored = []
    for insats in insatser:
        best, alias = 0.0, ""
        for candidate in (fold(insats.name), *insats.aliases):
            score = max(fuzz.WRatio(query, candidate), fuzz.token_set_ratio(query, candidate))
            if score > best:
                best, alias = score, candidate
        if places and insats.kommun and fold(insats.kommun) not in places:
            best -= _KOMMUN_MISMATCH
        if best >= _MIN_SCORE:
            scored.append(NameMatch(insats, best, alias))
    scored.sort(key=lambda m: (-m.score, m.insats.name))
    if not scored:
        return []
    top = scored[0].score
    return [m for m in scored if m.score >= top - _TIE][:limit]


def insatser_in_text(text: str, insatser: Sequence[Insats]) -> list[NameMatch]:
    """Insatser named somewhere in a question, best first (empty when none is named)."""
    words = _normalise(text).split()
    if not words:
        return []
    places = _kommuner_in(" ".join(words))
    index = _alias_index(tuple(insatser))
    present = index.present(words)
    best: dict[str, tuple[float, str]] = {}
    joined = f" {' '.join(words)} "
    for entry in index.candidates(present):
        insats_id, alias, tokens, distinctive = index.entries[entry]
        if not all(t in present for t in tokens):
            continue
        # One everyday word alone is no name ("steget"); the whole name written out is ("steget ut").
        phrase = " ".join(re.findall(r"\w+", alias))
        if len(tokens) < 2 and not distinctive and not (" " in phrase and f" {phrase} " in joined):
            continue
        score = 60.0 + 10.0 * len(tokens)
        if score > best.get(insats_id, (0.0, ""))[0]:
            best[insats_id] = (score, alias)
    scored = []
    for insats in insatser:
        if insats.id in best:
            score, alias = best[insats.id]
            if places and insats.kommun:
                score += 15.0 if fold(insats.kommun) in places else -_KOMMUN_MISMATCH
            scored.append(NameMatch(insats, min(score, 100.0), alias))
        elif insats.kommun and fold(insats.kommun) in places and named_as_place(text, fold(insats.kommun)):
            # "Ockelbo-projektet": a kommun alone points weakly at the insatser run there.
            scored.append(NameMatch(insats, _KOMMUN_ONLY, fold(insats.kommun)))
    scored.sort(key=lambda m: (-m.score, m.insats.name))
    if not scored:
        return []
    top = scored[0].score
    return [m for m in scored if m.score >= top - _TIE]


class _AliasIndex:
    """Every insats alias as folded tokens, with an inverted index: a question is matched against the few
    aliases that share a word with it, not against the whole register (thousands of entries at scale)."""

    def __init__(self, insatser: tuple[Insats, ...]) -> None:
        ranks = swedish_lexicon()
        places = kommuner()
        self.entries: list[tuple[str, str, tuple[str, ...], bool]] = []
        self.by_token: dict[str, list[int]] = {}
        for insats in insatser:
            for alias in sorted({fold(insats.name), *insats.aliases}):
                # A kommun is a name even when it is also a function word: "Växthuset Vara" ("vara", to be).
                tokens = tuple(t for t in re.findall(r"\w+", alias) if t not in STOPWORDS or t in places)
                if not tokens:
                    continue
                distinctive = any(ranks.get(t, 1 << 30) >= _COMMON_RANK and t not in places for t in tokens)
                for token in set(tokens):
                    self.by_token.setdefault(token, []).append(len(self.entries))
                self.entries.append((insats.id, alias, tokens, distinctive))
        self.long_tokens = [t for t in self.by_token if len(t) > 4 and not t.isdigit()]

    def present(self, words: Sequence[str]) -> set[str]:
        """Alias tokens the question contains: short ones exactly, longer ones allowing a typo."""
        found = {w for w in words if w in self.by_token}
        for word in words:
            if len(word) > 3:
                for token, _, _ in process.extract(
                    word, self.long_tokens, scorer=fuzz.ratio, score_cutoff=85, limit=None
                ):
                    found.add(token)
        return found

    def candidates(self, present: set[str]) -> set[int]:
        return {entry for token in present for entry in self.by_token.get(token, ())}


_INDEXES: dict[int, tuple[tuple[Insats, ...], _AliasIndex]] = {}


def _alias_index(insatser: tuple[Insats, ...]) -> _AliasIndex:
    """The alias index of a register snapshot, built once per snapshot (catalogs hand out one tuple)."""
    cached = _INDEXES.get(id(insatser))
    if cached is not None and cached[0] is insatser:
        return cached[1]
    index = _AliasIndex(insatser)
    _INDEXES.clear()
    _INDEXES[id(insatser)] = (insatser, index)
    return index


# Kommun names that are also everyday Swedish words (folded): "vara" (be), "mark" (ground), "berg" (mountain),
# "boden" (the shed), "kil" (wedge), "lund" (grove), "malå" → "mala" (grind), "åre" → "are", "ale".
EVERYDAY_KOMMUNER = frozenset({"vara", "mark", "berg", "boden", "kil", "lund", "mala", "are", "ale"})
# The prepositions that put a place after them: "i Vara", "från Boden", "inom Lund".
_PLACE_PREPOSITION = r"(?:i|fran|inom|utanfor|runt|kring)"


def named_as_place(text: str, name: str) -> bool:
    """Whether the kommun ``name`` (folded), also an everyday word, stands in ``text`` as a place: written with a
    capital ("Vara") or after a preposition of place ("i vara"); "fått vara med", "kan vara" use the verb."""
    if name not in EVERYDAY_KOMMUNER:
        return True
    if any(fold(w) == name and not w.islower() for w in re.findall(r"\w+", text)):
        return True
    return re.search(rf"\b{_PLACE_PREPOSITION} {name}\b", _normalise(text)) is not None


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def _kommuner_in(query: str) -> set[str]:
    names = kommuner()
    found = set()
    for word in query.split():
        for candidate in (word, word[:-1] if word.endswith("s") else ""):
            if candidate in names:
                found.add(candidate)
    return found

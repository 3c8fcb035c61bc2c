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

from rapidfuzz import fuzz

from index.analyze import STOPWORDS, fold, swedish_lexicon
from index.metadata import kommuner
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
    ranks = swedish_lexicon()
    scored = []
    for insats in insatser:
        best, best_alias = 0.0, ""
        for alias in {fold(insats.name), *insats.aliases}:
            tokens = [t for t in re.findall(r"\w+", alias) if t not in STOPWORDS]
            if not tokens or not all(_present(t, words) for t in tokens):
                continue
            distinctive = any(ranks.get(t, 1 << 30) >= _COMMON_RANK and fold(t) not in kommuner() for t in tokens)
            if len(tokens) < 2 and not distinctive:
                continue
            score = 60.0 + 10.0 * len(tokens)
            if score > best:
                best, best_alias = score, alias
        if best == 0.0:
            # "Ockelbo-projektet": a kommun alone points weakly at the insatser run there.
            if insats.kommun and fold(insats.kommun) in places:
                scored.append(NameMatch(insats, _KOMMUN_ONLY, fold(insats.kommun)))
            continue
        if places and insats.kommun:
            best += 15.0 if fold(insats.kommun) in places else -_KOMMUN_MISMATCH
        scored.append(NameMatch(insats, min(best, 100.0), best_alias))
    scored.sort(key=lambda m: (-m.score, m.insats.name))
    if not scored:
        return []
    top = scored[0].score
    return [m for m in scored if m.score >= top - _TIE]


def _present(token: str, words: Sequence[str]) -> bool:
    if len(token) <= 4 or token.isdigit():
        return token in words
    return any(fuzz.ratio(token, word) >= 85 for word in words)


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

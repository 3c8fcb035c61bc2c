"""When the archive does not have what a question names: say so, rather than answer with something else."""

from __future__ import annotations

import re

from assistant.catalog import Catalog
from assistant.intent import Query
from assistant.names import insatser_in_text
from assistant.retrieve import LexicalSearch
from index.analyze import analyze, fold
from index.metadata import kommuner


def not_in_archive(query: Query, lexical: LexicalSearch) -> str | None:
    """A note when the question names what the archive does not have: an insats by a known name but in
    another kommun ("Vägen framåt Hudiksvall" when there is only one in Söderhamn), or a name (a capitalised
    word inside the question) that no passage contains."""
    words = list(query.words)
    places = kommuner()
    matches = query.insatser
    for match in matches:
        tokens = re.findall(r"\w+", match.alias)
        kommun = fold(match.insats.kommun or "")
        if not tokens or match.alias == kommun:
            continue
        for i in range(len(words) - len(tokens) + 1):
            if words[i : i + len(tokens)] != tokens:
                continue
            after = words[i + len(tokens) : i + len(tokens) + 2]
            place = after[1] if after[:1] == ["i"] and len(after) > 1 else (after[0] if after else "")
            place = place if place in places else place.removesuffix("s")
            if place in places and place != kommun and not any(fold(m.insats.kommun or "") == place for m in matches):
                return f"Arkivet har ingen insats som heter så i {place.capitalize()}."
    for word in query.inner_names:
        folded = fold(word)
        terms = analyze(word)
        if folded in places or folded.removesuffix("s") in places or not terms:
            continue
        if all(lexical.document_frequency(t) == 0 for t in terms):
            return f"Inget i arkivet nämner {word}."
    return None


def only_mentioned(query: Query, catalog: Catalog) -> str | None:
    """A note when the question names something the reports only mention (no report of its own)."""
    asked = set(query.words)
    for source, mention in catalog.mentions:
        name_words = set(re.findall(r"\w+", fold(mention.name)))
        if len(name_words) >= 2 and name_words <= asked and not insatser_in_text(mention.name, catalog.insatser):
            return f"{mention.name} nämns bara i förbigående i {source}; arkivet har ingen rapport om den."
    return None

"""When the archive does not have what a question names: say so, rather than answer with something else."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import Protocol

from assistant import gaps
from assistant.catalog import Catalog
from assistant.intent import Query
from assistant.names import NameMatch, insatser_in_text
from assistant.retrieve import LexicalSearch
from index.analyze import analyze, fold
from index.places import kommuner
from index.records import Chunk, Insats
from index.titlepage import TYPE_NAMES


def not_in_archive(query: Query, lexical: LexicalSearch, catalog: Catalog | None = None) -> str | None:
    """A note when the question names what the archive does not have: an insats by a known name but in
    another kommun ("Vägen framåt Hudiksvall" when there is only one in Söderhamn, "växthuset i skara" when
    Växthuset runs in Lidköping and Vara), or a name (a capitalised word inside the question) that no passage
    contains."""
    words = list(query.words)
    places = kommuner()
    if catalog is not None and (elsewhere := _name_elsewhere(words, catalog)) is not None:
        return elsewhere
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


def _name_elsewhere(words: Sequence[str], catalog: Catalog) -> str | None:
    """ "<name> i <kommun>" where the archive's insatser of that name all run in other kommuner. The name is
    read without its kommun, so a one-word name that is also an everyday word ("växthuset") counts too: "i"
    and a kommun after it make it a name."""
    places = kommuner()
    # Where the question says "i <kommun>" (rarely more than once); names are looked for just before it.
    at = [j for j in range(1, len(words) - 1) if words[j] == "i" and _place(words[j + 1], places)]
    if not at:
        return None
    by_name: dict[tuple[str, ...], list[Insats]] = {}
    for insats in catalog.insatser:
        kommun = fold(insats.kommun or "")
        for alias in {fold(insats.name), *insats.aliases}:
            tokens = tuple(t for t in re.findall(r"\w+", alias) if t not in (kommun, "i"))
            if tokens:
                by_name.setdefault(tokens, []).append(insats)
    for j in at:
        place = _place(words[j + 1], places) or ""
        for tokens, insatser in by_name.items():
            if tuple(words[max(j - len(tokens), 0) : j]) != tokens:
                continue
            where = sorted({insats.kommun for insats in insatser if insats.kommun})
            if where and all(fold(kommun) != place for kommun in where):
                first = insatser[0]
                name = first.name.removesuffix(f" {first.kommun}") if first.kommun else first.name
                runs = " och ".join(where) if len(where) <= 2 else ", ".join(where[:-1]) + " och " + where[-1]
                return f"Arkivet har ingen insats som heter {name} i {place.capitalize()}; {name} finns i {runs}."
    return None


def _place(word: str, places: Collection[str]) -> str | None:
    """The kommun a folded word names, also in the genitive ("skaras"); None for no kommun."""
    return word if word in places else (word.removesuffix("s") if word.removesuffix("s") in places else None)


def only_mentioned(query: Query, catalog: Catalog, lexical: LexicalSearch) -> str | None:
    """A note when the question names something the reports only mention (no report of its own)."""
    asked = set(query.words)
    places = kommuner()
    for source, mention in catalog.mentions:
        name_words = set(re.findall(r"\w+", fold(mention.name)))
        if len(name_words) < 2 or not name_words <= asked:
            continue
        # A known insats under another wording is no mere mention; a shared kommun ("Arbetsgivarlotsen Borlänge"
        # beside "Hälsosteget Borlänge") names a place, not that insats.
        known = [m for m in insatser_in_text(mention.name, catalog.insatser) if m.alias != fold(m.insats.kommun or "")]
        # A name the reports use in a handful of passages is named in passing; one they use throughout
        # ("Trisam Ljusdal" in a report about work with the Trisam teams) is discussed, and asked about.
        own = [w for w in name_words if w not in places and w.removesuffix("s") not in places]
        uses = min((max((lexical.document_frequency(t) for t in analyze(w)[:1]), default=0) for w in own), default=0)
        if not known and uses <= _IN_PASSING:
            where = _report_name(source, catalog)
            return f"{mention.name} nämns bara i förbigående i {where}; arkivet har ingen rapport om den."
    return None


def _report_name(source: str, catalog: Catalog) -> str:
    """A report as staff call it ("slutrapporten för Bron Gävle"); the file's name when its kind or insats is not
    known (a file name's year or number would read as a figure of the answer)."""
    info = catalog.reports.get(source)
    if info is None or info.insats is None or info.report_type not in TYPE_NAMES:
        return source
    return f"{TYPE_NAMES[info.report_type][1]} för {info.insats.name}"


# Passages a name may stand in and still be a mention in passing (one sentence in each of a few reports, each
# sentence in up to two overlapping passages).
_IN_PASSING = 5


class SourceReader(Protocol):
    def chunks_of(self, source: str) -> list[Chunk]: ...


class ReportTerms:
    """The analyzed terms of each report's passages (and of the headings they stand under), read and analyzed
    once per state of the archive (a question about an insats asks whether its reports use a word; re-reading
    them per question is slow)."""

    def __init__(self, sources: SourceReader) -> None:
        self.sources = sources
        self._generation = -1
        self._terms: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    def of(self, reports: Sequence[str], generation: int) -> frozenset[str]:
        """Every term the passages of ``reports`` use, as the archive stands at ``generation``."""
        return frozenset().union(*(self._read(s, generation)[0] for s in reports))

    def in_headings(self, reports: Sequence[str], generation: int) -> frozenset[str]:
        """Every term of the headings the passages of ``reports`` stand under."""
        return frozenset().union(*(self._read(s, generation)[1] for s in reports))

    def _read(self, source: str, generation: int) -> tuple[frozenset[str], frozenset[str]]:
        if generation != self._generation:
            self._generation, self._terms = generation, {}
        if source not in self._terms:
            chunks = self.sources.chunks_of(source)
            self._terms[source] = (
                frozenset(t for c in chunks for t in analyze(c.search_text)),
                frozenset(t for c in chunks for t in analyze(" ".join(c.heading_path))),
            )
        return self._terms[source]


def kommun_without_insats(query: Query, catalog: Catalog, lexical: LexicalSearch) -> gaps.Gap | None:
    """A kommun the question names (capitalised, as a place is written) that no report of the archive
    mentions at all: no insats can have been run there. Kommun names that are also everyday words ("Vara",
    "Ånge") are only taken when capitalised inside the question."""
    places = set(kommuner())
    for word in query.inner_names:
        folded = fold(word)
        place = folded if folded in places else folded.removesuffix("s")
        if place not in places or any(place in fold(i.kommun or "") for i in catalog.insatser):
            continue
        if all(lexical.document_frequency(t) == 0 for t in analyze(word)):
            return gaps.Gap(f"Arkivet har ingen insats i {word}; ingen rapport nämner {word}.")
    return None


def gap(
    query: Query, named: Sequence[NameMatch], catalog: Catalog, lexical: LexicalSearch, terms: ReportTerms
) -> gaps.Gap | None:
    """What the archive cannot answer about the insats the question names, or the kommun's insatser when
    it names only a kommun (see ``assistant.gaps``)."""
    if named:
        scope = [m.insats for m in named[:2]]
    else:  # "Familjeteamet i Ljusdal": a kommun alone stands for the insatser run there
        words = set(query.words)
        scope = [i for i in catalog.insatser if i.kommun and fold(i.kommun) in words]
    if query.figure:
        found = gaps.after_coverage(query.text, scope, _quarters(scope, catalog, terms.sources))
        if found is not None:
            return found
    if not named:
        return _unknown_name(query, scope, catalog, terms)
    if len(named) != 1:
        return None
    insats = named[0].insats
    asked = {name for fields in query.register_fields for name in fields}
    if asked & {field.name for _, field in insats.fields}:
        return None  # the register holds what is asked ("diarienummer … hos förbundet"): the rest is context
    excluded = {t for m in named for t in analyze(m.alias)} | {t for p in kommuner() for t in analyze(p)}
    excluded |= set(analyze(insats.name))
    frequency = {t: lexical.document_frequency(t) for t in analyze(query.text)}
    own = terms.of(insats.reports, catalog.generation)
    return gaps.unmentioned(query.text, insats, own, archive_frequency=frequency, excluded=excluded)


def _unknown_name(
    query: Query, scope: Sequence[Insats], catalog: Catalog, report_terms: ReportTerms
) -> gaps.Gap | None:
    """A name the question asks about ("projektet Kompassen i Gävle") that is no insats of the archive and
    that no report of the kommun's insatser uses: their figures would answer another question."""
    if not scope:
        return None
    known = {w for i in catalog.insatser for a in (fold(i.name), *i.aliases) for w in a.split()}
    places = set(kommuner())
    own = report_terms.of([source for insats in scope for source in insats.reports], catalog.generation)
    for word in query.inner_names:
        folded = fold(word)
        terms = analyze(word)
        if not terms or folded in known or folded in places or folded.removesuffix("s") in places:
            continue
        if terms[0] not in own:
            kommun = scope[0].kommun or ""
            text = f"Arkivet har ingen insats som heter {word} i {kommun}; den nämns inte i kommunens rapporter."
            return gaps.Gap(text)
    return None


def _quarters(insatser: Sequence[Insats], catalog: Catalog, sources: SourceReader) -> dict[str, date]:
    """The quarter each quarterly report of ``insatser`` covers, read from its name or opening."""
    quarters = {}
    for insats in insatser:
        for source in insats.reports:
            info = catalog.reports.get(source)
            if info is None or info.report_type not in ("kvartalsrapport", "lagesrapport"):
                continue
            head = " ".join(c.text for c in sources.chunks_of(source)[:2])
            if (end := gaps.quarter_end(source, head)) is not None:
                quarters[source] = end
    return quarters

"""Fact and why questions: register fields when asked for, else the best-matching sentences, one per report."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Protocol

from assistant.answer import Passage
from assistant.catalog import Catalog
from assistant.extractive.draft import NO_ANSWER, Draft
from assistant.extractive.sentences import (
    _answers_figure,
    _differing_figures,
    _one_per_report,
    _quote,
    _ranked,
    _Sentence,
)
from assistant.intent import Query
from assistant.names import NameMatch
from assistant.retrieve import Filters, HybridRetriever
from index.records import Chunk, Field

_FIELD_LABELS = {
    "diarienummer": "Diarienummer",
    "beviljade_medel": "Beviljade medel",
    "utnyttjade_medel": "Utnyttjade medel",
    "period_start": "Period",
    "period_end": "Period",
    "kontaktperson": "Kontaktperson",
}


class SourceReader(Protocol):
    def chunks_of(self, source: str) -> list[Chunk]: ...


class FactAnswerer:
    """The best sentences for a fact or why question, or the register fields it asks for.

    Args:
        retriever: the hybrid search.
        catalog: returns the current catalog.
        sources: reads a report's stored passages (register fields point into them).
        k: passages retrieved.
        max_sentences: sentences quoted.
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        *,
        catalog: Callable[[], Catalog],
        sources: SourceReader,
        k: int,
        max_sentences: int,
    ) -> None:
        self.retriever, self.catalog, self.sources = retriever, catalog, sources
        self.k, self.max_sentences = k, max_sentences

    def answer(self, query: Query, named: Sequence[NameMatch], key: set[str], filters: Filters | None) -> Draft:
        register = self._from_register(query, named)
        if register is not None:
            return register
        passages = self._search(query, named, filters)
        wants_figure = query.figure
        ranked = [s for s in _ranked(passages, key, headings=bool(named)) if s.score > 0]
        if wants_figure:
            ranked = [
                s for s in ranked if _answers_figure(s.matched or s.text, key, money=query.money, often=query.often)
            ]
        if not ranked:
            return Draft(NO_ANSWER, abstained=True)
        chosen = _one_per_report(ranked, self.max_sentences) if named else ranked[: self.max_sentences]
        used: list[Passage] = []
        lines = [_quote(s, used) for s in chosen]
        notices = _differing_figures(chosen) if wants_figure else ()
        insatser = tuple(dict.fromkeys(s.passage.insats for s in chosen if s.passage.insats))
        return Draft("\n".join(lines), tuple(used), insatser, False, notices)

    def _from_register(self, query: Query, named: Sequence[NameMatch]) -> Draft | None:
        """Template fields the question asks for (dnr, granted or used money, period, contact), read from the
        register with the passage they stand in; every report's value is shown, so differences are seen."""
        wanted = query.register_fields
        if not named or not wanted:
            return None
        used: list[Passage] = []
        lines: list[str] = []
        values_by_field: dict[tuple[str, str], set[str]] = {}
        for match in named[:2]:
            for fields in wanted:
                per_source: dict[str, list[Field]] = {}
                for source, field in match.insats.fields:
                    if field.name in fields:
                        per_source.setdefault(source, []).append(field)
                for source, found in per_source.items():
                    passage = self._passage_at(source, found[0].start, match)
                    if passage is None:
                        continue
                    # A period is its start and end together ("2019-10-01 – 2022-06-30").
                    raw = " – ".join(re.sub(r"\s+", " ", f.raw.replace("<br>", " ")).strip(" |*") for f in found)
                    label = _FIELD_LABELS.get(found[0].name, found[0].name)
                    if found[0].name.startswith("period_") and passage.report_type == "kvartalsrapport":
                        label = "Kvartalsrapportens period"  # the quarter reported on, not when the insats ran
                    lines.append(f"{label}: {_quote(_Sentence(raw, passage, 1.0), used)}")
                    for field in found:
                        values_by_field.setdefault((match.insats.id, field.name), set()).add(field.value)
        if not lines:
            return None
        notices = tuple(
            f"Rapporterna anger olika värden för {_FIELD_LABELS.get(name, name).lower()}; alla visas med källa."
            for (_, name), values in values_by_field.items()
            if len(values) > 1
        )
        names = tuple(dict.fromkeys(m.insats.name for m in named[:2]))
        return Draft("\n".join(dict.fromkeys(lines)), tuple(used), names, False, notices)

    def _passage_at(self, source: str, offset: int, match: NameMatch) -> Passage | None:
        """The stored passage of ``source`` that holds ``offset``, as a Passage."""
        for chunk in self.sources.chunks_of(source):
            if chunk.start <= offset < chunk.end:
                info = self.catalog().reports.get(source)
                return Passage(chunk, 1.0, match.insats.name, match.insats.id, info.report_type if info else None)
        return None

    def _search(self, query: Query, named: Sequence[NameMatch], filters: Filters | None) -> list[Passage]:
        if not named:
            return self.retriever.search(query, k=self.k, filters=filters)
        # Several insatser fit the name: ask each and take their passages in turns. Scores of searches over
        # different reports are not comparable, and the one that fits may not be the one with most words.
        rankings = []
        for match in named[:3]:
            scoped = Filters(insats=match.insats.id, section=filters.section if filters else None)
            rankings.append(self.retriever.search(query, k=self.k, filters=scoped))
        found: dict[str, Passage] = {}
        for turn in itertools.zip_longest(*rankings):
            for passage in turn:
                if passage is not None:
                    found.setdefault(passage.chunk.id, passage)
        return list(found.values())[: self.k]

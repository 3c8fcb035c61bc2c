"""Hybrid retrieval: dense (e5 via Chroma) and lexical (BM25 over the Swedish analyzer), fused by rank.

Dense search catches paraphrase; BM25 catches exact names, figures and rare words, and folding lets
OCR text without å/ä/ö meet normal spelling. Reciprocal-rank fusion needs no score calibration between
the two. Two soft boosts follow, both from the report template rather than from any one archive: chunks
of an insats the question names, and chunks of the template sections the question asks about
("framgångsfaktorer", "budget" …). A reranker can be plugged in after fusion.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.answer import Passage
from assistant.archive import Archive, Catalog
from assistant.errors import BadFilter, EmptyQuestion
from assistant.names import insatser_in_text, resolve_insats
from index.analyze import fold
from index.sections import SECTION_KEYS
from index.store import where_clause

logger = logging.getLogger(__name__)

# Question wording → template sections that answer it (folded stems, matched as word prefixes).
SECTION_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("framgang", "positiva effekt", "fungerade bast", "fungerat bra"), ("framgangsfaktorer", "lardomar")),
    (("systemfel", "hinder"), ("systemfel", "avvikelser")),
    (("lardom", "larde", "lart", "erfarenhet"), ("lardomar", "framgangsfaktorer")),
    (("avvik", "varfor nadde", "orsak", "inte nadde"), ("avvikelser", "systemfel", "maluppfyllelse")),
    (("budget", "kostnad", "kostade", "medel", "beviljat", "beviljade", "utnyttja", "kronor", "pengar"),
     ("ekonomi", "allmanna_uppgifter")),
    (("maluppfyll", "malet", "malen", "delmal", "deltagare", "resultat", "utfall"), ("maluppfyllelse", "resultat")),
    (("implementer", "efter projekttiden", "efter insatsen", "fortsatt"), ("implementering",)),
    (("brukarmedverkan", "delaktig"), ("brukarmedverkan",)),
    (("tidsperiod", "period", "startade", "slutade", "insatstid"), ("allmanna_uppgifter",)),
    (("kontaktperson", "ansvarig"), ("ansvarig", "allmanna_uppgifter", "uppgiftslamnare")),
    (("samverkanspart",), ("samverkansparter",)),
    (("malgrupp",), ("malgrupp",)),
)
REPORT_TYPES = ("slutrapport", "kvartalsrapport", "utvardering")


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on what search may return; None means no restriction."""

    insats: str | None = None  # an insats id or a name as typed (resolved through the register)
    kommun: str | None = None
    report_type: str | None = None
    year: int | None = None
    section: str | None = None  # canonical section key, e.g. "framgangsfaktorer"

    def empty(self) -> bool:
        return all(v is None for v in (self.insats, self.kommun, self.report_type, self.year, self.section))


class Reranker(Protocol):
    def rerank(self, question: str, passages: Sequence[Passage]) -> list[Passage]: ...


class HybridRetriever:
    """``search(question, k=…, filters=…)`` over an opened Archive.

    Example:
        retriever = HybridRetriever(archive)
        for passage in retriever.search("Vilka insatser nämner Trisam?", k=5):
            print(passage.source, passage.chunk.section)
    """

    def __init__(
        self, archive: Archive, *, candidates: int = 60, rrf_k: int = 60, dense_weight: float = 1.0,
        lexical_weight: float = 1.0, insats_boost: float = 1.5, section_boost: float = 1.3,
        reranker: Reranker | None = None,
    ) -> None:
        if candidates < 1 or rrf_k < 1:
            raise ValueError("candidates and rrf_k must be positive")
        self.archive = archive
        self.candidates, self.rrf_k = candidates, rrf_k
        self.dense_weight, self.lexical_weight = dense_weight, lexical_weight
        self.insats_boost, self.section_boost = insats_boost, section_boost
        self.reranker = reranker

    def search(self, question: str, *, k: int = 6, filters: Filters | None = None) -> list[Passage]:
        """The ``k`` best passages for ``question``, best first.

        Raises:
            EmptyQuestion: for a blank question.
            BadFilter: when a filter names an unknown insats, section or report type.
        """
        if not question or not question.strip():
            raise EmptyQuestion("Frågan är tom. Skriv vad du vill veta.")
        filters = filters or Filters()
        catalog = self.archive.catalog()
        sources = self._allowed_sources(filters, catalog)
        if sources is not None and not sources:
            return []
        sections = [filters.section] if filters.section else None
        dense = self._dense(question, sources, sections)
        lexical = self._lexical(question, sources, sections)
        fused = self._fuse(question, dense, lexical, catalog, named=filters.insats is None)
        ranked = sorted(fused.items(), key=lambda item: -item[1])[: max(k, 1) * 3]
        chunks = {c.id: c for c in self.archive.register.chunks([cid for cid, _ in ranked])}
        dense_rank = {cid: i for i, (cid, _) in enumerate(dense, start=1)}
        lexical_rank = {cid: i for i, (cid, _) in enumerate(lexical, start=1)}
        passages = []
        for cid, score in ranked:
            chunk = chunks.get(cid)
            if chunk is None:
                continue  # deleted by a concurrent ingest since the indexes were read
            info = catalog.reports.get(chunk.source)
            insats = info.insats if info else None
            passages.append(
                Passage(chunk, score, insats.name if insats else None, insats.id if insats else None,
                        info.report_type if info else None, dense_rank.get(cid), lexical_rank.get(cid))
            )
        if self.reranker is not None:
            passages = self.reranker.rerank(question, passages)
        return passages[:k]

    def _dense(self, question: str, sources: list[str] | None, sections: list[str] | None) -> list[tuple[str, float]]:
        vector = self.archive.embedder.embed_query(question)
        where = where_clause(sources=sources, sections=sections)
        return self.archive.stores.chroma.search(vector, k=self.candidates, where=where)

    def _lexical(self, question: str, sources: list[str] | None, sections: list[str] | None) -> list[tuple[str, float]]:
        allowed = None
        if sources is not None or sections is not None:
            register = self.archive.register
            pool = register.chunks() if sources is None else [c for s in sources for c in register.chunks_of(s)]
            allowed = {c.id for c in pool if sections is None or c.section in sections}
        return self.archive.lexical().search(question, k=self.candidates, allowed=allowed)

    def _fuse(
        self, question: str, dense: list[tuple[str, float]], lexical: list[tuple[str, float]], catalog: Catalog,
        *, named: bool,
    ) -> dict[str, float]:
        scores: dict[str, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, (cid, _) in enumerate(ranking, start=1):
                scores[cid] = scores.get(cid, 0.0) + weight / (self.rrf_k + rank)
        boosts = self._boosts(question, catalog, named=named)
        if boosts[0] or boosts[1]:
            for chunk in self.archive.register.chunks(list(scores)):
                factor = 1.0
                if chunk.source in boosts[0]:
                    factor *= self.insats_boost
                if chunk.section in boosts[1]:
                    factor *= self.section_boost
                scores[chunk.id] *= factor
        return scores

    def _boosts(self, question: str, catalog: Catalog, *, named: bool) -> tuple[set[str], set[str]]:
        sources: set[str] = set()
        if named:
            for match in insatser_in_text(question, catalog.insatser):
                sources.update(catalog.sources_of(match.insats.id))
        return sources, set(section_hints(question))

    def _allowed_sources(self, filters: Filters, catalog: Catalog) -> list[str] | None:
        if filters.empty() or (filters.section is not None and all(
                v is None for v in (filters.insats, filters.kommun, filters.report_type, filters.year))):
            self._check_section(filters.section)
            return None
        self._check_section(filters.section)
        reports = list(catalog.reports.values())
        if filters.insats is not None:
            ids = {i.id for i in catalog.insatser if i.id == filters.insats}
            if not ids:
                matches = resolve_insats(filters.insats, catalog.insatser)
                if not matches:
                    raise BadFilter(f"Ingen insats i arkivet heter något i stil med \"{filters.insats}\".")
                ids = {m.insats.id for m in matches}
            reports = [r for r in reports if r.insats is not None and r.insats.id in ids]
        if filters.kommun is not None:
            reports = [r for r in reports if r.kommun and fold(r.kommun) == fold(filters.kommun).strip()]
        if filters.report_type is not None:
            wanted = fold(filters.report_type)
            if wanted not in REPORT_TYPES:
                raise BadFilter(f"Okänd rapporttyp \"{filters.report_type}\". Välj bland: {', '.join(REPORT_TYPES)}.")
            reports = [r for r in reports if r.report_type == wanted]
        if filters.year is not None:
            year = filters.year
            reports = [r for r in reports if r.years is not None and r.years[0] <= year <= r.years[1]]
        return [r.source for r in reports]

    @staticmethod
    def _check_section(section: str | None) -> None:
        if section is not None and section not in SECTION_KEYS:
            raise BadFilter(f"Okänd avsnittsnyckel \"{section}\". Välj bland: {', '.join(SECTION_KEYS)}.")


def section_hints(question: str) -> list[str]:
    """Template sections a question asks about, from its wording."""
    text = " " + " ".join(re.findall(r"\w+", fold(question))) + " "
    found: list[str] = []
    for cues, keys in SECTION_HINTS:
        if any(f" {cue}" in text for cue in cues):
            found.extend(k for k in keys if k not in found)
    return found

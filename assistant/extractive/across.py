"""Questions across the archive ("vilka insatser …"): every insats is asked in turn; each that qualifies gets a
bullet."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer import Passage
from assistant.catalog import Catalog
from assistant.extractive.draft import NO_ANSWER, Draft
from assistant.extractive.sentences import _best_covering, _quote
from assistant.intent import Query
from assistant.retrieve import Filters, HybridRetriever
from index.titlepage import TYPE_NAMES


class ListAnswerer:
    """One bullet per insats whose passages cover the question's content words; the count comes first.

    Args:
        retriever: the hybrid search.
        catalog: returns the current catalog.
        per_insats: passages retrieved per insats.
    """

    def __init__(self, retriever: HybridRetriever, *, catalog: Callable[[], Catalog], per_insats: int) -> None:
        self.retriever, self.catalog, self.per_insats = retriever, catalog, per_insats

    def answer(self, query: Query, words: list[set[str]], filters: Filters | None) -> Draft:
        """Ask every insats; it qualifies when one of its sentences uses the question's content words (a word
        may instead be carried by the passage around the sentence or by the section it stands in)."""
        catalog = self.catalog()
        used: list[Passage] = []
        bullets = []
        # "… i slutrapporterna" asks those reports only, when the archive has any.
        kind = query.report_type
        if kind not in {info.report_type for info in catalog.reports.values()}:
            kind = None
        for insats in catalog.insatser:
            scoped = Filters(insats=insats.id, section=filters.section if filters else None, report_type=kind)
            passages = self.retriever.search(query, k=self.per_insats, filters=scoped)
            best = _best_covering(passages, words)
            if best is not None:
                kommun = f" ({insats.kommun})" if insats.kommun else ""
                bullets.append(f"- **{insats.name}**{kommun}: {_quote(best, used)}")
        if not bullets:
            return Draft(NO_ANSWER, abstained=True)
        if kind is None:
            head = f"{len(bullets)} av {len(catalog.insatser)} insatser i arkivet:"
        else:
            having = {info.insats.id for info in catalog.reports.values() if info.report_type == kind and info.insats}
            head = f"{len(bullets)} av {len(having)} insatser med {TYPE_NAMES.get(kind, (kind, ''))[0]} i arkivet:"
        names = tuple(dict.fromkeys(p.insats for p in used if p.insats))
        return Draft("\n".join([head, *bullets]), tuple(used), names)

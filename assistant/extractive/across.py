"""Questions across the archive ("vilka insatser …"): every insats is asked in turn; each that qualifies gets a
bullet."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer import Passage
from assistant.catalog import Catalog
from assistant.extractive.absent import ReportTerms
from assistant.extractive.draft import NO_ANSWER, Draft
from assistant.extractive.sentences import _best_covering, _quote
from assistant.intent import Query
from assistant.retrieve import Filters, HybridRetriever
from index.analyze import fold
from index.places import landskap
from index.titlepage import TYPE_NAMES


class ListAnswerer:
    """One bullet per insats whose passages cover the question's content words; the count comes first.

    Args:
        retriever: the hybrid search.
        catalog: returns the current catalog.
        per_insats: passages retrieved per insats.
    """

    def __init__(
        self, retriever: HybridRetriever, *, catalog: Callable[[], Catalog], per_insats: int, terms: ReportTerms
    ) -> None:
        self.retriever, self.catalog, self.per_insats = retriever, catalog, per_insats
        self.terms = terms

    def answer(self, query: Query, words: list[set[str]], filters: Filters | None) -> Draft:
        """Ask every insats; it qualifies when one of its sentences uses the words that say who is a member (a
        word may instead be carried by the passage around the sentence or by the section it stands in), and
        none of its passages says that thing does not exist, unless the question asks for that."""
        catalog = self.catalog()
        used: list[Passage] = []
        bullets = []
        # "… i slutrapporterna" asks those reports only, when the archive has any.
        kind = query.report_type
        if kind not in {info.report_type for info in catalog.reports.values()}:
            kind = None
        common = self._common_ground(words, catalog)
        # "… i Hälsingland" asks about the insatser run in that landskap's kommuner.
        region = frozenset().union(*(landskap()[r][1] for r in query.regions))
        insatser = [i for i in catalog.insatser if not region or fold(i.kommun or "") in region]
        for insats in insatser:
            scoped = Filters(insats=insats.id, section=filters.section if filters else None, report_type=kind)
            passages = self.retriever.search(query, k=self.per_insats, filters=scoped)
            best = _best_covering(passages, words, denials=not query.negated, common=common)
            if best is not None:
                kommun = f" ({insats.kommun})" if insats.kommun else ""
                bullets.append(f"- **{insats.name}**{kommun}: {_quote(best, used)}")
        if not bullets:
            return Draft(NO_ANSWER, abstained=True)
        where = " och ".join(landskap()[r][0] for r in query.regions)
        if where:
            head = f"{len(bullets)} av {len(insatser)} insatser i {where} i arkivet:"
        elif kind is None:
            head = f"{len(bullets)} av {len(catalog.insatser)} insatser i arkivet:"
        else:
            having = {info.insats.id for info in catalog.reports.values() if info.report_type == kind and info.insats}
            head = f"{len(bullets)} av {len(having)} insatser med {TYPE_NAMES.get(kind, (kind, ''))[0]} i arkivet:"
        names = tuple(dict.fromkeys(p.insats for p in used if p.insats))
        return Draft("\n".join([head, *bullets]), tuple(used), names)

    def _common_ground(self, words: list[set[str]], catalog: Catalog) -> list[bool]:
        """Per word, whether nearly every insats uses it in running text ("deltagare"): such a word cannot tell
        members from the rest, so it is not asked of each. A word the reports use as a heading ("Framgångs-
        faktorer") says where a statement stands and stays asked; so does the least common word, always."""
        insatser = [i for i in catalog.insatser if i.reports]
        if len(insatser) < _COMMON_MIN_INSATSER:
            return [False] * len(words)
        used = [0] * len(words)
        headed = [0] * len(words)
        for insats in insatser:
            terms = self.terms.of(insats.reports, catalog.generation)
            headings = self.terms.in_headings(insats.reports, catalog.generation)
            for i, word in enumerate(words):
                used[i] += bool(word & terms)
                headed[i] += bool(word & headings)
        common = [u >= _COMMON_SHARE * len(insatser) and h < u / 2 for u, h in zip(used, headed, strict=True)]
        if common and all(common):
            common[min(range(len(words)), key=lambda i: used[i])] = False
        return common


# A word three in four insatser use is common ground; among fewer than six, sharing a word says little.
_COMMON_SHARE = 0.75
_COMMON_MIN_INSATSER = 6

"""The default answerer: composes Swedish answers from retrieved sentences, without a language model.

Every statement is a sentence (or table row) quoted from a passage, marked ``[n]``. Three shapes:
  - a fact or why-question gets the best-matching sentences, one per report when the named insats has
    several reports, and a notice when those reports state different figures;
  - a question across the archive ("vilka insatser …") is asked of every insats in turn, and each insats
    whose passages contain the question's key words gets a bullet; the count comes first;
  - when nothing in the archive matches the question's key words (or a figure is asked for and none is
    found), it says so instead of offering a figure from elsewhere.

It reads the question only through its ``Query`` (``assistant/intent.py``). The three shapes live in their own
modules: ``fact.py`` (fact and why questions, register fields), ``across.py`` (questions across the archive),
``money.py`` (lists decided by money left or overspent), ``attainment.py`` (lists decided by goals reached or
missed) and ``absent.py`` (what the archive does not have); ``goalcard.py`` shows a goal beside every report's
outcome for all of them;
``sentences.py`` splits, scores and quotes sentences; ``draft.py`` holds the Draft they all return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.catalog import Catalog
from assistant.extractive.absent import ReportTerms, gap, kommun_without_insats, not_in_archive, only_mentioned
from assistant.extractive.across import ListAnswerer, only_proposed
from assistant.extractive.attainment import GoalList, asks_about_goals
from assistant.extractive.draft import NO_ANSWER, Draft
from assistant.extractive.fact import FactAnswerer, SourceReader
from assistant.extractive.goalcard import GoalBook
from assistant.extractive.meaning import VectorStore, judge_for
from assistant.extractive.money import MoneyList
from assistant.intent import (
    PEOPLE_TERMS,
    Query,
    asks_inventory,
    asks_where_named,
    content_words,
    counted_terms,
    counts_people,
    criterion_words,
    member_clause,
    money_condition,
    name_words,
    own_terms,
    plain_words,
    share_terms,
    spelled_as_archive,
    words_of,
)
from assistant.retrieve import Filters, HybridRetriever, LexicalSearch, rare_in
from index.analyze import analyze

__all__ = ["NO_ANSWER", "Draft", "ExtractiveAnswerer", "SourceReader"]


class ExtractiveAnswerer:
    """Answers from the archive's own sentences.

    Args:
        retriever: the hybrid search.
        catalog: returns the current catalog.
        lexical: returns the current lexical index (how often the archive uses a word).
        sources: reads a report's stored passages (register fields point into them).
        k: passages retrieved for a fact or why question.
        per_insats: passages retrieved per insats for a question across the archive.
        max_sentences: sentences quoted in a fact or why answer.
        vectors: the archive's vector cache, where ingest keeps the sentences' vectors; None = embedded when read.
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        *,
        catalog: Callable[[], Catalog],
        lexical: Callable[[], LexicalSearch],
        sources: SourceReader,
        k: int = 8,
        per_insats: int = 4,
        max_sentences: int = 6,
        vectors: VectorStore | None = None,
    ) -> None:
        if k < 1 or per_insats < 1 or max_sentences < 1:
            raise ValueError("k, per_insats and max_sentences must be positive")
        self.retriever = retriever
        self.catalog, self.lexical, self.sources = catalog, lexical, sources
        self.k, self.per_insats, self.max_sentences = k, per_insats, max_sentences
        meaning = judge_for(retriever, vectors)  # one memory of sentence vectors for facts and lists
        book = GoalBook(catalog=catalog, sources=sources)  # goals read once per register generation
        self.facts = FactAnswerer(
            retriever, catalog=catalog, sources=sources, k=k, max_sentences=max_sentences, meaning=meaning, goals=book
        )
        self.report_terms = ReportTerms(sources)
        self.lists = ListAnswerer(
            retriever, catalog=catalog, per_insats=per_insats, terms=self.report_terms, meaning=meaning, goals=book
        )
        self.money = MoneyList(catalog=catalog, sources=sources)
        self.goals = GoalList(catalog=catalog, goals=book)

    def answer(self, query: Query, *, filters: Filters | None = None) -> Draft:
        named = [] if filters and filters.insats else list(query.named)
        name_terms = {t for m in named for t in analyze(m.alias)}
        whole = name_words([*(m.alias for m in named), *(m.insats.name for m in named)])
        across = not named and (filters is None or filters.empty()) and query.list_wording
        catalog, lexical = self.catalog(), self.lexical()  # one register state for the whole answer
        # "Vilka insatser använde Supported Employment?" asks who mentions it: that is the across answer.
        if not named and not across and (mention := only_mentioned(query, catalog, lexical)) is not None:
            return Draft(f"{NO_ANSWER} {mention}", abstained=True)
        if not named and (missing := not_in_archive(query, lexical, catalog)) is not None:
            return Draft(f"{NO_ANSWER} {missing}", abstained=True)
        if not named and (absent := kommun_without_insats(query, catalog, lexical)) is not None:
            return Draft(absent.text, abstained=True)
        if not across and (absent := gap(query, named, catalog, lexical, self.report_terms)) is not None:
            return Draft(absent.text, insatser=(absent.insats,) if absent.insats else (), abstained=True)
        if named and asks_where_named(query):
            return self.lists.naming(named[0].insats)  # where a name is written: the register and word search
        if across and asks_inventory(query):
            return self.lists.inventory(query)  # "vilka insatser finns?" names no criterion: the register answers
        if across and (condition := money_condition(member_clause(query.text))) is not None:
            return self.money.answer(query, condition)  # money left or overspent is compared, not matched
        if across and asks_about_goals(query) and (goals := self.goals.answer(query)) is not None:
            return goals  # a goal reached or missed is compared as figures, not matched as words
        if across:
            # An insats qualifies by covering the question's words, so only the surely topical ones count.
            words = spelled_as_archive(criterion_words(query, name_terms) or content_words(query, name_terms), lexical)
            return self.lists.answer(query, words, filters)
        # Ranking sentences gains from every specific word, even everyday ones the archive rarely uses.
        rare = lambda terms: rare_in(terms, lexical)  # noqa: E731
        words = spelled_as_archive(content_words(query, name_terms, rare=rare, name_words=whole), lexical)
        # A question that asks several things ("hur många …, och vad kostade …?") wants a sentence for each.
        parts = []
        for part in query.parts:
            part_key = set().union(
                *words_of(part.content, query.abbreviations, name_terms, rare=rare, name_words=whole)
            )
            if not part_key and part.figure:
                # A figure asked in everyday words only ("hur många gick vidare till jobb eller studier") is still
                # asked: its own words say what is counted.
                part_key = plain_words(part.content, name_terms)
            if part_key:
                parts.append((part, part_key))
        # The everyday words left out of the key still order the sentences that match it.
        weak = {t for w in query.content for t in w.terms} - name_terms
        shared = share_terms(query, name_terms, whole)
        nouns = counted_terms(query, name_terms, whole)
        if not nouns and counts_people(query, words):
            nouns = set(PEOPLE_TERMS)  # "hur många kom dit?" counts people: the form's words for them stand in
        key = set().union(*words, nouns, shared)
        if not key:
            # A question in everyday words only ("fick nån på mötesplatsen jobb?") still asks about those words.
            key = plain_words([w for w in query.content if own_terms(w, name_terms, whole)], name_terms)
        draft = self.facts.answer(query, named, key, filters, parts=parts, weak=weak, share=shared, nouns=nouns)
        if len(named) == 1 and not draft.abstained and only_proposed(named[0].insats, query, catalog):
            # A pre-study's figures are the study's: what it granted and found is not the insats it proposes.
            insats = named[0].insats.name
            lead = (
                f"Arkivet har bara förstudien om {insats}: den föreslår en insats, men någon rapport om insatsen "
                "finns inte i arkivet. Det som följer gäller förstudien."
            )
            draft = replace(draft, text=f"{lead}\n{draft.text}")
        return draft

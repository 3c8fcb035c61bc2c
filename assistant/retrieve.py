"""Hybrid retrieval: dense (e5 via Chroma) and lexical (BM25 over the Swedish analyzer), fused by rank.

Dense search catches paraphrase; BM25 catches exact names, figures and rare words, and folding lets
OCR text without å/ä/ö meet normal spelling. The other way round, a question typed without å/ä/ö
("hur manga") is spelled out for the dense model, which folds nothing. Reciprocal-rank fusion needs no
score calibration between the two. Two soft boosts follow, both from the report template rather than
from any one archive: chunks of an insats the question names, and chunks of the template sections the
question asks about ("framgångsfaktorer", "budget" …). Two question shapes are laid out differently:
  - across the archive ("vilka insatser nämner …"), the framing words are left out of the lexical query,
    passages lacking the question's content words yield to those that have them, and reports take turns;
  - a summary of a named insats ("sammanfatta …", "läget i …") starts with its reports' concluding
    sections (goal attainment, conclusions, assessment …), a few passages each, whatever the words.
A reranker can be plugged in after fusion.

Search reads a ``Query`` (``assistant/intent.py``): the cues above come from it, never from the raw text. It is
built from what it uses, each behind a small Protocol: the current catalog and lexical index (both move with
an ingest, so they are asked for on each search), the vector store, the query embedder and a chunk reader.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from assistant.accounts import final_account, meets
from assistant.answer import Passage
from assistant.catalog import Catalog
from assistant.errors import BadFilter, EmptyQuestion
from assistant.intent import (
    PEOPLE_TERMS,
    Query,
    asks_count,
    content_words,
    counts_people,
    member_clause,
    money_condition,
    named_fields,
    off_quarter,
    overlap,
    read_question,
    report_type_included,
    section_terms,
    spelled_as_archive,
    topic_groups,
    with_diacritics,
    without_framing,
    without_words,
    words_of,
)
from assistant.names import resolve_insats
from index.analyze import analyze, fold
from index.places import kommuner
from index.records import Chunk
from index.remote_embed import EmbedderUnavailable
from index.sections import SECTION_KEYS
from index.store import where_clause

logger = logging.getLogger(__name__)

# Navigation and reference matter: reference lists, tables of contents, abbreviations and the template's
# contact box match many questions' words but answer none, unless asked for.
BACKMATTER = frozenset({"referenser", "innehall", "forkortningar", "kontakt"})
# The form's signature box ("Uppgiftslämnare": date, name, role) shares names and dates with many questions but
# answers only who wrote or led something: it yields like backmatter unless the question asks "vem".
SIGNATURE = frozenset({"uppgiftslamnare"})
# The report types the register reads from title pages (index/titlepage.py); "rapport" is one of no known genre.
# Every type the title page reader gives, "okand" (no genre named) included: the answer engine scopes a search to
# the reports of one type, whatever type they are.
REPORT_TYPES = (
    "slutrapport",
    "kvartalsrapport",
    "lagesrapport",
    "utvardering",
    "forstudie",
    "ansokan",
    "rapport",
    "okand",
)
# Where a report says what it found, as a whole: asked "vad utvärderingen kom fram till", these come first.
OWN_SUMMARY = ("sammanfattning", "slutsatser")
# Filtered dense searches over at most this many chunks are scored exactly (ChromaStore.search_among).
EXACT_DENSE_LIMIT = 500
_QUERY_CACHE = 256  # question vectors kept
_RARE_PASSAGES, _RARE_SHARE = 3, 0.02  # an everyday word in at most this many passages is still specific


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


@dataclass(frozen=True, slots=True)
class _Intent:
    """What the wording of a question tells search, beyond its words."""

    sources: frozenset[str]  # reports of the insatser it names
    name_words: frozenset[str]  # folded words of the name it used, e.g. {"vf", "nordanstig"}
    sections: frozenset[str]  # template sections that answer it
    report_type: str | None  # "enligt utvärderingen" …
    across: bool  # a question across the archive ("vilka insatser …") that names no insats
    summary: tuple[str, ...]  # "sammanfatta …": the sections to draw on, in order; () for other questions
    topics: tuple[tuple[str, ...], ...] = ()  # a summary's topics as the question lists them, each as its sections
    type_included: bool = False  # "… och vad utvärderingen säger": the report type is one more topic, not a limit
    who: bool = False  # asks "vem": a person
    accounted: frozenset[str] = frozenset()  # final reports whose money meets the question's money condition


class Reranker(Protocol):
    def rerank(self, question: str, passages: Sequence[Passage]) -> list[Passage]: ...


class VectorSearch(Protocol):
    """Nearest chunks to a vector: all of them (optionally filtered), or among given ids."""

    def search(
        self, vector: Sequence[float], *, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]: ...

    def search_among(self, vector: Sequence[float], ids: Collection[str], *, k: int) -> list[tuple[str, float]]: ...

    def search_within(
        self, vector: Sequence[float], ids: Collection[str], *, k: int, where: dict[str, Any]
    ) -> list[tuple[str, float]]: ...


class LexicalSearch(Protocol):
    """BM25 over analyzed chunk text."""

    @property
    def ids(self) -> Sequence[str]: ...

    def search(
        self, query: str, *, k: int, allowed: Collection[str] | None = None, terms: Sequence[str] = ()
    ) -> list[tuple[str, float]]: ...

    def document_frequency(self, term: str) -> int: ...

    def vocabulary(self) -> Collection[str]: ...


class QueryEmbedder(Protocol):
    @property
    def name(self) -> str: ...

    def embed_query(self, text: str) -> list[float]: ...


class ChunkReader(Protocol):
    def chunks(self, ids: Sequence[str]) -> list[Chunk]: ...


class HybridRetriever:
    """``search(query, k=…, filters=…)`` over the stores of an opened archive.

    Example:
        retriever = archive.retriever()   # or HybridRetriever(catalog=…, vectors=…, lexical=…, …)
        for passage in retriever.search("Vilka insatser nämner Trisam?", k=5):
            print(passage.source, passage.chunk.section)

    Args:
        catalog: returns the current catalog (a new one after an ingest).
        vectors: the vector store.
        lexical: returns the current lexical index.
        embedder: embeds the question.
        chunks: reads stored chunks by id.
        pending: returns the files whose passages do not all have vectors yet (an ingest embeds after it
            has made every file searchable by words); for those, the lexical ranking stands in for the dense.
        restore_diacritics: spell out a question typed without å/ä/ö before embedding it.
        summary_topic_rounds: how many passages each topic a summary question lists gets, in turn, before the
            concluding sections fill the rest.
        summary_standing: the sections a summary that lists its topics takes one turn from after them, whatever it
            lists: whether the work lives on after the funded period is what a board asks of every insats.
        off_topic_factor: across the archive, what a passage in a section the question asks for pays when it holds
            none of the question's other words (None: the section boost taken back).
        common_share: a word held by at least this share of the archive's passages is too common to tell what a
            question is about (it still counts as a word a passage should hold).
        summary_accounts: a summary's money topic opens with the passages that state the final account (granted
            and used money) of the insats it names, as the register read them.
    """

    def __init__(
        self,
        *,
        catalog: Callable[[], Catalog],
        vectors: VectorSearch,
        lexical: Callable[[], LexicalSearch],
        embedder: QueryEmbedder,
        chunks: ChunkReader,
        candidates: int = 60,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        # 0.85 gained pooled retrieval MRR (0.770 → 0.784) but cost archive-a's answers (facts 0.593 → 0.555,
        # conflicts 0.214 → 0.143; bench/NOTES.md): words count a little less than meaning.
        lexical_weight: float = 0.7,
        insats_boost: float = 1.5,
        section_boost: float = 1.3,
        diversity_decay: float = 0.7,
        unmatched_factor: float = 0.2,
        # None: 1 / section_boost, the boost taken back (0.5 and 0.3 cost archive-c and archive-d; bench/NOTES.md)
        off_topic_factor: float | None = None,
        # A word held by a third of the archive's passages ("deltagarna", "insatsen", "arbete") is the archive's
        # own vocabulary: it cannot tell a passage on the topic from one beside it (bench/NOTES.md, session 21).
        common_share: float = 1 / 3,
        focus_depth: int = 10,
        backmatter_factor: float = 0.5,
        figure_boost: float = 1.3,
        reranker: Reranker | None = None,
        summary_per_section: int = 3,
        summary_topic_rounds: int = 2,
        summary_standing: tuple[str, ...] = ("implementering",),
        summary_alternate: bool = True,
        part_picks: bool = True,
        summary_accounts: bool = True,
        field_turns: int = 2,
        pending: Callable[[], Collection[str]] | None = None,
        restore_diacritics: bool = True,
    ) -> None:
        if candidates < 1 or rrf_k < 1:
            raise ValueError("candidates and rrf_k must be positive")
        self.catalog, self.vectors, self.lexical = catalog, vectors, lexical
        self.embedder, self.chunk_reader = embedder, chunks
        self.candidates, self.rrf_k = candidates, rrf_k
        self.dense_weight, self.lexical_weight = dense_weight, lexical_weight
        self.insats_boost, self.section_boost = insats_boost, section_boost
        self.diversity_decay, self.unmatched_factor = diversity_decay, unmatched_factor
        self.off_topic_factor = 1 / section_boost if off_topic_factor is None else off_topic_factor
        self.common_share = common_share
        self.focus_depth, self.backmatter_factor = focus_depth, backmatter_factor
        self.figure_boost = figure_boost
        self.reranker = reranker
        self.summary_per_section = summary_per_section
        self.summary_topic_rounds = summary_topic_rounds
        self.summary_standing = summary_standing
        self.summary_alternate = summary_alternate
        self.part_picks = part_picks
        self.summary_accounts = summary_accounts
        self.field_turns = field_turns
        self.pending = pending or frozenset
        self.restore_diacritics = restore_diacritics
        self._names: tuple[int, tuple[str, ...]] = (-1, ())  # (catalog generation, the archive's names)
        # One question is searched once per insats when asked across the archive: embed it once.
        self._vectors: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._vectors_lock = threading.Lock()

    def search(self, question: Query | str, *, k: int = 6, filters: Filters | None = None) -> list[Passage]:
        """The ``k`` best passages for ``question``, best first.

        Args:
            question: the question as read by ``intent.read_question``; a plain string (a search box, a
                script) is read here, once.

        Raises:
            EmptyQuestion: for a blank question.
            BadFilter: when a filter names an unknown insats, section or report type.
        """
        text = question.text if isinstance(question, Query) else question
        if not text or not text.strip():
            raise EmptyQuestion("Frågan är tom. Skriv vad du vill veta.")
        filters = filters or Filters()
        catalog = self.catalog()
        query = question if isinstance(question, Query) else read_question(question, (), catalog)
        sources = self._allowed_sources(filters, catalog)
        if sources is not None and not sources:
            return []
        sections = [filters.section] if filters.section else None
        intent = self._intent(query, catalog, named=filters.insats is None)
        vector = self._embed(self._dense_text(query.text, catalog))
        # Files still waiting for vectors (or every file, when the embedding server is down) have no dense
        # ranking: their place in the lexical one stands in for it, so they are not outranked for lack of it.
        waiting = frozenset(catalog.reports) if vector is None else frozenset(self.pending())
        words = without_framing(query.lexical) if intent.across else query.lexical
        respelled = self._respelled(query)
        dense = self._dense(vector, sources, sections, self.candidates)
        lexical = self._lexical(words, catalog, sources, sections, self.candidates, respelled)
        rankings: list[tuple[float, Sequence[tuple[str | None, float]]]] = [
            (self.dense_weight, dense),
            (self.lexical_weight, lexical),
        ]
        rankings += self._stand_in(lexical, waiting, catalog)
        fielded = self._fielded(query, catalog, sources) if filters.insats is None else []
        if fielded:
            rankings.append((self.lexical_weight, fielded))
        # Inside the named insats's own reports its name is on every page: match on the rest of the question.
        focused_words = without_words(words, intent.name_words) if intent.sources else words
        for focus_sources, focus_sections, depth in self._focus(intent, catalog, sources, sections):
            focus_lexical = self._lexical(focused_words, catalog, focus_sources, focus_sections, depth, respelled)
            rankings.append((self.dense_weight, self._dense(vector, focus_sources, focus_sections, depth)))
            rankings.append((self.lexical_weight, focus_lexical))
            rankings += self._stand_in(focus_lexical, waiting, catalog)
        fused = self._fuse(rankings, intent, catalog)
        if intent.sources and asks_count(query):
            fused = self._counted_beside(fused, query, depth=self.focus_depth * 2)
        if intent.across:
            if filters.insats is None:
                fused = self._require_words(fused, query, depth=self.candidates * 2, sections=intent.sections)
            fused = self._diversify(fused, catalog)
        ranked = sorted(fused.items(), key=lambda item: -item[1])
        scope = self._summary_scope(intent, catalog, sources, filters)
        if scope:
            ranked = self._summary_first(ranked, scope, intent, catalog, self._accounted_in(query, scope, catalog))
        elif not intent.across and not intent.summary:
            held = [cid for cid, _ in fielded[: self.field_turns]]
            held += [cid for cid in self._part_picks(query, intent, catalog) if cid not in held]
            if held:
                ranked = self._fields_placed(ranked, held[:2])
        ranked = ranked[: max(k, 1) * 3]
        chunks = {c.id: c for c in self.chunk_reader.chunks([cid for cid, _ in ranked])}
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
                Passage(
                    chunk,
                    score,
                    insats.name if insats else None,
                    insats.id if insats else None,
                    info.report_type if info else None,
                    dense_rank.get(cid),
                    lexical_rank.get(cid),
                )
            )
        passages = distinct(passages)
        if self.reranker is not None:
            passages = self.reranker.rerank(query.text, passages)
        return passages[:k]

    def _fielded(self, query: Query, catalog: Catalog, sources: list[str] | None) -> list[tuple[str, float]]:
        """The passages in which the register read the form fields the question names (owner, period, partners,
        dnr; ``intent.named_fields``) of the insatser it names: the register knows where a report states them, in
        whatever words the question asks ("vem ägde den", "när höll den på"). Empty when it names none."""
        wanted = named_fields(query)
        allowed = None if sources is None else set(sources)
        offsets: dict[str, list[int]] = {}
        for match in query.named[:2] if wanted else ():
            for source, found in match.insats.fields:
                if found.name in wanted and (allowed is None or source in allowed):
                    offsets.setdefault(source, []).append(found.start)
        held = self._holding(offsets, catalog)
        held.sort(key=lambda c: min((at for at in offsets[c.source] if c.start <= at < c.end), default=c.start))
        return [(c.id, 1.0) for c in held]

    def _holding(self, offsets: dict[str, list[int]], catalog: Catalog) -> list[Chunk]:
        """The passages that hold one of ``offsets`` (character offsets in a report, by source): where the
        register read a field."""
        if not offsets:
            return []
        chunks = self.chunk_reader.chunks(sorted(catalog.chunk_ids(set(offsets), None)))
        return [c for c in chunks if any(c.start <= at < c.end for at in offsets[c.source])]

    def _respelled(self, query: Query) -> tuple[str, ...]:
        """The archive's own spelling of question words it never uses ("rehabkordinatorernas" →
        "rehabkoordinator…", "suported" → "supported"): a typing slip should not cost a question its best word."""
        words = content_words(query)
        return tuple(
            sorted(
                {
                    term
                    for old, new in zip(words, spelled_as_archive(words, self.lexical()), strict=True)
                    for term in new - old
                    if not any(_other_ending(term, typed) for typed in old)
                }
            )
        )

    def _dense_text(self, text: str, catalog: Catalog) -> str:
        """The question as the dense model should read it: with the å/ä/ö a keyboard left out put back
        (lexical search folds them away on both sides anyway)."""
        if not self.restore_diacritics:
            return text
        if self._names[0] != catalog.generation:
            self._names = (catalog.generation, (*(i.name for i in catalog.insatser), *kommuner().values()))
        return with_diacritics(text, self._names[1])

    def _embed(self, question: str) -> list[float] | None:
        """The question's vector; None when the embedding server is down (search goes on by words)."""
        key = (self.embedder.name, question)
        with self._vectors_lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        try:
            vector = self.embedder.embed_query(question)
        except EmbedderUnavailable as exc:
            logger.warning("searching by words only: %s", exc)
            return None
        with self._vectors_lock:
            self._vectors[key] = vector
            while len(self._vectors) > _QUERY_CACHE:
                self._vectors.popitem(last=False)
        return vector

    @staticmethod
    def _intent(query: Query, catalog: Catalog, *, named: bool) -> _Intent:
        """What search does with the query: the named insatser's reports count unless a filter names one."""
        sources: set[str] = set()
        name_words: set[str] = set()
        if named:
            for match in query.insatser:
                sources.update(catalog.sources_of(match.insats.id))
                name_words.update(re.findall(r"\w+", match.alias))
            sources -= off_quarter(query)  # "i Q2 2023": the Q3 report of the insats is not its report
        return _Intent(
            frozenset(sources),
            frozenset(name_words),
            frozenset(query.sections),
            query.report_type,
            query.list_wording and not sources,
            query.summary,
            topic_groups(query.text, query.insatser) if query.summary else (),
            bool(query.summary and query.report_type and report_type_included(query.text)),
            "vem" in query.words,
            _accounted(query, catalog) if query.list_wording and not sources else frozenset(),
        )

    def _summary_scope(
        self, intent: _Intent, catalog: Catalog, sources: list[str] | None, filters: Filters
    ) -> list[str]:
        """The reports a summary question is about: those of the insats it names (or is filtered to), of the
        report type it asks for when it keeps to one ("enligt utvärderingen"; not "… och vad utvärderingen säger").
        Empty when it is no summary question or names nothing."""
        if not intent.summary or filters.section is not None:
            return []
        named = sorted(intent.sources) if intent.sources else (sources if filters.insats is not None else None)
        if not named:
            return []
        allowed = named if sources is None else [s for s in named if s in set(sources)]
        if intent.type_included:
            return allowed
        typed = [s for s in allowed if (info := catalog.reports.get(s)) and info.report_type == intent.report_type]
        return typed or allowed

    def _accounted_in(self, query: Query, scope: list[str], catalog: Catalog) -> list[str]:
        """The passages that state the final account (granted and used money) of the insatser a summary names,
        among the reports in ``scope``: the money a board summary quotes first is what was granted and what was
        used, and the register knows where the report states both, whatever the money section's own words."""
        if not self.summary_accounts:
            return []
        offsets: dict[str, list[int]] = {}
        for match in query.named[:2]:
            account = final_account(match.insats, catalog)
            if account is not None and account.source in scope:
                offsets.setdefault(account.source, []).extend((account.granted.start, account.used.start))
        return [c.id for c in sorted(self._holding(offsets, catalog), key=lambda c: (c.source, c.start))]

    def _summary_first(
        self,
        ranked: list[tuple[str, float]],
        scope: list[str],
        intent: _Intent,
        catalog: Catalog,
        accounts: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """Put the key template sections of the reports in scope first (a few passages of each, best first,
        in the summary's order), then the rest as ranked. Passages of those sections that no search reached
        come after the searched ones, in document order. When the question lists what the summary should
        cover ("mål mot utfall, pengar och lärdomar"), each listed topic first gets one passage, in its order:
        the asker enumerated them, so none should crowd out the next."""
        in_scope = set(scope)
        searched = {cid for cid, _ in ranked}
        by_section: dict[str | None, list[str]] = {}
        for cid, _ in ranked:
            if catalog.chunk_source.get(cid) in in_scope:
                by_section.setdefault(catalog.chunk_section.get(cid), []).append(cid)
        for cid, source in catalog.chunk_source.items():  # register order is document order
            if source in in_scope and cid not in searched:
                by_section.setdefault(catalog.chunk_section.get(cid), []).append(cid)
        if self.summary_alternate:
            by_section = {key: _alternating(cids, catalog) for key, cids in by_section.items()}
        groups = [[c for key in sections for c in by_section.get(key, [])] for sections in intent.topics]
        # Money asked for is first the account: the passages that state what was granted and what was used.
        groups = [
            [*accounts, *(c for c in group if c not in accounts)] if sections[0] == "ekonomi" else group
            for sections, group in zip(intent.topics, groups, strict=True)
        ]
        if self.summary_alternate:
            groups = [_alternating(group, catalog) for group in groups]
        if intent.type_included:  # what that kind of report says is one more topic: its own summary first
            typed = {s for s in scope if (info := catalog.reports.get(s)) and info.report_type == intent.report_type}
            order = dict.fromkeys((*OWN_SUMMARY, *intent.summary))
            groups.append([c for key in order for c in by_section.get(key, []) if catalog.chunk_source.get(c) in typed])
        standing: list[list[str]] = []
        if groups:  # the topics the asker listed, and then, once, what a board asks of every funded insats
            listed = {sections[0] for sections in intent.topics}
            standing = [by_section.get(key, []) for key in self.summary_standing if key not in listed]
        picked: list[str] = []
        for round_ in range(self.summary_topic_rounds):
            for group in groups + (standing if round_ == 0 else []):
                turn = next((c for c in group if c not in picked), None)
                if turn is not None:
                    picked.append(turn)
        first_pass = set(picked)
        picked += [
            cid
            for key in intent.summary
            for cid in by_section.get(key, [])[: self.summary_per_section]
            if cid not in first_pass
        ]
        if not picked:
            return ranked
        top = ranked[0][1] if ranked else 1.0
        first = [(cid, top + (len(picked) - i) * 1e-6) for i, cid in enumerate(picked)]
        placed = set(picked)
        return first + [(cid, s) for cid, s in ranked if cid not in placed]

    def _part_picks(self, query: Query, intent: _Intent, catalog: Catalog) -> list[str]:
        """For a question about a named insats that asks several things ("… kom den igång direkt? när skrevs första
        deltagaren in?"), the best passage for each thing after the first, among the insats's own: by its words
        when it has words of its own, else by meaning ("vad är det för nåt?", "hur många var det totalt?")."""
        if not self.part_picks or not intent.sources:
            return []
        sources = sorted(intent.sources)
        name = query.named[0].alias if query.named else ""
        picks = []
        for part in query.parts[1:]:
            if words_of(part.content, query.abbreviations, name_words=intent.name_words):
                found = self._lexical(without_words(part.text, intent.name_words), catalog, sources, None, 1)
            else:
                found = self._dense(self._embed(f"{part.text} ({name})" if name else part.text), sources, None, 1)
            if found and found[0][0] not in picks:
                picks.append(found[0][0])
        return picks

    def _fields_placed(self, ranked: list[tuple[str, float]], held: list[str]) -> list[tuple[str, float]]:
        """The passages where the register read the form fields a question names, moved into the last places of
        the first five unless already among them: a question that also asks for a field ("… vem ägde den och när
        höll den på?") gets the form's answer beside the prose that answers the rest."""
        late = [cid for cid in held if cid not in {c for c, _ in ranked[:5]}]
        if not late or len(ranked) <= 5 - len(late):
            return ranked
        placed = set(late)
        rest = [(cid, s) for cid, s in ranked if cid not in placed]
        at = 5 - len(late)
        score = rest[at - 1][1] if at > 0 else ranked[0][1]
        return rest[:at] + [(cid, score) for cid in late] + rest[at:]

    def _focus(
        self,
        intent: _Intent,
        catalog: Catalog,
        sources: list[str] | None,
        sections: list[str] | None,
    ) -> list[tuple[list[str] | None, list[str] | None, int]]:
        """Narrow searches where the template says the answer lives: the reports of the insats the question
        names (in the sections it asks about), or else those sections across the archive."""
        allowed = None if sources is None else set(sources)
        hinted = sorted(intent.sections) if intent.sections and sections is None else sections
        focus: list[tuple[list[str] | None, list[str] | None, int]] = []
        if self.focus_depth <= 0:
            return focus
        if intent.sources:
            named = sorted(s for s in intent.sources if allowed is None or s in allowed)
            if named and hinted and hinted != sections and not catalog.chunk_ids(set(named), hinted):
                hinted = sections  # its reports have none of the sections asked about: all of them are searched
            if named:
                focus.append((named, hinted, self.focus_depth))
        elif hinted != sections:
            focus.append((sources, hinted, self.focus_depth))
        return focus

    def _stand_in(
        self, lexical: list[tuple[str, float]], waiting: frozenset[str], catalog: Catalog
    ) -> list[tuple[float, list[tuple[str | None, float]]]]:
        """The lexical ranking as the dense one for passages of ``waiting`` files, each at its lexical rank."""
        if not waiting:
            return []
        standing = [(cid if catalog.chunk_source.get(cid) in waiting else None, score) for cid, score in lexical]
        return [(self.dense_weight, standing)]

    def _dense(
        self,
        vector: list[float] | None,
        sources: list[str] | None,
        sections: list[str] | None,
        k: int,
    ) -> list[tuple[str, float]]:
        if vector is None:
            return []
        where = where_clause(sources=sources, sections=sections)
        if where is not None:
            # A few hundred chunks are scored exactly, far faster than Chroma's filtered query (scale bench).
            allowed = self.catalog().chunk_ids(None if sources is None else set(sources), sections)
            if len(allowed) <= EXACT_DENSE_LIMIT:
                return self.vectors.search_among(vector, allowed, k=k)
            # Larger filters (a section across the archive): Chroma's HNSW query, given the ids (scale bench).
            return self.vectors.search_within(vector, allowed, k=k, where=where)
        return self.vectors.search(vector, k=k, where=where)

    def _lexical(
        self,
        query: str,
        catalog: Catalog,
        sources: list[str] | None,
        sections: list[str] | None,
        k: int,
        terms: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        allowed = None
        if sources is not None or sections is not None:
            allowed = catalog.chunk_ids(None if sources is None else set(sources), sections)
        return self.lexical().search(query, k=k, allowed=allowed, terms=terms)

    def _fuse(
        self,
        rankings: Sequence[tuple[float, Sequence[tuple[str | None, float]]]],
        intent: _Intent,
        catalog: Catalog,
    ) -> dict[str, float]:
        """Reciprocal-rank fusion of all rankings, then the template boosts and report diversity."""
        scores: dict[str, float] = {}
        for weight, ranking in rankings:
            for rank, (cid, _) in enumerate(ranking, start=1):
                if cid is None:
                    continue  # a place held in a stand-in ranking
                scores[cid] = scores.get(cid, 0.0) + weight / (self.rrf_k + rank)
        for cid in scores:
            source = catalog.chunk_source.get(cid)
            factor = 1.0
            if source in intent.sources or source in intent.accounted:
                factor *= self.insats_boost
            section = catalog.chunk_section.get(cid)
            if section in intent.sections:
                factor *= self.section_boost
            elif section in BACKMATTER or (section in SIGNATURE and not intent.who):
                factor *= self.backmatter_factor
            info = catalog.reports.get(source or "")
            if intent.report_type and info is not None and info.report_type == intent.report_type:
                factor *= self.section_boost
            scores[cid] *= factor
        return scores

    def _counted_beside(self, scores: dict[str, float], query: Query, *, depth: int) -> dict[str, float]:
        """A count question is answered where its most specific word stands beside a figure: among the ``depth``
        best, a passage with a line (a sentence, a table row) holding that word and a number that is no year
        ("| Trisam Nordanstig | 21 |", "Aktivitetsersättning 7 10 17") gains ``figure_boost``."""
        lexical = self.lexical()
        words = content_words(query, {t for m in query.named for t in analyze(m.alias)})
        if counts_people(query, words):
            words = [set(PEOPLE_TERMS)]
        if not words or self.figure_boost <= 1.0:
            return scores
        rarest = min(words, key=lambda w: min((lexical.document_frequency(t) or 1 << 30) for t in w))
        top = sorted(scores, key=lambda cid: -scores[cid])[:depth]
        result = dict(scores)
        for chunk in self.chunk_reader.chunks(top):
            if any(_FIGURE.search(line) and overlap(rarest, frozenset(analyze(line))) for line in _lines(chunk)):
                result[chunk.id] *= self.figure_boost
        return result

    def _require_words(
        self, scores: dict[str, float], query: Query, *, depth: int, sections: Collection[str] = ()
    ) -> dict[str, float]:
        """Across the archive, a passage that uses few of the question's content words is a weak answer for its
        report, however close its vector: among the ``depth`` best, each word it lacks costs it a share of
        ``unmatched_factor``, so passages with the words come first. A passage in a section the question asks for
        ("systemfel") that holds none of its other words (what it asks about: "boendet") also pays
        ``off_topic_factor`` (by default the section boost taken back): the section says where to look, the topic
        who is a member; a word most passages hold ("deltagarna") tells no topic."""
        lexical = self.lexical()
        words = spelled_as_archive(content_words(query, rare=lambda terms: rare_in(terms, lexical)), lexical)
        words = [w for i, w in enumerate(words) if w not in words[:i]]  # a word said twice ("pengarna … pengar") is one
        if not words or self.unmatched_factor >= 1.0:
            return scores
        placed, common = section_terms(query), self.common_share * len(lexical.ids)
        topic = [w for w in words if not w & placed and not _common(w, lexical, common)] if sections else []
        top = sorted(scores, key=lambda cid: -scores[cid])[:depth]
        result = dict(scores)
        for chunk in self.chunk_reader.chunks(top):
            terms = _chunk_terms(chunk.id, chunk.search_text)
            missing = sum(1 for word in words if not overlap(word, terms))
            result[chunk.id] *= self.unmatched_factor ** (missing / len(words))
            if topic and chunk.section in sections and not any(overlap(word, terms) for word in topic):
                result[chunk.id] *= self.off_topic_factor
        return result

    def _diversify(self, scores: dict[str, float], catalog: Catalog) -> dict[str, float]:
        """Discount each further passage from a report already ranked, so every report gets a turn."""
        seen: dict[str, int] = {}
        result = {}
        for cid, score in sorted(scores.items(), key=lambda item: -item[1]):
            source = catalog.chunk_source.get(cid, cid)
            result[cid] = score * (self.diversity_decay ** seen.get(source, 0))
            seen[source] = seen.get(source, 0) + 1
        return result

    def _allowed_sources(self, filters: Filters, catalog: Catalog) -> list[str] | None:
        if filters.empty() or (
            filters.section is not None
            and all(v is None for v in (filters.insats, filters.kommun, filters.report_type, filters.year))
        ):
            self._check_section(filters.section)
            return None
        self._check_section(filters.section)
        reports = list(catalog.reports.values())
        if filters.insats is not None:
            ids = {i.id for i in catalog.insatser if i.id == filters.insats}
            if not ids:
                matches = resolve_insats(filters.insats, catalog.insatser)
                if not matches:
                    raise BadFilter(f'Ingen insats i arkivet heter något i stil med "{filters.insats}".')
                ids = {m.insats.id for m in matches}
            reports = [r for r in reports if r.insats is not None and r.insats.id in ids]
        if filters.kommun is not None:
            reports = [r for r in reports if r.kommun and fold(r.kommun) == fold(filters.kommun).strip()]
        if filters.report_type is not None:
            wanted = fold(filters.report_type)
            if wanted not in REPORT_TYPES:
                raise BadFilter(f'Okänd rapporttyp "{filters.report_type}". Välj bland: {", ".join(REPORT_TYPES)}.')
            reports = [r for r in reports if r.report_type == wanted]
        if filters.year is not None:
            year = filters.year
            reports = [r for r in reports if r.years is not None and r.years[0] <= year <= r.years[1]]
        return [r.source for r in reports]

    @staticmethod
    def _check_section(section: str | None) -> None:
        if section is not None and section not in SECTION_KEYS:
            raise BadFilter(f'Okänd avsnittsnyckel "{section}". Välj bland: {", ".join(SECTION_KEYS)}.')


def _accounted(query: Query, catalog: Catalog) -> frozenset[str]:
    """For a question across the archive decided by money ("vilka insatser hade mer än 100 000 kr kvar?"), the
    final reports of the insatser whose accounts meet it: the register compares the money, words cannot."""
    condition = money_condition(member_clause(query.text))
    if condition is None:
        return frozenset()
    accounts = (a for insats in catalog.insatser if (a := final_account(insats, catalog)) is not None)
    return frozenset(a.source for a in accounts if meets(a, condition))


def _common(word: set[str], lexical: LexicalSearch, passages: float) -> bool:
    """Whether every term of ``word`` is held by at least ``passages`` of the archive's passages."""
    return all(lexical.document_frequency(term) >= passages for term in word)


def _alternating(cids: list[str], catalog: Catalog) -> list[str]:
    """``cids`` taken from each insats in turn, each insats's own in their order: a summary of several insatser
    ("jämför Växthuset Lidköping och Växthuset Vara") tells each of them, not the best documented one only."""
    queues: dict[str | None, list[str]] = {}
    for cid in cids:
        info = catalog.reports.get(catalog.chunk_source.get(cid, ""))
        queues.setdefault(info.insats.id if info and info.insats else None, []).append(cid)
    if len(queues) < 2:
        return cids
    return [cid for turn in itertools.zip_longest(*queues.values()) for cid in turn if cid is not None]


def distinct(passages: Sequence[Passage], *, share: float = 0.8) -> list[Passage]:
    """``passages`` without those that repeat a better one of the same report: reports copy text between
    sections ("6.4 … med utdrag från 6.1"), and the same paragraph twice only pushes another source out.
    A passage repeats another when ``share`` of its five-word runs are in it."""
    kept: list[Passage] = []
    seen: dict[str, list[frozenset[int]]] = {}
    for passage in passages:
        runs = _runs(passage.chunk.id, passage.chunk.text)
        earlier = seen.setdefault(passage.chunk.source, [])
        if runs and any(len(runs & other) >= share * len(runs) for other in earlier):
            continue
        earlier.append(runs)
        kept.append(passage)
    return kept


@lru_cache(maxsize=2048)
def _runs(chunk_id: str, text: str) -> frozenset[int]:
    """The passage's runs of five folded words, hashed; ids are content hashes, so an id always has the same
    text. The cache is small on purpose: every passage's runs at 50k chunks would hold hundreds of MB."""
    words = re.findall(r"\w+", fold(text))
    return frozenset(hash(tuple(words[i : i + 5])) for i in range(max(len(words) - 4, 0)))


def rare_in(terms: set[str], lexical: LexicalSearch) -> bool:
    """Whether the archive uses these terms in only a few passages (but in some)."""
    counts = [lexical.document_frequency(t) for t in terms]
    return 0 < max(counts) <= max(_RARE_PASSAGES, _RARE_SHARE * len(lexical.ids))


# A number that counts or measures: not a year ("2021"), not a date's parts.
_FIGURE = re.compile(r"(?<![\d-])(?!(?:19|20)\d\d\b)\d+(?:[ ,.]\d+)*(?![\d-])")


def _lines(chunk: Chunk) -> Iterator[str]:
    """A passage's sentences and table rows; a row is read with its table's header row, which says what its
    figures count ("| Anvisade via | Antal |" over "| Trisam | 21 |")."""
    header = ""
    for line in chunk.search_text.split("\n"):
        if not line.lstrip().startswith("|"):
            header = ""
            yield from re.split(r"(?<=[.!?])\s+", line)
        elif not header:
            header = line
            yield line
        else:
            yield f"{header} {line}"


def _other_ending(term: str, typed: str) -> bool:
    """Whether ``term`` differs from ``typed`` only in its last two letters: another inflection, which the stemmer has
    already judged (a slip of the keyboard falls anywhere; a clipped form, "vuxenpsyk", is a prefix and kept)."""
    if term.startswith(typed):
        return False
    shared = len(os.path.commonprefix((term, typed)))
    return shared >= min(len(term), len(typed)) - 2


@lru_cache(maxsize=20_000)
def _chunk_terms(chunk_id: str, text: str) -> frozenset[str]:
    """A passage's analyzed terms; ids are content hashes, so an id always has the same text."""
    return frozenset(analyze(text))

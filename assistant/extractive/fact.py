"""Fact and why questions: register fields when asked for, else the best-matching sentences, one per report."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Protocol

from assistant.answer import Passage
from assistant.board.facts import collect
from assistant.board.goals import MergedGoal, figure_key
from assistant.board.reading import PROGRESS_REPORTS, Quote
from assistant.catalog import Catalog
from assistant.extractive.draft import NO_ANSWER, Draft
from assistant.extractive.goalcard import GoalBook, GoalShown, goal_line, kind_name, number, passage_of
from assistant.extractive.meaning import SentenceMeaning, judge_for
from assistant.extractive.sentences import (
    _DATED as _DATED_TEXT,
)
from assistant.extractive.sentences import (
    _answers_figure,
    _differing_figures,
    _one_per_report,
    _pieces,
    _quote,
    _ranked,
    _Sentence,
    _terms,
    voice,
)
from assistant.intent import (
    OWNER,
    PEOPLE_TERMS,
    Part,
    Query,
    asks_count,
    covering,
    follow_up_times,
    report_periods,
    topic_groups,
)
from assistant.intent import overlap as _overlap
from assistant.names import NameMatch
from assistant.retrieve import Filters, HybridRetriever
from index.analyze import analyze, fold
from index.records import Chunk, Field
from index.titlepage import TYPE_NAMES

_PER_KIND = 3  # passages asked of each kind of report about a named insats
_PER_PART = _PER_KIND  # passages asked for each part of a compound question about a named insats, as per kind
# Sentences judged by meaning: the best by words (about the top three passages' worth, a third of a second to
# embed on two cores, remembered afterwards), each moved by a fraction of a key word per standard deviation of
# closeness; one without the question's words needs to stand one deviation above the rest.
_MEANING_CANDIDATES = 24
_MEANING_WEIGHT = 0.15
_MEANING_ALONE = 1.0
_FIELD_LABELS = {
    "diarienummer": "Diarienummer",
    "beviljade_medel": "Beviljade medel",
    "utnyttjade_medel": "Utnyttjade medel",
    "period_start": "Period",
    "period_end": "Period",
    "kontaktperson": "Kontaktperson",
    "samverkanspart": "Samverkanspart",
    "organisation": "Insatsägare",
    "arbetsstalle": "Insatsägare",
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
        meaning: SentenceMeaning | None = None,
        goals: GoalBook | None = None,
    ) -> None:
        self.retriever, self.catalog, self.sources = retriever, catalog, sources
        self.k, self.max_sentences = k, max_sentences
        self.meaning = meaning if meaning is not None else judge_for(retriever)
        self.book = goals if goals is not None else GoalBook(catalog=catalog, sources=sources)

    def answer(
        self,
        query: Query,
        named: Sequence[NameMatch],
        key: set[str],
        filters: Filters | None,
        *,
        parts: Sequence[tuple[Part, set[str]]] = (),
        weak: set[str] = frozenset(),  # type: ignore[assignment]
        share: set[str] = frozenset(),  # type: ignore[assignment]
        nouns: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> Draft:
        """``key``: the question's terms; ``weak``: its everyday ones, which only order; ``share``: the nouns a
        share question names (intent.share_terms), part of ``key`` however everyday; ``nouns``: what a how-many
        question counts (intent.counted_terms)."""
        # The register's exact fields (money, period, dnr) come first; the sentences around them follow, since a
        # figure is read against the others of its kind (granted against used, one report against another).
        register = self._from_register(query, named)
        passages = self._search(query, named, filters)
        wants_figure = query.figure
        asks_goal = _asks_goal(query)
        if asks_goal and not key - _GOAL_TERMS:
            # "Hade de som mål att 40 % skulle gå till jobb – klarade de det?": the goal's topic is said in everyday
            # words, and only they tell the outcome's sentences from the other goals'.
            key = key | (weak - _GOAL_TERMS)
        ranked = self._sentences(query, named, key, weak, passages, share, nouns)
        # Each thing a compound question asks gets its best sentence first; the whole question's ranking follows.
        lead = self._per_part(query, passages, parts, named, filters) if len(parts) > 1 else []
        # A figure is read against the goal set for it: a figure question on a topic the insats set a goal for
        # gets that goal with its outcome, as a question about the goals gets them all.
        stated = _stated_figures(query.text)
        # A question for a time ("när …") is answered by a date, which no goal sets: it gets no goal line. After "hur
        # många" a "när" opens a clause that dates the count ("… hade aktivitetsersättning när de började?").
        dated = bool(_WHEN.search(query.folded)) and not asks_count(query)
        # The goal is chosen by what the question asks about, not by the people it counts ("_unsaid_people"); when
        # that is said in everyday words only ("kom tillbaka i jobb"), those words name the goal. When no goal is on
        # them and the question has no topic word of its own, it counts the participants after all ("hur många kom
        # dit?"); a cost "per deltagare" has one (the cost).
        unsaid = _unsaid_people(query)
        goal_key = key - unsaid
        if not goal_key - _GOAL_TERMS:
            goal_key |= weak - _GOAL_TERMS - unsaid
        goals = []
        if named and (asks_goal or (wants_figure and not dated)):
            goals = self._goals(named[0], goal_key, every=asks_goal, stated=stated)
            if not goals and not key - PEOPLE_TERMS - _GOAL_TERMS and goal_key != key:
                goals = self._goals(named[0], key, every=asks_goal, stated=stated)
        # "Varför skiljer sig siffrorna mellan slutrapporten och utvärderingen?" asks for the figures that differ,
        # beside each other, before the reports' explanation of them.
        # "Varför säger utvärderingen 58 % när slutrapporten säger 68?": a why-question that states two figures asks
        # why they differ, in other words.
        compared = named and (
            _COMPARES_REPORTS.search(query.folded) is not None
            or (
                query.reason
                and len({n for n in re.findall(r"\d+(?:[,.]\d+)?", query.text) if not _YEAR.fullmatch(n)}) >= 2
            )
        )
        if compared:
            goals = [g for g in self._goals(named[0], set(), every=True) if g.goal.differs]
            if periods := self._differing_periods(named[0]):
                register = _with_lines(register, periods)
        if not ranked and not lead and not goals and register is None:
            if named and query.money:
                return Draft(f"Rapporterna om {named[0].insats.name} anger inget belopp för det.", abstained=True)
            return Draft(NO_ANSWER, abstained=True)
        if named and query.figure and (other := self._other_time(query, named[0], ranked)) is not None:
            return other
        if named and wants_figure and ranked:
            ranked = [ranked[0], *self._unheard(query, named[0], ranked, key, nouns), *ranked[1:]]
        if named and ranked and (later := _deferred(named[0], ranked[0])) is not None:
            return later
        used: list[Passage] = list(register.passages) if register else []
        lines = register.text.split("\n") if register else []
        room = max(self.max_sentences - len(lines) // 2, 2)
        # "… klarade de målet?" asks for a verdict: each goal line says whether its reports reached it.
        verdict = asks_goal and bool(_REACHING.search(query.folded))
        lines += [goal_line(goal, used, verdict=verdict) for goal in goals]
        # Reports of one insats that count differently each need their say, as does a report's table beside its text:
        # one more sentence per extra voice.
        counted = key if wants_figure and not _WHEN.search(query.folded) else set()
        room += max(len({voice(s, counted) for s in ranked[: room * 2]}) - 1, 0) if wants_figure else 0
        chosen = _one_per_report(ranked, room, counted) if named else ranked[:room]
        if goals:  # a goal or outcome already shown is not quoted again, whole or as the line it was cut from
            chosen = [s for s in chosen if not any(_shown_in(s.text, shown.goal) for shown in goals)]
        # Different parts ask for different figures, so only the whole question's sentences can disagree.
        differing = _differing_figures(chosen) if wants_figure else ()
        if lead:
            chosen = _distinct([*lead, *chosen])[: room + len(lead) - 1]
        # A goal whose reports measured it differently is a difference too, and the reports' explanation of it
        # belongs beside it, with whom each measurement counts.
        measured = [
            _Sentence(quote.text, passage, 1.0)
            for shown in goals
            if shown.goal.differs
            for quote, passage in shown.outcomes
        ]
        if measured:
            differing = (*differing, "Rapporterna anger olika utfall för samma mål; alla visas med källa.")
        if differing and named:
            chosen = [*chosen, *self._why_they_differ(named[0], chosen, measured)]
        lines += [_quote(s, used) for s in chosen]
        notices = (*(register.notices if register else ()), *differing)
        names = (
            *(register.insatser if register else ()),
            *((named[0].insats.name,) if goals else ()),
            *(s.passage.insats for s in chosen if s.passage.insats),
        )
        text = "\n".join(dict.fromkeys(lines))
        return Draft(text, tuple(used), tuple(dict.fromkeys(names)), False, tuple(dict.fromkeys(notices)))

    def _sentences(
        self,
        query: Query,
        named: Sequence[NameMatch],
        key: set[str],
        weak: set[str],
        passages: list[Passage],
        share: AbstractSet[str] = frozenset(),
        nouns: AbstractSet[str] = frozenset(),
    ) -> list[_Sentence]:
        """The passages' sentences that answer the question, best first: by its words and by meaning, and for a
        figure question only those that state one."""
        # A why-question's topic names the section that answers it ("anledningen till att det funkade" →
        # framgångsfaktorer): a sentence there counts as using the topic's word.
        topical = (
            frozenset(group[0] for group in topic_groups(query.text, query.insatser)) if query.reason else frozenset()
        )
        # "När …?" asks for a date: a sentence that dates something goes first, not one that counts.
        when = bool(_WHEN.search(query.folded))
        scored = _ranked(
            passages,
            key,
            headings=bool(named),
            counts=query.figure and not when,
            dated=when,
            weak=weak - key,
            causal=query.reason,
            sections=topical,
            nouns=nouns,
        )
        if query.kind != "summary":  # a summary asks for everything; closeness to "sammanfatta X" says nothing
            scored = self._by_meaning(query.text, scored)
        everything = [s for s in scored if s.score > 0]
        if not everything and named:
            # None of the question's words is in the named insats's best passages (a paraphrase): search has
            # already ranked them by meaning, so their sentences stand in that order.
            everything = [replace(s, score=0.3 / (rank + 1)) for rank, s in enumerate(scored)]
        if not query.figure:
            return everything
        # What the figure is of is said by the question's topical words, not its everyday ones ("egentligen"), and
        # by the nouns a share names, however everyday ("andel … till arbete eller studier").
        everyday = {t for w in query.content if w.everyday for t in w.terms}
        of = (key - everyday) | (key & share) or key
        ranked = [
            s for s in everything if _answers_figure(s.matched or s.text, of, money=query.money, often=query.often)
        ]
        # A named insats's reports that state no figure on the topic still tell what they say about it (the
        # register's fields answer only part of a question that asks more); but no amount is no answer to what
        # something cost, whatever else is said about it.
        if not ranked and named and not query.money:
            return everything
        return ranked

    def _unheard(
        self, query: Query, match: NameMatch, ranked: Sequence[_Sentence], key: set[str], nouns: AbstractSet[str]
    ) -> list[_Sentence]:
        """For a figure question, the say of each report of the insats that search did not bring up: an insats's
        final report and evaluation each state their own figure, and they may differ ("skrevs in 2021-10-04" in the
        one, "den 15 november 2021" in the other). A report's say is its best sentence (and table row) stating a
        figure of the asked kind with as many of the question's words as the best sentence found; progress reports
        are left out, their figures being the state at their date."""
        catalog = self.catalog()
        when = bool(_WHEN.search(query.folded))
        best = ranked[0]
        needed = _overlap(key, _terms(best.matched or best.text))

        def says(sentence: _Sentence) -> bool:
            text = sentence.matched or sentence.text
            if _overlap(key, _terms(text)) < needed:
                return False
            if when:
                return bool(_DATED_TEXT.search(text))
            return _answers_figure(text, key, money=query.money, often=query.often, counting=True)

        heard = {s.passage.source for s in ranked[: self.max_sentences * 2] if says(s)}
        found: list[_Sentence] = []
        for source in match.insats.reports:
            info = catalog.reports.get(source)
            kind = info.report_type if info else None
            if source in heard or kind in PROGRESS_REPORTS:
                continue
            passages = [
                Passage(c, 1.0, match.insats.name, match.insats.id, kind) for c in self.sources.chunks_of(source)
            ]
            voices: dict[tuple[str, bool], _Sentence] = {}
            for sentence in _ranked(passages, key, counts=not when, dated=when, nouns=nouns):
                if says(sentence):
                    voices.setdefault(voice(sentence, key), sentence)
            found += voices.values()
        return found

    def _per_part(
        self,
        query: Query,
        passages: list[Passage],
        parts: Sequence[tuple[Part, set[str]]],
        named: Sequence[NameMatch],
        filters: Filters | None,
    ) -> list[_Sentence]:
        """The best sentence for each part of a compound question, in the question's order; a part that asks for a
        figure takes only a sentence that states one, and a part no sentence answers is left out. A sentence goes to
        the part it answers best ("Tolkkostnaden blev 38 400 kr" to what the interpreters cost, not to how many were
        booked), so the surest pairs are settled first."""
        candidates = []
        for part, key in parts:
            pool = self._part_passages(query, part, passages, named, filters)
            ranked = [s for s in _ranked(pool, key, headings=bool(named), counts=part.figure) if s.score > 0]
            if part.figure:
                # The one sentence a part gets must state what it asks: a count for "hur många", a date for "när".
                counting = not _WHEN.search(fold(part.text))
                ranked = [
                    s
                    for s in ranked
                    if _answers_figure(s.matched or s.text, key, money=part.money, often=query.often, counting=counting)
                ]
            # Judged by meaning against the part itself, as the whole question's sentences are against it.
            candidates.append(self._by_meaning(part.text, ranked))
        chosen: dict[int, _Sentence] = {}
        while True:
            free = {
                i: left
                for i, ranked in enumerate(candidates)
                if i not in chosen and (left := [s for s in ranked if not any(_same(s, t) for t in chosen.values())])
            }
            if not free:
                break
            surest = max(free, key=lambda i: (free[i][0].score, -i))
            chosen[surest] = free[surest][0]
        return [chosen[i] for i in sorted(chosen)]

    def _by_meaning(self, question: str, scored: list[_Sentence]) -> list[_Sentence]:
        """``scored`` with the best candidates also judged by meaning: the e5 cosine of each to the question,
        as a z-score among them, moves a sentence that says the asked thing in other words ("Tolk har beställts
        till 58 samtal" for "hur många tolkbokningar") past one that only shares a word; a sentence with none of
        the question's words counts when it stands clearly closest in meaning."""
        candidates = scored[:_MEANING_CANDIDATES]
        if self.meaning is None or len(candidates) < 3:
            return scored
        cosines = self.meaning.similarities(question, [s.matched or s.text for s in candidates])
        if cosines is None:
            return scored
        mean = sum(cosines) / len(cosines)
        spread = (sum((c - mean) ** 2 for c in cosines) / len(cosines)) ** 0.5 or 1.0
        judged = []
        for sentence, cosine in zip(candidates, cosines, strict=True):
            z = (cosine - mean) / spread
            if sentence.score > 0:
                judged.append(replace(sentence, score=max(sentence.score + _MEANING_WEIGHT * z, 0.01)))
            else:
                judged.append(replace(sentence, score=_MEANING_WEIGHT * z if z >= _MEANING_ALONE else 0.0))
        return sorted([*judged, *scored[_MEANING_CANDIDATES:]], key=lambda s: -s.score)

    def _from_register(self, query: Query, named: Sequence[NameMatch]) -> Draft | None:
        """Template fields the question asks for (dnr, granted or used money, period, contact), read from the
        register with the passage they stand in; every report's value is shown, so differences are seen."""
        wanted = _with_counterpart(query.register_fields)
        if not named or not wanted:
            return None
        used: list[Passage] = []
        lines: list[str] = []
        values_by_field: dict[tuple[str, str], set[str]] = {}
        cited: dict[tuple[str, str], int] = {}  # (insats id, field) → the [n] of the passage stating it
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
                    kind = passage.report_type or ""
                    if found[0].name.startswith("period_") and kind in ("kvartalsrapport", "lagesrapport"):
                        # the period reported on, not when the insats ran: "Kvartalsrapportens period"
                        label = f"{TYPE_NAMES[kind][1].capitalize()}s period"
                    quoted = _quote(_Sentence(raw, passage, 1.0), used)
                    # A packed date ("20230101 – 20240831") is stated as read ("2023-01-01 – 2024-08-31").
                    shown = " – ".join(f.value for f in found)
                    dated = found[0].name.startswith("period_") and shown not in raw
                    lines.append(f"{label}: {shown} – {quoted}" if dated else f"{label}: {quoted}")
                    for field in found:
                        values_by_field.setdefault((match.insats.id, field.name), set()).add(field.value)
                        cited.setdefault((match.insats.id, field.name), used.index(passage) + 1)
        if not lines:
            return None
        lines = [*(_money_read_together(m.insats.id, values_by_field, cited) for m in named[:2]), *lines]
        lines = [line for line in lines if line]
        notices = tuple(
            f"Rapporterna anger olika värden för {_FIELD_LABELS.get(name, name).lower()}; alla visas med källa."
            for (_, name), values in values_by_field.items()
            if len(values) > 1
        )
        names = tuple(dict.fromkeys(m.insats.name for m in named[:2]))
        return Draft("\n".join(dict.fromkeys(lines)), tuple(used), names, False, notices)

    def _goals(
        self, match: NameMatch, key: set[str], *, every: bool = True, stated: tuple[tuple[str, str], ...] = ()
    ) -> list[GoalShown]:
        """The named insats's goals beside their outcomes, every report's outcome for a goal together (final reports
        first): the goal whose target is a figure the question states (``stated``, "målet var 40 %"), else those
        that share a word with the question, or (``every``) all when none does; each with the stored passages its
        target and outcomes stand in."""
        merged = self.book.goals(match.insats)
        # The goals that share the question's words; all of them when none does (a report's goals are few).
        topical = key - _GOAL_TERMS
        if topical & _PARTICIPANT_WORDS:
            topical |= _PARTICIPANTS
        # A figure the question quotes names the goal it is the target of.
        chosen = [g for g in merged if figure_key(g.target.text) in stated] if stated else []
        chosen = chosen or [g for g in merged if _overlap(topical, _terms(_goal_text(g)))] or (merged if every else [])
        # A goal without a figure is merged by nothing: the same words in two reports are still one goal.
        first: dict[str, MergedGoal] = {}
        for goal in chosen:
            first.setdefault(goal.target.text, goal)
        distinct = list(first.values())
        return [shown for goal in distinct[:_GOALS_SHOWN] if (shown := self.book.shown(goal, match.insats)) is not None]

    def _differing_periods(self, match: NameMatch) -> list[tuple[str, Passage]]:
        """Each report's period of the insats (its form's field, or a period its prose states), when they differ."""
        periods = collect(match.insats, self.book.reports(match.insats)).period
        if len({value for _, value in periods}) < 2:
            return []
        found = []
        for quote, value in periods:
            passage = self._passage_of(Quote(value, quote.ref), match)
            if passage is not None:
                found.append((f"Period enligt {kind_name(passage)}: {value}", passage))
        return found

    def _passage_of(self, quote: Quote, match: NameMatch) -> Passage | None:
        return passage_of(quote, self.sources.chunks_of(quote.ref.source), match.insats)

    def _other_time(self, query: Query, match: NameMatch, ranked: Sequence[_Sentence]) -> Draft | None:
        """A figure asked at a follow-up time ("ett år efter spåret") that no report of the insats states, when its
        best sentences state the figure at another time ("tre månader efter"): that is said, with where the
        other time stands, and no figure of the other time is offered as the answer."""
        asked = follow_up_times(query.text)
        if not asked:
            return None
        months, asked_words = asked[0]
        for source in match.insats.reports:
            for chunk in self.sources.chunks_of(source):
                if any(abs(m - months) < 0.5 for m, _ in follow_up_times(chunk.corrected or chunk.text)):
                    return None  # some report states the time asked: the sentences answer as usual
        for sentence in ranked[: self.max_sentences * 2]:
            stated = follow_up_times(sentence.matched)
            if stated:
                used: list[Passage] = [sentence.passage]
                text = (
                    f"Rapporterna om {match.insats.name} redovisar ingen uppgift för {asked_words}. "
                    f"De anger läget {stated[0][1]} [1]."
                )
                return Draft(text, tuple(used), (match.insats.name,))
        return None

    def _why_they_differ(
        self, match: NameMatch, chosen: Sequence[_Sentence], measured: Sequence[_Sentence] = ()
    ) -> list[_Sentence]:
        """Where the insats's reports give different figures, the sentence in which one of them explains the
        difference ("Skillnaden mot slutredovisningen beror på tidpunkten för mätningen och på urvalet"), and the
        one in which a report says whom its shown figure counts ("I utvärderingen ingår endast deltagare som varit
        inskrivna i minst tre månader …, sammanlagt 49 personer"), where the reports say so; for a goal the reports
        measured differently (``measured``: each report's outcome), the sentence in which a report defines what it
        counted ("Som arbete eller studier räknas anställning … på minst 25 % av heltid")."""
        catalog = self.catalog()
        shown = {s.text for s in chosen}
        figures = {(s.passage.source, n) for s in [*chosen, *measured] for n in re.findall(r"\d+", s.text)}
        # What each report measured differently, in its words: a definition of those words explains its figure.
        said: dict[str, str] = {}
        for sentence in measured:
            said[sentence.passage.source] = said.get(sentence.passage.source, "") + " " + fold(sentence.text)
        found: dict[str, _Sentence] = {}
        for source in match.insats.reports:
            info = catalog.reports.get(source)
            for chunk in self.sources.chunks_of(source):
                folded = fold(chunk.text)
                if not any(p.search(folded) for p in (_DIFFERENCE, _COUNTS_ONLY, _DEFINES)):
                    continue
                passage = Passage(chunk, 1.0, match.insats.name, match.insats.id, info.report_type if info else None)
                for text, matched in _pieces(passage):
                    if text in shown:
                        continue
                    folded = " ".join(fold(matched).split())
                    defined = _DEFINED_AS.search(folded)
                    if _DIFFERENCE.search(folded):
                        found.setdefault("difference", _Sentence(text, passage, 1.0, matched))
                    elif _COUNTS_ONLY.search(folded) and any(
                        (source, n) in figures for n in re.findall(r"\d+", matched)
                    ):
                        found.setdefault("population", _Sentence(text, passage, 1.0, matched))
                    elif defined and re.search(rf"\b{re.escape(defined.group(1))}\b", said.get(source, "")):
                        found.setdefault("definition", _Sentence(text, passage, 1.0, matched))
        return [found[k] for k in ("difference", "population", "definition") if k in found]

    def _passage_at(self, source: str, offset: int, match: NameMatch) -> Passage | None:
        """The stored passage of ``source`` that holds ``offset``, as a Passage."""
        for chunk in self.sources.chunks_of(source):
            if chunk.start <= offset < chunk.end:
                info = self.catalog().reports.get(source)
                return Passage(chunk, 1.0, match.insats.name, match.insats.id, info.report_type if info else None)
        return None

    def _part_passages(
        self, query: Query, part: Part, passages: list[Passage], named: Sequence[NameMatch], filters: Filters | None
    ) -> list[Passage]:
        """The named insats's best few passages for one part of a compound question on its own, then the whole
        question's: the whole question's words pull towards the part most of them are about, and the passage that
        answers a smaller part ("hur många tolkbokningar") may rank below the cut."""
        if not named:
            return passages
        scoped = Filters(insats=named[0].insats.id, section=filters.section if filters else None)
        own = self.retriever.search(part.text, k=_PER_PART, filters=scoped)
        found = {p.chunk.id: p for p in [*_in_quarter(own, query.quarters, named), *passages]}
        return list(found.values())

    def _search(self, query: Query, named: Sequence[NameMatch], filters: Filters | None) -> list[Passage]:
        if not named:
            return self.retriever.search(query, k=self.k, filters=filters)
        # Several insatser fit the name: ask each and take their passages in turns. Scores of searches over
        # different reports are not comparable, and the one that fits may not be the one with most words.
        rankings = []
        catalog = self.catalog()
        section = filters.section if filters else None
        for match in named[:3]:
            scoped = Filters(insats=match.insats.id, section=section)
            rankings.append(self.retriever.search(query, k=self.k, filters=scoped))
            # Each kind of report about the insats (final report, evaluation, quarterly report) is asked on its
            # own too: they count and judge differently, and the answer should show where they differ.
            kinds = {info.report_type for s in match.insats.reports if (info := catalog.reports.get(s)) is not None}
            if len(kinds) > 1 and len(named) == 1:
                for kind in sorted(kinds):
                    by_kind = Filters(insats=match.insats.id, section=section, report_type=kind)
                    rankings.append(self.retriever.search(query, k=_PER_KIND, filters=by_kind))
        found: dict[str, Passage] = {}
        for turn in itertools.zip_longest(*rankings):
            for passage in turn:
                if passage is not None:
                    found.setdefault(passage.chunk.id, passage)
        passages = list(found.values())[: self.k + _PER_KIND * (len(rankings) - 1)]
        return _quarter_first(passages, query.quarters, named)


def _with_lines(register: Draft | None, lines: Sequence[tuple[str, Passage]]) -> Draft:
    """``register``'s lines with ``lines`` (text, the passage that states it) after them, each cited."""
    used = list(register.passages) if register else []
    text = [register.text] if register else []
    for line, passage in lines:
        text.append(f"{line} [{number(passage, used)}] (skiljer sig mellan rapporterna)")
    return Draft(
        "\n".join(text),
        tuple(used),
        register.insatser if register else (),
        False,
        (
            *(register.notices if register else ()),
            "Rapporterna anger olika perioder för insatsen; alla visas med källa.",
        ),
    )


def _distinct(sentences: Sequence[_Sentence]) -> list[_Sentence]:
    kept: list[_Sentence] = []
    for sentence in sentences:
        if not any(_same(sentence, k) for k in kept):
            kept.append(sentence)
    return kept


def _same(a: _Sentence, b: _Sentence) -> bool:
    return a.text == b.text and a.passage.chunk.id == b.passage.chunk.id


def _in_quarter(
    passages: list[Passage], quarters: Sequence[tuple[str, str]], named: Sequence[NameMatch]
) -> list[Passage]:
    """``passages`` without those of a report on another period than the quarter the question names ("i Q2
    2023"): the Q3 report's count is no answer about Q2. Reports without a reporting period (final reports,
    evaluations) stay; so does everything when no report covers the quarter."""
    if not quarters:
        return passages
    periods = report_periods(named)
    other = set(periods) - covering(periods, quarters)
    kept = [p for p in passages if p.source not in other]
    return kept if len(other) < len(periods) else passages


def _quarter_first(
    passages: list[Passage], quarters: Sequence[tuple[str, str]], named: Sequence[NameMatch]
) -> list[Passage]:
    """``passages`` with those of the report that covers the quarter the question names ("i Q2 2023") first:
    quarterly reports count the same things each quarter, so a tie between two goes to the quarter asked."""
    if not quarters:
        return passages
    asked = covering(report_periods(named), quarters)
    return sorted(passages, key=lambda p: p.source not in asked)


# A report that leaves a result to a later report ("resultatet redovisas i kommande kvartalsrapport", "vi återkommer
# med det i nästa rapport") has not given it.
_DEFERRED = re.compile(
    r"\b(?:redovisas|presenteras|rapporteras|aterkommer)\b[^.]{0,40}?\b(?:kommande|nasta|senare|nastkommande)\b"
)


def _deferred(match: NameMatch, best: _Sentence) -> Draft | None:
    """When the sentence that best answers a question leaves the result to a later report, and no report of the
    insats is later than the one saying so, the archive does not hold the result: that is said first, with the
    sentence as its ground, and no other figure is offered in its place."""
    if not _DEFERRED.search(fold(best.matched or best.text)):
        return None
    # A quarterly report tells up to the end of its quarter; a final report up to the end of the insats.
    ran = {s: f.value for s, f in match.insats.fields if f.name == "period_end"}
    ends = {**ran, **{s: f.value for s, f in match.insats.fields if f.name == "rapportperiod_end"}}
    said = ends.get(best.passage.source)
    if said is None or any(end > said for end in ends.values()):
        return None  # a later report may give the result
    used: list[Passage] = []
    quoted = _quote(best, used)
    text = (
        f"Resultatet finns inte i arkivet: den senaste rapporten om {match.insats.name} säger att det ska redovisas "
        f"i en senare rapport, som arkivet inte har.\n{quoted}"
    )
    return Draft(text, tuple(used), (match.insats.name,))


# A question that compares what reports state: "varför skiljer sig siffrorna mellan …", "vad är skillnaden mellan
# rapporterna", "varför får högskolan lägre siffror än slutredovisningen".
_COMPARES_REPORTS = re.compile(
    r"\bskiljer (?:sig|de sig)\b|\bskillnad(?:en|erna|er)?\b|\bolika (?:siffror|uppgifter|tal|resultat)\b"
    r"|\b(?:lagre|hogre|fler|farre|storre|mindre|battre|samre)\b(?: \w+){0,4} an (?:i |vad )?(?:slut\w*|utvarder\w*|"
    r"rapport\w*|kvartalsrapport\w*|lagesrapport\w*)"
)

_YEAR = re.compile(r"(?:19|20)\d\d")
# A question whether a goal was reached: "nådde de målet", "klarade de det", "uppnåddes målet".
_REACHING = re.compile(r"\b(?:nadde|natt|naddes|uppnadde|uppnatt|uppnaddes|klarade|klarat|lyckades|uppfylldes)\b")

# A question for a date: "när", "vilket datum", "från vilket år".
_WHEN = re.compile(r"\bnar\b|\bvilket datum\b|\bvilket ar\b")


# A sentence about a difference between reports or measurements: "Skillnaden mot slutredovisningen beror på …",
# "siffrorna skiljer sig från …", "till skillnad från projektets egen redovisning …".
_DIFFERENCE = re.compile(
    r"\bskillnaden (?:mot|jamfort med|mellan)\b|\bskiljer sig (?:fran|mot|at)\b|\btill skillnad fran\b"
    r"|\bavviker fran (?:de |den |det )?(?:uppgift|siffr|slut|projekt)\w*"
)

# A sentence that says whom a count takes in, and that it takes in only some ("I utvärderingen ingår endast de som
# …", "räknas bara de deltagare som …"): a count's population explains why two reports' counts differ.
_COUNTS_ONLY = re.compile(
    r"\b(?:ingar|ingick|omfattar|omfattade|raknas|raknades|raknar|inkluderas|inkluderades)\b[^.]{0,60}?"
    r"\b(?:endast|bara|enbart)\b"
)

# A sentence that defines what a measure counts ("Som arbete eller studier räknas anställning … på minst 25 % av
# heltid"): the defined words are group 1. Reports that define a measure differently give it different figures.
_DEFINED_AS = re.compile(r"^\s*som ([^.,]{3,40}?) (?:raknas|raknades|definieras|definierades|avses)\b")
_DEFINES = re.compile(_DEFINED_AS.pattern.replace("^\\s*", "\\b"))  # anywhere in a passage

# Granted and used money are read against each other: asked for one, the answer gives both.
_COUNTERPARTS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("beviljade_medel",): ("utnyttjade_medel",),
    ("utnyttjade_medel",): ("beviljade_medel",),
    # An insats's parties are its owner and its partners, side by side on the form: asked who took part, both.
    ("samverkanspart",): OWNER,
}


def _with_counterpart(wanted: Sequence[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """``wanted`` with granted money beside used money (granted first, as the form has them)."""
    fields = list(wanted)
    for field in wanted:
        if (other := _COUNTERPARTS.get(field)) is not None and other not in fields:
            fields.append(other)
    money = [f for f in (("beviljade_medel",), ("utnyttjade_medel",)) if f in fields]
    return (*money, *(f for f in fields if f not in money))


def _money_read_together(
    insats: str, values: dict[tuple[str, str], set[str]], cited: dict[tuple[str, str], int]
) -> str:
    """The answer first when one report's granted and used money are known: both amounts with their sources,
    then what they mean together (share used, left over or overspent), said to be computed."""
    granted, spent = values.get((insats, "beviljade_medel"), set()), values.get((insats, "utnyttjade_medel"), set())
    if len(granted) != 1 or len(spent) != 1:
        return ""  # reports that differ are shown one by one below
    total, used = int(next(iter(granted))), int(next(iter(spent)))
    if total <= 0:
        return ""
    notes = "".join(
        f"[{n}]" for n in dict.fromkeys((cited[(insats, "utnyttjade_medel")], cited[(insats, "beviljade_medel")]))
    )
    rest = total - used
    share = _percent(100 * used / total, exact=rest == 0)
    remainder = f"{_kronor(rest)} blev kvar" if rest >= 0 else f"{_kronor(-rest)} mer än beviljat"
    return (
        f"Utnyttjat {_kronor(used)} av beviljade {_kronor(total)} {notes}. "
        f"Det är {share} % av det beviljade; {remainder} (beräknat)."
    )


def _percent(share: float, *, exact: bool) -> str:
    """A whole percent, or one decimal where rounding would say all or none of it when that is not so."""
    whole = round(share)
    if (whole == 100 and not exact) or (whole == 0 and share > 0):
        return f"{share:.1f}".replace(".", ",")
    return str(whole)


def _kronor(amount: int) -> str:
    return f"{amount:,}".replace(",", " ") + " kr"


# "mål", "målet", "målsättning", "måluppfyllelse": the template's word for what an insats set out to reach.
_GOAL_TERMS = frozenset(analyze("mål målet målen målsättning måluppfyllelse uppnått nådde klarade"))
_GOALS_SHOWN = 4
# Participants are counted as "deltagare" or as the form's "inskrivna" (taken in, "skrevs in"): a goal stated in
# one word answers a question in the other.
_PARTICIPANTS = frozenset(t for t in analyze("deltagare inskriven inskrivna") if t.startswith(("deltag", "inskriv")))
_PARTICIPANT_WORDS = _PARTICIPANTS | frozenset(analyze("deltog deltagit skrevs"))


def _stated_figures(text: str) -> tuple[tuple[str, str], ...]:
    """The figures a question states, as goals' targets are keyed ("40 %" → ("%", "40"); "50 deltagare" →
    ("n", "50")); a year ("2023") is no figure."""
    found = []
    for match in re.finditer(r"\b\d+(?:[,.]\d+)?\s*(?:%|procent)|\b\d+\s+[^\W\d]+", text):
        if not re.fullmatch(r"(?:19|20)\d\d", match.group(0).split()[0]) and (key := figure_key(match.group(0))):
            found.append(key)
    return tuple(dict.fromkeys(found))


def _asks_goal(query: Query) -> bool:
    """Whether the question is about a goal: it uses the template's word for one."""
    return any({"mal", "malsattning", "maluppfyllelse"} & set(word.terms) for word in query.content)


# "Per deltagare", "per person", "per månad": the noun after "per" is the unit of a ratio, not what is asked about.
_PER_UNIT = re.compile(r"\bper\s+\w+", re.IGNORECASE)


def _unsaid_people(query: Query) -> frozenset[str]:
    """The words for participants the key holds without the question saying them as its topic: "hur många fick jobb?"
    counts people it only implies, and asks what happened to them, not how many took part; "vad kostade X per
    deltagare?" names participants only as the unit of a cost. Neither is a question for the participant goal."""
    said = set(analyze(_PER_UNIT.sub(" ", query.text)))
    return PEOPLE_TERMS - said


def _goal_text(goal: MergedGoal) -> str:
    return " ".join([goal.target.text, *(o.text for o in goal.outcomes)])


def _shown_in(sentence: str, goal: MergedGoal) -> bool:
    """Whether ``sentence`` is the goal or an outcome, or the sentence a goal and its outcome were cut from
    ("Målet var 45 … och vid avslut har 26 deltagit")."""
    line = sentence.casefold()
    if sentence in _goal_text(goal):
        return True
    return any(
        all(p.rstrip(".").casefold() in line for p in (goal.target.text, outcome.text)) for outcome in goal.outcomes
    ) or (not goal.outcomes and goal.target.text.rstrip(".").casefold() in line)

"""Questions across the archive ("vilka insatser …"): every insats is asked in turn; each that qualifies gets a
bullet.

An insats qualifies by words and by meaning. By words: one of its sentences covers the question's words (see
``judge_sentences``). By meaning: the sentence of its that comes closest to what the question asks of a member
(the embedder's cosine to the question's membership clause) stands clearly above the archive's median insats for
that question. Relative, because the e5 cosines of unrelated Swedish sentences all lie near 0.83: only the
distance from the rest of the archive says anything. The margins below were set once, on the list questions
of three sets pooled (bench/NOTES.md, "Lists by meaning"), never per set or per question.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer import Passage
from assistant.catalog import Catalog
from assistant.extractive.absent import ReportTerms
from assistant.extractive.draft import NO_ANSWER, Draft
from assistant.extractive.goalcard import GoalBook, GoalShown, goal_line
from assistant.extractive.meaning import SentenceMeaning, judge_for, membership_clause
from assistant.extractive.sentences import Judged, _pieces, _quote, _Sentence, judge_sentences
from assistant.intent import Query, member_clause
from assistant.retrieve import Filters, HybridRetriever
from index.analyze import analyze, fold
from index.places import kommuner, landskap
from index.records import Field, Insats
from index.titlepage import TYPE_NAMES, is_byline


class ListAnswerer:
    """One bullet per insats whose passages cover the question's content words; the count comes first.

    Args:
        retriever: the hybrid search.
        catalog: returns the current catalog.
        per_insats: passages retrieved per insats.
        meaning: judges sentences by meaning; by default the retriever's embedder when it is one the margins
            were set for (``calibrated``), else none: qualification by words alone.
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        *,
        catalog: Callable[[], Catalog],
        per_insats: int,
        terms: ReportTerms,
        meaning: SentenceMeaning | None = None,
        goals: GoalBook | None = None,
    ) -> None:
        self.retriever, self.catalog, self.per_insats = retriever, catalog, per_insats
        self.terms = terms
        self.meaning = meaning if meaning is not None else judge_for(retriever)
        self.book = goals

    def answer(self, query: Query, words: list[set[str]], filters: Filters | None) -> Draft:
        """Ask every insats; it qualifies when one of its sentences uses the words that say who is a member (a
        word may instead be carried by the passage around the sentence or by the section it stands in) and
        none of its passages says that thing does not exist, unless the question asks for that; or when one of
        its sentences comes clearly closer in meaning to what the question asks than the rest of the archive's
        do (``qualified``)."""
        catalog = self.catalog()
        kind = self._report_kind(query, catalog)
        if kind is not None and _asks_for_kind(words, kind, catalog):
            return self._by_kind(query, kind, catalog)
        insatser, judgments = self.judge(query, words, filters)
        chosen = qualified(judgments)  # every insats is judged: the margins are relative to the archive's median
        proposed = [i for i in insatser if only_proposed(i, query, catalog)]
        insatser = [i for i in insatser if i not in proposed]
        used: list[Passage] = []
        bullets = []
        for insats in insatser:
            if (best := chosen.get(insats.id)) is not None:
                kommun = f" ({insats.kommun})" if insats.kommun else ""
                # A goal the insats set on the very topic is read with its outcome in every report that gives one;
                # it stands in place of a quote that only states the goal.
                card = self._goal_on(insats, words)
                if card is not None and _restates(best, card.goal.target.text):
                    bullets.append(f"- **{insats.name}**{kommun}: {goal_line(card, used)}.")
                    continue
                quote = _quote(best, used)
                said = f" {goal_line(card, used)}." if card is not None else ""
                bullets.append(f"- **{insats.name}**{kommun}: {quote}{said}")
        if not bullets:
            return Draft(NO_ANSWER, abstained=True)
        where = _where(query)
        # A pre-study left out is said, so the count does not look like the archive's whole; in words, since a
        # figure of the answer's own would read as one the reports state.
        many = _NUMBER_WORDS[len(proposed)] if len(proposed) < len(_NUMBER_WORDS) else "flera"
        aside = f" ({many} förstudie{'r' if len(proposed) > 1 else ''}, som bara föreslår en insats, räknas inte)"
        aside = aside if proposed else ""
        if where:
            head = f"{len(bullets)} av {len(insatser)} insatser i {where} i arkivet{aside}:"
        elif kind is None:
            head = f"{len(bullets)} av {len(insatser)} insatser i arkivet{aside}:"
        else:
            having = {info.insats.id for info in catalog.reports.values() if info.report_type == kind and info.insats}
            head = f"{len(bullets)} av {len(having)} insatser med {TYPE_NAMES.get(kind, (kind, ''))[0]} i arkivet:"
        names = tuple(dict.fromkeys(p.insats for p in used if p.insats))
        return Draft("\n".join([head, *bullets]), tuple(used), names)

    def _goal_on(self, insats: Insats, words: list[set[str]]) -> GoalShown | None:
        """The insats's goal on the question's topic: one whose target uses most of the question's membership words,
        and two at least (one shared word, "steg", is a topic touched, not the goal's), when the insats measured it."""
        if self.book is None or not words:
            return None
        best, best_shared = None, 0
        for goal in self.book.goals(insats):
            terms = set(analyze(goal.target.text))
            shared = sum(bool(group & terms) for group in words)
            if shared > best_shared and goal.outcomes and shared >= 2 and shared * 2 >= len(words):
                best, best_shared = goal, shared
        return self.book.shown(best, insats) if best is not None else None

    def judge(
        self, query: Query, words: list[set[str]], filters: Filters | None
    ) -> tuple[list[Insats], dict[str, Judgment]]:
        """The insatser asked (those of the landskap the question names, if any) and how each answers: its
        sentence that covers the words, and its sentence closest in meaning with the cosine. bench/lists.py
        reads these to set the margins."""
        catalog = self.catalog()
        # "… i slutrapporterna" asks those reports only, when the archive has any.
        kind = self._report_kind(query, catalog)
        common = self._common_ground(words, catalog)
        insatser = _asked(query, catalog)
        # A request for a summary ("– kan du sammanfatta vad rapporterna säger till styrelsen") says what to do with
        # the answer, not what to find: each insats is searched for the topic alone, not for its summary section.
        topic = member_clause(query.text).strip() if query.kind == "summary" else ""
        asked: Query | str = topic if topic and topic != query.text.strip() else query
        judged = {}
        for insats in insatser:
            scoped = Filters(insats=insats.id, section=filters.section if filters else None, report_type=kind)
            passages = self.retriever.search(asked, k=self.per_insats, filters=scoped)
            judged[insats.id] = judge_sentences(passages, words, denials=not query.negated, common=common)
        clause = membership_clause(query.text, (*(i.name for i in catalog.insatser), *kommuner().values()))
        closest = self._closest(clause, judged, negated=query.negated)
        judgments = {
            insats: Judgment(next((j.sentence for j in js if j.covers), None), *closest.get(insats, (None, None)))
            for insats, js in judged.items()
        }
        return insatser, judgments

    def _by_kind(self, query: Query, kind: str, catalog: Catalog) -> Draft:
        """Every insats (of the landskap the question names, if any) with a report of ``kind``, each quoted with
        the line of that report that says who wrote it (an evaluation's by-line), or its first sentence."""
        used: list[Passage] = []
        bullets = []
        asked = _asked(query, catalog)
        for insats in asked:
            sources = sorted(s for s in insats.reports if (info := catalog.reports.get(s)) and info.report_type == kind)
            if not sources:
                continue
            passages = [Passage(c, 1.0, insats.name, insats.id, kind) for c in self.terms.sources.chunks_of(sources[0])]
            if (line := _byline(passages)) is not None:
                kommun = f" ({insats.kommun})" if insats.kommun else ""
                bullets.append(f"- **{insats.name}**{kommun}: {_quote(line, used)}")
        if not bullets:
            return Draft(NO_ANSWER, abstained=True)
        genre = TYPE_NAMES.get(kind, (kind, ""))[0]
        where = f" i {_where(query)}" if query.regions else ""
        head = f"{len(bullets)} av {len(asked)} insatser{where} i arkivet har en {genre}:"
        names = tuple(dict.fromkeys(p.insats for p in used if p.insats))
        return Draft("\n".join([head, *bullets]), tuple(used), names)

    def inventory(self, query: Query) -> Draft:
        """Every insats the question asks about (of the kommun or landskap it names, if any) with its kommun, its
        reports and its period, cited where a report states the period (else at the report's first lines)."""
        catalog = self.catalog()
        asked = [i for i in _asked(query, catalog) if not query.kommun or fold(i.kommun or "") == query.kommun]
        where = _where(query) or (kommuner().get(query.kommun, query.kommun) if query.kommun else "")
        if not asked:
            return Draft(f"Arkivet har ingen insats i {where}." if where else NO_ANSWER, abstained=True)
        used: list[Passage] = []
        bullets = []
        for insats in asked:
            kommun = f" ({insats.kommun})" if insats.kommun else ""
            kinds = [catalog.reports[s].report_type for s in insats.reports if s in catalog.reports]
            held = ", ".join(_counted_kind(kind, kinds.count(kind)) for kind in dict.fromkeys(kinds))
            stated = self._period(insats)
            if stated is not None:
                period, line = stated
                told = f"period {period}: {_quote(line, used)}"
            else:
                first = self._first_line(insats)
                told = _quote(first, used) if first is not None else ""
            bullets.append(f"- **{insats.name}**{kommun}, {held or 'inga rapporter'}; {told}".rstrip("; "))
        count = f"{len(asked)} insats" if len(asked) == 1 else f"{len(asked)} insatser"
        head = f"Arkivet har {count}" + (f" i {where}" if where else "") + ":"
        return Draft("\n".join([head, *bullets]), tuple(used), tuple(i.name for i in asked))

    def naming(self, insats: Insats) -> Draft:
        """The reports that name ``insats``: its own, then other insatser's reports that name it in their text,
        each cited at its first sentence that does (its own at their first lines when no sentence does)."""
        catalog = self.catalog()
        # A name it shares with a namesake ("Vägen framåt" in Söderhamn and in Nordanstig) names either.
        theirs = [fold(a) for i in catalog.insatser if i.id != insats.id for a in (i.name, *i.aliases)]
        names = [
            n
            for n in dict.fromkeys(fold(a) for a in (insats.name, *insats.aliases))
            if len(n) >= _NAME_MIN and not any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", t) for t in theirs)
        ]
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)") if names else None
        needed = [frozenset(analyze(n)) for n in names]
        used: list[Passage] = []
        bullets = []
        own = sorted(insats.reports, key=lambda s: (_REPORT_ORDER.get(self._kind_of(s) or "", 9), s))
        others = sorted(set(catalog.reports) - set(own))
        mentioned: list[str] = []
        for source in [*own, *others]:
            mine = source in insats.reports
            # Only reports that use every word of one of its names are read sentence by sentence.
            if not mine and not any(n <= self.terms.of([source], catalog.generation) for n in needed):
                continue
            info = catalog.reports.get(source)
            owner = info.insats if info is not None and info.insats is not None else None
            title = owner.name if owner is not None else None
            passages = [
                Passage(c, 1.0, title, owner.id if owner else None, self._kind_of(source))
                for c in self.terms.sources.chunks_of(source)
            ]
            line = _naming_sentence(passages, pattern) if pattern is not None else None
            if line is None and mine:
                line = _byline(passages)
            if line is None:
                continue
            about = f" om {insats.name}" if mine else (f" för {title}" if title else "")
            bullets.append(f"- {_the_report(self._kind_of(source), source)}{about}: {_quote(line, used)}")
            if not mine and title:
                mentioned.append(title)
        if not bullets:
            return Draft(NO_ANSWER, abstained=True)
        count = "1 rapport" if len(bullets) == 1 else f"{len(bullets)} rapporter"
        head = f"{insats.name} nämns i {count} i arkivet:"
        return Draft("\n".join([head, *bullets]), tuple(used), tuple(dict.fromkeys((insats.name, *mentioned))))

    def _period(self, insats: Insats) -> tuple[str, _Sentence] | None:
        """The insats's period ("2021-01-01 – 2022-12-31") and the line that states it, from a report that gives
        start and end; a quarterly report's period may be the quarter it covers, so other reports go first."""
        stated: dict[str, dict[str, Field]] = {}
        for source, field in insats.fields:
            if field.name in ("period_start", "period_end"):
                stated.setdefault(source, {}).setdefault(field.name, field)
        whole = sorted(
            (source for source, found in stated.items() if len(found) == 2),
            key=lambda source: (self._kind_of(source) in _REPORTS_OF_A_PERIOD, source),
        )
        for source in whole:
            start, end = stated[source]["period_start"], stated[source]["period_end"]
            chunk = next((c for c in self.terms.sources.chunks_of(source) if c.start <= start.start < c.end), None)
            if chunk is not None:
                raw = " – ".join(re.sub(r"\s+", " ", f.raw.replace("<br>", " ")).strip(" |*") for f in (start, end))
                passage = Passage(chunk, 1.0, insats.name, insats.id, self._kind_of(source))
                return f"{start.value} – {end.value}", _Sentence(raw, passage, 1.0)
        return None

    def _first_line(self, insats: Insats) -> _Sentence | None:
        if not insats.reports:
            return None
        source = sorted(insats.reports)[0]
        chunks = self.terms.sources.chunks_of(source)
        return _byline([Passage(c, 1.0, insats.name, insats.id, self._kind_of(source)) for c in chunks])

    def _kind_of(self, source: str) -> str | None:
        info = self.catalog().reports.get(source)
        return info.report_type if info else None

    @staticmethod
    def _report_kind(query: Query, catalog: Catalog) -> str | None:
        kind = query.report_type
        return kind if kind in {info.report_type for info in catalog.reports.values()} else None

    def _closest(
        self, clause: str, judged: dict[str, list[Judged]], *, negated: bool
    ) -> dict[str, tuple[_Sentence, float]]:
        """Per insats, its sentence closest in meaning to the clause and the cosine; empty when meaning cannot
        be judged (no embedder, the embedder unreachable, too few insatser for a median to mean anything, or
        so many that embedding their sentences would keep the answer waiting: words alone decide there).

        Only each insats's few sentences with most of the question's words are read (``_CANDIDATES``; more
        where it has none of them): that keeps a list over the archive to a few dozen short embeddings, and on
        the pooled sets more candidates did not judge better (the chance of a stray close sentence grows with
        their number). A sentence that denies something does not count, unless the question asks about what
        was missing: the embedder reads "Någon extern utvärdering har inte gjorts" as close to "utvärderades
        externt".
        """
        if self.meaning is None or not _MEANING_MIN_INSATSER <= len(judged) <= _MEANING_MAX_INSATSER:
            return {}
        candidates = {}
        for insats, js in judged.items():
            readable = [j for j in js if negated or not j.denies]
            # An insats none of whose sentences uses a word of the question says it in other words if at all,
            # and the order of its sentences gives no hint where: more of them are read.
            limit = _CANDIDATES if any(j.own for j in readable) else _CANDIDATES_UNWORDED
            candidates[insats] = [j.sentence for j in readable[:limit]]
        texts = [s.matched for sentences in candidates.values() for s in sentences]
        scores = self.meaning.similarities(clause, texts) if texts else None
        if scores is None:
            return {}
        closest: dict[str, tuple[_Sentence, float]] = {}
        at = 0
        for insats, sentences in candidates.items():
            for sentence, score in zip(sentences, scores[at : at + len(sentences)], strict=True):
                if insats not in closest or score > closest[insats][1]:
                    closest[insats] = (sentence, score)
            at += len(sentences)
        return closest

    def _common_ground(self, words: list[set[str]], catalog: Catalog) -> list[bool]:
        """Per word, whether nearly every insats uses it in running text ("deltagare"), or none does ("strul med
        bussar": the reports say "problem", "svårt"): such a word cannot tell members from the rest, so it is not
        asked of each. A word the reports use as a heading ("Framgångsfaktorer") says where a statement stands and
        stays asked; so does the least common word, always."""
        insatser = [i for i in catalog.insatser if i.reports]
        used = [0] * len(words)
        headed = [0] * len(words)
        for insats in insatser:
            terms = self.terms.of(insats.reports, catalog.generation)
            headings = self.terms.in_headings(insats.reports, catalog.generation)
            for i, word in enumerate(words):
                used[i] += bool(word & terms)
                headed[i] += bool(word & headings)
        # Among fewer than six insatser, sharing a word says little: only an unused word is common ground there.
        many = len(insatser) >= _COMMON_MIN_INSATSER
        common = [
            u == 0 or (many and u >= _COMMON_SHARE * len(insatser) and h < u / 2)
            for u, h in zip(used, headed, strict=True)
        ]
        if common and all(common):
            common[min(range(len(words)), key=lambda i: used[i])] = False
        return common


def _restates(sentence: _Sentence, target: str) -> bool:
    """Whether ``sentence`` says the goal ``target`` over again (most of its words, read in repaired form)."""
    words = set(analyze(target))
    return bool(words) and len(words & set(analyze(sentence.matched or sentence.text))) >= 0.8 * len(words)


def _asked(query: Query, catalog: Catalog) -> list[Insats]:
    """The insatser a question across the archive asks about: "… i Hälsingland" asks about those run in that
    landskap's kommuner; else all."""
    region = frozenset().union(*(landskap()[r][1] for r in query.regions))
    return [i for i in catalog.insatser if not region or fold(i.kommun or "") in region]


_NUMBER_WORDS = ("ingen", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio")


def only_proposed(insats: Insats, query: Query, catalog: Catalog) -> bool:
    """Whether ``insats`` has only pre-studies (förstudier) in the archive and the question does not ask about them: a
    pre-study proposes an insats, so what it says the insats would do, or what it found, is no work of an insats."""
    if "forstudie" in query.folded or query.report_type == "forstudie":
        return False
    kinds = {info.report_type for s in insats.reports if (info := catalog.reports.get(s)) is not None}
    return kinds == {"forstudie"}


def _where(query: Query) -> str:
    """The landskap the question names, as written in an answer ("Hälsingland och Dalarna"); "" for none."""
    return " och ".join(landskap()[r][0] for r in query.regions)


def _naming_sentence(passages: list[Passage], pattern: re.Pattern[str]) -> _Sentence | None:
    """The first sentence of a report, in document order, that names what ``pattern`` matches; not form text."""
    for passage in sorted(passages, key=lambda p: p.chunk.start):
        for text, matched in _pieces(passage):
            if pattern.search(fold(matched)):
                return _Sentence(text, passage, 1.0, matched)
    return None


def _the_report(kind: str | None, source: str) -> str:
    """ "Slutrapporten", or the file's name for a document of no known kind."""
    return TYPE_NAMES[kind][1].capitalize() if kind in TYPE_NAMES else source


_REPORT_ORDER = {"slutrapport": 0, "utvardering": 1, "forstudie": 2, "lagesrapport": 3, "kvartalsrapport": 4}
_NAME_MIN = 4  # a shorter alias ("VF") is too likely to be some other word's letters


_REPORTS_OF_A_PERIOD = frozenset({"kvartalsrapport", "lagesrapport"})


def _counted_kind(kind: str, n: int) -> str:
    """ "slutrapport", "3 kvartalsrapporter" """
    name = TYPE_NAMES.get(kind, (kind, kind))[0]
    return name if n == 1 else f"{n} {_PLURALS.get(kind, name)}"


_PLURALS = {
    "slutrapport": "slutrapporter",
    "kvartalsrapport": "kvartalsrapporter",
    "lagesrapport": "lägesrapporter",
    "utvardering": "utvärderingar",
    "forstudie": "förstudier",
    "ansokan": "ansökningar",
    "rapport": "rapporter",
}


def _asks_for_kind(words: list[set[str]], kind: str, catalog: Catalog) -> bool:
    """Whether a question across the archive asks which insatser have a report of ``kind`` ("vilka har haft en
    extern utvärdering?"), not what such reports say: each of its words names the kind, or is part of an
    insats's name (a guess the question offers, "det var väl bara IPS-satsningen som utvärderades?")."""
    own = set(analyze(_KIND_WORDS.get(kind, TYPE_NAMES.get(kind, (kind, kind))[0])))
    rest = [word for word in words if not word & own]
    if len(rest) == len(words):
        return False
    names = [set(analyze(alias)) for insats in catalog.insatser for alias in (insats.name, *insats.aliases)]
    return all(any(word <= name for name in names) for word in rest)


def _byline(passages: list[Passage]) -> _Sentence | None:
    """The sentence or title-page line near the start of a report that says who wrote it; else its first
    sentence of some length."""
    first: _Sentence | None = None
    for passage in sorted(passages, key=lambda p: p.chunk.start)[:_BYLINE_PASSAGES]:
        for text, matched in _pieces(passage):
            if _BYLINE.search(fold(matched)) or is_byline(matched):
                return _Sentence(text, passage, 1.0, matched)
            if first is None and len(matched) >= _FIRST_SENTENCE_MIN:
                first = _Sentence(text, passage, 1.0, matched)
    return first


@dataclass(frozen=True, slots=True)
class Judgment:
    """How one insats answers a question across the archive."""

    by_words: _Sentence | None  # its sentence that covers the question's words, if any
    closest: _Sentence | None  # its sentence closest in meaning to the question; None when meaning is not judged
    similarity: float | None  # that sentence's cosine to the question's membership clause


def qualified(
    judgments: dict[str, Judgment], *, margin: float | None = None, floor: float | None = None
) -> dict[str, _Sentence]:
    """Per qualifying insats, the sentence to quote: the one that covers the words, else the one closest in
    meaning. An insats qualifies by words unless its meaning falls ``floor`` below the median insats's (its
    words then stand in a sentence about something else), or by meaning alone when its closest sentence stands
    ``margin`` above that median. Without meaning, words alone decide."""
    margin = _MEANING_MARGIN if margin is None else margin
    floor = _WORD_FLOOR if floor is None else floor
    scores = [j.similarity for j in judgments.values() if j.similarity is not None]
    median = statistics.median(scores) if scores else None
    chosen = {}
    for insats, judgment in judgments.items():
        if median is None or judgment.similarity is None:
            if judgment.by_words is not None:
                chosen[insats] = judgment.by_words
        elif judgment.by_words is not None and judgment.similarity - median >= -floor:
            chosen[insats] = judgment.by_words
        elif judgment.closest is not None and judgment.similarity - median >= margin:
            chosen[insats] = judgment.closest
    return chosen


# Set on the pooled list questions of dev, examples and archive-a (bench/NOTES.md, session 8): an insats
# qualifies by meaning 0.0175 above the median insats's closest sentence; words count unless 0.03 below it.
_MEANING_MARGIN = 0.0175
_WORD_FLOOR = 0.03
_CANDIDATES = 4  # sentences per insats read for meaning
_CANDIDATES_UNWORDED = 8  # … when none of its sentences uses a word of the question
_MEANING_MIN_INSATSER = 3  # the median of fewer says nothing
# Past this many insatser asked, a list embeds about a hundred new sentences or more (25 a second with PyTorch
# on two busy cores, 90 with onnx-int8): words alone decide there, as before meaning was judged. Sentence
# vectors made at ingest would lift this.
_MEANING_MAX_INSATSER = 20

# The words a report of a kind answers by being one: the genre's own name (TYPE_NAMES), and for an evaluation the words
# for who made it, since an evaluation report in the archive is written by an evaluator outside the insats.
_KIND_WORDS = {
    "utvardering": "utvärdering utvärderingar utvärderad utvärderades utvärderats utvärderare följeforskning "
    "följeutvärdering extern externa externt oberoende",
}
# Who wrote a report, as its first lines say: a university, a firm ("AB"), "Utvärderare:", "på uppdrag av",
# "En rapport från …", "… som Högskolan i Gävle genomfört".
_BYLINE = re.compile(r"hogskola|universitet|university|\bab\b|utvarderare|forskare|pa uppdrag|en rapport fran|konsult")
_BYLINE_PASSAGES = 3  # a title page and a summary fit in the first three passages
_FIRST_SENTENCE_MIN = 40

# A word three in four insatser use is common ground; among fewer than six, sharing a word says little.
_COMMON_SHARE = 0.75
_COMMON_MIN_INSATSER = 6

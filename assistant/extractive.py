"""The default answerer: composes Swedish answers from retrieved sentences, without a language model.

Every statement is a sentence (or table row) quoted from a passage, marked ``[n]``. Three shapes:
  - a fact or why-question gets the best-matching sentences, one per report when the named insats has
    several reports, and a notice when those reports state different figures;
  - a question across the archive ("vilka insatser …") is asked of every insats in turn, and each insats
    whose passages contain the question's key words gets a bullet; the count comes first;
  - when nothing in the archive matches the question's key words (or a figure is asked for and none is
    found), it says so instead of offering a figure from elsewhere.

It reads the question only through its ``Query`` (``assistant/intent.py``).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from assistant import gaps
from assistant.answer import Passage
from assistant.catalog import Catalog
from assistant.cite import defuse_markers
from assistant.intent import MONEY_TERMS as _MONEY
from assistant.intent import Query, content_words
from assistant.intent import overlap as _overlap
from assistant.names import NameMatch, insatser_in_text
from assistant.retrieve import Filters, HybridRetriever, LexicalSearch, rare_in
from index.analyze import analyze, fold
from index.metadata import kommuner
from index.records import Chunk, Field, Insats

_AMOUNT = re.compile(r"\d[\d \u00a0]*\s?(?:kr|kronor|tkr|mkr)\b|(?:beviljade|utnyttjade) medel", re.IGNORECASE)
_FIELD_LABELS = {
    "diarienummer": "Diarienummer",
    "beviljade_medel": "Beviljade medel",
    "utnyttjade_medel": "Utnyttjade medel",
    "period_start": "Period",
    "period_end": "Period",
    "kontaktperson": "Kontaktperson",
}
_KIND_LABELS = {"slutrapport": "slutrapport", "kvartalsrapport": "kvartalsrapport", "utvardering": "utvärdering"}
_NUMBER_WORDS = frozenset(
    "två tre fyra fem sex sju åtta nio tio elva tolv femton tjugo trettio halv hälften dubbelt".split()
)
# "Hur ofta …" is answered in words as often as in figures ("varannan vecka", "en gång i månaden").
_FREQUENCY_WORDS = frozenset("varannan varje gång gånger dagligen veckovis månadsvis årligen regelbundet".split())
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-ZÅÄÖ0-9])")
_TYPE_LABEL = {"slutrapport": "slutrapporten", "kvartalsrapport": "kvartalsrapporten", "utvardering": "utvärderingen"}
NO_ANSWER = "Det finns inget svar på det i arkivet."


@dataclass(frozen=True, slots=True)
class Draft:
    """An answer before citations are attached: text with [n] markers numbered over ``passages``."""

    text: str
    passages: tuple[Passage, ...] = ()
    insatser: tuple[str, ...] = ()
    abstained: bool = False
    notices: tuple[str, ...] = ()
    generated: bool = False  # written by a language model (its figures need checking), not quoted


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str  # as written in the file
    passage: Passage
    score: float
    matched: str = ""  # the repaired form for OCR text, else the same as text


class SourceReader(Protocol):
    def chunks_of(self, source: str) -> list[Chunk]: ...


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
    ) -> None:
        if k < 1 or per_insats < 1 or max_sentences < 1:
            raise ValueError("k, per_insats and max_sentences must be positive")
        self.retriever = retriever
        self.catalog, self.lexical, self.sources = catalog, lexical, sources
        self.k, self.per_insats, self.max_sentences = k, per_insats, max_sentences

    def answer(self, query: Query, *, filters: Filters | None = None) -> Draft:
        named = [] if filters and filters.insats else list(query.named)
        name_terms = {t for m in named for t in analyze(m.alias)}
        across = not named and (filters is None or filters.empty()) and query.list_wording
        # "Vilka insatser använde Supported Employment?" asks who mentions it: that is the across answer.
        if not named and not across and (mention := self._only_mentioned(query)) is not None:
            return Draft(f"{NO_ANSWER} {mention}", abstained=True)
        if not named and (missing := self._not_in_archive(query)) is not None:
            return Draft(f"{NO_ANSWER} {missing}", abstained=True)
        if not across and (gap := self._gap(query, named)) is not None:
            return Draft(gap.text, insatser=(gap.insats,) if gap.insats else (), abstained=True)
        if across:
            # An insats qualifies by covering the question's words, so only the surely topical ones count.
            words = content_words(query, name_terms)
            return self._across(query, words, filters)
        # Ranking sentences gains from every specific word, even everyday ones the archive rarely uses.
        lexical = self.lexical()
        words = content_words(query, name_terms, rare=lambda terms: rare_in(terms, lexical))
        return self._fact(query, named, set().union(*words) if words else set(), filters)

    def _not_in_archive(self, query: Query) -> str | None:
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
                if (
                    place in places
                    and place != kommun
                    and not any(fold(m.insats.kommun or "") == place for m in matches)
                ):
                    return f"Arkivet har ingen insats som heter så i {place.capitalize()}."
        lexical = self.lexical()
        for word in query.inner_names:
            folded = fold(word)
            terms = analyze(word)
            if folded in places or folded.removesuffix("s") in places or not terms:
                continue
            if all(lexical.document_frequency(t) == 0 for t in terms):
                return f"Inget i arkivet nämner {word}."
        return None

    def _gap(self, query: Query, named: Sequence[NameMatch]) -> gaps.Gap | None:
        """What the archive cannot answer about the insats the question names (see ``assistant.gaps``)."""
        catalog = self.catalog()
        if named:
            scope = [m.insats for m in named[:2]]
        else:  # "Familjeteamet i Ljusdal": a kommun alone stands for the insatser run there
            words = set(query.words)
            scope = [i for i in catalog.insatser if i.kommun and fold(i.kommun) in words]
        if query.figure:
            gap = gaps.after_coverage(query.text, scope, self._quarters(scope, catalog))
            if gap is not None:
                return gap
        if len(named) != 1:
            return None
        insats = named[0].insats
        excluded = {t for m in named for t in analyze(m.alias)} | {t for p in kommuner() for t in analyze(p)}
        excluded |= set(analyze(insats.name))
        lexical = self.lexical()
        frequency = {t: lexical.document_frequency(t) for t in analyze(query.text)}
        texts = (c.search_text for source in insats.reports for c in self.sources.chunks_of(source))
        return gaps.unmentioned(query.text, insats, texts, archive_frequency=frequency, excluded=excluded)

    def _quarters(self, insatser: Sequence[Insats], catalog: Catalog) -> dict[str, date]:
        """The quarter each quarterly report of ``insatser`` covers, read from its name or opening."""
        quarters = {}
        for insats in insatser:
            for source in insats.reports:
                info = catalog.reports.get(source)
                if info is None or info.report_type != "kvartalsrapport":
                    continue
                head = " ".join(c.text for c in self.sources.chunks_of(source)[:2])
                if (end := gaps.quarter_end(source, head)) is not None:
                    quarters[source] = end
        return quarters

    def _only_mentioned(self, query: Query) -> str | None:
        """A note when the question names something the reports only mention (no report of its own)."""
        asked = set(query.words)
        catalog = self.catalog()
        for source, mention in catalog.mentions:
            name_words = set(re.findall(r"\w+", fold(mention.name)))
            if len(name_words) >= 2 and name_words <= asked and not insatser_in_text(mention.name, catalog.insatser):
                return f"{mention.name} nämns bara i förbigående i {source}; arkivet har ingen rapport om den."
        return None

    def _fact(self, query: Query, named: Sequence[NameMatch], key: set[str], filters: Filters | None) -> Draft:
        # The register's exact fields (money, period, dnr) come first; the sentences around them follow, since a
        # figure is read against the others of its kind (granted against used, one report against another).
        register = self._from_register(query, named)
        passages = self._search(query, named, filters)
        wants_figure = query.figure
        everything = [s for s in self._sentences(passages, key, headings=bool(named)) if s.score > 0]
        ranked = everything
        if wants_figure:
            ranked = [
                s for s in ranked if _answers_figure(s.matched or s.text, key, money=query.money, often=query.often)
            ]
            # A named insats's reports that state no figure on the topic still tell what they say about it;
            # but no amount is no answer to what something cost, whatever else is said about it.
            if not ranked and named and register is None and not query.money:
                ranked = everything
        if not ranked and register is None:
            if named and query.money:
                return Draft(f"Rapporterna om {named[0].insats.name} anger inget belopp för det.", abstained=True)
            return Draft(NO_ANSWER, abstained=True)
        used: list[Passage] = list(register.passages) if register else []
        lines = register.text.split("\n") if register else []
        room = max(self.max_sentences - len(lines) // 2, 2)
        chosen = _one_per_report(ranked, room) if named else ranked[:room]
        lines += [_quote(s, used) for s in chosen]
        notices = (*(register.notices if register else ()), *(_differing_figures(chosen) if wants_figure else ()))
        names = (*(register.insatser if register else ()), *(s.passage.insats for s in chosen if s.passage.insats))
        text = "\n".join(dict.fromkeys(lines))
        return Draft(text, tuple(used), tuple(dict.fromkeys(names)), False, tuple(dict.fromkeys(notices)))

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

    def _across(self, query: Query, words: list[set[str]], filters: Filters | None) -> Draft:
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
            head = f"{len(bullets)} av {len(having)} insatser med {_KIND_LABELS.get(kind, kind)} i arkivet:"
        names = tuple(dict.fromkeys(p.insats for p in used if p.insats))
        return Draft("\n".join([head, *bullets]), tuple(used), names)

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

    def _sentences(
        self, passages: Sequence[Passage], key: set[str], *, require_key: bool = False, headings: bool = False
    ) -> list[_Sentence]:
        """Sentences of the passages scored by the question's key words they contain, rank breaking ties.

        With ``headings`` a sentence also holds the words of the headings it stands under: in a named
        insats's report, the items under "6.4 Framgångsfaktorer" answer "vilka framgångsfaktorer hade …"
        without repeating the word.
        """
        scored = []
        for rank, passage in enumerate(passages, start=1):
            heading_terms = _terms(" ".join(passage.chunk.heading_path[-2:])) if headings else set()
            for sentence, readable in _pieces(passage):
                terms = _terms(readable) | heading_terms
                hits = _overlap(key, terms)
                if require_key and not hits:
                    continue
                score = hits / math.sqrt(max(len(key), 1)) + 0.3 / rank
                scored.append(_Sentence(sentence, passage, score if hits or not key else 0.0, readable))
        return sorted(scored, key=lambda s: -s.score)


_HEADING_LINE = re.compile(r"^\s*(?:#{1,6}\s|\d+(?:\.\d+)*\.?\s+\S[^.!?]{0,100}$|\*\*[^*]+\*\*\s*$)")
_INLINE_HEADING = re.compile(r"^\s*\*\*[^*]{0,160}\*\*\s*(?=\S)|^\s*\d+(?:\.\d+)+\s[^:\n]{0,100}:\s+")


def _split(text: str) -> list[str]:
    """Sentences and table rows: hard-wrapped lines joined, markup trimmed, headings, template prompts
    (questions) and fragments dropped."""
    parts = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in block.splitlines() if line.strip() and not _HEADING_LINE.match(line)]
        if not lines:
            continue
        tabular = any(line.lstrip().startswith("|") or "\t" in line for line in lines)
        listed = sum(bool(re.match(r"\s*(?:[-*•–]|\d{1,2}[.)])\s", line)) for line in lines) >= 2
        # Rows and list items stand alone; other lines are one paragraph broken at the page width.
        units = lines if tabular or listed else [" ".join(line.strip() for line in lines)]
        for unit in units:
            for piece in _SENTENCE.split(_INLINE_HEADING.sub("", unit)):
                piece = re.sub(r"\s+", " ", piece.replace("<br>", " ")).strip(" |*#-•–")
                if len(piece) >= 25 and len(piece.split()) >= 4 and not piece.endswith((":", "?")):
                    parts.append(piece)
    return parts


def _pieces(passage: Passage) -> list[tuple[str, str]]:
    """(as written, as matched) per sentence: OCR passages are matched on their repaired text, which has the
    same layout, but quoted as the file says."""
    written = _split(passage.chunk.text)
    if passage.chunk.corrected:
        repaired = _split(passage.chunk.corrected)
        if len(repaired) == len(written):
            return list(zip(written, repaired, strict=True))
    return [(piece, piece) for piece in written]


def _terms(sentence: str) -> set[str]:
    """A sentence's analyzed terms; an amount in kronor also counts as the money words."""
    terms = set(analyze(sentence))
    if _AMOUNT.search(sentence):
        terms |= _MONEY
    return terms


def _best_covering(passages: Sequence[Passage], words: list[set[str]]) -> _Sentence | None:
    best: _Sentence | None = None
    for rank, passage in enumerate(passages, start=1):
        around = set(analyze(passage.chunk.search_text))
        # Under "6.5 Systemfel" every item is a systemfel, whether or not it says so.
        heading = _terms(" ".join(passage.chunk.heading_path[-2:]))
        for sentence, readable in _pieces(passage):
            terms = _terms(readable) | heading
            own = sum(1 for w in words if _overlap(w, terms))
            covered = sum(1 for w in words if _overlap(w, terms | around))
            # Two thirds of a long question's words will do ("utbildat personal i motiverande samtal (MI)"
            # is answered by "utbildade i MI"); a short question's words must all be there.
            if not own or covered < math.ceil(len(words) * 2 / 3):
                continue
            score = own + 0.3 / rank
            if best is None or score > best.score:
                best = _Sentence(sentence, passage, score, readable)
    return best


def _answers_figure(sentence: str, key: set[str], *, money: bool = False, often: bool = False) -> bool:
    """Whether a sentence can answer a how-much/how-many question: it has a figure (an amount, when money is
    asked about) and, unless the question is only about money, one of the question's own key words (a budget
    total is no answer about a course)."""
    if money and not _AMOUNT.search(sentence):
        return False
    words = set(re.findall(r"\w+", sentence.lower()))
    counted = _NUMBER_WORDS | _FREQUENCY_WORDS if often else _NUMBER_WORDS
    if not re.search(r"\d", sentence) and not words & counted:
        return False
    specific = key - _MONEY
    return not specific or bool(_overlap(specific, _terms(sentence)))


def _one_per_report(ranked: Sequence[_Sentence], limit: int) -> list[_Sentence]:
    """The best sentence of each report first (reports of one insats may disagree), then the next best."""
    firsts: dict[str, _Sentence] = {}
    for sentence in ranked:
        firsts.setdefault(sentence.passage.source, sentence)
    rest = [s for s in ranked if s not in firsts.values()]
    return (list(firsts.values()) + rest)[:limit]


def _differing_figures(chosen: Sequence[_Sentence]) -> tuple[str, ...]:
    by_report: dict[str, set[str]] = {}
    for sentence in chosen:
        numbers = set(re.findall(r"\d+(?:[ ,.]\d+)*", sentence.text))
        by_report.setdefault(sentence.passage.source, set()).update(numbers)
    if len(by_report) > 1 and len({frozenset(v) for v in by_report.values()}) > 1:
        sources = ", ".join(by_report)
        return (f"Rapporterna anger olika siffror ({sources}); båda visas med källa.",)
    return ()


def _quote(sentence: _Sentence, used: list[Passage]) -> str:
    if sentence.passage not in used:
        used.append(sentence.passage)
    n = used.index(sentence.passage) + 1
    passage = sentence.passage
    where = _TYPE_LABEL.get(passage.report_type or "", passage.source)
    owner = f"{passage.insats}, {where}" if passage.insats else where
    # A "[2]" inside the quoted report text (a reference, or planted) must not become a citation of passage 2.
    return f"Enligt {owner}: ”{defuse_markers(sentence.text)}” [{n}]"

"""Hybrid retrieval: dense (e5 via Chroma) and lexical (BM25 over the Swedish analyzer), fused by rank.

Dense search catches paraphrase; BM25 catches exact names, figures and rare words, and folding lets
OCR text without å/ä/ö meet normal spelling. Reciprocal-rank fusion needs no score calibration between
the two. Two soft boosts follow, both from the report template rather than from any one archive: chunks
of an insats the question names, and chunks of the template sections the question asks about
("framgångsfaktorer", "budget" …). Two question shapes are laid out differently:
  - across the archive ("vilka insatser nämner …"), the framing words are left out of the lexical query,
    passages lacking the question's content words yield to those that have them, and reports take turns;
  - a summary of a named insats ("sammanfatta …", "läget i …") starts with its reports' concluding
    sections (goal attainment, conclusions, assessment …), a few passages each, whatever the words.
A reranker can be plugged in after fusion.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from assistant.answer import Passage
from assistant.archive import Archive, Catalog
from assistant.errors import BadFilter, EmptyQuestion
from assistant.names import insatser_in_text, resolve_insats
from index.analyze import analyze, fold, is_common_word, swedish_lexicon
from index.lexical import LexicalIndex
from index.metadata import kommuner
from index.sections import SECTION_KEYS
from index.store import where_clause

logger = logging.getLogger(__name__)

# Question wording → template sections that answer it (folded stems, matched as word prefixes).
SECTION_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # A quarterly report has no 6.x analysis: its "Sammanfattande bedömning" holds the same topics.
    (("framgang", "positiva effekt", "fungerade bast", "fungerat bra"), ("framgangsfaktorer", "lardomar", "bedomning")),
    (("systemfel", "hinder"), ("systemfel", "avvikelser", "bedomning")),
    (("lardom", "larde", "lart", "erfarenhet"), ("lardomar", "framgangsfaktorer", "bedomning", "slutsatser")),
    (("avvik", "varfor nadde", "orsak", "inte nadde"), ("avvikelser", "systemfel", "maluppfyllelse", "bedomning")),
    (
        ("budget", "kostnad", "kostade", "medel", "beviljat", "beviljade", "utnyttja", "kronor", "pengar"),
        ("ekonomi", "allmanna_uppgifter"),
    ),
    (("maluppfyll", "malet", "malen", "delmal", "deltagare", "resultat", "utfall"), ("maluppfyllelse", "resultat")),
    (("implementer", "efter projekttiden", "efter insatsen", "fortsatt"), ("implementering", "bedomning")),
    (("brukarmedverkan", "delaktig"), ("brukarmedverkan",)),
    (("tidsperiod", "period", "insatstid"), ("allmanna_uppgifter",)),
    (("kontaktperson", "ansvarig"), ("ansvarig", "allmanna_uppgifter", "uppgiftslamnare")),
    (("samverkanspart",), ("samverkansparter",)),
    (("malgrupp",), ("malgrupp",)),
)
SUMMARY_CUES = ("sammanfatt", "sammanstall", "styrelse", "punktform", "laget i", "oversikt")
# The parts of a report that summarise it.
SUMMARY_SECTIONS = ("slutsatser", "maluppfyllelse", "bedomning", "sammanfattning", "allmanna_uppgifter")
# Navigation and reference matter: reference lists, tables of contents, abbreviations and the template's
# contact box match many questions' words but answer none, unless asked for.
BACKMATTER = frozenset({"referenser", "innehall", "forkortningar", "kontakt"})
REPORT_TYPE_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("utvardering", "hogskola", "universitet", "forskar", "foljeforskning"), "utvardering"),
    (("kvartalsrapport",), "kvartalsrapport"),
    (("slutrapport",), "slutrapport"),
)
# Questions across the archive ("vilka insatser …") want one good passage per report, not five from one.
LIST_CUES = (
    "vilka insatser",
    "vilka rapporter",
    "i vilka",
    "finns det rapporter",
    "finns det insatser",
    "alla insatser",
    "insatserna",
    "rapporterna",  # also "slutrapporterna", "kvartalsrapporterna": every report of a kind
    "utvarderingarna",
    "projekten",
    "vilka projekt",
    "nagon insats",
    "nagra insatser",
)
REPORT_TYPES = ("slutrapport", "kvartalsrapport", "utvardering")
# Filtered dense searches over at most this many chunks are scored exactly (ChromaStore.search_among).
EXACT_DENSE_LIMIT = 500
# Words that frame a question rather than say what it is about ("vilka insatser nämner …"). Left in, they
# match the template's own words ("Insatsens namn") in every report and drown the one word that matters.
FRAMING = frozenset(
    analyze(
        "insats insatser insatsen insatserna rapport rapporter rapporten nämner nämns tar upp finns används "
        "begreppet menas beskriver handlar står säger enligt berätta vilken vilka hur många mycket ofta när vem varför"
    )
) | {"slutrapport", "kvartalsrapport"}  # "… i slutrapporterna": which reports, not what about (stems, not parts)
_QUERY_CACHE = 256  # question vectors kept
_EVERYDAY_RANK = 3_000  # words this common ("fick", "gick") say little about what a question is after
_KEEP = frozenset({"mal", "medel", "budget", "tolk", "deltagare"})
_RARE_PASSAGES, _RARE_SHARE = 3, 0.02  # an everyday word in at most this many passages is still specific
# A board summary is built from what a report concludes, whatever the question's words: goal attainment,
# conclusions, the overall assessment, the report's own summary, results, implementation, money.
SUMMARY_ORDER = (
    "maluppfyllelse",
    "slutsatser",
    "bedomning",
    "sammanfattning",
    "resultat",
    "implementering",
    "ekonomi",
)


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
        self,
        archive: Archive,
        *,
        candidates: int = 60,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        lexical_weight: float = 0.7,
        insats_boost: float = 1.5,
        section_boost: float = 1.3,
        diversity_decay: float = 0.7,
        unmatched_factor: float = 0.2,
        focus_depth: int = 10,
        backmatter_factor: float = 0.5,
        reranker: Reranker | None = None,
        summary_per_section: int = 3,
    ) -> None:
        if candidates < 1 or rrf_k < 1:
            raise ValueError("candidates and rrf_k must be positive")
        self.archive = archive
        self.candidates, self.rrf_k = candidates, rrf_k
        self.dense_weight, self.lexical_weight = dense_weight, lexical_weight
        self.insats_boost, self.section_boost = insats_boost, section_boost
        self.diversity_decay, self.unmatched_factor = diversity_decay, unmatched_factor
        self.focus_depth, self.backmatter_factor = focus_depth, backmatter_factor
        self.reranker = reranker
        self.summary_per_section = summary_per_section
        # One question is searched once per insats when asked across the archive: embed it once.
        self._vectors: OrderedDict[tuple[str, str], list[float]] = OrderedDict()
        self._vectors_lock = threading.Lock()

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
        intent = self._intent(question, catalog, named=filters.insats is None)
        vector = self._embed(question)
        query = expand_abbreviations(question, catalog.abbreviations)
        if intent.across:
            query = without_framing(query)
        dense = self._dense(vector, sources, sections, self.candidates)
        lexical = self._lexical(query, catalog, sources, sections, self.candidates)
        rankings = [(self.dense_weight, dense), (self.lexical_weight, lexical)]
        # Inside the named insats's own reports its name is on every page: match on the rest of the question.
        focused_query = without_words(query, intent.name_words) if intent.sources else query
        for focus_sources, focus_sections, depth in self._focus(intent, sources, sections):
            rankings.append((self.dense_weight, self._dense(vector, focus_sources, focus_sections, depth)))
            rankings.append(
                (self.lexical_weight, self._lexical(focused_query, catalog, focus_sources, focus_sections, depth))
            )
        fused = self._fuse(rankings, intent, catalog)
        if intent.across:
            if filters.insats is None:
                fused = self._require_words(fused, question, depth=self.candidates * 2)
            fused = self._diversify(fused, catalog)
        ranked = sorted(fused.items(), key=lambda item: -item[1])
        scope = self._summary_scope(intent, catalog, sources, filters)
        if scope:
            ranked = self._summary_first(ranked, scope, intent.summary, catalog)
        ranked = ranked[: max(k, 1) * 3]
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
            passages = self.reranker.rerank(question, passages)
        return passages[:k]

    def _embed(self, question: str) -> list[float]:
        key = (self.archive.embedder.name, question)
        with self._vectors_lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        vector = self.archive.embedder.embed_query(question)
        with self._vectors_lock:
            self._vectors[key] = vector
            while len(self._vectors) > _QUERY_CACHE:
                self._vectors.popitem(last=False)
        return vector

    def _intent(self, question: str, catalog: Catalog, *, named: bool) -> _Intent:
        sources: set[str] = set()
        name_words: set[str] = set()
        if named:
            for match in insatser_in_text(question, catalog.insatser):
                sources.update(catalog.sources_of(match.insats.id))
                name_words.update(re.findall(r"\w+", match.alias))
        return _Intent(
            frozenset(sources),
            frozenset(name_words),
            frozenset(section_hints(question)),
            report_type_hint(question),
            is_list_question(question) and not sources,
            summary_sections(question),
        )

    def _summary_scope(
        self, intent: _Intent, catalog: Catalog, sources: list[str] | None, filters: Filters
    ) -> list[str]:
        """The reports a summary question is about: those of the insats it names (or is filtered to), of the
        report type it asks for when there is one. Empty when it is no summary question or names nothing."""
        if not intent.summary or filters.section is not None:
            return []
        named = sorted(intent.sources) if intent.sources else (sources if filters.insats is not None else None)
        if not named:
            return []
        allowed = named if sources is None else [s for s in named if s in set(sources)]
        typed = [s for s in allowed if (info := catalog.reports.get(s)) and info.report_type == intent.report_type]
        return typed or allowed

    def _summary_first(
        self, ranked: list[tuple[str, float]], scope: list[str], order: Sequence[str], catalog: Catalog
    ) -> list[tuple[str, float]]:
        """Put the key template sections of the reports in scope first (a few passages of each, best first,
        in ``order``), then the rest as ranked. Passages of those sections that no search reached come
        after the searched ones, in document order."""
        in_scope = set(scope)
        searched = {cid for cid, _ in ranked}
        by_section: dict[str | None, list[str]] = {}
        for cid, _ in ranked:
            if catalog.chunk_source.get(cid) in in_scope:
                by_section.setdefault(catalog.chunk_section.get(cid), []).append(cid)
        for cid, source in catalog.chunk_source.items():  # register order is document order
            if source in in_scope and cid not in searched:
                by_section.setdefault(catalog.chunk_section.get(cid), []).append(cid)
        picked = [cid for key in order for cid in by_section.get(key, [])[: self.summary_per_section]]
        if not picked:
            return ranked
        top = ranked[0][1] if ranked else 1.0
        first = [(cid, top + (len(picked) - i) * 1e-6) for i, cid in enumerate(picked)]
        chosen = set(picked)
        return first + [(cid, s) for cid, s in ranked if cid not in chosen]

    def _focus(
        self,
        intent: _Intent,
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
            if named:
                focus.append((named, hinted, self.focus_depth))
        elif hinted != sections:
            focus.append((sources, hinted, self.focus_depth))
        return focus

    def _dense(
        self,
        vector: list[float],
        sources: list[str] | None,
        sections: list[str] | None,
        k: int,
    ) -> list[tuple[str, float]]:
        where = where_clause(sources=sources, sections=sections)
        if where is not None:
            # A few hundred chunks are scored exactly, far faster than Chroma's filtered query (scale bench).
            allowed = self.archive.catalog().chunk_ids(None if sources is None else set(sources), sections)
            if len(allowed) <= EXACT_DENSE_LIMIT:
                return self.archive.stores.chroma.search_among(vector, allowed, k=k)
        return self.archive.stores.chroma.search(vector, k=k, where=where)

    def _lexical(
        self,
        query: str,
        catalog: Catalog,
        sources: list[str] | None,
        sections: list[str] | None,
        k: int,
    ) -> list[tuple[str, float]]:
        allowed = None
        if sources is not None or sections is not None:
            allowed = catalog.chunk_ids(None if sources is None else set(sources), sections)
        return self.archive.lexical().search(query, k=k, allowed=allowed)

    def _fuse(
        self,
        rankings: list[tuple[float, list[tuple[str, float]]]],
        intent: _Intent,
        catalog: Catalog,
    ) -> dict[str, float]:
        """Reciprocal-rank fusion of all rankings, then the template boosts and report diversity."""
        scores: dict[str, float] = {}
        for weight, ranking in rankings:
            for rank, (cid, _) in enumerate(ranking, start=1):
                scores[cid] = scores.get(cid, 0.0) + weight / (self.rrf_k + rank)
        for cid in scores:
            source = catalog.chunk_source.get(cid)
            factor = 1.0
            if source in intent.sources:
                factor *= self.insats_boost
            section = catalog.chunk_section.get(cid)
            if section in intent.sections:
                factor *= self.section_boost
            elif section in BACKMATTER:
                factor *= self.backmatter_factor
            info = catalog.reports.get(source or "")
            if intent.report_type and info is not None and info.report_type == intent.report_type:
                factor *= self.section_boost
            scores[cid] *= factor
        return scores

    def _require_words(self, scores: dict[str, float], question: str, *, depth: int) -> dict[str, float]:
        """Across the archive, a passage that uses few of the question's content words is a weak answer for its
        report, however close its vector: among the ``depth`` best, each word it lacks costs it a share of
        ``unmatched_factor``, so passages with the words come first."""
        words = content_words(
            question, lexical=self.archive.lexical(), abbreviations=self.archive.catalog().abbreviations
        )
        if not words or self.unmatched_factor >= 1.0:
            return scores
        top = sorted(scores, key=lambda cid: -scores[cid])[:depth]
        result = dict(scores)
        for chunk in self.archive.register.chunks(top):
            terms = _chunk_terms(chunk.id, chunk.search_text)
            missing = sum(1 for word in words if not overlap(word, terms))
            result[chunk.id] *= self.unmatched_factor ** (missing / len(words))
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


def section_hints(question: str) -> list[str]:
    """Template sections a question asks about, from its wording."""
    found: list[str] = list(SUMMARY_SECTIONS) if is_summary_question(question) else []
    found.extend(k for k in topic_hints(question) if k not in found)
    return found


def topic_hints(question: str) -> list[str]:
    """The sections a question names by topic ("framgångsfaktorer", "budget" …), summary wording aside."""
    text = " " + " ".join(re.findall(r"\w+", fold(question))) + " "
    found: list[str] = []
    for cues, keys in SECTION_HINTS:
        if any(f" {cue}" in text for cue in cues):
            found.extend(k for k in keys if k not in found)
    return found


def report_type_hint(question: str) -> str | None:
    """The report type a question asks about ("enligt utvärderingen", "i kvartalsrapporten"), if any."""
    text = fold(question)
    return next((kind for cues, kind in REPORT_TYPE_HINTS if any(cue in text for cue in cues)), None)


def is_summary_question(question: str) -> bool:
    text = " ".join(re.findall(r"\w+", fold(question)))
    return any(cue in text for cue in SUMMARY_CUES)


def summary_sections(question: str) -> tuple[str, ...]:
    """For a summary question, the sections it draws on in order: those it names by topic ("sammanfatta
    lärdomarna …"), then the ones that conclude a report. Empty for any other question."""
    if not is_summary_question(question):
        return ()
    return tuple(dict.fromkeys((*topic_hints(question), *SUMMARY_ORDER)))


def is_list_question(question: str) -> bool:
    text = " ".join(re.findall(r"\w+", fold(question)))
    return any(cue in text for cue in LIST_CUES)


def expand_abbreviations(question: str, pairs: Sequence[tuple[str, str]]) -> str:
    """Add the short form of every long form in the question and vice versa ("Arbetsförmedlingens" ↔ "AF"),
    using the abbreviations the reports themselves define."""
    words = set(re.findall(r"\w+", fold(question)))
    terms = set(analyze(question))
    extra = []
    for short, long in pairs:
        if is_common_word(short):
            continue  # "se" in a question is the verb far more often than Supported Employment
        if short in words:
            extra.append(long)
        elif (stems := first_stems(long)) and stems <= terms:
            extra.append(short)
    return question if not extra else question + " " + " ".join(dict.fromkeys(extra))


@lru_cache(maxsize=65536)
def first_stems(phrase: str) -> frozenset[str]:
    """The first analyzed term of each word of ``phrase``; cached, because every question is checked
    against every long form the archive defines (50k chunks: ~500 pairs, ~150 ms a question uncached)."""
    return frozenset(terms[0] for word in phrase.split() if (terms := analyze(word)))


def content_words(
    question: str,
    name_terms: Collection[str] = frozenset(),
    *,
    lexical: LexicalIndex | None = None,
    abbreviations: Sequence[tuple[str, str]] = (),
) -> list[set[str]]:
    """Terms per content word of the question: framing, names, kommuner and everyday words left out.

    A word that is everyday Swedish ("fika", "träffas") still counts when the archive itself rarely uses
    it (``lexical`` given): then it picks out the few passages that do. A word the reports abbreviate
    (``abbreviations``: "Arbetsförmedlingens" → "AF") is also met by the short form, and the other way round.
    """
    ranks = swedish_lexicon()
    places = kommuner()
    words = []
    for word in re.findall(r"\w+", question):
        folded = fold(word)
        if folded in places or folded.removesuffix("s") in places:
            continue
        analyzed = analyze(word)
        if analyzed and analyzed[0] in FRAMING:
            continue  # the whole word frames ("slutrapporterna"), whatever its parts ("slut")
        terms = set(analyzed) - FRAMING - set(name_terms)
        everyday = folded not in _KEEP and ranks.get(folded, 1 << 30) < _EVERYDAY_RANK
        if everyday and not (lexical is not None and terms and _rare(terms, lexical)):
            continue
        if terms:
            words.append(set(terms))
    return abbreviated(words, abbreviations)


def abbreviated(words: list[set[str]], pairs: Sequence[tuple[str, str]]) -> list[set[str]]:
    """``words`` where each is also met by the forms the reports give it: the short form for the words of a
    long form the question spells out ("Supported Employment" → "SE"), the long form for a short one."""
    asked = set().union(*words) if words else set()
    for short, long in pairs:
        short_terms, long_terms = first_stems(short), first_stems(long)
        if not short_terms or not long_terms or is_common_word(short):
            continue
        for word in words:
            if long_terms <= asked and word & long_terms:
                word |= short_terms
            elif short_terms <= word and len(long_terms) == 1:  # "AF" → "Arbetsförmedlingen", not "EHA" → "ett"
                word |= long_terms
    return words


def _rare(terms: set[str], lexical: LexicalIndex) -> bool:
    """Whether the archive uses these terms in only a few passages (but in some)."""
    counts = [lexical.document_frequency(t) for t in terms]
    return 0 < max(counts) <= max(_RARE_PASSAGES, _RARE_SHARE * len(lexical.ids))


def overlap(keys: AbstractSet[str], terms: AbstractSet[str]) -> int:
    """Key terms found among ``terms``; a long key also matches as a prefix ("deltag" in "deltagit"),
    since Snowball leaves some participles unstemmed."""
    return sum(1 for key in keys if key in terms or (len(key) >= 5 and any(t.startswith(key) for t in terms)))


@lru_cache(maxsize=20_000)
def _chunk_terms(chunk_id: str, text: str) -> frozenset[str]:
    """A passage's analyzed terms; ids are content hashes, so an id always has the same text."""
    return frozenset(analyze(text))


def without_framing(text: str) -> str:
    """``text`` minus the words that only frame the question (kept whole if nothing remains)."""
    kept = [w for w in re.findall(r"\w+", text) if (terms := analyze(w)) and terms[0] not in FRAMING]
    return " ".join(kept) if kept else text


def without_words(text: str, folded_words: frozenset[str]) -> str:
    """``text`` minus the words whose folded form is in ``folded_words`` (kept whole if nothing remains)."""
    kept = [w for w in re.findall(r"\w+", text) if fold(w) not in folded_words]
    return " ".join(kept) if kept else text

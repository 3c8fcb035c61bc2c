"""Sammanställning för styrelsen: several insatser side by side, with common success factors and system
failures. Pure.

The comparison table has one row per insats (kommun, period, deltagare, mål, utfall, beviljat, utnyttjat,
andel utnyttjat); every cell carries its footnotes and a cell whose reports disagree shows each value and is
flagged. The common factors are words that the success-factor (or system-failure) sentences of at least two
insatser share; each is a short paragraph quoting one sentence per insats.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.board.facts import Facts, collect
from assistant.board.goals import lead_figure
from assistant.board.reading import Quote, Report, shorten
from assistant.board.summary import Notes, Part, Source, Statement
from index.analyze import analyze, fold, swedish_lexicon
from index.records import Insats

_GENERIC = frozenset(
    analyze(
        "insats insatsen insatser projekt projektet deltagare deltagarna deltagaren arbete arbeta arbetet kommun "
        "kommunen individ individen individer personer person verksamhet verksamheten stöd gjort varit även många "
        "flera olika tid del bra viktig viktigt effekter positiva framgångsfaktor framgångsfaktorer systemfel "
        "resultat resultatet lett fått kunnat gör gått kommer behov behöver hinder period tiden samt skett sker ske"
    )
)
_COMMON_RANK = 1_500  # words more frequent than this in Swedish name no theme
_MAX_THEMES = 3


@dataclass(frozen=True, slots=True)
class Row:
    """One insats in the comparison table; ``None`` cells are not stated in its reports."""

    insats: str
    kommun: str | None
    period: Statement | None
    participants: Statement | None
    goal: Statement | None
    outcome: Statement | None
    granted: Statement | None
    used: Statement | None
    share_used: Statement | None
    granted_kr: int | None  # for the chart
    used_kr: int | None
    flagged: tuple[str, ...] = ()  # column labels whose reports disagree


@dataclass(frozen=True, slots=True)
class Overview:
    """The board's comparison of several insatser."""

    scope: str  # what was chosen, e.g. "Alla insatser i arkivet"
    rows: tuple[Row, ...]
    parts: tuple[Part, ...]  # Gemensamma framgångsfaktorer, Gemensamma systemfel
    sources: tuple[Source, ...]
    notices: tuple[str, ...] = ()
    title: str = "Sammanställning för styrelsen"


def summarize_many(items: Sequence[tuple[Insats, Sequence[Report]]], *, scope: str) -> Overview:
    """The comparison of the insatser in ``items`` (each with its reports, see :func:`read_report`)."""
    notes = Notes()
    all_facts = [collect(insats, reports) for insats, reports in items]
    rows = tuple(_row(facts, notes) for facts in all_facts)
    parts = (
        _common("Gemensamma framgångsfaktorer", [(f.insats.name, f.success_all) for f in all_facts], notes),
        _common("Gemensamma systemfel och hinder", [(f.insats.name, f.obstacles_all) for f in all_facts], notes),
    )
    notices = tuple(
        f"{row.insats}: rapporterna anger olika värden för {', '.join(row.flagged).lower()}; alla visas med källa."
        for row in rows
        if row.flagged
    )
    return Overview(scope, rows, parts, notes.sources(), notices)


def _cell(pairs: Sequence[tuple[Quote, str]], notes: Notes, insats: str, shown: str = "value") -> Statement | None:
    """One table cell: the distinct values of the reports, joined by " / ", with every report's footnote."""
    if not pairs:
        return None
    texts: dict[str, None] = {}
    numbers: dict[int, None] = {}
    for quote, value in pairs:
        texts[quote.text if shown == "text" else value] = None
        numbers[notes.cite(quote.ref, insats)] = None
    return Statement(" / ".join(texts), tuple(numbers))


def _row(facts: Facts, notes: Notes) -> Row:
    name = facts.insats.name
    flagged = [
        label
        for label, pairs in (
            ("Period", facts.period),
            ("Deltagare", facts.participants),
            ("Beviljat", facts.granted),
            ("Utnyttjat", facts.used),
        )
        if len({v for _, v in pairs}) > 1
    ]
    goal = outcome = None
    if facts.headline_goal is not None:
        target, result = facts.headline_goal
        figure = re.search(r"\d", target.text)
        shown = window(target.text, figure.start(), 9) if figure else shorten(target.text, 80)
        goal = Statement(shown, (notes.cite(target.ref, name),))
        merged = next((g for g in facts.goals if g.target == target), None)
        results = list(merged.outcomes) if merged else ([result] if result else [])
        if results:
            pairs = [(q, _short_outcome(q.text)) for q in results]
            outcome = _cell(pairs, notes, name)
            if len({v for _, v in pairs}) > 1:
                flagged.append("Utfall")
    granted = [int(v) for _, v in facts.granted]
    used = [int(v) for _, v in facts.used]
    return Row(
        name,
        facts.insats.kommun,
        _cell(facts.period, notes, name) or _cell([(q, f"{v} (kvartal)") for q, v in facts.quarter], notes, name),
        _cell(facts.participants, notes, name),
        goal,
        outcome,
        _cell(facts.granted, notes, name, "text"),
        _cell(facts.used, notes, name, "text"),
        _cell(facts.share_used, notes, name),
        granted[0] if granted else None,
        used[0] if used else None,
        tuple(flagged),
    )


def window(text: str, start: int, words: int) -> str:
    """``words`` words of ``text`` from ``start`` on, with "…" where text was left out."""
    head = "… " if text[:start].strip() else ""
    taken = text[start:].split()
    tail = " …" if len(taken) > words else ""
    return head + " ".join(taken[:words]).rstrip(".,;:") + tail


def _short_outcome(text: str) -> str:
    percent = re.search(r"\d+(?:[,.]\d+)?\s*%", text)
    if percent:
        return re.sub(r"\s*%", " %", percent.group(0)).replace(".", ",")
    of = re.search(r"\b\d+ av \d+\b", text)
    return of.group(0) if of else (lead_figure(text) or shorten(text, 60))


def _common(title: str, per_insats: Sequence[tuple[str, Sequence[Quote]]], notes: Notes) -> Part:
    """Paragraphs on the themes that at least two insatser share, one quote per insats."""
    covered = [(name, quotes) for name, quotes in per_insats if quotes]
    topic = title.split(" ", 1)[1].lower()
    if not covered:
        return Part(title, missing=f"Rapporterna tar inte upp {topic}.")
    themes = _themes(covered)
    if not themes:
        each = tuple(
            Statement(f"{name}: ”{shorten(quotes[0].text, 180)}”", (notes.cite(quotes[0].ref, name),))
            for name, quotes in covered
        )
        lead = "Insatserna har inga gemensamma teman; de viktigaste per insats:"
        return Part(title, statements=(Statement(lead, ()), *each))
    statements: list[Statement] = []
    for label, term, hits in themes:
        quoted = "; ".join(f"{name}: ”{_around_word(q.text, term)}”" for name, q in hits)
        numbers = tuple(dict.fromkeys(notes.cite(q.ref, name) for name, q in hits))
        statements.append(Statement(f"{label} nämns av {len(hits)} av {len(per_insats)} insatser. {quoted}", numbers))
    return Part(title, statements=tuple(statements))


def _around_word(text: str, term: str) -> str:
    """A dozen words of ``text`` around the first word whose analysis holds ``term``, or its start."""
    words = list(re.finditer(r"\S+", text))
    for i, word in enumerate(words):
        if term in analyze(word.group(0)):
            return window(text, words[max(i - 5, 0)].start(), 14)
    return shorten(text, 160)


def _themes(covered: Sequence[tuple[str, Sequence[Quote]]]) -> list[tuple[str, str, list[tuple[str, Quote]]]]:
    """(label, term, [(insats, quote)]) for the words most insatser share, the most used first."""
    ranks = swedish_lexicon()
    by_term: dict[str, dict[str, Quote]] = {}
    surface: dict[str, Counter[str]] = {}
    for name, quotes in covered:
        for quote in quotes:
            for word in re.findall(r"[^\W\d_]{4,}", quote.text):
                folded = fold(word)
                if ranks.get(folded, 1 << 30) < _COMMON_RANK:
                    continue
                for term in analyze(word):
                    if term in _GENERIC or len(term) < 4:
                        continue
                    by_term.setdefault(term, {}).setdefault(name, quote)
                    surface.setdefault(term, Counter())[word.lower() if not word.isupper() else word] += 1
    candidates = sorted(
        ((term, hits) for term, hits in by_term.items() if len(hits) >= 2),
        key=lambda item: (-len(item[1]), -sum(surface[item[0]].values()), item[0]),
    )
    themes: list[tuple[str, str, list[tuple[str, Quote]]]] = []
    used: set[str] = set()
    for term, hits in candidates:
        texts = {q.text for q in hits.values()}
        if len(texts & used) * 2 > len(texts):  # mostly the same sentences under another word
            continue
        used |= texts
        label = surface[term].most_common(1)[0][0]
        themes.append((label[:1].upper() + label[1:], term, list(hits.items())))
        if len(themes) >= _MAX_THEMES:
            break
    return themes

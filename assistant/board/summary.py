"""Board summary of one insats, built from its reports' template sections and the register. Pure.

A :class:`Summary` has a fixed structure in Swedish (Om insatsen, Mål och måluppfyllelse, Resultat,
Utvärderingen when an evaluation is among the reports, Framgångsfaktorer, Hinder och systemfel, Ekonomi,
Lärdomar och rekommendationer, Källor). Every statement
carries footnote numbers into ``Summary.sources`` (report, section, page). Figures come from the register
where it has them; a figure the reports state differently is shown once per report and flagged. A part the
reports do not cover says so instead of being filled in.

Example:
    reports = [read_report(source, type_, register.chunks_of(source), fields) for …]
    summary = summarize_insats(insats, reports)
    print(to_markdown(summary))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.board.facts import Facts, collect
from assistant.board.reading import Quote, Ref, Report
from index.records import Insats


@dataclass(frozen=True, slots=True)
class Source:
    """Footnote ``n``: the report, its section heading and page a statement comes from."""

    n: int
    source: str
    report_type: str  # "slutrapport" | "kvartalsrapport" | "utvardering" | "okand"
    heading: str
    page: int | None
    insats: str

    def describe(self) -> str:
        """ "slutrapport_x.md (slutrapport), avsnitt Måluppfyllelse, sida 3"."""
        label = Ref(self.source, self.report_type, self.heading, self.page).label
        parts = [f"{self.source} ({label})", f"avsnitt {self.heading}" if self.heading else "inledningen"]
        if self.page is not None:
            parts.append(f"sida {self.page}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Statement:
    """A short statement with the footnotes that support it."""

    text: str
    notes: tuple[int, ...]
    computed: bool = False  # figured from the reports' values (a share, what was left), not stated in them


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure from the reports: one value per report that states it; ``differs`` when they disagree."""

    label: str
    values: tuple[Statement, ...]
    differs: bool = False


@dataclass(frozen=True, slots=True)
class Goal:
    """A target beside the outcome each report gives for it."""

    target: Statement
    outcomes: tuple[Statement, ...]
    differs: bool = False


@dataclass(frozen=True, slots=True)
class Part:
    """One heading of the summary; ``missing`` is said instead when the reports do not cover it."""

    title: str
    figures: tuple[Figure, ...] = ()
    goals: tuple[Goal, ...] = ()
    statements: tuple[Statement, ...] = ()
    missing: str | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """The board summary of one insats."""

    insats: str
    insats_id: str
    kommun: str | None
    reports: tuple[str, ...]
    parts: tuple[Part, ...]
    sources: tuple[Source, ...]
    notices: tuple[str, ...] = ()  # figures that differ between reports

    @property
    def title(self) -> str:
        return f"Sammanfattning: {self.insats}"


class Notes:
    """Numbers references in the order they are first cited, so footnotes follow the reading order."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[Ref, str], int] = {}

    def cite(self, ref: Ref, insats: str) -> int:
        key = (ref, insats)
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
        return self._numbers[key]

    def statement(self, quote: Quote, insats: str) -> Statement:
        return Statement(quote.text, (self.cite(quote.ref, insats),))

    def sources(self) -> tuple[Source, ...]:
        return tuple(
            Source(n, ref.source, ref.report_type, ref.heading, ref.page, insats)
            for (ref, insats), n in self._numbers.items()
        )


def summarize_insats(insats: Insats, reports: Sequence[Report]) -> Summary:
    """The board summary of ``insats`` from its reports (each read with :func:`read_report`)."""
    facts = collect(insats, reports)
    notes = Notes()
    parts = (
        _about(facts, notes),
        _goals(facts, notes),
        _results(facts, notes),
        *((_quotes("Utvärderingen", facts.evaluation, facts, notes, "utvärderingen"),) if facts.evaluation else ()),
        _quotes("Framgångsfaktorer", facts.success, facts, notes, "framgångsfaktorer"),
        _quotes("Hinder och systemfel", facts.obstacles, facts, notes, "hinder eller systemfel"),
        _economy(facts, notes),
        _quotes("Lärdomar och rekommendationer", facts.lessons, facts, notes, "lärdomar eller rekommendationer"),
    )
    differing = [figure.label.lower() for part in parts for figure in part.figures if figure.differs]
    goals = sum(goal.differs for part in parts for goal in part.goals)
    if goals:
        differing.append("utfallet av ett mål" if goals == 1 else f"utfallet av {goals} mål")
    notices: tuple[str, ...] = ()
    if differing:
        listed = ", ".join(differing[:-1]) + (" och " if len(differing) > 1 else "") + differing[-1]
        notices = (
            f"Rapporterna anger olika värden för {listed}. Alla värden visas med källa och är markerade "
            "”skiljer sig mellan rapporterna”.",
        )
    return Summary(
        insats.name,
        insats.id,
        insats.kommun,
        tuple(r.source for r in reports),
        parts,
        notes.sources(),
        notices,
    )


def figure(
    label: str, quotes: Sequence[tuple[Quote, str]], notes: Notes, insats: str, *, computed: bool = False
) -> Figure | None:
    """A figure from (quote, normalised value) pairs, one per report; flagged when the values differ."""
    if not quotes:
        return None
    values = tuple(replace(notes.statement(q, insats), computed=computed) for q, _ in quotes)
    return Figure(label, values, len({v for _, v in quotes}) > 1)


def _about(facts: Facts, notes: Notes) -> Part:
    name = facts.insats.name
    figures = [
        figure("Huvudman", facts.owner, notes, name),
        figure("Samverkansparter", facts.partners, notes, name),
        figure("Period", facts.period, notes, name),
        figure("Rapporterad period (kvartalsrapport)", facts.quarter, notes, name),
        figure("Diarienummer", facts.dnr, notes, name),
    ]
    target = tuple(notes.statement(q, name) for q in facts.target_group)
    kept = tuple(f for f in figures if f is not None)
    if not kept and not target:
        return Part("Om insatsen", missing="Rapporterna tar inte upp huvudman, parter, period eller målgrupp.")
    if target:
        kept += (Figure("Målgrupp", target),)
    return Part("Om insatsen", figures=kept)


def _goals(facts: Facts, notes: Notes) -> Part:
    name = facts.insats.name
    goals = []
    for merged in facts.goals:
        target = notes.statement(merged.target, name)
        outcomes = tuple(notes.statement(q, name) for q in merged.outcomes)
        goals.append(Goal(target, outcomes, merged.differs))
    if not goals:
        return Part("Mål och måluppfyllelse", missing="Rapporterna tar inte upp mål och måluppfyllelse.")
    return Part("Mål och måluppfyllelse", goals=tuple(goals))


def _results(facts: Facts, notes: Notes) -> Part:
    name = facts.insats.name
    figures = [
        figure("Deltagare", facts.participants, notes, name),
        figure("Avslut till arbete eller studier", facts.to_work, notes, name),
    ]
    kept = tuple(f for f in figures if f is not None)
    if not kept:
        return Part(
            "Resultat", missing="Rapporterna tar inte upp antal deltagare eller avslut till arbete och studier."
        )
    return Part("Resultat", figures=kept)


def _economy(facts: Facts, notes: Notes) -> Part:
    name = facts.insats.name
    figures = [
        figure("Beviljat", facts.granted, notes, name),
        figure("Utnyttjat", facts.used, notes, name),
        figure("Andel utnyttjat", facts.share_used, notes, name, computed=True),
        _left(facts, notes),
    ]
    kept = tuple(f for f in figures if f is not None)
    statements = tuple(notes.statement(q, name) for q in facts.economy)
    if not kept and not statements:
        return Part("Ekonomi", missing="Rapporterna tar inte upp ekonomin.")
    return Part("Ekonomi", figures=kept, statements=statements)


def _left(facts: Facts, notes: Notes) -> Figure | None:
    """What was left of the granted money, per report: cited where the report states it, else said to be computed."""
    name = facts.insats.name
    values = tuple(
        replace(notes.statement(q, name), computed=q.ref.source not in facts.left_stated) for q, _ in facts.left
    )
    return Figure("Kvar", values, len({v for _, v in facts.left}) > 1) if values else None


def _quotes(title: str, quotes: Sequence[Quote], facts: Facts, notes: Notes, topic: str) -> Part:
    if not quotes:
        return Part(title, missing=f"Rapporterna tar inte upp {topic}.")
    return Part(title, statements=tuple(notes.statement(q, facts.insats.name) for q in quotes))

"""A goal shown as one line: its target beside every report's outcome, each part cited where it stands.

Shared by the fact answers, lists about goals and list bullets; ``GoalBook`` reads each insats's goals once per
register generation (``board.goals.merged_goals`` over its reports).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.answer import Passage
from assistant.board.goals import MergedGoal, merged_goals, reached
from assistant.board.reading import PROGRESS_REPORTS, REPORT_ORDER, Quote, Report, read_reports
from assistant.catalog import Catalog
from assistant.cite import defuse_markers
from index.records import Chunk, Insats
from index.titlepage import TYPE_NAMES

_CACHED = 5000  # insatser whose goals are kept; a register this large is read again past it


class ChunkReader(Protocol):
    """Reads a report's stored passages (the register)."""

    def chunks_of(self, source: str) -> list[Chunk]: ...


@dataclass(frozen=True, slots=True)
class GoalShown:
    """A goal with the stored passages its target and each report's outcome stand in."""

    goal: MergedGoal
    target: Passage
    outcomes: tuple[tuple[Quote, Passage], ...]


class GoalBook:
    """Each insats's goals with every report's outcome, read once per register generation.

    Args:
        catalog: returns the current catalog.
        sources: reads a report's stored passages.
    """

    def __init__(self, *, catalog: Callable[[], Catalog], sources: ChunkReader) -> None:
        self.catalog, self.sources = catalog, sources
        self._read: dict[tuple[int, str], list[MergedGoal]] = {}

    def reports(self, insats: Insats) -> list[Report]:
        """The insats's reports read into their template sections, final reports first."""
        reports = read_reports(insats, self.catalog().report_type, self.sources.chunks_of)
        return sorted(reports, key=lambda r: (REPORT_ORDER.get(r.report_type, 2), r.source))

    def goals(self, insats: Insats) -> list[MergedGoal]:
        key = (self.catalog().generation, insats.id)
        if key not in self._read:
            if len(self._read) >= _CACHED:
                self._read.clear()
            self._read[key] = merged_goals(self.reports(insats))
        return self._read[key]

    def shown(self, goal: MergedGoal, insats: Insats) -> GoalShown | None:
        """``goal`` with the stored passages its target and outcomes stand in."""
        target = passage_of(goal.target, self.sources.chunks_of(goal.target.ref.source), insats)
        if target is None:
            return None
        outcomes = tuple(
            (o, p) for o in goal.outcomes if (p := passage_of(o, self.sources.chunks_of(o.ref.source), insats))
        )
        return GoalShown(goal, target, outcomes)


def passage_of(quote: Quote, chunks: Sequence[Chunk], insats: Insats) -> Passage | None:
    """The stored passage of the quote's report (``chunks``) that holds most of its words."""
    if not chunks:
        return None
    wanted = set(re.findall(r"\w+", quote.text.lower()))
    best = max(chunks, key=lambda c: len(wanted & set(re.findall(r"\w+", c.text.lower()))))
    return Passage(best, 1.0, insats.name, insats.id, quote.ref.report_type)


def goal_line(shown: GoalShown, used: list[Passage], *, verdict: bool = False) -> str:
    """ "Mål enligt slutrapporten: ”…” [1] – utfall: ”…” [1]; enligt utvärderingen: ”…” [4]", each part cited where
    it stands; outcomes that differ between reports are said to. With ``verdict``, whether the goal was reached,
    by each report that measured it at the insats's end."""
    target = shown.target
    where = kind_name(target)
    line = f"Mål enligt {where}: ”{defuse_markers(shown.goal.target.text)}” [{number(target, used)}]"
    said = []
    for quote, passage in shown.outcomes:
        own = "" if passage.source == target.source else f"enligt {kind_name(passage)}: "
        said.append(f"{own}”{defuse_markers(quote.text)}” [{number(passage, used)}]")
    if said:
        line += " – utfall: " + "; ".join(said)
    if shown.goal.differs:
        line += " (skiljer sig mellan rapporterna)"
    said_verdict = _verdict(shown) if verdict else ""
    return f"{line}. {said_verdict}" if said_verdict else line


def _verdict(shown: GoalShown) -> str:
    """ "Målet nåddes inte enligt någon av rapporterna." from each final report's or evaluation's outcome."""
    judged = [
        (kind_name(passage), got)
        for quote, passage in shown.outcomes
        if passage.report_type not in PROGRESS_REPORTS
        and (got := reached(shown.goal.target.text, quote.text)) is not None
    ]
    if not judged:
        return ""
    verdicts = {got for _, got in judged}
    if len(verdicts) > 1:
        yes = " och ".join(dict.fromkeys(k for k, got in judged if got))
        no = " och ".join(dict.fromkeys(k for k, got in judged if not got))
        return f"Målet nåddes enligt {yes} men inte enligt {no}."
    if verdicts == {True}:
        return "Målet nåddes" + (" enligt alla rapporterna." if len(judged) > 1 else ".")
    return "Målet nåddes inte" + (" enligt någon av rapporterna." if len(judged) > 1 else ".")


def kind_name(passage: Passage) -> str:
    return TYPE_NAMES[passage.report_type][1] if passage.report_type in TYPE_NAMES else passage.source


def number(passage: Passage, used: list[Passage]) -> int:
    for n, known in enumerate(used, start=1):
        if known.chunk.id == passage.chunk.id:
            return n
    used.append(passage)
    return len(used)

"""Lists decided by goals ("vilka insatser fick inte ihop så många deltagare som de hade som mål?", "vilka nådde
målet för andelen till arbete?"): each insats's goal on the topic is read beside its outcomes, and target and
outcome are compared as figures, not matched as words.

The goal is the one of the insats's goals (``board.goals.merged_goals``, every report's outcome beside it) that
shares most of the question's topical words; a question that counts ("så många", "antal") takes a count goal, one
about a share ("andel", "procent") a share goal. What the question asks of the goal decides who is a member: a
goal missed ("inte", "missade"), a goal reached ("nådde", "klarade"), or every insats with such a goal, each with
what its reports say. An outcome without a comparable figure is judged by the report's own verdict ("Ej
uppnått"); an insats with neither is said to be so, not left out silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer import Passage
from assistant.board.goals import MergedGoal, figure_key, lead_figure, reached
from assistant.board.reading import PROGRESS_REPORTS
from assistant.catalog import Catalog
from assistant.extractive.across import _asked, only_proposed
from assistant.extractive.draft import Draft
from assistant.extractive.fact import _PARTICIPANT_WORDS, _PARTICIPANTS, _REACHING
from assistant.extractive.goalcard import GoalBook, GoalShown, goal_line
from assistant.intent import Query, member_clause
from index.analyze import analyze, fold
from index.records import Insats

# The template's words for a goal, and the verbs that say whether it was reached: they say what is asked of the
# goal, not what it is a goal for.
_GOAL_WORDS = frozenset(analyze("mål målet målen målsättning målsättningen måluppfyllelse delmål"))
_REACHED = frozenset(analyze("nådde nått nåddes uppnådde uppnått uppnåddes klarade klarat lyckades"))
_GOAL_FOLDED = re.compile(r"\b(?:mal|malet|malen|malsattning\w*|maluppfyllelse|delmal\w*)\b")
# "hade någon insats ett mål för …", "finns det mål för …": the question asks who had such a goal.
_HAD_GOAL = re.compile(r"\b(?:hade|har|finns|fanns|satte|sattes)\b[^.?]{0,40}?\b(?:mal|malsattning)\b")
_KIND_WORDS = frozenset(analyze("andel andelen procent antal antalet många"))
# Everyday verbs and particles of a member clause that say nothing about what a goal is for ("fick inte ihop").
_VAGUE = frozenset(analyze("fick få ihop gick gå hade ha fall göra gjorde"))
# A question that counts asks about a count goal; one about a share about a share goal.
_COUNTS = re.compile(r"\b(?:manga|antal|antalet|fler|farre)\b")
_SHARES = re.compile(r"\b(?:andel|andelen|procent|procentandel)\b|%")


@dataclass(frozen=True, slots=True)
class _Judged:
    insats: Insats
    shown: GoalShown
    reached: bool | None  # None: no comparable figure and no verdict, or still running
    running: bool = False  # only progress reports give an outcome: the insats is still running


class GoalList:
    """Answers a list question about goals: which insatser missed, reached or had a goal on a topic.

    Args:
        catalog: returns the current catalog.
        goals: each insats's goals with every report's outcome.
    """

    def __init__(self, *, catalog: Callable[[], Catalog], goals: GoalBook) -> None:
        self.catalog, self.book = catalog, goals

    def answer(self, query: Query) -> Draft | None:
        """The insatser whose goal on the question's topic meets what the question asks of it; None when no insats
        has a goal on the topic (the question is then no question about goals)."""
        clause = fold(member_clause(query.text))
        topic = _topic(query)
        if not topic:
            return None
        kind = "n" if _COUNTS.search(clause) else "%" if _SHARES.search(clause) else None
        catalog = self.catalog()
        report_kind = (
            query.report_type if query.report_type in {r.report_type for r in catalog.reports.values()} else None
        )
        judged = []
        for insats in _asked(query, catalog):
            if only_proposed(insats, query, catalog):
                continue
            found = self._judge(insats, catalog, topic, kind, report_kind)
            if found is not None:
                judged.append(found)
        if not judged:
            return None
        negated = query.negated
        had = bool(_HAD_GOAL.search(clause))
        if negated:
            members = [j for j in judged if j.reached is False]
            head = f"{len(members)} av {len(judged)} insatser med ett sådant mål nådde det inte:"
        elif _REACHING.search(clause) and not had:
            members = [j for j in judged if j.reached]
            head = f"{len(members)} av {len(judged)} insatser med ett sådant mål nådde det:"
        else:
            members = judged
            head = f"{len(members)} insatser har ett sådant mål:"
        used: list[Passage] = []
        lines = [head, *(self._bullet(j, used) for j in members)]
        running = [j.insats.name for j in judged if j.running and j not in members]
        if running:
            lines.append(f"{_joined(running)} pågår: rapporterna anger läget hittills, inte utfallet.")
        unknown = [j.insats.name for j in judged if j.reached is None and not j.running and j not in members]
        if unknown:
            lines.append(f"Rapporterna anger inget utfall att jämföra med målet för {_joined(unknown)}.")
        names = tuple(dict.fromkeys(j.insats.name for j in members))
        return Draft("\n".join(lines), tuple(used), names, abstained=not members)

    def _judge(
        self, insats: Insats, catalog: Catalog, topic: list[set[str]], kind: str | None, report_kind: str | None
    ) -> _Judged | None:
        goals = [
            g
            for g in self.book.goals(insats)
            if (report_kind is None or report_kind in {q.ref.report_type for q in (g.target, *g.outcomes)})
            and (key := figure_key(g.target.text)) is not None
            and (kind is None or key[0] == kind)
        ]
        scored = []
        for i, goal in enumerate(goals):
            terms = set(analyze(goal.target.text))
            if _counts_people(goal.target.text):
                terms |= _PARTICIPANTS  # "80 kvinnor och män ska ha skrivits in" is a goal for participants
            if all(group & terms for group in topic):
                # the goal the asked reports set, then the one sharing most words, then the first
                own = report_kind is None or goal.target.ref.report_type == report_kind
                scored.append((own, sum(len(group & terms) for group in topic), -i, goal))
        if not scored:
            return None
        goal = max(scored, key=lambda s: s[:3])[3]
        shown = self.book.shown(goal, insats)
        if shown is None:
            return None
        # An insats with only progress reports on the goal is still running: its figures are the state so far.
        running = bool(goal.outcomes) and all(o.ref.report_type in PROGRESS_REPORTS for o in goal.outcomes)
        return _Judged(insats, shown, None if running else _reached(goal, report_kind), running)

    def _bullet(self, judged: _Judged, used: list[Passage]) -> str:
        insats = judged.insats
        kommun = f" ({insats.kommun})" if insats.kommun else ""
        verdict = {True: " Målet nåddes.", False: " Målet nåddes inte.", None: ""}[judged.reached]
        return f"- **{insats.name}**{kommun}: {goal_line(judged.shown, used)}.{verdict}"


def _topic(query: Query) -> list[set[str]]:
    """What the goal must be for, one set of alternative terms per word of the question's member clause a goal has
    to share: its topical words, or its everyday ones when it has none ("arbete eller studier"); the words for goals,
    for reaching them and for the kind of figure ("andel", "antal") say what is asked of the goal, not its topic."""
    asked = _GOAL_WORDS | _REACHED | _KIND_WORDS
    groups = [
        (all(w.everyday for w in group), {t for w in group for t in w.terms} - asked) for group in query.criterion
    ]
    chosen = [terms for everyday, terms in groups if terms and not everyday] or [
        terms for everyday, terms in groups if terms and everyday and not terms <= _VAGUE
    ]
    # Participants are counted as "deltagare" or as the form's "inskrivna": a goal in one word is one in the other.
    return [terms | _PARTICIPANTS if terms & _PARTICIPANT_WORDS else terms for terms in chosen]


def _reached(goal: MergedGoal, report_kind: str | None) -> bool | None:
    """Whether the outcome reaches the target (``board.goals.reached``). The outcome judged is the asked kind of
    report's, else the first one a report gives at the insats's end (a progress report's is only the state at its
    date)."""
    if not goal.outcomes:
        return None
    final = [o for o in goal.outcomes if o.ref.report_type not in PROGRESS_REPORTS]
    asked = [o for o in goal.outcomes if o.ref.report_type == report_kind]
    return reached(goal.target.text, (asked or final or list(goal.outcomes))[0].text)


def _counts_people(target: str) -> bool:
    """Whether a target counts people ("45 unga vuxna", "80 kvinnor och män", "40 familjer")."""
    lead = lead_figure(target)
    return lead is not None and not lead.endswith("%")


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def asks_about_goals(query: Query) -> bool:
    """Whether who is a member is said with a goal: the member clause uses the template's word for one ("… som de
    hade som mål", "nådde målet för …"); a goal mentioned after it ("Målet var väl 30") only checks a figure."""
    return bool(_GOAL_FOLDED.search(fold(member_clause(query.text))))

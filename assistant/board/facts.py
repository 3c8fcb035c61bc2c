"""What the reports of one insats say, per summary heading, as quotes with their origin. Pure.

Register fields (money, period, owner, partners, participants) are preferred to prose; prose is taken by
section key (``framgangsfaktorer``, ``systemfel``, ``lardomar``, ``ekonomi`` …), a few short sentences per
heading. Final reports come first, then quarterly reports (newest first), then evaluations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.board.goals import MergedGoal, lead_figure, merged_goals
from assistant.board.reading import PROGRESS_REPORTS as _PROGRESS
from assistant.board.reading import REPORT_ORDER, Quote, Ref, Report, clean, shorten, units
from index.analyze import fold
from index.money import amounts, ungrouped
from index.records import Field, Insats

_PARTICIPANT_FIELDS = ("deltagare:totalt", "deltagare:inskrivna", "deltagare:antal deltagare")
_WORK = re.compile(r"arbete|anstallning|studier|studera|sysselsattning|jobb")
# Cue words for sentences about success or obstacles where a report has no section of its own for them;
# the first pattern of each pair weighs double.
_POSITIVE = (
    re.compile(r"framgang|positiv|fungera[rt]? (?:bra|battre|val)|gott samarbete|uppskatta"),
    re.compile(r"viktig|bra"),
)
_NEGATIVE = (
    re.compile(r"hinder|systemfel|brist|tyvarr|svarighet|faller mellan|vantetid"),
    re.compile(r"svart|problem|saknas|utmaning"),
)
_MONEY = (re.compile(r"budget|ekonomi|medel|kostnad|lonekostnad"), re.compile(r"kronor|\bkr\b"))
# Template instructions and sentences that only announce what follows.
_FILLER = re.compile(
    r"(?i)^(?:ange|beskriv|berätta|redogör|med utdrag|hur |vad |vilka |\d+(?:\.\d+)+\s)|[:?]$|\b(?:nedan|följande)[.:]$"
)
_ADVICE = (re.compile(r"\b(?:bor|skulle behova|i efterhand|rekommend|lardom|viktigaste)"), re.compile(r"\bbehover"))


_Cue = tuple[re.Pattern[str], re.Pattern[str]]


@dataclass(slots=True)
class Facts:
    """Per heading: (quote, normalised value) pairs for figures, quotes for prose (filled by collect)."""

    insats: Insats
    owner: list[tuple[Quote, str]] = field(default_factory=list)
    partners: list[tuple[Quote, str]] = field(default_factory=list)
    period: list[tuple[Quote, str]] = field(default_factory=list)
    quarter: list[tuple[Quote, str]] = field(default_factory=list)
    dnr: list[tuple[Quote, str]] = field(default_factory=list)
    target_group: list[Quote] = field(default_factory=list)
    goals: list[MergedGoal] = field(default_factory=list)
    participants: list[tuple[Quote, str]] = field(default_factory=list)
    to_work: list[tuple[Quote, str]] = field(default_factory=list)
    granted: list[tuple[Quote, str]] = field(default_factory=list)
    used: list[tuple[Quote, str]] = field(default_factory=list)
    share_used: list[tuple[Quote, str]] = field(default_factory=list)  # computed from granted and used
    left: list[tuple[Quote, str]] = field(default_factory=list)  # granted minus used
    left_stated: set[str] = field(default_factory=set)  # reports that state what was left themselves
    economy: list[Quote] = field(default_factory=list)
    success: list[Quote] = field(default_factory=list)
    obstacles: list[Quote] = field(default_factory=list)
    lessons: list[Quote] = field(default_factory=list)
    evaluation: list[Quote] = field(default_factory=list)  # what the evaluations conclude, in their own words
    success_all: list[Quote] = field(default_factory=list)  # every success statement, for common themes
    obstacles_all: list[Quote] = field(default_factory=list)
    headline_goal: tuple[Quote, Quote | None] | None = None  # the goal a comparison table shows


def collect(insats: Insats, reports: Sequence[Report]) -> Facts:
    """Everything a summary of ``insats`` shows, gathered from ``reports``."""
    ordered = sorted(reports, key=lambda r: (REPORT_ORDER.get(r.report_type, 2), _newest_first(r), r.source))
    facts = Facts(insats)
    for report in ordered:
        _register(report, facts)
        if not facts.target_group:
            facts.target_group.extend(_target_group(report))
    if facts.used:
        # A report without the form's money field (an evaluation) may still say what had been spent when it looked.
        stated = {q.ref.source for q, _ in facts.used}
        for report in ordered:
            if report.source not in stated and report.report_type not in _PROGRESS:
                if (spent := _spent_in_prose(report)) is not None:
                    facts.used.append(spent)
    facts.goals.extend(merged_goals(ordered))
    _work_and_participants(facts, ordered)
    facts.success.extend(_prose(ordered, ("framgangsfaktorer",), ("bedomning",), _POSITIVE))
    facts.obstacles.extend(_prose(ordered, ("systemfel",), ("bedomning", "avvikelser"), _NEGATIVE))
    facts.success_all.extend(_prose(ordered, ("framgangsfaktorer",), ("bedomning",), _POSITIVE, limit=12))
    facts.obstacles_all.extend(_prose(ordered, ("systemfel",), ("bedomning", "avvikelser"), _NEGATIVE, limit=12))
    facts.lessons.extend(_lessons(ordered))
    facts.evaluation.extend(_evaluations(ordered))
    facts.economy.extend(_first_units(next(iter(ordered), None), ("ekonomi",), 2, skip_figures_only=True))
    if not facts.economy:
        facts.economy.extend(
            q for r in ordered[:1] for q in _cued(r, ("avvikelser", "bedomning", "styrgrupp"), _MONEY)[:1]
        )
    return facts


def _target_group(report: Report) -> list[Quote]:
    """The target group in one or two sentences; a sentence naming ages, volume or the group comes first."""
    found = _first_units(report, ("malgrupp",), 4)
    if not found:
        return []
    found.sort(key=lambda q: not re.search(r"malgrupp|alder|\d", fold(q.text)))
    text = " ".join(shorten(q.text, 160) for q in found[:2])
    return [Quote(shorten(text, 300), found[0].ref)]


def _newest_first(report: Report) -> str:
    start = next((f.value for f in report.fields if f.name == "period_start"), "")
    return "".join(chr(0x10FFFF - ord(c)) for c in start)


def _quote(report: Report, f: Field, text: str | None = None) -> Quote:
    """A register field as a quote: ``text`` (a formatted value) or the value as written, with its section."""
    ref = report.ref_at(f.start) or Ref(report.source, report.report_type, "", None)
    # "Söderhamns kommun **Arbetsställets namn:** …": the value ends where the next label starts.
    return Quote(text if text is not None else clean(re.split(r"\*\*|<br>|\t", f.raw)[0]), ref)


def _register(report: Report, facts: Facts) -> None:
    by_name: dict[str, list[Field]] = {}
    for f in report.fields:
        by_name.setdefault(f.name, []).append(f)

    def add(target: list[tuple[Quote, str]], name: str, text: str | None = None, value: str | None = None) -> None:
        found = by_name.get(name)
        if found:
            target.append((_quote(report, found[0], text), value if value is not None else fold(found[0].value)))

    add(facts.owner, "organisation")
    add(facts.dnr, "diarienummer")
    for name, target in (("beviljade_medel", facts.granted), ("utnyttjade_medel", facts.used)):
        if name in by_name:
            add(target, name, kronor(int(by_name[name][0].value)), by_name[name][0].value)
    if "beviljade_medel" in by_name and "utnyttjade_medel" in by_name:
        granted, used = int(by_name["beviljade_medel"][0].value), int(by_name["utnyttjade_medel"][0].value)
        if granted > 0:
            share = f"{used / granted * 100:.1f} %".replace(".", ",")
            quote = _quote(report, by_name["utnyttjade_medel"][0], f"{share} ({kronor(used)} av {kronor(granted)})")
            facts.share_used.append((quote, share))
            rest = kronor(granted - used) if used <= granted else f"0 kr ({kronor(used - granted)} mer än beviljat)"
            # Where the report states what was left ("853 785 kr har inte rekvirerats"), that is cited, not computed.
            where = _stating(report, abs(granted - used))
            ref = where if where is not None else _quote(report, by_name["utnyttjade_medel"][0]).ref
            facts.left.append((Quote(rest, ref), str(granted - used)))
            if where is not None:
                facts.left_stated.add(report.source)
    partners = by_name.get("samverkanspart", [])
    if partners:
        quote = _quote(report, partners[0], "; ".join(re.sub(r"\s+", " ", p.value) for p in partners))
        facts.partners.append((quote, "|".join(sorted(fold(p.value) for p in partners))))
    if "period_start" not in by_name and report.report_type not in _PROGRESS:
        stated = _period_in_prose(report)
        if stated is not None:
            facts.period.append(stated)
    if "period_start" in by_name and "period_end" in by_name:
        value = f"{by_name['period_start'][0].value} – {by_name['period_end'][0].value}"
        target = facts.quarter if report.report_type in _PROGRESS else facts.period
        add(target, "period_start", value, value)
    participants = [f for name in _PARTICIPANT_FIELDS for f in by_name.get(name, [])]
    if participants:
        best = participants[0]
        # "33 (Inskrivna | 33)"; a result cell read on its own is named by its row ("34 (antal deltagare)")
        said = _raw(best) if _raw(best) != best.value else best.name.split(":", 1)[1]
        add(facts.participants, best.name, f"{best.value} ({said})", best.value)


def _stating(report: Report, amount: int) -> Ref | None:
    """Where ``report`` states ``amount`` kronor ("853 785 kr har inte rekvirerats"), if it does."""
    if amount < 1000:
        return None
    wanted = str(amount)
    for block in report.blocks:
        for unit in units(block):
            if re.search(rf"(?<![\d,.]){wanted}(?![\d,])", ungrouped(unit.text)):
                return report.ref(block, unit.start)
    return None


# Spending said in prose: "hade drygt 1,2 miljoner kronor förbrukats", "insatsen har använt 1 180 000 kr".
_SPENT = re.compile(r"\b(?:forbruka\w*|anvant\w*|anvants|anvandes|utnyttja\w*|rekvirera\w*|kostat)\b")
_MONEY_UNIT = re.compile(r"\b(?:kr|kronor|tkr|mkr|mnkr|miljoner)\b")
_A_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2} (?:januari|februari|mars|april|maj|juni|juli|augusti|september|"
    r"oktober|november|december) \d{4}\b"
)


def _spent_in_prose(report: Report) -> tuple[Quote, str] | None:
    """The sentence in which a report without the form's money field says how much had been spent, with the amount
    in whole kronor; one that dates the amount ("per den 31 oktober 2023") first, since spending is a state at a
    date."""
    found: list[tuple[bool, Quote, str]] = []
    for block in report.blocks:
        for unit in units(block):
            if unit.cells:
                continue
            for sentence in unit.sentences():
                folded = fold(sentence)
                spent = _SPENT.search(folded)
                if spent is None or not _MONEY_UNIT.search(folded):
                    continue
                value = _amount_after(sentence, spent.start())
                if value is not None:
                    found.append((bool(_A_DATE.search(folded)), Quote(sentence, report.ref(block, unit.start)), value))
    if not found:
        return None
    dated = [f for f in found if f[0]] or found
    return dated[0][1], dated[0][2]


_GRANTED_AFTER = re.compile(r"\s*(?:kronor |kr )?som (?:har )?(?:beviljats|beviljades|beviljat)\b")
_GRANTED_BEFORE = re.compile(r"\b(?:beviljade|beviljat|beviljats)(?: medel)?(?: om| pa)?\s*$")


def _amount_after(sentence: str, verb: int) -> str | None:
    """The amount of money nearest the spending verb at ``verb`` (folding keeps offsets), a count being no amount."""
    best: tuple[int, str] | None = None
    folded = fold(sentence)  # folding keeps offsets
    for start, end, value in amounts(sentence):
        # The granted amount, not the spent one: "… av de 1,45 miljoner som beviljats", "… av beviljade 1 300 000 kr".
        granted = _GRANTED_AFTER.match(folded, end) or _GRANTED_BEFORE.search(folded[max(start - 20, 0) : start])
        if int(value) >= 10_000 and not granted:
            distance = verb - end if end <= verb else start - verb
            if best is None or distance < best[0]:
                best = (distance, value)
    return best[1] if best else None


_DATES = re.compile(r"(\d{4}-\d{2}-\d{2})\s*[–-]\s*(\d{4}-\d{2}-\d{2})")
_PERIOD_CUE = re.compile(r"pagick|period|insatstid|projekttid|drevs")


def _period_in_prose(report: Report) -> tuple[Quote, str] | None:
    """ "Enligt vårt underlag pågick insatsen 2021-03-15 – 2023-02-28": the period a report without the
    template's field states in its opening sections."""
    for block in report.sections("sammanfattning", "bakgrund", "syfte", "allmanna_uppgifter") + [
        b for b in report.blocks if b.key is None
    ]:
        for unit in units(block):
            for sentence in unit.sentences():
                match = _DATES.search(sentence)
                if match and _PERIOD_CUE.search(fold(sentence)):
                    value = f"{match.group(1)} – {match.group(2)}"
                    return Quote(value, report.ref(block, unit.start)), value
    return None


def _raw(f: Field) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>|\t|\|", " ", f.raw)).strip()


def kronor(amount: int) -> str:
    """2530000 → "2 530 000 kr" (Swedish digit grouping with a no-break space)."""
    return f"{amount:,}".replace(",", "\u00a0") + "\u00a0kr"


def _work_and_participants(facts: Facts, reports: Sequence[Report]) -> None:
    """Exits to work or studies (and participants when the register has none) from the goals' outcomes."""
    have_participants = {q.ref.source for q, _ in facts.participants}
    for goal in facts.goals:
        target = fold(goal.target.text)
        for outcome in goal.outcomes:
            figure = _outcome_figure(outcome.text)
            if figure is None:
                continue
            if _WORK.search(target) and ("%" in target or "procent" in target):
                if all(q.ref.source != outcome.ref.source for q, _ in facts.to_work):
                    facts.to_work.append((Quote(_around(outcome.text, figure), outcome.ref), figure))
            elif re.search(r"deltagare|deltar|personer|individer|invanare|unga", target) and outcome.ref.source not in (
                have_participants
            ):
                count = lead_figure(outcome.text) or ""
                if count and not count.endswith("%"):
                    have_participants.add(outcome.ref.source)
                    facts.participants.append((Quote(count, outcome.ref), count.split()[0]))
    if facts.goals:
        first = next((g for g in facts.goals if _WORK.search(fold(g.target.text)) and "%" in g.target.text), None)
        chosen = first or facts.goals[0]
        facts.headline_goal = (chosen.target, chosen.outcomes[0] if chosen.outcomes else None)


def _around(text: str, figure: str) -> str:
    """ "42 % (”42% har gått vidare till arbete, studier eller annan …”)": the figure and the words after it."""
    digits = re.escape(figure.split()[0])
    match = re.search(digits.replace(",", "[,.]"), text)
    if match is None or len(text) <= 40:
        return figure if text.strip(" .") == figure else f"{figure} (”{text}”)"
    words = text[match.start() :].split()
    if len(words) < 5:  # "…, vilket motsvarar 46 %": the words before the figure say what it counts
        words = text.split()
    tail = " ".join(words[:12]).rstrip(".,;") + (" …" if len(words) > 12 else "")
    return f"{figure} (”{tail}”)"


def _outcome_figure(text: str) -> str | None:
    percent = re.search(r"\d+(?:[,.]\d+)?\s*%", text)
    if percent:
        return re.sub(r"\s*%", " %", percent.group(0)).replace(".", ",")
    of = re.search(r"\b(\d+) av (\d+)\b", text)
    if of:
        return of.group(0)
    return lead_figure(text)


def _first_units(
    report: Report | None, keys: tuple[str, ...], limit: int, *, skip_figures_only: bool = False, full: bool = False
) -> list[Quote]:
    if report is None:
        return []
    out: list[Quote] = []
    for block in report.sections(*keys):
        for unit in units(block):
            text = shorten(unit.text, 240)
            if len(text) < 30 or _FILLER.search(text) or (skip_figures_only and not re.search(r"[a-zåäö]{4}", text)):
                continue
            out.append(Quote(unit.text if full else text, report.ref(block, unit.start)))
            if len(out) >= limit:
                return out
    return out


def _prose(
    reports: Sequence[Report], keys: tuple[str, ...], fallback: tuple[str, ...], cue: _Cue, *, limit: int = 4
) -> list[Quote]:
    """Up to ``limit`` short statements from the sections ``keys``: most from the first report that has
    them, one from each further report; without such sections, sentences with ``cue`` words from
    ``fallback``."""
    first = max(limit - 1, 1)
    out: list[Quote] = []
    for report in reports:
        found = _first_units(report, keys, first if not out else 1, full=limit > 4)
        out += [q for q in found if all(q.text != o.text for o in out)]
    if not out:
        for report in reports:
            out += _cued(report, fallback, cue)[: first if not out else 1]
    return out[:limit]


def _cued(report: Report, keys: tuple[str, ...], cue: _Cue) -> list[Quote]:
    """Sentences of the sections ``keys`` holding ``cue`` words, most cue words first."""
    scored: list[tuple[int, int, Quote]] = []
    for block in report.sections(*keys):
        for unit in units(block):
            for sentence in unit.sentences():
                folded = fold(sentence)
                hits = 2 * len(cue[0].findall(folded)) + len(cue[1].findall(folded))
                if hits and 60 <= len(sentence) <= 320 and not _FILLER.search(sentence):
                    scored.append((-hits, len(scored), Quote(sentence, report.ref(block, unit.start))))
    return [quote for *_, quote in sorted(scored, key=lambda s: (s[0], s[1]))]


def _lessons(reports: Sequence[Report]) -> list[Quote]:
    out: list[Quote] = []
    for report in reports:
        out += _first_units(report, ("lardomar",), 2 if not out else 1)
        out += _first_units(report, ("slutsatser",), 1)
        out += [q for q in _cued(report, ("ekonomi", "implementering", "bedomning"), _ADVICE)][:1]
        if len(out) >= 4:
            break
    unique: list[Quote] = []
    for quote in out:
        if all(quote.text != u.text for u in unique):
            unique.append(quote)
    return unique[:4]


def _evaluations(reports: Sequence[Report]) -> list[Quote]:
    """What each evaluation concludes: the first statements of its summary and conclusions (an evaluator's verdict
    stands there, beside figures counted differently from the reports'), else of its results."""
    out: list[Quote] = []
    for report in (r for r in reports if r.report_type == "utvardering"):
        out += _verdicts(report, ("sammanfattning", "slutsatser")) or _verdicts(report, ("resultat",))
    return out


def _verdicts(report: Report, keys: tuple[str, ...]) -> list[Quote]:
    """The first prose statements of the sections ``keys``: whole sentences, not a table of contents' entries, an
    abbreviation table's rows or the form's prompts, which may stand under the same heading."""
    out: list[Quote] = []
    for block in report.sections(*keys):
        for unit in units(block):
            text = unit.text.strip()
            if (
                "|" in text
                or len(text.split()) < _VERDICT_WORDS
                or not text.endswith((".", "!"))
                or _FILLER.search(text)
            ):
                continue
            out.append(Quote(shorten(text, 240), report.ref(block, unit.start)))
            if len(out) >= _EVALUATION_STATEMENTS:
                return out
    return out


_EVALUATION_STATEMENTS = 3  # per evaluation: a verdict, its main figure, its main reservation
_VERDICT_WORDS = 8  # shorter lines under a summary heading are entries and labels, not statements

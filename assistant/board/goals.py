"""Targets beside their outcomes, read from a report's goal section ("5.1 Måluppfyllelse"). Pure.

The template leaves the layout to the writer, so several shapes occur and are all handled generically:
  - a table with a "Mål" and a "Resultat"/"Utfall" column: one row per goal;
  - labels ("Insatsens mål" … "Utfall" …) followed by as many outcomes as there were goals;
  - goal items ("Att minst 40 % …") each followed by an item "Resultat: …";
  - goal sentences ("Målsättningen var …") followed by an outcome sentence ("Resultatet blev …");
  - one sentence holding both ("Målet var 45 … och vid avslut har 26 … deltagit"), common in evaluations;
  - goals listed first and outcomes told later in prose: each goal takes the outcome sentence that shares
    most of its words and states a figure;
  - a table with the target's figure in a column of its own ("| Mål | Målvärde | Resultat |"), and a goal table a
    PDF flattened to lines ("Antal deltagare under insatstiden 160 152").

``merged_goals`` reads an insats's reports together: one entry per target, with each report's outcome beside it,
also from a report that measured the same thing without restating the goal (an evaluation's own share in work,
its own count of participants).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.board.reading import PROGRESS_REPORTS, Block, Quote, Report, Unit, clean, shorten, units
from index.analyze import analyze, fold

# "Mål:", "Insatsens mål", "Delmål 2:", "Mål 3:": a goal's label, numbered or not.
_GOAL_LABEL = re.compile(
    r"^(?:insatsens |projektets )?(?:mal|malsattning|mal och delmal|delmal)(?: samt delmal)?(?: \d+)?:?$"
)
_OUTCOME_LABEL = re.compile(r"^(?:utfall|resultat|resultatet)(?: av insatsen)?:?$")
_OUTCOME_START = re.compile(
    r"^(?:resultat|utfall|uppnatt|uppfyllt|malet (?:ar )?uppfyllt|malet uppnatt|ej uppnatt|delvis uppnatt)\b"
)
_OUTCOME_VERB = re.compile(r"\b(?:uppnaddes|naddes|uppfylldes|har uppnatts|resultatet (?:blev|blir|ar))\b")
_GOAL_START = re.compile(r"^(?:att |minst \d)")
# A sentence that measures against the goal ("31 familjer, vilket är lägre än målet om 40") tells the outcome.
_AGAINST_GOAL_CUE = re.compile(
    r"\b(?:(?:lagre|hogre|fler|farre|mer|mindre|battre|samre) an|under|over) (?:malet|malsattningen|maltalet)\b"
)
_GOAL_CUE = re.compile(r"\b(?:malet|malsattningen|malsattning|maltalet|malet var|var malet)\b")
_SPLIT_BOTH = re.compile(r"\s(?:och|men)\s(?=vid |i dagslaget |har |totalt |av dessa )|,\s(?=men |varav )")
_FIGURE = re.compile(
    r"(\d+(?:[,.]\d+)?)\s*(%|procent)|(\d+(?:\s*[-–]\s*\d+)?)\s+(?:[^\W\d]+\s+){0,2}?"
    r"(deltagare|personer|individer|invånare|invanare|medarbetare|unga|kvinnor|män|familjer|hushåll)",
    re.IGNORECASE,
)
_GENERIC = frozenset(analyze("att insatsen insats projektet deltagare personer individer minst totalt har ska"))


@dataclass(frozen=True, slots=True)
class GoalQuote:
    """A target of one report with the outcome the same report gives for it (None when it gives none)."""

    target: Quote
    outcome: Quote | None


@dataclass(frozen=True, slots=True)
class _Segment:
    kind: str  # "goal" | "outcome" | "goal-label" | "outcome-label" | "none"
    text: str
    start: int
    depth: int
    block: Block


def figure_key(text: str) -> tuple[str, str] | None:
    """("%", "40") or ("n", "45"): what a goal's target figure is, whatever noun follows it."""
    match = _FIGURE.search(text)
    if match is None:
        bare = re.search(r"\b\d+\b", text)
        return ("n", bare.group(0)) if bare else None
    if match.group(1):
        return ("%", match.group(1).replace(".", ","))
    return ("n", re.sub(r"\s+", "", match.group(3)))


def lead_figure(text: str) -> str | None:
    """The first percentage or count of people in ``text``, normalised ("40 %", "45 deltagare")."""
    match = _FIGURE.search(text)
    if match is None:
        return None
    if match.group(1):
        return f"{match.group(1).replace('.', ',')} %"
    count = re.sub(r"\s+", "", match.group(3))
    return f"{count} {match.group(4).lower()}"


def goals_of(report: Report) -> list[GoalQuote]:
    """Goal and outcome pairs of one report, in the report's order."""
    blocks = report.sections("maluppfyllelse")
    if not blocks:
        # A "Mål | Utfall" table is a goal table wherever a template puts it ("Resultat för deltagarna").
        tables = [pair for block in report.blocks for pair in _table_pairs(report, block)]
        if tables:
            return tables
        # Evaluations and some reports tell goals in their result or summary sections, goal and outcome
        # in the same sentence; only sentences naming a goal with a figure are taken from there.
        return _stated_in_prose(report, report.sections("sammanfattning", "resultat", "slutsatser"))
    pairs: list[GoalQuote] = []
    segments: list[_Segment] = []
    for block in blocks:
        rows = _table_pairs(report, block) or _flat_table_pairs(report, block)
        pairs += rows
        if not rows:
            segments += _segments(block)
    pool = [s for b in blocks + report.sections("resultat") for s in _sentences(b)]
    found = pairs + _pair(report, segments, pool)
    # A table flattened to plain lines (PDF) has no shape to read; the prose under it may still say
    # "… 10 av 27, eller 37 %, … Målet på 35 % har därmed uppnåtts."
    return found or _stated_in_prose(report, blocks)


# A kind of goal a table's first column may name ("Delmål", "Effektmål", "Projektmål"), folded.
_GOAL_KIND = r"(?:del|effekt|projekt|insats|resultat|verksamhets|huvud)?mal"
# A goal table's first column: "Mål", "Målsättning", or a kind of goal.
_GOAL_COLUMN = re.compile(_GOAL_KIND + r"(?:en|et|sattning\w*)?\b")
# A column that sets a goal's figure: "Målvärde", "Mål", "Målnivå", "Planerat", "Förväntat".
_TARGET_COLUMN = re.compile(r"mal|planer|forvant")


def _table_pairs(report: Report, block: Block) -> list[GoalQuote]:
    pairs: list[GoalQuote] = []
    in_table = False
    result: int | None = None
    value: int | None = None
    for unit in units(block):
        if not unit.cells:
            in_table = False
            continue
        head = [fold(c) for c in unit.cells]
        found = next((i for i, h in enumerate(head[1:], start=1) if re.match(r"resultat|utfall", h)), None)
        if len(head) >= 2 and _GOAL_COLUMN.match(head[0]) and found is not None:
            # "| Mål | Målvärde | Resultat |": the goal is named in the first column and its figure set in a column
            # of its own before the result's.
            result = found
            value = next((i for i, h in enumerate(head[1:result], start=1) if _TARGET_COLUMN.match(h)), None)
            in_table = True
            continue
        if in_table and len(unit.cells) > max(result or 1, value or 0):
            ref = report.ref(block, unit.start)
            target = unit.cells[0] if value is None else f"{unit.cells[0]}: {unit.cells[value]}"
            pairs.append(GoalQuote(Quote(target, ref), Quote(unit.cells[result or 1], ref)))
    return pairs


# A goal table's header flattened to a line of text (PDF): "Mål enligt ansökan Målvärde Utfall 2022-08-31".
_FLAT_HEAD = re.compile(
    rf"^{_GOAL_KIND}\b.*\b(?:malvarde|malniva|mal|planerat|forvantat)\b"
    r".*\b(?:utfall|resultat)\b"
)
# A flattened row ends in its target and its outcome: "Antal deltagare under insatstiden 160 152", "40 % 41 % (62
# personer)", "9 tjänster 9 tjänster"; a label too long for its column stands on the lines before.
# The target may say which way it counts ("minst 85 %", "högst 10"), and a column of the table's own verdict may
# follow the outcome ("79 % (88 av 112) Delvis uppnått").
_VALUE = r"\d+(?:[,.]\d+)?(?:\s*%|\s+[a-zåäö]+)?"
_BOUND = r"(?:(?:[Mm]inst|[Hh]ögst|[Mm]ax(?:imalt)?|[Öö]ver|[Uu]nder)\s+)?"
_VERDICT = r"(?:\s+(?:[Dd]elvis |[Ee]j |[Ii]nte )?(?:[Uu]ppnått|[Uu]ppfyllt|[Nn]ått))?"
_FLAT_ROW = re.compile(
    rf"^(?P<label>.*?)\s*(?P<target>{_BOUND}{_VALUE})\s+(?P<outcome>{_VALUE}(?:\s*\([^)]*\))?{_VERDICT})$"
)


def _flat_table_pairs(report: Report, block: Block) -> list[GoalQuote]:
    """Rows of a goal table whose cells a PDF flattened to lines: label lines, then a line ending in the target's
    figure and the outcome's."""
    pairs: list[GoalQuote] = []
    label: list[str] = []
    in_table = False
    offset = block.start
    for line in block.text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        text = line.strip()
        if not in_table:
            in_table = bool(_FLAT_HEAD.match(fold(text)))
            continue
        if not text:
            continue
        row = _FLAT_ROW.match(text)
        if row is None:
            if re.search(r"[.:!?]$", text) or len(label) >= 4:
                break  # prose again: the table has ended
            if re.search(r"\d", text):
                label = []  # a row with no figure to set beside its outcome ("inget målvärde 7 %")
            else:
                label.append(text)
            continue
        name = " ".join([*label, row.group("label")]).strip()
        label = []
        if not name:
            continue
        ref = report.ref(block, start)
        target = Quote(f"{name}: {row.group('target')}", ref)
        pairs.append(GoalQuote(target, Quote(row.group("outcome"), ref)))
    return pairs


def _segments(block: Block) -> list[_Segment]:
    """Units cut where a sentence changes from goal to outcome; each piece classified."""
    out: list[_Segment] = []
    mode = "none"
    for unit in units(block):
        if unit.cells:
            continue
        for i, (sentence, hint) in enumerate(_pieces(unit)):
            kind = hint or _classify(sentence)
            if kind in ("goal-label", "outcome-label"):
                mode = "goal" if kind == "goal-label" else "outcome"
                if not _label_rest(sentence):
                    out.append(_Segment(kind, sentence, unit.start, unit.depth, block))
                    continue
                # "Mål: 60 unga deltar …" states the goal itself; the label is dropped.
                kind, sentence = mode, _label_rest(sentence)
            starts_goal = kind == "goal" and bool(_GOAL_START.match(fold(sentence)))  # "… nytta. Att utbilda …"
            if i and not ((kind == "outcome" and out[-1].kind == "goal") or starts_goal):
                continue  # a further sentence of the same goal or outcome; the first one is quoted
            if kind == "none" and mode != "none" and unit.depth == 0:
                kind = mode
            out.append(_Segment(kind, sentence, unit.start, unit.depth, block))
    # An item followed by a deeper "Resultat: …" item is a goal, whatever its wording; so is a paragraph
    # right before an "Utfall" label (goal, Utfall, outcome, goal, Utfall, outcome …).
    for i, segment in enumerate(out[:-1]):
        nxt = out[i + 1]
        if nxt.kind == "outcome-label" and segment.kind in ("outcome", "none") and _classify(segment.text) == "none":
            out[i] = _Segment("goal", segment.text, segment.start, segment.depth, block)
            continue
        if segment.kind == "none" and nxt.kind in ("outcome", "outcome-label") and nxt.depth > segment.depth > 0:
            out[i] = _Segment("goal", segment.text, segment.start, segment.depth, block)
    return _expand_labels(out)


def _sentences(block: Block) -> list[_Segment]:
    """Every sentence of a block that is no goal: where a goal's outcome may be told in prose."""
    return [
        _Segment("outcome", sentence, unit.start, unit.depth, block)
        for unit in units(block)
        if not unit.cells
        for sentence, hint in _pieces(unit)
        if (hint or _classify(sentence)) not in ("goal", "goal-label")
    ]


def _pieces(unit: Unit) -> list[tuple[str, str | None]]:
    """Sentences of a unit with their kind when known, a sentence that states goal and outcome together
    ("Målet var 45 … och vid avslut har 26 …") cut in two."""
    pieces: list[tuple[str, str | None]] = []
    for sentence in unit.sentences():
        folded = fold(sentence)
        cut = _SPLIT_BOTH.search(folded)
        if _GOAL_CUE.search(folded) and cut and _FIGURE.search(sentence[cut.end() :]):
            rest = sentence[cut.end() :].strip()
            pieces += [(sentence[: cut.start()].rstrip(" ,") + ".", "goal"), (rest[:1].upper() + rest[1:], "outcome")]
        else:
            pieces.append((sentence, None))
    return pieces


def _classify(sentence: str) -> str:
    folded = fold(clean(sentence)).strip()
    head = folded.split(":", 1)[0].strip() if ":" in folded[:40] else folded
    if _GOAL_LABEL.match(head):
        return "goal-label"
    if _OUTCOME_LABEL.match(head):
        return "outcome-label"
    if (
        _OUTCOME_START.match(folded)
        or _AGAINST_GOAL_CUE.search(folded)
        or (_OUTCOME_VERB.search(folded) and not _GOAL_START.match(folded))
    ):
        return "outcome"
    if _GOAL_START.match(folded) or (_GOAL_CUE.search(folded) and re.search(r"\d", folded)):
        return "goal"
    return "none"


def _label_rest(sentence: str) -> str:
    """ "Resultat: 19,2 %" → "19,2 %"; a bare label gives ""."""
    return sentence.split(":", 1)[1].strip() if ":" in sentence else ""


def _expand_labels(segments: list[_Segment]) -> list[_Segment]:
    """A bare or trailing "Resultat:" item takes the deeper items under it as its outcome."""
    out: list[_Segment] = []
    i = 0
    while i < len(segments):
        segment = segments[i]
        i += 1
        text = segment.text
        if segment.kind == "outcome-label" or (segment.kind == "outcome" and re.search(r"(?:varav|:)$", text)):
            bare = segment.kind == "outcome-label"
            below: list[str] = []
            # A bare "Resultat:" item may be followed by its list one level up (converted files flatten).
            floor = 1 if bare else max(segment.depth, 1)
            while i < len(segments) and segments[i].depth >= floor and len(below) < 4:
                if segments[i].kind == "goal" or (segments[i].depth == segment.depth and below and not bare):
                    break
                below.append(segments[i].text.rstrip("."))
                i += 1
            head = _label_rest(text) if fold(text).startswith(("resultat", "utfall")) else text
            head = re.sub(r",?\s*varav$|:$", "", head).strip()
            text = "; ".join(p for p in (head, *below) if p).replace(":; ", ": ")
            if not text:
                continue
            segment = _Segment("outcome", text, segment.start, segment.depth, segment.block)
        if (
            segment.kind == "outcome"
            and _label_rest(segment.text)
            and _OUTCOME_LABEL.match(fold(segment.text.split(":", 1)[0]).strip())
        ):
            segment = _Segment("outcome", _label_rest(segment.text), segment.start, segment.depth, segment.block)
        out.append(segment)
    return out


def _pair(report: Report, segments: list[_Segment], pool: list[_Segment]) -> list[GoalQuote]:
    pairs: list[GoalQuote] = []
    used: set[str] = set()
    i = 0
    while i < len(segments):
        if segments[i].kind != "goal":
            i += 1
            continue
        goals = []
        while i < len(segments) and segments[i].kind in ("goal", "goal-label"):
            if segments[i].kind == "goal":
                goals.append(segments[i])
            i += 1
        outcomes = []
        while i < len(segments) and segments[i].kind in ("outcome", "none", "outcome-label"):
            if segments[i].kind == "outcome":
                outcomes.append(segments[i])
            i += 1
        matched: list[_Segment | None] = list(outcomes) if len(outcomes) == len(goals) else [None] * len(goals)
        for goal, outcome in zip(goals, matched, strict=True):
            if outcome is None:
                outcome = _best(goal, [s for s in outcomes if s.text not in used])
            if outcome is None:
                outcome = _best(goal, [s for s in pool if s.text not in used and s.text != goal.text])
            if outcome is not None:
                used.add(outcome.text)
            pairs.append(GoalQuote(_quote(report, goal, 200), _quote(report, outcome) if outcome else None))
    return pairs


def _best(goal: _Segment, candidates: list[_Segment]) -> _Segment | None:
    """The candidate sharing most content words with the goal, if it shares two; a figure helps, the goal's
    own figure more."""
    terms = set(analyze(goal.text)) - _GENERIC
    numbers = set(re.findall(r"\d+", goal.text))
    best, best_score = None, 1.5
    for candidate in candidates:
        shared = terms & set(analyze(candidate.text))
        score = len(shared) + (1.0 if re.search(r"\d", candidate.text) else 0.0)
        score += 2.0 * len(numbers & set(re.findall(r"\d+", candidate.text)))
        if score > best_score and shared:
            best, best_score = candidate, score
    return best


def _quote(report: Report, segment: _Segment, limit: int = 260) -> Quote:
    return Quote(shorten(segment.text, limit), report.ref(segment.block, segment.start))


_AGAINST_GOAL = re.compile(r",?\s+mot (?:malet|malsattningen)\s+(?=\d)")


def _stated_in_prose(report: Report, blocks: list[Block]) -> list[GoalQuote]:
    """Goals an evaluation states in passing, one pair per target figure: "13 av 34 (38 %) gick vidare …,
    mot målet 40 %", or a sentence naming a goal with a figure next to one with the outcome's figure."""
    pairs: list[GoalQuote] = []
    seen: set[tuple[str, str]] = set()
    for block in blocks:
        pieces = [(text, hint, unit.start) for unit in units(block) if not unit.cells for text, hint in _pieces(unit)]
        for i, (text, hint, start) in enumerate(pieces):
            against = _AGAINST_GOAL.search(fold(text))
            if against is not None:
                target, outcome, outcome_start = "Målet " + text[against.end() :].rstrip("."), text, start
            elif hint != "outcome" and _GOAL_CUE.search(fold(text)) and figure_key(text) is not None:
                target = text
                near = [p for p in (pieces[i + 1 : i + 2] + pieces[max(i - 1, 0) : i]) if _classify(p[0]) != "goal"]
                percent = (figure_key(text) or ("", ""))[0] == "%"
                own = [m.group(1) for m in _SHARE.finditer(text)] if percent else []
                if len(set(own)) > 1:
                    # "Målet på 40 % … uppnåddes inte heller (31 %)": a second share in the goal's sentence is its
                    # outcome.
                    outcome, outcome_start = text, start
                else:
                    found = next((p for p in near if re.search(r"\d\s*%" if percent else r"\d", p[0])), None)
                    if found is None:
                        continue
                    outcome, _, outcome_start = found
            else:
                continue
            key = figure_key(target)
            if key is None or key in seen or lead_figure(outcome) is None and not re.search(r"\d", outcome):
                continue
            seen.add(key)
            goal_quote = _quote(report, _Segment("goal", target, start, 0, block), 200)
            pairs.append(GoalQuote(goal_quote, _quote(report, _Segment("outcome", outcome, outcome_start, 0, block))))
    return pairs


@dataclass(frozen=True, slots=True)
class MergedGoal:
    """A target with the outcome each report gives for it; ``differs`` when their figures disagree."""

    target: Quote
    outcomes: tuple[Quote, ...]
    differs: bool


# Sections that describe the insats, its setting or the evaluation's method, not what came of it.
_NOT_OUTCOMES = frozenset(
    {
        "allmanna_uppgifter",
        "ansvarig",
        "bakgrund",
        "ekonomi",
        "forkortningar",
        "innehall",
        "inledning",
        "insatsbeskrivning",
        "kontakt",
        "malgrupp",
        "metod",
        "referenser",
        "samverkansparter",
        "syfte",
        "verksamhetsbeskrivning",
    }
)
_SHARE = re.compile(r"(\d+(?:[,.]\d+)?)\s*(?:%|procent)", re.IGNORECASE)
# What a goal is measured in is said by its words beyond these: the template's words for goals, participants and
# reaching them, and the verbs of moving on to an outcome ("gå vidare till", "komma ut i"), which say that a share
# moved, not what it is a share of.
_MEASURE_GENERIC = _GENERIC | frozenset(
    analyze("mål målet deltagarna ska vara ha vid procent andel uppnått går gått gick vidare komma kommit ut")
)


def merged_goals(reports: Sequence[Report]) -> list[MergedGoal]:
    """Goals of all ``reports`` (in the order given, final reports first), one entry per target: a later report's
    goal with the same target figure adds its outcome beside the first report's; an evaluation adds no goals of its
    own when a report had some. A report that gives no outcome for a goal but states the same measure (an
    evaluation that measured the share in work itself, without restating the goal) adds that sentence."""
    merged: list[tuple[Quote, list[Quote], tuple[str, str] | None]] = []
    for report in reports:
        for pair in goals_of(report):
            key = figure_key(pair.target.text)
            same = next((m for m in merged if key is not None and m[2] == key), None)
            if same is not None:
                if pair.outcome is not None and all(o.ref.source != report.source for o in same[1]):
                    same[1].append(pair.outcome)
                continue
            if report.report_type == "utvardering" and merged:
                continue
            merged.append((pair.target, [pair.outcome] if pair.outcome else [], key))
    for target, outcomes, _ in merged:
        if not outcomes:
            continue  # a goal no report measured has nothing to set a second measurement beside
        for report in reports:
            if report.report_type in PROGRESS_REPORTS or report.source == target.ref.source:
                continue
            if any(o.ref.source == report.source for o in outcomes):
                continue
            outcomes.extend(_counterpart(target.text, report))
    # Progress reports count up to their date: their figures lead to the outcome and do not contradict it.
    out = []
    for target, outcomes, key in merged:
        kind = key[0] if key else "n"
        figures = [outcome_value(o.text, kind) for o in outcomes if o.ref.report_type not in PROGRESS_REPORTS]
        out.append(MergedGoal(target, tuple(outcomes), len(figures) > 1 and len(set(figures)) > 1))
    return out


_NUMBER_WORDS = {"en": 1, "ett": 1, "tva": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "atta": 8, "nio": 9}


def outcome_value(text: str, kind: str) -> float | None:
    """An outcome's figure of a target's kind ("%" or "n"): its first share, or its first count ("Fyra av 34 vuxna"
    counts four: the number after "av" is what they are counted among); a year is no count."""
    folded = fold(text)
    if kind == "%":
        share = _SHARE.search(folded)
        return float(share.group(1).replace(",", ".")) if share else None
    of = re.search(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r") av (?:de |dem )?\d+\b", folded)
    if of:
        first = of.group(1)
        return float(first) if first.isdigit() else float(_NUMBER_WORDS[first])
    for match in re.finditer(r"(?<![\d-])(\d+)(?![\d-]|\s*(?:%|procent))", folded):
        if not re.fullmatch(r"(?:19|20)\d\d", match.group(1)):
            return float(match.group(1))
    return None


def _counterpart(target: str, report: Report) -> list[Quote]:
    """What ``report`` states of the measure ``target`` sets a goal for, when it states no such goal itself: for a
    share, the sentence with a share on most of the target's own words ("17 av 58 deltagare, 29 %, i arbete eller
    studier" for "40 % … i arbete eller studier"), one giving both counts first; for a count, the sentence that says
    the count against the goal, else the report's own count of the target's noun, the one it comes back to most (a
    subgroup is counted once), and beside it the report's table row of that total when the table says otherwise."""
    key = figure_key(target)
    if key is None:
        return []
    candidates = [
        (sentence, block, unit.start)
        for block in report.blocks
        if block.key not in _NOT_OUTCOMES
        for unit in units(block)
        if not unit.cells
        for sentence, hint in _pieces(unit)
        if (hint or _classify(sentence)) not in ("goal", "goal-label")
    ]
    if key[0] == "%":
        words = {t for t in analyze(target) if not t.isdigit()} - _MEASURE_GENERIC
        best, best_score = None, 0.0
        for sentence, block, start in candidates:
            shares = [m.group(1).replace(".", ",") for m in _SHARE.finditer(sentence)]
            if not shares or shares == [key[1]]:
                continue  # no share, or only the target's own figure (the goal restated)
            shared = len(words & set(analyze(sentence)))
            if shared < min(2, len(words)) or shared * 2 < len(words):
                continue
            score = shared + (0.5 if re.search(r"\b\d+ av (?:de )?\d+\b", sentence) else 0.0)
            if score > best_score:
                best, best_score = (sentence, block, start), score
        return [_quote(report, _Segment("outcome", best[0], best[2], 0, best[1]))] if best else []
    noun = _counted_noun(target)
    if noun is None:
        return []
    counts: dict[str, list[tuple[str, Block, int]]] = {}
    for sentence, block, start in candidates:
        for number, word in re.findall(r"\b(\d+)\s+([^\W\d]+)", sentence):
            if _same_noun(word, noun) and number != key[1]:
                counts.setdefault(number, []).append((sentence, block, start))
    # A count said against the goal ("31 familjer, vilket är lägre än målet om 40 familjer") is the outcome.
    against = [(n, c) for n, found in counts.items() for c in found if re.search(rf"\b{key[1]}\b", c[0])]
    if against:
        number, (sentence, block, start) = against[0]
    elif counts:
        number = max(counts, key=lambda n: (len(counts[n]), int(n)))
        if len(counts[number]) < 2:
            return []  # counted once: a subgroup as likely as the whole
        sentence, block, start = counts[number][0]
    else:
        return []
    found = [_quote(report, _Segment("outcome", sentence, start, 0, block))]
    row = _total_row(report, noun)
    if row is not None and row[0] != number:
        found.append(row[1])
    return found


# A table row that counts all of a noun names it with at most these words beside it ("Inskrivna familjer", "Antal
# deltagare totalt"); any other word makes it a subgroup ("Familjer som lämnat försörjningsstöd").
_TOTAL_WORDS = frozenset(analyze("antal antalet totalt totala summa inskrivna deltagande deltagit under insatstiden"))


def _total_row(report: Report, noun: str) -> tuple[str, Quote] | None:
    """The report's table row that counts all of ``noun``: (its number, the row as a quote)."""
    for block in report.blocks:
        if block.key in _NOT_OUTCOMES:
            continue
        for unit in units(block):
            if len(unit.cells) < 2 or not re.fullmatch(r"\d+", unit.cells[-1].strip()):
                continue
            words = re.findall(r"[^\W\d]+", unit.cells[0])
            if any(_same_noun(w, noun) for w in words) and all(
                _same_noun(w, noun) or set(analyze(w)) <= _TOTAL_WORDS for w in words
            ):
                text = f"{clean(unit.cells[0])}: {unit.cells[-1].strip()}"
                return unit.cells[-1].strip(), Quote(text, report.ref(block, unit.start))
    return None


# Words a form counts its participants in: a goal in one is measured in any of them.
_PARTICIPANT_NOUNS = frozenset(analyze("deltagare deltagarna personer individer inskrivna unga"))


def _counted_noun(target: str) -> str | None:
    """The stem of what a count target counts: the word after its figure ("40 familjer ska …" → "familj"), or for a
    table's "label: figure" the label's first word beyond the words for a total ("Antal deltagare: 160" → "deltag")."""
    match = re.search(r"\b\d+\s+([^\W\d]{4,})", target)
    if match is not None:
        stems = analyze(match.group(1))
        return stems[0] if stems else None
    if ":" not in target:
        return None
    for word in re.findall(r"[^\W\d]{4,}", target.split(":", 1)[0]):
        stems = analyze(word)
        if stems and not set(stems) <= _TOTAL_WORDS - _PARTICIPANT_NOUNS:
            return stems[0]
    return None


def _same_noun(word: str, noun: str) -> bool:
    stems = analyze(word)
    if not stems:
        return False
    return stems[0] == noun or (stems[0] in _PARTICIPANT_NOUNS and noun in _PARTICIPANT_NOUNS)


# A target that is a ceiling ("högst 10 % avbrott"): reached by staying at or below it.
_CEILING = re.compile(r"\b(?:hogst|max|maximalt|som mest|under|farre an|mindre an)\s+\d")
# A report's own verdict on a goal.
_MISSED = re.compile(r"\b(?:ej|inte|delvis|nastan) (?:uppnatt|uppfyllt|natt)\b|\b(?:naddes|uppnaddes|natts) inte\b")
_MET = re.compile(r"\b(?:uppnatt|uppfyllt|naddes|uppnaddes|har natts|overtraffat)\b")
# Words that say what is asked of a goal or of what kind its figure is, not what it is a goal for.
_VERDICT_GENERIC = _MEASURE_GENERIC | frozenset(analyze("mål målet målen målsättning andel andelen antal antalet"))


def reached(target: str, outcome: str) -> bool | None:
    """Whether ``outcome`` reaches ``target``: by their figures when both state one of the target's kind (a ceiling,
    "högst 10 %", is reached at or below it), else by the report's own verdict ("Ej uppnått"); None when neither
    tells, or when a share outcome is a sentence about another measure ("78 % upplevde sin hälsa som bättre" for a
    goal for work or studies)."""
    key = figure_key(target)
    if key is not None and key[0] == "%" and not _same_measure(target, outcome):
        return None
    goal = _target_value(key)
    got = outcome_value(outcome, key[0]) if key else None
    if goal is not None and got is not None:
        return got <= goal if _CEILING.search(fold(target)) else got >= goal
    folded = fold(outcome)
    if _MISSED.search(folded):
        return False
    if _MET.search(folded):
        return True
    return None


def _same_measure(target: str, outcome: str) -> bool:
    """Whether a share outcome can be the target's: a bare figure ("41 % (15 av 36)", a table cell) can; a sentence
    must use one of the target's own words beyond those for goals and shares."""
    if len(re.findall(r"[^\W\d]{3,}", outcome)) < 4:
        return True
    return bool((set(analyze(target)) - _VERDICT_GENERIC) & set(analyze(outcome)))


def _target_value(key: tuple[str, str] | None) -> float | None:
    """The figure a target sets; a range ("50-60 deltagare") sets its lower end."""
    if key is None:
        return None
    first = re.match(r"\d+(?:,\d+)?", key[1])
    return float(first.group(0).replace(",", ".")) if first else None

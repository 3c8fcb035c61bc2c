"""What the archive does not hold: plain statements instead of a figure from somewhere else.

Two kinds of question ask for something no report can answer, whatever the wording:
  - a figure for a time after the last report of the insats: a report can only tell what happened up to
    when it was written ("hur många fick jobb under 2025?" when the reports end in 2024, "ett år efter att
    projektet slutade");
  - a measurement the reports of the named insats never mention, although other reports in the archive
    do ("vilken fidelitypoäng fick X?" when only another insats measured fidelity): a specialised word
    that is absent from every passage of the insats cannot be answered by them.
Both return a Swedish sentence without figures of its own, so nothing can be mistaken for an answer.
(Names and kommuner the archive does not have are found in ``assistant/extractive/absent.py``, which calls these.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date

from index.analyze import analyze, fold
from index.records import Insats

# A question that places its figure at the end of a year, or after a point, asks about the whole year.
_YEAR_END_CUES = ("i slutet av", "vid slutet av", "vid utgangen av", "efter")
# "ett år efter att projektet slutade", "sex månader efter projektslut": a time measured from the end of the
# insats, which the reports (written when it ended) cannot have seen. ("Tre månader efter avslut" is the
# participant's exit, which reports do follow up, so it is not one.)
_LATER = re.compile(
    r"\b(?:ett|en|\d+|tva|tre|fyra|fem|sex|sju|atta|nio|tio|tolv)\s+(?:ar|manader|manad|veckor)\s+efter\s+"
    r"(?:att\s+)?(?:projektet|insatsen|projekttiden|insatstiden|projektslut|insatsens slut|projektets slut)"
)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
# "2024Q1", "Q1 2024", "kvartal 1 2024", "kv 1 2024", "2024 kvartal 1"
_QUARTER = re.compile(
    r"(?:(?P<y1>20\d\d)\s*[-_ ]?\s*(?:q|kv(?:artal)?\.?)\s*(?P<q1>[1-4])(?!\d))"
    r"|(?:(?:(?<![a-z])q|(?<![a-z])kv(?:artal)?\.?)\s*(?P<q2>[1-4])(?!\d)[\s_-]*(?:20\d\d[\s_-]+)?(?P<y2>20\d\d)?)"
)
_RANGE = re.compile(r"\b(\d{6}|\d{4}-\d{2}-\d{2})\s*[-–]\s*(\d{6}|\d{4}-\d{2}-\d{2})\b")
# Words this frequent in general Swedish (Zipf) are everyday words a question may use for any topic.
_SPECIALISED_ZIPF = 3.0
_MIN_WORD = 5  # shorter words are abbreviations or function words, matched too loosely to decide on


@dataclass(frozen=True, slots=True)
class Gap:
    """A statement of what the archive lacks, for the answer, and the insats it is about."""

    text: str
    insats: str | None = None


def quarter_end(name: str, head: str) -> date | None:
    """The last day of the quarter a quarterly report covers, as its file name or opening states it
    ("…_2024Q1", "kvartal 3 2023", "Q4 2022") or as a short date range ("240101 - 240331")."""
    for text in (fold(name), fold(head)):
        for match in _QUARTER.finditer(text):
            quarter = match.group("q1") or match.group("q2")
            year = match.group("y1") or match.group("y2")
            if quarter and year:
                month = int(quarter) * 3
                return date(int(year), month, 30 if month in (6, 9) else 31)
    for match in _RANGE.finditer(head):
        start, end = _short_date(match.group(1)), _short_date(match.group(2))
        if start and end and 0 < (end - start).days <= 100:
            return end
    return None


def coverage_end(insats: Insats, quarters: dict[str, date]) -> date | None:
    """The last day the reports of ``insats`` tell about: a quarterly report's quarter (its insats period
    runs on after it was written), else the report's period end."""
    ends: list[date] = []
    for source in insats.reports:
        if source in quarters:
            ends.append(quarters[source])
            continue
        found = [_date(f.value) for s, f in insats.fields if s == source and f.name == "period_end"]
        ends.extend(d for d in found if d is not None)
    return max(ends) if ends else None


def after_coverage(question: str, insatser: Sequence[Insats], quarters: dict[str, date]) -> Gap | None:
    """A figure asked for a year that the reports of every insats in ``insatser`` end before.

    Args:
        quarters: the quarter end of each quarterly report (``quarter_end``), by source.
    """
    folded = fold(question)
    if _LATER.search(folded):
        about = f"rapporterna om {' och '.join(i.name for i in insatser)}" if insatser else "rapporterna"
        return Gap(
            f"Arkivet har inga uppgifter om tiden efter att insatsen slutade: {about} skrevs när insatsen "
            "avslutades och följer inte upp den tiden.",
            insatser[0].name if insatser else None,
        )
    years = {int(y) for y in _YEAR.findall(folded)}
    if not years or not insatser:
        return None
    asked = max(years)
    # "i slutet av 2024" / "efter 2023" need the whole year covered; "under 2024" needs any of it.
    whole = any(f"{cue} {asked}" in folded for cue in _YEAR_END_CUES)
    limit = date(asked, 12, 1) if whole else date(asked, 1, 1)
    ends = [coverage_end(i, quarters) for i in insatser]
    if any(end is None or end >= limit for end in ends):
        return None
    names = " och ".join(i.name for i in insatser)
    return Gap(
        f"Arkivet har inga uppgifter om det för {asked}: rapporterna om {names} slutar före den tiden.",
        insatser[0].name,
    )


def unmentioned(
    question: str,
    insats: Insats,
    own: AbstractSet[str],
    *,
    archive_frequency: dict[str, int],
    excluded: set[str],
) -> Gap | None:
    """A specialised word of the question that no passage of ``insats`` uses, though the archive does.

    Args:
        own: the analyzed terms of every passage of the insats.
        archive_frequency: passages of the whole archive per analyzed term of the question.
        excluded: analyzed terms that are not about the topic (the insats's name, kommuner, framing).
    """
    from wordfreq import zipf_frequency

    candidates = []
    for word in re.findall(r"[\wåäöÅÄÖ-]+", question):
        folded = fold(word)
        if len(folded) < _MIN_WORD or zipf_frequency(word.lower(), "sv") >= _SPECIALISED_ZIPF:
            continue
        terms = [t for t in analyze(word) if t not in excluded]
        # The whole word is the topic ("fidelitypoäng"); its parts alone ("poäng") are everyday words.
        if not terms or terms[0] != fold(word).replace("-", "") and "-" not in word:
            continue
        head = terms[0] if "-" not in word else max(terms, key=len)
        if archive_frequency.get(head, 0) > 0:
            candidates.append((word, head))
    if not candidates:
        return None
    for word, head in candidates:
        if head not in own:
            return Gap(
                f"Rapporterna om {insats.name} nämner inte {word.lower()}; arkivet saknar den uppgiften.", insats.name
            )
    return None


def _short_date(value: str) -> date | None:
    """A date written 2024-01-31 or 240131."""
    if len(value) == 6:
        value = f"20{value[:2]}-{value[2:4]}-{value[4:]}"
    return _date(value)


def _date(value: str) -> date | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None

"""Group reports into insatser and give each insats the aliases people type.

Two reports belong to one insats when their names share the same core (the name without kommun, "i",
dashes and a parenthesised abbreviation) and their kommuner agree: a final report "Ett Hållbart Arbetsliv
Ockelbo" and an evaluation of "Ett hållbart arbetsliv" in Ockelbo are one insats, while "Ett hållbart
arbetsliv i Ljusdal" is another. Pure: takes ReportMeta, returns Insats records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from index.analyze import STOPWORDS, fold, swedish_lexicon
from index.metadata import kommuner
from index.records import Insats, ReportMeta

_TYPE_PRIORITY = {"slutrapport": 0, "kvartalsrapport": 1, "utvardering": 2, "okand": 3}
_SAME_CORE = 88
# A name word rarer than this in Swedish is what people remember a name by ("trisam", "individinriktad").
_NAME_WORD_RANK = 20_000


def core_name(name: str) -> str:
    """Folded name without kommun names, a parenthesised abbreviation, "i", "kommun" and punctuation."""
    text = fold(re.sub(r"\([^)]*\)", " ", name))
    names = kommuner()
    words = [w for w in re.findall(r"[\w]+", text) if w not in ("i", "kommun", "kommuns")]
    kept = [w for w in words if w not in names and not (w.endswith("s") and w[:-1] in names)]
    return " ".join(kept or words)


def group_reports(metas: Sequence[ReportMeta]) -> list[Insats]:
    """One Insats per group of reports about the same insats (documents that are no report, or name no
    insats, are left out)."""
    groups: list[list[ReportMeta]] = []
    for meta in sorted(metas, key=lambda m: (_TYPE_PRIORITY.get(m.report_type, 9), m.source)):
        # Only reports make insatser: a statute or web page in the archive is searchable, but no insats.
        if not meta.insats_name or meta.report_type == "okand":
            continue
        for group in groups:
            if _same_insats(group[0], meta):
                group.append(meta)
                break
        else:
            groups.append([meta])
    return [_insats(group) for group in groups]


def _same_insats(a: ReportMeta, b: ReportMeta) -> bool:
    if a.kommun and b.kommun and a.kommun != b.kommun:
        return False
    core_a, core_b = core_name(a.insats_name or ""), core_name(b.insats_name or "")
    if not core_a or not core_b:
        return False
    # token_set_ratio: "ett hallbart arbetsliv" is contained in a longer evaluation title.
    return fuzz.token_set_ratio(core_a, core_b) >= _SAME_CORE and min(len(core_a), len(core_b)) >= 4


def _insats(group: list[ReportMeta]) -> Insats:
    lead = group[0]
    name = (lead.insats_name or "").strip()
    kommun = next((m.kommun for m in group if m.kommun), None)
    abbreviations = [pair for m in group for pair in m.abbreviations]
    return Insats(
        id=insats_id(name, kommun),
        name=name,
        kommun=kommun,
        aliases=tuple(sorted({a for m in group for a in aliases(m.insats_name or name, kommun, abbreviations)})),
        reports=tuple(sorted(m.source for m in group)),
    )


def insats_id(name: str, kommun: str | None) -> str:
    core = core_name(name)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{core} {fold(kommun or '')}").strip("-")
    return slug[:80] or "insats"


def aliases(name: str, kommun: str | None, abbreviations: Sequence[tuple[str, str]] = ()) -> list[str]:
    """Names people may type: folded, short forms, initialisms, with and without the kommun."""
    core = core_name(name)
    forms = {fold(name), core}
    short = re.sub(r"^(ett|en|det|den)\s+", "", core)
    forms.add(short)
    initials = [w[0] for w in core.split() if len(w) > 1]
    abbreviation = re.search(r"\(([A-ZÅÄÖ]{2,8})\)", name)
    found = {abbreviation.group(1).lower()} if abbreviation else set()
    if 2 <= len(initials) <= 5:
        found.add("".join(initials))
    for short_form, long_form in abbreviations:
        if fuzz.token_set_ratio(fold(long_form), core) >= _SAME_CORE:
            found.add(fold(short_form))
    forms |= found
    if kommun:
        place = fold(kommun)
        forms |= {f"{form} {place}" for form in (core, short, *found)}
        # A long name is half-remembered by its one unusual word and the place: "trisam hudiksvall".
        forms |= {f"{word} {place}" for word in _memorable_words(core, place)}
    return sorted(f for f in forms if f)


def _memorable_words(core: str, place: str) -> list[str]:
    """The words of a name of three or more words that are rare in Swedish (not the kommun's name)."""
    words = [w for w in re.findall(r"\w+", core) if w not in STOPWORDS]
    if len(words) < 3:
        return []
    ranks = swedish_lexicon()
    return [w for w in words if len(w) >= 4 and w != place and ranks.get(w, 1 << 30) >= _NAME_WORD_RANK]

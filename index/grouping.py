"""Group reports into insatser, say why, and give each insats the aliases people type.

Grouping goes by evidence, in three steps:

1. A report whose form states the insats name in a name field ("Insatsens namn", "Projektnamn" …) founds or
   joins the insats of that name. Two names are one insats when their cores agree (the name without kommun,
   "i", dashes and a parenthesised abbreviation) and so do their kommuner: "Ett Hållbart Arbetsliv Ockelbo"
   and "Ett hållbart arbetsliv i Ljusdal" are two insatser.
2. Any other report (an evaluation, a förstudie, a report without a name field) joins the known insats it
   names most: occurrences of the insats's core name or abbreviation, counted three times on the title page
   and twice in the introduction, and its title naming it. A namesake in another kommun is kept apart: an
   insats whose kommun the report never names is not the one it evaluates when the report is about another
   kommun, and between namesakes the kommun the report names more wins.
3. A report that names no known insats founds its own from the name its title states, and failing that from
   its title: every report is in some insats. Documents that are no report (a statute, a web page) are not.

Pure: takes ReportMeta (and, to count names, a way to get a report's text), returns Insats records, each
with a Placement per report saying why it is there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from index.analyze import STOPWORDS, fold, swedish_lexicon
from index.places import kommuner
from index.records import Field, Insats, Placement, ReportMeta
from index.titlepage import without_subtitle

# Which report of an insats gives it its name and kommun: the final report states them most reliably.
_TYPE_PRIORITY = {
    "slutrapport": 0,
    "kvartalsrapport": 1,
    "lagesrapport": 1,
    "ansokan": 2,
    "forstudie": 2,
    "rapport": 3,
    "utvardering": 4,
    "okand": 5,
}
_SAME_CORE = 88
# A name word rarer than this in Swedish is what people remember a name by ("trisam", "individinriktad").
_NAME_WORD_RANK = 20_000
# Where a report names what it is about: its title page (the first lines) and its introduction.
_TITLE_PAGE = 1500
_INTRO_SHARE = 0.25
# Weighted occurrences needed to join a known insats: once on the title page, or three times in the body.
_ENOUGH = 3


def core_name(name: str) -> str:
    """Folded name without kommun names, a parenthesised abbreviation, "i", "kommun" and punctuation."""
    text = fold(re.sub(r"\([^)]*\)", " ", name))
    names = kommuner()
    words = [w for w in re.findall(r"[\w]+", text) if w not in ("i", "kommun", "kommuns")]
    kept = [w for w in words if w not in names and not (w.endswith("s") and w[:-1] in names)]
    return " ".join(kept or words)


@dataclass
class _Group:
    members: list[ReportMeta]
    placements: list[Placement] = field(default_factory=list)

    @property
    def lead(self) -> ReportMeta:
        return self.members[0]

    @property
    def name(self) -> str:
        return (self.lead.insats_name or self.lead.title or self.lead.source).strip()

    @property
    def kommun(self) -> str | None:
        return next((m.kommun for m in self.members if m.kommun), None)


def is_report(meta: ReportMeta) -> bool:
    """A document that presents itself as a report, or states an insats name in a form field."""
    return meta.report_type != "okand" or _name_source(meta) == "field"


def group_reports(metas: Sequence[ReportMeta], *, text_of: Callable[[str], str | None] | None = None) -> list[Insats]:
    """One Insats per insats the reports are about; every report is in exactly one.

    Args:
        metas: what each document says about itself (documents that are no report are left out).
        text_of: a report's text by source, to count how often it names each known insats; without it
            only the names reports state are compared.
    """
    reports = sorted((m for m in metas if is_report(m)), key=lambda m: (_TYPE_PRIORITY.get(m.report_type, 9), m.source))
    groups: list[_Group] = []
    for meta in (m for m in reports if _name_source(m) == "field"):
        _place_by_name(groups, meta)
    others = [m for m in reports if _name_source(m) != "field"]
    known = list(groups)
    unplaced: list[ReportMeta] = []
    for meta in others:
        if not _place_by_evidence(known, meta, text_of(meta.source) if text_of else None):
            unplaced.append(meta)
    for meta in unplaced:  # no known insats named: a stated name (title, quotes) founds one, else the title
        _place_by_name(groups, meta)
    if text_of is not None:
        # A document of no known genre (a consultant's memo, a PM) is about an insats when its title page
        # names a known one; other documents (statutes, web pages) stay out of the register.
        name_words = {w for g in groups for w in core_name(g.name).split()} | {
            fold(a) for g in groups for a in _abbreviations(g)
        }
        name_words -= STOPWORDS
        for meta in (m for m in metas if not is_report(m)):
            if name_words & set(re.findall(r"\w+", fold(meta.title))):  # cheap: most documents name none
                _place_by_evidence(list(groups), meta, text_of(meta.source), untyped=True)
    return unique_ids([_insats(group) for group in groups])


def unique_ids(insatser: Sequence[Insats]) -> list[Insats]:
    """The insatser with a distinct id each: two groups can share a name and kommun (reports named only by a
    heading, or the same title twice, are never merged), and the register keys insatser by id. A repeat
    gets ``-2``, ``-3`` … in the groups' order (which follows the sorted reports, so it is stable)."""
    taken = {i.id for i in insatser}
    seen: set[str] = set()
    unique = []
    for insats in insatser:
        if insats.id not in seen:
            seen.add(insats.id)
            unique.append(insats)
            continue
        number = 2
        while f"{insats.id}-{number}" in taken:
            number += 1
        taken.add(f"{insats.id}-{number}")
        unique.append(replace(insats, id=f"{insats.id}-{number}"))
    return unique


def _name_source(meta: ReportMeta) -> str:
    # Registers written before name_source existed only hold names from name fields or titles.
    return meta.name_source or ("field" if meta.insats_name else "")


def _place_by_name(groups: list[_Group], meta: ReportMeta) -> None:
    stated = meta.first("insats_namn")
    evidence = (stated,) if stated else ()
    source = _name_source(meta)
    # A name from a heading may be anything ("Samordningsförbund Gävleborg", "Slutrapport"): it founds an
    # insats for its report, but two reports are never one insats on the strength of such names.
    for group in groups if source != "heading" else []:
        if _name_source(group.lead) != "heading" and _same_insats(group.lead, meta):
            group.members.append(meta)
            where = {"field": "Namnfältet", "title": "Titeln", "text": "Texten", "file": "Filnamnet"}.get(
                source, "Rapporten"
            )
            kommun = f" och kommun ({group.kommun})" if group.kommun else ""
            reason = f'{where} anger "{meta.insats_name}": samma namn{kommun} som insatsen "{group.name}".'
            group.placements.append(Placement(meta.source, reason, evidence))
            return
    group = _Group([meta])
    if source == "field":
        reason = f'Namnfältet anger insatsens namn "{meta.insats_name}".'
    elif source == "title" and meta.insats_name:
        reason = f'Inget namnfält och ingen känd insats nämns; titeln anger insatsen "{meta.insats_name}".'
    elif source == "text" and meta.insats_name:
        reason = f'Inget namnfält och ingen känd insats nämns; texten kallar insatsen "{meta.insats_name}".'
    elif source == "file" and meta.insats_name:
        reason = f'Inget namnfält och ingen känd insats nämns; filnamnet och texten anger "{meta.insats_name}".'
    else:
        reason = (
            f'Inget namnfält, ingen känd insats nämns och inget namn anges; rapportens titel "{group.name}" används.'
        )
    group.placements.append(Placement(meta.source, reason, evidence))
    groups.append(group)


def _same_insats(a: ReportMeta, b: ReportMeta) -> bool:
    if a.kommun and b.kommun and a.kommun != b.kommun:
        return False
    core_a, core_b = core_name(a.insats_name or ""), core_name(b.insats_name or "")
    if not core_a or not core_b:
        return False
    if min(len(core_a), len(core_b)) < 4:
        # A short core is too common a word to join two reports on ("hem", "kom"), unless it is an acronym:
        # written in capitals, "IPS" or "KIM" is a name however short, and the same one names the same insats.
        return (
            core_a == core_b and _in_capitals(a.insats_name or "", core_a) and _in_capitals(b.insats_name or "", core_b)
        )
    # token_set_ratio: "ett hallbart arbetsliv" is contained in a longer evaluation title.
    return fuzz.token_set_ratio(core_a, core_b) >= _SAME_CORE


def _in_capitals(name: str, core: str) -> bool:
    """Whether the words of ``name`` that make up its ``core`` are written in capitals, as an acronym is."""
    words = [w for w in re.findall(r"\w+", name) if fold(w) in core.split()]
    return bool(words) and all(len(w) >= 2 and w.isupper() for w in words)


@dataclass(frozen=True, slots=True)
class _Evidence:
    group: _Group
    score: float
    hits: tuple[tuple[int, int], ...]
    on_title_page: int
    in_intro: int
    kommun_mentions: int
    stated: bool


@dataclass(frozen=True, slots=True)
class _Text:
    """A report's text, folded once, with its words: most insatser are ruled out by a set lookup."""

    text: str
    folded: str
    words: frozenset[str]
    tokens: frozenset[str]  # as written, for abbreviations and one-word names

    @classmethod
    def of(cls, text: str) -> _Text:
        folded = fold(text)
        return cls(text, folded, frozenset(re.findall(r"\w+", folded)), frozenset(re.findall(r"\w+", text)))


def _place_by_evidence(groups: list[_Group], meta: ReportMeta, text: str | None, *, untyped: bool = False) -> bool:
    """Join ``meta`` to the known insats it names most; False when it names none clearly enough (for a
    document of no report genre: unless its title page names the insats and it names it often)."""
    body = _Text.of(text) if text else None
    found = [e for g in groups if (e := _evidence(g, meta, body)) is not None]
    if not found:
        return False
    best = max(found, key=lambda e: (e.score, e.kommun_mentions))
    if best.score < _ENOUGH or (untyped and (best.on_title_page == 0 or best.score < 2 * _ENOUGH)):
        return False
    if body is not None and not best.stated and _name_source(meta) in ("title", "file") and meta.insats_name:
        # Its title names an insats of its own, and the report names that one as often: a comparison with a
        # known insats ("som i Jobbspåret …") does not make it a report about that insats.
        own = _Group([meta])
        if len(_name_hits(own, body)) >= len(best.hits):
            return False
    group = best.group
    group.members.append(meta)
    parts = []
    if best.stated:
        parts.append(f'rapporten anger insatsen "{meta.insats_name}"')
    if best.hits and text is not None:
        first = re.sub(r"\s+", " ", text[best.hits[0][0] : best.hits[0][1]])
        parts.append(
            f'nämner insatsen "{group.name}" (som "{first}") {len(best.hits)} gånger '
            f"({best.on_title_page} på titelsidan, {best.in_intro} i inledningen)"
        )
    opening = "Ingen rapporttyp och inget namnfält; " if untyped else "Inget namnfält; "
    reason = opening + " och ".join(parts) + ", mer än någon annan känd insats."
    rivals = [e for e in found if e is not best and core_name(e.group.name) == core_name(group.name)]
    if group.kommun and rivals:
        others = ", ".join(f"{e.group.kommun} {e.kommun_mentions}" for e in rivals if e.group.kommun)
        reason += f" Namnen hålls isär på kommun: {group.kommun} nämns {best.kommun_mentions} gånger ({others})."
    evidence = tuple(Field("omnamnande", group.name, text[a:b], a, b) for a, b in best.hits[:3] if text)
    stated = meta.first("insats_namn")
    if best.stated and stated is not None:
        evidence = (stated, *evidence)
    group.placements.append(Placement(meta.source, reason, evidence))
    return True


def _evidence(group: _Group, meta: ReportMeta, body: _Text | None) -> _Evidence | None:
    # A name the report states (not one read off a heading) that is the insats's own name.
    stated = _name_source(meta) in ("title", "text", "file") and _same_insats(group.lead, meta)
    hits: list[tuple[int, int]] = []
    kommun_mentions = 0
    score = 5.0 if stated else 0.0
    on_title, in_intro = 0, 0
    if body is not None:
        text, folded = body.text, body.folded
        hits = _name_hits(group, body)
        intro = max(_TITLE_PAGE, int(len(text) * _INTRO_SHARE))
        for start, _ in hits:
            if start < _TITLE_PAGE:
                on_title += 1
            elif start < intro:
                in_intro += 1
        score += 3 * on_title + 2 * in_intro + (len(hits) - on_title - in_intro)
        if group.kommun and score > 0:
            kommun_mentions = len(re.findall(rf"\b{re.escape(fold(group.kommun))}s?\b", folded))
    if score == 0:
        return None
    if group.kommun and meta.kommun and meta.kommun != group.kommun and kommun_mentions == 0:
        return None  # a namesake: the report is about another kommun and never names this insats's one
    if group.kommun and body is not None and kommun_mentions == 0:
        score /= 2
    return _Evidence(group, score, tuple(hits), on_title, in_intro, kommun_mentions, stated)


def _name_hits(group: _Group, body: _Text) -> list[tuple[int, int]]:
    """Where the report names the insats: its core name (folded, any dashes) or an abbreviation it uses."""
    spans: list[tuple[int, int]] = []
    for words in _name_forms(group.name):
        spans += _core_hits(words, group.name, body)
    for short in _abbreviations(group):
        if short in body.tokens:
            spans += [m.span() for m in re.finditer(rf"(?<![\w-]){re.escape(short)}(?![\w-])", body.text)]
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda s: (s[0], -s[1])):  # one occurrence, however many forms
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def _name_forms(name: str) -> list[list[str]]:
    """The word sequences that name an insats in running text: its core, and the core without a leading
    "Projekt"/"Insatsen" or a subtitle ("Brobyggarna – arbetsträning för unga" is called "Brobyggarna")."""
    core = core_name(name).split()
    forms = [core]
    # (a förstudie named by its genre and subject, "Förstudie Unga i behov av stöd", is called by its subject)
    if len(core) > 1 and core[0] in ("projekt", "projektet", "insats", "insatsen", "forstudie", "forstudien"):
        forms.append(core[1:])
    head = without_subtitle(name)  # a subtitle is lower-case prose of several words, not a kommun ("… - Hudiksvall")
    if head != name and core_name(head):
        forms.append(core_name(head).split())
    return [f for f in forms if f]


def _core_hits(words: list[str], name: str, body: _Text) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if len(words) == 1:
        # One word names the insats only as written in its name ("Connect", not "connect" as a verb).
        original = next((w for w in re.findall(r"[\w-]+", name) if fold(w) == words[0]), None)
        if original is not None and original in body.tokens:
            spans += [m.span() for m in re.finditer(rf"\b{re.escape(original)}\b", body.text)]
    elif words and all(w in body.words for w in words):
        pattern = r"\b" + r"[\s\-–—]+".join(re.escape(w) for w in words) + r"\b"
        spans += [m.span() for m in re.finditer(pattern, body.folded)]
    return spans


def _abbreviations(group: _Group) -> set[str]:
    """Short forms of the insats's own name: in brackets in a name, or defined in its reports."""
    core = core_name(group.name)
    found = {m.group(1) for meta in group.members for m in re.finditer(r"\(([A-ZÅÄÖ]{2,8})\)", meta.insats_name or "")}
    for meta in group.members:
        for short, long in meta.abbreviations:
            if fuzz.token_set_ratio(fold(long), core) >= _SAME_CORE and len(core_name(long)) >= 4:
                found.add(short)
    return {s for s in found if len(s) >= 3}


def _insats(group: _Group) -> Insats:
    name, kommun = group.name, group.kommun
    abbreviations = [pair for m in group.members for pair in m.abbreviations]
    names = {m.insats_name or name for m in group.members if _same_insats(group.lead, m)} | {name}
    return Insats(
        id=insats_id(name, kommun),
        name=name,
        kommun=kommun,
        aliases=tuple(sorted({a for n in names for a in aliases(n, kommun, abbreviations)})),
        reports=tuple(sorted(m.source for m in group.members)),
        placements=tuple(sorted(group.placements, key=lambda p: p.source)),
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

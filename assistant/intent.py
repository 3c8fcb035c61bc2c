"""The question reader: one question (with the conversation before it) → one ``Query`` record.

Every cue table of the product lives here, each entry with the Swedish it stands for. Search, the answerers and
follow-up handling read the ``Query``; none of them looks at the question's words again.

Example:
    query = read_question("Vad kostade det?", ["Hur många deltagare hade Lotsen?"], catalog)
    query.text            # "Hur många deltagare hade Lotsen? Vad kostade det?"
    query.sections        # ("ekonomi", "allmanna_uppgifter", "maluppfyllelse", "resultat")
    query.named           # the insatser it names firmly, with their match strength

Pure: the catalog is passed in (its insatser and the abbreviations the reports define), nothing is read from disk.
"""

from __future__ import annotations

import bisect
import re
import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal, Protocol

from assistant.catalog import ReportInfo
from assistant.names import EVERYDAY_KOMMUNER, NameMatch, insatser_in_text, named_as_place
from index.analyze import STOPWORDS, analyze, fold, is_common_word, swedish_lexicon
from index.places import kommuner, landskap
from index.records import Insats

# --- cue tables: folded Swedish (å/ä/ö → a/o), matched as word prefixes unless said otherwise -------------------

# Question wording → template sections that answer it.
SECTION_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # What went well: "framgång-" in all its forms, and the plain-language ways of saying it. A quarterly
    # report has no 6.x analysis: its "Sammanfattande bedömning" holds the same topics.
    # The plain words for success count too: "lyckades", "lyckats", and the spoken "funkade", "funkat".
    (
        ("framgang", "positiva effekt", "fungerade bast", "fungerat bra", "lyckades", "lyckats", "funkade", "funkat"),
        ("framgangsfaktorer", "lardomar", "bedomning"),
    ),
    # What stood in the way: the template's own word "systemfel", its everyday synonym "hinder" ("hindrade",
    # "hindren"), and the plain ways of saying something made the work harder: "utmaningar", "strul", "krångel",
    # "ställde till det", "försvårade". Not "problem" or "svårigheter": they name the participants' conditions as
    # often ("psykiska problem", "sociala svårigheter").
    (
        (
            "systemfel",
            "hinder",
            "hindr",
            "utmaning",
            "strul",
            "krangel",
            "stallde till",
            "stallt till",
            "staller till",
            "forsvarade",
            "forsvarat",
            "forsvarar",
        ),
        ("systemfel", "avvikelser", "bedomning"),
    ),
    # Lessons: "lärdom", "lärde sig", "lärt", and "erfarenhet(er)", which reports use for the same thing.
    (("lardom", "larde", "lart", "erfarenhet"), ("lardomar", "framgangsfaktorer", "bedomning", "slutsatser")),
    # Deviation and its cause: "avvikelse", "varför nådde … inte", "orsak".
    (("avvik", "varfor nadde", "orsak", "inte nadde"), ("avvikelser", "systemfel", "maluppfyllelse", "bedomning")),
    # A granted period changed: cut short or lengthened ("avbröts", "avbrytas", "i förtid", "förlängdes"). The form
    # tells it among its deviations from plan (headings say "Varför insatsen avbröts", "Förlängning"), and its
    # period field gives the new dates.
    (("avbr", "i fortid", "forlang"), ("avvikelser", "allmanna_uppgifter")),
    # Money: the words for cost, budget, granted and used funds, kronor and "pengar", and "ekonomi", the name
    # of the template's own money section ("Ekonomiuppföljning").
    (
        ("budget", "kostnad", "kostade", "medel", "beviljat", "beviljade", "utnyttja", "kronor", "pengar", "ekonomi"),
        ("ekonomi", "allmanna_uppgifter"),
    ),
    # Goals and outcomes: "måluppfyllelse", "målet/målen", "delmål", participants and results.
    (("maluppfyll", "malet", "malen", "delmal", "deltagare", "resultat", "utfall"), ("maluppfyllelse", "resultat")),
    # What lives on after the funded period, and what stops: "implementering", "efter projekttiden/projektet/
    # insatsen", "fortsätter", "lever/drivs vidare", "(i) ordinarie verksamhet", "lades/lagts/läggs ner".
    (
        (
            "implementer",
            "efter projekt",
            "efter insatsen",
            "fortsatt",
            "lever vidare",
            "drivs vidare",
            "ordinarie verksamhet",
            "lades ner",
            "lagts ner",
            "lags ner",
            "lever kvar",  # "lever (arbetssättet) kvar"
            "levde kvar",
            "permanent",  # "blev det nåt permanent?", "permanentades"
            # Someone taking the work over ("tog kommunen över det?", "togs den över", "övertogs", "i egen regi").
            "tog over",
            "togs over",
            "tar over",
            "tas over",
            "tagit over",
            "tagits over",
            "overtog",
            "overtag",
            "egen regi",
        ),
        ("implementering", "bedomning"),
    ),
    # The participants' say: "brukarmedverkan", "delaktig(het)", and in plain words "(fått vara) med och påverka /
    # bestämma", "inflytande".
    (("brukarmedverkan", "delaktig", "med och paverka", "med och bestamma", "inflytande"), ("brukarmedverkan",)),
    # When: "tidsperiod", "period", "insatstid" are stated in the general details.
    (("tidsperiod", "period", "insatstid"), ("allmanna_uppgifter",)),
    # What an insats is ("vad är det för nåt?", "vad var det för insats?"): its description, what it set out to do,
    # for whom and with whom.
    (
        tuple(f"vad {v} det for {o} " for v in ("ar", "var") for o in ("nat", "nagot", "en insats", "ett projekt")),
        ("insatsbeskrivning", "syfte", "arbetssatt", "malgrupp", "samverkansparter"),
    ),
    # Whether and by whom an insats was evaluated ("utvärderades externt", "har haft en extern utvärdering",
    # "följeforskning"): the final report's form asks it under "Uppföljning och utvärdering".
    (
        ("utvarderades", "utvarderats", "extern utvardering", "externa utvardering", "foljeforskning", "foljeutvarder"),
        ("uppfoljning",),
    ),
    # What a pre-study proposed: "föreslog", "föreslår", "förslag(et)".
    (("foresl", "forslag"), ("forslag",)),
    # Who to ask: "kontaktperson", "ansvarig".
    (("kontaktperson", "ansvarig"), ("ansvarig", "allmanna_uppgifter", "uppgiftslamnare")),
    # Partners: "samverkanspart(er)".
    (("samverkanspart",), ("samverkansparter",)),
    # Target group: "målgrupp(en)".
    (("malgrupp",), ("malgrupp",)),
)
# Words that ask for a summary rather than a fact (matched at the start of a folded word: "styrelsemötet" is the
# board, "Socialstyrelsen" is an authority).
SUMMARY_CUES = (
    "sammanfatt",  # "sammanfatta", "sammanfattning"
    "sammanstall",  # "sammanställ", "sammanställning"
    # What the board is to read is a summary: the board as recipient ("för/till/inför styrelsen", "styrelsemötet",
    # "styrelsen vill ha"), not as the one who acted ("beviljade styrelsen …?" asks a fact).
    r"(?:for|till|infor|at) (?:\w+ )?styrel|styrelse(?:mot|sammanf)|styrelsen (?:vill|behover|onskar)",
    "punktform",  # "i punktform": a digest, not one fact
    "laget i",  # "läget i X": where an insats stands as a whole
    "oversikt",  # "översikt"
    # To compare ("jämför X och Y", "kan du jämföra", "en jämförelse") sets insatser side by side, each as a whole;
    # "jämfört med" (the participle) only measures one figure against another.
    r"jamfor(?:a|else)?\b",
)
# The parts of a report that summarise it.
SUMMARY_SECTIONS = ("slutsatser", "maluppfyllelse", "bedomning", "sammanfattning", "allmanna_uppgifter")
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
# Words that name a kind of report (matched anywhere in the folded question).
REPORT_TYPE_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    # An evaluation is written by a högskola or universitet, as "forskare" or "följeforskning", by "utvärderarna";
    # what was evaluated "utvärderades", "har utvärderats", "är utvärderad".
    (
        (
            "utvardering",
            "utvarderar",
            "utvarderad",
            "utvarderat",
            "hogskola",
            "universitet",
            "forskar",
            "foljeforskning",
        ),
        "utvardering",
    ),
    # "kvartalsrapport(en/erna)".
    (("kvartalsrapport",), "kvartalsrapport"),
    # "slutrapport(en/erna)", "slutredovisning(en)".
    (("slutrapport", "slutredovisning"), "slutrapport"),
    # The interim reports under their other names: "lägesrapport", "delårsrapport", "delrapport", "tertialrapport".
    (("lagesrapport", "delarsrapport", "delrapport", "tertialrapport", "halvarsrapport"), "lagesrapport"),
    # "förstudie(n)".
    (("forstudie",), "forstudie"),
)
# Wording that asks across the archive ("vilka insatser …"): one good passage per report, not five from one.
LIST_CUES = (
    "vilka insatser",  # the plural interrogative over insatser
    "vilka rapporter",  # … over reports
    "i vilka",  # "i vilka rapporter/kommuner …"
    "finns det rapporter",  # existence over the archive
    "finns det insatser",
    "alla insatser",  # every insats
    "insatserna",  # definite plural: the insatser as a set
    "rapporterna",  # also "slutrapporterna", "kvartalsrapporterna": every report of a kind
    "utvarderingarna",  # every evaluation
    "projekten",  # definite plural of "projekt"
    "vilka projekt",
    "nagon insats",  # "någon insats": is there any
    "nan insats",  # "nån insats", the spoken form
    "nagra insatser",  # "några insatser"
)
# Wording that asks for a figure: a count, an amount, a size, a frequency, a length of time or a date.
FIGURE_CUES = (
    "hur manga",  # count
    "hur mycket",  # amount
    "hur stor",  # size or share
    "vad kostade",  # price
    "hur ofta",  # frequency (answered in words as often as in figures)
    "vilket belopp",
    "hur lang",  # duration
    "nar ",  # "när": a date (with its space: not "närvaro")
    "vilken period",
    "tidsperiod",
    "vilket datum",
)
# "Vilken/vilket" before a measure noun, alone or as the head of a compound ("vilken fidelitypoäng", "vilket
# belopp", "vilken andel"): the thing asked for is a figure, whatever the question's other words. "Vad … för"
# is the same question ("vad har X för budget?" = "vilken budget har X?"), and a budget is an amount.
_MEASURE_ASKED = re.compile(
    r"\b(?:vilke[nt]|vad\s+(?:\w+\s+){0,5}?for)\s+\w*(?:poang|procent|andel|antal|summa|belopp|siffra|varde|kostnad|budget)\b"
)


# "Det stod 22 familjer. Är det så många som deltog?": "så många/så mycket" points back to a figure the question
# states, and asks whether it holds: that is asking for the figure.
_CHECKS_STATED = re.compile(r"\d.*\bsa (?:manga|mycket)\b")


def asks_figure(folded: str) -> bool:
    """Whether folded question text asks for a figure: a figure cue, a which-question about a measure, or "så
    många" about a figure it states."""
    return (
        any(cue in folded for cue in FIGURE_CUES)
        or bool(_MEASURE_ASKED.search(folded))
        or bool(_CHECKS_STATED.search(folded))
    )


# Wording about money (padded with spaces: a space before is a word start).
MONEY_CUES = (
    " kostade",  # the past of "kosta"
    " kostnad",  # "kostnad(er)"
    " kronor",
    " belopp",
    " pengar",
    " mycket medel",  # "hur mycket medel"
    " beviljat",  # "beviljat/beviljade" funds
    " utnyttjat",  # funds used
)
# Money an insats "fick" is what it was granted: "hur mycket pengar fick X?". ("Budgeten" is not: "hur stor
# del av en tjänst skulle budgeten täcka?")
GRANTED_CUES = (
    " fick ",  # the past of "få"
    " fatt ",  # "fått", its supine
    " tilldela",  # "tilldelades", "tilldelats"
)
# Question wording → register fields that answer it exactly (padded with spaces, like MONEY_CUES).
OWNER = ("organisation", "arbetsstalle")  # the insats's owner: its organisation and workplace together
_IDENTITY_CUES = (" vad ar det for ", " vad var det for ")  # what an insats is, see REGISTER_FIELDS
REGISTER_FIELDS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # The case number: "diarienummer", "dnr".
    ((" diarienummer", " dnr "), ("diarienummer",)),
    # Funds granted: the forms of "bevilja".
    ((" beviljat", " beviljade", " beviljades"), ("beviljade_medel",)),
    # Funds used: "utnyttja", "användes", "förbrukat", "gick åt".
    ((" utnyttja", " anvandes", " forbrukat", " gick at "), ("utnyttjade_medel",)),
    # When it ran: "tidsperiod", "insatstid", "vilken period", "pågick", "startade", "slutade", and as it is said,
    # "höll (den) på", "hur länge" with the insats as its subject ("hur länge höll den på", "hur länge var
    # projektet igång"; "hur länge var deltagarna sjukskrivna" asks about people).
    (
        (
            " tidsperiod",
            " insatstid",
            " vilken period",
            " pagick",
            " startade",
            " slutade",
            " hur lange pagick",
            " hur lange holl ",
            " hur lange varade",
            " hur lange fanns ",
            " hur lange drevs ",
            " hur lange var den ",
            " hur lange var det ",
            " hur lange var insatsen ",
            " hur lange var projektet ",
            " holl pa ",
            " holl den pa ",
            " holl de pa ",
            # "kom (väl) igång", "drog i gång": when it started
            " igang ",
            " i gang ",
        ),
        ("period_start", "period_end"),
    ),
    # Who to contact: "kontaktperson".
    ((" kontaktperson",), ("kontaktperson",)),
    # Who ran it with whom: "part(er)" is the form's word for the organisations an insats works with, "medverkande"
    # another form's; "vilka var med" asks for them by name (reports name organisations, not participants).
    (
        (
            " parter",
            " samverkanspart",
            " samarbetspart",
            " medverkande",
            " medverkade",
            " vilka var med ",
            " vilka som var med ",
        ),
        ("samverkanspart",),
    ),
    # Who owned it: "ägde", "ägare", "huvudman", "drev(s)"; the owner is the organisation with its workplace (the
    # form's "Arbetsställets namn"), read together as a period's start and end are.
    ((" agde ", " agare", " huvudman", " projektagare", " insatsagare", " drev ", " drevs "), OWNER),
    # What an insats is ("vad är det för nåt?", "vad var det för insats?"): who ran it and when, as the register
    # states, before the sentences that describe it.
    (_IDENTITY_CUES, OWNER),
    (_IDENTITY_CUES, ("period_start", "period_end")),
)
_MONEY_FIELDS = frozenset({"beviljade_medel", "utnyttjade_medel"})


# The modal particles "väl", "ju", "nog" sit inside a verb phrase without changing what it asks ("den höll väl på
# 2019–2021?" is "höll på").
_MODAL_PARTICLE = re.compile(r"(?<= )(?:val|ju|nog) (?=\w)")


def named_fields(query: Query) -> set[str]:
    """The form fields a question names in words of its own ("vem ägde den", "när höll den på", "dnr"): not those
    "vad är det för" stands for (a description answers that as much), nor money, which reports state in their prose
    as well as on the form."""
    padded = _MODAL_PARTICLE.sub("", f" {query.folded} ")
    named = {
        name
        for cues, fields in REGISTER_FIELDS
        if cues != _IDENTITY_CUES and any(cue in padded for cue in cues)
        for name in fields
    } - _MONEY_FIELDS
    # An insats's parties are its owner and its partners, side by side on the form (the fact answer gives both too).
    return named | set(OWNER) if "samverkanspart" in named else named


# Wording that asks for a cause or a reason (padded with spaces).
REASON_CUES = (
    " varfor ",  # "varför"
    " orsak",  # "orsak(en/er)"
    " anledning",  # "anledning(en)"
    " berodde",  # "vad berodde det på"
)
# Words that frame a question rather than say what it is about ("vilka insatser nämner …"). Left in, they
# match the template's own words ("Insatsens namn") in every report and drown the one word that matters.
FRAMING = frozenset(
    analyze(
        # the archive's own nouns: insats, rapport in their forms, and the archive itself ("finns i arkivet")
        "insats insatser insatsen insatserna rapport rapporter rapporten arkiv arkivet "
        # verbs of saying and containing: a report "nämner", "tar upp", "beskriver", "säger"
        "nämner nämns tar upp finns används begreppet menas beskriver handlar står säger enligt berätta "
        # interrogatives and their quantifiers
        "vilken vilka hur många mycket ofta när vem varför"
    )
) | {"slutrapport", "kvartalsrapport"}  # "… i slutrapporterna": which reports, not what about (stems, not parts)
# Words this common in Swedish ("fick", "gick") say little about what a question is after.
EVERYDAY_RANK = 3_000
# Common words that still name a topic in these reports: "mål", "medel", "budget", "tolk", "deltagare".
KEEP = frozenset({"mal", "medel", "budget", "tolk", "deltagare"})
# The money words, analysed: a sentence with an amount in kronor counts as using them.
MONEY_TERMS = frozenset(
    analyze(
        "kostade kostnad kostnader budget medel beviljat beviljade utnyttjat utnyttjade kronor kr pengar summa belopp"
    )
)
# A match this strong names an insats; weaker ones rest on a kommun alone ("… i Ljusdal").
FIRM_NAME = 55.0
# The words that negate a Swedish clause, or say something was missing.
NEGATIONS = frozenset(
    {"inte", "ej", "aldrig", "ingen", "inget", "inga", "utan", "saknar", "saknade", "saknat", "saknas"}
)
# A question with fewer content words than this leans on the one before it ("och i Ljusdal?").
FOLLOW_UP_WORDS = 4
# A capitalised word inside a sentence (after a word or a comma) is a name the asker expects the archive to hold.
_INNER_NAME = re.compile(r"(?<=[\w,] )[A-ZÅÄÖ][\w-]{3,}")

Kind = Literal["summary", "list", "field", "figure", "reason", "name", "fact"]


class Names(Protocol):
    """What the reader needs of the register: its insatser and the abbreviations the reports define."""

    @property
    def insatser(self) -> tuple[Insats, ...]: ...

    @property
    def abbreviations(self) -> tuple[tuple[str, str], ...]: ...


@dataclass(frozen=True, slots=True)
class Word:
    """One content word of the question (not framing, not a kommun)."""

    folded: str
    terms: frozenset[str]  # its analysed terms, framing left out
    everyday: bool  # a common Swedish word: counts only where the archive itself rarely uses it


@dataclass(frozen=True, slots=True)
class Part:
    """One of the things a question asks ("hur många tolkbokningar …, hur många gick snett, och vad kostade
    tolkarna?" asks three): each wants its own sentence in the answer."""

    text: str
    content: tuple[Word, ...]
    figure: bool  # asks for a figure, or states one to be checked ("målet var väl 30")
    money: bool


@dataclass(frozen=True, slots=True)
class Query:
    """What a question asks, read once."""

    text: str  # what is searched and answered: the question, completed by the one before for a follow-up
    asked: str  # the question as typed
    folded: str  # the text's folded words, one space apart
    words: tuple[str, ...]  # the text's folded words
    content: tuple[Word, ...]  # the words that say what it is about
    insatser: tuple[NameMatch, ...]  # insatser it names, best first, each with its match strength (0..100)
    kommun: str | None  # the first kommun it names (folded)
    regions: tuple[str, ...]  # the landskap it names (folded): "i Hälsingland"
    report_type: str | None  # "enligt utvärderingen" → "utvardering"
    topics: tuple[str, ...]  # template sections it names by topic ("framgångsfaktorer", "budget" …)
    sections: tuple[str, ...]  # template sections that answer it (a summary's sections first)
    summary: tuple[str, ...]  # for a summary question, the sections to draw on in order; () otherwise
    list_wording: bool  # worded across the archive ("vilka insatser …")
    figure: bool  # asks for a figure ("hur många", "när" …)
    money: bool  # asks about money
    often: bool  # asks how often ("hur ofta")
    register_fields: tuple[tuple[str, ...], ...]  # register fields that answer it exactly
    criterion: tuple[tuple[Word, ...], ...]  # across the archive: what makes an insats a member, each entry
    # one word or the alternatives of an "X, Y eller Z"
    reason: bool  # asks why
    parts: tuple[Part, ...]  # the sub-questions, when it asks more than one thing; () otherwise
    quarters: tuple[tuple[str, str], ...]  # quarters it names ("Q2 2023"), as ISO first and last days
    inner_names: tuple[str, ...]  # capitalised words inside the question, as written
    lexical: str  # the text with the reports' abbreviations added both ways, for word search
    abbreviations: tuple[tuple[str, str], ...]  # (short, long) pairs the archive defines, folded
    kind: Kind  # the kind of answer wanted

    @property
    def named(self) -> tuple[NameMatch, ...]:
        """The insatser it names firmly (a kommun alone is too weak to answer for an insats)."""
        return tuple(m for m in self.insatser if m.score > FIRM_NAME)

    @property
    def negated(self) -> bool:
        """Whether it asks about something that did not happen or was missing ("vilka nådde inte målet")."""
        return bool(NEGATIONS & set(self.words))

    @property
    def spans_archive(self) -> bool:
        """Worded across the archive and naming no insats."""
        return self.list_wording and not self.insatser


def read_question(question: str, history: Sequence[str] = (), catalog: Names | None = None) -> Query:
    """Read ``question`` (after ``history``, the user's earlier questions, oldest first) into a Query.

    Args:
        question: the question as typed.
        history: earlier questions of the conversation; a short follow-up borrows the last one's topic.
        catalog: the register's insatser and abbreviations; None = an archive with neither.
    """
    insatser = tuple(catalog.insatser) if catalog is not None else ()
    pairs = with_national(tuple(catalog.abbreviations) if catalog is not None else ())
    text = with_history(question, history, insatser)
    words = tuple(re.findall(r"\w+", fold(text)))
    folded = " ".join(words)
    padded = f" {folded} "
    places = kommuner()
    names = tuple(insatser_in_text(text, insatser))
    if catalog is not None and (kind := report_type_hint(text)) is not None:
        names = _the_report_in_kommun(names, kind, getattr(catalog, "reports", {}), places)
    kommun = _kommun(text, places, insatser)
    topics = tuple(topic_hints(text, names))
    summary = summary_sections(text, names)
    wanted = [fields for cues, fields in REGISTER_FIELDS if any(cue in padded for cue in cues)]
    money = any(cue in padded for cue in MONEY_CUES)
    if not wanted and money and any(cue in padded for cue in GRANTED_CUES):
        wanted = [("beviljade_medel",)]
    if not wanted and money_condition(text) is not None:
        # "Hur mycket pengar blev över?": what was left is the granted less the used, both on the form.
        wanted = [("beviljade_medel",), ("utnyttjade_medel",)]
    content = _content(text)
    query = Query(
        text=text,
        asked=question,
        folded=folded,
        words=words,
        content=content,
        insatser=names,
        kommun=kommun.removesuffix("s") if kommun and kommun not in places else kommun,
        regions=tuple(dict.fromkeys(r for w in words if (r := _region(w)))),
        report_type=report_type_hint(text),
        topics=topics,
        sections=tuple(section_hints(text, names)),
        summary=summary,
        list_wording=is_list_question(text),
        figure=asks_figure(folded),
        money=money,
        often="hur ofta" in folded,
        register_fields=tuple(wanted),
        criterion=membership(text),
        reason=any(cue in padded for cue in REASON_CUES),
        parts=sub_questions(text),
        quarters=quarters_named(text),
        inner_names=tuple(_INNER_NAME.findall(text)),
        lexical=written_forms(expand_abbreviations(text, pairs)),
        abbreviations=pairs,
        kind="fact",
    )
    object.__setattr__(query, "kind", _kind(query))  # frozen: derived once, here
    return query


def _the_report_in_kommun(
    names: tuple[NameMatch, ...], kind: str, reports: Mapping[str, ReportInfo], places: Collection[str]
) -> tuple[NameMatch, ...]:
    """ "Förstudien i Grästorp" names the one insats of the kommun with a report of that kind: a report kind and a
    place together describe one document. A kommun alone stays too weak a name (``FIRM_NAME``): "Jobbstegen
    Hedemora" may be a name the archive does not have."""
    if not names or any(m.score > FIRM_NAME or m.alias not in places for m in names):
        return names
    having = [m for m in names if any((info := reports.get(s)) and info.report_type == kind for s in m.insats.reports)]
    return (replace(having[0], score=_DESCRIBED),) if len(having) == 1 else names


_DESCRIBED = FIRM_NAME + 5.0


def _kind(query: Query) -> Kind:
    """The kind of answer wanted, most specific wording first."""
    if query.summary:
        return "summary"
    if query.list_wording and not query.named:
        return "list"
    if query.register_fields and query.named:
        return "field"
    if query.figure or query.money:
        return "figure"
    if query.reason:
        return "reason"
    if query.named and not content_words(query, {t for m in query.named for t in analyze(m.alias)}):
        return "name"  # the name and nothing else: what is this insats
    return "fact"


def with_history(question: str, history: Sequence[str], insatser: Sequence[Insats]) -> str:
    """A follow-up ("och i Ljusdal?", "vad kostade det?") completed with the previous question.

    The earlier question lends its topic; names of insatser and kommuner in it are dropped when the
    follow-up brings its own, so "och i Ljusdal?" asks the same thing about Ljusdal.
    """
    if not history:
        return question
    words = [w for w in re.findall(r"\w+", fold(question)) if w not in STOPWORDS]
    if len(words) >= FOLLOW_UP_WORDS:
        return question
    previous = history[-1]
    brings_name = bool(insatser_in_text(question, insatser)) or any(w in kommuner() for w in words)
    if brings_name:
        names = {w for m in insatser_in_text(previous, insatser) for w in re.findall(r"\w+", m.alias)}
        names |= set(kommuner())
        previous = " ".join(w for w in re.findall(r"\w+", previous) if fold(w) not in names)
    return f"{previous} {question}"


def section_hints(question: str, names: Sequence[NameMatch] = ()) -> list[str]:
    """Template sections a question asks about, from its wording (the names in ``names`` aside)."""
    found: list[str] = list(SUMMARY_SECTIONS) if is_summary_question(question) else []
    found.extend(k for k in topic_hints(question, names) if k not in found)
    return found


_COUNTED_CUES = frozenset({"deltagare"})  # cues that point at the goals only when something is counted
_MISSED_GOAL = next(keys for cues, keys in SECTION_HINTS if "varfor nadde" in cues)  # where a missed goal is explained


# "Den beviljade perioden", "beviljad tid": what was granted is a time, not money.
_GRANTED_TIME = re.compile(r" bevilja\w*(?= \w*(?:period|tid)(?:en|er|erna)? )")
# A particle verb asked as a question has its subject or an adverb between verb and particle ("lever arbetssättet
# kvar", "lades det ner", "lades väl ner", "tog kommunen över"): read as the verb phrase the cues name.
_SPLIT_PARTICLE_VERB = re.compile(
    r" (lever|levde|lades|lagts|lags|tog|togs|tar|tas|tagit|tagits) (?:(?!kvar |ner |over )\w+ ){1,2}(kvar|ner|over) "
)


# What remains of an insats ("finns den kvar", "finns coachen kvar efter projektet", "vad som blev kvar") is whether
# it lives on; not money left over ("blev det pengar kvar") nor a participant still at work ("är kvar i arbete").
_REMAINS = re.compile(r" (?:finns|blev|ar) (?:(?!kvar )\w+ ){0,2}kvar (?!pa |i (?:arbete|jobb|syssel))")


def _topic_text(question: str, names: Sequence[NameMatch] = ()) -> str:
    """The question's folded words, one space apart and padded, as the section cues are matched against them;
    the words that write out a name it names are left out."""
    words = re.findall(r"\w+", fold(question))
    masked = _name_runs(words, names)
    text = _GRANTED_TIME.sub("", " " + " ".join(w for i, w in enumerate(words) if i not in masked) + " ")
    if not any(cue in text for cue in MONEY_CUES):
        text = _REMAINS.sub(" lever kvar ", text)
    return _SPLIT_PARTICLE_VERB.sub(r" \1 \2 ", text)


def _name_runs(words: Sequence[str], names: Sequence[NameMatch]) -> set[int]:
    """The places of ``words`` (folded) that write out a name in ``names``: a run of words that together spell at
    least half of the name, spaces aside ("erfarenhets banken gotene" for Erfarenhetsbanken Götene). A name's
    words are no topic ("erfarenhet" asks for lessons, a bank called so does not); one of its words standing
    alone elsewhere in the question ("efter" in "efter projektet") still is."""
    spelled = {re.sub(r"\W", "", fold(name)) for m in names for name in (m.alias, m.insats.name)}
    masked: set[int] = set()
    for whole in spelled:
        i = 0
        while i < len(words):
            j = i
            while j < len(words) and "".join(words[i : j + 1]) in whole:
                j += 1
            if j > i and 2 * len("".join(words[i:j])) >= len(whole):
                masked.update(range(i, j))
            i = max(j, i + 1)
    return masked


def topic_hints(question: str, names: Sequence[NameMatch] = ()) -> list[str]:
    """The sections a question names by topic ("framgångsfaktorer", "budget" …), summary wording aside; the
    words of the names in ``names`` are no topic."""
    text = _topic_text(question, names)
    # "När kom första deltagaren in?" asks a date, "Varför fick den så få deltagare?" a cause: the participants are
    # its subject, not the goals they are counted against.
    uncounted = (" nar " in text or any(cue in text for cue in REASON_CUES)) and not re.search(
        r" hur (?:manga|mycket) ", text
    )
    found: list[str] = []
    for cues, keys in SECTION_HINTS:
        if any(f" {cue}" in text for cue in cues if not (uncounted and cue in _COUNTED_CUES)):
            found.extend(k for k in keys if k not in found)
    # Why a goal was (not) reached is told where the form asks it: "Om målet ej nåtts, vad är orsaken till detta?"
    if "maluppfyllelse" in found and any(cue in text for cue in REASON_CUES):
        found.extend(k for k in _MISSED_GOAL if k not in found)
    return found


def section_terms(query: Query) -> frozenset[str]:
    """The terms of the question's words that name a template section ("systemfel", "framgångsfaktorer",
    "pengar"): a cue of one word that begins the word."""
    cues = tuple(cue for cues, _ in SECTION_HINTS for cue in cues if " " not in cue)
    return frozenset(t for word in query.content if word.folded.startswith(cues) for t in word.terms)


def topic_groups(question: str, names: Sequence[NameMatch] = ()) -> tuple[tuple[str, ...], ...]:
    """The topics a question names, each as its sections (the primary one first), in the order the question names
    them: "mål mot utfall, pengar och lärdomar" → (maluppfyllelse, resultat), (ekonomi, …), (lardomar, …)."""
    text = _topic_text(question, names)
    found: list[tuple[int, tuple[str, ...]]] = []
    for cues, keys in SECTION_HINTS:
        at = [i for cue in cues if (i := text.find(f" {cue}")) >= 0]
        if at:
            found.append((min(at), keys))
    return tuple(keys for _, keys in sorted(found))


# A follow-up time: "ett år efter", "tre månader efter avslut", "efter tolv månader", "sex månader senare".
_COUNT_WORDS = {
    "en": 1,
    "ett": 1,
    "tva": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "atta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
    "arton": 18,
    "tjugofyra": 24,
}
_UNIT_MONTHS = {"ar": 12.0, "aret": 12.0, "manad": 1.0, "manader": 1.0, "manaderna": 1.0, "vecka": 0.25, "veckor": 0.25}
_COUNT = r"(\d{1,2}|" + "|".join(_COUNT_WORDS) + r")"
_UNIT = r"(ar|aret|manad|manader|manaderna|vecka|veckor)"
_FOLLOW_UP_TIME = re.compile(
    rf"\b{_COUNT}\s+{_UNIT}\s+(?:efter|senare)\b|\befter\s+(?:de\s+|det\s+)?{_COUNT}\s+{_UNIT}\b"
)


def follow_up_times(text: str) -> list[tuple[float, str]]:
    """Each follow-up time ``text`` states, in months, with its words as written: "ett år efter" → (12.0,
    "ett år efter"); "efter tolv månader" → (12.0, …). A figure measured then is a figure of that time."""
    folded = fold(text)  # one character for one: the match's span is the written words' span
    found = []
    for match in _FOLLOW_UP_TIME.finditer(folded):
        count, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        number = int(count) if count.isdigit() else _COUNT_WORDS[count]
        found.append((number * _UNIT_MONTHS[unit], text[match.start() : match.end()]))
    return found


@dataclass(frozen=True, slots=True)
class MoneyCondition:
    """A question across the archive that asks about money left or overspent ("vilka insatser hade mer än
    100 000 kr kvar?"): the register's granted and used amounts answer it, compared, not matched as words."""

    over: bool  # True: used more than granted; False: money left over
    minimum: int = 0  # the amount the difference must pass ("mer än 100 000 kr"), 0 = any


# Money not spent: "kvar", "återstod", "överskott", "inte förbrukat/utnyttjat/använt", "blev över",
# "återbetalas". Money overspent: "överskred", "gick över budget", "mer än beviljat", "underskott".
_LEFT = re.compile(
    r"\b(?:kvar|aterstod\w*|overskott\w*|blev over|aterbetal\w*|aterg\w+)\b"
    r"|\b(?:inte|ej) (?:\w+ )?(?:forbruka|utnyttja|anvan|nyttja|rekvirera)\w*"
)
_OVER = re.compile(r"\boverskr\w*|\bgick over (?:budget|ramen)|\bmer an (?:de )?bevilja\w*|\bunderskott\w*")
_THRESHOLD = re.compile(
    r"\b(?:mer an|over|minst|mer an totalt)\s+(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)\s*(kr|kronor|tkr|mkr)?"
)


def money_condition(clause: str) -> MoneyCondition | None:
    """The money condition of a list question's membership clause, or None when it asks something else. The
    clause must speak of money ("kr", "pengar", "medel", "budget") beside the word for left or over."""
    text = " ".join(re.findall(r"\w+", fold(clause)))
    if not re.search(r"\b(?:kr|kronor|pengar\w*|medel|medlen|budget\w*|belopp\w*|tkr)\b", text):
        return None
    over = bool(_OVER.search(text))
    if not over and not _LEFT.search(text):
        return None
    threshold = _THRESHOLD.search(text)
    minimum = 0
    if threshold is not None:
        unit = (threshold.group(2) or "kr").lower()
        minimum = int(re.sub(r"\D", "", threshold.group(1))) * {"tkr": 1_000, "mkr": 1_000_000}.get(unit, 1)
    return MoneyCondition(over, minimum)


def _kommun(text: str, places: Collection[str], insatser: Sequence[Insats]) -> str | None:
    """The first kommun the question names. A name that is also an everyday word ("vara", "mark", "berg") counts
    in lower case only when an insats of the archive is there and the word stands as a place ("i vara"): "kan vara
    ett problem", "fått vara med" name no kommun."""
    archive = {fold(i.kommun) for i in insatser if i.kommun}
    for word in re.findall(r"\w+", text):
        folded = fold(word)
        name = folded if folded in places else folded.removesuffix("s")
        if name not in places:
            continue
        if word.islower() and name in EVERYDAY_KOMMUNER and (name not in archive or not named_as_place(text, name)):
            continue
        return folded
    return None


def report_type_included(question: str) -> bool:
    """Whether a question asks to include what a kind of report says ("… och vad utvärderingen kom fram till",
    "ta med vad högskolan säger") rather than to keep to it ("enligt utvärderingen"): "vad" makes the report
    the subject of what is to be told, one item among the rest."""
    text = " ".join(re.findall(r"\w+", fold(question)))
    return any(re.search(rf"\bvad (?:\w+ )?{cue}", text) for cues, _ in REPORT_TYPE_HINTS for cue in cues)


def report_type_hint(question: str) -> str | None:
    """The report type a question asks about ("enligt utvärderingen", "i kvartalsrapporten"), if any. A question
    that names two kinds ("både slutrapporten och utvärderingen", "varför skiljer sig slutrapporten och
    utvärderingen?") asks about each of them and keeps to neither."""
    text = fold(question)
    kinds = [kind for cues, kind in REPORT_TYPE_HINTS if any(cue in text for cue in cues)]
    return kinds[0] if len(kinds) == 1 else None


def is_summary_question(question: str) -> bool:
    text = " ".join(re.findall(r"\w+", fold(question)))
    return any(re.search(rf"\b{cue}", text) for cue in SUMMARY_CUES)


def summary_sections(question: str, names: Sequence[NameMatch] = ()) -> tuple[str, ...]:
    """For a summary question, the sections it draws on in order: those it names by topic ("sammanfatta
    lärdomarna …"), then the ones that conclude a report. Empty for any other question."""
    if not is_summary_question(question):
        return ()
    return tuple(dict.fromkeys((*topic_hints(question, names), *SUMMARY_ORDER)))


def is_list_question(question: str) -> bool:
    text = " ".join(re.findall(r"\w+", fold(question)))
    return any(cue in text for cue in LIST_CUES)


# Staff write as they speak, reports in the written register: the spoken word and the report's word for the same
# thing (folded). "tjejer och killar" are "kvinnor och män", "jobb" is "arbete", "funkade" is "fungerade".
SPOKEN_FORMS: dict[str, str] = {
    "tjej": "kvinna",
    "tjejer": "kvinnor",
    "tjejerna": "kvinnorna",
    "kille": "man",
    "killar": "män",
    "killarna": "männen",
    "jobb": "arbete",
    "jobbet": "arbetet",
    "jobba": "arbeta",
    "jobbar": "arbetar",
    "jobbade": "arbetade",
    "ungdomar": "unga",
    "ungdomarna": "de unga",
    "funkar": "fungerar",
    "funkade": "fungerade",
    "funkat": "fungerat",
}  # (not "pengar": the money words are matched as money already, MONEY_TERMS)


def written_forms(question: str) -> str:
    """``question`` with the report's word added after each spoken one it uses (for the lexical search)."""
    extra = [SPOKEN_FORMS[w] for w in re.findall(r"\w+", fold(question)) if w in SPOKEN_FORMS]
    return question if not extra else question + " " + " ".join(dict.fromkeys(extra))


# The abbreviations of the national parties and schemes every report of the field uses without spelling them out
# (folded, as the register keeps the pairs a report defines): an archive whose reports never write "Arbetsförmedlingen
# (AF)" still means it by "AF".
NATIONAL_ABBREVIATIONS = (
    ("af", "arbetsformedlingen"),
    ("fk", "forsakringskassan"),
    ("ifo", "individ- och familjeomsorgen"),
    ("sfi", "svenska for invandrare"),
    ("kaa", "kommunala aktivitetsansvaret"),
    ("npf", "neuropsykiatrisk funktionsnedsattning"),
    ("sip", "samordnad individuell plan"),
    ("sgi", "sjukpenninggrundande inkomst"),
)


def with_national(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The archive's own pairs, then the national ones it does not define itself."""
    defined = {short for short, _ in pairs}
    return pairs + tuple(pair for pair in NATIONAL_ABBREVIATIONS if pair[0] not in defined)


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


def _region(folded: str) -> str | None:
    """The landskap a folded word names, also in the genitive ("hälsinglands")."""
    regions = landskap()
    return folded if folded in regions else (folded[:-1] if folded.endswith("s") and folded[:-1] in regions else None)


# The spoken forms of "något", "någon", "några": function words, as their written forms are.
_SPOKEN_PRONOUNS = frozenset({"nåt", "nån", "nåra", "nånting", "nånstans"})
# Units written short: "150 000 kr" asks about money whatever the figure.
_UNITS = frozenset({"kr"})
# The modal particles: they colour a statement ("målet var väl 30") and never name its topic. Written "väl" only:
# "val" without its ä is also a noun ("val av arbete").
_MODAL_PARTICLES = frozenset({"väl", "ju", "nog"})
# Imperatives that tell the answerer how to lay out the answer ("Skilj på dem som …", "Ange mål och utfall",
# "Gruppera gärna"): the sentence they open asks for content through its objects, never through the verb.
ANSWER_INSTRUCTIONS = frozenset(
    fold(verb)
    for verb in "ange beskriv förklara redovisa redogör specificera uppge motivera kommentera lista visa nämn räkna "
    "gruppera sortera ordna dela skilj särskilj jämför sammanfatta sammanställ summera ta ge inkludera".split()
)
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;–]\s+)(\w+)")


def _content(text: str) -> tuple[Word, ...]:
    """The words of ``text`` that can say what it is about: kommuner, landskap and wholly framing words left
    out (a place says where, not what)."""
    ranks = swedish_lexicon()
    places = kommuner()
    found = []
    folded_text = fold(text)
    if len(folded_text) == len(text):  # a quarter ("i Q2 2023") picks the report, it is not the topic
        for match in _QUARTER.finditer(folded_text):
            text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    instructions = {m.start(1) for m in _SENTENCE_OPENING.finditer(text) if fold(m.group(1)) in ANSWER_INSTRUCTIONS}
    for match in re.finditer(r"\w+", text):
        word, folded = match.group(), fold(match.group())
        if folded in places or folded.removesuffix("s") in places or _region(folded) or match.start() in instructions:
            continue
        analyzed = analyze(word)
        if analyzed and analyzed[0] in FRAMING:
            continue  # the whole word frames ("slutrapporterna"), whatever its parts ("slut")
        # A word of one or two small letters is a function word ("är", "än", "åt") or part of an abbreviation
        # ("t.ex."), never the topic, however rarely the reports use it; a short topic word is an abbreviation,
        # in capitals ("MI", "AF").
        short = len(folded) <= 2 and not word.isupper() and folded not in _UNITS
        if short or word.lower() in _SPOKEN_PRONOUNS | _MODAL_PARTICLES:
            continue
        everyday = folded not in KEEP and ranks.get(folded, 1 << 30) < EVERYDAY_RANK
        # The spoken word matches the report's word too ("killar" a sentence about "män").
        written = set(analyze(SPOKEN_FORMS[folded])) if folded in SPOKEN_FORMS else set()
        found.append(Word(folded, frozenset((set(analyzed) | written) - FRAMING), everyday))
    return tuple(found)


# Where a list question's follow-up begins: what comes after asks about the members ("…, och ungefär hur
# många?", "och vilka av dem …") or gives examples ("t.ex. …"); it does not say who is a member.
_FOLLOW_UP = re.compile(
    r",?\s+(?:och|samt)\s+(?=(?:hur|vad|vem|vilka|vilken|vilket|varför|när|i så fall|ungefär)\b)"
    r"|,?\s*(?:\bt\.\s?ex\b\.?|\btill exempel\b|\bexempelvis\b|\bbland annat\b|\bbl\.\s?a\b\.?)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[?!.](?=\s|$)")
_REQUEST = re.compile(
    r"\b(?:(?:kan|kunde|skulle) (?:du|ni) (?:kunna )?)?(?:sammanfatta|sammanställa|sammanställ|göra en sammanfattning|"
    r"ge en sammanfattning|skriva en sammanfattning)\b",
    re.IGNORECASE,
)
_RECIPIENT = re.compile(r"\b(?:för|till|inför|åt) (?:\w+ )?styrel\w*", re.IGNORECASE)
# A coordination's parts: split at commas and at "eller".
_ALTERNATIVE = re.compile(r"\s*(,|\beller\b)\s*", re.IGNORECASE)
# A relative or subordinate clause after an alternative qualifies it ("nåt liknande råd där deltagarna …").
_QUALIFIER = re.compile(r"\b(?:där|som|vilket|vilken|när|så att)\b.*", re.IGNORECASE)
# The items of a list ("sjukskriven, sa upp sig eller …") are short; a longer part holds the clause's start.
_ITEM_WORDS = 3


def member_clause(text: str) -> str:
    """The part of a question across the archive that says who is a member: its first sentence with content, up
    to a follow-up ("…, och ungefär hur många?", "i så fall vilken och varför"), which asks about the members."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    clause = next((s for s in sentences if _content(s)), text)
    clause = _FOLLOW_UP.split(clause, maxsplit=1)[0]
    # The request and its recipient ("– kan du sammanfatta vad rapporterna säger till styrelsen") say what to do
    # with the answer, not who qualifies: the topic is what comes before the request, or the rest without it.
    clause = _RECIPIENT.sub(" ", clause)
    request = _REQUEST.search(clause)
    if request is not None:
        before = clause[: request.start()]
        clause = before if _content(before) else before + clause[request.end() :]
    return clause


_AFFECTED_BY = re.compile(r"\b\w+(?:ades|ats|des|tes|dats)\s+av\b", re.IGNORECASE)


def membership(text: str) -> tuple[tuple[Word, ...], ...]:
    """What a question across the archive asks of each insats: the content words of its first sentence up to
    any follow-up, where the items of an "X, Y eller Z" are alternatives (one of them is enough).

    "Vilka insatser bromsades under 2022 av att personalen var sjukskriven, sa upp sig eller att tjänster stod
    tomma?" asks for "bromsades" and one of "sjukskriven" / "tomma"; "…, och ungefär hur många?" adds nothing to
    qualify on. A passive verb right before "av" names no criterion: "drabbades av pandemin" asks for the pandemic.
    """
    # "Vilka insatser drabbades av pandemin?": a passive verb before "av" says that its agent touched the insats;
    # the agent ("pandemin") is what makes a member.
    clause = _AFFECTED_BY.sub(" av", member_clause(text))
    parts = _ALTERNATIVE.split(clause)
    segments, separators = parts[0::2], parts[1::2]
    last_or = max((i for i, sep in enumerate(separators) if sep.lower() == "eller"), default=None)
    if last_or is None:
        return _slashed(clause, tuple((word,) for word in _content(clause)))
    # The run of items: the part after the last "eller" and the parts before it back to the clause's start.
    after = _QUALIFIER.sub("", segments[last_or + 1])
    alternatives = list(_content(after))
    first = last_or
    while first > 0 and len(segments[first].split()) <= _ITEM_WORDS and separators[first - 1] in {",", "eller"}:
        alternatives += _content(segments[first])
        first -= 1
    # The loop stops at the clause's first part or a long part: its last word is its item ("… var sjukskriven").
    head = _content(segments[first])
    if head:
        alternatives.append(head[-1])
        head = head[:-1]
    before = [w for segment in segments[:first] for w in _content(segment)]
    rest = [w for segment in segments[last_or + 2 :] for w in _content(segment)]
    words: list[tuple[Word, ...]] = [(w,) for w in (*before, *head)]
    if alternatives:
        words.append(tuple(alternatives))
    return _slashed(clause, (*words, *((w,) for w in rest)))


# A new sub-question starts at a sentence's end, or where a question word opens a clause after a comma or
# "och"/"samt", also written "o" or "&" ("…, hur många gick snett, och vad kostade tolkarna?"). Yes/no questions
# open with their verb, which is not told from a statement's without a parser, so they stay with the clause before.
_INTERROGATIVE = r"(?:hur|vad|vem|vilka|vilken|vilket|varför|när)\b"
_NEW_PART = re.compile(rf"(?:,\s*(?:(?:och|samt|o|&)\s+)?|\s+(?:och|samt|o|&)\s+)(?={_INTERROGATIVE})", re.IGNORECASE)


def sub_questions(text: str) -> tuple[Part, ...]:
    """The things ``text`` asks, each with its own content words; () when it asks one thing."""
    pieces = [piece for sentence in _SENTENCE_END.split(text) for piece in _NEW_PART.split(sentence) if piece.strip()]
    parts = []
    for piece in pieces:
        content = _content(piece)
        if not content:
            continue
        padded = " " + " ".join(re.findall(r"\w+", fold(piece))) + " "
        figure = asks_figure(padded) or bool(re.search(r"\d", piece))
        parts.append(Part(piece.strip(), content, figure, any(cue in padded for cue in MONEY_CUES)))
    return tuple(parts) if len(parts) > 1 else ()


# A quarter as staff write it: "Q2 2023", "kv 3 2023", "kvartal 3, 2023", "2023 Q3", "2023Q3", "andra kvartalet
# 2023". Quarterly reports are told apart by the quarter they cover, so a question that names one asks that report.
_ORDINAL_QUARTER = {"forsta": 1, "andra": 2, "tredje": 3, "fjarde": 4}
_QUARTER = re.compile(
    r"\b(?:q|kv|kvartal)\.?\s*([1-4])\s*[,/-]?\s*(?:ar\s+)?(20\d\d)\b"
    r"|\b(20\d\d)\s*[-/]?\s*(?:q|kv|kvartal)\.?\s*([1-4])\b"
    r"|\b(forsta|andra|tredje|fjarde)\s+kvartalet\s+(?:ar\s+)?(20\d\d)\b"
)
_QUARTER_ENDS = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}


def quarters_named(text: str) -> tuple[tuple[str, str], ...]:
    """The quarters ``text`` names, each as its first and last day ("2023-04-01", "2023-06-30")."""
    found = []
    for match in _QUARTER.finditer(fold(text)):
        if match.group(1):
            quarter, year = int(match.group(1)), match.group(2)
        elif match.group(3):
            year, quarter = match.group(3), int(match.group(4))
        else:
            quarter, year = _ORDINAL_QUARTER[match.group(5)], match.group(6)
        found.append((f"{year}-{3 * quarter - 2:02d}-01", f"{year}-{_QUARTER_ENDS[quarter]}"))
    return tuple(dict.fromkeys(found))


def report_periods(named: Sequence[NameMatch]) -> dict[str, tuple[str, str]]:
    """The period each quarterly or status report of the named insatser reports on, by source."""
    periods: dict[str, tuple[str, str]] = {}
    for match in named:
        for source, field in match.insats.fields:
            if field.name in ("rapportperiod_start", "rapportperiod_end"):
                start, end = periods.get(source, ("", "9999"))
                periods[source] = (field.value, end) if field.name.endswith("start") else (start, field.value)
    return periods


def covering(periods: dict[str, tuple[str, str]], quarters: Sequence[tuple[str, str]]) -> set[str]:
    """The reports whose period overlaps a quarter the question names."""
    return {s for s, (a, b) in periods.items() if any(a <= last and first <= b for first, last in quarters)}


def off_quarter(query: Query) -> frozenset[str]:
    """The reports of the named insatser on another period than the quarter the question names ("i Q2 2023"):
    a quarterly report tells its own quarter. Empty when it names no quarter or no report covers it."""
    if not query.quarters:
        return frozenset()
    periods = report_periods(query.named)
    asked = covering(periods, query.quarters)
    return frozenset(set(periods) - asked) if asked else frozenset()


def _slashed(clause: str, groups: tuple[tuple[Word, ...], ...]) -> tuple[tuple[Word, ...], ...]:
    """``groups`` with the two words of each "X/Y" in ``clause`` merged: the slash offers a choice. So are the
    parts of a hyphenated compound ("covid-pandemin"): one word, carried by its head ("pandemin") as well."""
    merged = list(groups)
    for match in re.finditer(r"(\w+)\s*/\s*(\w+)|(?<![\w-])(\w+)-(\w+)(?![\w-])", clause):
        left, right = [part for part in match.groups() if part]
        where = {group[0].folded: i for i, group in enumerate(merged) if len(group) == 1}
        i, j = where.get(fold(left)), where.get(fold(right))
        if i is not None and j is not None and i != j:
            merged[i] = (*merged[i], *merged[j])
            del merged[j]
    return tuple(merged)


def membership_words(
    query: Query,
    name_terms: Collection[str] = frozenset(),
    *,
    rare: Callable[[set[str]], bool] | None = None,
) -> list[set[str]]:
    """Terms per membership word (``Query.criterion``), alternatives merged into one; figures left out (a
    threshold is compared, not matched), as are names, kommuner and everyday words as in ``content_words``."""
    words = []
    for group in query.criterion:
        terms: set[str] = set()
        for word in group:
            if word.folded.isdigit():
                continue
            own = set(word.terms) - set(name_terms)
            if word.everyday and not (rare is not None and own and rare(own)):
                continue
            terms |= own
        if terms:
            words.append(terms)
    return abbreviated(words, query.abbreviations)


def criterion_words(query: Query, name_terms: Collection[str] = frozenset()) -> list[set[str]]:
    """``membership_words``; for a criterion in everyday words only ("vilka insatser var för unga") those words,
    light verbs left out: they are still what makes a member."""
    plain = [terms for terms in (plain_words(group, name_terms) for group in query.criterion) if terms]
    return membership_words(query, name_terms) or abbreviated(plain, query.abbreviations)


class Vocabulary(Protocol):
    """The archive's analysed terms (the lexical index)."""

    def document_frequency(self, term: str) -> int: ...

    def vocabulary(self) -> Collection[str]: ...


# A misspelt word ("vuxenpsykatrin", "suported") is one or two edits from the archive's own spelling; shorter
# words are too close to other words to guess.
_RESPELL_MIN = 6
_RESPELL_LONG = 10  # from this length two edits are allowed
_CLIPPED_MAX = 3  # the archive's commonest words a clipped form may stand for


def spelled_as_archive(words: list[set[str]], lexical: Vocabulary) -> list[set[str]]:
    """``words`` where a word none of whose terms the archive uses also gets the archive's words it is a clipped
    form of ("vuxenpsyk" → "vuxenpsykiatrin": staff shorten long words as they speak), or else its nearest
    spelling (one edit away, two for a long word): a typing slip should not make a question miss every report."""
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    spellings: _Spellings | None = None
    out = []
    for terms in words:
        terms = set(terms)
        if not any(lexical.document_frequency(t) for t in terms):
            for term in [t for t in terms if len(t) >= _RESPELL_MIN and not t.isdigit()]:
                spellings = spellings or _spellings(lexical)
                longer = spellings.starting_with(term)
                if longer:
                    terms |= set(sorted(longer, key=lexical.document_frequency, reverse=True)[:_CLIPPED_MAX])
                    continue
                limit = 2 if len(term) >= _RESPELL_LONG else 1
                found = process.extract(
                    term,
                    spellings.near_in_length(term, limit),
                    scorer=DamerauLevenshtein.distance,
                    score_cutoff=limit,
                    limit=3,
                )
                best = min((distance for _, distance, _ in found), default=None)
                terms |= {match for match, distance, _ in found if distance == best}
        out.append(terms)
    return out


@dataclass(frozen=True, slots=True)
class _Spellings:
    """An archive's vocabulary laid out for respelling: sorted (a clipped form's completions are a range) and by
    first letter and length (a slip seldom falls on the first letter, and a spelling ``limit`` edits away is at
    most ``limit`` letters longer or shorter)."""

    ordered: tuple[str, ...]
    by_length: dict[tuple[str, int], tuple[str, ...]]

    def starting_with(self, prefix: str) -> list[str]:
        at = bisect.bisect_left(self.ordered, prefix)
        found = []
        while at < len(self.ordered) and self.ordered[at].startswith(prefix):
            if self.ordered[at] != prefix:
                found.append(self.ordered[at])
            at += 1
        return found

    def near_in_length(self, term: str, limit: int) -> list[str]:
        lengths = range(len(term) - limit, len(term) + limit + 1)
        return [v for n in lengths for v in self.by_length.get((term[:1], n), ())]


_SPELLINGS: weakref.WeakKeyDictionary[object, _Spellings] = weakref.WeakKeyDictionary()
_SPELLINGS_LOCK = threading.Lock()


def _spellings(lexical: Vocabulary) -> _Spellings:
    """The vocabulary of ``lexical`` laid out once per index (an index never changes; an ingest makes a new one)."""
    with _SPELLINGS_LOCK:
        try:
            found = _SPELLINGS.get(lexical)
        except TypeError:  # an index that cannot be weakly referenced is laid out each time
            found = None
    if found is not None:
        return found
    ordered = tuple(sorted(lexical.vocabulary()))
    by_length: dict[tuple[str, int], list[str]] = {}
    for term in ordered:
        by_length.setdefault((term[:1], len(term)), []).append(term)
    found = _Spellings(ordered, {n: tuple(terms) for n, terms in by_length.items()})
    with _SPELLINGS_LOCK:
        try:
            _SPELLINGS[lexical] = found
        except TypeError:
            pass
    return found


def content_words(
    query: Query,
    name_terms: Collection[str] = frozenset(),
    *,
    rare: Callable[[set[str]], bool] | None = None,
    name_words: Collection[str] = frozenset(),
) -> list[set[str]]:
    """Terms per content word of the question: framing, names (``name_terms``), kommuner and everyday words
    left out.

    A word that is everyday Swedish ("fika", "träffas") still counts when ``rare`` says the archive itself
    rarely uses its terms: then it picks out the few passages that do. A word the reports abbreviate
    ("Arbetsförmedlingens" → "AF") is also met by the short form, and the other way round.
    """
    return words_of(query.content, query.abbreviations, name_terms, rare=rare, name_words=name_words)


def words_of(
    content: Sequence[Word],
    abbreviations: Sequence[tuple[str, str]],
    name_terms: Collection[str] = frozenset(),
    *,
    rare: Callable[[set[str]], bool] | None = None,
    name_words: Collection[str] = frozenset(),
) -> list[set[str]]:
    """``content_words`` of any run of a question's words (a sub-question's)."""
    words = []
    for word in content:
        terms = own_terms(word, name_terms, name_words)
        if word.everyday and not (rare is not None and terms and rare(terms)):
            continue
        if terms:
            words.append(terms)
    return abbreviated(words, abbreviations)


# The light verbs: they lend a phrase its tense, its noun says what happens ("fått jobb", "gått vidare", "tog över").
_LIGHT_VERBS = frozenset(
    fold(verb)
    for verb in "få får fick fått gå går gick gått ge ger gav gett givit komma kommer kom kommit göra gör gjorde "
    "gjort ta tar tog tagit bli blir blev blivit vara är var varit ha har hade haft se ser såg sett säga säger sa "
    "sade sagt".split()
)


# Words that state no criterion for a member: pronouns, quantifiers, and the verbs of showing ("lista alla", "visa")
# and of having or existing ("har vi", "finns", "fanns").
_NO_CRITERION = frozenset(
    fold(word)
    for word in "vi ni de dom det den alla samtliga varje lista visa nämn räkna upp ha har hade haft finns fanns "
    "funnits existerar".split()
)


# "Vilka rapporter nämner Steg för steg?": a question for the documents (rapporter, dokument) that name something,
# with a verb of saying or naming, asks where the name is written, not what it is.
_DOCUMENTS = frozenset({"rapport", "rapporter", "rapporterna", "dokument", "dokumenten", "handlingar"})
_NAMING = re.compile(
    r"\b(?:namner|namns|omnamner|omnamns|skriver om|forekommer|refererar till|ta[rs]? (?:\w+ ){0,4}upp)\b"
)


def asks_where_named(query: Query) -> bool:
    """Whether the question asks which documents name the insats it names ("Vilka rapporter nämner X?")."""
    words = set(query.words)
    return (
        bool(query.named)
        and bool(words & {"vilka", "vilken"})
        and bool(words & _DOCUMENTS)
        and bool(_NAMING.search(query.folded))
    )


def asks_inventory(query: Query) -> bool:
    """A question across the archive that names no criterion ("Vilka insatser finns?", "Lista alla insatser i
    Bollnäs"): it asks what the archive holds, which the register answers."""
    return (
        query.list_wording
        and not query.named
        and query.report_type is None
        and all(not w.terms or w.folded in _NO_CRITERION or w.folded in _LIGHT_VERBS for w in query.content)
    )


def plain_words(content: Sequence[Word], name_terms: Collection[str] = frozenset()) -> set[str]:
    """The terms of a run of words in everyday Swedish, light verbs and names left out: what "hur många gick
    vidare till jobb eller studier" counts when none of its words is specific."""
    return {t for w in content if w.folded not in _LIGHT_VERBS for t in w.terms} - set(name_terms)


# "Hur många familjer …": the noun after "hur många" (or "antalet") is what is counted, however everyday a word it
# is; a sentence that counts something else does not answer.
_COUNTED = re.compile(r"\b(?:hur manga|antalet)\s+(\w+)")


def counted_terms(
    query: Query, name_terms: Collection[str] = frozenset(), name_words: Collection[str] = frozenset()
) -> set[str]:
    """The terms of the noun a how-many question counts, names and framing left out."""
    found: set[str] = set()
    for match in _COUNTED.finditer(query.folded):
        if match.group(1) in _LIGHT_VERBS:
            continue  # "hur många kom dit?": a verb follows, no noun says what is counted
        word = next((w for w in query.content if w.folded == match.group(1)), None)
        if word is not None:
            found |= own_terms(word, name_terms, name_words)
    return found


# A question for a count, an amount or a share (not a date: "när", nor a frequency: "hur ofta").
_COUNT_QUESTION = re.compile(r"\bhur (?:manga|mycket|stor)\b|\bantal(?:et)?\b|\bandel(?:en)?\b")


def asks_count(query: Query) -> bool:
    """Whether the question asks for a count, an amount or a share ("hur många", "hur mycket", "andel")."""
    return bool(_COUNT_QUESTION.search(query.folded))


# The report form's words for the people an insats counts.
PEOPLE_TERMS = frozenset(analyze("deltagare inskrivna personer"))


def counts_people(query: Query, words: Sequence[set[str]]) -> bool:
    """Whether a "hur många" question counts people because it names no noun of its own ("hur många kom dit?"):
    ``words`` are its content words as the caller reads them (names left out)."""
    return not words and bool(re.search(r"\bhur manga\b", query.folded))


# "Vilken andel av deltagarna gick vidare till arbete eller studier": a share is of a group ("av deltagarna") and
# counts those who reached something ("till arbete eller studier"). Both are noun phrases after a preposition,
# where the clause names them however everyday the nouns are; its adverbs ("egentligen") say nothing of it.
_SHARE = re.compile(r"\b(?:andel(?:en)?|hur stor del)\b")
_PREPOSITIONS = frozenset("av till i pa med fran inom under efter".split())


def share_terms(
    query: Query, name_terms: Collection[str] = frozenset(), name_words: Collection[str] = frozenset()
) -> set[str]:
    """The terms of the nouns a share question's clause names after a preposition (and their "eller"/"och"
    partners), names left out."""
    nouns: set[str] = set()
    for clause in re.split(r"[,;:?!.]", fold(query.text)):
        if (share := _SHARE.search(clause)) is None:
            continue
        words = re.findall(r"\w+", clause[share.end() :])
        for i in range(1, len(words)):
            before = words[i - 1]
            if before in _PREPOSITIONS or (before in ("eller", "och") and i > 1 and words[i - 2] in nouns):
                nouns.add(words[i])
    return {t for w in query.content if w.folded in nouns for t in own_terms(w, name_terms, name_words)}


def name_words(aliases: Iterable[str]) -> set[str]:
    """The stems of the words of insats names, whole words only: "Familjecentrerat stöd" gives "familjecentrer"
    and "stod", not the compound's parts ("familj")."""
    return {terms[0] for alias in aliases for word in re.findall(r"\w+", alias) if (terms := analyze(word))}


def own_terms(word: Word, name_terms: Collection[str], name_words: Collection[str] = frozenset()) -> set[str]:
    """A question word's terms that are not an insats name's (``name_terms``: every term of the names). A word
    left with none is a word of the name, unless it is only a part of a compound in the name (``name_words``:
    the names' whole words): "familjer" beside "Familjecentrerat stöd" asks about families."""
    stems = analyze(word.folded)
    if stems and any(stems[0].startswith(n) and len(stems[0]) - len(n) <= 2 for n in name_words):
        # The name's own word inflected ("på mötesplatsen" for "Mötesplats Säter": the stemmer leaves "-s" of the
        # one and not of the other); a longer word that only begins like it ("stegförflyttning") is another word.
        return set()
    terms = set(word.terms) - set(name_terms)
    if terms or not name_words:
        return terms
    return set(word.terms) - set(name_words)


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


def overlap(keys: AbstractSet[str], terms: AbstractSet[str]) -> int:
    """Key terms found among ``terms``; a long key also matches as a prefix ("deltag" in "deltagit"),
    since Snowball leaves some participles unstemmed."""
    return sum(1 for key in keys if key in terms or (len(key) >= 5 and any(t.startswith(key) for t in terms)))


# A word typed without å/ä/ö ("hur manga", "ovanaker") is another word to the dense model. It is given back its
# letters when one spelling with them is far more common Swedish (Zipf +1.5: "manga" 3.7 → "många" 6.1, "for"
# 4.9 → "för" 7.2, while "har" 7.1 stays before "här" 6.6 and "sa" 5.6 before "så" 7.0), or when the archive's
# own names (insatser, kommuner) spell it so ("jobbsparet" → "Jobbspåret").
DIACRITIC_MARGIN = 1.5
_RESTORABLE = {"a": "aåä", "o": "oö"}
_MAX_SPELLINGS = 64


def with_diacritics(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with words typed without å/ä/ö spelled out (for the dense query; lexical search folds anyway).

    Args:
        names: the archive's own names (insatser, kommuner) in their proper spelling.
    """
    spelled = _spelled(tuple(names))

    def restore(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if not lower.isascii() or not any(ch in lower for ch in "ao"):
            return word
        found = spelled[lower] if lower in spelled else _more_common_spelling(lower)
        if found is None:
            return word
        return found if not word[:1].isupper() else found[:1].upper() + found[1:]

    return re.sub(r"\w+", restore, text)


@lru_cache(maxsize=4)
def _spelled(names: tuple[str, ...]) -> dict[str, str]:
    """Folded word → its spelling with å/ä/ö, for the words of ``names`` that have them."""
    spelled: dict[str, str] = {}
    for name in names:
        for word in re.findall(r"\w+", name):
            if fold(word) != word.lower():
                spelled.setdefault(fold(word), word)
    return spelled


@lru_cache(maxsize=8192)
def _more_common_spelling(word: str) -> str | None:
    from wordfreq import zipf_frequency

    spellings = [""]
    for ch in word:
        spellings = [s + c for s in spellings for c in _RESTORABLE.get(ch, ch)]
        if len(spellings) > _MAX_SPELLINGS:
            return None
    own = zipf_frequency(word, "sv")
    best = max(spellings[1:], key=lambda s: zipf_frequency(s, "sv"), default=None)
    if best is None or zipf_frequency(best, "sv") < own + DIACRITIC_MARGIN:
        return None
    return best


def without_framing(text: str) -> str:
    """``text`` minus the words that only frame the question (kept whole if nothing remains)."""
    kept = [w for w in re.findall(r"\w+", text) if (terms := analyze(w)) and terms[0] not in FRAMING]
    return " ".join(kept) if kept else text


def without_words(text: str, folded_words: AbstractSet[str]) -> str:
    """``text`` minus the words whose folded form is in ``folded_words`` (kept whole if nothing remains)."""
    kept = [w for w in re.findall(r"\w+", text) if fold(w) not in folded_words]
    return " ".join(kept) if kept else text

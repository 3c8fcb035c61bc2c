"""Sentences of passages, as the extractive answers quote them: split, scored, checked for figures, quoted."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from assistant.answer import Passage
from assistant.cite import defuse_markers
from assistant.intent import MONEY_TERMS as _MONEY
from assistant.intent import overlap as _overlap
from index.analyze import SENTENCE_BREAK, analyze, fold
from index.formtext import is_form_text
from index.records import Chunk
from index.titlepage import TYPE_NAMES

# An amount of money: digits (with spaces, a decimal comma) and a currency unit, perhaps after a scale word
# ("1 312 560 kr", "drygt 1,2 miljoner kronor", "450 tkr"), or the template's money labels; or, in a budget
# table's cells, a number in groups of three digits ("960 000"): the people these reports count are fewer.
_AMOUNT = re.compile(
    r"\d[\d \u00a0]*(?:[,.]\d+)?\s?(?:(?:miljoner|miljon|mn|milj\.?)\s)?(?:kr|kronor|tkr|mkr|mnkr|msek|sek)\b"
    r"|(?<![\d,.])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d,.]|[ \u00a0]\d)"
    r"|(?:beviljade|utnyttjade) medel",
    re.IGNORECASE,
)
_COUNT_BONUS = 0.5  # a counting sentence is worth half a key word more
# A date as reports write it: "2021-10-04", "20230101", "15 november 2021", "i mars 2022", "våren 2022".
_DATED = re.compile(
    r"\b(?:19|20)\d\d-\d\d-\d\d\b|\b20\d{6}\b|\b(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|"
    r"november|december|våren|hösten|sommaren|vintern)\s+(?:19|20)\d\d\b",
    re.IGNORECASE,
)
# A year ("under 2023"), which dates what a sentence says rather than counting it; not an amount ("2000 kr").
_YEAR = re.compile(r"(?<![\d,.])\b(?:19|20)\d\d\b(?![,.]\d| \d{3}\b|\s?(?:kr|kronor|tkr|%|procent)\b)")
_WEAK_BONUS = 0.1  # an everyday word of the question says little alone, but breaks a tie
# A count is written as a number before what it counts, perhaps with "av N" or an adjective between.
_COUNT = re.compile(r"\b\d+(?:[ ,.]\d+)*\s*%?\s+(?:av\s+\d+\s+)?(?:\w+\s+)?(\w+)")
_NUMBER_WORDS = frozenset(
    "två tre fyra fem sex sju åtta nio tio elva tolv femton tjugo trettio halv hälften dubbelt".split()
)
# "Hur ofta …" is answered in words as often as in figures ("varannan vecka", "en gång i månaden", "var
# åttonde vecka": an ordinal after "var" counts the interval).
_FREQUENCY_WORDS = frozenset(
    "varannan varje gång gånger dagligen veckovis månadsvis årligen regelbundet "
    "tredje fjärde femte sjätte sjunde åttonde nionde tionde".split()
)
# Swedish states a cause with a closed set of connectives and nouns: "eftersom", "därför", "på grund av",
# "beror/berodde på", "till följd av", "orsaken", "anledningen", "förklaringen", "bidrog till".
_CAUSE = re.compile(
    r"\b(?:eftersom|därför|pga|på grund av|till följd av|ber(?:o|odde|ott)r? på|berodde|orsak\w*|anledning\w*"
    r"|förklaring\w*|bidrog till|ledde till)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str  # as written in the file
    passage: Passage
    score: float
    matched: str = ""  # the repaired form for OCR text, else the same as text


def _ranked(
    passages: Sequence[Passage],
    key: set[str],
    *,
    require_key: bool = False,
    headings: bool = False,
    counts: bool = False,
    weak: set[str] = frozenset(),  # type: ignore[assignment]
    causal: bool = False,
    sections: frozenset[str] = frozenset(),
    dated: bool = False,
    nouns: AbstractSet[str] = frozenset(),
) -> list[_Sentence]:
    """Sentences of the passages scored by the question's key words they contain, rank breaking ties.

    With ``headings`` a sentence also holds the words of the headings it stands under: in a named
    insats's report, the items under "6.4 Framgångsfaktorer" answer "vilka framgångsfaktorer hade …"
    without repeating the word. With ``counts`` (a how-many question) a sentence that counts one of the
    question's words ("34 deltagare", "13 av 47 vuxna") goes before one that only mentions it (``nouns``: what it
    counts, see _counts_key). The ``weak`` terms (the question's everyday words, "helt", "första") only order
    sentences that already match. With ``causal`` (a why-question) a sentence that states a cause ("eftersom", "på
    grund av") goes first. A sentence in one of ``sections`` (the section the question's topic names) counts one
    more word of the question; with ``dated`` (a when-question) a sentence that states a date goes first.
    """
    scored = []
    for rank, passage in enumerate(passages, start=1):
        heading_terms = _terms(" ".join(passage.chunk.heading_path[-2:])) if headings else set()
        for sentence, readable in _pieces(passage):
            # A table row's column headings say what its figures count: they match a figure question only.
            terms = _terms(readable if counts else readable.split(_AFTER_HEADINGS)[-1]) | heading_terms
            hits = _overlap(key, terms) + (passage.chunk.section in sections)
            if require_key and not hits:
                continue
            score = hits / math.sqrt(max(len(key), 1)) + 0.3 / rank
            if counts and hits and _counts_key(readable, key, nouns):
                score += _COUNT_BONUS / math.sqrt(max(len(key), 1))
            if dated and hits and _DATED.search(readable):
                score += _COUNT_BONUS / math.sqrt(max(len(key), 1))
            if causal and hits and _CAUSE.search(readable):
                score += _COUNT_BONUS / math.sqrt(max(len(key), 1))
            if hits and weak:
                score += _WEAK_BONUS * _overlap(weak, terms) / math.sqrt(max(len(key), 1))
            scored.append(_Sentence(sentence, passage, score if hits or not key else 0.0, readable))
    return sorted(scored, key=lambda s: -s.score)


# A numbered heading ("5.1 Måluppfyllelse") starts its words with a capital; a line of a table's figures ("40 %
# 41 %", "120 134", "9 tjänster 9 tjänster") starts with a number too, and is content.
_HEADING_LINE = re.compile(r"^\s*(?:#{1,6}\s|\d+(?:\.\d+)*\.?\s+[A-ZÅÄÖ][^.!?]{0,100}$|\*\*[^*]+\*\*\s*$)")
_INLINE_HEADING = re.compile(r"^\s*\*\*[^*]{0,160}\*\*\s*(?=\S)|^\s*\d+(?:\.\d+)+\s[^:\n]{0,100}:\s+")


def _plain_heading(line: str, following: str) -> bool:
    """A block's first line that is a heading without markup (PDF and text exports): short, capitalised, without
    a sentence's closing mark, and followed by a longer line that starts anew, where a paragraph's first line
    would fill the page width."""
    stripped, after = line.strip(), following.strip()
    return (
        len(stripped.split()) <= 8
        and stripped[:1].isupper()
        and not stripped.endswith((".", "!", ":", ";", ",", "|"))
        and len(after) > len(stripped)
        and not after[:1].islower()  # a wrapped sentence goes on in lower case; what follows a heading starts anew
    )


def _split(text: str) -> list[str]:
    """Sentences and table rows: hard-wrapped lines joined, markup trimmed, headings, template prompts
    (questions) and fragments dropped."""
    parts = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in block.splitlines() if line.strip() and not _HEADING_LINE.match(line)]
        if len(lines) > 1 and _plain_heading(lines[0], lines[1]):
            lines = lines[1:]
        if not lines:
            continue
        tabular = any(line.lstrip().startswith("|") or "\t" in line for line in lines)
        listed = sum(bool(re.match(r"\s*(?:[-*•–]|\d{1,2}[.)])\s", line)) for line in lines) >= 2
        # Rows and list items stand alone; other lines are one paragraph broken at the page width.
        if tabular:
            units = _table_rows(lines)
        else:
            units = lines if listed else _paragraphs(lines)
        for unit in units:
            for piece in _continued(SENTENCE_BREAK.split(_INLINE_HEADING.sub("", unit))):
                piece = re.sub(r"\s+", " ", piece.replace("<br>", " ")).strip(" |*#-•–")
                if _statement(piece) and not piece.endswith((":", "?")) and not is_form_text(piece):
                    parts.append(piece)
    return parts


# A table's first row is its column headings when none of its cells is a figure.
_AFTER_HEADINGS = " … "
_TABLE_SEPARATOR = re.compile(r"^[\s|:+-]+$")


# A sentence that opens by pointing back at what the one before counted ("Av dessa gick 11 …", "Vid 11 av dessa
# kom ingen tolk", "Bland dem …", "Därav …") is half a statement: it is quoted with that sentence.
_BACK_REFERENCE = re.compile(r"^\W*(?:\S+\s+){0,3}?(?:av|bland)\s+(?:dessa|dem)\b|^\W*(?:därav|varav)\b", re.IGNORECASE)


# A bare yes or no ("Ja, insatsen är implementerad.", "Nej, …") answers the form's question; what it rests on (who
# decided, from when) follows in the next sentence, so the two are quoted together.
_YES_NO = re.compile(r"^\W*(?:ja|nej)\b,?", re.IGNORECASE)


# A line that ends on a figure ("160 152", "41 % (62 personer)") with a capitalised line after it: a table row
# whose cells a PDF export laid out as words, where a paragraph broken at the page width would go on in lower case.
_ROW_END = re.compile(r"(?:\d|%|\(\d[^()]*\))\s*$")


def _paragraphs(lines: Sequence[str]) -> list[str]:
    """A block's lines joined as one paragraph broken at the page width, except after a line that ends a table
    row (``_ROW_END``): each row is then a unit of its own, not one "sentence" holding every row's words. Rows
    that say nothing alone ("Ockelbo 1 16 8 6", cells without their column headings) stay in the block."""
    units = [lines[0].strip()]
    for before, line in itertools.pairwise(lines):
        line = line.strip()
        if _ROW_END.search(before) and line[:1].isupper():
            units.append(line)
        else:
            units[-1] = f"{units[-1]} {line}"
    if len(units) > 1 and not all(_statement(unit) for unit in units):
        # The rows stay together; a paragraph after the table (a unit that ends as a sentence ends) stands apart:
        # "Summa 58 58" and "Sammantaget var 17 av 58 … i arbete." are not one sentence.
        joined: list[str] = []
        for unit in units:
            if joined and not _SENTENCE_END.search(unit) and not _SENTENCE_END.search(joined[-1]):
                joined[-1] = f"{joined[-1]} {unit}"
            else:
                joined.append(unit)
        return joined
    return units


_SENTENCE_END = re.compile(r"[.!?]\W*$")


def _statement(piece: str) -> bool:
    """Long enough to say something on its own: not a fragment, a bare cell or a row of figures."""
    return len(piece) >= 25 and len(piece.split()) >= 4


def _continued(sentences: Sequence[str]) -> list[str]:
    """``sentences`` with each one that points back joined to the sentence before it, and the sentence after a
    bare yes or no joined to it."""
    joined: list[str] = []
    answered = False  # the sentence before is a yes or no still waiting for its grounds
    for sentence in sentences:
        if joined and (answered or _BACK_REFERENCE.match(sentence)):
            joined[-1] = f"{joined[-1]} {sentence}"
            answered = False
        else:
            joined.append(sentence)
            answered = bool(_YES_NO.match(sentence))
    return joined


# A date as a table cell writes it: "2023-12-31", "230930", "20230930" (``_DATED`` also reads dates in words).
_DATE = re.compile(r"\b(?:(?:19|20)\d\d-\d\d-\d\d|\d{6}|\d{8})\b")


def _is_value(cell: str) -> bool:
    """A cell holding a figure, or a date with no label words around it."""
    undated = _DATE.sub("", cell)
    return bool(re.search(r"\d", undated)) or (undated != cell and not re.search(r"[^\W\d_]", undated))


def _table_rows(lines: Sequence[str]) -> list[str]:
    """A table's rows, each read with its column headings: a row of bare figures ("Summa | 23 | 16 | 39") says
    nothing without them. The two are joined by " … ", each as written."""
    rows = [line for line in lines if not _TABLE_SEPARATOR.match(line)]
    # A label holding a date ("Resultat 2023-12-31", "Utfall per 230930") is still a column heading; a cell that is
    # a date alone ("20210901 - 20230831") is a value, and its row no heading.
    if len(rows) < 2 or any(_is_value(cell) for cell in _cells(rows[0])):
        return [_joined_cells(row) for row in rows]
    header = _joined_cells(rows[0])
    return [f"{header}{_AFTER_HEADINGS}{_joined_cells(row)}" for row in rows[1:]]


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in (row.split("|") if "|" in row else row.split("\t"))]


def _joined_cells(row: str) -> str:
    return " | ".join(cell for cell in _cells(row) if cell)


def _pieces(passage: Passage) -> list[tuple[str, str]]:
    return chunk_pieces(passage.chunk)


def chunk_pieces(chunk: Chunk) -> list[tuple[str, str]]:
    """(as written, as matched) per sentence: OCR passages are matched on their repaired text, which has the
    same layout, but quoted as the file says. The matched form is what the judge by meaning embeds."""
    written = _split(chunk.text)
    if chunk.corrected:
        repaired = _split(chunk.corrected)
        if len(repaired) == len(written):
            return list(zip(written, repaired, strict=True))
    return [(piece, piece) for piece in written]


def _terms(sentence: str) -> set[str]:
    """A sentence's analyzed terms; an amount in kronor also counts as the money words."""
    terms = set(analyze(sentence))
    if _AMOUNT.search(sentence):
        terms |= _MONEY
    return terms


# A thing said not to exist: "Något brukarråd har inte funnits", "ingen extern utvärdering", "har inte haft
# någon referensgrupp". The indefinite (någon/något/några, or ingen/inget/inga) stands a few words before it.
_NONE = frozenset({"ingen", "inget", "inga"})
_SOME = frozenset({"nagon", "nagot", "nagra", "nan", "nat"})
_NOT = frozenset({"inte", "ej", "aldrig"})
_DENIED_REACH = 3  # words between the indefinite and the noun ("någon extern utvärdering")


def denied_terms(sentence: str) -> set[str]:
    """Terms of the words a sentence says do not exist (empty when it denies nothing)."""
    words = re.findall(r"\w+", fold(sentence))
    negated = bool(_NOT & set(words))
    denied: set[str] = set()
    if negated and words and words[0] in _SOME:
        # "Någon organiserad form för brukarinflytande, exempelvis ett brukarråd, fanns inte": the whole
        # subject before the negation is denied.
        end = next(i for i, word in enumerate(words) if word in _NOT)
        for word in words[1:end]:
            denied.update(analyze(word))
    for i, word in enumerate(words):
        if word in _NONE or (word in _SOME and negated):
            for following in words[i + 1 : i + 1 + _DENIED_REACH]:
                denied.update(analyze(following))
    return denied


@dataclass(frozen=True, slots=True)
class Judged:
    """One sentence of an insats's passages, judged against a question across the archive."""

    sentence: _Sentence  # score: the question's own words it holds, the passage's rank breaking ties
    own: int  # words of the question (not common ground) the sentence itself holds
    covers: bool  # it holds, or its passage and heading carry, the words that say who is a member
    denies: bool  # it says something does not exist ("Någon extern utvärdering har inte gjorts")


def judge_sentences(
    passages: Sequence[Passage],
    words: list[set[str]],
    *,
    denials: bool = True,
    common: Sequence[bool] = (),
) -> list[Judged]:
    """Every sentence of an insats's passages with how it covers ``words``; most of the words first.

    Denied words are not covered, and a heading carries its words to the items under it. Only the words that
    are not ``common`` ground count towards the two thirds a sentence must cover: a word the whole archive
    uses tells no insats from the rest, so it cannot make up for a missing specific word ("mål för
    könsfördelningen bland deltagarna" is not covered by "mål" alone).
    """
    common = list(common) or [False] * len(words)
    specific = [w for w, c in zip(words, common, strict=True) if not c]
    needed = math.ceil(len(specific) * 2 / 3)
    judged = []
    for rank, passage in enumerate(passages, start=1):
        pieces = _pieces(passage)
        said_not = [denied_terms(readable) for _, readable in pieces]
        denied = set().union(*said_not) if denials else set()
        around = set(analyze(passage.chunk.search_text)) - denied
        heading = _terms(" ".join(passage.chunk.heading_path[-2:]))
        for (sentence, readable), not_there in zip(pieces, said_not, strict=True):
            terms = (_terms(readable) | heading) - denied
            own = sum(1 for w in specific if _overlap(w, terms))
            covered = sum(1 for w in specific if _overlap(w, terms | around))
            score = own + 0.3 / rank
            covers = bool(own) and covered >= needed
            judged.append(Judged(_Sentence(sentence, passage, score, readable), own, covers, bool(not_there)))
    return sorted(judged, key=lambda j: -j.sentence.score)


_ROW_QUALIFIERS = 1  # "Inskrivna familjer", "Vuxna deltagare": one word more still names the whole


def _counts_key(sentence: str, key: AbstractSet[str], nouns: AbstractSet[str] = frozenset()) -> bool:
    """Whether the sentence puts a number before one of the key words ("34 deltagare"), or is a table row whose
    label holds one and whose cell is the number ("Inskrivna familjer | 29": a row's figure counts its label).
    ``nouns``: what a how-many question counts (intent.counted_terms)."""
    counted: set[str] = set()
    for match in _COUNT.finditer(sentence):
        counted.update(analyze(match.group(1)))
        counted.update(analyze(match.group(0).split()[-2]) if len(match.group(0).split()) > 2 else ())
    cells = [cell.strip() for cell in sentence.split(_AFTER_HEADINGS)[-1].split("|")]
    if len(cells) > 1 and any(_FIGURE_CELL.fullmatch(cell) for cell in cells[1:]):
        # A row's figure counts its whole label: a label that holds the asked noun with qualifiers the question does
        # not state ("Familjer som helt lämnat försörjningsstöd vid avslut") counts a part of it, not all of it.
        label = _terms(cells[0])
        unasked = [w for w in re.findall(r"\w+", cells[0]) if (terms := _terms(w)) and not _overlap(key, terms)]
        if not _overlap(nouns, label) or len(unasked) <= _ROW_QUALIFIERS:
            counted.update(label)
    return bool(_overlap(key, counted))


_FIGURE_CELL = re.compile(r"\d[\d \u00a0]*(?:[,.]\d+)?\s*%?")


# The verbs of spending funds: in a question about money they say the money was spent, not what it was spent on
# ("hur stor del av budgeten användes"), and a report says it with another of them ("förbrukat 1,2 miljoner").
_SPENDING = frozenset(analyze("användes använts använt förbrukat förbrukade förbrukades utnyttjat utnyttjades"))


def _answers_figure(
    sentence: str, key: set[str], *, money: bool = False, often: bool = False, counting: bool = False
) -> bool:
    """Whether a sentence can answer a how-much/how-many question: it has a figure (an amount, when money is
    asked about) and, unless the question is only about money, one of the question's own key words (a budget
    total is no answer about a course). With ``counting`` (the one sentence that answers "hur många …"), a
    year or a date is not a figure: "våren 2024" dates, it counts nothing."""
    if money and not _AMOUNT.search(sentence):
        return False
    words = set(re.findall(r"\w+", sentence.lower()))
    counted = _NUMBER_WORDS | _FREQUENCY_WORDS if often else _NUMBER_WORDS
    figures = _YEAR.sub(" ", _DATED.sub(" ", sentence)) if counting else sentence
    if not re.search(r"\d", figures) and not words & counted:
        return False
    specific = key - _MONEY - (_SPENDING if money else set())
    return not specific or bool(_overlap(specific, _terms(sentence)))


def _one_per_report(
    ranked: Sequence[_Sentence], limit: int, counted: AbstractSet[str] = frozenset()
) -> list[_Sentence]:
    """The best sentence of each report first (reports of one insats may disagree), then the next best. With
    ``counted`` (a figure question's key words) a report's say is its best sentence that counts one of them
    ("96 poäng"), when it has one: that is the report's figure, where a sentence that only names the measure
    ("mätts med fidelityskalan") is not; and a report's table has its own say beside its text."""
    firsts: dict[tuple[str, bool], _Sentence] = {}
    if counted:
        for sentence in ranked:
            if voice(sentence, counted) not in firsts and _counts_key(sentence.matched or sentence.text, counted):
                firsts[voice(sentence, counted)] = sentence
    for sentence in ranked:
        firsts.setdefault((sentence.passage.source, False), sentence)
    rest = [s for s in ranked if s not in firsts.values()]
    return (list(firsts.values()) + rest)[:limit]


def voice(sentence: _Sentence, counted: AbstractSet[str] = frozenset()) -> tuple[str, bool]:
    """Who states a figure: its report, and for a figure question whether in a table row; a table of figures is
    compiled apart from the text around it, and the two can disagree ("31 familjer" in the text, 29 in the table)."""
    return sentence.passage.source, bool(counted) and _AFTER_HEADINGS in sentence.text


def _differing_figures(chosen: Sequence[_Sentence]) -> tuple[str, ...]:
    by_report: dict[str, set[str]] = {}
    for sentence in chosen:
        numbers = set(re.findall(r"\d+(?:[ ,.]\d+)*", sentence.text))
        by_report.setdefault(sentence.passage.source, set()).update(numbers)
    if len(by_report) > 1 and len({frozenset(v) for v in by_report.values()}) > 1:
        sources = ", ".join(by_report)
        return (f"Rapporterna anger olika siffror ({sources}); båda visas med källa.",)
    return ()


def _quote(sentence: _Sentence, used: list[Passage]) -> str:
    passage = sentence.passage
    # Equal passages share a chunk id: comparing ids first keeps a list answer over 500 insatser from
    # comparing every passage field by field with every one cited before it.
    n = next((i for i, p in enumerate(used, start=1) if p.chunk.id == passage.chunk.id and p == passage), 0)
    if not n:
        used.append(passage)
        n = len(used)
    where = TYPE_NAMES[passage.report_type][1] if passage.report_type in TYPE_NAMES else passage.source
    owner = f"{passage.insats}, {where}" if passage.insats else where
    # A "[2]" inside the quoted report text (a reference, or planted) must not become a citation of passage 2.
    return f"Enligt {owner}: ”{defuse_markers(sentence.text)}” [{n}]"

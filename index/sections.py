"""Find the report template's headings and give every stretch of text its section.

Headings come as markdown ``#``, as ``**bold**`` (sometimes with text after them on the same line), or as
plain numbered lines ("5.1 Måluppfyllelse: Ange mål …"), and in OCR'd files without å/ä/ö
("5.1 Maluppfyllelse"). Markdown heading levels in converted reports are inconsistent, so the heading path
follows the numbering ("5.1" sits under "5."), and markdown levels only place unnumbered headings.
Every heading gets a canonical key (``framgangsfaktorer``, ``systemfel`` …) from its wording, not its
number, because the final and quarterly templates number the same topics differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from index.analyze import fold
from index.records import Section

# (key, phrases, weak). Order matters: the first rule whose phrase occurs in the heading wins, so
# specific wordings come before generic ones. A weak key yields to the parent's key for sub-headings.
SECTION_RULES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("styrgrupp", ("styrgrupp", "mysam-gruppens analys"), False),
    ("bedomning", ("sammanfattande bedomning",), False),
    # What went well: "framgångsfaktorer", "Vad har fungerat bra?", "Vad har gjort skillnad?".
    ("framgangsfaktorer", ("framgangsfaktor", "positiva effekter", "fungerat bra", "gjort skillnad"), False),
    # What stood in the way: "systemfel", "Hinder på systemnivå", "Vad har inte fungerat?".
    ("systemfel", ("systemfel", "hinder", "inte fungerat", "fungerat mindre bra", "systemniva"), False),
    ("lardomar", ("erfarenheter och lardomar", "tillvaratagna erfarenheter", "lardom", "lessons", "lart oss"), False),
    ("avvikelser", ("avvikelse",), False),
    ("arbetssatt", ("verksamhetsbeskrivning", "arbetssatt och"), False),
    ("aktiviteter", ("aktivitetsrapport", "aktiviteter"), False),
    ("ekonomi", ("ekonomi", "budget", "beviljade medel", "utnyttjade medel", "insatsmedel", "kostnad"), False),
    ("allmanna_uppgifter", ("allmanna uppgifter",), False),
    ("ansvarig", ("ansvarig for genomforande",), False),
    ("samverkansparter", ("samverkansparter",), False),
    ("syfte", ("syfte och bakgrund", "syfte och fragestallning", "syfte"), False),
    ("malgrupp", ("malgrupp",), False),
    ("insatsbeskrivning", ("insatsbeskrivning",), False),
    ("maluppfyllelse", ("maluppfyllelse", "insatsens mal", "mal samt delmal", "mal och resultat"), False),
    ("uppfoljning", ("uppfoljning och utvardering",), False),
    # What lives on: "Implementering", "Efter projekttiden", "Överlämning till ordinarie verksamhet".
    (
        "implementering",
        ("implementera", "implementering", "efter projekttiden", "overlamning", "ordinarie verksamhet", "forankring"),
        False,
    ),
    ("brukarmedverkan", ("brukarmedverkan",), False),
    ("uppgiftslamnare", ("uppgiftslamnare",), False),
    ("slutsatser", ("slutsats",), False),
    ("sammanfattning", ("sammanfattning",), False),
    ("forkortningar", ("forkortningar",), False),
    ("innehall", ("innehall", "innehallsforteckning"), False),
    ("referenser", ("referenser", "referenslista", "kallor"), False),
    ("metod", ("metod", "design", "procedur", "datainsamling", "dataanalys", "etiska"), True),
    ("bakgrund", ("inledning", "bakgrund"), True),
    ("resultat", ("resultat",), True),
    ("analys", ("analys",), True),
    ("kontakt", ("kontakt",), True),
)

# The document's own navigation: a table of contents and a list of abbreviations come before the numbered chapters.
NAVIGATION = frozenset({"innehall", "forkortningar"})

SECTION_KEYS: tuple[str, ...] = tuple(dict.fromkeys(rule[0] for rule in SECTION_RULES))

# What each template section is about, in the template's own words. Added to the searched text of every
# passage in the section: a sentence deep inside "2.5 Sammanfattande bedömning" is about framgångsfaktorer
# and systemfel even when it does not say so.
SECTION_DESCRIPTIONS: dict[str, str] = {
    "allmanna_uppgifter": "Allmänna uppgifter: insatsens namn, insatstid, beviljade och utnyttjade medel",
    "ansvarig": "Ansvarig för genomförandet: organisation och kontaktperson",
    "maluppfyllelse": "Måluppfyllelse: mål och resultat, deltagare och utfall",
    "resultat": "Resultat och utfall",
    "arbetssatt": "Arbetssätt: metoder och aktiviteter",
    "avvikelser": "Avvikelser från planeringen och orsaker",
    "uppfoljning": "Uppföljning och utvärdering av målen",
    "lardomar": "Erfarenheter och lärdomar",
    "implementering": "Implementering: hur insatsen lever vidare efter projekttiden",
    "brukarmedverkan": "Brukarmedverkan: deltagarnas delaktighet",
    "framgangsfaktorer": "Framgångsfaktorer och positiva effekter",
    "systemfel": "Systemfel och hinder som påverkat resultatet",
    "ekonomi": "Ekonomi: budget, beviljade och utnyttjade medel",
    "bedomning": "Sammanfattande bedömning: vad går bra och mindre bra, framgångsfaktorer och systemfel",
    "styrgrupp": "Styrgruppens analys av utfallet",
    "slutsatser": "Slutsatser",
}

_MD = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BOLD = re.compile(r"^\*\*(.+?)\*\*(.*)$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
_LEADER = re.compile(r"\.{4,}|…{2,}|\t\s*\d+\s*$")
_MARKUP = re.compile(r"<[^>]+>|[*_`]+")


@dataclass(frozen=True, slots=True)
class Heading:
    start: int  # offset of the line
    end: int  # offset just after the heading text
    title: str  # cleaned heading text
    number: tuple[int, ...] | None
    md_level: int | None  # markdown level, None for bold and plain lines


def section_key(title: str) -> tuple[str | None, bool]:
    """The canonical key of a heading and whether it is weak (a generic word such as "Resultat")."""
    text = fold(re.sub(r"\(.*?\)", " ", title.split(":")[0] if ":" in title[:90] else title))
    for key, phrases, weak in SECTION_RULES:
        for phrase in phrases:
            # OCR damage ("Uppfoéljning", "Arbetssitt") defeats exact matching of long phrases.
            # partial_ratio aligns the shorter string inside the longer: only let the heading be the longer.
            # 90, not less: "insatsens namn" (a table label) is 88 from "insatsens mal".
            fuzzy = len(phrase) >= 8 and len(text) >= len(phrase) and fuzz.partial_ratio(phrase, text) >= 90
            if phrase in text or fuzzy:
                return key, weak
    return None, False


def section_keys(title: str) -> tuple[str, ...]:
    """Every canonical key a heading names, in the order it names them: "Lärdomar, framgångsfaktorer och
    hinder" holds lardomar, framgangsfaktorer and systemfel. Weak (generic) keys only when nothing else."""
    text = fold(re.sub(r"\(.*?\)", " ", title.split(":")[0] if ":" in title[:90] else title))
    found: dict[str, int] = {}
    for key, phrases, weak in SECTION_RULES:
        if weak or key in found:
            continue
        for phrase in phrases:
            position = text.find(phrase)
            if position >= 0:
                found[key] = position
                break
    primary, _ = section_key(title)
    ordered = sorted(found, key=found.__getitem__)
    if primary is None:
        return ()
    return (primary, *[k for k in ordered if k != primary])


def find_sections(text: str) -> list[Section]:
    """Split ``text`` into consecutive sections, one per heading (plus the preamble before the first).

    Sections are flat and cover the text: each runs from its heading to the next heading of any rank;
    ``path`` carries the hierarchy.
    """
    headings = list(_headings(text))
    sections: list[Section] = []
    stack: list[tuple[int, int | None, str, str | None, bool]] = []  # depth, md_level, title, key, numbered
    first_start = headings[0].start if headings else len(text)
    if first_start > 0 and text[:first_start].strip():
        sections.append(Section(None, "", (), 0, first_start, 0))
    for i, heading in enumerate(headings):
        end = headings[i + 1].start if i + 1 < len(headings) else len(text)
        depth = _place(stack, heading)
        own, weak = section_key(heading.title)
        if own in NAVIGATION and any(entry[4] for entry in stack):
            own, weak = None, False  # "Innehåll:" inside a numbered chapter is its content, not a table of contents
        parent_key = next((entry[3] for entry in reversed(stack) if entry[3]), None)
        key = parent_key if (own is None or (weak and parent_key)) else own
        stack.append((depth, heading.md_level, heading.title, key, heading.number is not None))
        number = ".".join(map(str, heading.number)) if heading.number else None
        path = tuple(entry[2] for entry in stack)
        keys = section_keys(heading.title) if own is not None and not weak else ()
        keys = keys if key in keys else ((key,) if key else ())
        sections.append(Section(key, heading.title, path, heading.start, end, heading.end, number, keys))
    return sections


def _place(stack: list[tuple[int, int | None, str, str | None, bool]], heading: Heading) -> int:
    """Pop the stack to the heading's parent and return the heading's depth."""
    if heading.number is not None:
        depth = len(heading.number)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        return depth
    if heading.md_level is not None:
        while stack and stack[-1][1] is not None and stack[-1][1] >= heading.md_level:
            stack.pop()
    else:
        while stack and not stack[-1][4] and stack[-1][1] is None:
            stack.pop()
    return stack[-1][0] + 1 if stack else 1


def _headings(text: str) -> Iterator[Heading]:
    current: tuple[int, ...] | None = None
    offset = 0
    for line in text.split("\n"):
        heading = _classify(line, offset, current)
        if heading is not None:
            if heading.number is not None:
                current = heading.number
            yield heading
        offset += len(line) + 1


def _classify(line: str, offset: int, current: tuple[int, ...] | None) -> Heading | None:
    stripped = line.strip()
    lead = len(line) - len(line.lstrip())
    if not stripped or _LEADER.search(stripped):
        return None
    bold = _BOLD.match(stripped)
    if len(stripped) > 400 and not (bold and len(bold.group(1)) <= 160):
        return None  # a paragraph, unless it opens with a bold heading ("**6.5 Systemfel:** Det …")
    md = _MD.match(stripped)
    if md:
        title = _clean(md.group(2))
        if not re.search(r"[^\W\d_]", title):
            return None
        number, rest = _split_number(title)
        return Heading(
            offset + lead, offset + len(line), _short_title(rest if number else title), number, len(md.group(1))
        )
    if bold:
        inner = _clean(bold.group(1))
        number, rest = _split_number(inner)
        own_key, _ = section_key(rest)
        if number is None and own_key is None and not inner.endswith(":"):
            return None
        if number is None and (len(inner) > 80 or inner.endswith((".", "?", "!"))):
            return None
        end = offset + lead + len("**") * 2 + len(bold.group(1))
        return Heading(offset + lead, end, _short_title(rest if number else inner), number, None)
    plain = _NUMBERED.match(stripped)
    if plain:
        number = tuple(int(part) for part in plain.group(1).split("."))
        title = _clean(plain.group(2))
        if _plain_numbered_heading(number, title, current):
            return Heading(offset + lead, offset + len(line), _short_title(title), number, None)
    return None


def _plain_numbered_heading(number: tuple[int, ...], title: str, current: tuple[int, ...] | None) -> bool:
    """Tell a numbered template heading from a numbered list item or a reference."""
    if not re.match(r"[^\W\d_]", title):
        return False
    head = title.split(":")[0].strip() if ":" in title[:90] else title
    key, weak = section_key(head)
    # A template wording ("5.1 Maluppfyllelse: Ange mal …") is a heading even after a numbering gap,
    # but never when it goes backwards (numbered question lists restart at 1) or reads as a sentence.
    if key is not None and not weak and len(head) <= 90 and not head.endswith((".", "?", "!")):
        return current is None or number > current
    words = title.split()
    if len(title) > 90 or len(words) > 10 or title.endswith((".", "?", "!", ";", ",")):
        return False
    return _follows(number, current)


def _follows(number: tuple[int, ...], current: tuple[int, ...] | None) -> bool:
    """Whether ``number`` can be the next heading after ``current`` (sibling, first child, or an uncle)."""
    if current is None:
        return number[0] <= 2 and all(part == 1 for part in number[1:])
    if number == (*current, 1):
        return True
    for i in range(len(current)):
        if number == (*current[:i], current[i] + 1):
            return True
    return False


def _split_number(title: str) -> tuple[tuple[int, ...] | None, str]:
    match = _NUMBERED.match(title)
    if not match:
        return None, title
    return tuple(int(part) for part in match.group(1).split(".")), match.group(2)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", _MARKUP.sub("", text)).strip()


def _short_title(title: str) -> str:
    """The heading without the template's instruction text ("Måluppfyllelse: Ange mål och resultat.")."""
    head = (title.split(":")[0] if ":" in title[:100] else title).strip()
    return head if len(head) <= 100 else head[:100].rsplit(" ", 1)[0] + " …"

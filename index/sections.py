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
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from index.analyze import fold
from index.records import Section

# (key, phrases, weak). Order matters: the first rule whose phrase occurs in the heading wins, so
# specific wordings come before generic ones. A weak key yields to the parent's key for sub-headings.
SECTION_RULES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("styrgrupp", ("styrgrupp", "mysam-gruppens analys"), False),
    ("bedomning", ("sammanfattande bedomning", "samlad bedomning"), False),
    # A report's own digest: "Sammanfattning", "Läget i korthet", "Kort om resultatet" (before "resultat"),
    # "Kortversion".
    ("sammanfattning", ("i korthet", "kort om", "kortversion"), False),
    # What went well: "framgångsfaktorer", "Vad har fungerat bra?", "Vad har gjort skillnad?".
    (
        "framgangsfaktorer",
        (
            "framgangsfaktor",
            "framgangar",
            "positiva effekter",
            "fungerat bra",
            "gjort skillnad",
            "gatt bra",
            "^det som fungerat",  # "Det som fungerat" (and "Det som inte fungerat" goes to systemfel)
        ),
        False,
    ),
    # What stood in the way: "systemfel", "Hinder på systemnivå", "Vad har inte fungerat?", "Svårigheter och
    # utmaningar", "Vad har varit svårt?".
    (
        "systemfel",
        (
            "systemfel",
            "hinder",
            "inte fungerat",
            "fungerat mindre bra",
            "systemniva",
            "svarighet",
            "utmaning",
            "varit svart",
        ),
        False,
    ),
    # What was learnt: "Erfarenheter och lärdomar", "Lärdomar", "Avslutande reflektioner".
    (
        "lardomar",
        (
            "erfarenheter och lardomar",
            "tillvaratagna erfarenheter",
            "lardom",
            "lessons",
            "lart oss",
            "lart er",  # "Vad har ni lärt er?"
            "reflektion",
            "^erfarenheter",  # a heading that opens with it; "Deltagarnas erfarenheter" is a finding
        ),
        False,
    ),
    # What did not go to plan: "Avvikelser", "Oro och risker", and a period cut short or lengthened ("Varför insatsen
    # avbröts", "Förlängning av insatsperioden").
    ("avvikelser", ("avvikelse", "risker", "avbro", "avbrut", "forlangning"), False),
    ("arbetssatt", ("verksamhetsbeskrivning", "^arbetssatt"), False),
    # What was done: "Aktiviteter", "Vad har hänt under perioden?", "Det här har hänt", "Genomfört under halvåret".
    ("aktiviteter", ("aktivitetsrapport", "aktiviteter", "har hant", "genomfort under"), False),
    # Money: "Ekonomi", "Budget", "Kostnader", and the form asking "Vad kostade insatsen?".
    (
        "ekonomi",
        ("ekonomi", "budget", "beviljade medel", "utnyttjade medel", "insatsmedel", "kostnad", "vad kostade"),
        False,
    ),
    # The form's block of facts, under its other names: "Projektfakta", "Basfakta", "Fakta om insatsen",
    # "Grunduppgifter", "Projektuppgifter".
    (
        "allmanna_uppgifter",
        ("allmanna uppgifter", "projektfakta", "basfakta", "^fakta om", "grunduppgifter", "projektuppgifter"),
        False,
    ),
    ("ansvarig", ("ansvarig for genomforande", "projektagare"), False),
    # An evaluation's own conduct is its method, not the insats's way of working.
    ("metod", ("utvarderingens genomforande", "studiens genomforande"), True),
    # "Genomförande" tells how the work was done (after "ansvarig för genomförande", which it is part of).
    ("arbetssatt", ("genomforande",), False),
    # Who worked together: "Samverkansparter", "Samverkande organisationer", a heading opening with "Samverkan"
    # (anchored: "Rehabsamverkan Bollnäs" is a name).
    ("samverkansparter", ("samverkansparter", "samverkande organisationer", "^samverkan"), False),
    # What the insats set out to do: "Syfte och bakgrund", and the form asking "Vad ville vi uppnå?" (with "– och blev
    # det så?" after it, the heading asks for the goals' attainment: måluppfyllelse).
    ("syfte", ("syfte och bakgrund", "syfte och fragestallning", "syfte", "ville vi uppna$", "ville ni uppna$"), False),
    # Whom it was for: "Målgrupp", "Rekrytering", the form asking "Vem var insatsen till för?".
    ("malgrupp", ("malgrupp", "rekrytering", "till for$"), False),
    # What the insats was: "Insatsbeskrivning", the form asking "Vad var insatsen?".
    ("insatsbeskrivning", ("insatsbeskrivning", "^vad var insatsen"), False),
    # Goals read against outcomes: "Måluppfyllelse", "Mål och resultat", "Mål och utfall", "Resultat i förhållande
    # till målen".
    (
        "maluppfyllelse",
        (
            "maluppfyllelse",
            "insatsens mal",
            "mal samt delmal",
            "mal och resultat",
            "mal och utfall",
            "resultat i forhallande till",
            # What the insats set out to achieve, and whether it did: "Vad ville ni uppnå – och blev det så?"
            "och blev det sa",
            "^mal",  # a heading opening with "Mål", "Målen" ("Målgrupp" has its own rule, earlier)
        ),
        False,
    ),
    ("uppfoljning", ("uppfoljning och utvardering",), False),
    # What lives on: "Implementering", "Efter projekttiden", "Överlämning till ordinarie verksamhet".
    (
        "implementering",
        (
            "implementera",
            "implementering",
            "efter projekttiden",
            "overlamning",
            "ordinarie verksamhet",
            "forankring",
            "fortsatt arbete",
            "fortsattning",
            "efter projektet",
            "efter insatsen",
            "lever vidare",
            "hander nu",  # "Vad händer nu?"
            "nasta steg",
        ),
        False,
    ),
    # The participants' say: "Brukarmedverkan", "Brukarinflytande", "Deltagarinflytande".
    # … and the form asking "Hur har deltagarna fått vara med och påverka?".
    ("brukarmedverkan", ("brukarmedverkan", "brukarinflytande", "deltagarinflytande", "paverka"), False),
    # What a pre-study proposes: "Förslag", "Förslag till insats", "Föreslagen insats".
    ("forslag", ("forslag", "foreslagen", "foreslagna"), False),
    ("uppgiftslamnare", ("uppgiftslamnare",), False),
    ("slutsatser", ("slutsats", "rekommendation"), False),
    ("sammanfattning", ("sammanfattning",), False),
    ("forkortningar", ("forkortningar",), False),
    ("innehall", ("innehall", "innehallsforteckning"), False),
    ("referenser", ("referenser", "referenslista", "kallor"), False),
    ("metod", ("metod", "design", "procedur", "datainsamling", "dataanalys", "etiska", "upplagg"), True),
    ("bakgrund", ("inledning", "bakgrund", "utgangslage"), True),
    # Outcomes under their plain names: "Resultat", "Effekter och utfall", "Deltagare", "Vilka har deltagit?", "Hur
    # många deltog …?", "Deltagarflöde", "Deltagare i siffror".
    (
        "resultat",
        ("resultat", "effekter", "utfall", "deltagare", "deltagit", "deltog", "deltagarflode", "i siffror"),
        True,
    ),
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

# "Del 3", "Avsnitt 2", "Punkt 4", "2)", "C." opening a line (a single capital letter and a full stop: an initial in
# a name is followed by a surname, which the heading checks reject by the numbering's sequence).
_ENUMERATOR = re.compile(
    r"^(?:(?:[Dd][Ee][Ll]|[Aa]vsnitt|AVSNITT|[Kk]apitel|KAPITEL|[Pp]unkt|PUNKT)\s+(\d{1,2})[.:]?|(\d{1,2})\)|([A-ZÅÄÖ])\.)"
    r"\s+(?=\S)"
)
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
    plain: bool = False  # an unformatted, unnumbered line read as a heading by its wording


def _heading_words(title: str) -> str:
    """A heading's wording, folded: without its enumerator ("Del 3", "C.", "2)"), a parenthesis, or the
    instruction after a colon."""
    title = _ENUMERATOR.sub("", title.strip())
    return fold(re.sub(r"\(.*?\)", " ", title.split(":")[0] if ":" in title[:90] else title)).strip()


def _position(phrase: str, text: str) -> int:
    """Where ``phrase`` occurs in ``text`` (-1 if not); a phrase written "^…" only opens the heading, one written
    "…$" only closes it (a question mark aside)."""
    if phrase.startswith("^"):
        return 0 if text.startswith(phrase[1:]) else -1
    if phrase.endswith("$"):
        text = text.rstrip("?!. ")
        return len(text) - len(phrase) + 1 if text.endswith(phrase[:-1]) else -1
    return text.find(phrase)


def section_key(title: str) -> tuple[str | None, bool]:
    """The canonical key of a heading and whether it is weak (a generic word such as "Resultat")."""
    text = _heading_words(title)
    for key, phrases, weak in SECTION_RULES:
        for phrase in phrases:
            # OCR damage ("Uppfoéljning", "Arbetssitt") defeats exact matching of long phrases.
            # partial_ratio aligns the shorter string inside the longer: only let the heading be the longer.
            # 90, not less: "insatsens namn" (a table label) is 88 from "insatsens mal".
            fuzzy = (
                not phrase.startswith("^")
                and not phrase.endswith("$")
                and len(phrase) >= 8
                and len(text) >= len(phrase)
                and fuzz.partial_ratio(phrase, text) >= 90
            )
            if _position(phrase, text) >= 0 or fuzzy:
                return key, weak
    return None, False


def section_keys(title: str) -> tuple[str, ...]:
    """Every canonical key a heading names, in the order it names them: "Lärdomar, framgångsfaktorer och
    hinder" holds lardomar, framgangsfaktorer and systemfel. Weak (generic) keys only when nothing else."""
    text = _heading_words(title)
    found: dict[str, int] = {}
    for key, phrases, weak in SECTION_RULES:
        if weak or key in found:
            continue
        for phrase in phrases:
            position = _position(phrase, text)
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
        if heading.plain and (parent_key if own is None or weak else own) == parent_key and sections:
            # A plain sub-heading on its section's own topic ("Bakgrund" under "4.1 Syfte och bakgrund") is
            # part of that section's text; only a change of topic starts a section.
            sections[-1] = replace(sections[-1], end=end)
            continue
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
        # A markdown heading outranks the bold or plain headings under the previous one, and its own level.
        while stack and (
            (stack[-1][1] is None and not stack[-1][4])
            or (stack[-1][1] is not None and stack[-1][1] >= heading.md_level)
        ):
            stack.pop()
    else:
        while stack and not stack[-1][4] and stack[-1][1] is None:
            stack.pop()
    return stack[-1][0] + 1 if stack else 1


def _headings(text: str) -> Iterator[Heading]:
    current: tuple[int, ...] | None = None
    offset = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        heading = _classify(line, offset, current)
        if heading is None and i + 1 < len(lines) and (level := _underlined(line, lines[i + 1])):
            # A plain-text heading underlined with "-----" or "=====" (Markdown's setext headings)
            lead = len(line) - len(line.lstrip())
            title = _clean(line)
            number, rest = _split_number(title)
            end = offset + len(line) + 1 + len(lines[i + 1].rstrip())
            heading = Heading(offset + lead, end, _short_title(rest if number else title), number, level)
        elif heading is None and _plain_heading(line, lines[i + 1 :]):
            lead = len(line) - len(line.lstrip())
            heading = Heading(offset + lead, offset + len(line.rstrip()), _short_title(_clean(line)), None, None, True)
        if heading is not None:
            if heading.number is not None:
                current = heading.number
            yield heading
        offset += len(line) + 1


_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")


def _underlined(line: str, below: str) -> int | None:
    """The heading level of ``line`` when ``below`` underlines it ("FAKTA OM INSATSEN" over "-----------------":
    "=" is level 1, "-" level 2), None otherwise. The rule spans most of the line, and the line is short and
    no sentence; a rule under a paragraph is a separator."""
    match = _UNDERLINE.match(below)
    title = _clean(line)
    if not match or not title or "|" in line or len(title) > 80 or title.endswith((".", ",", ";")):
        return None
    rule = match.group(1)
    if len(rule) < 3 or len(rule) < len(line.strip()) / 2 or not re.search(r"[^\W\d_]", title):
        return None
    return 1 if rule[0] == "=" else 2


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
    enumerated = _enumerated(_clean(stripped))
    if enumerated is not None:
        number, title = enumerated
        if _plain_numbered_heading(number, title, current):
            return Heading(offset + lead, offset + len(line), _short_title(_clean(stripped)), number, None)
    plain = _NUMBERED.match(stripped)
    if plain:
        number = tuple(int(part) for part in plain.group(1).split("."))
        title = _clean(plain.group(2))
        if _plain_numbered_heading(number, title, current):
            return Heading(offset + lead, offset + len(line), _short_title(title), number, None)
    return None


_BULLETS = "•-–*·▪"
# A Swedish line that ends in a conjunction, a preposition or a copula goes on in the next line.
_CONTINUES = frozenset(
    "att och eller samt som var ar blev har hade med for av till om pa i genom under efter foljande".split()
)


def _plain_heading(line: str, rest: list[str]) -> bool:
    """An unnumbered heading written as a plain line (PDF and text exports lose bold and heading styles):
    a short line, set apart, that names a template section in so many words ("Sammanfattning", "Slutsatser
    och rekommendationer", "Vad har fungerat bra?"). Running text wraps at a width, so a line that is only a
    section name, capitalised, without figures or a full stop, and followed by a sentence, is a heading."""
    if "\t" in line or "|" in line or _LEADER.search(line):
        return False  # a table row or a table of contents entry
    stripped = _clean(line)
    if not stripped or len(stripped) > 60 or len(stripped.split()) > 6 or re.search(r"\d", stripped):
        return False
    if not stripped[0].isupper() or stripped.endswith((".", ",", ";", "!", "–", "-", ":")):
        return False  # a colon leads in to the list or value after it
    following = next((candidate.strip() for candidate in rest if candidate.strip()), "")
    if not following or not (following[0].isupper() or following[0] in _BULLETS):
        return False  # a form label's value (a figure) or the rest of a wrapped sentence follows
    text = fold(stripped.rstrip(":?")).strip()
    if text.split()[-1] in _CONTINUES:
        return False  # "Syftet var att" is a lead-in to a list, not a heading
    for _, phrases, weak in SECTION_RULES:
        for phrase in phrases:
            # Exact words only (no OCR fuzz): a generic word ("Resultat", "Metod") must be the whole line,
            # a specific one may open or close it ("Andra framgångsfaktorer", "Ekonomi och budget").
            bare = phrase.lstrip("^").rstrip("$")
            opening = "^" if phrase.startswith("^") else r"(?:^|\s)"
            if text == bare or (not weak and re.search(rf"{opening}{re.escape(bare)}\w{{0,2}}(?:\s|$)", text)):
                return True
    return False


def _enumerated(line: str) -> tuple[tuple[int, ...], str] | None:
    """A heading's enumerator other than "5.1": "Del 3 Utgångsläge", "DEL 1  OM PROJEKTET", "2) Deltagare",
    "C. Bakgrund" (the letter's place in the alphabet), with the title after it."""
    match = _ENUMERATOR.match(line)
    if not match:
        return None
    token = next(group for group in match.groups() if group)
    number = int(token) if token.isdigit() else ord(token.upper()) - ord("A") + 1
    return (number,), line[match.end() :]


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
    if len(title) > 90 or len(words) > 10 or title.endswith((".", "!", ";", ",")):
        return False
    if title.endswith("?") and (len(words) > 8 or (current is None and not title.isupper())):
        return False  # a short question in the numbering's sequence is a heading ("3.1 Vilka deltog?")
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

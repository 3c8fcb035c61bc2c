"""Read a report's title page: what kind of report it is, and the insats name its title states.

Whatever the template, a report says what it is in its first lines ("Slutrapport", "Förstudierapport",
"En utvärdering av insatsen …", "Lägesrapport 2"), and a title names the insats it is about, often together
with the genre ("Motivationslyftet – förstudie om …", "UTVÄRDERING AV LÄNSGEMENSAM IPS-SATSNING I GÄVLE …").
Pure functions over the document text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.analyze import fold
from index.sections import section_key

# Genre words in folded form → report type, most specific first. A word names the genre when it stands
# on the title page; "slutrapport" deep in a quarterly report ("mall för slutrapport") does not count.
GENRES: tuple[tuple[str, str], ...] = (
    (r"forstudie\w*|forprojektering", "forstudie"),
    (r"utvarderings?\w*|foljeforskning\w*|foljeutvardering\w*|effektutvardering\w*|evaluation", "utvardering"),
    (r"kvartalsrapport\w*", "kvartalsrapport"),
    # "Projektredovisning": the account of a project as a whole, given at its end; "Avrapportering" and
    # "Slutdokumentation" are that account under other names.
    (
        r"slutrapport\w*|slutredovisning\w*|slutrapportering|projektredovisning\w*|avrapportering\w*"
        r"|slutdokumentation\w*",
        "slutrapport",
    ),
    (
        # (not "årsrapport" or "verksamhetsberättelse": those report on the förbund, not on one insats)
        r"lagesrapport\w*|delrapport\w*|delarsrapport\w*|delredovisning\w*|halvarsrapport\w*|tertialrapport\w*"
        r"|statusrapport\w*|uppfoljningsrapport\w*|manadsrapport\w*|lagesbeskrivning"
        # a follow-up named by its period is the state at that date: "Halvårsuppföljning", "Kvartalsuppföljning"
        r"|(?:halvars|kvartals|manads|tertial|delars)uppfoljning\w*"
        # an insats's yearly "Verksamhetsuppföljning" is its state at the year's end (the förbund's own year is
        # a "verksamhetsberättelse", left out above)
        r"|verksamhetsuppfoljning\w*",
        "lagesrapport",
    ),
    (r"ansokan|ansokningsblankett|projektansokan", "ansokan"),
)
# How each report type is written in Swedish: indefinite ("en förstudie") and definite ("förstudien").
TYPE_NAMES = {
    "slutrapport": ("slutrapport", "slutrapporten"),
    "kvartalsrapport": ("kvartalsrapport", "kvartalsrapporten"),
    "lagesrapport": ("lägesrapport", "lägesrapporten"),
    "utvardering": ("utvärdering", "utvärderingen"),
    "forstudie": ("förstudie", "förstudien"),
    "ansokan": ("ansökan", "ansökan"),
    "rapport": ("rapport", "rapporten"),
}
_GENRE = re.compile(r"\b(?:" + "|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(GENRES)) + r")\b")
_GENRE_WORD = re.compile(r"(?:" + "|".join(p for p, _ in GENRES) + r"|rapport\w*)$")
# Documents about the förbund as a whole, not about one insats: no insats of their own.
_FORBUND_DOCUMENT = re.compile(
    r"\b(?:arsrapport|arsredovisning|verksamhetsberattelse|verksamhetsplan|protokoll|budgetunderlag)\b"
)
# An evaluation written by a university is one even when its title page says only "En rapport".
_ACADEMIC = re.compile(r"hogskola|universitet|university|foljeforskning|forskare")
# Lines of a title page that name who wrote or paid for the report, not what it is about.
_NOT_A_TITLE = re.compile(
    r"samordningsforbund|finsam|hogskola|universitet|university|akademin|centrum for|rapportserie|"
    r"^en rapport|^rapport fran|pa uppdrag|^innehall|^sammanfattning|^forord|mall ska|^insats for|"
    r"^stod for|^diarienummer|^dnr|^signatur|^datum|^version|^\d|^(?:januari|februari|mars|april|maj|juni|juli|"
    r"augusti|september|oktober|november|december)\b"
)
_TITLE_LINES = 14
# The first part of a form lettered by parts: "A. Uppgifter om insatsen", "A. Bakgrund" (a capital, then words).
_FIRST_LETTERED_PART = re.compile(r"A\.\s+[A-ZÅÄÖ][a-zåäö]+(?:\s+\w+)*$")
# A title page's form line naming who runs, pays, joins or reports, or when: the value is an organisation, a
# person or a date, never the insats (a name field is read by index/metadata.py). "Projektägare:", "Huvudman:",
# "Medverkande parter:", "Kontaktperson:", "Insatstid:", "Planerad period:", "Inlämnad:".
_ROLE_FIELD = re.compile(
    r"^(?:\w*agare|huvudman|medverkande|samverkan\w*|deltagande|kontaktperson|ansvarig\w*|utredare|rapportor|"
    r"uppgiftslamnare|forfattare|\w*period|\w*tid|datum|inlamnad|faststalld)(?: \w+)?\s*:"
)
_FOLLOWING_PLACE = re.compile(r"[ \t]+([A-ZÅÄÖ][\wåäö]+)\b")
# "Eva L. Bergsten och Lisbeth Kristiansen", "Anna Berg, Olof Ek": a by-line of two or more full names.
_PERSON = r"(?:[A-ZÅÄÖ][\w-]*\.?\s+){1,3}[A-ZÅÄÖ][\w-]+"
_AUTHORS = re.compile(rf"^{_PERSON}(?:\s*(?:,|och|&)\s*{_PERSON})+$")
_EVALUATION_OF = re.compile(
    r"\b(?:utvardering|uppfoljning|granskning|studie|forstudie|analys)\w* (?:av|om) (?:insatsen |projektet )?"
    # "Slutrapport för projektet Brobyggarna", "Lägesrapport för insatsen Kliv"
    r"|\b\w*(?:rapport|redovisning)\w* (?:for|av|om) (?:(?:insatsen|projektet|forstudien) )?"
)
_DESCRIPTION = re.compile(r"(?:om|av|for|till|fran|en|ett|de|den|det|avseende|kring|inom)\b")
_LINE_MARKUP = re.compile(r"^[#>*\s|-]+|[*|]+\s*$|<[^>]+>|\*\*")


def report_type(text: str) -> str:
    """The report's kind from the words of its title page; "okand" for a document that names no genre."""
    lines = title_lines(text)
    for line in lines:
        if _FORBUND_DOCUMENT.search(fold(line)):
            return "okand"
        kind = _genre(fold(line))
        if kind:
            return kind
    # A genre word in running prose ("… en ansökan om sjukpenning") says nothing about the document, except
    # the two words only the report forms use.
    head = re.search(r"\b(kvartalsrapport|slutrapport)\b", fold(text[:1500]))
    if head:
        return head.group(1)
    title_page = " ".join(fold(line) for line in lines)
    if _ACADEMIC.search(title_page):
        return "utvardering"
    if re.search(r"\b\w*rapport\b", title_page):
        return "rapport"
    return "okand"


def _genre(folded: str) -> str | None:
    match = _GENRE.search(folded)
    if match is None:
        return None
    index = next(i for i, value in enumerate(match.groups()) if value is not None)
    return GENRES[index][1]


def opens_with_genre(phrase: str) -> bool:
    """Whether ``phrase`` opens with a report-kind word ("Tertialrapport T3", "En utvärdering av …", "Slutrapport")."""
    words = re.sub(r"^(?:en|ett)\s+", "", fold(phrase).strip()).split()
    return bool(words) and bool(_GENRE_WORD.match(words[0]))


def is_byline(line: str) -> bool:
    """Whether ``line`` is a by-line of two or more full names ("Anna Berg och Olof Ek")."""
    return bool(_AUTHORS.match(line.strip()))


def title_lines(text: str) -> list[str]:
    """The first short non-empty lines: the title page, without markup."""
    lines = []
    for raw in text[:3000].split("\n"):
        line = _LINE_MARKUP.sub("", raw).strip()
        # A title is short and no sentence: "Ja, men om ansökan inte beviljas måste ni …" is prose.
        heading = raw.lstrip().startswith("#") or line.isupper()  # a long title is set as a heading
        too_long = len(line) > (240 if heading else 160) or len(line.split()) > (32 if heading else 16)
        if not line or too_long or "....." in line or re.search(r"[.!]$", line):
            continue
        if re.match(r"\d{1,2}(\.\d+)*\.?\s", line):  # the form's first numbered section: the title page is over
            break
        if _FIRST_LETTERED_PART.match(line):  # "A. Uppgifter om …": a form lettered by parts starts its body
            break
        # "Innehåll", "Sammanfattning", … end the title page; but a line naming the report's genre ("SLUTRAPPORT –
        # AVSLUTAD I FÖRTID") is its title, whatever section words it also holds.
        if len(line.split()) <= 4 and section_key(line)[0] is not None and _genre(fold(line)) is None:
            break
        lines.append(line)
        if len(lines) >= _TITLE_LINES:
            break
    return lines


def title_name(text: str) -> tuple[str, int, int] | None:
    """The insats name the title page states, with its span in ``text``: a title line without its genre
    words ("Motivationslyftet Ockelbo – förstudie om …"), the object of "utvärdering av (insatsen) X", or a
    title line of its own. The name must recur in the text (twice at least), so a motto or a heading is no
    name; it is returned as the text writes it most often (titles are often in capitals)."""
    lines = title_lines(text)
    joined: list[str] = []
    for line in lines:  # "EN UTVÄRDERING AV INSATSEN" / "HÄLSOLOTSEN SANDVIKEN 2020–2022" is one title
        if joined and re.search(r"\b(av|om|for|i|insatsen|projektet|och)$", fold(joined[-1])):
            joined[-1] += " " + line
        else:
            joined.append(line)
    strong: list[str] = []  # the object of "utvärdering av …": the title says what is evaluated
    plain: list[str] = []
    for line in joined:
        if _NOT_A_TITLE.search(fold(line)) or _ROLE_FIELD.match(fold(line)) or _AUTHORS.match(line):
            continue
        for part in re.split(r"\s[–—-]\s|:\s", line):
            part = part.strip()
            folded = fold(part)
            evaluated = _EVALUATION_OF.search(folded)
            if evaluated:
                rest = part[evaluated.end() :]
                # "utvärdering av en insats för unga" describes; a name is capitalised ("… för Brobyggarna").
                if rest[:1].isupper() and not _DESCRIPTION.match(fold(rest)):
                    strong.append(rest)
                continue
            first, _, rest = part.partition(" ")
            if _GENRE_WORD.match(fold(first)):
                # "Slutrapport Jobbspåret Gävle" names the insats; "Förstudie om vägar framåt" describes it.
                if rest and not _DESCRIPTION.match(fold(rest)):
                    plain.append(rest)
                continue
            plain.append(part)
    for candidate in strong + plain:
        forms = _trimmed(candidate)
        for name in forms:
            found = _as_written(text, name)
            if found is not None:
                return found
        found = _shortened(text, forms[0]) if forms else None
        if found is not None:
            return found
    return None


def _shortened(text: str, name: str) -> tuple[str, int, int] | None:
    """``name`` as the title states it ("Boendehjälpen Exempelby"), when the title is the one place the name
    stands in full and the text then calls the insats by its name word alone ("Boendehjälpen erbjuder …"):
    a title gives the name with its kommun once, running text drops the place it is set in."""
    place = re.search(r"\s+([A-ZÅÄÖ][\wåäöÅÄÖ]+)$", name)
    if place is None or not _is_kommun(place.group(1)):
        return None
    head = name[: place.start()].strip()
    if not _plausible(head) or _GENRE_WORD.match(fold(head.split()[0])):
        return None
    # The name word as the name writes it (a capital, "FamiljeJobb"), not the same word in prose.
    written = re.compile(r"(?<![\w-])" + r"\s+".join(re.escape(w) for w in head.split()) + r"(?![\w-])")
    if len(written.findall(text)) < 2:
        return None
    full = re.compile(r"(?<![\w-])" + r"\s+".join(re.escape(w) for w in name.split()) + r"(?![\w-])")
    match = full.search(text)
    if match is None:
        return None
    return re.sub(r"\s+", " ", match.group()), match.start(), match.end()


def without_subtitle(name: str) -> str:
    """``name`` without a subtitle after a dash or colon: lower-case prose of several words describes the insats
    ("Brobyggarna – arbetsträning för unga"); a capitalised word after a dash is part of the name ("… - Hudiksvall")."""
    head = re.split(r"\s[–—-]\s|:\s", name, maxsplit=1)[0]
    tail = name[len(head) :].strip(" –—-:")
    if head != name and tail[:1].islower() and len(tail.split()) >= 2 and head.strip():
        return head.strip()
    return name


def _trimmed(candidate: str) -> list[str]:
    """A title part down to the name: no years, no subtitle; with, and then without, "i Sandviken" (the
    place may be part of the name as the text writes it, or only where the insats ran)."""
    name = re.sub(r"\s*\b(19|20)\d\d(\s*[–—-]\s*(19|20)?\d\d)?\b.*$", "", candidate)
    name = re.split(r"\s[–—-]\s|[:?!,;]|\.(?:\s|$)", name)[0].strip(" \"'“”")
    forms = [name]
    place = re.search(r"\s+i\s+([A-ZÅÄÖ][\wåäöÅÄÖ]+?)s?(?:\s+kommun)?$", name, re.IGNORECASE)
    if place and _is_kommun(place.group(1)):
        forms.append(name[: place.start()])
    return [f for f in forms if _plausible(f)]


def _plausible(name: str) -> bool:
    words = re.findall(r"[\w]+", name)
    if not (1 <= len(words) <= 8) or len(name) < 3:
        return False
    # "Gävleborg", "Region Gävleborg", "Hofors kommun", "Hofors kommuns": a place or its kommun, no insats; and
    # an owner or partner is an organisation: a kommun, region or authority runs an insats and is never its name.
    return not all(_is_place(w) or _is_place(w[:-1]) or fold(w) in _AUTHORITIES for w in words)


# The state authorities that are members of every förbund: they take part in insatser, they are none.
_AUTHORITIES = frozenset({"arbetsformedlingen", "forsakringskassan"})


# The counties (län, regions): with the kommuner, the places a title names besides the insats.
_LAN = frozenset(
    "region lan kommun blekinge dalarna dalarnas gavleborg gavleborgs gotland halland jamtland jonkoping kalmar "
    "kronoberg norrbotten skane stockholm sodermanland uppsala varmland vasterbotten vasternorrland vastmanland "
    "vastra gotaland orebro ostergotland harjedalen".split()
)


def _is_place(word: str) -> bool:
    return fold(word) in _LAN or _is_kommun(word)


def _is_kommun(word: str) -> bool:
    from index.places import kommuner

    names = kommuner()
    return fold(word) in names or fold(word + "s") in names


@lru_cache(maxsize=2)
def _folded_document(text: str) -> str:
    # One report's text is searched for several candidate names in a row: fold it once.
    return fold(text)


def _as_written(text: str, name: str) -> tuple[str, int, int] | None:
    """The name as the text writes it most often (at least twice), with the span of its first occurrence."""
    words = fold(name).split()
    pattern = re.compile(r"\b" + r"[\s\-–]+".join(re.escape(w) for w in words) + r"\b")
    folded = _folded_document(text)
    matches = list(pattern.finditer(folded))
    if len(matches) < 2:
        return None
    forms: dict[str, list[int]] = {}
    for match in matches:
        end = match.end()
        # "Steg för steg Sandviken": the kommun the text writes after the name belongs to it.
        place = _FOLLOWING_PLACE.match(text, end)
        if place and _is_kommun(place.group(1)) and fold(place.group(1)) not in fold(name):
            end = place.end()
        forms.setdefault(text[match.start() : end], []).append(match.start())
    # Prefer a form that is not all capitals (the running text's spelling), then the commonest.
    best = max(forms, key=lambda f: (not f.isupper(), len(forms[f])))
    start = forms[best][0]
    return re.sub(r"\s+", " ", best), start, start + len(best)


# Words of a file or folder name that are no part of the insats name: genres, years, quarters, versions.
_FILE_NOISE = re.compile(r"(?:\d+|q\d|kv\d|kvartal|v\d+|version|final|slutlig|sr|hig|rapport\w*|utvardering\w*)$")


def file_name(text: str, source: str) -> tuple[str, int, int] | None:
    """The insats name a file or its folder is named after ("Slutrapport_Jobbsparet_Gavle.md",
    "Brobyggarna Timrå/slutrapport.pdf"), as the text writes it (twice at least)."""
    parts = source.replace("\\", "/").split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    for candidate in (stem, *reversed(parts[:-1])):
        words = [w for w in re.split(r"[\s_.-]+", candidate) if w]
        kept = [w for w in words if not _FILE_NOISE.match(fold(w)) and not _GENRE_WORD.match(fold(w))]
        if not kept or not _plausible(" ".join(kept)):
            continue
        found = _as_written(text, " ".join(kept))
        if found is not None:
            return found
    return None

"""Extract what a report says about itself, each value with the span it came from.

The templates are forms: a label ("Beviljade medel för insatsen") followed by its value on the same line,
after a ``<br>`` inside a table cell, or on the next non-empty line. Labels are matched on folded text so
that OCR'd files without å/ä/ö ("Allmanna uppgifter", "Insatstid - 4333-mm-dd") work too. Values are
normalised (money to whole kronor, dates to ISO) and keep the raw text and offsets for citing.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date

from index import titlepage
from index.analyze import fold
from index.mentions import abbreviations, find_mentions
from index.money import amount, budget_table, granted_and_used
from index.places import kommuner
from index.records import Field, ReportMeta, Section

# Labels as regexes over folded text, anchored to the start of a line or table cell.
_CELL = r"(?:^|\||<br>|\*\*)[ \t*]*"
# A form whose table cells come out as one line ("Insatsens namn X<TAB>Insatstid – åååå-mm-dd 2022…
# Beviljade medel för insatsen 1 240 000 kr Utnyttjade medel …") has its labels mid-line: for these
# fields, whose labels are form wording and not everyday words, a label may also follow a space or tab.
_INLINE = r"(?:^|\||<br>|\*\*|(?<=[ \t]))[ \t*]*"
_INLINE_FIELDS = frozenset({"period", "beviljade_medel", "utnyttjade_medel", "arbetsstalle"})
LABELS: dict[str, str] = {
    # "Insatsens namn", "Namn på insatsen", "Projektnamn", "Förstudiens namn"; a bare "Insats:"/"Projekt:"
    # only as a form label (a colon or a table cell follows), since the words also begin sentences.
    "insats_namn": r"(?:insatsens|projektets|forstudiens)(?:\s*/\s*\w+)?\s+(?:namn|titel|benamning)|"
    r"namn pa (?:insatsen|projektet|forstudien)(?:\s*/\s*\w+)?|insatsnamn|projektnamn|"
    r"(?:insats|projekt)(?=\s*(?::|\||\t))",
    # Insatstid, projekttid, förstudietid, projektperiod, genomförandetid, the quarter a report covers.
    "period": r"(?:insat?s?|projekt|forstudie|genomforande)tid\b(?:[^\n|<\t]*?(?:dd\b|:))?|"
    r"(?:insats|projekt|rapport|redovisnings)period(?:en)?\b|kvartalsrapporten galler for perioden|"
    r"(?:rapporten|redovisningen) (?:avser|galler) (?:perioden|tiden)|"
    # A bare "Period:" (or "Period för insatsen |") is a form label when a colon or a cell follows; the word
    # alone begins sentences too ("Perioden präglades av …").
    r"(?<!\w)(?<!\w )period(?: for (?:insatsen|projektet))?(?=[ \t*]*(?::|\|))",
    # "Beviljade medel (för insatsen)", "Beviljat belopp", "Beviljade samverkansmedel", "Beviljat stöd":
    # a granted amount follows (a colon, a cell, a digit), never prose ("beviljade medel för att anställa").
    "beviljade_medel": r"beviljade medel for insatsen|beviljat belopp|bevilja(?:t|de|d) (?:[\w-]+ )?(?:\w*medel|budget|"
    r"bidrag|stod|belopp)(?=\s*(?:<br>|\n|:|\||\t|\d|totalt|for (?:hela )?(?:insats|projekt|forstudie|perioden)))|"
    r"(?:totalt )?beviljat(?=\s*(?::|\|))",
    "utnyttjade_medel": r"(?:utnyttjade|forbrukade|nyttjade|upparbetade|anvanda) (?:[\w-]+ )?\w*medel"
    r"(?=\s*(?:<br>|\n|:|\||\t|\d|totalt))|(?:utnyttjat|forbrukat|nyttjat) belopp(?=\s*(?:<br>|\n|:|\||\t|\d))|"
    r"(?:utnyttjat|forbrukat|totalt utfall)(?=\s*(?::|\|))|"
    # "Förbrukat av beviljade medel | 1 577 950 av 1 580 000 kr"
    r"(?:utnyttjat|forbrukat|nyttjat) av (?:de )?beviljade medl?e[nl](?=\s*(?:<br>|\n|:|\||\t|\d))",
    "diarienummer": r"diarienummer|dnr|arendenummer",
    "organisation": r"organisations ?namn|huvudman(?: for insatsen)?|insatsagare|projektagare|"
    r"ansvarig organisation|sokande organisation",
    "arbetsstalle": r"arbetsst.llets namn",
    "kontaktperson": r"namn - kontaktperson for insatsagare|kontaktperson",
    "samverkanspart": r"organisation(?!s)",
}
# A title page's list of the organisations an insats works with, as a form label (a colon or a cell follows, so a
# "Samverkansparter" heading is not one): "Medverkande parter:", "| Samverkansparter |", "Samverkande organisationer:".
_PARTNER_LIST = (
    r"(?:(?:medverkande|samverkande|deltagande) (?:parter|organisationer|aktorer)|samverkans?(?:parter|partners?))"
    r"(?=[ \t*]*(?::|\||\t))"
)
_ANY_LABEL = re.compile(
    r"^[ \t|*]*(?:" + "|".join(LABELS.values()) + "|" + _PARTNER_LIST + r"|signatur|ankomstdatum|registreringsdatum|"
    r"mobiltelefonnummer|e-postadress|postnummer|postadress|datum|namn)\b",
    re.MULTILINE,
)
# Labels that end a value written on the same line ("Insatsens namn X Insatstid – åååå-mm-dd 2022…" when a
# form's table cells come out as one line): form field names only, never a word a name could hold.
_NEXT_LABEL = re.compile(
    r"\s(?:insat?s?tid|projekttid|forstudietid|beviljade medel|beviljat belopp|utnyttjade medel|forbrukade medel|"
    r"organisations ?namn|arbetsst.llets namn|namn - kontaktperson|kontaktperson|mobiltelefonnummer|"
    r"e-postadress|postnummer|postadress|huvudman for insatsen|diarienummer|signatur|ankomstdatum|"
    r"registreringsdatum)\b"
)
# Form placeholders are never values: "åååå-mm-dd", "ÅÅMMDD", "Ange …", "Beskriv …", "Klicka här …".
_PLACEHOLDER = re.compile(r"\b(?:[a\d]{2,4}-?mm-?dd|yyyy-mm-dd|x{4}-xx-xx)\b")
# Matched on the text as written: folded, "Ånge kommun" would read as "Ange …".
_PLACEHOLDER_VALUE = re.compile(
    r"(?:ange|beskriv|fyll i|skriv|klicka|redogör|namn på|insatsens namn|xx+)\b|\[.*\]$|<.*>$|\.{3,}$|_+$",
    re.IGNORECASE,
)
_LEADER = re.compile(r"(?<=[^\W\d_] )\.{3,}(?= )")
_DATE = r"(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{6})"
_MONEY = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+|\d+")
# A case number: letters, then figures that "-", "." or "/" may join ("SFG 24-17", "SSD 2021/027").
_DNR_VALUE = re.compile(r"[A-ZÅÄÖ]{2,6}[ -]?\d[\d./-]*(?: \d[\d./-]*)?(?<![./-])")
_DNR = re.compile(r"\b(?:dnr|diarienummer)[:.]?\s*([A-ZÅÄÖ]{2,6}[ -]?\d[\d ./-]*\d)", re.IGNORECASE)
_QUOTED_PROJECT = re.compile(r"(?:projektet|insatsen|projekt)\s+[\"“”]([^\"“”\n]{3,60})[\"“”]", re.IGNORECASE)
# Participants counted: "Totalt har 74 personer …", "43 unga har skrivits in" (youth insatser count "unga").
_PARTICIPANTS = re.compile(
    r"(?:[Tt]otalt (?:har )?(?:[^\W\d]+ ){0,4}(\d+) (?:personer|deltagare|individer|invånare|unga|ungdomar))"
    r"|(?:(\d+) (?:personer|deltagare|individer|invånare|unga|ungdomar) (?:som )?(?:har )?"
    r"(?:deltagit|skrivits in|inskrivna|inom insatsens ramar))"
    r"|(?:haft (\d+) (?:personer|deltagare|individer|invånare|unga|ungdomar))"
)
_TABLE_FIGURE = re.compile(
    r"^[|\s]*(?:<b>)?(inskrivna|avslutade[^\t|<]*|pågående[^\t|<]*|avbrutit|deltagare[^\t|<]*|antal deltagare)"
    r"(?:</b>)?\s*[\t|]\s*(\d+)",
    re.IGNORECASE | re.MULTILINE,
)


def extract_meta(text: str, sections: list[Section], *, source: str) -> ReportMeta:
    """Everything the register needs from one report.

    Args:
        text: the document text (already repaired for OCR files: same length, so offsets hold).
        sections: from ``find_sections(text)``.
        source: the report's path relative to the archive root.
    """
    # A form's dotted leader ("Beviljade medel ....... 2 680 000 kr") separates label and value as a colon does;
    # read as one (same length, so offsets hold).
    folded = _LEADER.sub(lambda m: ":" + " " * (len(m.group()) - 1), fold(text))
    fields: list[Field] = []
    for name in (
        "insats_namn",
        "beviljade_medel",
        "utnyttjade_medel",
        "diarienummer",
        "organisation",
        "arbetsstalle",
        "kontaktperson",
    ):
        found = next(_label_values(text, folded, name), None)
        if found is not None:
            fields.append(found)
    for name, field in (*budget_table(text), *granted_and_used(text)):  # a table's total row, a sentence
        if not any(f.name == name for f in fields):
            fields.append(field)
    fields += _period(text, folded)
    fields += _period(text, folded, labels=_REPORT_PERIOD, prose=None, prefix="rapportperiod")
    fields += _partners(text, folded, sections)
    fields += _dnr_in_text(text)
    fields += _participants(text)
    report_type = titlepage.report_type(text)
    title = _title(text, sections)
    insats, name_source = _insats_name(text, fields, title, source, report_type=report_type)
    if insats is not None and name_source != "field":
        fields.append(insats)
    kommun = _kommun(text, fields, title)
    if kommun is not None:
        fields.append(kommun)
    return ReportMeta(
        source=source,
        report_type=report_type,
        title=title,
        insats_name=insats.value if insats else None,
        kommun=kommun.value if kommun else None,
        fields=tuple(fields),
        mentions=tuple(find_mentions(text, exclude=insats.value if insats else None)),
        abbreviations=tuple(abbreviations(text)),
        name_source=name_source,
    )


def _label_values(text: str, folded: str, name: str, label: str | None = None) -> Iterator[Field]:
    """Values of field ``name`` after each of its form labels (``label``, else the field's own)."""
    prefix = _INLINE if name in _INLINE_FIELDS else _CELL
    pattern = re.compile(prefix + r"(?:" + (label or LABELS[name]) + r")", re.MULTILINE)
    for match in pattern.finditer(folded):
        value = _value_after(text, folded, match.end())
        if value is None:
            continue
        start, end = value
        if name == "diarienummer":  # "Diarienummer: SFG 24-17. Signatur: …": keep just the number
            number = _DNR_VALUE.search(text, start, end)
            if number is None:
                continue
            start, end = number.span()
        start, end = _trim_value(text, folded, start, end)
        if name == "insats_namn":  # "Brobyggarna – arbetsträning för unga": the subtitle describes, the name is before
            end = start + len(titlepage.without_subtitle(text[start:end]))
        if start >= end:
            continue
        raw = text[start:end]
        normalised = _normalise(name, raw)
        if normalised:
            yield Field(name, normalised, raw, start, end)


def _trim_value(text: str, folded: str, start: int, end: int) -> tuple[int, int]:
    """The value up to the next form label on its line and without placeholder text; empty if a placeholder."""
    following = _NEXT_LABEL.search(folded, start, end)
    if following is not None:
        end = following.start()
    placeholder = _PLACEHOLDER.search(folded, start, end)
    if placeholder is not None:
        end = placeholder.start() if placeholder.start() > start else start
    if _PLACEHOLDER_VALUE.match(text[start:end]):  # "Ange insatsens namn", "[namn]", "....."
        return start, start
    while end > start and folded[end - 1] in " \t–-:|*":
        end -= 1
    return start, end


def _value_after(text: str, folded: str, position: int) -> tuple[int, int] | None:
    """The value following a label: rest of the cell/line, else the next non-empty line that is no label."""
    line_end = _cell_end(text, position)
    rest = text[position:line_end]
    # A form's dotted leader between label and value ("Insatsens namn ........ Yrkesstart Vara") is no value.
    stripped = re.sub(r"^\.{2,}[ \t]*", "", rest.strip(" \t:–-*")).strip(" \t:–-*")
    if stripped and not re.fullmatch(r"[\s|]*", stripped):
        offset = position + rest.index(stripped)
        return offset, offset + len(stripped)
    if line_end < len(text) and text[line_end] in "|\t":  # "| Insatsens namn | Värde |": the next cell
        cell_end = _cell_end(text, line_end + 1)
        candidate = text[line_end + 1 : cell_end].strip(" \t*")
        if candidate and not _ANY_LABEL.match(folded, line_end + 1 + text[line_end + 1 : cell_end].index(candidate)):
            offset = line_end + 1 + text[line_end + 1 : cell_end].index(candidate)
            return offset, offset + len(candidate)
    cursor = line_end
    for _ in range(3):  # look at most a few lines ahead; the next label means the field is empty
        if cursor >= len(text):
            return None
        if text.startswith("<br>", cursor):
            cursor += 4
        else:
            cursor = text.find("\n", cursor) + 1 if text[cursor] != "\n" else cursor + 1
            if cursor == 0:
                return None
        end = _cell_end(text, cursor)
        candidate = text[cursor:end].strip(" \t|*")
        if not candidate:
            cursor = end
            continue
        if _ANY_LABEL.match(folded, cursor):
            return None
        offset = cursor + text[cursor:end].index(candidate)
        return offset, offset + len(candidate)
    return None


def _cell_end(text: str, position: int) -> int:
    marks = ("\n", "<br>", "|", "\t")
    ends = [i for i in (text.find(mark, position) for mark in marks) if i >= 0]
    return min(ends) if ends else len(text)


def _normalise(name: str, raw: str) -> str | None:
    if name in ("beviljade_medel", "utnyttjade_medel"):
        return amount(raw)
    if name == "diarienummer":
        value = raw.strip()
        return value if re.search(r"\d", value) and len(value) <= 30 else None
    value = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw)).strip(" *|")
    return value or None


_MONTHS = {
    m: i
    for i, m in enumerate(
        "januari februari mars april maj juni juli augusti september oktober november december".split(), 1
    )
}
_WORD_DATE = r"\d{1,2} (?:" + "|".join(_MONTHS) + r") \d{4}"


def parse_date(raw: str) -> str | None:
    """``2019-10-01``, ``20191001``, ``191001`` or ``1 oktober 2019`` → ISO date, or None when it is none."""
    words = re.fullmatch(r"(\d{1,2}) (\w+) (\d{4})", raw.strip().lower())
    if words:
        month = _MONTHS.get(words.group(2))
        try:
            return date(int(words.group(3)), month, int(words.group(1))).isoformat() if month else None
        except ValueError:
            return None
    digits = raw.replace("-", "")
    if len(digits) == 6:
        digits = "20" + digits
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).isoformat()
    except ValueError:
        return None


# Prose: "under perioden …", "pågick under/från …", "bedrevs från … till …", "projekttiden …".
_PERIOD_PROSE = r"under perioden|(?:pagick|bedrevs|genomfordes|drevs) (?:under|fran|mellan)|projekttid(?:en)?"
# The time a report covers (a quarterly report's quarter), which the insats's own period label may precede.
_REPORT_PERIOD = (
    r"kvartalsrapporten galler for perioden|(?:rapporten|redovisningen) (?:avser|galler) (?:perioden|tiden)"
    r"|(?:rapport|redovisnings)period(?:en)?\b"
)


def _period(
    text: str, folded: str, *, labels: str = LABELS["period"], prose: str | None = _PERIOD_PROSE, prefix: str = "period"
) -> list[Field]:
    """Start and end dates: the labelled template field first, else "under perioden X-Y" in prose. With the
    report-period ``labels`` and ``prefix`` "rapportperiod", the time the report itself covers."""
    candidates: list[int] = []
    label = re.compile(_INLINE + r"(?:" + labels + r")", re.MULTILINE)
    candidates += [m.end() for m in label.finditer(folded)]
    if prose is not None:
        candidates += [m.end() for m in re.finditer(prose, folded)]
    pair = re.compile(rf"({_DATE}|{_WORD_DATE})\s*(?:[-–—]|till|t\.o\.m\.?)\s*({_DATE}|{_WORD_DATE})", re.IGNORECASE)
    for position in candidates:
        match = pair.search(text, position, min(len(text), position + 120))
        if match:
            start, end = parse_date(match.group(1)), parse_date(match.group(2))
            if start and end and start <= end:
                return [
                    Field(f"{prefix}_start", start, match.group(1), match.start(1), match.end(1)),
                    Field(f"{prefix}_end", end, match.group(2), match.start(2), match.end(2)),
                ]
    return []


def _partners(text: str, folded: str, sections: list[Section]) -> list[Field]:
    """The partner organisations: each "Organisation" of the partners section, else the title page's list."""
    spans = [(s.start, s.end) for s in sections if s.key == "samverkansparter"]
    found = [f for f in _label_values(text, folded, "samverkanspart") if any(a <= f.start < b for a, b in spans)]
    return found or list(itertools.islice(_label_values(text, folded, "samverkanspart", _PARTNER_LIST), 1))


def _dnr_in_text(text: str) -> list[Field]:
    return [
        Field("diarienummer", m.group(1).strip(), m.group(1), m.start(1), m.end(1))
        for m in _DNR.finditer(text)
        if m.group(0)[:3].lower() == "dnr"
    ]


def _participants(text: str) -> list[Field]:
    fields = []
    for m in _TABLE_FIGURE.finditer(text):
        cell = _outcome_cell(text, m)
        name = f"deltagare:{fold(m.group(1)).strip()}"
        if cell is None:
            fields.append(Field(name, m.group(2), m.group(0).strip(" |"), m.start(), m.end()))
        elif cell:
            start, value = cell
            fields.append(Field(name, value, value, start, start + len(value)))
    for match in _PARTICIPANTS.finditer(text):
        if "intervju" in match.group(0).lower():
            continue
        group = next(i for i in (1, 2, 3) if match.group(i))
        begin = max(text.rfind("\n", 0, match.start()), text.rfind(". ", 0, match.start()) + 1) + 1
        line = text[begin : match.start()].lstrip(" -*•")
        # "Att tillhandahålla stöd för totalt 45 deltagare" states the goal, not the outcome.
        kind = "mal" if line.startswith("Att ") or re.search(r"\bm[aå]l", line, re.IGNORECASE) else "totalt"
        fields.append(Field(f"deltagare:{kind}", match.group(group), match.group(0), match.start(), match.end()))
    return fields


def _outcome_cell(text: str, match: re.Match[str]) -> tuple[int, str] | tuple[()] | None:
    """None when a table row's count is its first figure; but when the table's header sets a goal's figure in a
    column of its own before the result's ("| Mål | Målvärde | Resultat |"), the result column's figure with its
    offset, or () when that cell holds none."""
    if not text[match.start() : match.start() + 40].lstrip(" ").startswith("|"):
        return None  # a row of a tab or DOCX table: its own first figure
    lines = text[: match.start()].split("\n")
    header = None
    for line in reversed(lines[:-1]):
        if not line.lstrip().startswith("|"):
            break
        header = line
    if header is None:
        return None
    heads = [fold(c).strip() for c in header.strip().strip("|").split("|")]
    result = next((i for i, h in enumerate(heads) if re.match(r"resultat|utfall", h)), None)
    target = next((i for i, h in enumerate(heads[1:], start=1) if re.match(r"mal|planer|forvant", h)), None)
    if result is None or target is None or target > result:
        return None
    line_end = text.find("\n", match.start())
    row = text[match.start() : line_end if line_end >= 0 else len(text)]
    bars = [i for i, c in enumerate(row) if c == "|"]
    opened = 1 if row.lstrip().startswith("|") else 0  # a leading bar opens the first cell
    if len(bars) < result + opened:
        return ()
    begin = bars[result + opened - 1] + 1
    figure = re.match(r"\s*(\d+)", row[begin:])
    return (match.start() + begin + figure.start(1), figure.group(1)) if figure else ()


def _title(text: str, sections: list[Section]) -> str:
    for section in sections:
        if section.heading and section.key is None and len(section.heading) > 25:
            return section.heading
    first = next((line.strip("#* \t") for line in text.splitlines() if len(line.strip("#* \t")) > 3), "")
    return first[:200]


def _insats_name(
    text: str, fields: list[Field], title: str, source: str, *, report_type: str = "okand"
) -> tuple[Field | None, str]:
    """The insats name and where it came from: a name field, the title page, quotes in the text, the file or
    folder name as the text writes it, or (naming no insats) the title itself."""
    named = next((f for f in fields if f.name == "insats_namn"), None)
    if named is not None:
        return named, "field"
    stated = titlepage.title_name(text)
    if stated is not None:
        name, start, end = stated
        if report_type == "forstudie" and name[:1].islower():
            # A förstudie studies a need before any insats has a name: its subject, which the text writes in lower
            # case as the description it is ("unga i behov av stöd"), names it together with the genre.
            return Field("insats_namn", f"Förstudie {name[:1].upper()}{name[1:]}", text[start:end], start, end), "title"
        return Field("insats_namn", name, text[start:end], start, end), "title"
    quoted = Counter(m.group(1).strip() for m in _QUOTED_PROJECT.finditer(text))
    if quoted:
        name = quoted.most_common(1)[0][0]
        match = next(m for m in _QUOTED_PROJECT.finditer(text) if m.group(1).strip() == name)
        return Field("insats_namn", name, match.group(1), match.start(1), match.end(1)), "text"
    from_file = titlepage.file_name(text, source)  # "Slutrapport_Jobbsparet_Gavle.md" → "Jobbspåret Gävle" in the text
    if from_file is not None:
        name, start, end = from_file
        return Field("insats_namn", name, text[start:end], start, end), "file"
    if title:
        start = max(text.find(title), 0)
        # "STEG FÖR STEG I SANDVIKEN – UTVÄRDERING AV EN …": the name is the part that is not the genre.
        parts = [p for p in re.split(r"\s[–—-]\s|:\s", title) if p.strip()]
        # A report-kind phrase ("Tertialrapport T3 2022", "En utvärdering") says what the document is, not which insats.
        kept = [p for p in parts if not titlepage.opens_with_genre(p)]
        name = (kept or parts or [title])[0].strip()
        offset = start + title.find(name)
        return Field("insats_namn", name, name, offset, offset + len(name)), "heading"
    return None, ""


def find_kommun(text: str) -> tuple[str, int, int] | None:
    """The first kommun named in ``text`` (genitive allowed: "Hudiksvalls kommun"), with its span."""
    names = kommuner()
    # Two words first ("Upplands Väsby"), then the first alone; a two-word miss ("Hälsolotsen Sandviken")
    # leaves its second word to be tried as the next candidate.
    for match in re.finditer(r"(?=([A-ZÅÄÖ][\wåäöÅÄÖ-]+)((?: [A-ZÅÄÖ][\wåäö]+)?))(?<![\wåäöÅÄÖ-])", text):
        first, second = match.group(1), match.group(2)
        for span in ((first + second) if second else None, first):
            if not span:
                continue
            word = fold(span)
            for candidate in (word, word[:-1] if word.endswith("s") else None):
                if candidate and candidate in names:
                    return names[candidate], match.start(), match.start() + len(span)
    return None


def _kommun(text: str, fields: list[Field], title: str) -> Field | None:
    title_start = text.find(title) if title else -1
    in_title = find_kommun(title.title()) if title_start >= 0 else None
    for field in fields:
        if field.name in ("organisation", "insats_namn", "arbetsstalle"):
            found = find_kommun(text[field.start : field.end])
            if found:
                return Field("kommun", found[0], field.raw, field.start, field.end)
    if in_title is not None:  # "Utvärdering av … i Sandvikens kommun": the title names the insats's kommun
        return Field(
            "kommun",
            in_title[0],
            title[in_title[1] : in_title[2]],
            title_start + in_title[1],
            title_start + in_title[2],
        )
    names = kommuner()
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, int]] = {}
    for match in re.finditer(r"\b[A-ZÅÄÖ][a-zåäöA-ZÅÄÖ-]+", text[:20000]):
        word = fold(match.group(0))
        name = names.get(word) or (names.get(word[:-1]) if word.endswith("s") else None)
        if name:
            counts[name] += 3 if title and match.start() < 2000 and fold(name) in fold(title) else 1
            first.setdefault(name, (match.start(), match.end()))
    if not counts:
        return None
    name = counts.most_common(1)[0][0]
    start, end = first[name]
    return Field("kommun", name, text[start:end], start, end)

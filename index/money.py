"""Money as reports write it: amounts with units, and the total row of a budget | utfall table.

Pure functions over report text; values are whole kronor as strings, like every register value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.analyze import fold
from index.records import Field

# An amount with its unit: "1 250 000 kr", "1 250 tkr", "1,25 mnkr" (a bare number under 1 000 is no grant).
_AMOUNT = re.compile(
    r"(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:,(\d+))?\s*"
    r"(tkr|tusen kronor|mkr|mnkr|msek|miljoner(?: kronor)?|kr|kronor|sek)?(?![\w-])",
    re.IGNORECASE,
)
_SCALE = {"tkr": 1_000, "tusen kronor": 1_000, "mkr": 1_000_000, "mnkr": 1_000_000, "msek": 1_000_000}


def amount(raw: str) -> str | None:
    """The first amount in ``raw`` in whole kronor ("2 530 000 kr" → "2530000", "1,2 mnkr" → "1200000")."""
    match = _AMOUNT.search(raw)
    if match is None:
        return None
    whole = int(re.sub(r"\D", "", match.group(1)))
    unit = (match.group(3) or "").lower()
    scale = _SCALE.get(unit, 1_000_000 if unit.startswith("miljoner") else 1)
    decimals = match.group(2) or ""
    value = whole * scale + (int(decimals) * scale // 10 ** len(decimals) if decimals and scale > 1 else 0)
    if scale == 1 and not unit and value < 1000:
        return None  # "Beviljade medel för 2 coacher": a count, not money
    return str(value)


def amounts(text: str) -> Iterator[tuple[int, int, str]]:
    """Every amount written with its unit ("1 312 560 kr", "drygt 1,2 miljoner kronor"): (start, end, whole kronor)."""
    for match in _AMOUNT.finditer(text):
        if match.group(3) and (value := amount(match.group(0))) is not None:
            yield match.start(), match.end(), value


def ungrouped(text: str) -> str:
    """Digits as a reader sees them: "4 860 000" and "4860000" alike (a space or no-break space groups thousands)."""
    return re.sub(r"(?<=\d)[ \u00a0](?=\d{3}\b)", "", text)


# A budget table: a header row with a budget column and an outcome column, and a total row.
_BUDGET_COLUMN = re.compile(r"\b(?:budget\w*|beviljat?|beviljade(?: medel)?)\b")
_OUTCOME_COLUMN = re.compile(r"\b(?:utfall\w*|utnyttjat?|utnyttjade(?: medel)?|forbrukat|bokfort|faktisk\w*)\b")
_TOTAL_ROW = re.compile(r"(?:totalt?|summa|total|totala kostnader|summa kostnader)\b")


def budget_table(text: str) -> Iterator[tuple[str, Field]]:
    """Granted and used money from the total row of a budget | utfall table (markdown, tabs or a DOCX table)."""
    rows = list(_table_rows(text))
    for i, (cells, _) in enumerate(rows):
        heads = [fold(c) for c, _ in cells]
        budget = next((k for k, h in enumerate(heads) if _BUDGET_COLUMN.search(h)), None)
        outcome = next((k for k, h in enumerate(heads) if _OUTCOME_COLUMN.search(h)), None)
        if budget is None or outcome is None or budget == outcome:
            continue
        for later, line_start in rows[i + 1 : i + 40]:
            if line_start is None:
                break
            if later and _TOTAL_ROW.match(fold(later[0][0]).strip("*_ ")):  # "**Summa**" in bold
                for name, column in (("beviljade_medel", budget), ("utnyttjade_medel", outcome)):
                    if column < len(later) and (value := amount(later[column][0])):
                        cell, start = later[column]
                        yield name, Field(name, value, cell, start, start + len(cell))
                return


def _table_rows(text: str) -> Iterator[tuple[list[tuple[str, int]], int | None]]:
    """Each line as its cells (text, offset) when it has "|" or tab separated cells; a line without cells
    yields ([], None) so callers see where a table ends."""
    offset = 0
    for line in text.split("\n"):
        separator = "|" if line.count("|") >= 2 else "\t" if "\t" in line.strip() else None
        if separator is None or re.fullmatch(r"[\s|:-]+", line):
            yield ([], None) if separator is None else ([], offset)
        else:
            cells, position = [], offset
            for part in line.split(separator):
                stripped = part.strip()
                if stripped:
                    cells.append((stripped, position + part.index(stripped)))
                position += len(part) + 1
            yield cells, offset
        offset += len(line) + 1


# Granted and used read together in one sentence: "Av (totalt) beviljade 2 230 000 kr har 2 104 870 kr
# förbrukats/använts/utnyttjats." The sentence is how a report without a form states both.
_GRANTED_AND_USED = re.compile(
    r"\bav (?:totalt |de )?beviljade (?:medlen )?(?:pa )?(\d{1,3}(?:[ \u00a0]\d{3})+) ?(?:kr|kronor)\b,? har "
    r"(?:totalt |sammanlagt )?(\d{1,3}(?:[ \u00a0]\d{3})+) ?(?:kr|kronor) (?:forbrukats|anvants|utnyttjats|nyttjats)"
)


def granted_and_used(text: str) -> Iterator[tuple[str, Field]]:
    """Granted and used money from the first sentence that states both (see ``_GRANTED_AND_USED``)."""
    match = _GRANTED_AND_USED.search(fold(text))
    if match is None:
        return
    for name, group in (("beviljade_medel", 1), ("utnyttjade_medel", 2)):
        start, end = match.span(group)
        if value := amount(text[start:end] + " kr"):
            yield name, Field(name, value, text[start:end], start, end)

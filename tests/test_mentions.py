import re

from index.mentions import abbreviations

DEFINITION = re.compile(r"((?:[A-ZÅÄÖ]?[\w-]+ ){1,6})\(([A-ZÅÄÖ]{2,8})\)")

REPORT = (
    "Insatsen Ett hållbart arbetsliv (EHA) startade 2022 tillsammans med Arbetsförmedlingen (AF).\n"
    "Deltagarna fick stöd av en coach. Se bilaga (2023:14) och (sid 4).\n"
    "Individuellt stöd i arbete\n(IPS) nämns på en egen rad, utan ord före på samma rad.\n"
    "Försäkringskassan (FK) och Region Gävleborg (RG) samverkade med Samordningsförbundet Gävle (SFG)\n"
    "KAA\tKommunalt aktivitetsansvar\n"
    "Sista raden utan radbrytning med Personligt ombud (PO)"
)


def _reference(text):
    """The whole-text scan that abbreviations() narrows to the lines with a bracketed abbreviation."""
    seen, found = set(), []
    for match in DEFINITION.finditer(text):
        short, words = match.group(2), match.group(1).split()
        initials = "".join(w[0] for w in words).upper()
        for n in range(len(short), min(len(words), len(short) + 2) + 1):
            if initials[-n:].startswith(short[0]) and short not in seen:
                seen.add(short)
                found.append((short, " ".join(words[-n:])))
                break
    return found


def test_abbreviations_defined_in_running_text_and_tables():
    found = dict(abbreviations(REPORT))
    assert found["EHA"] == "Ett hållbart arbetsliv"
    assert found["RG"] == "Region Gävleborg"
    assert found["PO"] == "Personligt ombud"
    assert found["KAA"] == "Kommunalt aktivitetsansvar"
    assert "IPS" not in found  # its words are on the line before


def test_only_lines_with_a_bracketed_abbreviation_are_read_and_nothing_is_lost():
    text = REPORT + "\n" + "lång rad utan förkortning " * 2000 + "\nNy rad (ABC) Alfa Beta Cesar (ABC)\n"
    assert [p for p in abbreviations(text) if p[0] != "KAA"] == _reference(text)

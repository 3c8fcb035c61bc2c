"""Tests for index.repair: restoring å/ä/ö in OCR text that lost its diacritics.

The sentences are invented for the tests; only the seed test reads a real report.
"""

from __future__ import annotations

import pytest
from conftest import SEEDS, needs_seeds

from index import repair as rep
from index.records import Repair

DAMAGED = (
    "Projektet i Gavleborg vander sig till hushall med forsorjningsstod. Malgruppen ar unga vuxna "
    "som behover stdd for att kunna ldsa och skriva. Handlaggaren har dndrat planen och vill pAminna "
    "s6kanden om att tdcka resan. Vi kunde férmedla kontakter och skicka en ansékan 6ver helgen. "
    "Deltagarna ska 4ga sin egen plan. Forsorjningsstodsenheten har erbjudit arbetstraningsplatser. "
    "Vart nya Arbetssitt bygger pa vigledning, Kkorta ldkartider och tata moten. "
    "Efter 5 ar i projektet ar GAVLE kommun nojd. Kontakt: info@exempel-gavleborg.se, "
    "www.gavleborg-exempel.se eller 070-123 45 67. Startdatum 2021-10-01 (format aaaa-mm-dd). "
    "Rapporten skrevs av Karin Lindqvist vid Centre for Health Studies i Umea."
)

EXPECTED = {
    "Gavleborg": "Gävleborg",
    "hushall": "hushåll",
    "forsorjningsstod": "försörjningsstöd",
    "Malgruppen": "Målgruppen",
    "ar": "är",
    "behover": "behöver",
    "stdd": "stöd",
    "for": "för",
    "ldsa": "läsa",
    "Handlaggaren": "Handläggaren",
    "dndrat": "ändrat",
    "pAminna": "påminna",
    "s6kanden": "sökanden",
    "tdcka": "täcka",
    "férmedla": "förmedla",
    "ansékan": "ansökan",
    "6ver": "över",
    "4ga": "äga",
    "Forsorjningsstodsenheten": "Försörjningsstödsenheten",
    "arbetstraningsplatser": "arbetsträningsplatser",
    "Arbetssitt": "Arbetssätt",
    "pa": "på",
    "vigledning": "vägledning",
    "ldkartider": "läkartider",
    "GAVLE": "GÄVLE",
    "nojd": "nöjd",
}

CLEAN = (
    "Insatsen har påverkat deltagarnas möjligheter att få arbete. Samverkan mellan kommunen, "
    "Försäkringskassan och Arbetsförmedlingen har fungerat väl, och många har gått vidare till "
    "studier eller praktik. Handläggarna beskriver att stödet behöver vara långsiktigt och att "
    "målgruppen ofta har en lång väg tillbaka. Under året träffade coacherna 42 personer i Gävle."
)


@pytest.fixture(scope="module")
def damaged() -> tuple[str, list[Repair]]:
    return rep.repair(DAMAGED)


def _by_original(repairs: list[Repair]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in repairs:
        out.setdefault(r.original, set()).add(r.corrected)
    return out


def test_damage_examples_are_fixed(damaged: tuple[str, list[Repair]]) -> None:
    found = _by_original(damaged[1])
    missing = {w: c for w, c in EXPECTED.items() if c not in found.get(w, set())}
    assert not missing


def test_repairs_point_at_the_original_text(damaged: tuple[str, list[Repair]]) -> None:
    corrected, repairs = damaged
    assert repairs
    for r in repairs:
        assert DAMAGED[r.start : r.end] == r.original
        assert len(r.corrected) == len(r.original)
        assert corrected[r.start : r.end] == r.corrected
    assert len(corrected) == len(DAMAGED)


def test_length_changing_repairs_only_on_request() -> None:
    text = "Den Kkorta uppfoéljningen visade att arbetsféormaga och stdd hänger ihop."
    same, repairs = rep.repair(text, damaged=True)
    assert same == "Den Kkorta uppfoéljningen visade att arbetsféormaga och stöd hänger ihop."
    shorter, repairs = rep.repair(text, damaged=True, same_length=False)
    assert shorter == "Den korta uppföljningen visade att arbetsförmåga och stöd hänger ihop."
    assert all(text[r.start : r.end] == r.original for r in repairs)


def test_same_length_repairs_keep_offsets() -> None:
    text = "Malgruppen ar unga vuxna med forsorjningsstod som behover stdd for att ldsa och tdcka sina behov."
    corrected, repairs = rep.repair(text, damaged=True)
    assert all(len(r.original) == len(r.corrected) for r in repairs)
    assert len(corrected) == len(text)
    for r in repairs:
        assert text[r.start : r.end] == r.original
        assert corrected[r.start : r.end] == r.corrected
    assert corrected == (
        "Målgruppen är unga vuxna med försörjningsstöd som behöver stöd för att läsa och täcka sina behov."
    )


def test_year_after_a_count(damaged: tuple[str, list[Repair]]) -> None:
    assert "Efter 5 år i projektet är GÄVLE kommun nöjd." in damaged[0]
    corrected, _ = rep.repair("Hon har arbetat i manga ar med det.", damaged=True)
    assert corrected == "Hon har arbetat i många år med det."


def test_english_names_numbers_and_addresses_stay(damaged: tuple[str, list[Repair]]) -> None:
    corrected = damaged[0]
    for kept in (
        "Karin Lindqvist",
        "Centre for Health Studies",
        "info@exempel-gavleborg.se",
        "www.gavleborg-exempel.se",
        "070-123 45 67",
        "2021-10-01",
        "aaaa-mm-dd",
    ):
        assert kept in corrected


def test_english_text_stays_even_when_forced() -> None:
    for text in ("The man saw a star for the bar over the hill.", "Placement and Support for people"):
        assert rep.repair(text, damaged=True) == (text, [])


def test_clean_swedish_is_left_alone() -> None:
    assert rep.damage_score(CLEAN) < 0.1
    assert not rep.needs_repair(CLEAN)
    assert rep.repair(CLEAN) == (CLEAN, [])
    # even when forced, correct Swedish words are never "restored"
    assert rep.repair(CLEAN, damaged=True) == (CLEAN, [])


def test_damage_score_separates_damaged_text() -> None:
    assert rep.damage_score(DAMAGED) > 0.8
    assert rep.needs_repair(DAMAGED)
    english = "The board reviewed the report for the project and asked for a summary of the results."
    assert rep.damage_score(english) < 0.2
    assert rep.damage_score("Hon sa att det var bra.") < 0.5
    assert rep.damage_score("") == 0.0


def test_frequent_words_and_ambiguous_forms_stay() -> None:
    text = "Han satt i rummet och man kunde se att det var sent. Han stod vid fonstret och tittade ut."
    corrected, repairs = rep.repair(text, damaged=True)
    assert {r.original for r in repairs} == {"fonstret"}
    assert "Han satt i rummet och man kunde se att det var sent. Han stod vid fönstret" in corrected


def test_case_is_kept() -> None:
    corrected, _ = rep.repair("GAVLEBORG och Gavleborg och gavleborg samt pAminna", damaged=True)
    assert corrected == "GÄVLEBORG och Gävleborg och gävleborg samt påminna"


def test_not_damaged_means_no_changes() -> None:
    assert rep.repair(DAMAGED, damaged=False) == (DAMAGED, [])


@needs_seeds
def test_ocr_seed_report() -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    for path in seeds:
        assert rep.needs_repair(path.read_text(encoding="utf-8")) == path.name.startswith("002_"), path.name
    text = next(p for p in seeds if p.name.startswith("002_")).read_text(encoding="utf-8")
    corrected, repairs = rep.repair(text)
    found = _by_original(repairs)
    common = {
        "forsorjningsstod": "försörjningsstöd",
        "Gavleborg": "Gävleborg",
        "malgrupp": "målgrupp",
        "stdd": "stöd",
        "tdcka": "täcka",
        "ldsa": "läsa",
        "dndrat": "ändrat",
        "4ga": "äga",
        "pAminna": "påminna",
        "s6kanden": "sökanden",
        "férmedla": "förmedla",
        "ansékan": "ansökan",
        "6ver": "över",
        "Arbetssitt": "Arbetssätt",
        "vigledning": "vägledning",
        "ldkartider": "läkartider",
        "for": "för",
        "ar": "är",
        "pa": "på",
        "dven": "även",
    }
    assert {w: c for w, c in common.items() if c not in found.get(w, set())} == {}
    assert len(repairs) > 450
    assert all(text[r.start : r.end] == r.original for r in repairs)
    assert len(corrected) == len(text)  # index.build keeps the repair only when offsets survive
    shorter = _by_original(rep.repair(text, same_length=False)[1])
    assert "korta" in shorter["Kkorta"] and "förmedlar" in shorter["féormedlar"]
    # after repair the text has about as many å/ä/ö as clean Swedish
    assert rep._diacritic_rate(corrected) > 30


def test_needs_repair_is_the_damage_score_threshold() -> None:
    # needs_repair stops early on texts with the å/ä/ö of clean Swedish; the verdict must not change
    english = "The board reviewed the report for the project and asked for a summary of the results."
    for text in (CLEAN, DAMAGED, english, "Hon sa att det var bra.", "", DAMAGED + CLEAN, DAMAGED + english):
        assert rep.needs_repair(text) == (rep.damage_score(text) >= 0.5), text[:40]
        assert rep.repair(text)[0] == (rep.repair(text, damaged=True)[0] if rep.needs_repair(text) else text)

from conftest import SEEDS, needs_seeds

from index.grouping import group_reports
from index.metadata import extract_meta, find_kommun, parse_date
from index.parse import read_document
from index.sections import find_sections

FINAL = """Slutrapport
Insats för samverkansmedel

Diarienummer

Signatur

## 1. Allmänna uppgifter

| Insatsens namn<br>Vägen vidare Hofors |
| Insatstid – åååå-mm-dd<br>210301 - 230228 |
| Beviljade medel för insatsen<br>1 250 000 kr |
| Utnyttjade medel<br>980 412 kr 5 (per 23-02-28) |

## 2. Ansvarig för genomförande av insatsen

| Organisations namn<br>Hofors kommun | Arbetsställets namn<br>Jobbtorget |

### 3. Samverkansparter

| Organisation<br>Försäkringskassan |
| Organisation<br>Region Gävleborg |

**5.1 Måluppfyllelse:** Ange mål och resultat.

- Att ge stöd till totalt 40 deltagare.

Vi har haft 31 deltagare som har deltagit. Insatsen byggde vidare på förstudien Nya spår, i Hofors.
"""

EVALUATION = """# UTVÄRDERING AV VÄGEN VIDARE I HOFORS KOMMUN

En rapport framtagen av Högskolan i Exempelstad

## Sammanfattning

Projektet "Vägen vidare" (Hofors kommun Dnr: SFG-2101) pågick under perioden 210315-230228.

Inskrivna\t33
"""


def _meta(text, source="r.md"):
    return extract_meta(text, find_sections(text), source=source)


def test_final_report_fields_with_offsets():
    meta = _meta(FINAL)
    assert meta.report_type == "slutrapport"
    assert meta.insats_name == "Vägen vidare Hofors"
    assert meta.kommun == "Hofors"
    values = {f.name: f.value for f in meta.fields}
    assert values["beviljade_medel"] == "1250000"
    assert values["utnyttjade_medel"] == "980412"
    assert values["period_start"] == "2021-03-01" and values["period_end"] == "2023-02-28"
    assert "diarienummer" not in values  # the label is there but empty
    assert meta.values("samverkanspart") == ["Försäkringskassan", "Region Gävleborg"]
    assert meta.values("deltagare:mal") == ["40"] and meta.values("deltagare:totalt") == ["31"]
    for field in meta.fields:
        assert field.raw == FINAL[field.start : field.end]
    assert "Nya spår" in [m.name for m in meta.mentions]


def test_evaluation_fields_from_prose():
    meta = _meta(EVALUATION)
    assert meta.report_type == "utvardering"
    assert meta.insats_name == "Vägen vidare"
    assert meta.kommun == "Hofors"
    assert meta.values("diarienummer") == ["SFG-2101"]
    assert meta.first("period_start").value == "2021-03-15"
    assert meta.values("deltagare:inskrivna") == ["33"]


def test_a_participant_count_in_a_goal_table_is_the_result_not_the_target():
    from index.metadata import _participants

    table = (
        "| Mål | Målvärde | Resultat 2022-12-31 |\n|---|---|---|\n| Antal deltagare | 45 | 34 |\n\n"
        "| Uppgift | Antal |\n|---|---|\n| Inskrivna | 29 |\n"
    )
    found = _participants(table)
    assert [(f.name, f.value) for f in found] == [("deltagare:antal deltagare", "34"), ("deltagare:inskrivna", "29")]
    assert table[found[0].start : found[0].end] == "34"  # the field points at the result cell


def test_reports_about_one_insats_group_but_namesakes_in_other_kommuner_do_not():
    other = FINAL.replace("Vägen vidare Hofors", "Vägen vidare i Ockelbo").replace("Hofors kommun", "Ockelbo kommun")
    metas = [_meta(FINAL, "a.md"), _meta(EVALUATION, "b.md"), _meta(other, "c.md")]
    insatser = group_reports(metas)
    assert sorted(len(i.reports) for i in insatser) == [1, 2]
    hofors = next(i for i in insatser if i.kommun == "Hofors")
    assert hofors.reports == ("a.md", "b.md")
    assert "vagen vidare hofors" in hofors.aliases
    assert "vv" in hofors.aliases or "vve" in hofors.aliases


def test_dates_and_kommun_genitive():
    assert parse_date("191015") == "2019-10-15"
    assert parse_date("20240831") == "2024-08-31"
    assert parse_date("2022-13-01") is None
    assert find_kommun("Hudiksvalls kommun")[0] == "Hudiksvall"
    assert find_kommun("Bollnäs kommun")[0] == "Bollnäs"


@needs_seeds
def test_seed_archive_has_four_insatser_with_money_and_periods():
    metas = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = read_document(path, path.name, max_bytes=10**8)
        metas.append(extract_meta(doc.text, find_sections(doc.text), source=path.name))
        for field in metas[-1].fields:
            assert doc.text[field.start : field.end] == field.raw
    insatser = group_reports(metas)
    assert len(insatser) == 4
    assert sorted(len(i.reports) for i in insatser) == [1, 1, 1, 2]
    kommuner = sorted(i.kommun for i in insatser)
    assert len(set(kommuner)) == 4
    with_money = [m for m in metas if m.first("beviljade_medel")]
    assert len(with_money) == 3
    assert all(m.first("period_start") for m in metas)


def test_a_quarterly_report_states_the_quarter_it_covers_beside_the_insats_period():
    text = (
        "Kvartalsrapport\n\nInsatsens namn\nBron Gävle\n\nInsatstid\n2022-05-01 – 2024-04-30\n\n"
        "Kvartalsrapporten gäller för perioden\n230401 - 230630\n\n2. Aktivitetsrapport\n\nTolk har beställts.\n"
    )
    values = {f.name: f.value for f in _meta(text).fields}
    assert (values["period_start"], values["period_end"]) == ("2022-05-01", "2024-04-30")  # the insats's time
    assert (values["rapportperiod_start"], values["rapportperiod_end"]) == ("2023-04-01", "2023-06-30")
    assert "rapportperiod_start" not in {f.name for f in _meta(FINAL).fields}  # a final report covers the insats


def _money(meta):
    return {f.name: f.value for f in meta.fields if f.name in ("beviljade_medel", "utnyttjade_medel")}


def test_money_from_another_templates_rows_totals_and_sentences():
    rows = "PROJEKTREDOVISNING\n\n## Del 11 Kostnader\n\n| | Kronor |\n|---|---|\n| Beviljat | 3 050 000 |\n"
    rows += "| Förbrukat | 2 731 500 |\n| Ej förbrukat | 318 500 |\n"
    meta = _meta(rows)
    assert _money(meta) == {"beviljade_medel": "3050000", "utnyttjade_medel": "2731500"}
    assert meta.report_type == "slutrapport"  # a projektredovisning is the project's final account
    bold_total = "| Kostnadsslag | Budget (kr) | Utfall (kr) |\n|---|---|---|\n| Personal | 900 000 | 850 000 |\n"
    bold_total += "| **Summa** | **1 000 000** | **940 000** |\n"
    assert _money(_meta(bold_total)) == {"beviljade_medel": "1000000", "utnyttjade_medel": "940000"}
    prose = "Ekonomi\n\nAv totalt beviljade 2 230 000 kr har 2 104 870 kr förbrukats. Resten återgår.\n"
    assert _money(_meta(prose)) == {"beviljade_medel": "2230000", "utnyttjade_medel": "2104870"}
    share = "| Förbrukat av beviljade medel | 1 577 950 av 1 580 000 kr |\n"
    assert _money(_meta(share))["utnyttjade_medel"] == "1577950"


def test_a_case_number_with_a_slash_is_read_whole():
    meta = _meta("Slutredovisning\n\n| Diarienummer | SSD 2021/027 |\n\nDnr: SFG 24-17 står i huvudet.\n")
    assert next(f.value for f in meta.fields if f.name == "diarienummer") == "SSD 2021/027"


def test_a_title_pages_list_of_partners_is_read_but_a_heading_of_that_name_is_not():
    listed = "Slutredovisning\n\nProjektägare: Exempla kommun\nMedverkande parter: Region Exempel, Försäkringskassan\n"
    assert _meta(listed).values("samverkanspart") == ["Region Exempel, Försäkringskassan"]
    cell = "| Fält | Uppgift |\n|---|---|\n| Samverkansparter | Arbetsförmedlingen, Region Exempel |\n"
    assert _meta(cell).values("samverkanspart") == ["Arbetsförmedlingen, Region Exempel"]
    heading = "Slutrapport\n\nSamverkansparter\n\nVi har samverkat tätt med alla parter under året.\n"
    assert _meta(heading).values("samverkanspart") == []


LEADERED = """AVRAPPORTERING AV INSATS
Samordningsförbundet Exempelslätten

AVSNITT 1  BASFAKTA

Insatsens namn ........ Bryggan Exempelby
Huvudman .............. Exempelby kommun, Vuxenutbildningen
Insatsperiod .......... 2022-08-01 – 2024-06-30
Beviljade medel ....... 2 680 000 kr
Använda medel ......... 2 511 900 kr
"""


def test_a_forms_dotted_leaders_separate_label_and_value_and_are_no_part_of_it():
    meta = _meta(LEADERED)
    assert meta.report_type == "slutrapport"  # an "avrapportering" is the final account
    assert meta.insats_name == "Bryggan Exempelby"
    values = {f.name: f.value for f in meta.fields}
    assert values["beviljade_medel"] == "2680000" and values["utnyttjade_medel"] == "2511900"
    for field in meta.fields:
        assert field.raw == LEADERED[field.start : field.end] and not field.raw.startswith(".")


def test_other_names_of_the_final_and_the_progress_report():
    from index.titlepage import report_type

    assert report_type("SLUTDOKUMENTATION\nSamordningsförbundet Exempelslätten\n") == "slutrapport"
    assert report_type("HALVÅRSUPPFÖLJNING\nSamordningsförbundet Exempelslätten\n") == "lagesrapport"


def test_a_name_field_keeps_the_name_and_not_the_subtitle_after_a_dash():
    meta = _meta("Lägesrapport\n\n| Insatsens namn | Bryggsteget – stöd till arbete för unga vuxna |\n")
    assert meta.insats_name == "Bryggsteget" and meta.name_source == "field"
    kept = _meta("Lägesrapport\n\n| Insatsens namn | Stödet efter Kliv - Hofors |\n")
    assert kept.insats_name == "Stödet efter Kliv - Hofors"


def test_a_report_kind_phrase_in_a_heading_is_no_name():
    meta = _meta("# Halvårsrapport H1 2023 – Bryggsteget Hofors\n\nArbetet har fortsatt som planerat.\n")
    assert meta.name_source == "heading" and meta.insats_name == "Bryggsteget Hofors"


def test_a_forstudie_of_a_need_is_named_by_its_genre_and_subject():
    text = (
        "FÖRSTUDIE\nÄldre långtidsarbetslösa i Hofors kommun – behov och vägar framåt\n\n"
        "Förstudien har kartlagt äldre långtidsarbetslösa i kommunen. Av de äldre långtidsarbetslösa som "
        "intervjuats vill de flesta arbeta.\n"
    )
    meta = _meta(text)
    assert meta.report_type == "forstudie"
    assert meta.insats_name == "Förstudie Äldre långtidsarbetslösa" and meta.kommun == "Hofors"


def test_a_bare_period_label_of_a_form_is_the_insats_period():
    line = _meta("Slutrapport\n\nHuvudman: Hofors kommun\nPeriod: 1 mars 2022 – 28 februari 2024\n")
    assert (line.values("period_start"), line.values("period_end")) == (["2022-03-01"], ["2024-02-28"])
    cell = _meta("Lägesrapport\n\n| Uppgift | |\n| Period för insatsen | 2022-03-01 – 2024-02-28 |\n")
    assert cell.values("period_start") == ["2022-03-01"]

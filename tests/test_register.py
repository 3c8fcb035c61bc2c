"""The register from reports of any template: key–value tables in DOCX and PDF, form placeholders,
evaluations joined to the insats they name, förstudier, and the reason given for each placement.

All report text here is fictional (another förbund's templates, with names of its own).
"""

from __future__ import annotations

import io

from index.grouping import group_reports
from index.metadata import extract_meta
from index.parse import read_document
from index.records import ReportMeta
from index.sections import find_sections


def _meta(text: str, source: str) -> ReportMeta:
    return extract_meta(text, find_sections(text), source=source)


def _read(tmp_path, name: str, data: bytes) -> ReportMeta:
    path = tmp_path / name
    path.write_bytes(data)
    doc = read_document(path, name, max_bytes=10**7)
    meta = extract_meta(doc.text, find_sections(doc.text), source=name)
    for field in meta.fields:  # every value cites the text it came from
        assert doc.text[field.start : field.end] == field.raw
    return meta


KEY_VALUES = [
    ("Projektnamn", "Brobyggarna Timrå"),
    ("Projektperiod", "2022-03-01 – 2024-02-29"),
    ("Diarienummer", "SFN 2022/07"),
    ("Projektägare", "Timrå kommun, Arbetsmarknadsenheten"),
    ("Beviljat belopp", "1 800 000 kr"),
    ("Förbrukade medel", "1 650 400 kr"),
]


def _docx_final_report() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Slutredovisning", level=0)
    document.add_paragraph("Samordningsförbundet Mittnorr – redovisning av beviljade medel")
    table = document.add_table(rows=0, cols=2)
    for label, value in KEY_VALUES:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_heading("Vad har projektet uppnått?", level=1)
    document.add_paragraph("Brobyggarna har stött 48 deltagare, varav 19 har gått vidare till arbete.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf_final_report() -> bytes:
    """Two columns drawn separately, as a form's key–value table comes out of a word processor."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(50, 800, "Slutredovisning")
    y = 770
    for label, value in KEY_VALUES:
        page.drawString(50, y, label)
        page.drawString(250, y, value)
        y -= 16
    page.drawString(50, y - 20, "Brobyggarna har stött 48 deltagare i Timrå under projektperioden.")
    page.showPage()
    page.save()
    return out.getvalue()


def _assert_final_report(meta: ReportMeta) -> None:
    assert meta.report_type == "slutrapport"  # "Slutredovisning" is a final report
    assert meta.insats_name == "Brobyggarna Timrå" and meta.name_source == "field"
    assert meta.kommun == "Timrå"
    assert meta.values("period_start") == ["2022-03-01"] and meta.values("period_end") == ["2024-02-29"]
    assert meta.values("beviljade_medel") == ["1800000"]
    assert meta.values("utnyttjade_medel") == ["1650400"]
    assert meta.first("organisation").value == "Timrå kommun, Arbetsmarknadsenheten"
    assert "SFN 2022/07" in meta.values("diarienummer") or "SFN 2022" in meta.values("diarienummer")


def test_docx_final_report_with_a_key_value_table(tmp_path):
    _assert_final_report(_read(tmp_path, "slutredovisning.docx", _docx_final_report()))


def test_pdf_final_report_with_a_key_value_table(tmp_path):
    _assert_final_report(_read(tmp_path, "slutredovisning.pdf", _pdf_final_report()))


INLINE_FORM = """Slutrapport

Insatsens namn\tKlivet Sollefteå Insatstid – åååå-mm-dd\t20210104 - 20221216 Beviljade medel för insatsen\t\
950 000 kr Utnyttjade medel\t901 300 kr

Organisations namn Sollefteå kommun\tArbetsställets namn Jobbcenter
"""


def test_placeholders_and_next_labels_are_not_part_of_a_value():
    meta = _meta(INLINE_FORM, "klivet.docx")
    assert meta.insats_name == "Klivet Sollefteå"
    assert meta.values("period_start") == ["2021-01-04"]
    assert meta.values("beviljade_medel") == ["950000"] and meta.values("utnyttjade_medel") == ["901300"]
    assert meta.first("organisation").value == "Sollefteå kommun"


EMPTY_FORM = """Slutrapport

Insatsens namn
Ange insatsens namn

Insatstid – åååå-mm-dd
åååå-mm-dd – åååå-mm-dd

Beskriv insatsens syfte
"""


def test_a_placeholder_never_becomes_a_name():
    meta = _meta(EMPTY_FORM, "tom.md")
    assert meta.name_source != "field"
    assert not meta.insats_name or "ange" not in meta.insats_name.lower()
    assert not meta.values("period_start")
    insatser = group_reports([meta])
    assert all("ange" not in i.name.lower() and "åååå" not in i.name for i in insatser)


FINAL_TIMRA = "\n\n".join(f"{label}: {value}" for label, value in KEY_VALUES)
FINAL_NAMESAKE = FINAL_TIMRA.replace("Timrå", "Härnösand").replace("SFN 2022/07", "SFN 2021/02")

EVALUATION = """Mittuniversitetet

# ATT BYGGA BROAR – EN STUDIE AV SAMVERKAN KRING ARBETSLÖSA UNGA VUXNA

Anna Fjällström och Per-Ola Strömgren

## Sammanfattning

Denna följeforskning har studerat Brobyggarna, en insats i Timrå kommun. Brobyggarna riktade sig
till unga vuxna. Under 2023 intervjuades deltagare och personal i Brobyggarna i Timrå.

## Resultat

Deltagarna i Brobyggarna beskriver stödet som avgörande. Personalen på Brobyggarna i Timrå lyfter
samverkan med Försäkringskassan. Att bygga broar mellan myndigheter tar tid.
"""


def test_an_evaluation_joins_the_insats_it_names_and_namesakes_stay_apart():
    metas = [
        _meta(FINAL_TIMRA, "slut_timra.md"),
        _meta(FINAL_NAMESAKE, "slut_harnosand.md"),
        _meta(EVALUATION, "utvardering.md"),
    ]
    assert metas[2].report_type == "utvardering"
    texts = {"slut_timra.md": FINAL_TIMRA, "slut_harnosand.md": FINAL_NAMESAKE, "utvardering.md": EVALUATION}
    insatser = group_reports(metas, text_of=texts.get)
    assert sorted(i.reports for i in insatser) == [("slut_harnosand.md",), ("slut_timra.md", "utvardering.md")]
    timra = next(i for i in insatser if i.kommun == "Timrå")
    assert timra.name == "Brobyggarna Timrå"
    why = {p.source: p for p in timra.placements}
    assert "nämner" in why["utvardering.md"].reason and "Timrå" in why["utvardering.md"].reason
    assert all(EVALUATION[f.start : f.end] == f.raw for f in why["utvardering.md"].evidence)
    assert "Namnfältet" in why["slut_timra.md"].reason


FORSTUDIE = """# Förstudierapport

## Gröna steget Ånge – förstudie om arbetsträning i naturen

| | |
|---|---|
| Förstudietid | 2024-02-01 – 2024-08-31 |
| Insatsägare | Ånge kommun, Socialtjänsten |
| Beviljade medel | 240 000 kr |

## Bakgrund

Gröna steget Ånge ska pröva om arbete i skog och trädgård kan vara ett första steg. Förstudien Gröna
steget har kartlagt 30 personer med långvarigt försörjningsstöd.
"""


def test_a_forstudie_is_a_report_of_its_own_insats():
    meta = _meta(FORSTUDIE, "forstudie.md")
    assert meta.report_type == "forstudie"
    assert meta.insats_name == "Gröna steget Ånge" and meta.name_source == "title"
    assert meta.values("period_start") == ["2024-02-01"] and meta.values("beviljade_medel") == ["240000"]
    assert meta.first("organisation").value == "Ånge kommun, Socialtjänsten"
    (insats,) = group_reports([meta], text_of={"forstudie.md": FORSTUDIE}.get)
    assert insats.name == "Gröna steget Ånge" and insats.kommun == "Ånge"
    assert "titeln" in insats.placements[0].reason


def test_report_types_come_from_the_words_of_the_title_page():
    for head, kind in (
        ("Lägesrapport 2 för insatsen", "lagesrapport"),
        ("Delrapport, hösten 2023", "lagesrapport"),
        ("Ansökan om samverkansmedel", "ansokan"),
        ("Slutredovisning av projekt", "slutrapport"),
        ("Kvartalsrapport\n\nOBS! Vid insatsens slut ska mall för slutrapport användas.", "kvartalsrapport"),
        ("# Kliv framåt\n\n## Utvärdering av en insats för unga\n\nSlutrapport, maj 2024", "utvardering"),
        ("Vanliga frågor om sjukpenning", "okand"),
    ):
        assert _meta(head + "\n\nText om insatsen.\n", "r.md").report_type == kind, head


def test_a_report_that_names_no_insats_still_gets_one():
    text = "Lägesrapport\n\nVerksamheten har haft 12 deltagare under hösten.\n"
    (insats,) = group_reports([_meta(text, "lage.md")], text_of={"lage.md": text}.get)
    assert insats.reports == ("lage.md",)
    assert insats.placements[0].reason


BUDGET = """Slutredovisning

Projektnamn: Kliv in Sundsvall

Projektperiod: 1 mars 2022 till 28 februari 2024

## Ekonomisk redovisning

| Kostnadsslag | Budget | Utfall |
|---|---|---|
| Personal | 1 100 tkr | 1 020 tkr |
| Summa | 1 250 tkr | 1 198 400 kr |
"""


def test_money_from_a_budget_table_and_a_period_in_words():
    meta = _meta(BUDGET, "kliv.md")
    assert meta.values("beviljade_medel") == ["1250000"] and meta.values("utnyttjade_medel") == ["1198400"]
    assert meta.values("period_start") == ["2022-03-01"] and meta.values("period_end") == ["2024-02-28"]
    for field in meta.fields:
        assert BUDGET[field.start : field.end] == field.raw


OTHER_EVALUATION = """Mittuniversitetet

# UTVÄRDERING AV PROJEKTET STIGEN I TIMRÅ

## Sammanfattning

Stigen har gett unga vuxna stöd. Liksom Brobyggarna arbetade Stigen med coacher, och Stigen i Timrå
nådde 30 deltagare. Brobyggarna nämns här för jämförelse.
"""


def test_an_evaluation_of_an_unknown_insats_that_compares_with_a_known_one_keeps_its_own():
    metas = [_meta(FINAL_TIMRA, "slut_timra.md"), _meta(OTHER_EVALUATION, "stigen.md")]
    texts = {"slut_timra.md": FINAL_TIMRA, "stigen.md": OTHER_EVALUATION}
    insatser = group_reports(metas, text_of=texts.get)
    assert sorted(i.reports for i in insatser) == [("slut_timra.md",), ("stigen.md",)]
    assert next(i for i in insatser if i.reports == ("stigen.md",)).name.startswith("Stigen")


MEMO = """PM om Brobyggarna i Timrå

Brobyggarna har under våren haft täta kontakter med arbetsgivare. Brobyggarna planerar en
arbetsgivarträff i Timrå i juni.
"""
FAQ = "Du kan ansöka om sjukpenning hos Försäkringskassan. Ansökan ska innehålla ett läkarintyg.\n"


def test_a_document_of_no_genre_joins_the_insats_its_title_names_and_other_documents_stay_out():
    metas = [_meta(FINAL_TIMRA, "slut_timra.md"), _meta(MEMO, "pm.md"), _meta(FAQ, "faq.txt")]
    assert metas[1].report_type == "okand" and metas[2].report_type == "okand"
    texts = {"slut_timra.md": FINAL_TIMRA, "pm.md": MEMO, "faq.txt": FAQ}
    (insats,) = group_reports(metas, text_of=texts.get)
    assert insats.reports == ("pm.md", "slut_timra.md")
    assert group_reports([metas[2]], text_of=texts.get) == []


def test_progress_reports_without_a_name_field_name_their_insats_in_the_title():
    final = "Slutredovisning\n\nProjektnamn: Projekt Kliv – stöd till arbete för unga\n\nProjektägare: Ånge kommun\n"
    first = "Lägesrapport för Kliv, våren 2023\n\nKliv har haft 12 deltagare. Kliv samarbetar med AF i Ånge.\n"
    metas = [_meta(final, "slut.md"), _meta(first, "lage.md")]
    assert metas[1].report_type == "lagesrapport" and metas[1].insats_name == "Kliv"
    (insats,) = group_reports(metas, text_of={"slut.md": final, "lage.md": first}.get)
    assert insats.reports == ("lage.md", "slut.md")


def test_placements_survive_the_register_and_an_older_register_is_migrated(tmp_path):
    import sqlite3

    from index.register import Register

    path = tmp_path / "register.sqlite"
    old = sqlite3.connect(path)  # the reports table as registers before name_source and placement had it
    old.execute(
        "CREATE TABLE reports (source TEXT PRIMARY KEY, report_type TEXT, title TEXT, insats_name TEXT, "
        "kommun TEXT, insats_id TEXT, abbreviations TEXT)"
    )
    old.execute(
        "INSERT INTO reports VALUES ('gammal.md', 'slutrapport', 'Slutrapport', 'Kliv Ånge', 'Ånge', NULL, '[]')"
    )
    old.commit()
    old.close()
    register = Register(path)
    (legacy,) = register.report_metas()
    assert legacy.name_source == ""  # read as a name from a name field, as older versions stored only those
    (insats,) = group_reports([legacy])
    register.set_insatser([insats])
    (stored,) = register.insatser()
    assert stored.placements == insats.placements and "Namnfältet" in stored.placements[0].reason
    register.close()


def test_money_labels_of_other_forms_and_prose_that_is_no_value():
    form = "Slutrapport\n\nProjektnamn: Kliv Ånge\n\n| Beviljat stöd | 500 tkr |\n| Utnyttjat belopp | 480 000 kr |\n"
    meta = _meta(form, "kliv.md")
    assert meta.values("beviljade_medel") == ["500000"] and meta.values("utnyttjade_medel") == ["480000"]
    prose = "Slutrapport\n\nDe beviljade medel för att anställa 2 coacher räckte till hela perioden.\n"
    assert not _meta(prose, "prosa.md").values("beviljade_medel")


def test_a_report_with_only_a_genre_for_title_is_named_by_its_file_or_folder_as_the_text_writes_it():
    text = "# Slutrapport\n\nUnder 2023 har Bron Kramfors haft 25 deltagare. Bron Kramfors fortsätter 2024.\n"
    meta = _meta(text, "Bron_Kramfors/slutrapport_2023_v2.md")
    assert meta.insats_name == "Bron Kramfors" and meta.name_source == "file"
    untitled = [_meta("# Slutrapport\n\nText om arbetet.\n", f"{n}.md") for n in ("a", "b")]
    assert len(group_reports(untitled)) == 2  # two reports called "Slutrapport" are not one insats


def test_an_evaluation_reads_the_period_from_prose():
    text = "# Utvärdering av projektet Kliv\n\nProjektet Kliv bedrevs från 1 mars 2022 till 28 februari 2024.\n"
    meta = _meta(text, "utv.md")
    assert meta.values("period_start") == ["2022-03-01"] and meta.values("period_end") == ["2024-02-28"]


def test_insatser_of_the_same_name_that_stay_apart_get_distinct_ids():
    # Two reports named only by a heading are never merged on that name; the register keys insatser by id,
    # so each still needs its own (an ingest of 13k regeringen.se pages failed on a repeated name here).
    first, second = (
        ReportMeta(source, "slutrapport", "Framtidskommissionen", "Framtidskommissionen", None, name_source="heading")
        for source in ("a/underlag-1.md", "b/underlag-2.md")
    )
    insatser = group_reports([first, second])
    ids = [i.id for i in insatser]
    assert len(ids) == len(set(ids))
    assert sorted(r for i in insatser for r in i.reports) == ["a/underlag-1.md", "b/underlag-2.md"]


def test_a_final_report_and_a_progress_report_that_title_the_name_with_its_kommun_are_one_insats():
    final = "Slutrapport Bryggsteget Hofors\nA. Fakta\nHuvudman: Hofors kommun\n\nBryggsteget gav stöd till 20 unga.\n"
    progress = "# Tertialrapport 2 2023 – Bryggsteget Hofors\n\nBryggsteget har haft 12 deltagare i tertialet.\n"
    metas = [_meta(final, "slut.md"), _meta(progress, "tertial.md")]
    assert [m.insats_name for m in metas] == ["Bryggsteget Hofors", "Bryggsteget Hofors"]
    (insats,) = group_reports(metas, text_of={"slut.md": final, "tertial.md": progress}.get)
    assert insats.name == "Bryggsteget Hofors" and insats.reports == ("slut.md", "tertial.md")


def test_the_same_acronym_names_one_insats_but_a_short_common_word_does_not():
    def report(name: str) -> str:
        return f"Lägesrapport\n\n| Insatsens namn | {name} |\n| Huvudman | Hofors kommun |\n"

    first, second = report("IPA Hofors"), report("IPA Hofors")
    metas = [_meta(first, "a.md"), _meta(second, "b.md")]
    (insats,) = group_reports(metas, text_of={"a.md": first, "b.md": second}.get)
    assert insats.reports == ("a.md", "b.md")
    first, second = report("Hem Hofors"), report("Hem Hofors")
    metas = [_meta(first, "a.md"), _meta(second, "b.md")]
    assert len(group_reports(metas, text_of={"a.md": first, "b.md": second}.get)) == 2


def test_a_forstudie_of_a_need_keeps_its_own_insats_when_it_names_the_insats_it_led_to():
    known = "Lägesrapport\n\n| Insatsens namn | Bryggsteget Hofors |\n| Huvudman | Hofors kommun |\n"
    study = (
        "FÖRSTUDIE\nÄldre långtidsarbetslösa i Hofors kommun – behov och vägar framåt\n\n"
        "Förstudien har kartlagt äldre långtidsarbetslösa i kommunen. Bland äldre långtidsarbetslösa är "
        "hälsan ett hinder. Bryggsteget kan ta emot några. Bryggsteget har platser. För äldre "
        "långtidsarbetslösa föreslås en egen insats vid sidan av Bryggsteget.\n"
    )
    metas = [_meta(known, "lage.md"), _meta(study, "forstudie.md")]
    insatser = group_reports(metas, text_of={"lage.md": known, "forstudie.md": study}.get)
    assert sorted(i.reports for i in insatser) == [("forstudie.md",), ("lage.md",)]

from index.sections import find_sections, section_key

REPORT = """Slutrapport
Insats för samverkansmedel

## 1. Allmänna uppgifter

| Insatsens namn<br>Steg mot jobb Exempelby |

**4.2 Målgrupp för insatsen:** Vilka grupper har omfattats.

Unga vuxna med försörjningsstöd.

## 5. Resultat och utfall av insats

**5.1 Måluppfyllelse:** Ange mål och resultat.

Målet var 30 deltagare.

## Resultat av insatsen

Vi nådde 24 deltagare.

1. Första punkten i en numrerad lista.
2. Andra punkten i listan.

6.4 Beskriv framgangsfaktorer/positiva effekter:
Trisam var viktigt.

6.5 Beskriv identifierade systemfel som paverkat insatsens resultat
Langa vantetider.

#### 7.2.1 Varför utnyttjades inte beviljade insatsmedel?
Lägre lönekostnader.
"""


def _by_heading(sections):
    return {s.heading: s for s in sections}


def test_markdown_bold_and_plain_headings_get_canonical_keys():
    sections = _by_heading(find_sections(REPORT))
    assert sections["Allmänna uppgifter"].key == "allmanna_uppgifter"
    assert sections["Målgrupp för insatsen"].key == "malgrupp"
    assert sections["Måluppfyllelse"].key == "maluppfyllelse"
    assert sections["Beskriv framgangsfaktorer/positiva effekter"].key == "framgangsfaktorer"
    assert sections["Beskriv identifierade systemfel som paverkat insatsens resultat"].key == "systemfel"
    assert sections["Varför utnyttjades inte beviljade insatsmedel?"].key == "ekonomi"


def test_unnumbered_subheading_nests_under_numbered_and_inherits_a_weak_key():
    sections = _by_heading(find_sections(REPORT))
    sub = sections["Resultat av insatsen"]
    assert sub.path == ("Resultat och utfall av insats", "Måluppfyllelse", "Resultat av insatsen")
    assert sub.key == "maluppfyllelse"


def test_numbered_list_items_are_not_headings():
    headings = [s.heading for s in find_sections(REPORT)]
    assert not any("punkten" in h for h in headings)


def test_sections_cover_the_text_in_order():
    sections = find_sections(REPORT)
    assert sections[0].start == 0
    for before, after in zip(sections, sections[1:], strict=False):
        assert before.end == after.start
    assert sections[-1].end == len(REPORT)


def test_ocr_damaged_headings_are_recognised():
    assert section_key("Maluppfyllelse")[0] == "maluppfyllelse"
    assert section_key("Beskriv uppfoéljning och utvirdering av malen")[0] == "uppfoljning"
    assert section_key("Ekonomiuppfoljning utnyttjade medel")[0] == "ekonomi"
    assert section_key("Analys") == ("analys", True)


def test_table_of_contents_lines_are_not_headings():
    text = "## Innehåll\n\n1. Inledning.....\t4\n2. Metod.....\t6\n\n## 1. Inledning\n\nText.\n"
    headings = [s.heading for s in find_sections(text)]
    assert headings == ["Innehåll", "Inledning"]


def test_contents_inside_a_numbered_chapter_are_that_chapters_content_not_a_table_of_contents():
    text = "# Förstudie\n\n## Innehåll\n\n1. Förslag.....\t4\n\n## 1. Förslag\n\n**Innehåll:**\n\n- Samtal.\n"
    keys = [(s.path, s.key) for s in find_sections(text)]
    assert (("Förstudie", "Innehåll"), "innehall") in keys  # the document's table of contents
    assert (("Förslag", "Innehåll"), "forslag") in keys  # what the proposed insats contains: part of the proposal


def test_bold_heading_opening_a_long_paragraph_is_still_a_heading():
    body = "Det kommunala ansvaret upphör vid 20 år. " * 15
    text = f"## 6. Analys\n\n**6.5 Beskriv identifierade systemfel som påverkat insatsens resultat:** {body}\n"
    keys = [s.key for s in find_sections(text)]
    assert keys[-1] == "systemfel"


def test_table_labels_close_to_a_template_phrase_are_not_that_section():
    assert section_key("Insatsens namn")[0] != "maluppfyllelse"
    assert section_key("Insatsens mål samt delmål")[0] == "maluppfyllelse"


def test_headings_of_another_template_map_by_meaning_and_a_joined_heading_holds_each_key():
    assert section_key("Vad har fungerat bra?")[0] == "framgangsfaktorer"
    assert section_key("Hinder på systemnivå")[0] == "systemfel"
    assert section_key("Överlämning till ordinarie verksamhet")[0] == "implementering"
    text = "# Slutredovisning\n\n## Lärdomar, framgångsfaktorer och hinder\n\nSamverkan bar insatsen.\n"
    joined = next(s for s in find_sections(text) if s.heading.startswith("Lärdomar"))
    assert set(joined.keys) == {"lardomar", "framgangsfaktorer", "systemfel"}
    assert joined.key == joined.keys[0]


# Another förbund's templates, as text and PDF exports give them: enumerated chapters, capitals, plain lines.
OTHER_TEMPLATE = """PROJEKTREDOVISNING
Samordningsförbundet Exempeldalen

DEL 1  OM PROJEKTET

Projektets namn: Bryggan Exempelby

DEL 2  KORT OM RESULTATET

Bryggan gav 30 unga ett samlat stöd.

Del 3 Utgångsläge
Många unga stod utan planering.
Del 9 Framgångar och hinder
Coachens tid var det viktigaste.
Hinder
Sekretessen mellan parterna bromsade.
Aktiviteter som genomförts:
- Individuella samtal varje vecka.
"""


def test_another_templates_enumerated_capital_and_plain_headings_are_found():
    sections = find_sections(OTHER_TEMPLATE)
    by_heading = _by_heading(sections)
    assert by_heading["DEL 1 OM PROJEKTET"].number == "1"
    assert by_heading["DEL 2 KORT OM RESULTATET"].key == "sammanfattning"  # "kort om": the report's own digest
    assert by_heading["Del 3 Utgångsläge"].key == "bakgrund"
    assert by_heading["Del 9 Framgångar och hinder"].keys == ("framgangsfaktorer", "systemfel")
    assert by_heading["Hinder"].key == "systemfel"  # a plain line naming another topic starts a section
    assert "Aktiviteter som genomförts:" not in by_heading  # a colon leads in to a list: no heading
    interim = find_sections("LÄGESRAPPORT\n\n1) VAD HAR HÄNT UNDER TERTIALET?\n\nEn ny grupp.\n\n2) DELTAGARE\n\n12.\n")
    assert [(s.heading, s.key) for s in interim[1:]] == [
        ("1) VAD HAR HÄNT UNDER TERTIALET?", "aktiviteter"),
        ("2) DELTAGARE", "resultat"),
    ]


def test_a_plain_subheading_on_its_sections_own_topic_stays_in_that_section():
    text = "4.1 Syfte och bakgrund till insatsen\n\nBakgrund\n\nFå fick stöd.\n\nSyfte\n\nAtt ge stöd.\n\n5. Ekonomi\n"
    sections = find_sections(text)
    assert [s.heading for s in sections] == ["Syfte och bakgrund till insatsen", "Ekonomi"]


def test_a_pdf_evaluations_plain_chapter_lines_are_headings_but_wrapped_text_is_not():
    text = (
        "Sammanfattning\nInsatsen nådde sin målgrupp men inte sina mål för arbete.\n"
        "Slutsatser och rekommendationer\n• Insatsen bör fortsätta.\n"
        "Deltagarna var nöjda med stödet från lotsarna, och lotsarnas arbete med\n"
        "Resultat\nsom mål var svårare att följa upp.\n"
    )
    headings = [s.heading for s in find_sections(text)]
    assert headings == ["Sammanfattning", "Slutsatser och rekommendationer"]


# A third förbund's form: headings underlined in plain text, asked as questions, "Punkt N", other names for the
# template's parts.
QUESTION_TEMPLATE = """SLUTDOKUMENTATION
Samordningsförbundet Exempelslätten

FAKTA OM INSATSEN
-----------------

Insats:        Bryggan Exempelby
Beviljat:      1 000 000 kr

VEM VAR INSATSEN TILL FÖR?
--------------------------

Unga vuxna 18–29 år.

VAD VILLE NI UPPNÅ – OCH BLEV DET SÅ?
=====================================

Mål 1: 30 deltagare. Utfall: 34.

Vi skrev en rapport.
--------------------
"""


def test_underlined_and_question_headings_of_another_form_are_found_and_keyed():
    by_heading = _by_heading(find_sections(QUESTION_TEMPLATE))
    assert by_heading["FAKTA OM INSATSEN"].key == "allmanna_uppgifter"
    assert by_heading["VEM VAR INSATSEN TILL FÖR?"].key == "malgrupp"
    assert by_heading["VAD VILLE NI UPPNÅ – OCH BLEV DET SÅ?"].key == "maluppfyllelse"
    assert "Vi skrev en rapport." not in by_heading  # a sentence over a rule is no heading
    body = next(s for s in find_sections(QUESTION_TEMPLATE) if s.key == "allmanna_uppgifter")
    assert QUESTION_TEMPLATE[body.body_start :].lstrip().startswith("Insats:")  # the rule is not body text


def test_plain_wordings_of_the_templates_parts_get_their_keys():
    cases = {
        "Avsnitt 1 Basfakta": "allmanna_uppgifter",
        "Avsnitt 2 Kortversion": "sammanfattning",
        "Avsnitt 6 Arbetssätt": "arbetssatt",
        "Det som fungerat": "framgangsfaktorer",
        "Det som inte fungerat": "systemfel",
        "Varför insatsen avbröts": "avvikelser",
        "Punkt 4. Oro och risker": "avvikelser",
        "Vad har ni lärt er?": "lardomar",
        "Hur har deltagarna fått vara med och påverka?": "brukarmedverkan",
        "Vad händer nu?": "implementering",
        "Vad kostade insatsen?": "ekonomi",
        "Punkt 3. Genomfört under halvåret": "aktiviteter",
        "Vår samlade bedömning": "bedomning",
        # what was wanted, alone, is the aim; with "– och blev det så?" it asks for the attainment
        "Del 4 Vad ville vi uppnå?": "syfte",
    }
    assert {heading: section_key(heading)[0] for heading in cases} == cases
    assert section_key("Punkt 6. Önskemål till förbundet")[0] is None  # "till förbundet" is no target group


def test_a_pre_studys_proposal_is_a_section_of_its_own():
    assert section_key("Förslag")[0] == "forslag"
    assert section_key("Förslag: Neuroguiden")[0] == "forslag"
    assert section_key("Föreslagen insats")[0] == "forslag"

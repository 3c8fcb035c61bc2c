"""The title page: what kind of report a document is and the insats name its title states.

All text here is fictional (insatser of invented names in real kommuner, so that places are recognised).
"""

from __future__ import annotations

from index.sections import section_key
from index.titlepage import opens_with_genre, report_type, title_lines, title_name, without_subtitle


def test_a_yearly_follow_up_of_an_insats_is_a_progress_report():
    text = "Verksamhetsuppföljning 2021 – Stegvis Hofors\n\nStegvis Hofors har haft 30 deltagare under året.\n"
    assert report_type(text) == "lagesrapport"


def test_a_line_naming_the_genre_is_the_title_even_when_it_holds_section_words():
    line = "SLUTRAPPORT – LÄRDOMAR"
    assert section_key(line)[0] is not None  # read alone, it is a section heading
    text = f"**{line}**\n\n**Stegvis Hofors**\n\nStegvis Hofors gav stöd till 30 personer.\n"
    assert report_type(text) == "slutrapport"
    assert title_name(text)[0] == "Stegvis Hofors"


def test_a_forms_first_lettered_part_ends_the_title_page():
    text = (
        "Slutrapport Stegvis Hofors\nA. Allmänt om insatsen\nHuvudman: Hofors kommun\nStegvis Hofors startade 2021.\n"
    )
    assert title_lines(text) == ["Slutrapport Stegvis Hofors"]
    # a single capital in a by-line is no part of a form
    assert "A. Lindqvist och B. Ek" in title_lines("Utvärdering av Stegvis\nA. Lindqvist och B. Ek\n")


def test_who_runs_joins_or_reports_on_an_insats_is_no_name():
    # a person or an owner on a labelled line of the title page, named again in the text
    for line, named in (("Rapportör: Lena Ekdahl, samordnare", "Lena Ekdahl"), ("Insatsägare: Bjurfors bygg AB", "")):
        text = f"Lägesrapport\n{line}\n\n{named or 'Bjurfors bygg AB'} har lett arbetet sedan i våras.\n"
        assert title_name(text) is None, line
    # an owner is an organisation: a kommun (in the genitive too), a region or an authority
    for owner in ("Ovanåkers kommun", "Region Gävleborg", "Försäkringskassan"):
        text = f"Lägesrapport\n{owner}\n\n{owner} har bemannat teamet under hela hösten.\n"
        assert title_name(text) is None, owner


def test_a_title_states_the_name_with_its_kommun_and_the_text_calls_it_by_its_name_word():
    body = "\n\nBryggsteget har gett 20 unga stöd. Efter Bryggsteget har nio börjat arbeta.\n"
    assert title_name("Slutrapport Bryggsteget Hofors" + body)[0] == "Bryggsteget Hofors"
    assert title_name("Bryggsteget Hofors – slutrapport" + body)[0] == "Bryggsteget Hofors"
    # the word must be written as the name writes it: "stöd" in prose does not make "Stöd Hofors" a name
    assert title_name("Slutrapport Stöd Hofors\n\nVi har gett stöd till unga, och stöd till familjer.\n") is None


def test_a_subtitle_after_a_dash_describes_the_insats_and_a_place_after_it_is_part_of_the_name():
    assert without_subtitle("Bryggsteget – stöd till arbete för unga vuxna") == "Bryggsteget"
    assert without_subtitle("Bryggsteget: en väg till arbete") == "Bryggsteget"
    assert without_subtitle("Stödet efter Kliv - Hofors") == "Stödet efter Kliv - Hofors"
    assert without_subtitle("Bryggsteget – Fas 2") == "Bryggsteget – Fas 2"


def test_a_report_kind_phrase_opens_with_a_genre_word():
    assert opens_with_genre("Tertialrapport 2 2023")
    assert opens_with_genre("En utvärdering av Bryggsteget")
    assert not opens_with_genre("Bryggsteget Hofors")

"""The form's own words to the reporter are never quoted as evidence."""

import pytest
from conftest import assistant_of

from index.formtext import is_form_text


@pytest.mark.parametrize(
    "sentence",
    [
        "Beskriv hur målgruppen involverats och gjorts delaktiga i insatsen.",
        "2.1 Aktiviteter: Beskriv kortfattat vilka aktiviteter som har genomförts.",
        "5.1 Måluppfyllelse: Ange mål och resultat.",
        "Redogör för hur medlen har använts under perioden.",
        "Stöd för kvartalsrapporten finner du på förbundets hemsida.",
    ],
)
def test_instructions_and_notes_to_the_reporter_are_form_text(sentence):
    assert is_form_text(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Målet var 40 deltagare och 33 personer deltog.",
        "Vi har redovisat resultaten för styrelsen två gånger per år.",
        "Redovisningen visar att tolv gick vidare till arbete.",
        '"Du är den första som lyssnat på mig", sa en deltagare.',
    ],
)
def test_the_reporters_own_sentences_are_not(sentence):
    assert not is_form_text(sentence)


def test_ask_never_quotes_the_forms_instructions(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    assistant = assistant_of(archive)
    # "aktiviteter … genomförts" are the words of the quarterly form's prompt "Beskriv kortfattat vilka
    # aktiviteter som har genomförts."; the answer must come from what the reporter wrote.
    answer = assistant.ask("Vilka aktiviteter har genomförts i Vägen framåt i Nordanstig?")
    assert "Beskriv" not in answer.text and "beskriv kortfattat" not in answer.text.lower()

"""A board-summary request typed into the chat is answered by the summary engine, shortened and cited."""

import pytest
from conftest import assistant_of

from assistant.digest import DOCUMENT_HINT


@pytest.fixture
def assistant(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    return assistant_of(archive)


def test_a_summary_request_about_one_insats_gets_the_board_summary(assistant):
    answer = assistant.ask("Sammanfatta Vägen framåt Söderhamn för styrelsen")
    assert answer.text.startswith("**Sammanfattning: Vägen framåt Söderhamn**")
    assert "**Ekonomi**" in answer.text and "1 250 000 kr" in answer.text
    assert "Trisam" in answer.text  # the success factors part quotes the report
    assert DOCUMENT_HINT in answer.text
    assert answer.insatser == ("Vägen framåt Söderhamn",)
    # Every marker points at a passage of the insats's own report that holds what it cites.
    assert answer.citations and {c.passage.source for c in answer.citations} == {"slutrapport vägen framåt.md"}
    assert not [n for n in answer.notices if n.startswith("Siffran")]  # every figure stands in its passage
    money = next(c for c in answer.citations if "1 250 000" in c.passage.chunk.text)
    assert f"1 250 000 kr [{money.n}]" in answer.text


def test_a_summary_request_about_two_insatser_gets_the_comparison(assistant):
    answer = assistant.ask("Sammanställ Vägen framåt Söderhamn och Lotsen Hofors för styrelsen")
    assert answer.text.startswith("**Sammanställning för styrelsen")
    assert "**Vägen framåt Söderhamn**" in answer.text and "**Lotsen Hofors**" in answer.text
    assert set(answer.insatser) == {"Vägen framåt Söderhamn", "Lotsen Hofors"}


def test_a_summary_of_a_theme_across_the_archive_is_left_to_the_answerer(assistant):
    answer = assistant.ask("Sammanfatta för styrelsen vilka systemfel rapporterna tar upp")
    assert "Sammanfattning:" not in answer.text and "Sammanställning för styrelsen" not in answer.text

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
    # what the summary computes from the cited amounts is said to be computed, and cites nothing of its own
    assert "- Kvar: 145 780 kr (beräknat)" in answer.text
    assert "- Andel utnyttjat: 88,3 % (1 104 220 kr av 1 250 000 kr) (beräknat)" in answer.text


def test_a_period_the_form_writes_packed_is_shown_and_cited(make_archive, tmp_path):
    from conftest import FINAL_REPORT

    root = tmp_path / "rapporter"
    root.mkdir()
    text = FINAL_REPORT.replace("2021-03-01 - 2023-02-28", "20210301 - 20230228").replace(
        "Budgeten räckte;", "Av beviljade medel har 145 780 kr inte rekvirerats. Budgeten räckte;"
    )
    (root / "slutrapport vägen framåt.md").write_text(text, encoding="utf-8")
    archive = make_archive()
    archive.ingest(root)
    answer = assistant_of(archive).ask("Sammanfatta Vägen framåt Söderhamn för styrelsen")
    period = next(line for line in answer.text.splitlines() if line.startswith("- Period:"))
    cited = next(c for c in answer.citations if period.endswith(f"[{c.n}]"))
    assert period.startswith("- Period: 2021-03-01 – 2023-02-28") and "20210301" in cited.passage.chunk.text
    # a remainder the report states itself is cited where it stands, not computed
    left = next(line for line in answer.text.splitlines() if line.startswith("- Kvar:"))
    assert "(beräknat)" not in left and left.endswith("]")


def test_a_summary_request_about_two_insatser_gets_the_comparison(assistant):
    answer = assistant.ask("Sammanställ Vägen framåt Söderhamn och Lotsen Hofors för styrelsen")
    assert answer.text.startswith("**Sammanställning för styrelsen")
    assert "**Vägen framåt Söderhamn**" in answer.text and "**Lotsen Hofors**" in answer.text
    assert set(answer.insatser) == {"Vägen framåt Söderhamn", "Lotsen Hofors"}


def test_a_summary_of_a_theme_across_the_archive_is_left_to_the_answerer(assistant):
    answer = assistant.ask("Sammanfatta för styrelsen vilka systemfel rapporterna tar upp")
    assert "Sammanfattning:" not in answer.text and "Sammanställning för styrelsen" not in answer.text


def test_a_summary_in_chat_shows_every_goal_beside_its_outcome(make_archive, tmp_path):
    from conftest import FINAL_REPORT

    rows = [("40 deltagare", "33 deltagare"), ("Minst 30 % till arbete", "36 % (12 av 33)")]
    rows += [("Ett nätverk med 20 arbetsgivare", "24 arbetsgivare"), ("12 medarbetare utbildade i MI", "14 utbildade")]
    table = "| Mål | Resultat |\n|---|---|\n" + "\n".join(f"| {goal} | {outcome} |" for goal, outcome in rows)
    root = tmp_path / "rapporter"
    root.mkdir()
    text = FINAL_REPORT.replace("Målet var 40 deltagare. Totalt har 33 personer deltagit och 12 gick vidare", table)
    (root / "slutrapport vägen framåt.md").write_text(text, encoding="utf-8")
    archive = make_archive()
    archive.ingest(root)
    answer = assistant_of(archive).ask("Sammanfatta Vägen framåt Söderhamn för styrelsen")
    goals = [line for line in answer.text.splitlines() if line.startswith("- Mål:")]
    assert len(goals) == 4
    assert all(f"Utfall: {outcome} [" in line for line, (_, outcome) in zip(goals, rows, strict=True))

"""What the archive does not hold is said plainly, without a figure from elsewhere."""

from datetime import date

import pytest
from conftest import assistant_of

from assistant import gaps
from index.analyze import analyze
from index.records import Field, Insats


def _insats(name, *, reports, ends):
    fields = tuple((source, Field("period_end", end, end, 0, 10)) for source, end in ends)
    return Insats(id=name.lower().replace(" ", "-"), name=name, kommun="Ockelbo", reports=reports, fields=fields)


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("Kvartalsrapport_Lyftet_2024Q1.md", "", date(2024, 3, 31)),
        ("Lyftet_Q2_2023.txt", "", date(2023, 6, 30)),
        ("lyftet kvartal 3 2023.txt", "", date(2023, 9, 30)),
        ("kvartalsrapport 2022 Q4 lyftet.txt", "", date(2022, 12, 31)),
        ("rapport.md", "Kvartalsrapporten gäller för perioden\n240401 - 240630", date(2024, 6, 30)),
        ("rapport.md", "Insatstid 2021-01-01 - 2023-12-31", None),  # a whole insats period is no quarter
        ("kvalitet 2 2024.md", "", None),
    ],
)
def test_a_quarterly_report_covers_the_quarter_its_name_or_opening_states(name, head, expected):
    assert gaps.quarter_end(name, head) == expected


def test_a_figure_for_a_year_after_the_last_report_is_not_in_the_archive():
    lyftet = _insats("Lyftet Ockelbo", reports=("slut.md",), ends=[("slut.md", "2023-06-30")])
    gap = gaps.after_coverage("Hur många fick jobb under 2024?", [lyftet], {})
    assert gap is not None and "inga uppgifter" in gap.text and "Lyftet Ockelbo" in gap.text
    assert not any(ch.isdigit() for ch in gap.text.replace("2024", ""))  # no figure of its own
    assert gaps.after_coverage("Hur många fick jobb under 2023?", [lyftet], {}) is None


def test_a_quarterly_report_ends_with_its_quarter_not_with_the_insats_period():
    # The quarterly report states the insats period (to 2025), but tells only of its first quarter of 2024.
    lyftet = _insats("Lyftet Ockelbo", reports=("q1.md",), ends=[("q1.md", "2025-04-30")])
    quarters = {"q1.md": date(2024, 3, 31)}
    assert gaps.after_coverage("Hur många hade fått jobb i slutet av 2024?", [lyftet], quarters) is not None
    assert gaps.after_coverage("Hur många hade fått jobb under 2024?", [lyftet], quarters) is None


def test_a_specialised_word_the_insats_never_uses_but_the_archive_does_is_a_gap():
    lyftet = _insats("Lyftet Ockelbo", reports=("slut.md",), ends=[])
    texts = set(analyze("Deltagarna fick stöd av en coach enligt Supported Employment."))
    gap = gaps.unmentioned(
        "Vilken fidelitypoäng fick Lyftet Ockelbo?",
        lyftet,
        texts,
        archive_frequency={"fidelitypoang": 3},
        excluded={"lyft", "ockelbo"},
    )
    assert gap is not None and "fidelitypoäng" in gap.text
    # The archive never uses the word: nothing to compare with, so no gap is claimed (it may be a misspelling).
    assert (
        gaps.unmentioned(
            "Vilken fidelitypoäng fick Lyftet Ockelbo?", lyftet, texts, archive_frequency={}, excluded=set()
        )
        is None
    )
    # An everyday word ("företag") may stand for any topic and never decides.
    assert (
        gaps.unmentioned(
            "Hur många företag var med i Lyftet?", lyftet, texts, archive_frequency={"foretag": 9}, excluded=set()
        )
        is None
    )


@pytest.fixture
def assistant(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    return assistant_of(archive)


def test_ask_says_a_later_year_is_not_reported_instead_of_quoting_figures(assistant):
    answer = assistant.ask("Hur många deltagare hade Vägen framåt Söderhamn under 2025?")
    assert answer.abstained and not answer.citations
    assert "inga uppgifter" in answer.text and "Vägen framåt Söderhamn" in answer.text
    assert "33" not in answer.text


def test_ask_still_answers_within_the_period(assistant):
    answer = assistant.ask("Hur många deltagare hade Vägen framåt Söderhamn under 2022?")
    assert not answer.abstained and "33 personer" in answer.text


def test_ask_says_what_an_insats_never_mentions_when_another_report_does(assistant):
    # "Kuratorn" appears only in the Nordanstig quarterly report, never in Söderhamn's.
    answer = assistant.ask("Hur ofta träffade deltagarna i Vägen framåt Söderhamn kuratorn?")
    assert answer.abstained and "nämner inte kuratorn" in answer.text


MENTIONING_REPORT = """Slutrapport

Insatsens namn
Bron Bollnäs

Insatstid
2021-01-01 - 2022-12-31

6.4 Framgångsfaktorer
Vi har haft ett nära utbyte med projektet Kompassen, som arbetar med unga vuxna på liknande sätt.
"""


def test_a_name_no_report_of_the_kommun_uses_is_not_answered_with_the_kommuns_figures(make_archive, corpus):
    # Kompassen is mentioned in passing by another kommun's report, never by Söderhamn's.
    (corpus / "bron.md").write_text(MENTIONING_REPORT, encoding="utf-8")
    archive = make_archive()
    archive.ingest(corpus)
    answer = assistant_of(archive).ask("Hur många deltagare hade projektet Kompassen i Söderhamn?")
    assert answer.abstained and "ingen insats som heter Kompassen" in answer.text
    assert "33" not in answer.text


def test_a_name_the_kommuns_reports_use_is_answered_from_them(assistant):
    answer = assistant.ask("Hur ofta träffades teamet i Trisam i Söderhamn?")
    assert not answer.abstained and "varannan vecka" in answer.text


def test_a_kommun_no_report_mentions_has_no_insats(assistant):
    answer = assistant.ask("Har förbundet haft någon insats i Älvkarleby?")
    assert answer.abstained and "ingen insats i Älvkarleby" in answer.text
    # A kommun the archive has an insats in is answered as usual.
    assert not assistant.ask("Hur många deltagare hade Vägen framåt i Söderhamn?").abstained


def test_a_time_measured_from_the_end_of_the_insats_is_after_its_reports():
    lyftet = _insats("Lyftet Ockelbo", reports=("slut.md",), ends=[("slut.md", "2023-06-30")])
    gap = gaps.after_coverage("Hur många hade kvar sitt jobb ett år efter att projektet slutade?", [lyftet], {})
    assert gap is not None and "efter att insatsen slutade" in gap.text
    # A participant's exit ("tre månader efter avslut") is followed up in reports: no gap.
    assert gaps.after_coverage("Hur många hade jobb tre månader efter avslut?", [lyftet], {}) is None


def test_a_name_asked_in_a_kommun_where_it_never_ran_is_said_to_run_elsewhere():
    from assistant.catalog import Catalog
    from assistant.extractive.absent import not_in_archive
    from assistant.intent import read_question
    from index.grouping import aliases, insats_id

    def insats(name, kommun):
        return Insats(insats_id(name, kommun), name, kommun, tuple(aliases(name, kommun)), (f"{name}.md",))

    # "Växthuset" is an everyday word too: "i" and a kommun after it make it the name.
    catalog = Catalog(1, (insats("Växthuset Lidköping", "Lidköping"), insats("Växthuset Vara", "Vara")), {})

    class NoWords:
        def document_frequency(self, term):
            return 1

    def said(question):
        return not_in_archive(read_question(question, catalog=catalog), NoWords(), catalog)

    expected = "Arkivet har ingen insats som heter Växthuset i Skara; Växthuset finns i Lidköping och Vara."
    assert said("växthuset i skara – hur många deltagare?") == expected
    assert said("växthuset i vara, hur många?") is None
    assert said("vad växte i växthuset?") is None

import io
import json

import pytest
from conftest import assistant_of

from assistant.cli import main


@pytest.fixture
def assistant(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    return assistant_of(archive)


def test_fact_question_quotes_the_sentence_with_the_figure_and_cites_it(assistant):
    answer = assistant.ask("Hur många deltagare hade Vägen framåt Söderhamn?")
    assert not answer.abstained
    assert "33 personer" in answer.text and "[1]" in answer.text
    assert answer.citations[0].passage.source == "slutrapport vägen framåt.md"
    assert answer.insatser == ("Vägen framåt Söderhamn",)
    assert not answer.notices


def test_question_across_the_archive_gets_one_bullet_per_qualifying_insats(assistant):
    answer = assistant.ask("Vilka insatser nämner Trisam som framgångsfaktor?")
    assert answer.text.startswith("1 av 3 insatser")
    assert "**Vägen framåt Söderhamn**" in answer.text and "Trisam" in answer.text
    assert len(answer.citations) == 1


def test_no_answer_in_the_archive_means_abstaining_not_guessing(assistant):
    answer = assistant.ask("Hur mycket kostade utbildningen i kognitiv beteendeterapi?")
    assert answer.abstained and not answer.citations
    assert "inget svar" in answer.text


def test_the_question_is_read_once_per_ask(assistant, monkeypatch):
    import assistant.intent as intent
    import assistant.retrieve as retrieve
    import assistant.service as service

    calls = []

    def counting(question, history=(), catalog=None):
        calls.append(question)
        return intent.read_question(question, history, catalog)

    # Every module that could read a question gets the counter: one reading per ask, however many searches.
    monkeypatch.setattr(service, "read_question", counting)
    monkeypatch.setattr(retrieve, "read_question", counting)
    first = "Hur många deltagare hade Vägen framåt Söderhamn?"
    for question, history in [
        ("Vilka insatser nämner arbetsträning?", []),  # asked of every insats in turn
        (first, []),
        ("och i Nordanstig?", [first]),  # a follow-up, completed from the question before
    ]:
        calls.clear()
        assistant.ask(question, history)
        assert calls == [question], question


def test_a_follow_up_is_answered_with_the_previous_question_about_its_own_insats(assistant):
    first = "Hur många deltagare hade Vägen framåt Söderhamn?"
    answer = assistant.ask("och i Nordanstig?", [first])
    assert not answer.abstained
    assert "2023/kvartal_vf.txt" in {c.passage.source for c in answer.citations}
    assert "14 deltagare" in answer.text


def test_ask_jsonl_protocol(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ARKIV_EMBEDDING_MODEL", "hashing")
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "ingest", str(corpus)]) == 0
    capsys.readouterr()
    lines = (
        '{"id": "a", "question": "Hur många deltagare hade Vägen framåt Söderhamn?"}\n{"id": "b", "question": "  "}\n'
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert main([*data, "ask", "--jsonl", "-"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert set(out[0]) == {"id", "answer", "abstained", "citations"}
    citation = out[0]["citations"][0]
    assert set(citation) == {"n", "source", "text", "insats", "section", "page"} and citation["n"] == 1
    assert out[1]["abstained"] is True


def test_template_fields_are_answered_from_the_register_with_their_passage(assistant):
    answer = assistant.ask("Vilket diarienummer har VF i Nordanstig?")
    assert "SFG 23-14" in answer.text and answer.citations[0].passage.source == "2023/kvartal_vf.txt"
    period = assistant.ask("Vägen framåt Söderhamn – vilken tidsperiod?")
    assert "2021-03-01 – 2023-02-28" in period.text
    money = assistant.ask("Hur mycket beviljades Vägen framåt Söderhamn?")
    assert "1 250 000 kr" in money.text and not money.abstained


def test_cost_question_without_an_amount_in_the_archive_abstains(assistant):
    answer = assistant.ask("Vad kostade tolken för Vägen framåt Söderhamn?")
    assert answer.abstained


def test_a_name_two_insatser_share_asks_both_and_quotes_the_one_that_answers(assistant):
    answer = assistant.ask("Hur ofta träffar gruppen kuratorn i Vägen framåt?")
    assert not answer.abstained
    assert "en gång i månaden" in answer.text
    assert any(c.passage.source == "2023/kvartal_vf.txt" for c in answer.citations)


def test_a_known_name_in_another_kommun_or_an_unknown_name_is_not_answered(assistant):
    elsewhere = assistant.ask("Hur många deltagare hade Vägen framåt Hudiksvall?")
    assert elsewhere.abstained and "Hudiksvall" in elsewhere.text and not elsewhere.citations
    unknown = assistant.ask("Hur många deltagare hade projektet Zorbulon?")
    assert unknown.abstained and "Zorbulon" in unknown.text
    assert not assistant.ask("Hur många deltagare hade Vägen framåt Söderhamn?").abstained


def test_a_section_question_about_a_named_insats_quotes_that_section(assistant):
    # Neither sentence repeats the word "systemfel"; the heading they stand under answers the question.
    answer = assistant.ask("Vilka systemfel beskrivs för Vägen framåt Söderhamn?")
    assert not answer.abstained
    assert "väntetider till psykiatrin" in answer.text
    assert {c.passage.chunk.section for c in answer.citations} == {"systemfel"}


def test_money_an_insats_got_is_its_granted_amount_from_the_register(assistant):
    answer = assistant.ask("Hur mycket pengar fick Vägen framåt Söderhamn?")
    # The answer first: granted read against used, both from the register, the computed share said to be so.
    first, *rest = answer.text.splitlines()
    assert first.startswith("Utnyttjat ") and "av beviljade 1 250 000 kr [1]" in first and "(beräknat)" in first
    assert any(line.startswith("Beviljade medel: ") and "1 250 000 kr" in line for line in rest)
    assert answer.citations[0].passage.source == "slutrapport vägen framåt.md"
    assert not answer.notices  # the computed figures stand in a sentence that cites nothing, so nothing is flagged


def test_a_question_about_one_kind_of_report_asks_only_those(assistant):
    answer = assistant.ask("Vilka systemfel beskrivs i slutrapporterna?")
    assert answer.text.startswith("1 av 2 insatser med slutrapport")
    assert "väntetider till psykiatrin" in answer.text  # under the systemfel heading, without the word
    assert {c.passage.source for c in answer.citations} == {"slutrapport vägen framåt.md"}


def test_a_question_for_what_the_archive_holds_is_answered_from_the_register(assistant):
    answer = assistant.ask("Vilka insatser finns i arkivet?")
    assert answer.text.startswith("Arkivet har 3 insatser:")
    assert answer.text.count("\n- **") == 3 and len(answer.insatser) == 3
    assert "Vägen framåt Söderhamn" in answer.text and "slutrapport" in answer.text
    assert answer.citations  # each insats cited where a report states its period, or at its first lines
    scoped = assistant.ask("Lista alla insatser i Söderhamn")
    assert scoped.text.startswith("Arkivet har 1 insats i Söderhamn:") and scoped.insatser == (
        "Vägen framåt Söderhamn",
    )
    # a criterion, however everyday its words, is judged insats by insats, not answered with the whole register
    assert not assistant.ask("Vilka insatser nämner Trisam?").text.startswith("Arkivet har")


def test_a_quarterly_reports_period_is_not_passed_off_as_the_insats_period(assistant):
    answer = assistant.ask("När startade VF i Nordanstig?")
    assert answer.text.startswith("Kvartalsrapportens period") and "230401 – 230630" in answer.text


EVALUATION = """# Vägen framåt Söderhamn – utvärdering

En utvärdering av insatsen Vägen framåt Söderhamn, gjord av Högskolan i Testby på uppdrag av Söderhamns kommun.

## Resultat

Enligt intervjuer och registerdata har {deltagare} personer deltagit i Vägen framåt Söderhamn, och {vidare} av dem
gick vidare till arbete eller studier.

## Slutsatser

Samverkan i teamet var den viktigaste framgångsfaktorn.
"""


@pytest.mark.parametrize(("deltagare", "vidare", "differ"), [(35, 10, True), (33, 12, False)])
def test_ask_shows_both_figures_and_says_so_when_reports_of_one_insats_differ(
    make_archive, corpus, deltagare, vidare, differ
):
    # The final report says 33 took part and 12 moved on; the evaluation says the same or something else.
    (corpus / "utvardering vägen framåt.md").write_text(
        EVALUATION.format(deltagare=deltagare, vidare=vidare), encoding="utf-8"
    )
    archive = make_archive()
    archive.ingest(corpus)
    answer = assistant_of(archive).ask("Hur många deltagare hade Vägen framåt Söderhamn?")
    assert "33 personer" in answer.text and f"{deltagare} personer" in answer.text
    assert {c.passage.source for c in answer.citations} == {
        "slutrapport vägen framåt.md",
        "utvardering vägen framåt.md",
    }
    notices = [n for n in answer.notices if "olika siffror" in n]
    if differ:
        assert len(notices) == 1 and "slutrapport vägen framåt.md" in notices[0]
        assert "utvardering vägen framåt.md" in notices[0]
    else:
        assert not notices


def test_a_question_about_a_goal_leads_with_the_goal_beside_its_outcome(assistant):
    answer = assistant.ask("Nådde Vägen framåt Söderhamn målet?")
    first = answer.text.splitlines()[0]
    assert first.startswith("Mål enligt slutrapporten: ”Målet var 40 deltagare") and "[1]" in first
    assert "33 personer" in answer.text  # the outcome, where the goal section states none beside the goal
    assert answer.text.count("Målet var 40 deltagare") == 1  # a goal shown is not quoted again
    assert not answer.notices


def test_how_many_with_a_verb_for_its_noun_counts_the_participants(assistant):
    # "hur många kom dit?" names no noun: the form's words for participants stand in, and the goal set for them
    answer = assistant.ask("Vägen framåt Söderhamn, hur många kom dit?")
    assert answer.text.startswith("Mål enligt slutrapporten: ”Målet var 40 deltagare")
    assert "33 personer" in answer.text


def test_a_question_for_a_time_gets_no_goal_line_but_a_count_dated_by_a_when_clause_does(assistant):
    # "När …" is answered by a date, which no goal sets; "hur många … när de började" is a count.
    answer = assistant.ask("När började deltagarna i Vägen framåt Söderhamn?")
    assert "Mål enligt" not in answer.text
    counted = assistant.ask("Hur många deltagare hade Vägen framåt Söderhamn när den slutade?")
    assert "Mål enligt slutrapporten: ”Målet var 40 deltagare" in counted.text


def test_a_question_read_against_an_insats_a_reindex_removed_is_read_again(assistant):
    from assistant.errors import BadFilter

    real, calls = assistant.answerer, []

    class _RemovedMidAnswer:
        def answer(self, query, *, filters=None):
            calls.append(query)
            if len(calls) == 1:  # the catalog moved on between reading the question and searching
                raise BadFilter('Ingen insats i arkivet heter något i stil med "borta".')
            return real.answer(query, filters=filters)

    assistant.answerer = _RemovedMidAnswer()
    try:
        answer = assistant.ask("Hur mycket pengar fick Vägen framåt Söderhamn?")
    finally:
        assistant.answerer = real
    assert len(calls) == 2 and "1 250 000 kr" in answer.text
    assistant.answerer = _RemovedMidAnswer()
    calls.clear()
    try:
        from assistant.retrieve import Filters

        with pytest.raises(BadFilter):  # a filter the caller chose is the caller's to fix
            assistant.ask("Hur mycket pengar fick Vägen framåt Söderhamn?", filters=Filters(insats="borta"))
    finally:
        assistant.answerer = real


def test_a_participant_count_question_gets_the_goal_stated_in_the_forms_word_for_participants(make_archive, tmp_path):
    # The goal counts "inskrivna", the question "deltagare": the same people, so the goal stands beside the count.
    from conftest import FINAL_REPORT

    root = tmp_path / "rapporter"
    root.mkdir()
    text = FINAL_REPORT.replace("Målet var 40 deltagare.", "Målet var 40 inskrivna.")
    (root / "slutrapport vägen framåt.md").write_text(text, encoding="utf-8")
    archive = make_archive()
    archive.ingest(root)
    answer = assistant_of(archive).ask("Hur många deltagare hade Vägen framåt Söderhamn?")
    assert answer.text.startswith("Mål enligt slutrapporten: ”Målet var 40 inskrivna")
    assert "33 personer" in answer.text


SHARE_EVALUATION = """# Vägen framåt Söderhamn – utvärdering

En utvärdering av insatsen Vägen framåt Söderhamn, gjord av Högskolan i Testby på uppdrag av Söderhamns kommun.
Enligt vårt underlag pågick insatsen 2021-04-01 – 2023-02-28.

## Resultat

I utvärderingen ingår endast de 28 deltagare som lämnat samtycke. Sex månader efter avslut var 7 av 28 deltagare
(25 %) i arbete eller studier. Som arbete eller studier räknas anställning eller studier på minst halvtid.

## Slutsatser

Samverkan i teamet var den viktigaste framgångsfaktorn.
"""


@pytest.mark.parametrize(
    ("question", "first_goal"),
    [
        # the people counted are implied: what happened to them (jobb) names the goal, in everyday words
        ("Hur många fick jobb i Vägen framåt Söderhamn?", "Minst 30 % ska gå vidare till arbete eller studier"),
        # no goal is on what they did (kom): the count is of the participants
        ("Hur många kom till Vägen framåt Söderhamn?", "Minst 35 deltagare ska skrivas in"),
        # "per deltagare" is the unit of a cost: no goal is on the cost, and none on the participants is shown
        ("Vad kostade Vägen framåt Söderhamn per deltagare?", None),
    ],
)
def test_a_figure_question_gets_the_goal_on_what_it_asks_about_not_on_the_people_it_counts(
    make_archive, tmp_path, question, first_goal
):
    from conftest import FINAL_REPORT

    root = tmp_path / "rapporter"
    root.mkdir()
    text = FINAL_REPORT.replace(
        "Målet var 40 deltagare. Totalt har 33 personer deltagit och 12 gick vidare till arbete eller studier.",
        "| Mål | Resultat |\n|---|---|\n| Minst 35 deltagare ska skrivas in | 33 deltagare |\n"
        "| Minst 30 % ska gå vidare till arbete eller studier | 36 % (12 av 33) |\n\n"
        "Kostnaden per deltagare blev ungefär 33 500 kr.",
    )
    (root / "slutrapport vägen framåt.md").write_text(text, encoding="utf-8")
    archive = make_archive()
    archive.ingest(root)
    answer = assistant_of(archive).ask(question)
    first = answer.text.splitlines()[0]
    if first_goal is None:
        assert "Mål enligt" not in answer.text and "33 500 kr" in first, answer.text
    else:
        assert first.startswith(f"Mål enligt slutrapporten: ”{first_goal}”"), answer.text


def test_a_goal_an_evaluation_measured_otherwise_shows_both_outcomes_and_what_each_counted(make_archive, tmp_path):
    # The final report sets and meets a share goal; the evaluation measures the same share later, on fewer people and
    # by its own definition, without restating the goal. The goal line carries both, and the answer says why.
    from conftest import FINAL_REPORT

    root = tmp_path / "rapporter"
    root.mkdir()
    text = FINAL_REPORT.replace(
        "Målet var 40 deltagare. Totalt har 33 personer deltagit och 12 gick vidare till arbete eller studier.",
        "| Mål | Resultat |\n|---|---|\n| Minst 30 % ska gå vidare till arbete eller studier | 36 % (12 av 33) |",
    )
    (root / "slutrapport vägen framåt.md").write_text(text, encoding="utf-8")
    (root / "utvardering vägen framåt.md").write_text(SHARE_EVALUATION, encoding="utf-8")
    archive = make_archive()
    archive.ingest(root)
    answer = assistant_of(archive).ask("Nådde Vägen framåt Söderhamn målet för arbete eller studier?")
    first = answer.text.splitlines()[0]
    assert first.startswith("Mål enligt slutrapporten: ”Minst 30 % ska gå vidare till arbete eller studier”")
    assert "36 % (12 av 33)" in first and "enligt utvärderingen: ”Sex månader efter avslut var 7 av 28" in first
    # asked whether the goal was reached, the line says so for each report that measured it
    assert first.endswith(
        "(skiljer sig mellan rapporterna). Målet nåddes enligt slutrapporten men inte enligt utvärderingen."
    )
    first = first.removesuffix(". Målet nåddes enligt slutrapporten men inte enligt utvärderingen.")
    assert any("olika utfall" in n for n in answer.notices)
    assert "I utvärderingen ingår endast de 28 deltagare" in answer.text  # whom the evaluation counted
    assert "Som arbete eller studier räknas" in answer.text  # and what
    assert {c.passage.source for c in answer.citations} == {
        "slutrapport vägen framåt.md",
        "utvardering vägen framåt.md",
    }
    # Asked why the reports differ, the answer sets the differing figures side by side before the explanation.
    why = assistant_of(archive).ask("Varför skiljer sig siffrorna mellan rapporterna om Vägen framåt Söderhamn?")
    assert why.text.splitlines()[:3] == [
        "Period enligt slutrapporten: 2021-03-01 – 2023-02-28 [1] (skiljer sig mellan rapporterna)",
        "Period enligt utvärderingen: 2021-04-01 – 2023-02-28 [2] (skiljer sig mellan rapporterna)",
        first.replace("[1]", "[3]").replace("[2]", "[4]"),
    ]
    assert "I utvärderingen ingår endast de 28 deltagare" in why.text


def _final_report(name: str, kommun: str, goals: str) -> str:
    """A fictional final report in the template whose goal section is ``goals``."""
    from conftest import FINAL_REPORT

    text = FINAL_REPORT.replace("Vägen framåt Söderhamn", name).replace("Söderhamns kommun", f"{kommun} kommun")
    return text.replace(
        "Målet var 40 deltagare. Totalt har 33 personer deltagit och 12 gick vidare till arbete eller studier.", goals
    )


def test_a_list_about_goals_compares_each_insats_target_with_its_outcome(make_archive, tmp_path):
    root = tmp_path / "rapporter"
    root.mkdir()
    reports = {
        (
            "Bron Gävle",
            "Gävle",
        ): "| Mål | Resultat |\n|---|---|\n| Minst 50 deltagare under insatstiden | 41 deltagare |\n"
        "| Minst 30 % går vidare till arbete eller studier | 34 % (14 av 41) |",
        ("Stegen Ockelbo", "Ockelbo"): "| Mål | Resultat |\n|---|---|\n| Minst 30 kvinnor och män ska skrivas in | "
        "36 inskrivna |\n| Minst 40 % går vidare till arbete eller studier | 25 % (9 av 36) |",
        # the form's other table shape: the target's figure in a column of its own
        ("Porten Hofors", "Hofors"): "| Mål | Målvärde | Resultat 2023-12-31 |\n|---|---|---|\n"
        "| Antal deltagare | 45 | 34 |\n| Andel till arbete eller studier | 30 % | 41 % (14 av 34) |",
    }
    for (name, kommun), goals in reports.items():
        (root / f"slutrapport {name}.md").write_text(_final_report(name, kommun, goals), encoding="utf-8")
    # a running insats: its quarterly report gives the state so far, which has missed nothing yet
    from conftest import QUARTERLY_REPORT

    running = QUARTERLY_REPORT.replace(
        "Under kvartalet har VF haft 14 deltagare.",
        "| Mål | Resultat |\n|---|---|\n| 45 deltagare under insatstiden | 14 deltagare hittills |\n\n"
        "Under kvartalet har VF haft 14 deltagare.",
    )
    (root / "kvartalsrapport vf.txt").write_text(running, encoding="utf-8")
    archive = make_archive()
    archive.ingest(root)
    assistant = assistant_of(archive)

    missed = assistant.ask("Vilka insatser fick inte ihop så många deltagare som de hade som mål?")
    assert missed.text.startswith("2 av 4 insatser med ett sådant mål nådde det inte:")
    assert set(missed.insatser) == {"Bron Gävle", "Porten Hofors"}
    assert missed.text.splitlines()[-1] == (
        "Vägen framåt i Nordanstig (VF) pågår: rapporterna anger läget hittills, inte utfallet."
    )
    assert "”Antal deltagare: 45” [" in missed.text and "utfall: ”34”" in missed.text
    reached = assistant.ask("Vilka insatser nådde målet för andelen till arbete eller studier?")
    assert reached.text.startswith("2 av 3 insatser med ett sådant mål nådde det:")  # VF set no share goal
    assert set(reached.insatser) == {"Bron Gävle", "Porten Hofors"}
    # a goal no insats set is no question about goals: the list is judged on the reports' words as usual
    other = assistant.ask("Vilka insatser hade ett mål för könsfördelningen?")
    assert "insatser med ett sådant mål" not in other.text


def test_a_list_bullet_carries_the_goal_the_insats_set_on_the_topic_with_each_reports_outcome(make_archive, tmp_path):
    root = tmp_path / "rapporter"
    root.mkdir()
    goals = "| Mål | Resultat |\n|---|---|\n| Minst 12 medarbetare ska utbildas i MI | 10 medarbetare utbildade i MI |"
    (root / "slutrapport Bron Gävle.md").write_text(_final_report("Bron Gävle", "Gävle", goals), encoding="utf-8")
    other = "Personalen har använt MI i samtalen, men ingen utbildning i MI har getts inom insatsen."
    (root / "slutrapport Stegen Ockelbo.md").write_text(
        _final_report("Stegen Ockelbo", "Ockelbo", other), encoding="utf-8"
    )
    archive = make_archive()
    archive.ingest(root)
    answer = assistant_of(archive).ask("Vilka insatser har utbildat personal i MI?")
    bron = next(line for line in answer.text.splitlines() if line.startswith("- **Bron Gävle**"))
    assert "Mål enligt slutrapporten: ”Minst 12 medarbetare ska utbildas i MI”" in bron
    assert "utfall: ”10 medarbetare utbildade i MI”" in bron
    assert bron.count("Minst 12 medarbetare") == 1  # the goal is not quoted twice
    stegen = [line for line in answer.text.splitlines() if line.startswith("- **Stegen Ockelbo**")]
    assert all("Mål enligt" not in line for line in stegen)  # no goal on the topic, no goal line

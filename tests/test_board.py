"""The board wing's pure stages on their own (fictional text): scope, reading, goals. test_summary runs them whole."""

import pytest

from assistant.board.goals import figure_key, goals_of, lead_figure, merged_goals
from assistant.board.reading import read_report, shorten
from assistant.board.scope import choose, find_insats
from assistant.catalog import Catalog, ReportInfo
from assistant.errors import AmbiguousInsats, BadFilter, InsatsNotFound
from index.grouping import aliases, insats_id
from index.records import Chunk, Insats


def _insats(name: str, kommun: str) -> Insats:
    source = f"{name}.md"
    return Insats(insats_id(name, kommun), name, kommun, tuple(aliases(name, kommun)), (source,))


BRON_G = _insats("Bron Gävle", "Gävle")
BRON_S = _insats("Bron Sandviken", "Sandviken")
STIGEN = _insats("Stigen Ockelbo", "Ockelbo")
CATALOG = Catalog(
    1,
    (BRON_G, BRON_S, STIGEN),
    {
        "Bron Gävle.md": ReportInfo("Bron Gävle.md", "slutrapport", "Gävle", BRON_G, (2019, 2020)),
        "Bron Sandviken.md": ReportInfo("Bron Sandviken.md", "slutrapport", "Sandviken", BRON_S, (2021, 2023)),
        "Stigen Ockelbo.md": ReportInfo("Stigen Ockelbo.md", "slutrapport", "Ockelbo", STIGEN, (2022, 2022)),
    },
)


def test_a_name_picks_one_insats_or_says_why_not():
    assert find_insats("stigen ockelbo", CATALOG) == STIGEN
    assert find_insats(BRON_S.id, CATALOG) == BRON_S
    with pytest.raises(AmbiguousInsats) as both:
        find_insats("Bron", CATALOG)
    assert set(both.value.candidates) == {"Bron Gävle (Gävle)", "Bron Sandviken (Sandviken)"}
    with pytest.raises(InsatsNotFound, match="arkiv insatser"):
        find_insats("Helt annat projekt Kiruna", CATALOG)


def test_a_scope_narrows_by_kommun_and_by_years_that_touch_the_period():
    assert choose(CATALOG).insatser == CATALOG.insatser
    assert choose(CATALOG, kommun="sandviken").insatser == (BRON_S,)
    assert choose(CATALOG, from_year=2022, to_year=2022).insatser == (BRON_S, STIGEN)
    assert choose(CATALOG, to_year=2019).description == "Period: …–2019"
    with pytest.raises(BadFilter, match="efter slutåret"):
        choose(CATALOG, from_year=2023, to_year=2021)
    with pytest.raises(BadFilter, match="Inga insatser"):
        choose(CATALOG, kommun="Gävle", from_year=2023)


def _chunk(source: str, start: int, text: str, section: str, heading: str, page: int) -> Chunk:
    return Chunk(f"{source}{start}", source, text, start, start + len(text), page, section, (heading,), "")


REPORT_TEXT = [  # each block opens with its heading line, as stored passages do
    (
        "maluppfyllelse",
        "5.1 Måluppfyllelse",
        "**5.1 Måluppfyllelse:** Ange mål och resultat.\n\n| Mål | Resultat |\n|-----|----------|\n"
        "| 40 deltagare under insatstiden | 33 deltagare (18 kvinnor, 15 män) |\n"
        "| Minst 30 % går vidare till arbete | 27 % (9 av 33) |",
    ),
    (
        "framgangsfaktorer",
        "6.4 Framgångsfaktorer",
        "#### 6.4 Framgångsfaktorer\n\n- Täta möten mellan parterna.\n- Arbetsträning på riktiga platser.",
    ),
]


def _report():
    chunks, start = [], 0
    for page, (key, heading, text) in enumerate(REPORT_TEXT, start=1):
        chunks.append(_chunk("stigen.md", start, text, key, heading, page))
        start += len(text) + 2
    return read_report("stigen.md", "slutrapport", list(reversed(chunks)))  # any order: document order is rebuilt


def test_a_report_is_read_back_into_its_template_sections_with_pages():
    report = _report()
    assert [b.key for b in report.blocks] == ["maluppfyllelse", "framgangsfaktorer"]
    block = report.sections("framgangsfaktorer")[0]
    assert report.ref(block, block.start).page == 2
    assert report.ref(block, block.start).label == "slutrapport"


def test_goals_are_paired_with_the_outcome_the_report_gives():
    goals = goals_of(_report())
    assert [(g.target.text, g.outcome.text) for g in goals] == [
        ("40 deltagare under insatstiden", "33 deltagare (18 kvinnor, 15 män)"),
        ("Minst 30 % går vidare till arbete", "27 % (9 av 33)"),
    ]
    assert goals[0].target.ref.heading == "5.1 Måluppfyllelse" and goals[0].target.ref.page == 1


def test_a_sentence_that_measures_against_the_goal_is_its_outcome():
    from assistant.board.goals import _classify

    assert _classify("Totalt har 31 familjer deltagit, vilket är lägre än målet om 40 familjer.") == "outcome"
    assert _classify("Insatsen nådde 52 deltagare, över målet på 45.") == "outcome"
    assert _classify("Målet är att 40 familjer ska delta.") == "goal"
    # a numbered goal label ("Mål 3: …") is a label as "Mål:" is, its outcome labelled "Resultat: …"
    assert _classify("Mål 3: Ett nätverk med minst 15 arbetsgivare ska byggas upp.") == "goal-label"
    assert _classify("Resultat: 27 arbetsgivare ingick i nätverket.") == "outcome-label"


def test_figures_of_goals_are_read_whatever_noun_follows():
    assert figure_key("Minst 40 % ska gå vidare till arbete") == ("%", "40")
    assert figure_key("45 unga vuxna ska delta") == ("n", "45")
    assert figure_key("Inget tal här") is None
    assert lead_figure("Av dem gick 12,5 procent till studier") == "12,5 %"
    assert lead_figure("Totalt 33 deltagare") == "33 deltagare"


EVALUATION_TEXT = [  # a fictional evaluation of Stigen that measures without restating the goals
    (
        "sammanfattning",
        "Sammanfattning",
        "Sammanfattning\n\nI utvärderingen ingår 30 deltagare, de som lämnat samtycke. Vid inskrivning hade "
        "4 deltagare en anställning. Sex månader efter avslut var 6 av 30 deltagare (20 %) i arbete.",
    ),
    (
        "resultat",
        "Resultat",
        "Resultat\n\nAv de 30 deltagarna var 17 kvinnor. Som arbete räknas anställning på minst 25 % av heltid. "
        "Andelen med försörjningsstöd var 40 %.",
    ),
]


def _evaluation(text=EVALUATION_TEXT, report_type="utvardering"):
    chunks, start = [], 0
    for page, (key, heading, body) in enumerate(text, start=1):
        chunks.append(_chunk("stigen-utv.md", start, body, key, heading, page))
        start += len(body) + 2
    return read_report("stigen-utv.md", report_type, chunks)


def test_a_report_that_measures_a_goal_without_restating_it_adds_its_outcome_beside_the_first():
    participants, work = merged_goals([_report(), _evaluation()])
    # the share on the goal's own words ("i arbete"), not the share of something else ("försörjningsstöd 40 %")
    assert [o.text for o in work.outcomes] == [
        "27 % (9 av 33)",
        "Sex månader efter avslut var 6 av 30 deltagare (20 %) i arbete.",
    ]
    assert work.differs and work.outcomes[1].ref.source == "stigen-utv.md"
    # the count the evaluation comes back to is its total; a subgroup counted once ("4 deltagare") is not
    assert participants.outcomes[1].text.startswith("I utvärderingen ingår 30 deltagare")
    assert participants.differs


def test_a_progress_report_leads_to_the_outcome_and_neither_adds_nor_contradicts_it():
    progress = merged_goals([_report(), _evaluation(report_type="kvartalsrapport")])
    assert all(len(goal.outcomes) == 1 and not goal.differs for goal in progress)


GOAL_TABLES = {
    # another template's table, read by its column headings
    "headings": (
        "5. Resultat\n\n| Delmål | Förväntat | Utfall 2023 |\n|---|---|---|\n"
        "| Deltagare som skrivs in | 30 | 26 |\n| Andel till arbete | 35 % | 38 % |\n",
        [("Deltagare som skrivs in: 30", "26"), ("Andel till arbete: 35 %", "38 %")],
    ),
    # a goal table a PDF flattened to lines: label lines, then the target's and the outcome's figures
    "flattened": (
        "5.1 Måluppfyllelse\nMålen redovisas i tabellen nedan.\nMål enligt ansökan Målvärde Utfall 2023-06-30\n"
        "Antal deltagare under insatstiden 80 72\nAndel deltagare som fått arbete\npå den öppna arbetsmarknaden\n"
        "30 % 35 % (25 personer)\nAndel som börjat studera\ninget målvärde 6 %\nUtbildade handledare 12 14\n"
        "Insatsen nådde alltså nästan sina mål.",
        [
            ("Antal deltagare under insatstiden: 80", "72"),
            ("Andel deltagare som fått arbete på den öppna arbetsmarknaden: 30 %", "35 % (25 personer)"),
            ("Utbildade handledare: 12", "14"),
        ],
    ),
}


@pytest.mark.parametrize("shape", GOAL_TABLES)
def test_goal_tables_of_other_shapes_are_read_row_by_row(shape):
    text, pairs = GOAL_TABLES[shape]
    report = read_report("bron.pdf", "slutrapport", [_chunk("bron.pdf", 0, text, "maluppfyllelse", "5.1", 4)])
    assert [(g.target.text, g.outcome.text) for g in goals_of(report)] == pairs


def test_money_an_evaluation_says_was_spent_stands_beside_the_final_reports_field():
    from assistant.board.facts import collect
    from index.records import Field

    used = Field("utnyttjade_medel", "1312560", "1 312 560 kr", 0, 12)
    final = read_report("stigen.md", "slutrapport", [_chunk("stigen.md", 0, "1 312 560 kr", "ekonomi", "7", 1)], [used])
    evaluation = _evaluation(
        [
            (
                "resultat",
                "Ekonomi",
                "Ekonomi\n\nInsatsen beviljades 1 450 000 kronor. Enligt ekonomiuppföljningen per den 31 oktober 2023 "
                "hade insatsen förbrukat drygt 1,2 miljoner kronor av de 1,45 miljoner som beviljats.",
            )
        ]
    )
    facts = collect(STIGEN, [final, evaluation])
    assert [value for _, value in facts.used] == ["1312560", "1200000"]
    # the spent amount, not the granted one beside it, whichever side the granting words stand on
    other = _evaluation(
        [("resultat", "Ekonomi", "Ekonomi\n\nInsatsen har använt 1 180 000 kr av beviljade 1 450 000 kr.")]
    )
    assert [value for _, value in collect(STIGEN, [final, other]).used] == ["1312560", "1180000"]
    assert facts.used[1][0].text.startswith("Enligt ekonomiuppföljningen per den 31 oktober 2023")


def test_shorten_keeps_whole_sentences_and_cuts_only_an_overlong_one():
    assert shorten("Första meningen här. Andra meningen är mycket längre än så.", 30) == "Första meningen här."
    cut = shorten("ord " * 200, 50)
    assert cut.endswith(" …") and len(cut) <= 77 and cut[:-2].split() == ["ord"] * len(cut[:-2].split())

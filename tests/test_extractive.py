"""The extractive answerer over fakes of its seams (search, catalog, word counts, report reader): fictional text."""

from assistant.answer import Passage
from assistant.catalog import Catalog, ReportInfo
from assistant.extractive import NO_ANSWER, ExtractiveAnswerer
from assistant.extractive.sentences import _AFTER_HEADINGS, _answers_figure, _ranked, _split, denied_terms
from assistant.intent import read_question
from index.analyze import analyze, fold
from index.grouping import aliases, insats_id
from index.records import Chunk, Insats


def _insats(name: str, kommun: str, source: str) -> Insats:
    return Insats(insats_id(name, kommun), name, kommun, tuple(aliases(name, kommun)), (source,))


BRON = _insats("Bron Gävle", "Gävle", "bron.md")
STIGEN = _insats("Stigen Ockelbo", "Ockelbo", "stigen.md")
CATALOG = Catalog(
    1,
    (BRON, STIGEN),
    {
        "bron.md": ReportInfo("bron.md", "slutrapport", "Gävle", BRON, (2021, 2022)),
        "stigen.md": ReportInfo("stigen.md", "slutrapport", "Ockelbo", STIGEN, (2022, 2023)),
    },
)
TEXTS = {
    "bron.md": [
        "Arbetsträning på riktiga arbetsplatser gav deltagarna tro på sin förmåga att arbeta igen.",
        "Totalt deltog 31 personer i insatsen och 9 av dem gick vidare till arbete.",
    ],
    "stigen.md": [
        "Samtalsgrupperna träffades varje vecka i biblioteket under hela projekttiden.",
        "Insatsen hade sammanlagt 12 deltagare under projekttiden enligt uppföljningen.",
    ],
}


def _passage(source: str, i: int, *, rank: int = 1) -> Passage:
    text = TEXTS[source][i]
    chunk = Chunk(f"{source}-{i}", source, text, 0, len(text), 1, "resultat", ("5. Resultat",), "")
    insats = CATALOG.reports[source].insats
    return Passage(chunk, 1.0 / rank, insats.name, insats.id, "slutrapport")


class _Search:
    """Every passage of the reports a filter allows, in a fixed order; records what it was asked."""

    def __init__(self) -> None:
        self.asked = []

    def search(self, query, *, k=6, filters=None):
        self.asked.append((query, filters))
        sources = list(TEXTS)
        if filters is not None and filters.insats is not None:
            sources = [s for s in sources if CATALOG.reports[s].insats.id == filters.insats]
        found = [_passage(s, i) for s in sources for i in range(len(TEXTS[s]))]
        return found[:k]


class _Words:
    ids = [f"c{i}" for i in range(100)]

    def document_frequency(self, term):
        return 1

    def vocabulary(self):
        return ()


class _Reports:
    def chunks_of(self, source):
        return [_passage(source, i).chunk for i in range(len(TEXTS[source]))]


class _OnePassageEach:
    """A report reader whose reports are one passage each, all in one section."""

    def __init__(self, texts, section, heading_path):
        self.texts, self.section, self.heading_path = texts, section, heading_path

    def chunks_of(self, source):
        text = self.texts[source][0]
        return [Chunk(f"{source}-0", source, text, 0, len(text), 1, self.section, self.heading_path, "")]


def _answerer():
    search = _Search()
    return search, ExtractiveAnswerer(search, catalog=lambda: CATALOG, lexical=lambda: _Words(), sources=_Reports())


def test_a_fact_question_quotes_the_sentence_with_its_words_and_cites_it():
    search, answerer = _answerer()
    query = read_question("Vad gav arbetsträning på riktiga arbetsplatser?", catalog=CATALOG)
    draft = answerer.answer(query)
    assert not draft.abstained
    assert draft.text.startswith("Enligt Bron Gävle, slutrapporten: ”Arbetsträning på riktiga arbetsplatser")
    assert draft.text.splitlines()[0].endswith("[1]")
    assert draft.passages[0].chunk.id == "bron.md-0"
    assert all(asked is query for asked, _ in search.asked)  # the answerer searches with the Query it was given


def test_a_figure_question_needs_a_sentence_with_a_figure():
    _, answerer = _answerer()
    draft = answerer.answer(read_question("Hur många deltagare hade Stigen Ockelbo?", catalog=CATALOG))
    assert "12 deltagare" in draft.text and "varje vecka" not in draft.text
    assert draft.insatser == ("Stigen Ockelbo",)


def test_a_question_across_the_archive_is_asked_of_every_insats():
    search, answerer = _answerer()
    draft = answerer.answer(read_question("Vilka insatser nämner samtalsgrupper?", catalog=CATALOG))
    assert draft.text.splitlines()[0] == "1 av 2 insatser i arkivet:"
    assert draft.text.splitlines()[1].startswith("- **Stigen Ockelbo** (Ockelbo): Enligt Stigen Ockelbo")
    assert {f.insats for _, f in search.asked} == {BRON.id, STIGEN.id}


def test_no_sentence_with_the_questions_words_means_no_answer():
    _, answerer = _answerer()
    draft = answerer.answer(read_question("Vad sa styrelsen om lokalhyran för verkstaden?", catalog=CATALOG))
    assert draft.abstained and draft.text == NO_ANSWER


def test_quoted_report_text_cannot_cite_another_passage():
    TEXTS["bron.md"].append("Arbetsträning beskrivs närmare i bilagan [2] som styrelsen har fått.")
    try:
        _, answerer = _answerer()
        draft = answerer.answer(read_question("Var beskrivs arbetsträning närmare?", catalog=CATALOG))
    finally:
        TEXTS["bron.md"].pop()
    first = draft.text.splitlines()[0]
    assert "bilagan (2)" in first and first.endswith("[1]") and "bilagan [2]" not in draft.text


def test_sentences_leave_out_headings_template_prompts_and_fragments():
    text = (
        "## 6.4 Framgångsfaktorer\n\n"
        "Beskriv framgångsfaktorer/positiva effekter:\n\n"
        "Teamet träffades varannan vecka\noch alla parter kände deltagarna. Kort.\n\n"
        "| Mål | 40 deltagare ska delta |\n| Utfall | 33 deltagare i insatsen |"
    )
    assert _split(text) == [
        "Teamet träffades varannan vecka och alla parter kände deltagarna.",  # wrapped line joined, "Kort." dropped
        "Mål | 40 deltagare ska delta",  # table rows stand alone
        "Utfall | 33 deltagare i insatsen",
    ]


def test_a_sentence_answers_a_figure_question_with_a_figure_about_its_topic():
    assert _answers_figure("Totalt deltog 31 personer i insatsen.", {"deltog"})
    assert not _answers_figure("Alla personer deltog i insatsen.", {"deltog"})  # no figure
    assert not _answers_figure("Budgeten var 300 000 kr.", {"kurs"})  # a figure, but not about the course
    assert _answers_figure("Gruppen träffades varannan vecka.", {"traff"}, often=True)  # "hur ofta" in words
    assert not _answers_figure("Totalt 31 deltagare.", set(), money=True)  # money asked: an amount is needed


def test_a_sentence_that_denies_a_thing_does_not_count_as_having_it():
    assert set(analyze("brukarråd")) <= denied_terms("Något brukarråd har inte funnits i insatsen.")
    assert set(analyze("utvärdering")) <= denied_terms("Ingen extern utvärdering har gjorts.")
    assert set(analyze("referensgrupp")) <= denied_terms("Vi har inte haft någon referensgrupp.")
    assert set(analyze("brukarråd")) <= denied_terms("Någon form av råd, t.ex. ett brukarråd, fanns inte.")
    assert not denied_terms("Insatsen har haft ett brukarråd som träffats varje månad.")
    assert not denied_terms("Några deltagare har gått till arbete.")  # "några" without a negation is a number


def test_a_budget_tables_cells_are_amounts_without_a_currency():
    key = set(analyze("regionens personal"))
    assert _answers_figure("Personal Region Gävleborg (rehabkoordinator) | 960 000 | 512 640", key, money=True)
    assert not _answers_figure("Regionens personal var med i 34 möten.", key, money=True)


def test_a_register_field_asked_for_is_no_gap_whatever_else_the_question_names():
    from dataclasses import replace

    from assistant.extractive.absent import ReportTerms, gap
    from index.records import Field

    bron = replace(BRON, fields=(("bron.md", Field("diarienummer", "SFG 21-3", "SFG 21-3", 0, 8)),))
    catalog = Catalog(1, (bron, STIGEN), CATALOG.reports)

    class _Archive(_Words):
        def document_frequency(self, term):
            return 5  # every word is used somewhere in the archive, "samordningsförbundet" too

    asked = read_question("Vilket diarienummer har Bron Gävle hos samordningsförbundet?", catalog=catalog)
    assert gap(asked, asked.named, catalog, _Archive(), ReportTerms(_Reports())) is None
    other = read_question("Vilken fidelitypoäng fick Bron Gävle?", catalog=catalog)
    assert gap(other, other.named, catalog, _Archive(), ReportTerms(_Reports())) is not None


def test_an_ordinal_interval_answers_how_often():
    key = set(analyze("styrgruppen träffades"))
    assert _answers_figure("Styrgruppen har träffats var åttonde vecka under hela insatstiden.", key, often=True)
    assert not _answers_figure("Styrgruppen har träffats i kommunhuset.", key, often=True)


def test_a_table_row_is_read_with_its_column_headings():
    text = "Deltagare per kön\n\n|  | Kvinnor | Män | Totalt |\n|---|---|---|---|\n| Summa | 23 | 16 | 39 |"
    assert _split(text) == ["Kvinnor | Män | Totalt … Summa | 23 | 16 | 39"]  # the short caption is a fragment
    # The headings match a question about a figure, not a question about anything else.
    passage = Passage(Chunk("t-0", "t.md", text, 0, len(text), 1, "resultat", (), ""), 1.0, None, None, None)
    row = "Kvinnor | Män | Totalt … Summa | 23 | 16 | 39"
    key = set(analyze("kvinnor män"))
    assert next(s for s in _ranked([passage], key, counts=True) if s.text == row).score > 0
    assert next(s for s in _ranked([passage], key) if s.text == row).score == 0


def test_a_column_heading_that_holds_a_date_is_still_a_heading():
    # "Resultat 2023-12-31" labels a column; the heading row is no sentence of its own, the rows are read with it.
    text = (
        "| Mål enligt ansökan | Resultat 2023-12-31 | Kommentar |\n|---|---|---|\n"
        "| Minst 45 deltagare ska skrivas in | 39 deltagare | Ej uppnått |"
    )
    heading = "Mål enligt ansökan | Resultat 2023-12-31 | Kommentar"
    assert _split(text) == [f"{heading} … Minst 45 deltagare ska skrivas in | 39 deltagare | Ej uppnått"]
    # a first row whose cells are figures is a row, not headings
    rows = "| Minst 45 deltagare ska skrivas in | 52 |\n| Minst 40 % ska gå till arbete eller studier | 44 % |"
    assert all(_AFTER_HEADINGS not in piece for piece in _split(rows)) and len(_split(rows)) == 2
    # a first row whose cell is a date alone is a form's field and its value, not headings
    form = "| Insatstid – åååå-mm-dd | 20210901 - 20230831 |\n| Beviljade medel för insatsen | 4 860 000 kr |"
    assert all(_AFTER_HEADINGS not in piece for piece in _split(form))


def test_a_why_question_takes_the_sentence_that_states_a_cause_first():
    text = "Remisserna från vården minskade under hösten. Remisserna minskade eftersom vården omorganiserades."
    passage = Passage(Chunk("w-0", "w.md", text, 0, len(text), 1, "resultat", (), ""), 1.0, None, None, None)
    key = set(analyze("remisserna minskade"))
    assert _ranked([passage], key, causal=True)[0].text.endswith("eftersom vården omorganiserades.")
    assert _ranked([passage], key)[0].text.startswith("Remisserna från vården")


def test_each_part_of_a_compound_question_gets_its_sentence_in_the_questions_order():
    _, answerer = _answerer()
    one = answerer.answer(read_question("Hur många deltog i Bron Gävle?", catalog=CATALOG))
    assert one.text.splitlines()[0].endswith(
        "”Totalt deltog 31 personer i insatsen och 9 av dem gick vidare till arbete.” [1]"
    )
    both = answerer.answer(
        read_question("Vad gav arbetsträningen i Bron Gävle, och hur många deltog?", catalog=CATALOG)
    )
    lines = both.text.splitlines()
    assert "Arbetsträning på riktiga arbetsplatser" in lines[0] and "Totalt deltog 31" in lines[1]


def test_a_sentence_that_points_back_is_quoted_with_the_one_before():
    text = (
        "Tolk beställdes till 58 samtal under kvartalet. Vid 11 av dessa kom ingen tolk. Hösten blev lugnare i gruppen."
    )
    assert _split(text) == [
        "Tolk beställdes till 58 samtal under kvartalet. Vid 11 av dessa kom ingen tolk.",
        "Hösten blev lugnare i gruppen.",
    ]


def _quarterly_reports():
    """Bron Gävle with its Q2 and Q3 2023 reports, and a passage of each and of its final report."""
    from dataclasses import replace

    from assistant.names import NameMatch
    from index.records import Field

    fields = (
        ("q2.md", Field("rapportperiod_start", "2023-04-01", "230401", 0, 6)),
        ("q2.md", Field("rapportperiod_end", "2023-06-30", "230630", 9, 15)),
        ("q3.md", Field("rapportperiod_start", "2023-07-01", "230701", 0, 6)),
        ("q3.md", Field("rapportperiod_end", "2023-09-30", "230930", 9, 15)),
    )
    named = [NameMatch(replace(BRON, fields=fields), 100.0, "Bron Gävle")]

    def passage(source):
        return Passage(Chunk(source, source, "text", 0, 4, 1, None, (), ""), 1.0, "Bron Gävle", BRON.id, None)

    passages = [passage("q3.md"), passage("slut.md"), passage("q2.md")]
    return named, passages


def test_the_report_of_the_quarter_asked_comes_first():
    from assistant.extractive.fact import _quarter_first

    named, passages = _quarterly_reports()
    ordered = _quarter_first(passages, (("2023-04-01", "2023-06-30"),), named)
    assert [p.source for p in ordered] == ["q2.md", "q3.md", "slut.md"]
    assert _quarter_first(passages, (), named) == passages


class _Closeness:
    """A stand-in for the e5 judge (not a quality measure): the cosine is high for sentences holding a marker."""

    def __init__(self, marker):
        self.marker, self.asked = marker, []

    def similarities(self, question, sentences):
        self.asked.append(question)
        return [0.9 if self.marker in s else 0.8 for s in sentences]


def test_a_sentence_that_says_the_asked_thing_in_other_words_wins_a_tie_of_words():
    from assistant.extractive.fact import FactAnswerer

    text = (
        "Tolken kostade mer än budgeterat under kvartalet. "
        "Tolk beställdes till 58 samtal under kvartalet. "
        "Tolken talade ibland fel dialekt med deltagarna. "
        "Gruppen träffades på biblioteket varje vecka."
    )
    passage = Passage(Chunk("m-0", "bron.md", text, 0, len(text), 1, None, (), ""), 1.0, "Bron Gävle", BRON.id, None)
    query = read_question("Hur många tolkbokningar hade Bron Gävle?", catalog=CATALOG)
    key = set(analyze("tolkbokningar"))
    judge = _Closeness("58 samtal")
    answerer = FactAnswerer(_Search(), catalog=lambda: CATALOG, sources=_Reports(), k=4, max_sentences=3, meaning=judge)
    words_only = FactAnswerer(_Search(), catalog=lambda: CATALOG, sources=_Reports(), k=4, max_sentences=3)
    by_words = [s.text for s in words_only._by_meaning(query.text, _ranked([passage], key))]
    by_meaning = [s.text for s in answerer._by_meaning(query.text, _ranked([passage], key))]
    assert by_words[0].startswith("Tolken kostade")  # three sentences share the word: the first one wins
    assert by_meaning[0] == "Tolk beställdes till 58 samtal under kvartalet."
    assert judge.asked == [query.text]
    assert "Gruppen träffades" in by_meaning[-1]  # no word and not close: stays last


def test_money_asked_is_answered_with_granted_and_used_read_together():
    from assistant.extractive.fact import _money_read_together, _with_counterpart

    assert _with_counterpart((("utnyttjade_medel",),)) == (("beviljade_medel",), ("utnyttjade_medel",))
    assert _with_counterpart((("diarienummer",),)) == (("diarienummer",),)
    values = {("bron", "beviljade_medel"): {"1450000"}, ("bron", "utnyttjade_medel"): {"1312560"}}
    cited = {("bron", "beviljade_medel"): 1, ("bron", "utnyttjade_medel"): 2}
    assert _money_read_together("bron", values, cited) == (
        "Utnyttjat 1 312 560 kr av beviljade 1 450 000 kr [2][1]. "
        "Det är 91 % av det beviljade; 137 440 kr blev kvar (beräknat)."
    )
    over = {("bron", "beviljade_medel"): {"100000"}, ("bron", "utnyttjade_medel"): {"120000"}}
    assert "20 000 kr mer än beviljat" in _money_read_together("bron", over, cited)
    nearly = {("bron", "beviljade_medel"): {"1800000"}, ("bron", "utnyttjade_medel"): {"1796540"}}
    assert "Det är 99,8 % av det beviljade; 3 460 kr blev kvar" in _money_read_together("bron", nearly, cited)
    differing = {**values, ("bron", "utnyttjade_medel"): {"1312560", "1200000"}}
    assert _money_read_together("bron", differing, cited) == ""  # each report's value is shown on its own


def test_a_bare_yes_or_no_is_quoted_with_what_it_rests_on():
    text = (
        "Nej, insatsen lever inte vidare efter projekttiden. Nämnden beslutade i november att inte finansiera den. "
        "Coacherna har gått till andra uppdrag i kommunen."
    )
    assert _split(text) == [
        "Nej, insatsen lever inte vidare efter projekttiden. Nämnden beslutade i november att inte finansiera den.",
        "Coacherna har gått till andra uppdrag i kommunen.",
    ]
    assert len(_split("Janne var projektledare under hela tiden. Han slutade efter tre år i tjänsten.")) == 2


def test_a_list_by_money_left_compares_granted_and_used_and_quotes_the_reason():
    from index.records import Field

    def money(source: str, granted: str, used: str, at: int) -> tuple[tuple[str, Field], ...]:
        return (
            (source, Field("beviljade_medel", granted, granted, at, at + 5)),
            (source, Field("utnyttjade_medel", used, used, at, at + 5)),
        )

    bron = Insats(BRON.id, BRON.name, BRON.kommun, BRON.aliases, BRON.reports, money("bron.md", "900000", "700000", 0))
    stigen = Insats(
        STIGEN.id, STIGEN.name, STIGEN.kommun, STIGEN.aliases, STIGEN.reports, money("stigen.md", "500000", "450000", 0)
    )
    catalog = Catalog(
        1,
        (bron, stigen),
        {
            "bron.md": ReportInfo("bron.md", "slutrapport", "Gävle", bron, (2021, 2022)),
            "stigen.md": ReportInfo("stigen.md", "slutrapport", "Ockelbo", stigen, (2022, 2023)),
        },
    )
    reason = "Att 200 000 kr inte förbrukades beror på att en tjänst stod vakant under hösten."
    texts = {"bron.md": [reason], "stigen.md": ["Ekonomin följde budgeten väl under hela projekttiden."]}

    reports = _OnePassageEach(texts, "ekonomi", ("7. Ekonomi",))
    answerer = ExtractiveAnswerer(_Search(), catalog=lambda: catalog, lexical=lambda: _Words(), sources=reports)
    draft = answerer.answer(
        read_question("Vilka insatser hade mer än 100 000 kr kvar när de var klara?", catalog=catalog)
    )
    lines = draft.text.splitlines()
    assert lines[0] == "1 av 2 insatser med beviljade och utnyttjade medel i arkivet:"
    assert lines[1].startswith("- **Bron Gävle** (Gävle): utnyttjat 700 000 kr av beviljade 900 000 kr [1]. ")
    assert "200 000 kr blev kvar (beräknat)." in lines[1] and reason in lines[1]
    assert "Stigen" not in draft.text  # 50 000 kr left is not more than 100 000 kr
    over = answerer.answer(read_question("Vilka insatser överskred budgeten?", catalog=catalog))
    assert over.abstained  # neither used more than granted


def test_a_plain_heading_line_is_not_read_into_the_first_sentence():
    text = "Sammanfattning\nInsatsen nådde 40 deltagare och hälften gick vidare till arbete.\nDet gick bra."
    assert _split(text)[0] == "Insatsen nådde 40 deltagare och hälften gick vidare till arbete."


def test_a_name_mentioned_in_passing_is_not_taken_for_the_insats_of_the_same_kommun():
    from assistant.extractive.absent import only_mentioned
    from index.records import Mention

    catalog = Catalog(
        1,
        CATALOG.insatser,
        CATALOG.reports,
        mentions=(
            (
                "bron.md",
                Mention("Lotsen Gävle", 0, 12, "Lotsen Gävle tog emot fyra."),
            ),
        ),
    )
    note = only_mentioned(read_question("hur stor budget hade lotsen i gävle?", catalog=catalog), catalog, _Words())
    assert (
        note
        == "Lotsen Gävle nämns bara i förbigående i slutrapporten för Bron Gävle; arkivet har ingen rapport om den."
    )


def test_a_name_the_reports_use_throughout_is_discussed_not_mentioned_in_passing():
    from assistant.extractive.absent import only_mentioned
    from index.records import Mention

    class Often(_Words):
        def document_frequency(self, term):
            return 40

    catalog = Catalog(
        1,
        CATALOG.insatser,
        CATALOG.reports,
        mentions=(
            (
                "bron.md",
                Mention("Lotsen Gävle", 0, 12, "."),
            ),
        ),
    )
    assert only_mentioned(read_question("hur ofta möttes lotsen i gävle?", catalog=catalog), catalog, Often()) is None


def test_a_figure_asked_at_a_time_no_report_states_is_said_to_be_missing_without_another_times_figure():
    text = "Av de 31 deltagarna hade 9 ett arbete tre månader efter avslut."

    class Search(_Search):
        def search(self, query, *, k=6, filters=None):
            chunk = Chunk("bron.md-t", "bron.md", text, 0, len(text), 1, "resultat", ("5. Resultat",), "")
            return [Passage(chunk, 1.0, BRON.name, BRON.id, "slutrapport")]

    class Reports:
        def chunks_of(self, source):
            return [Search().search(None)[0].chunk] if source == "bron.md" else []

    answerer = ExtractiveAnswerer(Search(), catalog=lambda: CATALOG, lexical=lambda: _Words(), sources=Reports())
    later = answerer.answer(read_question("Hur många i Bron Gävle hade arbete ett år efter avslut?", catalog=CATALOG))
    assert later.text == (
        "Rapporterna om Bron Gävle redovisar ingen uppgift för ett år efter. De anger läget tre månader efter [1]."
    )
    same = answerer.answer(
        read_question("Hur många i Bron Gävle hade arbete tre månader efter avslut?", catalog=CATALOG)
    )
    assert "9 ett arbete" in same.text


def test_a_when_question_takes_the_sentence_that_dates_it_before_one_that_counts():
    chunk_text = (
        "Av de 56 deltagarna hade 29 sjukersättning vid inskrivningen. Den första deltagaren skrevs in 2021-10-04."
    )
    chunk = Chunk("bron.md-w", "bron.md", chunk_text, 0, len(chunk_text), 1, "malgrupp", ("4.2 Målgrupp",), "")
    passages = [Passage(chunk, 1.0, BRON.name, BRON.id, "slutrapport")]
    key = set(analyze("deltagaren"))
    assert _ranked(passages, key, counts=True)[0].text.startswith("Av de 56")  # a how-many question: the count
    assert _ranked(passages, key, dated=True)[0].text == "Den första deltagaren skrevs in 2021-10-04."


def test_which_insatser_had_an_evaluation_is_answered_by_the_reports_kind_with_its_byline():
    gren = _insats("Gren Hofors", "Hofors", "gren_slut.md")
    gren = Insats(gren.id, gren.name, gren.kommun, gren.aliases, ("gren_slut.md", "gren_utv.md"))
    catalog = Catalog(
        1,
        (BRON, gren),
        {
            "bron.md": ReportInfo("bron.md", "slutrapport", "Gävle", BRON, (2021, 2022)),
            "gren_slut.md": ReportInfo("gren_slut.md", "slutrapport", "Hofors", gren, (2021, 2022)),
            "gren_utv.md": ReportInfo("gren_utv.md", "utvardering", "Hofors", gren, (2023,)),
        },
    )
    texts = {
        "bron.md": ["Utvärderingen av arbetet gjordes internt av projektledaren varje termin."],
        "gren_slut.md": ["Insatsen nådde 20 deltagare."],
        "gren_utv.md": [
            "Utvärdering av insatsen Gren Hofors\nNorrlands Analys AB på uppdrag av samordningsförbundet\n\n"
            "Utvärderingen bygger på intervjuer med deltagare och personal."
        ],
    }

    reports = _OnePassageEach(texts, None, ())
    answerer = ExtractiveAnswerer(_Search(), catalog=lambda: catalog, lexical=lambda: _Words(), sources=reports)
    draft = answerer.answer(
        read_question("Vilka insatser har haft en extern utvärdering, och vem gjorde den?", catalog=catalog)
    )
    lines = draft.text.splitlines()
    assert lines[0] == "1 av 2 insatser i arkivet har en utvärdering:"
    assert lines[1].startswith("- **Gren Hofors** (Hofors): Enligt Gren Hofors, utvärderingen: ”")
    assert "Norrlands Analys AB" in lines[1] and "Bron" not in draft.text
    # What evaluations say is still judged by its words, in the evaluations only.
    said = answerer.answer(read_question("Vilka insatser nämner intervjuer i utvärderingen?", catalog=catalog))
    assert "har en utvärdering" not in said.text


def test_a_part_of_a_compound_question_is_also_searched_on_its_own():
    class _WholeMissesThePart(_Search):
        """The whole question finds only the passage on arbetsträning; a part's own words find the count."""

        def search(self, query, *, k=6, filters=None):
            self.asked.append((query, filters))
            counted = isinstance(query, str) and "deltog" in query
            return [_passage("bron.md", 1 if counted else 0)]

    search = _WholeMissesThePart()
    answerer = ExtractiveAnswerer(search, catalog=lambda: CATALOG, lexical=lambda: _Words(), sources=_Reports())
    query = read_question("Vad gav arbetsträningen i Bron Gävle, och hur många deltog?", catalog=CATALOG)
    lines = answerer.answer(query).text.splitlines()
    assert "Arbetsträning på riktiga arbetsplatser" in lines[0] and "Totalt deltog 31" in lines[1]
    part_searches = [(q, f) for q, f in search.asked if isinstance(q, str)]
    assert [q for q, _ in part_searches] == [p.text for p in query.parts]
    assert all(f.insats == BRON.id for _, f in part_searches)  # each part is asked of the named insats only


def test_the_sentence_a_how_many_part_gets_counts_something_a_year_only_dates():
    key = set(analyze("tolk"))
    dated = "Om nivån håller i sig tar budgetposten för tolk slut under våren 2024."
    assert _answers_figure(dated, key)  # as context for the whole question
    assert not _answers_figure(dated, key, counting=True)
    assert _answers_figure("Tolk beställdes till 58 samtal under 2023.", key, counting=True)
    assert _answers_figure("Tolken kostade 2000 kr per samtal.", key, counting=True)  # an amount, not a year


def test_a_quarterly_report_on_another_quarter_gives_no_part_its_answer():
    from assistant.extractive.fact import _in_quarter

    named, passages = _quarterly_reports()
    assert [p.source for p in _in_quarter(passages, (("2023-04-01", "2023-06-30"),), named)] == ["slut.md", "q2.md"]
    assert _in_quarter(passages, (("2024-01-01", "2024-03-31"),), named) == passages  # no report covers it
    assert _in_quarter(passages, (), named) == passages


def test_a_result_the_latest_report_leaves_to_a_later_report_is_said_to_be_missing():
    from dataclasses import replace

    from assistant.extractive.fact import _deferred
    from assistant.extractive.sentences import _Sentence
    from assistant.names import NameMatch
    from index.records import Field

    fields = (
        ("q2.md", Field("period_end", "2024-04-30", "240430", 0, 6)),  # the insats's period, not the report's
        ("q2.md", Field("rapportperiod_end", "2023-06-30", "230630", 9, 15)),
        ("q3.md", Field("rapportperiod_end", "2023-09-30", "230930", 9, 15)),
    )
    match = NameMatch(replace(BRON, fields=fields), 100.0, "Bron Gävle")
    said = "Granskningen görs i november och resultatet redovisas i kommande kvartalsrapport."

    def best(source, text=said):
        chunk = Chunk(f"{source}-0", source, text, 0, len(text), 1, None, (), "")
        return _Sentence(text, Passage(chunk, 1.0, "Bron Gävle", BRON.id, "kvartalsrapport"), 1.0, text)

    latest = _deferred(match, best("q3.md"))
    assert latest is not None and latest.text.startswith("Resultatet finns inte i arkivet")
    assert said in latest.text and latest.passages[0].source == "q3.md"
    assert _deferred(match, best("q2.md")) is None  # the Q3 report may give it
    assert _deferred(match, best("q3.md", "Granskningen gav 4,2 poäng av 5 möjliga enligt granskarna.")) is None


def test_asked_who_took_part_the_answer_gives_the_partners_and_the_owner_with_its_workplace():
    from dataclasses import replace

    from index.records import Field

    fields = (
        ("bron.md", Field("organisation", "Gävle kommun", "Gävle kommun", 0, 12)),
        ("bron.md", Field("arbetsstalle", "Jobbtorget", "Jobbtorget", 20, 30)),
        ("bron.md", Field("samverkanspart", "Försäkringskassan", "Försäkringskassan", 40, 57)),
    )
    bron = replace(BRON, fields=fields)
    reports = {**CATALOG.reports, "bron.md": replace(CATALOG.reports["bron.md"], insats=bron)}
    catalog = Catalog(1, (bron, STIGEN), reports)
    answerer = ExtractiveAnswerer(_Search(), catalog=lambda: catalog, lexical=lambda: _Words(), sources=_Reports())
    draft = answerer.answer(read_question("Vilka parter var med i Bron Gävle?", catalog=catalog))
    lines = draft.text.splitlines()
    assert lines[0].startswith("Samverkanspart: Enligt Bron Gävle") and "”Försäkringskassan”" in lines[0]
    assert lines[1].startswith("Insatsägare:") and "”Gävle kommun – Jobbtorget”" in lines[1]
    owner = answerer.answer(read_question("Vem ägde Bron Gävle?", catalog=catalog)).text
    assert "”Gävle kommun – Jobbtorget”" in owner and "Samverkanspart" not in owner  # the owner alone asked


def test_a_theme_summary_request_searches_each_insats_for_the_theme_not_for_its_summary():
    search, answerer = _answerer()
    question = "Samtalsgrupperna verkar viktiga – kan du sammanfatta vad rapporterna säger till styrelsen?"
    draft = answerer.answer(read_question(question, catalog=CATALOG))
    assert "Stigen Ockelbo" in draft.text
    assert {asked for asked, _ in search.asked} == {"Samtalsgrupperna verkar viktiga –"}
    search.asked.clear()
    answerer.answer(read_question("Vilka insatser nämner samtalsgrupper, och hur ofta?", catalog=CATALOG))
    assert all(not isinstance(asked, str) for asked, _ in search.asked)  # a list question is searched whole


def test_a_table_a_pdf_laid_out_as_lines_is_read_row_by_row():
    # Fictional goal table as a PDF export leaves it: cells as words, a long label wrapped, figures at row ends.
    text = (
        "Mål enligt ansökan Målvärde Utfall 2023-06-30\n"
        "Antal deltagare under insatstiden 90 84\n"
        "Andel deltagare som gått till arbete\n"
        "eller studier\n"
        "35 % 38 % (32 personer)\n"
        "Utbildad personal i motiverande samtal 20 personer 23 personer\n"
        "Deltagarmålet nåddes nästan, trots att intaget stod still under\n"
        "våren 2021, se 5.3."
    )
    assert _split(text) == [
        "Mål enligt ansökan Målvärde Utfall 2023-06-30",
        "Antal deltagare under insatstiden 90 84",
        "Andel deltagare som gått till arbete eller studier 35 % 38 % (32 personer)",  # a line of figures is content
        "Utbildad personal i motiverande samtal 20 personer 23 personer Deltagarmålet nåddes nästan, trots att "
        "intaget stod still under våren 2021, se 5.3.",  # "personer" ends no row: read on, as a paragraph
    ]
    # A quotation's byline ends on a year in parentheses, but a row's figure in parentheses begins with it.
    quoted = '"Vi lyssnade mer än vi pratade." (lots, mars 2022)\nLotsarna beskrev också hur lång tid det tog.'
    assert _split(quoted) == [quoted.replace("\n", " ")]
    # Rows that say nothing without their column headings stay one block, as before.
    kommuner = "Kommun Deltagare Arbete\nBollnäs 12 5\nOckelbo 8 3\nSumma 20 8"
    assert _split(kommuner) == ["Kommun Deltagare Arbete Bollnäs 12 5 Ockelbo 8 3 Summa 20 8"]


def test_a_which_question_about_a_measure_asks_for_a_figure():
    assert read_question("Vilken fidelitypoäng fick Bron Gävle till slut?", catalog=CATALOG).figure
    assert read_question("Vilket belopp beviljades Stigen Ockelbo?", catalog=CATALOG).figure
    assert read_question("Vilken andel gick till arbete i Bron Gävle?", catalog=CATALOG).figure
    assert not read_question("Vilken metod använde Bron Gävle?", catalog=CATALOG).figure


def test_each_report_of_an_insats_gives_the_sentence_that_counts_the_asked_thing():
    from assistant.extractive.sentences import _one_per_report

    def sentence(text: str, source: str, score: float):
        chunk = Chunk(f"{source}-0", source, text, 0, len(text), 1, None, (), "")
        return _ranked([Passage(chunk, 1.0, "Bron Gävle", BRON.id, None)], set())[0].__class__(
            text, Passage(chunk, 1.0, "Bron Gävle", BRON.id, None), score, text
        )

    ranked = [
        sentence("Utvärderingen gav 71 poäng av 125 vid den sista granskningen.", "utv.md", 1.6),
        sentence("Metodtroheten mättes med skalan IPS-25 vid tre tillfällen.", "slut.md", 1.1),
        sentence("Vid slutgranskningen fick insatsen 92 poäng, god metodtrohet.", "slut.md", 1.0),
    ]
    key = set(analyze("poäng metodtrohet"))
    assert [s.text for s in _one_per_report(ranked, 2, key)] == [ranked[0].text, ranked[2].text]
    assert [s.text for s in _one_per_report(ranked, 2)] == [ranked[0].text, ranked[1].text]  # not a figure question


def test_money_spent_in_other_words_answers_how_much_of_the_budget_was_used():
    key = set(analyze("budgeten användes"))
    said = "Per den 31 oktober hade insatsen förbrukat drygt 1,2 miljoner kronor, ungefär 84 procent av medlen."
    assert _answers_figure(said, key, money=True)
    assert not _answers_figure("Per den 31 oktober hade insatsen 52 deltagare.", key, money=True)


def test_a_table_rows_figure_counts_its_label():
    from assistant.extractive.sentences import _counts_key

    key = set(analyze("familjer"))
    assert _counts_key("Uppgift | Antal … Inskrivna familjer | 29", key)
    assert not _counts_key("Uppgift | Antal … Barn under 18 år | 68", key)
    assert not _counts_key("Familjerna träffades | varje vecka", key)  # no figure in the row
    # a row that qualifies the asked noun in ways the question does not counts a part of it
    subset = "Uppgift | Antal … Familjer som helt lämnat försörjningsstödet vid avslut | 9"
    assert not _counts_key(subset, key, nouns=key) and _counts_key(subset, key)
    assert _counts_key("Uppgift | Antal … Inskrivna familjer | 29", key, nouns=key)
    asked = set(analyze("familjer lämnat försörjningsstödet helt avslut"))
    assert _counts_key(subset, asked, nouns=key)  # the question states the qualifiers: the row answers it


def test_a_reports_table_has_its_own_say_beside_its_text_on_a_figure_question():
    from assistant.extractive.sentences import _one_per_report

    def sentence(text: str, score: float):
        chunk = Chunk("slut.md-0", "slut.md", text, 0, len(text), 1, None, (), "")
        return _ranked([Passage(chunk, 1.0, "Bron Gävle", BRON.id, None)], set())[0].__class__(
            text, Passage(chunk, 1.0, "Bron Gävle", BRON.id, None), score, text
        )

    ranked = [
        sentence("Totalt har 31 familjer deltagit under insatstiden.", 1.7),
        sentence("Familjerna kom via socialtjänsten, 13 familjer.", 1.5),
        sentence("Uppgift | Antal … Inskrivna familjer | 29", 1.0),
    ]
    key = set(analyze("familjer"))
    assert [s.text for s in _one_per_report(ranked, 2, key)] == [ranked[0].text, ranked[2].text]
    assert [s.text for s in _one_per_report(ranked, 2)] == [ranked[0].text, ranked[1].text]  # not a figure question


def test_a_sentence_that_says_whom_a_count_takes_in_explains_why_counts_differ():
    from assistant.extractive.fact import _COUNTS_ONLY

    said = "I utvärderingen ingår endast deltagare som varit inskrivna minst tre månader, sammanlagt 49 personer."
    assert _COUNTS_ONLY.search(fold(said))
    assert _COUNTS_ONLY.search(fold("Som deltagare räknas bara de som lämnat samtycke."))
    assert not _COUNTS_ONLY.search(fold("I utvärderingen ingår 49 deltagare."))  # a count, not whom it takes in


def test_a_figure_the_question_states_is_keyed_as_a_goals_target():
    from assistant.extractive.fact import _stated_figures

    assert _stated_figures("Hade de som mål att 40 % skulle gå till jobb – klarade de det?") == (("%", "40"),)
    assert _stated_figures("Nådde de väl målet om 70 deltagare?") == (("n", "70"),)
    assert _stated_figures("Hur många deltog under 2023?") == ()  # a year is no figure


def test_a_figure_question_hears_each_final_report_and_evaluation_search_did_not_bring_up():
    # Search brings up the final report only; the evaluation, read whole, dates the same thing otherwise.
    final = "Den första deltagaren skrevs in 2021-10-04."
    evaluation = (
        "Deltagarna beskrev coachen som viktig. Enligt systemet skrevs den första deltagaren in den 15 november 2021."
    )
    progress = "Under kvartalet skrevs den första deltagaren in den 2 september 2021."
    bron = Insats(BRON.id, BRON.name, BRON.kommun, BRON.aliases, ("bron.md", "bron-utv.md", "bron-kv.md"))
    catalog = Catalog(
        1,
        (bron,),
        {
            "bron.md": ReportInfo("bron.md", "slutrapport", "Gävle", bron, (2021, 2022)),
            "bron-utv.md": ReportInfo("bron-utv.md", "utvardering", "Gävle", bron, (2022, 2022)),
            "bron-kv.md": ReportInfo("bron-kv.md", "kvartalsrapport", "Gävle", bron, (2021, 2021)),
        },
    )
    texts = {"bron.md": final, "bron-utv.md": evaluation, "bron-kv.md": progress}

    def chunk(source):
        text = texts[source]
        return Chunk(f"{source}-0", source, text, 0, len(text), 1, "resultat", ("Resultat",), "")

    class Search(_Search):
        def search(self, query, *, k=6, filters=None):
            kind = filters.report_type if filters is not None else None
            if kind not in (None, "slutrapport"):
                return []
            return [Passage(chunk("bron.md"), 1.0, bron.name, bron.id, "slutrapport")]

    class Reports:
        def chunks_of(self, source):
            return [chunk(source)]

    answerer = ExtractiveAnswerer(Search(), catalog=lambda: catalog, lexical=lambda: _Words(), sources=Reports())
    answer = answerer.answer(read_question("När skrevs den första deltagaren in i Bron Gävle?", catalog=catalog))
    assert "2021-10-04" in answer.text and "den 15 november 2021" in answer.text
    assert "2 september" not in answer.text  # a quarterly report's date is the state at its quarter
    assert {p.source for p in answer.passages} == {"bron.md", "bron-utv.md"}


def test_a_goal_is_judged_reached_or_missed_by_its_own_measure_only():
    from assistant.board.goals import MergedGoal
    from assistant.board.reading import Quote, Ref
    from assistant.extractive.attainment import _reached

    ref = Ref("bron.md", "slutrapport", "5.1 Måluppfyllelse", 3)
    target = Quote("Minst 30 % av deltagarna går vidare till arbete eller studier", ref)

    def judged(outcome, kind=None):
        return _reached(MergedGoal(target, (Quote(outcome, ref),), False), kind)

    assert judged("41 % (15 av 36)") is True
    assert judged("Av 36 deltagare gick 9 till arbete eller studier, 25 %.") is False
    # a share of another measure, however the report pairs it, decides nothing
    assert judged("I avslutsenkäten svarade 78 % att de upplevde sin hälsa som bättre, så det målet nåddes.") is None
    ceiling = MergedGoal(Quote("Högst 10 % avbrott", ref), (Quote("8 %", ref),), False)
    assert _reached(ceiling, None) is True
    count = MergedGoal(
        Quote("Minst 45 deltagare ska skrivas in under insatstiden", ref), (Quote("39 deltagare", ref),), False
    )
    assert _reached(count, None) is False  # "under insatstiden" is no ceiling


def test_a_sentence_does_not_end_at_an_abbreviation_before_a_date_or_figure():
    text = "Insatsen beviljades t.o.m. 20231231 men avslutades i förtid. Regionen gick ur fr.o.m. 1 april 2023."
    assert _split(text) == [
        "Insatsen beviljades t.o.m. 20231231 men avslutades i förtid.",
        "Regionen gick ur fr.o.m. 1 april 2023.",
    ]

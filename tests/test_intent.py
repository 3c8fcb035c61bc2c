"""The question reader: cue tables, follow-ups and the Query record (fictional insatser, no archive on disk)."""

import pytest

from assistant.catalog import Catalog
from assistant.intent import (
    OWNER,
    content_words,
    criterion_words,
    expand_abbreviations,
    is_list_question,
    membership_words,
    named_fields,
    read_question,
    report_type_hint,
    report_type_included,
    section_hints,
    spelled_as_archive,
    summary_sections,
    topic_groups,
    topic_hints,
    with_history,
    without_framing,
)
from assistant.retrieve import rare_in
from index.analyze import analyze, fold
from index.grouping import aliases, insats_id
from index.records import Insats


def _insats(name: str, kommun: str) -> Insats:
    return Insats(insats_id(name, kommun), name, kommun, tuple(aliases(name, kommun)), (f"{name}.md",))


LOTSEN = _insats("Lotsen Hofors", "Hofors")
VAGEN = _insats("Vägen framåt Söderhamn", "Söderhamn")
CATALOG = Catalog(0, (LOTSEN, VAGEN), {}, (("af", "arbetsformedlingen"),))


def _read(question: str, pairs=()) -> list[set[str]]:
    return content_words(read_question(question, catalog=Catalog(0, (), {}, tuple(pairs))))


def test_question_wording_hints():
    assert "framgangsfaktorer" in section_hints("Vilka framgångsfaktorer nämns?")
    assert "ekonomi" in section_hints("Vad kostade insatsen?")
    assert section_hints("Hur har deltagarna fått vara med och påverka?") == ["brukarmedverkan"]
    assert report_type_hint("Vad säger utvärderingen från högskolan?") == "utvardering"
    # two kinds named: the question asks about each, it keeps to neither
    assert report_type_hint("Sammanfatta Bron, både slutrapporten och utvärderingen") is None
    assert report_type_hint("Varför skiljer sig slutrapporten och högskolans siffror?") is None
    assert is_list_question("Vilka insatser nämner Trisam?")
    assert not is_list_question("När startade Lotsen?")


def test_participants_point_at_the_goals_only_when_counted():
    # Counted, the participants are measured against the goals; asked when or why, they are the subject.
    assert "maluppfyllelse" in section_hints("Hur många deltagare hade Lotsen?")
    assert "maluppfyllelse" not in section_hints("När kom första deltagaren in i Lotsen?")
    assert "maluppfyllelse" not in section_hints("Varför fick Lotsen så få deltagare i början?")
    assert "maluppfyllelse" in section_hints("Varför blev det så få deltagare, hur många var det?")


def test_why_a_goal_was_missed_points_where_the_form_asks_it():
    # "Om målet ej nåtts, vad är orsaken till detta?" stands under the deviations.
    hints = section_hints("Varför kom Lotsen bara upp i 39 deltagare när målet var 45?")
    assert "avvikelser" in hints and "maluppfyllelse" in hints
    assert "avvikelser" not in section_hints("Nådde Lotsen målet om 45 deltagare?")


def test_abbreviations_defined_by_reports_expand_queries():
    pairs = [("af", "arbetsformedlingen")]
    assert expand_abbreviations("Vad sa Arbetsförmedlingens handläggare?", pairs).endswith(" af")
    assert expand_abbreviations("Vad sa AF?", pairs).endswith(" arbetsformedlingen")
    assert expand_abbreviations("Inget här", pairs) == "Inget här"
    assert read_question("Vad sa AF?", catalog=CATALOG).lexical.endswith(" arbetsformedlingen")


def test_the_national_parties_abbreviations_hold_in_an_archive_that_never_spells_them_out():
    bare = Catalog(0, (), {})
    assert read_question("Vad sa AF:s handläggare?", catalog=bare).lexical.endswith(" arbetsformedlingen")
    assert "forsakringskassan" in _read("Vad gjorde FK?", [])[-1]
    # a report's own meaning of a short form wins over the national one
    own = Catalog(0, (), {}, (("af", "arbetsgivarforum"),))
    assert "arbetsformedlingen" not in read_question("Vad sa AF?", catalog=own).lexical


def test_a_list_criterion_in_everyday_words_is_still_the_criterion():
    query = read_question("vilka insatser var för unga och vilka åldrar gällde det", catalog=Catalog(0, (), {}))
    assert criterion_words(query) == [{"ung"}]  # not the follow-up's "åldrar", "gällde"
    query = read_question("Vilka insatser nämner Trisam?", catalog=Catalog(0, (), {}))
    assert criterion_words(query) == membership_words(query)


def test_a_passive_verb_before_its_agent_is_no_criterion():
    query = read_question("vilka insatser drabbades av covid/pandemin?", catalog=Catalog(0, (), {}))
    assert membership_words(query) == [{"covid", "pandemin"}]  # one of them, and "drabbades" need not be said


def test_a_content_word_is_met_by_the_abbreviation_the_reports_define():
    pairs = [("af", "arbetsformedlingen"), ("eha", "ett hallbart arbetsliv")]
    assert "af" in _read("Vilka rapporter nämner Arbetsförmedlingens omorganisation?", pairs)[0]
    assert "arbetsformedling" in _read("Vad gjorde AF?", pairs)[-1]
    # a long form of several words, spelled out, is met by its short form
    assert all("eha" in w for w in _read("Vilka nämner ett hållbart arbetsliv?", pairs))
    assert all("eha" not in w for w in _read("Vilka nämner ett hållbart samarbete?", pairs))
    # a short form spelled like an everyday word ("se") would match the verb (and every ".se" address)
    common = [("se", "supported employment")]
    assert all("se" not in w for w in _read("Vilka använde Supported Employment?", common))
    assert expand_abbreviations("Vad fick deltagarna se?", common) == "Vad fick deltagarna se?"


def test_summary_sections_follow_a_topic_the_question_names():
    assert summary_sections("Sammanfatta framgångsfaktorerna i Lotsen")[0] == "framgangsfaktorer"
    assert summary_sections("Sammanfatta Lotsen för styrelsen")[0] == "maluppfyllelse"
    assert summary_sections("Hur många deltagare hade Lotsen?") == ()


def test_topic_groups_come_in_the_order_the_question_lists_them():
    groups = topic_groups("Sammanfatta Lotsen: pengar, mål mot utfall och vad vi lärde oss")
    assert [g[0] for g in groups] == ["ekonomi", "maluppfyllelse", "lardomar"]
    assert topic_groups("Hur gick det med ekonomin?")[0][0] == "ekonomi"  # the template's own section name
    assert topic_groups("Sammanfatta Lotsen för styrelsen") == ()


def test_a_report_type_is_kept_to_unless_the_question_asks_what_it_says_beside_the_rest():
    assert report_type_included("Sammanfatta Lotsen: resultat och vad utvärderingen kom fram till")
    assert report_type_included("Sammanfatta Lotsen, ta med vad högskolan säger")
    assert not report_type_included("Sammanfatta Lotsen enligt utvärderingen")
    assert not report_type_included("Sammanfatta högskolans utvärdering av Lotsen")


def test_list_questions_are_searched_on_their_content_words():
    assert without_framing("Vilka insatser nämner BIP?") == "BIP"
    assert is_list_question("Vilka systemfel beskrivs i slutrapporterna?")
    assert _read("Vilka systemfel beskrivs i slutrapporterna?") == [{"systemfel"}]
    assert without_framing("Vilka insatser finns?") == "Vilka insatser finns?"


def test_content_words_leave_out_places_names_and_everyday_words_unless_rare():
    query = read_question("Hur ofta hade Söderhamns coacher fika?")
    words = content_words(query)
    assert all("soderhamn" not in w for w in words)
    assert {"fik"} not in words  # everyday Swedish ...
    assert {"fik"} in content_words(query, rare=lambda terms: True)  # ... unless the archive rarely uses it
    named = read_question("Vilka systemfel hade Lotsen Hofors?", catalog=CATALOG)
    name_terms = {t for m in named.named for t in analyze(m.alias)}
    assert content_words(named, name_terms) == [{"systemfel"}]


class _Lexical:
    ids = [str(i) for i in range(200)]

    def document_frequency(self, term: str) -> int:
        return {"traff": 2, "fik": 0}.get(term, 50)


def test_rare_means_in_a_few_passages_but_in_some():
    assert rare_in({"traff"}, _Lexical())
    assert not rare_in({"fik"}, _Lexical())  # in none: cannot pick anything out
    assert not rare_in({"team"}, _Lexical())


def test_the_query_holds_what_the_question_asks():
    query = read_question("Hur mycket pengar fick Lotsen Hofors enligt slutrapporten?", catalog=CATALOG)
    assert [m.insats for m in query.named] == [LOTSEN]
    assert query.named[0].score > 55
    assert query.kommun == "hofors"
    assert query.report_type == "slutrapport"
    assert query.figure and query.money and not query.often
    assert query.register_fields == (("beviljade_medel",),)  # money an insats "fick" is what it was granted
    assert "ekonomi" in query.sections
    assert query.kind == "field"
    assert not query.spans_archive


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Sammanfatta Lotsen Hofors för styrelsen", "summary"),
        ("Vilka insatser nämner arbetsträning?", "list"),
        ("Hur många deltagare hade Vägen framåt Söderhamn?", "figure"),
        ("Varför nådde Lotsen Hofors inte målet?", "reason"),
        ("Lotsen Hofors?", "name"),
        ("Vad gjorde handläggaren i Lotsen Hofors?", "fact"),
    ],
)
def test_the_kind_of_answer_wanted(question, kind):
    assert read_question(question, catalog=CATALOG).kind == kind


def test_a_list_question_that_names_no_insats_spans_the_archive():
    assert read_question("Vilka insatser nämner arbetsträning?", catalog=CATALOG).spans_archive
    assert not read_question("Vilka insatser liknar Lotsen Hofors?", catalog=CATALOG).spans_archive


def test_a_follow_up_borrows_the_previous_question_and_swaps_its_place():
    first = "Hur många deltagare hade Vägen framåt Söderhamn?"
    insatser = CATALOG.insatser
    assert with_history("och i Hofors?", [first], insatser).endswith("och i Hofors?")
    assert "Söderhamn" not in with_history("och i Hofors?", [first], insatser)
    assert "deltagare" in with_history("och i Hofors?", [first], insatser)
    assert with_history("Hur ofta träffas kuratorn på hälsocentralen?", [first], insatser).startswith("Hur ofta")
    query = read_question("Vad kostade det?", [first], CATALOG)
    assert query.asked == "Vad kostade det?"
    assert query.text == f"{first} Vad kostade det?"
    assert [m.insats for m in query.named] == [VAGEN]  # the follow-up is read with its borrowed topic


def test_capitalised_names_inside_the_question_are_kept_as_written():
    query = read_question("Vad säger rapporterna om Fristaden och Kompassen?")
    assert query.inner_names == ("Fristaden", "Kompassen")


def test_a_summary_cue_is_a_word_start_not_part_of_an_authoritys_name():
    from assistant.intent import is_summary_question

    assert is_summary_question("Sammanfatta Lyftet inför styrelsemötet")
    assert is_summary_question("Skriv en styrelsesammanfattning av Lyftet")
    assert not is_summary_question("Vad säger Socialstyrelsen om sjukskrivning?")


def test_to_compare_insatser_asks_for_each_as_a_whole_but_compared_with_measures_a_figure():
    from assistant.intent import is_summary_question

    assert is_summary_question("Lyftet och Bron – samma sak? Jämför dom kort")
    assert is_summary_question("Kan du jämföra de två Lyftet-projekten?")
    assert is_summary_question("Gör en jämförelse av Lyftet och Bron")
    assert not is_summary_question("Hur länge var deltagarna sjukskrivna i Lyftet jämfört med andra?")


def _members(question: str) -> list[set[str]]:
    return membership_words(read_question(question, catalog=Catalog(0, (), {}, ())))


def test_membership_is_the_first_clause_without_its_follow_up():
    assert _members("Vilka insatser har haft deltagare via vuxenpsykiatrin, och ungefär hur många?") == _members(
        "Vilka insatser har haft deltagare via vuxenpsykiatrin?"
    )
    # Examples after "t.ex." illustrate; a second sentence asks about the members already found.
    assert _members("I vilka insatser ställde pandemin till det, t.ex. med att få in deltagare?") == [{"pandemin"}]
    words = _members("I vilka insatser har bostadsbrist ställt till det? Och vilka kallar det systemfel?")
    assert {"systemfel"} not in words


def test_alternatives_are_one_membership_word():
    words = _members(
        "Vilka insatser bromsades av att personalen var sjukskriven, sa upp sig eller att tjänster var tomma?"
    )
    assert any({"sjukskriv", "tomm"} <= word for word in words)
    assert _members("Vilka insatser jobbar enligt IPS eller Supported Employment?") == [
        {"ips", "supported", "employment"}
    ]
    # A qualifying clause after the last alternative is not an alternative ("… där deltagarna …").
    words = _members("Vilka insatser har haft brukarråd eller liknande forum där deltagarna fått påverka?")
    assert not any("deltag" in word for word in words)
    assert _members("Vilka insatser nämner boendet/bostadsbrist?") == [{"boendet", "bostadsbrist"}]


def test_short_lower_case_words_are_not_content_but_abbreviations_are():
    words = _read("Vilka insatser har mer än 30 deltagare som är utbildade i MI?")
    assert {"mi"} in words
    assert not any(word & {"an", "ar"} for word in words)
    assert all(not term.isdigit() for word in _members("Vilka insatser hade mer än 100 000 kr kvar?") for term in word)


class _Vocabulary:
    terms = {"vuxenpsykiatrin": 3, "psykiatrin": 3, "supported": 2, "deltag": 40}

    def document_frequency(self, term: str) -> int:
        return self.terms.get(term, 0)

    def vocabulary(self):
        return self.terms.keys()


def test_a_misspelt_word_also_gets_the_archives_spelling():
    respelled = spelled_as_archive([{"vuxenpsykatrin"}, {"suported"}, {"deltag"}, {"kaffe"}], _Vocabulary())
    assert respelled == [{"vuxenpsykatrin", "vuxenpsykiatrin"}, {"suported", "supported"}, {"deltag"}, {"kaffe"}]


def test_a_clipped_word_gets_the_archives_words_it_is_the_start_of():
    assert spelled_as_archive([{"vuxenpsyk"}, {"psyk"}], _Vocabulary()) == [{"vuxenpsyk", "vuxenpsykiatrin"}, {"psyk"}]


def test_an_archives_vocabulary_is_laid_out_once_for_respelling():
    class Counting(_Vocabulary):
        calls = 0

        def vocabulary(self):
            Counting.calls += 1
            return super().vocabulary()

    vocabulary = Counting()
    for _ in range(3):
        assert spelled_as_archive([{"suported"}], vocabulary) == [{"suported", "supported"}]
    assert Counting.calls == 1
    # a slip is looked for among words of the same first letter and a length the edits allow
    assert spelled_as_archive([{"uported"}], vocabulary) == [{"uported"}]


def test_a_compound_question_is_read_as_its_parts():
    parts = read_question(
        "Hur många tolkbokningar hade Vägen framåt, hur många gick snett, och vad kostade tolkarna?"
    ).parts
    assert [p.text for p in parts] == [
        "Hur många tolkbokningar hade Vägen framåt",
        "hur många gick snett",
        "vad kostade tolkarna",
    ]
    assert parts[0].figure and parts[1].figure and parts[2].money
    # One thing asked, or a yes/no question beside it, is one part: no split.
    assert read_question("Hur många deltagare hade Lotsen Hofors?").parts == ()
    assert read_question("Vilka parter och vilka kommuner var med?").parts != ()


def test_a_quarter_is_read_as_written_by_staff():
    from assistant.intent import quarters_named

    q2 = (("2023-04-01", "2023-06-30"),)
    for text in ("i Q2 2023", "kv 2 2023", "kvartal 2, 2023", "2023Q2", "andra kvartalet 2023"):
        assert quarters_named(text) == q2, text
    assert quarters_named("fjärde kvartalet år 2022") == (("2022-10-01", "2022-12-31"),)
    assert quarters_named("Q5 2023") == () and quarters_named("sedan 2023") == ()


def test_a_money_condition_is_read_from_a_list_question():
    from assistant.intent import MoneyCondition, money_condition

    assert money_condition("vilka insatser hade mer än 100 000 kr kvar när de var klara") == MoneyCondition(
        False, 100_000
    )
    assert money_condition("Vilka insatser överskred budgeten?") == MoneyCondition(True, 0)
    assert money_condition("vilka insatser har inte förbrukat alla medel") == MoneyCondition(False, 0)
    assert money_condition("vilka insatser hade deltagare kvar vid årsskiftet") is None  # no money


def test_a_kommun_that_is_also_an_everyday_word_counts_only_when_written_as_a_name():
    assert read_question("sekretess kan vara ett problem överallt").kommun is None
    assert read_question("Finns det insatser i Vara?").kommun == "vara"
    assert read_question("vilka insatser finns i gävle").kommun == "gavle"


def test_the_board_as_recipient_asks_for_a_summary_the_board_as_actor_does_not():
    from assistant.intent import is_summary_question

    assert is_summary_question("Styrelsen vill ha en samlad bild av systemfelen")
    assert is_summary_question("kort sammanfattning av Bron till styrelsen tack")
    assert is_summary_question("Vad behöver jag ta med inför styrelsemötet om Bron?")
    assert not is_summary_question("beviljade styrelsen förstudien? hur mycket pengar fick de")


def test_the_request_and_its_recipient_are_not_asked_of_each_insats():
    from assistant.intent import member_clause

    clause = member_clause(
        "sekretess verkar vara ett problem överallt – kan du sammanfatta vad rapporterna säger till styrelsen?"
    )
    assert "sammanfatta" not in clause and "styrelsen" not in clause and "sekretess" in clause


def test_follow_up_times_are_read_in_months_with_their_words():
    from assistant.intent import follow_up_times

    assert follow_up_times("hur många hade jobb ett år efter spåret?") == [(12.0, "ett år efter")]
    assert follow_up_times("Av dem som följts upp efter tolv månader") == [(12.0, "efter tolv månader")]
    assert follow_up_times("Sex månader senare var 13 i arbete.") == [(6.0, "Sex månader senare")]
    assert follow_up_times("Insatsen pågick i två år.") == []


def test_spoken_words_also_match_the_reports_written_words():
    query = read_question("hur många tjejer fick jobb?")
    terms = {t for w in query.content for t in w.terms}
    assert set(analyze("kvinnor")) <= terms and set(analyze("arbete")) <= terms
    assert query.lexical.endswith(" kvinnor arbete")


def test_a_quarter_named_picks_the_report_and_is_not_the_topic():
    query = read_question("Hur många tolkbokningar hade Bron i Q2 2023?")
    assert not {"q2", "2023"} & {w.folded for w in query.content}
    assert query.quarters == (("2023-04-01", "2023-06-30"),)
    # a year that is not part of a quarter still says what is asked about
    assert "2023" in {w.folded for w in read_question("Hur många deltog under 2023?").content}


def test_a_part_in_everyday_words_is_keyed_by_them_without_its_light_verbs():
    from assistant.intent import plain_words

    part = read_question("Hur många skrevs in, och hur många har gått vidare till jobb eller studier?").parts[1]
    terms = plain_words(part.content)
    assert set(analyze("jobb")) <= terms and set(analyze("studier")) <= terms
    assert not set(analyze("gått")) & terms


def test_o_written_for_och_joins_two_questions_and_vilka_var_med_asks_for_the_parties():
    query = read_question("halsosteget borlange vem ägde det o vilka var med")
    assert [p.text for p in query.parts] == ["halsosteget borlange vem ägde det", "vilka var med"]
    assert ("samverkanspart",) in query.register_fields and OWNER in query.register_fields
    assert read_question("Vilka medverkande parter hade Bron?").register_fields == (("samverkanspart",),)
    assert read_question("Hur många var med i Bron?").register_fields == ()  # a count of participants


def test_the_noun_a_how_many_question_counts_is_a_key_word_however_everyday():
    from assistant.intent import counted_terms

    query = read_question("Hur många familjer var med i Lotsen Hofors?", catalog=CATALOG)
    assert counted_terms(query) == set(analyze("familjer"))
    assert counted_terms(read_question("Hur många var med i Lotsen Hofors?", catalog=CATALOG)) == set()
    # a verb after "hur många" says what they did, not what is counted
    assert counted_terms(read_question("Lotsen Hofors, hur många kom dit?", catalog=CATALOG)) == set()


def test_a_word_of_the_insats_name_inflected_is_the_name_not_what_is_asked():
    from assistant.intent import Word, name_words, own_terms

    def word(text):
        return Word(text, frozenset(analyze(text)), False)

    names = name_words(["Mötesplats Säter", "Steg för steg Sandviken"])
    assert own_terms(word("mötesplatsen"), set(analyze("Mötesplats Säter")), names) == set()
    # a longer word that begins like a name's word is another word
    assert own_terms(word("stegförflyttningar"), set(), names) == set(analyze("stegförflyttningar"))


def test_a_share_question_names_its_group_and_outcome_after_prepositions_not_its_adverbs():
    from assistant.intent import share_terms

    query = read_question("Vilken andel av deltagarna gick vidare till arbete eller studier, och nåddes målet?")
    assert share_terms(query) == set(analyze("deltagarna arbete studier"))
    assert share_terms(read_question("Hur stor del av budgeten användes egentligen?")) == set(analyze("budgeten"))
    assert share_terms(read_question("Hur många gick vidare till arbete?")) == set()  # a count, not a share


def test_a_question_across_the_archive_without_a_criterion_asks_for_the_inventory():
    from assistant.intent import asks_inventory

    for question in ("Vilka insatser finns i arkivet?", "Lista alla insatser", "Vilka insatser har vi haft i Gävle?"):
        assert asks_inventory(read_question(question, catalog=CATALOG)), question
    for question in ("Vilka insatser gick bra?", "Vilka insatser har en slutrapport?", "Vilka insatser nämner Trisam?"):
        assert not asks_inventory(read_question(question, catalog=CATALOG)), question


def test_a_question_for_the_documents_that_name_an_insats_asks_where_it_is_named():
    from assistant.intent import asks_where_named

    assert asks_where_named(read_question("Vilka rapporter nämner Lotsen Hofors?", catalog=CATALOG))
    assert asks_where_named(read_question("I vilka dokument tas Lotsen Hofors upp?", catalog=CATALOG))
    assert not asks_where_named(read_question("Vad säger rapporterna om Lotsen Hofors?", catalog=CATALOG))
    assert not asks_where_named(read_question("Vilka rapporter nämner Trisam?", catalog=CATALOG))  # no insats named


def test_a_word_that_is_only_part_of_a_compound_in_the_name_asks_about_itself():
    from assistant.intent import name_words

    names = ["Arbetsgivarlotsen Bollnäs"]
    terms = {t for name in names for t in analyze(name)}
    query = read_question("Vilka arbetsgivare kontaktade Arbetsgivarlotsen Bollnäs?", catalog=CATALOG)
    words = content_words(query, terms, rare=lambda found: True, name_words=name_words(names))
    found = {t for group in words for t in group}
    assert set(analyze("arbetsgivare")) <= found  # what is asked about, not the name
    assert "arbetsgivarlots" not in found and "bolln" not in found  # the name's own words are left out
    # A word that shares only a part with the name keeps its own terms, without the shared part.
    query = read_question("Vilka hälsosamtal hade Hälsosteget Borlänge?", catalog=CATALOG)
    names = ["Hälsosteget Borlänge"]
    terms = {t for name in names for t in analyze(name)}
    found = {t for group in content_words(query, terms, name_words=name_words(names)) for t in group}
    assert "samtal" in found and not set(analyze("hälsa")) & found


@pytest.mark.parametrize(
    ("question", "absent", "kept"),
    [
        ("Vilka insatser lever vidare? Skilj på dem som tagits över helt.", {"skilj"}, {"lever", "tagits"}),
        ("Vilka insatser missade målet? Ange mål och utfall.", {"ange"}, {"mal", "utfall"}),
        ("Vilka systemfel återkommer? Gruppera gärna.", {"gruppera"}, {"systemfel"}),
        ("Sammanfatta vad rapporterna säger om tolkarna.", {"sammanfatta"}, {"tolkarna"}),
    ],
)
def test_an_instruction_on_how_to_lay_out_the_answer_is_no_content_word(question, absent, kept):
    folded = {w.folded for w in read_question(question).content}
    assert not folded & absent and kept <= folded
    # the same verb inside a sentence, not opening it, is a word of the question
    assert "visa" in {w.folded for w in read_question("Kunde deltagarna visa intyg?").content}


@pytest.mark.parametrize(
    "question",
    [
        "Finns coachen kvar efter projektet?",
        "Vad lades ner när projektpengarna tog slut?",
        "Vilka insatser lever vidare i ordinarie verksamhet?",
    ],
)
def test_what_lives_on_or_stops_after_the_funded_period_is_asked_of_the_implementation_section(question):
    assert "implementering" in read_question(question).sections


def test_a_question_for_a_date_about_participants_is_not_sent_to_the_goals():
    # The participants are the subject of "när kom första deltagaren in?", not a count measured against a goal.
    assert "maluppfyllelse" not in read_question("När kom första deltagaren in i Bron?").sections
    assert "maluppfyllelse" in read_question("Hur många deltagare hade Bron när den slutade?").sections
    assert "maluppfyllelse" in read_question("När nåddes målet i Bron?").sections


def test_so_many_about_a_figure_the_question_states_asks_for_the_figure():
    from assistant.intent import asks_figure

    assert asks_figure(fold("I kvartalsrapporten stod det 22 familjer. Är det så många som deltog i hela insatsen?"))
    # without a stated figure, "så många … som" compares, it asks for no figure
    assert not asks_figure(fold("Vilka insatser fick inte ihop så många deltagare som de hade som mål?"))


def test_what_for_a_measure_asks_for_a_figure_as_which_measure_does():
    from assistant.intent import asks_figure

    assert asks_figure(fold("Vad har Bron i Gävle för budget för 2025?"))
    assert asks_figure(fold("Vilken budget hade Bron?"))
    # "vad … för att" is a purpose, and a measure noun said elsewhere asks for no figure
    assert not asks_figure(fold("Vad gjorde Bron för att hålla budgeten?"))
    assert not asks_figure(fold("Vad betydde Trisam för deltagarna?"))


def test_money_left_over_is_asked_of_the_granted_and_the_used_amount():
    query = read_question("hur mkt pengar blev över i lotsen när det lades ner?", catalog=CATALOG)
    assert set(query.register_fields) == {("beviljade_medel",), ("utnyttjade_medel",)}


def test_a_report_kind_in_a_kommun_names_the_one_insats_there_with_such_a_report():
    from assistant.catalog import ReportInfo

    bryggan = _insats("Bryggan Hofors", "Hofors")
    reports = {
        LOTSEN.reports[0]: ReportInfo(LOTSEN.reports[0], "forstudie", "Hofors", LOTSEN, None),
        bryggan.reports[0]: ReportInfo(bryggan.reports[0], "slutrapport", "Hofors", bryggan, None),
    }
    catalog = Catalog(0, (LOTSEN, bryggan), reports)
    named = read_question("hur många unga hittade de i hofors i förstudien?", catalog=catalog).named
    assert [m.insats.name for m in named] == ["Lotsen Hofors"]
    # a kommun alone names none of its insatser: "Jobbstegen Hofors" may be a name the archive does not have
    assert not read_question("Jobbstegen Hofors – hur många fick jobb?", catalog=catalog).named


def test_a_changed_period_is_a_deviation_and_a_granted_period_is_no_money():
    cut_short = topic_hints("Fick nån insats avbrytas innan den beviljade perioden var slut? Varför?")
    assert cut_short[0] == "avvikelser" and "ekonomi" not in cut_short
    assert topic_hints("Varför förlängdes Kraftsamling Skara?")[0] == "avvikelser"
    assert topic_hints("Varför lades Familjeporten ner i förtid?")[0] == "avvikelser"
    assert "ekonomi" in topic_hints("Hur mycket pengar beviljade styrelsen?")


def test_what_a_pre_study_proposed_is_asked_of_its_proposal():
    assert topic_hints("Motivationslyftet, vad föreslog förstudien för insats?") == ["forslag"]
    assert topic_hints("Vilka förslag lämnade förstudien?") == ["forslag"]


def test_getting_going_asks_when_it_started():
    assert {"period_start", "period_end"} <= named_fields(read_question("Kom Jobbspåret väl igång i februari 2022?"))
    assert not named_fields(read_question("Hur gick det för Jobbspåret?"))


def test_what_an_insats_is_asks_for_its_description():
    described = topic_hints("HL Sandviken, vad var det för nåt?")
    assert described[:2] == ["insatsbeskrivning", "syfte"] and "malgrupp" in described
    assert topic_hints("Samteam?? vad är det för något") == described
    assert topic_hints("Vad är det för nationella riktlinjer som gäller?") == []  # "what kind of": no description


def test_a_modal_particle_does_not_hide_the_verb_phrase():
    assert {"period_start", "period_end"} <= named_fields(read_question("IPS-satsningen höll väl på 2019–2021?"))


def test_whether_an_insats_was_evaluated_is_asked_of_its_follow_up_section():
    assert topic_hints("Vilka insatser utvärderades externt, och av vem?") == ["uppfoljning"]
    assert topic_hints("Vilka projekt har haft en extern utvärdering?") == ["uppfoljning"]
    assert topic_hints("Vad säger utvärderingen om Steget ut?") == []  # what an evaluation says: its report, not 5.4


def test_a_modal_particle_is_no_content_word_and_kronor_are():
    words = content_words(read_question("Vilka insatser skickade personal på MI-utbildning? Målet var väl 30."))
    assert {"val"} not in words and {"mi"} in words
    assert {"kr"} in content_words(read_question("Vilka projekt hade mer än 150 000 kr kvar?"))


def test_the_parties_are_the_owner_and_its_partners():
    assert named_fields(read_question("Jobbspåret Gävle, vilka parter var med?")) == {"samverkanspart", *OWNER}
    assert named_fields(read_question("Vilka samverkansparter hade Steget ut?")) == {"samverkanspart", *OWNER}
    assert named_fields(read_question("Vem ägde Steget ut?")) == set(OWNER)


def test_a_particle_verb_split_by_its_subject_still_asks_whether_the_work_lives_on():
    assert topic_hints("FCS Ljusdal – lever arbetssättet kvar efter 2024 eller lades det ner?")[0] == "implementering"
    assert topic_hints("Jobbspåret i Gävle lades väl ner?")[0] == "implementering"
    assert topic_hints("Fokus framtid Hofors, blev det nåt permanent av det?")[0] == "implementering"
    assert "implementering" not in topic_hints("Lever deltagarna ett aktivt liv?")
    assert "implementering" in topic_hints("Lotsen Hofors – togs den över av kommunen sen?")
    assert "implementering" in topic_hints("När tog kommunen över Lotsen i egen regi?")


def test_what_remains_of_an_insats_asks_whether_it_lives_on_but_money_left_over_does_not():
    assert topic_hints("Lotsen Ockelbo, finns coachen kvar efter projektet?")[0] == "implementering"
    assert "implementering" in topic_hints("Jämför Lotsen och Bron: målgrupp och vad som blev kvar")
    assert "implementering" not in topic_hints("Hur mycket pengar blev kvar i Lotsen?")
    assert "implementering" not in topic_hints("Hur många är kvar i arbete efter ett år?")


def test_how_long_asks_the_period_only_of_the_insats_itself():
    assert {"period_start", "period_end"} <= named_fields(read_question("Hur länge höll Lotsen Ockelbo på?"))
    assert {"period_start", "period_end"} <= named_fields(read_question("Lotsen, hur länge var den igång?"))
    assert not named_fields(read_question("Hur länge var deltagarna i Lotsen sjukskrivna före start?"))


def test_the_words_of_a_name_are_no_topic_but_the_same_word_outside_the_name_is():
    bank = _insats("Erfarenhetsbanken Ånge", "Ånge")
    catalog = Catalog(0, (bank, LOTSEN), {}, ())
    assert "lardomar" in topic_hints("Vilka erfarenheter finns av samverkan?")
    split = read_question("erfarenhets banken ånge – vem var den till?", (), catalog)
    assert split.insatser and split.insatser[0].insats == bank
    assert "lardomar" not in split.sections and "lardomar" not in split.topics
    whole = read_question("Vilka erfarenheter drog Erfarenhetsbanken Ånge?", (), catalog)
    assert "lardomar" in whole.sections  # "erfarenheter" stands outside the name


def test_what_stood_in_the_way_is_asked_in_plain_words_too():
    for question in (
        "Vilka rapporter tar upp att omorganisationen ställde till det?",
        "Vilka projekt har haft strul med bussarna?",
        "Har nån insats haft krångel med sekretessen?",
        "Vad hindrade Lotsen från att nå målet?",
        "Vilka utmaningar beskriver slutrapporten?",
    ):
        assert "systemfel" in topic_hints(question), question
    # "problem" and "svårigheter" name the participants' conditions as often as obstacles
    assert "systemfel" not in topic_hints("Hur många deltagare hade psykiska problem?")
    assert "systemfel" not in topic_hints("Vilka insatser var för personer med sociala svårigheter?")

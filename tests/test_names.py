from assistant.catalog import Catalog
from assistant.intent import read_question
from assistant.names import insatser_in_text, resolve_insats
from index.grouping import aliases, insats_id
from index.records import Insats


def _insats(name, kommun, abbreviations=()):
    return Insats(
        id=insats_id(name, kommun), name=name, kommun=kommun, aliases=tuple(aliases(name, kommun, abbreviations))
    )


REGISTER = [
    _insats("Vägen framåt Söderhamn", "Söderhamn"),
    _insats("Vägen framåt i Nordanstig (VF)", "Nordanstig"),
    _insats("Steg för steg Sandviken", "Sandviken"),
    _insats("Lokal stödinsats efter Trisam - Hofors", "Hofors"),
    _insats("LÄNKEN", "Ovanåker"),
]


def names(matches):
    return [m.insats.name for m in matches]


def test_name_with_kommun_picks_one():
    assert names(resolve_insats("vägen framåt nordanstig", REGISTER)) == ["Vägen framåt i Nordanstig (VF)"]
    assert names(resolve_insats("VF Nordanstig", REGISTER)) == ["Vägen framåt i Nordanstig (VF)"]
    assert names(resolve_insats("steg for steg sandviken", REGISTER)) == ["Steg för steg Sandviken"]
    assert names(resolve_insats("trisam hofors", REGISTER)) == ["Lokal stödinsats efter Trisam - Hofors"]
    assert names(resolve_insats("länken ovanåker", REGISTER)) == ["LÄNKEN"]


def test_ambiguous_name_returns_both_with_their_kommun():
    matches = resolve_insats("Vägen framåt", REGISTER)
    assert sorted(m.insats.kommun for m in matches) == ["Nordanstig", "Söderhamn"]


def test_typos_and_missing_diacritics():
    assert names(resolve_insats("vagen framat soderhamn", REGISTER)) == ["Vägen framåt Söderhamn"]
    assert names(resolve_insats("lanken", REGISTER)) == ["LÄNKEN"]
    assert names(resolve_insats("steg för stek", REGISTER))[0] == "Steg för steg Sandviken"


def test_unknown_name_matches_nothing():
    assert resolve_insats("Helt annat projekt i Kiruna", REGISTER) == []
    assert resolve_insats("", REGISTER) == []


def test_insats_named_inside_a_question():
    found = insatser_in_text("När startade VF nordanstig och vem ledde den?", REGISTER)
    assert names(found) == ["Vägen framåt i Nordanstig (VF)"]
    both = insatser_in_text("Vad kostade vägen framåt?", REGISTER)
    assert sorted(names(both)) == ["Vägen framåt Söderhamn", "Vägen framåt i Nordanstig (VF)"]
    assert insatser_in_text("Vilka insatser nämner arbetsträning?", REGISTER) == []


def test_a_long_name_is_found_in_a_question_by_its_unusual_word_and_kommun():
    found = insatser_in_text("Hur mycket pengar fick trisam hofors?", REGISTER)
    assert names(found) == ["Lokal stödinsats efter Trisam - Hofors"] and found[0].score > 55
    # the word alone is a concept every report may mention, not the insats
    assert insatser_in_text("Vilka insatser nämner Trisam?", REGISTER) == []


def test_a_name_of_everyday_words_is_found_when_written_out_whole():
    register = [_insats("Steget ut Ovanåker", "Ovanåker"), _insats("Vägen framåt Söderhamn", "Söderhamn")]
    found = insatser_in_text("steget ut – hur stor del av budgeten användes?", register)
    assert [m.insats.name for m in found] == ["Steget ut Ovanåker"]
    assert insatser_in_text("Vilket steg togs först?", register) == []  # one everyday word is no name


def test_a_name_written_out_whole_counts_its_function_word():
    # "vara" is a verb as well as a kommun: written out, "Trädgården Vara" is named as firmly as the other
    register = [_insats("Trädgården Lidköping", "Lidköping"), _insats("Trädgården Vara", "Vara")]
    found = insatser_in_text("trädgården lidköping och trädgården vara – jämför dom", register)
    assert sorted(names(found)) == ["Trädgården Lidköping", "Trädgården Vara"]
    assert names(insatser_in_text("hur gick det för trädgården vara?", register)) == ["Trädgården Vara"]


def test_a_kommun_that_is_an_everyday_word_names_the_place_only_as_a_place():
    register = [_insats("Trädgården Vara", "Vara"), _insats("Bron Hofors", "Hofors")]
    assert not insatser_in_text("Hur har deltagarna fått vara med och påverka i projekten?", register)
    assert names(insatser_in_text("Hur gick det för insatserna i vara?", register)) == ["Trädgården Vara"]
    assert names(insatser_in_text("Vad gjordes i Vara?", register)) == ["Trädgården Vara"]
    assert read_question("Har deltagarna fått vara med?", (), Catalog(0, tuple(register), {}, ())).kommun is None
    assert read_question("Vad hände i vara?", (), Catalog(0, tuple(register), {}, ())).kommun == "vara"

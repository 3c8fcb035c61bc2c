import pytest

from assistant.answer import Passage
from assistant.errors import BadFilter, EmptyQuestion
from assistant.retrieve import Filters, distinct


@pytest.fixture
def retriever(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    return archive.retriever()


def test_finds_the_passage_with_an_exact_figure_written_differently(retriever):
    top = retriever.search("1250000 kr", k=3)
    assert top and "1 250 000 kr" in top[0].chunk.text


def test_ocr_text_without_diacritics_is_found_with_proper_spelling(retriever):
    top = retriever.search("handläggaren följde med till vårdcentralen", k=3)
    assert top[0].source == "lotsen_ocr.txt"
    assert top[0].chunk.corrected is None or "vårdcentralen" in top[0].chunk.corrected


def test_passages_carry_provenance(retriever):
    passage = retriever.search("väntetider till psykiatrin", k=1)[0]
    assert passage.source == "slutrapport vägen framåt.md"
    assert passage.chunk.section == "systemfel"
    assert passage.insats == "Vägen framåt Söderhamn"
    assert passage.report_type == "slutrapport"
    assert passage.dense_rank or passage.lexical_rank


def test_fusion_keeps_what_only_one_retriever_found(retriever):
    passages = retriever.search("kuratorn hälsocentralen månaden", k=10)
    assert any(p.source == "2023/kvartal_vf.txt" for p in passages)
    assert passages == sorted(passages, key=lambda p: -p.score)


def test_filters(retriever):
    by_insats = retriever.search("deltagare", k=10, filters=Filters(insats="VF nordanstig"))
    assert by_insats and {p.source for p in by_insats} == {"2023/kvartal_vf.txt"}
    by_section = retriever.search("deltagare", k=10, filters=Filters(section="framgangsfaktorer"))
    assert by_section and {p.chunk.section for p in by_section} == {"framgangsfaktorer"}
    by_type = retriever.search("deltagare", k=10, filters=Filters(report_type="kvartalsrapport"))
    assert {p.report_type for p in by_type} == {"kvartalsrapport"}
    by_kommun = retriever.search("deltagare", k=10, filters=Filters(kommun="Söderhamn"))
    assert {p.source for p in by_kommun} == {"slutrapport vägen framåt.md"}
    by_year = retriever.search("deltagare", k=10, filters=Filters(year=2022))
    assert {p.source for p in by_year} == {"slutrapport vägen framåt.md", "lotsen_ocr.txt"}
    assert retriever.search("deltagare", filters=Filters(year=1990)) == []


def test_bad_filters_and_questions_say_what_is_wrong(retriever):
    with pytest.raises(BadFilter, match="Ingen insats"):
        retriever.search("x", filters=Filters(insats="Helt okänt projekt Kiruna"))
    with pytest.raises(BadFilter, match="avsnitt"):
        retriever.search("x", filters=Filters(section="nonsens"))
    with pytest.raises(BadFilter, match="rapporttyp"):
        retriever.search("x", filters=Filters(report_type="dagbok"))
    with pytest.raises(EmptyQuestion):
        retriever.search("   ")


def test_named_insats_is_preferred(retriever):
    top = retriever.search("Hur många deltagare hade VF i Nordanstig?", k=3)
    assert top[0].source == "2023/kvartal_vf.txt"


def test_summary_question_starts_with_the_reports_concluding_sections(retriever):
    top = retriever.search("Sammanfatta Vägen framåt Söderhamn för styrelsen", k=4)
    assert top[0].source == "slutrapport vägen framåt.md"
    assert top[0].chunk.section == "maluppfyllelse"
    assert {p.chunk.section for p in top} >= {"maluppfyllelse", "ekonomi"}


def test_list_question_prefers_passages_with_its_words_and_embeds_once(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    calls = []
    embed = archive.embedder.embed_query

    def counting(text):
        calls.append(text)
        return embed(text)

    archive.embedder.embed_query = counting  # type: ignore[method-assign]
    retriever = archive.retriever()
    question = "Vilka insatser nämner tolk?"
    top = retriever.search(question, k=3)
    assert "tolk" in top[0].chunk.text
    for insats in archive.catalog().insatser:
        retriever.search(question, k=3, filters=Filters(insats=insats.id))
    assert calls == [question]


def test_a_paragraph_a_report_repeats_in_another_section_is_shown_once():
    from index.records import Chunk

    copied = "Kartläggningsverktyget Kompassen har gett coacherna ett gemensamt språk när de bedömer arbetsförmåga."

    def passage(cid: str, source: str, section: str, text: str) -> Passage:
        return Passage(Chunk(cid, source, text, 0, len(text), 1, section, (), ""), 1.0, None, None, None)

    ranked = [
        passage("a", "lotsen.md", "lardomar", "- " + copied),
        passage("b", "lotsen.md", "framgangsfaktorer", copied + " "),
        passage("c", "annan.md", "lardomar", copied),  # another report saying the same is another source
        passage("d", "lotsen.md", "ekonomi", "Budgeten räckte, men utbildningen i verktyget kostade mer."),
    ]
    assert [p.chunk.id for p in distinct(ranked)] == ["a", "c", "d"]


def test_words_typed_without_a_ring_or_dots_are_spelled_out_for_the_dense_model():
    from assistant.intent import with_diacritics

    names = ["Vägen framåt Söderhamn", "Ovanåker"]
    assert (
        with_diacritics("Hur manga deltagare hade vagen framat i ovanaker nar den borjade?", names)
        == "Hur många deltagare hade Vägen framåt i Ovanåker när den började?"  # names as the archive spells them
    )
    # A word that is more common as typed stays: "har" (has) is not "här" (here), "sa" (said) not "så".
    assert with_diacritics("Vad har de sa om malet for 2023?", []) == "Vad har de sa om målet för 2023?"
    assert with_diacritics("Vad kostade tolken?", []) == "Vad kostade tolken?"


def test_the_dense_query_is_spelled_out_and_the_lexical_one_unchanged(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    calls = []
    embed = archive.embedder.embed_query
    archive.embedder.embed_query = lambda text: calls.append(text) or embed(text)  # type: ignore[method-assign]
    top = archive.retriever().search("vantetider till psykiatrin i vagen framat", k=1)
    assert calls == ["väntetider till psykiatrin i Vägen framåt"]
    assert top[0].source == "slutrapport vägen framåt.md"

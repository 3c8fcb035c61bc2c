"""The fictional example archive, end to end: register, names and (with the real model) retrieval quality."""

import json

import pytest
from conftest import EXAMPLES

from assistant.cli.evaluate import Retrieved, evaluate
from assistant.names import resolve_insats


@pytest.fixture(scope="module")
def example_archive(tmp_path_factory):
    from assistant.compose import open_archive
    from assistant.config import Settings
    from index.embed import HashingEmbedder

    archive = open_archive(Settings(data_dir=tmp_path_factory.mktemp("ex") / "data"), embedder=HashingEmbedder())
    report = archive.ingest(EXAMPLES)
    assert not report.failed
    yield archive
    archive.close()


def test_every_example_format_is_indexed(example_archive):
    kinds = {row["kind"] for row in example_archive.register.files()}
    assert kinds == {"md", "txt", "pdf", "docx"}
    encodings = {row["encoding"] for row in example_archive.register.files() if row["kind"] == "txt"}
    assert {"cp1252", "utf-16"} <= encodings
    pdf = next(row for row in example_archive.register.files() if row["kind"] == "pdf")
    assert pdf["pages"] > 1
    chunks = example_archive.register.chunks_of(pdf["source"])
    assert {c.page for c in chunks} >= {1, 2}


def test_register_groups_reports_and_keeps_namesakes_apart(example_archive):
    insatser = {i.name: i for i in example_archive.register.insatser()}
    assert len(insatser) == 7
    steg = insatser["Steg för steg Sandviken"]
    assert len(steg.reports) == 2 and steg.kommun == "Sandviken"
    assert {i.kommun for n, i in insatser.items() if n.startswith("Vägen framåt")} == {"Söderhamn", "Nordanstig"}
    money = {f.name: f.value for _, f in insatser["Arbetsnära stöd Hofors"].fields}
    assert money["beviljade_medel"] == "1250000" and money["utnyttjade_medel"] == "1174880"


def test_ocr_like_example_is_repaired_for_search_but_shown_as_written(example_archive):
    row = next(r for r in example_archive.register.files() if r["encoding"] == "cp1252")
    assert row["repaired"] == 1
    chunk = next(c for c in example_archive.register.chunks_of(row["source"]) if c.corrected)
    assert chunk.text != chunk.corrected and len(chunk.text) == len(chunk.corrected)


def test_names_people_type_resolve_on_the_examples(example_archive):
    insatser = example_archive.catalog().insatser
    assert [m.insats.name for m in resolve_insats("steg for steg sandviken", insatser)] == ["Steg för steg Sandviken"]
    assert [m.insats.name for m in resolve_insats("VF nordanstig", insatser)] == ["Vägen framåt i Nordanstig (VF)"]
    assert len(resolve_insats("vägen framåt", insatser)) == 2


def test_which_reports_name_an_insats_are_its_own_and_those_of_others_that_name_it(example_archive):
    from assistant.compose import build_assistant
    from assistant.config import Settings

    assistant = build_assistant(example_archive, Settings(data_dir=example_archive.data_dir))
    answer = assistant.ask("Vilka rapporter nämner Steg för steg Sandviken?")
    assert answer.text.startswith("Steg för steg Sandviken nämns i 3 rapporter")
    assert {c.passage.source for c in answer.citations} == {
        "slutrapport_steg_for_steg_sandviken.md",
        "utvardering_steg_for_steg_sandviken_hig.md",
        "kvartalsrapport_vagen_framat_nordanstig_2024q3.txt",  # VF's team visited them
    }
    assert answer.insatser == ("Steg för steg Sandviken", "Vägen framåt i Nordanstig (VF)")
    # a name shared with a namesake ("Vägen framåt") names either: only the insats's own report counts
    own = assistant.ask("I vilka dokument tas Vägen framåt Söderhamn upp?")
    assert {c.passage.source for c in own.citations} == {"slutrapport_vagen_framat_soderhamn.md"}


@pytest.mark.slow
def test_retrieval_quality_on_the_example_questions_with_the_real_model(real_examples):
    """Real e5 embeddings (bundled model, the session's ingest in conftest), hybrid search, scored by the shared
    eval rule."""
    retriever = real_examples.archive.retriever()
    items = [
        json.loads(line) for line in (EXAMPLES.parent / "questions.jsonl").read_text().splitlines() if line.strip()
    ]
    result = evaluate(items, lambda q: [Retrieved(p.source, p.chunk.text) for p in retriever.search(q, k=10)])
    overall = result.summary()["alla"]
    assert overall["recall@5"] >= 0.75, overall
    assert overall["mrr"] >= 0.65, overall

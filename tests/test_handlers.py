"""The app's event handlers, called as Gradio would call them (no browser): fictional reports, local mode."""

from types import SimpleNamespace

import pytest

from assistant.compose import open_archive
from assistant.web.frontdesk import Frontdesk
from index.embed import HashingEmbedder
from ui.chat import build_ui
from ui.handlers import NO_FILTER, Handlers

REQUEST = SimpleNamespace(cookies={}, headers={})  # local mode: no users, the person at the machine is admin


@pytest.fixture
def handlers(settings, corpus):
    settings = settings.model_copy(update={"archive_dir": corpus})
    archive = open_archive(settings, embedder=HashingEmbedder())
    archive.ingest(corpus)
    yield Handlers(Frontdesk.build(settings, archive))
    archive.close()


def test_the_page_loads_with_filters_examples_and_the_register(handlers):
    who, status, insatser, kommuner, years, examples, rows, ids, upload, *_ = handlers.load(REQUEST)
    assert "Lokalt läge" in who and "insatser" in status
    assert ("Vägen framåt Söderhamn", ids[rows.index(next(r for r in rows if r[0] == "Vägen framåt Söderhamn"))]) in (
        insatser["choices"]
    )
    assert "Söderhamn" in kommuner["choices"] and "2022" in years["choices"]
    assert upload.visible  # the local user is an admin


def test_a_question_streams_then_shows_the_answer_and_its_first_source(handlers):
    updates = list(
        handlers.respond("Hur många deltagare hade Vägen framåt Söderhamn?", [], [], *[NO_FILTER] * 4, REQUEST)
    )
    chat, past, sources, page, asked, box, _ = updates[-1]
    assert past == ["Hur många deltagare hade Vägen framåt Söderhamn?"] and box == ""
    assert chat[-1]["role"] == "assistant" and "33 personer" in chat[-1]["content"] and "\\[1\\]" in chat[-1]["content"]
    assert sources["value"] == sources["choices"][0][1]
    assert 'id="arkiv-passage"' in page and "<mark>" in page  # the question's words marked in the source


def test_an_empty_question_changes_nothing(handlers):
    updates = list(handlers.respond("   ", ["förra"], [], *[NO_FILTER] * 4, REQUEST))
    assert len(updates) == 1 and updates[0][1] == ["förra"]


def test_the_register_filters_as_you_type_and_shows_one_insats(handlers):
    rows, ids = handlers.filter_register("lotsen", REQUEST)
    assert [r[0] for r in rows] == ["Lotsen Hofors"]
    detail = handlers.show_insats(ids, SimpleNamespace(index=[0, 0]), REQUEST)
    assert detail.startswith("### Lotsen Hofors") and "300 000" in detail
    assert handlers.show_insats(ids, SimpleNamespace(index=[5, 0]), REQUEST) == ""


def test_uploads_store_good_files_and_say_why_others_are_refused(handlers, tmp_path):
    good, bad = tmp_path / "ny rapport.md", tmp_path / "program.exe"
    good.write_text("# Slutrapport\n\nInsatsens namn\nNy insats Ockelbo\n", encoding="utf-8")
    bad.write_bytes(b"MZ")
    message = handlers.upload([str(good), str(bad)], REQUEST)
    assert "✓" in message and "✗" in message and "Inläsningen har startat" in message
    handlers.desk.jobs.wait(30)
    assert handlers.upload([], REQUEST) == "Välj en eller flera filer först."


def test_a_summary_is_offered_as_word_and_markdown(handlers):
    docx, markdown, chart, text = handlers.summarize([], NO_FILTER, REQUEST)
    assert docx.endswith(".docx") and markdown.endswith(".md") and text.startswith("#")
    *_, error = handlers.summarize(["finns-inte"], NO_FILTER, REQUEST)
    assert error.startswith("⚠️")


def test_the_whole_app_builds(handlers):
    assert build_ui(handlers.desk) is not None

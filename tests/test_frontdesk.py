"""The front desk: register listings, insats views and document views are masked once, for every front end."""

import pytest
from conftest import FINAL_REPORT

from assistant.compose import open_archive
from assistant.web.auth import LOCAL_USER, User
from assistant.web.browse import DocumentView, NotFound
from assistant.web.frontdesk import TERMINAL_USER, Frontdesk, highlighted
from index.analyze import analyze
from index.embed import HashingEmbedder
from index.records import Chunk

# A fictional report whose insats name and contact line carry a personnummer and a phone number.
PERSONAL = FINAL_REPORT.replace("Vägen framåt Söderhamn", "Vägen framåt 19811218-9876").replace(
    "## 2. Ansvarig", "Kontaktperson: Anna Ek, 070-123 45 67\n\n## 2. Ansvarig"
)


@pytest.fixture
def desk(settings, tmp_path):
    root = tmp_path / "rapporter"
    root.mkdir()
    (root / "vagen.md").write_text(PERSONAL, encoding="utf-8")
    archive = open_archive(settings, embedder=HashingEmbedder())
    archive.ingest(root)
    yield Frontdesk.build(settings, archive)
    archive.close()


def test_listing_insatser_masks_personal_data(desk):
    rows = desk.insatser(TERMINAL_USER)
    assert rows and all("9876" not in row.name for row in rows)
    assert any("[personnummer]" in row.name for row in rows)
    insats_id = rows[0].id
    row, data = desk.insats(TERMINAL_USER, insats_id)
    assert "9876" not in row.name and data["namn"] == "Vägen framåt [personnummer]"


def test_admins_may_see_personal_data_when_allowed(settings, desk):
    desk.settings = settings.model_copy(update={"admins_see_personal_data": True})
    assert any("9876" in row.name for row in desk.insatser(LOCAL_USER))
    assert all("9876" not in row.name for row in desk.insatser(User("anna", "läsare")))


def test_document_view_is_masked_and_carries_the_words_to_highlight(desk):
    chunk_id = next(c.id for c in desk.archive.register.chunks_of("vagen.md") if "070-123" in c.text)
    view = desk.document(TERMINAL_USER, chunk_id, "Vem var kontaktperson?")
    assert "070-123" not in view.text and "[telefonnummer]" in view.text
    assert "Kontaktperson" in view.marked
    with pytest.raises(NotFound):
        desk.document(TERMINAL_USER, "../../etc/passwd")


def test_highlighted_words_are_those_whose_analyzed_forms_meet_the_question():
    text = "Samverkan med Trisam var avgörande; samverkan fortsatte."
    chunk = Chunk("c1", "a.md", text, 0, len(text), 1, None, (), "")
    view = DocumentView(chunk, None, text, 0, len(text), frozenset(analyze("samverkan")))
    assert highlighted(view) == {"Samverkan", "samverkan"}
    assert highlighted(DocumentView(chunk, None, text, 0, len(text), frozenset())) == frozenset()

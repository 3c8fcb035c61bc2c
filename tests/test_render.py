"""What the app shows: report text is data (escaped, no links or markup), passages framed and words marked."""

from __future__ import annotations

import pytest

from assistant.answer import Answer, Citation, Passage
from assistant.web.browse import DocumentView
from index.records import Chunk
from ui.render import document_html, escape_text, format_answer, source_choices


def _chunk(text: str, **kw) -> Chunk:
    base = dict(
        id="0123456789abcdef",
        source="a/slutrapport.md",
        text=text,
        start=0,
        end=len(text),
        page=3,
        section="framgangsfaktorer",
        heading_path=("6. Analys", "6.4 Framgångsfaktorer"),
        title="Slutrapport",
    )
    return Chunk(**{**base, **kw})


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[klicka här](javascript:alert(1))",
        "![bild](http://example.invalid/x.png)",
        "<a href='http://evil.example'>länk</a>",
        "**fet** _kursiv_ `kod` # rubrik",
    ],
)
def test_report_text_cannot_become_html_or_links(hostile):
    shown = escape_text(hostile)
    assert "<" not in shown and ">" not in shown.replace("&gt;", "")
    assert "](" not in shown and "![" not in shown


def test_answer_keeps_bullets_markers_and_lists_sources():
    chunk = _chunk("Trisam har varit en framgångsfaktor.")
    passage = Passage(chunk, 1.0, "Steg för steg", "id1", "slutrapport")
    answer = Answer(
        "- Steg för steg: ”Trisam har varit en framgångsfaktor.” [1]",
        (Citation(1, passage),),
        notices=("Siffrorna skiljer sig <b>mellan</b> rapporterna.",),
    )
    shown = format_answer(answer)
    assert shown.startswith("- Steg")
    assert "\\[1\\]" in shown and "&lt;b&gt;" in shown
    assert "[1] a/slutrapport.md, s. 3" in shown.replace("\\", "")
    assert source_choices(answer.citations) == [
        ("[1] a/slutrapport.md · Steg för steg · 6.4 Framgångsfaktorer · sida 3", "0123456789abcdef")
    ]


def test_document_frames_the_passage_and_marks_the_question_words():
    text = "Före. Samverkan med Trisam var avgörande. <script>x</script> Efter."
    start = text.index("Samverkan")
    end = text.index(" <script>")
    view = DocumentView(_chunk(text), "Steg för steg", text, start, end, frozenset({"trisam"}), frozenset({"Trisam"}))
    page = document_html(view)
    assert (
        '<span class="arkiv-passage" id="arkiv-passage">Samverkan med <mark>Trisam</mark> var avgörande.</span>' in page
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "sida 3" in page and "6. Analys &gt; 6.4 Framgångsfaktorer" in page

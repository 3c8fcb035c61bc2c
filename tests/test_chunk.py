import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunk import Chunker
from index.records import Document
from index.sections import find_sections


def _doc(text: str) -> Document:
    return Document(source="a/rapport.md", text=text, kind="md", sha256="x")


def _chunks(text: str, **kw):
    doc = _doc(text)
    return Chunker(**kw).chunk(doc, find_sections(text), title="Exempel")


def test_bad_configuration_fails_early():
    with pytest.raises(ValueError):
        Chunker(size=500, overlap=500)
    with pytest.raises(ValueError):
        Chunker(size=900, max_size=800)


def test_chunks_are_exact_spans_and_never_cross_sections():
    text = "## 1. Allmänna uppgifter\n\nNamn: Exempel.\n\n## 6.4 Framgångsfaktorer\n\n" + "Trisam hjälpte. " * 120
    chunks = _chunks(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 1200
    assert {c.section for c in chunks} == {"allmanna_uppgifter", "framgangsfaktorer"}
    assert all("Allmänna" not in c.text for c in chunks if c.section == "framgangsfaktorer")


def test_table_rows_are_never_split_and_carry_the_header():
    rows = "\n".join(f"| Rad {i} | {i * 1000} kr<br>kommentar {i} |" for i in range(80))
    text = "## 7. Ekonomi\n\n| Post | Belopp |\n|---|---|\n" + rows + "\n"
    chunks = _chunks(text, size=400, max_size=600, overlap=100)
    assert len(chunks) > 3
    for chunk in chunks:
        for line in chunk.text.splitlines():
            if line.startswith("| Rad"):
                assert line.endswith("|")
    assert all(c.context.endswith("| Post | Belopp |") for c in chunks[1:])
    assert chunks[0].context.startswith("Ekonomi:")
    assert "Post" in chunks[1].search_text


def test_a_heading_stays_with_the_first_paragraph_it_heads():
    # The paragraph alone is longer than `size`: the heading must not be cut off into a passage of its own.
    paragraph = "Deltagarna saknade BankID och kunde inte använda e-tjänsterna. " * 14
    text = "## 6.5 Beskriv identifierade systemfel:\n\n" + paragraph.strip() + "\n\n" + paragraph.strip() + "\n"
    chunks = _chunks(text, size=800, max_size=1200)
    assert len(chunks) == 2
    assert chunks[0].text.startswith("## 6.5") and "BankID" in chunks[0].text
    assert all("BankID" in c.text for c in chunks)


def test_search_text_has_title_and_heading_path_but_text_is_original():
    text = "## 6.5 Systemfel\n\nLånga väntetider i vården."
    chunk = _chunks(text)[0]
    assert chunk.search_text.startswith("Exempel > Systemfel")
    assert chunk.text.startswith("## 6.5 Systemfel")


def test_corrected_text_is_kept_beside_the_original():
    text = "## 6.5 Systemfel\n\nLanga vantetider."
    fixed = "## 6.5 Systemfel\n\nLånga väntetider."
    doc = _doc(text)
    chunk = Chunker().chunk(doc, find_sections(text), corrected=fixed)[0]
    assert chunk.text == text and chunk.corrected == fixed
    assert "Långa" in chunk.search_text


words = st.text(alphabet="abcåäö ÅÄÖ.\n|-#*0123456789", min_size=0, max_size=3000)


@settings(max_examples=60, deadline=None)
@given(words)
def test_property_chunks_are_spans_within_bounds(text):
    for chunk in _chunks(text, size=200, max_size=300, overlap=50):
        assert text[chunk.start : chunk.end] == chunk.text
        assert 0 < len(chunk.text) <= 300
        assert chunk.text == chunk.text.strip()

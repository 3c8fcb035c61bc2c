import zipfile
from pathlib import Path

import pytest
from badfiles import pdf_bytes

from index.parse import ParseError, decode_text, read_document

SWEDISH = "Slutrapport\n\n## 6.4 Framgångsfaktorer\n\nSamverkan i Trisam gav stöd åt deltagarna i Gävleborg.\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(path: Path):
    return read_document(path, path.name, max_bytes=10_000_000)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le"])
def test_text_encodings_are_detected(tmp_path, encoding):
    doc = _read(_write(tmp_path, "r.txt", SWEDISH.encode(encoding)))
    assert doc.text == SWEDISH
    assert doc.kind == "txt"


def test_windows_newlines_are_normalised(tmp_path):
    doc = _read(_write(tmp_path, "r.md", SWEDISH.replace("\n", "\r\n").encode()))
    assert "\r" not in doc.text


def test_binary_with_text_suffix_is_refused(tmp_path):
    with pytest.raises(ParseError, match="binär"):
        _read(_write(tmp_path, "bild.txt", bytes(range(256)) * 40))


def test_empty_and_too_large_files_are_refused(tmp_path):
    with pytest.raises(ParseError, match="tom"):
        _read(_write(tmp_path, "tom.md", b""))
    big = _write(tmp_path, "stor.txt", b"a" * 2000)
    with pytest.raises(ParseError, match="för stor"):
        read_document(big, "stor.txt", max_bytes=1000)


def test_unsupported_suffix(tmp_path):
    with pytest.raises(ParseError, match="stöds inte"):
        _read(_write(tmp_path, "r.odt", b"x"))


def test_decode_rejects_mostly_control_bytes():
    with pytest.raises(ParseError):
        decode_text(b"\x00\x01\x02\x03" * 500)


def _pdf(path: Path, pages: list[str], **kw) -> Path:
    path.write_bytes(pdf_bytes(pages, **kw))
    return path


def test_pdf_is_page_aware(tmp_path):
    path = _pdf(tmp_path / "r.pdf", ["1. Allmänna uppgifter\nInsatsens namn Exempel", "6.5 Systemfel\nLånga köer"])
    doc = _read(path)
    assert [p.number for p in doc.pages] == [1, 2]
    second = doc.text.index("Systemfel")
    assert doc.page_at(second) == 2
    assert doc.page_at(doc.text.index("Allmänna")) == 1


def test_encrypted_truncated_and_image_only_pdfs_have_swedish_reasons(tmp_path):
    locked = _pdf(tmp_path / "las.pdf", ["Hemligt"], encrypt="hemligt")
    with pytest.raises(ParseError, match="lösenordsskyddad"):
        _read(locked)
    whole = _pdf(tmp_path / "hel.pdf", ["Text"]).read_bytes()
    with pytest.raises(ParseError, match="trasig"):
        _read(_write(tmp_path, "trasig.pdf", whole[: len(whole) // 3]))
    blank = _pdf(tmp_path / "bild.pdf", [""])
    with pytest.raises(ParseError, match="textlager"):
        _read(blank)


def test_docx_keeps_headings_paragraphs_and_tables_in_order(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("1. Allmänna uppgifter", level=1)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Insatsens namn"
    table.cell(0, 1).text = "Steg mot jobb\nExempelby"
    table.cell(1, 0).text = "Beviljade medel"
    table.cell(1, 1).text = "1 000 000 kr"
    document.add_paragraph("Efter tabellen kommer text.")
    path = tmp_path / "r.docx"
    document.save(str(path))
    doc = _read(path)
    assert doc.text.startswith("## 1. Allmänna uppgifter")
    assert "| Insatsens namn | Steg mot jobb<br>Exempelby |" in doc.text
    assert doc.text.index("Beviljade") < doc.text.index("Efter tabellen")


def test_broken_docx_and_zip_bomb_are_refused(tmp_path):
    with pytest.raises(ParseError, match="trasig"):
        _read(_write(tmp_path, "inte.docx", b"PK\x03\x04 inte en zip"))
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(ParseError, match="zip-bomb"):
        _read(bomb)


def test_utf8_with_a_few_broken_bytes_stays_utf8(tmp_path):
    data = bytearray((SWEDISH * 3).encode())
    data[20] = 0xFF
    doc = _read(_write(tmp_path, "r.md", bytes(data)))
    assert doc.encoding == "utf-8" and "Framgångsfaktorer" in doc.text and "Ã" not in doc.text


def test_size_refusal_does_not_read_the_file_and_names_the_limit_in_mb(tmp_path, monkeypatch):
    big = _write(tmp_path, "stor.txt", b"")
    with big.open("wb") as out:
        out.truncate(3 * 2**20)  # sparse: 3 MB that are never read
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read the file it refused"))
    with pytest.raises(ParseError, match=r"för stor \(3 MB; gränsen är 2 MB\)"):
        read_document(big, "stor.txt", max_bytes=2 * 2**20)


def test_docx_with_an_entity_bomb_is_refused_as_broken(tmp_path):
    from badfiles import _entity_bomb

    with pytest.raises(ParseError, match="trasig"):
        _read(_write(tmp_path, "bomb.docx", _entity_bomb()))


def test_running_headers_footers_and_page_numbers_are_not_text():
    from index.parse import _without_furniture

    pages = [
        "Förbundet – Slutrapport\nSida 1(3)\nInsatsen startade i mars och\n",
        "Förbundet – Slutrapport\nSida 2(3)\nnådde 40 deltagare.\nFörbundet – Projektredovisning",
        "Förbundet – Slutrapport\nSida 3(3)\nMålet nåddes.\n- 3 -",
    ]
    assert [p.strip() for p in _without_furniture(pages)] == [
        "Insatsen startade i mars och",
        "nådde 40 deltagare.\nFörbundet – Projektredovisning",  # on one page only: kept
        "Målet nåddes.",
    ]

"""Read report files into Documents: the only module that opens report files.

One reader per suffix: .pdf (page-aware, pypdfium2), .docx (paragraphs and tables in body order), .md and
.txt (encoding detected: BOM, UTF-8, UTF-16 without BOM, CP1252). Every failure is a ParseError whose
message is Swedish, because it ends up in the ingest report that staff read.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from index.errors import ParseError as ParseError  # defined in index/errors.py, still importable from here
from index.records import Document, Page

logger = logging.getLogger(__name__)

SUFFIXES = (".pdf", ".docx", ".md", ".txt")
PAGE_JOIN = "\n\n"
# A .docx is a zip: refuse archives that inflate to more than this (zip bombs), whatever the file size.
MAX_DOCX_INFLATED = 200 * 1024 * 1024
MAX_DOCX_RATIO = 200


TOO_LARGE = "Filen är för stor"  # how a size refusal begins; ingest retries such files when the limit rises


def read_document(path: Path, source: str, *, max_bytes: int) -> Document:
    """Read one report file.

    Args:
        path: the file on disk.
        source: its path relative to the archive root (stored with every chunk).
        max_bytes: files larger than this are refused with a clear message instead of read.

    Raises:
        ParseError: unsupported, empty, too large, broken, encrypted, image-only or binary files.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ParseError(f"Filtypen {suffix or '(ingen)'} stöds inte (bara {', '.join(SUFFIXES)}).")
    size = path.stat().st_size
    if size == 0:
        raise ParseError("Filen är tom (0 byte).")
    if size > max_bytes:
        raise ParseError(
            f"{TOO_LARGE} ({size / 2**20:.0f} MB; gränsen är {max_bytes / 2**20:.0f} MB). "
            "Dela upp den eller höj gränsen (ARKIV_MAX_FILE_MB)."
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".pdf":
        text, pages = _read_pdf(data)
        encoding = None
    elif suffix == ".docx":
        text, pages, encoding = _read_docx(path), (), None
    else:
        raw, encoding = decode_text(data)
        text, pages = _clean(raw), ()
    if not text.strip():
        raise ParseError("Filen innehåller ingen text.")
    return Document(source=source, text=text, kind=suffix[1:], sha256=digest, pages=pages, encoding=encoding)


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return unicodedata.normalize("NFC", text)


# --- plain text -------------------------------------------------------------------------------------

_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode report text, returning (text, encoding name).

    Raises:
        ParseError: when the bytes look binary rather than text.
    """
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="replace"), encoding)
    # UTF-16 without a BOM: every other byte of ASCII-heavy text is NUL.
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > 0.4 * (len(sample) // 2):
        return _checked(data.decode("utf-16-le", errors="replace"), "utf-16-le")
    if len(sample) >= 4 and sample[0::2].count(0) > 0.4 * (len(sample) // 2):
        return _checked(data.decode("utf-16-be", errors="replace"), "utf-16-be")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few broken bytes (a cut-off copy, a bad merge) is still UTF-8: read as CP1252, every å in
    # it would become "Ã¥". It counts as UTF-8 when valid multi-byte characters clearly outnumber broken bytes.
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    if len(_NON_ASCII.findall(lenient)) - broken >= 4 * broken:
        return _checked(lenient, "utf-8")
    # CP1252 is a superset of Latin-1's printable range; undefined bytes fall back to Latin-1.
    try:
        return _checked(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return _checked(data.decode("latin-1"), "latin-1")


def _checked(text: str, encoding: str) -> tuple[str, str]:
    sample = text[:20000]
    bad = len(_BINARY_CONTROL.findall(sample)) + sample.count("\ufffd")
    if sample and bad > max(8, 0.01 * len(sample)):
        raise ParseError("Filen verkar vara binär och inte text (fel filändelse?).")
    return text, encoding


# --- PDF ----------------------------------------------------------------------------------------------


BROKEN_PDF = "PDF-filen är trasig (t.ex. avkortad eller ingen riktig PDF) och kan inte läsas."


def _read_pdf(data: bytes) -> tuple[str, tuple[Page, ...]]:
    import pypdfium2 as pdfium  # heavy native module: imported only when a PDF arrives

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ParseError("PDF-filen är lösenordsskyddad (krypterad) och kan inte läsas.") from exc
        logger.info("pdfium refused the file: %s", exc)
        raise ParseError(BROKEN_PDF) from exc
    try:
        texts = [_clean(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    except pdfium.PdfiumError as exc:
        logger.info("pdfium failed on a page: %s", exc)
        raise ParseError(BROKEN_PDF) from exc
    finally:
        pdf.close()
    if not any(t.strip() for t in texts):
        raise ParseError(
            "PDF-filen har inget textlager (inskannade bilder). Kör OCR först, t.ex. "
            "'ocrmypdf -l swe in.pdf ut.pdf' (paketen ocrmypdf och tesseract-ocr-swe), och lägg in den nya filen."
        )
    texts = _without_furniture([t.replace("\x0c", "") for t in texts])
    pages: list[Page] = []
    parts: list[str] = []
    offset = 0
    for number, text in enumerate(texts, start=1):
        text = text.strip("\n")
        if parts:
            offset += len(PAGE_JOIN)
        pages.append(Page(number=number, start=offset, end=offset + len(text)))
        parts.append(text)
        offset += len(text)
    return PAGE_JOIN.join(parts), tuple(pages)


# A page number line: "Sida 2 av 3", "Sida 2(5)", "Page 2", "- 2 -".
_PAGE_NUMBER = re.compile(r"^\s*(?:(?:sida|page|s\.)\s*\d+(?:\s*(?:av|/|of)\s*\d+|\s*\(\d+\))?|-\s*\d+\s*-)\s*$", re.I)
_EDGE_LINES = 2  # running headers and footers stand in a page's first or last lines


def _without_furniture(texts: list[str]) -> list[str]:
    """Pages without their running headers and footers: a line at a page's top or bottom that recurs at the edge
    of other pages (figures aside: "Sida 1(5)", "Sida 2(5)"), or a bare page number. They interrupt sentences that
    run over a page break and say nothing about the insats."""

    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().lower())

    def edges(lines: list[str]) -> list[str]:
        return [*lines[:_EDGE_LINES], *lines[-_EDGE_LINES:]]

    split = [t.split("\n") for t in texts]
    counts: dict[str, int] = {}
    for lines in split:
        for key in {shape(line) for line in edges([line for line in lines if line.strip()])}:
            counts[key] = counts.get(key, 0) + 1
    repeated = {key for key, n in counts.items() if key and n >= 2 and n * 2 >= len(texts)}
    cleaned = []
    for lines in split:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edge = set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])
        cleaned.append(
            "\n".join(
                line
                for i, line in enumerate(lines)
                if not (i in edge and (shape(line) in repeated or _PAGE_NUMBER.match(line)))
            )
        )
    return cleaned


# --- DOCX ---------------------------------------------------------------------------------------------


def _read_docx(path: Path) -> str:
    _check_zip(path)
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    # SyntaxError covers lxml's XMLSyntaxError (bad or hostile XML, e.g. a DTD with nested entities);
    # zlib.error and EOFError come from members that do not inflate.
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, SyntaxError) as exc:
        logger.info("python-docx refused the file: %r", exc)
        raise ParseError("DOCX-filen är trasig eller inget Word-dokument.") from exc
    blocks = list(_docx_blocks(document))
    return _clean("\n\n".join(b for b in blocks if b.strip()))


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
            compressed = sum(info.compress_size for info in archive.infolist()) or 1
    except zipfile.BadZipFile as exc:
        raise ParseError("DOCX-filen är trasig eller inget Word-dokument (inte en zip-fil).") from exc
    if inflated > MAX_DOCX_INFLATED or inflated / compressed > MAX_DOCX_RATIO:
        raise ParseError("DOCX-filen packas upp till orimligt mycket data (möjlig zip-bomb) och läses inte.")


def _docx_blocks(document: object) -> Iterator[str]:
    """Paragraphs and tables in body order; Word headings become markdown headings."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body  # type: ignore[attr-defined]
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)  # type: ignore[arg-type]
            text = paragraph.text.strip()
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = _heading_level(style)
            yield f"{'#' * level} {text}" if level and text else text
        elif tag == "tbl":
            yield _table_markdown(Table(child, document))  # type: ignore[arg-type]


def _heading_level(style: str) -> int:
    match = re.match(r"(?:Heading|Rubrik)\s*(\d)", style, re.IGNORECASE)
    if match:
        return min(int(match.group(1)) + 1, 6)
    return 1 if style.lower() in ("title", "titel") else 0


def _table_markdown(table: object) -> str:
    """A table as markdown rows; line breaks inside a cell become <br> like in converted reports."""
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells, previous = [], None
        for cell in row.cells:
            if cell._tc is previous:  # merged cells repeat; keep one
                continue
            previous = cell._tc
            cells.append("<br>".join(p.strip() for p in cell.text.splitlines() if p.strip()))
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)

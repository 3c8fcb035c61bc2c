"""Rebuild the generated example reports in examples/rapporter/ from the sources in examples/src/.

All reports are fictional. Four files are generated, the rest of examples/rapporter/ is written by hand:

- slutrapport_arbetsnara_stod_hofors.pdf           PDF (reportlab), page header/footer "Sida N(M)"
- slutrapport_friskare_tillsammans_gavle.docx      DOCX (python-docx), Heading 1/2 styles and Word tables
- slutrapport_tillsammans_mot_arbete_alvkarleby.txt   simulated OCR damage, hard wraps, CP1252
- kvartalsrapport_vagen_framat_nordanstig_2024q3.txt  UTF-16 LE with BOM and CRLF line endings

The output is deterministic: running the script twice gives byte-identical files.

    python examples/build_examples.py            # write the files
    python examples/build_examples.py --check    # exit 1 if a committed file differs from a fresh build

Source markup (PDF and DOCX sources): "# " title, "## " heading 1, "### " heading 2, "- " bullet,
"[tabell]" ... "[/tabell]" with one row per line and cells separated by " | ", every other non-empty
line is a paragraph of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUT = HERE / "rapporter"

PDF_NAME = "slutrapport_arbetsnara_stod_hofors"
DOCX_NAME = "slutrapport_friskare_tillsammans_gavle"
OCR_NAME = "slutrapport_tillsammans_mot_arbete_alvkarleby"
UTF16_NAME = "kvartalsrapport_vagen_framat_nordanstig_2024q3"

FIXED_TIME = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
ZIP_TIME = (2024, 1, 1, 12, 0, 0)


# --- source markup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  # title, h1, h2, para, bullet, table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def parse_markup(text: str) -> list[Block]:
    blocks: list[Block] = []
    rows: list[tuple[str, ...]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if rows is not None:
            if line == "[/tabell]":
                blocks.append(Block("table", rows=tuple(rows)))
                rows = None
            elif line:
                rows.append(tuple(cell.strip() for cell in line.split(" | ")))
            continue
        if not line:
            continue
        if line == "[tabell]":
            rows = []
        elif line.startswith("### "):
            blocks.append(Block("h2", line[4:]))
        elif line.startswith("## "):
            blocks.append(Block("h1", line[3:]))
        elif line.startswith("# "):
            blocks.append(Block("title", line[2:]))
        elif line.startswith("- "):
            blocks.append(Block("bullet", line[2:]))
        else:
            blocks.append(Block("para", line))
    if rows is not None:
        raise ValueError("[tabell] utan [/tabell]")
    return blocks


# --- PDF --------------------------------------------------------------------------------------------


def build_pdf(source: str, title: str) -> bytes:
    from reportlab import rl_config

    rl_config.invariant = 1  # no timestamps or random document ids: byte-identical output
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=10, leading=13.5)
    styles = {
        "title": ParagraphStyle("t", parent=base["Title"], fontName="Helvetica-Bold", fontSize=18),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName="Helvetica-Bold", fontSize=13),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName="Helvetica-Bold", fontSize=11),
        "para": body,
    }
    cell = ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12)

    def flowables() -> list[Any]:
        out: list[Any] = []
        bullets: list[Any] = []

        def flush() -> None:
            if bullets:
                out.append(ListFlowable(list(bullets), bulletType="bullet", leftIndent=14, bulletFontSize=8))
                bullets.clear()

        for block in parse_markup(source):
            if block.kind == "bullet":
                bullets.append(ListItem(Paragraph(escape(block.text), body)))
                continue
            flush()
            if block.kind == "table":
                data = [[Paragraph(escape(c), cell) for c in row] for row in block.rows]
                ncols = max(len(r) for r in block.rows)
                widths = [6.0 * cm, 10.5 * cm] if ncols == 2 else [16.5 * cm / ncols] * ncols
                table = Table(data, colWidths=widths, hAlign="LEFT")
                table.setStyle(
                    TableStyle(
                        [
                            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                            ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEF2F6")),
                        ]
                    )
                )
                out.extend([table, Spacer(1, 8)])
            else:
                out.append(Paragraph(escape(block.text), styles[block.kind]))
        flush()
        return out

    def render(total: int | None) -> tuple[bytes, int]:
        buf = io.BytesIO()
        pages = [0]

        def decorate(canvas: Any, doc: Any) -> None:
            pages[0] = canvas.getPageNumber()
            canvas.saveState()
            canvas.setFont("Helvetica", 8)
            canvas.drawString(2 * cm, A4[1] - 1.3 * cm, "Samordningsförbund Gävleborg")
            canvas.drawRightString(A4[0] - 2 * cm, A4[1] - 1.3 * cm, title)
            canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"Sida {pages[0]}({total if total else '?'})")
            canvas.drawString(2 * cm, 1.2 * cm, "www.finsam.example")
            canvas.restoreState()

        doc = SimpleDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=2.2 * cm,
            rightMargin=2.2 * cm,
            topMargin=2.2 * cm,
            bottomMargin=2.0 * cm,
            title=title,
            author="Arkiv (fiktivt exempel)",
            subject="Fiktiv slutrapport för test",
            creator="examples/build_examples.py",
        )
        doc.build(flowables(), onFirstPage=decorate, onLaterPages=decorate)
        return buf.getvalue(), pages[0]

    _, total = render(None)
    data, again = render(total)
    if again != total:
        raise RuntimeError("sidantalet ändrades mellan två körningar")
    return data


# --- DOCX -------------------------------------------------------------------------------------------


def build_docx(source: str, title: str) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    props = document.core_properties
    props.title = title
    props.author = "Arkiv (fiktivt exempel)"
    props.last_modified_by = "examples/build_examples.py"
    props.comments = "Fiktiv rapport, genererad för test."
    props.revision = 1
    naive = FIXED_TIME.replace(tzinfo=None)
    props.created = naive
    props.modified = naive
    props.last_printed = naive

    for block in parse_markup(source):
        if block.kind == "title":
            document.add_heading(block.text, level=0)
        elif block.kind == "h1":
            document.add_heading(block.text, level=1)
        elif block.kind == "h2":
            document.add_heading(block.text, level=2)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "table":
            ncols = max(len(r) for r in block.rows)
            table = document.add_table(rows=0, cols=ncols)
            table.style = "Table Grid"
            for row in block.rows:
                cells = table.add_row().cells
                for i, value in enumerate(row):
                    cells[i].text = value
            document.add_paragraph()
        else:
            document.add_paragraph(block.text)

    raw = io.BytesIO()
    document.save(raw)
    return _normalize_zip(raw.getvalue())


def _normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes so that the bytes do not depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --- simulated OCR, CP1252 --------------------------------------------------------------------------

OCR_WIDTH = 95
OCR_LINES_PER_PAGE = 52
OCR_SEED = 20220914
OCR_HEADER = ["Samordningsforbund", "Gavleborg"]
OCR_FOOTER = "Pa www.finsam.example kan du lasa mer om hur du ansoker. Sida {page}({total})"

# Replacement choices for each letter, with weights. The damage mimics a PDF of a scanned report run
# through OCR: most diacritics are lost, some turn into look-alike characters, a few survive.
OCR_CHOICES: dict[str, tuple[tuple[str, int], ...]] = {
    "å": (("a", 88), ("4", 3), ("å", 3), ("d", 6)),
    "ä": (("a", 76), ("d", 13), ("ä", 3), ("i", 8)),
    "ö": (("o", 68), ("é", 17), ("6", 11), ("ö", 4)),
    "Å": (("A", 90), ("Å", 10)),
    "Ä": (("A", 85), ("Ä", 15)),
    "Ö": (("O", 85), ("Ö", 15)),
}
OCR_WORDS = {"stöd": "stdd", "stödet": "stddet"}


def ocr_damage(text: str, rng: random.Random) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        for word, damaged in OCR_WORDS.items():
            end = i + len(word)
            before_ok = i == 0 or not text[i - 1].isalnum()
            after_ok = end >= len(text) or not text[end].isalnum()
            if text.startswith(word, i) and before_ok and after_ok and rng.random() < 0.5:
                out.append(damaged)
                i = end
                break
        else:
            ch = text[i]
            choices = OCR_CHOICES.get(ch)
            if choices:
                options = [c for c, _ in choices]
                weights = [w for _, w in choices]
                out.append(rng.choices(options, weights)[0])
            else:
                out.append(ch)
            i += 1
    return "".join(out)


def build_ocr_text(source: str) -> bytes:
    rng = random.Random(OCR_SEED)
    lines: list[str] = []
    for raw in source.splitlines():
        if not raw.strip():
            lines.append("")
            continue
        damaged = ocr_damage(raw.rstrip(), rng)
        lines.extend(textwrap.wrap(damaged, OCR_WIDTH, break_long_words=False, break_on_hyphens=False))
    pages = [lines[i : i + OCR_LINES_PER_PAGE] for i in range(0, len(lines), OCR_LINES_PER_PAGE)]
    out: list[str] = []
    for n, page in enumerate(pages, start=1):
        if n > 1:
            out.extend(OCR_HEADER + [""])
        out.extend(page)
        out.extend(["", OCR_FOOTER.format(page=n, total=len(pages)), ""])
    text = " " + "\n".join(out).rstrip("\n") + "\n"  # pdftotext-style leading space
    return text.encode("cp1252")


# --- UTF-16 -----------------------------------------------------------------------------------------


def build_utf16_text(source: str) -> bytes:
    text = source.replace("\r\n", "\n").replace("\n", "\r\n")
    return b"\xff\xfe" + text.encode("utf-16-le")


# --- driver -----------------------------------------------------------------------------------------


def build_all() -> dict[str, bytes]:
    def src(name: str) -> str:
        return (SRC / name).read_text(encoding="utf-8")

    return {
        f"{PDF_NAME}.pdf": build_pdf(src(f"{PDF_NAME}.txt"), "Slutrapport – Arbetsnära stöd Hofors"),
        f"{DOCX_NAME}.docx": build_docx(src(f"{DOCX_NAME}.txt"), "Slutrapport – Friskare tillsammans Gävle"),
        f"{OCR_NAME}.txt": build_ocr_text(src(f"{OCR_NAME}.txt")),
        f"{UTF16_NAME}.txt": build_utf16_text(src(f"{UTF16_NAME}.txt")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default examples/rapporter)")
    args = parser.parse_args(argv)

    built = build_all()
    if args.check:
        stale = [
            name
            for name, data in built.items()
            if not (args.out / name).is_file() or (args.out / name).read_bytes() != data
        ]
        for name in stale:
            sys.stderr.write(f"inaktuell: {args.out / name}\n")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in built.items():
        target = args.out / name
        with tempfile.NamedTemporaryFile(dir=args.out, delete=False) as tmp:
            tmp.write(data)
        Path(tmp.name).chmod(0o644)
        Path(tmp.name).replace(target)
        shown = target.relative_to(HERE.parent) if target.is_relative_to(HERE.parent) else target
        sys.stdout.write(f"skrev {shown} ({len(data)} byte)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

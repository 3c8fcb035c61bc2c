#!/usr/bin/env python3
"""Bygger de genererade filerna i archive-d/files/ från källorna i archive-d/src/.

Kör:  /work/main/.venv/bin/python examples/archive-d/build.py

Anpassad från verktygsskriptet i archive-c. Bygget är deterministiskt: DOCX får fasta datum i core
properties och i zip-arkivet, PDF byggs med reportlab invariant=1, och OCR-skadorna är fasta
ersättningar (ingen slump). Två körningar ger byte-identiska filer.

Filerna i files/ som är .md eller .txt utan källa i src/ skrivs för hand och rörs inte av bygget.

Källformat (src/*.txt för DOCX/PDF):
  @header TEXT     sidhuvud (bara PDF)
  # Rubrik         rubrik nivå 1,  ## nivå 2,  ### nivå 3
  | a | b |        tabellrad (första raden är rubrikrad; |---|-rader hoppas över)
  - punkt          punktlista
  tom rad          styckeskiljare
"""

import datetime
import io
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUT = HERE / "files"

AUTHOR = "Samordningsförbundet Mittnorr (fiktivt)"
FIXED_DT = datetime.datetime(2024, 11, 4, 9, 0, 0)
ZIP_DT = (2024, 11, 4, 9, 0, 0)

DOCX = {
    "Slutredovisning Ungdomsbron Timrå.txt": "Slutredovisning Ungdomsbron Timrå.docx",
    "Larande_natverk_Mittnorr_verksamhetsuppfoljning_2023.txt": "Larande_natverk_Mittnorr_verksamhetsuppfoljning_2023.docx",
    "Boendespåret Sundsvall slutredovisning.txt": "Boendespåret Sundsvall slutredovisning.docx",
}
PDF = {
    "FoU_HogaKusten_rapport_2024-3_Kompassen.txt": "FoU_HogaKusten_rapport_2024-3_Kompassen.pdf",
    "FamiljeJobb_Ornskoldsvik_slutredovisning.txt": "FamiljeJobb_Ornskoldsvik_slutredovisning.pdf",
}
CP1252 = {
    "sprakstegen_harnosand_slutredovisning.txt": "sprakstegen_harnosand_slutredovisning.txt",
}
OCR = {
    "TSH_slutrapport_skannad.clean.txt": "TSH_slutrapport_skannad.txt",
}


def parse(text):
    """Returnerar (header, block) där block är (typ, data)."""
    header = ""
    blocks = []
    para, table = [], []

    def flush():
        if para:
            blocks.append(("p", " ".join(para)))
            para.clear()
        if table:
            blocks.append(("table", [r[:] for r in table]))
            table.clear()

    for line in text.splitlines():
        s = line.rstrip()
        if s.startswith("@header "):
            header = s[len("@header ") :]
            continue
        if not s.strip():
            flush()
            continue
        if s.startswith("|"):
            if para:
                blocks.append(("p", " ".join(para)))
                para.clear()
            if re.fullmatch(r"\|[\s\-:|]+\|", s):
                continue
            table.append([c.strip() for c in s.strip().strip("|").split("|")])
            continue
        if table:
            blocks.append(("table", [r[:] for r in table]))
            table.clear()
        m = re.match(r"^(#{1,3}) (.*)$", s)
        if m:
            flush()
            blocks.append(("h%d" % len(m.group(1)), m.group(2)))
        elif s.startswith("- "):
            flush()
            blocks.append(("li", s[2:]))
        else:
            para.append(s.strip())
    flush()
    return header, blocks


# ---------------------------------------------------------------- DOCX
def build_docx(src, dst):
    from docx import Document
    from docx.shared import Pt

    _, blocks = parse(src.read_text(encoding="utf-8"))
    doc = Document()
    st = doc.styles["Normal"]
    st.font.name = "Calibri"
    st.font.size = Pt(11)
    for kind, data in blocks:
        if kind in ("h1", "h2", "h3"):
            doc.add_heading(data, level=int(kind[1]))
        elif kind == "li":
            doc.add_paragraph(data, style="List Bullet")
        elif kind == "p":
            doc.add_paragraph(data)
        elif kind == "table":
            ncol = max(len(r) for r in data)
            t = doc.add_table(rows=len(data), cols=ncol)
            t.style = "Table Grid"
            for i, row in enumerate(data):
                for j in range(ncol):
                    cell = t.cell(i, j)
                    cell.text = row[j] if j < len(row) else ""
                    if i == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
            doc.add_paragraph("")
    cp = doc.core_properties
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.title = dst.stem
    cp.created = FIXED_DT
    cp.modified = FIXED_DT
    cp.last_printed = FIXED_DT
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, zin.read(info.filename))
    dst.write_bytes(out.getvalue())


# ---------------------------------------------------------------- PDF
def build_pdf(src, dst):
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas as rl_canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    header, blocks = parse(src.read_text(encoding="utf-8"))
    ss = getSampleStyleSheet()
    body = ss["BodyText"]
    body.fontName = "Times-Roman"
    body.fontSize = 10.5
    body.leading = 14
    cellst = ss["BodyText"].clone("cell", fontName="Times-Roman", fontSize=9, leading=11.5)

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *a, **kw):
            kw["invariant"] = 1
            super().__init__(*a, **kw)
            self._saved = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            n = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont("Times-Italic", 8)
                self.setFillColor(colors.grey)
                self.drawString(2 * cm, A4[1] - 1.3 * cm, header)
                self.drawCentredString(A4[0] / 2, 1.2 * cm, "%d (%d)" % (self._pageNumber, n))
                super().showPage()
            super().save()

    story = []
    for kind, data in blocks:
        if kind in ("h1", "h2", "h3"):
            style = {"h1": ss["Title"], "h2": ss["Heading2"], "h3": ss["Heading3"]}[kind]
            story.append(Paragraph(escape(data), style))
        elif kind == "p":
            story.append(Paragraph(escape(data), body))
        elif kind == "li":
            story.append(Paragraph(escape(data), body, bulletText="–"))
        elif kind == "table":
            ncol = max(len(r) for r in data)
            rows = [[Paragraph(escape(r[j] if j < len(r) else ""), cellst) for j in range(ncol)] for r in data]
            width = A4[0] - 4 * cm
            t = Table(rows, colWidths=[width / ncol] * ncol)
            t.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde4ee")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(t)
            story.append(Spacer(1, 6))
    doc = SimpleDocTemplate(
        str(dst),
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=dst.stem,
        author=AUTHOR,
        invariant=1,
    )
    doc.build(story, canvasmaker=NumberedCanvas)


# ---------------------------------------------------------------- CP1252
def build_cp1252(src, dst):
    text = src.read_text(encoding="utf-8")
    dst.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))


# ---------------------------------------------------------------- OCR
# (gammalt, nytt, vilka förekomster (1-baserat) eller None för alla). Körs på den rena texten,
# före att å/ä/ö tappas, så att felläsningarna är desamma oavsett rad.
OCR_MISREADS = [
    ("Härnösand", "Hämösand", [2, 4, 6]),
    ("deltagarna", "deltagama", None),
    ("arbetsgivarna", "arbetsgivama", None),
    ("rehabkoordinatorerna", "rehabkoordinatorema", None),
    ("till", "ti1l", [3, 7, 11]),
    ("Allmänna", "A11männa", None),
    ("samtycke", "samtyeke", [1]),
    ("3 200 000", "3 2OO 000", None),
    ("Målet", "Må1et", [2]),
    ("SMN 2019/12", "SMN 2019/l2", None),
    ("hälsocentralen", "hälsocentra1en", [2]),
]

FOLD = (("å", "a"), ("ä", "a"), ("ö", "o"), ("Å", "A"), ("Ä", "A"), ("Ö", "O"), ("–", "-"))


def replace_nth(text, old, new, which):
    if which is None:
        return text.replace(old, new)
    parts = text.split(old)
    out = parts[0]
    for i, part in enumerate(parts[1:], 1):
        out += (new if i in which else old) + part
    return out


def wrap_hyphen(para, width):
    """Radbryter som en skannad sida: långa ord delas med bindestreck vid radslut."""
    lines, line = [], ""
    for word in para.split():
        if not line:
            line = word
            continue
        if len(line) + 1 + len(word) <= width:
            line += " " + word
            continue
        room = width - len(line) - 2
        if len(word) >= 10 and word.isalpha() and room >= 4 and len(word) - room >= 4:
            lines.append(line + " " + word[:room] + "-")
            line = word[room:]
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def ocr_damage(text):
    """Simulerar en dålig skanning: felläsningar (rn->m, l->1 m.fl.), å/ä/ö tappas på varannan
    icke-tom källrad (jämna nummer), avstavade ord vid radslut och sidnummer var 50:e rad."""
    for old, new, which in OCR_MISREADS:
        text = replace_nth(text, old, new, which)
    src_lines = text.split("\n")
    k = 0
    for i in range(len(src_lines)):
        if not src_lines[i].strip():
            continue
        k += 1
        if k % 2 == 0:
            for a, b in FOLD:
                src_lines[i] = src_lines[i].replace(a, b)
    lines = []
    for para in src_lines:
        if not para.strip():
            lines.append("")
        elif len(para) <= 64:
            lines.append(para)
        else:
            lines.extend(wrap_hyphen(para, 64))
    out, page = [], 1
    for i, line in enumerate(lines, 1):
        out.append(line)
        if i % 50 == 0:
            out.append("")
            out.append(" " * 30 + "Sida %d" % page)
            out.append("\f")
            page += 1
    out.append("")
    out.append(" " * 30 + "Sida %d" % page)
    return "\n".join(out) + "\n"


def build_ocr(src, dst):
    dst.write_text(ocr_damage(src.read_text(encoding="utf-8")), encoding="utf-8")


def main():
    OUT.mkdir(exist_ok=True)
    for s, d in DOCX.items():
        build_docx(SRC / s, OUT / d)
    for s, d in PDF.items():
        build_pdf(SRC / s, OUT / d)
    for s, d in CP1252.items():
        build_cp1252(SRC / s, OUT / d)
    for s, d in OCR.items():
        build_ocr(SRC / s, OUT / d)
    for d in list(DOCX.values()) + list(PDF.values()) + list(CP1252.values()) + list(OCR.values()):
        print("byggd:", d)


if __name__ == "__main__":
    main()

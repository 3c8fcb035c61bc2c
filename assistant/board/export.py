"""Render a :class:`Summary` or an :class:`Overview` as Markdown or as a Word document (DOCX).

Markdown marks footnotes as ``[n]`` (as answers do) and lists them under "Källor". The DOCX uses real
heading styles (Heading 1/2), a table, the chart as a picture, superscript footnote numbers and a
numbered source list. Only this module imports python-docx for writing.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.board.chart import chart_png
from assistant.board.overview import Overview, Row
from assistant.board.summary import Figure, Part, Source, Statement, Summary

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.shared import Length
    from docx.text.paragraph import Paragraph

logger = logging.getLogger(__name__)

_Cell = Statement | str | None

DIFFERS = "skiljer sig mellan rapporterna"
COLUMNS = ("Insats", "Kommun", "Period", "Deltagare", "Mål", "Utfall", "Beviljat", "Utnyttjat", "Andel utnyttjat")


def to_markdown(doc: Summary | Overview) -> str:
    """The summary as Markdown, footnotes as ``[n]`` and a numbered source list at the end."""
    lines = [f"# {doc.title}", ""]
    if isinstance(doc, Summary):
        lines += [_md_about_line(doc), ""]
    else:
        lines += [f"Urval: {doc.scope}. {len(doc.rows)} insatser.", ""]
    lines += [f"> **Obs:** {notice}" for notice in doc.notices]
    if doc.notices:
        lines.append("")
    if isinstance(doc, Overview):
        lines += ["## Jämförelse", "", *_md_table(doc.rows), ""]
        if any(r.granted_kr or r.used_kr for r in doc.rows):
            lines += ["![Beviljade och utnyttjade medel per insats](diagram.png)", ""]
    for part in doc.parts:
        lines += _md_part(part)
    lines += ["## Källor", ""]
    lines += [f"{s.n}. {_source_line(s, isinstance(doc, Overview))}" for s in doc.sources]
    return "\n".join(lines).rstrip() + "\n"


def _md_about_line(doc: Summary) -> str:
    where = f"{doc.kommun} · " if doc.kommun else ""
    return f"{where}Underlag: {len(doc.reports)} rapport{'er' if len(doc.reports) != 1 else ''}."


def _refs(notes: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in notes)


def _md(statement: Statement | None) -> str:
    if statement is None:
        return "–"
    computed = " (beräknat)" if statement.computed else ""
    return f"{_report_text(statement.text)}{computed} {_refs(statement.notes)}".strip()


def _report_text(text: str) -> str:
    """Report text as Markdown data: no HTML, no links or images, no table breaks, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\[\]|`])", r"\\\1", text).replace("\n", " ")


def _md_figure(figure: Figure) -> str:
    values = " / ".join(_md(v) for v in figure.values)
    flag = f" **({DIFFERS})**" if figure.differs else ""
    return f"- **{figure.label}:** {values}{flag}"


def _md_part(part: Part) -> list[str]:
    lines = [f"## {part.title}", ""]
    if part.missing:
        return [*lines, part.missing, ""]
    lines += [_md_figure(f) for f in part.figures]
    if part.figures:
        lines.append("")
    if part.goals:
        lines += ["| Mål | Utfall |", "|---|---|"]
        for goal in part.goals:
            outcome = "<br>".join(_md(o) for o in goal.outcomes) or "Rapporterna anger inget utfall."
            flag = f" **({DIFFERS})**" if goal.differs else ""
            lines.append(f"| {_md(goal.target)} | {outcome}{flag} |")
        lines.append("")
    lines += [f"- {_md(s)}" for s in part.statements]
    if part.statements:
        lines.append("")
    return lines


def _md_table(rows: Sequence[Row]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [row.insats.replace("|", "\\|"), row.kommun or "–", *(_md(c) for c in _cells(row))]
        lines.append("| " + " | ".join(cells) + " |")
    if any(r.flagged for r in rows):
        lines += ["", f"Värden åtskilda med / {DIFFERS}; se Obs ovan."]
    return lines


def _cells(row: Row) -> tuple[Statement | None, ...]:
    return (row.period, row.participants, row.goal, row.outcome, row.granted, row.used, row.share_used)


def _source_line(source: Source, with_insats: bool) -> str:
    return f"{source.insats}: {source.describe()}" if with_insats else source.describe()


def to_docx(doc: Summary | Overview, *, chart: bytes | None = None) -> bytes:
    """The summary as a Word document; an overview embeds ``chart`` (drawn when not given).

    Returns:
        The .docx file's bytes.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    document.core_properties.title = doc.title
    document.core_properties.language = "sv-SE"
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    if isinstance(doc, Overview):
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(2)
    document.add_heading(doc.title, level=1)
    intro = _md_about_line(doc) if isinstance(doc, Summary) else f"Urval: {doc.scope}. {len(doc.rows)} insatser."
    document.add_paragraph(intro)
    for notice in doc.notices:
        paragraph = document.add_paragraph()
        paragraph.add_run("Obs: ").bold = True
        paragraph.add_run(notice)
    if isinstance(doc, Overview):
        document.add_heading("Jämförelse", level=2)
        rows: list[list[_Cell | list[_Cell]]] = [[r.insats, r.kommun or "–", *_cells(r)] for r in doc.rows]
        _docx_table(document, [list(COLUMNS)], rows, Pt(8), widths=(3.4, 2.0, 2.8, 2.1, 4.9, 2.5, 2.6, 2.6, 1.9))
        picture = chart if chart is not None else chart_png(doc)
        if picture is not None:
            document.add_paragraph()
            document.add_picture(io.BytesIO(picture), width=Cm(17))
    for part in doc.parts:
        _docx_part(document, part)
    document.add_heading("Källor", level=2)
    for source in doc.sources:
        # Plain paragraphs, not a Word list: the numbers must stay the footnote numbers in any viewer.
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.8)
        paragraph.paragraph_format.first_line_indent = Cm(-0.8)
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(f"{source.n}.\t").bold = True
        paragraph.add_run(_source_line(source, isinstance(doc, Overview)))
    buffer = io.BytesIO()
    document.save(buffer)
    logger.info("wrote a DOCX of %d bytes", buffer.tell())
    return buffer.getvalue()


def _add(paragraph: Paragraph, statement: _Cell) -> None:
    """Text with its footnote numbers in superscript."""
    if statement is None or isinstance(statement, str):
        paragraph.add_run(statement or "–")
        return
    paragraph.add_run(
        statement.text + (" (beräknat)" if isinstance(statement, Statement) and statement.computed else "")
    )
    if statement.notes:
        run = paragraph.add_run(" " + ",".join(str(n) for n in statement.notes))
        run.font.superscript = True


def _docx_part(document: DocxDocument, part: Part) -> None:
    from docx.shared import Pt

    document.add_heading(part.title, level=2)
    if part.missing:
        document.add_paragraph(part.missing).runs[0].italic = True
        return
    for figure in part.figures:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{figure.label}: ").bold = True
        for i, value in enumerate(figure.values):
            if i:
                paragraph.add_run(" / ")
            _add(paragraph, value)
        if figure.differs:
            paragraph.add_run(f" ({DIFFERS})").bold = True
    if part.goals:
        body: list[list[_Cell | list[_Cell]]] = []
        for goal in part.goals:
            outcomes: list[_Cell] = list(goal.outcomes) or ["Rapporterna anger inget utfall."]
            if goal.differs:
                outcomes.append(f"({DIFFERS})")
            body.append([goal.target, outcomes])
        _docx_table(document, [["Mål", "Utfall"]], body, Pt(9.5), widths=(7.0, 10.0))
    for statement in part.statements:
        paragraph = document.add_paragraph(style="List Bullet")
        _add(paragraph, statement)


def _docx_table(
    document: DocxDocument,
    head: list[list[_Cell | list[_Cell]]],
    body: list[list[_Cell | list[_Cell]]],
    size: Length,
    *,
    widths: tuple[float, ...],
) -> None:
    """A grid table: the header rows in bold, a cell holding a list gets one paragraph per item."""
    from docx.shared import Cm

    table = document.add_table(rows=0, cols=len(head[0]))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid LibreOffice lays out by
    for row_values, bold in [(r, True) for r in head] + [(r, False) for r in body]:
        cells = table.add_row().cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = Cm(width)
        for cell, value in zip(cells, row_values, strict=True):
            values = value if isinstance(value, list) else [value]
            for i, item in enumerate(values):
                paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                _add(paragraph, item)
                for run in paragraph.runs:
                    run.font.size = size
                    run.bold = bold or None
    document.add_paragraph()

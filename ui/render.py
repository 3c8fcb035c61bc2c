"""Pure rendering of answers, sources, documents and the register for the app; no Gradio here, so it is testable.

Everything that comes from a report is data: it is HTML-escaped and its Markdown is neutralised before it
reaches the page, so a report carrying ``<script>`` or ``[x](javascript:…)`` shows those characters as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from assistant.answer import Answer, Citation
from assistant.web.browse import DocumentView, InsatsRow
from ui import safe

REGISTER_COLUMNS = (
    "Insats",
    "Kommun",
    "Period",
    "Beviljat",
    "Utnyttjat",
    "Andel utnyttjat",
    "Deltagare",
    "Rapporter",
)


def escape_text(text: str) -> str:
    """Report text made safe for a Markdown view (see ui/safe.py), keeping the answer's own bullet lists."""
    return re.sub(r"(?m)^\\- ", "- ", safe.escape_text(text))


def format_answer(answer: Answer) -> str:
    """The chat message: the answer, any notices, and a short numbered source list.

    Bold is the one formatting kept (the answerer marks insats names with it); it cannot carry a link or markup.
    """
    lines = [escape_text(answer.text).replace("\\*\\*", "**")]
    for notice in answer.notices:
        lines.append(f"\n⚠️ *{escape_text(notice)}*")
    if answer.citations:
        short = (
            f"[{c.n}] {c.passage.chunk.source}" + (f", s. {c.passage.chunk.page}" if c.passage.chunk.page else "")
            for c in answer.citations
        )
        lines.append("\n**Källor:** " + escape_text(" · ".join(short)) + " (klicka i listan till höger)")
    return "\n".join(lines)


def source_label(citation: Citation) -> str:
    """[n] file · insats · section · page, as in the sources panel."""
    chunk = citation.passage.chunk
    parts = [chunk.source, citation.passage.insats or "", " > ".join(chunk.heading_path[-1:])]
    if chunk.page:
        parts.append(f"sida {chunk.page}")
    return " · ".join(p for p in parts if p)


def source_choices(citations: Sequence[Citation]) -> list[tuple[str, str]]:
    """(label, chunk id) pairs for the clickable source list."""
    return [(f"[{c.n}] {source_label(c)}", c.passage.chunk.id) for c in citations]


def document_html(view: DocumentView) -> str:
    """The passage inside its document: the passage framed, the question's words marked, all text escaped."""
    chunk = view.chunk
    where = [chunk.source, view.insats or "okänd insats", " > ".join(chunk.heading_path) or "–"]
    if chunk.page:
        where.append(f"sida {chunk.page}")
    head = " · ".join(html.escape(safe.strip_invisible(w)) for w in where)
    before = _marked(view.text[: view.mark_start], view.marked)
    passage = _marked(view.text[view.mark_start : view.mark_end], view.marked)
    after = _marked(view.text[view.mark_end :], view.marked)
    corrected = ""
    if chunk.corrected:
        corrected = (
            '<p class="arkiv-note">Texten är OCR-läst; sökningen använder den korrigerade formen: '
            f"{_marked(chunk.corrected, view.marked)}</p>"
        )
    return (
        f'<div class="arkiv-doc"><p class="arkiv-where">{head}</p>'
        f'<div class="arkiv-text">{before}<span class="arkiv-passage" id="arkiv-passage">{passage}</span>'
        f"{after}</div>{corrected}</div>"
    )


def register_rows(rows: Sequence[InsatsRow]) -> list[list[str]]:
    return [[r.name, r.kommun, r.period, r.granted, r.used, r.share_used, r.participants, r.reports] for r in rows]


def _marked(text: str, marked: frozenset[str]) -> str:
    """Escaped text with the words in ``marked`` (chosen by the front desk from the question) wrapped in <mark>."""
    out = []
    for part in re.split(r"(\w+)", text):
        if part and part in marked:
            out.append(f"<mark>{html.escape(safe.strip_invisible(part))}</mark>")
        else:
            out.append(html.escape(safe.strip_invisible(part)))
    return "".join(out)

"""A board summary at chat length: the summary engine's Summary or Overview as a cited chat answer.

A request for a board summary typed into the chat ("sammanfatta X för styrelsen", "jämför X och Y för
styrelsen") is answered by the same engine as ``arkiv summary``, shortened: each part keeps its first few
items, and every statement cites the stored passage it stands in, so the chat's citation checks and source
panel work as for any answer. The whole document stays one click (or ``arkiv summary``) away.
"""

from __future__ import annotations

import re
from typing import Protocol

from assistant.answer import Passage
from assistant.board.overview import Overview, Row
from assistant.board.summary import Figure, Goal, Part, Source, Statement, Summary
from assistant.cite import defuse_markers
from index.money import ungrouped
from index.records import Chunk

_ITEMS_PER_PART = 3
_GOALS = 6  # goals shown per summary in chat; the form's goal tables rarely hold more
_ROWS = 12  # insatser shown in a chat comparison; the document has them all
_FIGURE = re.compile(r"\d+")
DOCUMENT_HINT = "Hela sammanfattningen finns som Word-dokument under Sammanfattningar (eller med arkiv summary)."


class SourceReader(Protocol):
    def chunks_of(self, source: str) -> list[Chunk]: ...


def digest(doc: Summary | Overview, sources: SourceReader, insats_ids: dict[str, str]) -> tuple[str, list[Passage]]:
    """The chat text of ``doc`` with ``[n]`` markers, and the passage each marker cites (n = index + 1).

    Args:
        sources: reads a report's stored passages, to find the passage each statement stands in.
        insats_ids: register id per insats name, for the passages' provenance.
    """
    return _Writer(doc, sources, insats_ids).write()


class _Writer:
    """Writes the chat text; each statement cites the stored passage it stands in, numbered by first use."""

    def __init__(self, doc: Summary | Overview, sources: SourceReader, insats_ids: dict[str, str]) -> None:
        self.doc, self.reader, self.ids = doc, sources, insats_ids
        self.footnotes = {s.n: s for s in doc.sources}
        self.passages: list[Passage] = []
        self._chunks: dict[str, list[Chunk]] = {}  # per report, read once for all its statements

    def write(self) -> tuple[str, list[Passage]]:
        doc = self.doc
        if isinstance(doc, Summary):
            where = f"{doc.kommun}, " if doc.kommun else ""
            count = len(doc.reports)
            lines = [f"**{doc.title}** ({where}{count} rapport{'er' if count != 1 else ''})"]
        else:
            lines = [f"**Sammanställning för styrelsen: {doc.scope}** ({len(doc.rows)} insatser)"]
            lines += [self._row(row) for row in doc.rows[:_ROWS]]
            if len(doc.rows) > _ROWS:
                lines.append(f"- … och {len(doc.rows) - _ROWS} insatser till (se hela sammanställningen).")
        lines += [f"Obs: {n}" for n in doc.notices]
        for part in doc.parts:
            lines += self._part(part)
        lines.append(DOCUMENT_HINT)
        return "\n".join(lines).strip(), self.passages

    def _part(self, part: Part) -> list[str]:
        if part.missing:
            return [f"**{part.title}:** {part.missing}"]
        # Figures are short and are what the board reads first: all of them; then the goals (an insats sets a few,
        # each read against its outcome), then the first few quotes.
        figures = [f for f in (self._figure(f) for f in part.figures) if f]
        goals = [g for g in (self._goal(g) for g in part.goals) if g][:_GOALS]
        said = [s for s in (self._say(s) for s in part.statements) if s]
        items = figures + goals + said[: max(_ITEMS_PER_PART - len(goals), 0)]
        return [f"**{part.title}**", *(f"- {item}" for item in items)] if items else []

    def _row(self, row: Row) -> str:
        cells = [("period", row.period), ("deltagare", row.participants), ("beviljat", row.granted)]
        cells += [("utnyttjat", row.used), ("utfall", row.outcome)]
        said = "; ".join(f"{label} {text}" for label, value in cells if value and (text := self._say(value)))
        kommun = f" ({row.kommun})" if row.kommun else ""
        return f"- **{row.insats}**{kommun}: {said or 'rapporterna anger inga nyckeltal'}"

    def _figure(self, figure: Figure) -> str:
        values = " / ".join(said for v in figure.values if (said := self._say(v)))
        if not values:
            return ""
        return f"{figure.label}: {values}" + (" (skiljer sig mellan rapporterna)" if figure.differs else "")

    def _goal(self, goal: Goal) -> str:
        target = self._say(goal.target)
        if not target:
            return ""
        outcomes = " / ".join(said for o in goal.outcomes if (said := self._say(o))) or "inget utfall anges"
        return f"Mål: {target} Utfall: {outcomes}" + (" (skiljer sig)" if goal.differs else "")

    def _say(self, statement: Statement) -> str:
        """The statement with its markers; "" when a figure in it is not in the passage it cites: the chat shows
        only what its sources confirm, and what the summary computed from them (a share, what was left) is said to
        be computed."""
        text = re.sub(r"\s+", " ", defuse_markers(statement.text)).strip()
        if statement.computed:
            return f"{text} (beräknat)"  # figured from cited values, so it cites nothing of its own
        markers = []
        for note in statement.notes:
            footnote = self.footnotes.get(note)
            passage = self._passage(footnote, statement.text) if footnote else None
            if passage is None:
                continue
            if not set(_FIGURE.findall(_plain(text))) <= _figures_in(passage.chunk.text):
                return ""
            if passage not in self.passages:
                self.passages.append(passage)
            markers.append(f"[{self.passages.index(passage) + 1}]")
        return f"{text} {''.join(markers)}" if markers else ""

    def _passage(self, footnote: Source, statement: str) -> Passage | None:
        if footnote.source not in self._chunks:
            self._chunks[footnote.source] = self.reader.chunks_of(footnote.source)
        chunk = _chunk_for(footnote, statement, self._chunks[footnote.source])
        if chunk is None:
            return None
        for known in self.passages:
            if known.chunk.id == chunk.id:
                return known
        return Passage(chunk, 1.0, footnote.insats, self.ids.get(footnote.insats), footnote.report_type)


def _chunk_for(footnote: Source, statement: str, chunks: list[Chunk]) -> Chunk | None:
    """The stored passage of the footnote's report a statement stands in: the one holding most of its words, then
    of its figures, under the footnote's heading when several do."""
    if not chunks:
        return None
    wanted = _words(statement)
    stated = set(_FIGURE.findall(_plain(statement)))

    def fit(chunk: Chunk) -> tuple[float, float, bool]:
        # Words first; a statement of figures alone ("2021-09-01 – 2023-08-31") is found by its figures.
        share = len(wanted & _words(chunk.text)) / max(len(wanted), 1)
        figures = len(stated & _figures_in(chunk.text)) / max(len(stated), 1)
        return share, figures, bool(footnote.heading) and footnote.heading in " ".join(chunk.heading_path)

    return max(chunks, key=fit)


def _figures_in(text: str) -> set[str]:
    """The figures a passage states, a date the form writes packed ("20210901", "221001") also as its year, month
    and day, as the summary writes it out ("2021-09-01")."""
    found = set(_FIGURE.findall(_plain(text)))
    for packed in re.findall(r"\b(?:19|20)?\d{6}\b", text):
        year = packed[:-4] if len(packed) == 8 else "20" + packed[:2]
        found |= {year, packed[-4:-2], packed[-2:]}
    return found


def _plain(text: str) -> str:
    """Digits as a reader sees them: "4 860 000" and "4860000" alike."""
    return ungrouped(text)


def _words(text: str) -> set[str]:
    """Its words, figures left to ``_figures_in`` (which reads packed dates too)."""
    return set(re.findall(r"[^\W\d_]+", text.lower()))

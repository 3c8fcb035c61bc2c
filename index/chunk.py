"""Cut a document into passages that are small enough to cite and never cross a section.

Within a section the units are paragraphs, list items, table rows and, for long paragraphs, sentences.
Units are packed up to ``size`` characters; a chunk never exceeds ``max_size`` (only a single unit longer
than that is cut, at whitespace). Table rows are never split, and a table that spills over several chunks
carries its header row as searchable context. A short last sentence is repeated at the start of the next
chunk so that a statement on the boundary is still found whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.records import Chunk, Document, Section, chunk_id
from index.sections import SECTION_DESCRIPTIONS

_BLANK = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”)]?\s+(?=[\"“(]?[A-ZÅÄÖ0-9])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•–]\s|\d{1,2}[.)]\s)")
_SEPARATOR_ROW = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")


@dataclass(frozen=True, slots=True)
class _Unit:
    start: int
    end: int
    kind: str  # "heading" | "row" | "item" | "para" | "sentence"
    table_start: int = -1  # for rows: where their table begins, to find its header


class Chunker:
    """Section-aware chunker; configure once, then ``chunk(doc, sections, ...)`` per document."""

    def __init__(self, *, size: int = 800, max_size: int = 1200, overlap: int = 200) -> None:
        if size < 100:
            raise ValueError("size must be at least 100 characters")
        if max_size < size:
            raise ValueError("max_size must be >= size")
        if not 0 <= overlap < size:
            raise ValueError("overlap must be >= 0 and < size")
        self.size, self.max_size, self.overlap = size, max_size, overlap

    def chunk(
        self, doc: Document, sections: list[Section], *, title: str = "", corrected: str | None = None
    ) -> list[Chunk]:
        """Chunks for every section of ``doc``, in document order.

        Args:
            doc: the parsed document; chunk text is always ``doc.text[start:end]``.
            sections: from ``find_sections(doc.text)``; they must cover the text in order.
            title: document title, part of every chunk's embedded text.
            corrected: repaired text of the same length as ``doc.text`` (OCR files), or None.
        """
        chunks: list[Chunk] = []
        for section in sections:
            about = SECTION_DESCRIPTIONS.get(section.key or "", "")
            for start, end, table_header in self._spans(doc.text, section):
                context = "\n".join(part for part in (about, table_header) if part)
                text = doc.text[start:end]
                fixed = corrected[start:end] if corrected is not None else None
                chunks.append(
                    Chunk(
                        id=chunk_id(doc.source, start, text),
                        source=doc.source,
                        text=text,
                        start=start,
                        end=end,
                        page=doc.page_at(start),
                        section=section.key,
                        heading_path=section.path,
                        title=title,
                        corrected=fixed if fixed is not None and fixed != text else None,
                        context=context,
                    )
                )
        return chunks

    def _spans(self, text: str, section: Section) -> Iterator[tuple[int, int, str]]:
        units = list(self._units(text, section))
        if not any(u.kind != "heading" for u in units):
            return  # a heading with no body adds nothing its sub-sections' paths don't already say
        current: list[_Unit] = []
        for unit in units:
            # Split at `size`, unless the rest of the section fits in max_size: a whole short section
            # reads better than a section and its stub.
            # A heading is never a passage of its own: it stays with the first unit it heads, if both fit.
            headed = (
                bool(current)
                and all(u.kind == "heading" for u in current)
                and unit.end - current[0].start <= self.max_size
            )
            if (
                current
                and not headed
                and unit.end - current[0].start > self.size
                and section.end - current[0].start > self.max_size
            ):
                yield self._emit(text, current)
                current = self._carry(current)
                if current and unit.end - current[0].start > self.max_size:
                    current = []
            current.append(unit)
        if current:
            yield self._emit(text, current)

    def _carry(self, units: list[_Unit]) -> list[_Unit]:
        """The short trailing sentence repeated at the start of the next chunk."""
        last = units[-1]
        if len(units) > 1 and last.kind == "sentence" and last.end - last.start <= self.overlap:
            return [last]
        return []

    def _emit(self, text: str, units: list[_Unit]) -> tuple[int, int, str]:
        start, end = units[0].start, units[-1].end
        context = ""
        first_row = next((u for u in units if u.kind == "row"), None)
        if first_row is not None and first_row.table_start < start:
            header = text[first_row.table_start : text.find("\n", first_row.table_start)].strip()
            context = header if re.search(r"[^\W\d_]", header) else ""
        return start, end, context

    def _units(self, text: str, section: Section) -> Iterator[_Unit]:
        if section.body_start > section.start:
            yield _Unit(section.start, section.body_start, "heading")
        body_start = section.body_start if section.body_start > section.start else section.start
        for start, end in _blocks(text, body_start, section.end):
            yield from self._block_units(text, start, end)

    def _block_units(self, text: str, start: int, end: int) -> Iterator[_Unit]:
        lines = list(_lines(text, start, end))
        if _is_table(text, lines):
            for line_start, line_end in lines:
                if not _SEPARATOR_ROW.match(text[line_start:line_end]):
                    yield from self._fit(text, _Unit(line_start, line_end, "row", start))
        elif len(lines) > 1 and sum(bool(_LIST_ITEM.match(text[s:e])) for s, e in lines) >= 2:
            for item_start, item_end in _items(text, lines):
                yield from self._fit(text, _Unit(item_start, item_end, "item"))
        elif end - start <= self.size:
            yield _Unit(start, end, "para")
        else:
            for s, e in _sentences(text, start, end):
                yield from self._fit(text, _Unit(s, e, "sentence"))

    def _fit(self, text: str, unit: _Unit) -> Iterator[_Unit]:
        """Cut a unit longer than max_size at whitespace; anything else passes through."""
        if unit.end - unit.start <= self.max_size:
            yield unit
            return
        start = unit.start
        while unit.end - start > self.max_size:
            cut = text.rfind(" ", start, start + self.size)
            cut = cut if cut > start else start + self.size
            yield _Unit(start, cut, unit.kind, unit.table_start)
            start = cut + 1 if text[cut : cut + 1] == " " else cut
        yield _Unit(start, unit.end, unit.kind, unit.table_start)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _blocks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    position = start
    for match in _BLANK.finditer(text, start, end):
        s, e = _trim(text, position, match.start())
        if e > s:
            yield s, e
        position = match.end()
    s, e = _trim(text, position, end)
    if e > s:
        yield s, e


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline
        s, e = _trim(text, position, line_end)
        if e > s:
            yield s, e
        position = line_end + 1


def _is_table(text: str, lines: list[tuple[int, int]]) -> bool:
    piped = sum(text[s:e].startswith("|") for s, e in lines)
    tabbed = sum("\t" in text[s:e] for s, e in lines)
    return piped >= max(1, len(lines) // 2) or (len(lines) >= 2 and tabbed >= len(lines) - 1)


def _items(text: str, lines: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Group lines into list items: continuation lines belong to the item above them."""
    item_start, item_end = lines[0]
    for s, e in lines[1:]:
        if _LIST_ITEM.match(text[s:e]):
            yield item_start, item_end
            item_start = s
        item_end = e
    yield item_start, item_end


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    position = start
    for match in _SENTENCE_END.finditer(text, start, end):
        yield position, match.start()
        position = match.end()
    if position < end:
        yield position, end

"""Plain records that flow between the ingest stages.

parse → Document; sections → Section; repair → Repair; chunk → Chunk; metadata → ReportMeta.
All offsets are character offsets into ``Document.text`` (the text as parsed, never the repaired form),
so a citation can always be shown exactly as the file says it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Page:
    """A page of a paged document (PDF); ``start``/``end`` index ``Document.text``."""

    number: int  # 1-based
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed report file."""

    source: str  # path relative to the archive root, with forward slashes
    text: str  # NFC text as parsed; pages are joined with "\n\n"
    kind: str  # "pdf" | "docx" | "md" | "txt"
    sha256: str  # of the file bytes; drives incremental ingest
    pages: tuple[Page, ...] = ()
    encoding: str | None = None  # detected text encoding, for .txt/.md

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding ``offset``, or None for documents without pages."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages and offset >= self.pages[-1].end else None


@dataclass(frozen=True, slots=True)
class Section:
    """A template section: the span from its heading to the next heading of the same or higher rank."""

    key: str | None  # canonical key, e.g. "framgangsfaktorer"; inherited from the parent when unknown
    heading: str  # the heading as written (markup stripped)
    path: tuple[str, ...]  # headings from the top down to this one
    start: int  # offset of the heading line
    end: int
    body_start: int  # offset just after the heading text
    number: str | None = None  # "5.1" when the heading is numbered
    # Every theme a heading joins ("Lärdomar, framgångsfaktorer och hinder"): ``key`` first, then the others.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Repair:
    """One corrected word in OCR-damaged text; the original stays in ``Document.text``."""

    start: int
    end: int
    original: str
    corrected: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage: what is embedded, searched and cited."""

    id: str  # content hash, stable across re-ingests
    source: str
    text: str  # == Document.text[start:end]
    start: int
    end: int
    page: int | None
    section: str | None  # canonical section key
    heading_path: tuple[str, ...]
    title: str  # document title, for the embedding prefix
    corrected: str | None = None  # repaired text for OCR-damaged passages (same span)
    context: str = ""  # e.g. the header row of a split table; searched, never displayed

    @property
    def search_text(self) -> str:
        """The text the embedder and the lexical index see: title, heading path, context and body."""
        head = " > ".join((self.title, *self.heading_path)) if self.title else " > ".join(self.heading_path)
        body = self.corrected if self.corrected is not None else self.text
        return "\n".join(part for part in (head, self.context, body) if part)


def chunk_id(source: str, start: int, text: str) -> str:
    return hashlib.sha256(f"{source}\0{start}\0{text}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Field:
    """An extracted value with the span of the text it came from."""

    name: str  # e.g. "beviljade_medel"
    value: str  # normalised value ("2530000", "2019-10-01", "Ockelbo")
    raw: str  # the text as written
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """Another insats, project or method a report names in passing."""

    name: str
    start: int
    end: int
    context: str  # the sentence around it


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What a report says about itself: type, insats, kommun, period, money, partners, figures."""

    source: str
    # "slutrapport" | "kvartalsrapport" | "lagesrapport" | "utvardering" | "forstudie" | "ansokan" | "rapport"
    # | "okand" (a document that does not present itself as a report)
    report_type: str
    title: str
    insats_name: str | None
    kommun: str | None
    fields: tuple[Field, ...] = ()
    mentions: tuple[Mention, ...] = ()
    abbreviations: tuple[tuple[str, str], ...] = ()  # (short, long) pairs the report defines
    # Where the insats name came from: "field" (a name field of the form), "title" (the title page names
    # it), "text" (quoted in the text) or "" (no name stated). Only a field or a title founds an insats.
    name_source: str = ""

    def first(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def values(self, name: str) -> list[str]:
        return [f.value for f in self.fields if f.name == name]


@dataclass(frozen=True, slots=True)
class Placement:
    """Why a report was put in its insats: a short Swedish reason and the spans that show it."""

    source: str
    reason: str
    evidence: tuple[Field, ...] = ()


@dataclass(frozen=True, slots=True)
class Insats:
    """An insats in the register, grouping the reports about it."""

    id: str
    name: str
    kommun: str | None
    aliases: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()  # sources
    fields: tuple[tuple[str, Field], ...] = field(default=())  # (source, field) across its reports
    placements: tuple[Placement, ...] = ()  # one per report: why it belongs here

"""A report read back from its stored passages: template sections as blocks, blocks as units. Pure.

Summaries need whole sections, not search hits. The chunks of a report never cross a section boundary and
keep their offsets into the document, so consecutive chunks with the same heading path are one section
(a :class:`Block`). Inside a block the text is cut into :class:`Unit` s: table rows, list items and
paragraphs, each with its offset so that a quote can name its page. OCR-damaged passages are read in their
repaired form (same length, same offsets): a board reads "Målsättningen", not "Malsattningen".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.analyze import SENTENCE_BREAK
from index.formtext import is_form_text
from index.records import Chunk, Field, Insats
from index.sections import section_key
from index.titlepage import TYPE_NAMES

_ITEM = re.compile(r"^(\s*)(?:[-*•–]|\d{1,2}[.)])\s+")
_MARKUP = re.compile(r"<br\s*/?>|</?b>|\*\*|__|\\(?=[*_])|(?<!\w)\*(?=\w)|(?<=[\w.:])\*(?!\w)")
# A paragraph ending in a word that cannot end a sentence was cut by a page break.
_UNFINISHED = re.compile(r"\s(?:och|att|i|på|för|av|med|de|den|det|en|ett|som|till|är|har|samt|eller|om)$")
_PAGE_FURNITURE = re.compile(r"https?://|www\.|\bSida \d+ ?\(\d+\)|^\d+$")


@dataclass(frozen=True, slots=True)
class Ref:
    """Where a statement comes from: report, section heading and page (None for unpaged files)."""

    source: str
    report_type: str
    heading: str
    page: int | None

    @property
    def label(self) -> str:
        """Swedish label of the report type ("slutrapport", "utvärdering" …)."""
        return TYPE_NAMES.get(self.report_type, ("rapport", ""))[0]


@dataclass(frozen=True, slots=True)
class Quote:
    """A short piece of a report, as the summary will state it, with its origin."""

    text: str
    ref: Ref


@dataclass(frozen=True, slots=True)
class Unit:
    """A table row (``cells`` set), list item (``depth`` ≥ 1) or paragraph of a block."""

    text: str  # markup stripped, lines joined
    start: int  # offset into the document
    depth: int = 0  # 0 for paragraphs and rows; 1, 2 … for list items by indentation
    cells: tuple[str, ...] = ()

    def sentences(self) -> list[str]:
        """The unit's sentences, without the form's own words to the reporter (never evidence)."""
        return [s.strip() for s in SENTENCE_BREAK.split(self.text) if s.strip() and not is_form_text(s)]


@dataclass(frozen=True, slots=True)
class Block:
    """One template section of a report, as stored."""

    key: str | None  # canonical section key ("framgangsfaktorer" …)
    heading: str  # the section's own heading as written
    start: int
    text: str  # the section's text (repaired for OCR files); offsets are ``start`` based
    pages: tuple[tuple[int, int | None], ...]  # (chunk start, page) in order


@dataclass(frozen=True, slots=True)
class Report:
    """A report of an insats: its type, register fields and sections."""

    source: str
    report_type: str
    blocks: tuple[Block, ...]
    fields: tuple[Field, ...] = ()

    def sections(self, *keys: str) -> list[Block]:
        return [b for b in self.blocks if b.key in keys]

    def ref(self, block: Block, offset: int) -> Ref:
        page = None
        for start, number in block.pages:
            if start <= offset:
                page = number
        return Ref(self.source, self.report_type, block.heading, page)

    def ref_at(self, offset: int) -> Ref | None:
        """The reference of the block holding ``offset`` (a register field's span)."""
        for block in self.blocks:
            if block.start <= offset < block.start + len(block.text):
                return self.ref(block, offset)
        return None


# Final reports first, then progress reports, then the rest; an evaluation last (it looks back on the others).
REPORT_ORDER = {"slutrapport": 0, "kvartalsrapport": 1, "lagesrapport": 1, "okand": 2, "utvardering": 3}
# Reports on one period of a running insats: their figures are the state at a date, not an outcome.
PROGRESS_REPORTS = frozenset({"kvartalsrapport", "lagesrapport"})


def read_reports(
    insats: Insats, type_of: Callable[[str], str], chunks_of: Callable[[str], Sequence[Chunk]]
) -> list[Report]:
    """Every report of ``insats``, each read with its register fields (``type_of``: a source's report type)."""
    return [
        read_report(source, type_of(source), chunks_of(source), [f for s, f in insats.fields if s == source])
        for source in insats.reports
    ]


def read_report(source: str, report_type: str, chunks: Sequence[Chunk], fields: Sequence[Field] = ()) -> Report:
    """Rebuild a report's sections from its chunks (in document order)."""
    blocks: list[Block] = []
    group: list[Chunk] = []
    for chunk in sorted(chunks, key=lambda c: c.start):
        if group and (chunk.heading_path != group[-1].heading_path or chunk.section != group[-1].section):
            blocks.append(_block(group))
            group = []
        group.append(chunk)
    if group:
        blocks.append(_block(group))
    return Report(source, report_type, tuple(b for block in blocks for b in _split_inline(block)), tuple(fields))


_INLINE_HEADING = re.compile(r"^\*\*(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+([^*\n]{3,120}?):?\*\*", re.MULTILINE)


def _split_inline(block: Block) -> list[Block]:
    """A block cut at numbered bold headings that run on into a long paragraph ("**6.4 Beskriv …:** En låg
    tröskel …"), which the section finder leaves inside the section before."""
    cuts = [m for m in _INLINE_HEADING.finditer(block.text) if m.start() > 0]
    if not cuts:
        return [block]
    out = []
    bounds = [0, *(m.start() for m in cuts), len(block.text)]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        key, heading = block.key, block.heading
        if i:
            title = cuts[i - 1].group(2).strip()
            own, _ = section_key(title)
            key, heading = own or block.key, title
        out.append(Block(key, heading, block.start + a, block.text[a:b], block.pages))
    return out


def _block(chunks: Sequence[Chunk]) -> Block:
    start = chunks[0].start
    end = max(c.end for c in chunks)
    chars = ["\n"] * (end - start)  # text between chunks is blank lines
    for chunk in chunks:  # overlapping chunks hold the same characters at the same offsets
        body = chunk.corrected if chunk.corrected is not None and len(chunk.corrected) == len(chunk.text) else None
        chars[chunk.start - start : chunk.end - start] = body if body is not None else chunk.text
    heading = chunks[0].heading_path[-1] if chunks[0].heading_path else ""
    return Block(chunks[0].section, heading, start, "".join(chars), tuple((c.start, c.page) for c in chunks))


def units(block: Block) -> list[Unit]:
    """Rows, items and paragraphs of a block, in order; headings and blank lines dropped."""
    out: list[Unit] = []
    paragraph: list[str] = []
    para_start = 0
    offset = block.start

    def flush() -> None:
        if paragraph:
            text = clean(" ".join(paragraph))
            if text:
                out.append(Unit(text, para_start))
            paragraph.clear()

    first = bool(block.heading)  # the block opens with its heading line
    continuation = False  # a template instruction wrapped onto the next line
    for line in block.text.split("\n"):
        here, offset = offset, offset + len(line) + 1
        stripped = line.strip()
        if stripped and _furniture(stripped):
            continue
        if first and stripped:
            first, continuation = False, True
            rest = _after_heading(stripped)
            if rest:
                out.append(Unit(rest, here + max(line.find(rest[:10]), 0)))
            continue
        if continuation and stripped:
            continuation = False
            if stripped[0].islower():
                continue
        if not stripped or _is_heading(stripped) or set(stripped) <= set("|-: "):
            flush()
            continue
        if stripped.startswith("|") or "\t" in stripped:
            flush()
            cells = tuple(c for c in (clean(c) for c in re.split(r"\t+|\|", stripped)) if c)
            if cells:
                out.append(Unit(" | ".join(cells), here, 0, cells))
            continue
        item = _ITEM.match(line)
        if item:
            flush()
            # Converted files flatten nesting to one space, so any indent is one level down.
            depth = 1 + (len(item.group(1).expandtabs(4)) + 1) // 2
            out.append(Unit(clean(line[item.end() :]), here, depth))
            continue
        if not paragraph:
            para_start = here
        paragraph.append(stripped)
    flush()
    return _mend(out)


def _furniture(line: str) -> bool:
    """Page headers and footers: web addresses, "Sida 6(7)", OCR'd logos (mostly punctuation)."""
    if line.startswith("|"):
        return False
    visible = clean(_ITEM.sub("", line)).replace(" ", "")
    signs = sum(not ch.isalnum() for ch in visible)
    return bool(_PAGE_FURNITURE.search(line)) or signs > 0.3 * len(visible)


def _mend(found: list[Unit]) -> list[Unit]:
    """A paragraph that starts in lower case continues the unfinished one before it: a page break fell
    between them, perhaps with a page header (a few words) that is dropped."""
    out: list[Unit] = []
    for unit in found:
        if (
            not unit.cells
            and not unit.depth
            and (unit.text[0].islower() or _UNFINISHED.search(out[-1].text if out else ""))
        ):
            back = len(out) - 1
            while back >= 0 and len(out[back].text.split()) < 4 and back >= len(out) - 2:
                back -= 1
            last = out[back] if back >= 0 else None
            if last is not None and not last.cells and not last.text.endswith((".", "!", "?", ":")):
                out[back:] = [Unit(f"{last.text} {unit.text}", last.start, last.depth)]
                continue
        out.append(unit)
    return out


def clean(text: str) -> str:
    """Markup (``**``, ``<br>``, ``<b>``) removed and whitespace collapsed."""
    text = re.sub(r"<a [^>]*>|</a>", "", text)
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip(" *#|")


_INSTRUCTION = re.compile(r"(?i)^(?:ange|beskriv|berätta|redogör|vilka|vilket|har |hur |var |varför|med utdrag)")


def _after_heading(line: str) -> str:
    """What follows the heading on its own line ("**4.2 Målgrupp:** Unga i åldern …"), template instructions
    ("Ange mål och resultat.") left out."""
    if line.startswith("#"):
        return ""
    bold = re.match(r"\*\*(.+?)\*\*:?(.*)$", line)
    rest = bold.group(2) if bold else (line.split(":", 1)[1] if ":" in line[:100] else "")
    kept = [s for s in SENTENCE_BREAK.split(clean(rest)) if s and not _INSTRUCTION.match(s) and not s.endswith("?")]
    return " ".join(kept)


def _is_heading(line: str) -> bool:
    return line.startswith("#") or bool(re.fullmatch(r"\*\*[^*]+\*\*:?", line))


def shorten(text: str, limit: int = 260) -> str:
    """The first sentences of ``text`` up to about ``limit`` characters (a board reads short statements)."""
    sentences = [s.strip() for s in SENTENCE_BREAK.split(text) if s.strip()]
    kept = ""
    for sentence in sentences:
        if kept and len(kept) + len(sentence) > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if len(kept) > limit * 1.6:
        kept = kept[: int(limit * 1.5)].rsplit(" ", 1)[0] + " …"
    return kept

"""What staff browse besides answers: the insats register as rows, one insats in full, a passage in its document.

Shared by the CLI, the API and the app, so all three show the same figures from the same register fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.archive import Archive
from assistant.errors import NotFound
from assistant.names import resolve_insats
from index.analyze import analyze, fold
from index.records import Chunk, Insats

_CHUNK_ID = re.compile(r"^[0-9a-f]{16}$")
CONTEXT_CHARS = 1000  # document text shown before and after a passage


@dataclass(frozen=True, slots=True)
class InsatsRow:
    """One line of the register table: figures as the reports state them ("–" when none does)."""

    id: str
    name: str
    kommun: str
    period: str
    granted: str
    used: str
    share_used: str
    participants: str
    reports: str


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A passage inside its document: ``text[mark_start:mark_end]`` is the passage itself."""

    chunk: Chunk
    insats: str | None
    text: str
    mark_start: int
    mark_end: int
    terms: frozenset[str]  # the question's analyzed terms
    marked: frozenset[str] = frozenset()  # words of the text to highlight (Frontdesk.document fills it in)


def find_insatser(archive: Archive, query: str | None = None) -> list[Insats]:
    """All insatser, or those whose name or alias resembles ``query`` (best first)."""
    insatser = sorted(archive.catalog().insatser, key=lambda i: i.name.lower())
    words = re.findall(r"\w+", fold(query or ""))
    if not words:
        return insatser
    # As-you-type: every typed word starts a word of the name, an alias or the kommun ("conn boll").
    typed = [i for i in insatser if all(any(w.startswith(q) for w in _words(i)) for q in words)]
    return typed or [m.insats for m in resolve_insats(query or "", insatser, limit=len(insatser))]


def _words(insats: Insats) -> set[str]:
    return set(re.findall(r"\w+", fold(" ".join((insats.name, insats.kommun or "", *insats.aliases)))))


def get_insats(archive: Archive, insats_id: str) -> Insats:
    for insats in archive.catalog().insatser:
        if insats.id == insats_id:
            return insats
    raise NotFound("Insatsen finns inte i registret.")


def insats_row(insats: Insats, report_types: dict[str, str]) -> InsatsRow:
    granted, used = _amounts(insats, "beviljade_medel"), _amounts(insats, "utnyttjade_medel")
    share = "–"
    if len(granted) == 1 and len(used) == 1 and granted[0] > 0:
        share = f"{100 * used[0] / granted[0]:.0f} %"
    # The total is what the board compares; other measures (ongoing, dropped out) are in the detail view.
    participants = sorted({int(f.value) for _, f in insats.fields if f.name == "deltagare:totalt" and _int(f.value)})
    return InsatsRow(
        id=insats.id,
        name=insats.name,
        kommun=insats.kommun or "–",
        period=", ".join(_periods(insats)) or "–",
        granted=_money(granted),
        used=_money(used),
        share_used=share,
        participants=" / ".join(str(p) for p in participants) or "–",
        reports=", ".join(f"{s} ({report_types.get(s, 'okänd')})" for s in insats.reports),
    )


def insats_json(insats: Insats, report_types: dict[str, str]) -> dict[str, Any]:
    """The insats with every register value and where it stands (file and character offsets)."""

    def values(name: str) -> list[dict[str, Any]]:
        return [
            {"värde": f.value, "källa": s, "start": f.start, "slut": f.end, "text": f.raw}
            for s, f in insats.fields
            if f.name == name
        ]

    starts = {s: f for s, f in insats.fields if f.name == "period_start"}
    ends = {s: f for s, f in insats.fields if f.name == "period_end"}
    return {
        "id": insats.id,
        "namn": insats.name,
        "kommun": insats.kommun,
        "alias": list(insats.aliases),
        "rapporter": [{"fil": s, "typ": report_types.get(s)} for s in insats.reports],
        "perioder": [
            {"start": starts[s].value, "slut": ends[s].value, "källa": s, "offset": [starts[s].start, ends[s].end]}
            for s in starts
            if s in ends
        ],
        "beviljade_medel": values("beviljade_medel"),
        "utnyttjade_medel": values("utnyttjade_medel"),
        "diarienummer": values("diarienummer"),
        "organisation": values("organisation"),
        "samverkansparter": values("samverkanspart"),
        "kontaktperson": values("kontaktperson"),
        "deltagare": [
            {
                "mått": f.name.split(":", 1)[1],
                "värde": f.value,
                "källa": s,
                "start": f.start,
                "slut": f.end,
                "text": f.raw,
            }
            for s, f in insats.fields
            if f.name.startswith("deltagare:")
        ],
    }


def document_view(archive: Archive, chunk_id: str, *, question: str = "") -> DocumentView:
    """The passage ``chunk_id`` with up to CONTEXT_CHARS of its document on each side.

    Ids are content hashes, never paths, so no request can name a file outside the archive.

    Raises:
        NotFound: for an id that is malformed or not in the register.
    """
    if not _CHUNK_ID.match(chunk_id):
        raise NotFound("Ogiltigt dokument-id.")
    found = archive.register.chunks([chunk_id])
    if not found:
        raise NotFound("Passagen finns inte längre i arkivet; den kan ha lästs in på nytt.")
    chunk = found[0]
    text, mark_start, mark_end = _document_text(archive.register.chunks_of(chunk.source), chunk)
    info = archive.catalog().reports.get(chunk.source)
    insats = info.insats.name if info and info.insats else None
    return DocumentView(chunk, insats, text, mark_start, mark_end, frozenset(analyze(question)))


def _document_text(chunks: list[Chunk], focus: Chunk) -> tuple[str, int, int]:
    """The document around ``focus``, rebuilt from its overlapping chunks; returns (text, mark start, mark end)."""
    before, reached = _span_text(chunks, max(0, focus.start - CONTEXT_CHARS), focus.start)
    if before and reached < focus.start:
        before += "\n" if focus.start - reached <= 4 else " … "
    after, _ = _span_text(chunks, focus.end, focus.end + CONTEXT_CHARS)
    # Start and end the context on line breaks, not mid-word.
    if focus.start > CONTEXT_CHARS and "\n" in before:
        before = before[before.index("\n") + 1 :]
    if "\n" in after:
        after = after[: after.rindex("\n")]
    return before + focus.text + after, len(before), len(before) + len(focus.text)


def _span_text(chunks: list[Chunk], lo: int, hi: int) -> tuple[str, int]:
    """Document text in [lo, hi) from the chunks that cover it (" … " marks what none covers), and where the
    covered text ends."""
    parts: list[str] = []
    reached = lo
    for chunk in sorted(chunks, key=lambda c: c.start):
        if chunk.end <= reached or chunk.start >= hi:
            continue
        if chunk.start > reached:
            # a few uncovered characters are the line breaks between sections; more is text no chunk holds
            parts.append("\n" if chunk.start - reached <= 4 else " … ")
        begin, stop = max(chunk.start, reached), min(chunk.end, hi)
        parts.append(chunk.text[begin - chunk.start : stop - chunk.start])
        reached = stop
    return "".join(parts), reached


def _amounts(insats: Insats, name: str) -> list[int]:
    return sorted({int(f.value) for _, f in insats.fields if f.name == name and _int(f.value)})


def _periods(insats: Insats) -> list[str]:
    starts = {s: f.value for s, f in insats.fields if f.name == "period_start"}
    ends = {s: f.value for s, f in insats.fields if f.name == "period_end"}
    return sorted({f"{starts[s]} – {ends[s]}" for s in starts if s in ends})


def _money(values: list[int]) -> str:
    text = " / ".join(f"{v:,}".replace(",", " ") + " kr" for v in values) or "–"
    return text + (" (skiljer sig)" if len(values) > 1 else "")


def _int(value: str) -> bool:
    return value.isdigit()

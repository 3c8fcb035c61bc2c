"""The register as search and answers read it: insatser, and per report its insats, type, kommun and years.

A frozen snapshot of one register generation, loaded by ``Archive.catalog()``; a new ingest makes a new one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from index.records import Insats, Mention


@dataclass(frozen=True, slots=True)
class ReportInfo:
    source: str
    report_type: str
    kommun: str | None
    insats: Insats | None
    years: tuple[int, int] | None  # first and last year of the report's period


@dataclass(frozen=True, slots=True)
class Catalog:
    """The register as search needs it: insatser and, per report, its insats, type, kommun and years."""

    generation: int
    insatser: tuple[Insats, ...]
    reports: dict[str, ReportInfo]
    abbreviations: tuple[tuple[str, str], ...] = ()  # (short, long) pairs the reports define, folded
    chunk_source: dict[str, str] = field(default_factory=dict)  # chunk id → source
    chunk_section: dict[str, str | None] = field(default_factory=dict)  # chunk id → section key
    mentions: tuple[tuple[str, Mention], ...] = ()  # (source, mention) of other projects named in passing
    # Chunk ids by source and by section, so a focused search does not scan every chunk (50k: ~40 ms).
    _by_source: dict[str, list[str]] = field(init=False, repr=False, compare=False)
    _by_section: dict[str | None, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_source: dict[str, list[str]] = {}
        by_section: dict[str | None, list[str]] = {}
        for cid, source in self.chunk_source.items():
            by_source.setdefault(source, []).append(cid)
            by_section.setdefault(self.chunk_section.get(cid), []).append(cid)
        object.__setattr__(self, "_by_source", by_source)  # frozen: set once, here
        object.__setattr__(self, "_by_section", by_section)

    def chunk_ids(self, sources: Collection[str] | None, sections: Collection[str] | None) -> set[str]:
        """Ids of the chunks in ``sources`` and ``sections`` (None = any)."""
        if sources is not None:
            candidates: Iterable[str] = (cid for source in set(sources) for cid in self._by_source.get(source, ()))
        elif sections is not None:
            candidates = (cid for section in set(sections) for cid in self._by_section.get(section, ()))
        else:
            candidates = self.chunk_source
        return {cid for cid in candidates if sections is None or self.chunk_section[cid] in sections}

    def report_type(self, source: str) -> str:
        """The report's type ("slutrapport", "utvardering" …), "okand" for a report the register does not know."""
        info = self.reports.get(source)
        return info.report_type if info else "okand"

    def sources_of(self, insats_id: str) -> list[str]:
        return [s for s, r in self.reports.items() if r.insats is not None and r.insats.id == insats_id]

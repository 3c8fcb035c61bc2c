"""The opened archive: register, Chroma, lexical index and embedder under one data directory.

Built once per process (CLI command or app) from Settings; the lexical index and the register catalog are
reloaded when an ingest has moved the register's generation, so readers see new reports without restart.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.errors import IngestBusy
from index.analyze import fold
from index.build import IngestReport, ProgressFn, Stores, build_index, refresh_lexical
from index.chunk import Chunker
from index.embed import Embedder, default_embedder
from index.lexical import LexicalIndex
from index.records import Insats, Mention
from index.register import Register, VectorCache
from index.store import ChromaStore


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

    def sources_of(self, insats_id: str) -> list[str]:
        return [s for s, r in self.reports.items() if r.insats is not None and r.insats.id == insats_id]


class Archive:
    """Everything search and answers read, opened from one Settings object."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.settings = settings
        data = settings.data_dir
        data.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder or default_embedder(
            settings.embedding_model, settings.model_cache_dir or data, batch_size=settings.embedding_batch_size
        )
        # One collection per embedding model: vectors of different models must never be compared.
        model_key = hashlib.sha256(self.embedder.name.encode()).hexdigest()[:10]
        self.stores = Stores(
            register=Register(data / "register.sqlite"),
            chroma=ChromaStore(
                path=data / "chroma", url=settings.chroma_url, collection=f"arkiv-{model_key}", model=self.embedder.name
            ),
            vectors=VectorCache(data / "vectors.sqlite"),
            lexical_dir=data / "lexical",
        )
        self.chunker = Chunker(
            size=settings.chunk_size, max_size=settings.chunk_max_size, overlap=settings.chunk_overlap
        )
        self._lock = threading.Lock()
        self._lexical: LexicalIndex | None = None
        self._catalog: Catalog | None = None

    @property
    def register(self) -> Register:
        return self.stores.register

    def ingest(self, root: Path, *, prune: bool = False, progress: ProgressFn | None = None) -> IngestReport:
        """Ingest ``root``; only one ingest per data directory runs at a time (others get IngestBusy)."""
        with open(self.settings.data_dir / "ingest.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IngestBusy(
                    "En inläsning pågår redan i den här datakatalogen; försök igen när den är klar."
                ) from exc
            return build_index(
                root,
                stores=self.stores,
                embedder=self.embedder,
                chunker=self.chunker,
                max_bytes=self.settings.max_file_bytes,
                prune=prune,
                progress=progress,
            )

    def is_empty(self) -> bool:
        return not self.register.files()

    def lexical(self) -> LexicalIndex:
        generation = self.register.generation
        with self._lock:
            if self._lexical is None or self._lexical.generation != generation:
                self._lexical = refresh_lexical(self.stores)
            return self._lexical

    def catalog(self) -> Catalog:
        generation = self.register.generation
        with self._lock:
            if self._catalog is None or self._catalog.generation != generation:
                self._catalog = self._load_catalog(generation)
            return self._catalog

    def _load_catalog(self, generation: int) -> Catalog:
        insatser = self.register.insatser()
        by_source = {source: insats for insats in insatser for source in insats.reports}
        reports = {}
        abbreviations: dict[tuple[str, str], None] = {}
        mentions: list[tuple[str, Mention]] = []
        for meta in self.register.report_metas():
            mentions.extend((meta.source, mention) for mention in meta.mentions)
            for short, long in meta.abbreviations:
                abbreviations[(fold(short), fold(long))] = None
            years = None
            start, end = meta.first("period_start"), meta.first("period_end")
            if start and end:
                years = (int(start.value[:4]), int(end.value[:4]))
            reports[meta.source] = ReportInfo(
                meta.source, meta.report_type, meta.kommun, by_source.get(meta.source), years
            )
        index = self.register.chunk_index()
        return Catalog(
            generation,
            tuple(insatser),
            reports,
            tuple(abbreviations),
            {cid: source for cid, source, _ in index},
            {cid: section for cid, _, section in index},
            tuple(mentions),
        )

    def close(self) -> None:
        self.register.close()
        self.stores.vectors.close()

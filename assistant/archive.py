"""The opened archive: register, Chroma, lexical index and embedder under one data directory.

Opened once per process by the composition (``assistant/compose.py:open_archive``, from Settings); the lexical
index and the register catalog are reloaded when an ingest has moved the register's generation, so readers see
new reports without restart.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.catalog import Catalog, ReportInfo
from assistant.errors import IngestBusy
from index.analyze import fold
from index.build import (
    IngestReport,
    ProgressFn,
    SemanticProgress,
    Stores,
    build_index,
    pending_sources,
    refresh_lexical,
    semantic_progress,
)
from index.chunk import Chunker
from index.embed import Embedder, is_e5
from index.lexical import LexicalIndex
from index.records import Mention
from index.register import Register, VectorCache
from index.store import ChromaStore

SENTENCES_KEY = "sentence_vectors"  # register state: the model whose sentence vectors every passage has
# Bump when assistant/extractive/sentences.py (or index.analyze.SENTENCE_BREAK) splits passages into sentences
# differently: the next ingest then embeds the new sentences of every passage, not only of the files it reads.
# 4: no sentence ends at an abbreviation before a date or a figure ("t.o.m. 20231231").
SENTENCE_SPLIT_VERSION = 4

if TYPE_CHECKING:  # imported in retriever(): an ingest never searches, and the ask path is slow to import
    from assistant.retrieve import HybridRetriever


class Archive:
    """Everything search and answers read, under one data directory.

    Args:
        data_dir: the folder for all state (created when missing).
        embedder: the embedding model (its name picks the Chroma collection).
        chunker: how ingest splits documents into passages.
        chroma_url: a Chroma server; None = embedded Chroma in the data directory.
        max_file_bytes: larger files are listed as unread, never loaded.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        embedder: Embedder,
        chunker: Chunker,
        chroma_url: str | None = None,
        max_file_bytes: int,
    ) -> None:
        self.data_dir = data = data_dir
        data.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder
        self.max_file_bytes = max_file_bytes
        # One collection per embedding model: vectors of different models must never be compared.
        model_key = hashlib.sha256(self.embedder.name.encode()).hexdigest()[:10]
        self.stores = Stores(
            register=Register(data / "register.sqlite"),
            chroma=ChromaStore(
                path=data / "chroma", url=chroma_url, collection=f"arkiv-{model_key}", model=self.embedder.name
            ),
            vectors=VectorCache(data / "vectors.sqlite"),
            lexical_dir=data / "lexical",
        )
        self.chunker = chunker
        self._lock = threading.Lock()
        self._lexical: LexicalIndex | None = None
        self._catalog: Catalog | None = None

    @property
    def register(self) -> Register:
        return self.stores.register

    def ingest(self, root: Path, *, prune: bool = False, progress: ProgressFn | None = None) -> IngestReport:
        """Ingest ``root``; only one ingest per data directory runs at a time (others get IngestBusy)."""
        with open(self.data_dir / "ingest.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IngestBusy(
                    "En inläsning pågår redan i den här datakatalogen; försök igen när den är klar."
                ) from exc
            report = build_index(
                root,
                stores=self.stores,
                embedder=self.embedder,
                chunker=self.chunker,
                max_bytes=self.max_file_bytes,
                prune=prune,
                progress=progress,
            )
            self._embed_sentences(report, progress)
            return report

    def _embed_sentences(self, report: IngestReport, progress: ProgressFn | None) -> None:
        """The sentence vectors the answers judge by meaning, for the passages this ingest read: made now, in
        the ingest's own time, so that a question embeds only itself. All passages are gone through when the
        last run did not finish this step, or ran with another model (the vectors it finds are not made again)."""
        made = f"{self.embedder.name}#{SENTENCE_SPLIT_VERSION}"
        done = self.register.get_state(SENTENCES_KEY) == made
        if (done and not report.indexed) or not is_e5(self.embedder.name):  # the judge's margins hold for e5
            return
        # Imported here: the answer path is slow to import, and a re-ingest of an unchanged archive never needs it.
        from assistant.extractive.meaning import embed_sentences

        if done:
            chunks = [c for source in report.indexed for c in self.register.chunks_of(source)]
        else:
            chunks = self.register.chunks()
        began = time.monotonic()
        self.register.set_state(SENTENCES_KEY, "")  # a run stopped before the end leaves all to be gone through
        report.sentences_embedded = embed_sentences(chunks, self.embedder, self.stores.vectors, progress=progress)
        self.register.set_state(SENTENCES_KEY, made)
        report.seconds += time.monotonic() - began

    def retriever(self, **options: Any) -> HybridRetriever:
        """Hybrid search over this archive's stores; ``options`` are HybridRetriever's tuning arguments."""
        from assistant.retrieve import HybridRetriever

        return HybridRetriever(
            catalog=self.catalog,
            vectors=self.stores.chroma,
            lexical=self.lexical,
            embedder=self.embedder,
            chunks=self.register,
            pending=self.pending_sources,
            **options,
        )

    def semantic_progress(self) -> SemanticProgress:
        """How many passages have vectors (searchable by meaning) out of all in the register."""
        return semantic_progress(self.register)

    def pending_sources(self) -> frozenset[str]:
        """Files whose passages do not all have vectors yet (one read of the register's state)."""
        return pending_sources(self.register)

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

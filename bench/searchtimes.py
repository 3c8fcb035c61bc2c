"""Timing searches for the scale bench: one query set under several query embedders and dense paths.

Each query is searched once per ``Mode`` (query embedder backend, and whether a filtered dense search may
take the exact path), the modes back to back and their order rotated from query to query, so a change of
the neighbours' load falls on every mode alike and the ratios between modes hold within one run. The query
embedding inside each search is timed too (``QueryTimer``), so "search minus its embedding" is the same
call's retrieval share.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import assistant.retrieve as retrieve
from assistant.archive import Archive
from assistant.retrieve import Filters, HybridRetriever, VectorSearch
from index.embed import Embedder
from index.store import where_clause


@dataclass(frozen=True, slots=True)
class Mode:
    label: str
    backend: str  # the query embedder's backend
    # "product": filtered dense searches as the retriever makes them; "where": every one through Chroma's
    # HNSW query with the ``where`` clause (no exact scoring, no id list: the retriever before session 7)
    dense: str = "product"


@dataclass(slots=True)
class Timings:
    """Whole-search and query-embedding milliseconds of one mode, query by query."""

    total: list[float] = field(default_factory=list)
    embedding: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        rest = [t - e for t, e in zip(self.total, self.embedding, strict=True)]
        return {
            "search": percentiles(self.total),
            "search_query_embedding": percentiles(self.embedding),
            "search_without_embedding": percentiles(rest),
            "embedding_share": sum(self.embedding) / sum(self.total) if self.total else 0.0,
        }


class QueryTimer:
    """An embedder, timing each ``embed_query`` (``take`` returns the ms since the last take)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.ms = inner, inner.name, 0.0

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> list[float]:
        began = time.perf_counter()
        try:
            return self.inner.embed_query(text)
        finally:
            self.ms += (time.perf_counter() - began) * 1000

    def take(self) -> float:
        ms, self.ms = self.ms, 0.0
        return ms


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank) and mean, in ms."""
    ordered = sorted(values_ms)
    if not ordered:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "mean": float("nan"), "n": 0}

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "mean": statistics.fmean(ordered), "n": len(ordered)}


def forget_questions(retriever: HybridRetriever, embedders: Sequence[Embedder]) -> None:
    """Drop remembered question vectors (retriever and embedders), so a timed search embeds its question
    as a new question does."""
    for cache in (getattr(retriever, "_vectors", None), *(getattr(e, "_recent", None) for e in embedders)):
        if cache is not None:
            cache.clear()


class WhereOnly:
    """The vector store with every id-list search answered by the ``where`` clause instead."""

    def __init__(self, inner: VectorSearch) -> None:
        self.inner = inner

    def search(
        self, vector: Sequence[float], *, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        return self.inner.search(vector, k=k, where=where)

    def search_among(self, vector: Sequence[float], ids: Collection[str], *, k: int) -> list[tuple[str, float]]:
        return self.inner.search_among(vector, ids, k=k)

    def search_within(
        self, vector: Sequence[float], ids: Collection[str], *, k: int, where: dict[str, Any]
    ) -> list[tuple[str, float]]:
        return self.inner.search(vector, k=k, where=where)


@contextmanager
def dense_mode(retriever: HybridRetriever, dense: str) -> Iterator[None]:
    """The retriever's dense search in ``dense`` mode (see ``Mode``) for the duration."""
    if dense == "product":
        yield
        return
    kept_limit, kept_vectors = retrieve.EXACT_DENSE_LIMIT, retriever.vectors
    retrieve.EXACT_DENSE_LIMIT, retriever.vectors = -1, WhereOnly(kept_vectors)
    try:
        yield
    finally:
        retrieve.EXACT_DENSE_LIMIT, retriever.vectors = kept_limit, kept_vectors


def time_searches(
    retriever: HybridRetriever,
    embedders: dict[str, Embedder],
    modes: Sequence[Mode],
    items: Sequence[tuple[str, Filters | None]],
    k: int,
) -> dict[str, Timings]:
    """Each (question, filters) searched once per mode, the modes' order rotated per question."""
    timers = {backend: QueryTimer(embedder) for backend, embedder in embedders.items()}
    results = {mode.label: Timings() for mode in modes}
    original = retriever.embedder
    try:
        for i, (text, filters) in enumerate(items):
            shift = i % len(modes)
            for mode in [*modes[shift:], *modes[:shift]]:
                forget_questions(retriever, list(embedders.values()))
                timer = timers[mode.backend]
                retriever.embedder = timer
                with dense_mode(retriever, mode.dense):
                    began = time.perf_counter()
                    retriever.search(text, k=k, filters=filters)
                    total = (time.perf_counter() - began) * 1000
                results[mode.label].total.append(total)
                results[mode.label].embedding.append(timer.take())
    finally:
        retriever.embedder = original
    return results


class VectorMatrix:
    """Every vector of the collection in memory, by chunk id: what exact scoring would cost if the retriever
    kept the vectors instead of fetching them from Chroma per search (not a product path; 50k × 384 float32
    is 77 MB)."""

    def __init__(self, archive: Archive) -> None:
        # The bench reads the collection directly: ChromaStore has no "all vectors" call, and needs none.
        found = archive.stores.chroma._collection.get(include=["embeddings"])  # noqa: SLF001
        self.row = {cid: i for i, cid in enumerate(found["ids"])}
        self.matrix = np.asarray(found["embeddings"], dtype=np.float32)

    def search_among(self, vector: Sequence[float], ids: Collection[str], *, k: int) -> list[tuple[str, float]]:
        names = [cid for cid in ids if cid in self.row]
        rows = self.matrix[[self.row[cid] for cid in names]]
        similarity = rows @ np.asarray(vector, dtype=np.float32)  # stored vectors are unit length
        best = np.argsort(-similarity, kind="stable")[:k]
        return [(names[i], float(similarity[i])) for i in best]


def dense_paths(
    archive: Archive, embedder: Embedder, items: Sequence[tuple[str, Filters]], k: int, matrix: VectorMatrix
) -> dict[str, list[float]]:
    """The dense search of each filtered question alone, four ways: Chroma's HNSW query with the ``where``
    clause, the same query given the allowed ids (``search_within``, the product's path for large filters),
    exact scoring of the allowed chunks' vectors fetched from Chroma (``search_among``, the product's
    path for small filters), and exact scoring from vectors kept in memory; with how many of the exact top
    ``k`` the HNSW answer holds (its recall)."""
    catalog, chroma = archive.catalog(), archive.stores.chroma
    hnsw, by_ids, exact, memory, recall, same = [], [], [], [], [], []
    for text, filters in items:
        vector = embedder.embed_query(text)
        sources = catalog.sources_of(filters.insats) if filters.insats else None
        sections = [filters.section] if filters.section else None
        where = where_clause(sources=sources, sections=sections)
        allowed = catalog.chunk_ids(None if sources is None else set(sources), sections)
        began = time.perf_counter()
        found = chroma.search(vector, k=k, where=where)
        hnsw.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        within = chroma.search_within(vector, allowed, k=k, where=where)
        by_ids.append((time.perf_counter() - began) * 1000)
        same.append(float([cid for cid, _ in within] == [cid for cid, _ in found]))
        began = time.perf_counter()
        best = chroma.search_among(vector, allowed, k=k)
        exact.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        matrix.search_among(vector, allowed, k=k)
        memory.append((time.perf_counter() - began) * 1000)
        wanted = {cid for cid, _ in best}
        recall.append(len(wanted & {cid for cid, _ in found}) / len(wanted) if wanted else 1.0)
    return {
        "hnsw_where": hnsw,
        "hnsw_ids": by_ids,
        "exact_among": exact,
        "exact_in_memory": memory,
        "hnsw_recall": recall,
        "ids_same_as_where": same,
    }

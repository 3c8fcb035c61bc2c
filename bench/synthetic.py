"""Passage vectors for the large speed bench, for when embedding every chunk for real is out of reach.

Embedding 50k chunks takes 3–4 hours on the shared 2-core machine. Search latency depends on how many
vectors there are and how they are spread, not on each vector being the embedding of its own text, so
``scale.py --synthetic-fill`` builds the index with every vector it has for real and fills the rest with
vectors *derived* from real ones:

- **Real**: the vector cache (``vectors.sqlite``, keyed by model and text hash, exactly as ingest keeps
  it), seeded from every ``scale-*`` run and topped up by ``--embed-minutes`` with randomly chosen
  chunks of the corpus, embedded with the real model. Only real vectors are ever written to that cache.
- **Derived**: for a chunk with no real vector, a normalised mixture of two or three real passage
  vectors of the same kind of document (statute or web page; Dirichlet weights) plus Gaussian noise,
  seeded by the chunk's text hash, so a rebuild gives the same vectors. They go into Chroma only.

``derivation_check`` compares the nearest-neighbour cosines of derived and real vectors, so the JSON
shows whether the derived ones sit in the real distribution. The BM25 index, the register and the
queries (embedded at search time with the real model) are all real.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.build import analyse_document
from index.chunk import Chunker
from index.embed import Embedder
from index.parse import read_document
from index.records import Chunk, Document
from index.register import VectorCache, text_key
from index.store import ChromaStore

PARENTS = (2, 3)  # a derived vector mixes this many real ones (drawn per chunk)
# Per-dimension standard deviation of the added noise. Calibrated on the 5k run's 5,120 real vectors: at
# 0.013 a derived vector's nearest real vector (median cosine 0.95) and its mean cosine to all real ones
# (0.82) match a real vector's; with no noise they are 0.98 / 0.86 (too close to their parents), at 0.025
# 0.88 / 0.76 (too far).
NOISE = 0.013


# Share of a report archive's passages under each template section key, counted on the chunks of
# ../shared/seeds, examples/rapporter and ../shared/eval/archive-a (767 passages, 2026-12-05); the rest (7 %)
# have none. Statutes and web pages have almost no template sections, so --report-sections gives the 50k
# corpus's passages these keys by this distribution: a section filter then allows as many chunks as in a
# real archive of that size (resultat: ~3,900 of 50k), and the questions that hint at a section take the
# focused searches they would there.
REPORT_SECTIONS = {
    "resultat": 60, "maluppfyllelse": 55, "syfte": 54, "ekonomi": 47, "arbetssatt": 42, "avvikelser": 41,
    "lardomar": 40, "framgangsfaktorer": 31, "systemfel": 31, "brukarmedverkan": 29, "aktiviteter": 26,
    "allmanna_uppgifter": 25, "samverkansparter": 25, "uppgiftslamnare": 24, "metod": 22, "malgrupp": 20,
    "ansvarig": 19, "bedomning": 19, "implementering": 18, "uppfoljning": 17, "bakgrund": 17,
    "sammanfattning": 13, "slutsatser": 9, "styrgrupp": 8, "referenser": 7, "kontakt": 5, "innehall": 4,
    "forkortningar": 3,
}  # fmt: skip
NO_SECTION = 56  # passages of those reports outside any template section, on the same scale


def report_section(chunk_id: str) -> str | None:
    """A section key for a passage, drawn by its id from ``REPORT_SECTIONS`` (the same on every build)."""
    point = int(hashlib.sha256(chunk_id.encode()).hexdigest()[:8], 16) % (sum(REPORT_SECTIONS.values()) + NO_SECTION)
    for key, weight in REPORT_SECTIONS.items():
        if point < weight:
            return key
        point -= weight
    return None


def with_report_sections(
    analyse: Callable[[Document, Chunker], tuple[list[Chunk], Any, bool]],
) -> Callable[[Document, Chunker], tuple[list[Chunk], Any, bool]]:
    """``analyse_document`` with a report section for each passage that has none (its text, and so its
    vector and BM25 terms, unchanged: the section is metadata in the register and in Chroma)."""

    def analyse_with_sections(doc: Document, chunker: Chunker) -> tuple[list[Chunk], Any, bool]:
        chunks, meta, repaired = analyse(doc, chunker)
        return [c if c.section else replace(c, section=report_section(c.id)) for c in chunks], meta, repaired

    return analyse_with_sections


def kind_of(source: str) -> str:
    return "sfs" if source.startswith("sfs/") else "web"


def chunk_keys(corpus: Path, files: Sequence[str], chunker: Chunker) -> list[tuple[str, str, str]]:
    """(source, text key, search text) of every chunk of the corpus, cached in ``corpus/CHUNKS.jsonl``.

    The key is the vector cache's (``index.register.text_key`` of ``Chunk.search_text``), so it says which
    chunks already have a real vector. Analysing 13k files takes ~3 minutes once.
    """
    path = corpus / "CHUNKS.jsonl"
    if path.is_file():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        if {r[0] for r in rows} == set(files):
            return [(r[0], r[1], r[2]) for r in rows]
    rows = []
    for source in files:
        doc = read_document(corpus / source, source, max_bytes=1 << 30)
        chunks, _, _ = analyse_document(doc, chunker)
        rows.extend((source, text_key(c.search_text), c.search_text) for c in chunks)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return rows


def cached_keys(cache_path: Path, model: str) -> set[str]:
    db = sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True)
    try:
        return {key for (key,) in db.execute("SELECT key FROM vectors WHERE model = ?", (model,))}
    finally:
        db.close()


def embed_more(
    rows: Sequence[tuple[str, str, str]], cache_path: Path, embedder: Embedder, *, minutes: float, batch: int = 32
) -> dict[str, Any]:
    """Embed randomly chosen chunks without a real vector for about ``minutes``, into the vector cache."""
    have = cached_keys(cache_path, embedder.name)
    todo = list({key: text for _, key, text in rows if key not in have}.items())
    random.Random(1).shuffle(todo)
    cache = VectorCache(cache_path)
    began = time.monotonic()
    done = 0
    try:
        while todo and time.monotonic() - began < minutes * 60:
            part, todo = todo[:batch], todo[batch:]
            vectors = embedder.embed_passages([text for _, text in part])
            cache.put(embedder.name, [(key, v) for (key, _), v in zip(part, vectors, strict=True)])
            done += len(part)
            if done % (batch * 8) == 0:
                rate = done / (time.monotonic() - began)
                print(f"  embedded {done} more real passages ({rate:.2f}/s)", flush=True)
    finally:
        cache.close()
    seconds = time.monotonic() - began
    return {
        "embedded": done,
        "seconds": round(seconds, 1),
        "passages_per_second": round(done / seconds, 2) if seconds else 0.0,
    }


@dataclass(slots=True)
class RealPool:
    """The real vectors of the corpus's chunks, by kind of document."""

    by_kind: dict[str, np.ndarray]
    vectors: dict[str, np.ndarray]  # text key → real vector

    @classmethod
    def load(
        cls, cache_path: Path, model: str, rows: Sequence[tuple[str, str, str]], *, keep: Callable[[str], bool]
    ) -> RealPool:
        kinds = {key: kind_of(source) for source, key, _ in rows}
        db = sqlite3.connect(f"file:{cache_path}?mode=ro", uri=True)
        try:
            found = {
                key: np.frombuffer(blob, dtype=np.float32)
                for key, blob in db.execute("SELECT key, vector FROM vectors WHERE model = ?", (model,))
                if key in kinds and keep(key)
            }
        finally:
            db.close()
        by_kind = {
            kind: np.stack([v for key, v in found.items() if kinds[key] == kind])
            for kind in sorted(set(kinds.values()))
        }
        return cls(by_kind, found)


@dataclass(slots=True)
class FillEmbedder:
    """Stands in for the real embedder during a --synthetic-fill build: derives the vectors of the chunks
    the cache does not have (the build asks only for those). Its name is the real model's, so the index
    lands in the collection search opens; the derived vectors never reach the vector cache (see
    ``RealOnlyCache``)."""

    name: str
    pool: RealPool
    kinds: dict[str, str]  # text key → "sfs" | "web"
    derived: int = 0
    derived_keys: list[str] = field(default_factory=list)

    @property
    def dimension(self) -> int:
        return int(next(iter(self.pool.by_kind.values())).shape[1])

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            key = text_key(text)
            vectors.append(derive(key, self.pool.by_kind[self.kinds.get(key, "web")]).tolist())
            self.derived_keys.append(key)
        self.derived += len(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        raise RuntimeError("the fill embedder makes passage vectors only; queries use the real model")


def derive(key: str, parents: np.ndarray) -> np.ndarray:
    """A unit vector mixed from 2–3 random rows of ``parents`` plus noise, the same for the same key."""
    rng = np.random.default_rng(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))
    count = int(rng.choice(PARENTS))
    picked = parents[rng.choice(len(parents), size=count, replace=False)]
    mixed = rng.dirichlet(np.ones(count)) @ picked + rng.normal(0.0, NOISE, parents.shape[1])
    return np.asarray(mixed / np.linalg.norm(mixed), dtype=np.float32)


class RealOnlyCache:
    """The build's vector cache, except that ``put`` drops vectors (only derived ones are put during a
    --synthetic-fill build, and the cache must hold real embeddings only) and ``get`` hides the real
    vectors ``keep`` rejects (--real-fraction)."""

    def __init__(self, inner: VectorCache, *, keep: Callable[[str], bool]) -> None:
        self.inner, self.keep = inner, keep
        self.hits = 0

    def get(self, model: str, keys: Sequence[str]) -> dict[str, list[float]]:
        found = {key: v for key, v in self.inner.get(model, keys).items() if self.keep(key)}
        self.hits += len(found)
        return found

    def put(self, model: str, items: Sequence[tuple[str, Sequence[float]]]) -> None:
        return None

    def close(self) -> None:
        self.inner.close()


def derivation_check(
    pool: RealPool, derived_keys: Sequence[str], kinds: dict[str, str], sample: int = 500
) -> dict[str, Any]:
    """Nearest-neighbour cosines among the real vectors, for a sample of real and of derived vectors.

    A derived vector should be about as close to its nearest real vector as a real vector is to its
    nearest other real vector; if it were much closer (too little noise) or farther (too much), the HNSW
    graph would see an easier or harder distribution than a real 50k archive gives it.
    """
    everything = np.concatenate(list(pool.by_kind.values()))
    rng = random.Random(2)
    real_keys = rng.sample(sorted(pool.vectors), min(sample, len(pool.vectors)))
    real = np.stack([pool.vectors[k] for k in real_keys])
    sims = real @ everything.T
    sims[sims > 0.99999] = -1.0  # itself (and exact duplicates)
    result: dict[str, Any] = {"real_nearest_real": _summary(sims.max(axis=1)), "real_mean": _summary(sims.mean(axis=1))}
    if derived_keys:
        picked = rng.sample(list(dict.fromkeys(derived_keys)), min(sample, len(set(derived_keys))))
        made = np.stack([derive(k, pool.by_kind[kinds.get(k, "web")]) for k in picked])
        made_sims = made @ everything.T
        result["derived_nearest_real"] = _summary(made_sims.max(axis=1))
        result["derived_mean"] = _summary(made_sims.mean(axis=1))
    return result


def _summary(values: np.ndarray) -> dict[str, float]:
    return {name: round(float(np.percentile(values, q)), 3) for name, q in (("p10", 10), ("p50", 50), ("p90", 90))}


class BatchedUpserts:
    """Chroma behind the build, with upserts gathered into large batches.

    Ingest upserts each file's few chunks as it goes; Chroma costs ~50 ms per call here whatever its size,
    which for 13k files is most of a 50k build. Buffering is safe for a bench build into a fresh data
    dir: everything that reads Chroma (``ids``, ``count``, ``search``, ``delete``) flushes first.
    """

    def __init__(self, inner: ChromaStore, *, size: int = 5000) -> None:
        self.inner, self.size = inner, size
        self._chunks: list[Chunk] = []
        self._vectors: list[Sequence[float]] = []
        self.calls = 0

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        self._chunks.extend(chunks)
        self._vectors.extend(vectors)
        if len(self._chunks) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self._chunks:
            self.inner.upsert(self._chunks, self._vectors)
            self.calls += 1
            self._chunks, self._vectors = [], []

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self.flush()
            self.inner.delete(ids)

    def ids(self) -> set[str]:
        self.flush()
        return self.inner.ids()

    def count(self) -> int:
        self.flush()
        return self.inner.count()

    def search(
        self, vector: Sequence[float], *, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        self.flush()
        return self.inner.search(vector, k=k, where=where)

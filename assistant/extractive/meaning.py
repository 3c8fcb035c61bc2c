"""How close in meaning an insats's sentences come to a question across the archive, by the archive's embedder.

Word presence misses a report that says the same thing in other words ("avslutades i förtid" for "avbrytas
innan den beviljade perioden var slut", "tjänsten stod vakant" for "tjänster stod tomma"). The e5 model reads
a question and a sentence into comparable vectors: the cosine says how close they are, whatever the words.
Sentence vectors are remembered by text (the same passages come back for many questions), so a list question
embeds only the sentences it has not met before. They are also kept on disk, in the archive's vector cache: an
ingest embeds every new passage's sentences once (``embed_sentences``), so that a question embeds only itself.
Embedding the two dozen sentences a question reads took three quarters of its time (bench/NOTES.md, session 12).
"""

from __future__ import annotations

import logging
import math
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, cast

from assistant.extractive.sentences import chunk_pieces
from assistant.intent import member_clause, with_diacritics
from index.embed import is_e5
from index.records import Chunk
from index.register import text_key
from index.remote_embed import EmbedderUnavailable

logger = logging.getLogger(__name__)

SENTENCE_CACHE = 8192  # sentence vectors kept, as 32-bit floats (1.5 kB each: about 13 MB; as lists, 100 MB)
SENTENCE_WINDOW = 256  # sentences embedded and written per step of an ingest (what a crash can cost again)


class VectorStore(Protocol):
    """Vectors kept by (model, key) across processes (index/register.py's ``VectorCache``)."""

    def get(self, model: str, keys: Sequence[str]) -> dict[str, list[float]]: ...

    def put(self, model: str, items: Sequence[tuple[str, Sequence[float]]]) -> None: ...


class SentenceEmbedder(Protocol):
    """The archive's embedder, as far as sentences and questions go (index/embed.py's ``Embedder``)."""

    @property
    def name(self) -> str: ...

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class SentenceMeaning:
    """``similarities(question, sentences)``: the cosine of each sentence to the question.

    Args:
        embedder: the archive's embedder (its vectors are L2-normalised, so a dot product is the cosine).
        store: vectors kept on disk, read before a sentence is embedded and written after; None = memory only.
        size: sentence vectors remembered in memory.
    """

    def __init__(
        self, embedder: SentenceEmbedder, *, store: VectorStore | None = None, size: int = SENTENCE_CACHE
    ) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self.embedder, self.store, self.size = embedder, store, size
        self._vectors: OrderedDict[tuple[str, str], array[float]] = OrderedDict()
        self._lock = threading.Lock()

    def similarities(self, question: str, sentences: Sequence[str]) -> list[float] | None:
        """Cosines in the order of ``sentences``; None when the embedder cannot be reached (words decide)."""
        try:
            asked = self.embedder.embed_query(question)
            vectors = self._sentence_vectors(sentences)
        except EmbedderUnavailable as exc:
            logger.warning("sentences judged by words only: %s", exc)
            return None
        return [math.fsum(a * b for a, b in zip(asked, vector, strict=True)) for vector in vectors]

    def _sentence_vectors(self, sentences: Sequence[str]) -> list[array[float]]:
        name = self.embedder.name
        with self._lock:
            known = {s: self._vectors[(name, s)] for s in sentences if (name, s) in self._vectors}
            for sentence in known:
                self._vectors.move_to_end((name, sentence))
        new = list(dict.fromkeys(s for s in sentences if s not in known))
        if new and self.store is not None:
            kept = self.store.get(name, [text_key(s) for s in new])
            known.update((s, array("f", kept[text_key(s)])) for s in new if text_key(s) in kept)
            missing = [s for s in new if s not in known]
            if missing:
                computed = self.embedder.embed_passages(missing)
                self.store.put(name, [(text_key(s), v) for s, v in zip(missing, computed, strict=True)])
                known.update((s, array("f", v)) for s, v in zip(missing, computed, strict=True))
        elif new:
            vectors = self.embedder.embed_passages(new)
            known.update((s, array("f", v)) for s, v in zip(new, vectors, strict=True))
            with self._lock:
                for sentence in new:
                    self._vectors[(name, sentence)] = known[sentence]
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return [known[s] for s in sentences]


def judge_for(retriever: object, store: VectorStore | None = None) -> SentenceMeaning | None:
    """A judge by meaning over the retriever's embedder, when the margins were set for its model; else None.
    ``store``: the archive's vector cache, where ingest left the sentences' vectors."""
    embedder = getattr(retriever, "embedder", None)
    if hasattr(embedder, "embed_passages") and calibrated(getattr(embedder, "name", "")):
        return SentenceMeaning(cast(SentenceEmbedder, embedder), store=store)
    return None


def embed_sentences(
    chunks: Iterable[Chunk],
    embedder: SentenceEmbedder,
    store: VectorStore,
    *,
    window: int = SENTENCE_WINDOW,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Embed, ``window`` at a time, the sentences of ``chunks`` the store does not hold yet, as the judge reads
    them; returns how many were embedded. Nothing is done for a model the judge is not calibrated for.
    ``progress`` gets ("sentences_found", how many) once, then ("sentences", how many more are done)."""
    if not calibrated(embedder.name):
        return 0
    texts = list(dict.fromkeys(matched for chunk in chunks for _, matched in chunk_pieces(chunk)))
    keys = [text_key(t) for t in texts]
    kept = store.get(embedder.name, keys)
    missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in kept]
    notify = progress or (lambda event, amount: None)
    notify("sentences_found", len(texts))
    notify("sentences", len(texts) - len(missing))
    for start in range(0, len(missing), window):
        batch = missing[start : start + window]
        vectors = embedder.embed_passages([t for _, t in batch])
        store.put(embedder.name, [(k, v) for (k, _), v in zip(batch, vectors, strict=True)])
        notify("sentences", len(batch))
    return len(missing)


def calibrated(model: str) -> bool:
    """Whether the list margins hold for this model's cosines: they were set on multilingual-e5 (any backend,
    local or served), whose unrelated sentences lie near 0.83; another model's lie elsewhere, and the stand-in
    for tests (``HashingEmbedder``) counts shared words, which the word rule already does."""
    return is_e5(model)


def membership_clause(text: str, names: Iterable[str] = ()) -> str:
    """The part of a question across the archive that says who is a member, as the embedder should read it:
    its first sentence with content, up to a follow-up ("…, och ungefär hur många?", "i så fall vilken och
    varför"), which asks about the members and would pull every sentence towards itself; å/ä/ö a keyboard left
    out are put back (``names``: the archive's own names), as for the dense search."""
    clause = member_clause(text).strip() or text
    return with_diacritics(clause, names)

"""How close in meaning an insats's sentences come to a question across the archive, by the archive's embedder.

Word presence misses a report that says the same thing in other words ("avslutades i förtid" for "avbrytas
innan den beviljade perioden var slut", "tjänsten stod vakant" for "tjänster stod tomma"). The e5 model reads
a question and a sentence into comparable vectors: the cosine says how close they are, whatever the words.
Sentence vectors are remembered by text (the same passages come back for many questions), so a list question
embeds only the sentences it has not met before.
"""

from __future__ import annotations

import logging
import math
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Protocol, cast

from assistant.intent import member_clause, with_diacritics
from index.remote_embed import EmbedderUnavailable

logger = logging.getLogger(__name__)

SENTENCE_CACHE = 8192  # sentence vectors kept, as 32-bit floats (1.5 kB each: about 13 MB; as lists, 100 MB)


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
        size: sentence vectors remembered.
    """

    def __init__(self, embedder: SentenceEmbedder, *, size: int = SENTENCE_CACHE) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self.embedder, self.size = embedder, size
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
        if new:
            vectors = self.embedder.embed_passages(new)
            known.update((s, array("f", v)) for s, v in zip(new, vectors, strict=True))
            with self._lock:
                for sentence in new:
                    self._vectors[(name, sentence)] = known[sentence]
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return [known[s] for s in sentences]


def judge_for(retriever: object) -> SentenceMeaning | None:
    """A judge by meaning over the retriever's embedder, when the margins were set for its model; else None."""
    embedder = getattr(retriever, "embedder", None)
    if hasattr(embedder, "embed_passages") and calibrated(getattr(embedder, "name", "")):
        return SentenceMeaning(cast(SentenceEmbedder, embedder))
    return None


def calibrated(model: str) -> bool:
    """Whether the list margins hold for this model's cosines: they were set on multilingual-e5 (any backend,
    local or served), whose unrelated sentences lie near 0.83; another model's lie elsewhere, and the stand-in
    for tests (``HashingEmbedder``) counts shared words, which the word rule already does."""
    return "e5" in model.lower()


def membership_clause(text: str, names: Iterable[str] = ()) -> str:
    """The part of a question across the archive that says who is a member, as the embedder should read it:
    its first sentence with content, up to a follow-up ("…, och ungefär hur många?", "i så fall vilken och
    varför"), which asks about the members and would pull every sentence towards itself; å/ä/ö a keyboard left
    out are put back (``names``: the archive's own names), as for the dense search."""
    clause = member_clause(text).strip() or text
    return with_diacritics(clause, names)

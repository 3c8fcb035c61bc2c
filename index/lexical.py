"""The lexical index: BM25 (bm25s) over analyzed chunk text, persisted beside Chroma.

bm25s indexes are immutable, so the index is rebuilt from the register's chunks whenever the register's
generation moves; rebuilding 50k chunks takes seconds, far less than embedding them. Each build is saved
to a new folder and then made current by an atomic rename of a pointer file, so a crash mid-save leaves
the previous index in place.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from index.analyze import ANALYZER_VERSION, analyze

logger = logging.getLogger(__name__)


class LexicalIndex:
    """BM25 over chunk ids; ``generation`` says which register state it reflects."""

    def __init__(
        self, ids: Sequence[str], retriever: object | None, generation: int, analyzer: int = ANALYZER_VERSION
    ) -> None:
        self.ids = list(ids)
        self.analyzer = analyzer
        self._position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}
        self._retriever = retriever
        self.generation = generation

    @classmethod
    def build(
        cls, ids: Sequence[str], texts: Sequence[str], *, generation: int, k1: float = 1.2, b: float = 0.75
    ) -> LexicalIndex:
        import bm25s

        if not ids:
            return cls([], None, generation)
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index([analyze(t) or ["\u2205"] for t in texts], show_progress=False)
        return cls(ids, retriever, generation)

    @property
    def current(self) -> bool:
        """Built by this version of the analyzer (queries are analyzed the same way)."""
        return self.analyzer == ANALYZER_VERSION

    def search(self, query: str, *, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Best chunks for ``query`` as (id, BM25 score), restricted to ``allowed`` ids when given."""
        tokens = analyze(query)
        if self._retriever is None or not tokens or k <= 0:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            mask[[self._position[i] for i in allowed if i in self._position]] = 1.0
            if not mask.any():
                return []
        vocab = self._retriever.vocab_dict  # type: ignore[attr-defined]
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return []
        limit = min(k, len(self.ids) if mask is None else int(mask.sum()))
        docs, scores = self._retriever.retrieve(  # type: ignore[attr-defined]
            [tokens], k=limit, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def document_frequency(self, term: str) -> int:
        """How many passages contain the analyzed ``term`` (0 when none does)."""
        if self._retriever is None:
            return 0
        column = self._retriever.vocab_dict.get(term)  # type: ignore[attr-defined]
        if column is None:
            return 0
        indptr = self._retriever.scores["indptr"]  # type: ignore[attr-defined]
        return int(indptr[column + 1] - indptr[column])

    def save(self, folder: Path) -> None:
        """Save as ``folder/gen-N`` and point ``folder/CURRENT`` at it atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"gen-{self.generation}"
        staging = folder / f".gen-{self.generation}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        (staging / "ids.json").write_text(json.dumps({"analyzer": self.analyzer, "ids": self.ids}))
        if self._retriever is not None:
            self._retriever.save(str(staging / "bm25"), show_progress=False)  # type: ignore[attr-defined]
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        pointer = folder / "CURRENT.tmp"
        pointer.write_text(str(self.generation))
        os.replace(pointer, folder / "CURRENT")
        for old in folder.glob("gen-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The current saved index, or None when there is none yet."""
        try:
            generation = int((folder / "CURRENT").read_text())
        except (FileNotFoundError, ValueError):
            return None
        target = folder / f"gen-{generation}"
        try:
            saved = json.loads((target / "ids.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if not isinstance(saved, dict):
            return None  # an older layout: rebuilt from the register
        ids, analyzer = saved.get("ids", []), int(saved.get("analyzer", 0))
        retriever = None
        if ids:
            import bm25s

            retriever = bm25s.BM25.load(str(target / "bm25"))
        return cls(ids, retriever, generation, analyzer)

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
import time
import uuid
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

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
        cls,
        ids: Sequence[str],
        texts: Sequence[str],
        *,
        generation: int,
        k1: float = 1.2,
        b: float = 0.75,
        memo: dict[str, list[str]] | None = None,
    ) -> LexicalIndex:
        """BM25 over ``texts`` (analyzed), one document per id.

        Args:
            memo: analyzed tokens by text, kept by the caller between builds (an ingest rebuilds the index
                as files arrive): texts already in it are not analyzed again. Left holding these texts only.
        """
        import bm25s

        known = memo or {}
        tokens = [known.get(t) or analyze(t) or ["\u2205"] for t in texts]
        if memo is not None:
            memo.clear()
            memo.update(zip(texts, tokens, strict=True))
        if not ids:
            return cls([], None, generation)
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index(tokens, show_progress=False)
        return cls(ids, retriever, generation)

    @property
    def current(self) -> bool:
        """Built by this version of the analyzer (queries are analyzed the same way)."""
        return self.analyzer == ANALYZER_VERSION

    def search(
        self, query: str, *, k: int, allowed: Collection[str] | None = None, terms: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """Best chunks for ``query`` as (id, BM25 score), restricted to ``allowed`` ids when given; ``terms`` are
        analysed terms searched besides the query's own."""
        tokens = [*analyze(query), *terms]
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
            [tokens], k=limit, show_progress=False, weight_mask=mask, n_threads=0
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

    def vocabulary(self) -> Collection[str]:
        """Every analysed term the index holds."""
        if self._retriever is None:
            return ()
        return self._retriever.vocab_dict.keys()  # type: ignore[attr-defined,no-any-return]

    def save(self, folder: Path) -> None:
        """Save into a new folder ``gen-N-<unique>`` and point ``folder/CURRENT`` at it atomically.

        Several writers may save at once (an ingest, and a reader that found the index stale). Each writes a
        folder of its own, so none can disturb another's; the last pointer written wins. Should an older
        generation win, readers find it behind the register and rebuild. Folders nobody points at are removed
        once they are older than a save can take.
        """
        folder.mkdir(parents=True, exist_ok=True)
        name = f"gen-{self.generation}-{uuid.uuid4().hex[:12]}"
        staging = folder / f".{name}.tmp"
        staging.mkdir()
        try:
            meta = {"analyzer": self.analyzer, "generation": self.generation, "ids": self.ids}
            (staging / "ids.json").write_text(json.dumps(meta))
            if self._retriever is not None:
                self._retriever.save(str(staging / "bm25"), show_progress=False)  # type: ignore[attr-defined]
            os.replace(staging, folder / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        pointer = folder / f".CURRENT.{uuid.uuid4().hex}.tmp"
        pointer.write_text(name)
        os.replace(pointer, folder / "CURRENT")
        _sweep(folder, keep=name)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The current saved index, or None when there is none yet."""
        found = _saved(folder)
        if found is None:
            return None
        target, saved, generation = found
        ids, analyzer = saved.get("ids", []), int(saved.get("analyzer", 0))
        retriever = None
        if ids:
            import bm25s

            try:
                retriever = bm25s.BM25.load(str(target / "bm25"))
            except (OSError, ValueError):
                return None  # removed by a writer while being read: rebuilt from the register
        return cls(ids, retriever, generation, analyzer)

    @staticmethod
    def saved_version(folder: Path) -> tuple[int, int] | None:
        """(generation, analyzer version) of the current saved index, without loading BM25; None if none."""
        found = _saved(folder)
        if found is None:
            return None
        _, saved, generation = found
        return generation, int(saved.get("analyzer", 0))


def _saved(folder: Path) -> tuple[Path, dict[str, Any], int] | None:
    """The current saved index's folder, its ids.json and its generation, or None when there is none."""
    try:
        name = (folder / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    target = folder / (f"gen-{name}" if name.isdigit() else name)  # a bare number: the older layout
    try:
        saved = json.loads((target / "ids.json").read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None
    if not isinstance(saved, dict):
        return None  # an older layout: rebuilt from the register
    return target, saved, int(saved.get("generation", name if name.isdigit() else -1))


_SWEEP_AFTER_SECONDS = 600  # far longer than a save takes, so no live writer's folder is removed


def _sweep(folder: Path, *, keep: str) -> None:
    """Remove index folders and staging left by earlier saves (or killed writers), except ``keep`` and the
    one CURRENT names now, once they are old enough."""
    try:
        current = (folder / "CURRENT").read_text().strip()
    except FileNotFoundError:
        current = keep
    cutoff = time.time() - _SWEEP_AFTER_SECONDS
    for path in [*folder.glob("gen-*"), *folder.glob(".gen-*.tmp"), *folder.glob(".CURRENT.*.tmp")]:
        if path.name in (keep, current):
            continue
        try:
            if path.stat().st_mtime < cutoff or _older_layout(path):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


def _older_layout(path: Path) -> bool:
    """``gen-N`` folders of the layout before unique names: nobody writes those any more."""
    return path.name.removeprefix("gen-").isdigit()

"""The vectors of recent questions, remembered by every embedder (local, ONNX or a server)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

QUERY_CACHE_SIZE = 512  # recent question vectors kept (2 kB each)


class RecentVectors:
    """The vectors of the most recent questions, for embedders: an answer across the archive searches each
    insats with the same question, and staff re-ask (the app, then the API; a follow-up). Thread-safe."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self._size = size
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_embed(self, text: str, embed: Callable[[str], list[float]]) -> list[float]:
        """The remembered vector of ``text``, or ``embed(text)`` remembered."""
        with self._lock:
            cached = self._vectors.get(text)
            if cached is not None:
                self._vectors.move_to_end(text)
                return cached
        vector = embed(text)
        with self._lock:
            self._vectors[text] = vector
            if len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector

    def clear(self) -> None:
        """Forget every remembered vector (benches time new questions)."""
        with self._lock:
            self._vectors.clear()

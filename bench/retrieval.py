"""Retrieval quality on the dev set: Arkiv's hybrid search against a naive baseline, in one process.

Baseline: LangChain's RecursiveCharacterTextSplitter at 1000/200 characters over the raw files, the same
embedding model, dense top-k only. Both use the scoring rule of shared/eval/README.md (a passage only counts
for evidence from its own file). Vectors are cached in the bench data directory, so reruns take seconds.

    python bench/retrieval.py [--seeds ../shared/seeds] [--dev ../shared/eval/dev.jsonl] [--model hashing]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from common import bench_settings, dev_set_arguments, open_current, read_items

from assistant.archive import Archive
from assistant.cli.evaluate import Retrieved, evaluate
from assistant.compose import build_retriever
from index.build import IngestReport, embed_chunks
from index.parse import read_document


def main() -> int:
    parser = dev_set_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    items = read_items(args.dev)
    settings = bench_settings(args)
    began = time.monotonic()
    archive = open_current(settings, args.seeds)
    print(f"index ready in {time.monotonic() - began:.1f} s ({len(archive.register.chunk_ids())} passages)")

    retriever = build_retriever(archive, settings)
    lengths: list[int] = []

    def arkiv(question: str) -> list[Retrieved]:
        passages = retriever.search(question, k=args.k)
        lengths.extend(len(p.chunk.text) for p in passages)
        return [Retrieved(p.chunk.source, p.chunk.text) for p in passages]

    began = time.monotonic()
    ours = evaluate(items, arkiv)
    ours_seconds = (time.monotonic() - began) / len(items)
    chunk_lengths = [len(c.text) for c in archive.register.chunks()]

    baseline_search, baseline_lengths = _baseline(args.seeds, archive, args.k)
    base = evaluate(items, baseline_search)

    report = {
        "arkiv": ours.summary(),
        "baseline": base.summary(),
        "arkiv_mean_passage_chars": statistics.mean(chunk_lengths),
        "arkiv_max_passage_chars": max(chunk_lengths),
        "arkiv_mean_returned_chars": statistics.mean(lengths) if lengths else 0,
        "baseline_mean_passage_chars": statistics.mean(baseline_lengths),
        "arkiv_seconds_per_query": ours_seconds,
        "model": archive.embedder.name,
    }
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _baseline(seeds: Path, archive: Archive, k: int):  # type: ignore[no-untyped-def]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from index.records import Chunk

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks: list[Chunk] = []
    for path in sorted(seeds.glob("*")):
        doc = read_document(path, path.name, max_bytes=10**9)
        for i, text in enumerate(splitter.split_text(doc.text)):
            chunks.append(Chunk(f"base-{path.name}-{i}", path.name, text, 0, len(text), None, None, (), ""))
    vectors = np.array(
        embed_chunks(chunks, archive.embedder, archive.stores.vectors, lambda e, n: None, IngestReport())
    )

    def search(question: str) -> list[Retrieved]:
        query = np.array(archive.embedder.embed_query(question))
        order = np.argsort(-(vectors @ query))[:k]
        return [Retrieved(chunks[i].source, chunks[i].text) for i in order]

    return search, [len(c.text) for c in chunks]


def _print(report: dict) -> None:  # type: ignore[type-arg]
    metrics = ("recall@1", "recall@5", "recall@10", "mrr", "alla_i_topp5", "filtäckning")
    print(f"\nmodel: {report['model']}")
    print(f"{'typ':<10}{'system':<10}" + "".join(f"{m:>13}" for m in metrics))
    for kind in report["arkiv"]:
        for system in ("arkiv", "baseline"):
            row = report[system].get(kind, {})
            print(f"{kind:<10}{system:<10}" + "".join(f"{row.get(m, float('nan')):>13.3f}" for m in metrics))
    a, b = report["arkiv"]["alla"], report["baseline"]["alla"]
    print(
        f"\nrecall@5: arkiv {a['recall@5']:.3f} vs baseline {b['recall@5']:.3f} "
        f"(+{100 * (a['recall@5'] - b['recall@5']):.1f} points); MRR {a['mrr']:.3f} vs {b['mrr']:.3f}"
    )
    print(
        f"mean passage length: arkiv {report['arkiv_mean_passage_chars']:.0f} chars "
        f"(max {report['arkiv_max_passage_chars']}), baseline {report['baseline_mean_passage_chars']:.0f}"
    )
    print(f"arkiv search: {1000 * report['arkiv_seconds_per_query']:.0f} ms per question incl. query embedding")


if __name__ == "__main__":
    raise SystemExit(main())

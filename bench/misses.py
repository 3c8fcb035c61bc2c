"""Why search misses the evidence it misses: per question, each evidence item outside the top 5, with its rank
among the 60 best, the passage that holds it (section, report type, length) and whether the register links its
report to the insats the question names.

    nice -n 10 python bench/misses.py [--set archive-a] [--k 60] [--json FILE]

Uses ``retrieval.py``'s indexes (``bench/.cache/retrieval/<set>``) and the shared scorer's hit rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import retrieval  # noqa: E402
from retrieval import arkiv_search, harness, prepare  # noqa: E402

from assistant.intent import read_question  # noqa: E402


def explain(set_name: str, depth: int) -> list[dict]:  # type: ignore[type-arg]
    h = harness()
    bench = prepare(set_name)
    retrieval.K = depth  # search deeper than the scored 10 (arkiv_search reads K on each search)
    search, _ = arkiv_search(bench)
    catalog = bench.archive.catalog()
    chunks = bench.archive.register.chunks()
    by_source: dict[str, list] = {}  # type: ignore[type-arg]
    for chunk in chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    rows = []
    for item in bench.ds["items"]:
        if item["type"] == "negative" or not item.get("evidence"):
            continue
        results = search(item["question"])
        query = read_question(item["question"], (), catalog)
        named = {m.insats.id for m in query.insatser}
        named_sources = {s for i in named for s in catalog.sources_of(i)}
        for ev in item["evidence"]:
            rank = next(
                (
                    i
                    for i, r in enumerate(results, 1)
                    if h.same_file(r["source"], ev["file"]) and h.hits(r["text"], ev["quote"])
                ),
                None,
            )
            holders = [
                c
                for src, cs in by_source.items()
                if h.same_file(src, ev["file"])
                for c in cs
                if h.hits(c.text, ev["quote"])
            ]
            info = next((catalog.reports.get(s) for s in by_source if h.same_file(s, ev["file"])), None)
            rows.append(
                {
                    "id": item["id"],
                    "type": item["type"],
                    "question": item["question"],
                    "kind": query.kind,
                    "file": ev["file"],
                    "rank": rank,
                    "n_evidence": len(item["evidence"]),
                    "held": len(holders),
                    "section": holders[0].section if holders else None,
                    "chars": len(holders[0].text) if holders else None,
                    "report_type": info.report_type if info else None,
                    "insats": info.insats.name if info and info.insats else None,
                    "named": sorted(m.insats.name for m in query.insatser),
                    "in_named": bool(named_sources) and any(h.same_file(s, ev["file"]) for s in named_sources),
                    "top5_files": [Path(r["source"]).name for r in results[:5]],
                }
            )
    return rows


def show(rows: list[dict]) -> None:  # type: ignore[type-arg]
    missed = [r for r in rows if not r["rank"] or r["rank"] > 5]
    print(f"{len(rows)} evidence items, {len(missed)} outside the top 5")
    for kind in sorted({r["type"] for r in rows}):
        own = [r for r in rows if r["type"] == kind]
        out = [r for r in own if not r["rank"] or r["rank"] > 5]
        ranks = Counter(
            "none" if not r["held"] else "6-10" if r["rank"] and r["rank"] <= 10 else "11-60" if r["rank"] else ">60"
            for r in out
        )
        named = sum(1 for r in out if r["named"])
        linked = sum(1 for r in out if r["in_named"])
        print(f"  {kind:<8} {len(own):>3} items, missed {len(out):>3}: {dict(ranks)}; named {named}, in named {linked}")
    print()
    for r in missed:
        print(
            f"{r['id']:<7}{r['type']:<8}{r['kind']:<8}rank {str(r['rank']):>4}  {r['file'][:36]:<36} "
            f"{str(r['section'])[:18]:<18} {str(r['chars']):>5}  named={[n[:20] for n in r['named']]} "
            f"in_named={r['in_named']} held={r['held']}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="archive-a")
    parser.add_argument("--k", type=int, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = explain(args.set, args.k)
    show(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Answer quality on the dev set with no language model (the extractive answerer), scored automatically.

fact      the answer holds a figure (or, without figures, most content words) of the gold answer and
          cites a passage from a gold evidence file
list      share of the gold insatser the answer names
negative  share of answers that abstain
figures   share of cited sentences whose figures all occur in the passage they cite
latency   p50/p95 seconds per answer, query embedding included

python bench/answers.py [--seeds ../shared/seeds] [--dev ../shared/eval/dev.jsonl]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from common import bench_settings, dev_set_arguments, open_current, read_items

from assistant.cite import unsupported_figures
from assistant.cli.evaluate import norm, words
from assistant.compose import build_assistant


def main() -> int:
    parser = dev_set_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("-v", "--verbose", action="store_true", help="print every answer")
    args = parser.parse_args()

    settings = bench_settings(args)
    archive = open_current(settings, args.seeds)
    assistant = build_assistant(archive, settings)
    items = read_items(args.dev)
    assistant.ask("uppvärmning")  # load the model outside the timings

    scores: dict[str, list[float]] = {"fact": [], "list": [], "negative": [], "figures": []}
    latencies = []
    for item in items:
        started = time.perf_counter()
        answer = assistant.ask(item["question"])
        latencies.append(time.perf_counter() - started)
        passages = tuple(c.passage for c in answer.citations)
        cited = [line for line in answer.text.splitlines() if re.search(r"\[\d+\]", line)]
        for line in cited:
            scores["figures"].append(0.0 if unsupported_figures(line, passages, uncited=False) else 1.0)
        kind = item["type"]
        if kind == "negative":
            scores["negative"].append(float(answer.abstained))
        elif kind == "list":
            named = [name for name in item["insatser"] if _names(answer.text, name)]
            scores["list"].append(len(named) / len(item["insatser"]))
        elif kind == "fact":
            files = {ev["file"] for ev in item["evidence"]}
            right_file = any(c.passage.source.split("/")[-1] in files for c in answer.citations)
            scores["fact"].append(float(right_file and _holds(answer.text, item["answer"])))
        if args.verbose:
            print(f"--- {item['id']} {kind}: {item['question']}\n{answer.text}\n")
    report = {k: statistics.mean(v) if v else None for k, v in scores.items()}
    latencies.sort()
    report["p50_s"] = latencies[len(latencies) // 2]
    report["p95_s"] = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    for key, value in report.items():
        print(f"{key:>10}: {value:.3f}" if value is not None else f"{key:>10}: –")
    return 0


def _holds(answer: str, gold: str) -> bool:
    """The answer states a figure of the gold answer, or (for a name) most of its words."""
    gold_figures = {f.replace(" ", "") for f in re.findall(r"\d[\d ]*\d|\d", gold)}
    answer_text = norm(answer).replace(" ", "")
    if gold_figures:
        return any(figure in answer_text for figure in gold_figures)
    gold_words = [w for w in words(gold) if len(w) > 3]
    return bool(gold_words) and sum(w in words(answer) for w in gold_words) >= 0.5 * len(gold_words)


def _names(answer: str, insats: str) -> bool:
    """Whether the answer names an insats (its distinctive words, folded)."""
    distinctive = [w for w in words(insats) if len(w) > 3]
    return bool(distinctive) and all(w in norm(answer) for w in distinctive)


if __name__ == "__main__":
    raise SystemExit(main())

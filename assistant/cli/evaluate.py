"""Score retrieval against questions with gold evidence (the rule in shared/eval/README.md). Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def norm(s: str) -> str:
    s = s.lower()
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), ("é", "e")):
        s = s.replace(a, b)
    return re.sub(r"\s+", " ", s).strip()


def words(s: str) -> list[str]:
    return re.findall(r"\w+", norm(s))


def lcs(a: Sequence[str], b: Sequence[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def hits(passage: str, quote: str) -> bool:
    """A passage hits a quote when it contains it (normalised) or 60 % of its words in order."""
    if norm(quote) in norm(passage):
        return True
    q = words(quote)
    return lcs(q, words(passage)) >= 0.6 * len(q)


@dataclass(frozen=True, slots=True)
class Retrieved:
    source: str
    text: str


@dataclass(slots=True)
class ItemScore:
    id: str
    type: str
    recall: dict[int, float]  # k → share of evidence items hit in the top k
    reciprocal_rank: float  # 1 / rank of the first passage hitting any evidence (0 when none)
    all_in_top5: bool
    file_coverage: float | None  # list items: share of evidence files with a hit in the top 10


@dataclass(slots=True)
class EvalResult:
    items: list[ItemScore] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, float]]:
        """Means per question type and overall."""
        groups: dict[str, list[ItemScore]] = {"alla": [s for s in self.items if s.recall]}
        for score in self.items:
            if score.recall:
                groups.setdefault(score.type, []).append(score)
        table = {}
        for name, scores in groups.items():
            if not scores:
                continue
            row = {f"recall@{k}": _mean([s.recall[k] for s in scores]) for k in (1, 5, 10)}
            row["mrr"] = _mean([s.reciprocal_rank for s in scores])
            row["alla_i_topp5"] = _mean([float(s.all_in_top5) for s in scores])
            coverage = [s.file_coverage for s in scores if s.file_coverage is not None]
            if coverage:
                row["filtäckning"] = _mean(coverage)
            row["antal"] = float(len(scores))
            table[name] = row
        return table


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def score_item(item: dict[str, Any], retrieved: Sequence[Retrieved], *, same_file: bool = True) -> ItemScore:
    """Score one question. With ``same_file`` a passage only counts for evidence from its own file."""
    evidence = item.get("evidence") or []
    if not evidence:
        return ItemScore(item["id"], item["type"], {}, 0.0, False, None)

    def hit(passage: Retrieved, ev: dict[str, Any]) -> bool:
        return (not same_file or _basename(passage.source) == _basename(ev["file"])) and hits(passage.text, ev["quote"])

    first_hit = [next((r for r, p in enumerate(retrieved, start=1) if hit(p, ev)), None) for ev in evidence]
    recall = {k: sum(1 for r in first_hit if r is not None and r <= k) / len(evidence) for k in (1, 5, 10)}
    ranks = [r for r in first_hit if r is not None]
    coverage = None
    if item["type"] == "list":
        files = {_basename(ev["file"]) for ev in evidence}
        covered = {
            _basename(ev["file"]) for ev, r in zip(evidence, first_hit, strict=True) if r is not None and r <= 10
        }
        coverage = len(covered) / len(files)
    return ItemScore(
        item["id"],
        item["type"],
        recall,
        1.0 / min(ranks) if ranks else 0.0,
        all(r is not None and r <= 5 for r in first_hit),
        coverage,
    )


def evaluate(items: Sequence[dict[str, Any]], search: Callable[[str], Sequence[Retrieved]]) -> EvalResult:
    result = EvalResult()
    for item in items:
        result.items.append(score_item(item, search(item["question"])))
    return result


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]

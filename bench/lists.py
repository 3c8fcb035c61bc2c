"""Lists across the archive: how the margins of the meaning rule (assistant/extractive/across.py) score, pooled.

For every list question of the three sets (dev, examples, archive-a) that the answerer takes across the archive,
each insats asked is judged once, as the product judges it (``ListAnswerer.judge``: the sentence that covers
the question's words, the sentence closest in meaning and its cosine). Then the qualification rule
(``qualified``) is replayed over a grid of the two margins, and each set's mean list F1 is computed the way
the shared scorer does (insatser named against the gold ``insatser``). The margins are chosen on the pooled
mean, never per set: the grid shows how flat the optimum is.

    python bench/lists.py                                   # ingests into bench/.cache/lists/<set>
    python bench/lists.py --data archive-a=/tmp/idx-a ...   # an index already ingested
    python bench/lists.py --show                            # the insatser missed and added per question
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import compose  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.extractive import across  # noqa: E402
from bench.common import open_current, read_items  # noqa: E402

SHARED = ROOT.parent / "shared"
SETS = {
    "dev": (SHARED / "eval" / "dev.jsonl", SHARED / "seeds"),
    "examples": (ROOT / "examples" / "questions.jsonl", ROOT / "examples" / "rapporter"),
    "archive-a": (SHARED / "eval" / "archive-a" / "questions.jsonl", SHARED / "eval" / "archive-a" / "files"),
}
MARGINS = [round(0.01 + 0.0025 * i, 4) for i in range(8)]
FLOORS = [0.02, 0.025, 0.03, 0.04, 1.0]


def scorer() -> Any:
    """The shared scorer's name matching (which insats a gold name means)."""
    spec = importlib.util.spec_from_file_location("answerscore", SHARED / "eval" / "answerscore.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def judged_questions(name: str, data: Path | None, cache: Path, model: str) -> list[dict[str, Any]]:
    """Each list question of a set that goes across the archive, with the judgment of every insats asked."""
    questions, reports = SETS[name]
    if data is None:
        settings = Settings(data_dir=cache / name, embedding_model=model)
        archive = open_current(settings, reports)
    else:
        settings = Settings(data_dir=data, embedding_model=model)
        archive = compose.open_archive(settings)
    assistant = compose.build_assistant(archive, settings)
    lists = assistant.answerer.lists  # type: ignore[attr-defined]
    seen: list[tuple[list[Any], dict[str, across.Judgment]]] = []
    judge = lists.judge

    def recording(*args: Any, **kwargs: Any) -> Any:
        result = judge(*args, **kwargs)
        seen.append(result)
        return result

    lists.judge = recording
    score = scorer()
    out = []
    for item in read_items(questions):
        if item.get("type") != "list":
            continue
        seen.clear()
        assistant.ask(item["question"])
        if not seen:
            continue  # answered by another route (a named insats, the register)
        insatser, judgments = seen[0]
        gold = {
            i.id
            for i in insatser
            for g in item.get("insatser", [])
            if score.mentioned(g, score.norm(i.name)) or score.mentioned(i.name, score.norm(g))
        }
        names = {i.id: i.name for i in insatser}
        out.append(
            {"id": item["id"], "judgments": judgments, "gold": gold, "n_gold": len(item["insatser"]), "names": names}
        )
    return out


def f1(chosen: set[str], gold: set[str], n_gold: int) -> float:
    hit = len(chosen & gold)
    if not hit:
        return 0.0
    precision, recall = hit / len(chosen), hit / n_gold
    return 2 * precision * recall / (precision + recall)


def sweep(sets: dict[str, list[dict[str, Any]]]) -> list[tuple[float, float, float, dict[str, float]]]:
    rows = []
    for margin in MARGINS:
        for floor in FLOORS:
            per = {
                name: statistics.mean(
                    f1(set(across.qualified(q["judgments"], margin=margin, floor=floor)), q["gold"], q["n_gold"])
                    for q in questions
                )
                for name, questions in sets.items()
                if questions
            }
            rows.append((statistics.mean(per.values()), margin, floor, per))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--data", action="append", default=[], help="SET=DIR: an index already ingested")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache" / "lists")
    parser.add_argument("--model", default="bundled:multilingual-e5-small")
    parser.add_argument("--show", action="store_true", help="missed and added insatser per question, as set")
    args = parser.parse_args()
    given = dict(entry.split("=", 1) for entry in args.data)
    sets = {
        name: judged_questions(name, Path(given[name]) if name in given else None, args.cache, args.model)
        for name in args.sets
    }
    rows = sweep(sets)
    current = next(r for r in rows if (r[1], r[2]) == (across._MEANING_MARGIN, across._WORD_FLOOR))
    words_only = {
        name: statistics.mean(
            f1({i for i, j in q["judgments"].items() if j.by_words}, q["gold"], q["n_gold"]) for q in questions
        )
        for name, questions in sets.items()
        if questions
    }
    print("list F1 per set (" + ", ".join(f"{n}: {len(q)} questions" for n, q in sets.items()) + ")")
    print(f"{'margin':>7} {'floor':>6} {'pooled':>7}  " + "  ".join(f"{n:>9}" for n in sets))
    print(
        f"{'words':>7} {'':>6} {statistics.mean(words_only.values()):7.3f}  "
        + "  ".join(f"{words_only[n]:9.3f}" for n in sets)
    )
    for pooled, margin, floor, per in sorted(rows, key=lambda r: -r[0])[:12]:
        mark = " <- set" if (margin, floor) == current[1:3] else ""
        print(f"{margin:7.4f} {floor:6.3f} {pooled:7.3f}  " + "  ".join(f"{per[n]:9.3f}" for n in sets) + mark)
    print(f"set: margin {current[1]}, floor {current[2]}: pooled {current[0]:.3f}")
    if args.show:
        for name, questions in sets.items():
            for q in questions:
                chosen = set(across.qualified(q["judgments"]))
                missed = sorted(q["names"][i] for i in q["gold"] - chosen)
                added = sorted(q["names"][i] for i in chosen - q["gold"])
                print(f"{name} {q['id']}: F1 {f1(chosen, q['gold'], q['n_gold']):.2f} missed {missed} added {added}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The insats register against a gold grouping: insatser right, names right, every report placed, fields read.

For each archive (archive-a, the fictional examples and archive-b, the seeds) every file is read and analysed as ingest
does it (no embedding), the reports are grouped, and the result is scored against a gold ``register.json``
(a list of ``{"namn", "kommun", "filer"}``):

- grouping: gold insatser whose file set comes out exactly as one insats;
- names: of those, the ones named by their own name (at most a kommun or an abbreviation added);
- placed: reports that end up in some insats;
- fields: per report, which of dnr, period, beviljat, utnyttjat, huvudman and kommun were found, and for
  the final reports in ``bench/gold/fields.json`` whether the values are the ones the document states.

    python bench/register.py [--set archive-a|archive-b|examples|seeds ...] [-v] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.analyze import fold  # noqa: E402
from index.build import analyse_document  # noqa: E402
from index.chunk import Chunker  # noqa: E402
from index.grouping import core_name, group_reports, is_report  # noqa: E402
from index.parse import SUFFIXES, ParseError, read_document  # noqa: E402
from index.records import Insats, ReportMeta  # noqa: E402

SHARED = ROOT.parent / "shared"
SETS: dict[str, tuple[Path, Path]] = {
    "archive-a": (SHARED / "eval" / "archive-a" / "files", SHARED / "eval" / "archive-a" / "register.json"),
    "examples": (ROOT / "examples" / "rapporter", ROOT / "examples" / "register.json"),
    "archive-b": (ROOT / "examples" / "archive-b" / "files", ROOT / "examples" / "archive-b" / "register.json"),
    "archive-c": (ROOT / "examples" / "archive-c" / "files", ROOT / "examples" / "archive-c" / "register.json"),
    "archive-d": (ROOT / "examples" / "archive-d" / "files", ROOT / "examples" / "archive-d" / "register.json"),
    "seeds": (SHARED / "seeds", ROOT / "bench" / "gold" / "seeds_register.json"),
}
FIELD_GOLD = ROOT / "bench" / "gold" / "fields.json"
# What the bench reports per report, and the register fields each is read from.
FIELDS = {
    "dnr": ("diarienummer",),
    "period": ("period_start", "period_end"),
    "beviljat": ("beviljade_medel",),
    "utnyttjat": ("utnyttjade_medel",),
    "huvudman": ("organisation",),
}


@dataclass
class Score:
    name: str
    gold: int = 0
    exact: int = 0
    named: int = 0
    reports: int = 0
    placed: int = 0
    values_expected: int = 0
    values_right: int = 0
    problems: list[str] = field(default_factory=list)
    per_report: list[dict[str, object]] = field(default_factory=list)

    def row(self) -> dict[str, object]:
        return {
            "set": self.name,
            "insatser_exact": f"{self.exact}/{self.gold}",
            "named_own_name": f"{self.named}/{self.gold}",
            "reports_placed": f"{self.placed}/{self.reports}",
            "stated_values_found": f"{self.values_right}/{self.values_expected}",
        }


def analyse(folder: Path) -> tuple[list[ReportMeta], dict[str, str]]:
    chunker = Chunker()
    metas, texts = [], {}
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES):
        source = path.relative_to(folder).as_posix()
        try:
            doc = read_document(path, source, max_bytes=10**9)
        except ParseError as exc:
            print(f"  {source}: {exc}")
            continue
        _, meta, _ = analyse_document(doc, chunker)
        metas.append(meta)
        texts[source] = doc.text
    return metas, texts


def own_name(predicted: str, gold: str, kommuner: list[str]) -> bool:
    """The gold name, give or take a kommun, "i", an abbreviation in brackets and case."""
    if fold(predicted) == fold(gold):
        return True
    extra = {fold(k) for k in kommuner}
    words = [w for w in re.findall(r"\w+", fold(re.sub(r"\([^)]*\)", " ", predicted))) if w not in extra]
    gold_words = [w for w in re.findall(r"\w+", fold(re.sub(r"\([^)]*\)", " ", gold))) if w not in extra]
    strip = {"i", "kommun"}
    return [w for w in words if w not in strip] == [w for w in gold_words if w not in strip] or (
        core_name(predicted) == core_name(gold) and bool(core_name(gold))
    )


def score(name: str, folder: Path, gold_path: Path, field_gold: dict[str, dict[str, str]], verbose: bool) -> Score:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    metas, texts = analyse(folder)
    insatser = group_reports(metas, text_of=texts.get)
    placed = {s for i in insatser for s in i.reports}
    # Documents that present themselves as no report (a web page, a statute) are no insats's; say how many.
    reports = [m for m in metas if is_report(m) or m.source in placed]
    result = Score(name, gold=len(gold), reports=len(reports))
    if len(reports) < len(metas):
        print(f"  {len(metas) - len(reports)} documents are no report and in no insats")
    by_files = {frozenset(i.reports): i for i in insatser}
    result.placed = sum(1 for m in reports if m.source in placed)
    for item in gold:
        files = frozenset(item["filer"])
        found = by_files.get(files)
        if found is None:
            holders = [(i.name, sorted(set(i.reports) & files)) for i in insatser if set(i.reports) & files]
            result.problems.append(f"grouping: {item['namn']}: {holders or 'in no insats'}")
            continue
        result.exact += 1
        if own_name(found.name, item["namn"], item.get("kommun", [])):
            result.named += 1
        else:
            result.problems.append(f"name: {item['namn']!r} came out as {found.name!r}")
    for meta in reports:
        if meta.source not in placed:
            result.problems.append(f"unplaced: {meta.source} ({meta.report_type})")
        result.per_report.append(_fields(meta, field_gold.get(meta.source), result))
    if verbose:
        _print_detail(insatser, result)
    return result


def _fields(meta: ReportMeta, stated: dict[str, str] | None, result: Score) -> dict[str, object]:
    row: dict[str, object] = {"fil": meta.source, "typ": meta.report_type}
    for label, names in FIELDS.items():
        row[label] = " – ".join(v for n in names if (v := next(iter(meta.values(n)), None))) or None
    row["kommun"] = meta.kommun
    for key, value in (stated or {}).items():
        if key.startswith("_"):
            continue
        result.values_expected += 1
        if value in meta.values(key):
            result.values_right += 1
        else:
            result.problems.append(f"field: {meta.source}: {key} should be {value}, found {meta.values(key)}")
    return row


def _print_detail(insatser: list[Insats], result: Score) -> None:
    for insats in sorted(insatser, key=lambda i: i.name):
        print(f"  {insats.name} [{insats.kommun}]")
        for placement in insats.placements:
            print(f"      {placement.source}: {placement.reason}")
    print("  " + " | ".join(f"{k:<10}" for k in ("typ", *FIELDS, "kommun")) + " | fil")
    for row in result.per_report:
        cells = [str(row[k] or "–")[:10] for k in ("typ", *FIELDS, "kommun")]
        print("  " + " | ".join(f"{c:<10}" for c in cells) + f" | {row['fil']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", choices=sorted(SETS), help="default: every set found")
    parser.add_argument("-v", "--verbose", action="store_true", help="print insatser, reasons and fields")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    field_gold = json.loads(FIELD_GOLD.read_text(encoding="utf-8"))
    results = []
    for name in args.set or list(SETS):
        folder, gold = SETS[name]
        if not folder.is_dir() or not gold.is_file():
            print(f"{name}: not here ({folder})")
            continue
        print(f"== {name}")
        result = score(name, folder, gold, field_gold, args.verbose)
        for problem in result.problems:
            print(f"  ! {problem}")
        results.append(result)
    print()
    for result in results:
        print("  ".join(f"{k}={v}" for k, v in result.row().items()))
    if args.json:
        payload = [{**r.row(), "problems": r.problems, "reports": r.per_report} for r in results]
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    ok = all(r.exact == r.gold and r.named == r.gold and r.placed == r.reports for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

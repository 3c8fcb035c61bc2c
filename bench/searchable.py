"""Time to searchable: ingest phase 1 (parse, sections, OCR check, metadata, chunks, register, BM25) on corpus
documents, for this checkout and an earlier git revision, alternately in one run.

The archive: the SFS statutes and regeringen.se pages ``bench/scale.py`` selects for ``--chunks`` passages
(bench/.cache/corpus-N) and the 41 long Riksdag documents of ../shared/corpus/riksdagen-docs, staged as
symlinks into one folder. Each round ingests it into a fresh data dir with the hashing embedder (phase 1 never
embeds; the vectors that follow are not timed here) in a child process per code version: this checkout, then
the ``--against`` revision (extracted with ``git archive`` into bench/.cache/rev-<sha>/). Rounds alternate so
a neighbour's load falls on both alike; the table gives each round and the median, and the ratio of medians.

Pages: real pages for PDFs, chars / 3000 for text files (as bench/ingest.py).

    python bench/searchable.py [--against 0a6d700] [--rounds 3] [--chunks 2000] [--no-riksdagen] [--json FILE]
    python bench/searchable.py --archive ../shared/seeds --archive examples/rapporter --against 0a6d700
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
RIKSDAGEN = ROOT.parent / "shared" / "corpus" / "riksdagen-docs"
CHARS_PER_PAGE = 3000

# Runs in the child, with the code version's root first on sys.path: the same steps for old and new code.
CHILD = """
import json, sys, time
from pathlib import Path
from assistant import compose
from assistant.config import Settings
archive_dir, data_dir = Path(sys.argv[1]), Path(sys.argv[2])
archive = compose.open_archive(Settings(data_dir=data_dir, embedding_model="hashing"))
began = time.perf_counter()
report = archive.ingest(archive_dir)
total = time.perf_counter() - began
pdf_pages, chars = 0, 0
for row in archive.register.files():
    if row["status"] == "ok":
        if row["kind"] == "pdf":
            pdf_pages += row["pages"]
        else:
            chars += row["chars"]
archive.close()
print(json.dumps({"searchable": report.searchable_seconds, "total": total, "files": len(report.indexed),
                  "failed": len(report.failed), "passages": report.chunks_added, "pdf_pages": pdf_pages,
                  "text_chars": chars}))
"""


def stage(folders: list[Path] | None, chunks: int, riksdagen: bool, target: Path) -> Path:
    """One folder of symlinks: ``folders``, else scale.py's corpus selection and (optionally) the Riksdag
    documents."""
    if not folders:
        sys.path.insert(0, str(ROOT / "bench"))
        sys.path.insert(0, str(ROOT))
        from scale import select_corpus

        from index.chunk import Chunker

        corpus = CACHE / f"corpus-{chunks}"
        select_corpus(chunks, corpus, Chunker())
        folders = [corpus, *([RIKSDAGEN] if riksdagen else [])]
    for number, folder in enumerate(folders):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "MANIFEST.json":
                link = target / f"{number}_{folder.name}" / path.relative_to(folder)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path.resolve())
    return target


def checkout(revision: str) -> tuple[Path, str]:
    """The code of ``revision`` (assistant/, index/, prompts/) extracted once into bench/.cache/rev-<sha>."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    target = CACHE / f"rev-{sha}"
    if not (target / "index").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", sha, "assistant", "index", "prompts"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target, sha


def run_child(code: Path, archive: Path, work: Path) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="data-", dir=work))
    try:
        env = {**os.environ, "PYTHONPATH": str(code)}
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(archive), str(data)],
            cwd=code,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(data, ignore_errors=True)


def rates(run: dict[str, Any]) -> tuple[float, float, float]:
    """(pages, pages/s, passages/s) until searchable."""
    pages = run["pdf_pages"] + run["text_chars"] / CHARS_PER_PAGE
    return pages, pages / run["searchable"], run["passages"] / run["searchable"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=None, help="git revision to compare with (default: none)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunks", type=int, default=2000, help="passages of scale.py's corpus selection")
    parser.add_argument("--no-riksdagen", action="store_true", help="leave out the long Riksdag documents")
    parser.add_argument("--archive", type=Path, action="append", help="ingest these folders instead (repeatable)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="searchable-", dir=CACHE))
    try:
        archive = stage(args.archive, args.chunks, not args.no_riksdagen, work / "archive")
        versions = {"this checkout": ROOT}
        if args.against:
            code, sha = checkout(args.against)
            versions[sha] = code
        load_before = os.getloadavg()
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in versions}
        for round_number in range(args.rounds):
            for name, code in versions.items():
                began = time.perf_counter()
                result = run_child(code, archive, work)
                runs[name].append(result)
                pages, per_page, per_passage = rates(result)
                print(
                    f"round {round_number + 1} {name:>13}: searchable {result['searchable']:6.1f} s, "
                    f"{per_page:6.1f} pages/s, {per_passage:6.1f} passages/s "
                    f"({result['files']} files, {pages:.0f} pages, {result['passages']} passages; "
                    f"child {time.perf_counter() - began:.0f} s; load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
        print(
            f"\nload before {' '.join(f'{x:.2f}' for x in load_before)}, "
            f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)"
        )
        medians = {}
        for name, results in runs.items():
            seconds = statistics.median(r["searchable"] for r in results)
            pages, _, _ = rates(results[0])
            medians[name] = seconds
            print(
                f"{name:>13}: median {seconds:.1f} s to searchable = {pages / seconds:.1f} pages/s, "
                f"{results[0]['passages'] / seconds:.1f} passages/s"
            )
        if args.against:
            base = medians[sha]
            print(f"speed-up, this checkout against {sha}: {base / medians['this checkout']:.2f}×")
        if args.json:
            args.json.write_text(json.dumps({"runs": runs, "medians": medians}, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

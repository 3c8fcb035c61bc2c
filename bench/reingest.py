"""Re-ingest of an unchanged archive (issue 14: 1,000 files in ≤ 2 s), for this checkout and an earlier git
revision, alternately in one run.

The archive: ``--files`` documents (default 1,000) drawn with a fixed seed from ../shared/corpus (SFS statutes
as .md, the Riksdag documents as .txt), copied once into bench/.cache/reingest-N/archive with their mtimes
kept. Each code version ingests it once into a fresh data dir with the hashing embedder (the vector phase is
not what is timed, and e5 would only make this first ingest long). Then, each round and each version in turn:

- in process: a child process opens the archive and calls ``Archive.ingest`` twice on the unchanged folder;
  the first call (cold: nothing of the archive read yet, as for a fresh process) and the second (warm, as
  the web app's re-index job runs it) are timed, and so are the imports and ``open_archive`` before them;
- as the command: ``arkiv ingest`` (``python -m assistant.cli``) of the same folder, wall time from the parent,
  process start and imports included; ``arkiv --help`` beside it is the start without the work (Python, the
  parser and what it imports: every command module at e610859, only the ingest command's since issue 14's
  session 8; chromadb is imported when the archive opens, so it falls on the ingest side).

Every timed re-ingest must report all files unchanged and none read, else the bench stops. The table gives
each round and the medians, and the ratio of medians against ``--against``.

    python bench/reingest.py [--files 1000] [--rounds 5] [--against e610859] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from searchable import checkout

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
CORPUS = ROOT.parent / "shared" / "corpus"
SEED = 14

# Runs in the child, with the code version's root first on sys.path: the same steps for old and new code.
CHILD = """
import json, sys, time
began = time.perf_counter()
from pathlib import Path
from assistant import compose
from assistant.config import Settings
imported = time.perf_counter()
archive_dir, data_dir, calls = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
archive = compose.open_archive(Settings(data_dir=data_dir, embedding_model="hashing"))
opened = time.perf_counter()
runs = []
for _ in range(calls):
    start = time.perf_counter()
    report = archive.ingest(archive_dir)
    runs.append({"seconds": time.perf_counter() - start, "indexed": len(report.indexed),
                 "unchanged": len(report.unchanged), "failed": len(report.failed),
                 "chunks_added": report.chunks_added, "embedded": report.chunks_embedded})
chunks = len(archive.register.chunk_ids())
archive.close()
print(json.dumps({"import": imported - began, "open": opened - imported, "runs": runs, "chunks": chunks}))
"""


def stage(files: int, target: Path) -> Path:
    """``files`` corpus documents copied into ``target`` (kept between runs when the selection is the same)."""
    pool = sorted(CORPUS.glob("sfs-statutes/*.md")) + sorted(CORPUS.glob("riksdagen-docs/*.txt"))
    if files > len(pool):
        raise SystemExit(f"--files {files}: the corpus has {len(pool)} text documents")
    chosen = sorted(random.Random(SEED).sample(pool, files))
    names = [f"{p.parent.name}/{p.name}" for p in chosen]
    manifest = target / ".manifest.json"  # hidden: ingest skips it
    if manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")) == names:
        return target
    shutil.rmtree(target, ignore_errors=True)
    for path, name in zip(chosen, names, strict=True):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / name)  # the corpus's mtimes: a real archive's files are not brand new
    manifest.write_text(json.dumps(names), encoding="utf-8")
    return target


def child_env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "ARKIV_EMBEDDING_MODEL": "hashing"}


def in_process(code: Path, archive: Path, data: Path, calls: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(archive), str(data), str(calls)],
        cwd=code,
        env=child_env(code),
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def command(code: Path, *args: str) -> tuple[float, str]:
    """Wall seconds of ``arkiv ARGS`` run from ``code``, and what it printed on stdout."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=code,
        env=child_env(code),
        check=False,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"arkiv {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def check_unchanged(run: dict[str, Any], files: int) -> None:
    if run["unchanged"] + run["failed"] != files or run["indexed"] or run["embedded"]:
        raise SystemExit(f"not an unchanged re-ingest: {run}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", default=None, help="git revision to compare with (default: none)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = stage(args.files, CACHE / f"reingest-{args.files}" / "archive")
    work = Path(tempfile.mkdtemp(prefix="reingest-", dir=CACHE))
    try:
        versions = {"this checkout": ROOT}
        if args.against:
            code, sha = checkout(args.against)
            versions[sha] = code
        data = {name: work / f"data-{number}" for number, name in enumerate(versions)}
        for name, code in versions.items():
            began = time.perf_counter()
            first = in_process(code, archive, data[name], 1)
            run = first["runs"][0]
            print(
                f"first ingest, {name}: {run['seconds']:.1f} s ({run['indexed']} files read, {run['failed']} "
                f"failed, {first['chunks']} passages; child {time.perf_counter() - began:.0f} s; "
                f"load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        load_before = os.getloadavg()
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in versions}
        for round_number in range(args.rounds):
            for name, code in versions.items():
                child = in_process(code, archive, data[name], 2)
                for run in child["runs"]:
                    check_unchanged(run, args.files)
                cli, printed = command(code, "--data-dir", str(data[name]), "ingest", str(archive))
                if " 0 inlästa" not in printed:
                    raise SystemExit(f"arkiv ingest read files again: {printed}")
                start, _ = command(code, "--help")
                row = {
                    "cold": child["runs"][0]["seconds"],
                    "warm": child["runs"][1]["seconds"],
                    "import": child["import"],
                    "open": child["open"],
                    "cli": cli,
                    "start": start,
                }
                rounds[name].append(row)
                print(
                    f"round {round_number + 1} {name:>13}: ingest() cold {row['cold']:5.2f} s, warm "
                    f"{row['warm']:5.2f} s (imports {row['import']:.2f} s, open {row['open']:.2f} s); "
                    f"arkiv ingest {cli:5.2f} s, arkiv --help {start:5.2f} s; load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        print(
            f"\n{args.files} files, load before {' '.join(f'{x:.2f}' for x in load_before)}, "
            f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)"
        )
        medians = {
            name: {key: statistics.median(r[key] for r in rows) for key in rows[0]} for name, rows in rounds.items()
        }
        for name, median in medians.items():
            print(
                f"{name:>13} (median): ingest() cold {median['cold']:.2f} s, warm {median['warm']:.2f} s; "
                f"arkiv ingest {median['cli']:.2f} s (of it process start ≈ arkiv --help {median['start']:.2f} s)"
            )
        if args.against:
            base, now = medians[sha], medians["this checkout"]
            print(
                f"speed-up against {sha}: ingest() cold {base['cold'] / now['cold']:.1f}×, warm "
                f"{base['warm'] / now['warm']:.1f}×, arkiv ingest {base['cli'] / now['cli']:.1f}×"
            )
        if args.json:
            args.json.write_text(json.dumps({"rounds": rounds, "medians": medians}, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

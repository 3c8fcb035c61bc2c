"""Kill -9 an ingest at a seeded random moment, run it again, and check that nothing was lost or duplicated.

Used by tests/test_build.py (a few runs) and bench/crash.py (the full table). One run:
  1. a good state: the first half of the reports ingested to completion (its chunk ids are remembered);
  2. the other half added and three of the first half edited; ``arkiv ingest`` started in a subprocess with
     the hashing embedder and killed with SIGKILL after a random delay (seeded), anywhere from interpreter
     start-up to the end of the run;
  3. the same ingest run again to completion; then the register, Chroma and the lexical index must hold the
     same chunk ids (``check_consistency``), the lexical index no duplicates, every report be indexed, the
     untouched reports keep exactly their chunk ids from step 1 and the edited ones carry their new text.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.archive import Archive
from assistant.compose import open_archive
from assistant.config import Settings
from index.build import check_consistency
from index.embed import HashingEmbedder
from index.lexical import LexicalIndex

EDITED = (1, 4, 7)


@dataclass(frozen=True)
class CrashRun:
    seed: int
    kill_after: float  # seconds after the ingest process started
    files_before_kill: int  # reports in the register (ok) when it was killed
    exit_code: int | None  # -9 when killed, 0 when it finished first
    recovered: bool
    chunks: int
    vectors: int
    lexical: int
    problems: tuple[str, ...]


def write_reports(root: Path, count: int, *, start: int = 0, edited: bool = False) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        body = "\n\n".join(f"Stycke {j} om deltagare {i} och arbetsträning i kommun {j}." * 6 for j in range(12))
        note = "Rapporten är reviderad i efterhand." if edited and i in EDITED else ""
        (root / f"rapport_{i:03}.md").write_text(f"# Slutrapport {i}\n\n## 6.4 Framgångsfaktorer\n\n{note}{body}\n")


def _open(data: Path) -> Archive:
    return open_archive(Settings(data_dir=data, embedding_model="hashing"), embedder=HashingEmbedder())


def _generation(data: Path) -> int:
    """The register's generation, read straight from SQLite while the ingest process writes (first file done)."""
    try:
        with sqlite3.connect(f"file:{data / 'register.sqlite'}?mode=ro", uri=True, timeout=0.5) as db:
            row = db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
            return int(row[0]) if row else 0
    except sqlite3.Error:
        return 0


def _ok_files(archive: Archive) -> int:
    return sum(1 for row in archive.register.files() if row["status"] == "ok")


def crash_run(workdir: Path, seed: int, *, reports: int = 60, max_delay: float | None = None) -> CrashRun:
    """One kill -9 run in ``workdir`` (created); ``max_delay`` defaults to the length of a clean run."""
    root, data = workdir / "rapporter", workdir / "data"
    half = reports // 2
    write_reports(root, half)
    archive = _open(data)
    began = time.monotonic()
    archive.ingest(root)
    clean_seconds = time.monotonic() - began
    before = {s: archive.register.chunk_ids(s) for s in (f"rapport_{i:03}.md" for i in range(half))}
    generation = archive.register.generation
    archive.close()

    write_reports(root, reports - half, start=half)
    write_reports(root, half, edited=True)
    env = {**os.environ, "ARKIV_DATA_DIR": str(data), "ARKIV_EMBEDDING_MODEL": "hashing"}
    rng = random.Random(seed)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", str(root)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # One run in five is killed during start-up; the rest once files are being written, at a random point
    # up to past the end of the run (a clean ingest of the first half gives the scale).
    if rng.random() < 0.2:
        wait = rng.uniform(0.0, 3.0)
    else:
        while _generation(data) <= generation and process.poll() is None and time.monotonic() - started < 120:
            time.sleep(0.01)
        wait = rng.uniform(0.0, max_delay if max_delay is not None else 1.3 * clean_seconds)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    delay = time.monotonic() - started
    exit_code = process.returncode

    archive = _open(data)
    try:
        files_before = _ok_files(archive)
        problems: list[str] = []
        try:
            archive.lexical()  # usable right after the crash, before any repair
        except Exception as exc:  # reported in the table, not raised: the run goes on to recovery
            problems.append(f"unusable after crash: {exc!r}")
        report = archive.ingest(root)
        if report.failed:
            problems.append(f"failed: {report.failed}")
        state = check_consistency(archive.stores)
        if not state.ok:
            problems.append(f"inconsistent: {state}")
        lexical = LexicalIndex.load(archive.stores.lexical_dir)
        lexical_ids = lexical.ids if lexical is not None else []
        if len(lexical_ids) != len(set(lexical_ids)):
            problems.append("duplicate ids in the lexical index")
        wanted = archive.register.chunk_ids()
        if wanted != archive.stores.chroma.ids() or set(lexical_ids) != wanted:
            problems.append("chunk ids differ between register, Chroma and lexical index")
        if _ok_files(archive) != reports:
            problems.append(f"{_ok_files(archive)} of {reports} reports indexed")
        for source, ids in before.items():
            number = int(source[8:11])
            now = archive.register.chunk_ids(source)
            if number in EDITED:
                text = " ".join(c.text for c in archive.register.chunks_of(source))
                if "reviderad" not in text or now == ids:
                    problems.append(f"{source}: edit not indexed")
            elif now != ids:
                problems.append(f"{source}: chunk ids changed or lost")
        return CrashRun(
            seed,
            delay,
            files_before,
            exit_code,
            not problems,
            state.chunks,
            state.vectors,
            state.lexical,
            tuple(problems),
        )
    finally:
        archive.close()

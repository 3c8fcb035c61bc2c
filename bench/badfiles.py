"""Malformed input: ingest the tests/badfiles.py archive (100+ bad files mixed with good ones) through the CLI
and print the outcome per category, the exit code and the ingest process's peak RSS.

    .venv/bin/python bench/badfiles.py [--big-mb 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from badfiles import PEAK_RSS, generate  # noqa: I001 - tests/ is put on the path just above


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=200, help="size of the oversized text file")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arkiv-bad-") as work:
        root = args.keep or Path(work) / "arkiv"
        cases = generate(root, big_mb=args.big_mb)
        env = {**os.environ, "ARKIV_EMBEDDING_MODEL": "hashing", "COLUMNS": "1000"}
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, "--data-dir", str(Path(work) / "data"), "ingest", str(root)],
            capture_output=True,
            text=True,
            env=env,
        )
        seconds = time.monotonic() - began
    listed = dict(re.findall(r"^  ✗ (.+?): (.+)$", done.stdout, re.MULTILINE))
    peak = int(re.search(r"PEAK_RSS_KB (\d+)", done.stderr).group(1)) / 1024  # type: ignore[union-attr]
    rows: dict[str, Counter[str]] = {}
    for case in cases:
        shown = case.source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in shown)
        reason = listed.get(shown)
        outcome = "listed: " + reason.split(" (")[0].split(";")[0][:60] if reason else "not listed"
        if case.expect == "ok":
            outcome = "indexed" if reason is None else f"FAILED: {reason[:60]}"
        rows.setdefault(case.category, Counter())[outcome] += 1
    print(
        f"load average {os.getloadavg()[0]:.1f}; {len(cases)} entries, "
        f"{sum(c.category.startswith('bad') for c in cases)} bad files"
    )
    print("| category | files | outcome |")
    print("|---|---|---|")
    for category, outcomes in rows.items():
        for outcome, count in outcomes.items():
            print(f"| {category} | {count} | {outcome} |")
    print(f"\nexit code {done.returncode}; {done.stdout.splitlines()[0] if done.stdout else ''}")
    print(f"ingest process: {seconds:.1f} s, peak RSS {peak:.0f} MB (the oversized file is {args.big_mb} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

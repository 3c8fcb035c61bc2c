"""Crash safety: kill -9 an ingest at seeded random moments, recover, and check the three stores agree.

Each run (tests/crashing.py): a complete ingest of 30 reports, then 30 more added and 3 edited, ``arkiv
ingest`` killed with SIGKILL after a random delay (anywhere from start-up to past the end of a clean run),
then ingest again. Recovered = register, Chroma and lexical index hold the same chunk ids, no duplicates,
all 60 reports indexed, untouched reports keep their chunk ids and the edits are in.

    .venv/bin/python bench/crash.py [--runs 10] [--reports 60] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from crashing import crash_run  # noqa: I001 - tests/ is put on the path just above


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0, help="first seed; run i uses seed + i")
    args = parser.parse_args()
    os.environ["ARKIV_EMBEDDING_MODEL"] = "hashing"
    print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} runs of {args.reports} reports")
    print("| run | seed | kill after (s) | reports done at kill | exit | recovered | chunks | Chroma | lexical |")
    print("|---|---|---|---|---|---|---|---|---|")
    survived = 0
    began = time.monotonic()
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="arkiv-crash-") as work:
            run = crash_run(Path(work), args.seed + i, reports=args.reports)
        survived += run.recovered
        exit_code = "killed" if run.exit_code == -9 else f"{run.exit_code} (finished first)"
        print(
            f"| {i + 1} | {run.seed} | {run.kill_after:.2f} | {run.files_before_kill} | {exit_code} | "
            f"{'yes' if run.recovered else 'NO'} | {run.chunks} | {run.vectors} | {run.lexical} |"
        )
        for problem in run.problems:
            print(f"    {problem}")
    print(f"\n{survived}/{args.runs} runs recovered in {time.monotonic() - began:.0f} s")
    return 0 if survived == args.runs else 1


if __name__ == "__main__":
    raise SystemExit(main())

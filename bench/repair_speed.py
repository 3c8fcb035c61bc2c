"""OCR repair speed: seconds to repair ~20 kB of damaged text, cold (empty word caches) and warm.

python bench/repair_speed.py [FILE]   (default: the OCR seed in ../shared/seeds)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import repair as rep  # noqa: E402
from index.parse import read_document  # noqa: E402


def main() -> int:
    default = next((ROOT.parent / "shared" / "seeds").glob("002_*.txt"), None)
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if path is None:
        print("no damaged text to measure; pass a file")
        return 1
    text = read_document(path, path.name, max_bytes=10**9).text
    started = time.perf_counter()
    rep.repair("värmeljus")
    print(f"lexicon load: {time.perf_counter() - started:.2f} s")
    for label in ("cold", "warm"):
        if label == "cold":
            for cached in (rep._decide, rep._restorations, rep._best_part, rep._compound):
                cached.cache_clear()
        started = time.perf_counter()
        _, repairs = rep.repair(text)
        print(f"{label}: {time.perf_counter() - started:.3f} s for {len(text)} chars, {len(repairs)} repairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

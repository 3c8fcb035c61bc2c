"""What the dev-set benches share (``answers.py``, ``retrieval.py``): paths, their arguments, the dev items and
an index built with the current pipeline.

Imported as ``from common import …`` (a bench runs as ``python bench/X.py``, so ``bench/`` is on the path);
importing it puts the repository root on the path for ``assistant`` and ``index``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.archive import Archive  # noqa: E402
from assistant.compose import open_archive  # noqa: E402
from assistant.config import Settings  # noqa: E402


def dev_set_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments every dev-set bench takes: the reports, the questions, where the index lives, the model."""
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds", help="folder of reports")
    parser.add_argument(
        "--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl", help="questions with evidence"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / ".cache" / "retrieval")
    parser.add_argument("--model", default="bundled:multilingual-e5-small")
    return parser


def read_items(path: Path) -> list[dict[str, Any]]:
    """The dev set's questions, one JSON object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bench_settings(args: argparse.Namespace) -> Settings:
    return Settings(data_dir=args.data_dir, embedding_model=args.model)


def open_current(settings: Settings, seeds: Path) -> Archive:
    """The bench archive, ingested with the current pipeline.

    Ingest skips files whose bytes are unchanged, so an index built by older chunking or section code would
    be measured as if it were new. The index is rebuilt whenever the ingest code changed; the vector cache
    is kept, so only passages whose text changed are embedded again.
    """
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    stamp = data / "pipeline.sha256"
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((ROOT / "index").glob("*.py")))).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        for stale in ("chroma", "lexical"):
            shutil.rmtree(data / stale, ignore_errors=True)
        (data / "register.sqlite").unlink(missing_ok=True)
    archive = open_archive(settings)
    archive.ingest(seeds)
    stamp.write_text(digest)
    return archive

"""What an ingest may take as unchanged without reading it again: files, the insats grouping, the vectors.

A re-ingest of an archive where nothing changed should cost a look at each file, not a pass over the whole
archive. Three shortcuts, each keyed so that any change falls back to the full work:

- **Files.** A file whose size, mtime, ctime, inode and device are those recorded when its bytes were last read
  is not hashed again (``stat_key``). ctime cannot be set from user space, so new bytes written under an old
  mtime (``cp -p``, ``touch -d``) still change the key. A file whose times were within ``RACY_SECONDS`` of
  the moment they were recorded gets no key: a write later in the same clock tick (or, on FAT, the same
  2-second step) would leave its times as they were; such a file is hashed again next time (git's
  "racily clean" rule).
- **Insats grouping.** ``group_reports`` reads only the register, so it is redone only when the register's
  generation or the grouping code moved since the grouping recorded in its state (``grouping_stamp``).
- **Vectors.** After a reconcile has made Chroma hold exactly the register's chunk ids, the register's state
  records that, for the generation and embedder (``vectors_stamp``); every Chroma write of an ingest clears
  it first, so a run killed anywhere leaves it cleared. An ingest that changed nothing then skips reading
  every id back from Chroma when the stamp holds and Chroma's count equals the register's. Damage from
  outside (ids swapped one for one in a shared Chroma) is left to ``arkiv check``, which compares every id.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from index.register import Register

RACY_SECONDS = 3  # above FAT's 2-second mtime step and the lag of the kernel's coarse file clock
GROUPED_KEY = "insatser_grouped"  # register state: the generation and grouping code of the insats table
VECTORS_KEY = "vectors_in_sync"  # register state: the generation and embedder Chroma was last reconciled at

_INDEX = Path(__file__).resolve().parent
# What group_reports' result depends on besides the register: its module and what it reads words and places
# with. A new version of any of them regroups the archive at the next ingest, as every ingest did before.
_GROUPING_SOURCES = ("grouping.py", "analyze.py", "places.py", "records.py", "data")


def stat_key(info: os.stat_result, *, now_ns: int | None = None) -> str | None:
    """The key a file's ``stat`` is recorded under, or None when its times are too recent to be trusted.

    Args:
        info: ``path.stat()`` taken *before* the file's bytes were read, so a write during the read changes it.
        now_ns: when the key is recorded (default: now).
    """
    now_ns = time.time_ns() if now_ns is None else now_ns
    if now_ns - max(info.st_mtime_ns, info.st_ctime_ns) < RACY_SECONDS * 1_000_000_000:
        return None
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"


@lru_cache(maxsize=1)
def grouping_code() -> str:
    """A fingerprint of the grouping code and the word and place lists it uses."""
    digest = hashlib.sha256()
    for name in _GROUPING_SOURCES:
        path = _INDEX / name
        for part in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if part.is_file():
                digest.update(part.name.encode() + b"\0" + part.read_bytes())
    return digest.hexdigest()[:16]


def grouping_stamp(register: Register) -> str:
    return f"{register.generation}/{grouping_code()}"


def grouping_current(register: Register) -> bool:
    """The insats table was grouped from the register as it is now, by this grouping code, and every report
    holds its link (a register written before replaced reports kept theirs may have lost them)."""
    return register.get_state(GROUPED_KEY) == grouping_stamp(register) and not register.unlinked_reports()


def mark_grouped(register: Register) -> None:
    register.set_state(GROUPED_KEY, grouping_stamp(register))


def vectors_stamp(register: Register, model: str) -> str:
    return f"{register.generation}/{model}"


def mark_vectors_in_sync(register: Register, model: str) -> None:
    register.set_state(VECTORS_KEY, vectors_stamp(register, model))


def clear_vectors_in_sync(register: Register) -> None:
    """Before any Chroma write: until a reconcile completes, Chroma may differ from the register."""
    if register.get_state(VECTORS_KEY) is not None:
        register.delete_state(VECTORS_KEY)


def vectors_in_sync(register: Register, model: str, vector_count: Callable[[], int]) -> bool:
    """Chroma was reconciled with the register as it is now, for this model, and still holds as many
    vectors as the register has passages (a wiped or swapped store is caught by the count)."""
    return register.get_state(VECTORS_KEY) == vectors_stamp(register, model) and (
        vector_count() == register.chunk_count()
    )

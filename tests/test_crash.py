"""Crash recovery at chosen points: an ingest killed with SIGKILL (tests/crashing.py wraps the real function at
the point), then `arkiv check` finds the damage, `arkiv check --repair` mends it, and a re-ingest gives the
same stores as a clean ingest of the same folder."""

from __future__ import annotations

import signal

import pytest
from crashing import EDITED, POINTS, clean_stores, crash_at

from assistant.archive import Archive
from assistant.cli import main
from assistant.compose import open_archive
from assistant.config import Settings
from index.build import check_consistency
from index.embed import HashingEmbedder
from index.lexical import LexicalIndex

REPORTS = 20
KILLED_IN = f"rapport_{EDITED[2]:03}.md"  # the third changed file: the point is reached the third time there


def _open(data) -> Archive:
    return open_archive(Settings(data_dir=data, embedding_model="hashing"), embedder=HashingEmbedder())


def _damage(crash, point: str) -> None:
    """What the crash must have left behind at ``point`` (the evidence that it died where it was sent)."""
    archive = _open(crash.data)
    try:
        state = check_consistency(archive.stores)
        text = " ".join(c.text for c in archive.register.chunks_of(KILLED_IN))
        lexical = LexicalIndex.load(archive.stores.lexical_dir)
        assert lexical is not None and lexical.generation < archive.register.generation  # never published
        assert state.lexical_stale and not state.ok, state
        if point == "mid-bm25-save":
            # The ingest commits files and refreshes BM25 as it goes (vectors follow in a second phase): the
            # killed refresh left files in the register that the published index does not hold, and the new
            # index unpublished in its staging folder.
            assert state.chunks > 0 and state.vectors < state.chunks
            assert list(archive.stores.lexical_dir.glob(".gen-*.tmp"))
            return
        assert "reviderad" not in text  # the killed file's edit never reached the register
        edited_before = [f"rapport_{i:03}.md" for i in EDITED[:2]]
        assert all("reviderad" in " ".join(c.text for c in archive.register.chunks_of(s)) for s in edited_before)
        assert state.chunks == REPORTS // 2 * 6  # the new files after it were never reached
        if point in ("mid-vector", "mid-register-commit"):
            assert state.orphan_vectors > 0  # its new vectors are in Chroma, the register rolled back or untold
        else:
            assert state.orphan_vectors == 0
    finally:
        archive.close()


@pytest.mark.parametrize("point", POINTS)
def test_an_ingest_killed_at_a_chosen_point_is_found_repaired_and_completed(tmp_path, point, capsys, monkeypatch):
    nth = 1 if point == "mid-bm25-save" else 3
    crash = crash_at(tmp_path / "run", point, nth, reports=REPORTS)
    log = (tmp_path / "run" / "driver.log").read_text(errors="replace")
    assert crash.exit_code == -signal.SIGKILL and not crash.finished, log[-2000:]
    _damage(crash, point)

    monkeypatch.setenv("ARKIV_EMBEDDING_MODEL", "hashing")
    data = ["--data-dir", str(crash.data)]
    capsys.readouterr()
    assert main([*data, "check"]) == 1  # found
    assert "stämmer inte" in capsys.readouterr().out
    assert main([*data, "check", "--repair"]) == 0  # repaired
    assert main([*data, "check"]) == 0

    archive = _open(crash.data)
    try:
        report = archive.ingest(crash.root)
        assert not report.failed
        ids = archive.register.chunk_ids()
        vectors = len(archive.stores.chroma.ids())
        lexical = LexicalIndex.load(archive.stores.lexical_dir)
        assert check_consistency(archive.stores).ok
    finally:
        archive.close()
    clean_ids, clean_vectors, clean_lexical = clean_stores(crash.root, tmp_path / "clean")
    assert ids == clean_ids  # the same passage ids as a clean ingest
    assert vectors == clean_vectors == len(clean_ids)
    assert lexical is not None and sorted(lexical.ids) == sorted(clean_lexical) and len(lexical.ids) == len(ids)


def test_the_driver_finishes_when_the_point_is_never_reached(tmp_path):
    # the other side of the exit-code check above: with no kill, the run ends normally and says so
    crash = crash_at(tmp_path / "run", "after-parse", nth=10_000, reports=6)
    assert crash.exit_code == 0 and crash.finished

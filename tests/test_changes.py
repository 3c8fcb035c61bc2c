"""What a re-ingest takes as unchanged (index/changes.py): files by their stat, the grouping, the vectors."""

import os
import shutil
import sqlite3
from types import SimpleNamespace

import pytest

from index import build, changes
from index.build import check_consistency
from index.lexical import LexicalIndex

SECOND = 1_000_000_000
FINAL = "slutrapport vägen framåt.md"


@pytest.fixture
def settled(monkeypatch):
    """Files written by a test are as old as a real archive's: no racy window (stat_key itself is tested below)."""
    monkeypatch.setattr(changes, "RACY_SECONDS", 0)


@pytest.fixture
def hashed(monkeypatch):
    """The sources ingest hashes, in order."""
    seen = []
    real = build._sha

    def spy(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(build, "_sha", spy)
    return seen


def _stat(size=10, mtime=100, ctime=100, ino=7, dev=1):
    return SimpleNamespace(st_size=size, st_mtime_ns=mtime * SECOND, st_ctime_ns=ctime * SECOND, st_ino=ino, st_dev=dev)


def test_stat_key_changes_with_size_times_and_inode_and_is_withheld_while_racy():
    now = 200 * SECOND
    key = changes.stat_key(_stat(), now_ns=now)
    assert key is not None and key == changes.stat_key(_stat(), now_ns=now + SECOND)
    for other in (_stat(size=11), _stat(mtime=101), _stat(ctime=101), _stat(ino=8), _stat(dev=2)):
        assert changes.stat_key(other, now_ns=now) != key
    # written within RACY_SECONDS of being recorded: a write later in the same clock tick could keep its times
    assert changes.stat_key(_stat(ctime=199), now_ns=now) is None
    assert changes.stat_key(_stat(mtime=199, ctime=150), now_ns=now) is None


def test_an_unchanged_archive_is_not_hashed_again(make_archive, corpus, settled, hashed):
    archive = make_archive()
    first = archive.ingest(corpus)
    hashed.clear()
    again = archive.ingest(corpus)
    assert sorted(again.unchanged) == sorted(first.indexed) and again.indexed == []
    assert hashed == []  # size and times as recorded: the bytes are not read


@pytest.mark.parametrize("old_mtime", [False, True], ids=["new mtime", "old mtime restored"])
def test_new_bytes_of_the_same_size_are_read_again(make_archive, corpus, settled, old_mtime):
    archive = make_archive()
    archive.ingest(corpus)
    path = corpus / FINAL
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "varannan vecka" in text
    path.write_text(text.replace("varannan vecka", "varannan timme"), encoding="utf-8")  # same length
    if old_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `touch -d` would leave it
        after = path.stat()
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert path.stat().st_size == before.st_size
    report = archive.ingest(corpus)
    assert report.indexed == [FINAL]
    assert any("varannan timme" in c.text for c in archive.register.chunks_of(FINAL))
    assert check_consistency(archive.stores).ok


def test_a_new_mtime_with_the_same_bytes_is_hashed_once_not_read(make_archive, corpus, settled, hashed):
    archive = make_archive()
    archive.ingest(corpus)
    generation = archive.register.generation
    path = corpus / FINAL
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 5 * SECOND))
    hashed.clear()
    report = archive.ingest(corpus)
    assert report.indexed == [] and FINAL in report.unchanged and hashed == [FINAL]
    assert archive.register.generation == generation  # nothing was rebuilt
    hashed.clear()
    archive.ingest(corpus)
    assert hashed == []  # its new stat was recorded


def test_a_file_written_just_before_an_ingest_is_hashed_by_the_next(make_archive, corpus, hashed):
    archive = make_archive()  # RACY_SECONDS as shipped: every file of the corpus was written just now
    archive.ingest(corpus)
    assert {row["stat"] for row in archive.register.files()} == {None}
    hashed.clear()
    archive.ingest(corpus)
    assert sorted(hashed) == sorted(p.name for p, _ in build.discover(corpus))


def test_a_register_without_stats_is_migrated_and_hashes_each_file_once(
    make_archive, corpus, settings, settled, hashed
):
    archive = make_archive()
    first = archive.ingest(corpus)
    archive.close()
    db = sqlite3.connect(settings.data_dir / "register.sqlite")
    db.execute("ALTER TABLE files DROP COLUMN stat")  # the schema an older version wrote
    db.commit()
    db.close()
    reopened = make_archive()
    hashed.clear()
    again = reopened.ingest(corpus)
    assert again.indexed == [] and sorted(again.unchanged) == sorted(first.indexed)
    assert len(hashed) == len(first.indexed)
    hashed.clear()
    reopened.ingest(corpus)
    assert hashed == []


def test_a_failed_file_stays_failed_without_being_read_again(make_archive, corpus, settled, monkeypatch):
    (corpus / "tom.md").write_text("", encoding="utf-8")
    archive = make_archive()
    reason = dict(archive.ingest(corpus).failed)["tom.md"]
    monkeypatch.setattr(build, "read_document", lambda *a, **k: pytest.fail("read again"))
    assert dict(archive.ingest(corpus).failed) == {"tom.md": reason}


def test_nothing_is_regrouped_rebuilt_or_read_back_from_chroma_when_nothing_changed(
    make_archive, corpus, settled, monkeypatch
):
    archive = make_archive()
    archive.ingest(corpus)
    insatser = archive.register.insatser()
    generation = archive.register.generation
    calls = []
    monkeypatch.setattr(build, "group_reports", lambda *a, **k: calls.append("group") or [])
    monkeypatch.setattr(build, "refresh_lexical", lambda *a, **k: calls.append("lexical"))
    monkeypatch.setattr(type(archive.stores.chroma), "ids", lambda self: calls.append("ids") or set())
    report = archive.ingest(corpus)
    assert calls == [] and report.repaired_vectors == 0
    assert archive.register.insatser() == insatser and archive.register.generation == generation


def test_new_grouping_code_regroups_an_unchanged_archive(make_archive, corpus, settled, monkeypatch):
    archive = make_archive()
    archive.ingest(corpus)
    calls = []
    real = build.group_reports
    monkeypatch.setattr(build, "group_reports", lambda *a, **k: calls.append(1) or real(*a, **k))
    archive.ingest(corpus)
    assert calls == []
    monkeypatch.setattr(changes, "grouping_code", lambda: "another version")
    archive.ingest(corpus)
    archive.ingest(corpus)
    assert calls == [1]  # once for the new code, then current again


def test_a_lost_lexical_index_is_rebuilt_by_an_unchanged_ingest(make_archive, corpus, settled):
    archive = make_archive()
    archive.ingest(corpus)
    shutil.rmtree(archive.stores.lexical_dir)
    archive.ingest(corpus)
    lexical = LexicalIndex.load(archive.stores.lexical_dir)
    assert lexical is not None and set(lexical.ids) == archive.register.chunk_ids()


def test_vectors_lost_from_chroma_are_restored_by_an_unchanged_ingest(make_archive, corpus, settled):
    archive = make_archive()
    archive.ingest(corpus)
    lost = sorted(archive.register.chunk_ids())[:2]
    archive.stores.chroma.delete(lost)  # e.g. a Chroma server restored from an older backup
    report = archive.ingest(corpus)
    assert report.repaired_vectors == 2 and check_consistency(archive.stores).ok


def test_a_run_killed_after_its_chroma_writes_leaves_the_next_run_to_reconcile(
    make_archive, corpus, settled, monkeypatch
):
    archive = make_archive()
    archive.ingest(corpus)
    path = corpus / FINAL
    path.write_text(path.read_text(encoding="utf-8") + "\n\nEtt nytt stycke om arbetsträning.\n", encoding="utf-8")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # after the file's cached vectors went into Chroma, before the register swap

    monkeypatch.setattr(archive.register, "replace_file", killed)
    with pytest.raises(KeyboardInterrupt):
        archive.ingest(corpus)
    monkeypatch.undo()
    assert archive.register.get_state(changes.VECTORS_KEY) is None
    archive.ingest(corpus)
    assert check_consistency(archive.stores).ok


def test_another_embedder_reconciles_its_own_collection(make_archive, corpus, settled):
    archive = make_archive()
    archive.ingest(corpus)
    stamp = archive.register.get_state(changes.VECTORS_KEY)
    assert stamp is not None and stamp.endswith("/" + archive.embedder.name)
    assert changes.vectors_in_sync(archive.register, archive.embedder.name, archive.stores.chroma.count)
    assert not changes.vectors_in_sync(archive.register, "another-model", archive.stores.chroma.count)

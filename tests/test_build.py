import os

from index.build import check_consistency, discover
from index.lexical import LexicalIndex


def _ids_agree(archive):
    state = check_consistency(archive.stores)
    assert state.ok, state
    return state


def test_ingest_indexes_every_format_and_groups_insatser(make_archive, corpus):
    archive = make_archive()
    report = archive.ingest(corpus)
    assert sorted(report.indexed) == ["2023/kvartal_vf.txt", "lotsen_ocr.txt", "slutrapport vägen framåt.md"]
    assert not report.failed
    names = sorted(i.name for i in archive.register.insatser())
    assert names == ["Lotsen Hofors", "Vägen framåt Söderhamn", "Vägen framåt i Nordanstig (VF)"]
    state = _ids_agree(archive)
    assert state.chunks == report.chunks_added > 3


def test_second_run_embeds_nothing_and_changed_file_is_replaced(make_archive, corpus):
    archive = make_archive()
    first = archive.ingest(corpus)
    again = archive.ingest(corpus)
    assert again.indexed == [] and again.chunks_embedded == 0
    assert sorted(again.unchanged) == sorted(first.indexed)
    path = corpus / "slutrapport vägen framåt.md"
    old_ids = archive.register.chunk_ids("slutrapport vägen framåt.md")
    path.write_text(path.read_text(encoding="utf-8").replace("varannan vecka", "varje vecka"), encoding="utf-8")
    changed = archive.ingest(corpus)
    assert changed.indexed == ["slutrapport vägen framåt.md"]
    new_ids = archive.register.chunk_ids("slutrapport vägen framåt.md")
    assert new_ids != old_ids
    assert 0 < changed.chunks_embedded < len(new_ids)  # unchanged passages come from the vector cache
    assert not (old_ids - new_ids) & archive.stores.chroma.ids()
    _ids_agree(archive)
    # The edit leaves the grouping as it was: the re-read report must still belong to its insats.
    grouped = {s for i in archive.register.insatser() for s in i.reports}
    assert "slutrapport vägen framåt.md" in grouped and grouped == set(first.indexed)


def test_new_chunking_settings_rechunk_unchanged_files(make_archive, corpus):
    first = make_archive()
    before = first.ingest(corpus)
    ids = first.register.chunk_ids()
    first.close()
    smaller = make_archive(chunk_size=100, chunk_max_size=120, chunk_overlap=20)
    again = smaller.ingest(corpus)
    assert sorted(again.indexed) == sorted(before.indexed) and again.unchanged == []
    assert smaller.register.chunk_ids() != ids
    assert max(len(c.text) for c in smaller.register.chunks()) <= 120
    _ids_agree(smaller)


def test_a_new_pipeline_version_reprocesses_files_from_the_vector_cache(make_archive, corpus, monkeypatch):
    import index.build

    archive = make_archive()
    first = archive.ingest(corpus)
    monkeypatch.setattr(index.build, "PIPELINE_VERSION", index.build.PIPELINE_VERSION + 1)
    upgraded = archive.ingest(corpus)
    assert sorted(upgraded.indexed) == sorted(first.indexed)
    assert upgraded.chunks_embedded == 0  # the same texts: their vectors come from the cache
    assert archive.ingest(corpus).indexed == []
    _ids_agree(archive)


def test_a_register_from_before_pipeline_stamps_is_migrated_and_reprocessed(make_archive, corpus, settings):
    import sqlite3

    archive = make_archive()
    first = archive.ingest(corpus)
    archive.close()
    db = sqlite3.connect(settings.data_dir / "register.sqlite")
    db.execute("ALTER TABLE files DROP COLUMN pipeline")  # the schema an older version wrote
    db.commit()
    db.close()
    reopened = make_archive()
    again = reopened.ingest(corpus)
    assert sorted(again.indexed) == sorted(first.indexed) and again.chunks_embedded == 0
    assert reopened.ingest(corpus).indexed == []
    _ids_agree(reopened)


def test_removed_file_is_pruned_only_when_asked(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    (corpus / "lotsen_ocr.txt").unlink()
    kept = archive.ingest(corpus)
    assert kept.removed == [] and archive.register.chunk_ids("lotsen_ocr.txt")
    pruned = archive.ingest(corpus, prune=True)
    assert pruned.removed == ["lotsen_ocr.txt"]
    assert not archive.register.chunk_ids("lotsen_ocr.txt")
    assert "Lotsen Hofors" not in [i.name for i in archive.register.insatser()]
    _ids_agree(archive)


def test_a_folder_that_holds_nothing_prunes_nothing(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    before = set(archive.register.chunk_ids("lotsen_ocr.txt"))
    for path in [p for p in corpus.rglob("*") if p.is_file()]:
        path.unlink()  # as an unmounted share looks
    assert archive.ingest(corpus, prune=True).removed == []
    assert set(archive.register.chunk_ids("lotsen_ocr.txt")) == before


def test_bad_files_are_reported_in_swedish_and_the_rest_indexed(make_archive, corpus):
    (corpus / "tom.md").write_bytes(b"")
    (corpus / "bild.txt").write_bytes(bytes(range(256)) * 50)
    (corpus / "trasig.pdf").write_bytes(b"%PDF-1.4 trasig")
    (corpus / "inte.docx").write_bytes(b"inte en zip")
    (corpus / ".dold.md").write_text("dold fil")
    archive = make_archive()
    report = archive.ingest(corpus)
    reasons = dict(report.failed)
    assert set(reasons) == {"tom.md", "bild.txt", "trasig.pdf", "inte.docx"}
    assert "tom" in reasons["tom.md"] and "binär" in reasons["bild.txt"]
    assert len(report.indexed) == 3
    again = archive.ingest(corpus)
    assert set(dict(again.failed)) == set(reasons)  # still listed, not retried silently as ok
    _ids_agree(archive)


def test_reconcile_repairs_orphans_missing_vectors_and_stale_lexical(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    stores = archive.stores
    some = sorted(stores.register.chunk_ids())[:2]
    stores.chroma.delete(some)  # as if killed between writes
    chunk = stores.register.chunks(some[:1])[0]
    stores.chroma.upsert(
        [chunk.__class__(**{**{f: getattr(chunk, f) for f in chunk.__slots__}, "id": "orphan"})],
        [archive.embedder.embed_query("x")],
    )
    stores.register.set_state("generation", str(stores.register.generation + 1))
    broken = check_consistency(stores)
    assert broken.missing_vectors == 2 and broken.orphan_vectors == 1 and not broken.ok
    report = archive.ingest(corpus)  # the next run completes the index
    assert report.repaired_vectors == 2
    state = _ids_agree(archive)
    assert LexicalIndex.load(stores.lexical_dir).generation == stores.register.generation
    assert state.vectors == state.chunks


def test_discover_skips_hidden_and_other_suffixes(tmp_path):
    (tmp_path / "a.md").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "b.md").write_text("x")
    (tmp_path / "c.odt").write_text("x")
    assert [s for _, s in discover(tmp_path)] == ["a.md"]


def test_a_name_that_is_not_utf8_is_listed_not_fatal(make_archive, corpus):
    bad = os.fsdecode(b"rapport \xff\xfe.md")
    (corpus / bad).write_text("# Slutrapport\n\nText om deltagare.\n", encoding="utf-8")
    archive = make_archive()
    report = archive.ingest(corpus)
    assert len(report.indexed) == 3
    [(shown, reason)] = report.failed
    assert shown == "rapport \ufffd\ufffd.md" and "inte giltig UTF-8" in reason
    _ids_agree(archive)


def test_a_file_refused_for_its_size_is_read_once_the_limit_is_raised(make_archive, corpus, settings):
    big = corpus / "stor.md"
    big.write_text("# Slutrapport\n\n" + "Deltagarna fick stöd av handläggare.\n" * 40_000, encoding="utf-8")
    small = make_archive(max_file_mb=1)
    assert "för stor" in dict(small.ingest(corpus).failed)["stor.md"]
    assert "för stor" in dict(small.ingest(corpus).failed)["stor.md"]  # still too large: listed again
    small.close()
    raised = make_archive(max_file_mb=5)
    report = raised.ingest(corpus)
    assert report.indexed == ["stor.md"] and not report.failed
    _ids_agree(raised)


def test_concurrent_saves_of_the_lexical_index_all_succeed(tmp_path):
    # An ingest and a reader that found the index stale may save the same generation at the same moment.
    import threading

    texts = [f"deltagare {i} i arbetsträning och samverkan" for i in range(300)]
    ids = [f"c{i}" for i in range(300)]
    same = [LexicalIndex.build(ids, texts, generation=7) for _ in range(6)]
    newer = LexicalIndex.build(ids, texts, generation=8)
    start = threading.Barrier(len(same) + 1)
    errors = []

    def save(index):
        start.wait()
        try:
            index.save(tmp_path / "lexical")
        except Exception as exc:  # collected: an exception in a thread would otherwise pass unseen
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in [*same, newer]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded is not None and loaded.generation in (7, 8)
    assert loaded.search("arbetsträning", k=3)
    assert not list((tmp_path / "lexical").glob(".gen-*"))  # no staging left behind


def test_a_rebuild_with_the_memo_of_the_last_one_analyzes_only_new_passages(monkeypatch):
    import index.lexical as lexical

    first = ["arbetsträning för deltagare i Hofors", "samverkan med Försäkringskassan", "tomt: ."]
    second = [*first[:2], "ny passage om studiebesök i Söderhamn"]
    memo: dict[str, list[str]] = {}
    LexicalIndex.build(["a", "b", "c"], first, generation=1, memo=memo)
    seen = []
    real = lexical.analyze
    monkeypatch.setattr(lexical, "analyze", lambda text: seen.append(text) or real(text))
    rebuilt = LexicalIndex.build(["a", "b", "d"], second, generation=2, memo=memo)
    assert seen == [second[2]]  # the other two came from the memo
    assert sorted(memo) == sorted(second)  # what left the index left the memo
    fresh = LexicalIndex.build(["a", "b", "d"], second, generation=2)
    for query in ("arbetsträning", "Försäkringskassan samverkan", "studiebesök"):
        assert rebuilt.search(query, k=3) == fresh.search(query, k=3)


def test_a_register_that_lost_its_report_links_is_regrouped_at_the_next_ingest(make_archive, corpus):
    # Registers written before re-read reports kept their insats lost the links when the grouping came out as
    # before; an ingest with nothing to read must still put them back.
    archive = make_archive()
    archive.ingest(corpus)
    with archive.register._tx() as db:
        db.execute("UPDATE reports SET insats_id = NULL, placement = NULL")
    assert archive.register.unlinked_reports() == 3
    again = archive.ingest(corpus)
    assert again.indexed == []
    assert archive.register.unlinked_reports() == 0
    assert sorted(s for i in archive.register.insatser() for s in i.reports) == sorted(again.unchanged)


def test_check_finds_reports_without_their_insats_and_repair_regroups_them(make_archive, corpus):
    from index.build import repair_stores

    archive = make_archive()
    archive.ingest(corpus)
    with archive.register._tx() as db:
        db.execute("UPDATE reports SET insats_id = NULL")
    state = check_consistency(archive.stores)
    assert state.unlinked_reports == 3 and not state.ok
    assert repair_stores(archive.stores, archive.embedder).ok
    assert archive.register.unlinked_reports() == 0

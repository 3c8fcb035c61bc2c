"""Searchable at once: an ingest commits register and BM25 per file before any vector, records how many
passages still wait for vectors, and search, answers, /health and the app say so until they have them."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.compose import build_assistant, build_retriever
from index import build
from index.build import check_consistency, repair_stores, semantic_progress
from index.embed import HashingEmbedder
from index.lexical import LexicalIndex
from index.remote_embed import EmbedderUnavailable


class DownAfter(HashingEmbedder):
    """The hashing fake, whose embedding server goes down after ``calls`` passage calls (questions still work)."""

    def __init__(self, calls: int = 0) -> None:
        super().__init__()
        self.calls = calls
        self.seen: list[tuple[int, int]] = []  # (done, total) as each call began

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        if self.calls <= 0:
            raise EmbedderUnavailable("Inbäddningsservern på http://127.0.0.1:9 svarar inte (test).")
        self.calls -= 1
        return super().embed_passages(texts)


def test_files_are_searchable_by_words_before_their_vectors_and_the_next_run_completes(make_archive, corpus):
    archive = make_archive()
    archive.embedder = down = DownAfter(calls=0)  # named "hashing" too: the same cache and collection
    with pytest.raises(EmbedderUnavailable, match="svarar inte"):
        archive.ingest(corpus)
    register = archive.register
    ids = register.chunk_ids()
    assert len(ids) > 3 and {r["status"] for r in register.files()} == {"ok"}
    lexical = LexicalIndex.load(archive.stores.lexical_dir)
    assert lexical is not None and set(lexical.ids) == ids and lexical.generation == register.generation
    progress = semantic_progress(register)
    assert (progress.done, progress.total) == (0, len(ids)) and len(progress.pending) == 3
    state = check_consistency(archive.stores)
    assert state.missing_vectors == len(ids) and not state.ok  # what `arkiv check` reports

    hits = build_retriever(archive, archive_settings(archive)).search("Lotsen Hofors deltagare", k=3)
    assert hits and hits[0].chunk.source == "lotsen_ocr.txt"  # found by its words alone

    down.calls = 100  # the server is back
    report = archive.ingest(corpus)
    assert report.indexed == [] and report.repaired_vectors == len(ids)
    assert semantic_progress(register).complete and check_consistency(archive.stores).ok


def test_progress_is_recorded_window_by_window(make_archive, corpus, monkeypatch):
    monkeypatch.setattr(build, "EMBED_WINDOW", 4)
    archive = make_archive()
    recorder = DownAfter(calls=1000)
    original = recorder.embed_passages

    def recording(texts: Sequence[str]) -> list[list[float]]:
        progress = semantic_progress(archive.register)
        recorder.seen.append((progress.done, progress.total))
        return original(texts)

    recorder.embed_passages = recording  # type: ignore[method-assign]
    archive.embedder = recorder
    report = archive.ingest(corpus)
    done = [d for d, _ in recorder.seen]
    total = report.chunks_added
    assert done == [4 * i for i in range(-(-total // 4))]  # each window of 4 is recorded before the next
    assert all(t == total for _, t in recorder.seen)
    assert semantic_progress(archive.register).done == total


def test_a_crash_in_the_vector_phase_is_repaired_by_check(make_archive, corpus, monkeypatch):
    monkeypatch.setattr(build, "EMBED_WINDOW", 4)
    archive = make_archive()
    archive.embedder = DownAfter(calls=2)  # two windows, then killed (as far as the stores can tell)
    with pytest.raises(EmbedderUnavailable):
        archive.ingest(corpus)
    progress = semantic_progress(archive.register)
    assert progress.done == 8 and not progress.complete
    archive.embedder = HashingEmbedder()
    state = repair_stores(archive.stores, archive.embedder)  # `arkiv check --repair`
    assert state.ok and semantic_progress(archive.register).complete


def test_answers_and_status_say_how_far_semantic_search_is(make_archive, corpus):
    archive = make_archive()
    archive.embedder = DownAfter(calls=0)
    with pytest.raises(EmbedderUnavailable):
        archive.ingest(corpus)
    total = len(archive.register.chunk_ids())
    assistant = build_assistant(archive, archive_settings(archive))
    answer = assistant.ask("Hur många deltagare hade Lotsen Hofors?")
    assert any(f"semantisk sökning: 0 av {total} passager klara" in n for n in answer.notices)
    assert any("3 rapporter söktes bara på ord" in n for n in answer.notices)
    archive.embedder.calls = 100
    archive.ingest(corpus)
    answer = assistant.ask("Hur många deltagare hade Lotsen Hofors?")
    assert not any("semantisk sökning" in n for n in answer.notices)


def test_search_goes_on_by_words_when_the_embedding_server_is_down_for_questions(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)

    def down(text: str) -> list[float]:
        raise EmbedderUnavailable("Inbäddningsservern svarar inte (test).")

    archive.embedder.embed_query = down  # type: ignore[method-assign]
    hits = build_retriever(archive, archive_settings(archive)).search("Lotsen Hofors deltagare", k=3)
    assert hits and hits[0].chunk.source == "lotsen_ocr.txt"


def archive_settings(archive):  # type: ignore[no-untyped-def]
    from assistant.config import Settings

    return Settings(data_dir=archive.data_dir, embedding_model="hashing")

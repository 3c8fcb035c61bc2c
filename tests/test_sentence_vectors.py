"""Sentence vectors made once, at ingest, and kept in the archive's vector cache: a question embeds only itself.

The embedder here is the hashing stand-in under a name the judge by meaning accepts ("…-e5"), counting what it
is asked to embed; the real model's path is in test_real_model.py.
"""

import pytest
from conftest import FINAL_REPORT

import assistant.archive
from assistant.compose import open_archive
from assistant.extractive.meaning import SentenceMeaning, embed_sentences, judge_for
from assistant.extractive.sentences import chunk_pieces
from index.embed import HashingEmbedder
from index.register import VectorCache, text_key


class _CountingE5(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.name = "counting-e5"
        self.embedded: list[str] = []

    def embed_passages(self, texts):
        self.embedded.extend(texts)
        return super().embed_passages(texts)


def _sentences(archive) -> set[str]:
    return {matched for chunk in archive.register.chunks() for _, matched in chunk_pieces(chunk)}


@pytest.fixture
def embedder():
    return _CountingE5()


@pytest.fixture
def archive(settings, embedder):
    opened = open_archive(settings, embedder=embedder)
    yield opened
    opened.close()


def test_an_ingest_embeds_every_passages_sentences_and_keeps_them(archive, embedder, corpus):
    report = archive.ingest(corpus)
    sentences = _sentences(archive)
    assert report.sentences_embedded == len(sentences) > 10
    kept = archive.stores.vectors.get(embedder.name, [text_key(s) for s in sentences])
    assert len(kept) == len(sentences)
    embedder.embedded.clear()
    assert archive.ingest(corpus).sentences_embedded == 0 and embedder.embedded == []


def test_a_later_ingest_embeds_only_the_new_reports_sentences(archive, embedder, corpus):
    archive.ingest(corpus)
    before = _sentences(archive)
    (corpus / "slutrapport stigen.md").write_text(
        FINAL_REPORT.replace("Vägen framåt Söderhamn", "Stigen Ockelbo").replace("33 personer", "21 personer"),
        encoding="utf-8",
    )
    embedder.embedded.clear()
    report = archive.ingest(corpus)
    new = _sentences(archive) - before
    assert new and report.sentences_embedded == len(new)
    assert set(embedder.embedded) >= new and not set(embedder.embedded) & before


def test_a_run_stopped_in_the_sentence_step_is_finished_by_the_next(archive, corpus, monkeypatch):
    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("assistant.extractive.meaning.embed_sentences", stopped)
    with pytest.raises(KeyboardInterrupt):
        archive.ingest(corpus)
    monkeypatch.setattr("assistant.extractive.meaning.embed_sentences", embed_sentences)
    report = archive.ingest(corpus)  # every file unchanged: only the unfinished step is left
    assert not report.indexed and report.sentences_embedded == len(_sentences(archive))
    made = f"{archive.embedder.name}#{assistant.archive.SENTENCE_SPLIT_VERSION}"
    assert archive.register.get_state(assistant.archive.SENTENCES_KEY) == made


def test_a_new_way_of_splitting_sentences_makes_the_next_ingest_go_through_every_passage(archive, corpus, monkeypatch):
    archive.ingest(corpus)
    monkeypatch.setattr(assistant.archive, "SENTENCE_SPLIT_VERSION", assistant.archive.SENTENCE_SPLIT_VERSION + 1)
    report = archive.ingest(corpus)  # no file changed, but the sentences may have
    assert not report.indexed and report.sentences_embedded == 0  # the same sentences: none embedded again
    made = f"{archive.embedder.name}#{assistant.archive.SENTENCE_SPLIT_VERSION}"
    assert archive.register.get_state(assistant.archive.SENTENCES_KEY) == made


def test_a_model_the_judge_was_not_calibrated_for_gets_no_sentence_vectors(settings, corpus):
    plain = open_archive(settings, embedder=HashingEmbedder())
    try:
        assert plain.ingest(corpus).sentences_embedded == 0
    finally:
        plain.close()


def test_the_judge_reads_kept_vectors_and_embeds_only_what_is_missing(tmp_path, embedder):
    store = VectorCache(tmp_path / "vectors.sqlite")
    sentences = ["Målet var 40 deltagare.", "Totalt har 33 personer deltagit.", "Teamet träffades varannan vecka."]
    first = SentenceMeaning(embedder, store=store).similarities("Hur många deltog?", sentences)
    assert embedder.embedded == sentences
    # Another process: nothing in memory, everything on disk.
    embedder.embedded.clear()
    again = SentenceMeaning(embedder, store=store).similarities("Hur många deltog?", [*sentences, "Ny mening."])
    assert embedder.embedded == ["Ny mening."]
    assert again[:3] == pytest.approx(first, abs=1e-6)
    # Without a store, every process embeds its sentences itself.
    embedder.embedded.clear()
    SentenceMeaning(embedder).similarities("Hur många deltog?", sentences)
    assert embedder.embedded == sentences
    store.close()


def test_the_answerer_judges_by_the_archives_kept_vectors(archive, embedder, corpus):
    archive.ingest(corpus)
    meaning = judge_for(archive.retriever(), archive.stores.vectors)
    assert meaning is not None
    embedder.embedded.clear()
    sentences = sorted(_sentences(archive))
    assert len(meaning.similarities("Vilka var framgångsfaktorerna?", sentences)) == len(sentences)
    assert embedder.embedded == []

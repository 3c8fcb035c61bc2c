"""Where Settings become objects: the archive, the retriever and the assistant, wired once.

The entry points (``assistant/web/app.py:create_app`` and the CLI) call these; nothing in the ask path, the board
summaries or ``index`` reads Settings.

Example:
    archive = open_archive(settings)
    assistant = build_assistant(archive, settings)
    answer = assistant.ask("Vilka insatser nämner Trisam som framgångsfaktor?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.archive import Archive
from assistant.config import Settings
from index.chunk import Chunker
from index.embed import Embedder, default_embedder

if TYPE_CHECKING:  # imported where used: `arkiv ingest` opens the archive and needs none of the ask path
    from assistant.retrieve import HybridRetriever
    from assistant.service import Assistant


def open_archive(settings: Settings, *, embedder: Embedder | None = None) -> Archive:
    """The archive in ``settings.data_dir``, with the configured embedder unless one is given (tests)."""
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    embedder = embedder or default_embedder(
        settings.embedding_model,
        settings.model_cache_dir or data,
        batch_size=settings.embedding_batch_size,
        backend=settings.embedding_backend,
        url=settings.embed_url,
        remote_model=settings.embed_model,
        api_key=settings.embed_api_key,
    )
    chunker = Chunker(size=settings.chunk_size, max_size=settings.chunk_max_size, overlap=settings.chunk_overlap)
    return Archive(
        data, embedder=embedder, chunker=chunker, chroma_url=settings.chroma_url, max_file_bytes=settings.max_file_bytes
    )


def build_retriever(archive: Archive, settings: Settings) -> HybridRetriever:
    return archive.retriever(candidates=settings.candidates)


def build_assistant(archive: Archive, settings: Settings) -> Assistant:
    """The extractive answerer, or a language model when ``llm_base_url`` is set (extractive as fallback)."""
    from assistant.extractive import ExtractiveAnswerer
    from assistant.service import Answerer, Assistant

    retriever = build_retriever(archive, settings)
    extractive = ExtractiveAnswerer(
        retriever,
        catalog=archive.catalog,
        lexical=archive.lexical,
        sources=archive.register,
        k=max(settings.top_k, 6),
        vectors=archive.stores.vectors,
    )
    answerer: Answerer = extractive
    if settings.llm_base_url:
        from assistant.chain import LlmAnswerer, make_chat_model

        model = make_chat_model(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
        )
        answerer = LlmAnswerer(retriever, model, fallback=extractive, k=settings.top_k)
    return Assistant(
        retriever,
        answerer,
        catalog=archive.catalog,
        sources=archive.register,
        mask_personal_data=settings.mask_personal_data,
        progress=archive.semantic_progress,
    )

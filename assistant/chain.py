"""LangChain adapters: the only module that imports langchain.

``ArkivRetriever`` exposes HybridRetriever as a LangChain ``BaseRetriever`` so chains (and LangChain users)
can plug Arkiv's search in; each Document carries the passage's provenance in its metadata.
``LlmAnswerer`` answers through a chat model on an OpenAI-compatible endpoint, when one is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.answer import Passage
from assistant.cite import drop_invalid_markers, extract_citations
from assistant.errors import ExtraMissing
from assistant.extractive import NO_ANSWER, Draft, ExtractiveAnswerer
from assistant.intent import Query
from assistant.prompting import load_prompt, number_passages
from assistant.retrieve import Filters, HybridRetriever

logger = logging.getLogger(__name__)


class ArkivRetriever(BaseRetriever):
    """LangChain retriever over Arkiv's hybrid search.

    Example:
        retriever = ArkivRetriever(search=archive.retriever(), k=5)
        docs = retriever.invoke("Vilka insatser nämner Trisam?")
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search: HybridRetriever
    k: int = 6
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(p) for p in self.search.search(query, k=self.k, filters=self.filters)]


def to_document(passage: Passage) -> Document:
    chunk = passage.chunk
    metadata: dict[str, Any] = {
        "id": chunk.id,
        "source": chunk.source,
        "page": chunk.page,
        "section": chunk.section,
        "heading_path": " > ".join(chunk.heading_path),
        "start": chunk.start,
        "end": chunk.end,
        "insats": passage.insats,
        "insats_id": passage.insats_id,
        "report_type": passage.report_type,
        "score": passage.score,
    }
    return Document(page_content=chunk.text, metadata=metadata, id=chunk.id)


def make_chat_model(*, base_url: str, model: str, api_key: str | None, timeout: float) -> Any:
    """A chat model behind any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp's server, OpenAI/Azure).

    Raises:
        ExtraMissing: when ``langchain-openai`` (the ``llm`` extra) is not installed.
    """
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # the language model is optional: its client comes with arkiv[llm]
        raise ExtraMissing(
            "En språkmodell är inställd (ARKIV_LLM_BASE_URL) men dess klient saknas. "
            'Installera den med: pip install "arkiv[llm]" – eller ta bort inställningen för att svara utan språkmodell.'
        ) from exc

    # One try, no retries: a slow model should hand over to the extractive answer, not keep staff waiting.
    return ChatOpenAI(
        base_url=base_url,
        model=model,
        api_key=api_key or "ingen-nyckel",
        timeout=timeout,
        max_retries=0,
        temperature=0,
    )


class LlmAnswerer:
    """Answers with a language model over numbered passages; falls back to the extractive answerer.

    The reply's [n] markers are kept only when they point at a passage; the service then checks every
    figure against the passages cited next to it.
    """

    def __init__(
        self, retriever: HybridRetriever, chat_model: Any, *, fallback: ExtractiveAnswerer, k: int = 6
    ) -> None:
        self.retriever, self.chat_model, self.fallback, self.k = retriever, chat_model, fallback, k

    def answer(self, query: Query, *, filters: Filters | None = None) -> Draft:
        return self.answer_streaming(query, filters=filters, on_token=None)

    def answer_streaming(
        self, query: Query, *, filters: Filters | None, on_token: Callable[[str], None] | None
    ) -> Draft:
        """As ``answer``, handing each token to ``on_token`` as the model writes it (when given)."""
        passages = self.retriever.search(query, k=self.k, filters=filters)
        if not passages:
            return Draft(NO_ANSWER, abstained=True)
        messages = [
            SystemMessage(load_prompt("answer_system").render()),
            HumanMessage(load_prompt("answer_user").render(question=query.text, passages=number_passages(passages))),
        ]
        try:
            if on_token is None:
                reply_text = str(self.chat_model.invoke(messages).content)
            else:
                pieces = []
                for part in self.chat_model.stream(messages):
                    token = str(part.content)
                    pieces.append(token)
                    on_token(token)
                reply_text = "".join(pieces)
        except Exception as exc:  # any failure of the endpoint: staff still get the extractive answer
            logger.warning("language model failed: %s", exc)
            draft = self.fallback.answer(query, filters=filters)
            notice = "Språkmodellen svarade inte; svaret är sammanställt direkt ur rapporterna."
            return replace(draft, notices=(*draft.notices, notice))
        text = drop_invalid_markers(reply_text.strip(), len(passages))
        cited = extract_citations(text, passages)
        if text.startswith(NO_ANSWER) or not cited:
            return Draft(NO_ANSWER, abstained=True)
        names = tuple(dict.fromkeys(c.passage.insats for c in cited if c.passage.insats))
        return Draft(text, tuple(passages), names, generated=True)

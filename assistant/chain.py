"""LangChain adapters: the only module that imports langchain.

``ArkivRetriever`` exposes HybridRetriever as a LangChain ``BaseRetriever`` so chains (and LangChain users)
can plug Arkiv's search in; each Document carries the passage's provenance in its metadata.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.answer import Passage
from assistant.retrieve import Filters, HybridRetriever


class ArkivRetriever(BaseRetriever):
    """LangChain retriever over Arkiv's hybrid search.

    Example:
        retriever = ArkivRetriever(search=HybridRetriever(archive), k=5)
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

"""The product: ``Assistant.ask(question, history) -> Answer``, a Swedish answer whose claims cite passages.

Example:
    assistant = Assistant.from_archive(archive)
    answer = assistant.ask("Vilka insatser nämner Trisam som framgångsfaktor?")
    print(answer.text, [c.passage.source for c in answer.citations])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from assistant import privacy
from assistant.answer import Answer
from assistant.archive import Archive
from assistant.cite import extract_citations, unsupported_figures
from assistant.errors import EmptyQuestion
from assistant.extractive import NO_ANSWER, Draft, ExtractiveAnswerer
from assistant.names import insatser_in_text
from assistant.retrieve import Filters, HybridRetriever
from index.analyze import STOPWORDS, fold
from index.metadata import kommuner

_FOLLOW_UP_WORDS = 4  # a question with fewer content words than this leans on the one before it


class Answerer(Protocol):
    def answer(self, question: str, *, filters: Filters | None = None) -> Draft: ...


class Assistant:
    """Answers questions over an opened archive with the extractive answerer."""

    def __init__(self, retriever: HybridRetriever, answerer: Answerer, *, mask_personal_data: bool = True) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.mask_personal_data = mask_personal_data

    @classmethod
    def from_archive(cls, archive: Archive) -> Assistant:
        """The extractive answerer, or a language model when ``llm_base_url`` is set (extractive as fallback)."""
        settings = archive.settings
        retriever = HybridRetriever(archive, candidates=settings.candidates)
        extractive = ExtractiveAnswerer(retriever, k=max(settings.top_k, 6))
        mask = settings.mask_personal_data
        if not settings.llm_base_url:
            return cls(retriever, extractive, mask_personal_data=mask)
        from assistant.chain import LlmAnswerer, make_chat_model

        model = make_chat_model(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
        )
        llm = LlmAnswerer(retriever, model, fallback=extractive, k=settings.top_k)
        return cls(retriever, llm, mask_personal_data=mask)

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        *,
        filters: Filters | None = None,
        mask_personal_data: bool | None = None,
    ) -> Answer:
        """Answer ``question``; ``history`` holds the user's earlier questions, oldest first.

        Args:
            question: the question as typed.
            history: earlier questions of the conversation, oldest first.
            filters: restrict the passages searched.
            mask_personal_data: mask personnummer and phone numbers in the answer and its passages;
                None = the assistant's setting (the web layer passes False for administrators).

        Raises:
            EmptyQuestion: for a blank question.
        """
        answer = self._answer(question, history, filters=filters)
        mask = self.mask_personal_data if mask_personal_data is None else mask_personal_data
        return privacy.mask_answer(answer) if mask else answer

    def _answer(self, question: str, history: Sequence[str], *, filters: Filters | None) -> Answer:
        if not question or not question.strip():
            raise EmptyQuestion("Frågan är tom. Skriv vad du vill veta.")
        draft = self.answerer.answer(self.with_history(question.strip(), history), filters=filters)
        citations = tuple(extract_citations(draft.text, draft.passages))
        if not citations or draft.abstained:
            return Answer(NO_ANSWER if not draft.abstained else draft.text, abstained=True, notices=draft.notices)
        notices = list(draft.notices)
        for problem in unsupported_figures(draft.text, draft.passages, uncited=draft.generated):
            notices.append(f"Siffran {problem.figure} står inte i den citerade källan; kontrollera den.")
        return Answer(draft.text, citations, draft.insatser, False, tuple(notices))

    def with_history(self, question: str, history: Sequence[str]) -> str:
        """A follow-up ("och i Ljusdal?", "vad kostade det?") completed with the previous question.

        The earlier question lends its topic; names of insatser and kommuner in it are dropped when the
        follow-up brings its own, so "och i Ljusdal?" asks the same thing about Ljusdal.
        """
        if not history:
            return question
        words = [w for w in re.findall(r"\w+", fold(question)) if w not in STOPWORDS]
        if len(words) >= _FOLLOW_UP_WORDS:
            return question
        previous = history[-1]
        catalog = self.retriever.archive.catalog()
        brings_name = bool(insatser_in_text(question, catalog.insatser)) or any(w in kommuner() for w in words)
        if brings_name:
            names = {w for m in insatser_in_text(previous, catalog.insatser) for w in re.findall(r"\w+", m.alias)}
            names |= set(kommuner())
            previous = " ".join(w for w in re.findall(r"\w+", previous) if fold(w) not in names)
        return f"{previous} {question}"

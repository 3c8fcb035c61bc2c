"""The product: ``Assistant.ask(question, history) -> Answer``, a Swedish answer whose claims cite passages.

Example:
    assistant = Assistant.from_archive(archive)
    answer = assistant.ask("Vilka insatser nämner Trisam som framgångsfaktor?")
    print(answer.text, [c.passage.source for c in answer.citations])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from assistant import privacy
from assistant.answer import Answer
from assistant.archive import Archive
from assistant.board.overview import Overview, summarize_many
from assistant.board.reading import Report, read_report
from assistant.board.scope import choose, find_insats
from assistant.board.summary import Summary, summarize_insats
from assistant.cite import extract_citations, unsupported_figures
from assistant.errors import EmptyQuestion
from assistant.extractive import NO_ANSWER, Draft, ExtractiveAnswerer
from assistant.names import insatser_in_text
from assistant.retrieve import Filters, HybridRetriever
from index.analyze import STOPWORDS, fold
from index.metadata import kommuner
from index.records import Insats

MAX_QUESTION_CHARS = 2000
_FOLLOW_UP_WORDS = 4  # a question with fewer content words than this leans on the one before it


TokenFn = Callable[[str], None]  # receives answer text as it is produced


class Answerer(Protocol):
    def answer(self, question: str, *, filters: Filters | None = None) -> Draft: ...


class StreamingAnswerer(Answerer, Protocol):
    def answer_streaming(self, question: str, *, filters: Filters | None, on_token: TokenFn) -> Draft: ...


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
        on_token: TokenFn | None = None,
        mask_personal_data: bool | None = None,
    ) -> Answer:
        """Answer ``question``; ``history`` holds the user's earlier questions, oldest first.

        Args:
            question: the question as typed.
            history: earlier questions of the conversation, oldest first.
            filters: restrict the passages searched.
            on_token: receives the text as it is written: a language model's tokens as they arrive, or the
                extractive answer in pieces. The returned Answer is the checked one and replaces what was
                streamed (markers to missing passages dropped, unsupported figures flagged).
            mask_personal_data: mask personnummer and phone numbers in the answer and its passages;
                None = the assistant's setting (the web layer passes False for administrators).

        Raises:
            EmptyQuestion: for a blank question.
        """
        mask = self.mask_personal_data if mask_personal_data is None else mask_personal_data
        stream = privacy.MaskedStream(on_token) if on_token is not None and mask else None
        answer = self._answer(question, history, filters=filters, on_token=stream or on_token)
        if stream is not None:
            stream.flush()
        return privacy.mask_answer(answer) if mask else answer

    def _answer(
        self, question: str, history: Sequence[str], *, filters: Filters | None, on_token: TokenFn | None
    ) -> Answer:
        if not question or not question.strip():
            raise EmptyQuestion("Frågan är tom. Skriv vad du vill veta.")
        if len(question) > MAX_QUESTION_CHARS:
            raise EmptyQuestion(f"Frågan är för lång (högst {MAX_QUESTION_CHARS} tecken); korta ner den.")
        full = self.with_history(question.strip(), history)
        streams = hasattr(self.answerer, "answer_streaming")
        if on_token is not None and streams:
            draft = cast(StreamingAnswerer, self.answerer).answer_streaming(full, filters=filters, on_token=on_token)
        else:
            draft = self.answerer.answer(full, filters=filters)
        answer = self._checked(draft)
        if on_token is not None and not streams:
            for piece in re.split(r"(?<=\n)|(?<=[.:;] )", answer.text):
                if piece:
                    on_token(piece)
        return answer

    @staticmethod
    def _checked(draft: Draft) -> Answer:
        citations = tuple(extract_citations(draft.text, draft.passages))
        if not citations or draft.abstained:
            return Answer(NO_ANSWER if not draft.abstained else draft.text, abstained=True, notices=draft.notices)
        notices = list(draft.notices)
        for problem in unsupported_figures(draft.text, draft.passages, uncited=draft.generated):
            notices.append(f"Siffran {problem.figure} står inte i den citerade källan; kontrollera den.")
        return Answer(draft.text, citations, draft.insatser, False, tuple(notices))

    def summarize(self, insats: str) -> Summary:
        """The board summary of one insats, named as people write it (or by its register id).

        Example:
            summary = assistant.summarize("EHA Ljusdal")
            Path("eha.docx").write_bytes(to_docx(summary))

        Raises:
            InsatsNotFound: when no insats fits the name.
            AmbiguousInsats: when several fit about equally well.
        """
        found = find_insats(insats, self.retriever.archive.catalog())
        return summarize_insats(found, self._reports(found))

    def summarize_many(
        self,
        names: Sequence[str] = (),
        *,
        kommun: str | None = None,
        from_year: int | None = None,
        to_year: int | None = None,
    ) -> Overview:
        """Sammanställning för styrelsen over the named insatser (all when none are named), narrowed to a
        kommun and to periods that touch ``from_year``..``to_year``.

        Raises:
            InsatsNotFound, AmbiguousInsats: for a name that fits no insats or several.
            BadFilter: when no insats is left.
        """
        scope = choose(self.retriever.archive.catalog(), names, kommun=kommun, from_year=from_year, to_year=to_year)
        return summarize_many([(i, self._reports(i)) for i in scope.insatser], scope=scope.description)

    def _reports(self, insats: Insats) -> list[Report]:
        archive = self.retriever.archive
        catalog = archive.catalog()
        reports = []
        for source in insats.reports:
            info = catalog.reports.get(source)
            fields = [f for s, f in insats.fields if s == source]
            report_type = info.report_type if info else "okand"
            reports.append(read_report(source, report_type, archive.register.chunks_of(source), fields))
        return reports

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

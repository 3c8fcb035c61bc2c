"""The product: ``Assistant.ask(question, history) -> Answer``, a Swedish answer whose claims cite passages.

Example:
    assistant = build_assistant(archive, settings)   # assistant/compose.py
    answer = assistant.ask("Vilka insatser nämner Trisam som framgångsfaktor?")
    print(answer.text, [c.passage.source for c in answer.citations])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol, cast

from assistant import privacy
from assistant.answer import Answer
from assistant.board.overview import Overview, summarize_many
from assistant.board.reading import Report, read_reports
from assistant.board.scope import choose, find_insats
from assistant.board.summary import Summary, summarize_insats
from assistant.catalog import Catalog
from assistant.cite import extract_citations, unsupported_figures
from assistant.digest import digest
from assistant.errors import BadFilter, EmptyQuestion
from assistant.extractive import NO_ANSWER, Draft, SourceReader
from assistant.intent import Query, read_question, report_type_included
from assistant.retrieve import Filters, HybridRetriever
from index.build import SemanticProgress
from index.records import Insats

MAX_QUESTION_CHARS = 2000


def semantic_line(progress: SemanticProgress) -> str:
    """The status line: "semantisk sökning: 120 av 400 passager klara"."""
    return f"semantisk sökning: {progress.done} av {progress.total} passager klara"


def semantic_notice(progress: SemanticProgress) -> str:
    """The notice on an answer given while an ingest is still embedding."""
    files = len(progress.pending)
    which = "en rapport" if files == 1 else f"{files} rapporter"
    return (
        f"Inläsningen pågår ({semantic_line(progress)}): {which} söktes bara på ord, inte på betydelse, "
        "så svaret kan bli bättre när inläsningen är klar."
    )


TokenFn = Callable[[str], None]  # receives answer text as it is produced


class Answerer(Protocol):
    def answer(self, query: Query, *, filters: Filters | None = None) -> Draft: ...


class StreamingAnswerer(Answerer, Protocol):
    def answer_streaming(self, query: Query, *, filters: Filters | None, on_token: TokenFn) -> Draft: ...


class Assistant:
    """Answers questions over an opened archive, and summarises its insatser for the board.

    Args:
        retriever: the hybrid search.
        answerer: the extractive answerer, or a language model with the extractive one as fallback.
        catalog: returns the current catalog (names, reports, abbreviations).
        sources: reads a report's stored passages (for board summaries).
        mask_personal_data: mask personnummer and phone numbers unless a call says otherwise.
        progress: returns how far the vectors are (an answer given mid-ingest says that some reports were
            searched by words only).
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        answerer: Answerer,
        *,
        catalog: Callable[[], Catalog],
        sources: SourceReader,
        mask_personal_data: bool = True,
        progress: Callable[[], SemanticProgress] | None = None,
    ) -> None:
        self.retriever = retriever
        self.progress = progress
        self.answerer = answerer
        self.catalog, self.sources = catalog, sources
        self.mask_personal_data = mask_personal_data

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
        try:
            draft, streams = self._draft(question, history, filters=filters, on_token=on_token)
        except BadFilter:
            if filters is not None and not filters.empty():
                raise  # the caller's own filter: the message tells them what to change
            # A re-index removed an insats the question was read against (the archive folder lost its last
            # report): read the question again against the catalog as it is now.
            draft, streams = self._draft(question, history, filters=filters, on_token=on_token)
        answer = self._checked(draft)
        progress = self.progress() if self.progress is not None else None
        if progress is not None and not progress.complete:
            answer = replace(answer, notices=(*answer.notices, semantic_notice(progress)))
        if on_token is not None and not streams:
            for piece in re.split(r"(?<=\n)|(?<=[.:;] )", answer.text):
                if piece:
                    on_token(piece)
        return answer

    def _draft(
        self, question: str, history: Sequence[str], *, filters: Filters | None, on_token: TokenFn | None
    ) -> tuple[Draft, bool]:
        """The answerer's draft and whether it was streamed."""
        query = read_question(question.strip(), history, self.catalog())  # the one reading of the question
        board = self._board_summary(query) if filters is None or filters.empty() else None
        if board is not None:
            return board, False
        if on_token is not None and hasattr(self.answerer, "answer_streaming"):
            streaming = cast(StreamingAnswerer, self.answerer)
            return streaming.answer_streaming(query, filters=filters, on_token=on_token), True
        return self.answerer.answer(query, filters=filters), False

    def _board_summary(self, query: Query) -> Draft | None:
        """A board-summary request about named insatser, answered by the summary engine at chat length.

        One insats gets its summary from all its reports; several get the comparison. A theme across the
        archive ("vilka systemfel återkommer") names no insats and is left to the answerer, which judges every
        insats on its own passages.
        """
        if query.kind != "summary" or not query.named:
            return None
        chosen = list(dict.fromkeys(m.insats.id for m in query.named))
        ids = {i.name: i.id for i in self.catalog().insatser}
        if len(chosen) == 1:
            # Every report of the insats: "ta med vad utvärderingen säger" adds a report, it does not narrow; but
            # "sammanfatta högskolans utvärdering av …" asks for that report alone.
            insats = query.named[0].insats
            reports = self._reports(insats)
            if query.report_type and not report_type_included(query.text):
                reports = [r for r in reports if r.report_type == query.report_type] or reports
            doc: Summary | Overview = summarize_insats(insats, reports)
        else:
            doc = self.summarize_many(chosen)
        text, passages = digest(doc, self.sources, ids)
        if not passages:
            return None
        names = (doc.insats,) if isinstance(doc, Summary) else tuple(row.insats for row in doc.rows)
        return Draft(text, tuple(passages), names, False, doc.notices)

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
        found = find_insats(insats, self.catalog())
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
        scope = choose(self.catalog(), names, kommun=kommun, from_year=from_year, to_year=to_year)
        return summarize_many([(i, self._reports(i)) for i in scope.insatser], scope=scope.description)

    def _reports(self, insats: Insats) -> list[Report]:
        return read_reports(insats, self.catalog().report_type, self.sources.chunks_of)

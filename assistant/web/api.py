"""The REST API under /api: thin routes over the same services the app uses; wire schemas kept apart from records.

Routes are plain ``def`` so FastAPI runs them in its thread pool: searching and answering are CPU work and
must never block the event loop.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from assistant.answer import Answer, Passage
from assistant.board.export import to_docx, to_markdown
from assistant.retrieve import Filters
from assistant.service import semantic_line
from assistant.web.auth import User
from assistant.web.frontdesk import SESSION_COOKIE, Frontdesk

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api")


def frontdesk(request: Request) -> Frontdesk:
    desk: Frontdesk = request.app.state.frontdesk
    return desk


def request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def current_user(request: Request) -> User:
    user = frontdesk(request).user_for(request_token(request))
    if user is None:
        raise HTTPException(status_code=401, detail="Logga in först.", headers={"WWW-Authenticate": "Bearer"})
    return user


def require_admin(request: Request) -> User:
    user = current_user(request)
    if not user.is_admin:
        raise HTTPException(status_code=403, detail="Bara administratörer får göra detta.")
    return user


FrontdeskDep = Annotated[Frontdesk, Depends(frontdesk)]
UserDep = Annotated[User, Depends(current_user)]
AdminDep = Annotated[User, Depends(require_admin)]


class FiltersIn(BaseModel):
    insats: str | None = Field(None, description="insats id or name")
    kommun: str | None = None
    rapporttyp: str | None = Field(
        None, description="slutrapport, kvartalsrapport, lagesrapport, utvardering, forstudie, ansokan or rapport"
    )
    ar: int | None = Field(None, description="only reports whose period covers this year")
    avsnitt: str | None = Field(None, description="template section key, e.g. framgangsfaktorer")

    def to_filters(self) -> Filters:
        return Filters(self.insats, self.kommun, self.rapporttyp, self.ar, self.avsnitt)


class AskRequest(BaseModel):
    question: str = Field(..., max_length=2000)
    history: list[str] = Field(default_factory=list, max_length=20, description="earlier questions, oldest first")
    filters: FiltersIn | None = None


class PassageOut(BaseModel):
    id: str
    source: str
    text: str
    insats: str | None
    section: str | None
    heading: str
    page: int | None
    score: float | None = None


class CitationOut(PassageOut):
    n: int


class AnswerOut(BaseModel):
    answer: str
    abstained: bool
    citations: list[CitationOut]
    insatser: list[str]
    notices: list[str]


class SearchOut(BaseModel):
    question: str
    results: list[PassageOut]


class LoginRequest(BaseModel):
    username: str
    password: str


class TokenOut(BaseModel):
    token: str
    user: str
    role: str


class DocumentOut(BaseModel):
    id: str
    source: str
    insats: str | None
    section: str | None
    heading: str
    page: int | None
    text: str
    passage_start: int
    passage_end: int


class SummaryRequest(BaseModel):
    insats: str | None = Field(None, description="one insats (name as typed, or id): its board summary")
    insatser: list[str] = Field(default_factory=list, description="several insatser for a comparison")
    kommun: str | None = Field(None, description="comparison of the insatser in this kommun")
    fran_ar: int | None = Field(None, description="comparison: periods touching this year or later")
    till_ar: int | None = Field(None, description="comparison: periods touching this year or earlier")
    format: Literal["markdown", "docx"] = "markdown"


class SummaryOut(BaseModel):
    title: str
    markdown: str
    notices: list[str]


class UploadOut(BaseModel):
    saved: list[str]
    message: str


@router.post("/login", response_model=TokenOut, tags=["inloggning"])
def login(body: LoginRequest, request: Request, desk: FrontdeskDep) -> TokenOut:
    user = desk.login(body.username, body.password, client=_client(request))
    return TokenOut(token=desk.sessions.open(user), user=user.name, role=user.role)


@router.post("/logout", tags=["inloggning"])
def logout(request: Request, desk: FrontdeskDep) -> dict[str, str]:
    desk.sessions.close(request_token(request))
    return {"status": "utloggad"}


@router.post("/ask", response_model=AnswerOut, tags=["frågor"])
def ask(body: AskRequest, user: UserDep, desk: FrontdeskDep) -> AnswerOut:
    filters = body.filters.to_filters() if body.filters else None
    answer = desk.ask(user, body.question, body.history, filters=filters)
    return answer_out(answer)


@router.post("/ask/stream", tags=["frågor"])
def ask_stream(body: AskRequest, user: UserDep, desk: FrontdeskDep) -> StreamingResponse:
    """Server-sent events: ``token`` events with text as it is written, then one ``answer`` (or ``error``)."""
    filters = body.filters.to_filters() if body.filters else None
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            answer = desk.ask(
                user,
                body.question,
                body.history,
                filters=filters,
                on_token=lambda t: events.put(("token", {"text": t})),
            )
            events.put(("answer", answer_out(answer).model_dump()))
        except Exception as exc:  # reported to the client as an event; the log has the rest
            events.put(("error", {"detail": desk.error_message(exc)}))
        events.put(("end", None))

    threading.Thread(target=work, name="arkiv-ask", daemon=True).start()

    def stream() -> Iterator[str]:
        while (item := events.get())[0] != "end":
            yield f"event: {item[0]}\ndata: {json.dumps(item[1], ensure_ascii=False)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


@router.get("/search", response_model=SearchOut, tags=["sök"])
def search(
    user: UserDep,
    desk: FrontdeskDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="the question or search words")],
    k: Annotated[int, Query(ge=1, le=50)] = 6,
    insats: str | None = None,
    kommun: str | None = None,
    rapporttyp: str | None = None,
    ar: int | None = None,
    avsnitt: str | None = None,
) -> SearchOut:
    passages = desk.search(user, q, k=k, filters=Filters(insats, kommun, rapporttyp, ar, avsnitt))
    return SearchOut(question=q, results=[passage_out(desk.present_passage(p, user)) for p in passages])


@router.get("/insatser", tags=["insatser"])
def list_insatser(user: UserDep, desk: FrontdeskDep, q: str | None = None) -> list[dict[str, Any]]:
    return [vars_of(row) for row in desk.insatser(user, q)]


@router.get("/insatser/{insats_id}", tags=["insatser"])
def one_insats(insats_id: str, user: UserDep, desk: FrontdeskDep) -> dict[str, Any]:
    return desk.insats_json(user, insats_id)


@router.get("/documents/{doc_id}", response_model=DocumentOut, tags=["dokument"])
def document(doc_id: str, user: UserDep, desk: FrontdeskDep, q: str = "") -> DocumentOut:
    """A passage (its id from an answer or a search) in the text around it."""
    view = desk.document(user, doc_id, q)
    chunk = view.chunk
    return DocumentOut(
        id=chunk.id,
        source=chunk.source,
        insats=view.insats,
        section=chunk.section,
        heading=" > ".join(chunk.heading_path),
        page=chunk.page,
        text=view.text,
        passage_start=view.mark_start,
        passage_end=view.mark_end,
    )


@router.post("/summary", response_model=SummaryOut, tags=["sammanfattningar"])
def summary(body: SummaryRequest, user: UserDep, desk: FrontdeskDep) -> Any:
    """A board summary of one insats, or a comparison of several (all when nothing is chosen).

    With ``format: docx`` the answer is the Word document itself.
    """
    doc = desk.summarize(user, body.insats, body.insatser, kommun=body.kommun, years=(body.fran_ar, body.till_ar))
    if body.format == "docx":
        filename = quote(f"{doc.title}.docx")
        return Response(
            to_docx(doc),
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
        )
    return SummaryOut(title=doc.title, markdown=to_markdown(doc), notices=list(doc.notices))


@router.post("/documents", response_model=UploadOut, status_code=202, tags=["dokument"])
def upload(admin: AdminDep, desk: FrontdeskDep, files: Annotated[list[UploadFile], File()]) -> UploadOut:
    """Admin: add reports to the archive (.pdf, .docx, .md, .txt); they are read in the background."""
    saved = [desk.save_upload(f.filename or "", f.file) for f in files]
    started = desk.uploaded(admin, saved)
    message = (
        "Filerna är sparade och läses in nu."
        if started
        else "Filerna är sparade och läses in efter pågående inläsning."
    )
    return UploadOut(saved=saved, message=message)


@router.post("/reindex", status_code=202, tags=["dokument"])
def reindex(admin: AdminDep, desk: FrontdeskDep) -> dict[str, Any]:
    started = desk.reindex(admin)
    return {"started": started, **status_json(desk)}


@router.get("/status", tags=["dokument"])
def status(user: UserDep, desk: FrontdeskDep) -> dict[str, Any]:
    return status_json(desk)


def status_json(desk: Frontdesk) -> dict[str, Any]:
    job = desk.jobs.status()
    progress = desk.archive.semantic_progress()
    return {
        "inläsning": job.state,
        "semantisk_sökning": semantic_line(progress),
        "passager_med_vektorer": progress.done,
        "passager_totalt": progress.total,
        "filer_klara": job.files_done,
        "filer_totalt": job.files_total,
        "meddelande": job.message,
        "misslyckade": [{"fil": f, "orsak": r} for f, r in job.failed],
    }


def answer_out(answer: Answer) -> AnswerOut:
    return AnswerOut(
        answer=answer.text,
        abstained=answer.abstained,
        citations=[
            CitationOut(n=c.n, **passage_out(c.passage).model_dump(exclude={"score"})) for c in answer.citations
        ],
        insatser=list(answer.insatser),
        notices=list(answer.notices),
    )


def passage_out(passage: Passage) -> PassageOut:
    chunk = passage.chunk
    return PassageOut(
        id=chunk.id,
        source=chunk.source,
        text=chunk.text,
        insats=passage.insats,
        section=chunk.section,
        heading=" > ".join(chunk.heading_path),
        page=chunk.page,
        score=round(passage.score, 6),
    )


def vars_of(row: object) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}  # type: ignore[attr-defined]


def _client(request: Request) -> str:
    return request.client.host if request.client else "okänd"


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def unknown(rest: str) -> None:
    """Unknown /api paths answer in Swedish JSON instead of falling through to the app's pages."""
    raise HTTPException(status_code=404, detail="Det finns ingen sådan API-väg.")

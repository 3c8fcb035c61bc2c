"""The front desk: what the app, the API and the CLI share. One archive, one assistant, one ingest job, users,
sessions and the audit log.

Built once by the composition root (``assistant/web/app.py``) and reached from routes through
``frontdesk(request)``. Every question, search, register listing and document view goes through here, so every
front end audits and masks alike; document views come with the words to highlight, so ``ui/`` needs no analyzer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from assistant import privacy
from assistant.answer import Answer, Passage
from assistant.archive import Archive
from assistant.board.overview import Overview
from assistant.board.summary import Summary
from assistant.compose import build_assistant
from assistant.config import Settings
from assistant.errors import ArkivError, AuthError, TooManyAttempts
from assistant.retrieve import Filters, HybridRetriever
from assistant.service import Assistant, TokenFn
from assistant.web.auth import LOCAL_USER, AuditLog, Sessions, Throttle, User, UserStore
from assistant.web.browse import (
    DocumentView,
    InsatsRow,
    document_view,
    find_insatser,
    get_insats,
    insats_json,
    insats_row,
)
from assistant.web.jobs import IngestJob
from assistant.web.uploads import save_upload
from index.analyze import analyze

logger = logging.getLogger(__name__)
SESSION_COOKIE = "arkiv_session"


TERMINAL_USER = User("terminal", "läsare")  # the CLI: masked exactly when mask_personal_data says so


@dataclass
class Frontdesk:
    settings: Settings
    archive: Archive
    assistant: Assistant
    retriever: HybridRetriever
    jobs: IngestJob
    users: UserStore
    sessions: Sessions
    throttle: Throttle
    audit: AuditLog

    @classmethod
    def build(cls, settings: Settings, archive: Archive) -> Frontdesk:
        assistant = build_assistant(archive, settings)
        data = settings.data_dir
        return cls(
            settings=settings,
            archive=archive,
            assistant=assistant,
            retriever=assistant.retriever,
            jobs=IngestJob(archive),
            users=UserStore(data / "users.json"),
            sessions=Sessions(hours=settings.session_hours),
            throttle=Throttle(),
            audit=AuditLog(data / "audit.jsonl", retention_days=settings.audit_retention_days),
        )

    @property
    def local_mode(self) -> bool:
        """No users configured: only this machine can reach the app, and its user is an admin."""
        return not self.users.any()

    def user_for(self, token: str | None) -> User | None:
        if self.local_mode:
            return LOCAL_USER
        return self.sessions.user(token)

    def login(self, name: str, password: str, *, client: str) -> User:
        """Checks a password; failed tries from one name or address are slowed down.

        Raises:
            TooManyAttempts: while the caller must wait after repeated failures.
            AuthError: for a wrong name or password.
        """
        keys = (f"user:{name}", f"client:{client}")
        wait = self.throttle.wait_seconds(*keys)
        if wait > 0:
            raise TooManyAttempts(f"För många misslyckade inloggningar; försök igen om {wait:.0f} sekunder.")
        user = self.users.verify(name, password)
        if user is None:
            self.throttle.failed(*keys)
            self.audit.record(name, "misslyckad inloggning", client)
            raise AuthError("Fel användarnamn eller lösenord.")
        self.throttle.succeeded(*keys)
        self.audit.record(user.name, "inloggning", client)
        return user

    def ask(
        self,
        user: User,
        question: str,
        history: Sequence[str] = (),
        *,
        filters: Filters | None = None,
        on_token: TokenFn | None = None,
    ) -> Answer:
        self.audit.record(user.name, "fråga", privacy.mask_personal_data(question), filter=_filters_json(filters))
        # The assistant masks the answer, its passages and the streamed text when the user's masking is on.
        mask = self.masks_for(user)
        return self.assistant.ask(question, history, filters=filters, on_token=on_token, mask_personal_data=mask)

    def search(self, user: User, question: str, *, k: int, filters: Filters | None = None) -> list[Passage]:
        self.audit.record(user.name, "sökning", privacy.mask_personal_data(question), filter=_filters_json(filters))
        passages = self.retriever.search(question, k=k, filters=filters)
        return [privacy.mask_passage(p) for p in passages] if self.masks_for(user) else passages

    def summarize(
        self,
        user: User,
        insats: str | None,
        insatser: Sequence[str] = (),
        *,
        kommun: str | None = None,
        years: tuple[int | None, int | None] = (None, None),
    ) -> Summary | Overview:
        """One insats's summary, or the comparison of ``insatser`` / a kommun / years (all when none)."""
        chosen = insats or ", ".join(insatser) or kommun or "hela arkivet"
        self.audit.record(user.name, "sammanfattning", chosen)
        if insats:
            return self.assistant.summarize(insats)
        return self.assistant.summarize_many(insatser, kommun=kommun, from_year=years[0], to_year=years[1])

    # --- the register and the documents -----------------------------------------------------------

    def insatser(self, user: User, query: str | None = None) -> list[InsatsRow]:
        """The register as rows: all insatser, or those whose name resembles ``query`` (best first)."""
        types = self.archive.register.report_types()
        rows = [insats_row(i, types) for i in find_insatser(self.archive, query)]
        if not self.masks_for(user):
            return rows
        return [replace(row, **{k: self.mask(getattr(row, k), user) for k in _ROW_TEXT}) for row in rows]

    def insats(self, user: User, insats_id: str) -> tuple[InsatsRow, dict[str, Any]]:
        """One insats as a row and with every register value and where it stands.

        Raises:
            NotFound: for an id that is not in the register.
        """
        insats = get_insats(self.archive, insats_id)
        types = self.archive.register.report_types()
        row = insats_row(insats, types)
        if self.masks_for(user):
            row = replace(row, **{k: self.mask(getattr(row, k), user) for k in _ROW_TEXT})
        return row, self.insats_json(user, insats_id)

    def insats_json(self, user: User, insats_id: str) -> dict[str, Any]:
        insats = get_insats(self.archive, insats_id)
        return self.mask_json(insats_json(insats, self.archive.register.report_types()), user)

    def document(self, user: User, chunk_id: str, question: str = "") -> DocumentView:
        """A passage in its document, masked for ``user``, with the words of ``question`` to highlight.

        Raises:
            NotFound: for an id that is malformed or not in the register.
        """
        view = self.present_view(document_view(self.archive, chunk_id, question=question), user)
        return replace(view, marked=highlighted(view))

    # --- new reports --------------------------------------------------------------------------------

    def save_upload(self, filename: str, data: BinaryIO) -> str:
        """Stores one uploaded report in the archive folder; returns its path relative to the archive.

        Raises:
            BadUpload: for a bad name or type, or a file over ``max_file_mb``.
        """
        return save_upload(filename, data, self.settings)

    def uploaded(self, user: User, saved: Sequence[str]) -> bool:
        """Records the uploads and reads them in; False when they wait behind an ingest already running."""
        self.audit.record(user.name, "uppladdning", ", ".join(saved))
        return self.jobs.start(self.settings.archive_dir)

    def reindex(self, user: User) -> bool:
        """Reads the archive folder in again; False when it waits behind an ingest already running."""
        self.audit.record(user.name, "omindexering")
        return self.jobs.start(self.settings.archive_dir)

    # --- what leaves the server -------------------------------------------------------------------

    def masks_for(self, user: User) -> bool:
        """Personal identity and phone numbers are masked for everyone, unless admins may see them."""
        if not self.settings.mask_personal_data:
            return False
        return not (user.is_admin and self.settings.admins_see_personal_data)

    def mask(self, text: str, user: User) -> str:
        return privacy.mask_personal_data(text) if self.masks_for(user) else text

    def mask_json(self, data: dict[str, Any], user: User) -> dict[str, Any]:
        if not self.masks_for(user):
            return data
        masked: dict[str, Any] = json.loads(privacy.mask_personal_data(json.dumps(data, ensure_ascii=False)))
        return masked

    def present_passage(self, passage: Passage, user: User) -> Passage:
        return privacy.mask_passage(passage) if self.masks_for(user) else passage

    def present_view(self, view: DocumentView, user: User) -> DocumentView:
        before = self.mask(view.text[: view.mark_start], user)
        passage = self.mask(view.text[view.mark_start : view.mark_end], user)
        after = self.mask(view.text[view.mark_end :], user)
        return replace(view, text=before + passage + after, mark_start=len(before), mark_end=len(before) + len(passage))

    @staticmethod
    def error_message(exc: Exception) -> str:
        if isinstance(exc, ArkivError):
            return str(exc)
        logger.error("unexpected error", exc_info=exc)
        return "Ett oväntat fel inträffade; det är loggat."


_ROW_TEXT = ("name", "kommun", "period", "reports")  # the free-text fields of a register row


def highlighted(view: DocumentView) -> frozenset[str]:
    """The words of the view's text (and its OCR-repaired form) whose analyzed forms meet the question's terms."""
    if not view.terms:
        return frozenset()
    words = set(re.findall(r"\w+", view.text)) | set(re.findall(r"\w+", view.chunk.corrected or ""))
    return frozenset(w for w in words if view.terms & set(analyze(w)))


def _filters_json(filters: Filters | None) -> dict[str, Any] | None:
    if filters is None or filters.empty():
        return None
    return {k: getattr(filters, k) for k in Filters.__slots__ if getattr(filters, k) is not None}

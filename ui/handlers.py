"""What the staff app does on each event (Gradio handlers), for the user signed in on the request.

The layout is in ``ui/chat.py``; everything shown goes through the Frontdesk and is rendered by ``ui/render.py``.
"""

import logging
import queue
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import Answer
from assistant.board.chart import chart_png
from assistant.board.export import to_docx, to_markdown
from assistant.board.overview import Overview
from assistant.errors import ArkivError
from assistant.retrieve import Filters
from assistant.service import semantic_line
from assistant.web.auth import User
from assistant.web.frontdesk import SESSION_COOKIE, Frontdesk
from ui.render import document_html, escape_text, format_answer, register_rows, source_choices

logger = logging.getLogger(__name__)

GENERIC_EXAMPLES = (
    "Vilka insatser nämner samverkan som framgångsfaktor?",
    "Vilka systemfel beskrivs i rapporterna?",
    "Hur många deltagare gick vidare till arbete eller studier?",
)
NO_FILTER = "Alla"  # the choice that filters nothing
_DOWNLOAD_SECONDS = 3600  # how long a summary's DOCX and Markdown stay downloadable


class Handlers:
    """What the app does on each event, for the user signed in on the request (no layout here)."""

    def __init__(self, desk: Frontdesk) -> None:
        self.desk = desk

    def load(self, request: gr.Request) -> tuple[Any, ...]:
        """The page's first state: who is signed in, filter choices, example questions, the register."""
        desk = self.desk
        user = _user(desk, request)
        catalog = desk.archive.catalog()
        insatser = sorted(catalog.insatser, key=lambda i: i.name.lower())
        kommuner = sorted({r.kommun for r in catalog.reports.values() if r.kommun})
        years = sorted({y for r in catalog.reports.values() if r.years for y in range(r.years[0], r.years[1] + 1)})
        samples = [[q] for q in _examples(desk)]
        rows, row_ids = _register(desk, "", user) if user else ([], [])
        return (
            _who(user, desk),
            status_line(desk),
            gr.update(choices=[NO_FILTER, *((i.name, i.id) for i in insatser)]),
            gr.update(choices=[NO_FILTER, *kommuner]),
            gr.update(choices=[NO_FILTER, *(str(y) for y in years)]),
            gr.Dataset(samples=samples),
            rows,
            row_ids,
            gr.Column(visible=bool(user and user.is_admin)),
            gr.update(choices=[(i.name, i.id) for i in insatser]),
            gr.update(choices=[NO_FILTER, *kommuner]),
            gr.Markdown(visible=not (user and user.is_admin)),
        )

    def respond(
        self,
        message: str,
        past: list[str],
        chat_log: list[dict[str, str]],
        insats: str,
        kommun: str,
        year: str,
        report_type: str,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """The chat: the question, then the answer as it is written, then its sources and the first one shown."""
        desk = self.desk
        user = _user(desk, request)
        text = (message or "").strip()
        if user is None or not text:
            yield chat_log, past, gr.update(), gr.update(), "", message, gr.update()
            return
        chat_log = [
            *chat_log,
            {"role": "user", "content": escape_text(text)},
            {"role": "assistant", "content": "…"},
        ]
        yield chat_log, past, gr.update(choices=[], value=None), "", text, "", gr.update()
        chosen = _filters(insats, kommun, year, report_type)
        result = yield from _stream_answer(desk, user, text, past, chosen, chat_log)
        if isinstance(result, Answer):
            chat_log[-1] = {"role": "assistant", "content": format_answer(result)}
            choices = source_choices(result.citations)
            first = choices[0][1] if choices else None
            page = _document(desk, first, text, user) if first else ""
            yield chat_log, [*past, text], gr.update(choices=choices, value=first), page, text, "", status_line(desk)
        else:
            chat_log[-1] = {"role": "assistant", "content": f"⚠️ {escape_text(result)}"}
            yield chat_log, past, gr.update(choices=[], value=None), "", text, "", status_line(desk)

    def show_source(self, chunk_id: str | None, asked: str, request: gr.Request) -> str:
        user = _user(self.desk, request)
        return _document(self.desk, chunk_id, asked, user) if chunk_id and user else ""

    def filter_register(self, text: str, request: gr.Request) -> tuple[list[list[str]], list[str]]:
        user = _user(self.desk, request)
        return _register(self.desk, text, user) if user else ([], [])

    def show_insats(self, row_ids: list[str], event: gr.SelectData, request: gr.Request) -> str:
        user = _user(self.desk, request)
        if user is None or not event.index or event.index[0] >= len(row_ids):
            return ""
        return _insats_markdown(self.desk, row_ids[event.index[0]], user)

    def upload(self, paths: list[str] | None, request: gr.Request) -> str:
        """Admins: store the chosen files (each refused one says why) and read the stored ones in."""
        desk = self.desk
        user = _user(desk, request)
        if user is None or not user.is_admin:
            return "Bara administratörer kan ladda upp rapporter."
        if not paths:
            return "Välj en eller flera filer först."
        lines = []
        saved = []
        for path in paths:
            name = Path(path).name
            try:
                with open(path, "rb") as data:
                    saved.append(desk.save_upload(name, data))
                lines.append(f"✓ {escape_text(saved[-1])}")
            except ArkivError as exc:
                lines.append(f"✗ {escape_text(str(exc))}")
        if saved:
            desk.uploaded(user, saved)
            lines.append("\nInläsningen har startat; statusraden överst visar när den är klar.")
        return "\n".join(lines)

    def summarize(self, chosen: list[str] | None, kommun: str, request: gr.Request) -> tuple[Any, ...]:
        """The board summary (one insats) or comparison, as DOCX and Markdown downloads, chart and text."""
        user = _user(self.desk, request)
        if user is None:
            return None, None, gr.update(visible=False), ""
        picked = list(chosen or [])
        try:
            doc = self.desk.summarize(
                user,
                picked[0] if len(picked) == 1 else None,
                picked,
                kommun=None if kommun in (None, NO_FILTER) else kommun,
            )
        except ArkivError as exc:
            return None, None, gr.update(visible=False), f"⚠️ {escape_text(str(exc))}"
        folder = _download_folder()
        stem = re.sub(r"[^\w -]", "", doc.title)[:80].strip() or "sammanfattning"
        docx_path, md_path = folder / f"{stem}.docx", folder / f"{stem}.md"
        chart = chart_png(doc) if isinstance(doc, Overview) else None
        docx_path.write_bytes(to_docx(doc, chart=chart))
        md_path.write_text(to_markdown(doc), encoding="utf-8")
        chart_update = gr.update(visible=False)
        if chart:
            (folder / "diagram.png").write_bytes(chart)
            chart_update = gr.update(value=str(folder / "diagram.png"), visible=True)
        text = to_markdown(doc).replace("![Beviljade och utnyttjade medel per insats](diagram.png)", "")
        return str(docx_path), str(md_path), chart_update, text


def _stream_answer(
    desk: Frontdesk, user: User, text: str, past: list[str], filters: Filters | None, chat_log: list[dict[str, str]]
) -> Generator[tuple[Any, ...], None, Answer | str]:
    """Yields chat updates while the answer is written; returns the Answer, or a Swedish error message."""
    tokens: queue.Queue[str | None] = queue.Queue()
    outcome: list[Answer | str] = []

    def work() -> None:
        try:
            outcome.append(desk.ask(user, text, past, filters=filters, on_token=tokens.put))
        except ArkivError as exc:
            outcome.append(str(exc))
        except Exception as exc:  # shown as a Swedish message; the trace goes to the log
            outcome.append(desk.error_message(exc))
        tokens.put(None)

    threading.Thread(target=work, name="arkiv-chat", daemon=True).start()
    written = ""
    while (token := tokens.get()) is not None:
        written += token
        chat_log[-1] = {"role": "assistant", "content": escape_text(written)}
        yield chat_log, past, gr.update(), gr.update(), text, "", gr.update()
    return outcome[0]


def _download_folder() -> Path:
    """A new folder for one summary's downloads; folders older than an hour are removed first."""
    root = Path(tempfile.gettempdir()) / "arkiv-sammanfattningar"
    root.mkdir(exist_ok=True)
    cutoff = time.time() - _DOWNLOAD_SECONDS
    for old in root.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=root))


def _user(desk: Frontdesk, request: gr.Request | None) -> User | None:
    if request is None:
        return None
    cookies = getattr(request, "cookies", None) or {}
    headers = getattr(request, "headers", None) or {}
    token = cookies.get(SESSION_COOKIE)
    auth = headers.get("authorization", "")
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    return desk.user_for(token)


def _filters(insats: str, kommun: str, year: str, report_type: str) -> Filters | None:
    def chosen(value: str | None) -> str | None:
        return None if not value or value == NO_FILTER else value

    year_value = chosen(year)
    filters = Filters(
        insats=chosen(insats),
        kommun=chosen(kommun),
        report_type=chosen(report_type),
        year=int(year_value) if year_value else None,
    )
    return None if filters.empty() else filters


def _document(desk: Frontdesk, chunk_id: str, question: str, user: User) -> str:
    try:
        view = desk.document(user, chunk_id, question)
    except ArkivError as exc:
        return f"<p>{escape_text(str(exc))}</p>"
    return document_html(view)


def _register(desk: Frontdesk, text: str, user: User) -> tuple[list[list[str]], list[str]]:
    rows = desk.insatser(user, text)
    return register_rows(rows), [r.id for r in rows]


def _insats_markdown(desk: Frontdesk, insats_id: str, user: User) -> str:
    row, data = desk.insats(user, insats_id)
    lines = [f"### {escape_text(row.name)}", f"**Kommun:** {escape_text(row.kommun)}  "]
    lines.append(f"**Period:** {escape_text(row.period)}  ")
    lines.append(
        f"**Beviljat:** {escape_text(row.granted)} · **Utnyttjat:** {escape_text(row.used)} ({row.share_used})  "
    )
    if data["samverkansparter"]:
        parts = sorted({p["värde"] for p in data["samverkansparter"]})
        lines.append(f"**Samverkansparter:** {escape_text(', '.join(parts))}  ")
    if data["deltagare"]:
        lines.append("**Deltagare:** " + escape_text("; ".join(f"{d['text']}" for d in data["deltagare"][:6])) + "  ")
    lines.append("**Rapporter:**")
    lines.extend(f"- {escape_text(r['fil'])} ({escape_text(r['typ'] or 'okänd')})" for r in data["rapporter"])
    if data["alias"]:
        lines.append(f"\n*Kallas också:* {escape_text(', '.join(data['alias'][:8]))}")
    return "\n".join(lines)


def _examples(desk: Frontdesk) -> list[str]:
    """Example questions for the first visit; a named insats from this archive makes them concrete."""
    insatser = sorted(desk.archive.catalog().insatser, key=lambda i: i.name.lower())
    if not insatser:
        return list(GENERIC_EXAMPLES)
    named = [f"Hur mycket medel beviljades {insatser[0].name}?", f"Vilka lärdomar drog {insatser[-1].name}?"]
    return [*GENERIC_EXAMPLES, *named]


def _who(user: User | None, desk: Frontdesk) -> str:
    if user is None:
        return ""
    if desk.local_mode:
        return "Lokalt läge: bara den här datorn når appen. · [API-dokumentation](/docs)"
    return f"Inloggad som **{escape_text(user.name)}** ({user.role}) · [Logga ut](/logout) · [API](/docs)"


def status_line(desk: Frontdesk) -> str:
    job = desk.jobs.status()
    catalog = desk.archive.catalog()
    base = f"{len(catalog.insatser)} insatser, {len(catalog.reports)} rapporter i arkivet."
    progress = desk.archive.semantic_progress()
    if not progress.complete:
        base += f" {semantic_line(progress).capitalize()}; resten söks på ord tills vidare."
    if job.running:
        return f"⏳ Läser in rapporter: {job.files_done} av {job.files_total or '?'} filer klara. {base}"
    if job.state == "misslyckades":
        return f"⚠️ Senaste inläsningen misslyckades: {escape_text(job.message)} {base}"
    if job.failed:
        return f"{base} {len(job.failed)} filer kunde inte läsas vid senaste inläsningen."
    return base

"""The staff app (Gradio, in Swedish): chat with streamed answers and clickable sources, filters, the insats
register, and uploads for admins. It calls the same Frontdesk as the API; rendering lives in ``ui/render.py``.
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
from typing import Any, cast

import gradio as gr

from assistant.answer import Answer
from assistant.board.chart import chart_png
from assistant.board.export import to_docx, to_markdown
from assistant.board.overview import Overview
from assistant.errors import ArkivError
from assistant.retrieve import REPORT_TYPES, Filters
from assistant.web.auth import User
from assistant.web.frontdesk import SESSION_COOKIE, Frontdesk
from ui.render import REGISTER_COLUMNS, document_html, escape_text, format_answer, register_rows, source_choices

logger = logging.getLogger(__name__)

GENERIC_EXAMPLES = (
    "Vilka insatser nämner samverkan som framgångsfaktor?",
    "Vilka systemfel beskrivs i rapporterna?",
    "Hur många deltagare gick vidare till arbete eller studier?",
)
CSS = """
.arkiv-doc { font-size: 0.95rem; line-height: 1.5; }
.arkiv-where { font-weight: 600; margin-bottom: .5rem; }
.arkiv-text { white-space: pre-wrap; max-height: 32rem; overflow-y: auto; border: 1px solid #ddd;
              padding: .75rem; border-radius: 6px; background: #fafafa; }
.arkiv-passage { background: #fff4c2; outline: 2px solid #e0b400; border-radius: 3px; }
.arkiv-text mark { background: #ffd54a; font-weight: 600; }
.arkiv-note { color: #555; font-size: .85rem; }
"""
_NO_FILTER = "Alla"
_DOWNLOAD_SECONDS = 3600  # how long a summary's DOCX and Markdown stay downloadable
_SCROLL_TO_PASSAGE = "() => { document.getElementById('arkiv-passage')?.scrollIntoView({block: 'center'}); }"


def build_ui(desk: Frontdesk) -> gr.Blocks:
    """The whole app as one Blocks; handlers look up the signed-in user from the session cookie."""
    with gr.Blocks(title="Arkiv – rapportarkivet", analytics_enabled=False) as app:
        history = gr.State([])  # the user's earlier questions in this conversation
        last_question = gr.State("")
        with gr.Row():
            gr.Markdown("# Arkiv\nFrågor och sökning i samordningsförbundets rapporter. Varje svar visar sina källor.")
            who = gr.Markdown(elem_id="who")
        status = gr.Markdown(elem_id="status")
        with gr.Tabs():
            with gr.Tab("Fråga", id="fraga"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label="Samtal",
                            height=460,
                            elem_id="chat",
                            placeholder="Ställ en fråga om insatserna, t.ex. om resultat, kostnader eller lärdomar.",
                            feedback_options=None,
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                placeholder="Skriv din fråga och tryck Enter …",
                                show_label=False,
                                scale=5,
                                elem_id="question",
                                max_length=2000,
                            )
                            send = gr.Button("Fråga", variant="primary", scale=1, elem_id="send")
                        new = gr.Button("Nytt samtal", size="sm")
                        examples = gr.Dataset(
                            components=[gr.Textbox(visible=False)],
                            samples=[[q] for q in GENERIC_EXAMPLES],
                            label="Exempel på frågor (klicka för att fråga)",
                            elem_id="examples",
                        )
                        with gr.Accordion("Filter", open=False, elem_id="filters"):
                            with gr.Row():
                                f_insats = gr.Dropdown(
                                    label="Insats", choices=[_NO_FILTER], value=_NO_FILTER, elem_id="filter-insats"
                                )
                                f_kommun = gr.Dropdown(label="Kommun", choices=[_NO_FILTER], value=_NO_FILTER)
                            with gr.Row():
                                f_year = gr.Dropdown(label="År", choices=[_NO_FILTER], value=_NO_FILTER)
                                f_type = gr.Dropdown(
                                    label="Rapporttyp", choices=[_NO_FILTER, *REPORT_TYPES], value=_NO_FILTER
                                )
                    with gr.Column(scale=2):
                        gr.Markdown("### Källor")
                        sources = gr.Radio(
                            choices=[],
                            label="Klicka på en källa för att se stycket i sitt dokument",
                            elem_id="sources",
                        )
                        viewer = gr.HTML(elem_id="viewer")
            with gr.Tab("Insatser", id="insatser"):
                find = gr.Textbox(
                    label="Sök insats",
                    placeholder="Namn, kommun eller förkortning, t.ex. 'connect boll'",
                    elem_id="find",
                )
                table = gr.Dataframe(
                    headers=list(REGISTER_COLUMNS),
                    interactive=False,
                    wrap=True,
                    elem_id="register",
                    max_height=420,
                    column_widths=["18%", "9%", "15%", "10%", "10%", "7%", "7%", "24%"],
                )
                detail = gr.Markdown(elem_id="insats-detail")
                ids = gr.State([])
            with gr.Tab("Sammanfattning för styrelsen", id="sammanfattning"):
                gr.Markdown(
                    "Välj en insats för en sammanfattning, eller flera (eller ingen, för hela arkivet) för en "
                    "jämförande sammanställning. Varje uppgift har en fotnot till rapport, avsnitt och sida."
                )
                with gr.Row():
                    s_insatser = gr.Dropdown(
                        label="Insatser", choices=[], multiselect=True, elem_id="summary-insatser", scale=3
                    )
                    s_kommun = gr.Dropdown(label="Kommun", choices=[_NO_FILTER], value=_NO_FILTER, scale=1)
                    s_button = gr.Button("Skapa", variant="primary", elem_id="summary-make", scale=1)
                with gr.Row():
                    s_docx = gr.File(label="Word (DOCX)", interactive=False, elem_id="summary-docx")
                    s_md = gr.File(label="Markdown", interactive=False)
                s_chart = gr.Image(label="Beviljade och utnyttjade medel", visible=False, type="filepath")
                s_text = gr.Markdown(elem_id="summary-text")
            with gr.Tab("Ladda upp (admin)", id="ladda-upp"):
                # Gradio does not hide tabs on update, so the tab stays and its contents are for admins only.
                not_admin = gr.Markdown("Bara administratörer kan ladda upp rapporter.", elem_id="not-admin")
                with gr.Column(visible=False, elem_id="upload") as upload_panel:
                    gr.Markdown(
                        "Lägg till rapporter i arkivet (PDF, Word, Markdown eller text). De läses in i bakgrunden; "
                        "frågor fungerar som vanligt under tiden."
                    )
                    files = gr.File(
                        label="Rapporter", file_count="multiple", file_types=[".pdf", ".docx", ".md", ".txt"]
                    )
                    upload_button = gr.Button("Ladda upp och läs in", variant="primary")
                    upload_result = gr.Markdown()

        filters = [f_insats, f_kommun, f_year, f_type]

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            user = _user(desk, request)
            catalog = desk.archive.catalog()
            insatser = sorted(catalog.insatser, key=lambda i: i.name.lower())
            kommuner = sorted({r.kommun for r in catalog.reports.values() if r.kommun})
            years = sorted({y for r in catalog.reports.values() if r.years for y in range(r.years[0], r.years[1] + 1)})
            samples = [[q] for q in _examples(desk)]
            rows, row_ids = _register(desk, "", user) if user else ([], [])
            return (
                _who(user, desk),
                _status(desk),
                gr.update(choices=[_NO_FILTER, *((i.name, i.id) for i in insatser)]),
                gr.update(choices=[_NO_FILTER, *kommuner]),
                gr.update(choices=[_NO_FILTER, *(str(y) for y in years)]),
                gr.Dataset(samples=samples),
                rows,
                row_ids,
                gr.Column(visible=bool(user and user.is_admin)),
                gr.update(choices=[(i.name, i.id) for i in insatser]),
                gr.update(choices=[_NO_FILTER, *kommuner]),
                gr.Markdown(visible=not (user and user.is_admin)),
            )

        app.load(
            on_load,
            None,
            [
                who,
                status,
                f_insats,
                f_kommun,
                f_year,
                examples,
                table,
                ids,
                upload_panel,
                s_insatser,
                s_kommun,
                not_admin,
            ],
        )

        def respond(
            message: str,
            past: list[str],
            chat_log: list[dict[str, str]],
            insats: str,
            kommun: str,
            year: str,
            report_type: str,
            request: gr.Request,
        ) -> Iterator[tuple[Any, ...]]:
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
                yield chat_log, [*past, text], gr.update(choices=choices, value=first), page, text, "", _status(desk)
            else:
                chat_log[-1] = {"role": "assistant", "content": f"⚠️ {escape_text(result)}"}
                yield chat_log, past, gr.update(choices=[], value=None), "", text, "", _status(desk)

        outputs = [chat, history, sources, viewer, last_question, question, status]
        inputs = [question, history, chat, *filters]
        question.submit(respond, inputs, outputs)
        send.click(respond, inputs, outputs)
        examples.click(lambda sample: sample[0], examples, question).then(respond, inputs, outputs)
        new.click(lambda: ([], [], gr.update(choices=[], value=None), ""), None, [chat, history, sources, viewer])

        def show_source(chunk_id: str | None, asked: str, request: gr.Request) -> str:
            user = _user(desk, request)
            return _document(desk, chunk_id, asked, user) if chunk_id and user else ""

        sources.change(show_source, [sources, last_question], viewer).then(None, None, None, js=_SCROLL_TO_PASSAGE)

        def filter_register(text: str, request: gr.Request) -> tuple[list[list[str]], list[str]]:
            user = _user(desk, request)
            return _register(desk, text, user) if user else ([], [])

        find.change(filter_register, find, [table, ids])

        def show_insats(row_ids: list[str], event: gr.SelectData, request: gr.Request) -> str:
            user = _user(desk, request)
            if user is None or not event.index or event.index[0] >= len(row_ids):
                return ""
            return _insats_markdown(desk, row_ids[event.index[0]], user)

        table.select(show_insats, [ids], detail)

        def upload(paths: list[str] | None, request: gr.Request) -> str:
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

        upload_button.click(upload, files, upload_result)

        def summarize(chosen: list[str] | None, kommun: str, request: gr.Request) -> tuple[Any, ...]:
            user = _user(desk, request)
            if user is None:
                return None, None, gr.update(visible=False), ""
            picked = list(chosen or [])
            try:
                doc = desk.summarize(
                    user,
                    picked[0] if len(picked) == 1 else None,
                    picked,
                    kommun=None if kommun in (None, _NO_FILTER) else kommun,
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

        s_button.click(summarize, [s_insatser, s_kommun], [s_docx, s_md, s_chart, s_text])
        gr.Timer(5).tick(lambda: _status(desk), None, status)
    return cast(gr.Blocks, app)


def mount(app: Any, blocks: gr.Blocks, *, max_file_mb: int) -> None:
    """Mounts the app at / on the FastAPI server ``app`` (routes added before it, like /api, keep precedence).

    Gradio stores an upload before any handler sees it, so its own size limit is set to the archive's.
    """
    theme = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        theme=theme,
        css=CSS,
        footer_links=[],
        ssr_mode=False,
        max_file_size=f"{max_file_mb}mb",
        js="() => { document.documentElement.lang = 'sv'; }",  # Gradio's page says lang="en"
    )


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
        return None if not value or value == _NO_FILTER else value

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


def _status(desk: Frontdesk) -> str:
    job = desk.jobs.status()
    catalog = desk.archive.catalog()
    base = f"{len(catalog.insatser)} insatser, {len(catalog.reports)} rapporter i arkivet."
    if job.running:
        return f"⏳ Läser in rapporter: {job.files_done} av {job.files_total or '?'} filer klara. {base}"
    if job.state == "misslyckades":
        return f"⚠️ Senaste inläsningen misslyckades: {escape_text(job.message)} {base}"
    if job.failed:
        return f"{base} {len(job.failed)} filer kunde inte läsas vid senaste inläsningen."
    return base

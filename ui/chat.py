"""The staff app (Gradio, in Swedish): chat with streamed answers and clickable sources, filters, the insats
register, and uploads for admins: the layout. What each event does is in ``ui/handlers.py`` (through the same
Frontdesk as the API); rendering lives in ``ui/render.py``.
"""

from dataclasses import dataclass
from typing import Any, cast

import gradio as gr

from assistant.retrieve import REPORT_TYPES
from assistant.web.frontdesk import Frontdesk
from ui.handlers import GENERIC_EXAMPLES, NO_FILTER, Handlers, status_line
from ui.render import REGISTER_COLUMNS

CSS = """
.arkiv-doc { font-size: 0.95rem; line-height: 1.5; }
.arkiv-where { font-weight: 600; margin-bottom: .5rem; }
.arkiv-text { white-space: pre-wrap; max-height: 32rem; overflow-y: auto; border: 1px solid #ddd;
              padding: .75rem; border-radius: 6px; background: #fafafa; }
.arkiv-passage { background: #fff4c2; outline: 2px solid #e0b400; border-radius: 3px; }
.arkiv-text mark { background: #ffd54a; font-weight: 600; }
.arkiv-note { color: #555; font-size: .85rem; }
"""
_SCROLL_TO_PASSAGE = "() => { document.getElementById('arkiv-passage')?.scrollIntoView({block: 'center'}); }"


@dataclass
class _AskTab:
    chat: Any
    question: Any
    send: Any
    new: Any
    examples: Any
    filters: list[Any]  # insats, kommun, year, report type
    sources: Any
    viewer: Any


@dataclass
class _RegisterTab:
    find: Any
    table: Any
    detail: Any
    ids: Any


@dataclass
class _SummaryTab:
    insatser: Any
    kommun: Any
    button: Any
    docx: Any
    markdown: Any
    chart: Any
    text: Any


@dataclass
class _UploadTab:
    not_admin: Any
    panel: Any
    files: Any
    button: Any
    result: Any


def build_ui(desk: Frontdesk) -> gr.Blocks:
    """The whole app as one Blocks; handlers look up the signed-in user from the session cookie."""
    on = Handlers(desk)
    with gr.Blocks(title="Arkiv – rapportarkivet", analytics_enabled=False) as app:
        history = gr.State([])  # the user's earlier questions in this conversation
        last_question = gr.State("")
        with gr.Row():
            gr.Markdown("# Arkiv\nFrågor och sökning i samordningsförbundets rapporter. Varje svar visar sina källor.")
            who = gr.Markdown(elem_id="who")
        status = gr.Markdown(elem_id="status")
        with gr.Tabs():
            ask = _ask_tab()
            register = _register_tab()
            summary = _summary_tab()
            upload = _upload_tab()

        f_insats, f_kommun, f_year, _ = ask.filters
        loaded = [who, status, f_insats, f_kommun, f_year, ask.examples, register.table, register.ids]
        loaded += [upload.panel, summary.insatser, summary.kommun, upload.not_admin]
        app.load(on.load, None, loaded)

        outputs = [ask.chat, history, ask.sources, ask.viewer, last_question, ask.question, status]
        inputs = [ask.question, history, ask.chat, *ask.filters]
        ask.question.submit(on.respond, inputs, outputs)
        ask.send.click(on.respond, inputs, outputs)
        ask.examples.click(lambda sample: sample[0], ask.examples, ask.question).then(on.respond, inputs, outputs)
        ask.new.click(
            lambda: ([], [], gr.update(choices=[], value=None), ""), None, [ask.chat, history, ask.sources, ask.viewer]
        )
        ask.sources.change(on.show_source, [ask.sources, last_question], ask.viewer).then(
            None, None, None, js=_SCROLL_TO_PASSAGE
        )
        register.find.change(on.filter_register, register.find, [register.table, register.ids])
        register.table.select(on.show_insats, [register.ids], register.detail)
        upload.button.click(on.upload, upload.files, upload.result)
        summary.button.click(
            on.summarize,
            [summary.insatser, summary.kommun],
            [summary.docx, summary.markdown, summary.chart, summary.text],
        )
        gr.Timer(5).tick(lambda: status_line(desk), None, status)
    return cast(gr.Blocks, app)


def _ask_tab() -> _AskTab:
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
                            label="Insats", choices=[NO_FILTER], value=NO_FILTER, elem_id="filter-insats"
                        )
                        f_kommun = gr.Dropdown(label="Kommun", choices=[NO_FILTER], value=NO_FILTER)
                    with gr.Row():
                        f_year = gr.Dropdown(label="År", choices=[NO_FILTER], value=NO_FILTER)
                        f_type = gr.Dropdown(label="Rapporttyp", choices=[NO_FILTER, *REPORT_TYPES], value=NO_FILTER)
            with gr.Column(scale=2):
                gr.Markdown("### Källor")
                sources = gr.Radio(
                    choices=[],
                    label="Klicka på en källa för att se stycket i sitt dokument",
                    elem_id="sources",
                )
                viewer = gr.HTML(elem_id="viewer")
    return _AskTab(chat, question, send, new, examples, [f_insats, f_kommun, f_year, f_type], sources, viewer)


def _register_tab() -> _RegisterTab:
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
    return _RegisterTab(find, table, detail, ids)


def _summary_tab() -> _SummaryTab:
    with gr.Tab("Sammanfattning för styrelsen", id="sammanfattning"):
        gr.Markdown(
            "Välj en insats för en sammanfattning, eller flera (eller ingen, för hela arkivet) för en "
            "jämförande sammanställning. Varje uppgift har en fotnot till rapport, avsnitt och sida."
        )
        with gr.Row():
            insatser = gr.Dropdown(label="Insatser", choices=[], multiselect=True, elem_id="summary-insatser", scale=3)
            kommun = gr.Dropdown(label="Kommun", choices=[NO_FILTER], value=NO_FILTER, scale=1)
            button = gr.Button("Skapa", variant="primary", elem_id="summary-make", scale=1)
        with gr.Row():
            docx = gr.File(label="Word (DOCX)", interactive=False, elem_id="summary-docx")
            markdown = gr.File(label="Markdown", interactive=False)
        chart = gr.Image(label="Beviljade och utnyttjade medel", visible=False, type="filepath")
        text = gr.Markdown(elem_id="summary-text")
    return _SummaryTab(insatser, kommun, button, docx, markdown, chart, text)


def _upload_tab() -> _UploadTab:
    with gr.Tab("Ladda upp (admin)", id="ladda-upp"):
        # Gradio does not hide tabs on update, so the tab stays and its contents are for admins only.
        not_admin = gr.Markdown("Bara administratörer kan ladda upp rapporter.", elem_id="not-admin")
        with gr.Column(visible=False, elem_id="upload") as panel:
            gr.Markdown(
                "Lägg till rapporter i arkivet (PDF, Word, Markdown eller text). De läses in i bakgrunden; "
                "frågor fungerar som vanligt under tiden."
            )
            files = gr.File(label="Rapporter", file_count="multiple", file_types=[".pdf", ".docx", ".md", ".txt"])
            button = gr.Button("Ladda upp och läs in", variant="primary")
            result = gr.Markdown()
    return _UploadTab(not_admin, panel, files, button, result)


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

"""The composition root: ``create_app(settings)`` builds the archive, models, assistant and services once,
adds the API under /api, the login pages and /health, and mounts the Gradio app at /.

Example:
    app = create_app(Settings(archive_dir=Path("examples/rapporter")))
    uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.archive import Archive
from assistant.compose import open_archive
from assistant.config import Settings, get_settings
from assistant.errors import (
    ArkivError,
    AuthError,
    BadFilter,
    BadUpload,
    EmptyQuestion,
    ExtraMissing,
    Forbidden,
    GenerationFailed,
    IndexNotFound,
    IngestBusy,
    LoginRequired,
    NotFound,
    TooManyAttempts,
)
from assistant.service import semantic_line
from assistant.web import api
from assistant.web.api import request_token
from assistant.web.frontdesk import SESSION_COOKIE, Frontdesk

logger = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/health", "/login", "/logout", "/api/login"})
_STATUS: list[tuple[type[ArkivError], int]] = [
    (TooManyAttempts, 429),
    (LoginRequired, 401),
    (Forbidden, 403),
    (AuthError, 401),
    (NotFound, 404),
    (EmptyQuestion, 422),
    (BadFilter, 422),
    (BadUpload, 422),
    (IngestBusy, 409),
    (IndexNotFound, 503),
    (GenerationFailed, 503),
    (ExtraMissing, 503),
]
_HTTP_MESSAGES = {
    401: "Logga in först.",
    403: "Du har inte behörighet till detta.",
    404: "Sidan eller resursen finns inte.",
    405: "Metoden stöds inte här.",
}


def create_app(
    settings: Settings | None = None, *, ingest_on_start: bool = True, archive: Archive | None = None
) -> FastAPI:
    """The whole server; ``ingest_on_start`` reads ``archive_dir`` in the background (incrementally) at start-up."""
    settings = settings or get_settings()
    archive = archive or open_archive(settings)
    desk = Frontdesk.build(settings, archive)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if ingest_on_start and settings.archive_dir.is_dir():
            logger.info("reading %s in the background", settings.archive_dir)
            desk.jobs.start(settings.archive_dir)
        elif ingest_on_start:
            logger.warning("archive folder %s does not exist; serving what is indexed", settings.archive_dir)
        yield
        desk.jobs.wait(timeout=30)

    app = FastAPI(
        title="Arkiv",
        description="Frågor, sökning och sammanfattningar över samordningsförbundets rapportarkiv.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.frontdesk = desk
    _add_error_handlers(app)
    app.middleware("http")(_login_gate)
    _add_pages(app)
    app.include_router(api.router)

    from ui.chat import build_ui, mount

    mount(app, build_ui(desk), max_file_mb=settings.max_file_mb)
    return app


async def _login_gate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every route but the public ones needs a user; browsers are sent to the login page."""
    desk: Frontdesk = request.app.state.frontdesk
    path = request.url.path
    if path in PUBLIC_PATHS or desk.user_for(request_token(request)) is not None:
        return await call_next(request)
    if (
        request.method == "GET"
        and not path.startswith(("/api/", "/gradio_api/"))
        and "text/html" in request.headers.get("accept", "")
    ):
        return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
    return JSONResponse({"detail": "Logga in först."}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def _add_pages(app: FastAPI) -> None:
    @app.get("/health", tags=["drift"])
    def health(request: Request) -> dict[str, Any]:
        desk: Frontdesk = request.app.state.frontdesk
        job = desk.jobs.status()
        progress = desk.archive.semantic_progress()
        return {
            "status": "ok",
            "passager": len(desk.archive.catalog().chunk_source),
            "insatser": len(desk.archive.catalog().insatser),
            "inläsning": job.state,
            "semantisk_sökning": semantic_line(progress),
            "passager_med_vektorer": progress.done,
            "inloggning": "av (lokalt läge)" if desk.local_mode else "på",
        }

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(next: str = "/", error: str = "") -> HTMLResponse:
        return HTMLResponse(_login_html(_safe_next(next), error))

    @app.post("/login", include_in_schema=False)
    def login_form(
        request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")
    ) -> Response:
        desk: Frontdesk = request.app.state.frontdesk
        target = _safe_next(next)
        try:
            user = desk.login(username, password, client=request.client.host if request.client else "okänd")
        except AuthError as exc:
            return HTMLResponse(_login_html(target, str(exc)), status_code=401)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            desk.sessions.open(user),
            httponly=True,
            samesite="lax",
            max_age=int(desk.settings.session_hours * 3600),
        )
        return response

    @app.get("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        desk: Frontdesk = request.app.state.frontdesk
        desk.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ArkivError)
    async def arkiv_error(request: Request, exc: ArkivError) -> JSONResponse:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) or "begäran" for e in exc.errors()})
        return JSONResponse({"detail": f"Ogiltig begäran; kontrollera: {', '.join(fields)}."}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own errors carry the English status phrase; ours carry a Swedish message.
        english = exc.detail == HTTPStatus(exc.status_code).phrase
        message = exc.detail if isinstance(exc.detail, str) and not english else None
        message = message or _HTTP_MESSAGES.get(exc.status_code, "Begäran kunde inte utföras.")
        return JSONResponse({"detail": message}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "Ett oväntat fel inträffade; det är loggat."}, status_code=500)


def _safe_next(target: str) -> str:
    """Only paths on this server: no scheme, no host, no protocol-relative //evil.example."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def _login_html(next_path: str, error: str) -> str:
    message = f'<p class="fel" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Logga in – Arkiv</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f5f7; display: flex; justify-content: center;
       align-items: center; min-height: 100vh; margin: 0; }}
form {{ background: white; padding: 2rem 2.5rem; border-radius: 8px; box-shadow: 0 2px 8px #0002; width: 20rem; }}
h1 {{ font-size: 1.4rem; margin-top: 0; }}
label {{ display: block; margin: .8rem 0 .3rem; }}
input {{ width: 100%; padding: .5rem; box-sizing: border-box; font-size: 1rem; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem; background: #2457a6; color: white;
         border: 0; border-radius: 4px; cursor: pointer; }}
.fel {{ color: #a61b1b; }}
</style></head>
<body><form method="post" action="/login">
<h1>Arkiv</h1><p>Logga in för att söka och fråga i rapportarkivet.</p>{message}
<label for="username">Användarnamn</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Lösenord</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{html.escape(next_path, quote=True)}">
<button type="submit" id="login">Logga in</button>
</form></body></html>"""

"""The REST API in-process (TestClient) over the fictional examples, read once per module with the hashing embedder."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from conftest import EXAMPLES
from fastapi.testclient import TestClient

from assistant.compose import open_archive
from assistant.config import Settings
from assistant.web.app import create_app
from assistant.web.frontdesk import Frontdesk
from index.embed import HashingEmbedder

LIST_QUESTION = "Vilka insatser nämner Trisam som framgångsfaktor?"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    shutil.copytree(EXAMPLES, root / "arkiv", ignore=shutil.ignore_patterns("src", "*.py", "*.jsonl", "README.md"))
    settings = Settings(data_dir=root / "data", archive_dir=root / "arkiv", embedding_model="hashing")
    archive = open_archive(settings, embedder=HashingEmbedder())
    archive.ingest(settings.archive_dir)
    app = create_app(settings, archive=archive, ingest_on_start=False)
    with TestClient(app) as client:
        yield client
    archive.close()


@pytest.fixture
def desk(server) -> Frontdesk:
    return server.app.state.frontdesk


@pytest.fixture
def with_users(desk):
    desk.users.add("anna", "hemligt-lösen", "läsare")
    desk.users.add("bo", "admin-lösen-1", "admin")
    yield desk
    desk.users.path.unlink()


def _token(client, name, password):
    response = client.post("/api/login", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_ask_answers_with_numbered_citations_the_same_as_the_service(server, desk):
    response = server.post("/api/ask", json={"question": LIST_QUESTION})
    assert response.status_code == 200
    body = response.json()
    direct = desk.assistant.ask(LIST_QUESTION)
    assert body["answer"] == direct.text
    assert [(c["n"], c["id"]) for c in body["citations"]] == [(c.n, c.passage.chunk.id) for c in direct.citations]
    assert not body["abstained"] and body["citations"]
    first = body["citations"][0]
    assert {"n", "source", "text", "insats", "section", "page", "id"} <= set(first)
    assert f"[{first['n']}]" in body["answer"]


def test_stream_sends_tokens_then_the_checked_answer(server):
    with server.stream("POST", "/api/ask/stream", json={"question": "Hur mycket medel beviljades Steg för steg?"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [block for block in "".join(r.iter_text()).split("\n\n") if block.strip()]
    kinds = [block.split("\n")[0].removeprefix("event: ") for block in events]
    assert kinds[-1] == "answer" and "token" in kinds
    final = json.loads(events[-1].split("data: ", 1)[1])
    streamed = "".join(json.loads(b.split("data: ", 1)[1])["text"] for b in events if b.startswith("event: token"))
    assert streamed == final["answer"]


def test_search_insatser_and_document_in_context(server):
    results = server.get("/api/search", params={"q": "framgångsfaktorer Trisam", "k": 3}).json()["results"]
    assert len(results) == 3 and all(r["source"] and r["text"] for r in results)
    rows = server.get("/api/insatser", params={"q": "steg sand"}).json()
    assert [r["name"] for r in rows] == ["Steg för steg Sandviken"]
    detail = server.get(f"/api/insatser/{rows[0]['id']}").json()
    assert len(detail["rapporter"]) == 2  # the final report and its evaluation
    doc = server.get(f"/api/documents/{results[0]['id']}", params={"q": "Trisam"}).json()
    assert doc["text"][doc["passage_start"] : doc["passage_end"]] == results[0]["text"]


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("post", "/api/ask", {"question": "   "}, 422),
        ("post", "/api/ask", {}, 422),
        ("post", "/api/ask", {"question": "x" * 5000}, 422),
        ("get", "/api/search", None, 422),
        ("get", "/api/insatser/finns-inte", None, 404),
        ("get", "/api/documents/0123456789abcdef", None, 404),
        ("get", "/api/documents/..%2F..%2Fetc%2Fpasswd", None, 404),
        ("get", "/api/documents/%2e%2e", None, 404),
        ("get", "/api/nothing-here", None, 404),
        ("post", "/api/ask", {"question": "Hur?", "filters": {"insats": "Ingen sådan insats alls"}}, 422),
    ],
)
def test_errors_are_swedish_json_without_traces(server, method, path, payload, status):
    response = getattr(server, method)(path, **({"json": payload} if payload is not None else {}))
    assert response.status_code == status
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail not in ("Not Found", "Method Not Allowed", "Internal Server Error")
    assert "Traceback" not in response.text and "/tmp" not in response.text and ".py" not in response.text


def test_an_unexpected_error_is_a_plain_500(server, desk, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError(f"secret detail in {__file__}")

    monkeypatch.setattr(desk.assistant, "ask", boom)
    client = TestClient(server.app, raise_server_exceptions=False)
    response = client.post("/api/ask", json={"question": "Vad hände?"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Ett oväntat fel inträffade; det är loggat."}


def test_health_and_openapi(server):
    health = server.get("/health").json()
    assert health["status"] == "ok" and health["insatser"] == 7 and health["inloggning"].startswith("av")
    total = health["passager"]
    assert health["semantisk_sökning"] == f"semantisk sökning: {total} av {total} passager klara"
    paths = server.get("/openapi.json").json()["paths"]
    for route in ("/api/ask", "/api/ask/stream", "/api/search", "/api/insatser", "/api/insatser/{insats_id}"):
        assert route in paths
    assert "/api/documents/{doc_id}" in paths and "post" in paths["/api/documents"]


def test_with_users_no_route_answers_without_login(server, with_users):
    app = server.app
    api_paths = [r.path for r in app.routes if getattr(r, "path", "").startswith("/api/") and r.path != "/api/login"]
    for path in {*api_paths, "/docs", "/openapi.json", "/", "/gradio_api/info", "/config"}:
        concrete = path.replace("{insats_id}", "x").replace("{doc_id}", "0123456789abcdef").replace("{rest:path}", "x")
        for method in ("get", "post"):
            response = getattr(server, method)(concrete)
            assert response.status_code in (401, 303), (method, concrete, response.status_code)
            assert "Trisam" not in response.text
    page = server.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert server.get("/health").status_code == 200  # monitoring needs no login and shows no data


def test_login_then_bearer_token_and_cookie(server, with_users):
    headers = _token(server, "anna", "hemligt-lösen")
    assert server.post("/api/ask", json={"question": LIST_QUESTION}, headers=headers).status_code == 200
    form = server.post(
        "/login",
        data={"username": "anna", "password": "hemligt-lösen", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert form.status_code == 303 and form.headers["location"] == "/"  # no open redirect
    assert server.get("/api/insatser").status_code == 200  # the session cookie is now set on the client
    server.get("/logout")
    assert server.get("/api/insatser").status_code == 401
    entries = with_users.audit.entries()
    asked = [e for e in entries if e["händelse"] == "fråga" and e["användare"] == "anna"]
    assert asked and asked[-1]["detalj"] == LIST_QUESTION and asked[-1]["tid"]


def test_a_reader_cannot_upload_or_reindex(server, with_users):
    headers = _token(server, "anna", "hemligt-lösen")
    files = {"files": ("ny.md", b"# Slutrapport\n\nText.", "text/markdown")}
    assert server.post("/api/documents", files=files, headers=headers).status_code == 403
    assert server.post("/api/reindex", headers=headers).status_code == 403


def test_admin_upload_is_sanitised_limited_and_indexed(server, with_users):
    desk = with_users
    headers = _token(server, "bo", "admin-lösen-1")
    report = (EXAMPLES / "slutrapport_steg_for_steg_sandviken.md").read_bytes().replace(b"Sandviken", b"Ockelbo")
    files = [("files", ("../../-etc/ ..passwd slutrapport ny.md", report, "text/markdown"))]
    response = server.post("/api/documents", files=files, headers=headers)
    assert response.status_code == 202, response.text
    saved = response.json()["saved"]
    assert saved == ["uppladdat/passwd slutrapport ny.md"]  # folders, dots and dashes stripped
    target = (desk.settings.archive_dir / saved[0]).resolve()
    assert target.is_relative_to(desk.settings.archive_dir.resolve()) and target.is_file()
    status = desk.jobs.wait(timeout=120)
    assert status.state == "klar", status
    assert saved[0] in desk.archive.catalog().reports
    bad = [("files", ("rapport.exe", b"MZ...", "application/octet-stream"))]
    assert server.post("/api/documents", files=bad, headers=headers).status_code == 422
    big = io.BytesIO(b"a" * (desk.settings.max_file_bytes + 1))
    too_big = server.post("/api/documents", files=[("files", ("stor.txt", big, "text/plain"))], headers=headers)
    assert too_big.status_code == 422 and "MB" in too_big.json()["detail"]
    assert not list((desk.settings.archive_dir / "uppladdat").glob(".upload-*"))  # no half-written leftovers


def test_repeated_failed_logins_are_slowed(server, with_users):
    for _ in range(3):
        assert server.post("/api/login", json={"username": "anna", "password": "fel"}).status_code == 401
    assert server.post("/api/login", json={"username": "anna", "password": "fel"}).status_code == 401
    slowed = server.post("/api/login", json={"username": "anna", "password": "hemligt-lösen"})
    assert slowed.status_code == 429 and "sekunder" in slowed.json()["detail"]
    with_users.throttle.succeeded("user:anna", "client:testclient")


def test_summary_of_one_insats_and_a_comparison_as_docx(server):
    one = server.post("/api/summary", json={"insats": "steg för steg sandviken"})
    assert one.status_code == 200, one.text
    body = one.json()
    assert "Steg för steg Sandviken" in body["title"] + body["markdown"] and "## Källor" in body["markdown"]
    many = server.post("/api/summary", json={"format": "docx"})
    assert many.status_code == 200 and many.content[:2] == b"PK"
    assert "attachment" in many.headers["content-disposition"]
    unknown = server.post("/api/summary", json={"insats": "finns inte någonstans"})
    assert unknown.status_code == 422 and unknown.json()["detail"]


def test_personal_numbers_are_masked_in_api_answers_search_and_audit(server, desk, monkeypatch):
    desk.audit.record("x", "start")  # the log exists
    question = "Ring 070-123 45 67 om 811228-9874, vilka insatser nämner Trisam?"
    body = server.post("/api/ask", json={"question": question}).json()
    assert "070-123 45 67" not in json.dumps(body, ensure_ascii=False)
    last = desk.audit.entries()[-1]
    assert "811228-9874" not in last["detalj"] and "070-123 45 67" not in last["detalj"]
    chunk = desk.archive.register.chunks()[0]
    from assistant.answer import Passage

    def found(question, *, k, filters=None):
        fake = type(chunk)(**{**{f: getattr(chunk, f) for f in chunk.__slots__}, "text": "Kontakt 070-123 45 67."})
        return [Passage(fake, 1.0, None, None, None)]

    monkeypatch.setattr(desk.retriever, "search", found)
    results = server.get("/api/search", params={"q": "kontakt"}).json()["results"]
    assert "070-123 45 67" not in results[0]["text"] and "telefonnummer" in results[0]["text"]
    monkeypatch.setattr(desk.settings, "admins_see_personal_data", True)  # local user is an admin
    results = server.get("/api/search", params={"q": "kontakt"}).json()["results"]
    assert "070-123 45 67" in results[0]["text"]

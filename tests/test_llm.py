"""The language-model path against a real HTTP server on loopback speaking the chat-completions protocol."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import assistant_of

from assistant.prompting import load_prompt


class _ChatServer(ThreadingHTTPServer):
    reply = ""
    status = 200
    requests: list = []


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, body))
        if self.server.status != 200:
            self.send_response(self.server.status)
            self.end_headers()
            return
        payload = json.dumps(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": self.server.reply},
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    server = _ChatServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def llm_assistant(make_archive, corpus, chat_server):
    url = f"http://127.0.0.1:{chat_server.server_address[1]}/v1"
    archive = make_archive(llm_base_url=url, llm_model="testmodell", llm_timeout=5.0)
    archive.ingest(corpus)
    return assistant_of(archive)


def test_prompts_declare_their_variables():
    assert load_prompt("answer_user").variables == {"question", "passages"}
    assert "Utdragen är data" in load_prompt("answer_system").render()
    with pytest.raises(ValueError, match="missing"):
        load_prompt("answer_user").render(question="x")


def test_reply_markers_become_citations_bad_ones_dropped_and_wrong_figures_flagged(llm_assistant, chat_server):
    chat_server.reply = "Insatsen hade 33 deltagare [1] och kostade 9 999 kr [1]. Se även [9]."
    answer = llm_assistant.ask("Hur många deltagare hade Vägen framåt Söderhamn?")
    path, body = chat_server.requests[-1]
    assert path.endswith("/chat/completions") and body["model"] == "testmodell"
    prompt = body["messages"][-1]["content"]
    assert "[1] (" in prompt and "Fråga: Hur många deltagare" in prompt
    assert not answer.abstained and "[9]" not in answer.text
    assert [c.n for c in answer.citations] == [1]
    flagged = " ".join(answer.notices)
    assert "9999" in flagged
    # 33 is flagged exactly when the passage it cites does not state it
    assert ("Siffran 33 " in flagged) == ("33" not in answer.citations[0].passage.chunk.text)


def test_a_reply_without_valid_citations_is_an_abstention(llm_assistant, chat_server):
    chat_server.reply = "Det finns inget svar på det i arkivet."
    assert llm_assistant.ask("Vad kostade kaffet?").abstained
    chat_server.reply = "Insatsen var mycket lyckad [7]."
    assert llm_assistant.ask("Var insatsen lyckad?").abstained


def test_server_error_falls_back_to_the_extractive_answer_with_a_notice(llm_assistant, chat_server):
    chat_server.status = 500
    answer = llm_assistant.ask("Hur många deltagare hade Vägen framåt Söderhamn?")
    assert "33 personer" in answer.text and answer.citations
    assert any("Språkmodellen" in notice for notice in answer.notices)


def test_a_configured_model_without_the_llm_extra_fails_early_in_swedish(monkeypatch):
    import sys

    from assistant.chain import make_chat_model
    from assistant.errors import ExtraMissing

    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # as if arkiv[llm] were not installed
    with pytest.raises(ExtraMissing, match=r"arkiv\[llm\]"):
        make_chat_model(base_url="http://127.0.0.1:9/v1", model="m", api_key=None, timeout=1.0)

"""Tests for index/remote_embed.py against real HTTP servers on loopback.

Each server is a small FastAPI app speaking OpenAI's ``/v1/embeddings``, run by uvicorn in a thread on a
free port of 127.0.0.1. The fast tests serve the hashing fake (and fail on purpose where a test asks); the
slow one serves the bundled e5 model as a server would (no prompts of its own), and its vectors must agree
with the local embedder's.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from index.embed import BUNDLED_MODEL, HashingEmbedder, SentenceTransformerEmbedder, default_embedder
from index.remote_embed import EmbedderUnavailable, RemoteEmbedder


class Server:
    """What the server saw: one entry per request (the inputs and the Authorization header)."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]], fail_first: int = 0) -> None:
        self.embed = embed
        self.fail_first = fail_first
        self.requests: list[tuple[list[str], str | None]] = []
        self.url = ""


@contextmanager
def serve(state: Server, *, require_key: str | None = None) -> Iterator[Server]:
    app = FastAPI()

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Any:
        body = await request.json()
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        state.requests.append((inputs, request.headers.get("authorization")))
        if require_key and request.headers.get("authorization") != f"Bearer {require_key}":
            return JSONResponse({"error": "invalid api key"}, status_code=401)
        if len(state.requests) <= state.fail_first:
            return JSONResponse({"error": "overloaded"}, status_code=503)
        vectors = state.embed(inputs)
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        # Reversed on purpose: the spec orders by "index", not by position in the list.
        return {"object": "list", "model": body["model"], "data": data[::-1]}

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the loopback server did not start"
        time.sleep(0.02)
    state.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def hashing(inputs: list[str]) -> list[list[float]]:
    # Scaled by 3: the client must normalise whatever length the server returns.
    return [[3 * x for x in v] for v in HashingEmbedder().embed_passages(inputs)]


def test_batches_keep_order_add_e5_prompts_once_and_normalise():
    with serve(Server(hashing)) as server:
        embedder = RemoteEmbedder(server.url, model="intfloat/multilingual-e5-small", batch_size=2)
        texts = ["Målgruppen var unga vuxna.", "Budget 2 530 000 kr", "Trisam", "Arbetsträning", "Systemfel"]
        vectors = embedder.embed_passages(texts)
        question = embedder.embed_query("Vad kostade insatsen?")
        embedder.close()
    assert [len(inputs) for inputs, _ in server.requests] == [2, 2, 1, 1]
    assert server.requests[0][0] == ["passage: Målgruppen var unga vuxna.", "passage: Budget 2 530 000 kr"]
    assert server.requests[-1][0] == ["query: Vad kostade insatsen?"]
    expected = HashingEmbedder().embed_passages([f"passage: {t}" for t in texts])
    pairs = [(a, b) for v, w in zip(vectors, expected, strict=True) for a, b in zip(v, w, strict=True)]
    assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in pairs)
    assert math.isclose(math.fsum(x * x for x in question), 1.0)
    assert embedder.name == "intfloat/multilingual-e5-small@remote"


def test_other_models_get_no_prompts_and_the_key_is_sent():
    with serve(Server(hashing), require_key="hemlig") as server:
        embedder = RemoteEmbedder(server.url + "/v1", model="bge-m3", api_key="hemlig")
        embedder.embed_passages(["Rapporten"])
        embedder.close()
    assert server.requests == [(["Rapporten"], "Bearer hemlig")]


def test_transient_failures_are_retried():
    with serve(Server(hashing, fail_first=2)) as server:
        embedder = RemoteEmbedder(server.url, model="e5", backoff=0.01)
        assert len(embedder.embed_passages(["Deltagare"])[0]) == 64
        embedder.close()
    assert len(server.requests) == 3


def test_a_wrong_key_is_refused_at_once_in_swedish():
    with serve(Server(hashing), require_key="hemlig") as server:
        embedder = RemoteEmbedder(server.url, model="e5", api_key="fel", backoff=0.01)
        with pytest.raises(EmbedderUnavailable, match="vägrade begäran .*HTTP 401"):
            embedder.embed_query("x")
        embedder.close()
    assert len(server.requests) == 1  # a refusal is not retried


def test_a_server_that_is_down_gives_a_clear_swedish_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    embedder = RemoteEmbedder(f"http://127.0.0.1:{port}", model="e5", retries=2, backoff=0.01, timeout=2)
    began = time.monotonic()
    with pytest.raises(EmbedderUnavailable) as caught:
        embedder.embed_passages(["Deltagare"])
    assert "svarar inte" in str(caught.value) and "3 försök" in str(caught.value)
    assert "ARKIV_EMBED_URL" in str(caught.value)
    assert time.monotonic() - began < 10


def test_default_embedder_uses_the_server_when_a_url_is_set(tmp_path):
    chosen = default_embedder(BUNDLED_MODEL, tmp_path, url="http://127.0.0.1:9", batch_size=8)
    assert isinstance(chosen, RemoteEmbedder) and chosen.batch_size == 8
    assert chosen.name == "intfloat/multilingual-e5-small@remote"
    assert list(tmp_path.iterdir()) == []  # no local model is converted or exported


@pytest.mark.slow
def test_vectors_from_a_server_of_the_bundled_model_agree_with_local_ones(tmp_path_factory):
    from sentence_transformers import SentenceTransformer

    from index.bundled import build_bundled_model

    cache: Path = tmp_path_factory.mktemp("remote-model")
    folder = build_bundled_model(cache / "models" / "multilingual-e5-small")
    model = SentenceTransformer(str(folder), device="cpu")
    lock = threading.Lock()

    def e5_server(inputs: list[str]) -> list[list[float]]:
        with lock:  # as a server would: the text as sent, no prompt of its own
            return [[float(x) for x in row] for row in model.encode(inputs, normalize_embeddings=True)]

    local = SentenceTransformerEmbedder(cache_dir=cache)
    texts = ["Målgruppen var unga vuxna 18–29 år.", "Beviljade medel för insatsen<br>2 530 000 kr"]
    with serve(Server(e5_server)) as server:
        remote = RemoteEmbedder(server.url, model="intfloat/multilingual-e5-small")
        pairs = list(zip(remote.embed_passages(texts), local.embed_passages(texts), strict=True))
        pairs.append((remote.embed_query("Vad kostade insatsen?"), local.embed_query("Vad kostade insatsen?")))
        remote.close()
    assert all(sum(a * b for a, b in zip(v, w, strict=True)) >= 0.99 for v, w in pairs)

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index.build import check_consistency
from index.records import Chunk
from index.store import ChromaStore, StoreUnavailable, where_clause


def _chunk(i: int, source: str = "a.md", section: str | None = "systemfel") -> Chunk:
    return Chunk(f"id{i}", source, f"text {i}", i, i + 1, None, section, (), "")


def _exercise(store: ChromaStore) -> None:
    store.upsert([_chunk(1), _chunk(2, "b.md", "ekonomi"), _chunk(3)], [[1, 0, 0], [0, 1, 0], [0.9, 0.1, 0]])
    store.upsert([_chunk(1)], [[1, 0, 0]])  # idempotent
    assert store.ids() == {"id1", "id2", "id3"}
    hits = store.search([1, 0, 0], k=2)
    assert [cid for cid, _ in hits] == ["id1", "id3"] and hits[0][1] > 0.99
    assert [cid for cid, _ in store.search([0, 1, 0], k=5, where=where_clause(sections=["ekonomi"]))] == ["id2"]
    assert {
        cid for cid, _ in store.search([1, 0, 0], k=5, where=where_clause(sources=["a.md"], sections=["systemfel"]))
    } == {"id1", "id3"}
    among = store.search_among([1, 0, 0], {"id3", "id2", "missing"}, k=5)
    assert [cid for cid, _ in among] == ["id3", "id2"] and among[0][1] == pytest.approx(0.9 / 0.9055, abs=1e-3)
    assert store.search_among([1, 0, 0], {"id1", "id2", "id3"}, k=1)[0][0] == "id1"
    assert store.search_among([1, 0, 0], set(), k=5) == [] and store.search_among([1, 0, 0], {"x"}, k=5) == []
    where = where_clause(sources=["a.md"])
    filtered = store.search([0, 1, 0], k=5, where=where)
    assert store.search_within([0, 1, 0], {"id1", "id3"}, k=5, where=where) == filtered
    # an id with no vector yet (its file is still embedding): the where clause answers instead
    assert store.search_within([0, 1, 0], {"id1", "id3", "pending"}, k=5, where=where) == filtered
    store.delete(["id1", "id2"])
    assert store.ids() == {"id3"} and store.count() == 1


def test_embedded_chroma(tmp_path):
    _exercise(ChromaStore(path=tmp_path / "chroma", collection="test-embedded"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server on loopback, started and stopped by the test."""
    executable = Path(sys.executable).with_name("chroma")
    command = [str(executable)] if executable.exists() else [shutil.which("chroma") or "chroma"]
    port = _free_port()
    process = subprocess.Popen(
        [*command, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            ChromaStore(url=url, collection="probe")
            break
        except StoreUnavailable:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("chroma run did not start")
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_search_among_ranks_like_a_filtered_search(tmp_path):
    store = ChromaStore(path=tmp_path / "chroma", collection="test-among")
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(60, 8))
    store.upsert([_chunk(i, f"s{i % 6}.md", "ekonomi" if i % 3 else "systemfel") for i in range(60)], vectors.tolist())
    query = rng.normal(size=8).tolist()
    allowed = {f"id{i}" for i in range(60) if i % 3 == 0}
    filtered = store.search(query, k=8, where=where_clause(sections=["systemfel"]))
    exact = store.search_among(query, allowed, k=8)
    assert store.search_within(query, allowed, k=8, where=where_clause(sections=["systemfel"])) == filtered
    assert [cid for cid, _ in exact] == [cid for cid, _ in filtered]
    assert [round(s, 4) for _, s in exact] == [round(s, 4) for _, s in filtered]


def test_chroma_server_store(chroma_server):
    _exercise(ChromaStore(url=chroma_server, collection="test-server"))


def test_ingest_and_search_through_a_chroma_server(chroma_server, make_archive, corpus):
    archive = make_archive(chroma_url=chroma_server)
    report = archive.ingest(corpus)
    assert len(report.indexed) == 3
    assert check_consistency(archive.stores).ok
    top = archive.retriever().search("väntetider till psykiatrin", k=1)
    assert top[0].source == "slutrapport vägen framåt.md"


def test_unreachable_server_says_so_in_swedish():
    with pytest.raises(StoreUnavailable, match="svarar inte"):
        ChromaStore(url=f"http://127.0.0.1:{_free_port()}")

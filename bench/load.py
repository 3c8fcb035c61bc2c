"""Load on loopback: N simulated staff asking, searching and opening insatser for S seconds, while the archive
changes and an ingest runs.

Starts a real `arkiv serve` in a subprocess over a copy of the example archive, checks a few answers before
the load, then runs the users in threads (each with its own HTTP client). Half-way through, one report is
edited, one added and one deleted, and a re-index is started, so readers and an ingest share the server. A
monitor polls /health while the ingest runs; a request counts as overlapping the ingest when it was in flight
at a moment the server reported "läser in". Afterwards: the answers about untouched reports are unchanged,
the edited text and the added report are cited, and the deleted file is cited nowhere.

    python bench/load.py                      # 20 users, 60 s, the bundled e5 model
    python bench/load.py --users 5 --seconds 10 --model hashing

Prints requests, errors (5xx, other statuses and failed connections), requests that overlapped the ingest,
the checks after the change, and p50/p95/max latency per kind of request; writes bench/.cache/load.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "rapporter"
QUESTIONS = (
    "Vilka insatser nämner Trisam som framgångsfaktor?",
    "Hur mycket medel beviljades Steg för steg?",
    "Vilka systemfel beskrivs i rapporterna?",
    "Hur många deltagare gick vidare till arbete eller studier?",
    "Vad kostade Arbetsnära stöd Hofors?",
    "Vilka lärdomar drog Vägen framåt Söderhamn?",
)
SEARCHES = ("framgångsfaktorer samverkan", "ekonomi utnyttjade medel", "arbetsträning", "försörjningsstöd", "IPS")
# Asked before and after the load (during which a report on another insats is added): must not change.
CHECKED = ("Hur mycket medel beviljades Steg för steg?", "Vad kostade Arbetsnära stöd Hofors?")
# The change made during the load: a sentence of one report rewritten, a report added, one deleted.
EDITED = "slutrapport_vagen_framat_soderhamn.md"
EDIT = (
    "där en kurator har varit på plats vid drop-in en gång i månaden",
    "där en kurator har varit på plats vid drop-in varje fredag",
)
ADDED = "tillagt/slutrapport_ljusglimten_ockelbo.md"
DELETED = "kvartalsrapport_kompetensbron_ovanaker_2023q2.txt"
AFTER_CHANGE = {
    "ändrad": "Hur ofta var kuratorn på plats vid drop-in?",
    "tillagd": "Hur mycket medel beviljades Ljusglimten Ockelbo?",
    "borttagen": "Vilket diarienummer har Kompetensbron Ovanåker?",
}
NEW_REPORT = """Slutrapport

## 1. Allmänna uppgifter

Insatsens namn: Ljusglimten Ockelbo
Insatstid: 2022-01-01 - 2023-12-31
Beviljade medel för insatsen: 480 000 kr
Utnyttjade medel: 455 300 kr

## 5. Resultat och utfall av insats

**5.1 Måluppfyllelse:** Målet var 15 deltagare. Totalt har 14 personer deltagit och 6 gick vidare till studier.

## 6. Analys

#### 6.4 Framgångsfaktorer

Täta möten med handläggare {n} gjorde att planerna hölls samman.

#### 6.6 Lärdomar

{lessons}
"""
# The added report is long enough that its ingest takes a while (about 60 passages) and so meets requests.
LESSONS = "\n\n".join(
    f"Lärdom {i}: deltagare nummer {i} i Ljusglimten behövde {i % 7 + 2} samtal med studie- och yrkesvägledaren "
    f"innan planen för vecka {i % 52 + 1} var klar, och arbetsgivare {i % 11 + 1} tog emot praktikanter."
    for i in range(120)
)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    spans: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of every request, monotonic
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, start: float, end: float, status: int) -> None:
        """One request; ``status`` 0 = no response (connection failed or timed out)."""
        with self.lock:
            self.latencies.setdefault(kind, []).append(end - start)
            self.spans.append((start, end))
            if status >= 400 or status == 0:
                key = f"{kind} {status}"
                self.errors[key] = self.errors.get(key, 0) + 1


@dataclass
class IngestWatch:
    """Moments at which the server said an ingest was running (``/health``), polled from its own thread."""

    running: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def poll(self, base: str, interval: float = 0.05) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not self.stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    if client.get("/health").json()["inläsning"] == "läser in":
                        self.running.append(time.monotonic())
                time.sleep(interval)

    def overlapping(self, spans: list[tuple[float, float]]) -> int:
        """Requests in flight at a moment the ingest was seen running."""
        return sum(1 for start, end in spans if any(start <= t <= end for t in self.running))


def change_archive(archive: Path, seconds: float) -> None:
    """Edit one report, add one and delete one (the files only; the server learns of it by a re-index)."""
    edited = archive / EDITED
    text = edited.read_text(encoding="utf-8")
    if EDIT[0] not in text:
        raise ValueError(f"{EDITED} no longer holds the sentence the load edits")
    edited.write_text(text.replace(*EDIT), encoding="utf-8")
    added = archive / ADDED
    added.parent.mkdir(exist_ok=True)
    added.write_text(NEW_REPORT.format(n=seconds, lessons=LESSONS), encoding="utf-8")
    (archive / DELETED).unlink()


def after_change(base: str) -> dict[str, object]:
    """The checks after the change: the edit and the added report are cited, the deleted file nowhere."""
    cited: dict[str, dict[str, object]] = {}
    for key, question in AFTER_CHANGE.items():
        body = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=120).json()
        cited[key] = {"källor": sorted({c["source"] for c in body["citations"]}), "svar": body["answer"]}
    found = httpx.get(f"{base}/api/search", params={"q": "Kompetensbron Ovanåker diarienummer", "k": 10}).json()
    everywhere = {s for c in cited.values() for s in c["källor"]} | {r["source"] for r in found["results"]}  # type: ignore[union-attr]
    edited, added = cited["ändrad"], cited["tillagd"]
    return {
        "ändrad_text_citeras": EDITED in edited["källor"] and "drop-in varje fredag" in str(edited["svar"]),  # type: ignore[operator]
        "gammal_text_borta": "drop-in en gång i månaden" not in str(edited["svar"]),
        "tillagd_rapport_citeras": ADDED in added["källor"] and "480 000" in str(added["svar"]),  # type: ignore[operator]
        "borttagen_fil_citeras_inte": DELETED not in everywhere,
        "svar": cited,
    }


def copy_archive(target: Path) -> Path:
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("src", "*.py", "*.jsonl", "README.md"))
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(archive: Path, data: Path, *, model: str, timeout: float = 600) -> Iterator[str]:
    """A running `arkiv serve` on a free port, once it has read the archive; yields its base URL."""
    env = {**os.environ, "ARKIV_DATA_DIR": str(data), "ARKIV_EMBEDDING_MODEL": model}
    port = free_port()
    data.mkdir(parents=True, exist_ok=True)
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--archive", str(archive), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_idle(base, timeout, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def wait_idle(base: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError("the server stopped; see server.log")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health", timeout=5).json()["inläsning"] in ("klar", "vilar"):
                return
        time.sleep(0.5)
    raise TimeoutError(f"the server did not finish reading its archive in {timeout:.0f} s")


def answers(base: str) -> dict[str, list[str]]:
    out = {}
    for question in CHECKED:
        body = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=120).json()
        out[question] = sorted(c["id"] for c in body["citations"])
    return out


def user(base: str, seconds: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=120) as client:
        insatser = client.get("/api/insatser").json()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            roll = rng.random()
            kind = "fråga" if roll < 0.4 else "sökning" if roll < 0.8 else "insatsvy"
            start = time.monotonic()
            try:
                if kind == "fråga":
                    response = client.post("/api/ask", json={"question": rng.choice(QUESTIONS)})
                elif kind == "sökning":
                    response = client.get("/api/search", params={"q": rng.choice(SEARCHES), "k": 6})
                else:
                    response = client.get("/api/insatser", params={"q": rng.choice(["steg", "väg", "hofors", ""])})
                    if response.status_code == 200 and insatser:
                        response = client.get(f"/api/insatser/{rng.choice(insatser)['id']}")
                status = response.status_code
                if kind == "insatsvy" and status == 404:
                    # An insats the re-index removed since the list was read: the server is right, the list is
                    # old; it is read again, as a page would be.
                    kind, status = "insatsvy (borttagen)", 200
                    insatser = client.get("/api/insatser").json()
            except httpx.HTTPError:
                status = 0
            tally.add(kind, start, time.monotonic(), status)
            time.sleep(rng.uniform(0.05, 0.3))  # a person reads before the next click


def run_load(base: str, archive: Path, *, users: int, seconds: float, ingest: bool = True) -> dict[str, object]:
    """Runs the users; half-way through edits, adds and deletes a report and starts a re-index. Returns the
    figures."""
    tally = Tally()
    watch = IngestWatch()
    threads = [threading.Thread(target=user, args=(base, seconds, tally, n)) for n in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    ingest_state = "ingen"
    monitor = threading.Thread(target=watch.poll, args=(base,))
    if ingest:
        time.sleep(seconds / 2)
        change_archive(archive, seconds)
        monitor.start()
        response = httpx.post(f"{base}/api/reindex", timeout=30)
        ingest_state = "startad" if response.status_code == 202 else f"fel {response.status_code}"
    for thread in threads:
        thread.join()
    if ingest:
        wait_idle(base, 600)  # the ingest may outlast the users; the monitor keeps watching until it is done
        watch.stop.set()
        monitor.join()
    elapsed = time.monotonic() - started
    kinds = {}
    for kind, values in sorted(tally.latencies.items()):
        values.sort()
        kinds[kind] = {
            "antal": len(values),
            "p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * values[min(len(values) - 1, int(0.95 * len(values)))], 1),
            "max_ms": round(1000 * values[-1], 1),
        }
    total = sum(len(v) for v in tally.latencies.values())
    server_errors = sum(n for key, n in tally.errors.items() if int(key.rsplit(" ", 1)[1]) >= 500)
    return {
        "användare": users,
        "sekunder": round(elapsed, 1),
        "förfrågningar": total,
        "per_sekund": round(total / elapsed, 1),
        "fel_5xx": server_errors,
        "fel": dict(tally.errors),
        "inläsning_under_last": ingest_state,
        "inläsning_sedd_s": round(watch.running[-1] - watch.running[0], 2) if watch.running else 0.0,
        "förfrågningar_under_inläsning": watch.overlapping(tally.spans),
        "per_slag": kinds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--model", default="bundled:multilingual-e5-small", help="embedding model (or 'hashing')")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arkiv-load-") as tmp:
        archive = copy_archive(Path(tmp) / "arkiv")
        data = Path(tmp) / "data"
        if args.model.startswith("bundled:"):
            # reuse the converted model between runs; converting takes a few seconds, the first load longer
            os.environ.setdefault("ARKIV_MODEL_CACHE_DIR", str(ROOT / "bench" / ".cache"))
        with serve(archive, data, model=args.model) as base:
            before = answers(base)
            result = run_load(base, archive, users=args.users, seconds=args.seconds)
            after = answers(base)
            result["efter_ändringen"] = after_change(base)
            health = httpx.get(f"{base}/health").json()
        result["svar_oförändrade"] = before == after
        result["rapporter_efter"] = health
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = ROOT / "bench" / ".cache" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

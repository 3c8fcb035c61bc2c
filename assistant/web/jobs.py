"""Ingest in the background of a running server: one job at a time, progress in the log and in ``status()``."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.archive import Archive
from assistant.errors import ArkivError
from index.remote_embed import EmbedderUnavailable

logger = logging.getLogger(__name__)
_LOG_EVERY = 5.0  # seconds between progress lines in the log


@dataclass(frozen=True, slots=True)
class JobStatus:
    state: str  # "vilar" | "läser in" | "klar" | "misslyckades"
    files_total: int = 0
    files_done: int = 0
    chunks: int = 0
    sentences_total: int = 0  # the last step: the sentences whose vectors the answers read
    sentences_done: int = 0
    message: str = ""  # Swedish summary of the last run
    failed: tuple[tuple[str, str], ...] = ()  # (file, reason) of the last run

    @property
    def running(self) -> bool:
        return self.state == "läser in"


class IngestJob:
    """Runs ``archive.ingest(root, prune=True)`` in a thread; readers keep searching the previous generation
    meanwhile."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._status = JobStatus("vilar")
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again: Path | None = None  # a run asked for while one was going

    def status(self) -> JobStatus:
        with self._lock:
            return self._status

    def start(self, root: Path) -> bool:
        """Starts an ingest of ``root``; if one is running, another run follows it (for new uploads).

        Returns:
            True when this call started a run, False when it was queued behind the running one.
        """
        with self._lock:
            if self._status.running:
                self._again = root
                return False
            self._status = JobStatus("läser in")
            self._thread = threading.Thread(target=self._run, args=(root,), name="arkiv-ingest", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Blocks until the job (and any run queued behind it) is done, or ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (thread := self._thread) is not None and thread.is_alive():
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if deadline is not None and time.monotonic() >= deadline:
                break
        return self.status()

    def _run(self, root: Path) -> None:
        while True:
            self._run_once(root)
            with self._lock:
                if self._again is None:
                    return
                root, self._again = self._again, None
                self._status = JobStatus("läser in")

    def _run_once(self, root: Path) -> None:
        last_log = 0.0

        def progress(event: str, amount: int) -> None:
            nonlocal last_log
            with self._lock:
                s = self._status
                if event == "files":
                    self._status = replace(s, files_total=amount)
                elif event == "file":
                    self._status = replace(s, files_done=s.files_done + amount)
                elif event == "chunks":
                    self._status = replace(s, chunks=s.chunks + amount)
                elif event == "sentences_found":
                    self._status = replace(s, sentences_total=amount)
                elif event == "sentences":
                    self._status = replace(s, sentences_done=s.sentences_done + amount)
                s = self._status
            if time.monotonic() - last_log > _LOG_EVERY:
                last_log = time.monotonic()
                logger.info(
                    "ingest %s: %d/%d files, %d passages, %d/%d sentences",
                    *(root, s.files_done, s.files_total, s.chunks, s.sentences_done, s.sentences_total),
                )

        try:
            # The archive folder is the server's truth: a report deleted from it must stop being cited.
            report = self.archive.ingest(root, prune=True, progress=progress)
        except (ArkivError, EmbedderUnavailable) as exc:
            self._finish("misslyckades", str(exc), ())
            return
        except Exception:  # the server must survive any ingest failure; the log has the trace
            logger.exception("ingest of %s failed", root)
            self._finish("misslyckades", "Inläsningen avbröts av ett oväntat fel; se loggen.", ())
            return
        message = (
            f"{len(report.indexed)} inlästa, {len(report.unchanged)} oförändrade, "
            f"{len(report.failed)} misslyckade, {len(report.removed)} borttagna ({report.seconds:.0f} s)."
        )
        logger.info("ingest %s done: %s", root, message)
        self._finish("klar", message, tuple(report.failed))

    def _finish(self, state: str, message: str, failed: tuple[tuple[str, str], ...]) -> None:
        with self._lock:
            self._status = replace(self._status, state=state, message=message, failed=failed)

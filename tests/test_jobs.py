"""The background ingest job: one run at a time, a run asked for meanwhile follows it, failures are reported."""

import threading
from pathlib import Path

from assistant.errors import IngestBusy
from assistant.web.jobs import IngestJob
from index.build import IngestReport


class _SlowArchive:
    """Stands in for Archive.ingest: reports progress, then waits until the test lets it finish."""

    def __init__(self, *, fail: Exception | None = None) -> None:
        self.roots: list[Path] = []
        self.pruned: list[bool] = []
        self.release = threading.Event()
        self.started = threading.Event()
        self.fail = fail

    def ingest(self, root, *, prune=False, progress=None):
        self.roots.append(root)
        self.pruned.append(prune)
        progress("files", 2)
        progress("file", 1)
        progress("chunks", 7)
        self.started.set()
        self.release.wait(10)
        if self.fail is not None:
            raise self.fail
        report = IngestReport()
        report.indexed.extend(["a.md", "b.md"])
        report.failed.append(("c.pdf", "PDF-filen är trasig"))
        return report


def test_a_run_reports_progress_and_its_outcome(tmp_path):
    archive = _SlowArchive()
    job = IngestJob(archive)
    assert job.status().state == "vilar"
    assert job.start(tmp_path)
    assert archive.started.wait(10)
    running = job.status()
    assert running.running and (running.files_total, running.files_done, running.chunks) == (2, 1, 7)
    archive.release.set()
    done = job.wait(10)
    assert done.state == "klar" and not done.running
    assert done.message.startswith("2 inlästa, 0 oförändrade, 1 misslyckade")
    assert done.failed == (("c.pdf", "PDF-filen är trasig"),)
    assert archive.pruned == [True]  # the archive folder is the truth: a deleted report leaves the index


def test_a_run_asked_for_while_one_is_going_follows_it_once(tmp_path):
    archive = _SlowArchive()
    job = IngestJob(archive)
    assert job.start(tmp_path / "first")
    assert archive.started.wait(10)
    assert not job.start(tmp_path / "second")  # queued, not started beside it
    assert not job.start(tmp_path / "third")  # the latest request wins; one more run, not two
    archive.release.set()
    job.wait(10)
    assert archive.roots == [tmp_path / "first", tmp_path / "third"]
    assert job.status().state == "klar"


def test_a_failed_run_is_reported_in_swedish_and_the_job_can_run_again(tmp_path):
    archive = _SlowArchive(fail=IngestBusy("En inläsning pågår redan i den här datakatalogen."))
    archive.release.set()
    job = IngestJob(archive)
    job.start(tmp_path)
    failed = job.wait(10)
    assert failed.state == "misslyckades" and "pågår redan" in failed.message
    archive.fail = RuntimeError("disk full")
    job.start(tmp_path)
    unexpected = job.wait(10)
    assert unexpected.state == "misslyckades" and "oväntat fel" in unexpected.message  # no trace leaks out
    archive.fail = None
    job.start(tmp_path)
    assert job.wait(10).state == "klar"

"""Ingest of a malformed archive (tests/badfiles.py): no crash, every bad file listed with a Swedish reason,
every good file indexed, the stores consistent, and memory bounded while a 200 MB file is refused."""

import os
import re
import subprocess
import sys

import pytest
from badfiles import PEAK_RSS, generate, summary

from assistant.compose import open_archive
from assistant.config import Settings
from index.build import check_consistency, displayable
from index.embed import HashingEmbedder

# The hashing embedder's ingest peaks near 260 MB here; reading the 200 MB file into memory (bytes, then str)
# would add at least 400 MB.
MAX_PEAK_MB = 450
SWEDISH = re.compile(r"\b(filen|filnamnet|är|och|inte|kan|läsas|finns)\b", re.IGNORECASE)


def _ingest(root, data):
    env = {**os.environ, "ARKIV_EMBEDDING_MODEL": "hashing", "COLUMNS": "1000"}
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, "--data-dir", str(data), "ingest", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    peak_mb = int(re.search(r"PEAK_RSS_KB (\d+)", done.stderr).group(1)) / 1024
    return done, peak_mb


def _listed(stdout):
    return dict(re.findall(r"^  ✗ (.+?): (.+)$", stdout, re.MULTILINE))


@pytest.fixture(scope="module")
def malformed(tmp_path_factory):
    root = tmp_path_factory.mktemp("malformed") / "arkiv"
    cases = generate(root)
    return root, cases


def test_generator_makes_over_100_bad_files(malformed):
    _, cases = malformed
    bad = [c for c in cases if c.category.startswith("bad")]
    assert len(bad) >= 100
    assert len({c.category for c in bad}) >= 15
    assert sum(c.expect == "ok" for c in cases) >= 40


def test_cli_ingest_lists_every_bad_file_in_swedish_and_indexes_every_good_one(malformed, tmp_path):
    root, cases = malformed
    data = tmp_path / "data"
    done, peak_mb = _ingest(root, data)
    assert done.returncode == 3, done.stderr[-2000:]  # finished, with unreadable files listed
    assert "Traceback" not in done.stderr
    assert peak_mb < MAX_PEAK_MB, f"peak RSS {peak_mb:.0f} MB"
    listed = _listed(done.stdout)
    archive = open_archive(Settings(data_dir=data, embedding_model="hashing"), embedder=HashingEmbedder())
    try:
        status = {row["source"]: row["status"] for row in archive.register.files()}
        problems = []
        for case in cases:
            shown = (
                displayable(case.source).encode("unicode_escape").decode("ascii")
                if "\n" in case.source
                else (displayable(case.source))
            )
            reason = listed.get(shown)
            if case.expect == "ok" and status.get(case.source) != "ok":
                problems.append(f"not indexed: {case.source!r} ({reason})")
            elif case.expect == "failed" and (reason is None or case.reason not in reason):
                problems.append(f"not listed as {case.reason!r}: {case.source!r} ({reason})")
            elif case.expect == "either" and status.get(case.source) != "ok" and reason is None:
                problems.append(f"neither indexed nor listed: {case.source!r}")
            elif case.expect == "skipped" and (case.source in status or reason is not None):
                problems.append(f"not skipped: {case.source!r}")
        assert not problems, "\n".join(problems)
        for source, reason in listed.items():
            assert SWEDISH.search(reason) and "Oväntat fel" not in reason, (source, reason)
        assert len(listed) == sum(1 for c in cases if c.category.startswith("bad"))
        assert check_consistency(archive.stores).ok
        assert f"{len(listed)} misslyckade" in done.stdout
    finally:
        archive.close()
    again, _ = _ingest(root, data)  # failures stay listed; nothing is parsed or embedded again
    assert again.returncode == 3
    assert "0 inlästa" in again.stdout and "0 nyberäknade vektorer" in again.stdout
    assert _listed(again.stdout) == listed


def test_summary_counts_categories(malformed):
    counts = summary(malformed[1])
    assert counts["bad: 200 MB text"] == 1 and counts["bad: zero bytes"] == 12

"""A short load run (the full one is bench/load.py): users asking, searching and browsing while an ingest runs."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402  (bench scripts are not a package)


@pytest.mark.server
def test_readers_and_an_ingest_share_the_server_without_errors(tmp_path):
    archive = load.copy_archive(tmp_path / "arkiv")
    with load.serve(archive, tmp_path / "data", model="hashing") as base:
        before = load.answers(base)
        result = load.run_load(base, archive, users=6, seconds=12)
        load.wait_idle(base, 300)
        after = load.answers(base)
        health = load.httpx.get(f"{base}/health").json()
    assert result["fel_5xx"] == 0 and not result["fel"], result
    assert result["förfrågningar"] > 30 and set(result["per_slag"]) == {"fråga", "sökning", "insatsvy"}
    assert result["inläsning_under_last"] == "startad"
    assert before == after and all(before.values())  # the same citations before and after
    assert health["insatser"] == 8  # the report added during the load is in the register

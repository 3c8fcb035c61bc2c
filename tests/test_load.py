"""A short load run (the full one is bench/load.py): users asking, searching and browsing while one report is
edited, one added and one deleted, and the server re-indexes."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402  (bench scripts are not a package)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("load")
    archive = load.copy_archive(work / "arkiv")
    with load.serve(archive, work / "data", model="hashing") as base:
        before = load.answers(base)
        changed_before = load.after_change(base)
        result = load.run_load(base, archive, users=6, seconds=12)
        after = load.answers(base)
        changed_after = load.after_change(base)
        health = load.httpx.get(f"{base}/health").json()
    return before, after, changed_before, changed_after, result, health


@pytest.mark.server
def test_readers_and_an_ingest_of_a_changed_archive_share_the_server_without_errors(run):
    before, after, _, _, result, health = run
    assert result["fel_5xx"] == 0 and not result["fel"], result
    # "insatsvy (borttagen)": a view of the insats the re-index removed, asked from a list read before it
    assert result["förfrågningar"] > 30 and {"fråga", "sökning", "insatsvy"} <= set(result["per_slag"])
    assert set(result["per_slag"]) <= {"fråga", "sökning", "insatsvy", "insatsvy (borttagen)"}
    assert result["inläsning_under_last"] == "startad"
    assert result["förfrågningar_under_inläsning"] >= 1, result  # in flight while the server said "läser in"
    assert before == after and all(before.values())  # untouched reports: the same citations before and after
    # the report added during the load is in the register; the insats whose only report was deleted is not
    assert health["insatser"] == 7


@pytest.mark.server
def test_after_the_change_answers_cite_the_new_text_and_the_added_report(run):
    _, _, changed_before, changed_after, _, _ = run
    # the questions do find what they ask about: before the change the old sentence, and no added report
    assert "drop-in en gång i månaden" in str(changed_before["svar"]["ändrad"]["svar"])  # type: ignore[index]
    assert not changed_before["tillagd_rapport_citeras"] and not changed_before["borttagen_fil_citeras_inte"]
    assert changed_after["ändrad_text_citeras"] and changed_after["gammal_text_borta"], changed_after
    assert changed_after["tillagd_rapport_citeras"], changed_after


@pytest.mark.server
def test_after_the_change_the_deleted_report_is_cited_nowhere(run):
    _, _, _, changed_after, _, _ = run
    assert changed_after["borttagen_fil_citeras_inte"], changed_after["svar"]

"""The test suite's own rule: under CI=true a missing prerequisite fails a test instead of skipping it."""

from __future__ import annotations

import conftest
import pytest


class _Item:
    def __init__(self, present: bool) -> None:
        self._mark = conftest.requires(present, "the thing is missing").mark

    def iter_markers(self, name):
        return iter([self._mark] if name == "requires" else [])


def test_a_missing_prerequisite_is_a_skip_outside_ci_and_a_failure_under_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        conftest.pytest_runtest_setup(_Item(present=False))
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        conftest.pytest_runtest_setup(_Item(present=False))
    conftest.pytest_runtest_setup(_Item(present=True))  # present: runs in both


def test_seeds_are_found_relative_to_the_repository():
    assert conftest.SEEDS == conftest.ROOT.parent / "shared" / "seeds"

"""Users, sessions, failed-login slowing and the audit log's retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from assistant.web.auth import AuditLog, AuthError, Sessions, Throttle, UserStore


def test_users_are_hashed_checked_and_roles_kept(tmp_path):
    store = UserStore(tmp_path / "users.json")
    assert not store.any()
    store.add("anna", "långt-lösenord", "läsare")
    store.add("bo", "annat-lösenord", "admin")
    raw = (tmp_path / "users.json").read_text(encoding="utf-8")
    assert "långt-lösenord" not in raw and "$argon2" in raw
    assert store.verify("anna", "långt-lösenord").role == "läsare"
    assert store.verify("bo", "annat-lösenord").is_admin
    assert store.verify("anna", "fel") is None and store.verify("okänd", "x") is None
    store.remove("anna")
    assert [u.name for u in store.users()] == ["bo"]


@pytest.mark.parametrize(
    ("name", "password", "role"),
    [("a b", "långt-lösenord", "läsare"), ("anna", "kort", "läsare"), ("anna", "långt-lösenord", "chef")],
)
def test_bad_user_data_is_refused_in_swedish(tmp_path, name, password, role):
    with pytest.raises(AuthError, match=r"[åäö]|Okänd"):
        UserStore(tmp_path / "users.json").add(name, password, role)


def test_another_process_adding_a_user_is_seen(tmp_path):
    server_view, cli_view = UserStore(tmp_path / "u.json"), UserStore(tmp_path / "u.json")
    assert not server_view.any()
    cli_view.add("anna", "långt-lösenord", "admin")
    assert server_view.verify("anna", "långt-lösenord") is not None


def test_sessions_expire_and_close(monkeypatch):
    sessions = Sessions(hours=1)
    from assistant.web.auth import LOCAL_USER

    token = sessions.open(LOCAL_USER)
    assert sessions.user(token) == LOCAL_USER and sessions.user("gissat") is None
    sessions.close(token)
    assert sessions.user(token) is None
    token = sessions.open(LOCAL_USER)
    import assistant.web.auth as auth

    later = auth.time.monotonic() + 3601
    monkeypatch.setattr(auth.time, "monotonic", lambda: later)
    assert sessions.user(token) is None


def test_throttle_grows_after_free_failures_and_resets():
    throttle = Throttle()
    for _ in range(3):
        throttle.failed("user:x")
    assert throttle.wait_seconds("user:x") == 0
    throttle.failed("user:x")
    first = throttle.wait_seconds("user:x")
    throttle.failed("user:x")
    assert 1 < first < throttle.wait_seconds("user:x") <= 30
    throttle.succeeded("user:x")
    assert throttle.wait_seconds("user:x") == 0


def test_audit_log_records_and_drops_old_entries(tmp_path):
    path = tmp_path / "audit.jsonl"
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="seconds")
    path.write_text(json.dumps({"tid": old, "användare": "x", "händelse": "fråga", "detalj": "gammal"}) + "\n")
    log = AuditLog(path, retention_days=30)
    log.record("anna", "fråga", "Vad kostade insatsen?")
    entries = log.entries()
    assert [e["detalj"] for e in entries] == ["Vad kostade insatsen?"]
    assert entries[0]["användare"] == "anna" and entries[0]["tid"].startswith(str(datetime.now(UTC).year))

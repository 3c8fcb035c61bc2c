"""Users, passwords, sessions, failed-login slowing and the audit log; all kept in the data directory.

With no users the app is in local mode: it binds to 127.0.0.1 and everyone on this machine is an admin.
With users, every page and API route needs a session (cookie for the app, bearer token for the API).

Files: ``users.json`` (argon2 hashes, written atomically; re-read when another process changes it, so
``arkiv users add`` takes effect in a running server) and ``audit.jsonl`` (one line per question, search,
upload or login; lines older than the retention are dropped).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.errors import AuthError

logger = logging.getLogger(__name__)

Role = Literal["läsare", "admin"]
ROLES: tuple[Role, ...] = ("läsare", "admin")
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_FREE_FAILURES = 3  # failed logins before each further try is slowed
_MAX_DELAY = 30.0  # seconds; the delay doubles per failure up to this


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


LOCAL_USER = User("lokal", "admin")  # local mode: the one person at this machine


class UserStore:
    """Users in ``users.json``; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._hasher = PasswordHasher()
        self._lock = threading.Lock()
        self._cache: tuple[float, dict[str, dict[str, str]]] | None = None

    def add(self, name: str, password: str, role: str) -> User:
        if not _NAME.match(name):
            raise AuthError("Användarnamnet får bara innehålla bokstäver, siffror och . _ @ - (högst 64 tecken).")
        if role not in ROLES:
            raise AuthError(f"Okänd roll '{role}'; välj läsare eller admin.")
        if len(password) < 8:
            raise AuthError("Lösenordet måste ha minst 8 tecken.")
        with self._lock:
            users = dict(self._read())
            users[name] = {"role": role, "hash": self._hasher.hash(password)}
            self._write(users)
        return User(name, role)

    def remove(self, name: str) -> None:
        with self._lock:
            users = dict(self._read())
            if users.pop(name, None) is None:
                raise AuthError(f"Användaren {name} finns inte.")
            self._write(users)

    def users(self) -> list[User]:
        with self._lock:
            return [User(n, u["role"]) for n, u in sorted(self._read().items())]  # type: ignore[arg-type]

    def any(self) -> bool:
        with self._lock:
            return bool(self._read())

    def verify(self, name: str, password: str) -> User | None:
        with self._lock:
            entry = self._read().get(name)
        if entry is None:
            # Hash anyway so a wrong name takes as long as a wrong password (no user enumeration by timing).
            self._hasher.hash(password)
            return None
        try:
            self._hasher.verify(entry["hash"], password)
        except (VerificationError, InvalidHashError):
            return None
        return User(name, entry["role"])  # type: ignore[arg-type]

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if self._cache is None or self._cache[0] != mtime:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._cache = (mtime, data.get("users", {}))
        return self._cache[1]

    def _write(self, users: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"users": users}, ensure_ascii=False, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        self._cache = None


class Sessions:
    """Random tokens → users, in memory: a restart logs everyone out, which is acceptable for staff."""

    def __init__(self, *, hours: float) -> None:
        self._ttl = hours * 3600
        self._tokens: dict[str, tuple[User, float]] = {}
        self._lock = threading.Lock()

    def open(self, user: User) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (user, time.monotonic() + self._ttl)
        return token

    def user(self, token: str | None) -> User | None:
        if not token:
            return None
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None
            if entry[1] < time.monotonic():
                del self._tokens[token]
                return None
            return entry[0]

    def close(self, token: str | None) -> None:
        with self._lock:
            self._tokens.pop(token or "", None)


class Throttle:
    """Slows repeated failed logins per user name and per client address."""

    def __init__(self) -> None:
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, *keys: str) -> float:
        """How long the caller must still wait before another try is allowed."""
        now = time.monotonic()
        with self._lock:
            waits = (until - now for _, until in (self._failures.get(k, (0, 0.0)) for k in keys))
            return max(0.0, *waits)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                count = self._failures.get(key, (0, 0.0))[0] + 1
                delay = 0.0 if count <= _FREE_FAILURES else min(_MAX_DELAY, 2.0 ** (count - _FREE_FAILURES))
                self._failures[key] = (count, now + delay)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class AuditLog:
    """Who asked, searched, uploaded or logged in, and when; one JSON line per event."""

    def __init__(self, path: Path, *, retention_days: int) -> None:
        self.path = path
        self.retention = timedelta(days=retention_days)
        self._lock = threading.Lock()
        self._pruned_on: str | None = None

    def record(self, user: str, action: str, detail: str = "", **extra: Any) -> None:
        now = datetime.now(UTC)
        line = json.dumps(
            {
                "tid": now.isoformat(timespec="seconds"),
                "användare": user,
                "händelse": action,
                "detalj": detail,
                **extra,
            },
            ensure_ascii=False,
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
            if self._pruned_on != now.date().isoformat():
                self._prune(now)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            if not self.path.exists():
                return []
            return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def _prune(self, now: datetime) -> None:
        """Drops lines older than the retention, once a day (the file is rewritten atomically)."""
        self._pruned_on = now.date().isoformat()
        cutoff = (now - self.retention).isoformat(timespec="seconds")
        lines = self.path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip() and json.loads(line).get("tid", "") >= cutoff]
        if len(kept) != len(lines):
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
            os.replace(tmp, self.path)
            logger.info("audit log: dropped %d entries older than %s", len(lines) - len(kept), cutoff)

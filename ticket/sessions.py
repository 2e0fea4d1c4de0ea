"""The session shared by the window and the command line, kept in the OS keyring.

One entry per server and user under the service `ticket`, beside the credentials: the access
token, its expiry and its renewal schedule. Tokens never go to a file. A lock file in the config
folder, which holds no secret, keeps two processes from signing in or renewing at the same
moment; a second small file there remembers until when a captcha paused sign-ins. `MemorySessions`
is the same port in a dict, for tests.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ticket.broker.session import Session, StoreBusy
from ticket.config import config_dir
from ticket.credentials import KeyringStore, KeyringUnavailable

log = logging.getLogger(__name__)
LOCK_TIMEOUT = 120.0  # longer than any sign-in penalty another process may be waiting out


def dump(session: Session) -> str:
    data: dict[str, Any] = session.model_dump(mode="json", exclude={"token", "md_token"})
    data["token"] = session.token.get_secret_value()
    data["md_token"] = session.md_token.get_secret_value() if session.md_token else None
    return json.dumps(data)


def load(text: str) -> Session:
    return Session.model_validate(json.loads(text))


def _name(key: str) -> str:
    return f"session {key}"


class KeyringSessions:
    """The `SessionStore` of the app. Raises `KeyringUnavailable` when made without a usable
    keyring. Reads and writes may block on the keyring; any thread."""

    def __init__(self, folder: Path | None = None, timeout: float = LOCK_TIMEOUT) -> None:
        self._ring = KeyringStore()
        self._ring.check()
        self._folder = folder or config_dir() / "sessions"
        self._timeout = timeout
        self._locks: dict[str, Any] = {}
        self._guard = threading.Lock()

    def _path(self, key: str, suffix: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]  # no name or URL in the path
        return self._folder / f"{digest}.{suffix}"

    def load(self, key: str) -> Session | None:
        try:
            text = self._ring.read(_name(key))
            return load(text) if text else None
        except (KeyringUnavailable, ValueError) as exc:
            log.warning("the shared session could not be read: %s", type(exc).__name__)
            return None

    def save(self, key: str, session: Session) -> None:
        try:
            self._ring.write(_name(key), dump(session))
        except KeyringUnavailable:
            log.warning("the session could not be stored in the keyring: this process keeps it")

    def delete(self, key: str) -> None:
        self._ring.erase(_name(key))

    def lock(self, key: str) -> AbstractContextManager[object]:
        from filelock import FileLock

        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                self._folder.mkdir(parents=True, exist_ok=True)
                lock = self._locks[key] = FileLock(self._path(key, "lock"))
        return self._held(lock)

    @contextmanager
    def _held(self, lock: Any) -> Iterator[object]:
        from filelock import Timeout

        try:
            lock.acquire(timeout=self._timeout)
        except Timeout:
            raise StoreBusy(
                f"Another ticket has been signing in for {self._timeout:.0f} s: try again later."
            ) from None
        try:
            yield lock
        finally:
            lock.release()

    def paused_until(self, key: str) -> datetime | None:
        try:
            return datetime.fromisoformat(self._path(key, "paused").read_text().strip())
        except (OSError, ValueError):
            return None

    def pause(self, key: str, until: datetime | None) -> None:
        path = self._path(key, "paused")
        if until is None:
            path.unlink(missing_ok=True)
            return
        self._folder.mkdir(parents=True, exist_ok=True)
        path.write_text(until.isoformat() + "\n")


class MemorySessions:
    """Sessions in a dict, shared by the clients of one test as processes share the keyring."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.paused: dict[str, datetime] = {}
        self._lock = threading.RLock()

    def load(self, key: str) -> Session | None:
        text = self.items.get(key)
        return load(text) if text else None

    def save(self, key: str, session: Session) -> None:
        self.items[key] = dump(session)

    def delete(self, key: str) -> None:
        self.items.pop(key, None)

    def lock(self, key: str) -> AbstractContextManager[object]:
        return self._lock

    def paused_until(self, key: str) -> datetime | None:
        return self.paused.get(key)

    def pause(self, key: str, until: datetime | None) -> None:
        if until is None:
            self.paused.pop(key, None)
        else:
            self.paused[key] = until

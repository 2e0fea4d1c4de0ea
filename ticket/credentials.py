"""Credentials in the OS keyring, and nowhere else.

`CredentialStore` is the port; `KeyringStore` keeps one entry per environment and user under the
service `ticket` (and, for `ticket.sessions`, the shared session); `MemoryStore` is for tests.
There is deliberately no file fallback: when no secure keyring exists, `KeyringUnavailable` says
so in words a user can act on.
"""

from __future__ import annotations

import json
from typing import Protocol

from pydantic import BaseModel, ConfigDict, SecretStr

SERVICE = "ticket"


class Credentials(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    username: str
    password: SecretStr
    cid: str = ""
    sec: SecretStr = SecretStr("")


class KeyringUnavailable(RuntimeError):
    """No usable keyring: the message says why and how to fix it."""


class CredentialStore(Protocol):
    def get(self, environment: str, username: str) -> Credentials | None: ...
    def set(self, environment: str, credentials: Credentials) -> None: ...
    def delete(self, environment: str, username: str) -> None: ...


def _key(environment: str, username: str) -> str:
    return f"{environment}:{username}"


def _dump(credentials: Credentials) -> str:
    return json.dumps(
        {
            "username": credentials.username,
            "password": credentials.password.get_secret_value(),
            "cid": credentials.cid,
            "sec": credentials.sec.get_secret_value(),
        }
    )


def _load(text: str) -> Credentials:
    return Credentials.model_validate_json(text)


NO_KEYRING_HELP = (
    "No secure keyring is available, so credentials cannot be remembered. On Linux, install and "
    "unlock a Secret Service keyring (for example: apt install gnome-keyring, then sign in to a "
    "desktop session). You can still sign in without remembering, or use the TICKET_USERNAME, "
    "TICKET_PASSWORD, TICKET_CID and TICKET_SEC environment variables."
)


class KeyringStore:
    """The system keyring through the `keyring` library. Runs on any thread; may block."""

    def __init__(self) -> None:
        import keyring
        import keyring.errors

        self._keyring = keyring
        self._errors = keyring.errors

    def _guard(self) -> None:
        backend = self._keyring.get_keyring()
        if (
            type(backend).__name__ in {"Keyring", "ChainerBackend"}
            and getattr(backend, "priority", 1) < 0
        ):
            raise KeyringUnavailable(NO_KEYRING_HELP)
        module = type(backend).__module__
        if module.startswith("keyring.backends.fail") or "plaintext" in module.lower():
            raise KeyringUnavailable(NO_KEYRING_HELP)

    def check(self) -> None:
        """Raise `KeyringUnavailable` now when there is no usable keyring."""
        self._guard()

    def backend_name(self) -> str:
        backend = self._keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def get(self, environment: str, username: str) -> Credentials | None:
        text = self.read(_key(environment, username))
        return _load(text) if text else None

    def set(self, environment: str, credentials: Credentials) -> None:
        self.write(_key(environment, credentials.username), _dump(credentials))

    def delete(self, environment: str, username: str) -> None:
        self.erase(_key(environment, username))

    # -- any entry of the service, by name (the shared session is one too) --

    def read(self, name: str) -> str | None:
        self._guard()
        try:
            text = self._keyring.get_password(SERVICE, name)
        except self._errors.KeyringError as exc:
            raise KeyringUnavailable(
                f"The keyring refused to read: {exc}. {NO_KEYRING_HELP}"
            ) from exc
        return str(text) if text else None

    def write(self, name: str, text: str) -> None:
        self._guard()
        try:
            self._keyring.set_password(SERVICE, name, text)
        except self._errors.KeyringError as exc:
            raise KeyringUnavailable(
                f"The keyring refused to store: {exc}. {NO_KEYRING_HELP}"
            ) from exc

    def erase(self, name: str) -> None:
        self._guard()
        try:
            self._keyring.delete_password(SERVICE, name)
        except self._errors.PasswordDeleteError:
            pass
        except self._errors.KeyringError as exc:
            raise KeyringUnavailable(
                f"The keyring refused to delete: {exc}. {NO_KEYRING_HELP}"
            ) from exc


class MemoryStore:
    """Credentials held in a dict, for tests and for sign-in without remembering."""

    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def get(self, environment: str, username: str) -> Credentials | None:
        text = self._items.get(_key(environment, username))
        return _load(text) if text else None

    def set(self, environment: str, credentials: Credentials) -> None:
        self._items[_key(environment, credentials.username)] = _dump(credentials)

    def delete(self, environment: str, username: str) -> None:
        self._items.pop(_key(environment, username), None)

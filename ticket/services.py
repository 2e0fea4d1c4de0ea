"""The services behind both the window and the CLI: pick the environment, start the embedded
simulator when it is the one in use, find credentials, and sign in, or use the session the
window and the CLI share. No Qt here."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import SecretStr

from ticket.broker.client import TradovateClient, make_http_client
from ticket.broker.marketdata import MD_URL
from ticket.broker.models import Account
from ticket.config import device_id
from ticket.credentials import Credentials, CredentialStore, KeyringUnavailable
from ticket.sim.constants import SIM_PASSWORD, SIM_USERNAME
from ticket.sim.process import PracticeServer

if TYPE_CHECKING:  # the simulator starts only when it is the environment in use
    from ticket.sim.server import Simulator

DEMO_URL = "https://demo.tradovateapi.com/v1"
LIVE_URL = "https://live.tradovateapi.com/v1"


class Environment(StrEnum):
    SIM = "SIM"
    DEMO = "DEMO"
    LIVE = "LIVE"
    CUSTOM = "CUSTOM"


def environment_of(url: str, simulator_url: str | None = None) -> Environment:
    """The environment a URL really is, so the banner can never disagree with the connection."""
    if simulator_url and url.rstrip("/") == simulator_url.rstrip("/"):
        return Environment.SIM
    host = (urlsplit(url).hostname or "").lower()
    if host == "live.tradovateapi.com":
        return Environment.LIVE
    if host == "demo.tradovateapi.com":
        return Environment.DEMO
    return Environment.CUSTOM


class NoCredentials(RuntimeError):
    pass


def credentials_from_env(env: Mapping[str, str] = os.environ) -> Credentials | None:
    username, password = env.get("TICKET_USERNAME"), env.get("TICKET_PASSWORD")
    if not username or not password:
        return None
    return Credentials(
        username=username,
        password=SecretStr(password),
        cid=env.get("TICKET_CID", ""),
        sec=SecretStr(env.get("TICKET_SEC", "")),
    )


SIM_CREDENTIALS = Credentials(username=SIM_USERNAME, password=SecretStr(SIM_PASSWORD))


def find_credentials(
    environment: Environment,
    store: CredentialStore | None,
    username: str | None,
    env: Mapping[str, str] = os.environ,
) -> Credentials:
    if environment is Environment.SIM:
        return SIM_CREDENTIALS
    from_env = credentials_from_env(env)
    if from_env is not None:
        return from_env
    user = username or env.get("TICKET_USERNAME")
    if user and store is not None:
        try:
            stored = store.get(environment.value, user)
        except KeyringUnavailable as exc:
            raise NoCredentials(str(exc)) from exc
        if stored is not None:
            return stored
    raise NoCredentials(
        f"No credentials for {environment.value}: set TICKET_USERNAME, TICKET_PASSWORD, "
        "TICKET_CID and TICKET_SEC, or sign in once in the window with "
        "'remember in the system keyring'."
    )


@dataclass
class Connection:
    client: TradovateClient
    environment: Environment
    base_url: str
    simulator: Simulator | None
    md_url: str | None = None  # set when known (the embedded simulator's own socket)
    unshared: str | None = None  # why the session cannot be shared through the keyring
    practice: PracticeServer | None = None  # the simulator in its own process, when it is

    def close(self) -> None:
        self.client.http.close()
        if self.simulator is not None:
            self.simulator.stop()
        if self.practice is not None:
            self.practice.stop()


def resolve_url(
    env_name: str | None, api_url: str | None, env: Mapping[str, str] = os.environ
) -> str | None:
    """The URL to use, or None for the embedded simulator. Two sources that name different
    servers are an error that names both: an order must never go where it was not meant to."""
    named: dict[str, str | None] = {"SIM": None, "DEMO": DEMO_URL, "LIVE": LIVE_URL}
    if env_name is not None and env_name.upper() not in named:
        raise ValueError(f"Unknown environment '{env_name}': use sim, demo or live.")
    from_env = env.get("TICKET_API_URL") or None
    if api_url and from_env and not _same(api_url, from_env):
        raise ValueError(
            f"--api-url {api_url} and TICKET_API_URL={from_env} name different servers: give one."
        )
    url = api_url or from_env
    if env_name is not None and url:
        chosen = named[env_name.upper()]
        if chosen is None or not _same(url, chosen):
            source = "--api-url" if api_url else "TICKET_API_URL"
            raise ValueError(
                f"--env {env_name} and {source} {url} name different servers: give one."
            )
    if url:
        return url
    return named[(env_name or "sim").upper()]


def _same(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def open_connection(
    url: str | None,
    *,
    sim_tick_interval: float | None = 0.5,
    practice: PracticeServer | None = None,
) -> Connection:
    """Start the embedded simulator when `url` is None (or use `practice`, the simulator
    already starting in its own process); no network call is made here. The session of any
    other server is shared through the keyring when there is one: the embedded simulator
    lives and dies with this process, and so does its session."""
    simulator = None
    if url is None and practice is not None:
        try:
            base_url, md_url = practice.address()
        except BaseException:
            practice.stop()
            raise
        client = TradovateClient(
            make_http_client(base_url=base_url), base_url, device_id=device_id()
        )
        return Connection(
            client=client,
            environment=Environment.SIM,
            base_url=base_url,
            simulator=None,
            md_url=md_url,
            practice=practice,
        )
    if url is None:
        from ticket.sim.server import Simulator

        simulator = Simulator(tick_interval=sim_tick_interval).start()
        url = simulator.base_url
    store, unshared = None, None
    if simulator is None:
        from ticket.sessions import KeyringSessions

        try:
            store = KeyringSessions()
        except KeyringUnavailable as exc:
            unshared = str(exc)
    client = TradovateClient(
        make_http_client(base_url=url), url, device_id=device_id(), store=store
    )
    environment = environment_of(url, simulator.base_url if simulator else None)
    return Connection(
        client=client,
        environment=environment,
        base_url=url,
        simulator=simulator,
        md_url=simulator.md_url if simulator else None,
        unshared=unshared,
    )


def session_user(username: str | None, env: Mapping[str, str] = os.environ) -> str | None:
    """Whose session a command uses: the user `find_credentials` would sign in as."""
    from_env = credentials_from_env(env)
    if from_env is not None:
        return from_env.username
    return username or env.get("TICKET_USERNAME") or None


def start_session(
    connection: Connection, user: str | None, credentials: Callable[[], Credentials]
) -> None:
    """Use the live shared session of this server and `user`, or sign in when there is none or
    it has ended. Without a shared store (or a user to name it), sign in."""
    client = connection.client
    if client.auth.store is None or user is None:
        client.sign_in(credentials())
        return
    client.open_session(user, credentials)


def market_data_url(connection: Connection, env: Mapping[str, str] = os.environ) -> str:
    """Where quotes come from: the simulator's socket, Tradovate's md host, or for a custom
    server TICKET_MD_URL (else the REST base with /websocket, as a proxy would serve it)."""
    if connection.md_url:
        return connection.md_url
    if connection.environment in (Environment.DEMO, Environment.LIVE):
        return MD_URL
    if env.get("TICKET_MD_URL"):
        return env["TICKET_MD_URL"]
    parts = urlsplit(connection.base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/websocket"


def pick_account(accounts: list[Account], name: str | None) -> Account:
    active = [a for a in accounts if a.active]
    if name:
        for account in accounts:
            if account.name == name:
                return account
        raise ValueError(
            f"No account named {name}; you have: {', '.join(a.name for a in accounts) or 'none'}."
        )
    if not active:
        raise ValueError("This login has no active account.")
    return active[0]

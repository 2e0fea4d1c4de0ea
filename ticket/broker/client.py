"""A thin, typed, blocking client for Tradovate's REST API.

`TradovateClient` owns the session token and nothing else: no Qt, no keyring, no UI text beyond
the error messages of `errors`. Call it from one worker thread at a time per operation; token
renewal is locked so a poller and an order can share it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr, TypeAdapter, ValidationError

from ticket import __version__
from ticket.broker import errors
from ticket.broker.models import (
    AccessToken,
    AccessTokenRequest,
    Account,
    CancelOrderRequest,
    CashBalance,
    Command,
    Contract,
    ContractMaturity,
    Fill,
    LiquidatePositionRequest,
    ModifyOrderRequest,
    Order,
    OrderResult,
    OrderVersion,
    Position,
    Product,
)
from ticket.broker.outcome import Reply, Status, judge, verdict_error
from ticket.credentials import Credentials
from ticket.domain.orders import PlaceOrderRequest

if TYPE_CHECKING:  # httpx costs ~0.1 s to import: the window paints before it is needed
    import httpx

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)


def make_http_client(timeout: httpx.Timeout | None = None) -> httpx.Client:
    """One pooled keep-alive client for the life of the app: orders reuse a warm connection."""
    import httpx

    return httpx.Client(
        timeout=timeout or httpx.Timeout(connect=5.0, read=10.0, write=5.0, pool=5.0),
        headers={"Accept": "application/json", "User-Agent": f"ticket/{__version__}"},
        limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=300),
    )


class Session(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    token: SecretStr
    md_token: SecretStr | None
    expires_at: datetime
    user_id: int | None
    name: str | None

    def market_data_token(self) -> str:
        """The token for the market-data socket: mdAccessToken when given, else the access
        token. Tradovate's docs show both in use; this is the one place that chooses."""
        return (self.md_token or self.token).get_secret_value()


def _seconds(value: object) -> float:
    """A p-time as seconds; a value that is no usable number counts as a minute."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 60.0
    return float(value) if math.isfinite(value) and value >= 0 else 60.0


def _parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise errors.BadAnswer(f"The server's answer is not a {model.__name__}.") from exc


def _parse_list(model: type[T], data: Any) -> list[T]:
    # One item per call: validating a long list in one call holds the GIL for its whole
    # length, and the GUI thread would wait that long to paint.
    if data is not None and not isinstance(data, list):
        raise errors.BadAnswer(f"The server's answer is not a list of {model.__name__}.")
    adapter = TypeAdapter(model)
    try:
        return [adapter.validate_python(item) for item in data or []]
    except ValidationError as exc:
        raise errors.BadAnswer(f"The server's answer is not a list of {model.__name__}.") from exc


class TradovateClient:
    """One method per endpoint, pydantic in and out.

    Order calls (`send_order` and the helpers built on it) are never retried; what their
    answers mean is decided by `ticket.broker.outcome.judge` alone.
    """

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        *,
        device_id: str,
        app_id: str = "ticket",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        renew_before: timedelta = timedelta(minutes=15),
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.app_id = app_id
        self._clock = clock
        self._renew_before = renew_before
        self._session: Session | None = None
        self._credentials: Credentials | None = None
        self._auth_lock = threading.RLock()

    # -- session --

    @property
    def session(self) -> Session | None:
        return self._session

    def sign_in(self, credentials: Credentials) -> Session:
        body = AccessTokenRequest(
            name=credentials.username,
            password=credentials.password.get_secret_value(),
            app_id=self.app_id,
            app_version=__version__,
            device_id=self.device_id,
            cid=credentials.cid,
            sec=credentials.sec.get_secret_value(),
        )
        with self._auth_lock:
            data = self._call("POST", "/auth/accesstokenrequest", body=body.to_wire(), auth=False)
            self._session = self._session_from(data)
            self._credentials = credentials
            log.info(
                "signed in to %s as user %s, token until %s",
                self.base_url,
                self._session.user_id,
                self._session.expires_at.isoformat(),
            )
            return self._session

    def renew(self) -> Session:
        with self._auth_lock:
            data = self._call("GET", "/auth/renewaccesstoken", refresh=False)
            self._session = self._session_from(data, keep=self._session)
            log.info("token renewed, now until %s", self._session.expires_at.isoformat())
            return self._session

    def sign_out(self) -> None:
        with self._auth_lock:
            self._session = None
            self._credentials = None

    def _session_from(self, data: Any, keep: Session | None = None) -> Session:
        token = _parse(AccessToken, data or {})
        if token.error_text or token.access_token is None:
            raise errors.AuthFailed(token.error_text or "Sign-in failed: no access token.")
        expires = token.expiration_time or self._clock() + timedelta(minutes=80)
        return Session(
            token=token.access_token,
            md_token=token.md_access_token or (keep.md_token if keep else None),
            expires_at=expires,
            user_id=token.user_id or (keep.user_id if keep else None),
            name=token.name or (keep.name if keep else None),
        )

    def _refresh_if_due(self) -> None:
        with self._auth_lock:
            session = self._session
            if session is None:
                raise errors.NotAuthorized(401, "Not signed in.")
            if self._clock() < session.expires_at - self._renew_before:
                return
            self._reauthenticate()

    def _reauthenticate(self) -> None:
        """Renew; sign in again only when renewal fails (sign-ins are rate-limited)."""
        with self._auth_lock:
            try:
                self.renew()
                return
            except (errors.NotAuthorized, errors.AuthFailed, errors.HttpStatusError) as exc:
                log.warning("token renewal refused (%s); signing in again", exc)
                if self._credentials is None:
                    raise
            self.sign_in(self._credentials)

    # -- transport --

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None = None,
        params: Mapping[str, str | int] | None = None,
        auth: bool = True,
        refresh: bool = True,
    ) -> Any:
        """A query or a session call (never an order: those go through `send_order`)."""
        if auth and refresh:
            self._refresh_if_due()
        response = self._send(method, path, body, params, auth)
        if response.status_code == 401 and auth and refresh:
            self._reauthenticate()  # a query is safe to repeat once with a fresh token
            response = self._send(method, path, body, params, auth)
        return self._read(response)

    def _send(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None,
        params: Mapping[str, str | int] | None,
        auth: bool,
    ) -> httpx.Response:
        import httpx

        headers = {"Content-Type": "application/json"} if body is not None else {}
        if auth and self._session is not None:
            headers["Authorization"] = f"Bearer {self._session.token.get_secret_value()}"
        try:
            return self.http.request(
                method, f"{self.base_url}{path}", json=body, params=params, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise errors.NotSent(f"Could not reach {self.base_url}: nothing was sent.") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise errors.NotSent(f"'{self.base_url}' is not a usable API address.") from exc
        except httpx.TransportError as exc:
            raise errors.ConnectionLost(
                f"The answer from the server was lost ({type(exc).__name__})."
            ) from exc

    def _read(self, response: httpx.Response) -> Any:
        status = response.status_code
        if status != 200:
            raise errors.http_error(status)
        try:
            data = json.loads(response.content) if response.content else None
        except (ValueError, RecursionError) as exc:
            raise errors.BadAnswer("The server's answer is not JSON.") from exc
        if isinstance(data, dict) and "p-ticket" in data:
            raise errors.Penalised(
                str(data["p-ticket"]), _seconds(data.get("p-time")), bool(data.get("p-captcha"))
            )
        if isinstance(data, dict) and data.get("violations"):
            raise errors.Rejected(None, "; ".join(map(str, data["violations"])))
        return data

    # -- accounts and contracts --

    def me(self) -> dict[str, Any]:
        """A cheap authenticated call: also keeps the pooled connection warm."""
        data = self._call("GET", "/auth/me")
        return data if isinstance(data, dict) else {}

    def accounts(self) -> list[Account]:
        return _parse_list(Account, self._call("GET", "/account/list"))

    def cash_balance(self, account_id: int) -> CashBalance:
        data = self._call(
            "POST", "/cashBalance/getcashbalancesnapshot", body={"accountId": account_id}
        )
        balance = _parse(CashBalance, data or {})
        if balance.error_text:
            raise errors.Rejected(None, balance.error_text)
        return balance

    def find_contract(self, name: str) -> Contract:
        data = self._call("GET", "/contract/find", params={"name": name})
        if not data:  # what Tradovate returns for an unknown name is not documented
            raise errors.NotFound(404, f"No contract named {name}.")
        return _parse(Contract, data)

    def suggest_contracts(self, text: str, limit: int = 10) -> list[Contract]:
        return _parse_list(
            Contract, self._call("GET", "/contract/suggest", params={"t": text, "l": limit})
        )

    def contract(self, contract_id: int) -> Contract:
        return _parse(Contract, self._call("GET", "/contract/item", params={"id": contract_id}))

    def contract_maturity(self, maturity_id: int) -> ContractMaturity:
        return _parse(
            ContractMaturity,
            self._call("GET", "/contractMaturity/item", params={"id": maturity_id}),
        )

    def find_product(self, name: str) -> Product:
        data = self._call("GET", "/product/find", params={"name": name})
        if not data:
            raise errors.NotFound(404, f"No product named {name}.")
        return _parse(Product, data)

    def product(self, product_id: int) -> Product:
        return _parse(Product, self._call("GET", "/product/item", params={"id": product_id}))

    # -- orders --

    def send_order(self, path: str, body: Mapping[str, object]) -> Reply:
        """Post one order call and return what came back, uninterpreted (`outcome.judge` says
        what it means). Never resends. After a 401 the session is renewed, so the trader's
        next click works."""
        import httpx

        try:
            self._refresh_if_due()
        except errors.BrokerError as exc:
            return Reply(sent=False, failure=f"The session could not be renewed ({exc}).")
        headers = {"Content-Type": "application/json"}
        if self._session is not None:
            headers["Authorization"] = f"Bearer {self._session.token.get_secret_value()}"
        try:
            response = self.http.request(
                "POST", f"{self.base_url}{path}", json=body, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            return Reply(sent=False, failure=f"Could not reach {self.base_url}: nothing was sent.")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            return Reply(sent=False, failure=f"'{self.base_url}' is not a usable API address.")
        except httpx.TransportError as exc:
            return Reply(
                sent=True,
                failure=f"The connection failed after the order was sent ({type(exc).__name__}).",
            )
        if response.status_code == 401:
            with contextlib.suppress(errors.BrokerError):
                self._reauthenticate()
        return Reply(sent=True, status=response.status_code, body=response.content)

    def place_order(self, request: PlaceOrderRequest) -> OrderResult:
        return self._order_call("/order/placeorder", request.to_wire(), "orderId")

    def cancel_order(self, request: CancelOrderRequest) -> OrderResult:
        return self._order_call("/order/cancelorder", request.to_wire(), "commandId")

    def modify_order(self, request: ModifyOrderRequest) -> OrderResult:
        return self._order_call("/order/modifyorder", request.to_wire(), "commandId")

    def liquidate_position(self, request: LiquidatePositionRequest) -> OrderResult:
        return self._order_call("/order/liquidateposition", request.to_wire(), "orderId")

    def _order_call(self, path: str, body: dict[str, object], id_field: str) -> OrderResult:
        """One order call, judged by the one outcome rule; anything but success raises."""
        verdict = judge(self.send_order(path, body), id_field)
        if verdict.status is Status.PLACED:
            return OrderResult(order_id=verdict.order_id, command_id=verdict.command_id)
        raise verdict_error(verdict)

    def orders(self) -> list[Order]:
        return _parse_list(Order, self._call("GET", "/order/list"))

    def order(self, order_id: int) -> Order:
        return _parse(Order, self._call("GET", "/order/item", params={"id": order_id}))

    def order_versions(self, order_id: int) -> list[OrderVersion]:
        data = self._call("GET", "/orderVersion/deps", params={"masterid": order_id})
        return _parse_list(OrderVersion, data)

    def all_order_versions(self) -> list[OrderVersion]:
        return _parse_list(OrderVersion, self._call("GET", "/orderVersion/list"))

    def commands(self) -> list[Command]:
        return _parse_list(Command, self._call("GET", "/command/list"))

    def positions(self) -> list[Position]:
        return _parse_list(Position, self._call("GET", "/position/list"))

    def fills(self) -> list[Fill]:
        return _parse_list(Fill, self._call("GET", "/fill/list"))

    def fills_of(self, order_id: int) -> list[Fill]:
        return _parse_list(Fill, self._call("GET", "/fill/deps", params={"masterid": order_id}))

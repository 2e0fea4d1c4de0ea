"""A thin, typed, blocking client for Tradovate's REST API.

`TradovateClient` owns the connection, through its `SessionKeeper` (`auth`) the session token,
and through `budget` and `lockout` (see `ticket.broker.budget`) how many requests it sends and
what it does while Tradovate refuses them; nothing else: no Qt, no keyring, no UI text beyond
the error messages of `errors`. Call it from one worker thread at a time per operation; the
keeper, the budget and the lockout are locked so a poller and an order can share them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from ticket import __version__
from ticket.broker import errors
from ticket.broker.budget import Essential, Kind, Lockout, Refusal, RequestBudget
from ticket.broker.keeper import SessionKeeper
from ticket.broker.models import (
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
from ticket.broker.session import Session, SessionStore
from ticket.credentials import Credentials
from ticket.domain.orders import PlaceOcoRequest, PlaceOrderRequest

if TYPE_CHECKING:  # httpx costs ~0.1 s to import: the window paints before it is needed
    import httpx

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
P = ParamSpec("P")
log = logging.getLogger(__name__)


def make_http_client(
    timeout: httpx.Timeout | None = None, *, base_url: str = "https:"
) -> httpx.Client:
    """One pooled keep-alive client for the life of the app: orders reuse a warm connection.
    A server reached over plain HTTP (the practice simulator on 127.0.0.1) never asks for a
    certificate, and redirects are not followed: loading the store of trusted certificates
    for it would only cost start-up about 40 ms."""
    import httpx

    return httpx.Client(
        timeout=timeout or httpx.Timeout(connect=5.0, read=10.0, write=5.0, pool=5.0),
        headers={"Accept": "application/json", "User-Agent": f"ticket/{__version__}"},
        limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=300),
        verify=not base_url.startswith("http:"),
    )


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


def essential_action(
    action: Callable[Concatenate[TradovateClient, P], R],
) -> Callable[Concatenate[TradovateClient, P], R]:
    """For an action whose look-ups decide what it cancels or sends, or what became of an
    order (flatten, cancel, protect, finding an order after an unknown outcome): they wait
    their turn in the request budget, but neither its hourly limit nor a refusal holds them
    back."""

    @functools.wraps(action)
    def run(client: TradovateClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        essential = getattr(client, "essential", None)  # a stand-in client may have none
        with essential() if essential is not None else contextlib.nullcontext():
            return action(client, *args, **kwargs)

    return run


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
        sleep: Callable[[float], None] = time.sleep,
        store: SessionStore | None = None,
        budget: RequestBudget | None = None,
        on_refusal: Callable[[Refusal | None], None] | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.app_id = app_id
        # The budget counts in the client's clock, so a test's fake clock moves both.
        self.budget = (
            budget if budget is not None else RequestBudget(clock=lambda: clock().timestamp())
        )
        self.lockout = Lockout(clock, on_refusal)
        # `with client.essential():` marks look-ups an order action depends on (flatten reads
        # the position): counted, but neither held back by the budget nor by a refusal.
        self.essential = Essential()
        self.auth = SessionKeeper(
            lambda method, path, body, token: self._send(
                method, path, body, None, token, Kind.AUTH
            ),
            self._read,
            self.base_url,
            device_id=device_id,
            app_id=app_id,
            clock=clock,
            sleep=sleep,
            store=store,
        )

    # -- request budget and refusals --

    @property
    def refusal(self) -> Refusal | None:
        """Set while Tradovate refuses requests (a 429 or 423 from any call), else None."""
        return self.lockout.refusal

    @property
    def on_refusal(self) -> Callable[[Refusal | None], None] | None:
        """Called with the new refusal, or None when it ends, on the thread that saw it."""
        return self.lockout.on_change

    @on_refusal.setter
    def on_refusal(self, callback: Callable[[Refusal | None], None] | None) -> None:
        self.lockout.on_change = callback

    # -- session (the keeper's; here for the callers that know only the client) --

    @property
    def session(self) -> Session | None:
        return self.auth.session

    def sign_in(self, credentials: Credentials) -> Session:
        return self.auth.sign_in(credentials)

    def open_session(self, username: str, credentials: Callable[[], Credentials]) -> Session:
        return self.auth.open_session(username, credentials)

    def renew(self) -> Session:
        return self.auth.renew()

    def sign_out(self, username: str | None = None) -> None:
        self.auth.sign_out(username)

    # -- transport --

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """A query (never an order: those go through `send_order`)."""
        self.auth.ensure_fresh()
        token = self.auth.token()
        response = self._send(method, path, body, params, token)
        if response.status_code == 401 and self.auth.recover(token):
            # a query is safe to repeat once with a fresh token
            token = self.auth.token()
            response = self._send(method, path, body, params, token)
        if response.status_code != 401:
            self.auth.proven(token)
        return self._read(response)

    def _send(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None,
        params: Mapping[str, str | int] | None,
        token: SecretStr | None,
        kind: Kind = Kind.LOOKUP,
    ) -> httpx.Response:
        import httpx

        if kind is Kind.LOOKUP and self.essential.active:
            kind = Kind.ESSENTIAL
        self.lockout.admit(kind)
        self.budget.take(kind)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        try:
            response = self.http.request(
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
        self.lockout.observe(response.status_code)
        return response

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
            self.auth.ensure_fresh()
        except errors.BrokerError as exc:
            return Reply(sent=False, failure=f"The session could not be renewed ({exc}).")
        token = self.auth.token()
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        self.budget.take(Kind.ORDER)  # counted, never held back, sent even while refused
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
        self.lockout.observe(response.status_code)
        if response.status_code == 401:
            with contextlib.suppress(errors.BrokerError):
                self.auth.recover(token)
        else:
            self.auth.proven(token)
        return Reply(sent=True, status=response.status_code, body=response.content)

    def place_order(self, request: PlaceOrderRequest) -> OrderResult:
        return self._order_call("/order/placeorder", request.to_wire(), "orderId")

    def place_oco(self, request: PlaceOcoRequest) -> OrderResult:
        return self._order_call("/order/placeoco", request.to_wire(), "orderId")

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
            return OrderResult(
                order_id=verdict.order_id, command_id=verdict.command_id, oco_id=verdict.oco_id
            )
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

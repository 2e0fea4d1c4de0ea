"""What can go wrong talking to Tradovate, as one hierarchy.

    BrokerError
    ├── NotSent                the request never left (connection refused, bad URL): safe to retry
    ├── ConnectionLost         a query was sent but its answer was lost (timeout, reset)
    ├── BadAnswer              a query's answer could not be read (not JSON, wrong shape)
    ├── OutcomeUnknown         an order request may or may not have been acted on
    ├── ServerError            HTTP 5xx on a query
    ├── HttpStatusError        any other unexpected HTTP status
    │   ├── NotAuthorized      401 / 403: token expired, key without permission, device not allowed
    │   ├── NotFound           404: no such entity, or the wrong environment
    │   └── RateLimited        429 / 423: too many requests, or refused unsent while they last
    │       └── OverBudget     the client's own hourly budget is spent: nothing was sent
    ├── AuthFailed             the sign-in answered with errorText
    ├── Penalised              a p-ticket: nothing was done; wait p-time seconds
    └── Rejected               a business rejection: failureReason + failureText, or errorText

The client translates every httpx exception into one of these; nothing above the broker catches
`httpx.*`. `describe_error` is the one place that turns them into words for a trader.
"""

from __future__ import annotations

from ticket.domain.orders import FailureReason
from ticket.domain.reasons import describe


class BrokerError(Exception):
    """Base of everything the broker raises. `str()` is safe to show: it holds no secret."""


class NotSent(BrokerError):
    pass


class ConnectionLost(BrokerError):
    pass


class BadAnswer(BrokerError):
    pass


class OutcomeUnknown(BrokerError):
    """Nobody can say whether the server acted on the request: only a look-up can tell."""


class HttpStatusError(BrokerError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ServerError(HttpStatusError):
    pass


class NotAuthorized(HttpStatusError):
    pass


class NotFound(HttpStatusError):
    pass


class RateLimited(HttpStatusError):
    pass


class OverBudget(RateLimited):
    def __init__(self, message: str) -> None:
        super().__init__(0, message)


class AuthFailed(BrokerError):
    pass


class Penalised(BrokerError):
    def __init__(self, ticket: str, seconds: float, captcha: bool) -> None:
        self.ticket = ticket
        self.seconds = seconds
        self.captcha = captcha
        if captcha:
            message = (
                "Tradovate asks for a captcha after too many requests; this app cannot answer "
                "it. Nothing was done. Try again in about an hour."
            )
        else:
            message = f"Too many requests: nothing was done. Wait {seconds:.0f} s, then resend."
        super().__init__(message)


class Rejected(BrokerError):
    def __init__(self, reason: FailureReason | None, text: str | None) -> None:
        self.reason = reason
        self.text = text
        super().__init__(describe(reason, text))


REFUSING = (423, 429)  # Tradovate's "too many requests" statuses


def http_error(status: int) -> HttpStatusError:
    """The error for an HTTP status other than 200, with words for a trader."""
    if status >= 500:
        return ServerError(status, f"The server failed (HTTP {status}). Try again.")
    if status in (401, 403):
        return NotAuthorized(
            status,
            f"Not authorised (HTTP {status}): the session may have expired, or the API key "
            "lacks permission (in LIVE, the device may not be approved).",
        )
    if status == 404:
        return NotFound(404, "Not found (HTTP 404): check the environment and the name.")
    if status == 429:
        return RateLimited(429, "Tradovate is refusing requests (429): it may last up to an hour.")
    if status == 423:
        return RateLimited(
            423,
            "Tradovate warns that too many requests were sent (423): requests are paused for "
            "a minute.",
        )
    return HttpStatusError(status, f"Unexpected answer HTTP {status}.")


def describe_error(exc: BaseException) -> str:
    """Words for a trader, for any error the broker can raise (and a fallback for the rest)."""
    if isinstance(exc, BrokerError):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}."

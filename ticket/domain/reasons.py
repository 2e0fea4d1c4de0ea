"""Tradovate's failure reasons in a trader's words: what happened, and what to do next."""

from __future__ import annotations

from ticket.domain.orders import FailureReason as R

WORDS: dict[R, tuple[str, str]] = {
    R.ACCOUNT_CLOSED: ("The account is closed.", "Choose another account or contact Tradovate."),
    R.ADVANCED_TRAILING_STOP_UNSUPPORTED: (
        "This kind of trailing stop is not supported for the contract.",
        "Use a plain Stop for the stop-loss.",
    ),
    R.ANOTHER_COMMAND_PENDING: (
        "Another change to this order is still being processed.",
        "Wait a moment, check the order, then try again.",
    ),
    R.BACK_MONTH_PROHIBITED: (
        "Trading this contract month is not allowed on the account.",
        "Use the front month.",
    ),
    R.EXECUTION_PROVIDER_NOT_CONFIGURED: (
        "The exchange route for this contract is not set up on the account.",
        "Contact Tradovate support.",
    ),
    R.EXECUTION_PROVIDER_UNAVAILABLE: (
        "The exchange route is unavailable right now.",
        "Try again shortly; check the exchange status.",
    ),
    R.INVALID_CONTRACT: (
        "The contract does not exist or cannot be traded.",
        "Check the symbol (for example ESZ6) and pick it from the suggestions.",
    ),
    R.INVALID_PRICE: (
        "A price was refused (off the tick grid, or on the wrong side).",
        "Check the entry, stop-loss and take-profit prices.",
    ),
    R.LIQUIDATION_ONLY: (
        "The account may only reduce positions (liquidation only).",
        "Only orders that close a position are accepted; contact your risk desk.",
    ),
    R.LIQUIDATION_ONLY_BEFORE_EXPIRATION: (
        "The contract is close to expiry: only closing orders are accepted.",
        "Trade the next contract month.",
    ),
    R.MAX_ORDER_QTY_IS_NOT_SPECIFIED: (
        "The account has no maximum order size set.",
        "Contact Tradovate to set the account's limits.",
    ),
    R.MAX_ORDER_QTY_LIMIT_REACHED: (
        "The quantity is above the account's maximum order size.",
        "Lower the quantity.",
    ),
    R.MAX_POS_LIMIT_MISCONFIGURED: (
        "The account's position limit is misconfigured.",
        "Contact Tradovate support.",
    ),
    R.MAX_POS_LIMIT_REACHED: (
        "The order would take the position above the account's limit for this contract.",
        "Lower the quantity or reduce the position first.",
    ),
    R.MAX_TOTAL_POS_LIMIT_REACHED: (
        "The order would take the account above its total position limit.",
        "Reduce other positions or lower the quantity.",
    ),
    R.MULTIPLE_ACCOUNT_PLAN_REQUIRED: (
        "Trading several accounts needs a multiple-account plan.",
        "Use your main account or change the plan with Tradovate.",
    ),
    R.NO_QUOTE: ("There is no market quote for the contract.", "Wait for the market to open."),
    R.NOT_ENOUGH_LIQUIDITY: (
        "There is not enough liquidity to fill the order.",
        "Use a limit order or a smaller quantity.",
    ),
    R.OTHER_EXECUTION_RELATED: (
        "The exchange refused the order.",
        "Read the text from the server, check the order, then try again.",
    ),
    R.PARENT_REJECTED: (
        "The exit was cancelled because its entry order was rejected.",
        "Fix the entry and place the bracket again.",
    ),
    R.RISK_CHECK_TIMEOUT: (
        "The risk check did not answer in time. The order was not accepted.",
        "Check the orders list, then try again.",
    ),
    R.SESSION_CLOSED: (
        "The market is closed for this contract.",
        "Wait for the session to open.",
    ),
    R.SUCCESS: ("Accepted.", ""),
    R.TOO_LATE: ("Too late: the order could no longer be changed.", "Check the order's state."),
    R.TRADING_LOCKED: (
        "Trading is locked on the account (for example after a daily loss limit).",
        "Contact your risk desk or wait for the lock to end.",
    ),
    R.TRAILING_STOP_NON_ORDER_QTY_MODIFY: (
        "Only the quantity of a trailing stop can be changed.",
        "Cancel the trailing stop and place a new one.",
    ),
    R.UNAUTHORIZED: (
        "The account or API key is not allowed to trade.",
        "Check the API key's trading permission and that the account is yours.",
    ),
    R.UNKNOWN_REASON: (
        "The server refused the order without a reason code.",
        "Read the server's text; 'Access is denied' usually means a wrong account or symbol.",
    ),
    R.UNSUPPORTED: ("The order type is not supported here.", "Choose another order type."),
}


def describe(reason: R | None, text: str | None = None) -> str:
    """One line for the trader: what happened, the server's own text, and what to do."""
    what, next_step = WORDS.get(reason or R.UNKNOWN_REASON, WORDS[R.UNKNOWN_REASON])
    server = f' Server said: "{text}".' if text else ""
    step = f" {next_step}" if next_step else ""
    return f"{what}{server}{step}"

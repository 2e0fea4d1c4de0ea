"""What a contract's tick is worth, from the broker first and the built-in table second.

The broker's Product wins whenever it can be read, even where it differs from the table (an
exchange may change a tick size; the table may be wrong). The table is used only when the
product look-up fails, and the result says so.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ticket.broker import errors
from ticket.broker.client import TradovateClient
from ticket.broker.models import Contract, Product
from ticket.domain.instruments import BUILT_IN, Instrument, RollRule, parse_symbol
from ticket.domain.prices import PriceFormat


class ResolvedContract(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    contract: Contract
    instrument: Instrument
    from_broker: bool  # False when the tick came from the built-in table
    fallback_reason: str | None = None  # why the table was used: the look-up's error, in words


def _decimal_places(tick: Decimal) -> int:
    exponent = tick.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _price_format(product: Product) -> PriceFormat:
    """Fractional products are read as 32nds cut into as many parts as the tick needs (ZN: 1/64
    -> halves of a 32nd). A fraction that is no such part (CME writes grains in eighths) is
    shown in decimals rather than in 32nds a trader would not recognise."""
    tick = product.tick_size
    if product.price_format_type == "Fractional":
        parts = Decimal(1) / (tick * 32)
        if parts == parts.to_integral_value() and 1 <= parts <= 8:
            return PriceFormat.fractional(int(parts))
    return PriceFormat.decimal(max(_decimal_places(tick), -product.price_format, 0))


def instrument_from_product(product: Product) -> Instrument:
    """An Instrument from Tradovate's Product: its tick and value win over the built-in table,
    which fills in only what the Product does not carry. ValueError if it cannot be used."""
    known = BUILT_IN.get(product.name)
    return Instrument(
        root=product.name,
        description=product.description or (known.description if known else product.name),
        exchange=known.exchange if known else "",
        currency=known.currency if known else "USD",
        tick_size=product.tick_size,
        value_per_point=product.value_per_point,
        price_format=_price_format(product),
        months=product.months or (known.months if known else "HMUZ"),
        roll=known.roll if known else RollRule.EQUITY_INDEX,
    )


def find_contract_or_front(client: TradovateClient, text: str) -> Contract:
    """A contract by exact name, or for a product root (`ES`) the first contract the server
    suggests for it, which is the nearest month."""
    name = text.strip().upper()
    if not name:
        raise errors.NotFound(404, "Enter a contract, for example ESZ6 or ES.")
    try:
        return client.find_contract(name)
    except errors.NotFound:
        pass
    for contract in client.suggest_contracts(name, 10):
        if contract.name[: len(name)] == name and len(contract.name) <= len(name) + 2:
            return contract
    raise errors.NotFound(404, f"No contract named {name}.")


def resolve_contract(client: TradovateClient, symbol: str, today: date) -> ResolvedContract:
    """contract/find -> contractMaturity/item -> product/item. If the product chain fails after
    the contract was found, fall back to the built-in table for the root, and say why."""
    contract = find_contract_or_front(client, symbol)
    try:
        maturity = client.contract_maturity(contract.contract_maturity_id)
        product = client.product(maturity.product_id)
        try:
            instrument = instrument_from_product(product)
        except ValueError:
            raise errors.BadAnswer(f"The server's product {product.name} is unusable.") from None
        return ResolvedContract(contract=contract, instrument=instrument, from_broker=True)
    except errors.BrokerError as exc:
        failure = errors.describe_error(exc)
    try:
        root = parse_symbol(contract.name, today).root
    except ValueError:
        raise errors.NotFound(
            404,
            f"No tick size known for {contract.name}: the product look-up failed ({failure}) "
            "and the built-in table has no such product.",
        ) from None
    return ResolvedContract(
        contract=contract,
        instrument=BUILT_IN[root],
        from_broker=False,
        fallback_reason=f"The product look-up failed: {failure}",
    )

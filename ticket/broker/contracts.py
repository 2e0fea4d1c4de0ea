"""What a contract's tick is worth, from the broker first and the built-in table second."""

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


def _decimal_places(tick: Decimal) -> int:
    exponent = tick.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def instrument_from_product(product: Product) -> Instrument:
    """An Instrument from Tradovate's Product. Fractional products are read as 32nds cut into
    as many parts as the tick needs (ZN: 1/64 -> halves of a 32nd)."""
    known = BUILT_IN.get(product.name)
    tick = product.tick_size
    if product.price_format_type == "Fractional":
        parts = int((Decimal(1) / (tick * 32)).to_integral_value())
        fmt = PriceFormat.fractional(max(1, min(parts, 8)))
    else:
        fmt = PriceFormat.decimal(max(_decimal_places(tick), -product.price_format, 0))
    return Instrument(
        root=product.name,
        description=product.description or (known.description if known else product.name),
        exchange=known.exchange if known else "",
        currency=known.currency if known else "USD",
        tick_size=tick,
        value_per_point=product.value_per_point,
        price_format=fmt,
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
    the contract was found, fall back to the built-in table for the root."""
    contract = find_contract_or_front(client, symbol)
    try:
        maturity = client.contract_maturity(contract.contract_maturity_id)
        product = client.product(maturity.product_id)
        return ResolvedContract(
            contract=contract, instrument=instrument_from_product(product), from_broker=True
        )
    except errors.BrokerError:
        try:
            root = parse_symbol(contract.name, today).root
        except ValueError:
            raise errors.NotFound(
                404, f"No tick size known for {contract.name}: the product look-up failed."
            ) from None
        return ResolvedContract(contract=contract, instrument=BUILT_IN[root], from_broker=False)

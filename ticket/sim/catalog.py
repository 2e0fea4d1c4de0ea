"""The simulator's contract library: its products (ticket/sim/products.py), the front month and
the next listed months for today, with ids, and how each looks on the wire."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from ticket.sim.expiry import contract_name, last_trading_day, listed_months
from ticket.sim.products import CME_PRODUCTS, ProductSpec

# Opaque ids for the wire; Tradovate's NQ example has exchangeId 2 and currencyId 1 (USD).
EXCHANGE_IDS = {"CME": 2, "CBOT": 3, "NYMEX": 4, "COMEX": 5}
CURRENCY_IDS = {"USD": 1}


@dataclass(frozen=True)
class SimProduct:
    id: int
    spec: ProductSpec

    def to_wire(self) -> dict[str, object]:
        s = self.spec
        return {
            "id": self.id,
            "name": s.name,
            "currencyId": CURRENCY_IDS[s.currency],
            "productType": "Futures",
            "description": s.description,
            "exchangeId": EXCHANGE_IDS[s.exchange],
            "contractGroupId": 1,
            "status": "Verified",
            "months": s.months,
            "valuePerPoint": float(s.value_per_point),
            "priceFormatType": s.price_format_type,
            "priceFormat": s.price_format,
            "tickSize": float(s.tick_size),
            "isMicro": s.is_micro,
        }


@dataclass(frozen=True)
class SimContract:
    id: int
    maturity_id: int
    product: SimProduct
    year: int
    month: int
    expires: datetime
    is_front: bool

    @property
    def name(self) -> str:
        return contract_name(self.product.spec.name, self.year, self.month)

    @property
    def instrument(self) -> ProductSpec:
        """The exchange facts of the contract's product: tick size, value per point."""
        return self.product.spec

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "contractMaturityId": self.maturity_id,
            "status": "DefinitionChecked",
            "providerTickSize": float(self.instrument.tick_size),
        }

    def maturity_wire(self) -> dict[str, object]:
        return {
            "id": self.maturity_id,
            "productId": self.product.id,
            "expirationMonth": self.year * 100 + self.month,
            "expirationDate": self.expires.isoformat().replace("+00:00", "Z"),
            "isFront": self.is_front,
        }


class Catalog:
    """Products and contracts by id and by name. Immutable after construction.

    `products` replaces the CME table, for a test that needs a venue whose figures differ."""

    def __init__(
        self,
        today: date,
        months_per_product: int = 3,
        products: Iterable[ProductSpec] = CME_PRODUCTS,
    ) -> None:
        self.products: dict[int, SimProduct] = {}
        self.contracts: dict[int, SimContract] = {}
        self.by_name: dict[str, SimContract] = {}
        contract_id = 3_000_000
        for product_index, spec in enumerate(products):
            product = SimProduct(id=1000 + product_index, spec=spec)
            self.products[product.id] = product
            months = listed_months(spec.months, spec.expiry, today, months_per_product)
            for n, (year, month) in enumerate(months):
                contract_id += 1
                last_day = last_trading_day(spec.expiry, year, month)
                contract = SimContract(
                    id=contract_id,
                    maturity_id=contract_id - 2_000_000,
                    product=product,
                    year=year,
                    month=month,
                    expires=datetime.combine(last_day, time(21, 0), tzinfo=UTC),
                    is_front=n == 0,
                )
                self.contracts[contract.id] = contract
                self.by_name[contract.name] = contract
        self.by_maturity = {c.maturity_id: c for c in self.contracts.values()}
        self.products_by_name = {p.spec.name: p for p in self.products.values()}

    def start_price(self, contract: SimContract) -> Decimal:
        return contract.instrument.start_price

    def front(self, product: str) -> SimContract:
        found = (
            c for c in self.contracts.values() if c.is_front and c.product.spec.name == product
        )
        contract = next(found, None)
        if contract is None:
            raise KeyError(f"the simulator lists no product {product}")
        return contract

    def suggest(self, text: str, limit: int) -> list[SimContract]:
        needle = text.strip().upper()
        hits = [c for c in self.contracts.values() if c.name.startswith(needle)]
        hits.sort(key=lambda c: (len(c.product.spec.name), c.product.spec.name, c.expires))
        return hits[:limit]

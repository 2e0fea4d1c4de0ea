"""The simulator's contract library: products from the built-in table, the front month and the
next two listed months for today, with ids, and a realistic starting price for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from ticket.domain.instruments import (
    BUILT_IN,
    MONTH_CODES,
    ContractMonth,
    Instrument,
    front_month,
    roll_date,
)

START_PRICES: dict[str, str] = {
    "ES": "6000.00", "MES": "6000.00", "NQ": "21000.00", "MNQ": "21000.00",
    "RTY": "2300.0", "M2K": "2300.0", "YM": "44000", "MYM": "44000",
    "CL": "70.00", "MCL": "70.00", "NG": "3.500", "GC": "2700.0", "MGC": "2700.0",
    "SI": "31.500", "HG": "4.5000", "ZB": "118.5", "ZN": "110.5", "ZF": "107.25",
    "ZT": "103.5", "6E": "1.08000", "6J": "0.0066500", "6B": "1.2700",
    "ZC": "450.00", "ZS": "1000.00", "ZW": "560.00",
}  # fmt: skip


@dataclass(frozen=True)
class SimProduct:
    id: int
    instrument: Instrument

    def to_wire(self) -> dict[str, object]:
        i = self.instrument
        fractional = i.price_format.kind == "fractional"
        return {
            "id": self.id,
            "name": i.root,
            "currencyId": 1,
            "productType": "Futures",
            "description": i.description,
            "exchangeId": 1,
            "contractGroupId": 1,
            "status": "Verified",
            "months": i.months,
            "valuePerPoint": float(i.value_per_point),
            "priceFormatType": "Fractional" if fractional else "Decimal",
            "priceFormat": 0 if fractional else -i.price_format.places,
            "tickSize": float(i.tick_size),
        }


@dataclass(frozen=True)
class SimContract:
    id: int
    maturity_id: int
    product: SimProduct
    month: ContractMonth
    expires: datetime
    is_front: bool

    @property
    def name(self) -> str:
        return self.month.symbol

    @property
    def instrument(self) -> Instrument:
        return self.product.instrument

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
            "expirationMonth": self.month.year * 100 + self.month.month,
            "expirationDate": self.expires.isoformat().replace("+00:00", "Z"),
            "isFront": self.is_front,
        }


def _next_listed(instrument: Instrument, month: ContractMonth) -> ContractMonth:
    year, m = month.year, month.month
    while True:
        year, m = (year + 1, 1) if m == 12 else (year, m + 1)
        if MONTH_CODES[m - 1] in instrument.months:
            return ContractMonth(root=instrument.root, year=year, month=m)


class Catalog:
    """Products and contracts by id and by name. Immutable after construction."""

    def __init__(self, today: date, months_per_product: int = 3) -> None:
        self.products: dict[int, SimProduct] = {}
        self.contracts: dict[int, SimContract] = {}
        self.by_name: dict[str, SimContract] = {}
        contract_id = 3_000_000
        for product_index, instrument in enumerate(BUILT_IN.values()):
            product = SimProduct(id=1000 + product_index, instrument=instrument)
            self.products[product.id] = product
            month = front_month(instrument, today)
            for n in range(months_per_product):
                contract_id += 1
                expiry_day = roll_date(instrument.roll, month.year, month.month)
                contract = SimContract(
                    id=contract_id,
                    maturity_id=contract_id - 2_000_000,
                    product=product,
                    month=month,
                    expires=datetime.combine(expiry_day, time(21, 0), tzinfo=UTC),
                    is_front=n == 0,
                )
                self.contracts[contract.id] = contract
                self.by_name[contract.name] = contract
                month = _next_listed(instrument, month)
        self.by_maturity = {c.maturity_id: c for c in self.contracts.values()}
        self.products_by_name = {p.instrument.root: p for p in self.products.values()}

    def start_price(self, contract: SimContract) -> Decimal:
        return Decimal(START_PRICES.get(contract.instrument.root, "100"))

    def suggest(self, text: str, limit: int) -> list[SimContract]:
        needle = text.strip().upper()
        hits = [c for c in self.contracts.values() if c.name.startswith(needle)]
        hits.sort(key=lambda c: (len(c.instrument.root), c.instrument.root, c.expires))
        return hits[:limit]

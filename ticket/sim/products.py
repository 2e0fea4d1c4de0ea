"""The simulator's product table: CME Group's contract specifications, as Tradovate's Product
entity carries them.

Written from the exchange's spec sheets (minimum price fluctuation, contract unit, listed
months, termination of trading), not from the client's own table: the two are compared by
tests/sim/test_products.py, so a wrong figure on either side shows. A few products here are
unknown to the client on purpose, to exercise a product the ticket has no table entry for.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ticket.sim.expiry import MONTH_CODES, Expiry

PriceFormatType = Literal["Decimal", "Fractional"]

QUARTERLY = "HMUZ"
EVERY_MONTH = MONTH_CODES


@dataclass(frozen=True)
class ProductSpec:
    """One product (root) as the exchange defines it, and where the simulator's price starts."""

    name: str
    description: str
    exchange: str
    tick_size: Decimal  # the minimum price fluctuation, in quote units
    value_per_point: Decimal  # dollars per 1.0 of price: the contract unit
    price_format_type: PriceFormatType
    decimals: int  # Decimal products: digits after the point in an exchange quote
    parts_of_32nd: int  # Fractional products: into how many parts the tick cuts a 32nd
    months: str  # the listed months traders trade, as month codes
    expiry: Expiry
    start_price: Decimal
    is_micro: bool = False
    currency: str = "USD"

    @property
    def tick_value(self) -> Decimal:
        return self.tick_size * self.value_per_point

    @property
    def price_format(self) -> int:
        """Tradovate's `priceFormat`: minus the decimals for a Decimal product (its own NQ example
        reads -2). What it sends for a Fractional product is not documented; 0 here."""
        return -self.decimals if self.price_format_type == "Decimal" else 0


def _decimal(
    name: str,
    description: str,
    exchange: str,
    tick: str,
    per_point: str,
    decimals: int,
    months: str,
    expiry: Expiry,
    start: str,
    *,
    micro: bool = False,
) -> ProductSpec:
    return ProductSpec(
        name=name,
        description=description,
        exchange=exchange,
        tick_size=Decimal(tick),
        value_per_point=Decimal(per_point),
        price_format_type="Decimal",
        decimals=decimals,
        parts_of_32nd=0,
        months=months,
        expiry=expiry,
        start_price=Decimal(start),
        is_micro=micro,
    )


def _treasury(
    name: str, description: str, parts: int, per_point: str, expiry: Expiry, start: str
) -> ProductSpec:
    """CBOT Treasury futures: points and 32nds of a point; the tick is a 32nd cut in `parts`."""
    return ProductSpec(
        name=name,
        description=description,
        exchange="CBOT",
        tick_size=Decimal(1) / 32 / parts,
        value_per_point=Decimal(per_point),
        price_format_type="Fractional",
        decimals=0,
        parts_of_32nd=parts,
        months=QUARTERLY,
        expiry=expiry,
        start_price=Decimal(start),
    )


_EQ, _FX, _MET = Expiry.EQUITY_INDEX, Expiry.FX, Expiry.METALS
_GR, _LT, _ST = Expiry.GRAINS, Expiry.LONG_TREASURY, Expiry.SHORT_TREASURY

# Grains: CME quotes cents per bushel (a quarter cent is written 498'2, in eighths). Tradovate's
# priceFormatType for grains is not documented; the simulator serves cents as decimals.
CME_PRODUCTS: tuple[ProductSpec, ...] = (
    _decimal("ES", "E-mini S&P 500", "CME", "0.25", "50", 2, QUARTERLY, _EQ, "6000.00"),
    _decimal("MES", "Micro E-mini S&P 500", "CME", "0.25", "5", 2, QUARTERLY, _EQ, "6000.00",
             micro=True),
    _decimal("NQ", "E-mini Nasdaq-100", "CME", "0.25", "20", 2, QUARTERLY, _EQ, "21000.00"),
    _decimal("MNQ", "Micro E-mini Nasdaq-100", "CME", "0.25", "2", 2, QUARTERLY, _EQ, "21000.00",
             micro=True),
    _decimal("RTY", "E-mini Russell 2000", "CME", "0.10", "50", 1, QUARTERLY, _EQ, "2300.0"),
    _decimal("M2K", "Micro E-mini Russell 2000", "CME", "0.10", "5", 1, QUARTERLY, _EQ, "2300.0",
             micro=True),
    _decimal("YM", "E-mini Dow Jones ($5)", "CBOT", "1", "5", 0, QUARTERLY, _EQ, "44000"),
    _decimal("MYM", "Micro E-mini Dow Jones", "CBOT", "1", "0.50", 0, QUARTERLY, _EQ, "44000",
             micro=True),
    _decimal("CL", "Crude Oil (WTI)", "NYMEX", "0.01", "1000", 2, EVERY_MONTH, Expiry.CRUDE,
             "70.00"),
    _decimal("MCL", "Micro WTI Crude Oil", "NYMEX", "0.01", "100", 2, EVERY_MONTH,
             Expiry.MICRO_CRUDE, "70.00", micro=True),
    _decimal("NG", "Henry Hub Natural Gas", "NYMEX", "0.001", "10000", 3, EVERY_MONTH,
             Expiry.NATURAL_GAS, "3.500"),
    _decimal("GC", "Gold", "COMEX", "0.10", "100", 1, "GJMQVZ", _MET, "2700.0"),
    _decimal("MGC", "Micro Gold", "COMEX", "0.10", "10", 1, "GJMQVZ", _MET, "2700.0", micro=True),
    _decimal("SI", "Silver", "COMEX", "0.005", "5000", 3, "HKNUZ", _MET, "31.500"),
    _decimal("HG", "Copper", "COMEX", "0.0005", "25000", 4, "HKNUZ", _MET, "4.5000"),
    _treasury("ZB", "U.S. Treasury Bond", 1, "1000", _LT, "118.5"),
    _treasury("ZN", "10-Year U.S. Treasury Note", 2, "1000", _LT, "110.5"),
    _treasury("ZF", "5-Year U.S. Treasury Note", 4, "1000", _ST, "107.25"),
    _treasury("ZT", "2-Year U.S. Treasury Note", 8, "2000", _ST, "103.5"),
    _decimal("6E", "Euro FX", "CME", "0.00005", "125000", 5, QUARTERLY, _FX, "1.08000"),
    _decimal("6J", "Japanese Yen", "CME", "0.0000005", "12500000", 7, QUARTERLY, _FX,
             "0.0066500"),
    _decimal("6B", "British Pound", "CME", "0.0001", "62500", 4, QUARTERLY, _FX, "1.2700"),
    _decimal("ZC", "Corn", "CBOT", "0.25", "50", 2, "HKNUZ", _GR, "450.00"),
    _decimal("ZS", "Soybeans", "CBOT", "0.25", "50", 2, "FHKNQUX", _GR, "1000.00"),
    _decimal("ZW", "Chicago SRW Wheat", "CBOT", "0.25", "50", 2, "HKNUZ", _GR, "560.00"),
    _decimal("6A", "Australian Dollar", "CME", "0.00005", "100000", 5, QUARTERLY, _FX, "0.65000"),
    _decimal("6C", "Canadian Dollar", "CME", "0.00005", "100000", 5, QUARTERLY, _FX, "0.72000"),
    _decimal("PL", "Platinum", "NYMEX", "0.10", "50", 1, "FJNV", _MET, "950.0"),
)  # fmt: skip

PRODUCTS: dict[str, ProductSpec] = {p.name: p for p in CME_PRODUCTS}

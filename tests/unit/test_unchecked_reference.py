"""A trailing entry with a typed market price and no last price: the message names the price
the trader typed, at the field it was typed in."""

from decimal import Decimal as D

from ticket.domain.orders import OrderType
from ticket.domain.rules import assess

from .forms import LOOSE, NOW, form


def test_an_unchecked_trailing_entry_names_the_market_price_that_was_typed():
    f = form(
        order_type=OrderType.TRAILING_STOP,
        price=None,
        stop_price="5002.00",
        reference_price=D("5000.00"),
        reference_typed=True,
    )
    [p] = [p for p in assess(f, LOOSE, NOW).problems if p.code == "no_last_price"]
    assert "the market price 5000.00 against" in p.message
    assert p.field == "reference_price"

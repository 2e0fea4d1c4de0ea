"""The renewal schedule: when a token is renewed, in the server's time, whatever the local
clock says. Pure: no HTTP, no clock but the ones given."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from ticket.broker.session import Session, server_date

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # the server's time when the token arrived


def session(lifetime: timedelta, offset=timedelta(0), **changes) -> Session:
    return Session(
        token=SecretStr("fake-token"),
        md_token=None,
        expires_at=T0 + lifetime,
        user_id=1,
        name="fake-user",
        issued_at=T0,
        offset=offset,
        **changes,
    )


@pytest.mark.parametrize(
    ("lifetime", "margin"),
    [
        (timedelta(minutes=90), timedelta(minutes=15)),
        (timedelta(minutes=80), timedelta(minutes=15)),
        (timedelta(minutes=60), timedelta(minutes=15)),
        (timedelta(minutes=20), timedelta(minutes=5)),
        (timedelta(minutes=5), timedelta(seconds=75)),
        (timedelta(minutes=1), timedelta(seconds=15)),
        (timedelta(0), timedelta(0)),
    ],
)
def test_the_margin_is_fifteen_minutes_or_a_quarter_of_a_shorter_lifetime(lifetime, margin):
    assert session(lifetime).margin == margin
    assert session(lifetime).act_at == T0 + lifetime - margin


@pytest.mark.parametrize("minutes_off", [-30, -1, 0, 1, 30])
def test_due_is_decided_in_the_servers_time_whatever_the_local_clock_says(minutes_off):
    off = timedelta(minutes=minutes_off)
    token = session(timedelta(minutes=5), offset=-off)  # measured when it arrived
    local = T0 + off  # the local clock then
    assert not token.due(local + timedelta(seconds=224))
    assert token.due(local + timedelta(seconds=225))
    assert not token.ended(local + timedelta(seconds=299))
    assert token.ended(local + timedelta(seconds=300))
    assert token.local(token.expires_at) == local + timedelta(minutes=5)


def test_no_renewal_comes_within_a_minute_of_the_last_attempt():
    token = session(timedelta(minutes=5), renewed_at=T0 + timedelta(minutes=3, seconds=30))
    assert token.act_at == T0 + timedelta(minutes=4, seconds=30)
    assert not token.may_renew(T0 + timedelta(minutes=4, seconds=29))
    assert token.may_renew(T0 + timedelta(minutes=4, seconds=30))


def test_a_token_whose_renewal_did_not_extend_it_is_replaced_a_minute_before_its_end():
    token = session(timedelta(minutes=90), stalled=True, renewed_at=T0 + timedelta(minutes=75))
    assert token.act_at == T0 + timedelta(minutes=89)
    short = session(timedelta(minutes=2), stalled=True, renewed_at=T0 + timedelta(seconds=90))
    assert short.act_at == T0 + timedelta(minutes=2) - timedelta(seconds=30)


def test_the_date_header_is_read_as_the_servers_time():
    assert server_date("Wed, 25 Nov 2026 14:00:00 GMT") == T0
    for junk in (None, "", "yesterday", "Wed, 25 Nov 2026 14:00:00"):
        assert server_date(junk) is None

"""What the window shows of the session: a renewal that did not extend the token, a sign-in
penalty counting down, a captcha that stopped sign-ins, and the token's new end."""

from datetime import UTC, datetime, timedelta

from ticket.ui import theme


def test_a_renewal_that_did_not_extend_is_said_in_amber_and_journalled(window):
    note = "The token's renewal did not extend it: it still ends at 14:05."
    window.session.session_note.emit(note)
    assert note in window.outcome.text() and theme.text.warning in window.outcome.text()
    assert any(e["kind"] == "session note" for e in window.journal.read())


def test_a_sign_in_penalty_counts_down_then_says_it_signs_in_again(window):
    window.session.sign_in_wait.emit(7.0)
    assert window.state.text() == "Tradovate asks to wait before signing in: 7 s"
    window.session.sign_in_wait.emit(0.0)
    assert window.state.text() == "Signing in again…"


def test_a_captcha_stops_sign_ins_in_red_and_stays(window):
    window.session.sign_in_stopped.emit("Sign in once on Tradovate's website.")
    assert window.state.text() == "Sign-in stopped"
    assert theme.text.error in window.outcome.text()
    assert "Tradovate's website" in window.outcome.text()


def test_a_new_token_end_is_shown(window, monkeypatch):
    later = datetime.now(UTC) + timedelta(hours=2)
    monkeypatch.setattr(type(window.session), "token_expires", property(lambda self: later))
    window.session.token_changed.emit(later)
    assert window.state.text() == f"Connected, token until {later.astimezone():%H:%M}"

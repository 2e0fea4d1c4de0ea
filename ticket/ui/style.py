"""Colours and the small stylesheet. The environment colours are the ones a trader must never
mistake: SIM blue-grey, DEMO green, LIVE red, a custom server purple."""

from __future__ import annotations

from ticket.services import Environment

ENV_COLOURS = {
    Environment.SIM: "#455a64",
    Environment.DEMO: "#2e7d32",
    Environment.LIVE: "#c62828",
    Environment.CUSTOM: "#6a1b9a",
}
ENV_TITLES = {
    Environment.SIM: "SIM · practice on the built-in simulator",
    Environment.DEMO: "DEMO · Tradovate simulated money",
    Environment.LIVE: "LIVE · REAL MONEY",
    Environment.CUSTOM: "CUSTOM SERVER",
}

STYLESHEET = """
QGroupBox { font-weight: bold; border: 1px solid palette(mid); border-radius: 4px;
            margin-top: 10px; padding: 8px 6px 6px 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QLabel#planCaption { color: palette(placeholder-text); font-size: 11px; }
QLabel#planValue { font-size: 13px; }
QLabel#fieldNote { font-size: 11px; }
QPushButton#place { font-size: 15px; font-weight: bold; padding: 10px; color: white;
                    border-radius: 4px; }
QPushButton#place:disabled { background: palette(mid); color: palette(window); }
"""

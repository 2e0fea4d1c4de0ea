"""Command line: `ticket` opens the window; subcommands do the same work without one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ticket import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ticket",
        description="A bracket order ticket for Tradovate futures accounts.",
    )
    parser.add_argument("--version", action="version", version=f"ticket {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    print("ticket: use --help for the commands.", file=sys.stderr)
    return 0

"""Figures paired with their baselines: each sample of the ticket is taken next to a sample of
its baseline in the same loop, and the figure is the median of the per-pair ratios, which a
busy machine moves far less than a ratio of medians taken at different moments."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

ROWS: list[tuple[str, str, str, str, str]] = []


def stats(samples: Sequence[float], unit: str, digits: int = 2) -> str:
    return (
        f"{statistics.median(samples):.{digits}f} {unit} "
        f"[{min(samples):.{digits}f}-{max(samples):.{digits}f}]"
    )


def pair_ratio(ticket: Sequence[float], baseline: Sequence[float]) -> tuple[float, float, float]:
    """Median, min and max of ticket[i] / baseline[i]."""
    ratios = [t / b for t, b in zip(ticket, baseline, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def verdict(figure: float, target: float) -> str:
    """'met' or 'missed by N%' for a figure that must stay at or under `target`."""
    if figure <= target:
        return f"met (<= {target:g})"
    return f"missed by {(figure / target - 1) * 100:.0f}% (<= {target:g})"


def row(name: str, ticket: str, baseline: str, ratio: str, target: str) -> None:
    ROWS.append((name, ticket, baseline, ratio, target))
    print(f"  {name}: {ticket} | {baseline} | {ratio} | {target}", flush=True)


def paired_row(
    name: str,
    ticket: Sequence[float],
    baseline: Sequence[float],
    unit: str,
    baseline_name: str,
    target: float,
    digits: int = 2,
) -> float:
    median, low, high = pair_ratio(ticket, baseline)
    row(
        name,
        stats(ticket, unit, digits),
        f"{baseline_name} {stats(baseline, unit, digits)}",
        f"{median:.2f}x [{low:.2f}-{high:.2f}] of {len(ticket)} pairs",
        verdict(median, target),
    )
    return median


def table() -> None:
    header = ("row", "ticket median [min-max]", "baseline", "ratio per pair / max", "target")
    widths = [max(len(r[i]) for r in [*ROWS, header]) for i in range(5)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in ROWS:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))

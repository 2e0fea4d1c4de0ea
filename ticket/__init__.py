"""ticket: a bracket order ticket for Tradovate futures accounts."""

__version__ = "0.1.0"

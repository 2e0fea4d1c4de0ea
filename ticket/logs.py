"""Logging to a rotating file in the log folder (platformdirs). Secrets are never logged; a
filter masks anything that still looks like a bearer token, as a second line of defence."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ticket.config import log_dir

_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")
_SECRET_FIELD = re.compile(
    r'("?(?:password|sec|accessToken|mdAccessToken)"?\s*[:=]\s*)("[^"]*"|\S+)', re.IGNORECASE
)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRET_FIELD.sub(r"\1***", _BEARER.sub(r"\1***", message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the app's log records to `<log dir>/ticket.log` (1 MB, 3 old files kept)."""
    import logging.handlers  # after the window's first paint: it is not needed before

    folder = folder or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ticket.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "ticket", False)]:
        root.removeHandler(old)
        old.close()
    handler.ticket = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path

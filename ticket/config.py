"""Where the ticket keeps its few non-secret files, and the install's device id."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import platformdirs

APP = "ticket"


def config_dir() -> Path:
    override = os.environ.get("TICKET_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    override = os.environ.get("TICKET_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP))


def log_dir() -> Path:
    override = os.environ.get("TICKET_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP))


def device_id() -> str:
    """A random id made once per install: Tradovate approves LIVE trading per device."""
    path = config_dir() / "device-id"
    try:
        existing = path.read_text().strip()
    except OSError:
        existing = ""
    if existing:
        return existing
    import uuid  # not at import: the start-up frame reads this module's paths

    new = str(uuid.uuid4())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new + "\n")
    return new


def write_atomically(path: Path, text: str) -> None:
    """Replace the file at `path` with `text` in one step: a reader sees the old file or the
    new one, never half of one. A symlinked file stays a symlink and keeps its permissions.
    Raises OSError; the old file is then untouched."""
    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():
            os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

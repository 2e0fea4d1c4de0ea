"""`ticket --quit-when-ready`: the window starts, reports when it was painted and ready to trade,
and exits, so start-up can be timed from outside."""

import os
import re
import subprocess
import sys


def test_quit_when_ready_reports_paint_then_ready_and_exits_0(tmp_path):
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        TICKET_CONFIG_DIR=str(tmp_path / "config"),
        TICKET_DATA_DIR=str(tmp_path / "data"),
        TICKET_LOG_DIR=str(tmp_path / "log"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "ticket", "--quit-when-ready"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    match = re.fullmatch(r"paint_ms (\d+)\nready_ms (\d+)\n", done.stdout)
    assert match, done.stdout
    paint, ready = (int(g) for g in match.groups())
    assert 0 < paint <= ready
    assert "Traceback" not in done.stderr

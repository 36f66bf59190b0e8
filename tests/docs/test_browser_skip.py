"""`make test` without a chromium: the browser tests are left out with ONE clear line."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_without_chromium_the_browser_tests_are_left_out_with_one_line():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "tests/idp/test_admin_browser.py",
        ],
        cwd=ROOT,
        env={**os.environ, "CHROMIUM": "none"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 5, done.stdout[-2000:]  # pytest: no test was run
    lines = [line for line in done.stdout.splitlines() if "chromium" in line]
    assert lines == [
        "2 browser tests not run: chromium not found: apt-get install -y chromium (or "
        "CHROMIUM=/path/to/chrome, or .venv/bin/playwright install chromium)"
    ], done.stdout[-2000:]
    assert "2 deselected" in done.stdout

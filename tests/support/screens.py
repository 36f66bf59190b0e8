"""Where browser tests save screenshots: a temp folder, or docs/screenshots with
``make screenshots`` (SCREENSHOTS_DIR), so a test run never rewrites tracked files."""

import os
import tempfile
from pathlib import Path

SHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "vuce-sol-screenshots"
)

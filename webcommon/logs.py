"""Log lines a person can read: one format for both apps, no library chatter, no ANSI in files."""

import logging
import re

FORMAT = "%(levelname)s %(name)s: %(message)s"
# Loggers that say, at INFO, things nobody running the stack needs (per start or per request).
QUIET = ("alembic.runtime.plugins",)
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # CSI sequences: colours, cursor moves


def configure(level: int = logging.INFO) -> None:
    """The apps' logging: the shared format, and the noisy libraries at WARNING."""
    logging.basicConfig(level=level, format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def strip_ansi(text: str) -> str:
    """``text`` without terminal escape sequences (for output that is not a terminal)."""
    return ANSI.sub("", text)


def is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False

"""Log lines a person can read (or one JSON object per line with ``LOG_FORMAT=json``): one
format for both apps, the request id on every line logged while serving a request, no library
chatter, no ANSI in files."""

import logging
import re

from pythonjsonlogger.json import JsonFormatter

from . import request_id

FORMAT = "%(levelname)s %(name)s%(request_tag)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message", "request_id")
FORMATS = ("text", "json")
# Loggers that say, at INFO, things nobody running the stack needs (per start or per request).
QUIET = ("alembic.runtime.plugins",)
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # CSI sequences: colours, cursor moves
_OWN_HANDLER = "_vuce_sol_handler"


def _install_record_factory() -> None:
    """Every record gets ``request_id`` (None outside a request) and ``request_tag`` (" [id]"
    or ""), whatever handler formats it (ours, pytest's, a library's)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_vuce_sol", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        rid = request_id.current()
        record.request_id = rid
        record.request_tag = f" [{rid}]" if rid else ""
        return record

    factory._vuce_sol = True
    logging.setLogRecordFactory(factory)


def formatter(log_format: str = "text") -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            " ".join(f"%({f})s" for f in JSON_FIELDS),
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(FORMAT)


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """The apps' logging: the shared format (text or JSON), and noisy libraries at WARNING.

    A root handler someone else installed (a test runner, an embedding server) is left alone;
    ours is added once and follows the latest ``log_format``."""
    _install_record_factory()
    root = logging.getLogger()
    own = [h for h in root.handlers if getattr(h, _OWN_HANDLER, False)]
    if not root.handlers:
        handler = logging.StreamHandler()
        setattr(handler, _OWN_HANDLER, True)
        root.addHandler(handler)
        root.setLevel(level)
        own = [handler]
    for handler in own:
        handler.setFormatter(formatter(log_format))
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

"""The settings-table machinery both apps use: read env vars inside ``create_app``, keep
generated secrets in the instance folder, warn once per development default, and refuse
unsafe defaults in production."""

import logging
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path


class ConfigError(RuntimeError):
    """The settings are unsafe or malformed for the chosen environment."""


def _bool(v: str) -> bool:
    return v.strip().lower() in ("1", "true", "yes", "on")


def choice(*options: str):
    """A parser that accepts one of ``options`` and names them when the value is not one."""

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ConfigError(f"{raw!r} is not one of: {', '.join(options)}")
        return value

    parse.__name__ = "choice"
    return parse


@dataclass(frozen=True)
class Setting:
    key: str  # Flask config key
    env: str  # environment variable
    default: object
    doc: str
    parse: object = str
    dev_warning: str | None = None  # logged when the embedded default is used


# Read by both apps alike (one variable for the whole stack).
LOG_FORMAT = Setting(
    "LOG_FORMAT",
    "LOG_FORMAT",
    "text",
    "log lines: text (for people) | json (one object per line, with request_id)",
    choice("text", "json"),
)


def read_table(table, overrides: dict | None, environ) -> tuple[dict, list[str]]:
    """Values from overrides, then the environment, then defaults; plus the dev warnings."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    cfg: dict = {}
    warnings: list[str] = []
    for s in table:
        if s.key in overrides:
            cfg[s.key] = overrides.pop(s.key)
        elif environ.get(s.env, "") != "":
            raw = environ[s.env]
            cfg[s.key] = _bool(raw) if s.parse is bool else s.parse(raw)
        else:
            cfg[s.key] = s.default
            if s.dev_warning:
                warnings.append(s.dev_warning)
    cfg.update(overrides)  # extra Flask keys (TESTING, …)
    return cfg, warnings


# Flask's CLI options that come before the command (``flask --app idp --help``).
_FLASK_GLOBAL_WITH_VALUE = ("--app", "-A", "--env-file", "-e")
_FLASK_GLOBAL_FLAGS = ("--debug", "--no-debug")


def cli_help_only(argv: list[str] | None = None) -> bool:
    """True when this process is ``flask … --help`` (or a bare ``flask --app X``): Flask builds
    the app only to list its commands, so nothing may be written (no instance folder, secrets
    or SQLite file in the current folder)."""
    argv = sys.argv if argv is None else argv
    script = Path(argv[0]) if argv else Path()
    if script.name != "flask" and script.parts[-2:] != ("flask", "__main__.py"):
        return False  # not Flask's CLI (`flask` or `python -m flask`)
    args = argv[1:]
    if "--help" in args:
        return True
    rest, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in _FLASK_GLOBAL_WITH_VALUE:
            skip = True
        elif not (arg in _FLASK_GLOBAL_FLAGS or arg.startswith(("--app=", "--env-file="))):
            rest.append(arg)
    return not rest


def persistent_secret(instance: Path, name: str, *, persist: bool = True) -> str:
    """A random secret generated once and kept, so restarts keep cookies and tokens valid
    (``persist=False``: the kept one if any, else a throwaway one, and nothing written)."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    if not persist:
        return secrets.token_urlsafe(32)
    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def infrastructure_problems(cfg: dict, prefix: str, secret_keys) -> list[str]:
    """Production refusals shared by both apps: SQLite, no Redis, short or missing secrets."""
    problems = []
    url = cfg["DATABASE_URL"] or ""
    if not url or url.startswith("sqlite"):
        problems.append(f"{prefix}_DATABASE_URL must point at PostgreSQL (not SQLite)")
    if not (cfg["REDIS_URL"] or "").startswith(("redis://", "rediss://", "unix://")):
        problems.append(f"{prefix}_REDIS_URL must point at Redis")
    for key in secret_keys:
        if not cfg[key] or len(str(cfg[key])) < 16:
            problems.append(f"{prefix}_{key} must be set (16+ characters)")
    return problems


def finish(
    cfg: dict,
    warnings: list[str],
    *,
    check_production,
    sqlite_name: str,
    generated_secrets,
    cookie_name: str,
) -> dict:
    """Instance folder, production check, embedded defaults and the Flask keys derived
    from them."""
    production = cfg["ENV"] == "production"
    instance = Path(cfg["INSTANCE_PATH"] or Path.cwd() / "instance").resolve()
    cfg["INSTANCE_PATH"] = str(instance)
    read_only = cfg.setdefault("READ_ONLY", cli_help_only())
    if production:
        check_production(cfg)
    if not cfg["DATABASE_URL"]:
        if not read_only:
            instance.mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{instance / sqlite_name}"
    for key, fname in generated_secrets:
        if not cfg[key]:
            cfg[key] = persistent_secret(instance, fname, persist=not read_only)
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"]
    # liveness checks of pooled connections: webcommon.db pings those idle for a while
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": False})
    cfg["PREFERRED_URL_SCHEME"] = "https" if production else "http"
    cfg.setdefault("SESSION_COOKIE_NAME", cookie_name)
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = production
    cfg.setdefault("MAX_CONTENT_LENGTH", 1024 * 1024)  # no request of ours needs more
    cfg["_DEV_WARNINGS"] = [] if production or read_only else warnings
    return cfg


def limiter_keys(cfg: dict) -> dict:
    """Flask-Limiter's keys, derived from the table (a test or an embedding app may still
    set one of them in the overrides)."""
    return {
        # the shared store, so every worker and instance counts the same attempts
        "RATELIMIT_STORAGE_URI": cfg["REDIS_URL"] or "memory://",
        # No X-RateLimit-* headers: they cost every limited request a second store round
        # trip (the window's stats); a 429 still says Retry-After (errors.retry_after).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis down must not turn every limited request into a 500: count in process
        # memory until Redis answers again, and never let a limiter failure fail a request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
    }


def log_dev_warnings(cfg: dict, logger: logging.Logger) -> None:
    """ONE warning line naming every development default in use (none in production)."""
    lines = cfg.get("_DEV_WARNINGS", [])
    if lines:
        logger.warning(
            "development defaults (instance folder %s): %s", cfg["INSTANCE_PATH"], "; ".join(lines)
        )

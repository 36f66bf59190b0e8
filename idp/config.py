"""One settings table for the IdP, read from ``IDP_*`` env vars inside ``create_app``.

Every embedded default works with zero setup and logs one warning line; ``IDP_ENV=production``
refuses the unsafe ones (SQLite, no Redis, missing secrets, a non-https issuer).
"""

import logging

from webcommon import captcha
from webcommon.captcha import GOOGLE_VERIFY_URL, TEST_SITE_KEY
from webcommon.settings import (
    LOG_FORMAT,
    ConfigError,
    Setting,
    choice,
    finish,
    infrastructure_problems,
    limiter_keys,
    read_table,
)
from webcommon.settings import log_dev_warnings as _log_dev_warnings

from .domain.lockout import LockoutPolicy

log = logging.getLogger("idp.config")
__all__ = ["SETTINGS", "ConfigError", "Setting", "load_settings", "log_dev_warnings"]


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "IDP_ENV", "development", "development | production"),
    Setting("ISSUER", "IDP_ISSUER", "http://127.0.0.1:5000", "issuer URL (browser-facing)"),
    Setting("PORT", "IDP_PORT", 5000, "port of `flask run`/launcher", int),
    Setting(
        "DATABASE_URL",
        "IDP_DATABASE_URL",
        None,
        "SQLAlchemy URL (PostgreSQL in production)",
        dev_warning="IDP_DATABASE_URL not set: using SQLite under instance/",
    ),
    Setting(
        "REDIS_URL",
        "IDP_REDIS_URL",
        None,
        "redis:// URL of the shared store",
        dev_warning="IDP_REDIS_URL not set: in-process store (single process only)",
    ),
    Setting(
        "SECRET_KEY",
        "IDP_SECRET_KEY",
        None,
        "cookie/CSRF signing secret",
        dev_warning="IDP_SECRET_KEY not set: generated one kept in instance/",
    ),
    Setting(
        "ADMIN_TOKEN",
        "IDP_ADMIN_TOKEN",
        None,
        "bearer token of the admin/simulation API",
        dev_warning="IDP_ADMIN_TOKEN not set: generated one kept in instance/",
    ),
    Setting("SUBJECT_SALT", "IDP_SUBJECT_SALT", None, "salt of the opaque `sub` values"),
    Setting("CLIENTS_FILE", "IDP_CLIENTS_FILE", None, "JSON/YAML file of clients loaded at start"),
    Setting("ACCESS_TOKEN_TTL", "IDP_ACCESS_TOKEN_TTL", 600, "access token life (s)", int),
    Setting("ID_TOKEN_TTL", "IDP_ID_TOKEN_TTL", 600, "ID token life (s)", int),
    Setting("REFRESH_TOKEN_TTL", "IDP_REFRESH_TOKEN_TTL", 86400 * 14, "refresh life (s)", int),
    Setting("CODE_TTL", "IDP_CODE_TTL", 60, "authorization code life (s)", int),
    Setting("SESSION_TTL", "IDP_SESSION_TTL", 8 * 3600, "SSO session life (s)", int),
    Setting("LOGIN_CHALLENGE_TTL", "IDP_LOGIN_TTL", 1800, "life of a pending login page (s)", int),
    Setting(
        "KEY_LEAD_SECONDS",
        "IDP_KEY_LEAD_SECONDS",
        300,
        "a rotated key is published this long before it signs",
        int,
    ),
    Setting(
        "LOCKOUT_THRESHOLD",
        "IDP_LOCKOUT_THRESHOLD",
        5,
        "failed logins on one account from one source (address) that lock that source out "
        "of that account",
        int,
    ),
    Setting(
        "LOCKOUT_SECONDS",
        "IDP_LOCKOUT_SECONDS",
        900,
        "lockout duration, and the window of the per-source count (s)",
        int,
    ),
    Setting(
        "LOCKOUT_CAPTCHA_AFTER",
        "IDP_LOCKOUT_CAPTCHA_AFTER",
        3,
        "failed logins on one account (any source) after which the SOL form asks for a captcha",
        int,
    ),
    Setting(
        "LOCKOUT_ACCOUNT_THRESHOLD",
        "IDP_LOCKOUT_ACCOUNT_THRESHOLD",
        50,
        "failed logins on one account from every source within the window that lock the "
        "account (must be out of one source's reach)",
        int,
    ),
    Setting(
        "LOCKOUT_ACCOUNT_WINDOW",
        "IDP_LOCKOUT_ACCOUNT_WINDOW",
        3600,
        "window of the per-account count (s)",
        int,
    ),
    Setting(
        "RECAPTCHA_BACKEND",
        "IDP_RECAPTCHA_BACKEND",
        "offline",
        "captcha of the login form: recaptcha (siteverify) | offline (local widget) | test",
    ),
    Setting("RECAPTCHA_SITE_KEY", "IDP_RECAPTCHA_SITE_KEY", TEST_SITE_KEY, "reCAPTCHA v2 site key"),
    Setting(
        "RECAPTCHA_SECRET_KEY",
        "IDP_RECAPTCHA_SECRET_KEY",
        None,
        "reCAPTCHA v2 secret (default: Google's test secret)",
    ),
    Setting(
        "RECAPTCHA_VERIFY_URL",
        "IDP_RECAPTCHA_VERIFY_URL",
        GOOGLE_VERIFY_URL,
        "siteverify endpoint",
    ),
    Setting("RECAPTCHA_TIMEOUT", "IDP_RECAPTCHA_TIMEOUT", 5.0, "timeout of siteverify (s)", float),
    Setting("LOGIN_RATE_LIMIT", "IDP_LOGIN_RATE_LIMIT", "30/minute", "login POSTs per IP"),
    Setting(
        "PROXY_HOPS",
        "IDP_PROXY_HOPS",
        0,
        "trusted reverse proxies in front of the IdP: the client address (lockout source, "
        "per-IP limits) is then read from X-Forwarded-For",
        int,
    ),
    Setting(
        "PROFILE_DELAY_SECONDS",
        "IDP_PROFILE_DELAY_SECONDS",
        0,
        "delay before modified profiles take effect (s)",
        int,
    ),
    Setting(
        "BACKCHANNEL_TIMEOUT",
        "IDP_BACKCHANNEL_TIMEOUT",
        3.0,
        "timeout of each back-channel logout POST (s)",
        float,
    ),
    Setting(
        "SIM_TIMEOUT_SECONDS",
        "IDP_SIM_TIMEOUT_SECONDS",
        30.0,
        "how long the simulated `timeout` outage hangs before its 503 (s, at most 120)",
        float,
    ),
    Setting(
        "ALLOW_SIMULATION",
        "IDP_ALLOW_SIMULATION",
        False,
        "with IDP_ENV=production, turn the outage and rp-fault simulators on (off otherwise)",
        bool,
    ),
    Setting(
        "METRICS_TOKEN",
        "IDP_METRICS_TOKEN",
        None,
        "bearer token of /metrics for non-loopback callers (open on loopback)",
    ),
    Setting(
        "METRICS_ENABLED",
        "IDP_METRICS_ENABLED",
        True,
        "count and time requests for /metrics (false: bench comparison only)",
        bool,
    ),
    LOG_FORMAT,
    Setting("INSTANCE_PATH", "IDP_INSTANCE_PATH", None, "folder for SQLite, keys, secrets"),
    Setting(
        "ARGON2_PROFILE",
        "IDP_ARGON2_PROFILE",
        "default",
        "argon2id cost: default (OWASP: 19 MiB, t=2, p=1) | rfc9106 (64 MiB, t=3, p=4) | "
        "fast (tests only)",
        choice("default", "rfc9106", "fast"),
    ),
    Setting(
        "ITP_LABEL",
        "IDP_ITP_LABEL",
        "Instituto Tecnológico de la Producción",
        "display name of the ITP registry",
    ),
)


def load_settings(overrides: dict | None = None, environ=None) -> dict:
    """Read the table from the environment, apply overrides, fill and check defaults."""
    cfg, warnings = read_table(SETTINGS, overrides, environ)
    cfg = finish(
        cfg,
        warnings,
        check_production=_check_production,
        sqlite_name="idp.sqlite3",
        cookie_name="sol_session",
        generated_secrets=(
            ("SECRET_KEY", "idp_secret_key"),
            ("ADMIN_TOKEN", "idp_admin_token"),
            ("SUBJECT_SALT", "idp_subject_salt"),
        ),
    )
    cfg["ISSUER"] = cfg["ISSUER"].rstrip("/")
    cfg["WTF_CSRF_TIME_LIMIT"] = cfg["LOGIN_CHALLENGE_TTL"]
    for key, value in limiter_keys(cfg).items():  # the login forms' rates
        cfg.setdefault(key, value)
    return cfg


def _check_production(cfg: dict) -> None:
    problems = infrastructure_problems(cfg, "IDP", ("SECRET_KEY", "ADMIN_TOKEN", "SUBJECT_SALT"))
    if cfg["METRICS_ENABLED"] and not cfg["METRICS_TOKEN"]:
        problems.append("IDP_METRICS_TOKEN is required (bearer token of /metrics)")
    if not cfg["ISSUER"].startswith("https://"):
        problems.append("IDP_ISSUER must be https")
    if cfg["ARGON2_PROFILE"] not in ("default", "rfc9106"):
        problems.append("IDP_ARGON2_PROFILE must be 'default' or 'rfc9106'")
    problems += captcha.check_production_login(
        str(cfg["RECAPTCHA_BACKEND"]).strip().lower(), cfg["RECAPTCHA_SECRET_KEY"]
    )
    if lockout_policy(cfg).single_source_can_lock_account():
        problems.append(
            "IDP_LOCKOUT_ACCOUNT_THRESHOLD must be out of one source's reach (more than "
            "IDP_LOCKOUT_THRESHOLD per IDP_LOCKOUT_SECONDS over IDP_LOCKOUT_ACCOUNT_WINDOW)"
        )
    if problems:
        raise ConfigError("production settings refused: " + "; ".join(problems))


def lockout_policy(cfg) -> LockoutPolicy:
    """The login lockout policy of these settings (``idp.domain.lockout``)."""
    return LockoutPolicy(
        max_failures=int(cfg["LOCKOUT_THRESHOLD"]),
        window_seconds=int(cfg["LOCKOUT_SECONDS"]),
        lock_seconds=int(cfg["LOCKOUT_SECONDS"]),
        captcha_after=int(cfg["LOCKOUT_CAPTCHA_AFTER"]),
        account_max_failures=int(cfg["LOCKOUT_ACCOUNT_THRESHOLD"]),
        account_window_seconds=int(cfg["LOCKOUT_ACCOUNT_WINDOW"]),
    )


def log_dev_warnings(cfg: dict) -> None:
    """One warning line per development default in use."""
    _log_dev_warnings(cfg, log)

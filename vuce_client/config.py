"""One settings table for VUCE, read from ``VUCE_*`` env vars inside ``create_app``.

Every embedded default works with zero setup and logs one warning line; ``VUCE_ENV=production``
refuses the unsafe ones (SQLite, no Redis, missing secrets, a non-https issuer, default client
secrets). The Flask keys of the extensions are derived from the table here too (SQLAlchemy and
cookies in ``webcommon.settings.finish``, Flask-Limiter in ``webcommon.settings.limiter_keys``):
nothing else sets configuration.
"""

from __future__ import annotations

import logging

from webcommon.captcha import GOOGLE_VERIFY_URL, TEST_SITE_KEY
from webcommon.settings import (
    LOG_FORMAT,
    ConfigError,
    Setting,
    finish,
    infrastructure_problems,
    limiter_keys,
    read_table,
)
from webcommon.settings import log_dev_warnings as _log_dev_warnings

from .domain.contingency import ContingencyMode

log = logging.getLogger("vuce_client.config")
__all__ = ["COMPONENTS", "SETTINGS", "ConfigError", "Setting", "load_settings", "log_dev_warnings"]

# The three components of the manuals ([S1]): key → (URL prefix, display name, default client id).
COMPONENTS = {
    "MR": ("/mr", "Mercancías Restringidas", "vuce-mr"),
    "ORIGEN": ("/origen", "Origen", "vuce-origen"),
    "GA": ("/ga", "Gestión de Autorizaciones", "vuce-ga"),
}


_BASE: tuple[Setting, ...] = (
    Setting("ENV", "VUCE_ENV", "development", "development | production"),
    Setting("BASE_URL", "VUCE_BASE_URL", "http://127.0.0.1:5001", "VUCE's own public URL"),
    Setting("PORT", "VUCE_PORT", 5001, "port of `flask run`/launcher", int),
    Setting(
        "DATABASE_URL",
        "VUCE_DATABASE_URL",
        None,
        "SQLAlchemy URL (PostgreSQL in production)",
        dev_warning="VUCE_DATABASE_URL not set: using SQLite under instance/",
    ),
    Setting(
        "REDIS_URL",
        "VUCE_REDIS_URL",
        None,
        "redis:// URL of the shared store",
        dev_warning="VUCE_REDIS_URL not set: in-process store (single process only)",
    ),
    Setting(
        "SECRET_KEY",
        "VUCE_SECRET_KEY",
        None,
        "cookie/CSRF signing secret",
        dev_warning="VUCE_SECRET_KEY not set: generated one kept in instance/",
    ),
    Setting(
        "ADMIN_TOKEN",
        "VUCE_ADMIN_TOKEN",
        None,
        "bearer token of the VUCE admin API",
        dev_warning="VUCE_ADMIN_TOKEN not set: generated one kept in instance/",
    ),
    Setting(
        "IDP_ISSUER",
        "VUCE_IDP_ISSUER",
        "http://127.0.0.1:5000",
        "issuer of the SOL IdP (browser-facing)",
    ),
    Setting(
        "IDP_INTERNAL_URL",
        "VUCE_IDP_INTERNAL_URL",
        None,
        "back-channel base URL of the IdP (default: the issuer)",
    ),
    Setting("IDP_TIMEOUT", "VUCE_IDP_TIMEOUT", 5.0, "timeout of every call to the IdP (s)", float),
    Setting("DISCOVERY_TTL", "VUCE_DISCOVERY_TTL", 3600, "discovery document cache (s)", int),
    # under the IdP's key lead (IDP_KEY_LEAD_SECONDS, 300): a rotated key is known here before
    # it signs, so no token (a back-channel logout least of all) waits on a JWKS refetch
    Setting(
        "JWKS_TTL",
        "VUCE_JWKS_TTL",
        240,
        "JWKS cache (s), under the IdP's key lead; refetched once on unknown kid",
        int,
    ),
    Setting("SESSION_TTL", "VUCE_SESSION_TTL", 8 * 3600, "VUCE session life (s)", int),
    Setting("CLOCK_LEEWAY", "VUCE_CLOCK_LEEWAY", 60, "allowed clock skew on tokens (s)", int),
    Setting("TERMS_VERSION", "VUCE_TERMS_VERSION", "2024-01", "version of the Condiciones"),
    Setting(
        "REQUIRE_PRINCIPAL_FOR_ALL",
        "VUCE_REQUIRE_PRINCIPAL_FOR_ALL",
        False,
        "check 6 for every secondary user (Q3)",
        bool,
    ),
    Setting(
        "LAB_REGISTRY_NAME",
        "VUCE_LAB_REGISTRY_NAME",
        "ITP",
        "display name of the laboratory registry (Q17)",
    ),
    Setting(
        "PADRON_CLIENT",
        "VUCE_PADRON_CLIENT",
        "MR",
        "component whose client (grant client_credentials, scope padron) calls the padrón",
    ),
    Setting(
        "METRICS_TOKEN",
        "VUCE_METRICS_TOKEN",
        None,
        "bearer token of /metrics for non-loopback callers (open on loopback)",
    ),
    Setting(
        "METRICS_ENABLED",
        "VUCE_METRICS_ENABLED",
        True,
        "count and time requests for /metrics",
        bool,
    ),
    LOG_FORMAT,
    Setting("INSTANCE_PATH", "VUCE_INSTANCE_PATH", None, "folder for SQLite and secrets"),
    Setting("MAIL_SERVER", "MAIL_SERVER", "127.0.0.1", "SMTP host (Flask-Mail)"),
    Setting("MAIL_PORT", "MAIL_PORT", 1025, "SMTP port (Flask-Mail)", int),
    Setting("MAIL_USE_TLS", "MAIL_USE_TLS", False, "STARTTLS", bool),
    Setting("MAIL_USERNAME", "MAIL_USERNAME", None, "SMTP user"),
    Setting("MAIL_PASSWORD", "MAIL_PASSWORD", None, "SMTP password"),
    Setting(
        "MAIL_DEFAULT_SENDER",
        "MAIL_DEFAULT_SENDER",
        "VUCE <notificaciones@vuce.gob.pe>",
        "From: of VUCE e-mails",
    ),
    Setting("MAIL_MAX_ATTEMPTS", "VUCE_MAIL_MAX_ATTEMPTS", 8, "send attempts per e-mail", int),
    # Contingency (domain.md §7–8).
    Setting(
        "CONTINGENCY_MODE",
        "VUCE_CONTINGENCY",
        "manual",
        "contingency: off | manual (operator switch) | auto (follows the IdP)",
    ),
    Setting(
        "LINK_TTL_SECONDS",
        "VUCE_LINK_TTL_SECONDS",
        600,
        "life of the e-mailed one-time link (s)",
        int,
    ),
    Setting(
        "CONTINGENCY_SESSION_TTL",
        "VUCE_CONTINGENCY_SESSION_TTL",
        3600,
        "longest life of a session opened by a contingency link (s); it also ends when "
        "contingency switches off",
        int,
    ),
    Setting(
        "CONTINGENCY_FAILURES",
        "VUCE_CONTINGENCY_FAILURES",
        3,
        "auto: failed IdP probes in a row that switch contingency on",
        int,
    ),
    Setting(
        "CONTINGENCY_RECOVERIES",
        "VUCE_CONTINGENCY_RECOVERIES",
        2,
        "auto: good IdP probes in a row that switch it off",
        int,
    ),
    Setting(
        "IDP_PROBE_INTERVAL",
        "VUCE_IDP_PROBE_INTERVAL",
        5.0,
        "auto: seconds between IdP health probes",
        float,
    ),
    Setting(
        "IDP_PROBE_TIMEOUT", "VUCE_IDP_PROBE_TIMEOUT", 2.0, "auto: timeout of one probe (s)", float
    ),
    Setting(
        "IDP_PROBE_ENABLED",
        "VUCE_IDP_PROBE",
        True,
        "auto: run the periodic probe in this process (false where no page is served: the mail "
        "worker, migrations)",
        bool,
    ),
    Setting(
        "CONTINGENCY_RATE_IP",
        "VUCE_CONTINGENCY_RATE_IP",
        "20 per minute;200 per hour",
        "contingency form submissions per IP",
    ),
    Setting(
        "CONTINGENCY_RATE_ACCOUNT",
        "VUCE_CONTINGENCY_RATE_ACCOUNT",
        "5 per 10 minutes",
        "contingency link e-mails per account (extra requests get the same page, no e-mail)",
    ),
    Setting(
        "CONTINGENCY_MIN_RESPONSE_MS",
        "VUCE_CONTINGENCY_MIN_RESPONSE_MS",
        250,
        "flat answer time of the form (no account enumeration)",
        int,
    ),
    Setting(
        "RECAPTCHA_BACKEND",
        "RECAPTCHA_BACKEND",
        "offline",
        "recaptcha (siteverify) | offline (local widget) | test (token PASSED)",
    ),
    Setting("RECAPTCHA_SITE_KEY", "RECAPTCHA_SITE_KEY", TEST_SITE_KEY, "reCAPTCHA v2 site key"),
    Setting(
        "RECAPTCHA_SECRET_KEY",
        "RECAPTCHA_SECRET_KEY",
        None,
        "reCAPTCHA v2 secret (default: Google's test secret)",
    ),
    Setting(
        "RECAPTCHA_VERIFY_URL", "RECAPTCHA_VERIFY_URL", GOOGLE_VERIFY_URL, "siteverify endpoint"
    ),
    Setting("RECAPTCHA_TIMEOUT", "RECAPTCHA_TIMEOUT", 5.0, "timeout of siteverify (s)", float),
)


def _component_settings() -> tuple[Setting, ...]:
    out = []
    for comp, (_prefix, name, default_id) in COMPONENTS.items():
        out.append(
            Setting(
                f"CLIENT_ID_{comp}",
                f"VUCE_CLIENT_ID_{comp}",
                default_id,
                f"OIDC client id of {name}",
            )
        )
        out.append(
            Setting(
                f"CLIENT_SECRET_{comp}",
                f"VUCE_CLIENT_SECRET_{comp}",
                f"{default_id}-dev-secret",
                f"OIDC client secret of {name}",
                dev_warning=f"VUCE_CLIENT_SECRET_{comp} not set: development secret",
            )
        )
    return tuple(out)


SETTINGS: tuple[Setting, ...] = _BASE + _component_settings()


def load_settings(overrides: dict | None = None, environ=None) -> dict:
    """Read the table from the environment, apply overrides, fill and check defaults."""
    cfg, warnings = read_table(SETTINGS, overrides, environ)
    cfg = finish(
        cfg,
        warnings,
        check_production=_check_production,
        sqlite_name="vuce.sqlite3",
        cookie_name="vuce_session",
        generated_secrets=(("SECRET_KEY", "vuce_secret_key"), ("ADMIN_TOKEN", "vuce_admin_token")),
    )
    cfg["CONTINGENCY_MODE"] = ContingencyMode.parse(cfg["CONTINGENCY_MODE"]).value
    for key, value in limiter_keys(cfg).items():
        cfg.setdefault(key, value)
    cfg["IDP_ISSUER"] = cfg["IDP_ISSUER"].rstrip("/")
    cfg["IDP_INTERNAL_URL"] = (cfg["IDP_INTERNAL_URL"] or cfg["IDP_ISSUER"]).rstrip("/")
    cfg["BASE_URL"] = cfg["BASE_URL"].rstrip("/")
    return cfg


def _check_production(cfg: dict) -> None:
    problems = infrastructure_problems(cfg, "VUCE", ("SECRET_KEY", "ADMIN_TOKEN"))
    if not cfg["IDP_ISSUER"].startswith("https://"):
        problems.append("VUCE_IDP_ISSUER must be https")
    if cfg["METRICS_ENABLED"] and not cfg["METRICS_TOKEN"]:
        problems.append("VUCE_METRICS_TOKEN is required (bearer token of /metrics)")
    if not cfg["BASE_URL"].startswith("https://"):
        problems.append("VUCE_BASE_URL must be https")
    for comp in COMPONENTS:
        secret = cfg[f"CLIENT_SECRET_{comp}"] or ""
        if secret.endswith("-dev-secret") or len(secret) < 16:
            problems.append(f"VUCE_CLIENT_SECRET_{comp} must be set (16+ characters)")
    if problems:
        raise ConfigError("production settings refused: " + "; ".join(problems))


def log_dev_warnings(cfg: dict) -> None:
    """One warning line per development default in use."""
    _log_dev_warnings(cfg, log)

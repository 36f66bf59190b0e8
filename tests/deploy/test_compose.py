"""docker-compose.yml is valid and production-shaped (no Docker engine runs here).

Debian's ``docker-compose config`` validates the file offline when it is installed; the rest is
checked in Python: services, health checks, ``depends_on`` conditions, no inlined secrets, the
issuer set apart from the back channel, and the apps' own production checks accept what the
file configures.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
REF = re.compile(r"\$\{([A-Z0-9_]+)(:?[-?])([^}]*)\}")
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|SALT")
CONDITIONS = {"service_healthy", "service_completed_successfully"}
ONE_SHOT = {"idp-init", "vuce-init"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def required_vars() -> set[str]:
    return {m.group(1) for m in REF.finditer(COMPOSE.read_text()) if m.group(2) == ":?"}


def sample(name: str) -> str:
    if name.endswith(("ISSUER", "BASE_URL")):
        return f"https://{name.lower().replace('_', '-')}.example.pe"
    return f"{name.lower()}-" + "x" * 32


def interpolate(value: str, env: dict[str, str]) -> str:
    def sub(m):
        name, op, arg = m.groups()
        return env.get(name) or (arg if op.endswith("-") else sample(name))

    return REF.sub(sub, str(value))


def test_services_and_images(compose):
    services = compose["services"]
    assert {"idp", "vuce", "postgres", "redis", "mail", "vuce-mail-worker"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "mailpit" in services["mail"]["image"]
    for name in ("idp", "vuce"):
        command = " ".join(services[name]["command"])
        assert command.startswith("granian --interface wsgi --factory ")
        assert ":serve_app " in command
    assert (ROOT / "Dockerfile").exists() and (ROOT / "deploy/postgres-init.sql").exists()


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, svc in compose["services"].items():
        if name in ONE_SHOT or name == "vuce-mail-worker":
            continue
        test = svc.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no healthcheck"


def test_depends_on_waits_for_health_or_completion(compose):
    services = compose["services"]
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on needs conditions"
        for dep, spec in deps.items():
            assert spec.get("condition") in CONDITIONS, f"{name} → {dep}"
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits on {dep}'s health"
            else:
                assert dep in ONE_SHOT
    assert services["vuce"]["depends_on"]["idp"]["condition"] == "service_healthy"
    assert services["idp"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_no_secret_is_inlined(compose):
    for name, svc in compose["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            value = str(value)
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]*\}", value), f"{name}.{key}"
            if "://" in value and "@" in value:  # a URL with credentials
                assert "${POSTGRES_PASSWORD:?" in value, f"{name}.{key}"
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()


def test_issuer_and_back_channel_are_set_apart(compose):
    env = compose["services"]["vuce"]["environment"]
    assert env["VUCE_IDP_ISSUER"].startswith("${IDP_ISSUER:?")
    assert env["VUCE_IDP_INTERNAL_URL"] == "http://idp:5000"
    assert compose["services"]["idp"]["environment"]["IDP_ISSUER"] == env["VUCE_IDP_ISSUER"]


def test_the_apps_accept_the_production_settings_of_the_file(compose, tmp_path):
    """What compose passes satisfies IDP_ENV/VUCE_ENV=production (https, PostgreSQL, Redis…)."""
    from idp.config import load_settings as idp_settings
    from vuce_client.config import load_settings as vuce_settings
    from webcommon import captcha

    shared: dict[str, str] = {}
    idp_env = {
        k: interpolate(v, shared) for k, v in compose["services"]["idp"]["environment"].items()
    }
    vuce_env = {
        k: interpolate(v, shared) for k, v in compose["services"]["vuce"]["environment"].items()
    }
    cfg = idp_settings({"INSTANCE_PATH": str(tmp_path)}, environ=idp_env)
    assert cfg["ENV"] == "production" and cfg["DATABASE_URL"].startswith("postgresql")
    cfg = vuce_settings({"INSTANCE_PATH": str(tmp_path)}, environ=vuce_env)
    assert cfg["ENV"] == "production" and cfg["IDP_ISSUER"] == idp_env["IDP_ISSUER"]
    assert (
        captcha.check_production(vuce_env["RECAPTCHA_BACKEND"], vuce_env["RECAPTCHA_SECRET_KEY"])
        == []
    )
    # each app gets its own database (one shared one works too: test_one_database.py)
    assert idp_env["IDP_DATABASE_URL"].rsplit("/", 1)[1] == "idp"
    assert vuce_env["VUCE_DATABASE_URL"].rsplit("/", 1)[1] == "vuce"
    assert "CREATE DATABASE vuce" in (ROOT / "deploy/postgres-init.sql").read_text()


def test_idp_init_prints_the_clients_vuce_expects(compose, tmp_path, capsys, monkeypatch):
    """`vuce-sol clients` (run by idp-init) turns the compose env into VUCE's registrations."""
    from launcher import cli

    env = {k: interpolate(v, {}) for k, v in compose["services"]["idp-init"]["environment"].items()}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["clients", "--instance", str(tmp_path)]) == 0
    clients = json.loads(capsys.readouterr().out)["clients"]
    assert {c["client_id"] for c in clients} == {"vuce-mr", "vuce-origen", "vuce-ga"}
    mr = next(c for c in clients if c["client_id"] == "vuce-mr")
    assert mr["secret"] == env["VUCE_CLIENT_SECRET_MR"]
    assert mr["redirect_uris"] == [f"{env['VUCE_BASE_URL']}/mr/callback"]


def _compose_bin() -> str | None:
    return shutil.which("docker-compose")


@pytest.mark.skipif(
    not _compose_bin(),
    reason="docker-compose not installed "
    "(apt-get install -y docker-compose); the Python checks above still ran",
)
def test_docker_compose_config_validates_offline(tmp_path):
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    missing = subprocess.run(
        [_compose_bin(), "-f", str(COMPOSE), "config", "-q"],
        env=base,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr + missing.stdout
    env = dict(base, **{name: sample(name) for name in required_vars()})
    ok = subprocess.run(
        [_compose_bin(), "-f", str(COMPOSE), "config"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    rendered = yaml.safe_load(ok.stdout)
    assert rendered["services"]["vuce"]["environment"]["VUCE_ENV"] == "production"

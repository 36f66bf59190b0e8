"""The operators' monitoring files: Prometheus scrapes both apps with their tokens, Grafana's
dashboard uses only metrics the apps export, both run under the `monitoring` profile."""

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.support.metrics import names

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana-dashboard.json"
METRIC = re.compile(r"\b((?:sol|vuce)_[a-z0-9_]+)\b")
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _family(sample_name: str) -> str:
    for suffix in SUFFIXES:
        if sample_name.endswith(suffix):
            return sample_name[: -len(suffix)]
    return sample_name


def _dashboard_metrics() -> set[str]:
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    assert exprs
    return {m for expr in exprs for m in METRIC.findall(expr)}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> set[str]:
    """Every metric family on both apps' /metrics pages (a counter with no sample yet is
    still named by its HELP line)."""
    from flask_migrate import upgrade

    from idp import create_app as idp_app
    from vuce_client import create_app as vuce_app

    tmp = tmp_path_factory.mktemp("monitoring")
    found: set[str] = set()
    for factory, extra in ((idp_app, {}), (vuce_app, {"IDP_PROBE_ENABLED": False})):
        app = factory({"INSTANCE_PATH": str(tmp / factory.__module__), "TESTING": True, **extra})
        with app.app_context():
            upgrade()  # the scrape-time gauges read their tables
        page = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
        found |= names(page.get_data(as_text=True))
    return found


def test_every_metric_the_dashboard_uses_is_exported(exported):
    used = _dashboard_metrics()
    missing = {m for m in used if _family(m) not in exported}
    assert not missing, f"the dashboard uses metrics no app exports: {sorted(missing)}"
    for wanted in (  # the panels the issue asks for
        "sol_logins_total",
        "sol_tokens_issued_total",
        "sol_http_request_duration_seconds_bucket",
        "vuce_entry_denials_total",
        "vuce_contingency_active",
        "vuce_outbox_depth",
    ):
        assert wanted in used, wanted


def test_the_check_would_catch_a_misspelt_metric(exported):
    assert _family("sol_logins_totl") not in exported
    assert _family("sol_logins_total") in exported


def test_prometheus_scrapes_both_apps_with_their_tokens():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"sol-idp", "vuce"}
    assert jobs["sol-idp"]["static_configs"][0]["targets"] == ["idp:5000"]
    assert jobs["vuce"]["static_configs"][0]["targets"] == ["vuce:5001"]
    for job in jobs.values():
        assert job["metrics_path"] == "/metrics"
        assert job["authorization"]["type"] == "Bearer"


def test_monitoring_services_run_under_their_profile_only():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"], name
    assert all(
        "profiles" not in svc for n, svc in services.items() if n not in ("prometheus", "grafana")
    )
    prometheus = services["prometheus"]
    assert "./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    entry = " ".join(prometheus["entrypoint"])
    for job in yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())["scrape_configs"]:
        assert job["authorization"]["credentials_file"] in entry  # written from the env
    assert (
        "./deploy/grafana-dashboard.json:/var/lib/grafana/dashboards/vuce-sol.json:ro"
        in (services["grafana"]["volumes"])
    )
    for name in ("idp", "vuce", "vuce-mail-worker"):
        assert services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/run/metrics"

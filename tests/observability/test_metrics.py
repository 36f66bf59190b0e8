"""/metrics on both apps: who may read it, what the IdP counts on its back-channel endpoints,
the fixed endpoint labels, and the multiprocess mode that adds up every worker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.metrics import names, value
from webcommon import metrics as common

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "m" * 40


@pytest.fixture(params=["idp", "vuce"])
def app(request, tmp_path):
    settings = {"INSTANCE_PATH": str(tmp_path), "TESTING": True, "METRICS_TOKEN": TOKEN}
    if request.param == "idp":
        from idp import create_app
    else:
        from vuce_client import create_app

        settings["IDP_PROBE_ENABLED"] = False
    return create_app(settings)


def _get(app, addr: str, auth: str | None = None):
    headers = {"Authorization": auth} if auth else {}
    return app.test_client().get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": addr})


def test_open_on_loopback_token_elsewhere(app):
    for addr in ("127.0.0.1", "::1"):
        ok = _get(app, addr)
        assert ok.status_code == 200 and ok.mimetype == "text/plain"
    refused = _get(app, "10.1.2.3")
    assert refused.status_code == 401 and refused.json["error"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert _get(app, "10.1.2.3", "Bearer wrong-token").status_code == 401
    assert _get(app, "10.1.2.3", f"Basic {TOKEN}").status_code == 401
    assert _get(app, "10.1.2.3", f"Bearer {TOKEN}").status_code == 200
    assert app.test_client().post("/metrics").status_code == 405


def test_without_a_token_only_loopback_reads(tmp_path):
    from idp import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True})
    assert _get(app, "10.1.2.3", "Bearer ").status_code == 401
    assert _get(app, "127.0.0.1").status_code == 200


def test_every_family_of_each_app_is_on_its_page(app):
    page = _get(app, "127.0.0.1").get_data(as_text=True)
    prefix = "sol_" if app.import_name == "idp" else "vuce_"
    module = sys.modules[f"{app.import_name}.metrics"]
    for metric in module.ALL:
        assert metric._name in names(page)
    assert all(n.startswith(prefix) for n in names(page))


@pytest.mark.parametrize("which", ["idp", "vuce"])
def test_production_refuses_to_start_without_a_metrics_token(which, tmp_path):
    from scripts import config_table

    if which == "idp":
        from idp.config import ConfigError, load_settings

        env, var = dict(config_table.IDP_PRODUCTION), "IDP_METRICS_TOKEN"
    else:
        from vuce_client.config import ConfigError, load_settings

        env, var = dict(config_table.VUCE_PRODUCTION), "VUCE_METRICS_TOKEN"
    load_settings({"INSTANCE_PATH": str(tmp_path)}, environ=env)  # complete: accepted
    env.pop(var)
    with pytest.raises(ConfigError, match=var):
        load_settings({"INSTANCE_PATH": str(tmp_path)}, environ=env)


def test_endpoint_labels_are_a_fixed_set():
    from idp.metrics import endpoint_of as idp_endpoint
    from vuce_client.metrics import endpoint_of as vuce_endpoint

    paths = ["/token", "/x/../token", "/api/v1/taxpayers/20123456786", "/%00", "/" + "a" * 500]
    paths += [f"/random/{i}" for i in range(50)]
    assert {idp_endpoint(p) for p in paths} <= {"token", "api", "other"}
    assert idp_endpoint("/jwks") == "jwks" and idp_endpoint("/userinfo") == "userinfo"
    vuce = {vuce_endpoint(p) for p in [*paths, "/mr/callback", "/ga/x/y", "/origen/"]}
    assert vuce <= {"api", "other", "component_callback", "component"}
    assert vuce_endpoint("/mr/callback") == "component_callback"


def _idp_page(idp) -> str:
    return requests.get(f"{idp.url}/metrics", timeout=10).text


def test_idp_counts_tokens_errors_userinfo_and_introspection(idp):
    secret = idp.register_client(
        "metrics-rp",
        secret="metrics-rp-secret-0123456789",
        redirect_uris=["http://127.0.0.1:9/cb"],
        grant_types=["client_credentials"],
        scope="padron",
    )
    before = _idp_page(idp)
    token = idp.client_credentials("metrics-rp", secret, "padron")["access_token"]
    bad = requests.post(
        f"{idp.url}/token",
        data={"grant_type": "client_credentials"},
        auth=("metrics-rp", "not-the-secret"),
        timeout=10,
    )
    assert bad.status_code == 401
    assert (
        requests.get(f"{idp.url}/userinfo", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    for candidate in (token, "not-a-token"):
        requests.post(
            f"{idp.url}/introspect",
            data={"token": candidate},
            auth=("metrics-rp", secret),
            timeout=10,
        )
    after = _idp_page(idp)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert (
        grew("sol_tokens_issued_total", grant_type="client_credentials", client="metrics-rp") == 1
    )
    assert grew("sol_token_errors_total", error="invalid_client") == 1
    assert grew("sol_userinfo_requests_total", result="invalid_token") == 1
    assert grew("sol_introspection_requests_total", result="active") == 1
    assert grew("sol_introspection_requests_total", result="inactive") == 1
    assert grew("sol_http_request_duration_seconds_count", endpoint="token") == 2
    assert grew("sol_http_request_duration_seconds_count", endpoint="metrics") == 0  # not timed
    assert value(after, "sol_outage_mode", mode="none") == 1
    assert value(after, "sol_rp_faults_armed") == 0


def test_disabled_metrics_count_nothing(tmp_path):
    from idp import create_app
    from idp import metrics as idp_metrics

    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True, "METRICS_ENABLED": False})
    try:
        # the series are the process's: a path that live servers of other tests (relying
        # parties fetching discovery and JWKS in the background) never ask for
        series = idp_metrics.LATENCY.labels("revoke")
        before = series._sum.get()
        assert app.test_client().get("/revoke").status_code == 405
        idp_metrics.count_login("ok")
        assert series._sum.get() == before
    finally:
        idp_metrics.ON[0] = True


WORKER = """
from idp import metrics
metrics.TOKENS.labels("client_credentials", "rp-a").inc()
metrics.LATENCY.labels("token").observe(0.002)
"""
READER = """
from idp import metrics
from prometheus_client import generate_latest
from webcommon.metrics import build_registry
print(generate_latest(build_registry(metrics.ALL)).decode())
"""


def _scrape_in_another_process(env) -> str:
    run = subprocess.run(
        [sys.executable, "-c", READER], env=env, cwd=ROOT, capture_output=True, text=True
    )
    run.check_returncode()
    return run.stdout


def test_multiprocess_mode_adds_up_every_worker(tmp_path):
    """Two worker processes count into PROMETHEUS_MULTIPROC_DIR; a third serves the sum."""
    folder = common.reset_dir(tmp_path / "metrics" / "idp")
    (folder / "stale_from_a_previous_run.db").write_bytes(b"x")
    folder = common.reset_dir(folder)  # the launcher empties it at each start
    assert list(folder.iterdir()) == []
    env = {**os.environ, common.ENV_DIR: str(folder), "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, cwd=ROOT)
    page = _scrape_in_another_process(env)
    assert value(page, "sol_tokens_issued_total", client="rp-a") == 2
    assert value(page, "sol_http_request_duration_seconds_count", endpoint="token") == 2


def test_the_launcher_gives_each_app_its_own_emptied_folder(tmp_path):
    from launcher.cli import make_plan, metrics_folders

    plan = make_plan(str(tmp_path / "inst"), environ={})
    old = tmp_path / "inst" / "metrics" / "idp" / "counter_123.db"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"old run")
    folders = metrics_folders(plan)
    idp_dir = Path(folders["idp"][common.ENV_DIR])
    vuce_dir = Path(folders["vuce"][common.ENV_DIR])
    assert idp_dir != vuce_dir and idp_dir.is_dir() and vuce_dir.is_dir()
    assert not old.exists()


def test_a_worker_file_not_sized_yet_does_not_break_the_scrape(tmp_path):
    """A worker creates its file, then sizes it: a scrape in between used to answer 500."""
    folder = common.reset_dir(tmp_path / "metrics" / "idp")
    env = {**os.environ, common.ENV_DIR: str(folder), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, cwd=ROOT)
    (folder / "gauge_livesum_4242.db").write_bytes(b"")  # created, not yet sized
    page = _scrape_in_another_process(env)
    assert value(page, "sol_tokens_issued_total", client="rp-a") == 1

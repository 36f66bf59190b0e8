"""``serve_app``, the factory every server command names: the app as ``create_app`` builds
it, with the objects built so far frozen out of the garbage collector's sight
(webcommon.serving). Each check runs in a fresh interpreter: freezing is for the process."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
module = __import__(sys.argv[1])
before = gc.get_freeze_count()
app = module.serve_app()
client = app.test_client()
print(json.dumps({
    "before": before,
    "frozen": gc.get_freeze_count(),
    "objects": len(gc.get_objects()),
    "health": client.get("/healthz").status_code,
    "app_visible": any(o is app for o in gc.get_objects()),
}))
"""


@pytest.mark.parametrize("module", ["idp", "vuce_client"])
def test_serve_app_freezes_what_was_built_and_serves(module, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "IDP_INSTANCE_PATH": str(tmp_path / "idp"),
        "VUCE_INSTANCE_PATH": str(tmp_path / "vuce"),
        "IDP_ENV": "development",
        "VUCE_ENV": "development",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["before"] == 0
    # the modules, the app and its extensions: tens of thousands of objects
    assert seen["frozen"] > 20_000
    assert seen["objects"] < seen["frozen"]  # a full collection walks only what came after
    assert seen["app_visible"] is False  # the app itself is among the frozen
    assert seen["health"] == 200


def test_on_pypy_settle_sets_the_jit_limits_instead_of_freezing(monkeypatch):
    """PyPy has no ``gc.freeze`` (its collector moves objects and needs none); its JIT needs
    longer traces than its defaults allow for a request through Flask (webcommon.serving)."""
    import types

    from webcommon import serving

    params = []
    monkeypatch.setattr(serving, "pypyjit", types.SimpleNamespace(set_param=params.append))
    monkeypatch.setattr(serving.gc, "freeze", lambda: pytest.fail("froze on PyPy"))
    app = object()
    assert serving.settle(app) is app
    assert params == [serving.PYPY_JIT]
    assert "trace_limit=" in serving.PYPY_JIT

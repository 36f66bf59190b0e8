"""docs/architecture.md names real code: every `room/module.name` it cites exists."""

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
# `oidc/authorize.py`, `domain/accounts.check_can_create`, `webcommon/security.require_bearer`
REF = re.compile(
    r"`((?:idp/|vuce_client/|webcommon/)?[a-z_]+/[a-z_]+)(?:\.py)?(?:\.([A-Za-z_]+))?`"
)
APPS = ("idp", "vuce_client")


def _exists(path: str, name: str) -> bool:
    """A path with its package, or a room of either app's section (``services/tokens``)."""
    package = path.split("/")[0]
    candidates = [path] if package in (*APPS, "webcommon") else [f"{a}/{path}" for a in APPS]
    for candidate in candidates:
        try:
            module = importlib.import_module(candidate.replace("/", "."))
        except ModuleNotFoundError:
            continue
        if not name or hasattr(module, name):
            return True
    return False


def test_every_cited_module_and_name_exists():
    refs = [
        r for r in REF.findall(DOC.read_text(encoding="utf-8")) if r[0].split("/")[0] != "tests"
    ]
    assert len(refs) > 20
    missing = [f"{path}.{name}".rstrip(".") for path, name in refs if not _exists(path, name)]
    assert not missing, f"docs/architecture.md cites code that does not exist: {missing}"

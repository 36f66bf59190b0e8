"""The layers stay honest (style.md): checked by parsing imports with ``ast``, not by importing.

- ``peru_ids`` is a leaf: standard library only.
- ``idp/domain`` and ``vuce_client/domain`` are pure: no web framework, ORM, store, OAuth or HTTP
  library; ``idp/domain`` also reaches nothing else of ``idp`` (storage, services would drag
  SQLAlchemy and Flask in).
- ``vuce_client`` never imports ``idp``: the two apps share only the protocol.

Directories that do not exist yet are skipped.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN_IN_DOMAIN = {
    "flask",
    "sqlalchemy",
    "flask_sqlalchemy",
    "redis",
    "authlib",
    "requests",
    "werkzeug",
}


def _package_of(path: Path) -> str:
    """The dotted package a module file belongs to (used to resolve relative imports)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    else:
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(package: str, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    base = package.split(".")
    if level - 1 > len(base):
        return "<beyond top-level>"
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module the file imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.module, node.level)
            found.add(base)
            if node.module is None:
                # "from . import x" may import the submodule x.
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            # Dynamic imports with a literal name count too.
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def _files(relative: str) -> list[Path]:
    directory = ROOT / relative
    if not directory.is_dir():
        pytest.skip(f"{relative}/ does not exist yet")
    return sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)


def _top(name: str) -> str:
    return name.split(".")[0]


def _violations(files: list[Path], bad) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in sorted(imported_modules(path))
        if bad(name)
    ]


def test_peru_ids_imports_only_the_standard_library():
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    files = _files("peru_ids")
    assert not _violations(files, lambda n: _top(n) not in stdlib and _top(n) != "peru_ids")


@pytest.mark.parametrize("package", ["idp/domain", "vuce_client/domain"])
def test_domain_layers_import_no_framework(package):
    files = _files(package)
    assert not _violations(files, lambda n: _top(n) in FORBIDDEN_IN_DOMAIN)


def test_idp_domain_reaches_nothing_else_of_idp():
    files = _files("idp/domain")
    outside = _violations(
        files, lambda n: _top(n) == "idp" and n != "idp" and not n.startswith("idp.domain")
    )
    assert not outside


def test_vuce_client_never_imports_idp():
    files = _files("vuce_client")
    assert not _violations(files, lambda n: _top(n) == "idp")


# --- the checker itself ---


def test_checker_sees_every_import_form(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    pkg = tmp_path / "idp" / "domain"
    pkg.mkdir(parents=True)
    module = pkg / "bad.py"
    module.write_text(
        "import flask\n"
        "import sqlalchemy.orm as orm\n"
        "from redis import Redis\n"
        "from ..storage import db\n"
        "from . import errors\n"
        "import importlib\n"
        "importlib.import_module('authlib.jose')\n"
        "def f():\n"
        "    import werkzeug\n",
        encoding="utf-8",
    )
    found = imported_modules(module)
    assert {"flask", "sqlalchemy.orm", "redis", "idp.storage", "idp.domain.errors"} <= found
    assert {"authlib.jose", "werkzeug", "importlib"} <= found

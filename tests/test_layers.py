"""The layers stay honest (style.md): checked by parsing imports with ``ast``, not by importing.

- ``peru_ids`` is a leaf: standard library only.
- ``idp/domain`` and ``vuce_client/domain`` are pure: no web framework, ORM, store, OAuth or HTTP
  library; ``idp/domain`` also reaches nothing else of ``idp`` (storage, services would drag
  SQLAlchemy and Flask in).
- ``vuce_client`` never imports ``idp``: the two apps share only the protocol.
- The import graph of the whole tree has no circle, function-local imports included (a late
  import hides a circle from Python, not from this test).
- In each app ``web`` imports only downward: no other room (domain, storage, services, oidc…)
  imports ``web``; only the app factory (``<app>/__init__.py``) wires the blueprints in.
- The IdP's rooms import downward: domain < metrics, config, storage < services < oidc < web <
  the factory, CLI and test handle (IDP_ROOMS; the exceptions, with their reason, listed).
- ``idp``, ``vuce_client`` and ``webcommon`` import at module level: a function-local import is
  allowed only for an optional heavy dependency, listed in LATE_IMPORTS_ALLOWED with its reason.

Directories that do not exist yet are skipped.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
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


# --- the import graph of the tree ---

TREE = ("idp", "vuce_client", "webcommon", "kvstore", "peru_ids", "launcher")
APPS = ("idp", "vuce_client")

# Imports (importer, imported) the circle check skips, and imports of ``web`` from outside it
# other than the app factory's: none (issue 14 removed the last ones). An entry whose import is
# gone fails test_allow_lists_name_only_imports_that_exist.
KNOWN_CIRCLE_IMPORTS: set[tuple[str, str]] = set()
KNOWN_UPWARD_IMPORTS: set[tuple[str, str]] = set()


def module_of(path: Path) -> str:
    """The dotted module name of a file (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _tree_modules() -> dict[str, Path]:
    return {
        module_of(path): path
        for package in TREE
        for path in sorted((ROOT / package).rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _import_targets(node: ast.AST, package: str) -> Iterator[tuple[str, bool]]:
    """(name, exact) pairs of one import node; exact names are ``from x import y`` members
    that are a submodule when ``x.y`` is one (else the import is of ``x``)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, False
    elif isinstance(node, ast.ImportFrom):
        base = _resolve(package, node.module, node.level)
        for alias in node.names:
            yield f"{base}.{alias.name}", True
        yield base, False


def import_edges(path: Path, modules) -> dict[str, int]:
    """The modules of the tree that this file imports, anywhere in it (module level, inside
    functions, ``import_module`` with a literal name), each with the line of its first import.

    ``import a.b.c`` and ``from a.b import c`` point at ``a.b.c`` when that is a module of the
    tree (else at the nearest enclosing one); the parent packages are not counted, as in
    import-linter: ``a/__init__.py`` is a module like any other.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(path)
    edges: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            targets = list(_import_targets(node, package))
            members = [name for name, exact in targets if exact and name in modules]
            if isinstance(node, ast.ImportFrom):
                # "from x import a, b": the submodules named, and x itself for any other name
                names_only_modules = len(members) == len(node.names)
                targets = [(n, e) for n, e in targets if e or not names_only_modules]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            targets = [(node.args[0].value, False)]
        else:
            continue
        for name, exact in targets:
            if exact and name not in modules:
                continue
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module_of(path):
                edges.setdefault(name, node.lineno)
    return edges


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return (
        name in ("import_module", "__import__")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def import_graph() -> dict[str, dict[str, int]]:
    """importer -> {imported: line} over every module of TREE."""
    modules = _tree_modules()
    return {name: import_edges(path, modules) for name, path in modules.items()}


def find_circle(graph: dict[str, dict[str, int]], skip=frozenset()) -> list[str] | None:
    """One circle of the graph as [a, b, …, a], or None (iterative DFS, sorted for a stable
    report)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if (path[-1], nxt) in skip or nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def _describe(circle: list[str], graph) -> str:
    modules = _tree_modules()
    steps = [
        f"  {a} -> {b}  ({modules[a].relative_to(ROOT)}:{graph[a][b]})"
        for a, b in zip(circle, circle[1:], strict=False)
    ]
    return "import circle:\n" + "\n".join(steps)


def test_the_import_graph_has_no_circle():
    graph = import_graph()
    circle = find_circle(graph, skip=KNOWN_CIRCLE_IMPORTS)
    assert circle is None, _describe(circle, graph)


@pytest.mark.parametrize("app", APPS)
def test_web_imports_only_downward(app):
    """Nothing of the app but its factory imports ``web``: domain, storage, services, oidc
    and the rest sit below the views."""
    graph = import_graph()
    web = f"{app}.web"
    upward = [
        f"{importer} -> {imported} (line {line})"
        for importer, imports in sorted(graph.items())
        if importer.split(".")[0] == app and importer != app
        if importer != web and not importer.startswith(web + ".")
        for imported, line in sorted(imports.items())
        if imported == web or imported.startswith(web + ".")
        if (importer, imported) not in KNOWN_UPWARD_IMPORTS
    ]
    assert not upward, "imports of web from below it:\n" + "\n".join(upward)


# The IdP's rooms, lowest first: a module imports its own room or lower ones only. metrics (the
# counters) and config sit just above the pure domain; the factory, the CLI, the test handle and
# the migrations wire everything together on top.
IDP_ROOMS = {
    "domain": 0,
    "metrics": 1,
    "config": 1,
    "storage": 1,
    "services": 2,
    "oidc": 3,
    "web": 4,
}
IDP_TOP = 5  # idp/__init__.py (create_app), cli*, testing, demo, migrations
# (importer, imported) -> why this import goes up a room
IDP_UPWARD_ALLOWED = {
    ("idp.services.rp_faults", "idp.oidc.faults"): "the RP test bench applies the protocol "
    "layer's fault catalogue to what it arms",
    ("idp.services.rp_faults", "idp.oidc.keys"): "the key_rotation fault publishes a key made "
    "like the ring's",
}


def idp_room(module: str) -> int:
    parts = module.split(".")
    return IDP_ROOMS.get(parts[1], IDP_TOP) if len(parts) > 1 else IDP_TOP


def test_idp_rooms_import_downward():
    """domain < metrics, config, storage < services < oidc < web < factory, CLI, testing."""
    graph = import_graph()
    upward = [
        f"{importer} -> {imported} (line {line})"
        for importer, imports in sorted(graph.items())
        if importer.split(".")[0] == "idp"
        for imported, line in sorted(imports.items())
        if imported.split(".")[0] == "idp" and idp_room(imported) > idp_room(importer)
        if (importer, imported) not in IDP_UPWARD_ALLOWED
    ]
    assert not upward, "imports up a room of the IdP:\n" + "\n".join(upward)


# (module, imported) -> why the import waits for the function that needs it
LATE_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {}


def late_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import statement inside a function of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(path)
    found = []
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    found += [(node.lineno, alias.name) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    found.append((node.lineno, _resolve(package, node.module, node.level)))
    return sorted(set(found))


@pytest.mark.parametrize("package", ["idp", "vuce_client", "webcommon"])
def test_imports_wait_for_no_function(package):
    late = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in _files(package)
        for line, name in late_imports(path)
        if (module_of(path), name) not in LATE_IMPORTS_ALLOWED
    ]
    assert not late, "function-local imports (import at module level):\n" + "\n".join(late)


def test_allow_lists_name_only_imports_that_exist():
    """A removed import takes its allow-list entry with it (no blanket exemptions)."""
    graph = import_graph()
    listed = KNOWN_CIRCLE_IMPORTS | KNOWN_UPWARD_IMPORTS | set(IDP_UPWARD_ALLOWED)
    stale = sorted((a, b) for a, b in listed if b not in graph.get(a, {}))
    assert not stale, f"remove these entries, the imports are gone: {stale}"


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


def test_checker_finds_a_circle_hidden_in_a_function(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    pkg = tmp_path / "idp" / "services"
    pkg.mkdir(parents=True)
    (tmp_path / "idp" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a.py").write_text("from . import b\n", encoding="utf-8")
    (pkg / "b.py").write_text("def late():\n    from .a import thing\n", encoding="utf-8")
    (pkg / "c.py").write_text("from idp.services import a, b\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "TREE", ("idp",))
    graph = import_graph()
    assert graph["idp.services.c"] == {"idp.services.a": 1, "idp.services.b": 1}
    assert find_circle(graph) == ["idp.services.a", "idp.services.b", "idp.services.a"]
    assert "idp/services/b.py:2" in _describe(find_circle(graph), graph)
    assert late_imports(pkg / "b.py") == [(2, "idp.services.a")]
    assert find_circle(graph, skip={("idp.services.b", "idp.services.a")}) is None


MAX_FUNCTION_LINES = 80


def test_no_function_is_over_80_lines():
    """A function that does one thing fits on a screen (issue 14); migrations aside."""
    long = []
    for package in ("idp", "vuce_client", "webcommon", "kvstore", "launcher", "peru_ids"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        where = path.relative_to(ROOT)
                        long.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "\n".join(long)

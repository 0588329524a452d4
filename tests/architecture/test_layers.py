"""The import layers of docs/architecture.md, checked from the code's own imports.

- ``gateway/mws/`` (the sans-I/O protocol layer) imports only the standard library,
  third-party packages and ``gateway.mws.*``;
- under ``gateway/translate/``, the engine imports no section, and a section imports the engine
  and the layers below, never another section;
- no import cycle anywhere under ``gateway/`` (the emulator included).

``if TYPE_CHECKING:`` imports are type annotations only and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"
TRANSLATE = "gateway.translate."


def _module(path: Path) -> str:
    parts = path.relative_to(GATEWAY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module(p): p for p in GATEWAY.rglob("*.py")}
GRAPH = {
    name: {i for i in _imports(path, name) if i in MODULES and i != name}
    for name, path in MODULES.items()
}
ALL_IMPORTS = {name: _imports(path, name) for name, path in MODULES.items()}


def _home(module: str) -> str | None:
    """The translate/ home a module belongs to: ``engine``, a section's name, or None."""
    if not module.startswith(TRANSLATE):
        return None
    return module[len(TRANSLATE) :].split(".")[0]


def test_the_protocol_layer_imports_nothing_above_it() -> None:
    wrong = sorted(
        f"{name} -> {imported}"
        for name, imported_set in ALL_IMPORTS.items()
        if name.startswith("gateway.mws")
        for imported in imported_set
        if imported.split(".")[0] == "gateway" and not imported.startswith("gateway.mws")
    )
    assert wrong == []


def test_the_engine_imports_no_section_and_no_section_another() -> None:
    assert {_home(m) for m in MODULES} >= {"engine", "orders", "reports", "feeds"}
    wrong = []
    for name, deps in GRAPH.items():
        mine = _home(name)
        if mine is None:
            continue
        for dep in deps:
            theirs = _home(dep)
            if theirs is None or theirs == mine or theirs == "engine":
                continue
            wrong.append(f"{name} -> {dep}")
    assert wrong == []


def test_no_import_cycle_under_gateway() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_checker_sees_imports() -> None:
    """The graph is not empty by accident: known edges are found."""
    assert "gateway.translate.engine.call" in GRAPH["gateway.translate.orders"]
    assert "gateway.mws.errors" in GRAPH["gateway.pipeline"]

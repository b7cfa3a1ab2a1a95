"""core/ has no import cycle, computed here from the source (import-linter's acyclic
contract checks the same in CI; this one needs nothing but the standard library)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[3] / "core"


def import_graph(package: Path) -> dict[str, set[str]]:
    """module → the modules of the same package it imports (TYPE_CHECKING ones included)."""
    name = package.name
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        module = f"{name}.{path.stem}"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == name:
                    found |= {f"{name}.{alias.name}" for alias in node.names}
                elif node.module.startswith(f"{name}."):
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith(f"{name}.")}
        graph[module] = found - {module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for nxt in sorted(graph.get(module, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_core_has_no_import_cycle() -> None:
    graph = import_graph(CORE)
    assert "core.ports" in graph and "core.sync" in graph
    assert find_cycle(graph) is None


def test_ports_import_only_values() -> None:
    """Ports are Protocols over values: a use case imported here would make a cycle."""
    use_cases = {"core.sync", "core.apply", "core.confirmation", "core.order_book"}
    assert not import_graph(CORE)["core.ports"] & use_cases


def test_the_cycle_finder_finds_the_cycle_core_once_had() -> None:
    # ports → sync (under TYPE_CHECKING) while sync → services → ports.
    graph = {
        "core.ports": {"core.sync"},
        "core.sync": {"core.services"},
        "core.services": {"core.ports", "core.rules"},
        "core.rules": set(),
    }
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]
    assert set(cycle) == {"core.ports", "core.sync", "core.services"}


def test_every_core_module_has_its_place_in_the_layers() -> None:
    """A module left out of the layers contract would be checked by nothing."""
    import tomllib

    config = tomllib.loads((CORE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    [layers] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    listed = {
        name.strip() for layer in layers["layers"] for name in layer.replace("|", ":").split(":")
    }
    modules = {f"core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__"}
    assert modules - listed == set()

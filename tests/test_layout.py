"""The package's shape, as a newcomer reads it: short modules, and data flowing one way
through the pipeline (load → validate → catalogue → plan → render → links → write), each step
importing only from the steps before it, none knowing whether ``serve`` runs it."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ocopsite"
PIPELINE = ["load", "validate", "catalogue", "plan", "render", "links", "write"]
MAX_LINES = 400


def imports(module: str) -> set[str]:
    """The package's modules that ``module`` imports, directly."""
    found = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ocopsite."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "ocopsite":
            found.update(alias.name for alias in node.names if (PACKAGE / f"{alias.name}.py").exists())
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("ocopsite."))
    return found


def graph() -> dict[str, set[str]]:
    return {path.stem: imports(path.stem) for path in sorted(PACKAGE.glob("*.py"))}


def reached(module: str, edges: dict[str, set[str]]) -> set[str]:
    """Every module ``module`` imports, directly or through others."""
    seen: set[str] = set()
    todo = list(edges[module])
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(edges.get(current, ()))
    return seen


def test_no_module_is_over_400_lines() -> None:
    long = {path.name: n for path in PACKAGE.glob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules: {long}"


def test_imports_go_one_way() -> None:
    graphlib.TopologicalSorter(graph()).prepare()  # raises CycleError on a cycle


def test_each_step_imports_only_from_the_steps_before_it() -> None:
    edges = graph()
    for number, step in enumerate(PIPELINE):
        later = set(PIPELINE[number + 1:]) & reached(step, edges)
        assert not later, f"{step} reaches {sorted(later)}, which come after it"


def test_no_step_knows_whether_serve_runs_it() -> None:
    edges = graph()
    knowing = {module for module in edges if {"serve", "cli"} & reached(module, edges)}
    assert knowing <= {"__main__", "cli"}, f"{sorted(knowing - {'__main__', 'cli'})} import serve or cli"

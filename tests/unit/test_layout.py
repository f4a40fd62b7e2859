"""The architecture, as the code's own imports show it (docs/architecture.md): no import cycles,
the core below the service, the batch and the CLI, the library independent of its deployment
folder, and command modules that never import the CLI package back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "grader"
# The pure core and what it is built from: none of it may import the layers built on it.
CORE = {
    "grader.models",
    "grader.observations",
    "grader.judge",
    "grader.scoring",
    "grader.reports",
    "grader.integrity",
    "grader.packs",
    "grader.taskspec",
    "grader.submissions",
    "grader.settings",
    "grader.salt",
    "grader.catalog",
    "grader.versions",
}
LAYERS = ("grader.service", "grader.batch", "grader.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in GRADER.rglob("*.py")}


def imported(path: Path) -> set[str]:
    """Every module an import statement names, at any depth (lazy imports count too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def graph() -> dict[str, set[str]]:
    return {m: {i for i in imported(p) if i in MODULES and i != m} for m, p in MODULES.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_there_are_no_import_cycles():
    assert cycles(graph()) == []


def test_cycles_would_be_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_library_never_imports_its_deployment_folder():
    offenders = {m for m, p in MODULES.items() if any(i == "workers" or i.startswith("workers.") for i in imported(p))}
    assert offenders == set()


@pytest.mark.parametrize("module", sorted(CORE))
def test_the_core_imports_no_layer_built_on_it(module):
    assert module in MODULES, f"{module} moved: update CORE and docs/architecture.md"
    above = {i for i in imported(MODULES[module]) if i.startswith(LAYERS)}
    assert above == set()


def test_the_service_and_the_batch_do_not_import_the_cli():
    for m, p in MODULES.items():
        if m.startswith(("grader.service", "grader.batch")):
            assert not {i for i in imported(p) if i.startswith("grader.cli")}, m


def test_command_modules_import_only_the_shared_cli_helpers():
    for m, p in MODULES.items():
        if m.startswith("grader.cli.") and m != "grader.cli.common":
            back = {i for i in imported(p) if i.startswith("grader.cli") and not i.startswith("grader.cli.common")}
            assert back == set(), f"{m} imports {back}"


def test_the_harness_imports_only_itself_and_the_standard_library():
    """It runs inside the sandbox, beside the candidate: nothing of the grader's may be there."""
    for m, p in MODULES.items():
        if m.startswith("grader.harness"):
            ours = {i for i in imported(p) if i.startswith("grader") and not i.startswith("grader.harness")}
            assert ours == set(), f"{m} imports {ours}"


def test_tests_share_helpers_through_tests_support_only():
    """A test module never imports another test module or a conftest: what tests share lives in
    tests/support/ (fixtures there are plugins loaded by tests/conftest.py)."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                last = name.rsplit(".", 1)[-1]
                if name.startswith("tests.") and (last.startswith("test_") or last == "conftest"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []

"""Geography is data: at run time nothing imports the set builder, and no module names a
fixed projected CRS (the frame comes from the geofence set in force)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
RUNTIME = ("stream", "simulators", "geofences")
BUILD_ONLY = ("geofences.build", "geofences.stretches")


def _modules() -> list[Path]:
    return [p for pkg in RUNTIME for p in sorted((ROOT / pkg).rglob("*.py"))]


def _build_time(path: Path) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    return rel == "geofences/build.py" or rel.startswith("geofences/stretches/")


def _imports(tree: ast.AST) -> list[tuple[str, ast.AST, list[ast.AST]]]:
    """(module imported, import node, enclosing function nodes) for every import."""
    found: list[tuple[str, ast.AST, list[ast.AST]]] = []

    def visit(node: ast.AST, stack: list[ast.AST]) -> None:
        if isinstance(node, ast.Import):
            found.extend((a.name, node, stack) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node, stack))
            found.extend((f"{node.module}.{a.name}", node, stack) for a in node.names)
        inner = [*stack, node] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
            else stack
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, [])
    return found


def test_only_the_build_command_imports_the_set_builder() -> None:
    offenders = []
    for path in _modules():
        if _build_time(path):
            continue
        for name, node, funcs in _imports(ast.parse(path.read_text())):
            if not name.startswith(BUILD_ONLY):
                continue
            rel = path.relative_to(ROOT).as_posix()
            in_build_command = rel == "stream/cli/geofences.py" and any(
                getattr(f, "name", "") == "build" for f in funcs)
            if not in_build_command:
                offenders.append(f"{rel}:{getattr(node, 'lineno', '?')} imports {name}")
    assert offenders == []


def test_the_checker_sees_a_top_level_and_a_lazy_import() -> None:
    tree = ast.parse("import geofences.build\ndef f():\n    from geofences import build\n")
    names = [(n, len(f)) for n, _, f in _imports(tree)]
    assert ("geofences.build", 0) in names and ("geofences.build", 1) in names


def _docstring_lines(tree: ast.AST) -> set[int]:
    """Lines of docstrings (their examples may show a set's chosen CRS)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            out.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return out


FIXED = re.compile(r"EPSG:?\s*32[67]\d\d|\b31\.33|cos\(31|0\.853\b|\b31\s*\+\s*20\s*/\s*60")


def test_no_runtime_module_names_a_fixed_projected_crs_or_the_arizona_latitude() -> None:
    hits = []
    for path in _modules():
        if _build_time(path):
            continue
        text = path.read_text()
        docs = _docstring_lines(ast.parse(text))
        hits += [f"{path.relative_to(ROOT)}:{i}" for i, line in enumerate(text.splitlines(), 1)
                 if i not in docs and FIXED.search(line)]
    assert hits == []


def test_the_pattern_catches_what_it_should() -> None:
    assert all(FIXED.search(s) for s in ('"EPSG:32612"', "lat = 31.3333", "* 0.853  #",
                                         "31 + 20 / 60"))

"""Imports go one way: web and handlers → services → models; the LINE side never imports the
services, and services know nothing of Flask's request."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (package whose modules are checked, prefixes they must never import)
RULES = [
    ("islandos/models", ("islandos.services", "islandos.web", "islandos.line", "handlers",
                         "islandos.features", "flask")),
    ("islandos/services", ("islandos.web", "handlers", "islandos.features", "islandos.cli",
                           "flask")),
    ("islandos/line", ("islandos.services", "islandos.web", "handlers", "islandos.features",
                       "islandos.cli")),
    ("handlers", ("islandos.web", "islandos.features", "islandos.cli", "flask")),
]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("package", "forbidden"), RULES, ids=[rule[0] for rule in RULES])
def test_imports_go_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"no modules found under {package}"
    wrong = [f"{path.relative_to(ROOT)} imports {name}"
             for path in modules for name in sorted(_imports(path))
             if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden)]
    assert wrong == []

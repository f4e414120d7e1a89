"""Every library the package (and the test suite) imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

import pytest

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]


def _imported(folder: str) -> set[str]:
    """The top-level names of third-party modules imported anywhere under `folder`."""
    names: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"newsletter", "tests", "tools", "bench"}


def _declared(*requirements: list[str]) -> set[str]:
    """Normalised distribution names of requirement strings (`PyStemmer>=2.2; …` → pystemmer)."""
    names = set()
    for requirement in (r for group in requirements for r in group):
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert name, requirement
        names.add(re.sub(r"[-_.]+", "-", name.group(0)).lower())
    return names


@pytest.mark.parametrize(
    ("folder", "groups"),
    [("newsletter", ("dependencies",)), ("tests", ("dependencies", "test"))],
)
def test_every_imported_library_is_declared(folder, groups):
    """Each third-party module imported under the folder comes from a declared distribution."""
    extras = PROJECT["optional-dependencies"]
    declared = _declared(*(PROJECT[g] if g == "dependencies" else extras[g] for g in groups))
    providers = importlib.metadata.packages_distributions()
    missing = {
        module: providers.get(module, ["(not installed)"])
        for module in sorted(_imported(folder))
        if not {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(module, [])} & declared
    }
    assert not missing, f"imported under {folder}/ but not declared in pyproject: {missing}"

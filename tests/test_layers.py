"""The import contracts cover the whole package: every top-level module and package of
`newsletter` has its place in a layer of .importlinter (docs/architecture.md, "Layers")."""

from __future__ import annotations

import configparser
import re

from tests.conftest import ROOT


def test_every_module_and_package_is_in_a_layer():
    """A new top-level module or package must be given a layer, or the contract skips it."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"]
    named = set(re.findall(r"newsletter\.(\w+)", layers))
    package = ROOT / "newsletter"
    present = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    present |= {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert present - named == set(), "add these to a layer in .importlinter"
    assert named - present == set(), "these in .importlinter no longer exist"

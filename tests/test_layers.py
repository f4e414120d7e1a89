"""The import contracts cover the whole package: every top-level module and package of
`newsletter` has its place in a layer of .importlinter (docs/architecture.md, "Layers")."""

from __future__ import annotations

import ast
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


def _module_graph() -> dict[str, set[str]]:
    """Every module of `newsletter` and the modules it imports, wherever the import sits
    (inside functions too); imports for type checking only are left out."""
    modules = {}
    for path in (ROOT / "newsletter").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"))
        type_only = {
            id(node)
            for block in tree.body
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                # `from package import submodule` depends on the submodule only
                subs = [f"{node.module}.{alias.name}" for alias in node.names]
                targets = [s for s in subs if s in modules] or [node.module]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back():
    """No import cycle between modules, counting imports inside functions."""
    assert _cycles(_module_graph()) == []


def _function_level_imports() -> dict[str, list[set[str]]]:
    """{file under newsletter/ (outside cli/): each import statement inside a function, as the
    modules it may name: `import a.b` {a.b}; `from X import a` {X, X.a} (a may be a module)}."""
    found: dict[str, list[set[str]]] = {}
    for path in sorted((ROOT / "newsletter").rglob("*.py")):
        where = path.relative_to(ROOT / "newsletter").as_posix()
        if where.startswith("cli/"):
            continue
        for function in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found.setdefault(where, []).extend({a.name} for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = {f"{node.module}.{a.name}" for a in node.names}
                    found.setdefault(where, []).append({node.module} | names)
    return found


def _listed_imports() -> list[tuple[list[str], list[str]]]:
    """The rows of docs/architecture.md's "Imports inside functions" table: (where, imports),
    each cell's `backticked` names (a file or folder of newsletter/; a module as imported, or
    an internal module's file)."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    section = text.split("## Imports inside functions", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) < 2:
            continue
        rows.append((re.findall(r"`([^`]+)`", cells[0]), re.findall(r"`([^`]+)`", cells[1])))
    return rows


def _in_place(where: str, place: str) -> bool:
    return where == place or (place.endswith("/") and where.startswith(place))


def _names_module(token: str, module: str) -> bool:
    """Does a listed name stand for this imported module?  `premailer` for premailer and
    premailer.x; `render/templates.py` or `templates.py` for newsletter.render.templates."""
    if token.endswith(".py") or token.endswith("/"):
        if not module.startswith("newsletter."):
            return False
        path = module.removeprefix("newsletter.").replace(".", "/")
        as_file = f"/{path}.py"
        return (
            as_file.endswith(f"/{token}")
            or f"/{path}/__init__.py".endswith(f"/{token}")
            or (token.endswith("/") and f"/{path}/".startswith(f"/{token}"))
        )
    return module == token or module.startswith(f"{token}.")


def test_every_import_inside_a_function_is_listed_with_its_cost():
    """An import inside a function outside cli/ must be in docs/architecture.md's table (which
    says what it costs and who is spared), and every name the table lists is still so imported."""
    found = _function_level_imports()
    rows = _listed_imports()

    def listed(where: str, statement: set[str]) -> bool:
        return any(
            any(_in_place(where, p) for p in places)
            and any(_names_module(t, m) for t in tokens for m in statement)
            for places, tokens in rows
        )

    unlisted = sorted(
        f"{where}: {min(statement, key=len)}"
        for where, statements in found.items()
        for statement in statements
        if not listed(where, statement)
    )
    assert unlisted == [], "list these in docs/architecture.md with their cost, or hoist them"
    stale = [
        f"{', '.join(places)}: {token}"
        for places, tokens in rows
        if not all(p.startswith("cli/") for p in places)
        for token in tokens
        if not any(
            _names_module(token, module)
            for where, statements in found.items()
            if any(_in_place(where, p) for p in places)
            for statement in statements
            for module in statement
        )
    ]
    stale += [
        place
        for places, tokens in rows
        for place in places
        if not place.startswith("cli/")
        and not any(
            _names_module(t, m)
            for where, statements in found.items()
            if _in_place(where, place)
            for statement in statements
            for m in statement
            for t in tokens
        )
    ]
    assert stale == [], "no longer imported inside a function there: take them out of the table"

"""Which heavy modules a `newsletter` command imports: for the tests that hold a model (the
embedding, the part-of-speech tagger) to the commands that rank or title, and never to
check, send, bounces or serve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# `module:function`, a name that counts as loaded once the module's cached function has run:
# what a module reads on first use (the tagger's weights), not on import.
_LOADED = """
def loaded(name):
    module, _, cached = name.partition(":")
    if not cached or module not in sys.modules:
        return module in sys.modules
    return getattr(sys.modules[module], cached).cache_info().currsize > 0
"""

# Runs `newsletter ARGS…` and, at exit, reports which of the named modules were imported.
_REPORTING_CLI = (
    """
import atexit, json, sys
names = json.loads(sys.argv[1])
"""
    + _LOADED
    + """
def report():
    sys.stderr.write("LOADED " + json.dumps([n for n in names if loaded(n)]) + "\\n")
atexit.register(report)
sys.argv = ["newsletter", *sys.argv[2:]]
from newsletter.cli import main
main()
"""
)

_SERVE_MODULES = "import newsletter.cli.serve, newsletter.serve.app, newsletter.serve.runner"


def loaded_by(
    args: Sequence[str], cwd: Path, names: Sequence[str], *, measured: bool = True
) -> list[str]:
    """The modules of `names` that `newsletter ARGS…`, run in `cwd`, imported.  With
    `measured` false the process runs without `make test`'s coverage, which keeps its data in
    SQLite (and so loads sqlite3 into every process it measures)."""
    env = None
    if not measured:
        hooks = ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG")
        env = {k: v for k, v in os.environ.items() if k not in hooks}
    done = subprocess.run(
        [sys.executable, "-c", _REPORTING_CLI, json.dumps(list(names)), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    line = next((x for x in done.stderr.splitlines() if x.startswith("LOADED ")), None)
    assert line is not None, done.stderr
    return list(json.loads(line.removeprefix("LOADED ")))


def loaded_by_the_other_commands(workspace: Path, names: Sequence[str]) -> dict[str, list[str]]:
    """For check, send --dry-run, bounces and serve (its imports, and `serve --help`) on the
    workspace's first built issue: the modules of `names` each imported (none expected)."""
    issue = next((workspace / "issues").iterdir())
    (workspace / "empty.mbox").write_text("", "utf-8")
    found = {
        " ".join(args): loaded_by(args, workspace, names)
        for args in (
            ["check", str(issue)],
            ["send", str(issue), "--dry-run"],
            ["bounces", "process", "empty.mbox"],
            ["serve", "--help"],
        )
    }
    code = (
        f"import json, sys; {_SERVE_MODULES}\n{_LOADED}\n"
        f"print(json.dumps([n for n in {list(names)!r} if loaded(n)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    found["serve's modules"] = json.loads(done.stdout)
    return found

"""What a cold `newsletter build` loads: a build of a workspace that has sent nothing fetches
nothing and opens no database, so the modules for those stay unloaded (docs/benchmarks.md,
the cold build's budget)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.lazy_imports import loaded_by

ROOT = Path(__file__).resolve().parent.parent

# Modules a build of the sample must not load, and who would have loaded each.
NOT_LOADED = {
    "urllib.request": "cssutils, only to fetch an @import (premailer never lets it)",
    "http.client": "urllib.request's",
    "ssl": "urllib.request's",
    "importlib.metadata": "cssutils, only to name its version to a server it fetches from",
    "requests": "premailer, only to fetch a remote style sheet",
    "sqlite3": "the delivery journal and the unsubscribe key, with no newsletter.db yet",
    "newsletter.subscribers.backends": "the delivery journal on a database server",
}


def test_a_build_of_the_sample_loads_no_fetching_and_no_database(tmp_path):
    """`newsletter build seeds/` in a fresh copy of the sample builds the issue without
    importing urllib.request, ssl, importlib.metadata, requests or sqlite3."""
    shutil.copy(ROOT / "newsletter.toml", tmp_path / "newsletter.toml")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    args = ["build", "seeds/", "--date", "2026-11-26"]
    loaded = loaded_by(args, tmp_path, list(NOT_LOADED), measured=False)  # coverage: sqlite3
    assert (tmp_path / "issues" / "2026-W48" / "index.html").is_file()
    assert {name: NOT_LOADED[name] for name in loaded} == {}


# cssutils' own calls through the stand-ins, in a process that had imported neither module
_THROUGH_THE_STAND_INS = """
import sys
import newsletter.render.premailer_import
assert "urllib.request" not in sys.modules and "importlib.metadata" not in sys.modules
import cssutils
from cssutils import _fetch
print(cssutils.Replacer("/a/b/c.css")("x y.css"), _fetch._get_version() != "unknown")
import urllib.request
print(urllib.request.pathname2url("/x y"), type(urllib.request).__name__)
"""


def test_premailer_reads_the_deferred_modules_once_they_are_needed():
    """The stand-ins cssutils got turn into the real modules the first time it uses them."""
    done = subprocess.run(
        [sys.executable, "-c", _THROUGH_THE_STAND_INS], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["/a/b/x%20y.css", "True", "/x%20y", "module"]


def test_a_stand_in_read_while_it_still_stands_in_gives_the_real_module():
    """A stand-in read before premailer's import ends (another thread's import, say) makes
    way for the real module and answers from it: import_module handed back the stand-in
    itself and the read recursed without end."""
    script = """
import sys
from newsletter.render.premailer_import import _DeferredModule

sys.modules.pop("colorsys", None)
stand_in = sys.modules["colorsys"] = _DeferredModule("colorsys")
print(stand_in.rgb_to_hsv(1.0, 0.0, 0.0), sys.modules["colorsys"] is not stand_in)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["(0.0,", "1.0,", "1.0)", "True"]


@pytest.mark.slow
def test_a_stand_in_read_by_many_threads_at_once_gives_each_the_real_module():
    """Threads reading one stand-in at the same moment (premailer still importing) each get
    the real module: two saw it standing in, one took it out of sys.modules and the other's
    `del` raised KeyError (31 of 2,000 rounds of 8 threads; unfixed, no run passed), or took
    out the real module another had just imported.  2,000 rounds, a thread switch every
    microsecond."""
    script = """
import sys, threading
from newsletter.render.premailer_import import _DeferredModule

sys.setswitchinterval(1e-6)
failures = []
for _ in range(2000):
    sys.modules.pop("colorsys", None)
    stand_in = sys.modules["colorsys"] = _DeferredModule("colorsys")
    barrier = threading.Barrier(8)

    def read():
        barrier.wait()
        try:
            stand_in.rgb_to_hsv
        except BaseException as e:
            failures.append(type(e).__name__)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
print(len(failures), sorted(set(failures)))
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0", "[]"]

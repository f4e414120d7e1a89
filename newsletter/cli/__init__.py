"""The `newsletter` command: a thin skin over the library.

Each command parses its options, calls one library function and prints what
happened and what to do next.  Library errors (`NewsletterError`) are turned
into one `error: …` line on stderr and exit code 1 here, and only here.
Library modules are imported inside the commands so that `newsletter --help`
and a cold `newsletter build` stay fast.
"""

from __future__ import annotations

import gc
import io
import sys

from newsletter.cli.app import app, confirm, parse_date, warn, workspace_settings

__all__ = ["app", "confirm", "main", "parse_date", "warn", "workspace_settings"]


def _register() -> None:
    # Each module adds its commands to `app`, and `--help` lists them in the order they are
    # added: the order of the editor's week (the import order, so not sorted).
    from newsletter.cli import init, build, preview, templates, check  # noqa: F401, I001
    from newsletter.cli import subscribers, send, archive, run, serve, bounces, db  # noqa: F401
    from newsletter.cli import welcome  # noqa: F401


_register()


def main() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):
        # A file name with bytes that are not UTF-8 (Python holds them as surrogates) is shown
        # as `\udcff`, never a UnicodeEncodeError after the work is done.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        app()
    finally:
        # What is left is freed with the process: `freeze` spares the collector's passes at
        # exit over every object the imports made (≈ 30 ms of a cold send).  Objects still
        # free by reference count as modules are cleared; only cycles are left to the OS.
        gc.freeze()

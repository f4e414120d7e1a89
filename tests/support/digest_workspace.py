"""A small workspace for the digest's parts: write a few sources, build them, read what came out."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

DAY = dt.date(2026, 11, 26)

BASE_TOML = """\
name = "Test Digest"
from = "Test Digest <digest@example.org>"
base_url = "https://digest.example.org"
postal_address = "1 Example Street, Springfield"
"""

LEAD = """\
---
title: River floods force thousands from their homes
url: https://example.org/floods
lead: true
---
The river burst its banks after three days of rain, and thousands of people left their
homes as the floods spread through the valley towns.

Rescue teams used boats to reach villages cut off by the water.
"""


def write(path: Path, text: str) -> Path:
    """Write `text` (dedented) to `path`, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def story(title: str, body: str, **front: str) -> str:
    """A Markdown story with front matter."""
    lines = [f"{k}: {v}" for k, v in {"title": title, **front}.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def rss(*items: tuple[str, str, str]) -> str:
    """An RSS feed of (title, link, description) entries; descriptions are escaped HTML."""
    from xml.sax.saxutils import escape

    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{link}</link>"
        f"<description>{escape(d)}</description></item>"
        for t, link, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


def make(folder: Path, files: dict[str, str], toml: str = "") -> Path:
    """A workspace: newsletter.toml (BASE_TOML + `toml`) and `files` by relative path."""
    write(folder / "newsletter.toml", BASE_TOML + textwrap.dedent(toml))
    for name, text in files.items():
        write(folder / name, text)
    return folder


def build_in(folder: Path, *sources: str, **options):
    """Build `sources` (default seeds/) in the workspace; returns the BuildResult."""
    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.config import load_settings

    settings, _ = load_settings(folder)
    return build(
        [str(folder / s) for s in (sources or ("seeds",))],
        settings,
        AssembleOptions(today=DAY, related=settings.related, **options),
    )


def rebuild_in(folder: Path, issue_folder: Path):
    """Re-render an issue folder from its manifest with the workspace's settings."""
    from newsletter.build import rebuild
    from newsletter.config import load_settings

    settings, _ = load_settings(folder)
    return rebuild(issue_folder, settings)

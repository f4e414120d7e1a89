"""What to say when a command that takes an issue folder is given something else.

The common slip is a file inside the folder (a shell's completion stops at
`issues/2026-W48/issue.toml`, or the editor had index.html open): saying "no issue.toml" of
`issues/2026-W48/issue.toml` reads as nonsense, so the message names the folder to give.
"""

from __future__ import annotations

from pathlib import Path

from newsletter.errors import ManifestError, display_path
from newsletter.issue.manifest import MANIFEST_NAME


def not_an_issue_folder(path: Path) -> ManifestError:
    """The one-line error for `path`, which is not an issue folder, saying what to give."""
    shown = display_path(path)
    if path.is_file() and (path.parent / MANIFEST_NAME).is_file():
        folder = display_path(path.parent)
        return ManifestError(
            f"{shown}: a file in the issue folder {folder}; give the folder itself: {folder}"
        )
    if path.is_file():
        return ManifestError(
            f"{shown}: a file, not an issue folder; give an issue's folder, like issues/2026-W48"
        )
    if not path.exists():
        return ManifestError(f"{shown}: not an issue folder (no such folder); check the path")
    return ManifestError(f"{shown}: not an issue folder (no {MANIFEST_NAME}); build it first")

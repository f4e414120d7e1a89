"""Where a destination the editor typed may go: into a folder that exists already.

`--out sit/archive` or `db copy newsletter.db /nonexistant/x.db` is far more often a typo
than a wish for new folders; making every missing parent would scatter folders wherever
the typo pointed.  So a command makes at most the destination itself, and a missing
folder above it is one line naming it.  The defaults (issues/<id>, archive.out,
welcome-preview/) are the tool's own and are made as needed.
"""

from __future__ import annotations

from pathlib import Path

from newsletter.errors import OutputError, display_path


def require_parent_folder(dest: Path, named: str, *, own: Path | None = None) -> None:
    """OutputError unless the folder `dest` goes in exists (or is `own`, one the tool makes).

    `named` is how the editor gave it (`--out`, `DST`; "" for a plain argument), for the message.
    """
    parent = dest.parent
    given = f"{named} {display_path(dest)}" if named else display_path(dest)
    if parent.is_dir() or (own is not None and parent.resolve() == own.resolve()):
        return
    shown = display_path(parent)
    if parent.exists():
        raise OutputError(
            f"{given}: {shown} is a file, not a folder; choose another {named or 'path'}"
        )
    raise OutputError(
        f"{given}: the folder {shown} does not exist; "
        f"create it first (mkdir -p {shown}) or fix the path"
    )

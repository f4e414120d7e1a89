"""`newsletter init`: lay out a fresh workspace, never overwriting anything."""

from __future__ import annotations

from pathlib import Path

from newsletter.config import CONFIG_NAME
from newsletter.errors import OutputError, display_path

SAMPLE_SEED = "000_42a246ca27ba598a.txt"
GITIGNORE = """\
# newsletter: the database holds subscribers and the delivery journal; outboxes are dry runs.
newsletter.db
newsletter.db-*
issues/*/outbox/
"""


def skeleton_dir() -> Path:
    """The sample newsletter.toml and seeds/: in newsletter/skeleton (wheel) or the repo root."""
    here = Path(__file__).resolve().parent
    packaged = here / "skeleton"
    return packaged if packaged.is_dir() else here.parent


def init_workspace(folder: Path) -> tuple[list[Path], list[Path]]:
    """Create what a workspace needs; return (created, kept) paths."""
    source = skeleton_dir()
    wanted = {
        folder / CONFIG_NAME: (source / CONFIG_NAME).read_bytes(),
        folder / "seeds" / SAMPLE_SEED: (source / "seeds" / SAMPLE_SEED).read_bytes(),
        folder / ".gitignore": GITIGNORE.encode(),
    }
    created, kept = [], []
    for path, data in wanted.items():
        if path.exists():
            kept.append(path)
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as f:  # "x": fail rather than overwrite, even in a race
                f.write(data)
        except OSError as e:
            raise OutputError(
                f"{display_path(path)}: cannot create ({e.strerror}); check the folder"
            ) from None
        created.append(path)
    (folder / "issues").mkdir(exist_ok=True)
    return created, kept

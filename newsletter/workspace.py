"""`newsletter init`: lay out a fresh workspace, never overwriting anything.

The workspace is copied from the skeleton shipped inside the package
(newsletter/skeleton/: a commented newsletter.toml, and under samples/ the sample
seed, a sample feed, a sample Markdown story and a sample subscriber list), so `init` works
the same from a wheel as from a checkout, and never reads the folder the
package was installed from.
"""

from __future__ import annotations

from pathlib import Path

from newsletter.errors import OutputError, display_path

GITIGNORE = """\
# newsletter: what the tool writes that is not the editor's nor the issue's record.
# Committed: newsletter.toml, seeds/, samples/, templates/, and each issues/<id>/ folder whole
# (the manifest, what was built and sent, the ranking as built, run.json: who approved, when).

# The list and the delivery journal (SQLite, its -wal and -shm), and what sits beside it: the
# send and welcome locks, the recovery file of a send, the welcome look's stamp.
newsletter.db
newsletter.db-*
newsletter.db.*
# The same for a list on PostgreSQL: the workspace's send lock, recovery file, sender ids.
/postgresql-send.*
# `newsletter run`'s lock.
/newsletter.run.lock
# Dry runs (`send --dry-run`), the welcome email's preview, the archive site (`newsletter
# archive` writes it again; delete that line to publish it from git).
issues/*/outbox/
/welcome-preview/
/site/
# A DKIM private key ([dkim] key_file, e.g. dkim.key): a secret, never in git.
*.key
# What docs/schedule.md puts here: a virtual environment, cron's log.
/.venv/
/run.log
"""


def skeleton_dir() -> Path:
    """The sample workspace inside the package."""
    return Path(__file__).resolve().parent / "skeleton"


def skeleton_files() -> dict[Path, bytes]:
    """Every file of the skeleton, by its path inside a workspace."""
    root = skeleton_dir()
    files = {
        path.relative_to(root): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    if Path("newsletter.toml") not in files:
        raise OutputError(
            f"{display_path(root)}: the package's sample workspace is missing; "
            "reinstall newsletter (pip install --force-reinstall newsletter)"
        )
    return files


def init_workspace(folder: Path) -> tuple[list[Path], list[Path]]:
    """Create what a workspace needs; return (created, kept) paths."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"{display_path(folder)}: a file, not a folder; "
            "give a new or existing folder for the workspace"
        )
    wanted = {folder / rel: data for rel, data in skeleton_files().items()}
    wanted[folder / ".gitignore"] = GITIGNORE.encode()
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
    for name in ("issues", "seeds"):  # seeds/: where the week's stories go (samples/ has one)
        try:
            (folder / name).mkdir(exist_ok=True)
        except OSError as e:
            raise OutputError(
                f"{display_path(folder)}: cannot create {name}/ ({e.strerror})"
            ) from None
    return created, kept

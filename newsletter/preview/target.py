"""What the preview builds and which files it watches for that.

Two kinds of target, as with `newsletter build`: story sources (ranked afresh
into issues/<id>/ on every build) or one issue folder (re-rendered in place
from its issue.toml, so the editor's manifest edits are kept).  Either way the
workspace's newsletter.toml and templates are read again on every build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.assemble import AssembleOptions
from newsletter.build import BuildResult, build, rebuild
from newsletter.config import CONFIG_NAME, Settings, load_settings
from newsletter.errors import SourceError, display_path
from newsletter.issue.layout import is_issue_folder
from newsletter.issue.manifest import MANIFEST_NAME
from newsletter.render.templates import template_dirs
from newsletter.sources.named import DEFAULT_SOURCES
from newsletter.sources.reading import near_miss
from newsletter.web_address import unfetched_source, without_address_secrets

_IGNORED_SUFFIXES = (".swp", ".swo", ".swx", "~", ".tmp")


@dataclass(frozen=True, slots=True)
class PreviewTarget:
    """The sources (or the issue folder) of one preview, in one workspace."""

    workspace: Path
    sources: tuple[str, ...]
    today: dt.date
    issue_folder: Path | None = None  # set when the only source is an issue folder
    learn: bool = True  # cut Related at the bar learnt from earlier issues (--no-learn: not)
    # Each feed URL's bytes, fetched at the first build that reaches it and reused after: a
    # save rebuilds, and a template tweak must not fetch (and re-rank) a feed behind the
    # editor's back.  Restarting the preview fetches again.
    fetched: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    # The sources newsletter.toml named when the preview started, as written (None: given on
    # the command line): a save that changes them is said, not read behind the editor's back.
    named: tuple[str, ...] | None = None

    @classmethod
    def for_sources(
        cls,
        sources: Sequence[str],
        workspace: Path,
        today: dt.date,
        *,
        learn: bool = True,
        named: Sequence[str] | None = None,
    ) -> PreviewTarget:
        """A target for `newsletter preview SOURCE...`: one issue folder, or story sources.

        A source that does not exist is an error now rather than on the page: there is
        nothing to watch for the save that would fix it.
        """

        given = tuple(sources) or ("seeds",)
        for source in given:
            if why := unfetched_source(source):
                raise SourceError(f"{without_address_secrets(source)}: {why}")
            if not _is_url(source) and not Path(source).expanduser().exists():
                raise SourceError(
                    f"{display_path(source)}: no such file or folder; "
                    f"check the path{near_miss(Path(source).expanduser())}"
                )
        folder = Path(given[0]) if len(given) == 1 and is_issue_folder(Path(given[0])) else None
        return cls(
            workspace=workspace.resolve(),
            sources=given,
            today=today,
            issue_folder=folder.resolve() if folder else None,
            learn=learn,
            named=tuple(named) if named is not None else None,
        )

    @property
    def manifest(self) -> Path | None:
        """The issue.toml the preview renders from, in issue-folder mode."""
        return self.issue_folder / MANIFEST_NAME if self.issue_folder else None

    def build(self) -> tuple[BuildResult, tuple[str, ...]]:
        """Build once with the workspace's current settings; return the result and any warnings."""

        settings, warnings = load_settings(self.workspace)
        warnings = (*warnings, *self._sources_changed(settings))
        if self.issue_folder is not None:
            return rebuild(self.issue_folder, settings), warnings
        # With a [schedule], the issue of the next send day, under its id (as `build` makes it).
        today, issue_id = settings.schedule.issue_on(self.today) or (self.today, None)
        options = AssembleOptions(
            today=today,
            issue_id=issue_id,
            related=settings.related,
            more_headlines=settings.more_headlines,
        )
        built = build(list(self.sources), settings, options, learn=self.learn, fetched=self.fetched)
        return built, warnings

    def _sources_changed(self, settings: Settings) -> tuple[str, ...]:
        """A warning when newsletter.toml's sources differ from those the preview started
        with: it keeps reading those (a feed URL added is not fetched behind the editor's
        back, one removed is not silently still shown)."""
        now = tuple(settings.sources or DEFAULT_SOURCES)
        if self.named is None or now == self.named:
            return ()
        shown = without_address_secrets(", ".join(now))
        return (
            f"{CONFIG_NAME}: sources changed since the preview started ({shown}); it still "
            "reads the ones it started with, nothing new fetched: restart the preview to read them",
        )

    @property
    def feed_urls(self) -> tuple[str, ...]:
        """The feed URLs among the sources: fetched once, at the first build."""
        return tuple(s for s in self.sources if _is_url(s)) if self.issue_folder is None else ()

    def watch_roots(self) -> list[Path]:
        """The existing files and folders to watch: sources or manifest, templates, settings."""

        roots: list[Path] = []
        if self.issue_folder is not None:
            roots.append(self.issue_folder)  # the folder, not the file: saving may replace the file
        else:
            roots += [self._local(s) for s in self.sources if not _is_url(s)]
        roots += template_dirs(self.workspace)
        roots.append(self.workspace / CONFIG_NAME)
        unique = dict.fromkeys(p.resolve() for p in roots if p.exists())
        return list(unique)

    def is_input(self, path: Path) -> bool:
        """True for a changed path that can change the build (not an editor's swap file)."""
        name = path.name
        if name.startswith((".", "#")) or name.endswith(_IGNORED_SUFFIXES):
            return False
        if self.issue_folder is not None and _is_within(path, self.issue_folder):
            return path == self.manifest  # the other files there are the build's own output
        return True

    def fingerprint(self) -> str:
        """A digest of every input's content: equal digests mean a rebuild would change nothing."""
        digest = hashlib.sha256()
        for path in sorted(self._input_files()):
            digest.update(str(path).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"\1unreadable")
            digest.update(b"\0")
        return digest.hexdigest()

    def _input_files(self) -> Iterable[Path]:
        for root in self.watch_roots():
            if root == self.issue_folder:
                if self.manifest is not None and self.manifest.is_file():
                    yield self.manifest
            elif root.is_dir():
                yield from (p for p in root.rglob("*") if p.is_file() and self.is_input(p))
            else:
                yield root

    def _local(self, source: str) -> Path:
        path = Path(source).expanduser()
        return path if path.is_absolute() else Path.cwd() / path


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True

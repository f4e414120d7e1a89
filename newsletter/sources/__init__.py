"""Load this week's story sources: seed text, Markdown stories, RSS/Atom feeds.

`load_sources` takes files, folders and feed URLs and returns one `Sources`
value.  Folders are read in a stable order (by file name); hidden files and
files starting with `_` are skipped, so notes can live beside the seeds.  Any
other file a folder holds that the build cannot read (`story.html`) is skipped
with a warning naming it, and so is a feed without entries: worth a line, not
a stop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar

from newsletter.config import LimitsSettings
from newsletter.control_chars import source_text, visible
from newsletter.errors import SourceError, display_path, where
from newsletter.models import Headline, Note, Sources, Story
from newsletter.sources.reading import near_miss, read_bytes, read_text
from newsletter.web_address import (
    HIDDEN_VALUE,
    address_secret_values,
    shown_feed_names,
    unfetched_source,
    without_address_secrets,
)

TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
SOURCE_SUFFIXES = TEXT_SUFFIXES + MARKDOWN_SUFFIXES + FEED_SUFFIXES


def load_sources(
    paths: Iterable[str | Path],
    limits: LimitsSettings | None = None,
    fetched: MutableMapping[str, bytes] | None = None,
) -> Sources:
    """Read every source named (files, folders, feed URLs) into stories and headlines.

    `fetched`, when given, keeps each feed URL's bytes: a URL already in it is read from it,
    not fetched again (the preview, which rebuilds at every save, fetches a feed once)."""
    stories: list[Story] = []
    headlines: list[Headline] = []
    notes: list[Note] = []
    warnings: list[str] = []
    paths = list(paths)
    names = shown_feed_names(p for p in paths if isinstance(p, str) and _is_feed_url(p))
    for item in paths:
        for loaded in _load_one(item, limits or LimitsSettings(), fetched, names):
            stories.extend(loaded.stories)
            headlines.extend(loaded.headlines)
            notes.extend(loaded.notes)
            warnings.extend(loaded.warnings)
    if len(notes) > 1:
        raise SourceError(
            f"{notes[1].source}: a second editor's note (the first is {notes[0].source}); "
            "an issue has one: merge them, or drop `kind: note` from one"
        )
    if not stories and not headlines:
        raise SourceError(
            "no stories or headlines found in the sources given"
            + (f" ({'; '.join(warnings)})" if warnings else "")
            + "; add a seed file"
        )
    return Sources(
        stories=tuple(_plain_text(s) for s in stories),
        headlines=tuple(_plain_text(h) for h in headlines),
        notes=tuple(_plain_text(n) for n in notes),
        warnings=tuple(warnings),
        feed_names=tuple(names.items()),
    )


_Item = TypeVar("_Item", Story, Headline, Note)
_TEXT_FIELDS = ("title", "body", "summary", "publisher", "image_alt", "outlet", "signoff")


def _plain_text(item: _Item) -> _Item:
    """`item` with its text fields' invisible characters dropped (bidi embeddings, overrides
    and isolates, zero-width spaces, soft hyphens, fillers; marks and joiners kept):
    control_chars.source_text, applied here once for every source kind, so no stage
    after loading sees one.  A field that shows nothing once cleaned is empty."""
    changed: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = getattr(item, name, None)
        if isinstance(value, str):
            plain = source_text(value)
            plain = plain if visible(plain) else ""
            if plain != value:  # a story's title showing nothing: untitled (derived from its body)
                changed[name] = (
                    None if name == "title" and isinstance(item, Story) and not plain else plain
                )
    tags = getattr(item, "tags", ())
    plain_tags = tuple(p for t in tags if visible(p := source_text(t)))
    if plain_tags != tags:
        changed["tags"] = plain_tags
    return replace(item, **changed) if changed else item


def _without_secrets(loaded: Sources, secrets: frozenset[str]) -> Sources:
    """A fetched feed's items with its address's own secrets masked wherever they are written
    (`web_address.address_secret_values`): a private feed's server that puts its reader's
    token in each link (tokenised podcast and member feeds) would have the editor's token
    mailed to the whole list and archived; the link stays, the token masked.  Its warnings
    too, which quote an item's link ("link … left out") to the terminal and the build record."""
    if not secrets:
        return loaded
    longest_first = sorted(secrets, key=len, reverse=True)  # a decoded one inside its encoding

    def text(value: str) -> str:
        for secret in longest_first:
            value = value.replace(secret, HIDDEN_VALUE)
        return value

    def masked(item: _Item) -> _Item:
        changed: dict[str, Any] = {}
        for f in fields(item):
            value = getattr(item, f.name)
            if isinstance(value, str) and any(s in value for s in secrets):
                changed[f.name] = text(value)
        return replace(item, **changed) if changed else item

    return replace(
        loaded,
        stories=tuple(map(masked, loaded.stories)),
        headlines=tuple(map(masked, loaded.headlines)),
        warnings=tuple(map(text, loaded.warnings)),
    )


def _is_feed_url(item: str) -> bool:
    return item.startswith(("http://", "https://"))


def _load_one(
    item: str | Path,
    limits: LimitsSettings,
    fetched: MutableMapping[str, bytes] | None,
    names: Mapping[str, str],
) -> Iterable[Sources]:
    if isinstance(item, str) and _is_feed_url(item):
        from newsletter.sources.feeds import fetch_feed, parse_feed

        data = fetched.get(item) if fetched is not None else None
        if data is None:
            data = fetch_feed(
                item, limits.feed_bytes, limits.feed_seconds, private_hosts=limits.private_hosts
            )
            if fetched is not None:
                fetched[item] = data
        # its messages and its items' sources (issue.toml, the kept ranking) name it: a
        # private feed's password or token masked there, newsletter.toml the one place for it
        try:
            parsed = parse_feed(data, names[item])
        except SourceError as e:  # and what else they quote of it
            raise SourceError(without_address_secrets(str(e))) from None
        parsed = _without_secrets(parsed, address_secret_values(item))
        yield replace(parsed, warnings=tuple(map(without_address_secrets, parsed.warnings)))
        return
    if isinstance(item, str) and (why := unfetched_source(item)):
        raise SourceError(f"{without_address_secrets(item)}: {why}")
    path = Path(item)
    if path.is_dir():
        files = source_files(path)
        skipped = tuple(
            f"{display_path(p)}: not a story source ({', '.join(SOURCE_SUFFIXES)}); skipped"
            for p in unreadable_files(path)
        )
        if skipped:
            yield Sources(warnings=skipped)
        if not files:
            kinds = ", ".join(SOURCE_SUFFIXES)
            raise SourceError(
                f"{display_path(path)}/: no story sources ({kinds}) found; add a seed file"
            )
        for file in files:
            yield load_file(file, limits.feed_bytes)
    elif path.exists() or path.suffix:
        yield load_file(path, limits.feed_bytes)
    else:
        raise SourceError(
            f"{display_path(path)}: no such file or folder; check the path{near_miss(path)}"
        )


def source_files(folder: Path) -> list[Path]:
    """The source files directly inside a folder, in a stable order."""
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file()
            and p.suffix.lower() in SOURCE_SUFFIXES
            and not p.name.startswith((".", "_"))
        ),
        key=lambda p: p.name,
    )


def unreadable_files(folder: Path) -> list[Path]:
    """The files of a folder the build skips although nobody hid them (`story.html`)."""
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file()
            and p.suffix.lower() not in SOURCE_SUFFIXES
            and not p.name.startswith((".", "_"))
            and not p.name.endswith("~")  # an editor's backup file
        ),
        key=lambda p: p.name,
    )


def load_file(path: Path, max_feed_bytes: int | None = None) -> Sources:
    """Read one source file, choosing the parser by its suffix (or its content for feeds).

    A feed file over `max_feed_bytes` is refused before it is read, as a feed URL would be:
    parsing one takes several times its size in memory.
    """

    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        from newsletter.sources.feeds import parse_feed

        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # read_bytes says what is wrong
        if max_feed_bytes is not None and size > max_feed_bytes:
            raise SourceError(
                f"{where(path)}: the feed is {size / 1e6:.1f} MB, larger than "
                f"{max_feed_bytes / 1e6:g} MB; refused: raise limits.feed_bytes in "
                "newsletter.toml if it is really that big"
            )

        # Feeds declare their own encoding in the XML prolog: hand feedparser the bytes.
        return parse_feed(read_bytes(path, wide_unicode=True), display_path(path))
    text = read_text(path)
    if suffix in MARKDOWN_SUFFIXES:
        from newsletter.sources.markdown_story import parse_markdown_story

        parsed = parse_markdown_story(text, path)
        if isinstance(parsed, Note):
            return Sources(notes=(parsed,))
        return Sources(stories=(parsed,))
    if suffix in TEXT_SUFFIXES:
        from newsletter.sources.seed_text import parse_seed_text

        story, headlines = parse_seed_text(text, path)
        return Sources(stories=(story,), headlines=headlines)
    if (path.parent / "issue.toml").is_file():  # issue/manifest.py's MANIFEST_NAME
        # A file of a built issue (a shell's completion stops at issue.toml): rendering an
        # issue again is given its folder.
        folder = display_path(path.parent)
        raise SourceError(
            f"{where(path)}: a file of the issue folder {folder}, not a source; to render "
            f"that issue again give its folder: `newsletter build {folder}`"
        )
    kinds = ", ".join(SOURCE_SUFFIXES)
    raise SourceError(f"{where(path)}: unknown kind of source (use one of {kinds})")

"""`write_archive`: the static site, re-rendering only the issues whose files changed.

A state file in the site (.newsletter-archive.json) remembers each page's input
digest and its index line, so an unchanged issue is neither parsed nor
rendered again.  Every page, the index and the feeds are computed before
anything is written; each file is then replaced atomically (written beside
it, renamed), and only when its bytes differ, so a re-run with nothing
changed writes nothing and output is byte-identical run to run.  Pages this
archive wrote earlier for issues no longer included (--since, --limit, a
deleted issue) are removed; nothing else in the folder is ever touched, and a
folder the archive did not write is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from newsletter.archive.collect import IssueInput, issue_inputs, newest_first
from newsletter.archive.feeds import FEED_ENTRIES, atom_feed, json_feed
from newsletter.archive.pages import IndexEntry, SiteInfo, feed_content, index_page, issue_page
from newsletter.config import Settings
from newsletter.errors import OutputError, display_path
from newsletter.issue.built import read_built_issue
from newsletter.mail.unsubscribe import unsubscribe_links

STATE_NAME = ".newsletter-archive.json"
PAGE_FORMAT = "3"  # bump when pages.py renders differently: every page is re-rendered
PAGE_NAME = "index.html"


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """What one run did."""

    out: Path
    issues: tuple[str, ...]  # in the archive, newest first
    rendered: tuple[str, ...]  # pages made afresh this run
    removed: tuple[str, ...]  # pages of issues no longer included
    written: tuple[str, ...]  # files whose bytes changed


def site_info(settings: Settings) -> SiteInfo:
    """The site's shared values from the workspace settings."""

    base = settings.base_url.rstrip("/")
    return SiteInfo(
        name=settings.name,
        base_url=base,
        language=settings.language,
        unsubscribe_page=unsubscribe_links(settings).web_url,
        subscribe_url=f"{base}/subscribe" if settings.archive.subscribe else "",
    )


def write_archive(
    settings: Settings,
    *,
    out: Path | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> ArchiveResult:
    """Write the archive of the workspace's built issues to `out` (default: archive.out)."""
    out = out or settings.path(settings.archive.out)
    site = site_info(settings)
    state = _read_state(out)
    salt = json.dumps(
        [
            PAGE_FORMAT,
            site.name,
            site.base_url,
            site.language,
            site.unsubscribe_page,
            site.subscribe_url,
        ]
    )
    known = state.get("issues", {})
    by_folder = {v.get("folder"): (i, v) for i, v in known.items()}
    entries: dict[str, IndexEntry] = {}
    folders: dict[str, IssueInput] = {}
    pages: dict[str, bytes] = {}
    for given in issue_inputs(settings.workspace / "issues", salt):
        issue_id, cached = by_folder.get(given.name, ("", {}))
        if cached.get("digest") == given.digest and _page_intact(
            out / issue_id / PAGE_NAME, cached["page"]
        ):
            entry = IndexEntry(
                issue_id,
                dt.date.fromisoformat(cached["date"]),
                cached["subject"],
                cached["preheader"],
            )
        else:
            entry, pages[given.name] = _render(given, site, settings)
        if entry.id in folders:
            raise OutputError(
                f"{display_path(given.folder)}: has the id '{entry.id}' of "
                f"{display_path(folders[entry.id].folder)} too; give one of them another id "
                "in its issue.toml (the archive has one page per id)"
            )
        entries[entry.id], folders[entry.id] = entry, given
    chosen = newest_first([(e.date, e.id) for e in entries.values()], since=since, limit=limit)
    ordered = [entries[i] for i in chosen]
    made = {i: pages[folders[i].name] for i in chosen if folders[i].name in pages}
    feed_items = [
        (entry, feed_content(_page_text(made.get(entry.id), out / entry.id / PAGE_NAME)))
        for entry in ordered[:FEED_ENTRIES]
    ]
    files: dict[str, bytes] = {f"{i}/{PAGE_NAME}": page for i, page in made.items()}
    files["index.html"] = index_page(ordered, site).encode("utf-8")
    files["feed.xml"] = atom_feed(feed_items, site).encode("utf-8")
    files["feed.json"] = json_feed(feed_items, site).encode("utf-8")
    removed = tuple(sorted(i for i in known if i not in chosen))
    new_state = {
        "format": PAGE_FORMAT,
        "issues": {
            i: {
                "folder": folders[i].name,
                "digest": folders[i].digest,
                "date": entries[i].date.isoformat(),
                "subject": entries[i].subject,
                "preheader": entries[i].preheader,
                "page": hashlib.sha256(made[i]).hexdigest() if i in made else known[i]["page"],
            }
            for i in chosen
        },
    }
    files[STATE_NAME] = (
        json.dumps(new_state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    ).encode("utf-8")
    written = _write_files(out, files, removed)
    return ArchiveResult(
        out=out,
        issues=tuple(chosen),
        rendered=tuple(i for i in chosen if i in made),
        removed=removed,
        written=written,
    )


def _render(given: IssueInput, site: SiteInfo, settings: Settings) -> tuple[IndexEntry, bytes]:

    built = read_built_issue(given.folder)
    issue = built.issue  # the subject and preheader as the build filled them (built-with.json)
    entry = IndexEntry(issue.id, issue.date, built.rendered.subject, issue.preheader)
    page = issue_page(built.rendered.html, issue.id, entry.subject, site)
    return entry, page.encode("utf-8")


def _page_intact(page: Path, digest: str) -> bool:
    """The page on disk is the one this archive wrote (not deleted or edited since)."""
    try:
        return hashlib.sha256(page.read_bytes()).hexdigest() == digest
    except OSError:
        return False


def _page_text(made: bytes | None, path: Path) -> str:
    return (made if made is not None else path.read_bytes()).decode("utf-8")


def _read_state(out: Path) -> dict:
    shown = display_path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{shown}: is a file, not a folder; choose another --out")
    state_file = out / STATE_NAME
    if not state_file.exists():
        if out.is_dir() and any(out.iterdir()):
            raise OutputError(
                f"{shown}: exists and was not written by `newsletter archive`; "
                "choose another --out (or empty the folder)"
            )
        return {}
    try:
        state = json.loads(state_file.read_text("utf-8"))
    except (OSError, ValueError):
        return {}  # unreadable: render everything again (the pages it lists are ours)
    if not isinstance(state, dict) or not isinstance(state.get("issues"), dict):
        return {}
    if state.get("format") != PAGE_FORMAT:  # render all again; still drop what is left out
        return {"issues": {i: {"page": ""} for i in state["issues"]}}
    return state


def _write_files(out: Path, files: dict[str, bytes], removed: tuple[str, ...]) -> tuple[str, ...]:
    """Replace each file whose bytes differ (atomically), state last; drop removed pages."""
    written = []
    try:
        for name in sorted(files, key=lambda n: n == STATE_NAME):
            path = out / name
            try:
                if path.read_bytes() == files[name]:
                    continue
            except OSError:
                pass
            path.parent.mkdir(parents=True, exist_ok=True)
            staging = path.with_name(f".{path.name}.tmp-{os.urandom(4).hex()}")
            try:
                staging.write_bytes(files[name])
                staging.replace(path)
            finally:
                staging.unlink(missing_ok=True)
            written.append(name)
        for issue_id in removed:
            (out / issue_id / PAGE_NAME).unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # something else is in there: not ours to delete
                (out / issue_id).rmdir()
    except OSError as e:
        raise OutputError(
            f"{display_path(out)}: cannot write the archive ({e.strerror}); files already "
            "replaced are whole, run `newsletter archive` again"
        ) from None
    return tuple(written)

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

The archive touches only its own folder.  The state file is read as untrusted: an entry
whose key is not an issue id (`../../issues/2026-W48`, `/home/x`) or whose values are not
as this archive writes them is ignored with a warning, so no key can name a path outside
the site; an issue's folder in the site that is a symbolic link is never written through
nor deleted through (refused, or skipped with a warning).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsletter.archive.collect import IssueInput, issue_inputs, newest_first
from newsletter.archive.feeds import FEED_ENTRIES, atom_feed, json_feed
from newsletter.archive.pages import IndexEntry, SiteInfo, feed_content, index_page, issue_page
from newsletter.config import Settings
from newsletter.control_chars import quoted
from newsletter.errors import OutputError, display_path
from newsletter.issue.built import read_built_issue
from newsletter.issue.manifest import ISSUE_ID
from newsletter.issue.run_state import read_run_state
from newsletter.mail.unsubscribe import unsubscribe_links
from newsletter.out_folder import require_parent_folder
from newsletter.send.status import sent_issue_ids

STATE_NAME = ".newsletter-archive.json"
PAGE_FORMAT = "4"  # bump when pages.py renders differently: every page is re-rendered
PAGE_NAME = "index.html"
# What needs the journal, named in its errors.
SENT_CHECK = "the archive's check of which issues were sent (--unsent publishes every built one)"


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """What one run did."""

    out: Path
    issues: tuple[str, ...]  # in the archive, newest first
    rendered: tuple[str, ...]  # pages made afresh this run
    removed: tuple[str, ...]  # pages of issues no longer included
    written: tuple[str, ...]  # files whose bytes changed
    warnings: tuple[str, ...] = ()  # state entries ignored, links left alone
    unsent: tuple[str, ...] = ()  # built but never sent: left out (newest first)


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
    unsent: bool = False,
) -> ArchiveResult:
    """Write the archive of the workspace's sent issues to `out` (default: archive.out).

    An issue is sent when the delivery journal has a reader for it, or `newsletter run`
    recorded its send in the folder (a list of nobody); a built issue nobody got yet (next
    week's, under review) is left out and listed in `unsent`, unless `unsent` is true.
    """
    if out is not None:  # typed: its folder must exist (archive.out is made as needed)
        require_parent_folder(out, "--out")
    out = out or settings.path(settings.archive.out)
    sent = None if unsent else sent_issue_ids(settings, SENT_CHECK)
    site = site_info(settings)
    state, warnings = _read_state(out)
    # What every page is made with beside its issue: a change remakes them all.
    salt = json.dumps([PAGE_FORMAT, site.name, site.base_url, site.language,
                       site.unsubscribe_page, site.subscribe_url])  # fmt: skip
    known = state.get("issues", {})
    entries, folders, pages = _collect(settings, site, salt, known, out)
    left_out = [] if sent is None else _unsent(entries, folders, sent)
    published = [e for e in entries.values() if e not in left_out]
    chosen = newest_first([(e.date, e.id) for e in published], since=since, limit=limit)
    ordered = [entries[i] for i in chosen]
    made = {i: pages[folders[i].name] for i in chosen if folders[i].name in pages}
    files = _site_files(ordered, made, site, out)
    removed = tuple(sorted(i for i in known if i not in chosen))
    new_state = {
        "format": PAGE_FORMAT,
        "issues": {i: _state_entry(entries[i], folders[i], made.get(i), known) for i in chosen},
    }
    files[STATE_NAME] = _state_bytes(new_state)
    _claim(out)
    written = _write_files(out, files, removed, warnings)
    return ArchiveResult(
        out=out,
        issues=tuple(chosen),
        rendered=tuple(i for i in chosen if i in made),
        removed=removed,
        written=written,
        warnings=tuple(warnings),
        unsent=tuple(newest_first([(e.date, e.id) for e in left_out], since=None, limit=None)),
    )


def _site_files(
    ordered: list[IndexEntry], made: dict[str, bytes], site: SiteInfo, out: Path
) -> dict[str, bytes]:
    """The files to write by their path in `out`: each page made afresh, the index of
    `ordered` (newest first) and both feeds of its newest FEED_ENTRIES."""
    feed_items = [
        (entry, feed_content(_page_text(made.get(entry.id), out / entry.id / PAGE_NAME)))
        for entry in ordered[:FEED_ENTRIES]
    ]
    files: dict[str, bytes] = {f"{i}/{PAGE_NAME}": page for i, page in made.items()}
    files["index.html"] = index_page(ordered, site).encode("utf-8")
    files["feed.xml"] = atom_feed(feed_items, site).encode("utf-8")
    files["feed.json"] = json_feed(feed_items, site).encode("utf-8")
    return files


def _state_entry(
    entry: IndexEntry, folder: IssueInput, page: bytes | None, known: dict[str, Any]
) -> dict[str, str]:
    """What the state file keeps of a published issue; `page` None: not remade this time (its
    hash is the one kept)."""
    return {
        "folder": folder.name,
        "digest": folder.digest,
        "date": entry.date.isoformat(),
        "subject": entry.subject,
        "preheader": entry.preheader,
        "page": hashlib.sha256(page).hexdigest() if page is not None else known[entry.id]["page"],
    }


def _collect(
    settings: Settings, site: SiteInfo, salt: str, known: dict[str, Any], out: Path
) -> tuple[dict[str, IndexEntry], dict[str, IssueInput], dict[str, bytes]]:
    """Every built issue by id: its index entry, its folder, and its page when made afresh.

    An issue whose inputs and page are as the state file says is not read again.
    """
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
                f"{display_path(given.folder)}: has the id {quoted(entry.id)} of "
                f"{display_path(folders[entry.id].folder)} too; give one of them another id "
                "in its issue.toml (the archive has one page per id)"
            )
        entries[entry.id], folders[entry.id] = entry, given
    return entries, folders, pages


def _unsent(
    entries: dict[str, IndexEntry], folders: dict[str, IssueInput], sent: frozenset[str]
) -> list[IndexEntry]:
    """The issues nobody got: not in the journal, and no send recorded by `newsletter run`.

    (`run` records a send to a list of nobody too, which the journal cannot show.)
    """
    return [
        entry
        for issue_id, entry in entries.items()
        if issue_id not in sent and read_run_state(folders[issue_id].folder).done("sent") is None
    ]


def _render(given: IssueInput, site: SiteInfo, settings: Settings) -> tuple[IndexEntry, bytes]:

    built = read_built_issue(given.folder, edited_manifest=True)  # publishes what was built
    issue = built.issue  # the subject and preheader as the build filled them (built-with.json)
    entry = IndexEntry(issue.id, issue.date, built.rendered.subject, issue.preheader)
    # The reader-less variant: every field the templates test is empty, as on the web version.
    email_html, _ = built.rendered.variant(built.rendered.tested)
    page = issue_page(email_html, issue.id, entry.subject, site)
    return entry, page.encode("utf-8")


def _claim(out: Path) -> None:
    """A first archive claims its folder before any page: one killed half-way (kill -9)
    leaves a folder the next one knows as its own, not one it must refuse for ever (killed
    while claiming, only the claim's staging file is there: see _claim_leftover)."""
    if (out / STATE_NAME).exists():
        return
    for leftover in filter(_claim_leftover, out.iterdir() if out.is_dir() else ()):
        leftover.unlink(missing_ok=True)
    _write_files(out, {STATE_NAME: _state_bytes({"format": PAGE_FORMAT, "issues": {}})}, (), [])


def _claim_leftover(path: Path) -> bool:
    """A staging file of the state file, left by a run killed before renaming it into place."""
    return re.fullmatch(rf"\.{re.escape(STATE_NAME)}\.tmp-[0-9a-f]{{8}}", path.name) is not None


def _state_bytes(state: dict[str, Any]) -> bytes:
    return (json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _page_intact(page: Path, digest: str) -> bool:
    """The page on disk is the one this archive wrote (not deleted or edited since)."""
    if page.parent.is_symlink() or page.is_symlink():
        return False  # never read through a link: render it again (writing it is refused)
    try:
        return hashlib.sha256(page.read_bytes()).hexdigest() == digest
    except OSError:
        return False


def _page_text(made: bytes | None, path: Path) -> str:
    return (made if made is not None else path.read_bytes()).decode("utf-8")


def _read_state(out: Path) -> tuple[dict[str, Any], list[str]]:
    """The state file's entries that are as this archive writes them, and a warning per other."""
    shown = display_path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{shown}: is a file, not a folder; choose another --out")
    state_file = out / STATE_NAME
    if not state_file.exists():
        if out.is_dir() and any(not _claim_leftover(p) for p in out.iterdir()):
            raise OutputError(
                f"{shown}: exists and was not written by `newsletter archive`; "
                "choose another --out (or empty the folder)"
            )
        return {}, []
    try:
        state = json.loads(state_file.read_text("utf-8"))
    except (OSError, ValueError, RecursionError):  # nested past the decoder's depth too
        return {}, []  # unreadable: render everything again (the pages it lists are ours)
    if not isinstance(state, dict) or not isinstance(state.get("issues"), dict):
        return {}, []
    current = state.get("format") == PAGE_FORMAT
    issues, warnings = {}, []
    for key, entry in state["issues"].items():
        if not ISSUE_ID.match(key) or (current and not _entry_as_written(entry)):
            warnings.append(
                f"{display_path(state_file)}: entry {quoted(key)} is not an issue "
                "page this archive wrote; ignored (nothing outside the site is touched)"
            )
        else:  # an older format: render all again; still drop what is left out
            issues[key] = entry if current else {"page": ""}
    return {"format": state.get("format"), "issues": issues}, warnings


def _entry_as_written(entry: object) -> bool:
    """A state entry with the keys and value types `write_archive` gives it."""
    if not isinstance(entry, dict):
        return False
    texts = ("folder", "digest", "date", "subject", "preheader", "page")
    if not all(isinstance(entry.get(k), str) for k in texts):
        return False
    folder = entry["folder"]
    try:
        dt.date.fromisoformat(entry["date"])
    except ValueError:
        return False
    return bool(folder) and "/" not in folder and "\\" not in folder and folder[0] != "."


def _write_files(
    out: Path, files: dict[str, bytes], removed: tuple[str, ...], warnings: list[str]
) -> tuple[str, ...]:
    """Replace each file whose bytes differ (atomically), state last; drop removed pages.

    Every name is a file of the site or `<issue id>/index.html`; a folder of the site that is
    a symbolic link is refused (written) or left alone with a warning (removed).
    """
    written = []
    try:
        for name in sorted(files, key=lambda n: n == STATE_NAME):
            path = out / name
            if path.parent != out and path.parent.is_symlink():
                raise OutputError(
                    f"{display_path(path.parent)}: is a symbolic link; the archive writes only "
                    "inside its folder: remove the link and run `newsletter archive` again"
                )
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
            _remove_page(out, issue_id, warnings)
    except OSError as e:
        raise OutputError(
            f"{display_path(out)}: cannot write the archive ({e.strerror}); files already "
            "replaced are whole, run `newsletter archive` again"
        ) from None
    return tuple(written)


def _remove_page(out: Path, issue_id: str, warnings: list[str]) -> None:
    """Delete the page the archive wrote for an issue left out, and its folder if now empty."""
    folder = out / issue_id  # an issue id is one name (ISSUE_ID): never a path elsewhere
    if folder.is_symlink():
        warnings.append(f"{display_path(folder)}: a symbolic link, not the archive's; left alone")
        return
    (folder / PAGE_NAME).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something else is in there: not ours to delete
        folder.rmdir()

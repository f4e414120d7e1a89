"""What a built message was built with: `built-with.json` in the issue folder.

merge.eml holds the shared headers (From, Reply-To, Subject, List-Id) and both bodies (the
postal address, the web-version and unsubscribe links) as the build wrote them.  A send
fills only per-reader values into it, so it must not go out under settings that have
changed since: the record keeps those shared settings, and the subject and preheader as
the build filled them, for every reader of a built issue (send, check, archive, preview).

    {"files": {"issue.toml": "<sha256>", "merge.eml": "<sha256>", ...}, "preheader": "...",
     "settings": {"from": "...", "list_id": "...", ...}, "subject": "...",
     "slots": {"merge.eml": ["text:unsubscribe_url", "html:unsubscribe_url"], ...}}

`slots` are the merge slots the templates made, per merge file, in order: only templates
make them (text from sources is sealed, see render/merge_tags.py), and check `merge.slots`
refuses a merge file whose slots are not these.

`files` holds the SHA-256 of the bytes a send goes by: the manifest the build rendered and
every merge*.eml it wrote.  What is sent is what was built and checked: a folder whose
bytes changed since (an issue.toml edited but not rebuilt, a merge.eml edited by hand) is
refused by `check`, the send gate and `send` alike, naming the file and the fix (rebuild).

No secret is recorded: the unsubscribe key only signs per-reader tokens.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsletter.config import Settings
from newsletter.errors import ManifestError, NewsletterError, display_path
from newsletter.issue.folder_given import not_an_issue_folder
from newsletter.issue.manifest import MANIFEST_NAME

BUILD_RECORD_NAME = "built-with.json"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_BUILT_FILES = ("merge.eml", "index.html", "message.eml")  # any of them: the folder was built


class SettingsDriftError(NewsletterError):
    """The issue was built with other shared settings than today's: rebuild it first."""


@dataclass(frozen=True, slots=True)
class BuildRecord:
    """The subject and preheader as built, and the shared settings the message carries."""

    subject: str
    preheader: str
    settings: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # name: SHA-256 of the bytes as built
    slots: dict[str, tuple[str, ...]] | None = None  # merge file: its slots; None: older build


def shared_settings(settings: Settings) -> dict[str, str]:
    """The settings baked into every copy of the message, by their newsletter.toml key."""
    return {
        "name": settings.name,
        "from": settings.from_address,
        "reply_to": settings.reply_to,
        "list_id": settings.list_identifier,
        "base_url": settings.base_url,
        "postal_address": settings.postal_address,
        "unsubscribe.url": settings.unsubscribe.url,
        "unsubscribe.mailto": settings.unsubscribe.mailto,
    }


def build_record_bytes(
    subject: str,
    preheader: str,
    settings: Settings,
    files: Mapping[str, bytes],
    slots: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """The record's bytes: sorted keys, so an unchanged rebuild writes the same file.

    `files`: the bytes a send goes by (issue.toml, merge*.eml), by name; their hashes are kept.
    `slots`: each merge file's slots as the templates made them (MessageTemplate.slots).
    """
    data: dict[str, object] = {
        "subject": subject,
        "preheader": preheader,
        "settings": shared_settings(settings),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    if slots is not None:
        data["slots"] = {name: list(keys) for name, keys in slots.items()}
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def read_build_record(folder: Path) -> BuildRecord:
    """The folder's record; ManifestError (rebuild) when it is missing or not as written."""
    path = folder / BUILD_RECORD_NAME
    rebuild = f"run `newsletter build {display_path(folder)}` to re-render it"
    data = _record_json(folder, rebuild)
    shared = data.get("settings") if isinstance(data, dict) else None
    if (
        not isinstance(shared, dict)
        or not all(isinstance(v, str) for v in shared.values())
        or not isinstance(data.get("subject"), str)
        or not isinstance(data.get("preheader"), str)
    ):
        raise ManifestError(f"{display_path(path)}: not as the build writes it; {rebuild}")
    files = data.get("files")
    if files is None:
        raise ManifestError(
            f"{display_path(path)}: no file hashes (built by an older version); {rebuild}"
        )
    if not _hashes_as_written(files):
        raise ManifestError(f"{display_path(path)}: not as the build writes it; {rebuild}")
    slots = _slots(data.get("slots"))
    return BuildRecord(data["subject"], data["preheader"], dict(shared), dict(files), slots)


def _record_json(folder: Path, rebuild: str) -> Any:
    """built-with.json parsed; ManifestError saying why when the folder was never built, the
    record is missing or unreadable, or it is not JSON."""
    if not (folder / MANIFEST_NAME).is_file():
        raise not_an_issue_folder(folder)
    path = folder / BUILD_RECORD_NAME
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        if not any((folder / name).exists() for name in _BUILT_FILES):
            raise ManifestError(
                f"{display_path(folder)}: never built (it holds only its {MANIFEST_NAME}); "
                f"run `newsletter build {display_path(folder)}` to build it"
            ) from None
        raise ManifestError(
            f"{display_path(path)}: missing (built by an older version); {rebuild}"
        ) from None
    except OSError as e:
        raise ManifestError(
            f"{display_path(path)}: cannot read ({e.strerror}); {rebuild}"
        ) from None
    except (ValueError, RecursionError):  # nested past the decoder's depth: not ours either
        raise ManifestError(f"{display_path(path)}: not valid JSON; {rebuild}") from None


def _hashes_as_written(files: object) -> bool:
    """A name → SHA-256 map naming issue.toml, each name a plain file of the folder."""
    return (
        isinstance(files, dict)
        and MANIFEST_NAME in files
        and all(
            isinstance(v, str) and _SHA256.fullmatch(v) and "/" not in k and k[:1] != "."
            for k, v in files.items()
        )
    )


def _slots(value: object) -> dict[str, tuple[str, ...]] | None:
    """The recorded slots per merge file; None when absent or not as the build writes them."""
    if not isinstance(value, dict):
        return None
    slots = {}
    for name, keys in value.items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            return None
        slots[str(name)] = tuple(keys)
    return slots


def read_as_built(
    folder: Path, record: BuildRecord, *, unchecked: frozenset[str] = frozenset()
) -> dict[str, bytes]:
    """The files the record names, each read once and checked against its hash.

    ManifestError naming the first file whose bytes changed since the build (or that is
    gone), with the fix: rebuild, so that what is sent is what was built and checked.
    `unchecked`: names read as they are now (a reader that sends nothing).
    """
    shown = display_path(folder)
    found = {}
    for name, expected in sorted(record.files.items()):
        path = folder / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ManifestError(
                f"{display_path(path)}: missing since the build; run `newsletter build {shown}` "
                "to rebuild the issue"
            ) from None
        except OSError as e:
            raise ManifestError(
                f"{display_path(path)}: cannot read ({e.strerror}); check the file"
            ) from None
        if name not in unchecked and hashlib.sha256(data).hexdigest() != expected:
            raise ManifestError(f"{display_path(path)}: {_changed(name)}; {_fix(name, shown)}")
        found[name] = data
    return found


def _changed(name: str) -> str:
    if name == MANIFEST_NAME:
        return "changed since the build (edited, not rebuilt: the built email does not show it)"
    return "changed since the build (the email is sent exactly as built and checked)"


def _fix(name: str, shown: str) -> str:
    if name == MANIFEST_NAME:
        return f"run `newsletter build {shown}` to render your edits, then check it again"
    return (
        f"run `newsletter build {shown}` to rebuild it (edit issue.toml or the templates, "
        "never the built files)"
    )


def changed_settings(record: BuildRecord, settings: Settings) -> tuple[str, ...]:
    """The keys whose value today differs from the one the message was built with."""
    now = shared_settings(settings)
    return tuple(key for key in now if record.settings.get(key) != now[key])


def drift_message(folder: Path, changed: tuple[str, ...]) -> str:
    """One line: which settings changed since the build, and how to re-render."""
    shown = display_path(folder)
    keys = ", ".join(changed)
    return (
        f"{shown}: built with other settings ({keys} changed in newsletter.toml since); "
        f"run `newsletter build {shown}` to re-render it"
    )


def drift_notice(folder: Path, settings: Settings) -> str | None:
    """The refusal `send` would give for the folder under these settings, or None."""
    try:
        check_settings_drift(folder, settings)
    except NewsletterError as e:
        return str(e)
    return None


def check_settings_drift(
    folder: Path, settings: Settings, record: BuildRecord | None = None
) -> BuildRecord:
    """The folder's record (read unless given), or SettingsDriftError when today's differ."""
    if record is None:
        record = read_build_record(folder)
    changed = changed_settings(record, settings)
    if changed:
        raise SettingsDriftError(drift_message(folder, changed))
    return record

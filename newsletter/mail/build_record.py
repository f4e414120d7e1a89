"""What a built message was built with: `built-with.json` in the issue folder.

merge.eml holds the shared headers (From, Reply-To, Subject, List-Id) and both bodies (the
postal address, the web-version and unsubscribe links) as the build wrote them.  A send
fills only per-reader values into it, so it must not go out under settings that have
changed since: the record keeps those shared settings, and the subject and preheader as
the build filled them, for every reader of a built issue (send, check, archive, preview).

    {"preheader": "...", "settings": {"from": "...", "list_id": "...", ...}, "subject": "...",
     "slots": {"merge.eml": ["text:unsubscribe_url", "html:unsubscribe_url"], ...}}

`slots` are the merge slots the templates made, per merge file, in order: only templates
make them (text from sources is sealed, see render/merge_tags.py), and `check` refuses a
merge file whose slots are not these (one built before that seal, or edited since).

No secret is recorded: the unsubscribe key only signs per-reader tokens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.config import Settings
from newsletter.errors import ManifestError, NewsletterError, display_path
from newsletter.manifest import MANIFEST_NAME

BUILD_RECORD_NAME = "built-with.json"


class SettingsDriftError(NewsletterError):
    """The issue was built with other shared settings than today's: rebuild it first."""


@dataclass(frozen=True, slots=True)
class BuildRecord:
    """The subject and preheader as built, and the shared settings the message carries."""

    subject: str
    preheader: str
    settings: dict[str, str]
    slots: dict[str, tuple[str, ...]] | None = field(default=None)  # None: an older build


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
    slots: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """The record's bytes: sorted keys, so an unchanged rebuild writes the same file."""
    data: dict[str, object] = {
        "subject": subject,
        "preheader": preheader,
        "settings": shared_settings(settings),
    }
    if slots is not None:
        data["slots"] = {name: list(keys) for name, keys in slots.items()}
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def read_build_record(folder: Path) -> BuildRecord:
    """The folder's record; ManifestError (rebuild) when it is missing or not as written."""
    if not (folder / MANIFEST_NAME).is_file():
        raise ManifestError(
            f"{display_path(folder)}: not an issue folder (no {MANIFEST_NAME}); build it first"
        )
    path = folder / BUILD_RECORD_NAME
    rebuild = f"run `newsletter build {display_path(folder)}` to re-render it"
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ManifestError(
            f"{display_path(path)}: missing (built by an older version); {rebuild}"
        ) from None
    except OSError as e:
        raise ManifestError(
            f"{display_path(path)}: cannot read ({e.strerror}); {rebuild}"
        ) from None
    except ValueError:
        raise ManifestError(f"{display_path(path)}: not valid JSON; {rebuild}") from None
    shared = data.get("settings") if isinstance(data, dict) else None
    if (
        not isinstance(shared, dict)
        or not all(isinstance(v, str) for v in shared.values())
        or not isinstance(data.get("subject"), str)
        or not isinstance(data.get("preheader"), str)
    ):
        raise ManifestError(f"{display_path(path)}: not as the build writes it; {rebuild}")
    return BuildRecord(data["subject"], data["preheader"], dict(shared), _slots(data.get("slots")))


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


def check_settings_drift(folder: Path, settings: Settings) -> BuildRecord:
    """The folder's record, or SettingsDriftError when today's shared settings differ."""
    record = read_build_record(folder)
    changed = changed_settings(record, settings)
    if changed:
        raise SettingsDriftError(drift_message(folder, changed))
    return record

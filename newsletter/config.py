"""Settings: defaults < newsletter.toml < environment < command-line flags.

`load_settings` reads the workspace's newsletter.toml into a frozen `Settings`;
every wrong value is reported with the file and the key.  Flags are applied by
the CLI with `dataclasses.replace`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from newsletter.brand import (
    DARK_BACKGROUND,
    DEFAULT_ACCENT_DARK,
    DEFAULT_FONT,
    FONT_STACK,
    HEX_COLOUR,
    LIGHT_BACKGROUND,
    contrast_problem,
    lighten_until_readable,
)
from newsletter.cadence import Cadence
from newsletter.control_chars import quoted
from newsletter.database_url import PostgresUrl, parse_database
from newsletter.errors import ConfigError, display_path
from newsletter.mail_address import HeaderValueError, check_address, has_encoded_word
from newsletter.toml_lines import key_line, parse_toml, with_line
from newsletter.web_address import unfetched_source
from newsletter.web_origin import parse_origin

CONFIG_NAME = "newsletter.toml"
PASSWORD_ENV = "NEWSLETTER_SMTP_PASSWORD"
# The database's URL and password from the environment (docs/postgresql.md).
DATABASE_URL_ENV = "NEWSLETTER_DATABASE_URL"
DATABASE_PASSWORD_ENV = "NEWSLETTER_DATABASE_PASSWORD"
SECURITY_MODES = ("starttls", "ssl", "none")
_NAMED_ADDRESS = re.compile(r"^\s*(?:\"?([^\"<>]*?)\"?\s*)?<([^<>]+)>\s*$")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the SMTP relay; the password only ever comes from the environment."""

    host: str = "localhost"  # the relay's host name or address
    port: int = 587  # 587 for STARTTLS, 465 for implicit TLS (`ssl`)
    #: starttls | ssl (implicit TLS, port 465) | none (only for a relay on this machine)
    security: str = "starttls"
    #: the login, if the relay wants one; the password comes from NEWSLETTER_SMTP_PASSWORD
    #: or a prompt, never from the file or a flag
    user: str = ""
    #: false only for a relay you trust with a self-signed certificate
    verify_certificates: bool = True
    timeout: float = 30.0  # seconds for each reply, whole (a dripping server gets no more)
    data_timeout: float = 600.0  # for the reply to the message's final `.` (RFC 5321: 10 min)
    connections: int = 4  # reused connections in parallel
    processes: int = 0  # worker processes sharing them; 0 = one per CPU core
    rate: float = 0.0  # messages per second across all connections; 0 = no limit
    max_attempts: int = 8  # per recipient, for 4xx replies and dropped connections (≈2 min)
    max_consecutive_failures: int = 20  # pause the run rather than burn the list; 0 = never
    retry_delay: float = 1.0  # seconds before the first retry; doubles per attempt, with jitter
    #: seconds a sender's claim on its readers lasts unrenewed, on PostgreSQL (several senders
    #: on one issue): a sender killed with -9 leaves its unsent readers to the others this long
    lease: float = 30.0

    @property
    def where(self) -> str:
        """The relay as errors and progress name it: `host:port`, `[::1]:587` for IPv6."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def security_shown(self) -> str:
        """The security as the prompt and the summary name it: `starttls`, `ssl` (with
        `, certificates not verified` when so), `no TLS` (a bare "(none)" read as "no readers")."""
        if self.security == "none":
            return "no TLS"
        unchecked = "" if self.verify_certificates else ", certificates not verified"
        return f"{self.security}{unchecked}"


@dataclass(frozen=True, slots=True)
class UnsubscribeSettings:
    """Where readers unsubscribe: a mailto address and/or a page taking signed tokens."""

    mailto: str = ""  # the List-Unsubscribe mailto address; "" = none
    #: the https page for one-click unsubscribe (RFC 8058), given ?token=...;
    #: "" = <base_url>/unsubscribe (`newsletter serve` answers there)
    url: str = ""
    #: the environment variable that may hold the key signing each reader's token (its name,
    #: never the key); unset = a random key kept in the database
    secret_env: str = "NEWSLETTER_UNSUBSCRIBE_SECRET"


@dataclass(frozen=True, slots=True)
class DkimSettings:
    """Optional DKIM signing of every message (dkimpy)."""

    domain: str = ""  # the signing domain, e.g. "example.org": the From domain or its parent
    selector: str = ""  # the DNS selector of the public key, e.g. "news2026"
    key_file: str = ""  # a PEM private key, relative to the workspace (keep it out of git)

    @property
    def enabled(self) -> bool:
        return bool(self.domain and self.selector and self.key_file)


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    """The static site of past issues that `newsletter archive` writes."""

    out: str = "site"  # the folder, relative to the workspace
    subscribe: bool = False  # link <base_url>/subscribe (true where `newsletter serve` answers)


@dataclass(frozen=True, slots=True)
class LimitsSettings:
    """Limits that turn a huge or stalled input into an error instead of a hang or a blank."""

    feed_bytes: int = 10_000_000  # a feed URL's body; more is refused
    feed_seconds: float = 20.0  # the whole fetch of one feed URL, redirects included
    text_bytes: int = 1_000_000  # one text of the issue (a story, a subject); lxml fails at 10 MB
    #: let feed URLs and `check --links` reach this machine and its network (127.0.0.1, ::1,
    #: 10.x, 192.168.x, 169.254.x...); false refuses them, after DNS and on every redirect.
    #: Only for a feed you serve yourself: then any feed or link may reach those addresses
    private_hosts: bool = False
    # The length budget of one issue: over either, `check` warns and names the sections to cut.
    items: int = 20  # stories and headlines in one issue (the lead and cards count)
    words: int = 1000  # words the email shows (about 4 minutes at 230 words a minute)


@dataclass(frozen=True, slots=True)
class RankingSettings:
    """How the ranker uses what the editor did to earlier issues (docs/ranking.md)."""

    #: move the Related bar (at most 0.1 either way), the concepts' share of the score (at
    #: most 0.2) and Related's length (at most 4 lines from `related`) towards the editor's
    #: own choices in the earlier issues' manifests: a headline moved from More into Related,
    #: one deleted from Related; false (or `build --no-learn`) ranks and cuts as shipped
    learn: bool = True


@dataclass(frozen=True, slots=True)
class BounceSettings:
    """How `bounces process` treats reports (issue 9)."""

    # Soft bounces (mailbox full, blocked, filtered, 4.x.x...) in a row that make a reader
    # `bounced`; a hard one (the address is gone: user or host unknown) does at once.
    soft_limit: int = 3
    imap_processed: str = "flag"  # flag | move: what happens to a processed IMAP message
    imap_folder: str = "Processed"  # where `move` puts them
    # Each IMAP answer (a FETCH of one message, a SEARCH...) must arrive whole within this many
    # seconds, and one message may be at most imap_max_message bytes; otherwise the run stops
    # with a line naming the server, and what was committed before stays.
    imap_seconds: float = 60.0
    imap_max_message: int = 10_000_000  # the most bytes one message may have (mbox, Maildir too)
    # Envelope sender per reader, `<from local part>+<issue>.<stamp>@<from domain>` (VERP): a
    # bounce then proves itself by the address it came back to. The relay must keep the
    # envelope sender as given and the From domain's MX must deliver `local+anything` to the
    # bounce mailbox (docs/audience.md).
    verp: bool = False
    # The envelope sender (MAIL FROM) of list copies, where bounces come back: "" = the `from`
    # address. With verp, its local part gets `+<issue>.<stamp>`, e.g. bounces+2026-W48.…@….
    return_path: str = ""
    # Also act on reports that only name an address (no keyed Message-ID or return path):
    # anyone who can mail the bounce address can then bounce or unsubscribe any reader.
    trust_address: bool = False


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """The sign-up form of `newsletter serve` (issue 9)."""

    confirm_days: int = 7  # a confirmation link expires after this many days
    client_limit: int = 10  # sign-ups per client address per hour
    address_limit: int = 3  # confirmation emails per address per day
    #: the other websites whose pages may carry the sign-up form (`newsletter serve
    #: --print-form`), each as scheme://host[:port], e.g. ["https://www.example.org"]; a
    #: sign-up posted from any other site is refused (403)
    allowed_origins: tuple[str, ...] = ()

    @property
    def origins(self) -> frozenset[str]:
        """`allowed_origins` as browsers spell an `Origin` header (checked when loaded)."""
        return frozenset(parse_origin(origin) for origin in self.allowed_origins)


@dataclass(frozen=True, slots=True)
class WelcomeSettings:
    """The welcome email a reader gets once, after confirming a sign-up (issue 19)."""

    #: send it: `serve` right after the confirmation, else the next `newsletter run`;
    #: false = no welcome (nothing is queued; ones already queued stay unsent)
    enabled: bool = True
    #: its Subject; {name} is the newsletter's name
    subject: str = "Welcome to {name}"


@dataclass(frozen=True, slots=True)
class BrandSettings:
    """The list's own look: a logo, an accent colour (light and dark mode), a font stack."""

    logo: str = ""  # an absolute https:// URL of the logo image; "" = the name in text
    logo_alt: str = ""  # required with a logo: usually the list's name
    logo_width: int = 160  # CSS pixels; the height follows the image
    logo_dark: str = ""  # the logo for dark backgrounds (https:// URL); "" = `logo` in both modes
    accent: str = ""  # "#rrggbb": links, rules, the masthead; "" = the templates' own colours
    accent_dark: str = ""  # the accent in dark mode; "" = `accent` lightened until readable
    font: str = ""  # a CSS font stack; "" = the system fonts

    @property
    def dark_accent(self) -> str:
        """The dark-mode accent: set, derived from the accent, or the templates' default."""

        if self.accent_dark:
            return self.accent_dark
        return lighten_until_readable(self.accent) if self.accent else DEFAULT_ACCENT_DARK

    @property
    def font_stack(self) -> str:

        return self.font or DEFAULT_FONT


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """When the issue goes out and who approves it: what `newsletter run` follows (issue 19)."""

    #: weekly | daily | "every N days" (e.g. "every 14 days"); "" = no schedule: the issue id
    #: is the ISO week of the build's day, and `newsletter run` refuses to start
    cadence: str = ""
    day: str = "thursday"  # weekly: the weekday the issue goes out, in English (monday...sunday)
    #: every N days: the date of one issue (YYYY-MM-DD); the others are N days apart from it
    start: str = ""
    time: str = "07:00"  # the send time, HH:MM (24-hour clock) in `timezone`
    timezone: str = "UTC"  # an IANA time zone name, e.g. "Europe/Lisbon" (zoneinfo)
    #: the addresses that get one review copy of each issue before it goes out; any of them
    #: approves it with `newsletter approve issues/<id>`
    reviewers: tuple[str, ...] = ()
    #: hours before the send time that `newsletter run` builds the issue from `sources` and
    #: mails the review copy
    build_before: float = 24.0
    #: hours after the send time past which an approved issue no longer goes out by itself:
    #: `newsletter run --now` sends it (a Thursday issue is not mailed on Saturday unasked)
    late_after: float = 12.0

    def plan(self) -> Cadence | None:
        """The cadence as dates and times; None without a schedule (ValueError when invalid)."""
        if not self.cadence:
            return None
        return Cadence.parse(self.cadence, self.day, self.start, self.time, self.timezone)

    def issue_on(self, day: dt.date) -> tuple[dt.date, str] | None:
        """The send day and id of the issue a build on `day` makes; None without a schedule."""
        plan = self.plan()
        if plan is None:
            return None
        send_day = plan.send_day_from(day)
        return send_day, plan.issue_id(send_day)


@dataclass(frozen=True, slots=True)
class SectionSettings:
    """One [[sections]] entry: a heading and what goes under it (sources and/or tags)."""

    name: str  # the heading, e.g. "World"
    sources: tuple[str, ...] = ()  # files, globs (relative to the workspace) or feed URLs
    tags: tuple[str, ...] = ()  # a story's front matter tags, a feed entry's categories
    #: "source": items in their sources' order (feed order, then date); "relevance": best first
    order: str = "source"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a workspace configures; built from defaults, the file and flags."""

    name: str = "Newsletter"  # shown in the masthead, the footer and the List-Id
    #: the From header; an address your relay may send as
    from_address: str = "Newsletter <newsletter@example.com>"
    reply_to: str = ""  # where replies go; "" = to From
    #: where the archive is published: each issue's web version is <base_url>/<id>/
    base_url: str = "https://example.com/newsletter"
    postal_address: str = ""  # shown in every footer, as anti-spam law requires (CAN-SPAM)
    language: str = "en"  # the email's lang attribute, a tag like "en" or "pt-BR"
    subject: str = "{title}"  # the Subject template (fields below)
    preheader: str = "{summary}"  # the preheader template, at most 90 characters shown
    #: how many headlines "Related" holds (0-50): every one the ranker finds about the lead,
    #: up to here; past it only clear coverage (a headline scoring the week bar, 0.45), up to
    #: twice this, so a big story's coverage is never cut while weaker matches stay capped
    related: int = 8
    more_headlines: bool = True  # list the other headlines under "More headlines"; false drops them
    stories: int = 3  # at most this many other stories as cards (0-20); the rest become headlines
    more_summaries: bool = False  # show summaries under More headlines and sections too
    list_id: str = ""  # defaults to a slug of the name (València → valencia) under the From domain
    #: where the list, consent and the delivery journal live: a SQLite file, relative to the
    #: workspace, or a PostgreSQL server as postgresql://user@host:5432/dbname (the password
    #: from NEWSLETTER_DATABASE_PASSWORD, PGPASSWORD or ~/.pgpass, never here); the
    #: environment's NEWSLETTER_DATABASE_URL overrides it. Any other URL is refused
    database: str = "newsletter.db"
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    unsubscribe: UnsubscribeSettings = field(default_factory=UnsubscribeSettings)
    dkim: DkimSettings = field(default_factory=DkimSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    ranking: RankingSettings = field(default_factory=RankingSettings)
    bounce: BounceSettings = field(default_factory=BounceSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    brand: BrandSettings = field(default_factory=BrandSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    welcome: WelcomeSettings = field(default_factory=WelcomeSettings)
    sections: tuple[SectionSettings, ...] = ()
    #: the week's story sources, relative to the workspace: files, folders, globs
    #: ("feeds/*.xml") and feed URLs, read by a plain `newsletter build`, `preview` and
    #: `run`; empty = ["seeds/"]. A feed URL is fetched at each build, within
    #: limits.feed_seconds and limits.feed_bytes
    sources: tuple[str, ...] = ()
    workspace: Path = field(default_factory=Path.cwd)
    source: str = ""  # the file these came from, "" for defaults

    @property
    def sender(self) -> tuple[str, str]:
        """The From header split into (display name, address)."""
        return split_address(self.from_address)

    @property
    def from_domain(self) -> str:
        return self.sender[1].rpartition("@")[2]

    @property
    def list_identifier(self) -> str:
        """The List-Id value's inner part, e.g. `weekly-brief.example.org`."""
        if self.list_id:
            return self.list_id
        return f"{ascii_slug(self.name) or 'newsletter'}.{self.from_domain}"

    def web_url(self, issue_id: str) -> str:
        """The web version of one issue in the archive."""
        return f"{self.base_url.rstrip('/')}/{issue_id}/"

    @property
    def database_server(self) -> PostgresUrl | None:
        """The PostgreSQL server `database` names, or None for a SQLite file."""
        try:
            return parse_database(self.database)
        except ValueError as e:
            raise ConfigError(f"{self.source or CONFIG_NAME}: database: {e}") from None

    def database_file(self, doing: str = "this command") -> Path:
        """The SQLite file `database` names; refused, naming the key, for a PostgreSQL URL.

        For the parts that keep their data in SQLite only so far (docs/postgresql.md): a
        URL must never be taken as a path, which would make a file under `postgresql:/`.
        """
        server = self.database_server
        if server is not None:
            raise ConfigError(
                f"{self.source or CONFIG_NAME}: database: {doing} does not run on PostgreSQL "
                f"({server.where}) yet, only on a SQLite file; see docs/postgresql.md for what "
                "does, or set database to a file path"
            )
        return self.path(self.database)

    def path(self, value: str) -> Path:
        """A path setting, relative to the workspace (`~` and `~user` expanded)."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.workspace / p


# Latin letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"})


def ascii_slug(text: str) -> str:
    """`València Weekly` → `valencia-weekly`: the accents dropped, not the letters."""
    plain = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def find_workspace(folder: Path) -> Path:
    """The workspace of an issue folder: the nearest folder at or above it with newsletter.toml.

    Never the current folder: run from anywhere, an issue uses its own list and journal.
    """
    found = nearest_workspace(folder)
    if found is not None:
        return found
    raise ConfigError(
        f"{display_path(folder)}: no {CONFIG_NAME} in it or any folder above it, so its "
        "workspace (list, journal) is unknown; pass --workspace DIR"
    )


def nearest_workspace(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` holding a newsletter.toml, or None."""
    start = folder.expanduser().resolve()
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return None


def split_address(value: str) -> tuple[str, str]:
    """Split `Name <addr>` or a bare `addr` into (name, addr)."""
    m = _NAMED_ADDRESS.match(value)
    if m:
        return (m.group(1) or "").strip(), m.group(2).strip()
    return "", value.strip()


# Keys a user may write, with the type each must have.
_TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "from": str,
    "reply_to": str,
    "base_url": str,
    "postal_address": str,
    "language": str,
    "subject": str,
    "preheader": str,
    "related": int,
    "more_headlines": bool,
    "stories": int,
    "more_summaries": bool,
    "list_id": str,
    "database": str,
    "sources": list,
}
_TABLES = {
    "smtp": SmtpSettings,
    "unsubscribe": UnsubscribeSettings,
    "dkim": DkimSettings,
    "archive": ArchiveSettings,
    "limits": LimitsSettings,
    "ranking": RankingSettings,
    "bounce": BounceSettings,
    "serve": ServeSettings,
    "brand": BrandSettings,
    "schedule": ScheduleSettings,
    "welcome": WelcomeSettings,
}
_SECTION_KEYS = ("name", "sources", "tags", "order")
_LIST_EXAMPLES = {
    "reviewers": '["editor@example.org"]',
    "allowed_origins": '["https://www.example.org"]',
}
# How a section lists its items: in its sources' order (the default) or by relevance.
SECTION_ORDERS = ("source", "relevance")


def load_settings(workspace: Path | None = None) -> tuple[Settings, tuple[str, ...]]:
    """Read `newsletter.toml` from the workspace; return the settings and any warnings."""
    here = workspace is None
    workspace = (workspace or Path.cwd()).resolve()
    path = workspace / CONFIG_NAME
    shown = display_path(path)
    if not path.exists():
        if here and (above := nearest_workspace(workspace.parent)) is not None:
            # Run in a workspace's seeds/ (say), the defaults made a second list there
            # (seeds/newsletter.db) and looked for seeds/seeds/: a new user's stumble.
            raise ConfigError(
                f"no {CONFIG_NAME} here, but {display_path(above / CONFIG_NAME)} is a "
                f"workspace above this folder: run the command there (cd "
                f"{display_path(above)}), so it reads that workspace's settings and list"
            )
        warning = f"no {CONFIG_NAME} here: using defaults (run `newsletter init` to create one)"
        return _database_from_environment(Settings(workspace=workspace)), (warning,)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{shown}: not valid UTF-8 ({e.reason}); save it as UTF-8") from None
    except OSError as e:
        raise ConfigError(f"{shown}: cannot read ({e.strerror})") from None
    data = parse_toml(text, shown, ConfigError, nesting="no setting nests like that: ")
    try:
        settings = settings_from_mapping(data, shown)
    except ConfigError as e:  # name the line the key is on, as the manifest's errors do
        raise ConfigError(with_line(str(e), shown, text)) from None
    return _database_from_environment(replace(settings, workspace=workspace, source=shown)), ()


def setting_where(settings: Settings, key: str) -> str:
    """`newsletter.toml:LINE` where `key` (`sources`, `dkim.key_file`) is written, for a
    problem whose fix goes there; the file alone when the line cannot be placed, and
    `newsletter.toml` when the workspace has none (the defaults)."""
    if not settings.source:
        return CONFIG_NAME
    try:
        text = (settings.workspace / CONFIG_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return settings.source
    line = key_line(text, key)
    return f"{settings.source}:{line}" if line else settings.source


def _database_from_environment(settings: Settings) -> Settings:
    """NEWSLETTER_DATABASE_URL, when set, in place of the file's `database` (checked alike)."""
    value = os.environ.get(DATABASE_URL_ENV)
    if value is None:
        return settings
    settings = replace(settings, database=value)
    _check_database(settings, lambda key, why: ConfigError(f"{DATABASE_URL_ENV}: {why}"))
    return settings


def settings_from_mapping(data: dict[str, Any], shown: str = CONFIG_NAME) -> Settings:
    """Validate a parsed newsletter.toml and build Settings; errors name file and key."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "sections":
            values[key] = _sections(value, shown)
        elif key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{shown}: [{key}] must be a table")
            values[key] = _table(_TABLES[key], value, f"{shown}: {key}.")
        elif key == "sources":
            values[key] = _source_list(value, f"{shown}: sources")
        elif key in _TOP_KEYS:
            _check_type(value, _TOP_KEYS[key], f"{shown}: {key}")
            values["from_address" if key == "from" else key] = value
        else:
            raise ConfigError(
                f"{shown}: unknown key {quoted(key)}"
                f"{_suggest(key, [*_TOP_KEYS, *_TABLES, 'sections'])}"
            )
    settings = Settings(**values)
    _validate(settings, shown)
    return settings


def _sections(value: Any, shown: str) -> tuple[SectionSettings, ...]:
    """[[sections]]: each a name and the sources and/or tags whose items go under it."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{shown}: sections: write each one as a [[sections]] table")
    found: list[SectionSettings] = []
    for n, item in enumerate(value, start=1):
        section = _section(item, f"{shown}: sections[{n}]")
        if any(s.name.casefold() == section.name.casefold() for s in found):
            raise ConfigError(
                f"{shown}: sections[{n}].name: {quoted(section.name)} is already a section; "
                "name each once"
            )
        found.append(section)
    return tuple(found)


def _section(item: dict[str, Any], where_: str) -> SectionSettings:
    """One [[sections]] table, checked key by key."""
    for key in item:
        if key not in _SECTION_KEYS:
            raise ConfigError(
                f"{where_}: unknown key {quoted(key)}{_suggest(key, list(_SECTION_KEYS))}"
            )
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f'{where_}.name: missing; give the section a heading, e.g. "World"')
    name = " ".join(name.split())
    lists = {}
    for key in ("sources", "tags"):
        got = item.get(key, [])
        if isinstance(got, str):
            got = [got]
        if not isinstance(got, list) or not all(isinstance(x, str) and x.strip() for x in got):
            raise ConfigError(f'{where_}.{key}: expected a list of text, e.g. ["feeds/*.xml"]')
        lists[key] = tuple(x.strip() for x in got)
    if not lists["sources"] and not lists["tags"]:
        raise ConfigError(
            f"{where_} ({quoted(name)}): give its sources (files, globs, feed URLs) or tags"
        )
    order = item.get("order", "source")
    if order not in SECTION_ORDERS:
        raise ConfigError(
            f'{where_}.order: {quoted(order)} is not an order; write "source" or "relevance"'
        )
    return SectionSettings(name, lists["sources"], lists["tags"], order)


def _table(cls: type, data: dict[str, Any], prefix: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"{prefix.removesuffix('.')}: unknown key {quoted(key)}{_suggest(key, list(known))}"
            )
        default = known[key].default
        if isinstance(default, tuple):  # a list of text, e.g. schedule.reviewers
            values[key] = _text_list(value, f"{prefix}{key}", _LIST_EXAMPLES.get(key, "[…]"))
            continue
        wanted: type | tuple[type, ...] = (
            (int, float) if isinstance(default, float) else type(default)
        )
        _check_type(value, wanted, f"{prefix}{key}", secret=key.endswith("_env"))
        values[key] = float(value) if isinstance(default, float) else value
    return cls(**values)


def _source_list(value: Any, where_: str) -> tuple[str, ...]:
    """`sources`: files, folders, globs and http(s) feed addresses."""
    sources = _text_list(value, where_, 'e.g. ["seeds/", "feeds/*.xml"]')
    for source in sources:
        if why := unfetched_source(source):
            raise ConfigError(f"{where_}: {quoted(source)}: {why}")
    return sources


def _text_list(value: Any, where_: str, example: str) -> tuple[str, ...]:
    """A list of non-empty text values (one text alone is taken as a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise ConfigError(f"{where_}: expected a list of text, {example}")
    return tuple(x.strip() for x in value)


def _check_type(
    value: Any, wanted: type | tuple[type, ...], where_: str, *, secret: bool = False
) -> None:
    # bool is an int in Python; a TOML `true` is never a valid port.
    ok = isinstance(value, wanted) and not (isinstance(value, bool) and wanted is not bool)
    if not ok:
        names = " or ".join(
            t.__name__ for t in (wanted if isinstance(wanted, tuple) else (wanted,))
        )
        got = type(value).__name__ if secret else repr(value)  # a *_env value may be a secret
        wants = wanted if isinstance(wanted, tuple) else (wanted,)
        if float in wants:  # a whole number is a number: say it once
            wants = tuple(t for t in wants if t is not int)
        hint = " or ".join(_TYPE_HINTS.get(t, t.__name__) for t in wants)
        raise ConfigError(f"{where_}: expected {names}, got {got}; write {hint}")


# What to write for each type, so a `port = "587x"` says how to fix it, not only what it is.
_TYPE_HINTS: dict[type, str] = {
    int: "a whole number, without quotes",
    float: "a number, without quotes",
    bool: "true or false, without quotes",
    str: 'text in double quotes ("…")',
    list: 'a list in brackets (["…", "…"])',
}


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return (
        f" (did you mean {quoted(close[0])}?)" if close else f" (known: {', '.join(sorted(known))})"
    )


def _validate(s: Settings, shown: str) -> None:
    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{shown}: {key}: {why}")

    validate_header_settings(s, bad)  # from, reply_to, name, list_id, unsubscribe.mailto
    if not re.match(r"^https?://[^/\s]+", s.base_url):
        raise bad("base_url", f"{quoted(s.base_url)} must be an absolute http(s) URL")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", s.language):
        raise bad("language", f"{quoted(s.language)} is not a language tag like 'en' or 'pt-BR'")
    if not 0 <= s.related <= 50:
        raise bad("related", f"{s.related} is out of range (0-50)")
    for key in ("subject", "preheader"):
        check_text_template(getattr(s, key), f"{shown}: {key}")
    check_smtp(s.smtp, lambda key: f"{shown}: smtp.{key}")
    if not _ENV_NAME.fullmatch(s.unsubscribe.secret_env or "X"):
        # Never echo it: a key pasted here instead of a variable's name is the secret itself.
        raise bad(
            "unsubscribe.secret_env",
            "must name an environment variable in capitals (like NEWSLETTER_UNSUBSCRIBE_SECRET), "
            "not hold the key; put the key in that variable",
        )
    _check_database(s, bad)
    if s.dkim.key_file:
        _check_path(s, "dkim.key_file", s.dkim.key_file, bad)
    if s.unsubscribe.url and not s.unsubscribe.url.startswith("https://"):
        raise bad("unsubscribe.url", f"{quoted(s.unsubscribe.url)} must be an https URL")
    if any((s.dkim.domain, s.dkim.selector, s.dkim.key_file)) and not s.dkim.enabled:
        raise bad("dkim", "set all of domain, selector and key_file, or none")
    if not 0 <= s.stories <= 20:
        raise bad("stories", f"{s.stories} is out of range (0-20)")
    _validate_brand(s.brand, shown)
    _validate_limits(s.limits, bad)

    _validate_audience(s, bad)
    _validate_schedule(s.schedule, bad)


def _validate_schedule(schedule: ScheduleSettings, bad: _Bad) -> None:
    """[schedule]: a cadence that makes dates, a real time zone, reviewers that can be mailed."""
    try:
        plan = schedule.plan()
    except ValueError as e:  # "time '7am': write …": the key first, so the line is the key's
        key, _, why = str(e).partition(" ")
        if key in ("cadence", "day", "start", "time", "timezone") and why:
            raise bad(f"schedule.{key}", why) from None
        raise bad("schedule", str(e)) from None
    for address in schedule.reviewers:
        if not _mailable(address):
            raise bad("schedule.reviewers", f"{quoted(address)} is not an email address")
    hours = (plan.every * 24) if plan else 24 * 7
    for key in ("build_before", "late_after"):
        value = getattr(schedule, key)
        if not math.isfinite(value) or not 0 < value <= hours:
            raise bad(
                f"schedule.{key}",
                f"{value} is out of range (above 0 to {hours:g} hours, the time between issues)",
            )


# RFC 2919: a List-Id is a dot-atom (`weekly-brief.example.org`), no spaces or angle brackets.
_LIST_ID = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+")


def validate_header_settings(s: Settings, bad: Callable[[str, str], ConfigError]) -> None:
    """Every setting that goes into a header is one a header can carry, checked once here.

    Called on the file's settings and again by every command that lays flags over them, so
    no header is built from a value nobody checked.
    """
    if not _mailable(s.sender[1]):
        raise bad(
            "from", f"{quoted(s.from_address)} is not an address like 'Name <news@example.org>'"
        )
    if s.reply_to and not _mailable(split_address(s.reply_to)[1]):
        raise bad("reply_to", f"{quoted(s.reply_to)} is not an email address")
    for key, value in (("name", s.name), ("from", s.sender[0]), ("reply_to", s.reply_to)):
        if any(c in value for c in "\r\n\0"):
            raise bad(key, "contains a line break; write it on one line")
        if has_encoded_word(value):
            # Python's mail headers decode one when it is assigned: the confirmation email's
            # Subject ("Confirm your subscription to <name>") carried a CR LF and a Bcc: line
            # from `=?utf-8?q?=0D=0ABcc:_x@evil.example?=`
            raise bad(
                key, f"{quoted(value)} holds an encoded-word (=?...?=); write the text itself"
            )
    if not _LIST_ID.fullmatch(s.list_identifier) or len(s.list_identifier) > 255:
        shown = s.list_id or s.list_identifier
        key = "list_id" if s.list_id else "name"
        raise bad(
            key,
            f"{quoted(shown)} does not make a List-Id; set list_id to a dotted name like "
            "'weekly-brief.example.org' (letters, digits, dots, hyphens; no spaces or <>)",
        )
    if s.unsubscribe.mailto and not _mailable(s.unsubscribe.mailto):
        raise bad("unsubscribe.mailto", f"{quoted(s.unsubscribe.mailto)} is not an email address")


def validated(settings: Settings, where_: str = "") -> Settings:
    """The settings again through the header checks, after flags were laid over them."""
    shown = where_ or settings.source or "settings"
    validate_header_settings(settings, lambda key, why: ConfigError(f"{shown}: {key}: {why}"))
    return settings


def check_smtp(smtp: SmtpSettings, name: Callable[[str], str]) -> None:
    """Every [smtp] value usable: ConfigError naming the key as `name(key)` gives it."""
    if smtp.security not in SECURITY_MODES:
        raise ConfigError(
            f"{name('security')}: {quoted(smtp.security)} must be one of "
            f"{', '.join(SECURITY_MODES)}"
        )
    if not smtp.host.strip() or any(c.isspace() or not c.isprintable() for c in smtp.host):
        raise ConfigError(
            f"{name('host')}: {quoted(smtp.host)} is not a host name; give one such as "
            "'mail.example.org' or '127.0.0.1'"
        )
    if not 0 < smtp.port < 65536:
        raise ConfigError(f"{name('port')}: {smtp.port} is not a port number")
    for key, (low, high, low_open) in _SMTP_RANGES.items():
        value = getattr(smtp, key)
        if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
            above = f"above {low:g}" if low_open else f"from {low:g}"
            raise ConfigError(f"{name(key)}: {value} is out of range ({above} to {high:g})")
    if 0 < smtp.rate < MIN_RATE:  # one message every 100 s at the slowest; 0 means no limit
        raise ConfigError(
            f"{name('rate')}: {smtp.rate} is too slow (0 for no limit, or ≥ {MIN_RATE})"
        )


def with_smtp_flags(settings: Settings, flags: dict[str, Any]) -> Settings:
    """The settings with the given command-line values (None: not given) laid over [smtp]."""
    given = {k: v for k, v in flags.items() if v is not None}
    smtp = replace(settings.smtp, **given)
    flag = {"host": "--smtp-host", "port": "--smtp-port", "security": "--smtp-security"}
    check_smtp(smtp, lambda key: flag.get(key, f"--{key}") if key in given else f"smtp.{key}")
    return validated(replace(settings, smtp=smtp))


# smtp key -> (lowest, highest, lowest excluded): finite numbers a run can really use.
_SMTP_RANGES: dict[str, tuple[float, float, bool]] = {
    "timeout": (0, 3600, True),
    "data_timeout": (0, 3600, True),
    "connections": (1, 64, False),
    "processes": (0, 64, False),
    "rate": (0, 100_000, False),
    "max_attempts": (1, 100, False),
    "max_consecutive_failures": (0, 1_000_000, False),
    "retry_delay": (0, 3600, False),
    "lease": (1, 3600, False),
}
MIN_RATE = 0.01
_Bad = Callable[[str, str], ConfigError]  # (key, why) → the error naming the file and key
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,99}")  # upper case, as variables are named


def _validate_limits(limits: LimitsSettings, bad: _Bad) -> None:
    """Each [limits] cap a finite, positive number a fetch or a check can really use."""
    if limits.feed_bytes < 1 or limits.feed_seconds <= 0 or limits.text_bytes < 1:
        raise bad("limits", "feed_bytes, feed_seconds and text_bytes must be positive")
    if limits.items < 1 or limits.words < 1:
        raise bad("limits", "items and words must be positive (the issue's length budget)")
    if not math.isfinite(limits.feed_seconds) or limits.feed_seconds > 3600:
        raise bad("limits.feed_seconds", f"{limits.feed_seconds} is out of range (above 0 to 3600)")


def _check_database(s: Settings, bad: _Bad) -> None:
    """`database`: a usable file path or a PostgreSQL URL; any other URL is refused."""
    try:
        server = parse_database(s.database)
    except ValueError as e:
        raise bad("database", str(e)) from None
    if server is None:
        _check_path(s, "database", s.database, bad)


def _check_path(s: Settings, key: str, value: str, bad: _Bad) -> None:
    """A path setting that can be used: not empty, no NUL, an existing home for `~user`."""
    if not value.strip():
        raise bad(key, "is empty; give a file name such as 'newsletter.db'")
    if "\0" in value:
        raise bad(key, "contains a NUL character")
    try:
        path = s.path(value)
    except RuntimeError:  # Path.expanduser: `~nosuchuser`
        raise bad(key, f"{quoted(value)}: no such user's home folder; write the path out") from None
    if path.is_dir():
        raise bad(key, f"{quoted(value)} is a folder; give a file name in it")


def _validate_audience(s: Settings, bad: _Bad) -> None:
    """The [bounce] and [serve] tables (issue 9)."""
    if s.bounce.soft_limit < 1:
        raise bad("bounce.soft_limit", f"{s.bounce.soft_limit} must be at least 1")
    if s.bounce.imap_processed not in ("flag", "move"):
        raise bad(
            "bounce.imap_processed", f"{quoted(s.bounce.imap_processed)} must be flag or move"
        )
    if s.bounce.return_path and not _mailable(s.bounce.return_path):
        raise bad("bounce.return_path", f"{quoted(s.bounce.return_path)} is not an email address")
    if s.bounce.imap_processed == "move" and not s.bounce.imap_folder.strip():
        raise bad("bounce.imap_folder", "name the folder processed messages move to")
    if not 1 <= s.bounce.imap_seconds <= 3600:
        raise bad("bounce.imap_seconds", f"{s.bounce.imap_seconds} must be from 1 to 3600")
    if s.bounce.imap_max_message < 10_000:
        raise bad("bounce.imap_max_message", f"{s.bounce.imap_max_message} must be at least 10000")
    for key in ("confirm_days", "client_limit", "address_limit"):
        if getattr(s.serve, key) < 1:
            raise bad(f"serve.{key}", f"{getattr(s.serve, key)} must be at least 1")
    for origin in s.serve.allowed_origins:
        try:
            parse_origin(origin)
        except ValueError as e:
            raise bad("serve.allowed_origins", str(e)) from None
    _validate_welcome(s.welcome, bad)


def _validate_welcome(welcome: WelcomeSettings, bad: _Bad) -> None:
    """[welcome]: a subject that formats with {name} only and fits on one header line."""
    if re.search(r"\{[^}]*\d{4,}", welcome.subject):  # `{name:>99999999}`: a huge subject
        raise bad("welcome.subject", "a field's format may have at most 3 digits")
    try:
        named = {f for _, f, _, _ in string.Formatter().parse(welcome.subject) if f is not None}
        if named - {"name"}:
            raise KeyError(", ".join(sorted(named - {"name"})))
        subject = welcome.subject.format(name="Newsletter")
    except (KeyError, IndexError, ValueError) as e:
        raise bad(
            "welcome.subject",
            f"{quoted(welcome.subject)} cannot be formatted ({type(e).__name__}: {e}); "
            "the only field is {name} (use {{ and }} for literal braces)",
        ) from None
    if not subject.strip() or len(subject) > 200 or any(c in subject for c in "\r\n"):
        raise bad("welcome.subject", "write one line of at most 200 characters")


def _validate_brand(brand: BrandSettings, shown: str) -> None:
    """A logo must load anywhere and be described; the accents must stay readable (AA)."""

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{shown}: brand.{key}: {why}")

    if brand.logo:
        if not re.match(r"^https://[^/\s]+\S*$", brand.logo):
            raise bad("logo", f"{quoted(brand.logo)} must be an absolute https:// URL of the image")
        if not brand.logo_alt.strip():
            raise bad("logo_alt", "missing: describe the logo (usually the list's name)")
    if brand.logo_dark:
        if not re.match(r"^https://[^/\s]+\S*$", brand.logo_dark):
            raise bad("logo_dark", f"{quoted(brand.logo_dark)} must be an absolute https:// URL")
        if not brand.logo:
            raise bad("logo_dark", "set logo too (the light-mode logo)")
    if not 16 <= brand.logo_width <= 552:
        raise bad("logo_width", f"{brand.logo_width} is out of range (16-552 pixels)")
    for key, background, mode in (
        ("accent", LIGHT_BACKGROUND, "light"),
        ("accent_dark", DARK_BACKGROUND, "dark"),
    ):
        colour = getattr(brand, key)
        if not colour:
            continue
        if not HEX_COLOUR.match(colour):
            raise bad(key, f'{quoted(colour)} is not a colour like "#0b57d0"')
        problem = contrast_problem(colour, background, mode)
        if problem:
            raise bad(key, problem)
    if brand.accent_dark and not brand.accent:
        raise bad("accent_dark", "set accent too (the light-mode colour)")
    if brand.font and not FONT_STACK.match(brand.font):
        raise bad(
            "font",
            f"{quoted(brand.font)} is not a font stack like \"Georgia, 'Times New Roman', serif\" "
            "(names, quotes and commas only)",
        )


def _mailable(address: str) -> bool:
    # The rule the message headers enforce, so a setting that passes here can be sent.

    try:
        check_address(address)
    except HeaderValueError:
        return False
    return True


TEXT_FIELDS = ("name", "title", "summary", "date", "id", "related_count")


def check_text_template(template: str, where_: str) -> None:
    """Fail early when a subject/preheader template names an unknown {field}."""

    try:
        fields = [
            (f, spec) for _, f, spec, _ in string.Formatter().parse(template) if f is not None
        ]
    except ValueError as e:
        raise ConfigError(f"{where_}: {e} (use {{{{ and }}}} for literal braces)") from None
    for name, spec in fields:
        # `{title:>300000000}` would build a 300 MB subject: a width or precision is a few digits.
        if "{" in (spec or "") or re.search(r"\d{4,}", spec or ""):
            raise ConfigError(
                f"{where_}: {{{name}:{spec}}}: a format of at most 3 digits, no nested field "
                "(e.g. {summary:.80})"
            )
        if name not in TEXT_FIELDS:
            raise ConfigError(
                f"{where_}: unknown field {{{name}}} (known: {', '.join(TEXT_FIELDS)})"
            )


def smtp_password() -> str | None:
    """The SMTP password from the environment, never from a flag or the file."""
    return os.environ.get(PASSWORD_ENV) or None

"""newsletter.toml: defaults with one warning, the sample file, and wrong values named by file and key."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newsletter.config import Settings, load_settings, split_address
from newsletter.errors import ConfigError


def test_no_config_gives_defaults_and_one_warning(tmp_path):
    """A workspace without newsletter.toml works on defaults and says so once."""
    settings, warnings = load_settings(tmp_path)
    assert settings.name == Settings().name
    assert settings.workspace == tmp_path.resolve()
    assert len(warnings) == 1 and "newsletter init" in warnings[0]


def test_sample_config_loads_every_section(settings):
    """The repository's commented newsletter.toml is valid and sets every section."""
    assert settings.name == "The Weekly Brief"
    assert settings.sender == ("The Weekly Brief", "digest@example.org")
    assert settings.smtp.security == "starttls" and settings.smtp.connections == 4
    assert settings.unsubscribe.url == "https://news.example.org/unsubscribe"
    assert not settings.dkim.enabled
    assert settings.list_identifier == "the-weekly-brief.example.org"
    assert settings.web_url("2026-W48") == "https://news.example.org/2026-W48/"


@pytest.mark.parametrize(
    ("name", "list_id"),
    [
        ("València Weekly", "valencia-weekly.example.org"),
        ("Straße & Søn Digest", "strasse-son-digest.example.org"),
        ("Ñandú: ¡noticias!", "nandu-noticias.example.org"),
        ("日本", "newsletter.example.org"),
    ],
)
def test_list_id_transliterates_accented_letters(settings, name, list_id):
    """The List-Id made from the name keeps accented letters as their base letters, not dashes."""
    assert replace(settings, name=name).list_identifier == list_id


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('name = "x"\nrelated = "five"\n', r"newsletter.toml: related: expected int, got 'five'"),
        ('nmae = "x"\n', r"newsletter.toml: unknown key 'nmae' \(did you mean 'name'\?\)"),
        (
            "[smtp]\nprot = 25\n",
            r"newsletter.toml: smtp: unknown key 'prot' \(did you mean 'port'\?\)",
        ),
        ("[smtp]\nport = true\n", r"smtp.port: expected int, got True"),
        (  # what to write, not only what it is (a new user's `port = "587x"`)
            '[smtp]\nport = "587x"\n',
            r"newsletter.toml:2: smtp.port: expected int, got '587x'; write a whole number, "
            "without quotes$",
        ),
        (
            '[smtp]\ntimeout = "x"\n',
            r"smtp.timeout: expected int or float, got 'x'; write a number, without quotes$",
        ),
        ("[smtp]\nport = 70000\n", r"smtp.port: 70000 is not a port number"),
        ('[smtp]\nsecurity = "tls"\n', r"smtp.security: 'tls' must be one of starttls, ssl, none"),
        ('from = "not an address"\n', r"newsletter.toml: from: 'not an address' is not an address"),
        (
            'from = "Brief <ané@example.org>"\n',
            r"newsletter.toml: from: 'Brief <ané@example.org>' is not an address",
        ),
        (
            'reply_to = "ed@ex_ample.org"\n',
            r"newsletter.toml: reply_to: 'ed@ex_ample.org' is not an email address",
        ),
        ('base_url = "news.example.org"\n', r"base_url: 'news.example.org' must be an absolute"),
        ('subject = "{titel}"\n', r"subject: unknown field \{titel\}"),
        ('language = "english please"\n', r"language: 'english please' is not a language tag"),
        (
            '[dkim]\ndomain = "example.org"\n',
            r"dkim: set all of domain, selector and key_file, or none",
        ),
        (
            '[unsubscribe]\nurl = "http://example.org/u"\n',
            r"unsubscribe.url: .* must be an https URL",
        ),
        ("smtp = 3\n", r"\[smtp\] must be a table"),
        ('name = "unclosed\n', r"newsletter.toml: invalid TOML: .*line 1"),
        ("[smtp]\ntimeout = nan\n", r"newsletter.toml: smtp.timeout: nan is out of range"),
        ("[smtp]\ntimeout = inf\n", r"newsletter.toml: smtp.timeout: inf is out of range"),
        ("[smtp]\ndata_timeout = 0\n", r"smtp.data_timeout: 0.0 is out of range \(above 0"),
        ("[smtp]\nrate = -inf\n", r"smtp.rate: -inf is out of range"),
        ("[smtp]\nrate = 1e-300\n", r"smtp.rate: 1e-300 is too slow"),
        ("[smtp]\nconnections = 100000\n", r"smtp.connections: 100000 is out of range"),
        ("[smtp]\nmax_attempts = 0\n", r"smtp.max_attempts: 0 is out of range"),
        ("[smtp]\nretry_delay = nan\n", r"smtp.retry_delay: nan is out of range"),
        ('database = "~nosuchuser/x.db"\n', r"database: '~nosuchuser/x.db': no such user's home"),
        ('database = ""\n', r"newsletter.toml: database: is empty"),
        ('database = "."\n', r"newsletter.toml: database: '.' is a folder"),
        ('[smtp]\nhost = ""\n', r"newsletter.toml: smtp.host: '' is not a host name"),
        ('[smtp]\nhost = "a\\u0000b"\n', r"smtp.host: 'a\\x00b' is not a host name"),
        ('[smtp]\nhost = "mail example.org"\n', r"smtp.host: 'mail example.org' is not a host"),
        ("[limits]\nfeed_seconds = nan\n", r"limits.feed_seconds: nan is out of range"),
        ("[limits]\nfeed_seconds = 1e300\n", r"limits.feed_seconds: 1e\+300 is out of range"),
        ("[limits]\nitems = 0\n", r"newsletter.toml: limits: items and words must be positive"),
        ("[bounce]\nsoft_limit = 0\n", r"bounce.soft_limit: 0 must be at least 1"),
        ('[bounce]\nimap_processed = "delete"\n', r"bounce.imap_processed: 'delete' must be"),
        ('[bounce]\nreturn_path = "nobody"\n', r"bounce.return_path: 'nobody' is not an email"),
        (
            '[bounce]\nimap_processed = "move"\nimap_folder = " "\n',
            r"bounce.imap_folder: name the folder",
        ),
        ("[bounce]\nimap_seconds = 0\n", r"bounce.imap_seconds: 0.0 must be from 1 to 3600"),
        ("[bounce]\nimap_max_message = 10\n", r"bounce.imap_max_message: 10 must be at least"),
        ("[serve]\nconfirm_days = 0\n", r"serve.confirm_days: 0 must be at least 1"),
        ('[brand]\nlogo = "logo.png"\n', r"brand.logo: 'logo.png' must be an absolute https"),
        ('[brand]\nlogo = "https://x.org/l.png"\n', r"brand.logo_alt: missing"),
        ('[brand]\nlogo_dark = "https://x.org/d.png"\n', r"brand.logo_dark: set logo too"),
        ('[brand]\nlogo_dark = "d.png"\n', r"brand.logo_dark: 'd.png' must be an absolute"),
        ("[brand]\nlogo_width = 5\n", r"brand.logo_width: 5 is out of range \(16-552"),
        ('[brand]\naccent = "blue"\n', r"brand.accent: 'blue' is not a colour"),
        ('[brand]\naccent_dark = "#8ab4f8"\n', r"brand.accent_dark: set accent too"),
        ('[brand]\nfont = "Comic; Sans"\n', r"brand.font: 'Comic; Sans' is not a font stack"),
    ],
)
def test_wrong_values_name_the_file_and_key(tmp_path, toml, message):
    """Each wrong value is a ConfigError naming newsletter.toml, its line, the key and what is
    expected."""
    (tmp_path / "newsletter.toml").write_text(toml, "utf-8")
    with pytest.raises(ConfigError, match=message.replace("newsletter.toml: ", r"toml:\d+: ")):
        load_settings(tmp_path)


@pytest.mark.parametrize(
    ("mistake", "advice"),
    [
        ("more_headlines = yes", "write true or false (lower case, no quotes) instead of yes"),
        ("more_headlines = True", "write true or false (lower case, no quotes) instead of True"),
        ("name = My Brief  # ours", 'text goes in quotes: "My Brief"'),
        ("base_url = https://news.example.org", 'text goes in quotes: "https://news.example.org"'),
        (
            'name = "The Week   # ours',
            'the closing " of its text is missing: end the text on that line with "',
        ),
        ("stories = ", "fix that line"),
    ],
)
def test_a_toml_slip_says_how_to_write_the_value(tmp_path, mistake, advice):
    """A bare word as a value or a string left open is one line at its line saying how to write
    it, not tomllib's "Invalid value" alone."""
    text = "# my list\nrelated = 5\n" + mistake + "\nstories = 3\n"
    (tmp_path / "newsletter.toml").write_text(text, "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path)
    message = str(raised.value)
    assert "newsletter.toml:3: invalid TOML: " in message and message.endswith(f"; {advice}")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("mistake", "shown"),
    [
        ("relatd = 8", "newsletter.toml:4: unknown key 'relatd' (did you mean 'related'?)"),
        ("[smtp]\nport = 70000", "newsletter.toml:5: smtp.port: 70000 is not a port number"),
        (
            '[[sections]]\nname = "Sci"\ntag = "x"',
            "newsletter.toml:10: sections[2]: unknown key 'tag'",
        ),
        ("[limits]\nitems = 0", "newsletter.toml:4: limits: items and words must be positive"),
        ("[brand]\naccent = 5", "newsletter.toml:5: brand.accent: expected str, got 5"),
    ],
)
def test_a_settings_error_names_the_line_of_its_key(tmp_path, mistake, shown):
    """A wrong key or value in newsletter.toml is reported at the line it is written on."""
    text = '# my list\nname = "The Week"\n\n' + mistake + "\n"
    if "sections" in mistake:
        text = '# my list\nname = "W"\n\n[[sections]]\nname = "World"\ntags = ["w"]\n\n' + mistake
    (tmp_path / "newsletter.toml").write_text(text, "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path)
    assert f"/{shown}" in str(raised.value)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("related", 2),
        ("smtp.host", 3),
        ("smtp.port", 6),
        ("sections[2].name", 11),
        ("sections[2]", 10),
        ("dkim", 12),
        ("smtp.user", None),
        ("nothing", None),
    ],
)
def test_key_line_finds_keys_tables_and_array_tables(path, line):
    """Top-level keys, dotted keys, a table's keys, the n-th [[table]] and a table's header."""
    from newsletter.toml_lines import key_line

    text = (
        'name = "x"\nrelated = 8\nsmtp.host = "a"\n\n[smtp]\nport = 587  # comment\n'
        '[[sections]]\nname = "World"\n\n[[sections]]\nname = "Sci"\n[dkim]\n'
    )
    assert key_line(text, path) == line


def test_float_settings_accept_integers(tmp_path):
    """`rate = 10` is as good as `rate = 10.0`."""
    (tmp_path / "newsletter.toml").write_text("[smtp]\nrate = 10\ntimeout = 5\n", "utf-8")
    settings, _ = load_settings(tmp_path)
    assert settings.smtp.rate == 10.0 and isinstance(settings.smtp.rate, float)


def test_split_address_handles_names_and_bare_addresses():
    """`Name <addr>`, `"Quoted, Name" <addr>` and bare addresses all split cleanly."""
    assert split_address("The Brief <news@example.org>") == ("The Brief", "news@example.org")
    assert split_address('"Brief, The" <news@example.org>') == ("Brief, The", "news@example.org")
    assert split_address("news@example.org") == ("", "news@example.org")


@pytest.mark.parametrize(
    "toml",
    [
        '[unsubscribe]\nsecret_env = "hunter2-s3cr3t key"\n',
        "[unsubscribe]\nsecret_env = 123456789\n",
        '[unsubscribe]\nsecret_env = "9abcdef0123456789"\n',
        '[unsubscribe]\nsecret_env = "sk_live_abcdef123456"\n',
    ],
)
def test_a_secret_pasted_into_secret_env_is_never_printed(tmp_path, toml):
    """A key pasted where the variable's name goes is refused without echoing it."""
    (tmp_path / "newsletter.toml").write_text(toml, "utf-8")
    with pytest.raises(ConfigError, match=r"unsubscribe.secret_env") as caught:
        load_settings(tmp_path)
    for secret in ("hunter2", "123456789", "9abcdef", "sk_live"):
        assert secret not in str(caught.value)


def test_command_line_numbers_are_checked_like_the_file(tmp_path):
    """`--rate nan` or `--connections` out of range is a ConfigError naming the flag."""
    from newsletter.config import with_smtp_flags

    with pytest.raises(ConfigError, match=r"--rate: nan is out of range"):
        with_smtp_flags(Settings(), {"rate": float("nan"), "host": None})
    assert with_smtp_flags(Settings(), {"rate": 5.0}).smtp.rate == 5.0


def test_a_settings_problem_names_its_line_after_the_folder_changes(tmp_path, monkeypatch):
    """`setting_where` reads the workspace's own newsletter.toml, not a path relative to the
    folder the settings were loaded from (the preview and serve keep settings for hours)."""
    from newsletter.config import load_settings, setting_where

    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "newsletter.toml").write_text(
        'name = "Brief"\n\n[dkim]\ndomain = "example.org"\nselector = "s1"\nkey_file = "k.pem"\n',
        "utf-8",
    )
    monkeypatch.chdir(workspace)
    settings, _ = load_settings()
    monkeypatch.chdir(tmp_path)
    assert setting_where(settings, "dkim.key_file") == "newsletter.toml:6"
    assert setting_where(settings, "sources") == "newsletter.toml"  # not written: the file


def test_an_ipv6_relay_is_named_in_brackets():
    """Errors, the plan and the progress line name an IPv6 relay `[::1]:587`, never `::1:587`."""
    from newsletter.config import SmtpSettings

    assert SmtpSettings(host="::1", port=587).where == "[::1]:587"
    assert SmtpSettings(host="relay.example.org", port=465).where == "relay.example.org:465"

"""A password written into the `database` URL, in any place libpq reads one from, is never
shown by any error the URL's parser can give: the password check runs first, and the masking
reads parameter names as libpq does (percent-decoded: `pass%77ord` is `password`)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_settings
from newsletter.database_url import parse_database
from newsletter.errors import ConfigError

SECRET = "hunter2"

# Each URL is refused without a password in it, by a different check of the parser.
REFUSED = {
    "connection string": "host=db1 port=99999 dbname=news user=news",
    "host:port without scheme": "news@db1:99999/news",
    "other scheme": "mysql://news@db1/news",
    "misspelt scheme": "postgresq://news@db1/news",
    "no //": "postgresql:news@db1/news",
    "@ after the host's /": "postgresql://news@db1/news@x",
    "unclosed [": "postgresql://news@[::1/news",
    "] without [": "postgresql://news@::1]/news",
    "[name]": "postgresql://news@[db1]/news",
    "text after ]": "postgresql://news@db1,[::1]x/news",
    "hostaddr count": "postgresql://news@/news?host=a,b&hostaddr=10.0.0.1",
    "port count": "postgresql://news@db1,db2/news?port=1,2,3",
    "port number": "postgresql://news@db1:99999/news",
    "bytes not UTF-8": "postgresql://news@db1/n\udcffews",
    "space": "postgresql://news@db1/ne ws",
}
# Where a password can go: the user part, or a parameter libpq reads as one (its name
# percent-decoded), first or last among the parameters.
NAMES = ["password", "sslpassword", "pass%77ord", "%70%61%73%73%77%6F%72%64", "sslpass%77ord"]
PLACES = ["user"] + [f"{where} {name}" for where in ("first", "last") for name in NAMES]


def _with_password(url: str, place: str) -> str:
    if place == "user":
        return url.replace("news@", f"news:{SECRET}@", 1)
    where, name = place.split()
    if url.startswith("host="):  # libpq's own form: `key=value` pairs
        return f"{name}={SECRET} {url}" if where == "first" else f"{url} {name}='{SECRET} x'"
    base, mark, query = url.partition("?")
    if where == "first" or not mark:
        return f"{base}?{name}={SECRET}" + (f"&{query}" if mark else "")
    return f"{url}&{name}={SECRET}"


@pytest.mark.parametrize("url", REFUSED.values(), ids=REFUSED.keys())
def test_each_url_is_refused_without_a_password(url):
    """Each URL below is refused on its own, so each password test reaches that check's path."""
    with pytest.raises(ValueError):
        parse_database(url)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("url", REFUSED.values(), ids=REFUSED.keys())
def test_no_error_of_the_url_parser_shows_a_password(url, place):
    """Whatever is wrong with the URL and wherever its password is, the message omits it."""
    with pytest.raises(ValueError) as caught:
        parse_database(_with_password(url, place))
    assert SECRET not in str(caught.value)


def test_a_percent_encoded_password_name_is_refused_not_shown_as_a_bad_port(workspace, monkeypatch):
    """`?pass%77ord=…` (libpq reads it as password) with a bad port is refused as a password,
    in one line naming the variable, and `subscribers list` exits 1 without showing it."""
    monkeypatch.setenv(
        "NEWSLETTER_DATABASE_URL", f"postgresql://news@db1:99999/news?pass%77ord={SECRET}"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(workspace)
    assert str(caught.value).startswith("NEWSLETTER_DATABASE_URL: the URL holds a password")
    result = CliRunner().invoke(app, ["subscribers", "list"])
    assert result.exit_code == 1 and SECRET not in result.output

"""Multi-host PostgreSQL URLs (a primary and its standbys): each form libpq takes, each refusal.

`postgresql://news@db1:5432,db2:5432/news?target_session_attrs=read-write` was refused with
"its port is not a number" (urllib reads the whole `db1:5432,db2:5432` as one host and port).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_settings
from newsletter.database_url import PostgresUrl, ServerAddress, parse_database
from newsletter.errors import ConfigError, SubscriberError
from newsletter.subscribers.database_copy import copy_database
from tests.support.smtp_server import free_port

runner = CliRunner()

FORMS = [
    (
        "postgresql://news@db1:5432,db2:5433/news?target_session_attrs=read-write",
        "db1:5432,db2:5433/news",
    ),
    ("postgresql://news@db1,db2/news", "db1:5432,db2:5432/news"),
    ("postgresql://news@db1:6000,db2/news", "db1:6000,db2:5432/news"),
    ("postgresql://news@[::1]:5433,127.0.0.1:5434/news", "[::1]:5433,127.0.0.1:5434/news"),
    ("postgresql://news@127.0.0.1:5434,[::1]/news", "127.0.0.1:5434,[::1]:5432/news"),
    ("postgresql:///news?host=db1,db2&port=5433,5434", "db1:5433,db2:5434/news"),
    ("postgresql:///news?host=db1,db2&port=6000", "db1:6000,db2:6000/news"),
    ("postgresql://ignored:6000/news?host=db1,db2", "db1:6000,db2:6000/news"),
    (
        "postgresql://news@DB1.Example.ORG,%2Frun%2Fpg/news",
        "db1.example.org:5432,/run/pg:5432/news",
    ),
    ("postgresql:///news?hostaddr=10.0.0.1,10.0.0.2&port=5433", "10.0.0.1:5433,10.0.0.2:5433/news"),
]


@pytest.mark.parametrize(("url", "where"), FORMS)
def test_each_multi_host_form_is_a_server_named_by_all_its_hosts(url, where):
    """Each form libpq takes for several hosts is accepted and named by every host:port in
    the URL's order, the same line whichever host answers."""
    server = parse_database(url)
    assert server is not None and server.where == where


@pytest.mark.parametrize(("url", "where"), FORMS)
def test_the_hosts_read_are_the_ones_libpq_reads(url, where):
    """The hosts and ports read here are libpq's own reading of the URL (its conninfo), in
    order: one port for all, or one per host, none meaning 5432."""
    server = parse_database(url)
    assert server is not None
    given = conninfo_to_dict(url)
    names = str(given.get("host") or given.get("hostaddr", "")).split(",")
    ports = str(given.get("port", "")).split(",")
    ports = ports * len(names) if len(ports) == 1 else ports
    expected = [
        (n if n.startswith("/") else n.lower(), int(p or 5432))
        for n, p in zip(names, ports, strict=True)
    ]
    assert [(a.host, a.port) for a in server.hosts] == expected


def test_one_host_reads_as_before():
    """A single host keeps its `host:port/dbname`; an IPv6 one is now bracketed (`::1:5432`
    read as a port of 1)."""
    assert parse_database("postgresql://news@db:6543/x").where == "db:6543/x"
    assert parse_database("postgresql:///x").where == "localhost:5432/x"
    assert parse_database("postgresql://news@[::1]:6543/x").where == "[::1]:6543/x"
    assert str(ServerAddress("::1", 5432)) == "[::1]:5432"


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("postgresql://news@db1:5432,db2:54x32/news", "'54x32'"),
        ("postgresql://news@db1:0,db2:5432/news", "'0'"),
        ("postgresql://news@db1,db2:70000/news", "'70000'"),
        ("postgresql://news@db1:5432,db2:/news?port=5432,x", "'x'"),
        ("postgresql://news@db1:5432:5433/news", "'5432:5433'"),
        ("postgresql://news@[::1]:99999,db2/news", "'99999'"),
    ],
)
def test_a_bad_port_of_any_host_is_refused_naming_it(url, bad):
    """A port that is not 1 to 65535, on any host of the list, is refused at load naming it."""
    with pytest.raises(ValueError, match=f"its port {bad} is not a number from 1 to 65535"):
        parse_database(url)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://news@db1,db2/news?port=1,2,3", "3 ports for 2 hosts"),
        ("postgresql:///news?host=a,b,c&port=1,2", "2 ports for 3 hosts"),
        ("postgresql:///news?host=a,b&hostaddr=10.0.0.1", "2 host(s) but 1 hostaddr"),
    ],
)
def test_ports_or_addresses_that_do_not_match_the_hosts_are_refused(url, said):
    """Ports (or hostaddr values) that cannot be matched to the hosts are refused at load, as
    libpq would refuse them at the first connection."""
    with pytest.raises(ValueError, match=re.escape(said)):
        parse_database(url)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://news@db1:5432,[db2]:5432/news", "not an IPv6 address"),
        ("postgresql://news@db1,[::1/news", "no closing ']'"),
        ("postgresql://news@[::1]:5432,::2]/news", "']' with no '['"),
        ("postgresql://news@db1,[::1]x/news", "follows the ']'"),
    ],
)
def test_a_broken_ipv6_host_anywhere_in_the_list_is_named(url, said):
    """A broken `[…]` in any host of the list is named as that (with a password in the URL
    it is refused as holding one first: tests/test_database_url_secrets.py)."""
    with pytest.raises(ValueError) as caught:
        parse_database(url)
    assert said in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://news:hunter2secret@db1:5432,db2:5432/news",
        "postgresql://news:hunter2secret@db1,db2/news?target_session_attrs=read-write",
        "postgresql://news@db1,db2/news?password=hunter2secret",
        "postgresql:///news?host=db1,db2&sslpassword=hunter2secret",
        # libpq ends the user part at the '@', not at the '?': user news, password h?nter…
        "postgresql://news:h?nter2secret@db1,db2/news",
        "postgresql://news:h?nter2secret@db1/news",
    ],
)
def test_a_password_in_a_multi_host_url_is_refused_and_never_shown(url):
    """A password in the URL, whatever its hosts, is refused pointing at the environment."""
    with pytest.raises(ValueError) as caught:
        parse_database(url)
    assert "NEWSLETTER_DATABASE_PASSWORD" in str(caught.value)
    assert "nter2secret" not in str(caught.value)


def _set_database(workspace: Path, value: str) -> None:
    toml = workspace / "newsletter.toml"
    text = re.sub(r"(?m)^database\s*=.*\n", "", toml.read_text("utf-8"))
    toml.write_text(f"database = {value!r}\n" + text, "utf-8")


def test_a_multi_host_url_with_an_unknown_scheme_names_the_key(workspace):
    """`mysql://a:1,b:2/x` in newsletter.toml is refused naming the file, line and key."""
    _set_database(workspace, "mysql://news@db1:3306,db2:3306/letters")
    with pytest.raises(ConfigError, match=r"newsletter\.toml:1: database: 'mysql://"):
        load_settings(workspace)


def test_a_bad_port_in_the_toml_names_the_key_and_the_port(workspace):
    """A bad second port in newsletter.toml is one line naming file:line, key and port."""
    _set_database(workspace, "postgresql://news@db1:5432,db2:5o32/letters")
    with pytest.raises(ConfigError, match=r"newsletter\.toml:1: database: .*its port '5o32'"):
        load_settings(workspace)


def test_every_host_down_is_one_line_naming_each_host_and_what_it_said(workspace):
    """With every host of the list closed, a command stops in one line naming the list and,
    for each host in the order tried, libpq's reason; no `postgresql:` folder is made."""
    first, second = free_port(), free_port()
    _set_database(workspace, f"postgresql://news@127.0.0.1:{first},127.0.0.1:{second}/letters")
    result = runner.invoke(app, ["subscribers", "add", "reader@example.org"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: 127.0.0.1:{first},127.0.0.1:{second}/letters: cannot")
    refused = f"127.0.0.1:{first}: Connection refused; 127.0.0.1:{second}: Connection refused"
    assert refused in lines[0]
    assert "is PostgreSQL running" in lines[0] and "Traceback" not in result.output
    assert sorted(p.name for p in workspace.iterdir() if ":" in p.name) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("postgresql://news@db1:5432,db2:5432/news", "postgresql://news@db2:5432,db1:5432/news"),
        ("postgresql://news@db1,db2/news", "postgresql://other@db2/news"),
        ("postgresql:///news?host=db1,db2", "postgresql://news@DB1:5432/news"),
    ],
)
def test_db_copy_knows_a_database_named_through_other_hosts_is_the_same(a, b):
    """`db copy` refuses a DST that shares a host:port and the database name with SRC (the
    same primary named in another order, or alone), before connecting to either."""
    with pytest.raises(SubscriberError, match="SRC and DST are the same database"):
        copy_database(a, b)


def test_different_databases_on_shared_hosts_are_not_the_same():
    """Another database name, or no host in common, is another database."""
    one = PostgresUrl("postgresql://news@db1,db2/news")
    assert not one.may_be(PostgresUrl("postgresql://news@db1,db2/other"))
    assert not one.may_be(PostgresUrl("postgresql://news@db3,db4/news"))
    assert not one.may_be(PostgresUrl("postgresql://news@db1:5433/news"))

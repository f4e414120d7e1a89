"""A libpq `key=value` string given as the database, its password written with libpq's
backslash escapes, is refused in a line that shows none of the password (database_url.py;
docs/security.md, *Feed headlines, whole descriptions, server names and the kept file*)."""

from __future__ import annotations

import pytest

from newsletter.database_url import parse_database
from newsletter.subscribers.postgres import SubscriberError, connect_postgres


@pytest.mark.parametrize(
    "value",
    [
        r"host=db password=hunter\ two dbname=news",
        r"host=db password=hunter\ \ two",
        r"host=db sslpassword=hunter\ two user=news",
        r"password=a\ hunter\'two host=db",
    ],
)
def test_an_escaped_space_in_a_conninfo_password_shows_none_of_it(value):
    """libpq reads `password=hunter\\ two` as "hunter two" (a backslash escapes the next
    character of an unquoted value): the refusal masks it whole, "two" included."""
    with pytest.raises(ValueError) as refused:
        parse_database(value)
    line = str(refused.value)
    assert "libpq connection string" in line
    assert "two" not in line and "hunter" not in line, line


@pytest.mark.parametrize(
    "url", ["postgresql://%FF%FEab@127.0.0.1:5432/letters", "postgresql://news@127.0.0.1/%FF%FE"]
)
def test_percent_encoded_bytes_that_are_no_utf_8_are_one_line_not_a_traceback(url):
    """libpq's URL reader decodes %FF%FE to bytes that are no UTF-8: psycopg raised
    UnicodeDecodeError (a 67-line traceback); now the line names the setting to fix."""
    server = parse_database(url)
    assert server is not None
    with pytest.raises(SubscriberError) as refused:
        connect_postgres(server)
    assert "libpq cannot read the URL" in str(refused.value)

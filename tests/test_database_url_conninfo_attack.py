"""A libpq `key=value` string given as the database, its password written with libpq's
backslash escapes, is refused in a line that shows none of the password (database_url.py;
docs/security.md, *Feed headlines, whole descriptions, server names and the kept file*)."""

from __future__ import annotations

import pytest

from newsletter.database_url import parse_database


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

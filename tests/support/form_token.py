"""The form token every form `newsletter serve` writes carries, read as a browser posts it back."""

from __future__ import annotations

import re

import httpx

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token_in(html: str) -> str:
    """The form token in a page the server wrote."""
    found = FORM_TOKEN.search(html)
    assert found, f"no form_token in the page: {html[:200]!r}"
    return found.group(1)


def sign_up_token(http: httpx.Client, url: str) -> str:
    """The token of the sign-up form at `url`/subscribe, fetched as a browser would."""
    return form_token_in(http.get(f"{url}/subscribe").text)

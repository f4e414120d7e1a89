"""The archive's HTML: one page per issue (the email itself, for anyone) and the index.

An issue page is the email's HTML as built, in the variant for a reader with no
values (what the web version shows: `Hi {{ subscriber.name or "there" }}` says
"Hi there"), its per-reader slots filled with text that names nobody: no name,
address or token, only the public unsubscribe page.  A small bar on top
links the index and the feed, and the sign-up page when `[archive] subscribe`
is set.  Every link between pages is relative, so the site works from any
folder of any static host; the canonical link gives the published address.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from newsletter.render.merge_tags import MERGE_TAG

_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.I)
_HEAD_CLOSE = re.compile(r"</head\s*>", re.I)
_NAV = re.compile(r"<!--archive-nav-->.*?<!--/archive-nav-->", re.S)
_BODY = re.compile(r"<body\b[^>]*>(.*)</body\s*>", re.I | re.S)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every page of the site shares."""

    name: str
    base_url: str  # without the trailing slash
    language: str
    unsubscribe_page: str  # the public page, no token
    subscribe_url: str  # "" when there is no sign-up page

    def issue_url(self, issue_id: str) -> str:
        return f"{self.base_url}/{issue_id}/"


def neutral_html(email_html: str, site: SiteInfo) -> str:
    """The email's HTML with every merge tag filled with text that names nobody."""

    def value(m: re.Match[str]) -> str:
        if m.group(1) == "unsubscribe_url":
            return html.escape(site.unsubscribe_page, quote=True)
        return ""  # the name, the address and every subscriber field: nobody's

    return MERGE_TAG.sub(value, email_html)


def issue_page(email_html: str, issue_id: str, subject: str, site: SiteInfo) -> str:
    """The published page of one issue."""
    page = neutral_html(email_html, site)
    e = html.escape
    head = (
        '<link rel="icon" href="data:,">'
        f'<link rel="canonical" href="{e(site.issue_url(issue_id))}">'
        f'<link rel="alternate" type="application/atom+xml" title="{e(site.name)}" '
        'href="../feed.xml">'
    )
    links = [
        f'<a href="../" style="color:#57606a">All issues of {e(site.name)}</a>',
        '<a href="../feed.xml" style="color:#57606a">Feed</a>',
    ]
    if site.subscribe_url:
        links.append(f'<a href="{e(site.subscribe_url)}" style="color:#57606a">Subscribe</a>')
    nav = (
        '<!--archive-nav--><nav aria-label="Archive" style="font:14px/1.5 -apple-system,'
        "'Segoe UI',Helvetica,Arial,sans-serif;text-align:center;padding:12px 8px;"
        f'background:#f3f4f6">{" · ".join(links)}</nav><!--/archive-nav-->'
    )
    page = _HEAD_CLOSE.sub(lambda m: head + m.group(0), page, count=1)
    if _BODY_OPEN.search(page):
        return _BODY_OPEN.sub(lambda m: m.group(0) + nav, page, count=1)
    return nav + page


def feed_content(page: str) -> str:
    """The email's body as an HTML fragment for the feeds (the archive bar left out)."""
    m = _BODY.search(page)
    return _NAV.sub("", m.group(1) if m else page).strip()


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One line of the index (and one entry of the feeds)."""

    id: str
    date: dt.date
    subject: str
    preheader: str


def index_page(entries: list[IndexEntry], site: SiteInfo) -> str:
    """The archive's front page: every issue, newest first, with date, subject and preheader."""
    e = html.escape
    items = "\n".join(
        f'<li><a href="{e(x.id)}/">{e(x.subject)}</a>'
        f' <time datetime="{x.date.isoformat()}">{_long_date(x.date)}</time>'
        + (f"<p>{e(x.preheader)}</p>" if x.preheader else "")
        + "</li>"
        for x in entries
    )
    subscribe = f' · <a href="{e(site.subscribe_url)}">Subscribe</a>' if site.subscribe_url else ""
    body = f"<ol>\n{items}\n</ol>" if entries else "<p>No issue yet.</p>"
    return f"""<!doctype html>
<html lang="{e(site.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{e(site.name)}: all issues</title>
<link rel="icon" href="data:,">
<link rel="canonical" href="{e(site.base_url)}/">
<link rel="alternate" type="application/atom+xml" title="{e(site.name)}" href="feed.xml">
<link rel="alternate" type="application/feed+json" title="{e(site.name)}" href="feed.json">
<style>
body {{ font: 16px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
       max-width: 40rem; padding: 1.5rem 1rem; color: #1f2328; background: #fff; }}
ol {{ list-style: none; padding: 0; }}
li {{ margin: 0 0 1.25rem; }}
li > a {{ font-size: 1.15rem; font-weight: 600; color: #0b57d0; }}
time {{ display: block; color: #57606a; font-size: .9rem; }}
li p {{ margin: .25rem 0 0; }}
@media (prefers-color-scheme: dark) {{
  body {{ color: #e6edf3; background: #0d1117; }} li > a {{ color: #79b8ff; }}
  time {{ color: #9ea7b3; }}
}}
</style>
</head>
<body>
<header><h1>{e(site.name)}</h1>
<p><a href="feed.xml">Atom feed</a> · <a href="feed.json">JSON feed</a>{subscribe}</p></header>
<main>
{body}
</main>
</body>
</html>
"""


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"

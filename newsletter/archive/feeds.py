"""The archive's feeds: feed.xml (Atom, RFC 4287) and feed.json (JSON Feed 1.1).

Both carry the newest issues with their full email body.  Every date comes
from the issues themselves (never the clock), so an unchanged archive writes
the same bytes again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence

from newsletter.archive.pages import IndexEntry, SiteInfo

FEED_ENTRIES = 20  # the newest issues; older ones stay on the site
EPOCH = dt.date(1970, 1, 1)  # an empty archive's `updated`
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _xml(text: str) -> str:
    """Text safe in an XML element or a double-quoted attribute."""
    text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def atom_feed(entries: Sequence[tuple[IndexEntry, str]], site: SiteInfo) -> str:
    """feed.xml: each (entry, its email body as HTML), newest first."""
    updated = _stamp(entries[0][0].date if entries else EPOCH)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_xml(site.language)}">',
        f"  <id>{_xml(site.base_url)}/</id>",
        f"  <title>{_xml(site.name)}</title>",
        f"  <updated>{updated}</updated>",
        f'  <link rel="self" type="application/atom+xml" href="{_xml(site.base_url)}/feed.xml"/>',
        f'  <link rel="alternate" type="text/html" href="{_xml(site.base_url)}/"/>',
        f"  <author><name>{_xml(site.name)}</name></author>",
        "  <generator>newsletter</generator>",
    ]
    for entry, content in entries:
        url = _xml(site.issue_url(entry.id))
        lines += [
            "  <entry>",
            f"    <id>{url}</id>",
            f"    <title>{_xml(entry.subject)}</title>",
            f"    <published>{_stamp(entry.date)}</published>",
            f"    <updated>{_stamp(entry.date)}</updated>",
            f'    <link rel="alternate" type="text/html" href="{url}"/>',
            f"    <summary>{_xml(entry.preheader)}</summary>",
            f'    <content type="html">{_xml(content)}</content>',
            "  </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def json_feed(entries: Sequence[tuple[IndexEntry, str]], site: SiteInfo) -> str:
    """feed.json: JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.name,
        "home_page_url": f"{site.base_url}/",
        "feed_url": f"{site.base_url}/feed.json",
        "language": site.language,
        "authors": [{"name": site.name}],
        "items": [
            {
                "id": site.issue_url(entry.id),
                "url": site.issue_url(entry.id),
                "title": entry.subject,
                "summary": entry.preheader,
                "content_html": content,
                "date_published": _stamp(entry.date),
            }
            for entry, content in entries
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"

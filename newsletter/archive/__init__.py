"""`newsletter archive`: every built issue as a static site, the target of each web-version link.

    collect.py  which issues go in (newest first, --since, --limit) and what each one's input is
    pages.py    one issue's page (the email with neutral per-reader values) and the index
    feeds.py    feed.xml (Atom) and feed.json (JSON Feed 1.1)
    site.py     `write_archive`: render what changed, write atomically, drop pages no longer in

The site's layout follows `Settings.web_url`: issue <id> is <out>/<id>/index.html,
published as <base_url>/<id>/, which is the link every email carries.
"""

from __future__ import annotations

from newsletter.archive.site import ArchiveResult, write_archive

__all__ = ["ArchiveResult", "write_archive"]

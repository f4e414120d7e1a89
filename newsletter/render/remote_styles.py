"""Refuse templates that would fetch a stylesheet: the build never touches the network.

premailer hands `@import url(http://…)` to cssutils, which fetches it whatever
`allow_network` says, and hangs the build while the server stays silent; a
`<link rel="stylesheet">` or a `url()` makes every reader's mail program fetch
(and most block it anyway).  So the CSS file and the MJML template are read for
them before anything renders, and the first one found is an error with its line.
"""

from __future__ import annotations

import re

from newsletter.errors import TemplateError, display_path

_CSS_FETCHES = (
    (re.compile(r"@import\b", re.I), "@import would fetch a stylesheet"),
    (re.compile(r"\burl\s*\(", re.I), "url() would fetch a file"),
)
_HTML_FETCHES = (
    (re.compile(r"<link\b", re.I), "<link> would fetch a stylesheet"),
    (re.compile(r"<mj-font\b", re.I), "<mj-font> would fetch a web font"),
    *_CSS_FETCHES,
)
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def refuse_remote_styles(source: str, path: str, *, css: bool) -> None:
    """Raise TemplateError at the first construct in `source` that fetches over the network."""
    text = _JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)
    if css:
        text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.S)
    for pattern, what in _CSS_FETCHES if css else _HTML_FETCHES:
        m = pattern.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            raise TemplateError(
                f"{display_path(path)}:{line}: {what} over the network, and building never "
                "touches the network; paste the rules into digest.css (and images as absolute "
                "<img> URLs) instead"
            )

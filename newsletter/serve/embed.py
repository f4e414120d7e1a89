"""The sign-up form for another website's page: what `newsletter serve --print-form` prints.

The same fields as serve's own form (email, optional name, optional first name, the hidden
honeypot, the consent wording), posting to the absolute public `/subscribe` URL.  It carries
no form token (a pasted snippet would expire): the server takes it only from the origins in
`[serve] allowed_origins`, which stand in for the token (app.py, `_embedding_origin`).
"""

from __future__ import annotations

from newsletter.config import Settings
from newsletter.serve.app import PublicUrls
from newsletter.serve.pages import load_pages


def embed_form(settings: Settings) -> str:
    """The HTML snippet, ending with a newline, for the workspace's public sign-up URL."""
    urls = PublicUrls.of(settings)
    pages = load_pages(settings)
    return (
        pages.env.get_template("embed.html").render(
            list_name=settings.name,
            language=settings.language,
            action=f"{urls.origin}{urls.subscribe}",
            origins=", ".join(sorted(settings.serve.origins)),
            wording=pages.wording,
        )
        + "\n"
    )

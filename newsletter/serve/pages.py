"""The server's few HTML pages (Jinja2, autoescaped, strict), and the CSP that lets only them run.

The stylesheet is inlined and allowed by its hash; there is no script at all,
so the Content-Security-Policy can forbid everything else.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from importlib import resources

import jinja2
from markupsafe import Markup

from newsletter.config import Settings

FORM_VERSION = "form-1"  # bump when the form itself changes; the wording's hash follows its text


@dataclass(frozen=True, slots=True)
class Pages:
    """Renders the pages of one workspace (its list name and language)."""

    env: jinja2.Environment
    css: str
    list_name: str
    language: str
    wording: str  # the consent sentence under the form
    wording_version: str  # what the consent record stores, e.g. `form-1:3f2a9c1e`

    @property
    def content_security_policy(self) -> str:
        digest = base64.b64encode(hashlib.sha256(self.css.encode()).digest()).decode()
        return (
            f"default-src 'none'; style-src 'sha256-{digest}'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )

    def render(self, template: str, title: str, **values: object) -> str:
        """One page, e.g. `render("notice.html", "Check your inbox", paragraphs=[...])`."""
        return self.env.get_template(template).render(
            title=title,
            list_name=self.list_name,
            language=self.language,
            css=Markup(self.css),
            **values,
        )


def load_pages(settings: Settings) -> Pages:
    """The pages shipped in newsletter/serve/pages/, for this workspace."""
    folder = resources.files("newsletter.serve") / "pages"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
    wording = (
        f"By subscribing you agree to receive {settings.name} by email. We keep your address, "
        "your name if you give it, and when and from where you confirmed, only to send it. "
        "Every issue has a link to unsubscribe at once."
    )
    version = f"{FORM_VERSION}:{hashlib.sha256(wording.encode()).hexdigest()[:8]}"
    css = (folder / "style.css").read_text("utf-8").strip()
    return Pages(env, css, settings.name, settings.language, wording, version)

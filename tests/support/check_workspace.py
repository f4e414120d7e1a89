"""A copy of the sample workspace with its issue built, and ways to craft a bad issue from it.

Each craft edits what an editor edits (newsletter.toml, issue.toml, a template
in the workspace's templates/) and rebuilds, so the checks see a real build.  What the
build itself refuses (a relative link, an image without alt text) is crafted in the built
files instead, as a hand edit or an older version of the tool could have left them: the
checks are the gate for what is on disk, whoever wrote it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from newsletter.assemble import AssembleOptions
from newsletter.build import build, rebuild
from newsletter.config import Settings, load_settings
from tests.conftest import ROOT, SAMPLE_DATE, SAMPLE_SEED

ISSUE_ID = "2026-W48"


def make_sample_workspace(root: Path) -> Path:
    """The repository's newsletter.toml and sample seed in `root`, the sample issue built."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "newsletter.toml", root / "newsletter.toml")
    (root / "seeds").mkdir(exist_ok=True)
    shutil.copy(SAMPLE_SEED, root / "seeds" / SAMPLE_SEED.name)
    settings, _ = load_settings(root)
    build([str(root / "seeds")], settings, AssembleOptions(today=SAMPLE_DATE))
    return root


@dataclass
class Crafter:
    """Edits one workspace's files and rebuilds its issue."""

    root: Path

    @property
    def folder(self) -> Path:
        return self.root / "issues" / ISSUE_ID

    def settings(self) -> Settings:
        return load_settings(self.root)[0]

    def config(self, pattern: str, replacement: str) -> Crafter:
        """Replace a line of newsletter.toml (a regex, one match required)."""
        path = self.root / "newsletter.toml"
        text, n = re.subn(pattern, replacement, path.read_text("utf-8"), count=1, flags=re.M)
        assert n == 1, pattern
        path.write_text(text, "utf-8")
        return self

    def unlink(self, name: str) -> Crafter:
        """Delete a file of the workspace (a key the settings point at, say)."""
        (self.root / name).unlink()
        return self

    def manifest(self, old: str, new: str) -> Crafter:
        """Replace text in issue.toml."""
        path = self.folder / "issue.toml"
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), "utf-8")
        return self

    def append_manifest(self, text: str) -> Crafter:
        """Add text at the end of issue.toml."""
        path = self.folder / "issue.toml"
        path.write_text(path.read_text("utf-8") + text, "utf-8")
        return self

    def lead_body(self, body: str, fmt: str = "text") -> Crafter:
        """Replace the lead's body (and its format)."""
        path = self.folder / "issue.toml"
        text = path.read_text("utf-8")
        escaped = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        text = re.sub(
            r'body = """\n.*?\n"""',
            lambda m: f'body = """\n{escaped}\n"""',
            text,
            count=1,
            flags=re.S,
        )
        text = text.replace('format = "text"', f'format = "{fmt}"', 1)
        path.write_text(text, "utf-8")
        return self

    def template(self, name: str, old: str, new: str) -> Crafter:
        """Override a default template in the workspace's templates/, with `old` replaced."""
        own = self.root / "templates"
        if not own.exists():
            shutil.copytree(ROOT / "templates", own)
        path = own / name
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), "utf-8")
        return self

    def template_file(self, name: str, text: str) -> Crafter:
        """Override a default template in the workspace's templates/ with `text`."""
        (self.root / "templates").mkdir(exist_ok=True)
        (self.root / "templates" / name).write_text(text, "utf-8")
        return self

    def built_html(self, markup: str) -> Crafter:
        """Add `markup` at the end of the body of index.html and of message.eml's HTML part."""
        from email import policy
        from email.parser import BytesParser

        page = self.folder / "index.html"
        text = page.read_text("utf-8")
        assert "</body>" in text
        page.write_text(text.replace("</body>", markup + "</body>", 1), "utf-8")
        path = self.folder / "message.eml"
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        part = message.get_body(preferencelist=("html",))
        assert part is not None
        html = part.get_content()
        part.set_content(html.replace("</body>", markup + "</body>", 1), subtype="html")
        path.write_bytes(message.as_bytes(policy=policy.SMTP))
        return self

    def rebuild(self) -> Path:
        """Re-render the issue from its manifest with the workspace's current files."""
        rebuild(self.folder, self.settings())
        return self.folder

"""The Jinja2 environment: a workspace's templates/ override the defaults file by file.

Strict on purpose: `StrictUndefined` turns a misspelt variable into an error,
HTML templates are autoescaped, and every failure becomes a `TemplateError`
naming the template file and line.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from newsletter.control_chars import quoted
from newsletter.errors import TemplateError, display_path

HTML_TEMPLATE = "digest.mjml.j2"
TEXT_TEMPLATE = "digest.txt.j2"
CSS_FILE = "digest.css"
WELCOME_HTML = "welcome.mjml.j2"  # the welcome email (newsletter/render/welcome.py)
WELCOME_TEXT = "welcome.txt.j2"


def default_templates_dir() -> Path:
    """The packaged defaults: newsletter/templates in a wheel, templates/ in a checkout."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


def template_dirs(workspace: Path) -> tuple[Path, ...]:
    """Where templates are looked up, first match wins: the workspace's, then the defaults."""
    own = (workspace / "templates").resolve()
    default = default_templates_dir().resolve()
    return (own, default) if own.is_dir() and own != default else (default,)


@lru_cache(maxsize=8)
def environment(
    dirs: tuple[Path, ...], filters: tuple[tuple[str, Callable[..., Any]], ...]
) -> jinja2.Environment:
    """One environment per template search path, reused across builds (the preview rebuilds)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("mjml.j2", "html.j2"), default=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters.update(dict(filters))
    return env


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template; any Jinja failure becomes a TemplateError with file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        shown = display_path(e.filename or name)
        raise TemplateError(f"{shown}:{e.lineno}: {e.message}; fix the template") from None
    except jinja2.TemplateNotFound as e:
        loader = env.loader
        searched = loader.searchpath if isinstance(loader, jinja2.FileSystemLoader) else []
        raise TemplateError(
            f"template {quoted(str(e.name))} not found in {', '.join(map(display_path, searched))}"
        ) from None
    except Exception as e:  # a runtime error inside the template: undefined name, bad filter...
        raise TemplateError(
            f"{_template_frame(e, env, name)}: {_describe(e)}; fix the template"
        ) from None


def template_path(dirs: tuple[Path, ...], name: str) -> Path | None:
    """The file a template name resolves to (first folder that has it), or None."""
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    return None


def read_template_file(dirs: tuple[Path, ...], name: str) -> str:
    """A non-Jinja template file (the CSS), from the first folder that has it."""
    for folder in dirs:
        path = folder / name
        if path.is_file():
            try:
                return path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise TemplateError(
                    f"{display_path(path)}: cannot read ({e}); save it as UTF-8 text"
                ) from None
    raise TemplateError(
        f"template {quoted(name)} not found in {', '.join(map(display_path, dirs))}"
    )


def _template_frame(error: Exception, env: jinja2.Environment, name: str) -> str:
    # Jinja rewrites tracebacks so that template code shows its own file and line.
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    if frames:
        return f"{display_path(frames[-1].filename)}:{frames[-1].lineno}"
    return name


def _describe(error: Exception) -> str:
    if isinstance(error, jinja2.UndefinedError):
        return f"{error.message} (a variable the template uses is not defined)"
    return f"{type(error).__name__}: {error}"

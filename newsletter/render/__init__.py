"""Render an assembled issue: Jinja2 → MJML → HTML → premailer, and its own plain-text template.

`render_issue` is a pure function of the issue, the settings and the template
files; per-recipient values stay as merge tags (see merge_tags.py).  Before
anything renders, the inputs are checked: no text over `limits.text_bytes`
(premailer's lxml silently drops a document past 10 MB), and no template that
would make the build, or the reader's mail program, fetch a stylesheet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from newsletter.errors import SourceError, TemplateError
from newsletter.models import Issue, Lead, Note, RenderedIssue, Story
from newsletter.render.figures import FILTERS as HTML_FILTERS
from newsletter.render.sections import Section, collectors

if TYPE_CHECKING:
    from newsletter.config import Settings

# Jinja2, the HTML steps and the text filters are imported by `render_issue` itself: a send,
# a check or the preview's reader loads this package (its merge tags, its size limits) without
# rendering anything, and Jinja2 alone costs a cold start 20 ms.

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail shows "[Message clipped]" past this much HTML
LXML_SAFE_BYTES = 9_000_000  # lxml (under premailer) drops a document of 10 MB or more
MAX_TESTED_FIELDS = 4  # merge fields templates may test for emptiness: 2**4 renders at most
RELATED_HEADING = "Related"
MORE_HEADING = "More headlines"


def render_issue(issue: Issue, settings: Settings) -> RenderedIssue:
    """Render the HTML and plain-text versions of an issue, merge tags left in place.

    Rendered once, plus once per combination of empty merge fields the templates test
    (`{% if subscriber.name %}`): those variants go with the issue, never one per reader.
    """
    from newsletter.render.html_steps import html_steps
    from newsletter.render.templates import environment, template_dirs
    from newsletter.render.text_format import FILTERS

    check_text_sizes(issue, settings.limits.text_bytes)
    dirs = template_dirs(settings.workspace)
    env = environment(dirs, FILTERS + HTML_FILTERS)
    css = email_css(dirs, settings)
    refuse_remote_template(dirs, "")
    variants = render_variants(env, html_steps(css), _context(issue, settings))
    return RenderedIssue(
        subject=issue.subject,
        preheader=issue.preheader,
        html=variants.html,
        text=variants.text,
        tested=variants.tested,
        variants=variants.others,
    )


def email_css(dirs: tuple[Path, ...], settings: Settings) -> str:
    """digest.css (the workspace's or the default), refused if it would fetch anything, then
    the brand's accent rules (after it, so the brand's colour wins)."""
    from newsletter.render.remote_styles import refuse_remote_styles
    from newsletter.render.templates import CSS_FILE, read_template_file, template_path

    css_path = template_path(dirs, CSS_FILE)
    css = read_template_file(dirs, CSS_FILE)
    refuse_remote_styles(css, str(css_path or CSS_FILE), css=True)
    if settings.brand.accent:
        from newsletter.brand import brand_css

        css += brand_css(settings.brand.accent)
    return css


def refuse_remote_template(dirs: tuple[Path, ...], name: str) -> None:
    """Refuse an HTML template (`name`; the digest's by default) that would load a stylesheet."""
    from newsletter.render.remote_styles import refuse_remote_styles
    from newsletter.render.templates import HTML_TEMPLATE, template_path

    html_path = template_path(dirs, name or HTML_TEMPLATE)
    if html_path is not None:
        refuse_remote_styles(html_path.read_text("utf-8", "replace"), str(html_path), css=False)


@dataclass(frozen=True, slots=True)
class Variants:
    """One email rendered with merge tags: for a reader with every tested field filled in,
    and once per combination of empty ones (`others`: (empty fields, html, text))."""

    html: str
    text: str
    tested: frozenset[str]
    others: tuple[tuple[frozenset[str], str, str], ...]


def render_variants(
    env: Any,
    steps: Any,
    context: dict[str, Any],
    templates: tuple[str, str] = ("", ""),
) -> Variants:
    """Render the HTML and text templates (`templates`; the digest's by default) with the
    reader's values as merge tags, once plus once per combination of the merge fields the
    templates test for emptiness (`{% if subscriber.first_name %}`, `or "there"`)."""
    from newsletter.render.merge_tags import (
        MergeState,
        SubscriberPlaceholders,
        render_nonce,
        seal_merge_tags,
    )
    from newsletter.render.templates import HTML_TEMPLATE, TEXT_TEMPLATE

    html_name, text_name = templates[0] or HTML_TEMPLATE, templates[1] or TEXT_TEMPLATE
    tested: set[str] = set()
    renders: dict[frozenset[str], tuple[str, str]] = {}
    pending = [frozenset[str]()]
    nonce = render_nonce()  # only the templates' placeholders carry it: see merge_tags.py
    while pending:
        empty = pending.pop(0)
        state = MergeState(empty=empty, nonce=nonce)
        html, text = _render_once(
            env,
            steps,
            {**context, "subscriber": SubscriberPlaceholders(state)},
            (html_name, text_name),
        )
        renders[empty] = (
            seal_merge_tags(html, nonce, html=True),
            seal_merge_tags(text, nonce, html=False),
        )
        if not state.tested <= tested:
            tested |= state.tested
            if len(tested) > MAX_TESTED_FIELDS:
                raise TemplateError(
                    f"{html_name}, {text_name}: the templates test "
                    f"{len(tested)} merge fields for emptiness ({', '.join(sorted(tested))}); "
                    f"at most {MAX_TESTED_FIELDS}: simplify the {{% if subscriber... %}} tests"
                )
            pending = [c for c in _subsets(tested) if c not in renders]
    html, text = renders.pop(frozenset())
    others = tuple(sorted(((k, h, t) for k, (h, t) in renders.items()), key=_variant_order))
    return Variants(html, text, frozenset(tested), others)


def _subsets(keys: set[str]) -> list[frozenset[str]]:
    ordered = sorted(keys)
    return [frozenset(c) for n in range(len(ordered) + 1) for c in combinations(ordered, n)]


def _variant_order(variant: tuple[frozenset[str], str, str]) -> tuple[int, list[str]]:
    return len(variant[0]), sorted(variant[0])


def _render_once(
    env: Any, steps: Any, context: dict[str, Any], templates: tuple[str, str]
) -> tuple[str, str]:
    from newsletter.render.html_steps import run_steps
    from newsletter.render.templates import render_template
    from newsletter.render.text_format import tidy_text

    html_name, text_name = templates
    mjml_source = render_template(env, html_name, context)
    if len(mjml_source.encode("utf-8")) > LXML_SAFE_BYTES:
        raise SourceError(
            f"{html_name}: the issue makes {len(mjml_source.encode()) / 1e6:.1f} MB of HTML, "
            "more than an email can hold; cut headlines or shorten the story"
        )
    html = run_steps(compile_mjml(mjml_source, html_name), steps)
    text = tidy_text(render_template(env, text_name, context))
    return html, text


def check_text_sizes(issue: Issue, limit: int, manifest: str = "") -> None:
    """Refuse any one text of the issue over `limit` bytes, naming where it is.

    Built from the sources, a text is named by its source file; re-rendered from a
    manifest (`manifest`, its path), every text is in the manifest: named by it and its key.
    """
    lead = issue.lead
    where = _text_names(manifest)
    texts = [
        (where(lead.source or "the lead story", "lead.body", "the story"), lead.body),
        (where(lead.source or "the lead story", "lead.title", "the lead's title"), lead.title),
        (where(f"issue {issue.id}", "subject", "the subject"), issue.subject),
        (where(f"issue {issue.id}", "preheader", "the preheader"), issue.preheader),
    ]
    if issue.note is not None:
        note = where(issue.note.source or "the manifest", "note.body", "the editor's note")
        texts.append((note, issue.note.body))
    section_items = [h for s in issue.sections for h in s.headlines]
    for n, item in enumerate((*issue.related, *section_items, *issue.more), 1):
        named = item.headline.source or "a headline"
        texts.append((where(named, f"headline #{n}: title", "the headline"), item.title))
        summary = where(named, f"headline #{n}: summary", "the summary")
        texts.append((summary, item.headline.summary))
    for n, card in enumerate((*issue.stories, *(c for s in issue.sections for c in s.stories)), 1):
        summary = where(card.source or "a card", f"stories[{n}].summary", "the card's summary")
        texts.append((summary, card.summary))
    _check_sizes(texts, limit)


def _text_names(manifest: str) -> Callable[[str, str, str], str]:
    """How a text is named in a size error: `manifest: key`, or `source: what`."""
    if manifest:
        return lambda _source, key, _what: f"{manifest}: {key}"
    return lambda source, _key, what: f"{source}: {what}"


def check_story_sizes(stories: Iterable[Story], limit: int) -> None:
    """The same limit on loaded stories, before the ranker spends time on a huge one."""
    _check_sizes(((f"{s.source}: the story", s.body) for s in stories), limit)


def _check_sizes(texts: Iterable[tuple[str, str]], limit: int) -> None:
    for what, text in texts:
        if len(text) * 4 <= limit:  # no UTF-8 character is over 4 bytes: surely small enough
            continue
        size = len(text.encode("utf-8"))
        if size > limit:
            raise SourceError(
                f"{what} is {_size(size)}, over the {_size(limit)} limit for one text "
                "(limits.text_bytes in newsletter.toml); shorten it"
            )


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def _context(issue: Issue, settings: Settings) -> dict[str, Any]:
    extra = settings.more_summaries
    every = (*issue.related, *(h for s in issue.sections for h in s.headlines), *issue.more)
    many = collectors(every)
    related = Section(RELATED_HEADING, issue.related, summaries=True, collectors=many)
    later = tuple(
        s
        for s in (
            *(Section(s.name, s.headlines, s.stories, extra, many) for s in issue.sections),
            Section(MORE_HEADING, issue.more, summaries=extra, collectors=many),
        )
        if s.items or s.cards
    )
    from newsletter.render.length import issue_length, lead_shows_summary, reading_time

    lead = issue.lead
    return {
        "issue": issue,
        "settings": settings,
        # Related is more on the lead's story: the templates put it right under the lead, then
        # the cards, then `later_sections` (the [[sections]], then More headlines), each left
        # out when empty. `sections` (Related first, then the same) is what a template copied
        # before Related moved loops over after its cards: kept, so that template still renders.
        "related": related if related.items else None,
        "later_sections": later,
        "sections": (related, *later) if related.items else later,
        "cards": issue.stories,
        "brand": brand_context(settings),
        "web_url": settings.web_url(issue.id),
        # The lead as a digest shows it: a summary and a link when it has a URL (unless the
        # editor set `full = true`), the whole body when the email is the only place to read it.
        "lead_summary": lead_shows_summary(lead),
        "lead_html": lead_summary_html(lead) if lead_shows_summary(lead) else lead_html(lead),
        "lead_text": lead_summary_plain(lead) if lead_shows_summary(lead) else lead_text(lead),
        "lead_reading_time": reading_time(lead.words),
        "length": issue_length(issue, settings.more_summaries),
        "reading_time": reading_time,
        # Memory across issues: the web page of the earlier issue this lead continues.
        "previously_url": settings.web_url(issue.follows.id) if issue.follows else None,
        "note_html": note_html(issue.note),
        "note_text": note_text(issue.note),
    }


def brand_context(settings: Settings) -> dict[str, Any]:
    """The `brand` the templates see: [brand] in newsletter.toml, defaults filled in."""
    brand = settings.brand
    return {
        "logo": brand.logo,
        "logo_alt": brand.logo_alt,
        "logo_width": brand.logo_width,
        "logo_dark": brand.logo_dark,
        "accent": brand.accent,
        "accent_dark": brand.dark_accent,
        "font": brand.font_stack,
    }


def lead_summary_html(lead: Lead) -> Markup:
    """The lead's summary as HTML: a Markdown lead's first paragraph keeps its links."""
    from newsletter.render.length import lead_summary_markdown, lead_summary_text

    block = lead_summary_markdown(lead)
    if block is not None:
        from newsletter.render.markdown_body import markdown_html

        return Markup(lone_links_as_targets(markdown_html(block)))
    return Markup("<p>{}</p>").format(lead_summary_text(lead))


def lead_summary_plain(lead: Lead) -> str:
    """The lead's summary as wrapped plain text, a Markdown lead's links kept as `text <url>`."""
    from newsletter.render.length import lead_summary_markdown, lead_summary_text

    block = lead_summary_markdown(lead)
    if block is not None:
        from newsletter.render.markdown_body import markdown_text

        return markdown_text(block)
    from newsletter.render.text_format import wrap

    return wrap(lead_summary_text(lead))


# A paragraph or list item holding only a link is a link standing on its own: a reader taps
# it, so it gets the class that makes it a 44 px tap target (a link inside prose stays as is).
_LONE_LINK = re.compile(r"<(p|li)>(\s*)<a (href=\"[^\"]*\")>([^<]*)</a>(\s*)</\1>")


def lone_links_as_targets(html: str) -> str:
    """Give each link that stands alone in a paragraph or list item the `lone-link` class."""
    return _LONE_LINK.sub(r'<\1>\2<a class="lone-link" \3>\4</a>\5</\1>', html)


def note_html(note: Note | None) -> Markup:
    """The editor's note as HTML (Markdown, raw HTML shown as text); empty without a note."""
    if note is None:
        return Markup("")
    from newsletter.render.markdown_body import markdown_html

    return Markup(lone_links_as_targets(markdown_html(note.body)))


def note_text(note: Note | None) -> str:
    """The editor's note as wrapped plain text, links kept as `text <url>`."""
    if note is None:
        return ""
    from newsletter.render.markdown_body import markdown_text

    return markdown_text(note.body)


def lead_html(lead: Lead) -> Markup:
    """The lead's body as HTML: escaped paragraphs, or Markdown rendered without raw HTML."""
    if lead.format == "markdown":
        from newsletter.render.markdown_body import markdown_html

        return Markup(lone_links_as_targets(markdown_html(lead.body)))
    return Markup("\n").join(Markup("<p>{}</p>").format(escape(p)) for p in lead.paragraphs)


def lead_text(lead: Lead) -> str:
    """The lead's body as plain text: wrapped paragraphs; Markdown keeps its links and lists."""
    if lead.format == "markdown":
        from newsletter.render.markdown_body import markdown_text

        return markdown_text(lead.body)
    from newsletter.render.text_format import wrap

    return "\n\n".join(wrap(p) for p in lead.paragraphs)


def compile_mjml(source: str, name: str) -> str:
    """MJML → HTML with mjml-python (in-process, no Node); errors name the template."""
    import mjml

    try:
        # fonts={}: MJML would otherwise link Google Fonts; the email uses system fonts.
        return mjml.mjml2html(_referenced(source), disable_comments=True, fonts={})
    except Exception as e:  # mjml-python raises bare ValueError with mrml's message
        raise TemplateError(
            f"{name}: MJML does not compile: {e}; check the tags in the template"
        ) from None


def _referenced(source: str) -> str:
    """`source` with the characters mjml-python would garble written as character references.

    mrml writes an attribute's format characters and combining marks as Rust escapes: an alt
    text's emoji joiner, Persian non-joiner, bidi control or decomposed accent would read
    `\\u{200d}`.  `&#x200d;` is the same character to every HTML reader, and MJML keeps it.
    """
    if source.isascii():
        return source
    return re.sub(r"[^\x00-\x7f]", _reference, source)


def _reference(m: re.Match[str]) -> str:
    # Not printable for Rust (formats, spaces but U+0020, private use, unassigned), or a
    # combining mark: what mrml's escape_debug turns into `\\u{…}`.
    c = m.group(0)
    if c.isprintable() and unicodedata.category(c)[0] != "M":
        return c
    return f"&#x{ord(c):x};"

"""`newsletter build`: compile sources (or re-render an issue folder) into issues/<id>/."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from newsletter.cli.app import (
    app,
    on_this_machine,
    parse_date,
    terminal_safe,
    warn,
    workspace_settings,
)
from newsletter.control_chars import quoted

if TYPE_CHECKING:
    from newsletter.build import BuildResult
    from newsletter.config import Settings
    from newsletter.models import Issue, ScoredHeadline, StoryCard


@app.command()
def build(
    sources: list[str] = typer.Argument(
        None,
        metavar="[SOURCES]...",
        help="Seed files, Markdown stories, feed files or URLs, folders; or one issue folder "
        "to re-render from its issue.toml. Default: `sources` in newsletter.toml, else seeds/",
        show_default=False,
    ),
    lead: str = typer.Option(
        None, "--lead", metavar="FILE|TITLE", help="The story to lead with: its file, or its title."
    ),
    related: int = typer.Option(
        None,
        "--related",
        metavar="N",
        min=0,
        max=50,
        help="Related's length: past N only headlines that clearly cover the lead, up to 2N; "
        "kept as given, not learnt from your edits. [default: 8, or newsletter.toml]",
    ),
    issue_id: str = typer.Option(
        None,
        "--id",
        metavar="ID",
        help="The issue id. [default: the next send day's by [schedule], else the ISO week, "
        "e.g. 2026-W48]",
    ),
    out: Path = typer.Option(
        None,
        "--out",
        metavar="DIR",
        help="Write the issue here. [default: issues/<id>]",
        callback=on_this_machine("a folder"),
    ),
    no_more: bool = typer.Option(
        False, "--no-more", help="Drop the headlines that are not Related."
    ),
    day: str = typer.Option(
        None, "--date", metavar="YYYY-MM-DD", help="The issue's date. [default: today]"
    ),
    repeat: bool = typer.Option(
        False,
        "--repeat",
        help="Keep headlines an earlier issue in issues/ carried (default: leave them out).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the assembled issue as one JSON object."
    ),
    no_learn: bool = typer.Option(
        False,
        "--no-learn",
        help="Rank and cut Related as shipped (concepts' share, bar, the `related` length), "
        "not as learnt from your edits of earlier issues (as [ranking] learn = false does).",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Overwrite a manifest you edited (kept as issue.toml.~1~), or rebuild an issue "
        "already sent.",
    ),
) -> None:
    """Compile this week's sources into an issue: lead, related headlines, HTML, text and .eml."""
    from dataclasses import replace

    from newsletter.assemble import AssembleOptions
    from newsletter.build import build as build_issue
    from newsletter.config import validated
    from newsletter.errors import ConfigError
    from newsletter.issue.layout import is_issue_folder
    from newsletter.issue.manifest import ISSUE_ID
    from newsletter.sources.named import is_url as is_feed_url

    # Re-rendering an issue folder uses its own workspace's settings, wherever it is run from.
    given = [Path(s) for s in sources or []]
    issue = given[0] if len(given) == 1 and is_issue_folder(given[0]) else None
    settings = workspace_settings(issue)
    if related is not None:
        settings = validated(replace(settings, related=related))
    if issue_id is not None and not ISSUE_ID.match(issue_id):
        raise ConfigError(
            f"--id {quoted(issue_id)}: use letters, digits, '.', '-' or '_' "
            "(64 at most, starting with a letter or digit; not 'welcome', the welcome email's)"
        )
    parsed_day = parse_date(day)  # an option's mistake before any word about the sources
    named: list[str] = list(sources or [])
    if not named:
        from newsletter.sources.named import named_sources

        named, unmatched = named_sources(settings)
        for warning in unmatched:
            warn(warning)
    today, chosen_id = scheduled_issue(settings, parsed_day, issue_id, given=day is not None)
    options = AssembleOptions(
        today=today,
        issue_id=chosen_id,
        lead=lead,
        related=settings.related,
        related_given=related is not None,
        more_headlines=settings.more_headlines and not no_more,
        repeat=repeat,
    )
    result = build_issue(named, settings, options, out=out, force=force, learn=not no_learn)
    for warning in result.warnings:
        warn(warning)
    if as_json:
        typer.echo(json.dumps(_as_json(result, settings), ensure_ascii=False, indent=2))
    else:
        fetched = () if result.from_manifest else tuple(s for s in named if is_feed_url(s))
        _report(result, settings, repeat, fetched)


def scheduled_issue(
    settings: Settings, day: dt.date, issue_id: str | None, *, given: bool
) -> tuple[dt.date, str | None]:
    """The issue's day and id by [schedule]: the first send day on or after `day`, and its id
    (an --id given wins). Without a schedule: `day` as it is, and the ISO week's id later."""
    scheduled = settings.schedule.issue_on(day)  # valid: checked when newsletter.toml was read
    if scheduled is None:
        return day, issue_id
    send_day, scheduled_id = scheduled
    return (day if given else send_day), issue_id or scheduled_id


def _as_json(result: BuildResult, settings: Settings) -> dict[str, Any]:
    from newsletter.assemble.lead import why_issue_lead
    from newsletter.errors import display_path

    issue = result.issue

    def cards(stories: tuple[StoryCard, ...]) -> list[dict[str, Any]]:
        return [
            {
                "title": c.title,
                "title_derived": c.title_derived,
                "url": c.url,
                "publisher": c.publisher,
                "score": c.score,
                "matched": list(c.matched),
                # headlines folded into this card (the manifest's `also`), as a line's
                "also": [{"title": m.title, "url": m.url} for m in c.merged],
            }
            for c in stories
        ]

    def items(section: tuple[ScoredHeadline, ...]) -> list[dict[str, Any]]:
        return [
            {
                "title": h.title,
                "title_derived": h.headline.title_derived,
                "url": h.url,
                "publisher": h.headline.publisher,  # the entry's outlet, or its feed's title
                "score": h.score,
                "matched": list(h.matched),
                # near-duplicates folded into this line (the manifest's `also`): the same
                # story from other sources, judged with it and not shown twice
                "also": [{"title": m.title, "url": m.url} for m in h.merged],
            }
            for h in section
        ]

    return {
        "issue_dir": display_path(result.folder),
        "id": issue.id,
        "subject": issue.subject,
        "preheader": issue.preheader,
        "lead": {
            "title": issue.lead.title,
            "title_derived": issue.lead.title_derived,
            # an untitled lead's title taken from this publisher's headline ("" = none)
            "title_from": issue.lead.title_from,
            # the Related line that headline was, folded under the lead and not listed again
            "title_line": items((issue.title_line,))[0] if issue.title_line else None,
            # the lead's own article from other sources (the same URL or title: own_copies.py),
            # folded into it and not listed again
            "also": [{"title": m.title, "url": m.url} for m in issue.lead.merged],
            "url": issue.lead.url,
            "publisher": issue.lead.publisher,
            # how many items from how many outlets cover it (the preview's Ranking tab)
            "why": why_issue_lead(issue),
        },
        "note": None if issue.note is None else {"source": issue.note.source},
        "stories": cards(issue.stories),
        "related": items(issue.related),
        "sections": [
            {"name": s.name, "stories": cards(s.stories), "headlines": items(s.headlines)}
            for s in issue.sections
        ],
        "more": items(issue.more),
        "repeated": [
            {"title": h.title, "url": h.url, "issue": h.issue, "score": h.score}
            for h in issue.repeated
        ],
        # stories dated after the issue's date, left out (assemble/later_stories.py)
        "later": [
            {
                "title": h.title,
                "url": h.url,
                "date": h.date and h.date.isoformat(),
                "source": h.source,
            }
            for h in issue.later
        ],
        "follows": (
            {
                "id": issue.follows.id,
                "title": issue.follows.title,
                "url": settings.web_url(issue.follows.id),
            }
            if issue.follows
            else None
        ),
        "length": _length(issue, settings),
        "learnt": result.learnt_view(),
    }


def _length(issue: Issue, settings: Settings) -> dict[str, int]:
    """The issue's length as the reader meets it, beside its budget ([limits])."""
    from newsletter.render.length import issue_length

    length = issue_length(issue, settings.more_summaries)
    return {
        "items": length.items,
        "words": length.words,
        "minutes": length.minutes,
        "budget_items": settings.limits.items,
        "budget_words": settings.limits.words,
    }


def _report(
    result: BuildResult, settings: Settings, repeat: bool = False, fetched: tuple[str, ...] = ()
) -> None:
    """The build's summary; `fetched`: the feed URLs this build fetched, named so no fetch
    goes unsaid."""
    from newsletter.errors import display_path
    from newsletter.render import GMAIL_CLIP_BYTES
    from newsletter.render.length import issue_length
    from newsletter.web_address import without_address_secrets

    issue, folder = result.issue, display_path(result.folder)
    how = "re-rendered from its manifest" if result.from_manifest else "built"
    typer.echo(f"Issue {issue.id} {how}: {folder}/")
    if result.backup:
        typer.echo(f"  kept     your previous manifest as {folder}/{result.backup}")
    for address in fetched:
        typer.echo(f"  fetched  {terminal_safe(without_address_secrets(address))}")
    typer.echo(f"  subject  {issue.subject}")
    typer.echo(f"  lead     {issue.lead.title}")
    if issue.lead.title_from:
        typer.echo(
            f"           (title from the headline of {quoted(issue.lead.title_from)} about the"
            " same event:"
            f" check it in {folder}/issue.toml)"
        )
    elif issue.lead.title_derived:
        typer.echo(f"           (title derived from the story: check it in {folder}/issue.toml)")
    if issue.note is not None:
        typer.echo(f"  note     from {issue.note.source or 'the manifest'}")
    all_cards = len(issue.stories) + sum(len(s.stories) for s in issue.sections)
    if all_cards:
        typer.echo(f"  stories  {all_cards} card(s)")
    typer.echo(f"  related  {len(issue.related)} headline(s); more headlines: {len(issue.more)}")
    if result.learnt is not None and result.learnt.issues:
        typer.echo(f"  learnt   {result.learnt.brief()}")
    if issue.repeated:
        kept = "kept" if repeat else "left out"
        typer.echo(f"  repeated {len(issue.repeated)} headline(s) earlier issues carried ({kept})")
    if issue.follows:
        typer.echo(f"  follows  {issue.follows.id}: {issue.follows.title}")
    if issue.sections:
        shown = ", ".join(f"{s.name} {len(s.stories) + len(s.headlines)}" for s in issue.sections)
        typer.echo(f"  sections {shown}")
    length, limits = issue_length(issue, settings.more_summaries), settings.limits
    over = length.items > limits.items or length.words > limits.words
    typer.echo(
        f"  length   {length.items} items, {length.words:,} words ({length.minutes}-min read); "
        f"budget {limits.items} items, {limits.words:,} words"
        + (": over, see `newsletter check`" if over else "")
    )
    share = result.html_bytes / GMAIL_CLIP_BYTES
    typer.echo(
        f"  html     {result.html_bytes / 1024:.1f} KB "
        f"({share:.0%} of Gmail's 102 KB clipping limit)"
    )
    if share >= 1:
        warn(
            f"{folder}/index.html is past Gmail's 102 KB clip: Gmail would cut it off and hide "
            "the unsubscribe link; cut headlines (`newsletter send` refuses it as it is)"
        )
    typer.echo(
        f"Next: open {folder}/index.html, edit {folder}/issue.toml and run "
        f"`newsletter build {folder}`, or `newsletter preview {folder}`."
    )

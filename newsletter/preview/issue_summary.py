"""What the preview page shows besides the email itself, as one JSON-ready mapping.

Made once per build from the issue folder's files and its manifest: the
message headers (as a reader's client shows them), the ranking (why each
card and headline was chosen), the plain text, and the size against Gmail's clip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from newsletter.assemble.lead import why_issue_lead
from newsletter.models import Issue, ScoredHeadline, StoryCard
from newsletter.render import GMAIL_CLIP_BYTES

# The headers an editor checks first, in this order; the rest follow as the message has them.
KEY_HEADERS = (
    "Subject",
    "From",
    "Reply-To",
    "To",
    "Date",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


def summarize_issue(
    issue: Issue,
    files: Mapping[str, bytes],
    web_url: Callable[[str], str] | None = None,
    learnt: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The page's view of one built issue: headers, ranking, text and size.

    `web_url` gives an issue's web page (Settings.web_url), for the "follows" link;
    `learnt` what the build learnt from the editor's edits (BuildResult.learnt_view).
    """
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(files["message.eml"])
    html_part = message.get_body(preferencelist=("html",))
    html = html_part.get_content().encode("utf-8") if html_part is not None else files["index.html"]
    return {
        "id": issue.id,
        "date": issue.date.isoformat(),
        "subject": issue.subject,
        "preheader": issue.preheader,
        "headers": _headers(message.items()),
        "text": files["index.txt"].decode("utf-8"),
        "size": {
            "html_bytes": len(html),
            "message_bytes": len(files["message.eml"]),
            "limit_bytes": GMAIL_CLIP_BYTES,
            "share": round(len(html) / GMAIL_CLIP_BYTES, 4),
        },
        "ranking": {
            "lead": {
                "title": issue.lead.title,
                "title_derived": issue.lead.title_derived,
                "title_from": issue.lead.title_from,
                "url": issue.lead.url,
                "source": issue.lead.source,
                "why": why_issue_lead(issue),
            },
            # the story cards, under the lead then by section, with the ranker's why
            "stories": [
                _card(c) for c in (*issue.stories, *(c for s in issue.sections for c in s.stories))
            ],
            "related": [_headline(h) for h in issue.related],
            "more": [_headline(h) for h in issue.more],
            **_memory(issue, web_url),
            "learnt": dict(learnt) if learnt is not None else None,
        },
    }


def _headers(items: list[tuple[str, Any]]) -> list[list[str]]:
    order = {name.lower(): i for i, name in enumerate(KEY_HEADERS)}
    ranked = sorted(enumerate(items), key=lambda e: (order.get(e[1][0].lower(), len(order)), e[0]))
    return [[name, str(value)] for _, (name, value) in ranked]


def _memory(issue: Issue, web_url: Callable[[str], str] | None) -> dict[str, Any]:
    """Memory across issues: headlines left out as repeated, and the lead this one follows."""
    follows = issue.follows
    return {
        "repeated": [
            {"title": h.title, "url": h.url, "issue": h.issue, "score": round(h.score, 3)}
            for h in issue.repeated
        ],
        "follows": (
            {
                "id": follows.id,
                "title": follows.title,
                "url": web_url(follows.id) if web_url else None,
            }
            if follows
            else None
        ),
    }


def _headline(item: ScoredHeadline) -> dict[str, Any]:
    return {
        "title": item.title,
        "url": item.url,
        "score": round(item.score, 3),
        "matched": list(item.matched),
        "source": item.headline.source,
        "also": [h.title for h in item.merged],
    }


def _card(card: StoryCard) -> dict[str, Any]:
    """A story card as the Ranking tab lists it: as a headline, with the section it sits in."""
    return {
        "title": card.title,
        "url": card.url,
        "score": round(card.score, 3),
        "matched": list(card.matched),
        "source": card.source,
        "section": card.section,
        "also": [h.title for h in card.merged],
    }

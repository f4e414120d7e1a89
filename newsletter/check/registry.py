"""The checks, in the order they run: the one list `check`, the send gate and the preview use."""

from __future__ import annotations

from newsletter.check import content_checks as content
from newsletter.check import markup_checks as markup
from newsletter.check.report import Check, Severity
from newsletter.check.spam import spam_wording

CHECKS: tuple[Check, ...] = (
    Check(
        "size.clip",
        "error",
        "cut the issue (fewer headlines, a shorter lead) below 102 KB",
        content.html_clipped,
    ),
    Check(
        "size.near-clip",
        "warning",
        "keep some room below Gmail's 102 KB clip",
        content.html_near_clip,
    ),
    Check("size.message", "warning", "make the message lighter than 1 MB", content.message_heavy),
    Check(
        "text.present",
        "error",
        "keep templates/digest.txt.j2 and rebuild the issue",
        content.text_missing,
    ),
    Check(
        "text.headlines",
        "error",
        "add the headline to templates/digest.txt.j2",
        content.text_lacks_headlines,
    ),
    Check(
        "text.links",
        "error",
        "write the link's URL in templates/digest.txt.j2",
        content.text_lacks_links,
    ),
    Check(
        "subject.present",
        "error",
        "write a subject in issue.toml (or `subject` in newsletter.toml)",
        content.subject_missing,
    ),
    Check(
        "subject.length",
        "warning",
        "shorten the subject to 90 characters or fewer",
        content.subject_too_long,
    ),
    Check(
        "subject.caps", "warning", "write the subject in sentence case", content.subject_shouting
    ),
    Check(
        "preheader.present", "warning", "write a preheader in issue.toml", content.preheader_missing
    ),
    Check(
        "preheader.length",
        "warning",
        "shorten the preheader in issue.toml to 90 characters or fewer: the news first",
        content.preheader_too_long,
    ),
    Check(
        "length.budget",
        "warning",
        "cut items or summaries from the parts named (issue.toml), or raise [limits]",
        content.over_budget,
    ),
    Check(
        "preheader.repeat",
        "warning",
        "make the preheader add to the subject",
        content.preheader_repeats_subject,
    ),
    Check("links.placeholder", "error", "put the real URL in the link", markup.links_placeholder),
    Check(
        "links.absolute",
        "error",
        "make the link an absolute https:// (or mailto:) URL",
        markup.links_relative,
    ),
    Check(
        "links.shortener",
        "warning",
        "link to the page itself, not through a shortener",
        markup.links_shortened,
    ),
    Check(
        "images.alt",
        "error",
        'describe the image in alt="…" (a decorative one: role="presentation")',
        markup.images_without_alt,
    ),
    Check(
        "images.src",
        "error",
        "host the image and use its absolute https:// URL",
        markup.images_not_absolute,
    ),
    Check(
        "images.width",
        "warning",
        'give the image a width (e.g. width="600")',
        markup.images_without_width,
    ),
    Check(
        "html.lang",
        "error",
        "set `language` in newsletter.toml and keep <mjml lang=…>",
        markup.lang_missing,
    ),
    Check(
        "unsubscribe.visible",
        "error",
        "keep the Unsubscribe link in both templates",
        markup.unsubscribe_not_visible,
    ),
    Check(
        "unsubscribe.one-click",
        "error",
        "set an https base_url (or [unsubscribe] url) and rebuild",
        markup.one_click_missing,
    ),
    Check(
        "postal.address",
        "error",
        "set postal_address in newsletter.toml and keep it in the templates' footer",
        markup.postal_address_missing,
    ),
    Check(
        "sender.dkim",
        "warning",
        "set [dkim] for the From domain so mail is signed",
        markup.sender_unsigned,
    ),
    Check(
        "sender.dkim-key",
        "error",
        "put the DKIM private key where dkim.key_file says",
        markup.dkim_key_missing,
    ),
    Check(
        "leftovers",
        "error",
        "remove it, or write the value as {{ subscriber.name }} in a template (text from "
        "sources and the manifest is shown as written), then rebuild",
        content.leftovers,
    ),
    Check(
        "merge.slots",
        "error",
        "rebuild the issue (`newsletter build ISSUE`): only the templates make merge tags",
        content.merge_slots_not_the_templates,
    ),
    Check("spam.wording", "warning", "reword it: spam filters score these phrases", spam_wording),
    Check(
        "settings.drift",
        "error",
        "run `newsletter build ISSUE` to re-render it with today's settings",
        content.built_with_other_settings,
    ),
    # For the reader: what an editor must still look at before the issue goes out.
    Check(
        "title.derived",
        "warning",
        "read the derived title; keep or rewrite it in issue.toml, then set title_derived = false",
        content.title_still_derived,
    ),
    Check(
        "note.repeated",
        "warning",
        "write this week's note in [note] of issue.toml (or delete it there and in seeds/)",
        content.note_repeated,
    ),
    Check(
        "stories.later",
        "warning",
        "nothing, if it is a later week's; a mistyped date: correct it, build from the sources",
        content.stories_dated_later,
    ),
    Check(
        "links.stories",
        "warning",
        "give the stories their links (front matter url:, or `Title — https://…` on a headline)",
        content.no_story_linked,
    ),
)


def _network_check(check_id: str, severity: Severity, fix: str) -> Check:
    """A check whose findings run.py makes from the network, never from the built files."""
    return Check(check_id, severity, fix, lambda email, settings: ())


# Found only with `--links` (the network) or `--spamassassin`, never by the gate.
LINK_BROKEN = _network_check("links.broken", "error", "fix or remove the link")
LINK_UNREACHABLE = _network_check(
    "links.unreachable", "warning", "check the link by hand; its server did not answer well"
)
IMAGE_HEAVY = _network_check("images.weight", "warning", "compress the image below 1 MB")
IMAGE_BLURRY = _network_check(
    "images.resolution", "warning", "use an image at least as wide as its width attribute"
)
SPAM_SCORE = _network_check("spam.score", "warning", "see the rules SpamAssassin named and reword")
IMAGE_SIZE = _network_check(
    "images.size",
    "warning",
    "add the size to issue.toml as shown and rebuild: the email then keeps the photo's place",
)
NETWORK_CHECKS = (
    LINK_BROKEN,
    LINK_UNREACHABLE,
    IMAGE_HEAVY,
    IMAGE_BLURRY,
    IMAGE_SIZE,
    SPAM_SCORE,
)
IMAGE_WARNING_BYTES = 1024 * 1024


def check_ids() -> tuple[str, ...]:
    """Every check's id, the network ones last."""
    return tuple(c.id for c in (*CHECKS, *NETWORK_CHECKS))

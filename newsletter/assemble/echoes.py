"""Keyword stuffing in a feed headline: the lead's terms with no sentence of their own.

The concept scorer counts the lead's terms a headline names, and the model's cosine reads the
same words again, so a headline made of the lead's terms scores as the closest coverage there
is, whoever wrote it: under the Valencia floods "Valencia floods death toll rescuers search
missing Spain region" scored 0.907 and "Valencia floods death toll rises as rescuers search:
buy BetterCoin now" 0.839, over the real "Dozens still missing after Spain's deadliest floods
in decades" (0.774).  Two forms are read, neither from a list of words:

- a **bag** of the lead's terms: at least `BAG_TERMS` content words, every one the lead's
  (nothing of its own), and not one function word joining them (no article, preposition,
  auxiliary or conjunction): longer than any real headline of the labelled sets so written;
- a **call to action** joined to the lead's terms: a part of the title (between ":", "|", ";"
  or a spaced dash) of at least two words that names none of the lead's terms and opens with
  a verb in its base form, as the part-of-speech tagger reads it ("buy BetterCoin now",
  "click here to claim …"): an order to the reader, not news.

Such a headline's lexical evidence is bounded by its meaning evidence on what it says of its
own (`own_bound`): the model's cosine with the lead of its words that are not the lead's (none
for a bag: its concepts count nothing, its cosine still counts).  A real headline's own words
say what it adds to the story; a stuffed one's say nothing, or sell something.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from newsletter.assemble import pos_tagger
from newsletter.assemble import terms as t

# The fewest content words of a bag.  Headlinese drops function words too: of the pooled
# labelled sets' 1,613 headlines, 182 have none, 42 of them eight content words or more, and 5
# are every word the lead's ("California Supreme Court Overturns Gay Marriage Ban",
# "Container ship runs aground, blocks Suez Canal"), with at most seven.
BAG_TERMS = 8
# Where a title's parts meet: a colon, a bar, a semicolon, a spaced dash.
_PARTS = re.compile(r"\s*[:|;]\s+|\s+[-–—]\s+")
_JOINS = re.compile(r"[:|;]\s|\s[-–—]\s")
_BASE_VERB = "VB"


@lru_cache(maxsize=8)  # a week is ranked twice (with its coverage's feedback) on one lead
def lead_words(lead_text: str) -> frozenset[str]:
    """Every concept of the lead's text (numbers included): the words a headline may take."""
    return frozenset(c for _, c in t.concept_pairs(lead_text))


def own_words(title: str, lead: frozenset[str]) -> list[str]:
    """The title's content words that are not the lead's."""
    return [word for word, concept in t.concept_pairs(title) if concept not in lead]


def is_bag(title: str, lead: frozenset[str]) -> bool:
    """Whether `title` is a bag of the lead's terms: `BAG_TERMS` content words or more, each the
    lead's, with no function word among them."""
    concepts = [c for _, c in t.concept_pairs(title)]
    if len(concepts) < BAG_TERMS or not lead.issuperset(concepts):
        return False
    return not any(t.plain(token) in t.STOPWORDS for token in t.tokens(title))


def calls_to_action(title: str, lead: frozenset[str]) -> bool:
    """Whether a part of `title` naming none of the lead's terms is an order to the reader: two
    words or more, opening with a verb's base form ("buy BetterCoin now")."""
    if not _JOINS.search(title):  # one part (most titles): read no further
        return False
    parts = _PARTS.split(title)
    for part in parts:
        part = part.strip()
        if len(part.split()) < 2 or not lead.isdisjoint(c for _, c in t.concept_pairs(part)):
            continue
        if pos_tagger.word_tags(part)[0] == _BASE_VERB:
            return True
    return False


def stuffed(title: str, lead: frozenset[str]) -> bool:
    """Whether a headline is the lead's terms with no sentence of its own (module docstring)."""
    return is_bag(title, lead) or calls_to_action(title, lead)


def own_bound(
    titles: Sequence[str],
    lead: frozenset[str],
    cosines: Callable[[Sequence[str]], list[float]],
) -> list[float]:
    """For each stuffed title, the most its concepts may count: the model's cosine with the lead
    of its own words (`cosines`, asked once for all), 0 when it has none or reads away."""
    own = [" ".join(own_words(title, lead)) for title in titles]
    asked = [text for text in own if text]
    read = dict(zip(asked, cosines(asked), strict=True)) if asked else {}
    return [max(read.get(text, 0.0), 0.0) for text in own]

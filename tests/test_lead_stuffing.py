"""A feed item that repeats the week's words many times (a phrase, a sentence, a word list)
no longer takes the lead from the editor's Markdown story: the lead's ranking reads a feed
story with each thing said once (assemble/said_once.py, assemble/lead.py; docs/security.md,
*Keyword stuffing*)."""

from __future__ import annotations

import html
import tomllib

import pytest

from newsletter.assemble.said_once import WORD_TIMES, said_once
from tests.support import labelled as lb
from tests.support.build_json import build_json
from tests.test_title_headline import DATA, FED, _feed, _item, write

EDITORS = "---\ntitle: The Fed cuts its rate\n---\n\n" + "\n\n".join(FED["paragraphs"]) + "\n"
WEEK = tomllib.loads((DATA / "labelled/45_fed_rate_cut_2019.toml").read_text("utf-8"))
ADVERT = (
    "GlowGarden lamps light a garden path without a single cable, their makers say. Each "
    "lamp soaks up sunlight through the afternoon and glows softly from dusk until dawn. The "
    "glass shades come in amber, white and a pale green that suits a pond. A small spike "
    "holds each one in soft soil or gravel, and a clip fixes it to a fence. Gardeners who "
    "tried them in the spring praised the warm colour and the quiet hum of the crickets they "
    "attract. The lamps survive frost, heavy rain and curious dogs. Spare bulbs are never "
    "needed, and the batteries last for years. Order before the evening turns cold and "
    "enjoy the longest nights in a garden that glows."
)
STUFFING = {
    "a phrase 60 times": " ".join(["Trump tariffs China trade war Chinese imports stocks"] * 60),
    "a headline 30 times": " ".join(
        ["Trump Announces Tariffs on Nearly All Chinese Imports."] * 30
    ),
    "two headlines 60 times": " ".join(
        [f"{WEEK['headlines'][10]['title']}. {WEEK['headlines'][9]['title']}."] * 60
    ),
}


def _week(workspace, stuffing: str) -> dict:
    items = [
        _item(html.escape(h["title"]), f"https://n{i}.example/a", f"Outlet {i}", f"https://n{i}.example/")
        for i, h in enumerate(WEEK["headlines"])
    ]  # fmt: skip
    body = f"<p>{ADVERT}</p><p>{stuffing}</p>"
    advert = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Lamps</title><link>https://lamps.example/</link>
<description>Lamps</description><item><title>GlowGarden lamps light the night</title>
<link>https://lamps.example/a</link><description>{html.escape(body)}</description></item>
</channel></rss>"""
    return build_json(
        write(workspace, "seeds/fed.md", EDITORS),
        write(workspace, "feeds/news.xml", _feed(*items)),
        write(workspace, "feeds/lamps.xml", advert),
    )


@pytest.mark.parametrize("stuffing", STUFFING.values(), ids=STUFFING.keys())
def test_a_stuffed_feed_item_does_not_take_the_lead(workspace, stuffing):
    """The editor's Fed story (five outlets' headlines about it) leads over an advert for
    garden lamps that repeats the words of the week's other headlines (a trade war, shootings);
    on the code before, each of these led."""
    data = _week(workspace, stuffing)
    assert data["lead"]["title"] == "The Fed cuts its rate"


def test_the_advert_said_once_is_no_lead_either(workspace):
    """The premise: the advert with the stuffed words said once does not lead (so the fix
    takes from the stuffing only what repetition added)."""
    data = _week(workspace, "Trump tariffs China trade war Chinese imports stocks.")
    assert data["lead"]["title"] == "The Fed cuts its rate"


def test_real_stories_are_read_as_written():
    """Every labelled and held-out lead's paragraphs (real news, quotes repeating a phrase
    included) come back unchanged but for spaces: saturation takes nothing from prose."""
    for folder in (lb.LABELLED, lb.HOLDOUT2, lb.HOLDOUT3):
        for lead in lb.load_leads(folder):
            written = tuple(" ".join(p.split()) for p in lead.paragraphs)
            assert said_once(tuple(lead.paragraphs)) == written, lead.name


def test_repetition_saturates():
    """A sentence said twice is read once, a phrase at most twice, a word WORD_TIMES times,
    and the commonest words are never capped."""
    assert said_once(["The Fed cut rates. The Fed cut rates."]) == ("The Fed cut rates.",)
    phrase = said_once([" ".join(["tariffs on chinese steel imports"] * 10)])[0].split()
    assert phrase.count("tariffs") == 2
    words = said_once([" ".join(f"tariffs the {n}" for n in range(20))])[0].split()
    assert words.count("tariffs") == WORD_TIMES and words.count("the") == 20

"""Benchmark: big and hostile feed files, each read in a fresh process: time and peak memory.

    .venv/bin/python bench/bench_feeds.py [--entries 55000] [--only NAME ...]

What a feed file under the 10 MB `limits.feed_bytes` can cost `build`: each feed below is
written to a temporary folder and read by `load_file` (newsletter/sources/__init__.py: the
binary check, the DOCTYPE check, the entry limit, feedparser, the entries made headlines) in a
child process, whose wall time and peak resident memory (ru_maxrss) are printed.  The feeds:

- `entries`: an RSS feed of `--entries` short items (55,000 fit in 10 MB);
- `atom entries`: the same as Atom;
- `billion laughs`: ten nested entities, each ten of the one before (10^9 `lol`s);
- `quadratic`: one 100 KB entity referenced 3,000,000 times (300 GB expanded);
- `utf-16`: the RSS feed of 2,000 items in UTF-16 with its byte-order mark;
- `styled spans`: one item whose description is a CDATA of 10 MB of `<span style=…>`, each
  its own colour (every element's style is read for what it hides: no two alike to remember);
  past the feed's HTML bound (`feed_bounds.MAX_HTML_TAGS`), so the item is left out;
- at the bound (`at_the_bound`: the most of each kind whose weight, `markup_weight`, is
  under it): `spans at the bound` (a colour and a margin each), `long styles` (24
  declarations each), `dense styles` (one style of `a:1;` many times), `wide spans` (15
  attributes of 40 bytes more), `links`, `images`, `tables`, `bare tags` (`<b>`) and `nested
  spans`: the most HTML of each kind a feed can make the sanitizer and the hiding rules read;
- `categories`: one item of as many `<category>` fields as the element bound allows;
- `xhtml spans`: an Atom entry's `type="xhtml"` content of 120,000 spans (XML elements, each
  two tags), and `lenient refs`: a bare `&` and 120,000 spans written `&#60;…&#62;`: both past
  the bound (40 s and 29 s before 2026-12-07, uncounted).

Target: each under 1 s and 100 MB (a 55,000-entry feed took 17 s and 669 MB, and the
quadratic one 33 s and 520 MB, before the entry limit and the DOCTYPE check); the cases at
the bound, under 2 s (`styled spans` took 43-62 s before the bound, read whole; 25,000 spans
4.4-11 s, 14.8 s with 24 declarations each, when it counted tags alone).  The CPU time is
printed beside the wall time: on a machine shared with other runs it is the steadier.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from probe import cpu_probe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from newsletter.sources.feed_bounds import MAX_ELEMENTS, MAX_HTML_TAGS, markup_weight  # noqa: E402

_ITEM = (
    "<item><title>Story {i} on the border</title><link>https://example.org/s/{i}</link>"
    "<pubDate>Thu, 26 Nov 2026 08:00:00 GMT</pubDate><description>Words {i}.</description></item>\n"
)
_ENTRY = (
    "<entry><title>Story {i}</title><link href='https://example.org/s/{i}'/><id>s{i}</id>"
    "<updated>2026-11-26T08:00:00Z</updated><summary>Words {i}.</summary></entry>\n"
)


def rss(entries: int) -> str:
    """An RSS 2.0 feed of `entries` short items."""
    items = "".join(_ITEM.format(i=i) for i in range(entries))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Desk</title>'
        f"<link>https://example.org/</link><description>d</description>\n{items}</channel></rss>\n"
    )


def atom(entries: int) -> str:
    """An Atom feed of `entries` short entries."""
    body = "".join(_ENTRY.format(i=i) for i in range(entries))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Desk</title><id>desk</id><updated>2026-11-26T08:00:00Z</updated>\n{body}</feed>\n"
    )


def billion_laughs() -> str:
    """The classic: `&lol9;` expands to 10^9 `lol`s."""
    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">\n'
        for i in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{entities}]>\n<rss version="2.0"><channel>'
        "<title>T</title><item><title>Peru &lol9;</title><link>https://example.org/a</link>"
        "</item></channel></rss>\n"
    )


def quadratic() -> str:
    """One 100 KB entity referenced 3,000,000 times: 9 MB that expands to 300 GB."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "{"x" * 100_000}">]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>Peru</title>'
        f"<link>https://example.org/a</link><description>{'&a;' * 3_000_000}</description>"
        "</item></channel></rss>\n"
    )


def styled_spans(size: int = 9_900_000, most: int | None = None) -> str:
    """One item whose description is `size` bytes of spans (`most` spans at most), each with
    a style of its own."""
    spans, total, i = [], 0, 0
    while total < size and (most is None or i < most):
        span = f'<span style="color:#{i % 0xFFFFFF:06x};font-weight:bold">word</span> '
        spans.append(span)
        total += len(span)
        i += 1
    return (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>T</title><item>'
        "<title>Peru</title><link>https://example.org/a</link>"
        f"<description><![CDATA[{''.join(spans)}]]></description></item></channel></rss>\n"
    )


def spans_html(spans: int, declarations: int = 2, attributes: int = 0, tag: str = "span") -> str:
    """`spans` elements, each with a style of `declarations` declarations (its own colour
    first: nothing to remember) and `attributes` more attributes of 40 bytes."""
    extra = "".join(f' data-a{k}="{"v" * 40}"' for k in range(attributes))
    out = []
    for i in range(spans):
        style = ";".join([f"color:#{i % 0xFFFFFF:06x}"] + [
            f"margin-{('top', 'left', 'right', 'bottom')[k % 4]}:{i % 97}px"
            for k in range(declarations - 1)
        ])  # fmt: skip
        styled = f' style="{style}"' if declarations else ""
        out.append(f"<{tag}{styled}{extra}>word</{tag}> ")
    return "".join(out)


def at_the_bound(make: Callable[[int], str]) -> str:
    """`make(n)` for the largest n whose HTML weighs no more than feed_bounds.MAX_HTML_TAGS:
    the most of that kind of HTML a feed may make the sanitizer and the hiding rules read."""
    low, high = 1, MAX_HTML_TAGS
    while low < high:
        middle = (low + high + 1) // 2
        html = make(middle)
        if html.count("<") + markup_weight(html) <= MAX_HTML_TAGS:
            low = middle
        else:
            high = middle - 1
    return one_item(make(low))


def one_item(html: str) -> str:
    """An RSS feed of one item whose description is `html` in CDATA."""
    return (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>T</title><item>'
        "<title>Peru</title><link>https://example.org/a</link>"
        f"<description><![CDATA[{html}]]></description></item></channel></rss>\n"
    )


def categories(fields: int) -> str:
    """One item of `fields` categories: the most XML elements a feed may hold (MAX_ELEMENTS)."""
    body = "".join(f"<category>c{i}</category>" for i in range(fields))
    return (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>T</title><item>'
        f"<title>Peru</title><link>https://example.org/a</link>{body}</item></channel></rss>\n"
    )


def xhtml_spans(spans: int = 120_000) -> str:
    """An Atom entry whose `type="xhtml"` content is `spans` styled spans: real XML elements,
    no `<` in any text (counted as tags since 2026-12-07: read whole in 40 s before)."""
    body = "".join(f'<span style="color:#{i % 0xFFFFFF:06x}">word</span> ' for i in range(spans))
    return (
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        "<id>d</id><updated>2026-11-26T08:00:00Z</updated><entry><title>Peru</title><id>a</id>"
        '<link href="https://example.org/a"/><updated>2026-11-26T08:00:00Z</updated>'
        f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'
        "</content></entry></feed>\n"
    )


def lenient_references(spans: int = 120_000) -> str:
    """A bare `&` (feedparser's lenient parser reads on) and one item of `spans` styled spans
    written with `&#60;` (counted as tags since 2026-12-07: 29 s read before the refusal)."""
    body = "".join(
        f'&#60;span style="color:#{i % 0xFFFFFF:06x};font-weight:bold"&#62;word&#60;/span&#62; '
        for i in range(spans)
    )
    return (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>AT&T</title><item>'
        "<title>Peru</title><link>https://example.org/a</link>"
        f"<description>{body}</description></item></channel></rss>\n"
    )


def feeds(entries: int) -> dict[str, bytes]:
    """Each benchmark feed's bytes, by name."""
    return {
        "entries": rss(entries).encode(),
        "atom entries": atom(entries).encode(),
        "billion laughs": billion_laughs().encode(),
        "quadratic": quadratic().encode(),
        "utf-16": rss(2_000).replace('"utf-8"', '"utf-16"').encode("utf-16"),
        "styled spans": styled_spans().encode(),
        "spans at the bound": at_the_bound(spans_html).encode(),
        "long styles": at_the_bound(lambda n: spans_html(n, declarations=24)).encode(),
        "dense styles": at_the_bound(
            lambda n: f'<p style="{";".join(["a:1"] * n)}">word</p>'
        ).encode(),
        "wide spans": at_the_bound(lambda n: spans_html(n, attributes=15)).encode(),
        "links": at_the_bound(
            lambda n: "".join(f'<a href="https://h{i}.example.org/{i}">w</a> ' for i in range(n))
        ).encode(),
        "images": at_the_bound(
            lambda n: "".join(f'<img src="https://h{i}.example.org/{i}.png">' for i in range(n))
        ).encode(),
        "tables": at_the_bound(lambda n: f"<table>{'<tr><td>w</td></tr>' * n}</table>").encode(),
        "bare tags": at_the_bound(lambda n: spans_html(n, declarations=0, tag="b")).encode(),
        "nested spans": at_the_bound(lambda n: "<span>" * n + "word" + "</span>" * n).encode(),
        "categories": categories(MAX_ELEMENTS - 20).encode(),
        "xhtml spans": xhtml_spans().encode(),
        "lenient refs": lenient_references().encode(),
    }


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from newsletter.errors import NewsletterError
from newsletter.sources import load_file
start = time.perf_counter()
try:
    loaded = load_file(Path(sys.argv[1]), 10_000_000)
    said = f"{len(loaded.headlines) + len(loaded.stories):,} read"
    if loaded.warnings:
        said += "; " + loaded.warnings[-1][:90]
except NewsletterError as e:
    said = "refused: " + str(e)[:90]
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = usage.ru_maxrss / 1024
print(json.dumps([seconds, usage.ru_utime + usage.ru_stime, peak, said]))
"""


def measure(path: Path) -> tuple[float, float, float, str]:
    """(seconds, CPU seconds (the process's, start-up included), peak MB, what came of it)
    for reading `path` in a fresh process: on a machine shared with other runs, the CPU
    time is the steadier."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    seconds, cpu, peak, said = json.loads(done.stdout)
    return seconds, cpu, peak, said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=55_000)
    parser.add_argument("--only", nargs="*", help="feeds to run, by name")
    args = parser.parse_args()
    print(f"machine speed probe: {cpu_probe():.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        for name, data in feeds(args.entries).items():
            if args.only and name not in args.only:
                continue
            path = Path(folder) / f"{name.replace(' ', '-')}.xml"
            path.write_bytes(data)
            seconds, cpu, peak, said = measure(path)
            print(
                f"{name:18} {len(data) / 1e6:5.1f} MB  {seconds:6.2f} s  {cpu:6.2f} s CPU  "
                f"{peak:6.0f} MB  {said}"
            )


if __name__ == "__main__":
    main()

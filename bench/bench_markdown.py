"""Benchmark: Markdown stories built to be slow, at 400 KB and at the largest size that passes.

    .venv/bin/python bench/bench_markdown.py [--size 400000] [--runs 3] [--only NAME ...]

Target: every build, refused or not, well under 1 s on the 2-core reference machine (a 400 KB
story of such constructs took 7-25 s before newsletter/sources/markdown_limits.py).  Each
construct is repeated to `--size` bytes and built in a throwaway workspace with one other story
(the whole build: load, assemble, render, write), then repeated only as often as the bounds
allow (`MAX_LINES` lines of text, `MAX_MARKS` marks, `--size` bytes) and built again.  Times
are wall clock, median of `--runs`, after one warm-up build.  Plain prose of `--size` bytes is
the yardstick: what any story of that size costs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from probe import cpu_probe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# One unit of each construct: repeated, it is the hostile story.
CONSTRUCTS = {
    "nested brackets": "[[[[[[[[[[x]]]]]]]]]]",
    "unclosed links": "[x](",
    "emphasis pairs": "*a",
    "a run of stars": "*",
    "underscores": "_a",
    "mixed delimiters": "*_",
    "emphasis nesting": "*a **b ",
    "backticks": "`",
    "unclosed images": "![",
    "![[": "![[",
    "links": "[a](https://example.org/x) ",
    "autolinks": "<https://example.org> ",
    "entities": "&amp; ",
    "escapes": "\\*",
    "angle brackets": "<",
    "comments": "<!--",
    "reference uses": "[a] ",
    "reference definitions": "[r]: https://example.org/r\n",
    "hyphens and colons": "a-b: ",
    "line breaks": "a\n",
    "hard breaks": "a  \n",
    "paragraphs": "a\n\n",
    "headings": "# a\n",
    "setext headings": "a\n-\n",
    "bullets": "- a\n",
    "numbered items": "1. a\n",
    "rules": "***\n",
    "fences": "```\na\n```\n",
    "indented code": "    a\n",
    "list items of autolinks": "- <https://example.org/a>\n",
    "quotes 100,000 deep": ">",
    "lists 3,000 deep": "",  # built below: each line indented one level more
}


def hostile(name: str, size: int) -> str:
    """A first paragraph, then the construct repeated to `size` characters in all."""
    return "Rain came.\n\n" + _repeated(name, size - 12)


def _repeated(name: str, size: int) -> str:
    if name == "lists 3,000 deep":
        lines, total, depth = [], 0, 0
        while total < size:
            lines.append("  " * depth + "- a\n")
            total += len(lines[-1])
            depth += 1
        return "".join(lines)
    unit = CONSTRUCTS[name]
    return unit * (size // len(unit))


def largest_passing(body: str) -> str:
    """The longest prefix of `body` that the bounds allow (the story as large as it may be)."""
    from newsletter.sources.markdown_limits import size_problem
    from newsletter.sources.markdown_reading import reference_problem

    low, high = 0, len(body)  # body[:low] passes the counts; body[:high + 1] does not
    if size_problem(body) is not None:
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if size_problem(body[:middle]) is None else (low, middle - 1)
        body = body[:low]
    while len(body) > 1 and reference_problem(body) is not None:
        body = body[: len(body) * 3 // 4]  # nested too deep: shallower
    return body


def prose(size: int) -> str:
    """Paragraphs of ordinary sentences with a link and an emphasis each, `size` characters."""
    rng = random.Random(1)
    words = ["the", "river", "water", "town", "rescue", "boats", "valley", "people", "homes"]
    paragraphs, total = [], 0
    while total < size:
        text = " ".join(rng.choice(words) for _ in range(60)).capitalize()
        paragraphs.append(f"{text}. See [the report](https://example.org/r) and *more*.")
        total += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


def timed_build(body: str, runs: int) -> tuple[float, str]:
    """Median seconds to build a workspace whose lead story has `body`, and what came of it."""
    from newsletter.errors import NewsletterError
    from tests.support.digest_workspace import build_in, make, story

    times, outcome = [], ""
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="nl-bench-md-"))
        files = {"seeds/a.md": story("Floods in the valley", body)}
        workspace = make(folder / "ws", files)
        start = time.perf_counter()
        try:
            build_in(workspace)
            outcome = "built"
        except NewsletterError as e:
            outcome = "refused: " + str(e).split(": ", 1)[1][:60]
        times.append(time.perf_counter() - start)
        shutil.rmtree(folder)
    return statistics.median(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=400_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    print(f"machine speed probe: {cpu_probe():.3f} s (0.19 s at its quickest)")
    timed_build("A first build, to load every module.", 1)  # imports are not the story's
    seconds, outcome = timed_build(prose(args.size), args.runs)
    print(f"{'plain prose':24} {args.size:>8,} B {seconds:6.2f} s  {outcome}")
    worst = 0.0
    for name in CONSTRUCTS:
        if args.only and name not in args.only:
            continue
        body = hostile(name, args.size)
        seconds, outcome = timed_build(body, args.runs)
        passing = largest_passing(body)
        at_limit, limit_outcome = timed_build(passing, args.runs)
        worst = max(worst, seconds, at_limit)
        print(
            f"{name:24} {len(body):>8,} B {seconds:6.2f} s  {outcome:70} "
            f"| passing {len(passing):>8,} B {at_limit:6.2f} s  {limit_outcome}",
            flush=True,
        )
    print(f"slowest build of a hostile story: {worst:.2f} s")


if __name__ == "__main__":
    main()

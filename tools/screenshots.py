"""Screenshots of the email for docs/email-design.md: `make screenshots`.

Opens the full-week sample's built issue (samples/full-week/issues/2026-W48/index.html) in
Debian's headless Chromium at 375 px (a phone) and 640 px (a desktop mail program's reading
pane), in light and dark mode, and saves the top of each (through the first cards) to docs/img/.
Remote images are answered with a generated 3:2 photo placeholder (nothing is fetched), as
a mail program with images on would show a photo of that shape.

    .venv/bin/python tools/screenshots.py [ISSUE_DIR] [--out docs/img]
"""

from __future__ import annotations

import argparse
import re
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUE = ROOT / "samples" / "full-week" / "issues" / "2026-W48"
CHROMIUM = "/usr/bin/chromium"
# (viewport width, height shown): a phone and a reading pane, deep enough to show the first
# screen, the note and the first cards with their thumbnails.
SIZES = ((375, 1700), (640, 1400))


def placeholder_photo(width: int = 600, height: int = 400) -> bytes:
    """A PNG of a soft blue-grey gradient, 3:2, standing in for a story's photo."""
    rows = []
    for y in range(height):
        shade = 150 + (y * 60) // height
        rows.append(b"\x00" + bytes((shade - 30, shade - 10, shade)) * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def take(issue: Path, out: Path) -> list[Path]:
    """Save the four screenshots of `issue`'s index.html into `out`; return their paths."""
    from playwright.sync_api import sync_playwright

    html = (issue / "index.html").read_text("utf-8")
    photo = placeholder_photo()
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for width, height in SIZES:
                for scheme in ("light", "dark"):
                    page = browser.new_page(
                        viewport={"width": width, "height": 800}, color_scheme=scheme
                    )
                    page.route(
                        re.compile(r"^https?://"),
                        lambda route: (
                            route.fulfill(status=200, content_type="image/png", body=photo)
                            if route.request.resource_type == "image"
                            else route.abort()
                        ),
                    )
                    page.set_content(html, wait_until="load")
                    path = out / f"email-{width}-{scheme}.png"
                    clip = {"x": 0, "y": 0, "width": width, "height": height}
                    page.screenshot(path=str(path), full_page=True, clip=clip)
                    saved.append(path)
                    page.close()
        finally:
            browser.close()
    return saved


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("issue", nargs="?", type=Path, default=ISSUE)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    if not (args.issue / "index.html").is_file():
        print(f"{args.issue}: no index.html; build the issue first (make demo)", file=sys.stderr)
        return 1
    for path in take(args.issue, args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

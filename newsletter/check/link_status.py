"""`newsletter check --links`: fetch every link of an issue, concurrently, within deadlines.

Each link gets a HEAD (a GET when the server refuses HEAD), redirects followed
by hand so the chain can be reported, within a per-link deadline; the whole run
stops at a total deadline, and what was not done by then is reported as such.
Workers are daemon threads, so a server that hangs never holds the command
open.  Nothing here raises: every failure becomes a `LinkResult` with an error.
Images are fetched too (the first 64 KB) for their weight and pixel size.
"""

from __future__ import annotations

import http.client
import queue
import ssl
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from newsletter.public_hosts import PrivateHostError, connection_class

PER_LINK_SECONDS = 10.0
TOTAL_SECONDS = 30.0
CONCURRENCY = 8
MAX_REDIRECTS = 10
IMAGE_PROBE_BYTES = 64 * 1024
USER_AGENT = "newsletter-check/0.1 (link check before sending)"
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What became of one URL: its final status, the redirects on the way, or why it failed."""

    url: str
    status: int | None = None
    final_url: str = ""
    redirects: tuple[tuple[int, str], ...] = ()  # (status, the URL it sent us to)
    error: str = ""
    seconds: float = 0.0
    image: dict[str, int] = field(default_factory=dict)  # bytes, width, height when known

    @property
    def broken(self) -> bool:
        """The server answered that the page is not there (4xx)."""
        return self.status is not None and 400 <= self.status < 500

    @property
    def unreachable(self) -> bool:
        """No answer in time, no connection, a server error (5xx), or a chain that goes nowhere."""
        return self.status is None or self.status >= 500 or bool(self.error)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "final_url": self.final_url,
            "redirects": [list(r) for r in self.redirects],
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "image": self.image,
        }


def fetch_links(
    urls: Sequence[str],
    images: Sequence[str] = (),
    *,
    per_link: float = PER_LINK_SECONDS,
    total: float = TOTAL_SECONDS,
    concurrency: int = CONCURRENCY,
    private_hosts: bool = False,
) -> tuple[LinkResult, ...]:
    """Fetch each http(s) URL once (images for their size), in the order given.

    Only public addresses are connected to, on every redirect (public_hosts.py): a link to
    this machine or its network is not fetched and says why, unless `private_hosts`.
    """
    wanted = [(u, False) for u in dict.fromkeys(urls) if _fetchable(u)]
    wanted += [(u, True) for u in dict.fromkeys(images) if _fetchable(u)]
    results: dict[int, LinkResult] = {}
    done = threading.Condition()
    jobs: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(wanted)):
        jobs.put(i)
    context = ssl.create_default_context()

    def work() -> None:
        while True:
            try:
                i = jobs.get_nowait()
            except queue.Empty:
                return
            url, is_image = wanted[i]
            result = _fetch_safely(url, is_image, per_link, context, private_hosts)
            with done:
                results[i] = result
                done.notify_all()

    for _ in range(min(concurrency, len(wanted))):
        threading.Thread(target=work, name="link-check", daemon=True).start()
    deadline = time.monotonic() + total
    with done:
        done.wait_for(
            lambda: len(results) == len(wanted) or time.monotonic() >= deadline,
            timeout=max(0.0, total),
        )
        # a worker stuck past the deadline is left behind (a daemon): its link says so
        snapshot = dict(results)
    return tuple(
        snapshot.get(i) or LinkResult(url, error=f"not checked within the total {total:g} s")
        for i, (url, _) in enumerate(wanted)
    )


def _fetchable(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _fetch_safely(
    url: str, is_image: bool, per_link: float, context: ssl.SSLContext, private_hosts: bool
) -> LinkResult:
    started = time.monotonic()
    try:
        result = _fetch(url, is_image, started + per_link, context, private_hosts)
    except PrivateHostError as e:
        result = LinkResult(url, error=str(e))
    except TimeoutError:
        result = LinkResult(url, error=f"no answer within {per_link:g} s")
    except ssl.SSLError as e:
        result = LinkResult(url, error=f"TLS: {e.reason or e}")
    except http.client.HTTPException as e:  # its text is the server's bytes: not shown raw
        result = LinkResult(url, error=f"not a valid HTTP reply ({type(e).__name__})")
    except (OSError, ValueError) as e:
        result = LinkResult(url, error=_reason(e))
    except Exception as e:  # a link check must never end the run
        result = LinkResult(url, error=f"{type(e).__name__}: {_reason(e)}")

    return replace(result, seconds=time.monotonic() - started)


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    text = "".join(c if c.isprintable() else "?" for c in str(e))[:200]
    return text or type(e).__name__


def _fetch(
    url: str, is_image: bool, deadline: float, context: ssl.SSLContext, private_hosts: bool
) -> LinkResult:
    redirects: list[tuple[int, str]] = []
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        method = "GET" if is_image else "HEAD"
        try:
            status, location, body, length = _request(
                current, method, deadline, (context, private_hosts), is_image
            )
            if method == "HEAD" and status in (403, 405, 501):  # some servers refuse HEAD only
                status, location, body, length = _request(
                    current, "GET", deadline, (context, private_hosts), False
                )
        except PrivateHostError as e:
            via = f"redirected to {current}: " if redirects else ""
            return LinkResult(
                url, final_url=current, redirects=tuple(redirects), error=via + str(e)
            )
        if status in _REDIRECTS and location:
            current = urljoin(current, location)
            redirects.append((status, current))
            if not _fetchable(current):
                return LinkResult(
                    url,
                    status=status,
                    final_url=current,
                    redirects=tuple(redirects),
                    error="redirects to a non-web URL",
                )
            continue
        image = _image_facts(body, length) if is_image and status == 200 else {}
        return LinkResult(
            url, status=status, final_url=current, redirects=tuple(redirects), image=image
        )
    return LinkResult(
        url,
        final_url=current,
        redirects=tuple(redirects),
        error=f"more than {MAX_REDIRECTS} redirects",
    )


def _request(
    url: str,
    method: str,
    deadline: float,
    connecting: tuple[ssl.SSLContext, bool],
    probe: bool,
) -> tuple[int, str, bytes, int | None]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    parts = urlsplit(url)
    context, private_hosts = connecting
    kwargs: dict[str, Any] = {"context": context} if parts.scheme == "https" else {}
    kwargs["allow_private"] = private_hosts
    conn = connection_class(parts.scheme)(
        parts.hostname or "", parts.port, timeout=remaining, **kwargs
    )
    try:
        # a link may hold raw non-ASCII (an accented path): send it percent-encoded
        path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
        path += f"?{quote(parts.query, safe='=&%+/:@!$()*,;?~')}" if parts.query else ""
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
        if probe:
            headers["Range"] = f"bytes=0-{IMAGE_PROBE_BYTES - 1}"
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        body = response.read(IMAGE_PROBE_BYTES) if probe and method == "GET" else b""
        length = _total_length(response)
        return response.status, response.getheader("Location", "") or "", body, length
    finally:
        conn.close()


def _total_length(response: http.client.HTTPResponse) -> int | None:
    content_range = response.getheader("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.getheader("Content-Length", "")
    return int(length) if length.isdigit() else None


def _image_facts(head: bytes, length: int | None) -> dict[str, int]:
    facts: dict[str, int] = {}
    if length is not None:
        facts["bytes"] = length
    size = image_size(head)
    if size:
        facts["width"], facts["height"] = size
    return facts


def image_size(head: bytes) -> tuple[int, int] | None:
    """Pixel width and height of a PNG, GIF or JPEG from its first bytes, when they tell."""
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return struct.unpack("<HH", head[6:10])
    if head[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                return None
            marker = head[i + 1]
            (seg,) = struct.unpack(">H", head[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", head[i + 5 : i + 9])
                return width, height
            i += 2 + seg
    return None

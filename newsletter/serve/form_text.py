"""A posted form's text fields, read as UTF-8 whatever the request says, or UnreadableForm.

Our pages are UTF-8 and a browser posts their forms in the page's encoding, never naming it,
so a form is UTF-8 (WHATWG URL-encoded and multipart/form-data parsing) and bytes no UTF-8
has are no form: each route answers a bad form (400, its form again), storing nothing.

Two ways around that, found from outside, are closed here: a media type written in capitals
(`Application/X-WWW-Form-Urlencoded`, which HTTP allows) went to Starlette's own parser,
which reads a body as Latin-1 (a raw `José` stored as `JosÃ©`), and a multipart body was read
in the `charset` its Content-Type named (`utf-16`, `latin-1`, `utf-7`), with Latin-1 for what
did not decode, so bytes no UTF-8 has were stored as other letters.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request


class UnreadableForm(Exception):
    """A form whose bytes are not UTF-8, raw or percent-encoded, or whose multipart body
    cannot be parsed: each route answers it as a bad form (400, its form again)."""


def _utf8(data: bytes | bytearray) -> None:
    # Starlette's own exception: its parser closes the spooled files of a failed parse.
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise MultiPartException("a field is not UTF-8") from None


class _Utf8Parts(MultiPartParser):
    """Starlette's multipart parser, each field's name and value checked to be UTF-8 (it
    reads what is not as Latin-1).  Its charset is UTF-8: `form_of` gives it no other."""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        _utf8(options.get(b"name", b""))
        super().on_headers_finished()

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            _utf8(self._current_part.data)
        super().on_part_end()


def media_type(request: Request) -> str:
    """The request's media type as HTTP reads it: before any `;`, blanks off, lower case."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def form_of(request: Request) -> Mapping[str, str]:
    """The posted form's text fields (the last of a repeated name): URL-encoded ones parsed
    here (the one-click hot path), multipart ones by Starlette's parser, whose file uploads
    are no text and are dropped (closed): a name posted as a file was kept as
    `UploadFile(filename=…, headers=…)`, its spooled file never closed.  Any other type has
    no fields."""
    kind = media_type(request)
    if kind == "application/x-www-form-urlencoded":
        body = await request.body()  # at most MAX_BODY_BYTES: the gateway refuses more
        try:
            text = body.decode("utf-8")
            return dict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
        except UnicodeDecodeError:
            raise UnreadableForm from None
    if kind != "multipart/form-data":
        return {}
    _, params = parse_options_header(request.headers["content-type"])
    boundary = params.get(b"boundary", b"").decode("latin-1")
    if not boundary or '"' in boundary or "\\" in boundary:
        raise UnreadableForm
    # The boundary alone: a `charset` the request names is not how our pages post.
    headers = Headers({"content-type": f'multipart/form-data; boundary="{boundary}"'})
    try:
        form = await _Utf8Parts(headers, request.stream()).parse()
    except MultiPartException:
        raise UnreadableForm from None
    try:
        return {name: value for name, value in form.multi_items() if isinstance(value, str)}
    finally:
        await form.close()

"""The Starlette app behind `newsletter serve`: unsubscribe (RFC 8058), sign-up, confirmation.

Routes (their paths follow the public unsubscribe URL, `[unsubscribe] url` or
`<base_url>/unsubscribe`; sign-up and confirmation sit beside it):

  GET  /unsubscribe?token=T   a page with an Unsubscribe button (a link scanner's GET: no change)
  POST /unsubscribe?token=T   `List-Unsubscribe=One-Click` (RFC 8058): unsubscribed at once, 200;
                              from the page: action=unsubscribe, or action=resubscribe
                              with the page's form token and a browser's Origin
  GET  /subscribe             the sign-up form (email, optional name)
  POST /subscribe             stores a pending sign-up, mails its confirmation link
  GET  /confirm?token=T       a page with a Confirm button (scanners again)
  POST /confirm               activates the reader, once; records their consent; their
                              welcome email follows on a thread of its own (welcome/)

Every answer is the same for an address that is new, pending, active,
unsubscribed or forgotten, and for a forged token: no endpoint tells who is
on the list.  Changes are committed before the answer is sent; database calls run on
their own thread (database_thread.py), so a held write lock delays only the writes, which
answer 503 when it does not come free in time.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from newsletter.config import Settings
from newsletter.errors import NewsletterError
from newsletter.mail.unsubscribe import MAX_TOKEN_CHARS, unsubscribe_page
from newsletter.serve.audience import Audience, InvalidAddress, RateLimited, undo_purpose
from newsletter.serve.confirmation_mail import ConfirmationMailer, confirmation_message
from newsletter.serve.connections import ConnectionGuard, ConnectionLimits
from newsletter.serve.database_thread import DatabaseBusy, DatabaseThread
from newsletter.serve.form_text import UnreadableForm, form_of
from newsletter.serve.gateway import Gateway, masked_address
from newsletter.serve.pages import Pages, load_pages
from newsletter.serve.server_link import DatabaseDown
from newsletter.web_origin import origin_of
from newsletter.welcome.delivery import Welcomer

log = logging.getLogger("newsletter.serve")


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """How one server runs: which proxies to believe, where confirmation mail goes, its limits."""

    trusted_proxies: tuple[str, ...] = ()  # addresses or networks, e.g. 127.0.0.1, 10.0.0.0/8
    outbox: Path | None = None  # write confirmation emails here instead of the relay
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    database_wait: float = 5.0  # seconds a call may wait for the database thread before a 503


@dataclass(frozen=True, slots=True)
class PublicUrls:
    """Where the reverse proxy exposes the server: the origin and each route's path."""

    origin: str  # https://news.example.org
    unsubscribe: str  # /unsubscribe
    subscribe: str
    confirm: str

    @classmethod
    def of(cls, settings: Settings) -> PublicUrls:
        parts = urlsplit(unsubscribe_page(settings))
        path = parts.path or "/unsubscribe"
        root = path.rsplit("/", 1)[0]
        return cls(f"{parts.scheme}://{parts.netloc}", path, f"{root}/subscribe", f"{root}/confirm")


@dataclass
class _Handlers:
    settings: Settings
    audience: Audience
    db: DatabaseThread
    mailer: ConfirmationMailer
    pages: Pages
    urls: PublicUrls
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    welcomer: Welcomer | None = None  # sends the welcome emails confirmations queue

    @property
    def own_origin(self) -> str:
        """Serve's public origin as a browser's `Origin` spells it (no default port)."""
        return origin_of(self.urls.origin) or self.urls.origin

    # -- unsubscribe ---------------------------------------------------------------------

    async def unsubscribe(self, request: Request) -> Response:
        # A token that cannot be ours (too long, not ASCII) is handled as a forged one: the
        # same page, nothing changed; only it is not echoed back.
        given = request.query_params.get("token", "")
        if _reads(request):
            _note(request, "page")
            return self._unsubscribe_page("ask" if given else "none", _token(given))
        try:
            form = await form_of(request)
        except UnreadableForm:
            _note(request, "unreadable-form")
            return self._unsubscribe_page("ask" if given else "none", _token(given), status=400)
        one_click = form.get("List-Unsubscribe") == "One-Click"
        given = str(form.get("token", "")) or given
        token = _token(given)
        action = "unsubscribe" if one_click else str(form.get("action", ""))
        if not one_click and not self._same_origin(request):
            return self._refused(request)
        if action not in ("unsubscribe", "resubscribe") or not given:
            _note(request, "no-action")
            return self._unsubscribe_page("ask" if given else "none", token, status=400)
        how = "one-click" if one_click else "page"
        if action == "resubscribe":
            address = None
            if token and _from_a_browser_page(request):
                form_token = str(form.get("form_token", ""))
                address = await self.db.run(self.audience.resubscribe, token, form_token)
            if address is None:
                _note(request, "resubscribe-refused")
                return self._unsubscribe_page("again", token, status=403)
            _note(request, f"resubscribe {how} {_masked(address)}")
            return self._unsubscribe_page("back", token)
        address, undo = await self.db.run(self.audience.unsubscribe, token)
        _note(request, f"unsubscribe {how} {_masked(address)}")
        return self._unsubscribe_page("done", token, undo=undo)

    def _unsubscribe_page(
        self, state: str, token: str, status: int = 200, *, undo: str = ""
    ) -> Response:
        """The page for `state`; its Resubscribe form works only when `undo` (see below).

        The form token offered after an unsubscribe undoes that unsubscribe only if it
        changed an active reader (`undo` is then the time it stamped on them), and only
        while that is still their latest change.  Whoever holds a token can unsubscribe
        again at any time: were every such answer an undo, a script could put a reader who
        left months ago back on the list in two requests; were the form good for its whole
        day, one kept from an earlier page would undo the reader's own unsubscribe later.
        Every page looks the same either way.
        """
        titles = {
            "ask": "Unsubscribe?",
            "none": "Unsubscribe",
            "done": "Unsubscribed",
            "back": "Subscribed again",
            "again": "Resubscribe?",
        }
        html = self.pages.render(
            "unsubscribe.html",
            titles[state],
            state=state,
            token=token,
            action=self.urls.unsubscribe,
            form_token=self.audience.form_token(undo_purpose(token, undo) if undo else "none"),
            subscribe=self.urls.subscribe,
        )
        return HTMLResponse(html, status)

    # -- sign-up -------------------------------------------------------------------------

    async def subscribe(self, request: Request) -> Response:
        if _reads(request):
            _note(request, "form")
            return self._form()
        embedded_from = self._embedding_origin(request)
        if embedded_from is None and not self._same_origin(request):
            return self._refused(request, signup=True)
        try:
            form = await form_of(request)
        except UnreadableForm:
            _note(request, "unreadable-form")
            return self._form(
                error="This form could not be read. Please fill it in again.", status=400
            )
        email, name = str(form.get("email", "")).strip(), str(form.get("name", "")).strip()
        first = str(form.get("first_name", "")).strip()  # optional, for a greeting
        wording = self.pages.wording_version
        if embedded_from is not None:  # the allowed site's page stands for the form token
            wording = f"{wording} embedded at {embedded_from}"
        elif not self.audience.form_token_valid(str(form.get("form_token", ""))):
            _note(request, "stale-form")
            return self._form(
                email, name, "This form has expired. Please press Subscribe again.", 400, first
            )
        if str(form.get("website", "")):
            _note(request, "honeypot")  # a bot filled the hidden field: say the same, do nothing
            return self._check_inbox(embedded_from)
        try:
            signup = await self.db.run(
                self.audience.request_signup,
                email,
                name,
                _client(request),
                wording,
                first,
            )
        except InvalidAddress:
            _note(request, "invalid-address")
            return self._form(
                email, name, "Please enter an email address such as name@example.org.", 400, first
            )
        except RateLimited as e:
            _note(request, f"rate-limited {e.which}")
            html = self.pages.render(
                "notice.html",
                "Please wait",
                paragraphs=["Too many sign-ups in a short time. Please try again later."],
                link="",
                link_text="",
            )
            return HTMLResponse(html, 429, headers={"Retry-After": str(e.retry_after)})
        link = f"{self.urls.origin}{self.urls.confirm}?token={signup.token}"
        data = confirmation_message(
            self.settings, signup.email, link, self.settings.serve.confirm_days
        )
        try:
            await run_in_threadpool(self.mailer.send, signup.email, data)
        except NewsletterError as e:
            log.warning("confirmation email not sent: %s", _without(str(e), signup.email))
            _note(request, "mail-failed " + masked_address(signup.email))
            return self._busy("We could not send the confirmation email just now.")
        _note(request, "signup " + masked_address(signup.email))
        return self._check_inbox(embedded_from)

    def _form(
        self,
        email: str = "",
        name: str = "",
        error: str = "",
        status: int = 200,
        first_name: str = "",
    ) -> HTMLResponse:
        html = self.pages.render(
            "subscribe.html",
            f"Subscribe to {self.settings.name}",
            action=self.urls.subscribe,
            form_token=self.audience.form_token(),
            email=email,
            name=name,
            first_name=first_name,
            error=error,
            wording=self.pages.wording,
        )
        return HTMLResponse(html, status)

    def _check_inbox(self, site: str | None = None) -> Response:
        """The answer to a sign-up; from an allowed site's form, with a link back to that site.

        A link, not a redirect, and only ever to one of `allowed_origins`: nothing a post
        can point elsewhere.
        """
        days = self.settings.serve.confirm_days
        return self._notice(
            "Check your inbox",
            "We sent a confirmation link to the address you gave, unless one went there "
            "very recently. Open it to start receiving the newsletter.",
            f"The link works once and expires in {days} days. Nothing arrived? "
            "Look in the spam folder.",
            link=f"{site}/" if site else "",
            link_text=f"Back to {urlsplit(site).netloc}" if site else "",
        )

    # -- confirmation --------------------------------------------------------------------

    async def confirm(self, request: Request) -> Response:
        if _reads(request):
            _note(request, "page")
            return self._confirm_page(request)
        if not self._same_origin(request):
            return self._refused(request)
        try:
            form = await form_of(request)
        except UnreadableForm:
            _note(request, "unreadable-form")
            return self._confirm_page(request, 400)
        token = _token(str(form.get("token", ""))) or _token(request.query_params.get("token", ""))
        if await self.db.run(self.audience.confirm, token):
            _note(request, "confirmed")
            if self.welcomer is not None:
                self.welcomer.nudge()  # the welcome follows on its own thread: no wait here
            return self._notice(
                "You are subscribed",
                f"Thank you: {self.settings.name} will come to your inbox.",
                "Every issue has a link to unsubscribe at once.",
            )
        _note(request, "confirm-refused")
        return self._notice(
            "This link no longer works",
            "A confirmation link works once and for a limited time. If you are not "
            "receiving the newsletter yet, sign up again.",
            link=self.urls.subscribe,
            link_text="Sign up again",
        )

    def _confirm_page(self, request: Request, status: int = 200) -> HTMLResponse:
        """The page with a Confirm button for the link's token (a scanner's GET changes nothing)."""
        token = _token(request.query_params.get("token", ""))
        html = self.pages.render(
            "confirm.html", "Confirm your subscription", token=token, action=self.urls.confirm
        )
        return HTMLResponse(html, status)

    # -- shared --------------------------------------------------------------------------

    def _notice(
        self, title: str, *paragraphs: str, link: str = "", link_text: str = ""
    ) -> Response:
        html = self.pages.render(
            "notice.html", title, paragraphs=paragraphs, link=link, link_text=link_text
        )
        return HTMLResponse(html)

    def _busy(self, first: str) -> Response:
        html = self.pages.render(
            "notice.html",
            "Please try again",
            paragraphs=[first, "Please try again in a few minutes."],
            link="",
            link_text="",
        )
        return HTMLResponse(html, 503, headers={"Retry-After": "60"})

    def _same_origin(self, request: Request) -> bool:
        """A form post comes from our own pages: its Origin (or Referer) is serve's public origin.

        Our pages send `Referrer-Policy: same-origin`, so a browser posting one of their
        forms names our origin, the one links carry (`PublicUrls.origin`), never the
        request's Host (under DNS rebinding that is the attacker's name).  `Origin: null`
        (a sandboxed or no-referrer page elsewhere) is another site's.  A post with neither
        Origin nor Referer is no browser's; every form also carries a token of its own
        (form, reader or confirmation token).
        """
        if request.headers.get("sec-fetch-site", "") in ("cross-site", "same-site"):
            return False
        origin = request.headers.get("origin")
        if origin is None and (referer := request.headers.get("referer")):
            origin = origin_of(referer) or "null"
        return origin is None or origin == self.own_origin

    def _embedding_origin(self, request: Request) -> str | None:
        """The allowed site (`[serve] allowed_origins`) a sign-up was posted from, or None.

        A form on another site's page is a top-level navigation: the browser sends that
        page's `Origin`, or, from an older browser, only a `Referer`; either must name one
        of the allowed origins exactly (scheme, host, port).  No CORS header is ever
        sent: the answer is a page the browser shows, not a response a script reads.
        """
        if not self.allowed_origins:
            return None
        origin = request.headers.get("origin")
        if origin is None:
            referer = request.headers.get("referer")
            origin = origin_of(referer) if referer else None
        return origin if origin in self.allowed_origins else None

    def _refused(self, request: Request, *, signup: bool = False) -> Response:
        sent_from = request.headers.get("origin") or request.headers.get("referer") or ""
        # The site it came from, for whoever sets allowed_origins (an origin is no one's data).
        _note(request, f"foreign-origin {origin_of(sent_from) or '-'}")
        why = "This form can only be sent from its own page."
        if signup:
            why = f"This sign-up form can only be sent from {self.settings.name}'s own page" + (
                " or the sites it names." if self.allowed_origins else "."
            )
        html = self.pages.render(
            "notice.html",
            "Not allowed",
            paragraphs=[why],
            link=self.urls.subscribe,
            link_text="Open the sign-up form",
        )
        return HTMLResponse(html, 403)


def create_app(
    settings: Settings,
    options: ServeOptions | None = None,
    *,
    audience: Audience | None = None,
    mailer: ConfirmationMailer | None = None,
) -> Gateway:
    """The ASGI app for one workspace, wrapped in the gateway (proxies, headers, log lines)."""
    options = options or ServeOptions()
    urls = PublicUrls.of(settings)
    pages = load_pages(settings)
    audience = audience or Audience(settings)
    db = DatabaseThread(audience.conn, options.database_wait, audience.threads)
    mailer = mailer or ConfirmationMailer(settings, options.outbox)
    welcomer = Welcomer(settings, mailer.transport, log=log) if settings.welcome.enabled else None
    handlers = _Handlers(
        settings, audience, db, mailer, pages, urls, settings.serve.origins, welcomer
    )
    routes = [
        Route(urls.unsubscribe, handlers.unsubscribe, methods=["GET", "POST"]),
        Route(urls.subscribe, handlers.subscribe, methods=["GET", "POST"]),
        Route(urls.confirm, handlers.confirm, methods=["GET", "POST"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if welcomer is not None:
            await run_in_threadpool(welcomer.stop)  # the round under way finishes first
        await db.close(audience.close)

    busy = _database_busy(pages)
    app = Starlette(
        routes=routes,
        exception_handlers={
            sqlite3.OperationalError: busy,
            DatabaseBusy: busy,
            DatabaseDown: busy,
        },
        lifespan=lifespan,
    )
    guard = ConnectionGuard(options.limits, options.trusted_proxies, log)
    return Gateway(app, pages.content_security_policy, options.trusted_proxies, log, guard)


def _database_busy(pages: Pages) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", str(exc) or "its lock was not free in time")
        _note(request, "database-busy")
        html = pages.render(
            "notice.html",
            "Please try again",
            paragraphs=["Something is busy on our side.", "Please try again in a minute."],
            link="",
            link_text="",
        )
        return HTMLResponse(html, 503, headers={"Retry-After": "30"})

    return handler


def _from_a_browser_page(request: Request) -> bool:
    """A resubscribe comes from our own page's form: a browser's Origin, not another site's.

    A reader's token alone is not enough: it travels in every email, and whoever holds
    one could otherwise put a reader who left back on the list without them (the form
    token, checked against the reader's latest change, is Audience.resubscribe's).
    """
    return request.headers.get("origin") is not None and request.headers.get(
        "sec-fetch-site"
    ) not in ("cross-site", "same-site")


def _token(value: str) -> str:
    """A token as given, or "" when it cannot be one of ours (too long, not ASCII)."""
    return value if value and len(value) <= MAX_TOKEN_CHARS and value.isascii() else ""


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _reads(request: Request) -> bool:
    """GET, or HEAD (Starlette routes it here too, and link scanners send it): never a change."""
    return request.method in ("GET", "HEAD")


def _note(request: Request, event: str) -> None:
    """What the request did, for its log line (never a token or a whole address)."""
    request.scope.setdefault("state", {})["event"] = event


def _masked(address: str | None) -> str:
    return masked_address(address) if address else "bad-token"


def _without(text: str, address: str) -> str:
    return text.replace(address, masked_address(address))

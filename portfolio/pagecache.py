"""Rendered pages kept in memory, keyed on the versions of the data they show.

A page is rendered once, then served again from memory to the same person for as long as
nothing it shows has changed. "Nothing has changed" is read from the versions that
portfolio/versions.py raises on every committed write: the viewer's (which follows, for a
referent, the learners they follow) and the site's, both read by the login query of the
request before anything else, so a page is never older than the data and a page served from
memory costs that one query. Besides the versions, the key holds the viewer,
the address, the htmx headers, the language and the hour (the "waiting for N days" of the
inbox counts in days). A page may also say that it must not be kept past a moment
(`keep_until()`: a comment's edit window).

What differs between two requests of the same page by the same person is the CSRF token (one
per browser session): it is kept as a placeholder and each answer gets its own. A page is not
kept when it shows flash messages, sets a cookie or is not a 200.

One cache per process, bounded in bytes (PAGE_CACHE_MB, 0 turns it off), least recently used
out first. The figures are in bench/README.md.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

CSRF_PLACEHOLDER = b"\x00csrf\x00"
# The htmx request headers a view may answer differently to (read from the WSGI environ).
HTMX_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_TRIGGER", "HTTP_HX_TRIGGER_NAME",
                "HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST")
UNKEPT_HEADERS = {"content-length", "set-cookie"}


@dataclass(frozen=True, slots=True)
class Page:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]
    has_csrf: bool
    until: float | None  # time.time() past which the page is not served any more


class PageCache:
    """A bounded, thread-safe, least-recently-used map of keys to pages."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_page = max(max_bytes // 8, 1)
        self.size = 0
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> Page | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None and page.until is not None and time.time() >= page.until:
                self._drop(key)
                page = None
            if page is None:
                self.misses += 1
                return None
            self.pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: tuple, page: Page) -> None:
        if len(page.body) > self.max_page:
            return
        with self.lock:
            if key in self.pages:
                self._drop(key)
            self.pages[key] = page
            self.size += len(page.body)
            while self.size > self.max_bytes:
                self._drop(next(iter(self.pages)))

    def _drop(self, key: tuple) -> None:
        self.size -= len(self.pages.pop(key).body)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


def init_app(app: Flask) -> None:
    megabytes = app.config["PAGE_CACHE_MB"]
    app.extensions["pagecache"] = PageCache(megabytes * 2**20) if megabytes > 0 else None


def page_cache() -> PageCache | None:
    return current_app.extensions.get("pagecache")


def keep_until(moment: datetime) -> None:
    """This answer may be served again until `moment`, not after."""
    until = moment.timestamp()
    g._page_keep_until = min(g.get("_page_keep_until", until), until)


KEPT_FOR = ("learner", "referent")
# The views under @cached (tests/test_pagecache.py lists the ones allowed: a new one is read
# against the rules above before it joins them).
KEPT_VIEWS: set[str] = set()


def _key() -> tuple | None:
    """The page's key, from what the request and its login already carry (no query): the
    viewer's version covers their own data and, for a referent, that of the learners they
    follow (portfolio/versions.py raises it with theirs); the site's was read with the login.
    A jury's or an administrator's pages show everybody's data: they are not kept."""
    if not current_user.is_authenticated or session.get("_flashes"):
        return None  # (a pending message would be shown, and used up, by the page)
    viewer = current_user._get_current_object()
    if viewer.role not in KEPT_FOR or viewer.site_version is None:
        return None
    return (request.endpoint, request.path, request.query_string,
            tuple(map(request.environ.get, HTMX_HEADERS)), str(get_locale()),
            viewer.id, viewer.data_version, viewer.site_version, int(time.time() // 3600))


def _answer(page: Page) -> Response:
    body = page.body
    if page.has_csrf:
        body = body.replace(CSRF_PLACEHOLDER, generate_csrf().encode())
    return Response(body, status=page.status, headers=page.headers)


def _keep(cache: PageCache, key: tuple, response: Response) -> None:
    until = g.get("_page_keep_until")
    if (response.status_code != 200 or response.direct_passthrough or response.is_streamed
            or "Set-Cookie" in response.headers or session.get("_flashes")
            or (until is not None and until <= time.time())):
        return
    body = response.get_data()
    token = g.get("csrf_token")
    has_csrf = bool(token) and token.encode() in body
    if has_csrf:
        body = body.replace(token.encode(), CSRF_PLACEHOLDER)
    headers = tuple((name, value) for name, value in response.headers.items()
                    if name.lower() not in UNKEPT_HEADERS)
    cache.put(key, Page(body, response.status_code, headers, has_csrf, until))


def _report(cache: PageCache, response: Response, outcome: str) -> Response:
    """With PAGE_CACHE_REPORT (the benchmark's mixed workload counts hits and bytes)."""
    if current_app.config["PAGE_CACHE_REPORT"]:
        response.headers["X-Page-Cache"] = f"{outcome}; bytes={cache.size}; pid={os.getpid()}"
    return response


def cached(view):
    """Serve the view's page from memory while the data it shows has not changed.

    Goes under @login_required: the key holds the viewer, and a page is kept only after the
    view answered it (and so checked the viewer's rights); a change of rights (a role, an
    assignment, an entry's visibility) raises a version, so a kept page is never served past
    it. For the pages of a learner's or a referent's own work: not for pages that show data
    the viewer's version does not follow."""

    KEPT_VIEWS.add(f"{view.__module__}.{view.__qualname__}")

    @wraps(view)
    def wrapped(*args, **kwargs):
        cache = page_cache()
        key = _key() if cache is not None and request.method == "GET" else None
        if key is None:
            return view(*args, **kwargs)
        page = cache.get(key)
        if page is not None:
            return _report(cache, _answer(page), "hit")
        response = make_response(view(*args, **kwargs))
        _keep(cache, key, response)
        return _report(cache, response, "miss")

    return wrapped

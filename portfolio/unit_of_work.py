"""One unit of work per request (indico's shape): views and API handlers call services and
return; this is the one place that commits.

- The view answered below 400 (a page, a redirect, a 201): what the request wrote is committed,
  then the answer leaves. A commit that fails turns the answer into the error it is (503 when
  the database is away, 500 otherwise, with nothing written), so a 2xx always means committed.
- The view answered 400 or more, or raised (the error handlers have answered): rolled back.
Side effects asked for during the transaction (mail, jobs, files to delete) are handed over by
the commit itself, never before it (portfolio/jobs.py, portfolio/storage.py).

A view that answers a refusal itself (the form again with its message, or a flash and a
redirect) runs the service call in `attempt()`: a refusal undoes that call's writes at once, so
the page shows the data as it was and a redirect commits nothing of it.

Commands (`portfolio ...`) commit themselves: each is its own unit of work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, abort, g, make_response
from sqlalchemy.exc import DBAPIError

from portfolio import errors
from portfolio.db import db
from portfolio.services import NotFound


def _has_work(session) -> bool:
    return bool(session.in_transaction() or session.new or session.dirty or session.deleted)


def finish(response: Response) -> Response:
    """Commit the request's work if its answer says it succeeded, else roll it back."""
    if not db.session.registry.has():  # the request never opened a session (/healthz, static)
        return response
    session = db.session()
    if not _has_work(session):
        return response
    if response.status_code >= 400 and not (
            g.get("keep_on_refusal") and response.status_code in (409, 422)):
        errors.rollback()
        return response
    try:
        session.commit()
    except Exception as error:  # the error page says what happened; nothing was written
        if isinstance(error, DBAPIError):
            return make_response(errors.handle_database_down(error))
        return make_response(errors.handle_unexpected(error))
    return response


def keep_on_refusal() -> None:
    """Commit what the request wrote so far even if it answers a refused form (409 or 422):
    the editor's held files, which the learner must not have to send again. Whatever a
    refused service call wrote inside `attempt()` is undone already."""
    g.keep_on_refusal = True


@contextmanager
def attempt() -> Iterator[None]:
    """Run service calls in a savepoint: a ServiceError rolls back their writes (the objects
    they touched read fresh again) and goes on to the view; NotFound becomes the 404 page."""
    try:
        with db.session.begin_nested():
            yield
    except NotFound:
        abort(404)


def init_app(app: Flask) -> None:
    # Registered last in create_app, so that it runs first of the after-request functions:
    # an answer turned into an error by a failed commit still gets the security headers.
    app.after_request(finish)

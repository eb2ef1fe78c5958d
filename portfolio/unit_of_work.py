"""One unit of work per request (indico's shape): views and API handlers call services and
return; this is the one place that commits.

- The view answered below 400 (a page, a redirect, a 201): what the request wrote is committed,
  then the answer leaves. A commit that fails turns the answer into the error it is (503 when
  the database is away, 500 otherwise, with nothing written), so a 2xx always means committed.
- The view answered 400 or more, or raised (the error handlers have answered): rolled back.
Side effects asked for during the transaction (mail, jobs, files to delete) are handed over by
the commit itself, never before it (portfolio/jobs.py, portfolio/storage.py).

Commands (`portfolio ...`) commit themselves: each is its own unit of work.
"""

from __future__ import annotations

from flask import Flask, Response, make_response
from sqlalchemy.exc import DBAPIError

from portfolio import errors
from portfolio.db import db


def _has_work(session) -> bool:
    return bool(session.in_transaction() or session.new or session.dirty or session.deleted)


def finish(response: Response) -> Response:
    """Commit the request's work if its answer says it succeeded, else roll it back."""
    if not db.session.registry.has():  # the request never opened a session (/healthz, static)
        return response
    session = db.session()
    if not _has_work(session):
        return response
    if response.status_code >= 400:
        errors.rollback()
        return response
    try:
        session.commit()
    except Exception as error:  # the error page says what happened; nothing was written
        if isinstance(error, DBAPIError):
            return make_response(errors.handle_database_down(error))
        return make_response(errors.handle_unexpected(error))
    return response


def init_app(app: Flask) -> None:
    # Registered last in create_app, so that it runs first of the after-request functions:
    # an answer turned into an error by a failed commit still gets the security headers.
    app.after_request(finish)

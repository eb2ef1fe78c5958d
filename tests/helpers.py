"""Helpers that act as a browser would: find the CSRF token on the page, post the form."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Return the CSRF token of the page at `path`, as a browser would find it."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1) or match.group(2)


def post(client, path: str, data: dict | None = None, page: str | None = None, **kw):
    """Post a form the way a browser does: with the token of the page that shows it."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, page or "/account/"))
    return client.post(path, data=data, **kw)


def login(client, user, remember: bool = False, password: str | None = None):
    """Log in through the login form; return the response."""
    data = {"email": user.email, "password": password or user.password,
            "csrf_token": csrf_token(client, "/login")}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def as_user(client, user):
    """Log out whoever is logged in, then log in as `user` (returned)."""
    client.post("/logout", data={"csrf_token": client.get("/csrf-token").json["token"]})
    response = login(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return user


def count_queries(app, client, path: str, *, kept: bool = False) -> int:
    """How many SQL statements the page at `path` runs (it must answer 200): rendered, or
    with `kept`, answered from the page cache (portfolio/pagecache.py)."""
    from sqlalchemy import event

    from portfolio.db import db

    cache = app.extensions["pagecache"]
    cache.clear()
    client.get(path)  # uses up any flash message, which would keep the page out of the cache
    if not kept:
        cache.clear()
    count = 0

    def on_execute(_conn, _cursor, statement, *_args):
        nonlocal count
        if statement != "BEGIN":  # SQLite's transaction start (PostgreSQL's is not seen here)
            count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert response.status_code == 200, path
    return count


@contextmanager
def postgres_database(url: str, name: str):
    """A new, empty PostgreSQL database `name` on the server of `url`; yields its URL and
    drops it afterwards (whoever is still connected)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Entries as the editor sends them ----------------------------------------------------------------

TODAY = "2026-11-02"


def entry_form(client, **fields) -> dict:
    """The fields a browser sends from the editor (a valid entry unless told otherwise)."""
    data = {"title": "Migration de la base clients", "kind": "work_placement",
            "occurred_on": TODAY, "context": "Airbus, équipe data", "visibility": "private",
            "body": "J'ai **migré** la base.\n\n- étape 1\n- étape 2", "action": "save",
            "csrf_token": csrf_token(client, "/entries/new")}
    data.update(fields)
    return data


def tag_fields(competency_id: int, criteria=(), how: str = "") -> dict:
    prefix = f"tags-{competency_id}"
    return {f"{prefix}-competency": str(competency_id), f"{prefix}-criteria": list(criteria),
            f"{prefix}-how": how}


def create(client, **fields) -> int:
    response = client.post("/entries", data=entry_form(client, **fields),
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/entries/(\d+)$", response.headers["Location"]).group(1))


def edit(client, entry_id: int, version: int | str, **fields):
    data = entry_form(client, version=str(version), **fields)
    data["csrf_token"] = csrf_token(client, f"/entries/{entry_id}/edit")
    return client.post(f"/entries/{entry_id}", data=data, content_type="multipart/form-data")


def png_bytes(size=(4, 3), exif: bytes | None = None) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


# A minimal valid PDF, and every admin route (tests/test_admin.py, the authorization matrix).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ADMIN_ROUTES = [
    ("GET", "/admin/users"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}/deactivate"),
    ("POST", "/admin/users/{user}/reactivate"),
    ("POST", "/admin/users/{user}/invite"),
    ("POST", "/admin/users/{user}/assignments"),
    ("POST", "/admin/assignments/{assignment}/delete"),
    ("POST", "/admin/users/{user}/company-tutor"),
    ("POST", "/admin/referent-links/{link}/revoke"),
    ("POST", "/admin/cohorts/{cohort}/periods"),
    ("POST", "/admin/cohorts/{cohort}/periods/import"),
    ("POST", "/admin/periods/{period}/delete"),
    ("GET", "/admin/users/import"),
    ("POST", "/admin/users/import"),
    ("GET", "/admin/cohorts"),
    ("POST", "/admin/cohorts"),
    ("GET", "/admin/cohorts/{cohort}"),
    ("POST", "/admin/cohorts/{cohort}/members"),
    ("POST", "/admin/cohorts/{cohort}/members/{user}/remove"),
    ("GET", "/admin/frameworks"),
    ("POST", "/admin/frameworks"),
    ("GET", "/admin/frameworks/ing-num/export"),
    ("GET", "/admin/frameworks/rncp"),
    ("POST", "/admin/frameworks/rncp"),
    ("POST", "/admin/frameworks/rncp/save"),
    ("POST", "/admin/users/{user}/enrolments"),
    ("POST", "/admin/enrolments/{enrolment}/delete"),
    ("POST", "/admin/cohorts/{cohort}/enrolments"),
]


def download(client, fmt):
    """HTML and JSON come at once; the PDF and the ZIP through a job (run at once in tests)."""
    if fmt in ("pdf", "zip"):
        token = client.get("/csrf-token").json["token"]
        started = client.post("/export/jobs", data={"format": fmt, "csrf_token": token})
        assert started.status_code == 303, started.get_data(as_text=True)
        page = client.get(started.headers["Location"]).get_data(as_text=True)
        assert "Votre export est prêt" in page
        response = client.get(started.headers["Location"] + "/file")
    else:
        response = client.get(f"/export/download/{fmt}")
    assert response.status_code == 200, fmt
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response.data


def grow(app, people, entries: int, rounds: int):
    """Add entries tagged across the blocks and rounds of assessments of every compétence."""
    from portfolio.db import db
    from portfolio.models import Competency, User
    from portfolio.services import assessments
    from portfolio.services import entries as entry_service

    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        referent = db.session.get(User, people.referent.id)
        codes = sorted(people.competencies)
        for i in range(entries):
            entry_service.create_entry(learner, entry_service.EntryData(
                title=f"Entrée {i}", occurred_on=entry_service.date.today(),
                visibility="referents",
                tags=[entry_service.TagData(people.competencies[codes[i % len(codes)]])]))
        for r in range(rounds):
            for code in codes:
                item = db.session.get(Competency, people.competencies[code])
                assessments.assess_self(learner, item, (r + 1) % 5, f"tour {r}")
                assessments.assess_as_referent(referent, learner, item, r % 5)
        db.session.commit()

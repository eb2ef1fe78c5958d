"""PRODUCT.md's permission table for entries: every visibility against every role.

Reading means the entry page, its files and its place in the timeline; writing means the editor,
its history, saving and deleting. Whatever may not be read answers 404 (ids leak nothing).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Attachment, Entry
from tests.helpers import create, csrf_token, entry_form, login, png_bytes

VIEWERS = ["learner", "other_learner", "referent", "other_referent", "jury", "admin"]
READS = {  # visibility -> viewers who read the entry
    "private": {"learner"},
    "referents": {"learner", "referent"},
    "jury": {"learner", "referent"},  # the jury reads it only through a share link
}


@pytest.fixture
def entries(app, client, people):
    """One entry of each visibility by `learner`, each with a file."""
    login(client, people.learner)
    ids = {}
    for visibility in READS:
        ids[visibility] = create(client, title=f"Entrée {visibility}", visibility=visibility,
                                 files=(io.BytesIO(png_bytes()), "preuve.png"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        files = {e.visibility: e.attachments[0].id for e in db.session.scalars(select(Entry))}
    return ids, files


@pytest.mark.parametrize("visibility", list(READS))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_reading(client, people, entries, viewer, visibility):
    ids, files = entries
    login(client, getattr(people, viewer))
    may_read = viewer in READS[visibility]
    entry_id = ids[visibility]
    page = client.get(f"/entries/{entry_id}")
    assert page.status_code == (200 if may_read else 404)
    if not may_read:
        assert f"Entrée {visibility}" not in page.get_data(as_text=True)
    download = client.get(f"/attachments/{files[visibility]}")
    assert download.status_code == (200 if may_read else 404)
    if viewer in ("learner", "other_learner", "referent", "other_referent"):
        timeline = client.get("/entries").get_data(as_text=True)
        assert (f"Entrée {visibility}" in timeline) == may_read
    else:
        assert client.get("/entries").status_code == 404


@pytest.mark.parametrize("visibility", list(READS))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_writing(client, people, entries, viewer, visibility, app):
    ids, _files = entries
    login(client, getattr(people, viewer))
    entry_id = ids[visibility]
    owner = viewer == "learner"
    for path in (f"/entries/{entry_id}/edit", f"/entries/{entry_id}/history"):
        assert client.get(path).status_code == (200 if owner else 404), path
    token = csrf_token(client, "/")
    data = entry_form(client, csrf_token=token, title="Écrasé", version="1") if owner else {
        "csrf_token": token, "title": "Écrasé", "kind": "project", "occurred_on": "2026-01-01",
        "visibility": "private", "body": "x", "version": "1", "action": "save"}
    saved = client.post(f"/entries/{entry_id}", data=data)
    assert saved.status_code == (302 if owner else 404)
    draft = client.post("/entries/draft", data={"csrf_token": token, "entry_id": str(entry_id),
                                                "title": "x"})
    assert draft.status_code == (200 if owner else 404)
    deleted = client.post(f"/entries/{entry_id}/delete",
                          data={"confirmed": "1", "csrf_token": token})
    assert deleted.status_code == (302 if owner else 404)
    with app.app_context():
        still_there = db.session.get(Entry, entry_id) is not None
        files_left = db.session.scalar(select(Attachment).where(Attachment.entry_id == entry_id))
    assert still_there != owner
    assert (files_left is None) == owner


def test_a_referent_no_longer_assigned_reads_nothing(client, people, entries, app):
    from portfolio.models import Assignment

    ids, _files = entries
    with app.app_context():
        for a in db.session.scalars(select(Assignment).where(
                Assignment.referent_id == people.referent.id)):
            db.session.delete(a)
        db.session.commit()
    login(client, people.referent)
    assert client.get(f"/entries/{ids['referents']}").status_code == 404


def test_a_referent_filters_by_learner(client, people, entries):
    ids, _files = entries
    login(client, people.referent)
    page = client.get(f"/entries?learner={people.learner.id}").get_data(as_text=True)
    assert "Entrée referents" in page and "Entrée jury" in page
    page = client.get(f"/entries?learner={people.other_learner.id}").get_data(as_text=True)
    assert "Entrée referents" not in page


def test_anonymous_visitors_are_sent_to_login(client, entries):
    ids, files = entries
    for path in (f"/entries/{ids['jury']}", f"/attachments/{files['jury']}", "/entries"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_tutor_sees_whose_entry_it_is(client, people, make_entry):
    """Cards and the entry page name the learner; the visibility reads in the third person;
    no empty "Demandes de retour" heading; the page titles say whose entries they are."""
    from tests.helpers import as_user

    entry_id = make_entry(title="Refonte du pipeline", visibility="referents")
    as_user(client, people.referent)
    page = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert "Entrée de Camille Martin" in page
    assert "Lisible par ses tuteurs" in page and "vous et vos tuteurs" not in page
    assert "Demandes de retour" not in page
    timeline = client.get(f"/entries?learner={people.learner.id}").get_data(as_text=True)
    assert "<title>Entrées de Camille Martin" in timeline
    assert '<strong class="author">Camille Martin</strong>' in timeline
    assert "<title>Entrées de mes apprentis" in client.get("/entries").get_data(as_text=True)
    # Naming a learner one does not follow names nobody.
    other = client.get(f"/entries?learner={people.other_learner.id}").get_data(as_text=True)
    assert "Yanis" not in other
    as_user(client, people.learner)
    mine = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert "Entrée de Camille" not in mine and "vous et vos tuteurs" in mine
    assert "Demandes de retour" in mine  # the learner's own: where to ask

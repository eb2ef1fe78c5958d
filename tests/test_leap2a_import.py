"""Leap2A in: Mahara's real exports, our own export read back, hostile archives."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Attachment, Comment, Entry, User
from portfolio.services.leap2a_import import ImportRefused, import_leap2a
from tests.helpers import PDF, as_user, download, login, png_bytes
from tests.leap2a_feeds import archive_of, post

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "leap2a"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(),
                                   reason=f"the sample exports are not here ({SAMPLES})")

@pytest.fixture
def run_import(app, people):
    """Import into a learner (the test's learner by default); return the report."""

    def run(stream, who=None):
        with app.app_context(), force_locale("fr"):  # the messages as a French terminal
            learner = db.session.get(User, (who or people.learner).id)
            report = import_leap2a(learner, stream)
            db.session.commit()
            return report

    return run


def entries_of(app, learner_id: int) -> list[Entry]:
    with app.app_context():
        found = db.session.scalars(select(Entry).where(Entry.learner_id == learner_id)
                                   .order_by(Entry.occurred_on, Entry.id)).all()
        for e in found:
            _ = (e.keywords, e.attachments, e.tags)
        db.session.expunge_all()
        return list(found)


@needs_samples
def test_a_200_post_mahara_journal_comes_in_whole_and_only_once(app, people, run_import):
    with open(SAMPLES / "learner1-leap2a.zip", "rb") as stream:
        report = run_import(stream)
    assert (report.entries, report.already, report.comments, report.keywords) == (200, 0, 20, 400)
    assert dict(report.skipped) == {"page": 8, "collection": 1, "annotation": 15,
                                    "annotationfeedback": 15, "comment_elsewhere": 10,
                                    "profile": 1}
    assert report.problems == []
    entries = entries_of(app, people.learner.id)
    assert len(entries) == 200 and all(e.visibility == "private" for e in entries)
    first = entries[0]
    assert (first.title, first.occurred_on) == ("Journal entry 001: Placement", date(2022, 9, 5))
    assert first.context == "Journal « Learning journal »"
    assert "**Sagittis voluptatem tortor volutpat ornare et.**" in first.body
    assert "- Distinctio nibh lorem cras porttitor quia fringilla vivamus." in first.body
    assert "<strong>" in first.body_html
    assert first.keywords  # the post's tags
    with app.app_context():
        comments = db.session.scalars(select(Comment).join(Entry).where(
            Entry.learner_id == people.learner.id)).all()
        assert len(comments) == 20
        assert {c.imported_author for c in comments} == {"Imported feedback"}
    # the same file again: nothing added
    with open(SAMPLES / "learner1-leap2a.zip", "rb") as stream:
        again = run_import(stream)
    assert (again.entries, again.already, again.comments) == (0, 200, 0)
    assert len(entries_of(app, people.learner.id)) == 200


@needs_samples
def test_files_of_a_mahara_export_are_attached_to_their_posts(app, people, run_import):
    with open(SAMPLES / "camilleB-leap2a.zip", "rb") as stream:
        report = run_import(stream)
    assert (report.entries, report.files, report.problems) == (30, 2, [])
    entries = {e.title: e for e in entries_of(app, people.learner.id)}
    review = entries["Revue de code de l'API de facturation"]
    assert [a.name for a in review.attachments] == ["compte-rendu revue.pdf"]
    assert review.occurred_on == date(2026, 11, 5)
    assert "**12 merge requests**" in review.body and "> Ce que j'en retiens" in review.body
    assert sum(len(e.attachments) for e in entries.values()) == 2


def test_our_own_export_comes_back_the_same(app, client, people, world, run_import):
    """Leap2A out, then in (into another learner of the same référentiel): the same entries,
    dates, keywords, reflection, files, compétences and threads."""
    with app.app_context():
        shown = db.session.get(Entry, world.shown)
        shown.keyword_rows  # noqa: B018
        from portfolio.services import entries as entry_service

        entry_service.update_entry(shown, shown.learner, entry_service.EntryData(
            title=shown.title, body=shown.body, kind="project", visibility="jury",
            occurred_on=shown.occurred_on, context="Airbus", reflection=shown.reflection,
            keywords=["alternance", "Qualité"],
            tags=[entry_service.TagData(t.competency_id) for t in shown.tags]), shown.version)
        db.session.commit()
    login(client, people.learner)
    ours = io.BytesIO(download(client, "zip"))
    had = {e.id for e in entries_of(app, people.other_learner.id)}  # Yanis's own entry
    report = run_import(ours, people.other_learner)
    assert (report.entries, report.files, report.comments, report.problems) == (2, 2, 1, [])
    before = {e.title: e for e in entries_of(app, people.learner.id) if e.visibility == "jury"}
    after = {e.title: e for e in entries_of(app, people.other_learner.id) if e.id not in had}
    assert set(after) == {"Refonte du pipeline", "Soutenance de mi-parcours"} <= set(before)
    for title, copy in after.items():
        original = before[title]
        assert (copy.occurred_on, copy.kind, copy.context, copy.keywords, copy.reflection) == (
            original.occurred_on, original.kind, original.context, original.keywords,
            original.reflection)
        assert sorted((a.name, a.sha256) for a in copy.attachments) == sorted(
            (a.name, a.sha256) for a in original.attachments)
        assert [t.competency_id for t in copy.tags] == [t.competency_id for t in original.tags]
        # the body as written, its image now pointing at the copy's own file
        assert re.sub(r"/attachments/\d+", "/attachments/N", copy.body) == re.sub(
            r"/attachments/\d+", "/attachments/N", original.body)
    copy = after["Refonte du pipeline"]
    image = next(a for a in copy.attachments if a.name == "schema.png")
    assert f"/attachments/{image.id}" in copy.body
    with app.app_context():
        (comment,) = db.session.scalars(select(Comment).where(Comment.entry_id == copy.id))
        assert (comment.imported_author, comment.body) == ("Sophie Durand", "Très *clair*, bravo.")


def test_drafts_replies_private_comments_and_embedded_images(app, client, people, run_import):
    image = post("portfolio:artefact2", "Avec une image",
                 body='<p>Voir <img src="portfolio:artefact9" alt="schéma"/> et '
                      '<img src="https://tracker.example/p.gif"/></p>',
                 extra='<category term="Unready" scheme="categories:readiness#"/>'
                       '<category term="-valuation" label="évaluation"/>')
    resource = """<entry><id>portfolio:artefact9</id><title>schema.png</title>
<updated>2025-01-01T00:00:00Z</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"/></content>
<rdf:type rdf:resource="leap2:resource"/>
<link rel="enclosure" type="image/png" href="export_info/files/9-schema.png"/></entry>"""

    def comment(ident, rel, href, private=False, when="2025-03-05T10:00:00+00:00"):
        audience = '<category term="Private" scheme="categories:audience#"/>' if private else ""
        return f"""<entry><id>{ident}</id><title>Comment</title>
<author><name>Imported feedback</name></author>
<updated>{when}</updated><published>{when}</published>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><div><p>{ident}</p></div>
</div></content><rdf:type rdf:resource="leap2:entry"/>
<mahara:artefactplugin mahara:type="comment" mahara:plugin="comment"/>
<link rel="{rel}" href="{href}"/>{audience}</entry>"""

    stream = archive_of(
        image, resource,
        comment("portfolio:artefact20", "leap2:reflects_on", "portfolio:artefact2"),
        comment("portfolio:artefact21", "leap2:is_part_of", "portfolio:artefact20",
                when="2025-03-06T10:00:00+00:00"),
        comment("portfolio:artefact22", "leap2:reflects_on", "portfolio:artefact2",
                private=True, when="2025-03-07T10:00:00+00:00"),
        files={"export_info/files/9-schema.png": png_bytes()})
    report = run_import(stream)
    assert (report.entries, report.files, report.comments) == (1, 1, 3)
    (entry,) = entries_of(app, people.learner.id)
    assert entry.keywords == ["évaluation", "brouillon"]  # the label, not Mahara's term
    (attachment,) = entry.attachments
    assert f"![schéma](/attachments/{attachment.id})" in entry.body
    assert f'<img alt="schéma" src="/attachments/{attachment.id}"' in entry.body_html
    # an image from elsewhere is never fetched: it becomes a link
    assert 'src="https://tracker' not in entry.body_html
    assert 'href="https://tracker.example/p.gif"' in entry.body_html
    # the thread: the reply in it, the private comment for the learner only
    login(client, people.learner)
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert page.count("Imported feedback") == 3 and "importé" in page
    assert "portfolio:artefact21" in page and "visible par vous seul·e" in page
    with app.app_context():
        entry_row = db.session.get(Entry, entry.id)
        entry_row.visibility = "referents"
        db.session.commit()
    as_user(client, people.referent)
    page = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert page.count("Imported feedback") == 2 and "portfolio:artefact22" not in page


@pytest.mark.parametrize("make, message", [
    (lambda: io.BytesIO(b"not a zip at all"), "n'est pas une archive ZIP"),
    (lambda: _zip({"other.xml": b"<feed/>"}), "ne contient pas de fichier leap2a.xml"),
    (lambda: _zip({"leap2a.xml": b"\0" * (50 * 1024 * 1024)}), "anormalement compressée"),
    (lambda: _zip({"leap2a.xml": b"<feed><entry>"}), "pas du XML bien formé"),
    (lambda: _zip({"leap2a.xml": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                   b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><feed>&lol2;</feed>'}),
     "entités ou une DTD"),
])
def test_hostile_archives_are_refused_with_a_message(app, people, run_import, make, message):
    with pytest.raises(ImportRefused) as refused:
        run_import(make())
    assert message in refused.value.message
    assert entries_of(app, people.learner.id) == []


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    out.seek(0)
    return out


def test_no_file_is_read_outside_the_archive(app, people, run_import, tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(PDF)
    escape = post("portfolio:artefact2", "Évasion", extra=(
        f'<link rel="enclosure" type="application/pdf" href="../../../{secret}"/>'
        f'<link rel="enclosure" type="application/pdf" href="{secret}"/>'
        '<link rel="related" href="../leap2a.xml"/>'))
    report = run_import(archive_of(escape, files={"../outside.pdf": PDF}))
    assert (report.entries, report.files) == (1, 0)
    with app.app_context():
        assert db.session.scalar(select(Attachment.id)) is None


def test_the_learner_imports_from_the_page_without_javascript(client, people):
    login(client, people.learner)
    page = client.get("/entries").get_data(as_text=True)
    assert 'href="/import"' in page
    form = client.get("/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    stream = archive_of(post("portfolio:artefact2", "Premier article"))
    response = client.post("/import", data={"csrf_token": token, "file": (stream, "export.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "1 entrée importée" in text
    stream = archive_of(post("portfolio:artefact2", "Premier article"))
    again = client.post("/import", data={"csrf_token": token, "file": (stream, "export.zip")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "0 entrée importée, 1 déjà importée (laissée telle quelle)" in html.unescape(again)
    refused = client.post("/import", data={"csrf_token": token,
                                           "file": (io.BytesIO(b"x"), "x.zip")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "n&#39;est pas une archive ZIP" in refused.get_data(as_text=True)


def test_a_feed_over_the_size_bound_is_refused_before_parsing(app, people, run_import,
                                                              monkeypatch):
    from portfolio.services import leap2a_import

    monkeypatch.setattr(leap2a_import, "MAX_XML", 1024)
    big = archive_of(*(post(f"portfolio:artefact{i}", f"Article {i}") for i in range(20)))
    with pytest.raises(ImportRefused, match="trop grand"):
        run_import(big)
    assert entries_of(app, people.learner.id) == []

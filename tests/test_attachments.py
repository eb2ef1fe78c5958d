"""Evidence files: typed from their bytes, bounded, stripped of metadata, served safely."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from PIL import Image
from sqlalchemy import func, select

from portfolio import storage
from portfolio.db import db
from portfolio.models import Attachment, Entry, HeldUpload
from tests.helpers import PDF, create, csrf_token, entry_form, login, png_bytes


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (8, 8), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "TéléphoneCorp"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def learner(client, people):
    login(client, people.learner)
    return people.learner


def upload(client, content: bytes, name: str, **fields):
    data = entry_form(client, body="Mon texte à garder", files=(io.BytesIO(content), name),
                      **fields)
    return client.post("/entries", data=data, content_type="multipart/form-data")


ACCEPTED = [
    ("photo.png", png_bytes(), "image/png", True),
    ("photo.jpg", jpeg_with_gps(), "image/jpeg", True),
    ("rapport.pdf", PDF, "application/pdf", True),
    ("rapport.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document", False),
    ("notes.txt", "Compte rendu, réunion du 3 mars\n".encode(), "text/plain", False),
    ("mesures.csv", b"a;b\n1;2\n", "text/plain", False),
]


@pytest.mark.parametrize("name, content, mime, inline", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_types_are_stored_and_served_safely(client, learner, app, name, content,
                                                     mime, inline):
    entry_id = create(client, files=(io.BytesIO(content), name))
    with app.app_context():
        item = db.session.scalar(select(Attachment))
        path = storage.path_of(item.stored_name)
        assert item.content_type == mime and item.name == name
        assert path.read_bytes() and item.size == path.stat().st_size
        assert item.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert name.rsplit(".", 1)[0] not in str(path)  # stored under a random name
        assert "static" not in path.parts
        attachment_id = item.id
    response = client.get(f"/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(mime)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline" if inline else "attachment")
    assert entry_id


def test_images_lose_their_exif_and_gps(client, learner, app):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the GPS is there before
    create(client, files=(io.BytesIO(original), "chantier.jpg"))
    with app.app_context():
        item = db.session.scalar(select(Attachment))
        stored = storage.path_of(item.stored_name).read_bytes()
    assert b"Exif" not in stored and "TéléphoneCorp".encode() not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif() and image.size == (8, 8)


@pytest.mark.parametrize("size", [(8_000, 8_000), (12_000, 9_000)])
def test_an_image_over_the_pixel_limit_is_refused_from_its_header(client, learner, app, size,
                                                                  monkeypatch):
    """64 and 108 Mpx: Pillow only warns below twice its limit and would decode the first
    (+475 MB); the header's size refuses both before any pixel is decoded."""
    out = io.BytesIO()
    Image.new("1", size).save(out, format="PNG")  # a few kB, however many pixels
    decoded = []
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size)
                        or real_load(self))
    response = client.post("/entries", data=entry_form(
        client, files=(io.BytesIO(out.getvalue()), "plan.png")),
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "trop grande" in page
    assert f"{size[0]} × {size[1]} pixels" in page.replace("\u202f", " ").replace(",", "")
    assert size not in decoded
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id))) == 0


REFUSED = [
    ("dessin.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("dessin.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'),
    ("page.html", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("page.txt", b"<html><body><script>alert(1)</script></body></html>"),
    ("notes.txt", b"  <SCRIPT>alert(1)</SCRIPT>"),
    ("programme.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    ("archive.png", b"PK\x03\x04" + b"\x00" * 60),  # a zip named as an image
    ("inconnu.bin", b"\x00\x01\x02\x03 binary junk"),
    ("latin1.txt", "Réunion à Évry".encode("latin-1")),
    ("vide.txt", b""),
    ("fausse.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10),
]


@pytest.mark.parametrize("name, content", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_files_say_why_and_lose_nothing(client, learner, app, name, content):
    response = upload(client, content, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Mon texte à garder" in page  # the text typed is still in the form
    assert 'class="error"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Entry.id))) == 0
        assert db.session.scalar(select(func.count(Attachment.id))) == 0
        left = [p for p in storage.root().rglob("*") if p.is_file()]
    assert left == []  # no orphan file left behind


def test_a_file_over_the_limit_gets_a_clear_message(client, learner, app):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    response = upload(client, b"x" * 2048, "gros.txt")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "dépasse la taille permise" in page and "Mon texte à garder" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_a_request_over_the_server_limit_gets_the_413_page(client, learner, app):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = upload(client, b"x" * 10_000, "gros.txt")
    assert response.status_code == 413
    assert "Le fichier envoyé dépasse la taille permise." in response.get_data(as_text=True)


def test_an_unknown_attachment_is_404(client, learner):
    assert client.get("/attachments/123456").status_code == 404


# A file sent with an editor that does not save yet is held, never lost ---------------------

def _held_ids(page: str) -> list[str]:
    import re

    return re.findall(r'name="held" value="(\d+)"', page)


@pytest.mark.parametrize("action,fields,status", [
    ("preview", {}, 200),             # "Aperçu" without JavaScript
    ("add_tag", {}, 200),             # "Ajouter la compétence" without JavaScript
    ("save", {"title": ""}, 422),     # a refused form (with JavaScript too)
])
def test_a_file_survives_a_round_trip_of_the_editor(client, learner, app, action, fields,
                                                    status):
    form = entry_form(client, action=action, files=(io.BytesIO(png_bytes()), "plan.png"),
                      **fields)
    response = client.post("/entries", data=form, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    held = _held_ids(page)
    assert len(held) == 1 and "plan.png" in page and "sera joint à l'enregistrement" in page
    # The next submission (no file chosen again) saves the entry with it.
    response = client.post("/entries", data=entry_form(client, held=held),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(Entry))
        assert [a.name for a in entry.attachments] == ["plan.png"]
        assert storage.path_of(entry.attachments[0].stored_name).exists()
        assert db.session.scalar(select(func.count()).select_from(HeldUpload)) == 0


def test_a_held_file_can_be_taken_back_and_a_bad_one_is_named(client, learner, app):
    first = client.post("/entries", data=entry_form(
        client, action="preview", files=[(io.BytesIO(png_bytes()), "garder.png"),
                                         (io.BytesIO(png_bytes()), "retirer.png"),
                                         (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "x.exe")]),
        content_type="multipart/form-data").get_data(as_text=True)
    assert "« x.exe » : Ce type de fichier n&#39;est pas accepté" in first
    assert len(_held_ids(first)) == 2
    with app.app_context():
        names = {h.id: h.name for h in db.session.scalars(select(HeldUpload))}
    keep = [i for i, n in names.items() if n == "garder.png"]
    drop = [i for i, n in names.items() if n == "retirer.png"]
    response = client.post("/entries", data=entry_form(
        client, held=[str(i) for i in names], drop_held=[str(i) for i in drop]),
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert [a.name for a in db.session.scalar(select(Entry)).attachments] == ["garder.png"]
        assert keep and db.session.scalar(select(func.count()).select_from(HeldUpload)) == 0


def test_another_learners_held_file_cannot_be_claimed(client, people, app):
    login(client, people.other_learner)
    page = client.post("/entries", data=entry_form(
        client, action="preview", files=(io.BytesIO(png_bytes()), "a-yanis.png")),
        content_type="multipart/form-data").get_data(as_text=True)
    theirs = _held_ids(page)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, people.learner)
    response = client.post("/entries", data=entry_form(client, held=theirs),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(Entry))
        assert entry.attachments == [] and entry.learner_id == people.learner.id
        assert db.session.scalar(select(func.count()).select_from(HeldUpload)) == 1


def test_held_files_left_behind_are_purged_after_a_day(client, learner, app):
    from datetime import timedelta

    from portfolio.db import utcnow
    from portfolio.services.attachments import purge_held

    client.post("/entries", data=entry_form(
        client, action="preview", files=(io.BytesIO(png_bytes()), "oublie.png")),
        content_type="multipart/form-data")
    with app.app_context():
        stored = storage.path_of(db.session.scalar(select(HeldUpload.stored_name)))
        assert purge_held() == 0 and stored.exists()
        assert purge_held(utcnow() + timedelta(days=2)) == 1
        db.session.commit()
    assert not stored.exists()

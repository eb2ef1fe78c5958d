"""The jury export: every writer on a portfolio with every kind of content; share links; RGPD."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select, text

from portfolio import storage
from portfolio.db import db
from portfolio.exports import build_model
from portfolio.exports.writers import SCHEMA
from portfolio.models import Attachment, Entry, ShareLink, User
from portfolio.services import sharing
from portfolio.services.progress import progress_of
from tests.helpers import csrf_token, download, login

ATOM = "{http://www.w3.org/2005/Atom}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action", "srcset",
                                                           "poster", "data")]


def assert_self_contained(html: str) -> None:
    parser = _Links()
    parser.feed(html)
    for url in parser.urls:
        assert not re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", url, re.I), url
    assert "@import" not in html and "url(" not in html
    assert "<script" not in html and "<link" not in html


@pytest.fixture
def learner(client, people, world):
    login(client, people.learner)
    return people.learner


def test_html_is_self_contained_and_holds_exactly_the_selection(client, learner, world, app,
                                                                people):
    html = download(client, "html").decode("utf-8")
    assert_self_contained(html)
    for title in world.jury_titles:
        assert title in html
    for title in world.hidden_titles:
        assert title not in html
    assert "evil.example/track" in html and 'href="https://evil.example' not in html
    assert "[schéma]" in html  # an own image becomes its alt text in a single file
    assert "Très <em>clair</em>, bravo." in html and "La méthode." in html
    with app.app_context():
        sha = db.session.get(Attachment, world.image).sha256
    assert sha in html
    # The radar and its table say what the progress service says.
    with app.app_context():
        (progress,) = progress_of(people.learner.id)
        for block in progress.blocks:
            expected = "—" if block.self_mean is None else \
                f"{block.self_mean:.1f}".replace(".", ",")  # French decimals
            row = re.search(rf'<th scope="row">{block.block.code}</th>\s*<td>([^<(]+)', html)
            assert row and row.group(1).strip() == expected, block.block.code
    assert html.count('class="series series-self"') == 1 and 'class="gap-mark"' in html
    assert "page-break-before: always" in html  # printable, a page per bloc


def test_pdf_opens_and_holds_the_titles(client, learner, world):
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # Pango missing: .ci/run installs it
        pytest.skip(f"WeasyPrint cannot load its system libraries: {error}")
    pdf = PdfReader(io.BytesIO(download(client, "pdf")))
    content = " ".join(page.extract_text() for page in pdf.pages)
    content = " ".join(content.split())
    for title in world.jury_titles:
        assert title in content
    assert "Mes doutes très privés" not in content


def test_zip_sums_leap2a_and_json(client, learner, world, app):
    archive = zipfile.ZipFile(io.BytesIO(download(client, "zip")))
    names = set(archive.namelist())
    assert {"portfolio.html", "portfolio.json", "leap2a.xml", "SHA256SUMS"} <= names
    sums = archive.read("SHA256SUMS").decode().splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split("  ", 1)
        listed[name] = digest
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    assert set(listed) == names - {"SHA256SUMS"}
    with app.app_context():
        files = {a.sha256 for a in db.session.scalars(select(Attachment).where(
            Attachment.entry_id == world.shown))}
    assert files <= set(listed.values())  # the files are the ones stored, byte for byte
    html = archive.read("portfolio.html").decode()
    assert_self_contained(html)
    assert re.search(r'<img [^>]*src="attachments/\d+-schema.png"', html)

    feed = ET.fromstring(archive.read("leap2a.xml"))
    assert feed.tag == f"{ATOM}feed"
    kinds = {}
    for item in feed.findall(f"{ATOM}entry"):
        kind = item.find(f"{RDF}type").get(f"{RDF}resource")
        if item.find(f"{ATOM}link[@rel='leap2:reflects_on']") is not None:
            kind = "comment"  # an entry too, about another (tests/test_leap2a.py)
        kinds.setdefault(kind, []).append(item.find(f"{ATOM}title").text)
    assert sorted(kinds["leap2:entry"]) == sorted(world.jury_titles)
    assert kinds["comment"] == ["Re: Refonte du pipeline"]
    assert len(kinds["leap2:ability"]) == 25 and kinds["leap2:selection"]
    assert sorted(kinds["leap2:resource"]) == ["rapport.pdf", "schema.png"]

    model = json.loads(archive.read("portfolio.json"))
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(model, schema)
    assert json.loads(json.dumps(model)) == model
    assert sorted(e["title"] for e in model["entries"]) == sorted(world.jury_titles)
    assert json.loads(archive.read("portfolio.schema.json")) == schema


def test_json_download_validates_and_options_are_kept(client, learner, world, app, people):
    with app.app_context():
        sharing.save_selection(db.session.get(User, people.learner.id), [world.second],
                               False, False)
        db.session.commit()
    model = json.loads(download(client, "json"))
    jsonschema.validate(model, json.loads(SCHEMA.read_text()))
    assert sorted(e["title"] for e in model["entries"]) == ["Brouillon pour le jury, écarté",
                                                            "Refonte du pipeline"]
    assert all(e["feedback"] == [] for e in model["entries"])
    assert all(a["path"] is None for e in model["entries"] for a in e["attachments"])


def test_the_selection_page_saves_choices(client, learner, world, app, people):
    page = client.get("/export").get_data(as_text=True)
    assert "Refonte du pipeline" in page and "Mes doutes très privés" not in page
    assert f'id="export-{world.excluded}" name="entries" value="{world.excluded}">' in page
    response = client.post("/export", data={
        "csrf_token": csrf_token(client, "/export"), "entries": [str(world.shown)],
        "include_attachments": "1"})
    assert response.status_code == 302
    with app.app_context():
        model = build_model(db.session.get(User, people.learner.id),
                            sharing.selection_of(db.session.get(User, people.learner.id)))
    assert [e["title"] for e in model["entries"]] == ["Refonte du pipeline"]
    assert model["options"] == {"include_feedback": False, "include_attachments": True,
                                "include_evidence": False}
    preview = client.get("/export/preview")
    assert preview.status_code == 200 and "Refonte du pipeline" in preview.get_data(
        as_text=True)


def test_cli_export(runner, world, people, tmp_path):
    for fmt in ("json", "zip", "html"):
        out = tmp_path / f"p.{fmt}"
        result = runner.invoke(args=["export", "--learner", people.learner.email,
                                     "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "p.json").read_text())["learner"]["name"] == "Camille Martin"
    result = runner.invoke(args=["export", "--learner", people.referent.email, "-o",
                                 str(tmp_path / "x")])
    assert result.exit_code != 0


# Share links ------------------------------------------------------------------------------------

def make_link(client, days="30"):
    response = client.post("/export/links", data={
        "csrf_token": csrf_token(client, "/export"), "label": "Jury de juin", "days": days})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    url = re.search(r'value="(http[^"]+/s/[^"]+)"', response.get_data(as_text=True)).group(1)
    return url[url.index("/s/"):]


def test_a_share_link_opens_the_frozen_export_and_logs_access(client, learner, world, app):
    path = make_link(client)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, url-safe
    with app.app_context():
        link = db.session.scalar(select(ShareLink))
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        row = db.session.execute(text("SELECT * FROM share_links")).mappings().one()
        assert all(token not in str(value) for value in row.values())
        # The learner edits the entry afterwards: the jury still reads the snapshot.
        entry = db.session.get(Entry, world.shown)
        entry.title = "Titre changé après coup"
        db.session.commit()
    jury = app.test_client()
    response = jury.get(path, headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) "
                                                     "Firefox/140.0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "Refonte du pipeline" in page and "Titre changé après coup" not in page
    for title in world.hidden_titles:
        assert title not in page
    files = sorted(set(re.findall(rf'href="({re.escape(path)}/files/\d+)"', page)))
    assert len(files) == 2
    file = jury.get(files[0])
    assert file.status_code == 200 and file.headers["X-Content-Type-Options"] == "nosniff"
    assert jury.get(f"{path}/files/{world.image + 999}").status_code == 404
    log = client.get("/export").get_data(as_text=True)
    assert "Firefox · Windows" in log and "2 accès" in log


def test_expired_revoked_and_wrong_links_answer_404(client, learner, world, app):
    path = make_link(client, days="2")
    jury = app.test_client()
    assert jury.get(path).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=False):
        expired = jury.get(path)
        assert expired.status_code == 404 and "Refonte" not in expired.get_data(as_text=True)
    assert jury.get(path[:-2] + "xx").status_code == 404
    assert jury.get("/s/" + "a" * 500).status_code == 404
    with app.app_context():
        link_id = db.session.scalar(select(ShareLink.id))
    response = client.post(f"/export/links/{link_id}/revoke",
                           data={"confirmed": "1", "csrf_token": csrf_token(client, "/export")})
    assert response.status_code == 302
    assert jury.get(path).status_code == 404
    assert jury.get(path + f"/files/{world.image}").status_code == 404


@pytest.mark.parametrize("days", ["0", "366", "-3", "abc"])
def test_link_duration_is_bounded(client, learner, world, days):
    response = client.post("/export/links", data={
        "csrf_token": csrf_token(client, "/export"), "days": days})
    assert response.status_code == 422 and "365" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["referent", "jury", "admin"])
def test_only_learners_export_and_share(client, people, world, role):
    login(client, getattr(people, role))
    for path in ("/export", "/export/preview", "/export/download/html"):
        assert client.get(path).status_code == 404
    token = csrf_token(client, "/")
    assert client.post("/export/links", data={"csrf_token": token}).status_code == 404


# RGPD -----------------------------------------------------------------------------------------

def test_my_data_holds_exactly_my_data(client, learner, world, app, people):
    response = client.get("/account/data")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    titles = {e["title"] for e in data["entries"]}
    assert titles == set(world.jury_titles) | set(world.hidden_titles) - {"Entrée de Yanis"}
    assert {e["learner_id"] for e in data["entries"]} == {people.learner.id}
    assert {a["learner_id"] for a in data["assessments"]} == {people.learner.id}
    assert len(data["comments"]) == 1 and data["account"]["email"] == people.learner.email
    assert "password_hash" not in json.dumps(data)
    assert len([n for n in archive.namelist() if n.startswith("attachments/")]) == 2
    assert "Entrée de Yanis" not in archive.read("data.json").decode()


def _rows_of(app, user_id: int) -> dict[str, int]:
    """Rows in any table that point to this user (by a user/learner/author/... column)."""
    found = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                refs = {fk.column.table.name for fk in column.foreign_keys}
                if "users" in refs or (table.name == "users" and column.name == "id"):
                    n = db.session.scalar(select(db.func.count()).select_from(table).where(
                        column == user_id))
                    if n:
                        found[f"{table.name}.{column.name}"] = n
    return found


def test_erasure_grace_period_then_purge(client, learner, world, app, people, runner):
    with app.app_context():
        files = [storage.path_of(a.stored_name) for a in db.session.scalars(select(Attachment))]
        entry_ids = list(db.session.scalars(select(Entry.id).where(
            Entry.learner_id == people.learner.id)))
    assert all(f.exists() for f in files) and entry_ids
    token = csrf_token(client, "/account/")
    refused = client.post("/account/erase", data={"confirmed": "1", "csrf_token": token,
                                                  "password": "faux"})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(User, people.learner.id).erase_requested_at is None
    response = client.post("/account/erase", data={"confirmed": "1", "csrf_token": token,
                                                   "password": people.learner.password})
    assert response.headers["Location"].endswith("/login")
    # Logging in within the grace period cancels it.
    login(client, people.learner)
    with app.app_context():
        assert db.session.get(User, people.learner.id).erase_requested_at is None
    client.post("/account/erase", data={"confirmed": "1",
                                        "csrf_token": csrf_token(client, "/account/"),
                                        "password": people.learner.password})
    with time_machine.travel(datetime.now(UTC) + timedelta(days=29), tick=False):
        assert runner.invoke(args=["purge"]).exit_code == 0
    assert _rows_of(app, people.learner.id)  # still there
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31), tick=False):
        result = runner.invoke(args=["purge"])
        assert result.exit_code == 0 and "1 account(s) erased" in result.stderr
    assert _rows_of(app, people.learner.id) == {}
    with app.app_context():  # nor any row hanging from their entries
        for table in db.metadata.sorted_tables:
            if "entry_id" in table.columns:
                assert db.session.scalar(select(db.func.count()).select_from(table).where(
                    table.c.entry_id.in_(entry_ids))) == 0, table.name
    assert not any(f.exists() for f in files)
    with app.app_context():
        lines = db.session.execute(text(
            "SELECT action, subject_id, detail FROM audit_lines ORDER BY id")).all()
        assert ("account_purged", people.learner.id, "") in [tuple(r) for r in lines]
        assert db.session.scalar(select(Entry.id).where(Entry.title == "Entrée de Yanis"))
        assert db.session.get(User, people.referent.id) is not None
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(text("SELECT count(*) FROM entry_fts")) == 1
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        # Neither the database file nor its write-ahead log keeps the erased text, and the
        # next account does not take the id the audit line names.
        database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        for path in (database, database + "-wal"):
            if os.path.exists(path):
                assert "Mes doutes très privés".encode() not in open(path, "rb").read(), path
        from portfolio.services import accounts

        with app.app_context():
            newcomer = accounts.create_user(email="nouveau@ecole.test", name="Nouveau",
                                            role="learner")
            db.session.commit()
            assert newcomer.id > people.learner.id


def test_a_large_zip_is_written_in_bounded_memory(app, people, world, tmp_path):
    """Three 12 MB evidence files: the ZIP is streamed, never holding a file whole."""
    import os
    import tracemalloc

    from portfolio.exports.writers import write_zip

    with app.app_context():
        entry = db.session.get(Entry, world.second)
        for i in range(3):
            path = storage.root() / f"{i:032x}"
            with open(path, "wb") as out:
                for _ in range(12):
                    out.write(os.urandom(1024 * 1024))
            entry.attachments.append(Attachment(
                name=f"mesures-{i}.csv", stored_name=path.name, content_type="text/plain",
                size=12 * 1024 * 1024, sha256="0" * 64))
        db.session.commit()
        learner = db.session.get(User, people.learner.id)
        model = build_model(learner, sharing.selection_of(learner))
        tracemalloc.start()
        with open(tmp_path / "big.zip", "wb") as out:
            write_zip(model, out)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert (tmp_path / "big.zip").stat().st_size > 36 * 1024 * 1024
    print(f"zip of 36 MB of files: peak Python memory {peak / 1e6:.1f} MB")
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_non_characters_never_reach_the_leap2a_feed(client, learner, world, app, people):
    """U+FFFE typed in a title is dropped at input; text stored before that rule (written here
    straight to the table) is dropped by the writer: the feed stays well-formed XML."""
    from tests.helpers import create

    typed = create(client, title="Bilan\ufffe de stage\U0001ffff", visibility="jury")
    with app.app_context():
        assert db.session.get(Entry, typed).title == "Bilan de stage"
        db.session.execute(text("UPDATE entries SET title = :t WHERE id = :id"),
                           {"t": "Ancien\ufffe titre\x01", "id": world.shown})
        db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(download(client, "zip")))
    feed = ET.fromstring(archive.read("leap2a.xml"))  # raises if not well-formed
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert "Ancien titre" in titles and "Bilan de stage" in titles


def test_the_html_export_says_its_charset_once(client, learner, world):
    response = client.get("/export/download/html")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_the_jury_pdf_reads_as_a_finished_dossier(client, learner, world, app, people):
    """French dates and decimals, compétences with their titles, the images drawn, headers
    and page numbers, no page holding only a heading, a file named after the learner."""
    pdf = PdfReader(io.BytesIO(download(client, "pdf")))
    pages = [" ".join((p.extract_text() or "").split()) for p in pdf.pages]
    text = " ".join(pages)
    assert "2026-05-04" not in text and "4 mai 2026" in text
    assert "C2.1 Analyser le problème posé" in text
    assert "ing-num:C2.1" not in text
    assert re.search(r"\b2 / \d+\b", pages[1])  # page numbers from the second page on
    for number, page in enumerate(pages, 1):
        # A page must hold more than its running header, footer and one heading.
        body = page.replace(people.learner.name, "").replace("Portfolio", "")
        assert len(body) > 60, (number, page)
    images = sum(len(page.images) for page in pdf.pages)
    assert images >= 1  # the entry's image is drawn, not named only
    with app.app_context():
        from portfolio.services.sharing import export_name

        name = export_name(db.session.get(User, people.learner.id), date(2026, 12, 1), "pdf")
    assert name == "portfolio-camille-martin-2026-12-01.pdf"


def test_the_selection_lists_each_entry_once_with_all_its_blocs(client, learner, world):
    page = client.get("/export").get_data(as_text=True)
    assert page.count(f'id="export-{world.shown}"') == 1
    label = page.split(f'for="export-{world.shown}">')[1].split("</label>")[0]
    assert "C2" in label and "S1" in label  # C2.1 and S1.2 are both shown

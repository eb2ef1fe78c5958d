"""Entries through the web, as a learner writes them: create, tag, attach, edit, delete."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from portfolio import storage
from portfolio.db import db
from portfolio.models import Attachment, Criterion, Entry, EntryRevision, User
from tests.helpers import create, csrf_token, edit, entry_form, login, png_bytes, tag_fields


@pytest.fixture
def learner(client, people):
    login(client, people.learner)
    return people.learner


def test_create_with_reflection_and_tags_then_read_it(client, learner, people, app):
    c21, c22 = people.competencies["C2.1"], people.competencies["C2.2"]
    with app.app_context():
        first_criterion = db.session.scalar(select(Criterion.id).where(
            Criterion.competency_id == c21).order_by(Criterion.position))
    entry_id = create(client, situation="Une mise en production tendue.",
                      strengths="Calme, méthode.", next_steps="Automatiser les tests.",
                      **tag_fields(c21, [first_criterion], "J'ai modélisé le schéma."),
                      **tag_fields(c22))
    page = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert "Migration de la base clients" in page
    assert "<strong>migré</strong>" in page
    assert "Une mise en production tendue." in page and "Automatiser les tests." in page
    assert "C2.1" in page and "C2.2" in page and "J&#39;ai modélisé le schéma." in page
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.learner_id == learner.id and entry.version == 1
        assert entry.visibility == "private"
        assert entry.body_html.startswith('<div class="md" hx-disable>')
        assert [t.competency_id for t in entry.tags] == [c21, c22]
        assert [c.id for c in entry.tags[0].criteria] == [first_criterion]
        assert entry.reflection == {"situation": "Une mise en production tendue.",
                                    "strengths": "Calme, méthode.",
                                    "next_steps": "Automatiser les tests."}


def test_the_timeline_lists_it_and_the_home_page_links_to_writing(client, learner):
    create(client, title="Première entrée")
    assert "Première entrée" in client.get("/entries").get_data(as_text=True)
    assert "/entries/new" in client.get("/").get_data(as_text=True)


def test_bad_input_gets_messages_and_keeps_the_text(client, learner):
    data = entry_form(client, title="", occurred_on="", kind="nope", visibility="public",
                      body="Mon texte précieux", situation="Ma situation")
    response = client.post("/entries", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Mon texte précieux" in page and "Ma situation" in page
    assert page.count('class="error"') >= 2
    with client.application.app_context():
        assert db.session.scalar(select(func.count(Entry.id))) == 0


def test_a_competency_outside_the_learners_blocks_is_refused(client, learner, people, app):
    from portfolio.models import Framework
    from portfolio.services import enrolments

    with app.app_context():
        framework = db.session.scalar(select(Framework))
        enrolments.enrol(db.session.get(User, learner.id), framework, ["C1"])
        db.session.commit()
    response = client.post("/entries", data=entry_form(
        client, body="Mon texte", **tag_fields(people.competencies["C4.1"])))
    assert response.status_code == 422
    assert "ne fait pas partie de vos blocs" in response.get_data(as_text=True)
    assert "Mon texte" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Entry.id))) == 0
    # A criterion of another compétence is refused too.
    with app.app_context():
        foreign = db.session.scalar(select(Criterion.id).where(
            Criterion.competency_id == people.competencies["C1.2"]))
    response = client.post("/entries", data=entry_form(
        client, **tag_fields(people.competencies["C1.1"], [foreign])))
    assert response.status_code == 422
    assert "n&#39;appartient pas à sa compétence" in response.get_data(as_text=True)


def test_a_template_shows_its_prompts_beside_the_fields(client, learner):
    """The prompts are hints beside empty fields (nothing to delete before writing), the kind
    stays the learner's for a situation, and they stay through a preview."""
    page = html.unescape(client.get("/entries/new?template=situation").get_data(as_text=True))
    assert re.search(r'<p class="hint prompt" id="situation-prompt">Quel était le contexte \?',
                     page)
    assert "Qu'ai-je fait, concrètement" in page
    assert re.search(r'<textarea id="situation"[^>]*aria-describedby="situation-prompt"[^>]*>'
                     r"</textarea>", page)
    assert re.search(r'<option selected value="work_placement">', page)
    again = html.unescape(client.post("/entries", data=entry_form(
        client, action="preview", template="situation"),
        content_type="multipart/form-data").get_data(as_text=True))
    assert 'id="situation-prompt"' in again and 'name="template" value="situation"' in again
    # Old drafts kept a prompt as text: a prompt left as it was is still not an answer.
    # A prompt left as it was is not saved as an answer; what is written after it is.
    entry_id = create(client, situation="Quel était le contexte ? Qui était là, quel était "
                                        "l'enjeu ?\n", actions="Qu'ai-je fait ?\nJ'ai codé.")
    with client.application.app_context():
        assert db.session.get(Entry, entry_id).reflection == {
            "actions": "Qu'ai-je fait ?\nJ'ai codé."}
    page = client.get("/entries/new?template=period").get_data(as_text=True)
    assert "Quelle période" in page
    page = client.get("/entries/new?template=self_assessment").get_data(as_text=True)
    assert "Quelle compétence j'évalue" in page


def test_preview_without_javascript_and_with_htmx(client, learner):
    data = entry_form(client, action="preview", body="# Titre\n\n<script>alert(1)</script>*ok*")
    page = client.post("/entries", data=data).get_data(as_text=True)
    assert "<h3>Titre</h3>" in page and "<em>ok</em>" in page
    assert "<script>alert" not in page
    fragment = client.post("/entries/preview", data={"body": "**gras**"},
                           headers={"HX-Request": "true",
                                    "X-CSRFToken": csrf_token(client, "/entries/new")})
    assert fragment.status_code == 200
    assert "<strong>gras</strong>" in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


def test_a_pathological_body_is_refused_with_a_message_not_a_500(client, learner):
    response = client.post("/entries", data=entry_form(client, body="[" * 5000))
    assert response.status_code == 422
    assert "découpez-le" in response.get_data(as_text=True)
    response = client.post("/entries", data=entry_form(client, body="- " * 500 + "x"))
    assert response.status_code == 422
    assert "imbrique trop" in response.get_data(as_text=True)


def test_add_a_tag_without_javascript_then_save(client, learner, people, app):
    c31 = people.competencies["C3.1"]
    data = entry_form(client, action="add_tag", add_competency=str(c31), body="Garde-moi")
    page = client.post("/entries", data=data).get_data(as_text=True)
    assert f'name="tags-{c31}-competency" value="{c31}"' in page
    assert "Garde-moi" in page
    entry_id = create(client, **tag_fields(c31))
    with app.app_context():
        assert [t.competency_id for t in db.session.get(Entry, entry_id).tags] == [c31]


def test_picker_finds_competencies_by_code_and_words(client, learner, people):
    page = client.get("/entries/picker?picker_q=c2.1", headers={"HX-Request": "true"})
    assert "C2.1" in page.get_data(as_text=True)
    # the live region says how many were found; the list itself is not read out
    assert 'hx-swap-oob="true">1 compétence trouvée</p>' in page.get_data(as_text=True)
    editor = client.get("/entries/new").get_data(as_text=True)
    assert '<p id="picker-status" class="visually-hidden" role="status"></p>' in editor
    assert '<div id="picker-results">' in editor
    page = client.get("/entries/picker?q=evaluer").get_data(as_text=True)  # accents folded
    assert "S1" in page
    row = client.get(f"/entries/tag-row?competency={people.competencies['C2.1']}")
    assert f"tags-{people.competencies['C2.1']}-how" in row.get_data(as_text=True)
    assert client.get("/entries/tag-row?competency=999999").status_code == 404


def test_edit_keeps_versions_and_shows_a_readable_diff(client, learner, app):
    entry_id = create(client, body="ligne un\nligne deux")
    response = edit(client, entry_id, 1, body="ligne un\nligne 2", title="Nouveau titre")
    assert response.status_code == 302
    history = client.get(f"/entries/{entry_id}/history").get_data(as_text=True)
    assert "ligne deux" in history and "ligne 2" in history and "Nouveau titre" in history
    assert re.search(r'<del class="diff-line diff-delete">.*?− ligne deux</del>', history)
    assert re.search(r'<ins class="diff-line diff-insert">.*?\+ ligne 2</ins>', history)
    assert "\n" not in history.split('<div class="diff">')[1].split("</div>")[0]  # no blank lines
    with app.app_context():
        versions = db.session.scalars(select(EntryRevision.version).where(
            EntryRevision.entry_id == entry_id).order_by(EntryRevision.version)).all()
        assert versions == [1, 2]
        first = db.session.scalar(select(EntryRevision).where(EntryRevision.version == 1))
        assert first.body == "ligne un\nligne deux"
    assert client.get(f"/entries/{entry_id}/history?from=1&to=9").status_code == 404


def test_a_stale_tab_gets_the_conflict_screen_and_nothing_is_overwritten(client, learner, app):
    entry_id = create(client, body="Version d'origine")
    assert edit(client, entry_id, 1, body="Écrit dans l'onglet A").status_code == 302
    response = edit(client, entry_id, 1, body="Écrit dans l'onglet B")  # B opened at version 1
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Écrit dans l&#39;onglet B" in page  # the stale tab's text is still in the form
    assert "Écrit dans l&#39;onglet A" in page  # and the saved one is shown beside it
    assert 'name="version" type="hidden" value="2"' in page
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.body == "Écrit dans l'onglet A" and entry.version == 2
    # Saving again from the conflict screen (now on version 2) keeps B as version 3.
    assert edit(client, entry_id, 2, body="Écrit dans l'onglet B").status_code == 302
    with app.app_context():
        assert db.session.get(Entry, entry_id).version == 3


def test_autosave_keeps_a_draft_across_a_new_login(client, learner, people, app):
    token = csrf_token(client, "/entries/new")
    response = client.post("/entries/draft", data={
        "csrf_token": token, "title": "Pas fini", "body": "Des mots à ne pas perdre",
        f"tags-{people.competencies['C1.1']}-competency": str(people.competencies["C1.1"])},
        headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Brouillon enregistré" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    # Logged out: the autosave answers 401 with a message, no redirect that would lose the page.
    # (The stale token gets a 400 that tells app.js to fetch a fresh one; with it, the 401.)
    stale = client.post("/entries/draft", data={"csrf_token": token, "title": "x"},
                        headers={"HX-Request": "true"})
    assert stale.status_code == 400 and stale.headers["X-CSRF-Expired"] == "1"
    response = client.post("/entries/draft", headers={"HX-Request": "true"}, data={
        "csrf_token": client.get("/csrf-token").json["token"], "title": "x"})
    assert response.status_code == 401
    assert "Session expirée" in response.get_data(as_text=True)
    login(client, people.learner)
    page = client.get("/entries/new").get_data(as_text=True)
    assert "Des mots à ne pas perdre" in page and "Pas fini" in page
    assert "Brouillon du" in page
    entry_id = create(client, title="Fini")
    assert "Des mots à ne pas perdre" not in client.get("/entries/new").get_data(as_text=True)
    # A draft of an edit is offered when the entry is opened again.
    client.post("/entries/draft", data={"csrf_token": csrf_token(client, "/entries/new"),
                                        "entry_id": str(entry_id), "version": "1",
                                        "title": "Fini", "body": "Corrigé en cours"})
    page = client.get(f"/entries/{entry_id}/edit").get_data(as_text=True)
    assert "Corrigé en cours" in page


def test_delete_removes_the_entry_its_versions_and_files(client, learner, app):
    entry_id = create(client, files=(io.BytesIO(png_bytes()), "photo.png"))
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        path = app.config["UPLOAD_FOLDER"]
        stored = storage.path_of(attachment.stored_name)
    assert stored.exists() and stored.is_relative_to(path) and "photo" not in stored.name
    response = client.post(f"/entries/{entry_id}/delete",
                           data={"confirmed": "1",
                                 "csrf_token": csrf_token(client, f"/entries/{entry_id}")})
    assert response.status_code == 302
    assert not stored.exists()
    assert client.get(f"/entries/{entry_id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(EntryRevision.id))) == 0
        assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_edit_adds_and_removes_attachments(client, learner, app):
    entry_id = create(client, files=(io.BytesIO(b"notes de chantier\n"), "notes.txt"))
    with app.app_context():
        first = db.session.scalar(select(Attachment))
        first_path = storage.path_of(first.stored_name)
        first_id = first.id
    response = edit(client, entry_id, 1, remove_attachment=str(first_id),
                    files=(io.BytesIO(png_bytes()), "schema.png"))
    assert response.status_code == 302
    assert not first_path.exists()
    with app.app_context():
        names = db.session.scalars(select(Attachment.name)).all()
    assert names == ["schema.png"]


@pytest.mark.parametrize("role", ["referent", "jury", "admin"])
def test_only_learners_write_entries(client, people, role):
    login(client, getattr(people, role))
    assert client.get("/entries/new").status_code == 404
    response = client.post("/entries", data=entry_form(client, csrf_token=csrf_token(client, "/")))
    assert response.status_code == 404


def test_a_tag_keeps_its_compétence_across_a_reimport(client, learner, people, app, tmp_path):
    """A re-import that drops a tagged compétence is refused; --force archives it, tag kept."""
    import json

    from portfolio.services import frameworks

    entry_id = create(client, **tag_fields(people.competencies["C1.2"]))
    path = next(p for p in frameworks.shipped_files() if p.name == "ing-num.json")
    data = json.loads(path.read_text())
    data["version"] = data["version"] + "-b"
    block = next(b for b in data["blocks"] if b["code"] == "C1")
    block["competencies"] = [c for c in block["competencies"] if c["code"] != "C1.2"]
    new_file = tmp_path / "ing-num-b.json"
    new_file.write_text(json.dumps(data, ensure_ascii=False))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["frameworks", "import", str(new_file)])
    assert refused.exit_code != 0 and "C1.2" in refused.output + (refused.stderr or "")
    forced = runner.invoke(args=["frameworks", "import", "--force", str(new_file)])
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert [t.competency.code for t in entry.tags] == ["C1.2"]
        assert entry.tags[0].competency.archived_at is not None
    assert "C1.2" in client.get(f"/entries/{entry_id}").get_data(as_text=True)
    # The entry can still be edited with its tag on.
    assert "C1.2" in client.get(f"/entries/{entry_id}/edit").get_data(as_text=True)
    saved = edit(client, entry_id, 1, title="Toujours là",
                 **tag_fields(people.competencies["C1.2"]))
    assert saved.status_code == 302


def test_the_competence_search_works_without_javascript(client, people, app):
    """Enter in the search sends the form (its first button, "Aperçu"): the answer lists the
    matches, what was typed stays, and choosing one adds its row without saving anything;
    "oe" finds "œ" (mettre en œuvre)."""
    import re

    from portfolio.models import Competency, Entry

    login(client, people.learner)
    with app.app_context():
        target = db.session.scalar(select(Competency).where(Competency.title.contains("œ")))
        assert target is not None, "the seed has a compétence with œ in its title"
        word = next(w for w in target.title.split() if "œ" in w).replace("œ", "oe")
        target_id, target_code = target.id, target.code
    page = client.post("/entries", data=entry_form(client, action="preview", picker_q=word),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert f'value="{word}"' in page
    assert re.search(rf'<button type="submit" class="link" name="pick" value="{target_id}">',
                     page)
    form = entry_form(client, pick=str(target_id), picker_q=word)
    form.pop("action")  # the pressed button is the only one sent
    page = client.post("/entries", data=form, content_type="multipart/form-data")
    assert page.status_code == 200  # shown again, not saved
    text = page.get_data(as_text=True)
    assert f'name="tags-{target_id}-competency"' in text and f">{target_code}<" in text
    assert re.search(rf'id="tags-{target_id}-how"[^>]*autofocus', text)
    with app.app_context():
        assert db.session.scalar(select(Entry)) is None


def test_the_history_reads_as_words_and_lists_every_version(client, people, app):
    """Visibility and kind as words, the tags' criteria and "en quoi" changes, every version
    listed with a link to what it changed."""
    login(client, people.learner)
    c21 = people.competencies["C2.1"]
    with app.app_context():
        criteria = db.session.scalars(select(Criterion).where(
            Criterion.competency_id == c21).order_by(Criterion.position)).all()
        first, second = criteria[0], criteria[1]
        first_id, second_text = first.id, second.text
        second_id = second.id
    entry_id = create(client, visibility="private", **tag_fields(c21, [str(first_id)], "avant"))
    edit(client, entry_id, 1, visibility="referents", kind="project",
         **tag_fields(c21, [str(first_id), str(second_id)], "après"))
    page = html.unescape(client.get(f"/entries/{entry_id}/history").get_data(as_text=True))
    assert "− Privée" in page and "+ Lisible par ses tuteurs" in page
    assert "+ Projet" in page
    assert "− " + "    → avant" in page and "+     → après" in page
    assert "+     ✓ " + " ".join(second_text.split())[:40] in page
    assert "2 versions" in page and f"/entries/{entry_id}/history?from=1&amp;to=2" in \
        client.get(f"/entries/{entry_id}/history").get_data(as_text=True)


def test_the_edit_page_shows_the_preview_and_a_way_back(client, learner):
    entry_id = create(client, body="Un **texte** déjà écrit")
    page = client.get(f"/entries/{entry_id}/edit").get_data(as_text=True)
    preview = page.split('id="preview"')[1].split("</div>")[0]
    assert "<strong>texte</strong>" in preview and "L&#39;aperçu apparaît ici" not in preview
    assert f'<a class="button" href="/entries/{entry_id}">Annuler</a>' in page
    assert '<a class="button" href="/entries">Annuler</a>' in client.get(
        "/entries/new").get_data(as_text=True)


def test_a_learners_headings_sit_under_the_pages_own(client, people, app):
    """`# Contexte` is a second h1 nowhere: h2 on the entry page (under the title's h1), and
    deeper in the request page, the preview and the export."""
    from portfolio.markdown import shift_headings
    from tests.helpers import create, login

    assert shift_headings("<h1>a</h1><h6>b</h6>", 2) == "<h3>a</h3><h6>b</h6>"
    login(client, people.learner)
    entry_id = create(client, body="# Contexte\n\nTexte.\n\n## Détail\n\nSuite.")
    page = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert page.count("<h1") == 1 and "<h2>Contexte</h2>" in page and "<h3>Détail</h3>" in page
    preview = client.post("/entries/preview", data={
        "body": "# Contexte", "csrf_token": client.get("/csrf-token").json["token"]},
        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<h3>Contexte</h3>" in preview

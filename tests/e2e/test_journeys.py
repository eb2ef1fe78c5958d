"""The whole loop in a real browser, with JavaScript and without: write, tag, attach,
self-assess, ask; the referent answers with a level; the learner sees it, exports, shares;
the jury opens the link."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in
from tests.helpers import png_bytes


def write_entry(page, live, people, javascript: bool, tmp_path):
    page.goto(f"{live}/entries/new?template=situation")
    page.fill("#title", "Migration de la base clients")
    page.fill("#occurred_on", "2026-11-02")
    page.fill("#body", "J'ai **migré** la base.\n\n- inventaire\n- bascule")
    page.fill("#situation", "Une base vieillissante et une équipe inquiète.")
    page.fill("#strengths", "La méthode : tout répéter sur une copie.")
    page.fill("#next_steps", "Automatiser les tests de migration.")
    page.check("#visibility-2")  # jury (readable by tutors too)
    for code in ("C2.1", "C3.1"):
        cid = people.competencies[code]
        if javascript:
            page.fill("#picker-q", code)
            page.locator("#picker-results button", has_text=code).first.click()
            page.wait_for_selector(f"#tag-row-{cid}")
        else:
            page.select_option("#add_competency", str(cid))
            page.click("button[value=add_tag]")
            page.wait_for_selector(f"#tag-row-{cid}")
    page.fill(f"#tags-{people.competencies['C2.1']}-how", "J'ai modélisé le nouveau schéma.")
    proof = tmp_path / "schema.png"
    proof.write_bytes(png_bytes())
    page.set_input_files("#files", str(proof))
    page.click("button[value=save]")
    page.wait_for_url(re.compile(r"/entries/\d+$"))
    assert "Entrée enregistrée" in page.content()
    assert "J'ai modélisé le nouveau schéma." in page.inner_text("main")
    assert "schema.png" in page.inner_text("main")
    return int(page.url.rsplit("/", 1)[1])


def self_assess(page, live, people, javascript: bool):
    cid = people.competencies["C2.1"]
    page.goto(f"{live}/learners/{people.learner.id}/frameworks/ing-num")
    row = page.locator(f"#competency-{cid}")
    row.locator("summary", has_text="Justifier").click()
    row.locator("textarea").fill("Je l'ai fait seul, de bout en bout.")
    row.locator("button.scale-step[value='3']").click()
    if javascript:
        page.wait_for_selector(f"#competency-{cid} .saved")
    else:
        page.wait_for_load_state()
        assert "Niveau enregistré pour C2.1" in page.content()
    assert "Acquis" in page.locator(f"#competency-{cid} .levels").inner_text()


def ask_feedback(page, live, entry_id: int):
    page.goto(f"{live}/entries/{entry_id}")
    page.select_option("#ask-referent", label="Sophie Durand")
    page.fill("#ask-message", "Pouvez-vous regarder la bascule ?")
    page.click("text=Envoyer la demande")
    page.wait_for_load_state()
    assert "Demande envoyée à Sophie Durand" in page.content()


def answer(page, live, people):
    log_in(page, live, people.referent)
    assert "Migration de la base clients" in page.inner_text("main")
    page.goto(f"{live}/feedback")
    page.click("text=Migration de la base clients")
    page.fill("#answer-body", "Très bien : pense aux **tests**.")
    page.select_option(f"#level-{people.competencies['C2.1']}", "2")
    page.click("text=Envoyer la réponse")
    page.wait_for_load_state()
    assert "Réponse envoyée à Camille Martin" in page.content()


def journey(new_page, live, people, tmp_path, javascript: bool):
    learner = new_page(javascript)
    log_in(learner, live, people.learner)
    entry_id = write_entry(learner, live, people, javascript, tmp_path)
    self_assess(learner, live, people, javascript)
    ask_feedback(learner, live, entry_id)

    referent = new_page(javascript)
    answer(referent, live, people)

    learner.goto(f"{live}/")
    assert re.search(r"Notifications\s*1", learner.inner_text("header"))
    # The radar now has a referent series: C2 at 2 (self 3: a gap, marked).
    assert learner.locator(".series-referent rect").count() >= 1
    radar = learner.locator("svg.radar").text_content()
    assert "C2 !" in radar and "! écart d'un niveau ou plus" in radar
    table = learner.locator(".radar-table table")
    assert table.count() == 1 and "C2" in table.text_content()  # folded, but there
    learner.goto(f"{live}/notifications")
    learner.click("text=Sophie Durand a répondu")
    assert "pense aux" in learner.inner_text("main")

    learner.goto(f"{live}/export")
    with learner.expect_download() as download:
        learner.click("text=Fichier HTML")
    html = open(download.value.path(), encoding="utf-8").read()
    assert "Migration de la base clients" in html and "Très bien" in html
    learner.fill("#link-days", "14")
    learner.click("text=Créer un lien")
    url = learner.locator("input.share-url").input_value()
    assert "/s/" in url

    jury = new_page(javascript)
    jury.goto(url)
    assert "Migration de la base clients" in jury.inner_text("body")
    assert "J'ai modélisé le nouveau schéma." in jury.inner_text("body")
    assert jury.locator("svg.radar").count() == 1
    # The evidence image is drawn in the page, from the link's own file address.
    image = jury.locator("figure.attached img")
    assert image.count() == 1 and "/files/" in image.get_attribute("src")
    assert jury.evaluate("() => document.querySelector('figure.attached img').naturalWidth") > 0
    learner.goto(f"{live}/export")
    assert "2 accès" in learner.inner_text("#links")  # the page, and its image
    for page in (learner, referent, jury):
        assert page.watch.clean(), vars(page.watch)


def test_the_journey_with_javascript(new_page, live, people, tmp_path):
    journey(new_page, live, people, tmp_path, javascript=True)


def test_the_journey_without_javascript(new_page, live, people, tmp_path):
    journey(new_page, live, people, tmp_path, javascript=False)


def tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the focus is on the element (as a keyboard user would)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_editor_by_keyboard_alone(new_page, live, people, width):
    page = new_page(True, width=width)
    log_in(page, live, people.learner)
    page.goto(f"{live}/entries/new")
    page.focus("#title")  # the first field; everything after is Tab, typing and Enter
    page.keyboard.type("Écrit au clavier")
    tab_to(page, "context")
    page.keyboard.type("Projet de fin d'études")
    tab_to(page, "body")
    page.keyboard.type("Sans souris.")
    tab_to(page, "picker-q")
    page.keyboard.type("C4.2")
    # the results for what was typed in full (a slow machine may show "C4" first, then these)
    page.wait_for_selector("#picker-status:has-text('1 compétence trouvée')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-picker-add')")
    page.keyboard.press("Enter")  # picks the compétence, focus moves into its row
    row = f"tags-{people.competencies['C4.2']}-how"
    for _ in range(100):  # (wait_for_function would need eval, which our CSP forbids)
        if page.evaluate("document.activeElement && document.activeElement.id") == row:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the focus did not move into the new tag row: " + str(page.evaluate(
            "[document.activeElement && document.activeElement.outerHTML.slice(0, 200),"
            " document.querySelectorAll('#tag-rows .tag-row').length,"
            " document.getElementById('picker-results').innerHTML.slice(0, 300)]"))
            + str(vars(page.watch)))
    page.keyboard.type("Le rapport le montre.")
    tab_to(page, "visibility-0")
    tab_to(page, "save")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/entries/\d+$"))
    text = page.inner_text("main")
    assert "Écrit au clavier" in text and "C4.2" in text and "Le rapport le montre." in text
    assert page.watch.clean(), vars(page.watch)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_chosen_file_survives_a_preview_and_a_refused_form(new_page, live, people, tmp_path,
                                                             app, javascript):
    """Without JavaScript, "Aperçu" reloads the page; with it or not, a form the server
    refuses comes back: a browser empties the file field each time, the server keeps the file."""
    page = new_page(javascript)
    log_in(page, live, people.learner)
    page.goto(f"{live}/entries/new")
    page.fill("#title", "Plan de reprise")
    proof = tmp_path / "plan.png"
    proof.write_bytes(png_bytes())
    page.set_input_files("#files", str(proof))
    if not javascript:
        page.click("button[value=preview]")
        page.wait_for_selector(".held-files")
        assert "plan.png" in page.inner_text(".held-files")
        page.set_input_files("#files", str(proof))  # the same name again: a second file
    page.fill("#body", "> " * 21 + "trop imbriqué")  # refused by the server, not the browser
    page.click("button[value=save]")
    page.wait_for_selector("#body-error, .held-files")
    assert "imbrique trop" in page.inner_text("main")
    held = page.inner_text(".held-files")
    assert held.count("plan.png") == (1 if javascript else 2)
    page.fill("#body", "Le plan, en pièce jointe.")
    page.click("button[value=save]")
    page.wait_for_url(re.compile(r"/entries/\d+$"))
    assert page.inner_text("main").count("plan.png") == (1 if javascript else 2)
    assert page.watch.clean(), vars(page.watch)


@pytest.mark.parametrize("javascript", [True, False])
def test_deleting_an_entry_asks_first(new_page, live, people, make_entry, app, javascript):
    """With JavaScript a dialog asks (accepted here) and the entry goes at once; without it a
    page asks, "Non, revenir" keeps the entry and "Oui, confirmer" deletes it."""
    from portfolio.db import db
    from portfolio.models import Entry

    entry_id = make_entry(title="Brouillon à jeter")
    page = new_page(javascript)
    log_in(page, live, people.learner)
    page.goto(f"{live}/entries/{entry_id}")
    button = page.locator("form.entry-delete button")
    assert button.is_visible()
    if javascript:
        page.evaluate("() => { window.confirm = (question) => question.startsWith('Supprimer'); }")
        with page.expect_request(lambda r: r.method == "POST") as sent:
            button.click()
        assert "confirmed=1" in sent.value.post_data  # asked once, in the dialog
        page.wait_for_url(re.compile(r"/entries$"))
    else:
        button.click()
        page.wait_for_selector("text=Oui, confirmer")
        assert "Supprimer définitivement cette entrée" in page.inner_text("h1")
        page.click("text=Non, revenir")
        page.wait_for_url(re.compile(rf"/entries/{entry_id}$"))
        page.locator("form.entry-delete button").click()
        page.click("text=Oui, confirmer")
        page.wait_for_url(re.compile(r"/entries$"))
    assert "Entrée supprimée" in page.inner_text("main")
    with app.app_context():
        assert db.session.get(Entry, entry_id) is None
    assert page.watch.clean(), vars(page.watch)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_new_share_link_can_be_copied(new_page, live, people, javascript):
    page = new_page(javascript, width=375)
    log_in(page, live, people.learner)
    page.goto(f"{live}/export")
    page.fill("#link-label", "Jury de janvier")
    page.click("text=Créer un lien")
    field = page.locator("#share-url")
    assert "/s/" in field.input_value()
    box = field.bounding_box()
    assert box["width"] > 250  # the whole address is visible at phone width, not a stub
    copy = page.locator("button", has_text="Copier le lien")
    if javascript:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        copy.click()
        page.wait_for_selector("#share-url-status:has-text('Lien copié.')")
        assert page.evaluate("() => navigator.clipboard.readText()") == field.input_value()
    else:
        assert copy.count() == 0  # no inert button without JavaScript
    assert page.watch.clean(), vars(page.watch)


def next_focus(page) -> str:
    """Press Tab and say what holds the focus: its tag and text (or its id)."""
    page.keyboard.press("Tab")
    return page.evaluate("(() => { const e = document.activeElement;"
                         " return e.tagName + ' ' + (e.id || e.textContent.trim()); })()")


@pytest.mark.parametrize("javascript", [True, False])
def test_asking_a_tutor_by_keyboard_lands_on_the_request(new_page, live, people, make_entry,
                                                         javascript):
    entry_id = make_entry(title="Revue de code", visibility="referents")
    page = new_page(javascript, width=375)
    log_in(page, live, people.learner)
    page.goto(f"{live}/entries/{entry_id}")
    page.focus("#ask-referent")
    assert next_focus(page) == "TEXTAREA ask-message"
    page.keyboard.type("Pouvez-vous relire la partie tests ?")
    assert next_focus(page) == "BUTTON Envoyer la demande"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/entries/{entry_id}#feedback")
    assert "Demande envoyée à" in page.inner_text("#messages")
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # the fragment becomes the starting point of the next Tab
    # the next Tab goes on from the request just made, not from the top of the page
    assert next_focus(page) == f"A {people.referent.name}"
    assert page.watch.clean(), vars(page.watch)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_share_link_made_by_keyboard_lands_on_the_address(new_page, live, people, javascript):
    page = new_page(javascript, width=375)
    log_in(page, live, people.learner)
    page.goto(f"{live}/export")
    page.focus("#link-label")
    page.keyboard.type("Jury de janvier")
    while next_focus(page) != "BUTTON Créer un lien":
        pass
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _ in range(50):  # autofocus takes effect at the page's first rendering, not before
        if page.evaluate("document.activeElement.id") == "share-url":
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))
    assert "/s/" in page.evaluate("document.activeElement.value")
    assert page.watch.clean(), vars(page.watch)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_mahara_export_is_imported_from_the_page(new_page, live, people, tmp_path, javascript):
    from tests.leap2a_feeds import archive_of, post

    archive = tmp_path / "mahara-export.zip"
    archive.write_bytes(archive_of(
        post("portfolio:artefact2", "Article de mon journal Mahara",
             extra='<category term="alternance"/>')).getvalue())
    page = new_page(javascript, width=375)
    log_in(page, live, people.learner)
    page.goto(f"{live}/entries")
    page.click("text=Importer un portfolio")
    page.set_input_files("#file", str(archive))
    page.click("button:has-text('Importer')")
    page.wait_for_selector("#report-title")
    assert "1 entrée importée" in page.inner_text("[role=status]:near(#report-title)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("text=Voir mes entrées")
    assert page.locator(".entry-card", has_text="Article de mon journal Mahara").count() == 1
    assert page.watch.clean(), vars(page.watch)


def test_a_company_tutor_without_an_account_answers_by_the_link(new_page, live, people, app,
                                                                make_entry, runner):
    """The learner asks her maître d'apprentissage (no account); the link from the mail is
    opened logged out, without JavaScript, at phone width; he answers with a comment and a
    level; she sees both; the link then refuses a second answer, and is a 404 once revoked."""
    import re as regex

    from portfolio.mail import outbox

    result = runner.invoke(args=["users", "assign", "--learner", people.learner.email,
                                 "--referent", "marc@airbus.example", "--kind", "entreprise",
                                 "--name", "Marc Lefèvre", "--company", "Airbus"])
    assert result.exit_code == 0, result.output
    entry_id = make_entry(title="Migration de la base clients", tags=["C2.1"])
    learner = new_page(True, width=1280)
    log_in(learner, live, people.learner)
    learner.goto(f"{live}/entries/{entry_id}")
    learner.select_option("#ask-referent", label="Marc Lefèvre")
    learner.fill("#ask-message", "Votre avis sur la bascule ?")
    learner.click("button:has-text('Envoyer la demande')")
    with app.app_context():
        mail = next(m for m in reversed(outbox()) if m.to == "marc@airbus.example")
    link = regex.search(r"https?://\S+/r/[A-Za-z0-9_-]{40,}", mail.body).group(0)
    link = live + link[link.index("/r/"):]
    tutor = new_page(False, width=375)  # no JavaScript, a phone, no session
    tutor.goto(link)
    assert "Migration de la base clients" in tutor.inner_text("main")
    assert tutor.evaluate("document.documentElement.scrollWidth") <= 375
    tutor.fill("#answer-body", "Bascule bien préparée, **rigoureuse**.")
    tutor.select_option(f"#level-{people.competencies['C2.1']}", value="3")
    tutor.click("button:has-text('Envoyer la réponse')")
    assert "Merci pour votre retour." in tutor.inner_text("main")
    assert tutor.locator("#answer-body").count() == 0  # answered: no second form
    learner.goto(f"{live}/entries/{entry_id}")
    page = learner.inner_text("main")
    assert "rigoureuse" in page and "Marc Lefèvre" in page
    learner.goto(f"{live}/learners/{people.learner.id}/frameworks/ing-num")
    row = learner.locator(f"#competency-{people.competencies['C2.1']}")
    assert "3" in row.inner_text()
    # a second answer through the same link is refused
    token = tutor.locator("input[name=csrf_token]").first.get_attribute("value")
    again = tutor.request.post(link, form={"csrf_token": token, "body": "Encore un mot"})
    assert again.status == 422
    learner.goto(f"{live}/entries/{entry_id}")
    assert "répondu" in learner.inner_text("#feedback")
    # revoked (here by hand; the learner's button is tested with the test client): a 404
    with app.app_context():
        from portfolio.db import db, utcnow
        from portfolio.models import ReferentLink

        db.session.scalars(db.select(ReferentLink)).one().revoked_at = utcnow()
        db.session.commit()
    assert tutor.goto(link).status == 404
    assert tutor.watch.clean() and learner.watch.clean()


def test_a_slow_answer_for_an_earlier_search_never_replaces_the_latest(new_page, live, people,
                                                                       monkeypatch):
    """Type "C4", then ".2": if the answer for "C4" comes back last, the list must still show
    what was typed in full (the request for "C4" is dropped), not four compétences under the
    focus (this made the keyboard test fail on a loaded machine)."""
    import time

    from portfolio.views.entries import editor

    found = editor.find_enrolled_competencies

    def slow_for_c4(learner_id, query):
        if query.strip().upper() == "C4":
            time.sleep(1.2)
        return found(learner_id, query)

    monkeypatch.setattr(editor, "find_enrolled_competencies", slow_for_c4)
    page = new_page(True, width=1280)
    log_in(page, live, people.learner)
    page.goto(f"{live}/entries/new")
    page.focus("#picker-q")
    page.keyboard.type("C4")
    page.wait_for_timeout(500)  # the search for "C4" leaves (and takes 1.2 s)
    page.keyboard.type(".2")
    page.wait_for_selector("#picker-status:has-text('1 compétence trouvée')")
    page.wait_for_timeout(1500)  # long enough for the answer about "C4" to come back
    assert page.locator("#picker-results button").count() == 1
    assert "C4.2" in page.inner_text("#picker-results")
    assert page.watch.clean(), vars(page.watch)


def test_a_fiche_de_suivi_goes_round_the_triangle_in_browsers(new_page, live, people, app,
                                                              runner, make_user):
    """A company period ends and the reminder runs; the learner writes her self-review on a
    phone; the maître d'apprentissage (no account) fills and signs the fiche from the mail's
    link, logged out, without JavaScript, at phone width; the tuteur académique closes it;
    the radar shows the company series apart."""
    import re as regex
    from datetime import date, timedelta

    from portfolio.db import db
    from portfolio.mail import outbox
    from portfolio.models import User
    from portfolio.services import directory, periods

    academic = make_user("referent", name="Claire Vidal")
    assert runner.invoke(args=[
        "users", "assign", "--learner", people.learner.email, "--referent", "marc@airbus.example",
        "--kind", "entreprise", "--name", "Marc Lefèvre"]).exit_code == 0
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        cohort = directory.get_or_create_cohort("ING 2026")
        directory.add_to_cohort(cohort, learner)
        directory.assign_referent(learner, db.session.get(User, academic.id), "academique")
        periods.add_period(cohort, "entreprise", date.today() - timedelta(days=60),
                           date.today() - timedelta(days=2))
        db.session.commit()
    assert "1 fiche(s)" in runner.invoke(args=["notify", "period-reviews"]).output
    c21 = people.competencies["C2.1"]

    camille = new_page(True, width=375)
    log_in(camille, live, people.learner)
    camille.click("a:has-text('le bilan de votre période en entreprise')")
    camille.fill("#missions", "Migration du parc de serveurs.")
    camille.fill("#learned", "Planifier une bascule sans coupure.")
    if not camille.is_visible(f"#competency-{c21}"):  # its block is folded: open it
        camille.locator("details", has=camille.locator(f"#competency-{c21}")).locator(
            "summary").click()
    camille.check(f"#competency-{c21}")
    camille.click("button:has-text('Envoyer au maître d')")
    assert "Bilan envoyé" in camille.inner_text("#messages")
    assert camille.evaluate("document.documentElement.scrollWidth") <= 375

    with app.app_context():
        mail = next(m for m in reversed(outbox()) if m.to == "marc@airbus.example")
    link = regex.search(r"https?://\S+/r/[A-Za-z0-9_-]{40,}", mail.body).group(0)
    link = live + link[link.index("/r/"):]
    marc = new_page(False, width=375)  # no JavaScript, a phone, no session
    marc.goto(link)
    assert "Planifier une bascule sans coupure." in marc.inner_text("main")
    assert marc.evaluate("document.documentElement.scrollWidth") <= 375
    marc.select_option(f"#level-{c21}", value="3")
    marc.fill(f"#comment-{c21}", "Autonome sur la bascule.")
    marc.fill("#savoir_etre", "Ponctuelle, à l'écoute.")
    marc.click("button:has-text('Signer et envoyer')")  # not ticked: refused, nothing lost
    assert "Je confirme" in marc.inner_text("[role=alert]")
    assert marc.input_value(f"#level-{c21}") == "3"
    marc.check("#confirm")
    marc.click("button:has-text('Signer et envoyer')")
    assert "Cette fiche est remplie : merci." in marc.inner_text("main")

    claire = new_page(True, width=1280)
    log_in(claire, live, academic)
    claire.goto(f"{live}/followup")
    claire.click("a:has-text('Camille Martin')")
    assert "Autonome sur la bascule." in claire.inner_text("main")
    claire.fill("#academic_comment", "Belle période.")
    claire.click("button:has-text('Commenter et clore')")
    assert "Fiche close." in claire.inner_text("#messages")

    camille.goto(f"{live}/?series=split")
    company = camille.locator("svg [data-series=company]")
    assert company.count() >= 1
    table = camille.locator(".radar-table table").text_content()
    assert "Maître d'apprentissage" in table and "Tuteur académique" in table
    for page in (camille, marc, claire):
        assert page.watch.clean(), vars(page.watch)

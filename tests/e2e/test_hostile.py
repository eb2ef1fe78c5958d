"""The hostile markdown corpus, posted as entries and comments and opened in Chromium:
no script runs (no dialog, no page error, no console message from a payload) and no request
leaves for a foreign host."""

from __future__ import annotations

from datetime import date

from portfolio.db import db
from portfolio.markdown import MarkdownRefused, render_markdown
from portfolio.models import User
from portfolio.services import entries as entry_service
from portfolio.services import feedback
from tests.e2e.conftest import log_in
from tests.hostile_markdown import CASES


def test_the_corpus_runs_nothing_in_the_browser(app, people, new_page, live):
    ids = []
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        referent = db.session.get(User, people.referent.id)
        for name, text, _forbidden in CASES:
            try:
                render_markdown(text)
            except MarkdownRefused:
                continue  # refused with a message: nothing reaches a page
            entry = entry_service.create_entry(learner, entry_service.EntryData(
                title=f"Cas : {name}", body=text, visibility="referents",
                occurred_on=date(2026, 6, 1)))
            feedback.add_comment(referent, entry, text)
            ids.append(entry.id)
        db.session.commit()
    assert len(ids) >= 60
    page = new_page(True)
    log_in(page, live, people.learner)
    for entry_id in ids:
        page.goto(f"{live}/entries/{entry_id}")
        assert page.locator("#entry-title").count() == 1
    page.goto(f"{live}/entries?q=alert")
    watch = page.watch
    assert watch.dialogs == [] and watch.errors == [] and watch.foreign == [], vars(watch)
    payload_messages = [m for m in watch.console if "alert" in m or "1" == m.split(": ", 1)[-1]]
    assert payload_messages == []
    # Same-origin images of the corpus (/attachments/1) may be 404s: harmless, and no script.
    assert not [m for m in watch.console if m.startswith("error")
                and "Failed to load resource" not in m]

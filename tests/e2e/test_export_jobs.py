"""The jury PDF made in the background, in a real browser: the learner asks for it, follows its
progress (htmx with JavaScript, the page reloading itself without), then downloads it; on a
phone and on a desktop."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portfolio import jobs
from portfolio.db import db
from portfolio.models import User
from portfolio.services import entries as entry_service
from tests.e2e.conftest import log_in


@pytest.fixture
def background(app, people):
    """Jobs in threads of the served process (the embedded default), not run at once."""
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        for n in range(25):
            entry_service.create_entry(learner, entry_service.EntryData(
                title=f"Projet {n}", body="Une preuve détaillée. " * 60, visibility="jury",
                occurred_on=date(2026, 3, 1 + n)))
        db.session.commit()
    app.config["JOBS_BROKER"] = "local"
    runner = app.extensions["portfolio.jobs"] = jobs.Runner(app)
    yield runner
    runner.drain(timeout_s=60)


@pytest.mark.parametrize("javascript, width", [(True, 1200), (False, 375), (True, 375)],
                         ids=["js-desktop", "nojs-phone", "js-phone"])
def test_the_pdf_is_made_in_the_background_then_offered(new_page, live, people, background,
                                                        javascript, width, tmp_path):
    page = new_page(javascript=javascript, width=width)
    log_in(page, live, people.learner)
    page.goto(f"{live}/export")
    page.click("button[name=format][value=pdf]")
    page.wait_for_url(re.compile(r"/export/jobs/\d+$"))
    job_url = page.url
    page.screenshot(path=str(tmp_path / "progress.png"), full_page=True)
    page.wait_for_selector("text=Votre export est prêt", timeout=60_000)
    assert page.url == job_url  # the same page, brought up to date (htmx or a reload)
    page.screenshot(path=str(tmp_path / "done.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a.button.primary", timeout=10_000)
    assert open(download.value.path(), "rb").read(4) == b"%PDF"
    assert download.value.suggested_filename.endswith(".pdf")
    # The export page lists it too, for a learner who went elsewhere meanwhile.
    page.goto(f"{live}/export")
    assert page.locator(".export-job", has_text="Votre export est prêt").count() == 1
    if javascript and width <= 375:  # nothing wider than a phone's screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.watch.clean(), vars(page.watch)

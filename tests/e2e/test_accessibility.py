"""axe-core (from the npm registry) on every main page, for each role: no violation of impact
`serious` or `critical`; the radar always comes with its table."""

from __future__ import annotations

import os
from datetime import date

import pytest

from portfolio.db import db
from portfolio.models import Competency, User
from portfolio.services import assessments, feedback, sharing
from portfolio.services import entries as entry_service
from tests.e2e.conftest import AXE, log_in


@pytest.fixture
def axe_source():
    if not AXE.exists():
        reason = f"axe-core is not installed ({AXE}): make e2e-deps"
        if os.environ.get("PORTFOLIO_REQUIRE_E2E"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def content(app, people):
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        referent = db.session.get(User, people.referent.id)
        c21 = db.session.get(Competency, people.competencies["C2.1"])
        entry = entry_service.create_entry(learner, entry_service.EntryData(
            title="Refonte du pipeline", body="Du **texte**.\n\n- un\n- deux",
            visibility="jury", occurred_on=date(2026, 6, 1),
            reflection={"strengths": "La méthode."}, tags=[entry_service.TagData(c21.id)]))
        feedback.add_comment(referent, entry, "Bien.")
        request = feedback.request_feedback(learner, entry, referent.id, "Un avis ?")
        assessments.assess_self(learner, c21, 3, "Fait seul.")
        assessments.assess_as_referent(referent, learner, c21, 2, "Presque.")
        _link, token = sharing.create_link(learner, "Jury", 30)
        db.session.commit()
        return dict(entry=entry.id, request=request.id, competency=c21.id, token=token)


def pages(people, content):
    lid = people.learner.id
    return {
        None: ["/login", "/password/forgot", f"/s/{content['token']}"],
        "learner": ["/", "/entries", "/entries/new?template=situation",
                    f"/entries/{content['entry']}", f"/entries/{content['entry']}/edit",
                    f"/learners/{lid}/frameworks/ing-num",
                    f"/learners/{lid}/competencies/{content['competency']}",
                    "/feedback", f"/feedback/{content['request']}", "/notifications",
                    "/export", "/account/", "/frameworks/mine", "/frameworks/ing-num"],
        "referent": ["/", "/feedback", f"/feedback/{content['request']}", f"/learners/{lid}",
                     f"/learners/{lid}/frameworks/ing-num", f"/entries/{content['entry']}",
                     "/entries"],
        "jury": ["/", "/frameworks/", "/account/"],
        "admin": ["/", "/admin/users", "/admin/cohorts", "/admin/frameworks",
                  "/frameworks/ing-num"],
    }


@pytest.mark.parametrize("role", [None, "learner", "referent", "jury", "admin"])
def test_no_serious_violation(new_page, live, people, content, axe_source, role):
    page = new_page(True, bypass_csp=True)
    if role:
        log_in(page, live, getattr(people, role))
    problems = []
    for path in pages(people, content)[role]:
        response = page.goto(f"{live}{path}")
        assert response.status == 200, path
        page.evaluate(axe_source)
        result = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"][:3]]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")
        if path == "/" and role == "learner" or path.startswith("/learners/") and \
                path.count("/") == 2:
            assert page.locator("svg.radar").count() == 1
            assert page.locator(".radar-table table").count() == 1
    assert problems == [], "\n".join(problems)

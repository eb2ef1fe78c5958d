"""The pages a learner and a tutor spend their day on run as many SQL statements with a year of
data as with a week of it, and no more than a bound each (issue 20 lowers the bounds to 10).
Timing belongs to bench/; here only the number of statements is held."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Entry, FeedbackRequest, User
from portfolio.services import feedback
from tests.helpers import as_user, count_queries, grow, login

# page -> the most statements it may run (measured 2026-12-02; issue 20's target is 10)
LEARNER_PAGES = {
    "/": 18,
    "/entries": 17,
    "/entries?q=entree": 16,
    "/entries/{entry}": 12,
    "/learners/{learner}/frameworks/ing-num": 11,
    "/learners/{learner}/competencies/{competency}": 14,
}
REFERENT_PAGES = {
    "/": 14,
    "/feedback": 7,
    "/learners/{learner}/frameworks/ing-num": 12,
    "/learners/{learner}/competencies/{competency}": 16,
}


def _ask(app, people, how_many: int) -> None:
    """Feedback requests from the learner to their tutor on their latest entries."""
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        asked = select(FeedbackRequest.entry_id)
        for entry in db.session.scalars(select(Entry).where(Entry.learner_id == learner.id,
                                                            Entry.id.not_in(asked))
                                        .order_by(Entry.id.desc()).limit(how_many)):
            feedback.request_feedback(learner, entry, people.referent.id, "Un avis ?")
        db.session.commit()


def _paths(app, people, pages: dict[str, int]) -> dict[str, int]:
    with app.app_context():
        entry = db.session.scalar(select(Entry.id).where(Entry.learner_id == people.learner.id)
                                  .order_by(Entry.id))
    return {page.format(entry=entry, learner=people.learner.id,
                        competency=people.competencies["C1.1"]): bound
            for page, bound in pages.items()}


@pytest.mark.parametrize("role", ["learner", "referent"])
def test_each_page_runs_a_bounded_number_of_statements_whatever_the_data(client, people, app,
                                                                        role):
    pages = LEARNER_PAGES if role == "learner" else REFERENT_PAGES
    grow(app, people, entries=3, rounds=1)
    _ask(app, people, 1)
    login(client, getattr(people, role))
    paths = _paths(app, people, pages)
    small = {path: count_queries(app, client, path) for path in paths}
    grow(app, people, entries=150, rounds=4)  # several entries on every compétence
    _ask(app, people, 12)
    as_user(client, getattr(people, role))
    large = {path: count_queries(app, client, path) for path in paths}
    assert large == small
    over = {path: (n, paths[path]) for path, n in large.items() if n > paths[path]}
    assert not over, over

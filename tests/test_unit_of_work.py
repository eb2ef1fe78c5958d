"""One unit of work per request: committed when the answer is a success, rolled back when it
is an error, and a commit that fails never leaves as a success."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from portfolio.db import db, utcnow
from portfolio.models import ScheduledRun


@pytest.fixture
def routes(app):
    """Throwaway routes that write a row, then answer 200, 422, raise, or fail to commit.
    POST, as every write of the app is (a GET on PostgreSQL runs without a transaction)."""
    from portfolio.extensions import csrf

    def write(name: str) -> None:
        db.session.add(ScheduledRun(name=name, last_run_at=utcnow()))
        db.session.flush()

    def ok():
        write("ok")
        return "fait", 200

    def refused():
        write("refused")
        return "refusé", 422

    def broken():
        write("broken")
        raise RuntimeError("boom")

    def conflict():
        with db.engine.begin() as other:  # someone else took the name meanwhile
            other.execute(insert(ScheduledRun).values(name="conflict", last_run_at=utcnow()))
        db.session.add(ScheduledRun(name="conflict", last_run_at=utcnow()))
        return "fait", 200  # flushed only by the commit, which fails

    for view in (ok, refused, broken, conflict):
        app.add_url_rule(f"/_uow/{view.__name__}", view.__name__, csrf.exempt(view),
                         methods=["POST"])
    return app


def names(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(ScheduledRun.name)))


@pytest.mark.parametrize("route, status, kept", [
    ("ok", 200, {"ok"}), ("refused", 422, set()), ("broken", 500, set()),
    ("conflict", 500, {"conflict"}),  # the other writer's row only
])
def test_the_answer_decides_whether_the_request_commits(routes, route, status, kept):
    response = routes.test_client().post(f"/_uow/{route}")
    assert response.status_code == status
    assert names(routes) == kept
    if route == "conflict":
        assert "Rien n&#39;a été enregistré" in response.get_data(as_text=True)


def test_a_not_found_from_a_service_is_the_404_page_and_its_words_stay_inside(app):
    from portfolio.services import NotFound

    def hidden():
        raise NotFound("the request of learner 7 is not yours")

    app.add_url_rule("/_uow/hidden", "hidden", hidden)
    response = app.test_client().get("/_uow/hidden")
    assert response.status_code == 404
    assert "learner 7" not in response.get_data(as_text=True)


def test_attempt_undoes_only_the_refused_call_and_turns_not_found_into_a_404(app):
    """A view that answers a refusal itself (a flash and a redirect) must not commit the
    refused call's writes; what the request wrote before it stays."""
    from werkzeug.exceptions import NotFound as HTTPNotFound

    from portfolio.services import NotFound, ServiceError
    from portfolio.unit_of_work import attempt

    with app.test_request_context(method="POST"):
        db.session.add(ScheduledRun(name="before", last_run_at=utcnow()))
        db.session.flush()
        with pytest.raises(ServiceError), attempt():
            db.session.add(ScheduledRun(name="refused", last_run_at=utcnow()))
            db.session.flush()
            raise ServiceError("non")
        with pytest.raises(HTTPNotFound), attempt():
            raise NotFound()
        db.session.commit()
        assert set(db.session.scalars(select(ScheduledRun.name))) == {"before"}

"""The tuteur's view of their apprentices: each on one line with the period under way, the last
fiche de suivi (done, pending or late), the last visit, the requests waiting for the tutor,
and the number of compétences with a gap; sortable; in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import (
    Assignment,
    FeedbackRequest,
    Period,
    PeriodReview,
    RequestState,
    User,
    VisitReport,
    cohort_members,
)
from portfolio.services.evidence import gap_counts
from portfolio.services.periods import where_now

# A fiche not closed this long after its period ended is late.
LATE_DAYS = 21
SORTS = ("name", "period", "review", "visit", "requests", "gaps")
REVIEW_ORDER = {"late": 0, "pending": 1, "none": 2, "done": 3}


@dataclass
class ApprenticeRow:
    learner: User
    kind: str  # how the tutor follows them: academique, entreprise
    period: Period | None
    review: PeriodReview | None
    review_status: str  # done, pending, late, none
    last_visit: date | None
    open_requests: int
    gaps: int


def review_status(review: PeriodReview | None, period: Period | None, today: date) -> str:
    if review is None:
        return "none"
    if review.state == "closed":
        return "done"
    if period is not None and period.ends_on < today - timedelta(days=LATE_DAYS):
        return "late"
    return "pending"


def apprentices(referent: User, today: date, sort: str = "name") -> list[ApprenticeRow]:
    assignments = db.session.execute(
        select(User, Assignment.kind).join(Assignment, Assignment.learner_id == User.id)
        .where(Assignment.referent_id == referent.id).order_by(User.name)).all()
    ids = [user.id for user, _kind in assignments]
    if not ids:
        return []
    periods: dict[int, list[Period]] = {}
    for learner_id, period in db.session.execute(
            select(cohort_members.c.user_id, Period)
            .join(Period, Period.cohort_id == cohort_members.c.cohort_id)
            .where(cohort_members.c.user_id.in_(ids)).order_by(Period.starts_on)):
        periods.setdefault(learner_id, []).append(period)
    reviews: dict[int, tuple[PeriodReview, Period]] = {}
    for review, period in db.session.execute(
            select(PeriodReview, Period).join(Period, Period.id == PeriodReview.period_id)
            .where(PeriodReview.learner_id.in_(ids)).order_by(Period.ends_on, PeriodReview.id)):
        reviews[review.learner_id] = (review, period)  # the last one wins
    visits = dict(db.session.execute(
        select(VisitReport.learner_id, func.max(VisitReport.visited_on))
        .where(VisitReport.learner_id.in_(ids)).group_by(VisitReport.learner_id)).all())
    requests = dict(db.session.execute(
        select(FeedbackRequest.learner_id, func.count(FeedbackRequest.id))
        .where(FeedbackRequest.learner_id.in_(ids), FeedbackRequest.referent_id == referent.id,
               FeedbackRequest.state == RequestState.REQUESTED.value)
        .group_by(FeedbackRequest.learner_id)).all())
    gaps = gap_counts(ids)
    rows = []
    for user, kind in assignments:
        current, _upcoming = where_now(periods.get(user.id, []), today)
        review, period = reviews.get(user.id, (None, None))
        rows.append(ApprenticeRow(user, kind, current, review,
                                  review_status(review, period, today), visits.get(user.id),
                                  requests.get(user.id, 0), gaps.get(user.id, 0)))
    keys = {
        "name": lambda r: r.learner.name.casefold(),
        "period": lambda r: (r.period is None, r.period.kind if r.period else ""),
        "review": lambda r: REVIEW_ORDER[r.review_status],
        "visit": lambda r: (r.last_visit is not None, r.last_visit or date.min),
        "requests": lambda r: -r.open_requests,
        "gaps": lambda r: -r.gaps,
    }
    return sorted(rows, key=keys.get(sort, keys["name"]))

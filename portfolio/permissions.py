"""Who may do what with whose data: every decision of PRODUCT.md's table, in one place.

Anything the viewer may not read answers 404, never 403, so that ids reveal nothing.
"""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import false, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from portfolio.db import db
from portfolio.models import (
    Assignment,
    Entry,
    EntryTag,
    ExportJob,
    FeedbackRequest,
    Framework,
    Role,
    ShareLink,
    User,
    Visibility,
)

REFERENT_VISIBLE = (Visibility.REFERENTS.value, Visibility.JURY.value)


def learner_ids_of(referent: User) -> set[int]:
    """The learners assigned to this referent (cached for the request)."""
    cache = g.setdefault("_referent_learners", {})
    if referent.id not in cache:
        cache[referent.id] = set(db.session.scalars(
            select(Assignment.learner_id).where(Assignment.referent_id == referent.id)))
    return cache[referent.id]


def is_referent_of(viewer: User, learner_id: int) -> bool:
    return viewer.role == Role.REFERENT and learner_id in learner_ids_of(viewer)


def referent_kind_of(viewer: User, learner_id: int) -> str | None:
    """How the viewer follows this learner: `academique`, `entreprise`, or None."""
    if viewer.role != Role.REFERENT:
        return None
    cache = g.setdefault("_referent_kinds", {})
    if (viewer.id, learner_id) not in cache:
        cache[(viewer.id, learner_id)] = db.session.scalar(select(Assignment.kind).where(
            Assignment.referent_id == viewer.id, Assignment.learner_id == learner_id))
    return cache[(viewer.id, learner_id)]


def can_see_review(viewer: User, review) -> bool:
    """A fiche de suivi: its learner; their referents once the learner has sent it."""
    return viewer.id == review.learner_id or (
        review.state != "self" and is_referent_of(viewer, review.learner_id))


def can_see_visit(viewer: User, visit) -> bool:
    """A visit report: its learner and their referents."""
    return viewer.id == visit.learner_id or is_referent_of(viewer, visit.learner_id)


def can_read_entry(viewer: User, entry: Entry) -> bool:
    """The learner always; their referents once the entry is visible to referents."""
    if viewer.id == entry.learner_id:
        return True
    return entry.visibility in REFERENT_VISIBLE and is_referent_of(viewer, entry.learner_id)


def can_edit_entry(viewer: User, entry: Entry) -> bool:
    """Only the learner writes, edits and deletes their entries."""
    return viewer.id == entry.learner_id and viewer.role == Role.LEARNER


def readable_entries(viewer: User) -> ColumnElement[bool]:
    """A condition selecting exactly the entries this viewer may read."""
    if viewer.role == Role.LEARNER:
        return Entry.learner_id == viewer.id
    if viewer.role == Role.REFERENT:
        return Entry.learner_id.in_(
            select(Assignment.learner_id).where(Assignment.referent_id == viewer.id)
        ) & Entry.visibility.in_(REFERENT_VISIBLE)
    return false()


def get_entry_or_404(entry_id: int, viewer: User, *, edit: bool = False) -> Entry:
    """Load an entry the viewer may read (or edit); anything else is a 404."""
    entry = db.session.scalar(
        select(Entry).where(Entry.id == entry_id).options(
            selectinload(Entry.tags).selectinload(EntryTag.criteria),
            selectinload(Entry.tags).selectinload(EntryTag.competency),
            selectinload(Entry.attachments)))
    if entry is None or not can_read_entry(viewer, entry):
        abort(404)
    if edit and not can_edit_entry(viewer, entry):
        abort(404)
    return entry


def can_see_request(viewer: User, request) -> bool:
    """A feedback request: its learner, and the referent it asks while still assigned."""
    return viewer.id == request.learner_id or (
        viewer.id == request.referent_id and is_referent_of(viewer, request.learner_id))


def request_shows_entry_now(viewer: User, request) -> bool:
    """Whether the request may show its entry as it is today (title, changes, link): to its
    learner always; to the referent only while they may read the entry and the request was not
    withdrawn. Otherwise the referent keeps at most the version the request was asked on."""
    if viewer.id == request.learner_id:
        return True
    return request.state != "withdrawn" and can_read_entry(viewer, request.entry)


def can_answer_request(viewer: User, request) -> bool:
    """The referent it asks answers, while still assigned, while it waits, and only while the
    entry stays readable to them (an entry made private after the request closes it to them)."""
    return (viewer.id == request.referent_id and request.state == "requested"
            and is_referent_of(viewer, request.learner_id)
            and can_read_entry(viewer, request.entry))


def can_view_progress(viewer: User, learner_id: int) -> bool:
    """The learner's levels and radar: the learner and their referents."""
    return (viewer.id == learner_id and viewer.role == Role.LEARNER) or \
        is_referent_of(viewer, learner_id)


def can_self_assess(viewer: User, learner_id: int) -> bool:
    return viewer.id == learner_id and viewer.role == Role.LEARNER


def can_referent_assess(viewer: User, learner_id: int) -> bool:
    return is_referent_of(viewer, learner_id)


def get_followed_learner(viewer: User, learner_id: int) -> User | None:
    """One of the referent's learners, else None (a filter naming anyone else shows nothing)."""
    return db.session.get(User, learner_id) if is_referent_of(viewer, learner_id) else None


def get_learner_or_404(learner_id: int, viewer: User) -> User:
    """A learner whose progress the viewer may see; anyone else is a 404."""
    learner = db.session.get(User, learner_id)
    if learner is None or learner.role != Role.LEARNER or \
            not can_view_progress(viewer, learner.id):
        abort(404)
    return learner


def get_request_or_404(request_id: int, viewer: User) -> FeedbackRequest:
    """A feedback request its learner, or the referent it asks, may see; else a 404."""
    request = db.session.get(FeedbackRequest, request_id)
    if request is None or not can_see_request(viewer, request):
        abort(404)
    return request


def get_review_or_404(review_id: int, viewer: User):
    from portfolio.models import PeriodReview

    review = db.session.get(PeriodReview, review_id)
    if review is None or not can_see_review(viewer, review):
        abort(404)
    return review


def get_visit_or_404(visit_id: int, viewer: User):
    from portfolio.models import VisitReport

    visit = db.session.get(VisitReport, visit_id)
    if visit is None or not can_see_visit(viewer, visit):
        abort(404)
    return visit


def get_framework_or_404(code: str) -> Framework:
    """A référentiel by its code, with its tree loaded: every signed-in person reads them."""
    from portfolio.services.frameworks import get_framework

    framework = get_framework(code[:40])
    if framework is None:
        abort(404)
    return framework


def get_share_link_or_404(link_id: int, viewer: User) -> ShareLink:
    """One of the viewer's own share links; anyone else's is a 404."""
    link = db.session.get(ShareLink, link_id)
    if link is None or link.learner_id != viewer.id:
        abort(404)
    return link


def get_export_job_or_404(job_id: int, viewer: User) -> ExportJob:
    """One of the viewer's own export jobs; anyone else's is a 404."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.learner_id != viewer.id:
        abort(404)
    return job

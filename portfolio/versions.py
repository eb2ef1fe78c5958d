"""Who a write concerns: every committed write raises the version of the people whose pages it
changes, or the site's version when it may change anybody's.

The page cache (portfolio/pagecache.py) keys each page on these versions, so a cached page can
never outlive the data it shows. The rules sit here, in one place, driven by SQLAlchemy's
session events rather than by calls in every service: a service that forgets nothing cannot
make a page stale. What is not known here raises the site's version (safe, only slower):
- a row of a model below: the learner it belongs to (and, for a feedback request, the referent);
  and a learner's data is on the pages of the referents who follow them or were asked for
  feedback, whose versions go up with theirs;
- a row reached through an entry, a request or a share link: that entry's learner (etc.);
- a user: themselves, or the whole site when what others see of them changes (name, role...);
- a référentiel, a cohort, a deleted user, an ORM bulk statement that does not say whom it
  concerns (`.execution_options(concerns=(user_id, ...))`): the whole site.
"""

from __future__ import annotations

from sqlalchemy import bindparam, event, inspect, select, union, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from portfolio.models import (
    ApiToken,
    Assessment,
    Assignment,
    Attachment,
    AuditLine,
    Block,
    Cohort,
    Comment,
    Competency,
    Criterion,
    Draft,
    Enrolment,
    Entry,
    EntryKeyword,
    EntryRevision,
    EntryTag,
    ExportJob,
    ExportSelection,
    FeedbackEvent,
    FeedbackRequest,
    Framework,
    HeldUpload,
    ImportedItem,
    LoginSession,
    Notification,
    Period,
    PeriodReview,
    ReferentLink,
    ReferentLinkAccess,
    ScheduledRun,
    ShareAccess,
    ShareLink,
    SiteVersion,
    User,
    VisitNote,
    VisitReport,
)

# Every mapped model is in exactly one of OWNERS, PRIVATE, THROUGH, IGNORED and SITE_WIDE
# (tests/test_pagecache.py fails on a model that is in none).
# model -> the columns naming the users a row concerns (their followers see it too)
OWNERS = {
    Entry: ("learner_id",), Assessment: ("learner_id",), Enrolment: ("learner_id",),
    ExportSelection: ("learner_id",), ShareLink: ("learner_id",),
    FeedbackRequest: ("learner_id", "referent_id"),
    Assignment: ("learner_id", "referent_id"),
    ReferentLink: ("learner_id", "referent_id"),
    PeriodReview: ("learner_id",), VisitReport: ("learner_id",),
}
# model -> the column naming the one user who sees the row (nobody else's pages show it)
PRIVATE = {Draft: "user_id", Notification: "user_id", ApiToken: "user_id",
           HeldUpload: "learner_id"}
# model -> (column, the parent table's query of the users concerned by those ids)
THROUGH = {
    EntryTag: "entry_id", EntryKeyword: "entry_id", Attachment: "entry_id",
    EntryRevision: "entry_id", Comment: "entry_id",
    FeedbackEvent: "request_id", ShareAccess: "link_id",
    ReferentLinkAccess: "referent_link_id", VisitNote: "visit_id",
}
PARENTS = {
    "entry_id": (Entry.id, (Entry.learner_id,)),
    "request_id": (FeedbackRequest.id, (FeedbackRequest.learner_id, FeedbackRequest.referent_id)),
    "link_id": (ShareLink.id, (ShareLink.learner_id,)),
    "referent_link_id": (ReferentLink.id, (ReferentLink.learner_id,)),
    "visit_id": (VisitReport.id, (VisitReport.learner_id,)),
}
# Rows no kept page shows: writing them changes nobody's kept pages (logins, the audit trail,
# background jobs: the export page that shows them is never kept; what an import remembers).
IGNORED = (LoginSession, AuditLine, SiteVersion, ExportJob, ScheduledRun, ImportedItem)
# Rows on everybody's pages: référentiels, cohorts. (User is classified by its columns below.)
SITE_WIDE = (Framework, Block, Competency, Criterion, Cohort, Period, User)
# What others see of a person: a change here may show on anybody's pages; a change of any
# other column of theirs (last login, password, preferences) only on their own.
USER_PUBLIC = ("name", "email", "role", "active")

# The referents who see a learner's data: assigned to them, or asked for feedback by them.
FOLLOWERS = union(
    select(Assignment.referent_id).where(
        Assignment.learner_id.in_(bindparam("ids", expanding=True))),
    select(FeedbackRequest.referent_id).where(
        FeedbackRequest.learner_id.in_(bindparam("ids", expanding=True))))

_KEY = "portfolio.versions"


def concerns(session: Session) -> dict:
    """The users and the site flag gathered in this session's transaction so far."""
    return session.info.setdefault(_KEY, {"users": set(), "alone": set(), "site": False})


def _collect(session: Session, _flush_context) -> None:
    found = concerns(session)
    through: dict[str, set[int]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = type(obj)
        if isinstance(obj, IGNORED):
            continue
        if kind is User:
            if obj in session.deleted or any(inspect(obj).attrs[name].history.has_changes()
                                             for name in USER_PUBLIC):
                found["site"] = True
                found["users"].add(obj.id)
            else:
                found["alone"].add(obj.id)
        elif kind in PRIVATE:
            found["alone"].add(getattr(obj, PRIVATE[kind]))
        elif kind in OWNERS:
            for column in OWNERS[kind]:
                found["users"].add(getattr(obj, column))
                # the value before the change too (an entry moved, an assignment edited)
                history = inspect(obj).attrs[column].history
                found["users"].update(v for v in history.deleted or () if v is not None)
        elif kind in THROUGH:
            column = THROUGH[kind]
            through.setdefault(column, set()).add(getattr(obj, column))
        else:
            found["site"] = True
    for column, ids in through.items():
        key, owners = PARENTS[column]
        ids.discard(None)
        if ids:
            for row in session.connection().execute(select(*owners).where(key.in_(ids))):
                found["users"].update(row)
    found["users"].discard(None)


_WRITES = ("insert", "update", "delete", "replace", "merge")


def _bulk(state) -> None:
    """A statement run through the session (not a flush): whom it concerns, or the whole
    site; a textual statement that writes counts too."""
    named = state.execution_options.get("concerns")
    if isinstance(state.statement, TextClause):
        if state.statement.text.lstrip().lower().startswith(_WRITES):
            found = concerns(state.session)
            if named is None:
                found["site"] = True
            else:
                found["users"].update(named)
        return
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, IGNORED):
        return
    found = concerns(state.session)
    if named is None:
        found["site"] = True
    else:
        found["users"].update(named)


def _raise_versions(session: Session) -> None:
    if session.in_nested_transaction():
        return  # the outer transaction raises them, once, when it commits
    session.flush()  # so that what the commit would flush is counted
    found = session.info.pop(_KEY, None)
    if not found or not (found["users"] or found["alone"] or found["site"]):
        return
    connection = session.connection()
    raised = set(found["alone"])
    if found["users"]:
        raised |= found["users"]
        raised.update(connection.scalars(FOLLOWERS, {"ids": sorted(found["users"])}))
    raised.discard(None)
    if raised:
        connection.execute(update(User).where(User.id.in_(sorted(raised)))
                           .values(data_version=User.data_version + 1))
    if found["site"]:
        connection.execute(update(SiteVersion).values(value=SiteVersion.value + 1))


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)


def install(session_class: type[Session]) -> None:
    """Listen to the sessions of this class (done once, by portfolio.db)."""
    if event.contains(session_class, "after_flush", _collect):
        return
    event.listen(session_class, "after_flush", _collect)
    event.listen(session_class, "do_orm_execute", _bulk)
    event.listen(session_class, "before_commit", _raise_versions)
    event.listen(session_class, "after_transaction_end", _forget)

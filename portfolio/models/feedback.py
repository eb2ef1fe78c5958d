"""The feedback loop: requests to referents, comment threads, notifications."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

if TYPE_CHECKING:
    from portfolio.models.entry import Entry
    from portfolio.models.user import User


class RequestState(enum.StrEnum):
    REQUESTED = "requested"
    ANSWERED = "answered"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


REQUEST_STATES = tuple(s.value for s in RequestState)


class FeedbackRequest(Base):
    """A learner asks one referent about one entry, as it stood at `entry_version`."""

    __tablename__ = "feedback_requests"
    __table_args__ = (
        CheckConstraint(f"state IN {REQUEST_STATES!r}", name="state"),
        Index("ix_feedback_requests_referent_state", "referent_id", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"),
                                          index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    referent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text, default="")
    entry_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default=RequestState.REQUESTED.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the referent was last reminded by `portfolio notify reminders` (once per period).
    reminded_at: Mapped[datetime | None]

    entry: Mapped[Entry] = relationship()
    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    referent: Mapped[User] = relationship(foreign_keys=[referent_id])
    events: Mapped[list[FeedbackEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="FeedbackEvent.id")
    answer: Mapped[Comment | None] = relationship(
        primaryjoin="FeedbackRequest.id == Comment.request_id", uselist=False, viewonly=True)


class FeedbackEvent(Base):
    """Each change of a request's state, dated and kept."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_requests.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[FeedbackRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Comment(Base):
    """One message of the thread under an entry (an answer to a request is one too)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_entry_created", "entry_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_requests.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # Rendered once by render_markdown(), like an entry's body.
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # A comment imported from another portfolio (Leap2A): its author as written there.
    imported_author: Mapped[str | None] = mapped_column(String(200))
    # Seen by the entry's learner only (Mahara's private feedback, imported).
    private: Mapped[bool] = mapped_column(default=False, server_default=false())

    author: Mapped[User | None] = relationship()
    entry: Mapped[Entry] = relationship()


class Notification(Base):
    """Something a person should know: shown in the app, and emailed unless they opted out."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # request, answer, comment, reminder; review (a fiche de suivi), visit (a visit report)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_requests.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("period_reviews.id", ondelete="CASCADE"))
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_reports.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    entry: Mapped[Entry | None] = relationship()

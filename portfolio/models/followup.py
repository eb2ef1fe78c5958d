"""The carnet de liaison: the fiche de suivi after each company period, and the visit report.

A fiche de suivi (`PeriodReview`) goes through four hands in order: the learner writes a short
self-review of a company period (`self`), the maître d'apprentissage fills the fiche (levels on
the compétences exercised, comments, a dated attestation: `company`), the tuteur académique
reads it and comments (`academic`), and it is closed (`closed`). A visit report
(`VisitReport`) is written by the tuteur académique; the learner and the maître
d'apprentissage acknowledge or annotate it (`VisitNote`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

if TYPE_CHECKING:
    from portfolio.models.periods import Period
    from portfolio.models.user import User


class ReviewState(enum.StrEnum):
    SELF = "self"  # waiting for the learner's self-review
    COMPANY = "company"  # waiting for the maître d'apprentissage
    ACADEMIC = "academic"  # waiting for the tuteur académique
    CLOSED = "closed"


REVIEW_STATES = tuple(s.value for s in ReviewState)


class PeriodReview(Base):
    """The fiche de suivi of one learner for one company period."""

    __tablename__ = "period_reviews"
    __table_args__ = (
        UniqueConstraint("learner_id", "period_id"),
        CheckConstraint(f"state IN {REVIEW_STATES!r}", name="state"),
        Index("ix_period_reviews_state", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default=ReviewState.SELF.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    # The learner's self-review.
    missions: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
    competency_ids: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None]
    # The maître d'apprentissage's part (their levels are assessments pointing here).
    company_referent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    savoir_etre: Mapped[str] = mapped_column(Text, default="")
    missions_next: Mapped[str] = mapped_column(Text, default="")
    company_comment: Mapped[str] = mapped_column(Text, default="")
    attested_name: Mapped[str] = mapped_column(String(120), default="")
    attested_at: Mapped[datetime | None]
    # The tuteur académique's part.
    academic_referent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    academic_comment: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    # The learner chooses whether the closed fiche goes into the jury export.
    in_export: Mapped[bool] = mapped_column(Boolean, default=False)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    period: Mapped[Period] = relationship()
    company_referent: Mapped[User | None] = relationship(foreign_keys=[company_referent_id])
    academic_referent: Mapped[User | None] = relationship(foreign_keys=[academic_referent_id])


class VisitReport(Base):
    """The report of the tuteur académique's visit to the company."""

    __tablename__ = "visit_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    visited_on: Mapped[date] = mapped_column(Date)
    people_met: Mapped[str] = mapped_column(Text, default="")
    missions: Mapped[str] = mapped_column(Text, default="")
    agreed: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    notes: Mapped[list[VisitNote]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", passive_deletes=True,
        order_by="VisitNote.id")


class VisitNote(Base):
    """The learner's or the maître d'apprentissage's acknowledgement of a visit report, with
    what they add (once each)."""

    __tablename__ = "visit_notes"
    __table_args__ = (UniqueConstraint("visit_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit_reports.id", ondelete="CASCADE"),
                                          index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(12))  # learner | entreprise
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped[VisitReport] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()

"""Assessments: dated levels per (learner, compétence), by the learner or a referent.

Append-only: a new level is a new row; the current level is the latest row, and the level at
any past date is the latest row before it. Nothing here is ever updated in place.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

if TYPE_CHECKING:
    from portfolio.models.framework import Competency
    from portfolio.models.user import User


class Source(enum.StrEnum):
    SELF = "self"
    REFERENT = "referent"


SOURCES = tuple(s.value for s in Source)


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(f"source IN {SOURCES!r}", name="source"),
        Index("ix_assessments_learner_competency", "learner_id", "competency_id", "source",
              "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"))
    # Who set it: the learner (self) or one of their referents. Kept if the referent leaves.
    assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10))
    level: Mapped[int]
    justification: Mapped[str] = mapped_column(Text, default="")
    # Entries the justification points to (ids of the learner's entries).
    entry_ids: Mapped[list] = mapped_column(JSON, default=list)
    # The feedback request whose answer set this level (the learner reads it with the answer).
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_requests.id", ondelete="SET NULL"), index=True)
    # A referent's level: as tuteur académique (`academique`) or maître d'apprentissage
    # (`entreprise`), from their assignment when it was given; the radar shows them apart.
    referent_kind: Mapped[str | None] = mapped_column(String(12))
    # The fiche de suivi or the visit report that recorded this level, if any.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("period_reviews.id", ondelete="SET NULL"), index=True)
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_reports.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    competency: Mapped[Competency] = relationship()
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])

"""The alternance calendar: a cohort's periods at school and in the company."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

if TYPE_CHECKING:
    from portfolio.models.user import Cohort

PERIOD_KINDS = ("ecole", "entreprise")


class Period(Base):
    """One period of a cohort's alternance rhythm, from one day to another (both included)."""

    __tablename__ = "periods"
    __table_args__ = (
        CheckConstraint("kind IN ('ecole', 'entreprise')", name="kind"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        Index("ix_periods_cohort_start", "cohort_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship()

    def holds(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

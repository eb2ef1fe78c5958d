"""What came in from another portfolio, remembered so that the same file adds nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, utcnow


class ImportedItem(Base):
    """One item of an imported file (a Leap2A entry's id) and what it became here."""

    __tablename__ = "imported_items"
    __table_args__ = (UniqueConstraint("learner_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # "entry"
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Background work the database keeps track of: jury exports being made, the schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, utcnow

EXPORT_STATES = ("queued", "running", "done", "failed")


class ExportJob(Base):
    """A PDF or ZIP jury export made by a worker; the learner downloads it once done."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    format: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    # What the worker is doing now, for the progress bar: 0 to 100.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # The file, in EXPORT_FOLDER, once written (a name of ours, never the learner's).
    stored_name: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ScheduledRun(Base):
    """When a periodic job last started: whichever process claims it first runs it."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime]

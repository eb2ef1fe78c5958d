"""Entries: the learner's words, their tags to compétences, files, revisions and drafts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

if TYPE_CHECKING:
    from portfolio.models.framework import Competency, Criterion
    from portfolio.models.user import User


class EntryKind(enum.StrEnum):
    WORK_PLACEMENT = "work_placement"
    PROJECT = "project"
    COURSE = "course"
    PERSONAL = "personal"
    REFLECTION = "reflection"


class Visibility(enum.StrEnum):
    PRIVATE = "private"
    REFERENTS = "referents"
    JURY = "jury"


KINDS = tuple(k.value for k in EntryKind)
VISIBILITIES = tuple(v.value for v in Visibility)
# The structured reflection of S1 "se connaître et s'évaluer", in the order it is asked.
REFLECTION_FIELDS = ("situation", "actions", "strengths", "improvements", "values", "next_steps")


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"visibility IN {VISIBILITIES!r}", name="visibility"),
        Index("ix_entries_learner_occurred", "learner_id", "occurred_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # Rendered once, at save time, by render_markdown(): the only HTML a page shows of it.
    body_html: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    context: Mapped[str] = mapped_column(String(300), default="")
    visibility: Mapped[str] = mapped_column(String(12), default=Visibility.PRIVATE.value)
    reflection: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[User] = relationship()
    tags: Mapped[list[EntryTag]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True,
        order_by="EntryTag.position")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Attachment.id")
    revisions: Mapped[list[EntryRevision]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True,
        order_by="EntryRevision.version")
    keyword_rows: Mapped[list[EntryKeyword]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True,
        order_by="EntryKeyword.position")

    @property
    def keywords(self) -> list[str]:
        """The learner's free keywords (Mahara's and PebblePad's tags), in their order."""
        return [k.label for k in self.keyword_rows]

    @property
    def has_reflection(self) -> bool:
        return any((self.reflection or {}).get(k) for k in REFLECTION_FIELDS)


entry_tag_criteria = Table(
    "entry_tag_criteria",
    Base.metadata,
    Column("tag_id", ForeignKey("entry_tags.id", ondelete="CASCADE"), primary_key=True),
    Column("criterion_id", ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class EntryTag(Base):
    """An entry shows a compétence: optionally which criteria, and how in one line."""

    __tablename__ = "entry_tags"
    __table_args__ = (UniqueConstraint("entry_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), index=True)
    how: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    entry: Mapped[Entry] = relationship(back_populates="tags")
    competency: Mapped[Competency] = relationship()
    criteria: Mapped[list[Criterion]] = relationship(
        secondary=entry_tag_criteria, order_by="Criterion.position")


class EntryKeyword(Base):
    """A free keyword of an entry, as written, with its folded form for filtering."""

    __tablename__ = "entry_keywords"
    __table_args__ = (UniqueConstraint("entry_id", "folded"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(60))
    folded: Mapped[str] = mapped_column(String(60), index=True)
    position: Mapped[int] = mapped_column(default=0)

    entry: Mapped[Entry] = relationship(back_populates="keyword_rows")


class StoredFile:
    """The columns of a file kept in storage (portfolio/storage.py) under a random name."""

    # What makes the file itself (what moves when a held upload becomes an attachment).
    FILE_FIELDS = ("name", "stored_name", "content_type", "size", "sha256")

    # Display only (NFC, no control characters); never joined to a path.
    name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def inline(self) -> bool:
        """Images and PDF open in the browser; everything else downloads."""
        return self.content_type.startswith("image/") or self.content_type == "application/pdf"


class Attachment(StoredFile, Base):
    """An evidence file: stored under a random name outside static/, served after a check."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"),
                                          index=True)

    entry: Mapped[Entry] = relationship(back_populates="attachments")


class HeldUpload(StoredFile, Base):
    """A file sent with the editor before its entry was saved (a preview, a compétence added,
    a refused form): kept for the next submission of that editor, then attached, or purged
    after a day. The browser cannot keep a chosen file across pages; the server does."""

    __tablename__ = "held_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)


class EntryRevision(Base):
    """The state of an entry at one version: every save adds one, none is ever changed."""

    __tablename__ = "entry_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    context: Mapped[str] = mapped_column(String(300), default="")
    visibility: Mapped[str] = mapped_column(String(12))
    reflection: Mapped[dict] = mapped_column(JSON, default=dict)
    tags: Mapped[list] = mapped_column(JSON, default=list)  # compétence keys "fw:CODE"
    # What each tag said then: {"fw:CODE": {"criteria": [texts], "how": text}} (None before
    # this was kept: those versions show their keys only).
    tag_details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="revisions")


class Draft(Base):
    """What the editor holds, saved while typing: survives a closed tab or an expired login."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "new" for an entry not saved yet, "entry-<id>" for an edit.
    slot: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"),
                                                 index=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

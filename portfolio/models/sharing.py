"""Sharing and personal data: saved export choices, share links and their accesses, audit."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

if TYPE_CHECKING:
    from portfolio.models.user import User


class ExportSelection(Base):
    """A learner's saved choice of what goes into their jury export."""

    __tablename__ = "export_selections"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            unique=True)
    # Jury entries left out (every other jury entry goes in, new ones included).
    excluded: Mapped[list] = mapped_column(JSON, default=list)
    include_feedback: Mapped[bool] = mapped_column(Boolean, default=True)
    include_attachments: Mapped[bool] = mapped_column(Boolean, default=True)
    # The evidence table: each compétence and criterion with its entries and gaps.
    include_evidence: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShareLink(Base):
    """Read-only access to a frozen export, for a jury, until it expires or is revoked."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    # SHA-256 of the token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    # The export as it was when the link was made (its model, as JSON): later edits don't show.
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    accesses: Mapped[list[ShareAccess]] = relationship(
        back_populates="link", cascade="all, delete-orphan", order_by="ShareAccess.id.desc()")


class ShareAccess(Base):
    """One opening of a share link: when, and coarse client information."""

    __tablename__ = "share_accesses"
    __table_args__ = (Index("ix_share_accesses_link", "link_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    client: Mapped[str] = mapped_column(String(120), default="")
    path: Mapped[str] = mapped_column(String(200), default="")

    link: Mapped[ShareLink] = relationship(back_populates="accesses")


class AuditLine(Base):
    """What happened to an account, without any of its content (kept after a purge)."""

    __tablename__ = "audit_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="")


class ApiToken(Base):
    """A personal access token for the JSON API: shown once, stored as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

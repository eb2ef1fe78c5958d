"""Links for people without an account: a maître d'apprentissage answers what is asked of them
through a link sent by email, bound to them and to that one thing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

if TYPE_CHECKING:
    from portfolio.models.user import User

LINK_KINDS = ("feedback_request", "period_review", "visit_report")


class ReferentLink(Base):
    """A link under /r/: one referent, one object (a feedback request...), until it expires, is
    revoked, or has been answered."""

    __tablename__ = "referent_links"
    __table_args__ = (Index("ix_referent_links_object", "kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token (256 bits): the token is in the email only.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    referent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    referent: Mapped[User] = relationship(foreign_keys=[referent_id])
    accesses: Mapped[list[ReferentLinkAccess]] = relationship(
        back_populates="link", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ReferentLinkAccess.id")

    def state(self, now: datetime) -> str:
        """answered, revoked, expired or open."""
        if self.answered_at is not None:
            return "answered"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "open"


class ReferentLinkAccess(Base):
    """One opening of a referent link: when, and a coarse client (no IP)."""

    __tablename__ = "referent_link_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    referent_link_id: Mapped[int] = mapped_column(
        ForeignKey("referent_links.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    client: Mapped[str] = mapped_column(String(120), default="")

    link: Mapped[ReferentLink] = relationship(back_populates="accesses")

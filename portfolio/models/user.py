"""Accounts, their login sessions, cohorts and referent assignments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, true

from portfolio.models.base import Base, utcnow


class Role(enum.StrEnum):
    LEARNER = "learner"
    REFERENT = "referent"
    JURY = "jury"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)


class AssignmentKind(enum.StrEnum):
    ACADEMIQUE = "academique"
    ENTREPRISE = "entreprise"


cohort_members = Table(
    "cohort_members",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint("locale IS NULL OR locale IN ('fr', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: the unique index is then case-insensitive on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    # None until the person chooses a password (invited accounts).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Changes with every password change: it voids reset links already sent.
    password_changed_at: Mapped[datetime | None]
    # The last invitation sent: a new one voids the links sent before it.
    invited_at: Mapped[datetime | None]
    # An address an admin set for an account that has a password: it replaces `email` only
    # once the person confirms it, logged in (an admin must not be able to take an account).
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # A maître d'apprentissage who answers by links sent by email, without a password (until
    # they choose one); and the company they work for.
    link_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    company: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Set when the person asked to erase their account; a login before the purge cancels it.
    erase_requested_at: Mapped[datetime | None]
    # Notifications are always in the app; by email too unless the person turns it off.
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True,
                                                      server_default=true())
    # Goes up with every committed write that changes what this person's pages show (their
    # portfolio as a learner, their requests as a referent): portfolio/versions.py keeps it,
    # the page cache keys on it.
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")

    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    cohorts: Mapped[list[Cohort]] = relationship(
        secondary=cohort_members, back_populates="members", order_by="Cohort.name"
    )

    # Set by the user loader: the login session this request runs under and the site's version
    # read with it (not columns).
    current_login_id: ClassVar[int | None] = None
    site_version: ClassVar[int | None] = None

    # Flask-Login's protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # "<user id>:<login token>": deleting the login session row revokes the cookie.
        token = getattr(self, "_login_token", None)
        return f"{self.id}:{token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(Base):
    """One login on one device: the server-side half of the session cookie."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token carried in the cookie: a leaked table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(back_populates="login_sessions")


class Cohort(Base):
    """A named group of learners, e.g. "Apprentis 2027"."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(
        secondary=cohort_members, back_populates="cohorts", order_by="User.name"
    )


class Assignment(Base):
    """A referent assigned to a learner, as tuteur académique or maître d'apprentissage."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("learner_id", "referent_id"),
        CheckConstraint("kind IN ('academique', 'entreprise')", name="kind"),
        Index("ix_assignments_referent_id", "referent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    referent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    referent: Mapped[User] = relationship(foreign_keys=[referent_id])

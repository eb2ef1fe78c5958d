"""Référentiels: frameworks, their blocks, compétences and criteria; learners' enrolments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base, utcnow

DEFAULT_SCALE = [
    {"value": 0, "label": "Non évalué"},
    {"value": 1, "label": "Notions"},
    {"value": 2, "label": "En cours d'acquisition"},
    {"value": 3, "label": "Acquis"},
    {"value": 4, "label": "Maîtrisé (peut transmettre)"},
]


class Framework(Base):
    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    source: Mapped[str] = mapped_column(Text, default="")
    scale: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_SCALE))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    blocks: Mapped[list[Block]] = relationship(
        back_populates="framework", order_by="Block.position", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def current_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.archived_at is None]

    @property
    def max_level(self) -> int:
        return max(step["value"] for step in self.scale)


class Block(Base):
    """A bloc de compétences (kind "bloc") or a transversal sub-block (kind "transversal")."""

    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("framework_id", "code"),
        CheckConstraint("kind IN ('bloc', 'transversal')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16), default="bloc")
    title: Mapped[str] = mapped_column(Text)
    activities: Mapped[str] = mapped_column(Text, default="")
    jobs: Mapped[list] = mapped_column(JSON, default=list)
    assessment_methods: Mapped[list] = mapped_column(JSON, default=list)
    # Codes of the transversal blocks this bloc mobilises, as the source says it.
    mobilises: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    # Set when a re-import dropped the block but evidence still points to its compétences.
    archived_at: Mapped[datetime | None]

    framework: Mapped[Framework] = relationship(back_populates="blocks")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="block", order_by="Competency.position", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def current_competencies(self) -> list[Competency]:
        return [c for c in self.competencies if c.archived_at is None]


class Competency(Base):
    __tablename__ = "competencies"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the block: codes are unique in a framework, and "fw:CODE" looks up here.
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]

    block: Mapped[Block] = relationship(back_populates="competencies")
    framework: Mapped[Framework] = relationship()
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="competency", order_by="Criterion.position", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def key(self) -> str:
        """The public name of the compétence, e.g. "ing-num:C2.1"."""
        return f"{self.framework.code}:{self.code}"


class Criterion(Base):
    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    competency: Mapped[Competency] = relationship(back_populates="criteria")


enrolment_blocks = Table(
    "enrolment_blocks",
    Base.metadata,
    Column("enrolment_id", ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True),
    Column("block_id", ForeignKey("blocks.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Enrolment(Base):
    """A learner following a framework, in whole or limited to some blocks."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("learner_id", "framework_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    framework: Mapped[Framework] = relationship()
    # Empty means every block of the framework.
    blocks: Mapped[list[Block]] = relationship(secondary=enrolment_blocks,
                                               order_by="Block.position")

    def block_list(self) -> list[Block]:
        """The blocks this enrolment covers, in the framework's order."""
        chosen = self.blocks or self.framework.blocks
        return [b for b in chosen if b.archived_at is None]

"""The site's own state: one row."""

from __future__ import annotations

import secrets

from sqlalchemy import BigInteger, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base


class SiteVersion(Base):
    """Goes up with every committed write that may change anybody's pages (a référentiel, a
    name, a role): portfolio/versions.py keeps it, the page cache keys on it. It starts at a
    random value, so that a database created again (or restored) never meets the keys of an
    earlier one in a running process."""

    __tablename__ = "site_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def insert_site_version(connection) -> None:
    connection.execute(insert(SiteVersion).values(id=1, value=secrets.randbits(48)))


@event.listens_for(SiteVersion.__table__, "after_create")
def _after_create(_table, connection, **_kw) -> None:
    insert_site_version(connection)

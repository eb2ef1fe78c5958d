"""The timeline: the entries a viewer may read, filtered, searched, newest first, by page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portfolio import search
from portfolio.db import db
from portfolio.models import (
    KINDS,
    VISIBILITIES,
    Block,
    Competency,
    Entry,
    EntryKeyword,
    EntryTag,
    Framework,
    Period,
    User,
)
from portfolio.permissions import readable_entries
from portfolio.text import fold, parse_int

PAGE_SIZE = 20


@dataclass
class Filters:
    q: str = ""
    kind: str = ""
    competency: str = ""  # "fw:CODE"
    block: str = ""       # "fw:BLOCK"
    visibility: str = ""
    keyword: str = ""
    period: int | None = None  # one of the alternance calendar's periods (its dates)
    date_from: date | None = None
    date_to: date | None = None
    learner: int | None = None
    page: int = 1

    def as_args(self) -> dict:
        """The filters as query-string arguments (for links that keep them)."""
        args = {k: v for k, v in (("q", self.q), ("kind", self.kind),
                                  ("competency", self.competency), ("block", self.block),
                                  ("visibility", self.visibility), ("keyword", self.keyword),
                                  ("period", self.period), ("learner", self.learner))
                if v}
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        return args

    @property
    def active(self) -> bool:
        return bool(self.as_args())


@dataclass
class Page:
    items: list[Entry]
    total: int
    page: int
    pages: int
    filters: Filters = field(default_factory=Filters)


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from_args(args) -> Filters:
    """Read filters from a query string, dropping what does not make sense."""
    kind = args.get("kind", "")
    visibility = args.get("visibility", "")
    learner = args.get("learner", "")
    return Filters(
        q=(args.get("q") or "").strip()[:200],
        kind=kind if kind in KINDS else "",
        competency=(args.get("competency") or "")[:90],
        block=(args.get("block") or "")[:90],
        visibility=visibility if visibility in VISIBILITIES else "",
        keyword=" ".join((args.get("keyword") or "").split())[:60],
        period=parse_int(args.get("period")),
        date_from=_parse_date(args.get("from")),
        date_to=_parse_date(args.get("to")),
        learner=parse_int(learner),
        page=max(1, min(parse_int(args.get("page"), 6) or 1, 100_000)),
    )


def _code_pair(key: str) -> tuple[str, str] | None:
    fw, sep, code = key.partition(":")
    return (fw, code) if sep and fw and code else None


def list_entries(viewer: User, filters: Filters, page_size: int = PAGE_SIZE) -> Page:
    """One page of the entries the viewer may read, with their tags loaded."""
    query = select(Entry).where(readable_entries(viewer))
    if filters.learner:
        query = query.where(Entry.learner_id == filters.learner)
    if filters.kind:
        query = query.where(Entry.kind == filters.kind)
    if filters.visibility:
        query = query.where(Entry.visibility == filters.visibility)
    if filters.date_from:
        query = query.where(Entry.occurred_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Entry.occurred_on <= filters.date_to)
    if pair := _code_pair(filters.competency):
        query = query.where(Entry.id.in_(
            select(EntryTag.entry_id).join(Competency, EntryTag.competency_id == Competency.id)
            .join(Framework, Competency.framework_id == Framework.id)
            .where(Framework.code == pair[0], Competency.code == pair[1])))
    if pair := _code_pair(filters.block):
        query = query.where(Entry.id.in_(
            select(EntryTag.entry_id).join(Competency, EntryTag.competency_id == Competency.id)
            .join(Block, Competency.block_id == Block.id)
            .join(Framework, Block.framework_id == Framework.id)
            .where(Framework.code == pair[0], Block.code == pair[1])))
    if filters.period and (period := db.session.get(Period, filters.period)) is not None:
        query = query.where(Entry.occurred_on >= period.starts_on,
                            Entry.occurred_on <= period.ends_on)
    if filters.keyword:
        query = query.where(Entry.id.in_(select(EntryKeyword.entry_id).where(
            EntryKeyword.folded == fold(filters.keyword))))
    if filters.q and (condition := search.matches(filters.q)) is not None:
        # A search is matched once: the count rides along as a window column (a common word
        # matches much of the index, and counting it apart took half of a search page).
        # Without one, the count is cheap and the page is read in index order.
        query = query.where(condition)
        items, total = _page_counted(query, filters.page, page_size)
        pages = max(1, math.ceil(total / page_size))
        page = min(filters.page, pages)
        if page < filters.page:  # past the last page (an old link): show the last one
            items, total = _page_counted(query, page, page_size)
    else:
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, math.ceil(total / page_size))
        page = min(filters.page, pages)
        items = list(db.session.scalars(_page(query, page, page_size)))
    return Page(items=items, total=total, page=page, pages=pages, filters=filters)


def _page(query, page: int, page_size: int):
    """The query's entries on that page, newest first, with what their cards show."""
    return (query.order_by(Entry.occurred_on.desc(), Entry.id.desc())
            .limit(page_size).offset((page - 1) * page_size)
            .options(selectinload(Entry.tags).selectinload(EntryTag.competency)
                     .selectinload(Competency.framework), selectinload(Entry.keyword_rows),
                     selectinload(Entry.attachments), selectinload(Entry.learner)))


def _page_counted(query, page: int, page_size: int) -> tuple[list[Entry], int]:
    """One page and how many entries there are in all, in one statement (past the last page
    there is no row to carry the count: it is then counted apart)."""
    rows = db.session.execute(_page(query.add_columns(func.count().over().label("total")),
                                    page, page_size)).all()
    if rows:
        return [entry for entry, _total in rows], rows[0].total
    if page == 1:
        return [], 0
    return [], db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

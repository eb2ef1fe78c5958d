"""Model rows to the API's JSON shapes (described in schemas.py)."""

from __future__ import annotations

from flask import url_for

from portfolio.models import (
    Assessment,
)


def _iso(value):
    return value.isoformat() if value else None


def entry_json(entry) -> dict:
    return {
        "id": entry.id, "version": entry.version, "learner_id": entry.learner_id,
        "title": entry.title, "body": entry.body, "body_html": entry.body_html,
        "kind": entry.kind, "occurred_on": entry.occurred_on.isoformat(),
        "context": entry.context or "", "visibility": entry.visibility,
        "reflection": dict(entry.reflection or {}),
        "competencies": [f"{t.competency.framework.code}:{t.competency.code}"
                         for t in entry.tags],
        "keywords": entry.keywords,
        "attachments": [attachment_json(a) for a in entry.attachments],
        "created_at": _iso(entry.created_at), "updated_at": _iso(entry.updated_at),
        "url": url_for("entries.show", entry_id=entry.id, _external=True)}


def attachment_json(a) -> dict:
    return {"id": a.id, "name": a.name, "size": a.size, "sha256": a.sha256,
            "content_type": a.content_type}


def comment_json(c) -> dict:
    return {"id": c.id, "author": c.author.name if c.author else c.imported_author,
            "imported": c.imported_author is not None, "body": c.body,
            "body_html": c.body_html, "created_at": _iso(c.created_at)}


def request_json(r) -> dict:
    return {"id": r.id, "state": r.state, "entry_id": r.entry_id,
            "entry_version": r.entry_version, "learner_id": r.learner_id,
            "referent_id": r.referent_id, "message": r.message,
            "created_at": _iso(r.created_at)}


def level_json(a: Assessment) -> dict:
    return {"competency": f"{a.competency.framework.code}:{a.competency.code}",
            "source": a.source, "level": a.level, "justification": a.justification,
            "learner_id": a.learner_id, "created_at": _iso(a.created_at)}


def link_json(link, token: str | None = None) -> dict:
    data = {"id": link.id, "label": link.label, "expires_at": _iso(link.expires_at),
            "revoked_at": _iso(link.revoked_at), "accesses": len(link.accesses)}
    if token:
        data["url"] = url_for("exports.shared", token=token, _external=True)
    return data

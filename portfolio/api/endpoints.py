"""The operations of `/api/v1`, over the same services and permission checks as the pages."""

from __future__ import annotations

from datetime import date

from flask import abort, jsonify, request, send_file, url_for
from sqlalchemy import select

from portfolio import storage
from portfolio.api import (
    CURSOR_SCHEMA,
    ERROR,
    LIMIT_SCHEMA,
    Invalid,
    decode_cursor,
    encode_cursor,
    error,
    list_schema,
    me,
    operation,
    page_of,
)
from portfolio.db import db
from portfolio.models import (
    KINDS,
    REFLECTION_FIELDS,
    REQUEST_STATES,
    VISIBILITIES,
    Assessment,
    Attachment,
    Competency,
    Role,
    User,
)
from portfolio.permissions import (
    can_read_entry,
    can_referent_assess,
    can_view_progress,
    get_entry_or_404,
    get_learner_or_404,
)
from portfolio.services import ServiceError
from portfolio.services import assessments as assessment_service
from portfolio.services import attachments as attachment_service
from portfolio.services import entries as entry_service
from portfolio.services import feedback as feedback_service
from portfolio.services import frameworks as framework_service
from portfolio.services import progress as progress_service
from portfolio.services import sharing as sharing_service
from portfolio.services.directory import assignments_of_learner, assignments_of_referent
from portfolio.services.timeline import Filters, list_entries

KEY = {"type": "string", "pattern": "^[^:\\s]{1,40}:[^:\\s]{1,40}$",
       "description": "a compétence named FRAMEWORK:CODE", "examples": ["ing-num:C2.1"]}
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}
DATE = {"type": "string", "format": "date"}
TEXT = {"type": "string", "maxLength": 50000}
REFLECTION = {"type": "object", "additionalProperties": False,
              "properties": {k: {"type": "string", "maxLength": 10000}
                             for k in REFLECTION_FIELDS}}
PAGING = {"limit": LIMIT_SCHEMA, "cursor": CURSOR_SCHEMA}


def ok(description: str, schema: dict | None = None, media: str = "application/json"):
    return (description, schema, media)


# Shapes -----------------------------------------------------------------------------------------

USER = {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"}}}
ME = {"type": "object", "required": ["id", "email", "name", "role"], "properties": {
    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
    "role": {"enum": ["learner", "referent", "jury", "admin"]},
    "referents": {"type": "array", "items": USER}, "learners": {"type": "array", "items": USER}}}
FRAMEWORK_SUMMARY = {"type": "object", "required": ["code", "title", "version"], "properties": {
    "code": {"type": "string"}, "title": {"type": "string"}, "version": {"type": "string"}}}
FRAMEWORK = {"type": "object", "required": ["code", "title", "version", "scale", "blocks"],
             "description": "one référentiel in the framework file format"}
ATTACHMENT = {"type": "object", "required": ["id", "name", "size", "sha256"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "size": {"type": "integer"},
    "sha256": {"type": "string"}, "content_type": {"type": "string"}}}
ENTRY = {"type": "object", "required": [
    "id", "version", "title", "body", "body_html", "kind", "occurred_on", "visibility",
    "competencies", "created_at", "updated_at", "url"], "properties": {
    "id": {"type": "integer"}, "version": {"type": "integer"}, "learner_id": {"type": "integer"},
    "title": {"type": "string"}, "body": {"type": "string"}, "body_html": {"type": "string"},
    "kind": {"enum": list(KINDS)}, "occurred_on": DATE, "context": {"type": "string"},
    "visibility": {"enum": list(VISIBILITIES)}, "reflection": {"type": "object"},
    "competencies": {"type": "array", "items": {"type": "string"}},
    "attachments": {"type": "array", "items": ATTACHMENT},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "url": {"type": "string"}}}
COMMENT = {"type": "object", "required": ["id", "author", "body_html", "created_at"],
           "properties": {"id": {"type": "integer"}, "author": {"type": ["string", "null"]},
                          "body": {"type": "string"}, "body_html": {"type": "string"},
                          "created_at": {"type": "string"}}}
REQUEST = {"type": "object", "required": ["id", "state", "entry_version"], "properties": {
    "id": {"type": "integer"}, "state": {"enum": list(REQUEST_STATES)},
    "entry_id": {"type": "integer"}, "entry_version": {"type": "integer"},
    "learner_id": {"type": "integer"}, "referent_id": {"type": "integer"},
    "message": {"type": "string"}, "created_at": {"type": "string"}}}
LEVEL = {"type": "object", "required": ["competency", "source", "level", "created_at"],
         "properties": {"competency": {"type": "string"}, "source": {"enum": ["self", "referent"]},
                        "level": {"type": "integer"}, "justification": {"type": "string"},
                        "learner_id": {"type": "integer"}, "created_at": {"type": "string"}}}
PROGRESS = {"type": "object", "required": ["learner_id", "at", "frameworks"], "properties": {
    "learner_id": {"type": "integer"}, "at": {"type": ["string", "null"]},
    "frameworks": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "blocks": {"type": "array", "items": {
            "type": "object", "required": ["code", "title", "self", "referent", "coverage",
                                           "competencies", "with_evidence"],
            "properties": {"code": {"type": "string"}, "title": {"type": "string"},
                           "self": {"type": ["number", "null"]},
                           "referent": {"type": ["number", "null"]},
                           "coverage": {"type": "number"}, "competencies": {"type": "integer"},
                           "with_evidence": {"type": "integer"}, "gap": {"type": "boolean"}}}}}}}}}
LINK = {"type": "object", "required": ["id", "expires_at"], "properties": {
    "id": {"type": "integer"}, "url": {"type": "string"}, "label": {"type": "string"},
    "expires_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]},
    "accesses": {"type": "integer"}}}


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
        "attachments": [attachment_json(a) for a in entry.attachments],
        "created_at": _iso(entry.created_at), "updated_at": _iso(entry.updated_at),
        "url": url_for("entries.show", entry_id=entry.id, _external=True)}


def attachment_json(a) -> dict:
    return {"id": a.id, "name": a.name, "size": a.size, "sha256": a.sha256,
            "content_type": a.content_type}


def _competency(key: str, path: str) -> Competency:
    found = framework_service.find_competency(key)
    if found is None:
        raise Invalid([(path, f"unknown compétence {key!r}")])
    return found


def _service_error(err: ServiceError, prefix_map: dict | None = None):
    if err.code == "not_found":
        abort(404)
    fields = getattr(err, "errors", None) or {err.field or "body": err.message}
    prefix_map = prefix_map or {}
    raise Invalid([(prefix_map.get(k, k), m) for k, m in fields.items()])


# Me and frameworks ------------------------------------------------------------------------------

@operation("/openapi.json", "GET", summary="This document", tag="meta", public=True,
           responses={"200": ok("The OpenAPI 3.1 description of this API", {"type": "object"})})
def openapi(args):
    from portfolio.api.openapi import document

    return jsonify(document())


@operation("/me", "GET", summary="Who the token belongs to", tag="me",
           responses={"200": ok("The caller", ME)})
def get_me(args):
    user = me()
    data = {"id": user.id, "email": user.email, "name": user.name, "role": user.role}
    if user.role == Role.LEARNER:
        data["referents"] = [{"id": a.referent_id, "name": a.referent.name, "kind": a.kind}
                             for a in assignments_of_learner(user)]
    if user.role == Role.REFERENT:
        data["learners"] = [{"id": a.learner_id, "name": a.learner.name, "kind": a.kind}
                            for a in assignments_of_referent(user)]
    return jsonify(data)


@operation("/frameworks", "GET", summary="The référentiels", tag="frameworks", query=PAGING,
           responses={"200": ok("Référentiels", list_schema(FRAMEWORK_SUMMARY))})
def get_frameworks(args):
    items = [{"code": f.code, "title": f.title, "version": f.version}
             for f in framework_service.list_frameworks()]
    return jsonify(page_of(items, args))


@operation("/frameworks/{code}", "GET", summary="One référentiel, in the file format",
           tag="frameworks", responses={"200": ok("The référentiel", FRAMEWORK)})
def get_framework(args, code: str):
    from portfolio.services.framework_format import export as export_data

    framework = framework_service.get_framework(code[:40])
    if framework is None:
        abort(404)
    return jsonify(export_data(framework))


# Entries ----------------------------------------------------------------------------------------

ENTRY_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "body": TEXT, "kind": {"enum": list(KINDS)}, "occurred_on": DATE,
    "context": {"type": "string", "maxLength": 300},
    "visibility": {"enum": list(VISIBILITIES)},
    "competencies": {"type": "array", "items": KEY, "maxItems": 40},
    "reflection": REFLECTION,
}
NEW_ENTRY = {"type": "object", "required": ["title", "occurred_on"],
             "additionalProperties": False, "properties": ENTRY_FIELDS}
ENTRY_CHANGE = {"type": "object", "required": ["version"], "additionalProperties": False,
                "properties": {**ENTRY_FIELDS, "version": ID}}


def _entry_data(payload: dict, base=None) -> entry_service.EntryData:
    def value(name, default):
        return payload[name] if name in payload else default

    if "competencies" in payload:
        tags = [entry_service.TagData(_competency(k, f"competencies[{i}]").id)
                for i, k in enumerate(payload["competencies"])]
    else:
        tags = [entry_service.TagData(t.competency_id, [c.id for c in t.criteria], t.how)
                for t in base.tags] if base else []
    occurred = value("occurred_on", base.occurred_on.isoformat() if base else None)
    return entry_service.EntryData(
        title=value("title", base.title if base else ""),
        body=value("body", base.body if base else ""),
        kind=value("kind", base.kind if base else "work_placement"),
        occurred_on=date.fromisoformat(occurred) if occurred else None,
        context=value("context", base.context if base else ""),
        visibility=value("visibility", base.visibility if base else "private"),
        reflection=value("reflection", dict(base.reflection or {}) if base else {}),
        tags=tags)


@operation("/entries", "GET", summary="The caller's readable entries", tag="entries", query={
    "q": {"type": "string", "maxLength": 200}, "competency": KEY,
    "kind": {"enum": list(KINDS)}, "visibility": {"enum": list(VISIBILITIES)},
    "from": DATE, "to": DATE, "learner_id": ID, **PAGING},
    responses={"200": ok("Entries, newest first", list_schema(ENTRY))})
def get_entries(args):
    limit = args.get("limit", 20)
    offset = decode_cursor(args.get("cursor"))
    if offset % limit:
        raise Invalid([("cursor", "use the same limit as the page that gave this cursor")])
    filters = Filters(q=args.get("q", ""), kind=args.get("kind", ""),
                      competency=args.get("competency", ""),
                      visibility=args.get("visibility", ""),
                      date_from=date.fromisoformat(args["from"]) if "from" in args else None,
                      date_to=date.fromisoformat(args["to"]) if "to" in args else None,
                      learner=args.get("learner_id"), page=offset // limit + 1)
    page = list_entries(me(), filters, page_size=limit)
    if page.page < filters.page:  # past the end
        return jsonify({"items": [], "next_cursor": None})
    more = page.page < page.pages
    return jsonify({"items": [entry_json(e) for e in page.items],
                    "next_cursor": encode_cursor(offset + limit) if more else None})


@operation("/entries", "POST", summary="Write an entry (learners)", tag="entries",
           body=NEW_ENTRY, responses={"201": ok("The entry", ENTRY)})
def post_entry(args):
    user = me()
    if user.role != Role.LEARNER:
        abort(404)
    try:
        entry = entry_service.create_entry(user, _entry_data(args["payload"]))
    except ServiceError as err:
        db.session.rollback()
        _service_error(err, {"tags": "competencies", "occurred_on": "occurred_on"})
    return jsonify(entry_json(entry)), 201


@operation("/entries/{entry_id}", "GET", summary="One entry", tag="entries",
           responses={"200": ok("The entry", ENTRY)})
def get_entry(args, entry_id: int):
    return jsonify(entry_json(get_entry_or_404(entry_id, me())))


@operation("/entries/{entry_id}", "PATCH", summary="Change an entry; a stale version is a 409",
           tag="entries", body=ENTRY_CHANGE, responses={
               "200": ok("The new version", ENTRY),
               "409": ok("Changed since `version`: nothing was saved; `current` is the entry now",
                         {"type": "object", "required": ["error", "current"],
                          "properties": {"error": ERROR["properties"]["error"],
                                         "current": ENTRY}})})
def patch_entry(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me(), edit=True)
    payload = args["payload"]
    try:
        entry_service.update_entry(entry, me(), _entry_data(payload, entry), payload["version"])
    except entry_service.StaleEdit as stale:
        db.session.rollback()
        entry = get_entry_or_404(entry_id, me(), edit=True)
        return error(409, "conflict", stale.message, current=entry_json(entry))
    except ServiceError as err:
        db.session.rollback()
        _service_error(err, {"tags": "competencies"})
    return jsonify(entry_json(entry))


@operation("/entries/{entry_id}", "DELETE", summary="Delete an entry, its versions and files",
           tag="entries", responses={"204": ok("Deleted")})
def delete_entry(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me(), edit=True)
    entry_service.delete_entry(entry)
    return "", 204


@operation("/entries/{entry_id}/attachments", "POST", summary="Attach an evidence file",
           tag="entries", multipart={"type": "object", "required": ["file"], "properties": {
               "file": {"type": "string", "format": "binary"}}},
           responses={"201": ok("The file as stored", ATTACHMENT)})
def post_attachment(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me(), edit=True)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid([("file", "a file is expected (multipart field `file`)")])
    try:
        item = attachment_service.store_upload(entry, upload.stream, upload.filename)
    except ServiceError as err:
        db.session.rollback()
        raise Invalid([("file", err.message)]) from None
    return jsonify(attachment_json(item)), 201


@operation("/attachments/{attachment_id}", "GET", summary="Download an evidence file",
           tag="entries", responses={"200": ok("The file, with its own content type",
                                               {"type": "string", "format": "binary"}, "*/*")})
def get_attachment(args, attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None or not can_read_entry(me(), item.entry):
        abort(404)
    response = send_file(storage.path_of(item.stored_name), mimetype=item.content_type,
                         as_attachment=True, download_name=item.name, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# Comments and feedback --------------------------------------------------------------------------

def comment_json(c) -> dict:
    return {"id": c.id, "author": c.author.name if c.author else None, "body": c.body,
            "body_html": c.body_html, "created_at": _iso(c.created_at)}


@operation("/entries/{entry_id}/comments", "GET", summary="The thread under an entry",
           tag="feedback", query=PAGING,
           responses={"200": ok("Comments, oldest first", list_schema(COMMENT))})
def get_comments(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me())
    return jsonify(page_of([comment_json(c) for c in feedback_service.comments_on(entry)],
                           args))


@operation("/entries/{entry_id}/comments", "POST", summary="Write in the thread", tag="feedback",
           body={"type": "object", "required": ["body"], "additionalProperties": False,
                 "properties": {"body": {"type": "string", "minLength": 1,
                                         "maxLength": 20000}}},
           responses={"201": ok("The comment", COMMENT)})
def post_comment(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me())
    try:
        item = feedback_service.add_comment(me(), entry, args["payload"]["body"])
    except ServiceError as err:
        db.session.rollback()
        _service_error(err)
    return jsonify(comment_json(item)), 201


def request_json(r) -> dict:
    return {"id": r.id, "state": r.state, "entry_id": r.entry_id,
            "entry_version": r.entry_version, "learner_id": r.learner_id,
            "referent_id": r.referent_id, "message": r.message,
            "created_at": _iso(r.created_at)}


@operation("/entries/{entry_id}/feedback-requests", "POST", summary="Ask a referent",
           tag="feedback", body={"type": "object", "required": ["referent_id"],
                                 "additionalProperties": False, "properties": {
                                     "referent_id": ID,
                                     "message": {"type": "string", "maxLength": 2000},
                                     "raise_visibility": {"type": "boolean"}}},
           responses={"201": ok("The request", REQUEST)})
def post_feedback_request(args, entry_id: int):
    entry = get_entry_or_404(entry_id, me(), edit=True)
    payload = args["payload"]
    try:
        item = feedback_service.request_feedback(
            me(), entry, payload["referent_id"], payload.get("message", ""),
            raise_visibility=payload.get("raise_visibility", False))
    except ServiceError as err:
        db.session.rollback()
        _service_error(err, {"referent": "referent_id"})
    return jsonify(request_json(item)), 201


@operation("/feedback-requests", "GET", summary="A referent's inbox, or a learner's requests",
           tag="feedback", query={"state": {"enum": [*REQUEST_STATES, "all"]}, **PAGING},
           responses={"200": ok("Requests", list_schema(REQUEST))})
def get_feedback_requests(args):
    user = me()
    state = args.get("state", "all")
    if user.role == Role.REFERENT:
        items = feedback_service.inbox(user, state=state)
    elif user.role == Role.LEARNER:
        items = [r for group in feedback_service.requests_of_learner(user).values()
                 for r in group if state == "all" or r.state == state]
    else:
        items = []
    return jsonify(page_of([request_json(r) for r in items], args))


def _request_or_404(request_id: int):
    item = feedback_service.get_request(request_id, me())
    if item is None:
        abort(404)
    return item


@operation("/feedback-requests/{request_id}/answer", "POST",
           summary="Answer (referents), with levels for the entry's compétences",
           tag="feedback", body={"type": "object", "required": ["body"],
                                 "additionalProperties": False, "properties": {
                                     "body": {"type": "string", "minLength": 1,
                                              "maxLength": 20000},
                                     "assessments": {"type": "array", "maxItems": 40, "items": {
                                         "type": "object", "required": ["competency", "level"],
                                         "additionalProperties": False, "properties": {
                                             "competency": KEY,
                                             "level": {"type": "integer", "minimum": 0,
                                                       "maximum": 100},
                                             "comment": {"type": "string",
                                                         "maxLength": 2000}}}}}},
           responses={"200": ok("The request, answered", REQUEST)})
def answer_feedback_request(args, request_id: int):
    item = _request_or_404(request_id)
    payload = args["payload"]
    levels, comments = {}, {}
    for i, a in enumerate(payload.get("assessments", [])):
        competency = _competency(a["competency"], f"assessments[{i}].competency")
        levels[competency.id] = a["level"]
        comments[competency.id] = a.get("comment", "")
    try:
        feedback_service.answer(me(), item, payload["body"], levels, comments)
    except ServiceError as err:
        db.session.rollback()
        _service_error(err, {"levels": "assessments", "level": "assessments"})
    return jsonify(request_json(item))


def _learner_step(request_id: int, step):
    item = _request_or_404(request_id)
    try:
        step(me(), item)
    except ServiceError as err:
        db.session.rollback()
        _service_error(err)
    return jsonify(request_json(item))


@operation("/feedback-requests/{request_id}/close", "POST", summary="Close an answered request",
           tag="feedback", responses={"200": ok("The request", REQUEST)})
def close_feedback_request(args, request_id: int):
    return _learner_step(request_id, feedback_service.close)


@operation("/feedback-requests/{request_id}/withdraw", "POST",
           summary="Withdraw a request not yet answered", tag="feedback",
           responses={"200": ok("The request", REQUEST)})
def withdraw_feedback_request(args, request_id: int):
    return _learner_step(request_id, feedback_service.withdraw)


# Assessments and progress -----------------------------------------------------------------------

def level_json(a: Assessment) -> dict:
    return {"competency": f"{a.competency.framework.code}:{a.competency.code}",
            "source": a.source, "level": a.level, "justification": a.justification,
            "learner_id": a.learner_id, "created_at": _iso(a.created_at)}


@operation("/assessments", "POST", summary="Set a level: one's own (learners) or a learner's "
           "(their referents, with learner_id)", tag="assessments",
           body={"type": "object", "required": ["competency", "level"],
                 "additionalProperties": False, "properties": {
                     "competency": KEY, "level": {"type": "integer", "minimum": 0,
                                                  "maximum": 100},
                     "justification": {"type": "string", "maxLength": 2000},
                     "learner_id": ID, "entry_ids": {"type": "array", "items": ID,
                                                     "maxItems": 10}}},
           responses={"201": ok("The level recorded", LEVEL)})
def post_assessment(args):
    user, payload = me(), args["payload"]
    competency = _competency(payload["competency"], "competency")
    try:
        if user.role == Role.LEARNER and payload.get("learner_id", user.id) == user.id:
            item = assessment_service.assess_self(
                user, competency, payload["level"], payload.get("justification", ""),
                payload.get("entry_ids", []))
        elif user.role == Role.REFERENT and "learner_id" in payload:
            learner = db.session.get(User, payload["learner_id"])
            if learner is None or not can_referent_assess(user, learner.id):
                abort(404)
            item = assessment_service.assess_as_referent(
                user, learner, competency, payload["level"], payload.get("justification", ""))
        else:
            abort(404)
    except ServiceError as err:
        db.session.rollback()
        _service_error(err, {"entry_ids": "entry_ids"})
    return jsonify(level_json(item)), 201


@operation("/assessments", "GET", summary="Current levels and their history", tag="assessments",
           query={"learner_id": ID, "competency": KEY, **PAGING},
           responses={"200": ok("Every level recorded, newest first", list_schema(LEVEL))})
def get_assessments(args):
    user = me()
    learner_id = args.get("learner_id", user.id)
    if not can_view_progress(user, learner_id):
        abort(404)
    query = select(Assessment).where(Assessment.learner_id == learner_id) \
        .order_by(Assessment.id.desc())
    if "competency" in args:
        competency = _competency(args["competency"], "competency")
        query = query.where(Assessment.competency_id == competency.id)
    rows = list(db.session.scalars(query.limit(5000)))
    return jsonify(page_of([level_json(a) for a in rows], args))


@operation("/learners/{learner_id}/progress", "GET", summary="The radar's numbers",
           tag="assessments", query={"at": DATE},
           responses={"200": ok("Per référentiel and block", PROGRESS)})
def get_progress(args, learner_id: int):
    learner = get_learner_or_404(learner_id, me())
    at = progress_service.end_of(date.fromisoformat(args["at"])) if "at" in args else None
    progresses = progress_service.progress_of(learner.id, at,
                                              referent_view=me().id != learner.id)
    return jsonify({"learner_id": learner.id, "at": args.get("at"), "frameworks": [{
        "code": p.framework.code, "blocks": [{
            "code": b.block.code, "title": b.block.title, "self": b.self_mean,
            "referent": b.referent_mean, "coverage": b.coverage, "competencies": b.size,
            "with_evidence": b.evidenced_count, "gap": b.gap} for b in p.blocks]}
        for p in progresses]})


# Exports and share links ------------------------------------------------------------------------

def _learner_only():
    if me().role != Role.LEARNER:
        abort(404)


@operation("/exports", "POST", summary="Produce the jury export (the saved selection)",
           tag="exports", body={"type": "object", "required": ["format"],
                                "additionalProperties": False, "properties": {
                                    "format": {"enum": ["html", "pdf", "zip", "json"]}}},
           responses={"200": ok("The file (the JSON format is the export model)", None, {
               "application/json": {"type": "object"},
               "*/*": {"type": "string", "format": "binary"}})})
def post_export(args):
    _learner_only()
    fmt = args["payload"]["format"]
    mimetype, extension = sharing_service.FORMATS[fmt]
    return send_file(sharing_service.export_file(me(), fmt), mimetype=mimetype, as_attachment=True,
                     download_name=f"portfolio.{extension}")


def link_json(link, token: str | None = None) -> dict:
    data = {"id": link.id, "label": link.label, "expires_at": _iso(link.expires_at),
            "revoked_at": _iso(link.revoked_at), "accesses": len(link.accesses)}
    if token:
        data["url"] = url_for("exports.shared", token=token, _external=True)
    return data


@operation("/share-links", "GET", summary="The caller's share links", tag="exports",
           query=PAGING, responses={"200": ok("Links (without their address)",
                                              list_schema(LINK))})
def get_share_links(args):
    _learner_only()
    return jsonify(page_of([link_json(link) for link in sharing_service.links_of(me())], args))


@operation("/share-links", "POST", summary="Share a frozen export for a jury", tag="exports",
           body={"type": "object", "additionalProperties": False, "properties": {
               "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 365},
               "label": {"type": "string", "maxLength": 200}}},
           responses={"201": ok("The link; its url is given only now", LINK)})
def post_share_link(args):
    _learner_only()
    payload = args["payload"]
    try:
        link, token = sharing_service.create_link(me(), payload.get("label", ""),
                                                  payload.get("expires_in_days"))
    except ServiceError as err:
        db.session.rollback()
        _service_error(err, {"days": "expires_in_days"})
    return jsonify(link_json(link, token)), 201


@operation("/share-links/{link_id}", "DELETE", summary="Revoke a share link", tag="exports",
           responses={"204": ok("Revoked")})
def delete_share_link(args, link_id: int):
    _learner_only()
    try:
        sharing_service.revoke(me(), link_id)
    except ServiceError as err:
        _service_error(err)
    return "", 204

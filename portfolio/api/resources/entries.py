"""`/entries` and their attachments."""

from __future__ import annotations

from datetime import date

from flask import abort, jsonify, request

from portfolio import storage
from portfolio.api import (
    ERROR,
    Invalid,
    decode_cursor,
    encode_cursor,
    error,
    list_schema,
    me,
    operation,
)
from portfolio.api.helpers import competency_of, service_error_answer
from portfolio.api.schemas import ATTACHMENT, DATE, ENTRY, ID, KEY, PAGING, REFLECTION, TEXT, ok
from portfolio.api.serializers import attachment_json, entry_json
from portfolio.db import db
from portfolio.models import (
    KINDS,
    VISIBILITIES,
    Attachment,
    Role,
)
from portfolio.permissions import (
    can_read_entry,
    get_entry_or_404,
)
from portfolio.services import ServiceError
from portfolio.services import attachments as attachment_service
from portfolio.services import entries as entry_service
from portfolio.services.timeline import Filters, list_entries
from portfolio.unit_of_work import attempt

ENTRY_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "body": TEXT, "kind": {"enum": list(KINDS)}, "occurred_on": DATE,
    "context": {"type": "string", "maxLength": 300},
    "visibility": {"enum": list(VISIBILITIES)},
    "competencies": {"type": "array", "items": KEY, "maxItems": 40},
    "keywords": {"type": "array", "maxItems": entry_service.MAX_KEYWORDS,
                 "items": {"type": "string", "minLength": 1,
                           "maxLength": entry_service.KEYWORD_MAX}},
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
        tags = [entry_service.TagData(competency_of(k, f"competencies[{i}]").id)
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
        keywords=payload.get("keywords"), tags=tags)


@operation("/entries", "GET", summary="The caller's readable entries", tag="entries", query={
    "q": {"type": "string", "maxLength": 200}, "competency": KEY,
    "kind": {"enum": list(KINDS)}, "visibility": {"enum": list(VISIBILITIES)},
    "keyword": {"type": "string", "maxLength": 60},
    "from": DATE, "to": DATE, "learner_id": ID, **PAGING},
    responses={"200": ok("Entries, newest first", list_schema(ENTRY))})
def get_entries(args):
    limit = args.get("limit", 20)
    offset = decode_cursor(args.get("cursor"))
    if offset % limit:
        raise Invalid([("cursor", "use the same limit as the page that gave this cursor")])
    filters = Filters(q=args.get("q", ""), kind=args.get("kind", ""),
                      competency=args.get("competency", ""),
                      visibility=args.get("visibility", ""), keyword=args.get("keyword", ""),
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
        service_error_answer(err, {"tags": "competencies", "occurred_on": "occurred_on"})
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
        with attempt():
            entry_service.update_entry(entry, me(), _entry_data(payload, entry),
                                       payload["version"])
    except entry_service.StaleEdit as stale:  # the savepoint is undone: `entry` reads as stored
        return error(409, "conflict", stale.message, current=entry_json(entry))
    except ServiceError as err:
        service_error_answer(err, {"tags": "competencies"})
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
        raise Invalid([("file", err.message)]) from None
    return jsonify(attachment_json(item)), 201


@operation("/attachments/{attachment_id}", "GET", summary="Download an evidence file",
           tag="entries", responses={"200": ok("The file, with its own content type",
                                               {"type": "string", "format": "binary"}, "*/*")})
def get_attachment(args, attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None or not can_read_entry(me(), item.entry):
        abort(404)
    return storage.send_attachment(item, as_attachment=True)

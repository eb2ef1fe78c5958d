"""The jury export and share links."""

from __future__ import annotations

from datetime import date

from flask import jsonify, send_file

from portfolio.api import (
    list_schema,
    me,
    operation,
    page_of,
)
from portfolio.api.helpers import learners_only, service_error_answer
from portfolio.api.schemas import LINK, PAGING, ok
from portfolio.api.serializers import link_json
from portfolio.services import ServiceError
from portfolio.services import sharing as sharing_service


@operation("/exports", "POST", summary="Produce the jury export (the saved selection)",
           tag="exports", body={"type": "object", "required": ["format"],
                                "additionalProperties": False, "properties": {
                                    "format": {"enum": ["html", "pdf", "zip", "json"]}}},
           responses={"200": ok("The file (the JSON format is the export model)", None, {
               "application/json": {"type": "object"},
               "*/*": {"type": "string", "format": "binary"}})})
def post_export(args):
    learners_only()
    fmt = args["payload"]["format"]
    mimetype, extension = sharing_service.FORMATS[fmt]
    return send_file(sharing_service.export_file(me(), fmt), mimetype=mimetype, as_attachment=True,
                     download_name=sharing_service.export_name(me(), date.today(), extension))


@operation("/share-links", "GET", summary="The caller's share links", tag="exports",
           query=PAGING, responses={"200": ok("Links (without their address)",
                                              list_schema(LINK))})
def get_share_links(args):
    learners_only()
    return jsonify(page_of([link_json(link) for link in sharing_service.links_of(me())], args))


@operation("/share-links", "POST", summary="Share a frozen export for a jury", tag="exports",
           body={"type": "object", "additionalProperties": False, "properties": {
               "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 365},
               "label": {"type": "string", "maxLength": 200}}},
           responses={"201": ok("The link; its url is given only now", LINK)})
def post_share_link(args):
    learners_only()
    payload = args["payload"]
    try:
        link, token = sharing_service.create_link(me(), payload.get("label", ""),
                                                  payload.get("expires_in_days"))
    except ServiceError as err:
        service_error_answer(err, {"days": "expires_in_days"})
    return jsonify(link_json(link, token)), 201


@operation("/share-links/{link_id}", "DELETE", summary="Revoke a share link", tag="exports",
           responses={"204": ok("Revoked")})
def delete_share_link(args, link_id: int):
    learners_only()
    try:
        sharing_service.revoke(me(), link_id)
    except ServiceError as err:
        service_error_answer(err)
    return "", 204

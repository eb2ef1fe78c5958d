"""The JSON API (`/api/v1`): bearer tokens, validation from the same schemas as the document.

Every operation is declared once with `@operation(...)`: its path, query parameters, body
schema and answers. The declaration registers the Flask route, validates the request against
those schemas (422 with the path of each bad field) and builds `/api/v1/openapi.json`, so the
document and the code cannot drift (a test also checks that every `/api/v1` route is declared).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from jsonschema import Draft202012Validator

from portfolio.extensions import csrf, limiter
from portfolio.text import nesting_depth, parse_int

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@dataclass
class Operation:
    path: str
    method: str
    endpoint: str
    summary: str
    tag: str
    query: dict = field(default_factory=dict)   # name -> JSON schema
    body: dict | None = None                    # JSON schema of a JSON body
    multipart: dict | None = None               # JSON schema of a multipart body
    responses: dict = field(default_factory=dict)  # status -> (description, schema|None, type)
    public: bool = False


OPERATIONS: list[Operation] = []
ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "array", "items": {
            "type": "object", "required": ["path", "message"],
            "properties": {"path": {"type": "string"}, "message": {"type": "string"}}}}}}}}
COMMON_ERRORS = {
    "400": "The request could not be read.",
    "401": "No valid token (`Authorization: Bearer pf_...`).",
    "404": "Nothing here that the caller may read.",
    "405": "Method not allowed.",
    "413": "The request is too large.",
    "422": "A field is invalid: `error.fields` gives the path of each.",
    "429": "Too many requests for this token; see `Retry-After`.",
}


class Invalid(Exception):
    """Bad fields: a list of (path, message)."""

    def __init__(self, fields: list[tuple[str, str]]):
        super().__init__("invalid")
        self.fields = fields


def error(status: int, code: str, message: str, fields=None, **extra):
    body = {"error": {"code": code, "message": message}}
    if fields is not None:
        body["error"]["fields"] = fields
    body.update(extra)
    return jsonify(body), status


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _check(schema: dict, value, prefix: str = "") -> list[tuple[str, str]]:
    errors = []
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for problem in sorted(validator.iter_errors(value),
                          key=lambda e: list(map(str, e.absolute_path))):
        where = _path(problem.absolute_path)
        if problem.validator == "required":
            missing = re.search(r"'([^']+)' is a required property", problem.message)
            where = _path([*problem.absolute_path, missing.group(1)]) if missing else where
        errors.append((f"{prefix}{where}" if where else prefix.rstrip(".") or "body",
                       problem.message))
    return errors


MAX_DEPTH = 20  # our deepest schema nests 4 levels


def _json_body() -> tuple[object, list[tuple[str, str]]]:
    """The request's JSON document, or what is wrong with it. Deep nesting is refused before
    anything walks it (500 levels made the validators overflow the stack)."""
    too_deep = [("body", f"nested too deeply (at most {MAX_DEPTH} levels)")]
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        return None, too_deep
    if payload is None:
        return None, [("body", "a JSON object is expected")]
    if nesting_depth(payload) > MAX_DEPTH:
        return None, too_deep
    return payload, _unstorable(payload)


def _unstorable(value, path: str = "") -> list[tuple[str, str]]:
    """Strings no database should get: NUL characters (PostgreSQL refuses them) and lone
    surrogates (not UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return [(path or "body", "contains a NUL character")]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [(path or "body", "is not valid Unicode")]
        return []
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out += _unstorable(key, path) + _unstorable(item, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, list):
        return [p for i, item in enumerate(value)
                for p in _unstorable(item, f"{path}[{i}]" if path else f"[{i}]")]
    return []


def _query_value(name: str, schema: dict, raw: str):
    kind = schema.get("type")
    if kind == "integer":
        if not re.fullmatch(r"-?[0-9]{1,12}", raw):
            raise Invalid([(name, "must be an integer")])
        return int(raw)
    if schema.get("format") == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise Invalid([(name, "must be a date (YYYY-MM-DD)")]) from None
    return raw


def _to_flask(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"<{'id:' if m.group(1).endswith('id') else ''}"
                  f"{m.group(1)}>", path)


def operation(path: str, method: str, *, summary: str, tag: str, responses: dict,
              query: dict | None = None, body: dict | None = None,
              multipart: dict | None = None, public: bool = False):
    """Declare an API operation: route, validation and its part of the OpenAPI document."""
    def decorator(fn: Callable):
        op = Operation(path, method.upper(), fn.__name__, summary, tag, query or {}, body,
                       multipart, responses, public)
        OPERATIONS.append(op)

        @wraps(fn)
        def view(**kwargs):
            try:
                args = {}
                problems = []
                for name, schema in op.query.items():
                    raw = request.args.get(name)
                    if raw is None or raw == "":
                        continue
                    if bad := _unstorable(raw, name):
                        problems += bad
                        continue
                    try:
                        args[name] = _query_value(name, schema, raw)
                    except Invalid as bad:
                        problems += bad.fields
                        continue
                    problems += _check(schema, args[name], f"{name}")
                if op.body is not None:
                    payload, bad = _json_body()
                    if bad:
                        problems += bad
                    else:
                        problems += _check(op.body, payload)
                        args["payload"] = payload
                if problems:
                    raise Invalid(problems)
                return fn(args=args, **kwargs)
            except Invalid as bad:
                return error(422, "invalid", "; ".join(f"{p}: {m}" for p, m in bad.fields[:5]),
                             fields=[{"path": p, "message": m} for p, m in bad.fields[:50]])

        view.public = public  # read by authenticate(), before the view runs
        bp.add_url_rule(_to_flask(path), endpoint=fn.__name__, view_func=view,
                        methods=[op.method])
        return view
    return decorator


# Authentication, rate limit ---------------------------------------------------------------------

def _token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _rate_key() -> str:
    token = _token()
    return f"api:{token[:16]}" if token else f"api-ip:{request.remote_addr}"


@bp.before_request
def authenticate():
    from portfolio.services.tokens import authenticate as check

    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "public", False):
        return None
    token = _token()
    user = check(token) if token else None
    if user is None:
        response, status = error(401, "unauthenticated",
                                 "A valid token is needed: Authorization: Bearer pf_...")
        response.headers["WWW-Authenticate"] = 'Bearer realm="portfolio"'
        return response, status
    g.api_user = user
    return None


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def me():
    return g.api_user


# Pagination -------------------------------------------------------------------------------------

LIMIT_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
CURSOR_SCHEMA = {"type": "string", "maxLength": 40}


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = raw.partition(":")
        offset = parse_int(value)
        if kind != "o" or offset is None:
            raise ValueError
        return offset
    except (ValueError, UnicodeDecodeError):
        raise Invalid([("cursor", "not a cursor given by this API")]) from None


def page_of(items: list, args: dict) -> dict:
    """A list answer: `{"items", "next_cursor"}` from a whole (bounded) list."""
    limit = args.get("limit", 20)
    offset = decode_cursor(args.get("cursor"))
    chunk = items[offset:offset + limit]
    more = offset + limit < len(items)
    return {"items": chunk, "next_cursor": encode_cursor(offset + limit) if more else None}


def list_schema(item: dict) -> dict:
    return {"type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": {"type": "array", "items": item},
        "next_cursor": {"type": ["string", "null"]}}}


def init_app(app) -> None:
    from portfolio.api import resources  # noqa: F401  (declares the operations)

    app.register_blueprint(bp)

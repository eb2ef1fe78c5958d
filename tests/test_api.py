"""The JSON API: tokens, every endpoint, each role of the permission table, 409, 422 paths."""

from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import ApiToken, User
from portfolio.services import tokens
from tests.helpers import csrf_token, login, png_bytes

ROLES = ["learner", "other_learner", "referent", "other_referent", "jury", "admin"]


@pytest.fixture
def api(app, people):
    """A client with a token per person of the permission table."""
    keys = {}
    with app.app_context():
        for role in ROLES:
            _item, keys[role] = tokens.create_token(db.session.get(User, getattr(people,
                                                                                 role).id))
        db.session.commit()
    client = app.test_client()

    def call(method, path, role="learner", **kw):
        headers = kw.pop("headers", {})
        if role:
            headers["Authorization"] = f"Bearer {keys[role]}"
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    return SimpleNamespace(call=call, keys=keys, client=client, people=people)


def new_entry(api, role="learner", **fields):
    body = {"title": "Entrée API", "occurred_on": "2026-04-01", "visibility": "referents",
            "competencies": ["ing-num:C2.1"], **fields}
    response = api.call("POST", "/entries", role, json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_no_token_bad_token_revoked_token(api, app, client, people):
    assert api.call("GET", "/me", role=None).status_code == 401
    response = api.client.get("/api/v1/me", headers={"Authorization": "Bearer pf_nope"})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.call("GET", "/me").status_code == 200
    with app.app_context():
        item = db.session.scalar(select(ApiToken).where(ApiToken.user_id == people.learner.id))
        assert item.last_used_at is not None
        assert api.keys["learner"] not in json.dumps([item.token_hash, item.name])
        token_id = item.id
    login(client, people.learner)
    response = client.post(f"/account/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token(client, "/account/")})
    assert response.status_code == 302
    assert api.call("GET", "/me").status_code == 401


def test_tokens_from_the_account_page_and_the_cli(api, client, people, runner, app):
    login(client, people.referent)
    response = client.post("/account/tokens", data={
        "csrf_token": csrf_token(client, "/account/"), "name": "Tableau de bord école"})
    assert response.status_code == 201
    token = re.search(r'value="(pf_[^"]+)"', response.get_data(as_text=True)).group(1)
    assert api.client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {token}"}).json["role"] == "referent"
    assert token not in client.get("/account/").get_data(as_text=True)  # shown once
    result = runner.invoke(args=["tokens", "create", "--email", people.jury.email,
                                 "--name", "script"])
    assert result.exit_code == 0 and result.stdout.strip().startswith("pf_")
    me = api.client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {result.stdout.strip()}"}).json
    assert me["role"] == "jury"


def test_no_session_cookie_and_no_csrf(api):
    response = api.call("POST", "/entries", json={"title": "Sans CSRF",
                                                  "occurred_on": "2026-01-02"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_me(api, people):
    me = api.call("GET", "/me").json
    assert me["role"] == "learner" and me["referents"][0]["name"] == "Sophie Durand"
    referent = api.call("GET", "/me", "referent").json
    assert [x["name"] for x in referent["learners"]] == ["Camille Martin"]


def test_frameworks(api):
    listed = api.call("GET", "/frameworks").json
    assert [f["code"] for f in listed["items"]] == ["ing-num"] and listed["next_cursor"] is None
    one = api.call("GET", "/frameworks/ing-num").json
    assert one["blocks"][0]["competencies"][0]["code"] == "C1.1"
    assert api.call("GET", "/frameworks/nope").status_code == 404


def test_entry_lifecycle_and_the_409(api, app):
    created = new_entry(api, body="**Bonjour**", reflection={"strengths": "Rigueur"})
    assert created["competencies"] == ["ing-num:C2.1"] and created["version"] == 1
    assert "<strong>Bonjour</strong>" in created["body_html"]
    entry_id = created["id"]
    changed = api.call("PATCH", f"/entries/{entry_id}", json={"version": 1, "title": "Nouveau"})
    assert changed.status_code == 200 and changed.json["version"] == 2
    assert changed.json["body"] == "**Bonjour**"  # what is not sent is kept
    stale = api.call("PATCH", f"/entries/{entry_id}", json={"version": 1, "title": "Écrasé ?"})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    assert stale.json["current"]["version"] == 2 and stale.json["current"]["title"] == "Nouveau"
    assert api.call("GET", f"/entries/{entry_id}").json["title"] == "Nouveau"
    assert api.call("DELETE", f"/entries/{entry_id}").status_code == 204
    assert api.call("GET", f"/entries/{entry_id}").status_code == 404


def test_422_names_each_bad_field(api):
    response = api.call("POST", "/entries", json={
        "occurred_on": "pas une date", "kind": "roman",
        "competencies": ["ing-num:C2.1", "nope"], "reflection": {"autre": "x"}})
    assert response.status_code == 422
    paths = {f["path"] for f in response.json["error"]["fields"]}
    assert {"title", "occurred_on", "kind", "competencies[1]", "reflection"} <= paths
    unknown = api.call("POST", "/entries", json={"title": "x", "occurred_on": "2026-01-01",
                                                 "competencies": ["ing-num:C9.9"]})
    assert unknown.status_code == 422
    assert unknown.json["error"]["fields"][0]["path"] == "competencies[0]"
    assert api.call("POST", "/entries", data="pas du JSON",
                    content_type="application/json").status_code == 422
    bad_query = api.call("GET", "/entries?limit=0&from=hier&learner_id=abc")
    assert {f["path"] for f in bad_query.json["error"]["fields"]} == {"limit", "from",
                                                                       "learner_id"}
    assert api.call("GET", "/entries?cursor=zzz").status_code == 422


def test_entries_list_filters_and_pages(api):
    for i in range(25):
        new_entry(api, title=f"Entrée {i:02d}", occurred_on=f"2026-01-{i + 1:02d}",
                  kind="project" if i % 2 else "course")
    first = api.call("GET", "/entries?limit=10").json
    assert [e["title"] for e in first["items"]][:2] == ["Entrée 24", "Entrée 23"]
    second = api.call("GET", f"/entries?limit=10&cursor={first['next_cursor']}").json
    third = api.call("GET", f"/entries?limit=10&cursor={second['next_cursor']}").json
    assert len(third["items"]) == 5 and third["next_cursor"] is None
    titles = {e["title"] for page in (first, second, third) for e in page["items"]}
    assert len(titles) == 25
    projects = api.call("GET", "/entries?kind=project&from=2026-01-10&limit=100").json
    assert all(e["kind"] == "project" and e["occurred_on"] >= "2026-01-10"
               for e in projects["items"]) and projects["items"]
    assert api.call("GET", "/entries?q=entree&competency=ing-num:C2.1").json["items"]


READS = {"private": {"learner"}, "referents": {"learner", "referent"},
         "jury": {"learner", "referent"}}


@pytest.mark.parametrize("visibility", list(READS))
@pytest.mark.parametrize("role", ROLES)
def test_entry_permissions(api, role, visibility):
    entry_id = new_entry(api, visibility=visibility)["id"]
    may_read = role in READS[visibility]
    assert api.call("GET", f"/entries/{entry_id}", role).status_code == (200 if may_read
                                                                         else 404)
    listed = {e["id"] for e in api.call("GET", "/entries", role).json["items"]}
    assert (entry_id in listed) == may_read
    owner = role == "learner"
    patched = api.call("PATCH", f"/entries/{entry_id}", role, json={"version": 1, "title": "x"})
    assert patched.status_code == (200 if owner else 404)
    comments = api.call("GET", f"/entries/{entry_id}/comments", role)
    assert comments.status_code == (200 if may_read else 404)
    posted = api.call("POST", f"/entries/{entry_id}/comments", role, json={"body": "Un mot"})
    assert posted.status_code == (201 if may_read else 404)
    assert api.call("DELETE", f"/entries/{entry_id}", role).status_code == (204 if owner
                                                                            else 404)


@pytest.mark.parametrize("role", ["referent", "jury", "admin", "other_learner"])
def test_only_learners_write_entries_and_only_theirs(api, role):
    expected = 201 if role == "other_learner" else 404
    response = api.call("POST", "/entries", role, json={"title": "x",
                                                       "occurred_on": "2026-01-01"})
    assert response.status_code == expected


def test_attachments(api):
    entry_id = new_entry(api)["id"]
    response = api.call("POST", f"/entries/{entry_id}/attachments",
                        data={"file": (io.BytesIO(png_bytes()), "photo.png")},
                        content_type="multipart/form-data")
    assert response.status_code == 201 and len(response.json["sha256"]) == 64
    file_id = response.json["id"]
    download = api.call("GET", f"/attachments/{file_id}")
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")
    assert api.call("GET", f"/attachments/{file_id}", "referent").status_code == 200
    assert api.call("GET", f"/attachments/{file_id}", "other_referent").status_code == 404
    refused = api.call("POST", f"/entries/{entry_id}/attachments",
                       data={"file": (io.BytesIO(b"<svg></svg>"), "x.svg")},
                       content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.json["error"]["fields"][0]["path"] == "file"
    assert api.call("POST", f"/entries/{entry_id}/attachments", "referent",
                    data={"file": (io.BytesIO(png_bytes()), "p.png")},
                    content_type="multipart/form-data").status_code == 404


def test_the_feedback_loop(api, people):
    entry_id = new_entry(api, visibility="private")["id"]
    refused = api.call("POST", f"/entries/{entry_id}/feedback-requests",
                       json={"referent_id": people.referent.id})
    assert refused.status_code == 422
    assert refused.json["error"]["fields"][0]["path"] == "raise_visibility"
    asked = api.call("POST", f"/entries/{entry_id}/feedback-requests", json={
        "referent_id": people.referent.id, "message": "Un avis ?", "raise_visibility": True})
    assert asked.status_code == 201 and asked.json["state"] == "requested"
    assert asked.json["entry_version"] == 2
    request_id = asked.json["id"]
    inbox = api.call("GET", "/feedback-requests", "referent").json["items"]
    assert [r["id"] for r in inbox] == [request_id]
    assert api.call("GET", "/feedback-requests", "other_referent").json["items"] == []
    assert api.call("POST", f"/feedback-requests/{request_id}/answer", "other_referent",
                    json={"body": "x"}).status_code == 404
    bad = api.call("POST", f"/feedback-requests/{request_id}/answer", "referent", json={
        "body": "Bien", "assessments": [{"competency": "ing-num:C4.4", "level": 2}]})
    assert bad.status_code == 422 and bad.json["error"]["fields"][0]["path"] == "assessments"
    answered = api.call("POST", f"/feedback-requests/{request_id}/answer", "referent", json={
        "body": "Bien vu.", "assessments": [{"competency": "ing-num:C2.1", "level": 3,
                                             "comment": "Solide"}]})
    assert answered.status_code == 200 and answered.json["state"] == "answered"
    levels = api.call("GET", "/assessments?competency=ing-num:C2.1").json["items"]
    assert [(a["source"], a["level"], a["justification"]) for a in levels] == [
        ("referent", 3, "Solide")]
    assert api.call("POST", f"/feedback-requests/{request_id}/close",
                    "referent").status_code == 404
    closed = api.call("POST", f"/feedback-requests/{request_id}/close")
    assert closed.json["state"] == "closed"
    mine = api.call("GET", "/feedback-requests?state=closed").json["items"]
    assert [r["id"] for r in mine] == [request_id]
    second = api.call("POST", f"/entries/{entry_id}/feedback-requests",
                      json={"referent_id": people.referent.id}).json["id"]
    assert api.call("POST", f"/feedback-requests/{second}/withdraw").json["state"] == "withdrawn"


def test_assessments_and_progress(api, people):
    mine = api.call("POST", "/assessments", json={"competency": "ing-num:C1.1", "level": 3,
                                                  "justification": "Fait en stage"})
    assert mine.status_code == 201 and mine.json["source"] == "self"
    no_why = api.call("POST", "/assessments", json={"competency": "ing-num:C1.2", "level": 2})
    assert no_why.status_code == 422 and no_why.json["error"]["fields"][0]["path"] == \
        "justification"
    theirs = api.call("POST", "/assessments", "referent", json={
        "competency": "ing-num:C1.1", "level": 2, "learner_id": people.learner.id})
    assert theirs.status_code == 201 and theirs.json["source"] == "referent"
    # A learner cannot set another's level; a referent cannot assess who is not theirs, nor
    # self-assess; jury and admin cannot assess at all.
    for role, body in [
            ("learner", {"learner_id": people.other_learner.id}),
            ("other_referent", {"learner_id": people.learner.id}),
            ("referent", {}), ("jury", {"learner_id": people.learner.id}),
            ("admin", {"learner_id": people.learner.id})]:
        response = api.call("POST", "/assessments", role, json={
            "competency": "ing-num:C1.1", "level": 1, "justification": "x", **body})
        assert response.status_code == 404, role
    history = api.call("GET", "/assessments").json["items"]
    assert [(a["source"], a["level"]) for a in history] == [("referent", 2), ("self", 3)]
    progress = api.call("GET", f"/learners/{people.learner.id}/progress").json
    c1 = progress["frameworks"][0]["blocks"][0]
    assert (c1["code"], c1["self"], c1["referent"], c1["competencies"]) == ("C1", 3.0, 2.0, 2)
    past = api.call("GET", f"/learners/{people.learner.id}/progress?at=2020-01-01").json
    assert past["frameworks"][0]["blocks"][0]["self"] is None and past["at"] == "2020-01-01"
    for role, status in [("referent", 200), ("other_referent", 404), ("other_learner", 404),
                         ("jury", 404), ("admin", 404)]:
        assert api.call("GET", f"/learners/{people.learner.id}/progress",
                        role).status_code == status
        assert api.call("GET", f"/assessments?learner_id={people.learner.id}",
                        role).status_code == status


def test_exports_and_share_links(api, app):
    new_entry(api, title="Pour le jury", visibility="jury")
    new_entry(api, title="Secret", visibility="private")
    response = api.call("POST", "/exports", json={"format": "json"})
    assert response.status_code == 200
    model = json.loads(response.data)
    assert [e["title"] for e in model["entries"]] == ["Pour le jury"]
    assert api.call("POST", "/exports", json={"format": "docx"}).status_code == 422
    assert api.call("POST", "/exports", "referent", json={"format": "html"}).status_code == 404
    created = api.call("POST", "/share-links", json={"expires_in_days": 7, "label": "Jury"})
    assert created.status_code == 201 and "/s/" in created.json["url"]
    page = api.client.get(created.json["url"].split("localhost", 1)[-1])
    assert page.status_code == 200 and "Pour le jury" in page.get_data(as_text=True)
    listed = api.call("GET", "/share-links").json["items"]
    assert listed[0]["accesses"] == 1 and "url" not in listed[0]
    assert api.call("DELETE", f"/share-links/{listed[0]['id']}", "other_learner"
                    ).status_code == 404
    assert api.call("DELETE", f"/share-links/{listed[0]['id']}").status_code == 204
    assert api.client.get(created.json["url"].split("localhost", 1)[-1]).status_code == 404
    assert api.call("POST", "/share-links", json={"expires_in_days": 400}).status_code == 422


def test_rate_limit_per_token(api, app):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    statuses = [api.call("GET", "/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.call("GET", "/me")
    assert limited.json["error"]["code"] == "rate_limited" and limited.headers["Retry-After"]
    assert api.call("GET", "/me", "referent").status_code == 200  # another token, own budget


def test_unknown_paths_and_methods_answer_json(api):
    response = api.call("GET", "/nothing-here")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert api.call("PUT", "/me").status_code == 405


def test_every_api_route_is_in_the_document(app, api):
    document = api.client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
    assert len(documented) >= 25


def test_strings_no_database_can_store_are_refused(api):
    response = api.call("POST", "/entries", json={"title": "a\u0000b", "occurred_on":
                                                  "2026-01-01"})
    assert response.status_code == 422
    assert response.json["error"]["fields"][0]["path"] == "title"
    lone = api.call("POST", "/entries", data='{"title": "\\udb5f", "occurred_on": "2026-01-01"}',
                    content_type="application/json")
    assert lone.status_code == 422
    assert api.call("GET", "/entries?q=%00").status_code == 400  # refused for the whole app


def test_deeply_nested_json_is_a_422_on_every_json_operation(api, app, people):
    """500 levels made the validators overflow the stack (a 500 on every JSON operation)."""
    from portfolio.api import OPERATIONS

    body = "[" * 600 + "]" * 600
    checked = 0
    for op in OPERATIONS:
        if op.body is None:
            continue
        path = re.sub(r"\{\w+\}", "1", op.path)
        response = api.call(op.method, path, data=body, content_type="application/json")
        assert response.status_code in (404, 422), (op.method, op.path, response.status_code)
        if response.status_code == 422:
            assert "nested too deeply" in response.json["error"]["message"]
        checked += 1
    assert checked >= 6

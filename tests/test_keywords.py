"""Free keywords on entries: typed in the editor or sent by the API, shown, searched, filtered."""

from __future__ import annotations

import html

import pytest

from tests.helpers import create, edit, login


@pytest.fixture
def learner(client, people):
    login(client, people.learner)
    return people.learner


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_keywords_typed_in_the_editor_are_kept_in_order_without_repeats(client, learner):
    entry_id = create(client, keywords="Gestion de projet, anglais, ,  #Anglais , Œuvre")
    page = text(client.get(f"/entries/{entry_id}"))
    assert "Mots-clés :" in page
    assert page.index("Gestion de projet") < page.index("anglais") < page.index("Œuvre")
    assert page.count(">anglais<") == 1 and "Anglais" not in page
    assert "/entries?keyword=Gestion+de+projet" in page
    # the editor shows them back, and a save without the field's change keeps them
    assert 'value="Gestion de projet, anglais, Œuvre"' in text(
        client.get(f"/entries/{entry_id}/edit"))
    assert edit(client, entry_id, 1, keywords="anglais").status_code == 302
    page = text(client.get(f"/entries/{entry_id}"))
    assert ">anglais<" in page and "Gestion de projet" not in page


def test_the_timeline_filters_and_finds_by_keyword(client, learner):
    create(client, title="Réunion client", keywords="Anglais, réunion")
    create(client, title="Revue de code", keywords="qualité")
    page = text(client.get("/entries?keyword=ANGLAIS"))  # case and accents forgiven
    assert "Réunion client" in page and "Revue de code" not in page
    assert "1 entrée correspond aux filtres" in page
    page = text(client.get("/entries?keyword=reunion"))
    assert "Réunion client" in page
    # the cards show them; the search reads them too
    page = text(client.get("/entries?q=qualite"))
    assert "Revue de code" in page and "Réunion client" not in page
    assert 'class="chip keyword">qualité<' in page


@pytest.mark.parametrize("keywords, message", [
    (", ".join(f"mot{i}" for i in range(31)), "Au plus 30 mots-clés par entrée."),
    ("x" * 61, "Un mot-clé a 60 caractères au plus."),
])
def test_too_many_or_too_long_keywords_are_refused_and_nothing_is_lost(client, learner,
                                                                        keywords, message):
    from tests.helpers import entry_form

    response = client.post("/entries", data=entry_form(client, keywords=keywords),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert message in page and keywords in page  # the field keeps what was typed


def test_the_api_reads_and_writes_keywords(app, people):
    from portfolio.db import db
    from portfolio.models import User
    from portfolio.services import tokens

    with app.app_context():
        _item, key = tokens.create_token(db.session.get(User, people.learner.id))
        db.session.commit()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    created = client.post("/api/v1/entries", headers=auth, json={
        "title": "Via l'API", "occurred_on": "2026-05-04", "keywords": ["alternance", "API"]})
    assert created.status_code == 201, created.get_data(as_text=True)
    entry = created.json
    assert entry["keywords"] == ["alternance", "API"]
    # a change that does not name them keeps them; one that does replaces them
    changed = client.patch(f"/api/v1/entries/{entry['id']}", headers=auth, json={
        "version": entry["version"], "title": "Via l'API, relu"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.json["keywords"] == ["alternance", "API"]
    assert [e["id"] for e in client.get("/api/v1/entries?keyword=Alternance",
                                        headers=auth).json["items"]] == [entry["id"]]
    changed = client.patch(f"/api/v1/entries/{entry['id']}", headers=auth, json={
        "version": changed.json["version"], "keywords": []})
    assert changed.json["keywords"] == []
    assert client.get("/api/v1/entries?keyword=alternance", headers=auth).json["items"] == []
    refused = client.post("/api/v1/entries", headers=auth, json={
        "title": "Trop", "occurred_on": "2026-05-04", "keywords": ["a" * 61]})
    assert refused.status_code == 422

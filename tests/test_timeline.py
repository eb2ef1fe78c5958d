"""The timeline: filters, full-text search that forgives accents and French word forms, paging."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.helpers import count_queries, login


@pytest.fixture
def write(make_entry):
    """Write entries for `people.learner` through the service: (title, fields) pairs."""

    def do(*items):
        for title, fields in items:
            make_entry(title=title, visibility=fields.pop("visibility", "private"),
                       occurred_on=fields.pop("on", date(2026, 3, 1)), **fields)

    return do


@pytest.fixture
def learner(client, people):
    login(client, people.learner)
    return people.learner


@pytest.mark.parametrize("query", ["evaluer", "ÉVALUER", "évaluées", "evalu"])
def test_search_folds_accents_and_french_word_forms(write, client, learner, people, app, query):
    write(
          ("Revue de sprint", {"body": "Mon travail a été évalué par l'équipe."}),
          ("Soutenance", {"reflection": {"strengths": "Les livrables évaluées ont plu."}}),
          ("Café", {"body": "Rien à voir."}))
    page = client.get("/entries", query_string={"q": query}).get_data(as_text=True)
    assert "Revue de sprint" in page and "Soutenance" in page
    assert "Café" not in page


@pytest.mark.parametrize("query", ["oeuvre", "œuvre", "ŒUVRES", "Aegis"])
def test_search_folds_ligatures_both_ways(write, client, learner, query):
    write(("Mise en production", {"body": "Mise en œuvre du pipeline, projet Ægis."}),
          ("Chef-d'oeuvre", {"body": "La mise en oeuvre de l'AEGIS."}),
          ("Café", {"body": "Rien à voir."}))
    page = client.get("/entries", query_string={"q": query}).get_data(as_text=True)
    assert "Mise en production" in page and "Chef-d&#39;oeuvre" in page
    assert "Café" not in page


def test_search_combines_with_filters_and_every_word_must_match(write, client, learner):
    write(
          ("Base de données", {"body": "Migration PostgreSQL", "kind": "project",
                               "tags": ["C2.1"]}),
          ("Base de connaissances", {"body": "Wiki interne", "kind": "course"}),
          ("Migration réseau", {"body": "Routeurs", "kind": "project"}))
    page = client.get("/entries?q=migration&kind=project").get_data(as_text=True)
    assert "Base de données" in page and "Migration réseau" in page
    assert "Base de connaissances" not in page
    page = client.get("/entries?q=migration+base").get_data(as_text=True)
    assert "Base de données" in page and "Migration réseau" not in page
    page = client.get("/entries?competency=ing-num:C2.1").get_data(as_text=True)
    assert "Base de données" in page and "Migration réseau" not in page
    page = client.get("/entries?block=ing-num:C2").get_data(as_text=True)
    assert "Base de données" in page and "Base de connaissances" not in page
    # Punctuation, quotes and FTS syntax are words, not operators.
    for hostile in ['"', "base OR", "*", "NEAR(", "'; DROP TABLE entries; --", "a" * 500]:
        assert client.get("/entries", query_string={"q": hostile}).status_code == 200


def test_filters_by_date_and_visibility_and_the_url_keeps_them(write, client, learner, people, app):
    write(
          ("Janvier", {"on": date(2026, 1, 10), "visibility": "jury"}),
          ("Juin", {"on": date(2026, 6, 10)}))
    page = client.get("/entries?from=2026-05-01&to=2026-07-01").get_data(as_text=True)
    assert "Juin" in page and "Janvier" not in page
    page = client.get("/entries?visibility=jury").get_data(as_text=True)
    assert "Janvier" in page and "Juin" not in page
    # The filter form is a plain GET form; htmx pushes its URL, so the page can be bookmarked.
    assert 'hx-push-url="true"' in page and 'method="get"' in page
    # With htmx, only the list comes back.
    response = client.get("/entries?visibility=jury",
                          headers={"HX-Request": "true", "HX-Target": "entry-list"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "Janvier" in fragment and "Juin" not in fragment
    # A screen reader hears the count (a live region outside the list, replaced out of band),
    # not the whole list read again.
    assert 'id="entry-count" class="muted" role="status" hx-swap-oob="true">1 entrée correspond' \
        in fragment
    assert 'id="entry-list" class="entry-list">' in page and 'id="entry-count"' in page
    # Nonsense filters are ignored, never a 500.
    assert client.get("/entries?from=2026-13-45&kind=x&page=-3&learner=abc").status_code == 200


def test_newest_first_and_paginated(write, client, learner, people, app):
    start = date(2025, 1, 1)
    write(*[(f"Entrée n°{i:02d}", {"on": start + timedelta(days=i)})
                         for i in range(25)])
    first = client.get("/entries").get_data(as_text=True)
    assert first.index("Entrée n°24") < first.index("Entrée n°05")
    assert "Entrée n°04" not in first
    second = client.get("/entries?page=2").get_data(as_text=True)
    assert "Entrée n°04" in second and "Entrée n°24" not in second
    assert "25 entrées" in first and "25 entrées" in second
    # An old link past the last page shows the last one, with the count.
    past = client.get("/entries?page=9").get_data(as_text=True)
    assert "Entrée n°04" in past and "Entrée n°05" not in past and "25 entrées" in past
    assert "page 2 sur 2" in past
    # The same with a search (page and count come in one statement there).
    searched = client.get("/entries?q=entree&page=9").get_data(as_text=True)
    assert "Entrée n°04" in searched and "Entrée n°05" not in searched
    assert "25 entrées" in searched and "page 2 sur 2" in searched
    assert "25 entrées" in client.get("/entries?q=entree").get_data(as_text=True)
    # French says "0 entrée" (the catalogue's plural rule, not English's)
    assert re.search(r"\b0 entrée correspond aux filtres<",
                     client.get("/entries?q=introuvable").get_data(as_text=True))


def test_the_timeline_makes_as_many_queries_for_200_entries_as_for_10(write, client, learner,
                                                                       app):
    def fill(n, offset):
        write(*[(f"Entrée {offset + i}", {
            "tags": ["C1.1", "S1.2"] if i % 2 else ["C2.3"], "body": "évaluer le travail"})
            for i in range(n)])

    fill(10, 0)
    small = count_queries(app, client, "/entries")
    small_search = count_queries(app, client, "/entries?q=evaluer&block=ing-num:C1")
    fill(190, 10)
    assert count_queries(app, client, "/entries") == small
    assert count_queries(app, client, "/entries?q=evaluer&block=ing-num:C1") == small_search
    assert small <= 17  # the keywords and the alternance periods added one query each

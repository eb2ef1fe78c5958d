"""Leap2A out: the jury ZIP's leap2a.xml as a consumer (Mahara) reads it."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest

from portfolio.exports.leap2a import INVERSE, LEAP2
from tests.helpers import download, login
from tests.leap2a_rules import RDF as RDF_URI
from tests.leap2a_rules import A, mahara_problems

RDF = f"{{{RDF_URI}}}"
PF = "{https://portfolio.invalid/ns/leap2a-extension#}"


@pytest.fixture
def archive(client, people, world) -> zipfile.ZipFile:
    login(client, people.learner)
    return zipfile.ZipFile(io.BytesIO(download(client, "zip")))


def entries_of(archive) -> dict[str, ET.Element]:
    feed = ET.fromstring(archive.read("leap2a.xml"))
    return {e.findtext(f"{A}id"): e for e in feed.findall(f"{A}entry")}


def kind(entry: ET.Element) -> str:
    return entry.find(f"{RDF}type").get(f"{RDF}resource")


def links(entry: ET.Element, rel: str) -> list[str]:
    return [link.get("href") for link in entry.findall(f"{A}link") if link.get("rel") == rel]


def test_the_feed_passes_the_rules_of_maharas_importer(archive):
    assert mahara_problems(archive) == []


def test_every_relation_is_written_both_ways(archive):
    entries = entries_of(archive)
    pairs = 0
    for ident, entry in entries.items():
        for link in entry.findall(f"{A}link"):
            rel, href = link.get("rel"), link.get("href")
            if rel in INVERSE:
                assert ident in links(entries[href], INVERSE[rel]), (ident, rel, href)
                pairs += 1
    assert pairs > 40  # abilities in their selection, evidence, comments


def test_entries_carry_their_date_tags_files_comments_and_reflection(archive, world):
    entries = entries_of(archive)
    shown = entries[f"portfolio:entry{world.shown}"]
    assert kind(shown) == "leap2:entry"
    assert shown.findtext(f"{A}published") == "2026-05-04T12:00:00+00:00"
    assert shown.findtext(f"{A}updated")
    content = shown.find(f"{A}content")
    assert content.get("type") == "html"
    assert "<strong>bravo</strong>" in content.text  # the sanitised body, as HTML text
    assert "Se connaître et s'évaluer" in content.text and "La méthode." in content.text
    # compétences: a tag Mahara shows, and the evidence of an ability
    tags = {c.get("term"): c.get("label") for c in shown.findall(f"{A}category")}
    assert tags["C2.1"].startswith("C2.1 Analyser")
    assert "portfolio:ability-ing-num-C2.1" in links(shown, "leap2:is_evidence_of")
    # the files: a resource each, its file in the archive, a related link from the entry
    resources = [entries[href] for href in links(shown, "related")]
    assert sorted(r.findtext(f"{A}title") for r in resources) == ["rapport.pdf", "schema.png"]
    for resource in resources:
        enclosure = resource.find(f"{A}link[@rel='enclosure']")
        data = archive.read(enclosure.get("href"))
        assert int(enclosure.get("length")) == len(data) > 0
        assert enclosure.get("type") in ("application/pdf", "image/png")
    # the comment: an entry reflecting on it, with its author
    (comment_id,) = links(shown, "leap2:reflected_on_by")
    comment = entries[comment_id]
    assert comment.findtext(f"{A}author/{A}name") == "Sophie Durand"
    assert "<em>clair</em>" in comment.find(f"{A}content").text
    # what Leap2A has no word for, in our namespace
    assert shown.find(f"{PF}kind").get("value") == "work_placement"


def test_the_person_and_the_levels_go_with_the_portfolio(archive, people):
    feed = ET.fromstring(archive.read("leap2a.xml"))
    assert feed.findtext(f"{A}author/{A}email") == people.learner.email
    entries = entries_of(archive)
    person = entries["portfolio:person"]
    fields = {p.get(f"{{{LEAP2}}}field"): p.text for p in person.findall(f"{{{LEAP2}}}persondata")}
    assert fields["preferred_name"] == people.learner.name
    assert fields["email"] == people.learner.email
    ability = entries["portfolio:ability-ing-num-C2.1"]
    levels = {lv.get("source"): lv.get("value") for lv in ability.findall(f"{PF}level")}
    assert levels == {"self": "3", "referent": "2"}
    selection = entries["portfolio:framework-ing-num"]
    assert selection.find(f"{A}category").attrib == {
        "term": "Abilities", "scheme": "categories:selection_type#"}


def test_without_files_no_resource_points_at_nothing(client, people, world, app):
    from portfolio.db import db
    from portfolio.models import User
    from portfolio.services import sharing

    with app.app_context():
        sharing.save_selection(db.session.get(User, people.learner.id), [world.excluded],
                               True, False)
        db.session.commit()
    login(client, people.learner)
    archive = zipfile.ZipFile(io.BytesIO(download(client, "zip")))
    assert mahara_problems(archive) == []
    assert not [e for e in entries_of(archive).values() if kind(e) == "leap2:resource"]


def test_the_demo_learners_zip_passes_the_rules(app, client):
    """The acceptance case: the shipped demo's learner, exported as a jury ZIP."""
    from portfolio.db import db
    from portfolio.services.demo import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()
    from types import SimpleNamespace

    login(client, SimpleNamespace(email="camille.martin@demo.portfolio.test",
                                  password="demo-portfolio-2026"))
    archive = zipfile.ZipFile(io.BytesIO(download(client, "zip")))
    assert mahara_problems(archive) == []
    entries = entries_of(archive)
    assert sum(kind(e) == "leap2:entry" for e in entries.values()) >= 5

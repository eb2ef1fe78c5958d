"""Every page has one h1 and never skips a heading level (RGAA 9.1): the outline a screen
reader user navigates by. Pages of each role, with content in them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.helpers import as_user, create, tag_fields


class Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag, attrs):
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.levels.append(int(tag[1]))


def outline_problems(html: str) -> list[str]:
    parser = Headings()
    parser.feed(html)
    levels = parser.levels
    problems = [] if levels.count(1) == 1 else [f"{levels.count(1)} h1"]
    for before, after in zip(levels, levels[1:], strict=False):
        if after > before + 1:
            problems.append(f"h{before} then h{after}")
    return problems


@pytest.mark.parametrize("role", ["learner", "referent", "admin"])
def test_no_page_skips_a_heading_level(client, people, app, role):
    as_user(client, people.learner)
    entry_id = create(client, visibility="referents", body="# Titre du texte\n\n## Sous-titre",
                      **tag_fields(people.competencies["C2.1"]))
    pages = {
        "learner": ["/", "/entries", f"/entries/{entry_id}", f"/entries/{entry_id}/history",
                    f"/entries/{entry_id}/edit", "/entries/new", "/frameworks/",
                    "/frameworks/ing-num", "/frameworks/ing-num/competencies/C2.1",
                    "/frameworks/mine",
                    f"/learners/{people.learner.id}/frameworks/ing-num",
                    f"/learners/{people.learner.id}/competencies/{people.competencies['C2.1']}",
                    "/export", "/account/", "/feedback", "/notifications"],
        "referent": ["/", "/entries", f"/entries/{entry_id}", "/feedback",
                     f"/learners/{people.learner.id}",
                     f"/learners/{people.learner.id}/frameworks/ing-num"],
        "admin": ["/", "/admin/users", f"/admin/users/{people.learner.id}", "/admin/cohorts",
                  "/admin/frameworks", "/admin/users/new"],
    }[role]
    as_user(client, getattr(people, role))
    found = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        problems = outline_problems(response.get_data(as_text=True))
        if problems:
            found[path] = problems
    assert found == {}

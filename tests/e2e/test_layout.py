"""The header and the main pages at desk and phone widths: one row of menu on a desk, a
folded menu on a phone (links stacked without JavaScript), nothing that scrolls sideways."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in


@pytest.mark.parametrize("role", ["learner", "referent", "admin"])
def test_the_menu_holds_in_one_row_at_1280(new_page, live, people, role):
    page = new_page(True, width=1280)
    log_in(page, live, getattr(people, role))
    tops = page.eval_on_selector_all(
        "#site-nav .nav > li", "items => items.map(i => Math.round(i.getBoundingClientRect().top))")
    assert len(tops) >= 5 and max(tops) - min(tops) <= 6, tops
    assert page.locator(".menu-button").is_hidden()
    if role == "admin":
        labels = page.inner_text("#site-nav")
        assert labels.count("Référentiels") == 1 and "Gérer les référentiels" not in labels


@pytest.mark.parametrize("javascript", [True, False])
def test_the_menu_folds_on_a_phone(new_page, live, people, javascript):
    page = new_page(javascript, width=375)
    log_in(page, live, people.learner)
    header = page.locator(".site-header").bounding_box()
    if javascript:
        assert header["height"] < 90, header  # brand and "Menu" on one line
        button = page.locator(".menu-button")
        assert button.get_attribute("aria-expanded") == "false"
        assert page.locator("#site-nav").is_hidden()
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        assert page.locator("#site-nav").is_visible()
        assert page.evaluate("document.activeElement.closest('#site-nav') !== null")
    else:
        assert page.locator("#site-nav a", has_text="Mon parcours").is_visible()
    for path in ("/", "/entries", f"/learners/{people.learner.id}/frameworks/ing-num", "/export"):
        page.goto(f"{live}{path}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 376, (path, wide)  # nothing makes the page scroll sideways
    assert page.watch.clean(), vars(page.watch)

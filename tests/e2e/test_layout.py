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
    for path in ("/", "/entries", f"/learners/{people.learner.id}/frameworks/ing-num", "/export",
                 f"/learners/{people.learner.id}/evidence"):
        page.goto(f"{live}{path}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 376, (path, wide)  # nothing makes the page scroll sideways
    assert page.watch.clean(), vars(page.watch)


def test_the_focus_stays_where_the_work_is_after_an_htmx_swap(new_page, live, people):
    """Saving a level by keyboard leaves the focus on its status in the row; a refused one on
    the field in error; a posted comment on the new comment, not on <body>."""
    page = new_page(True, width=1280)
    log_in(page, live, people.learner)
    cid = people.competencies["C2.1"]
    page.goto(f"{live}/learners/{people.learner.id}/frameworks/ing-num")
    row = page.locator(f"#competency-{cid}")
    row.locator("button.scale-step[value='2']").focus()
    page.keyboard.press("Enter")  # no justification: refused, the field takes the focus
    page.wait_for_selector(f"#competency-{cid} [aria-invalid=true]")
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement.id") == f"justification-{cid}"
    page.keyboard.type("Je l'ai montré en stage.")
    page.locator(f"#competency-{cid} button.button.primary").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#competency-{cid} .saved")
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement.classList.contains('saved')")
    assert page.watch.clean(), vars(page.watch)


@pytest.mark.parametrize("width,height,sticky", [(1280, 900, True), (375, 800, False),
                                                 (1280, 480, False)])
def test_the_save_bar_never_hides_the_focused_field(new_page, live, people, width, height,
                                                    sticky):
    page = new_page(True, width=width)
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live, people.learner)
    page.goto(f"{live}/entries/new")
    position = page.evaluate("getComputedStyle(document.querySelector('.form-actions')).position")
    assert position == ("sticky" if sticky else "static")
    if sticky:
        page.focus("#files")
        bar = page.locator(".form-actions").bounding_box()
        field = page.locator("#files").bounding_box()
        assert field["y"] + field["height"] <= bar["y"] + 1  # above the bar, not under it


def test_a_comment_posted_by_keyboard_keeps_the_focus_on_it(new_page, live, people, make_entry):
    entry_id = make_entry(title="Revue de code", visibility="referents")
    page = new_page(True, width=1280)
    log_in(page, live, people.referent)
    page.goto(f"{live}/entries/{entry_id}")
    page.focus("#comment-body")
    page.keyboard.type("Bien vu, pense aux tests.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Publier"
    page.keyboard.press("Enter")
    page.wait_for_selector("#thread .comment")
    page.wait_for_timeout(200)
    focused = page.evaluate("document.activeElement.closest('.comment') !== null")
    assert focused, page.evaluate("document.activeElement.outerHTML.slice(0, 200)")
    assert "Bien vu, pense aux tests." in page.evaluate("document.activeElement.textContent")
    assert page.watch.clean(), vars(page.watch)


@pytest.fixture
def gaps_everywhere(app, people):
    """The learner rates every ing-num compétence 4, the referent 1: a gap on every bloc."""
    from portfolio.db import db
    from portfolio.models import Competency, User
    from portfolio.services import assessments

    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        referent = db.session.get(User, people.referent.id)
        for competency_id in people.competencies.values():
            competency = db.session.get(Competency, competency_id)
            assessments.assess_self(learner, competency, 4, "Montré en entreprise.")
            assessments.assess_as_referent(referent, learner, competency, 1)
        db.session.commit()


# Every text of the drawing, its box on screen, and the drawing's box.
RADAR_TEXTS = """svg => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left - box.left, right: box.right - r.right,
            top: r.top - box.top, bottom: box.bottom - r.bottom, height: r.height,
            size: parseFloat(getComputedStyle(t).fontSize) * box.width / svg.viewBox.baseVal.width};
  });
}"""


@pytest.mark.parametrize("role, selector", [("learner", ".radar-figure svg"),
                                            ("referent", ".small-radar svg")])
@pytest.mark.parametrize("width, smallest", [(1280, 10.5), (375, 10.5), (320, 9)])
def test_radar_labels_are_whole_and_readable(new_page, live, people, gaps_everywhere, role,
                                             selector, width, smallest):
    page = new_page(True, width=width)
    log_in(page, live, getattr(people, role))
    texts = page.eval_on_selector(selector, RADAR_TEXTS)
    labels = [t["text"] for t in texts]
    assert "C1 !" in labels, labels  # every axis is named, a gap marked
    if role == "learner":  # and the legend says what the mark means
        assert any(label.startswith("! écart") for label in labels), labels
    assert {"C1", "C2", "S1"} <= {label.split()[0] for label in labels}, labels
    for t in texts:
        # nothing cut at the drawing's edge, and no text smaller than `smallest` px on screen
        assert min(t["left"], t["right"], t["top"], t["bottom"]) >= -0.5, t
        assert t["size"] >= smallest, (width, t)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

"""French first, English second: browser, cookie, then the user's own setting."""

from pathlib import Path

import pytest

from tests.helpers import csrf_token, post


def test_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Se connecter" in page


def test_english_from_the_browser(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(
        as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page and "Forgot your password?" in page


def test_language_switch_sets_a_cookie(client):
    response = client.post("/language", data={"language": "en", "next": "/login",
                                               "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_language_switch_refuses_foreign_next(client):
    response = client.post("/language", data={"language": "en", "next": "https://evil.example",
                                               "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"


def test_user_setting_wins_over_the_browser(client, login_as):
    login_as("learner", locale="en")
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Dashboard" in page


def test_user_changes_their_language(client, login_as):
    login_as("learner")
    response = post(client, "/account/profile", {"name": "Camille", "locale": "en"})
    assert response.status_code == 302
    assert "Your preferences are saved." in client.get("/account/").get_data(as_text=True)


def test_mail_in_the_recipients_language(client, make_user, outbox):
    user = make_user("learner", locale="en")
    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client)})
    assert outbox[0].subject == "Reset your Portfolio password"
    assert outbox[0].body.startswith("Hello")


def test_the_english_catalogue_has_no_french_slips():
    """"Gap :" (a French space before the colon), "My référentiel", "Blocs where...": the
    English interface says framework and block, and puts no space before a colon."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).parent.parent / "portfolio/translations/en/LC_MESSAGES/messages.po"
    with open(path, "rb") as handle:
        catalogue = read_po(handle)
    slips = []
    for message in catalogue:
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            text = re.sub(r'"[^"]*"', "", text or "")  # quoted values are the file format's
            if text and (re.search(r"\S :(\s|$)", text) or re.search(
                    r"\b(référentiels?|blocs?|école)\b", text, re.IGNORECASE)):
                slips.append(text)
    assert slips == []


def test_french_content_is_marked_french_in_the_english_interface(client, people, entry):
    """RGAA 8.7: a screen reader reads the référentiel's and the learner's French in a French
    voice when the interface is in English; in French nothing needs marking."""
    from tests.helpers import login, post

    login(client, people.learner)
    assert 'reading" lang="fr"' not in client.get(f"/entries/{entry}").get_data(as_text=True)
    post(client, "/language", {"language": "en"})
    page = client.get(f"/entries/{entry}").get_data(as_text=True)
    assert '<h1 id="entry-title" lang="fr">' in page and '<div class="reading" lang="fr">' in page
    page = client.get(f"/learners/{people.learner.id}/frameworks/ing-num").get_data(as_text=True)
    assert '<ol class="criteria" lang="fr">' in page and '<a lang="fr" href=' in page
    assert '<html lang="en">' in page


def test_french_plurals_follow_french_grammar():
    """French is the source language, but ngettext needs its catalogue's plural rule: "0
    entrée", "1 entrée", "2 entrées" (English's rule would say "0 entrées")."""
    from babel.messages.pofile import read_po
    from flask_babel import force_locale, ngettext

    from config import TestConfig
    from portfolio import create_app

    path = Path(__file__).resolve().parents[1] / "portfolio/translations/fr/LC_MESSAGES/messages.po"
    with path.open("rb") as source:
        catalog = read_po(source)
    plurals = [m for m in catalog if isinstance(m.id, tuple)]
    assert plurals and all(m.string and m.string[0] == m.id[0] for m in plurals), \
        "run `make extract-messages` (scripts/french_plurals.py fills them)"
    app = create_app(TestConfig)
    with app.test_request_context(), force_locale("fr"):
        said = [ngettext("%(num)d entrée", "%(num)d entrées", n) for n in (0, 1, 2)]
    assert said == ["0 entrée", "1 entrée", "2 entrées"]


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_date_filter_says_a_day_as_flask_babel_does(app, locale):
    """Days are formatted once per process (portfolio/i18n.py); datetimes keep the reader's
    time zone: the filter answers what Flask-Babel answers."""
    from datetime import UTC, date, datetime

    from flask_babel import force_locale, format_date

    render = app.jinja_env.filters["date"]
    with app.test_request_context(), force_locale(locale):
        for fmt in ("short", "medium", "long"):
            for value in (date(2026, 12, 2), date(2027, 1, 31),
                          datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):
                assert render(value, fmt) == format_date(value, fmt)
        assert render(None) == ""

"""/r/: what a maître d'apprentissage without an account opens from an email (a feedback
request), in their language, without JavaScript; and the page to ask for fresh links."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from portfolio import storage
from portfolio.extensions import limiter
from portfolio.permissions import request_shows_entry_now
from portfolio.presenters import answer_levels, render_request, render_review, render_visit
from portfolio.services import ServiceError, accounts, visits
from portfolio.services import referent_links as service
from portfolio.unit_of_work import attempt
from portfolio.views.followup import fill_review

bp = Blueprint("referent_links", __name__, url_prefix="/r")


def _private(response):
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _open(token: str):
    link = service.open_link(token)
    if link is None:
        abort(404)
    try:
        return link, service.object_of(link)
    except ServiceError:
        abort(404)


def _locale(link) -> str:
    """The recipient's language: theirs if known, else their browser's."""
    return link.referent.locale or request.accept_languages.best_match(
        current_app.config["LANGUAGES"]) or current_app.config["BABEL_DEFAULT_LOCALE"]


RENDER = {service.FEEDBACK: render_request, service.REVIEW: render_review,
          service.VISIT: render_visit}


def _page(link, item, token, **kwargs):
    with force_locale(_locale(link)):
        body, status = RENDER[link.kind](item, link.referent, link=link, token=token, **kwargs)
    return _private(make_response(body, status))


@bp.get("/<token>")
def show(token: str):
    """The request as it was asked, and the answer form (once)."""
    link, item = _open(token)
    service.log_access(link, request.user_agent.string)
    return _page(link, item, token)


@bp.post("/<token>")
def answer(token: str):
    """Answer once, as the app's own pages write it: a request (a comment and levels), a fiche
    de suivi (levels, comments, attestation), a visit report (acknowledged, annotated)."""
    link, item = _open(token)
    try:
        with attempt():
            if link.answered_at is not None:
                raise ServiceError(_("Vous avez déjà répondu : merci."), field="state")
            if link.kind == service.FEEDBACK:
                service.answer(link, request.form.get("body"), answer_levels(item, request.form))
            elif link.kind == service.REVIEW:
                fill_review(link.referent, item, request.form, action="company")
                service.mark_answered(link)
            else:
                visits.annotate(link.referent, item, request.form.get("body"))
                service.mark_answered(link)
    except ServiceError as error:
        return _page(link, item, token, error=error, status=422)
    return _page(link, item, token)


@bp.get("/<token>/files/<id:attachment_id>")
def file(token: str, attachment_id: int):
    """A file of the entry asked about, for as long as the link opens."""
    link, item = _open(token)
    if link.kind != service.FEEDBACK:
        abort(404)
    attachment = next((a for a in item.entry.attachments if a.id == attachment_id), None)
    if attachment is None or not request_shows_entry_now(link.referent, item):
        abort(404)  # made private or withdrawn since: the files go with the rest
    return _private(storage.send_attachment(attachment))


@bp.route("/", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def ask():
    """Ask for fresh links by email; the answer is the same whether the address is known."""
    sent = request.method == "POST"
    if sent:
        with attempt():
            service.send_fresh_links((request.form.get("email") or "")[:254])
    return _private(make_response(render_template("referent_links/ask.html", sent=sent)))


@bp.post("/<token>/password")
def choose_password(token: str):
    """Become a referent with an account: an invitation to choose a password, by email."""
    link, _item = _open(token)
    try:
        with attempt():
            accounts.send_invitation(link.referent)
        message = _("Un courriel vous a été envoyé pour choisir votre mot de passe.")
    except ServiceError as refused:
        message = refused.message
    with force_locale(_locale(link)):
        return _private(make_response(render_template("referent_links/ask.html", sent=False,
                                                      message=message)))

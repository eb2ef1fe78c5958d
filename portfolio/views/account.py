"""One's own account: name, language, password, devices."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portfolio.db import db
from portfolio.forms import ONE_LINE, apply_service_error, confirmation
from portfolio.i18n import LANGUAGE_NAMES
from portfolio.models import LoginSession
from portfolio.services import ServiceError, accounts, email_change
from portfolio.services.tokens import tokens_of

bp = Blueprint("account", __name__, url_prefix="/account")


def language_choices():
    return [("", _l("Celle du navigateur"))] + list(LANGUAGE_NAMES.items())


class ProfileForm(FlaskForm):
    name = StringField(_l("Nom affiché"), filters=ONE_LINE,
                       validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Langue de l'interface"), choices=language_choices)
    email_notifications = BooleanField(_l("Recevoir aussi les notifications par courriel "
                                          "(demandes, réponses, commentaires, rappels)"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Mot de passe actuel"),
                            validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(_l("Nouveau mot de passe (12 caractères au moins)"),
                        validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("Confirmez le nouveau mot de passe"), validators=[
        DataRequired(), EqualTo("new", message=_l("Les deux mots de passe diffèrent."))])


def _render(profile_form=None, password_form=None, status=200, new_token=None):
    logins = db.session.scalars(select(LoginSession).where(
        LoginSession.user_id == current_user.id).order_by(LoginSession.created_at.desc())).all()
    return render_template(
        "account/settings.html",
        profile_form=profile_form or ProfileForm(obj=current_user,
                                                 locale=current_user.locale or ""),
        password_form=password_form or PasswordForm(),
        logins=logins, tokens=tokens_of(current_user), new_token=new_token,
    ), status


@bp.get("/")
@login_required
def settings():
    """Show the account settings."""
    return _render()


@bp.post("/profile")
@login_required
def update_profile():
    """Save name and language."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, name=form.name.data, locale=form.locale.data,
                                    email_notifications=form.email_notifications.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Vos préférences sont enregistrées."), "success")
            return redirect(url_for("account.settings"))
    return _render(profile_form=form, status=422)


@bp.post("/password")
@fresh_login_required
def change_password():
    """Change one's password; every other device is logged out."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current.data, form.new.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            # Every login ended with the change; this device gets a new one, so a copy of
            # the old cookie opens nothing.
            session.clear()
            accounts.open_login_session(user, request.user_agent.string)
            login_user(user)
            flash(_("Mot de passe changé. Vos autres appareils ont été déconnectés et vos "
                    "jetons d'API révoqués."), "success")
            return redirect(url_for("account.settings"))
    return _render(password_form=form, status=422)


@bp.post("/email/confirm")
@fresh_login_required
def confirm_email():
    """Accept the address the école proposed (with one's password)."""
    user = current_user._get_current_object()
    try:
        email_change.confirm(user, request.form.get("password", ""))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("account.settings") + "#email-change")
    session.clear()
    accounts.open_login_session(user, request.user_agent.string)
    login_user(user)
    flash(_("Votre adresse est désormais %(email)s.", email=user.email), "success")
    return redirect(url_for("account.settings"))


@bp.post("/email/decline")
@login_required
def decline_email():
    """Refuse the address the école proposed: the account keeps its own."""
    email_change.decline(current_user)
    flash(_("Changement d'adresse refusé : votre adresse reste %(email)s.",
            email=current_user.email), "info")
    return redirect(url_for("account.settings"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every login of this account, this one included."""
    if asked := confirmation(url_for("account.settings")):
        return asked
    accounts.close_all_login_sessions(current_user)
    session.clear()
    flash(_("Vous êtes déconnecté·e de tous vos appareils."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/data")
@login_required
def my_data():
    """Everything the app holds about me, as a ZIP (data.json and my files)."""
    import tempfile
    from datetime import date

    from flask import send_file

    from portfolio.services import sharing

    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    sharing.write_personal_archive(current_user, handle)
    handle.seek(0)
    response = send_file(handle, mimetype="application/zip", as_attachment=True,
                         download_name=f"mes-donnees-portfolio-{date.today().isoformat()}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/erase")
@fresh_login_required
def erase():
    """Ask for the account to be erased after 30 days; logging in before then cancels it."""
    from portfolio.services import sharing

    if asked := confirmation(url_for("account.settings") + "#erase"):
        return asked
    try:
        sharing.request_erasure(current_user, request.form.get("password", ""))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("account.settings") + "#erase")
    accounts.close_all_login_sessions(current_user)
    session.clear()
    flash(_("Votre compte sera effacé dans 30 jours, avec tout son contenu. Pour annuler, "
            "reconnectez-vous avant."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/tokens")
@login_required
def create_token():
    """A new API token, shown once on this answer."""
    from portfolio.services import tokens

    try:
        _item, token = tokens.create_token(current_user, request.form.get("name", ""))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("account.settings") + "#tokens")
    return _render(status=201, new_token=token)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    from portfolio.services import tokens

    try:
        tokens.revoke_token(current_user, token_id)
    except ServiceError:
        abort(404)
    flash(_("Jeton révoqué."), "success")
    return redirect(url_for("account.settings") + "#tokens")

"""Logging in and out, forgotten passwords, invitations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_fresh, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from portfolio.auth import safe_next
from portfolio.extensions import limiter
from portfolio.forms import STRIP, apply_service_error
from portfolio.services import ServiceError, accounts, sharing

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), filters=STRIP,
                       validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Rester connecté·e sur cet appareil (14 jours)"))
    next = HiddenField()


class ForgotForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), filters=STRIP,
                       validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("Nouveau mot de passe"),
                             validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("Confirmez le mot de passe"), validators=[
        DataRequired(), EqualTo("password", message=_l("Les deux mots de passe diffèrent."))])


def _account_key() -> str:
    # Per account, whatever the address it comes from: slows guessing one person's password.
    return "login:" + (request.form.get("email", "").strip().lower()[:254] or "-")


def _failed(response) -> bool:
    # Only failed attempts count: a school's whole class logging in from one address is fine.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _config("RATELIMIT_LOGIN_PER_IP"), methods=["POST"],
               deduct_when=_failed)
@limiter.limit(lambda: _config("RATELIMIT_LOGIN_PER_ACCOUNT"), methods=["POST"],
               key_func=_account_key, deduct_when=_failed)
def login():
    """Log in with an email and a password."""
    if current_user.is_authenticated and login_fresh():
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("Adresse ou mot de passe incorrect."))
        elif not user.active:
            form.form_errors.append(_("Ce compte est désactivé. Adressez-vous à votre école."))
        else:
            # A fresh session: nothing from before the login survives (session fixation).
            session.clear()
            accounts.open_login_session(user, request.user_agent.string)
            login_user(user, remember=form.remember.data)
            flash(_("Bienvenue, %(name)s.", name=user.name), "success")
            if sharing.cancel_erasure(user):
                flash(_("Vous vous êtes reconnecté·e : l'effacement de votre compte est "
                        "annulé."), "info")
            return redirect(safe_next(form.next.data) or url_for("home.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """End this login; the cookie, even replayed, no longer opens a session."""
    if current_user.is_authenticated:
        accounts.close_login_session(current_user)
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: _config("RATELIMIT_LOGIN_PER_IP"), methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.send_password_reset(form.email.data)
        flash(_("Si un compte existe avec cette adresse, un lien pour choisir un nouveau mot "
                "de passe vient d'y être envoyé. Il est valable deux heures."), "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    return _choose_password(token, "reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose the first password of an account created by the school."""
    return _choose_password(token, "invitation")


def _choose_password(token: str, purpose: str):
    user = accounts.user_from_password_token(token, purpose)
    if user is None:
        flash(_("Ce lien n'est plus valable : il a expiré ou a déjà servi. Demandez-en un "
                "nouveau."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:  # the link proved the mailbox, the form the password: the person is in
            session.clear()
            accounts.open_login_session(user, request.user_agent.string)
            login_user(user)
            sharing.cancel_erasure(user)  # as any login does
            flash(_("Votre mot de passe est enregistré. Bienvenue, %(name)s.", name=user.name),
                  "success")
            return redirect(url_for("home.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/choose_password.html", form=form, user=user,
                           purpose=purpose), status


def _config(name: str) -> str:
    from flask import current_app

    return current_app.config[name]

"""Browsing the référentiels: everyone logged in reads them; learners see their own path."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from portfolio.extensions import htmx
from portfolio.models import Role
from portfolio.permissions import get_framework_or_404
from portfolio.services import frameworks as service
from portfolio.services.enrolments import enrolments_of

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")
bp.before_request(login_required(lambda: None))

MAX_QUERY = 100


@bp.get("/")
def index():
    """List the référentiels."""
    return render_template("frameworks/index.html", frameworks=service.list_frameworks())


@bp.get("/mine")
def mine():
    """The learner's own path: each enrolled référentiel, with only their blocks."""
    if current_user.role != Role.LEARNER:
        abort(404)
    return render_template("frameworks/mine.html", enrolments=enrolments_of(current_user.id))


@bp.get("/<code>")
def show(code: str):
    """One référentiel: blocs, compétences, criteria; filtered as you type."""
    framework = get_framework_or_404(code)
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    blocks = framework.current_blocks
    matches = service.matching_competencies(blocks, query)
    context = dict(framework=framework, blocks=blocks, matches=matches, q=query,
                   total=sum(len(v) for v in matches.values()))
    if htmx and htmx.target == "framework-blocks":
        return render_template("frameworks/_blocks.html", **context)
    return render_template("frameworks/show.html", **context)


@bp.get("/<code>/competencies/<competency_code>")
def competency(code: str, competency_code: str):
    """One compétence: its bloc, its criteria."""
    framework = get_framework_or_404(code)
    for block in framework.blocks:
        for item in block.competencies:
            if item.code == competency_code and item.archived_at is None:
                return render_template("frameworks/competency.html", framework=framework,
                                       block=block, competency=item)
    abort(404)

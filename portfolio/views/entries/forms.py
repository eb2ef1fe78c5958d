"""The entry form: its fields, the reflection templates, the tag rows, and the editor page."""

from __future__ import annotations

import re

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portfolio import vocabulary
from portfolio.db import db
from portfolio.markdown import MarkdownRefused, render_markdown, rendered
from portfolio.models import REFLECTION_FIELDS, Competency
from portfolio.services import entries as service
from portfolio.services.enrolments import enrolments_of, find_enrolled_competencies
from portfolio.text import parse_int, parse_ints

TEMPLATES = {
    "situation": {
        # Any situation, a work-placement task as well: the kind stays the learner's choice.
        "label": _l("Analyse d'une situation"), "kind": None,
        "prompts": {
            "situation": _l("Quel était le contexte ? Qui était là, quel était l'enjeu ?"),
            "actions": _l("Qu'ai-je fait, concrètement, et pourquoi ainsi ?"),
            "strengths": _l("Sur quelles forces me suis-je appuyé·e ?"),
            "improvements": _l("Qu'est-ce qui a moins bien marché ? Que ferais-je autrement ?"),
            "values": _l("Qu'est-ce qui m'a motivé·e ou gêné·e, et pourquoi ?"),
            "next_steps": _l("Qu'est-ce que je vais essayer la prochaine fois ?"),
        },
    },
    "period": {
        "label": _l("Bilan d'une période"), "kind": "reflection",
        "prompts": {
            "situation": _l("Quelle période (dates, missions, cours) ?"),
            "actions": _l("Mes réalisations principales :"),
            "strengths": _l("Ce que je sais faire maintenant que je ne savais pas faire :"),
            "improvements": _l("Ce qui reste difficile :"),
            "values": _l("Ce qui m'a donné envie d'avancer :"),
            "next_steps": _l("Mes objectifs pour la période suivante :"),
        },
    },
    "self_assessment": {
        "label": _l("Note d'auto-évaluation"), "kind": "reflection",
        "prompts": {
            "situation": _l("Quelle compétence j'évalue, et à partir de quelles preuves ?"),
            "actions": _l("Ce que ces preuves montrent de mon niveau :"),
            "strengths": _l("Mes points forts sur cette compétence :"),
            "improvements": _l("Mes points de progrès :"),
            "values": _l("Pourquoi cette compétence compte pour moi :"),
            "next_steps": _l("Ce que je vais faire pour progresser, et quand :"),
        },
    },
}


class EntryForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[InputRequired(), Length(max=200)])
    kind = SelectField(_l("Type"), choices=lambda: list(vocabulary.KINDS.items()))
    occurred_on = DateField(_l("Date de la situation"), validators=[Optional()],
                            format="%Y-%m-%d")
    context = StringField(_l("Contexte (entreprise, équipe, projet)"),
                          validators=[Length(max=300)])
    keywords = StringField(_l("Mots-clés"), validators=[Length(max=2000)])
    visibility = RadioField(_l("Qui peut la lire ?"), default="private",
                            choices=lambda: list(vocabulary.VISIBILITIES.items()))
    body = TextAreaField(_l("Texte (Markdown)"))
    situation = TextAreaField(vocabulary.REFLECTION["situation"])
    actions = TextAreaField(vocabulary.REFLECTION["actions"])
    strengths = TextAreaField(vocabulary.REFLECTION["strengths"])
    improvements = TextAreaField(vocabulary.REFLECTION["improvements"])
    values = TextAreaField(vocabulary.REFLECTION["values"])
    next_steps = TextAreaField(vocabulary.REFLECTION["next_steps"])
    version = HiddenField()
    files = MultipleFileField(_l("Ajouter des pièces jointes"))
    tags = HiddenField()  # carries the errors about tags; the rows are read by parse_tags()


# Each tag row is named after its compétence's id (tags-<id>-how...), so a row added by the picker
# can never collide with one already on the page.
_TAG_KEY = re.compile(r"^tags-([0-9]{1,10})-competency$")


def parse_tags(form) -> list[service.TagData]:
    """Read the tag rows of the editor (and the one the plain "add" select asks for)."""
    rows = []
    indexes = dict.fromkeys(m.group(1) for k in form if (m := _TAG_KEY.match(k)))
    for i in indexes:
        if form.get(f"tags-{i}-remove"):
            continue
        competency = parse_int(form.get(f"tags-{i}-competency"))
        if competency is None:
            continue
        criteria = parse_ints(form.getlist(f"tags-{i}-criteria"))
        rows.append(service.TagData(competency, criteria, form.get(f"tags-{i}-how", "")))
    added = parse_int(form.get("add_competency"))
    if form.get("action") == "add_tag" and added is not None:
        rows.append(service.TagData(added))
    picked = parse_int(form.get("pick"))  # a search result chosen without JavaScript
    if picked is not None:
        rows.append(service.TagData(picked))
    return rows


def editor_action(form) -> str:
    """What the editor's submission asks: save, preview, add a tag row. A search result chosen
    without JavaScript is a button of its own (`pick`): it adds, it never saves."""
    if "pick" in form:
        return "add_tag"
    return form.get("action", "save")


def _answer(key: str, value: str | None) -> str:
    """A reflection field, or nothing when it still holds only a template's prompt."""
    value = value or ""
    prompts = {str(t["prompts"][key]).strip() for t in TEMPLATES.values()}
    return "" if value.strip() in prompts else value


def entry_data(form: EntryForm, tags: list[service.TagData]) -> service.EntryData:
    return service.EntryData(
        title=form.title.data or "", body=form.body.data or "", kind=form.kind.data or "",
        occurred_on=form.occurred_on.data, context=form.context.data or "",
        visibility=form.visibility.data or "", keywords=form.keywords.data or "",
        reflection={k: _answer(k, getattr(form, k).data) for k in REFLECTION_FIELDS}, tags=tags)


def _tag_rows(tags: list[service.TagData]) -> list[tuple[int, Competency, service.TagData]]:
    ids = [t.competency_id for t in tags]
    found = {c.id: c for c in db.session.scalars(select(Competency).where(Competency.id.in_(ids)))}
    return [(t.competency_id, found[t.competency_id], t) for t in tags if t.competency_id in found]


def preview_of(text: str | None):
    """The text as it will read (render_markdown), or the refusal to show in its place."""
    try:
        return render_markdown(text or "")
    except MarkdownRefused as refusal:
        return refusal


def render_editor(form: EntryForm, tags, entry=None, *, status=200, preview=None,
                   draft=None, conflict=None, template=None, held=(), file_errors=()):
    # The template chosen stays across a preview or a refused form (a hidden field).
    template_key = request.args.get("template") or request.form.get("template") or ""
    template = template or TEMPLATES.get(template_key)
    if preview is None and form.body.data:  # the text already there (an edit, a draft) shows
        # (the stored rendering when it is the saved text: no render on every edit page)
        preview = rendered(entry.body_html) if entry is not None and \
            form.body.data == entry.body else preview_of(form.body.data)
    if file_errors:
        form.files.errors = list(file_errors)
    # Without JavaScript, Enter in the compétence search sends the form: answer its results
    # here (what was typed stays in the field), unless a result was just chosen.
    picker_q = "" if "pick" in request.form else (request.form.get("picker_q") or "")[:100]
    picker_results = find_enrolled_competencies(current_user.id, picker_q) if picker_q else None
    return render_template(
        "entries/edit.html", form=form, entry=entry, tag_rows=_tag_rows(tags),
        enrolments=enrolments_of(current_user.id), preview=preview, draft=draft,
        conflict=conflict, templates=TEMPLATES, template=template, held=held,
        template_key=template_key if template else "",
        picker_q=picker_q, picker_results=picker_results,
        # The row just added without JavaScript takes the focus (and the page scrolls to it).
        focus_tag=tags[-1].competency_id if tags and editor_action(request.form) == "add_tag"
        else None,
        reflection_labels=vocabulary.REFLECTION, reflection_fields=REFLECTION_FIELDS,
        open_reflection=bool(template) or any(getattr(form, k).data for k in REFLECTION_FIELDS),
    ), status



"""What several pages show, built once: the entry page (its own view, and the feedback views
that answer with it after a refused form), the radar and the dashboards (the progress pages
and the home page), the enrolment form (two admin pages). Views call these; no view imports
another view."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import format_date
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from portfolio import vocabulary
from portfolio.charts import Axis, progress_radar
from portfolio.db import db, utcnow
from portfolio.models import REFLECTION_FIELDS, Entry, User
from portfolio.pagecache import keep_until
from portfolio.permissions import can_answer_request, can_edit_entry
from portfolio.services import feedback, referent_links
from portfolio.services import frameworks as frameworks_service
from portfolio.services import progress as progress_service
from portfolio.services.progress import Progress

# The entry page (entries.show, and the feedback views that answer with it) ----------------------


def render_entry(entry, *, status: int = 200, request_form=None, request_error=None,
                 comment_error=None, comment_body: str = ""):
    """The entry page, with its thread and requests (and a refused form's message)."""
    mine = current_user.id == entry.learner_id
    return render_template("entries/show.html", entry=entry, kind_labels=vocabulary.KINDS,
                           visibility_labels=vocabulary.VISIBILITIES if mine
                           else vocabulary.VISIBILITIES_SEEN, mine=mine,
                           reflection_labels=vocabulary.REFLECTION,
                           reflection_fields=REFLECTION_FIELDS,
                           can_edit=can_edit_entry(current_user, entry),
                           comment_error=comment_error, comment_body=comment_body,
                           **entry_feedback_context(entry, request_form=request_form,
                                                    request_error=request_error)), status


def entry_feedback_context(entry, *, request_form=None, request_error=None) -> dict:
    """What the entry page shows of the loop: its thread, its requests, the forms."""
    is_owner = current_user.id == entry.learner_id
    comments = feedback.comments_on(entry, current_user)
    changeable = {c.id for c in comments if feedback.can_change_comment(current_user, c)}
    for comment in comments:
        if comment.id in changeable:  # its links go when the edit window closes: the page
            keep_until(comment.created_at + feedback.EDIT_WINDOW)  # is not kept past it
    requests = feedback.requests_on_entry(entry, current_user)
    links = referent_links.links_of_requests([r.id for r in requests]) if is_owner else {}
    now = utcnow()
    for link in links.values():
        if link.state(now) == "open":
            keep_until(link.expires_at)  # "valable" becomes "expiré" with no write
    return dict(
        comments=comments, changeable=changeable,
        can_comment=feedback.can_comment(current_user, entry),
        feedback_requests=requests, request_links=links, now=now,
        referents=feedback.referents_of(current_user) if is_owner else [],
        request_form=request_form or {}, request_error=request_error,
        state_labels=vocabulary.REQUEST_STATES)


# Progress: the radar and the dashboards ------------------------------------------------------


def _axes(progress: Progress) -> list[Axis]:
    return [Axis(b.block.code, b.self_mean, b.referent_mean, b.coverage, b.gap,
                 b.academic_mean, b.company_mean)
            for b in progress.blocks]


def radar_for(progress: Progress, then: Progress | None = None, *, size: int = 420,
              id_prefix: str = "radar", legend: bool = True, split: bool = False) -> Markup:
    """The radar of a learner's progress (and of an earlier date), as inline SVG."""
    return progress_radar(
        progress.framework.title, progress.max_level, _axes(progress),
        then=_axes(then) if then is not None else None,
        then_label=format_date(then.at, "medium") if then is not None and then.at else "",
        size=size, id_prefix=id_prefix, legend=legend, split=split)


def comparison_date(last_feedback: date | None, args,
                    period_end: date | None = None) -> date | None:
    """The earlier date asked for: a date picker, or a quick choice."""
    today = date.today()
    choice = args.get("compare", "")
    if choice == "period_end":
        return period_end
    if choice == "school_year":
        return progress_service.start_of_school_year(today)
    if choice == "three_months":
        return progress_service.three_months_before(today)
    if choice == "last_feedback":
        return last_feedback
    raw = args.get("at", "")
    try:
        chosen = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if chosen and date(2000, 1, 1) <= chosen <= today:
        return chosen
    return None


def progress_context(learner: User, *, referent_view: bool, args) -> dict:
    """What the radar partial needs: today's progress and, if asked, an earlier one."""
    from portfolio.services import periods as period_service

    split = args.get("series") == "split"
    progresses = progress_service.progress_of(learner.id, referent_view=referent_view,
                                              by_kind=split)
    last_feedback = progress_service.last_feedback(learner.id)
    ended = period_service.last_ended(period_service.periods_of_learner(learner.id),
                                      date.today(), "entreprise")
    compare_on = comparison_date(last_feedback, args, ended.ends_on if ended else None)
    earlier = {}
    if compare_on:
        at = progress_service.end_of(compare_on)
        earlier = {p.framework.id: p for p in progress_service.progress_of(
            learner.id, at, referent_view=referent_view)}
    radars = [(p, earlier.get(p.framework.id),
               radar_for(p, earlier.get(p.framework.id), id_prefix=f"radar-{p.framework.code}",
                         split=split))
              for p in progresses]
    return dict(progresses=progresses, radars=radars, compare_on=compare_on, split=split,
                compare=args.get("compare", ""), today=date.today(),
                last_feedback=last_feedback, last_company_period=ended)


def learner_home_context(learner: User, args) -> dict:
    """The learner dashboard: radar, then what to do next, then recent entries."""
    from portfolio.services import periods as period_service

    context = progress_context(learner, referent_view=False, args=args)
    periods = period_service.periods_of_learner(learner.id)
    today = date.today()
    # (which period holds today moves at midnight: a kept page's key changes every hour)
    context["period"], context["next_period"] = period_service.where_now(periods, today)
    context["waiting"] = feedback.waiting_for_learner(learner)
    from portfolio.services.period_reviews import reviews_of_learner

    context["reviews_due"] = [r for r in reviews_of_learner(learner.id) if r.state == "self"]
    context["recent"] = list(db.session.scalars(
        select(Entry).where(Entry.learner_id == learner.id)
        .order_by(Entry.updated_at.desc(), Entry.id.desc()).limit(5)))
    return context


def referent_home_context(referent: User, assignments) -> dict:
    """The referent dashboard: each learner with a small radar and their gaps."""
    ids = [a.learner_id for a in assignments]
    progresses = progress_service.progress_of_many(ids, referent_view=True)
    cards = []
    for a in assignments:
        mine = progresses.get(a.learner_id) or []
        first = mine[0] if mine else None
        radar = radar_for(first, size=180, id_prefix=f"radar-l{a.learner_id}", legend=False) \
            if first and first.blocks else None
        cards.append((a, first, radar))
    # Waiting for them: what they can still answer (an entry made private is not).
    inbox = [item for item in feedback.inbox(referent) if can_answer_request(referent, item)]
    pending: dict[int, int] = {}
    for item in inbox:
        pending[item.learner_id] = pending.get(item.learner_id, 0) + 1
    return dict(cards=cards, inbox=inbox, pending=pending, now=utcnow())


# Administration --------------------------------------------------------------------------------


def enrol_form_context(chosen: str | None = None) -> dict:
    """What the enrolment form needs: the référentiels, and the one whose blocks it shows
    (`?framework=` of the page, else the first): a bloc is only ever offered with its own
    référentiel."""
    frameworks = frameworks_service.list_frameworks(with_blocks=True)
    selected = next((f for f in frameworks if f.code == chosen), frameworks[0] if frameworks
                    else None)
    return {"enrol_frameworks": frameworks, "enrol_selected": selected}


def render_cohort(cohort, form=None, period_form=None, period_errors=None, status=200):
    """A cohort: its members, its alternance calendar, the forms that change them."""
    from flask import request

    from portfolio.admin_forms import MemberForm, PeriodForm
    from portfolio.services.enrolments import enrolment_counts
    from portfolio.services.periods import periods_of_cohort

    return render_template(
        "admin/cohort.html", cohort=cohort, form=form or MemberForm(),
        followed=enrolment_counts(cohort), periods=periods_of_cohort(cohort.id),
        period_form=period_form or PeriodForm(), period_errors=period_errors or {},
        **enrol_form_context(request.args.get("framework"))), status


# A feedback request (the referent's page, and the same through a link under /r/) -------------

def levels_from_form(competency_ids, form) -> dict[int, int]:
    """The levels a form sets (`level-<id>`), for these compétences only (blank: none)."""
    from flask_babel import gettext as _

    from portfolio.services import ServiceError
    from portfolio.text import parse_int

    levels = {}
    for competency_id in competency_ids:
        value = form.get(f"level-{competency_id}", "")
        if value != "":
            level = parse_int(value, 3)
            if level is None:
                raise ServiceError(_("Choisissez un niveau de l'échelle."), field="levels")
            levels[competency_id] = level
    return levels


def answer_levels(item, form) -> dict[int, int]:
    """The levels an answer form sets, for the entry's compétences only (blank: unchanged)."""
    return levels_from_form([tag.competency_id for tag in item.entry.tags], form)


def render_request(item, viewer, *, error=None, status=200, link=None, token: str | None = None):
    """A request as its referent reads it: the entry as asked, what changed since, the answer
    (form). Through a link (`link`, `token`), only the version asked on, its files served under
    the link, and no way into the rest of the app."""
    import re

    from flask import request, url_for

    from portfolio.markdown import MarkdownRefused, render_markdown
    from portfolio.permissions import request_shows_entry_now
    from portfolio.services import assessments as assessment_service
    from portfolio.services.frameworks import find_competency

    then, changes = feedback.changes_since_request(item)
    shows_now = request_shows_entry_now(viewer, item)
    if not shows_now or link is not None:
        changes = None  # what changed since would show the private text (or more than asked)
    entry = item.entry
    scale = entry.tags[0].competency.framework.scale if entry.tags else []
    then_html = None
    if then is not None:
        try:
            then_html = str(render_markdown(then.body))  # the single path, as on the entry page
        except MarkdownRefused:
            then_html = None
    if link is not None:
        def file_url(attachment_id):
            return url_for("referent_links.file", token=token, attachment_id=attachment_id)

        if then_html:
            then_html = Markup(re.sub(r'src="/attachments/([0-9]+)"',  # noqa: S704 (rendered)
                                      lambda m: f'src="{file_url(m.group(1))}"', then_html))
        answer_action = url_for("referent_links.answer", token=token)
    else:
        def file_url(attachment_id):
            return url_for("entries.attachment", attachment_id=attachment_id)

        answer_action = url_for("feedback.answer", request_id=item.id)
    can_answer = can_answer_request(viewer, item) and (link is None or link.answered_at is None)
    tagged = [t.competency_id for t in entry.tags]
    return render_template(
        "feedback/show.html", item=item, entry=entry, then=then, changes=changes,
        levels=assessment_service.current_levels(item.learner_id, tagged) if can_answer else {},
        given=assessment_service.given_with(item.id) if item.answer else [],
        scale_labels={step["value"]: step["label"] for step in scale},
        tag_titles={key: found.title for key in (then.tags if then else [])
                    if (found := find_competency(key)) is not None},
        then_html=then_html, field_labels=vocabulary.ENTRY_FIELDS, error=error,
        form=request.form if error else {}, can_answer=can_answer, shows_now=shows_now,
        title=entry.title if shows_now else (then.title if then else ""),
        is_learner=viewer.id == item.learner_id, scale=scale, via_link=link,
        answer_action=answer_action, file_url=file_url,
        state_labels=vocabulary.REQUEST_STATES, now=utcnow()), status


def render_review(review, viewer, *, error=None, status=200, link=None, token: str | None = None):
    """A fiche de suivi as each of its hands sees it, with the form that waits for them: the
    learner's self-review, the maître d'apprentissage's levels and attestation (in the app or
    through a link), the tuteur académique's comment."""
    from flask import request, url_for

    from portfolio.permissions import referent_kind_of
    from portfolio.services import assessments as assessment_service
    from portfolio.services import period_reviews
    from portfolio.services.enrolments import enrolled_competency_ids
    from portfolio.services.progress import progress_of

    is_learner = viewer.id == review.learner_id
    kind = None if is_learner else referent_kind_of(viewer, review.learner_id)
    waiting = period_reviews.waiting_on(review, viewer) and (
        link is None or link.answered_at is None)
    exercised = period_reviews.exercised(review)
    choices, tagged = [], set()
    if is_learner and waiting:  # the compétences to tick, by block, those of the period first
        entries = period_reviews.period_entries(review, for_learner=True)
        tagged = {t.competency_id for e in entries for t in e.tags}
        enrolled = enrolled_competency_ids(review.learner_id)
        for progress in progress_of(review.learner_id):
            for block in progress.blocks:
                rows = [c.competency for c in block.competencies
                        if c.competency.id in enrolled]
                if rows:
                    choices.append((progress.framework, block.block, rows))
    else:
        entries = period_reviews.period_entries(review, for_learner=is_learner)
    scale = exercised[0].framework.scale if exercised else []
    if error:
        form = request.form
        checked = {int(v) for v in request.form.getlist("competency") if v.isascii()
                   and v.isdigit() and len(v) < 10}
    else:
        form = {}
        checked = set(review.competency_ids or []) or tagged
    action = (url_for("referent_links.answer", token=token) if link is not None
              else url_for("followup.review", review_id=review.id))
    return render_template(
        "followup/review.html", review=review, period=review.period, learner=review.learner,
        entries=entries, exercised=exercised, choices=choices, checked=checked,
        given=period_reviews.levels_given(review), scale=scale,
        scale_labels={step["value"]: step["label"] for step in scale},
        levels=assessment_service.current_levels(review.learner_id,
                                                 [c.id for c in exercised])
        if waiting and kind == "entreprise" else {},
        is_learner=is_learner, kind=kind, waiting=waiting, via_link=link, action=action,
        error=error, form=form, viewer=viewer, states=vocabulary.REVIEW_STATES), status


def render_visit(visit, viewer, *, error=None, status=200, link=None, token: str | None = None):
    """A visit report with its notes, and the acknowledgement form for whom it waits."""
    from flask import request, url_for

    from portfolio.services import visits

    may_annotate = visits.may_annotate(viewer, visit) and (
        link is None or link.answered_at is None)
    action = (url_for("referent_links.answer", token=token) if link is not None
              else url_for("followup.visit", visit_id=visit.id))
    levels = visits.levels_given(visit)
    scale = levels[0].competency.framework.scale if levels else []
    return render_template(
        "followup/visit.html", visit=visit, learner=visit.learner, may_annotate=may_annotate,
        levels=levels, scale_labels={step["value"]: step["label"] for step in scale},
        via_link=link, action=action, error=error, form=request.form if error else {},
        viewer=viewer), status

"""Generate the benchmark data set: many learners, each with many entries and their trail.

Default: 300 learners with 200 entries each (60 000 entries), two tags per entry, a revision
each, self and referent levels (several rounds), comments and feedback requests; 30 referents.
Written with bulk inserts (the services would take minutes), with the same stored HTML and
search index rows the services would write. Usage:

    python bench/generate.py --database-url sqlite:///bench/data/portfolio_bench.sqlite3 \
        [--learners N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import Config  # noqa: E402
from portfolio import create_app  # noqa: E402
from portfolio.db import db  # noqa: E402
from portfolio.markdown import render_markdown  # noqa: E402
from portfolio.models import (  # noqa: E402
    Assessment,
    Assignment,
    Comment,
    Competency,
    Enrolment,
    Entry,
    EntryRevision,
    EntryTag,
    FeedbackEvent,
    FeedbackRequest,
    User,
)
from portfolio.passwords import hash_password  # noqa: E402
from portfolio.search import document_of, stems  # noqa: E402
from portfolio.services.frameworks import load_shipped_frameworks  # noqa: E402

PASSWORD = "bench-portfolio-2026"
BODIES = [
    "J'ai **évalué** la performance du service et proposé trois pistes.\n\n- mesurer\n- "
    "comparer\n- décider",
    "Analyse d'une situation de projet : le client a changé d'avis, j'ai reformulé le besoin "
    "avec l'équipe et *réorganisé* le planning.",
    "Réunion de suivi : compte rendu, décisions, prochaines étapes. Voir "
    "https://ecole.fr/modele pour le modèle.",
    "Cours de sécurité : les attaques par injection, et comment les tests les évaluent.",
]
KINDS = ["work_placement", "project", "course", "personal", "reflection"]
VISIBILITIES = ["private", "referents", "referents", "jury"]


def generate(url: str, learners: int, entries: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    app = create_app(Config, {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "outbox"})
    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_shipped_frameworks()
        db.session.commit()
        framework_id, competencies = _framework(["ing-num"])
        password = hash_password(PASSWORD)
        now = datetime.now(UTC)
        referents = [{"email": f"tuteur{i}@bench.test", "name": f"Tuteur {i}",
                      "role": "referent", "password_hash": password, "active": True,
                      "created_at": now} for i in range(max(1, learners // 10))]
        people = [{"email": f"apprenti{i}@bench.test", "name": f"Apprenti·e {i}",
                   "role": "learner", "password_hash": password, "active": True,
                   "created_at": now} for i in range(learners)]
        db.session.execute(insert(User), referents + people)
        ids = dict(db.session.execute(select(User.email, User.id)).all())
        learner_ids = [ids[p["email"]] for p in people]
        referent_ids = [ids[r["email"]] for r in referents]
        db.session.execute(insert(Assignment), [
            {"learner_id": lid, "referent_id": referent_ids[i % len(referent_ids)],
             "kind": "academique", "created_at": now} for i, lid in enumerate(learner_ids)])
        db.session.execute(insert(Enrolment), [
            {"learner_id": lid, "framework_id": framework_id, "created_at": now}
            for lid in learner_ids])
        db.session.commit()

        html = {body: str(render_markdown(body)) for body in BODIES}
        codes = sorted(competencies)
        start_day = date.today() - timedelta(days=600)
        for n, lid in enumerate(learner_ids):
            referent = referent_ids[n % len(referent_ids)]
            rows = []
            for i in range(entries):
                body = BODIES[i % len(BODIES)]
                rows.append({
                    "learner_id": lid, "title": f"Entrée {i} : situation n°{rng.randint(1, 99)}",
                    "body": body, "body_html": html[body], "kind": KINDS[i % len(KINDS)],
                    "occurred_on": start_day + timedelta(days=i * 3 % 600),
                    "context": "Entreprise, équipe data",
                    # The first learner's portfolio goes to the jury whole (export timings).
                    "visibility": "jury" if n == 0 else VISIBILITIES[i % 4],
                    "reflection": {"strengths": "La méthode.", "next_steps": "Évaluer encore."}
                    if i % 3 == 0 else {},
                    "version": 1, "created_at": now - timedelta(days=600 - i),
                    "updated_at": now - timedelta(days=600 - i)})
            db.session.execute(insert(Entry), rows)
            entry_ids = list(db.session.scalars(select(Entry.id).where(
                Entry.learner_id == lid).order_by(Entry.id)))
            tags, revisions, search_rows = [], [], []
            for i, eid in enumerate(entry_ids):
                chosen = rng.sample(codes, 2)
                tags += [{"entry_id": eid, "competency_id": competencies[c], "how": "",
                          "position": p} for p, c in enumerate(chosen)]
                row = rows[i]
                revisions.append({"entry_id": eid, "version": 1, "title": row["title"],
                                  "body": row["body"], "kind": row["kind"],
                                  "occurred_on": row["occurred_on"], "context": row["context"],
                                  "visibility": row["visibility"],
                                  "reflection": row["reflection"],
                                  "tags": [f"ing-num:{c}" for c in chosen],
                                  "created_at": row["created_at"]})
                search_rows.append({"id": eid, "doc": _document(row)})
            db.session.execute(insert(EntryTag), tags)
            db.session.execute(insert(EntryRevision), revisions)
            _index(search_rows)
            levels = []
            for round_ in range(3):
                at = now - timedelta(days=300 - 100 * round_)
                for code in rng.sample(codes, 12):
                    levels.append({"learner_id": lid, "competency_id": competencies[code],
                                   "assessor_id": lid, "source": "self",
                                   "level": rng.randint(1, 4), "justification": "Voir entrées.",
                                   "entry_ids": [], "created_at": at})
                    levels.append({"learner_id": lid, "competency_id": competencies[code],
                                   "assessor_id": referent, "source": "referent",
                                   "level": rng.randint(0, 4), "justification": "",
                                   "entry_ids": [], "created_at": at + timedelta(hours=1)})
            db.session.execute(insert(Assessment), levels)
            readable = [e for e, r in zip(entry_ids, rows, strict=True)
                        if r["visibility"] != "private"]
            comment_html = str(render_markdown("Bien vu, *continue*."))
            db.session.execute(insert(Comment), [
                {"entry_id": eid, "author_id": referent, "body": "Bien vu, *continue*.",
                 "body_html": comment_html, "created_at": now} for eid in readable[:20]])
            for k, eid in enumerate(readable[20:25]):
                db.session.execute(insert(FeedbackRequest), [{
                    "entry_id": eid, "learner_id": lid, "referent_id": referent,
                    "message": "Un avis ?", "entry_version": 1,
                    "state": "requested" if k < 3 else "answered",
                    "created_at": now - timedelta(days=k + 1),
                    "updated_at": now - timedelta(days=k + 1)}])
            db.session.commit()
            if (n + 1) % 50 == 0:
                print(f"  {n + 1} learners written ({time.perf_counter() - started:.0f} s)",
                      file=sys.stderr)
        request_ids = db.session.scalars(select(FeedbackRequest.id)).all()
        if request_ids:
            db.session.execute(insert(FeedbackEvent), [
                {"request_id": rid, "state": "requested", "created_at": now}
                for rid in request_ids])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As a server that has run a while would be: vacuumed and analysed, so that
            # autovacuum does not start on the fresh rows in the middle of the measures.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        counts = {name: db.session.scalar(select(db.func.count()).select_from(model))
                  for name, model in (("learners", Enrolment), ("entries", Entry),
                                      ("tags", EntryTag), ("assessments", Assessment),
                                      ("comments", Comment), ("requests", FeedbackRequest))}
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _framework(codes):
    from portfolio.models import Framework

    framework = db.session.scalar(select(Framework).where(Framework.code == codes[0]))
    competencies = {c.code: c.id for c in db.session.scalars(select(Competency).where(
        Competency.framework_id == framework.id))}
    return framework.id, competencies


class _Row:
    def __init__(self, row):
        self.title, self.context, self.body = row["title"], row["context"], row["body"]
        self.reflection = row["reflection"]
        self.keywords: list[str] = []  # the data set's entries have none


def _document(row) -> str:
    return document_of(_Row(row))


def _index(rows) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            "INSERT INTO entry_search (entry_id, document) VALUES "
            "(:id, to_tsvector('portfolio_fr', :doc) || to_tsvector('simple', :stems))"),
            [{"id": r["id"], "doc": r["doc"], "stems": " ".join(stems(r["doc"]))}
             for r in rows])
    else:
        db.session.execute(text("INSERT INTO entry_fts (rowid, content) VALUES (:id, :doc)"),
                           [{"id": r["id"], "doc": " ".join(stems(r["doc"]))} for r in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--entries", type=int, default=200)
    args = parser.parse_args()
    print(generate(args.database_url, args.learners, args.entries))


if __name__ == "__main__":
    main()

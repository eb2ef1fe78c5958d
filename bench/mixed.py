"""The mixed workload: a day of learners and tutors at once, with Locust (its library API).

Each simulated person logs in with an account of the data set of their own (learners
`apprentiN`, tutors `tuteurN`) and keeps its session. A learner opens the dashboard, the
timeline, an entry, writes an entry tagged with two compétences (visible to tutors), opens the
self-assessment page and sets a level (as the page's htmx button does), and now and then asks
their tutor for feedback on the new entry. A tutor opens their dashboard, the inbox, a request,
answers it, and opens one of their learners' pages. The writes invalidate what they must
(portfolio/versions.py): the next views render again.

Reported: requests per second overall and per step, p50/p95/p99 per step, errors, the page
cache's hit rate (each kept page says `X-Page-Cache: hit|miss`, PAGE_CACHE_REPORT), the
throughput's ratio to the trivial route's (`/healthz`, wrk, just before and just after in the
same run), each gunicorn worker's RSS after the run and its page cache's bytes. Usage
(`make bench` runs it on both databases after bench/run.py, on its data set):

    python bench/mixed.py --db sqlite --reuse-data --users 24 --duration 30
"""

from __future__ import annotations

import gevent.monkey  # Locust runs on gevent: patch before anything opens a socket

gevent.monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402  (a dependency of Locust)
from locust import FastHttpUser, task  # noqa: E402
from locust.env import Environment  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.generate import PASSWORD, generate  # noqa: E402
from bench.run import Server, database_url, wrk  # noqa: E402

TARGETS = {"throughput_ratio": 0.25, "errors": 0}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HTMX = {"HX-Request": "true"}
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"|X-CSRFToken&#34;: &#34;([^&]+)&#34;'
                  r'|X-CSRFToken&quot;: &quot;([^&]+)&quot;')
cache_outcomes: Counter = Counter()
cache_bytes: dict[str, int] = {}  # the latest size each worker reported (by its pid)
learner_numbers = itertools.count()
referent_numbers = itertools.count()


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return next(group for group in match.groups() if group)


class Person(FastHttpUser):
    abstract = True
    wait_time = staticmethod(lambda: 0)  # as fast as the server answers: throughput

    def page(self, path: str, name: str, **kw) -> str:
        with self.client.get(path, name=name, catch_response=True, **kw) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return ""
            outcome = response.headers.get("X-Page-Cache")
            if outcome:
                kind, size, pid = re.match(r"(\w+); bytes=(\d+); pid=(\d+)", outcome).groups()
                cache_outcomes[kind] += 1
                cache_bytes[pid] = int(size)
            return response.text or ""

    def send(self, path: str, name: str, fields: dict | list, expect=(200, 302, 303),
             headers: dict | None = None) -> str:
        with self.client.post(path, name=name, data=urlencode(fields, doseq=True),
                              headers={**FORM, **(headers or {})}, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
            return response.headers.get("Location") or ""

    def log_in(self, email: str) -> str:
        token = _csrf(self.page("/login", "log in (form)"))
        self.send("/login", "log in", {"email": email, "password": PASSWORD,
                                       "csrf_token": token})
        home = self.page("/", "log in (first page)")
        self.token = _csrf(home)
        return home


class Learner(Person):
    weight = 3

    def on_start(self):
        number = next(learner_numbers)
        home = self.log_in(f"apprenti{number}@bench.test")
        found = re.search(r"/learners/(\d+)/frameworks/([\w-]+)", home)
        self.learner_id, self.framework = found.group(1), found.group(2)
        page = self.page(f"/learners/{self.learner_id}/frameworks/{self.framework}",
                         "self-assessment page")
        self.competencies = sorted(set(re.findall(r"/competencies/(\d+)/self", page)))
        self.written = 0

    @task
    def a_session(self):
        self.page("/", "learner dashboard")
        timeline = self.page("/entries", "timeline")
        entries = re.findall(r'href="/entries/(\d+)"', timeline)
        if entries:
            self.page(f"/entries/{random.choice(entries)}", "entry page")
        self.write_an_entry()
        self.page(f"/learners/{self.learner_id}/frameworks/{self.framework}",
                  "self-assessment page")
        competency = random.choice(self.competencies)
        self.send(f"/learners/{self.learner_id}/competencies/{competency}/self",
                  "self-assess", {"level": random.randint(1, 4),
                                  "justification": "Voir mes dernières entrées.",
                                  "csrf_token": self.token}, headers=HTMX)

    def write_an_entry(self):
        self.written += 1
        tags = random.sample(self.competencies, 2)
        fields = [("title", f"Semaine {self.written} : ce que j'ai fait"), ("kind", "project"),
                  ("occurred_on", datetime.now().date().isoformat()),
                  ("context", "Banc d'essai"), ("visibility", "referents"),
                  ("body", "J'ai **livré** la migration et écrit le bilan.\n\n- tests\n- doc"),
                  ("action", "save"), ("csrf_token", self.token)]
        for cid in tags:
            fields += [(f"tags-{cid}-competency", cid), (f"tags-{cid}-how", "Le bilan")]
        location = self.send("/entries", "write an entry (two tags)", fields, expect=(302,))
        entry = re.search(r"/entries/(\d+)$", location)
        if not entry:
            return
        page = self.page(location, "entry page, just saved")  # where the browser goes
        referent = re.search(r'<select id="ask-referent" name="referent">\s*<option value="(\d+)"',
                             page)
        if referent and self.written % 3 == 0:
            self.send(f"/entries/{entry.group(1)}/feedback-requests", "ask for feedback",
                      {"referent": referent.group(1), "message": "Un avis ?",
                       "csrf_token": self.token})


class Referent(Person):
    weight = 1

    def on_start(self):
        self.log_in(f"tuteur{next(referent_numbers)}@bench.test")

    @task
    def a_session(self):
        home = self.page("/", "referent dashboard")
        inbox = self.page("/feedback", "referent inbox")
        requests = re.findall(r'href="/feedback/(\d+)"', inbox)
        if requests:
            request_id = random.choice(requests[:5])
            page = self.page(f"/feedback/{request_id}", "a feedback request")
            if "/answer" in page:
                self.send(f"/feedback/{request_id}/answer", "answer a request",
                          {"body": "Bien vu : précisez la démarche.",
                           "csrf_token": self.token})
        learners = re.findall(r"/learners/(\d+)/frameworks/([\w-]+)", home)
        if learners:
            learner_id, code = random.choice(learners)
            self.page(f"/learners/{learner_id}/frameworks/{code}", "a learner, for their tutor")


def rss_of_workers(server: Server) -> dict[int, float]:
    master = psutil.Process(server.process.pid)
    return {child.pid: round(child.memory_info().rss / 2**20, 1)
            for child in master.children(recursive=True)}


def run(kind: str, args) -> dict:
    url, kept = database_url(kind, reuse=True)
    if not kept:
        print(f"== {kind}: generating {args.learners} learners x {args.entries} entries",
              file=sys.stderr)
        generate(url, args.learners, args.entries)
    server = Server(url, args.port, args.workers, env={"PAGE_CACHE_REPORT": "1"})
    try:
        before = wrk(args.port, "/healthz", "", 5, 8)
        env = Environment(user_classes=[Learner, Referent], host=f"http://127.0.0.1:{args.port}")
        runner = env.create_local_runner()
        runner.start(args.users, spawn_rate=args.users)
        gevent.spawn_later(args.duration, runner.quit)
        runner.greenlet.join()
        after = wrk(args.port, "/healthz", "", 5, 8)
        memory = rss_of_workers(server)
    finally:
        server.stop()
    steps = {}
    for (name, method), entry in sorted(env.stats.entries.items()):
        if entry.num_requests == 0:
            continue
        steps[name] = {
            "method": method, "requests": entry.num_requests, "errors": entry.num_failures,
            "rps": round(entry.total_rps, 1),
            "p50_ms": entry.get_response_time_percentile(0.50),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99)}
    total = env.stats.total
    trivial = round((before["rps"] + after["rps"]) / 2, 1)
    seen = cache_outcomes["hit"] + cache_outcomes["miss"]
    result = {
        "database": kind, "users": args.users, "seconds": args.duration,
        "rps": round(total.total_rps, 1), "requests": total.num_requests,
        "errors": total.num_failures, "trivial_rps": trivial,
        "ratio": round(total.total_rps / trivial, 3) if trivial else None,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99),
        "page_cache_hit_rate": round(cache_outcomes["hit"] / seen, 3) if seen else None,
        "page_cache_bytes": cache_bytes, "worker_rss_mb": memory, "steps": steps,
        "failures": [f"{e.method} {e.name}: {e.error} (x{e.occurrences})"
                     for e in env.stats.errors.values()][:20]}
    result["targets_missed"] = [
        f"{what}" for what, bad in (
            (f"ratio {result['ratio']} < {TARGETS['throughput_ratio']}",
             (result["ratio"] or 0) < TARGETS["throughput_ratio"]),
            (f"{result['errors']} errors", result["errors"] > TARGETS["errors"])) if bad]
    print(f"== mixed workload, {kind}: {args.users} users, {args.duration} s: "
          f"{result['rps']} req/s ({result['requests']} requests, {result['errors']} errors), "
          f"trivial route {trivial} req/s, ratio {result['ratio']}, page cache hit rate "
          f"{result['page_cache_hit_rate']}", file=sys.stderr)
    for name, step in steps.items():
        print(f"   {name:32} {step['requests']:6} req {step['rps']:7.1f} req/s  p50 "
              f"{step['p50_ms']:5.0f}  p95 {step['p95_ms']:5.0f}  p99 {step['p99_ms']:5.0f} ms"
              f"  errors {step['errors']}", file=sys.stderr)
    print(f"   workers' RSS (MB): {memory}; page cache bytes by worker: {cache_bytes}",
          file=sys.stderr)
    for line in result["failures"]:
        print(f"   failure: {line}", file=sys.stderr)
    print(f"   targets: {'all met' if not result['targets_missed'] else result['targets_missed']}",
          file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=24, help="simulated people (3 learners "
                        "for 1 tutor), each with an account and a session of their own")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load")
    parser.add_argument("--learners", type=int, default=300,
                        help="data set to generate when there is none to reuse")
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    runs = []
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        cache_outcomes.clear()
        cache_bytes.clear()
        runs.append(run(kind, args))
    out = HERE / "results" / f"mixed-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"when": datetime.now().isoformat(timespec="seconds"),
                               "settings": vars(args), "targets": TARGETS, "runs": runs},
                              indent=2, ensure_ascii=False))
    print(f"   figures: {out.relative_to(HERE.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()

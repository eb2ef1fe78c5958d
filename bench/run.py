"""The benchmark: generate the data set, serve it under gunicorn, load each page with wrk.

For SQLite and PostgreSQL in turn: p50/p95 latency and requests per second of the learner
dashboard (with its radar), the timeline with a filter and a search, an entry page, the
referent inbox and the HTML export, once warm (served from the page cache) and rendered (an
address of its own each time); each page's throughput as a share of the trivial route's
(/healthz), measured just before and just after the page; the time of the HTML and PDF exports
of a 200-entry portfolio; the size of each page; whether the issue's targets are met. Figures
go to bench/results/. Usage:

    make bench                          # both databases, default data set
    python bench/run.py --db sqlite --learners 30 --entries 200 --duration 5
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
WRK_SCRIPT = HERE / "report.lua"
TARGETS = {  # p95 (ms) and share of the trivial route's throughput the issue asks for
    "p95_ms": 50, "throughput_ratio": 0.25, "html_export_s": 1.0, "pdf_export_s": 10.0,
    "page_kb": 100}


def database_url(kind: str, reuse: bool = False, name: str = "portfolio_bench"
                 ) -> tuple[str, bool]:
    """The data set's database (`name`: the writers' run has its own, so that `--reuse-data`
    after `make bench` finds the default data set), and whether it holds the previous run's
    data (kept)."""
    if kind == "sqlite":
        (HERE / "data").mkdir(exist_ok=True)
        path = HERE / "data" / f"{name}.sqlite3"
        return f"sqlite:///{path}", reuse and path.exists()
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if reuse and conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": name}).scalar():
            return PG_URL + name, True
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL + name, False


def server_env(url: str, port: int) -> dict:
    return {"PORTFOLIO_CONFIG": "production", "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40, "SESSION_COOKIE_SECURE": "0",
            "PUBLIC_URL": f"http://127.0.0.1:{port}", "MAIL_BACKEND": "outbox",
            "RATELIMIT_ENABLED": "0", "PORTFOLIO_INSTANCE": str(HERE / "data")}


class Server:
    def __init__(self, url: str, port: int, workers: int | None = None,
                 env: dict | None = None):
        """gunicorn with the project's gunicorn.conf.py (as in production), `workers` apart;
        `env` adds settings (the same ones `worker()` gives a `portfolio worker`)."""
        self.port = port
        self.env = env = {**os.environ, **server_env(url, port), **(env or {})}
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.process = subprocess.Popen(
            [gunicorn, "--config", str(ROOT / "gunicorn.conf.py"),
             *(["--workers", str(workers)] if workers else []), "--bind",
             f"127.0.0.1:{port}", "--log-level", "warning", "portfolio:create_app()"],
            cwd=ROOT, env=env)
        for _ in range(100):
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def request(self, method, path, body=None, cookie="", content_type=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
        if content_type:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
        conn.close()
        return response.status, data, cookies

    def login(self, email: str, password: str) -> str:
        status, page, cookies = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        jar = "; ".join(c.split(";", 1)[0] for c in cookies)
        form = urlencode({"email": email, "password": password, "csrf_token": token.decode()})
        status, _body, cookies = self.request("POST", "/login", form, jar,
                                              "application/x-www-form-urlencoded")
        assert status == 302, f"login of {email} failed ({status})"
        jar = "; ".join(c.split(";", 1)[0] for c in cookies)
        # Follow the redirect as a browser would: the welcome message is shown, then gone
        # from the session cookie (wrk replays one cookie; a pending message is never kept).
        status, _body, cookies = self.request("GET", "/", cookie=jar)
        assert status == 200, f"first page of {email}: {status}"
        return "; ".join(c.split(";", 1)[0] for c in cookies) or jar

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)

    def export(self, cookie: str, fmt: str) -> tuple[float, bytes]:
        """A PDF or ZIP export as the learner asks for it: start the job, follow its page
        until the file is offered, download it. Returns the seconds it took and the file."""
        started = time.perf_counter()
        _status, page, _c = self.request("GET", "/export", cookie=cookie)
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        form = urlencode({"format": fmt, "csrf_token": token})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request("POST", "/export/jobs", body=form, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        location = response.headers["Location"]
        conn.close()
        assert response.status == 303, f"export job not started ({response.status})"
        while True:
            status, page, _c = self.request("GET", location, cookie=cookie,
                                            headers={"HX-Request": "true"})
            if b"/file" in page:
                break
            assert b"error" not in page, "the export failed"
            time.sleep(0.1)
        status, body, _c = self.request("GET", f"{location}/file", cookie=cookie)
        assert status == 200
        return time.perf_counter() - started, body


def wrk(port: int, path: str, cookie: str, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(WRK_SCRIPT),
         "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def rendering_time(server: Server, path: str, cookie: str, times: int) -> dict:
    """The page rendered, not served from the page cache: one request at a time, each with
    an address of its own (a parameter the page ignores; the cache keys on the address)."""
    if times < 1:
        return {"p50_ms": 0.0, "max_ms": 0.0}
    timings = []
    for n in range(times):
        started = time.perf_counter()
        status, _b, _c = server.request(
            "GET", f"{path}{'&' if '?' in path else '?'}run={secrets.token_hex(4)}{n}",
            cookie=cookie)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, f"{path}: {status}"
    timings.sort()
    return {"p50_ms": round(timings[len(timings) // 2], 1), "max_ms": round(timings[-1], 1)}


def measure(kind: str, args) -> dict:
    from bench.generate import PASSWORD, generate

    url, kept = database_url(kind, args.reuse_data)
    if kept:
        counts = {"reused": True}
    else:
        print(f"== {kind}: generating {args.learners} learners x {args.entries} entries",
              file=sys.stderr)
        counts = generate(url, args.learners, args.entries)
    print(f"   {counts}", file=sys.stderr)
    server = Server(url, args.port, args.workers)
    try:
        learner = server.login("apprenti0@bench.test", PASSWORD)
        referent = server.login("tuteur0@bench.test", PASSWORD)
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            learner_id, entry_id, competency_id, request_id = conn.execute(text(
                "SELECT u.id, e.id, t.competency_id, (SELECT min(r.id) FROM feedback_requests r"
                " JOIN users ru ON ru.id = r.referent_id"
                " WHERE ru.email = 'tuteur0@bench.test') FROM entries e"
                " JOIN users u ON u.id = e.learner_id JOIN entry_tags t ON t.entry_id = e.id"
                " WHERE u.email = 'apprenti0@bench.test' ORDER BY e.id LIMIT 1")).one()
            followed = conn.execute(text(
                "SELECT a.learner_id FROM assignments a JOIN users u ON u.id = a.referent_id"
                " WHERE u.email = 'tuteur0@bench.test' ORDER BY a.learner_id LIMIT 1")).scalar()
        engine.dispose()
        trivial_path = "/healthz"
        pages = {
            "learner dashboard": ("/", learner),
            "timeline": ("/entries", learner),
            "timeline, filter + search": ("/entries?kind=project&q=evaluer", learner),
            "entry page": (f"/entries/{entry_id}", learner),
            "self-assessment page": (f"/learners/{learner_id}/frameworks/ing-num", learner),
            "compétence page": (f"/learners/{learner_id}/competencies/{competency_id}",
                                learner),
            "referent dashboard": ("/", referent),
            "referent inbox": ("/feedback", referent),
            "a feedback request": (f"/feedback/{request_id}", referent),
            "a learner, for their tutor": (f"/learners/{followed}/frameworks/ing-num",
                                           referent),
            "HTML export": ("/export/download/html", learner),
        }
        # Warm every page up first (each worker loads its templates and keeps the pages).
        for path, cookie in pages.values():
            wrk(args.port, path, cookie, 2, args.connections)
        results, trivial = {}, []
        for name, (path, cookie) in pages.items():
            status, body, _c = server.request("GET", path, cookie=cookie)
            assert status == 200, f"{name}: {status}"
            rendered = rendering_time(server, path, cookie, args.rendered)
            # Warm up (each worker renders the page once and keeps it), then measure the page
            # between two runs of the trivial route: the ratio holds even if the machine's
            # speed drifts during the run (it does, on a shared machine).
            wrk(args.port, path, cookie, 2, args.connections)
            half = max(1, args.duration // 2)
            before = wrk(args.port, trivial_path, "", half, args.connections)
            figures = wrk(args.port, path, cookie, args.duration, args.connections)
            after = wrk(args.port, trivial_path, "", half, args.connections)
            trivial.extend([before, after])
            figures["trivial_rps"] = round((before["rps"] + after["rps"]) / 2, 1)
            figures["ratio"] = round(figures["rps"] / figures["trivial_rps"], 3)
            figures["kb"] = round(len(body) / 1024, 1)
            figures["rendered_ms"] = rendered
            results[name] = figures
            print(f"   {name:28} p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} "
                  f"ms  {figures['rps']:7.1f} req/s  ratio {figures['ratio']:.2f} (trivial "
                  f"{figures['trivial_rps']:.0f} req/s)  {figures['kb']:5.1f} kB  "
                  f"errors {figures['errors']}  rendered {rendered['p50_ms']:.1f} ms",
                  file=sys.stderr)
        results["trivial (/healthz)"] = {
            "rps": round(sum(t["rps"] for t in trivial) / len(trivial), 1),
            "p50_ms": max(t["p50_ms"] for t in trivial),
            "p95_ms": max(t["p95_ms"] for t in trivial),
            "errors": sum(t["errors"] for t in trivial), "runs": len(trivial)}
        exports = {}
        started = time.perf_counter()  # an address of its own: rendered, not kept
        status, body, _c = server.request(
            "GET", f"/export/download/html?run={secrets.token_hex(4)}", cookie=learner)
        exports["html_export_s"] = round(time.perf_counter() - started, 3)
        exports["html_export_kb"] = round(len(body) / 1024, 1)
        assert status == 200
        # The PDF: a job (run by a thread of a web worker with the embedded default broker).
        seconds, body = server.export(learner, "pdf")
        exports["pdf_export_s"] = round(seconds, 3)
        exports["pdf_export_kb"] = round(len(body) / 1024, 1)
        print(f"   exports of a {args.entries}-entry portfolio: {exports}", file=sys.stderr)
    finally:
        server.stop()
    return {"database": kind, "data": counts, "pages": results, "exports": exports,
            "targets_missed": missed(results, exports)}


def missed(pages: dict, exports: dict) -> list[str]:
    """The targets of the issue this run did not reach (empty: all met)."""
    out = []
    for name, figures in pages.items():
        if name.startswith("trivial"):
            continue
        if figures["p95_ms"] >= TARGETS["p95_ms"]:
            out.append(f"{name}: p95 {figures['p95_ms']} ms")
        if figures["ratio"] < TARGETS["throughput_ratio"]:
            out.append(f"{name}: throughput ratio {figures['ratio']}")
        if figures["kb"] > TARGETS["page_kb"] and name != "HTML export":
            out.append(f"{name}: {figures['kb']} kB")
    for fmt in ("html", "pdf"):
        if exports[f"{fmt}_export_s"] >= TARGETS[f"{fmt}_export_s"]:
            out.append(f"{fmt} export: {exports[f'{fmt}_export_s']} s")
    print(f"   targets: {'all met' if not out else 'missed: ' + '; '.join(out)}",
          file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: gunicorn.conf.py's, one per core)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rendered", type=int, default=20,
                        help="requests per page that miss the page cache (timed one by one)")
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep the data set of the previous run (while tuning)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    runs = []
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        runs.append(measure(kind, args))
    report = {"when": datetime.now().isoformat(timespec="seconds"), "machine": {
        "cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": vars(args), "targets": TARGETS, "runs": runs}
    out = HERE / "results" / f"{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    (HERE / "results" / "latest.json").write_text(json.dumps(report, indent=2))
    print(f"figures written to {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Concurrent writers and a database that goes away, against gunicorn.

Several processes, each logged in as its own learner, create and edit entries and comment on
them for a fixed time; afterwards every write that answered "done" must be in the database
exactly once, and no answer may be a 500. On PostgreSQL the app reaches the database through
a small TCP proxy that the run cuts for a few seconds: pages must answer 503 meanwhile, and
the app must serve again once the proxy is back. Usage:

    python bench/writers.py --db sqlite|postgres [--writers 4] [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import re
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


class Proxy:
    """A TCP relay to PostgreSQL that can be cut (connections dropped, new ones refused)."""

    def __init__(self, target_port: int = 5432):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _addr = self.listener.accept()
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.up = False
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets = []

    def restore(self):
        self.up = True


def _request(port, method, path, body=None, cookie=""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(body, doseq=True)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    cookies = response.headers.get_all("Set-Cookie") or []
    location = response.headers.get("Location", "")
    conn.close()
    return response.status, data, cookies, location


def _token(page: str) -> str:
    match = re.search(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"',
                      page)
    return match.group(1) or match.group(2)


class Browser:
    """Just enough of a browser: keeps the cookies the app sets."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def __call__(self, method, path, body=None):
        jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, page, cookies, location = _request(self.port, method, path, body, jar)
        for cookie in cookies:
            name, _sep, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        return status, page, location


def writer(port: int, email: str, password: str, seconds: float, queue) -> None:
    """Create entries, edit them, comment on them; report what the app said was done."""
    browser = Browser(port)
    status, page, _l = browser("GET", "/login")
    browser("POST", "/login", {"email": email, "password": password,
                               "csrf_token": _token(page)})
    statuses: Counter = Counter()
    created, comments, edits = [], 0, 0
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        try:
            status, page, _l = browser("GET", "/entries/new")
            statuses[status] += 1
            if status != 200:
                time.sleep(0.2)
                continue
            token = _token(page)
            title = f"{email} n°{n}"
            status, _b, location = browser("POST", "/entries", {
                "title": title, "kind": "project", "occurred_on": "2026-05-01",
                "visibility": "referents", "body": "Écrit en même temps que d'autres.",
                "action": "save", "csrf_token": token})
            statuses[status] += 1
            if status != 302:
                continue
            entry_id = int(location.rsplit("/", 1)[1])
            created.append(title)
            status, _b, _l = browser("POST", f"/entries/{entry_id}", {
                "title": title, "kind": "project", "occurred_on": "2026-05-01",
                "visibility": "referents", "body": "Modifié.", "version": "1",
                "action": "save", "csrf_token": token})
            statuses[status] += 1
            edits += status == 302
            status, _b, _l = browser("POST", f"/entries/{entry_id}/comments", {
                "body": "Un commentaire.", "csrf_token": token})
            statuses[status] += 1
            comments += status == 302
        except OSError:
            statuses["connection error"] += 1
    queue.put({"email": email, "created": created, "edits": edits, "comments": comments,
               "statuses": dict(statuses)})


def run(kind: str, writers: int, seconds: int, port: int) -> dict:
    from bench.generate import PASSWORD, generate
    from bench.run import Server, database_url

    url, _kept = database_url(kind, name="portfolio_writers")
    proxy = None
    generate(url, writers, 5)
    served_url = url
    if kind == "postgres":
        proxy = Proxy()
        served_url = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    server = Server(served_url, port, workers=3)
    queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=writer, args=(
        port, f"apprenti{i}@bench.test", PASSWORD, seconds, queue)) for i in range(writers)]
    outage = {}
    try:
        for p in processes:
            p.start()
        if proxy is not None:
            time.sleep(seconds / 3)
            proxy.cut()
            during = Counter(_request(port, "GET", "/readyz")[0] for _ in range(3))
            page = _request(port, "GET", "/login")[0]
            time.sleep(2)
            proxy.restore()
            time.sleep(1)
            after = _request(port, "GET", "/readyz")[0]
            outage = {"readyz_during": dict(during), "login_page_during": page,
                      "readyz_after": after}
        reports = [queue.get(timeout=seconds + 120) for _ in processes]
        for p in processes:
            p.join(30)
    finally:
        server.stop()
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    problems = []
    with engine.connect() as conn:
        for report in reports:
            titles = Counter(conn.execute(text(
                "SELECT e.title FROM entries e JOIN users u ON u.id = e.learner_id "
                "WHERE u.email = :e AND e.title LIKE :p"),
                {"e": report["email"], "p": report["email"] + " n°%"}).scalars())
            done = Counter(report["created"])
            if titles != done and not (proxy and set(titles) >= set(done)):
                problems.append(f"{report['email']}: {len(done)} done, {sum(titles.values())} "
                                "stored")
            if any(n > 1 for n in titles.values()):
                problems.append(f"{report['email']}: duplicated entries")
            if report["statuses"].get(500):
                problems.append(f"{report['email']}: {report['statuses'][500]} answers 500")
        stored_comments = conn.execute(text("SELECT count(*) FROM comments")).scalar()
    engine.dispose()
    return {"database": kind, "writers": writers, "seconds": seconds,
            "entries": sum(len(r["created"]) for r in reports),
            "edits": sum(r["edits"] for r in reports),
            "comments": sum(r["comments"] for r in reports),
            "comments_stored": stored_comments,
            "statuses": dict(sum((Counter(r["statuses"]) for r in reports), Counter())),
            "outage": outage, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    result = run(args.db, args.writers, args.seconds, args.port)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    ok = not result["problems"]
    if result["outage"]:
        ok = ok and 503 in result["outage"]["readyz_during"] and \
            result["outage"]["readyz_after"] == 200
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

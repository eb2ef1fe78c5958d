"""The dashboard while jury PDF exports are being made: does an export hold a web worker?

On PostgreSQL, gunicorn with the shipped settings (one synchronous worker per core), the page
cache off (every dashboard rendered), a `portfolio worker` on Redis, as production runs:
1. the learner dashboard alone, one request at a time: p50, p95, max;
2. the same while two learners' PDF exports run as jobs (started from the export page, as a
   learner does): the dashboard's figures, and each export's time to its download;
3. for comparison, the same while two PDF exports run on the web workers themselves (the JSON
   API's `POST /exports`, which still answers with the file, as the synchronous page did).
Figures go to bench/results/exports-*.json. Usage:

    python bench/exports.py                       # the default data set (300 x 200)
    python bench/exports.py --learners 30 --reuse-data
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.run import Server, database_url, server_env  # noqa: E402

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def dashboard_while(server: Server, cookie: str, busy: threading.Event | None,
                    seconds: float) -> dict:
    """Time the dashboard one request at a time for `seconds`, or while `busy` is set."""
    timings = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (busy is None or busy.is_set() or not timings):
        started = time.perf_counter()
        status, _body, _c = server.request("GET", "/", cookie=cookie)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
        if busy is not None and not busy.is_set():
            break
    timings.sort()
    return {"requests": len(timings), "p50_ms": round(timings[len(timings) // 2], 1),
            "p95_ms": round(timings[int(len(timings) * 0.95)], 1),
            "max_ms": round(timings[-1], 1)}


def concurrently(actions: list) -> tuple[threading.Event, list[threading.Thread], list]:
    busy = threading.Event()
    busy.set()
    results: list = [None] * len(actions)
    left = [len(actions)]
    lock = threading.Lock()

    def run(index, action):
        try:
            results[index] = action()
        finally:
            with lock:
                left[0] -= 1
                if not left[0]:
                    busy.clear()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    return busy, threads, results


def api_pdf(server: Server, token: str) -> float:
    started = time.perf_counter()
    status, body, _c = server.request("POST", "/api/v1/exports", json.dumps({"format": "pdf"}),
                                      content_type="application/json",
                                      headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and body.startswith(b"%PDF"), status
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--baseline-s", type=float, default=10)
    parser.add_argument("--reuse-data", action="store_true")
    args = parser.parse_args()
    from bench.generate import PASSWORD, generate

    url, kept = database_url("postgres", args.reuse_data)
    counts = {"reused": True} if kept else generate(url, args.learners, args.entries)
    print(f"== data: {counts}", file=sys.stderr)
    namespace = f"portfolio-bench-{os.getpid()}"
    jobs_env = {"JOBS_BROKER": REDIS, "JOBS_NAMESPACE": namespace, "PAGE_CACHE_MB": "0"}
    server = Server(url, args.port, env=jobs_env)
    portfolio = shutil.which("portfolio", path=str(Path(sys.executable).parent)) or "portfolio"
    worker = subprocess.Popen([portfolio, "worker", "--no-schedule"], cwd=HERE.parent,
                              env={**os.environ, **server_env(url, args.port), **jobs_env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report: dict = {"data": counts}
    try:
        viewer = server.login("apprenti0@bench.test", PASSWORD)
        exporters = [server.login(f"apprenti{n}@bench.test", PASSWORD) for n in (1, 2)]
        dashboard_while(server, viewer, None, 2)  # warm up
        report["dashboard alone"] = dashboard_while(server, viewer, None, args.baseline_s)
        print(f"   dashboard alone: {report['dashboard alone']}", file=sys.stderr)

        busy, threads, results = concurrently(
            [lambda c=c: round(server.export(c, "pdf")[0], 2) for c in exporters])
        time.sleep(0.3)  # the jobs are queued and picked up
        report["dashboard during two PDF jobs"] = dashboard_while(server, viewer, busy, 120)
        for thread in threads:
            thread.join()
        report["PDF jobs, seconds to the download"] = results
        print(f"   during two PDF jobs: {report['dashboard during two PDF jobs']}, "
              f"exports {results} s", file=sys.stderr)

        tokens = []
        for email in ("apprenti1@bench.test", "apprenti2@bench.test"):
            out = subprocess.run([portfolio, "tokens", "create", "--email", email],
                                 env={**os.environ, **server_env(url, args.port)},
                                 capture_output=True, text=True, check=True, cwd=HERE.parent)
            tokens.append(out.stdout.strip())
        busy, threads, results = concurrently([lambda t=t: api_pdf(server, t) for t in tokens])
        time.sleep(0.3)
        report["dashboard during two PDF exports on web workers (API)"] = dashboard_while(
            server, viewer, busy, 120)
        for thread in threads:
            thread.join()
        report["API PDF exports, seconds"] = results
        print("   during two PDF exports on the web workers: "
              f"{report['dashboard during two PDF exports on web workers (API)']}, "
              f"exports {results} s", file=sys.stderr)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
        server.stop()
        import redis

        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
    out = HERE / "results" / f"exports-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps({"when": datetime.now().isoformat(timespec="seconds"),
                               "settings": vars(args), **report}, indent=2))
    print(f"figures written to {out.relative_to(HERE.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""bench/mail.py: the password-reset request and the mail outbox, storefront alone.

Neither the Django reference nor the limit server has a password reset or an outbox, so this
runs storefront by itself against an SMTP sink that this script starts (stdlib asyncio, it only
counts what it receives). Two measurements:

  password_reset_request  POST /users/password/reset/ for registered and unregistered addresses,
                          interleaved one for one on CONNS keep-alive connections. Prints both
                          medians (and p90/p99): the two must not be told apart by latency.
  outbox_drain            QUEUED mails waiting in the outbox when storefront starts; the time from
                          start-up until the sink has every one of them, as mails per second.

    python3 bench/mail.py                          # build target/release unless BENCH_STOREFRONT_BIN
    KNOWN=500 QUEUED=5000 CONNS=4 python3 bench/mail.py

Env (defaults): KNOWN=300 registered customers (each asked for one reset: every reset of a known
address mails, none is throttled), CONNS=4, QUEUED=3000, BENCH_STOREFRONT_BIN (a storefront binary;
unset: `cargo build --release`), WORK=bench/.work, OUT=bench/results/<UTC>-mail, SINK_QUICKACK=1
(the sink acknowledges every read at once, as no real SMTP server does: shows what the outbox does
without the ~40 ms delayed-ACK stall per mail; see docs/PERFORMANCE.md). Results go to OUT/mail.md.
Run it on an idle machine.
"""

import asyncio
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("WORK", os.path.join(ROOT, "bench", ".work"))
OUT = os.environ.get(
    "OUT",
    os.path.join(ROOT, "bench", "results", datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-mail"),
)
KNOWN = int(os.environ.get("KNOWN", "300"))
CONNS = int(os.environ.get("CONNS", "4"))
QUEUED = int(os.environ.get("QUEUED", "3000"))
QUICKACK = os.environ.get("SINK_QUICKACK") == "1"
HOST, PORT, SMTP_PORT = "127.0.0.1", 8080, 2525
PASSWORD = "Passw0rd!"


class SmtpSink:
    """An SMTP server that accepts every mail and counts it, on its own thread."""

    def __init__(self, port):
        self.count = 0
        self.last_at = None
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._run, args=(port,), daemon=True).start()
        self.ready.wait()

    def _run(self, port):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, HOST, port))
        self.ready.set()
        self.loop.run_until_complete(server.serve_forever())

    async def _serve(self, reader, writer):
        sock = writer.get_extra_info("socket")

        async def readline():
            line = await reader.readline()
            if QUICKACK:  # acknowledge at once: no delayed ACK for a Nagle-held write to wait on
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            return line

        writer.write(b"220 sink ESMTP\r\n")
        while line := await readline():
            command = line.strip().upper()
            if command == b"DATA":
                writer.write(b"354 go ahead\r\n")
                while (data := await readline()) and data.rstrip(b"\r\n") != b".":
                    pass
                with self.lock:
                    self.count += 1
                    self.last_at = time.monotonic()
                writer.write(b"250 OK queued\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:  # EHLO, MAIL FROM, RCPT TO, RSET, NOOP
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()

    def wait_for(self, count, timeout=600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.count >= count:
                    return self.last_at
            time.sleep(0.02)
        sys.exit(f"bench: the sink received {self.count} of {count} mails within {timeout} s")


def log(message):
    print(f"[mail bench] {message}", file=sys.stderr, flush=True)


def storefront_binary():
    binary = os.environ.get("BENCH_STOREFRONT_BIN")
    if binary:
        return binary
    log("building storefront (cargo build --release)")
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, env=env, check=True)
    return os.path.join(ROOT, "target", "release", "storefront")


def start_storefront(binary, database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOREFRONT_")}
    env.update(
        DATABASE_URL=f"sqlite://{database}?mode=rwc",
        STOREFRONT_BIND=f"{HOST}:{PORT}",
        SMTP_URL=f"smtp://{HOST}:{SMTP_PORT}",
        STOREFRONT_PUBLIC_URL="https://shop.example.com",
        STOREFRONT_LOG="warn",
    )
    started = time.monotonic()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, "mail-storefront.log"), "w"))
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://{HOST}:{PORT}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process, started
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit("bench: storefront exited during start-up; see " + os.path.join(WORK, "mail-storefront.log"))
        time.sleep(0.1)
    sys.exit("bench: storefront did not answer /healthz within 60 s")


def stop(process):
    process.terminate()
    process.wait(timeout=40)


def csrf_headers(connection):
    """The cookie and header of the double-submit CSRF check, as a browser sends them."""
    connection.request("GET", "/csrf_token/")
    answer = connection.getresponse()
    token = json.loads(answer.read())["csrf_token"]
    return {"Cookie": f"csrftoken={token}", "X-CSRFToken": token}


def post(connection, path, body):
    connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **connection.csrf})
    answer = connection.getresponse()
    return answer.status, answer.read()


class Failure(Exception):
    """A request that did not answer as it must; stops the run."""


def in_parallel(jobs, work):
    """Runs `work(connection, job)` for every job on CONNS threads, each with one connection."""
    results, failures, queue, lock = [], [], list(reversed(jobs)), threading.Lock()

    def worker():
        connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
        connection.csrf = csrf_headers(connection)
        while True:
            with lock:
                if not queue or failures:
                    return
                job = queue.pop()
            try:
                result = work(connection, job)
            except Failure as failure:
                with lock:
                    failures.append(str(failure))
                return
            with lock:
                results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(CONNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"bench: {failures[0]}")
    return results


def register(connection, index):
    body = {"email": f"mail{index}@example.com", "password": PASSWORD, "first_name": "Bench", "last_name": "User"}
    status, text = post(connection, "/users/registration/", body)
    if status != 201:
        raise Failure(f"registration answered {status}: {text[:300]!r}")


def reset(connection, job):
    kind, email = job
    started = time.perf_counter()
    status, text = post(connection, "/users/password/reset/", {"email": email})
    elapsed = time.perf_counter() - started
    if status != 200:
        raise Failure(f"password reset answered {status}: {text[:300]!r}")
    return kind, elapsed, text


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def requeue(database, count):
    """Makes `count` unsent mails out of the sent ones, with their own stored timestamps (so no
    timestamp format is guessed): due at once, never attempted."""
    db = sqlite3.connect(database)
    columns = "channel, recipient, subject, text_body, html_body, created_at, attempts, next_attempt_at"
    sent = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    db.execute("DELETE FROM outbox WHERE id NOT IN (SELECT id FROM outbox ORDER BY id LIMIT 1)")
    db.execute(
        f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO outbox ({columns}) SELECT channel, recipient, subject, 'bench mail ' || i, NULL,
            created_at, 0, created_at FROM n, outbox""",
        (count,),
    )
    db.execute("DELETE FROM outbox WHERE id = (SELECT min(id) FROM outbox)")
    db.commit()
    queued = db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
    db.close()
    log(f"outbox: {sent} sent rows replaced by {queued} unsent ones")
    return queued


def main():
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)
    binary = storefront_binary()
    database = os.path.join(WORK, "mail-bench.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    sink = SmtpSink(SMTP_PORT)
    process, _ = start_storefront(binary, database)
    try:
        log(f"registering {KNOWN} customers")
        in_parallel(list(range(KNOWN)), register)
        sink.wait_for(sink.count)  # registration may mail a confirmation link; let them leave first
        time.sleep(2)
        before = sink.count
        jobs = []
        for index in range(KNOWN):
            jobs += [("known", f"mail{index}@example.com"), ("unknown", f"nobody{index}@example.com")]
        log(f"{len(jobs)} reset requests, known and unknown interleaved, {CONNS} connections")
        started = time.perf_counter()
        results = in_parallel(jobs, reset)
        elapsed = time.perf_counter() - started
        bodies = {text for _, _, text in results}
        if len(bodies) != 1:
            sys.exit(f"bench: the answers differ: {bodies}")
        sink.wait_for(before + KNOWN)
        latencies = {kind: [ms * 1000 for k, ms, _ in results if k == kind] for kind in ("known", "unknown")}
    finally:
        stop(process)

    queued = requeue(database, QUEUED)
    before = sink.count  # before the start: the worker may send before /healthz answers
    process, started = start_storefront(binary, database)
    try:
        last = sink.wait_for(before + queued)
        drain = last - started
    finally:
        stop(process)

    rows = ["| measure | known address | unknown address |", "|---|---:|---:|"]
    for label, fraction in (("median ms", 0.5), ("p90 ms", 0.9), ("p99 ms", 0.99)):
        rows.append(
            f"| {label} | {percentile(latencies['known'], fraction):.2f} | {percentile(latencies['unknown'], fraction):.2f} |"
        )
    ratio = statistics.median(latencies["known"]) / statistics.median(latencies["unknown"])
    report = "\n".join(
        [
            f"## password_reset_request ({2 * KNOWN} requests interleaved, {CONNS} connections, "
            f"{2 * KNOWN / elapsed:.0f} requests/s)",
            "",
            *rows,
            "",
            f"known / unknown median: {ratio:.2f}; every answer identical: {bodies.pop().decode()}",
            "",
            f"## outbox_drain: {queued} queued mails to a local SMTP sink"
            + (" (SINK_QUICKACK=1)" if QUICKACK else ""),
            "",
            f"{queued} mails in {drain:.2f} s from start-up: {queued / drain:.0f} mails/s",
            "",
        ]
    )
    with open(os.path.join(OUT, "mail.md"), "w") as file:
        file.write(report)
    print(report)
    shutil.copy(os.path.join(WORK, "mail-storefront.log"), OUT)


if __name__ == "__main__":
    main()

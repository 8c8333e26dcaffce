#!/usr/bin/env python3
"""bench/credential_stuffing.py: login throttling under a credential-stuffing attack, storefront alone.

Neither reference server has login throttling, so this runs storefront by itself (SQLite, the
development captcha verifier) in two phases of the same honest traffic:

  idle    HONEST customers, each in its own browser session, log in (as the Next.js server
          does: no CSRF header, no X-Forwarded-For) and browse GET /current_user/ BROWSE times,
          again and again.
  attack  the same, while ATTACKERS connections post logins for ATTACK_EMAILS addresses (every
          honest customer's among them) with wrong passwords, each forwarded for one of IPS
          client addresses through the trusted loopback proxy.

An honest login that is asked for a captcha solves it the way the storefront's page does
(GET then POST /users/pz-captcha/ with the development token) and logs in again. Prints the
honest logins' success rate (target 100 %), current_user p99 under attack against idle (target
at most 2x), and what the attack cost: password verifications read from /metrics
(storefront_password_verifications_total), less the honest logins', against the attack's
attempts that were refused (429 or the captcha) — those must cost none.

    python3 bench/credential_stuffing.py            # build target/release unless BENCH_STOREFRONT_BIN
    ATTACKERS=6 IPS=50 ATTACK_SECONDS=20 python3 bench/credential_stuffing.py

Env (defaults): HONEST=8 customers (one thread each), BROWSE=10 current_user calls per login,
ATTACKERS=8 threads, ATTACK_EMAILS=2000, IPS=10, IDLE_SECONDS=10, ATTACK_SECONDS=20, BENCH_PORT=8080,
BENCH_STOREFRONT_BIN, WORK=bench/.work, OUT=bench/results/<UTC>-credential-stuffing. Results go
to OUT/credential_stuffing.md. Run it on an idle machine.
"""

import http.client
import json
import os
import random
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
    os.path.join(
        ROOT, "bench", "results", datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-credential-stuffing"
    ),
)
HONEST = int(os.environ.get("HONEST", "8"))
BROWSE = int(os.environ.get("BROWSE", "10"))
ATTACKERS = int(os.environ.get("ATTACKERS", "8"))
ATTACK_EMAILS = int(os.environ.get("ATTACK_EMAILS", "2000"))
IPS = int(os.environ.get("IPS", "10"))
IDLE_SECONDS = float(os.environ.get("IDLE_SECONDS", "10"))
ATTACK_SECONDS = float(os.environ.get("ATTACK_SECONDS", "20"))
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8080"))
PASSWORD = "Passw0rd!-bench"
VERIFICATIONS = "storefront_password_verifications_total"


def log(message):
    print(f"[stuffing bench] {message}", file=sys.stderr, flush=True)


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
        STOREFRONT_LOG="warn",
        CAPTCHA_VERIFY_URL="dev",
    )
    for name in ("RATE_LIMIT_STORE", "SESSION_STORE", "TRUSTED_PROXIES"):
        env.pop(name, None)
    log_path = os.path.join(WORK, "stuffing-storefront.log")
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=open(log_path, "w"))
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://{HOST}:{PORT}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit("bench: storefront exited during start-up; see " + log_path)
        time.sleep(0.1)
    sys.exit("bench: storefront did not answer /healthz within 60 s")


def metric(name):
    with urllib.request.urlopen(f"http://{HOST}:{PORT}/metrics", timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


class Browser:
    """One keep-alive connection with a cookie of its own, as a browser behind the Next.js app."""

    def __init__(self):
        self.connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
        self.session = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, form=False):
        headers = dict(headers or {})
        cookies = []
        if self.session:
            cookies.append(f"osessionid={self.session}")
        if self.csrf:
            cookies.append(f"csrftoken={self.csrf}")
            headers["X-CSRFToken"] = self.csrf
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        if body is not None and form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        self.connection.request(method, path, body, headers)
        answer = answer_of(self.connection)
        for cookie in answer.cookies:
            if cookie.startswith("osessionid="):
                self.session = cookie.split(";")[0].split("=", 1)[1] or None
        return answer

    def solve_captcha(self):
        html = json.loads(self.request("GET", "/users/pz-captcha/").body)["html"]
        self.csrf = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        solved = self.request("POST", "/users/pz-captcha/", "g-recaptcha-response=dev-pass", form=True)
        if json.loads(solved.body) != {"location": "/"}:
            raise RuntimeError(f"the captcha was not solved: {solved.body[:200]!r}")


class Answer:
    def __init__(self, status, body, cookies):
        self.status, self.body, self.cookies = status, body, cookies


def answer_of(connection):
    response = connection.getresponse()
    body = response.read()
    return Answer(response.status, body, response.headers.get_all("Set-Cookie") or [])


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.current_user_ms = []

    def add(self, key, count=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + count


def honest_customer(email, tally, stop):
    """Logs in (solving a captcha when asked) and browses, until `stop`."""
    while not stop.is_set():
        browser = Browser()
        browser.request("GET", "/users/pz-captcha/")  # the login form mounts: a guest session
        tally.add("logins")
        for attempt in range(3):
            answer = browser.request("POST", "/users/login/", {"email": email, "password": PASSWORD})
            body = json.loads(answer.body)
            if answer.status == 200 and body.get("key"):
                tally.add("logged_in")
                tally.add("honest_verifications")
                break
            if "redirect_url" in body:
                tally.add("captchas")
                browser.solve_captcha()
                continue
            tally.add(f"honest_{answer.status}")
            break
        else:
            continue
        for _ in range(BROWSE):
            started = time.perf_counter()
            answer = browser.request("GET", "/current_user/")
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status != 200:
                tally.add("current_user_failed")
            with tally.lock:
                tally.current_user_ms.append(elapsed)


def attacker(emails, ips, tally, stop):
    connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
    rng = random.Random()
    while not stop.is_set():
        body = json.dumps({"email": rng.choice(emails), "password": f"guess-{rng.random()}"})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": rng.choice(ips)}
        connection.request("POST", "/users/login/", body, headers)
        answer = answer_of(connection)
        if answer.status == 429:
            tally.add("attack_throttled")
        elif b"redirect_url" in answer.body:
            tally.add("attack_captcha")
        elif answer.status == 400:
            tally.add("attack_checked")
        else:
            tally.add(f"attack_{answer.status}")


def run_phase(seconds, honest_emails, attack):
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=honest_customer, args=(email, tally, stop)) for email in honest_emails]
    if attack:
        emails = [f"victim{index}@example.net" for index in range(ATTACK_EMAILS - len(honest_emails))]
        emails += honest_emails
        ips = [f"203.0.{index // 250}.{index % 250 + 1}" for index in range(IPS)]
        threads += [threading.Thread(target=attacker, args=(emails, ips, tally, stop)) for _ in range(ATTACKERS)]
    before = metric(VERIFICATIONS)
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    tally.verifications = metric(VERIFICATIONS) - before
    return tally


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main():
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)
    binary = storefront_binary()
    database = os.path.join(WORK, "stuffing-bench.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    process = start_storefront(binary, database)
    try:
        honest_emails = [f"honest{index}@example.com" for index in range(HONEST)]
        for email in honest_emails:
            answer = Browser().request("POST", "/users/registration/", {"email": email, "password": PASSWORD})
            if answer.status != 201:
                sys.exit(f"bench: registration answered {answer.status}: {answer.body[:300]!r}")
        log(f"idle: {HONEST} honest customers for {IDLE_SECONDS:.0f} s")
        idle = run_phase(IDLE_SECONDS, honest_emails, attack=False)
        log(f"attack: {ATTACKERS} attackers, {ATTACK_EMAILS} addresses, {IPS} client IPs, {ATTACK_SECONDS:.0f} s")
        attack = run_phase(ATTACK_SECONDS, honest_emails, attack=True)
    finally:
        process.terminate()
        process.wait(timeout=40)

    counts = attack.counts
    attempts = sum(value for key, value in counts.items() if key.startswith("attack_"))
    refused = counts.get("attack_throttled", 0) + counts.get("attack_captcha", 0)
    attack_cost = attack.verifications - counts.get("honest_verifications", 0)
    idle_p99, attack_p99 = percentile(idle.current_user_ms, 0.99), percentile(attack.current_user_ms, 0.99)
    rows = ["| | idle | under attack |", "|---|---:|---:|"] + [
        f"| honest logins (got in / tried) | {idle.counts.get('logged_in', 0)} / {idle.counts.get('logins', 0)} "
        f"| {counts.get('logged_in', 0)} / {counts.get('logins', 0)} |",
        f"| captchas solved by honest customers | {idle.counts.get('captchas', 0)} | {counts.get('captchas', 0)} |",
        f"| current_user calls | {len(idle.current_user_ms)} | {len(attack.current_user_ms)} |",
        f"| current_user median ms | {percentile(idle.current_user_ms, 0.5):.2f} | {percentile(attack.current_user_ms, 0.5):.2f} |",
        f"| current_user p99 ms | {idle_p99:.2f} | {attack_p99:.2f} |",
    ]
    success = counts.get("logged_in", 0) / max(1, counts.get("logins", 0)) * 100
    report = "\n".join(
        [
            f"## credential_stuffing ({HONEST} honest customers, {ATTACKERS} attackers, {ATTACK_EMAILS} addresses, "
            f"{IPS} forwarded client IPs; {IDLE_SECONDS:.0f} s idle, {ATTACK_SECONDS:.0f} s attack)",
            "",
            *rows,
            "",
            f"- honest logins under attack: {success:.1f} % got in (target 100 %)",
            f"- current_user p99 under attack / idle: {attack_p99 / idle_p99:.2f}x (target at most 2x)",
            f"- attack: {attempts} login attempts ({attempts / ATTACK_SECONDS:.0f}/s): "
            f"{counts.get('attack_throttled', 0)} answered 429, {counts.get('attack_captcha', 0)} asked for a captcha, "
            f"{counts.get('attack_checked', 0)} had their password checked",
            f"- password verifications the attack cost: {attack_cost:.0f} "
            f"(= its checked attempts: {attack_cost == counts.get('attack_checked', 0)}; refused attempts: {refused}, "
            f"each cost none)",
            "",
        ]
    )
    with open(os.path.join(OUT, "credential_stuffing.md"), "w") as file:
        file.write(report)
    print(report)


if __name__ == "__main__":
    main()

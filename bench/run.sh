#!/usr/bin/env bash
# bench/run.sh: storefront side by side with the Django reference and the axum "limit" ceiling.
#
#   bench/run.sh                      build + start all three servers, run perfcompare once, stop them
#   bench/run.sh --summary DIR        reprint the storefront-vs-limit summary of an earlier run
#
# Starts on loopback:  django (shared/django-users)       127.0.0.1:8001
#                      limit  (shared/bench/limit-server)  127.0.0.1:8002
#                      storefront (target/release)         127.0.0.1:8080
# then runs shared/bench/perfcompare.sh on all three in ONE invocation (same wrk workload, same
# machine state), prints its tables and a summary against the performance targets, and stops every
# server it started, also on failure or Ctrl-C.
#
# Env (defaults):
#   NUSERS=1000                 users seeded on every server (user%d@example.com / Passw0rd!;
#                               Django's seed command has its own names: bench%d / BenchPassw0rd!)
#   BENCH_SKIP_STOREFRONT=1     benchmark django + limit only (no storefront build/start)
#   BENCH_STOREFRONT_BIN=PATH   run this storefront binary instead of building target/release (no cargo)
#   WORK=bench/.work            writable copies of the shared servers, venv, cargo target, DB files
#   OUT=bench/results/<UTC>     perfcompare output dir (results.tsv, results.md, raw/) + summary.md
#   BENCH_SHARED=../shared      the read-only shared/ folder beside the repo
#   DURATION CONNS THREADS WARMUP ROUNDS SCENARIOS   passed through to perfcompare.sh (its defaults)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=${WORK:-$BENCH_DIR/.work}
OUT=${OUT:-$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)}
NUSERS=${NUSERS:-1000}
BENCH_SKIP_STOREFRONT=${BENCH_SKIP_STOREFRONT:-0}
SF_BIN=${BENCH_STOREFRONT_BIN:-}

DJANGO_ADDR=127.0.0.1:8001
LIMIT_ADDR=127.0.0.1:8002
SF_ADDR=127.0.0.1:8080
PASSWORD='Passw0rd!'          # storefront and limit seed users with this
DJANGO_EMAIL_FMT='bench%d@example.com' DJANGO_PASSWORD='BenchPassw0rd!'   # seed_users' defaults

# storefront rps as % of limit rps: the targets of the performance issue. Idle RSS target in MB.
TARGETS='csrf_token=80 current_user=80 profile_patch=50 login=90 registration=90'
IDLE_RSS_TARGET_MB=30

log() { printf '\n[bench] %s\n' "$*" >&2; }
die() { printf '\n[bench] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- summary ---------------------------------------------------------------------------------
# summary DIR: storefront rps as % of limit's, per scenario, beside the targets. Uses the median
# round by rps (as perfcompare's own tables do) and that round's RSS. Also written to DIR/summary.md.
summary() {
  local dir=$1 idle=""
  [ -f "$dir/results.tsv" ] || die "no results.tsv in $dir"
  [ -f "$dir/storefront-idle-rss-kb" ] && idle=$(cat "$dir/storefront-idle-rss-kb")
  awk -F'\t' -v targets="$TARGETS" -v idle="$idle" -v idle_target="$IDLE_RSS_TARGET_MB" '
    BEGIN { n = split(targets, t, " "); for (i = 1; i <= n; i++) { split(t[i], kv, "="); T[kv[1]] = kv[2] } }
    NR == 1 { next }
    !($2 in seen) { seen[$2] = 1; C[++nc] = $2 }
    $3 == "limit" || $3 == "storefront" { k = $2 SUBSEP $3; m = ++cnt[k]; rps[k, m] = $10 + 0; rss[k, m] = $20 + 0 }
    function median(k,   m, a, b, i, tmp, idx) {   # index of the median round by rps, 0 if none
      m = cnt[k]; if (!m) return 0
      for (a = 1; a <= m; a++) idx[a] = a
      for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++)
        if (rps[k, idx[b]] < rps[k, idx[a]]) { tmp = idx[a]; idx[a] = idx[b]; idx[b] = tmp }
      return idx[int((m + 1) / 2)]
    }
    function f(x) { return (x >= 100) ? sprintf("%.0f", x) : sprintf("%.1f", x) }
    END {
      print "## storefront vs limit (targets from the performance issue)\n"
      print "| scenario | storefront rps | limit rps | storefront / limit | target | met | storefront RSS MB |"
      print "|---|---:|---:|---:|---:|:---:|---:|"
      for (c = 1; c <= nc; c++) {
        s = median(C[c] SUBSEP "storefront"); l = median(C[c] SUBSEP "limit")
        tg = (C[c] in T) ? "≥ " T[C[c]] " %" : "–"
        srps = s ? f(rps[C[c], "storefront", s]) : "–"
        lrps = l ? f(rps[C[c], "limit", l]) : "–"
        pct = "–"; met = "–"
        if (s && l && rps[C[c], "limit", l] > 0) {
          p = 100 * rps[C[c], "storefront", s] / rps[C[c], "limit", l]; pct = sprintf("%.0f %%", p)
          if (C[c] in T) met = (p >= T[C[c]]) ? "yes" : "**no**"
        }
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", C[c], srps, lrps, pct, tg, met,
          s ? sprintf("%.1f", rss[C[c], "storefront", s] / 1024) : "–"
      }
      if (idle != "")
        printf "\nstorefront idle RSS after seeding: %.1f MB (target ≤ %d MB: %s)\n", idle / 1024, idle_target,
          (idle / 1024 <= idle_target) ? "met" : "**not met**"
      else print "\nstorefront idle RSS after seeding: not measured (storefront not run)"
    }' "$dir/results.tsv" | tee "$dir/summary.md"
  if [ -s "$dir/foreign-builds.txt" ]; then
    printf '\n**WARNING**: a compiler (rustc/cargo/cc1, e.g. a cargo build) was running during this run\n(seen by %s checks, one every 5 s, %s … %s UTC): the numbers are skewed; rerun on an idle machine.\n' \
      "$(wc -l < "$dir/foreign-builds.txt")" "$(head -n 1 "$dir/foreign-builds.txt")" "$(tail -n 1 "$dir/foreign-builds.txt")" \
      | tee -a "$dir/summary.md"
  fi
}

if [ "${1:-}" = --summary ]; then summary "${2:?usage: $0 --summary DIR}"; exit 0; fi
[ $# -eq 0 ] || die "unknown arguments: $* (usage: $0 [--summary DIR]; settings go in env, see the header)"

# ---- prerequisites ---------------------------------------------------------------------------
SHARED=$(cd "${BENCH_SHARED:-$ROOT/../shared}" 2>/dev/null && pwd) \
  || die "shared/ not found beside the repo (${BENCH_SHARED:-$ROOT/../shared}); set BENCH_SHARED"
PERFCOMPARE=$SHARED/bench/perfcompare.sh
for f in "$PERFCOMPARE" "$SHARED/django-users/run.sh" "$SHARED/bench/limit-server/run.sh"; do
  [ -f "$f" ] || die "missing $f"
done
case $NUSERS in ''|*[!0-9]*|0) die "NUSERS must be a positive integer, got '$NUSERS'" ;; esac

ensure_wrk() {  # perfcompare needs wrk; Debian packages it, so install it when we are root
  command -v wrk >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "wrk is not installed and we are not root: run 'sudo apt-get install -y wrk'"
  log "installing wrk (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; } \
    || die "apt-get install wrk failed"
  command -v wrk >/dev/null || die "wrk still not found after apt-get install"
}
ensure_wrk
for tool in curl ss python3 cargo awk xargs; do
  command -v "$tool" >/dev/null || die "$tool not found (needed by the bench or the servers it starts)"
done

port_free() {  # refuse to start next to a leftover server: perfcompare finds servers by port
  local who
  who=$(ss -ltnpH "sport = :$1" 2>/dev/null || true)
  [ -z "$who" ] || die "port $1 is already in use (a leftover run? try '$WORK/django-users/run.sh stop' or
  '$WORK/limit-server/run.sh stop'):
$who"
}

# ---- cleanup: stop only what this run started, on every exit path ----------------------------
DJANGO_STARTED=0 LIMIT_STARTED=0 SF_PID="" PC_PID="" WATCH_PID=""
descendants() { local c; for c in $(pgrep -P "$1"); do descendants "$c"; done; echo "$1"; }
# shellcheck disable=SC2046
stop_tree() {  # stop_tree PID: TERM to a process we started and its children; never fails
  kill -TERM $(descendants "$1") 2>/dev/null || true   # some may have just exited
  wait "$1" 2>/dev/null || true                        # its status is TERM's 143, expected
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  # An interrupted perfcompare: stop it and its wrk before the servers go away.
  [ -n "$PC_PID" ] && stop_tree "$PC_PID"
  [ -n "$WATCH_PID" ] && stop_tree "$WATCH_PID"
  if [ -n "$SF_PID" ] && kill -0 "$SF_PID" 2>/dev/null; then
    kill -TERM "$SF_PID"
    for _ in $(seq 1 50); do kill -0 "$SF_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$SF_PID" 2>/dev/null && { echo "[bench] storefront ignored TERM for 10 s; KILL" >&2; kill -KILL "$SF_PID"; }
    echo "[bench] stopped storefront pid $SF_PID" >&2
  fi
  [ "$DJANGO_STARTED" = 1 ] && "$WORK/django-users/run.sh" stop >&2
  [ "$LIMIT_STARTED" = 1 ] && "$WORK/limit-server/run.sh" stop >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT    # exit runs the EXIT trap, so Ctrl-C and kill also stop the servers
trap 'exit 143' TERM

# ---- writable copies of the read-only shared servers -----------------------------------------
# copy_server SRC DEST: refresh DEST from SRC, keeping what the servers built there (.venv, target/,
# run/). Timestamps are preserved and only newer files copied, so cargo sees unchanged sources and
# does not rebuild the limit server on every run. shared/ is read-only, so copies need u+w.
copy_server() {
  mkdir -p "$2"
  cp -R -f -u --preserve=timestamps "$1/." "$2/"
  chmod -R u+w "$2"
}

mkdir -p "$WORK" "$OUT"
WORK=$(cd "$WORK" && pwd)
OUT=$(cd "$OUT" && pwd)
# $WORK holds venvs, build output and databases: never commit it, whatever the repo's .gitignore says.
[ -f "$WORK/.gitignore" ] || echo '*' > "$WORK/.gitignore"
copy_server "$SHARED/django-users" "$WORK/django-users"
copy_server "$SHARED/bench/limit-server" "$WORK/limit-server"

# ---- builds first, so no build competes with a running server ---------------------------------
# A caller's CARGO_TARGET_DIR would move the binaries away from where we (and limit's run.sh) look.
if [ "$BENCH_SKIP_STOREFRONT" != 1 ] && [ -z "$SF_BIN" ]; then
  log "building storefront (cargo build --release in $ROOT)"
  (cd "$ROOT" && env -u CARGO_TARGET_DIR cargo build --release) || die "storefront release build failed"
  SF_BIN=$ROOT/target/release/storefront
fi
[ "$BENCH_SKIP_STOREFRONT" = 1 ] || [ -x "$SF_BIN" ] || die "no storefront binary at $SF_BIN"

log "building the limit server (cargo build --release in $WORK/limit-server; reused between runs)"
(cd "$WORK/limit-server" && env -u CARGO_TARGET_DIR cargo build --release --quiet) || die "limit server build failed"

# ---- start the servers ----------------------------------------------------------------------
start_django() {
  log "starting django on $DJANGO_ADDR (fresh SQLite DB, $NUSERS users; first run creates .venv from PyPI)"
  rm -f "$WORK/django-users/db.sqlite3" "$WORK/django-users/db.sqlite3-wal" "$WORK/django-users/db.sqlite3-shm"
  DJANGO_STARTED=1   # set before start: a half-started gunicorn is still stopped by its PID file
  BIND=$DJANGO_ADDR N=$NUSERS "$WORK/django-users/run.sh" start >&2 \
    || die "django did not start; see $WORK/django-users/run/gunicorn.err.log"
}

start_limit() {
  log "starting limit on $LIMIT_ADDR ($NUSERS users)"
  LIMIT_STARTED=1
  (unset CARGO_TARGET_DIR; "$WORK/limit-server/run.sh" start --users "$NUSERS" --password "$PASSWORD") >&2 \
    || die "limit server did not start; see $WORK/limit-server/run/limit-${LIMIT_ADDR##*:}.log"
}

start_storefront() {
  local db=$WORK/storefront-bench.db slog=$WORK/storefront.log
  log "starting storefront $SF_BIN on $SF_ADDR (fresh DB $db)"
  rm -f "$db" "$db-wal" "$db-shm"
  DATABASE_URL="sqlite://$db?mode=rwc" STOREFRONT_BIND=$SF_ADDR STOREFRONT_LOG=warn \
    "$SF_BIN" > "$slog" 2>&1 &
  SF_PID=$!
  for _ in $(seq 1 300); do   # 60 s: migrations on a fresh DB run at start-up
    [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$SF_ADDR/healthz" || true)" = 200 ] && return 0
    kill -0 "$SF_PID" 2>/dev/null || { tail -n 30 "$slog" >&2; die "storefront exited during start-up (log: $slog)"; }
    sleep 0.2
  done
  tail -n 30 "$slog" >&2
  die "storefront: GET /healthz did not answer 200 within 60 s (log: $slog)"
}

# seed_storefront: NUSERS registrations through the public API (as a client would create them),
# 4 in parallel. No Origin header is sent, so registration needs no CSRF token. Every one must be 201.
seed_storefront() {
  local codes=$WORK/seed-codes.txt bodies=$WORK/seed-bodies bad
  log "seeding storefront with $NUSERS users (POST /users/registration/, 4 in parallel)"
  rm -rf "$bodies"; mkdir -p "$bodies"
  seq 0 $((NUSERS - 1)) | xargs -P 4 -I{} curl -sS -m 60 -o "$bodies/{}.json" -w '{} %{http_code}\n' \
    -H 'Content-Type: application/json' \
    --data "{\"email\":\"user{}@example.com\",\"password\":\"$PASSWORD\",\"first_name\":\"Bench\",\"last_name\":\"User\"}" \
    "http://$SF_ADDR/users/registration/" > "$codes" || true   # failures are counted below
  bad=$(awk '$2 != 201' "$codes" | sort -n)
  if [ -n "$bad" ] || [ "$(wc -l < "$codes")" -ne "$NUSERS" ]; then
    echo "$bad" | head -n 5 | while read -r i code; do
      echo "  user$i@example.com -> HTTP $code: $(head -c 300 "$bodies/$i.json" 2>/dev/null)" >&2
    done
    die "seeding failed: $(echo "$bad" | grep -c .) of $NUSERS registrations did not answer 201, $(wc -l < "$codes") answered at all (codes: $codes)"
  fi
  rm -rf "$bodies"
}

# idle_rss_kb PID: VmRSS once the server has settled after seeding (the ≤ 30 MB target).
idle_rss_kb() {
  sleep 2
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" || die "cannot read /proc/$1/status"
}

# All ports before any start: refuse early rather than start two servers and then stop them again.
port_free "${DJANGO_ADDR##*:}"
port_free "${LIMIT_ADDR##*:}"
[ "$BENCH_SKIP_STOREFRONT" = 1 ] || port_free "${SF_ADDR##*:}"
start_django
start_limit
SERVERS=("django=http://$DJANGO_ADDR" "limit=http://$LIMIT_ADDR")
if [ "$BENCH_SKIP_STOREFRONT" != 1 ]; then
  start_storefront
  seed_storefront
  idle_rss_kb "$SF_PID" > "$OUT/storefront-idle-rss-kb"
  log "storefront idle RSS after seeding: $(awk '{ printf "%.1f MB", $1 / 1024 }' "$OUT/storefront-idle-rss-kb")"
  SERVERS+=("storefront=http://$SF_ADDR@$SF_PID")   # @PID: RSS/CPU of exactly the process we started
fi

# ---- benchmark ------------------------------------------------------------------------------
# watch_builds: every 5 s, note whether a compiler runs (someone's cargo build): on 2 cores that
# skews every number, so the summary warns about it.
watch_builds() {
  while sleep 5; do
    # not pgrep: procps 4.0 warns (on stderr, every time) about alternations longer than 15 chars.
    # grep without -q reads all of ps's output, so pipefail never sees a SIGPIPE.
    # shellcheck disable=SC2009
    if ps -eo comm= | grep -xE 'rustc|cargo|cc1|cc1plus' >/dev/null; then date -u +%T; fi
  done >> "$OUT/foreign-builds.txt"
}
# Who logs in as whom: set for every server so that a stray EMAIL_FMT in the caller's env changes nothing.
export NUSERS OUT
export EMAIL_FMT_django=$DJANGO_EMAIL_FMT PASSWORD_django=$DJANGO_PASSWORD
export EMAIL_FMT_limit='user%d@example.com' PASSWORD_limit=$PASSWORD
export EMAIL_FMT_storefront='user%d@example.com' PASSWORD_storefront=$PASSWORD
log "perfcompare: ${SERVERS[*]} -> $OUT"
# In the background + wait: a signal then reaches our trap at once (bash defers traps until a
# foreground child ends, which could be minutes), and cleanup stops perfcompare and its wrk.
watch_builds &
WATCH_PID=$!
"$PERFCOMPARE" "${SERVERS[@]}" &
PC_PID=$!
rc=0; wait "$PC_PID" || rc=$?
PC_PID=""
stop_tree "$WATCH_PID"; WATCH_PID=""
[ "$rc" = 0 ] || die "perfcompare failed (exit $rc); partial output in $OUT"

echo
summary "$OUT"
echo
echo "results: $OUT (results.md, results.tsv, summary.md, raw/)"

#!/usr/bin/env bash
# bench/run.sh: storefront side by side with the Django reference and the axum "limit" ceiling.
#
#   bench/run.sh                      build + start all three servers, run perfcompare once, then the
#                                     storefront-only address scenarios, stop them
#   bench/run.sh --summary DIR        reprint the storefront-vs-limit summary (and addresses.md) of an earlier run
#
# Starts on loopback:  django (shared/django-users)       127.0.0.1:8001
#                      limit  (shared/bench/limit-server)  127.0.0.1:8002
#                      storefront (target/release)         127.0.0.1:8080
# then runs shared/bench/perfcompare.sh on all three in ONE invocation (same wrk workload, same
# machine state), prints its tables and a summary against the performance targets, and stops every
# server it started, also on failure or Ctrl-C.
#
# Storefront-only scenarios (neither django nor limit has /address/ endpoints, and perfcompare's
# scenario list is fixed), run by this script after perfcompare with the same wrk settings and
# perfcompare's Lua report script; table in $OUT/addresses.md:
#   address_list       GET /address/ as user0@example.com, who has exactly 20 addresses (session cookie)
#   address_detailed   GET /address/detailed/, same user
#   city_lookup        GET /address/city/?country=<Türkiye's pk>, no cookie (81 cities)
#   saved_cards_list   GET /users/saved-cards/ as the same user, who has exactly 5 saved cards (each
#                      token decrypted for the answer)
#   loyalty_balance    GET /account/loyalty-account-balance/, same user, 50 loyalty transactions summed
# Cards and transactions arrive through the internal API (bearer token) during the set-up.
# The address user's places come from samples/geo-sample.csv, imported into the fresh bench DB
# (`storefront geo import`) before storefront starts.
#
# Env (defaults):
#   NUSERS=1000                 users seeded on every server (user%d@example.com / Passw0rd!;
#                               Django's seed command has its own names: bench%d / BenchPassw0rd!)
#   BENCH_SKIP_STOREFRONT=1     benchmark django + limit only (no storefront build/start, no address scenarios)
#   BENCH_ADDRESSES=1           0: skip the address scenarios; only: run them alone (storefront only: no
#                               django/limit, no perfcompare)
#   BENCH_STOREFRONT_BIN=PATH   run this storefront binary instead of building target/release (no cargo)
#   BENCH_STOREFRONT_LOG=       storefront's STOREFRONT_LOG; unset: the server's default (`info`), the
#                               configuration a shop runs, so the figures include what logging costs
#   WORK=bench/.work            writable copies of the shared servers, venv, cargo target, DB files
#   OUT=bench/results/<UTC>     perfcompare output dir (results.tsv, results.md, raw/) + summary.md,
#                               addresses.tsv + addresses.md
#   BENCH_SHARED=../shared      the read-only shared/ folder beside the repo
#   DURATION CONNS THREADS WARMUP ROUNDS   passed through to perfcompare.sh, and used for the address
#                               scenarios with the same defaults (10s 8 1 2s 1)
#   SCENARIOS                   subset of both lists, e.g. "login address_list". perfcompare runs the
#                               names of its own; a list naming none of them runs no perfcompare (and no
#                               django/limit). A list naming no address scenario leaves them to
#                               BENCH_ADDRESSES (all five by default).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=${WORK:-$BENCH_DIR/.work}
OUT=${OUT:-$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)}
NUSERS=${NUSERS:-1000}
BENCH_SKIP_STOREFRONT=${BENCH_SKIP_STOREFRONT:-0}
SF_BIN=${BENCH_STOREFRONT_BIN:-}
SF_LOG=${BENCH_STOREFRONT_LOG:-}
BENCH_ADDRESSES=${BENCH_ADDRESSES:-1}
# perfcompare.sh's defaults: it reads the same env, so the address scenarios run with its settings.
DURATION=${DURATION:-10s} WARMUP=${WARMUP:-2s} CONNS=${CONNS:-8} THREADS=${THREADS:-1} ROUNDS=${ROUNDS:-1}

DJANGO_ADDR=127.0.0.1:8001
LIMIT_ADDR=127.0.0.1:8002
SF_ADDR=127.0.0.1:8080
PASSWORD='Passw0rd!'          # storefront and limit seed users with this
DJANGO_EMAIL_FMT='bench%d@example.com' DJANGO_PASSWORD='BenchPassw0rd!'   # seed_users' defaults

# perfcompare.sh's scenarios (its header; the list is fixed there), and the storefront-only ones run here.
PC_SCENARIOS_ALL='csrf_token current_user login registration profile_patch'
ADDR_SCENARIOS_ALL='address_list address_detailed city_lookup saved_cards_list loyalty_balance'
ADDR_COUNT=20                 # addresses of the address user: the book size the issue asks for
ADDR_EMAIL=user0@example.com  # a seeded user (perfcompare's current_user/profile_patch log in as it too)
GEO_SAMPLE=$ROOT/samples/geo-sample.csv   # the only source of townships: ISO data stops at cities
CARD_COUNT=5                  # saved cards of the address user
LOYALTY_COUNT=50              # loyalty transactions of the address user, 2.50 each
LOYALTY_BALANCE=125.0         # their sum, as the balance answers it
INTERNAL_TOKEN=bench-internal-token                          # STOREFRONT_INTERNAL_TOKEN of the bench
CARD_TOKEN_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=  # a 32-byte CARD_TOKEN_KEY

# storefront rps as % of limit rps: the targets of the performance issue. Idle RSS target in MB.
# profile_patch writes to disk and the in-memory ceiling does not, so its target is against the
# Django reference instead (DJANGO_TARGETS: storefront rps as a multiple of django's).
TARGETS='csrf_token=80 current_user=80 login=90 registration=90'
DJANGO_TARGETS='profile_patch=10'
IDLE_RSS_TARGET_MB=30

log() { printf '\n[bench] %s\n' "$*" >&2; }
die() { printf '\n[bench] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- summary ---------------------------------------------------------------------------------
# summary DIR: storefront rps as % of limit's, per scenario, beside the targets. The rps columns
# are each server's median round by rps (as perfcompare's own tables do), with that round's RSS;
# with several rounds, the ratio is also taken within each round (the two servers measured minutes
# apart, not a round apart), and a target counts as met by the median of those per-round ratios,
# so that one server's lucky or unlucky round does not decide it. Also written to DIR/summary.md.
# Then DIR/addresses.md, the storefront-only rows (no limit figure to compare them with), if that ran.
summary() {
  local dir=$1 idle=""
  [ -f "$dir/results.tsv" ] || [ -f "$dir/addresses.md" ] || die "no results.tsv or addresses.md in $dir"
  [ -f "$dir/storefront-idle-rss-kb" ] && idle=$(cat "$dir/storefront-idle-rss-kb")
  : > "$dir/summary.md"   # a run of the address scenarios alone has no perfcompare part
  [ -f "$dir/results.tsv" ] && awk -F'\t' -v targets="$TARGETS" -v django_targets="$DJANGO_TARGETS" -v idle="$idle" -v idle_target="$IDLE_RSS_TARGET_MB" '
    BEGIN { n = split(targets, t, " "); for (i = 1; i <= n; i++) { split(t[i], kv, "="); T[kv[1]] = kv[2] }
            n = split(django_targets, t, " "); for (i = 1; i <= n; i++) { split(t[i], kv, "="); D[kv[1]] = kv[2] } }
    NR == 1 { next }
    !($2 in seen) { seen[$2] = 1; C[++nc] = $2 }
    $3 == "limit" || $3 == "storefront" || $3 == "django" { k = $2 SUBSEP $3; m = ++cnt[k]; rps[k, m] = $10 + 0; rss[k, m] = $20 + 0
      in_round[$2, $3, $1] = $10 + 0; if ($1 + 0 > rounds) rounds = $1 + 0 }
    function round_ratios(c,   r, n, a, b, tmp, v, list) {   # "84 / 70 / 73 %" and the median in med
      n = 0; list = ""
      for (r = 1; r <= rounds; r++)
        if (((c, "storefront", r) in in_round) && ((c, "limit", r) in in_round) && in_round[c, "limit", r] > 0) {
          v[++n] = 100 * in_round[c, "storefront", r] / in_round[c, "limit", r]
          list = list (n > 1 ? " / " : "") sprintf("%.0f", v[n])
        }
      for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (v[b] < v[a]) { tmp = v[a]; v[a] = v[b]; v[b] = tmp }
      med = n ? v[int((n + 1) / 2)] : -1
      return n ? list " %" : "–"
    }
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
      print "| scenario | storefront rps | limit rps | storefront / limit | per round | target | met | storefront RSS MB |"
      print "|---|---:|---:|---:|---|---:|:---:|---:|"
      for (c = 1; c <= nc; c++) {
        s = median(C[c] SUBSEP "storefront"); l = median(C[c] SUBSEP "limit")
        tg = (C[c] in T) ? "≥ " T[C[c]] " %" : "–"
        srps = s ? f(rps[C[c], "storefront", s]) : "–"
        lrps = l ? f(rps[C[c], "limit", l]) : "–"
        pct = "–"; met = "–"
        if (s && l && rps[C[c], "limit", l] > 0)
          pct = sprintf("%.0f %%", 100 * rps[C[c], "storefront", s] / rps[C[c], "limit", l])
        per_round = round_ratios(C[c])
        if (med >= 0 && (C[c] in T)) met = (med >= T[C[c]]) ? "yes" : "**no**"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", C[c], srps, lrps, pct, per_round, tg, met,
          s ? sprintf("%.1f", rss[C[c], "storefront", s] / 1024) : "–"
      }
      print "\n## storefront vs django (durable writes; target: a multiple of django'"'"'s rps)\n"
      print "| scenario | storefront rps | django rps | storefront / django | target | met |"
      print "|---|---:|---:|---:|---:|:---:|"
      for (c = 1; c <= nc; c++) {
        if (!(C[c] in D)) continue
        s = median(C[c] SUBSEP "storefront"); d = median(C[c] SUBSEP "django")
        if (!s || !d || rps[C[c], "django", d] <= 0) { printf "| %s | – | – | – | ≥ %s× | – |\n", C[c], D[C[c]]; continue }
        x = rps[C[c], "storefront", s] / rps[C[c], "django", d]
        printf "| %s | %s | %s | %.1f× | ≥ %s× | %s |\n", C[c], f(rps[C[c], "storefront", s]), f(rps[C[c], "django", d]),
          x, D[C[c]], (x >= D[C[c]]) ? "yes" : "**no**"
      }
      if (idle != "")
        printf "\nstorefront idle RSS after seeding: %.1f MB (target ≤ %d MB: %s)\n", idle / 1024, idle_target,
          (idle / 1024 <= idle_target) ? "met" : "**not met**"
      else print "\nstorefront idle RSS after seeding: not measured (storefront not run)"
    }' "$dir/results.tsv" | tee "$dir/summary.md"
  if [ -f "$dir/addresses.md" ]; then
    [ -s "$dir/summary.md" ] && echo
    cat "$dir/addresses.md"
  fi
  if [ -s "$dir/foreign-builds.txt" ]; then
    printf '\n**WARNING**: a compiler (rustc/cargo/cc1, e.g. a cargo build) was running during this run\n(seen by %s checks, one every 5 s, %s … %s UTC): the numbers are skewed; rerun on an idle machine.\n' \
      "$(wc -l < "$dir/foreign-builds.txt")" "$(head -n 1 "$dir/foreign-builds.txt")" "$(tail -n 1 "$dir/foreign-builds.txt")" \
      | tee -a "$dir/summary.md"
  fi
}

if [ "${1:-}" = --summary ]; then summary "${2:?usage: $0 --summary DIR}"; exit 0; fi
[ $# -eq 0 ] || die "unknown arguments: $* (usage: $0 [--summary DIR]; settings go in env, see the header)"

# ---- what to run ----------------------------------------------------------------------------
# SCENARIOS may mix both lists: perfcompare gets only its own names (it stops at an unknown one, and
# only when it reaches it, minutes into the run), the address ones are run here.
PC_SCENARIOS="" ADDR_SCENARIOS=""
for sc in ${SCENARIOS:-}; do
  case " $PC_SCENARIOS_ALL " in *" $sc "*) PC_SCENARIOS+="${PC_SCENARIOS:+ }$sc"; continue ;; esac
  case " $ADDR_SCENARIOS_ALL " in *" $sc "*) ADDR_SCENARIOS+="${ADDR_SCENARIOS:+ }$sc"; continue ;; esac
  die "unknown scenario '$sc' in SCENARIOS (perfcompare: $PC_SCENARIOS_ALL; storefront only: $ADDR_SCENARIOS_ALL)"
done
case $BENCH_ADDRESSES in 0|1|only) ;; *) die "BENCH_ADDRESSES must be 0, 1 or only, got '$BENCH_ADDRESSES'" ;; esac
RUN_PC=1 RUN_ADDR=1
# No perfcompare for a list without any of its names: given an empty list it would run all five.
if [ "$BENCH_ADDRESSES" = only ] || { [ -n "${SCENARIOS:-}" ] && [ -z "$PC_SCENARIOS" ]; }; then
  [ -z "$PC_SCENARIOS" ] || die "SCENARIOS names $PC_SCENARIOS, but BENCH_ADDRESSES=only runs no perfcompare"
  RUN_PC=0
fi
if [ "$BENCH_ADDRESSES" = 0 ] || [ "$BENCH_SKIP_STOREFRONT" = 1 ]; then
  [ -z "$ADDR_SCENARIOS" ] \
    || die "SCENARIOS names $ADDR_SCENARIOS, but BENCH_ADDRESSES=0 or BENCH_SKIP_STOREFRONT=1 skips the address scenarios"
  RUN_ADDR=0
fi
[ "$RUN_PC" = 1 ] || [ "$RUN_ADDR" = 1 ] || die "nothing to run: BENCH_ADDRESSES=only needs storefront (BENCH_SKIP_STOREFRONT=1 is set)"
ADDR_SCENARIOS=${ADDR_SCENARIOS:-$ADDR_SCENARIOS_ALL}

# ---- prerequisites ---------------------------------------------------------------------------
SHARED=$(cd "${BENCH_SHARED:-$ROOT/../shared}" 2>/dev/null && pwd) \
  || die "shared/ not found beside the repo (${BENCH_SHARED:-$ROOT/../shared}); set BENCH_SHARED"
PERFCOMPARE=$SHARED/bench/perfcompare.sh
# perfcompare's Lua scripts: the address runs use get.lua, which loads report.lua from $PC_LUA_DIR
# (perfcompare exports the same directory itself).
export PC_LUA_DIR=$SHARED/bench/perfcompare
NEEDED=("$PC_LUA_DIR/get.lua" "$PC_LUA_DIR/report.lua")
[ "$RUN_PC" = 0 ] || NEEDED+=("$PERFCOMPARE" "$SHARED/django-users/run.sh" "$SHARED/bench/limit-server/run.sh")
[ "$RUN_ADDR" = 0 ] || NEEDED+=("$GEO_SAMPLE")
for f in "${NEEDED[@]}"; do
  [ -f "$f" ] || die "missing $f"
done
case $NUSERS in ''|*[!0-9]*|0) die "NUSERS must be a positive integer, got '$NUSERS'" ;; esac
case $ROUNDS in ''|*[!0-9]*|0) die "ROUNDS must be a positive integer, got '$ROUNDS'" ;; esac

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
DJANGO_STARTED=0 LIMIT_STARTED=0 SF_PID="" PC_PID="" ADDR_PID="" WATCH_PID=""
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
  [ -n "$ADDR_PID" ] && stop_tree "$ADDR_PID"
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
if [ "$RUN_PC" = 1 ]; then
  copy_server "$SHARED/django-users" "$WORK/django-users"
  copy_server "$SHARED/bench/limit-server" "$WORK/limit-server"
fi

# ---- builds first, so no build competes with a running server ---------------------------------
# A caller's CARGO_TARGET_DIR would move the binaries away from where we (and limit's run.sh) look.
if [ "$BENCH_SKIP_STOREFRONT" != 1 ] && [ -z "$SF_BIN" ]; then
  log "building storefront (cargo build --release in $ROOT)"
  (cd "$ROOT" && env -u CARGO_TARGET_DIR cargo build --release) || die "storefront release build failed"
  SF_BIN=$ROOT/target/release/storefront
fi
[ "$BENCH_SKIP_STOREFRONT" = 1 ] || [ -x "$SF_BIN" ] || die "no storefront binary at $SF_BIN"

if [ "$RUN_PC" = 1 ]; then
  log "building the limit server (cargo build --release in $WORK/limit-server; reused between runs)"
  (cd "$WORK/limit-server" && env -u CARGO_TARGET_DIR cargo build --release --quiet) || die "limit server build failed"
fi

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
  if [ "$RUN_ADDR" = 1 ]; then
    # Addresses need a township, and townships exist only by import. Before the start, so the
    # server's geo cache sees them at once (it re-reads an import made meanwhile only after minutes).
    log "importing $GEO_SAMPLE into $db (storefront geo import)"
    DATABASE_URL="sqlite://$db?mode=rwc" STOREFRONT_LOG=warn "$SF_BIN" geo import "$GEO_SAMPLE" >&2 \
      || die "storefront geo import $GEO_SAMPLE failed"
  fi
  log "storefront log level: ${SF_LOG:-the default}"
  env -u STOREFRONT_LOG -u STOREFRONT_ACCESS_LOG DATABASE_URL="sqlite://$db?mode=rwc" STOREFRONT_BIND=$SF_ADDR \
    STOREFRONT_INTERNAL_TOKEN=$INTERNAL_TOKEN CARD_TOKEN_KEY=$CARD_TOKEN_KEY \
    ${SF_LOG:+STOREFRONT_LOG=$SF_LOG} "$SF_BIN" > "$slog" 2>&1 &
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

# ---- storefront-only scenarios: the address book and the city lookup ---------------------------
# Neither django nor limit has /address/ endpoints and perfcompare runs every scenario on every
# server, so these run here, on storefront alone, the way perfcompare's run_one does: the same wrk
# settings, its get.lua + report.lua (so the same RESULT line), a settled server, the median round.
ADDR_SESSION="" TR_PK="" PLACE_NAMES=""

jar_cookie() { awk -v n="$2" '$6 == n { v = $7 } END { print v }' "$1"; }   # as perfcompare reads curl's jar

# sf_get PATH COOKIE FILE: GET from storefront into FILE; anything but 200 stops the run.
sf_get() {
  local code cookie=()
  [ -z "$2" ] || cookie=(-H "Cookie: $2")
  code=$(curl -sS -m 10 -o "$3" -w '%{http_code}' "${cookie[@]}" "http://$SF_ADDR$1") || code=000
  [ "$code" = 200 ] || die "storefront: GET $1 answered $code: $(head -c 300 "$3" 2>/dev/null)"
}

# pick_pk FIELD VALUE < DRF list: the pk of the first result whose FIELD matches VALUE the way the geo
# import matches names (case, repeated spaces, Turkish dotted/dotless i); empty if none does.
pick_pk() {
  python3 -c 'import json, sys
def norm(s): return " ".join(str(s or "").replace("İ", "i").replace("ı", "i").lower().split())
want = norm(sys.argv[2])
print(next((r["pk"] for r in json.load(sys.stdin)["results"] if norm(r.get(sys.argv[1])) == want), ""))' "$1" "$2"
}
json_count() { python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])'; }   # of a DRF list on stdin

# sample_place: city, township, district, postcode (one a line; the last two may be empty) of the first
# Türkiye row of the geo sample that names a township: where every bench address is.
sample_place() {
  python3 -c 'import csv, sys
for row in csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")):
    if (row.get("country_code") or "").strip().lower() == "tr" and (row.get("township") or "").strip():
        print("\n".join((row.get(k) or "").strip() for k in ("city", "township", "district", "postcode")))
        break
else:
    sys.exit("no tr row with a township")' "$GEO_SAMPLE"
}

# setup_addresses: log in as ADDR_EMAIL the way perfcompare does (csrftoken cookie from /csrf_token/,
# then POST /users/login/ with it in the header) and give that user exactly ADDR_COUNT addresses, each
# of which must answer 201. Sets TR_PK, ADDR_SESSION and PLACE_NAMES.
setup_addresses() {
  local jar=$WORK/address-user.jar body=$WORK/address-answer.json probe=$WORK/address-probe.json
  local code token csrf out city township district="" form i n place=()
  log "address scenarios: $ADDR_EMAIL logs in and adds $ADDR_COUNT addresses (POST /address/)"
  sf_get /address/country/ "" "$probe"
  TR_PK=$(pick_pk code tr < "$probe")
  [ -n "$TR_PK" ] || die "GET /address/country/ lists no country with code \"tr\""
  out=$(sample_place) || die "no Türkiye row with a township in $GEO_SAMPLE"
  mapfile -t place <<< "$out"
  sf_get "/address/city/?country=$TR_PK" "" "$probe"
  city=$(pick_pk name "${place[0]:-}" < "$probe")
  [ -n "$city" ] || die "GET /address/city/?country=$TR_PK lists no city \"${place[0]:-}\" (from $GEO_SAMPLE)"
  sf_get "/address/township/?city=$city" "" "$probe"
  township=$(pick_pk name "${place[1]:-}" < "$probe")
  [ -n "$township" ] || die "GET /address/township/?city=$city lists no township \"${place[1]:-}\" (did the geo import run?)"
  if [ -n "${place[2]:-}" ]; then   # the Zero theme always sends one, so the rows carry one too
    sf_get "/address/district/?township=$township" "" "$probe"
    district=$(pick_pk name "${place[2]}" < "$probe")
    [ -n "$district" ] || die "GET /address/district/?township=$township lists no district \"${place[2]}\""
  fi
  PLACE_NAMES="${place[0]} / ${place[1]}${district:+ / ${place[2]}}"

  rm -f "$jar"
  code=$(curl -sS -m 10 -c "$jar" -o /dev/null -w '%{http_code}' "http://$SF_ADDR/csrf_token/") || code=000
  [ "$code" = 200 ] || die "storefront: GET /csrf_token/ answered $code"
  token=$(jar_cookie "$jar" csrftoken)
  [ -n "$token" ] || die "storefront: GET /csrf_token/ set no csrftoken cookie"
  code=$(curl -sS -m 30 -b "$jar" -c "$jar" -o "$body" -w '%{http_code}' -H "x-csrftoken: $token" \
    -H 'Content-Type: application/json' --data "{\"email\":\"$ADDR_EMAIL\",\"password\":\"$PASSWORD\"}" \
    "http://$SF_ADDR/users/login/") || code=000
  ADDR_SESSION=$(jar_cookie "$jar" osessionid)
  csrf=$(jar_cookie "$jar" csrftoken)   # login rotates the token
  { [ "$code" = 200 ] && [ -n "$ADDR_SESSION" ]; } \
    || die "storefront: login as $ADDR_EMAIL answered $code without an osessionid cookie: $(head -c 300 "$body")"

  for i in $(seq 1 "$ADDR_COUNT"); do
    # The storefront's own form (contract addresses.md §3.4): pks as strings, the computed type.
    form="{\"is_corporate\":\"false\",\"type\":\"personal\",\"title\":\"Bench $i\",\"first_name\":\"Bench\","
    form+="\"last_name\":\"User\",\"phone_number\":\"05321234567\",\"country\":\"$TR_PK\",\"city\":\"$city\","
    form+="\"township\":\"$township\",\"district\":\"$district\",\"line\":\"Example street 12, flat 3\""
    form+="${place[3]:+,\"postcode\":\"${place[3]}\"}}"
    code=$(curl -sS -m 30 -b "$jar" -o "$body" -w '%{http_code}' -H "x-csrftoken: $csrf" \
      -H 'Content-Type: application/json' --data "$form" "http://$SF_ADDR/address/") || code=000
    [ "$code" = 201 ] || die "storefront: POST /address/ #$i as $ADDR_EMAIL answered $code: $(head -c 300 "$body")
  request body: $form"
  done
  sf_get /address/ "osessionid=$ADDR_SESSION" "$probe"
  n=$(json_count < "$probe")
  [ "$n" = "$ADDR_COUNT" ] || die "storefront: GET /address/ as $ADDR_EMAIL lists $n addresses, expected $ADDR_COUNT"
}

# setup_cards_and_loyalty: the payment and order side give ADDR_EMAIL exactly CARD_COUNT saved cards
# and LOYALTY_COUNT loyalty transactions through the internal API; each must answer 201.
setup_cards_and_loyalty() {
  local body=$WORK/internal-answer.json code i
  log "card and loyalty scenarios: $ADDR_EMAIL gets $CARD_COUNT cards and $LOYALTY_COUNT transactions (internal API)"
  for i in $(seq 1 "$CARD_COUNT"); do
    code=$(curl -sS -m 30 -o "$body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $INTERNAL_TOKEN" \
      -H 'Content-Type: application/json' --data "{\"last_four\":\"424$i\",\"name\":\"Card $i\",\"pos\":1}" \
      "http://$SF_ADDR/internal/customers/$ADDR_EMAIL/saved-cards/bench-token-$i/") || code=000
    [ "$code" = 201 ] || die "storefront: PUT saved card #$i answered $code: $(head -c 300 "$body")"
  done
  for i in $(seq 1 "$LOYALTY_COUNT"); do
    code=$(curl -sS -m 30 -o "$body" -w '%{http_code}' -X POST -H "Authorization: Bearer $INTERNAL_TOKEN" \
      -H 'Content-Type: application/json' \
      --data "{\"id\":\"bench-$i\",\"amount\":\"2.50\",\"currency\":\"try\",\"created_date\":\"2024-03-02T09:15:00Z\"}" \
      "http://$SF_ADDR/internal/customers/$ADDR_EMAIL/loyalty/") || code=000
    [ "$code" = 201 ] || die "storefront: POST loyalty transaction #$i answered $code: $(head -c 300 "$body")"
  done
}

# address_request SCENARIO: sets PATH_ and ADDR_COOKIE (what get.lua sends as Cookie) of a scenario.
address_request() {
  case $1 in
    address_list) PATH_=/address/ ADDR_COOKIE="osessionid=$ADDR_SESSION" ;;
    address_detailed) PATH_=/address/detailed/ ADDR_COOKIE="osessionid=$ADDR_SESSION" ;;
    city_lookup) PATH_="/address/city/?country=$TR_PK" ADDR_COOKIE="" ;;
    saved_cards_list) PATH_=/users/saved-cards/ ADDR_COOKIE="osessionid=$ADDR_SESSION" ;;
    loyalty_balance) PATH_=/account/loyalty-account-balance/ ADDR_COOKIE="osessionid=$ADDR_SESSION" ;;
    *) die "unknown address scenario $1" ;;
  esac
}

to_secs() {  # 10s / 2m / 500ms / 10 -> whole seconds (rounded up), as perfcompare reads DURATION/WARMUP
  case $1 in
    *ms) echo $(( (${1%ms} + 999) / 1000 )) ;;
    *s) echo "${1%s}" ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *) echo "$1" ;;
  esac
}

sf_cpu_ticks() { sed 's/^.*) //' "/proc/$SF_PID/stat" | awk '{ print $12 + $13 }'; }   # utime+stime, all threads
# sf_settle: wait (up to 20 s, perfcompare's SETTLE_MAX) until storefront burns almost no CPU, so the
# requests queued by the previous run do not count against the next one.
sf_settle() {
  local a b
  for _ in $(seq 1 40); do
    a=$(sf_cpu_ticks); sleep 0.5; b=$(sf_cpu_ticks)
    [ $((b - a)) -le 1 ] && return 0
  done
  echo "    (storefront still busy after 20 s)" >&2
}

# run_address ROUND SCENARIO: warm-up, then one measured wrk run; a row in $OUT/addresses.tsv.
run_address() {
  local round=$1 sc=$2 raw line rss url
  address_request "$sc"
  url=http://$SF_ADDR$PATH_ raw=$OUT/raw/r$round-$sc-storefront.txt
  kill -0 "$SF_PID" 2>/dev/null || die "storefront (pid $SF_PID) has exited; log: $WORK/storefront.log"
  sf_settle
  if [ "$(to_secs "$WARMUP")" -gt 0 ]; then
    BENCH_NAME=warmup COOKIE=$ADDR_COOKIE timeout $(( $(to_secs "$WARMUP") + 60 )) \
      wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" --timeout 30s -s "$PC_LUA_DIR/get.lua" "$url" >/dev/null || true
    sf_settle
  fi
  BENCH_NAME=$sc COOKIE=$ADDR_COOKIE timeout $(( $(to_secs "$DURATION") + 90 )) \
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 30s --latency -s "$PC_LUA_DIR/get.lua" "$url" > "$raw" 2>&1 || true
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SF_PID/status" 2>/dev/null || true)
  line=$(grep '^RESULT' "$raw" || true)
  if [ -z "$line" ]; then   # as perfcompare: a zero row, and the run goes on
    echo "    storefront: wrk gave no result (see $raw)" >&2
    line=$(printf 'RESULT\t%s\t0\t%s\t0\t0\tnan\tnan\tnan\tnan\t0\t0' "$sc" "$(to_secs "$DURATION")")
  fi
  # RESULT name requests secs rps rps_2xx p50 p99 mean max non2xx sockerr (perfcompare/report.lua)
  echo "$line" | awk -F'\t' -v OFS='\t' -v r="$round" -v sc="$sc" -v path="$PATH_" -v rss="${rss:-0}" \
    '{ print r, sc, path, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, rss }' >> "$OUT/addresses.tsv"
  tail -n 1 "$OUT/addresses.tsv" | awk -F'\t' '{ printf "    %-16s %9.1f rps(2xx) p50 %8.2f ms p99 %8.2f ms non2xx %d sockerr %d RSS %.1f MB\n",
    "storefront", $7, $8, $9, $12, $13, $14 / 1024 }'
}

# addresses_table DIR NOTES: DIR/addresses.md from DIR/addresses.tsv, the median round by rps per scenario.
addresses_table() {
  {
    echo "## storefront only: address book and city lookup"
    echo
    echo "Neither django nor limit has address endpoints: no ratio, no target. rps = successful (2xx)"
    echo "requests per second; median of the rounds by rps; RSS = storefront's VmRSS right after the run."
    echo
    awk -F'\t' '
      NR == 1 { next }
      !($2 in seen) { seen[$2] = 1; C[++nc] = $2 }
      { m = ++cnt[$2]; row[$2, m] = $0; rps[$2, m] = $7 + 0 }
      function fmt(x) { return (x >= 100) ? sprintf("%.0f", x) : sprintf("%.1f", x) }
      END {
        print "| scenario | request | rps | p50 ms | p99 ms | non-2xx | sock err | storefront RSS MB |"
        print "|---|---|---:|---:|---:|---:|---:|---:|"
        for (c = 1; c <= nc; c++) {
          m = cnt[C[c]]
          for (a = 1; a <= m; a++) idx[a] = a
          for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++)
            if (rps[C[c], idx[b]] < rps[C[c], idx[a]]) { t = idx[a]; idx[a] = idx[b]; idx[b] = t }
          split(row[C[c], idx[int((m + 1) / 2)]], F, "\t")
          printf "| %s | `GET %s` | %s | %s | %s | %d | %d | %.1f |\n", C[c], F[3], fmt(F[7]), F[8], F[9], F[12], F[13], F[14] / 1024
        }
      }' "$1/addresses.tsv"
    echo
    printf '%s\n' "$2"
  } > "$1/addresses.md"
}

# run_addresses: every address scenario ROUNDS times, then $OUT/addresses.md.
run_addresses() {
  local sc round n notes body wrk_version
  mkdir -p "$OUT/raw"
  printf 'round\tscenario\tpath\trequests\tduration_s\trps\trps_2xx\tp50_ms\tp99_ms\tmean_ms\tmax_ms\tnon2xx\tsock_errors\trss_kb\n' \
    > "$OUT/addresses.tsv"
  wrk_version=$(wrk -v 2>&1 | head -n 1 || true)   # wrk -v exits 1
  notes="    $(date -u +%FT%TZ), nproc=$(nproc), $wrk_version
    duration=$DURATION warmup=$WARMUP conns=$CONNS threads=$THREADS rounds=$ROUNDS
    address user: $ADDR_EMAIL, session cookie; addresses in $PLACE_NAMES"
  # One request per scenario first: it must answer 200, and the book must still hold exactly
  # ADDR_COUNT (perfcompare logged in and patched as the same user meanwhile). Bodies kept in raw/.
  for sc in $ADDR_SCENARIOS; do
    address_request "$sc"
    body=$OUT/raw/$sc-body.json
    sf_get "$PATH_" "$ADDR_COOKIE" "$body"
    case $sc in
      loyalty_balance) n=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["balance"])' < "$body") ;;
      *) n=$(json_count < "$body") ;;
    esac
    case $sc in
      address_list|address_detailed) [ "$n" = "$ADDR_COUNT" ] || die "GET $PATH_ lists $n addresses, expected $ADDR_COUNT" ;;
      saved_cards_list) [ "$n" = "$CARD_COUNT" ] || die "GET $PATH_ lists $n cards, expected $CARD_COUNT" ;;
      loyalty_balance) [ "$n" = "$LOYALTY_BALANCE" ] || die "GET $PATH_ answers $n, expected $LOYALTY_BALANCE" ;;
    esac
    notes+="
    $sc: count $n, $(wc -c < "$body") bytes"
  done
  for round in $(seq 1 "$ROUNDS"); do
    for sc in $ADDR_SCENARIOS; do
      echo "== round $round: $sc (storefront only)"
      run_address "$round" "$sc"
    done
  done
  addresses_table "$OUT" "$notes"
}

# All ports before any start: refuse early rather than start two servers and then stop them again.
if [ "$RUN_PC" = 1 ]; then
  port_free "${DJANGO_ADDR##*:}"
  port_free "${LIMIT_ADDR##*:}"
fi
[ "$BENCH_SKIP_STOREFRONT" = 1 ] || port_free "${SF_ADDR##*:}"
SERVERS=()
if [ "$RUN_PC" = 1 ]; then
  start_django
  start_limit
  SERVERS=("django=http://$DJANGO_ADDR" "limit=http://$LIMIT_ADDR")
fi
if [ "$BENCH_SKIP_STOREFRONT" != 1 ]; then
  start_storefront
  seed_storefront
  idle_rss_kb "$SF_PID" > "$OUT/storefront-idle-rss-kb"
  log "storefront idle RSS after seeding: $(awk '{ printf "%.1f MB", $1 / 1024 }' "$OUT/storefront-idle-rss-kb")"
  SERVERS+=("storefront=http://$SF_ADDR@$SF_PID")   # @PID: RSS/CPU of exactly the process we started
  # After the idle RSS, so that figure stays comparable with runs without the address scenarios;
  # before perfcompare, so a failing setup stops the run before minutes of measuring.
  [ "$RUN_ADDR" = 0 ] || { setup_addresses; setup_cards_and_loyalty; }
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
# In the background + wait: a signal then reaches our trap at once (bash defers traps until a
# foreground child ends, which could be minutes), and cleanup stops perfcompare and its wrk.
watch_builds &
WATCH_PID=$!
if [ "$RUN_PC" = 1 ]; then
  log "perfcompare: ${SERVERS[*]} -> $OUT"
  # Only its own scenario names; empty (SCENARIOS unset) = its default list.
  SCENARIOS=$PC_SCENARIOS "$PERFCOMPARE" "${SERVERS[@]}" &
  PC_PID=$!
  rc=0; wait "$PC_PID" || rc=$?
  PC_PID=""
  [ "$rc" = 0 ] || die "perfcompare failed (exit $rc); partial output in $OUT"
fi
if [ "$RUN_ADDR" = 1 ]; then
  log "storefront-only scenarios: $ADDR_SCENARIOS -> $OUT/addresses.md"
  run_addresses &   # background + wait, as perfcompare above
  ADDR_PID=$!
  rc=0; wait "$ADDR_PID" || rc=$?
  ADDR_PID=""
  [ "$rc" = 0 ] || die "address scenarios failed (exit $rc); partial output in $OUT"
fi
stop_tree "$WATCH_PID"; WATCH_PID=""

echo
summary "$OUT"
echo
files="summary.md, raw/"
[ "$RUN_PC" = 0 ] || files="results.md, results.tsv, $files"
[ "$RUN_ADDR" = 0 ] || files="$files, addresses.md, addresses.tsv"
echo "results: $OUT ($files)"

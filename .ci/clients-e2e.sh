#!/usr/bin/env bash
# Drives Debian's real clients through the built jar, the way a user would:
#   psql      -> ferry connect -> gateway -> PostgreSQL
#   ssh       -> ProxyCommand 'ferry stdio' -> gateway -> sshd
#   redis-cli -> ferry connect -> gateway -> redis-server
# plus refusals (exit codes and one-line reasons) and a SIGTERM drain. Everything listens on
# 127.0.0.1 and everything started here is stopped on exit. Needs target/ferry.jar,
# target/test-classes and target/test-classpath.txt (see .ci/run). Background jobs of a script
# ignore SIGINT, so forwarders are stopped with SIGTERM here.
set -uo pipefail
cd "$(dirname "$0")/.."
JAR="$PWD/target/ferry.jar"
TEST_CP="$PWD/target/test-classes:$(cat target/test-classpath.txt)"
W=$(mktemp -d /tmp/ferry-e2e.XXXXXX)
chmod 755 "$W"
# Fixed ports below the ephemeral range (32768-60999), so no outgoing connection can hold one.
PG_PORT=25432 SSH_PORT=22222 REDIS_PORT=26379 GW_PORT=28080
GW="http://127.0.0.1:$GW_PORT"
pids=()
passed=0 failed=0

log() { printf '%s\n' "$*"; }
pass() { passed=$((passed + 1)); log "PASS $*"; }
fail() { failed=$((failed + 1)); log "FAIL $*"; }

# stop PID...: SIGTERM, then SIGKILL after 10 s, so that no wait here can block for ever. Only
# PIDs of our children still running: one that exited earlier may belong to another process now.
stop() {
  local p i live ours=()
  live=" $(jobs -pr | tr '\n' ' ') "
  for p in "$@"; do [[ $live == *" $p "* ]] && ours+=("$p"); done
  for p in "${ours[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${ours[@]}"; do
    for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}
cleanup() {
  stop "${pids[@]}"
  [ -n "${PG_BIN:-}" ] && su postgres -c "$PG_BIN/pg_ctl -D $W/pg -m immediate stop" >/dev/null 2>&1
  wait 2>/dev/null
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS [PID]: until a line matching PATTERN appears in FILE (gives up
# early once PID has exited).
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
      grep -qE "$2" "$1" 2>/dev/null && return 0
      break
    fi
    sleep 0.1
  done
  log "timed out waiting for '$2' in $1:"; sed 's/^/    /' "$1" 2>/dev/null | tail -20
  return 1
}

# --- targets -------------------------------------------------------------------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
mkdir -p "$W/pg" && chown postgres "$W/pg"
su postgres -c "$PG_BIN/initdb -D $W/pg -A trust -U postgres" >"$W/initdb.log" 2>&1 || { cat "$W/initdb.log"; exit 1; }
su postgres -c "$PG_BIN/pg_ctl -D $W/pg -l $W/pg/server.log -w -t 120 -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k $W/pg' start" >/dev/null \
  || { cat "$W/pg/server.log"; exit 1; }

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$W/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$W/id"
cp "$W/id.pub" "$W/authorized_keys"
cat >"$W/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $W/hostkey
AuthorizedKeysFile $W/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
PidFile $W/sshd.pid
CONF
/usr/sbin/sshd -D -e -f "$W/sshd_config" 2>"$W/sshd.log" &
SSHD_PID=$!
pids+=($SSHD_PID)

redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >"$W/redis.log" 2>&1 &
REDIS_PID=$!
pids+=($REDIS_PID)
# Listening, not merely started (and a port already taken fails here, by name, not later).
wait_for "$W/sshd.log" "^Server listening on 127\.0\.0\.1 port $SSH_PORT" 30 $SSHD_PID || exit 1
wait_for "$W/redis.log" 'Ready to accept connections' 30 $REDIS_PID || exit 1

# --- identity provider and gateway ------------------------------------------------------
java -cp "$TEST_CP" dev.ferry.testkit.DevIssuerMain "$W/idp" ferry-e2e 900 >"$W/idp.log" 2>&1 &
pids+=($!)
wait_for "$W/idp.log" '^issuer: ' 60 $! || exit 1
ISSUER=$(cat "$W/idp/issuer")

cat >"$W/gateway.yaml" <<CONF
gateway:
  name: e2e
  bind: 127.0.0.1
identity:
  issuers:
    - issuer: $ISSUER
      audiences: [ferry-e2e]
      clientId: ferry-e2e
audit:
  file: $W/audit.jsonl
proxies:
  - name: pg
    description: PostgreSQL
    target: 127.0.0.1:$PG_PORT
    kind: postgres
    tags: [db]
    allow: { groups: [dba] }
  - name: ssh
    target: 127.0.0.1:$SSH_PORT
    kind: ssh
    allow: { groups: [dev] }
  - name: redis
    target: 127.0.0.1:$REDIS_PORT
    kind: redis
    allow: { groups: [dev] }
    limits: { maxSessionsPerUser: 5 }
  - name: closed
    target: 127.0.0.1:9
    allow: { groups: [dev] }
CONF

if java -jar "$JAR" gateway check --config "$W/gateway.yaml" >"$W/check.out" 2>&1; then
  pass "gateway check accepts the e2e config"
else
  fail "gateway check refused the e2e config: $(cat "$W/check.out")"
fi
printf 'gateway:\n  port: 99999\nbogus: 1\n' >"$W/bad.yaml"
java -jar "$JAR" gateway check --config "$W/bad.yaml" >"$W/bad.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -qE "bad.yaml:[0-9]+:[0-9]+: " "$W/bad.out"; then
  pass "gateway check reports FILE:LINE:COLUMN and exits 1"
else
  fail "gateway check on a bad config: exit $rc: $(cat "$W/bad.out")"
fi

java -jar "$JAR" gateway --config "$W/gateway.yaml" --port "$GW_PORT" >"$W/gateway.log" 2>&1 &
GW_PID=$!
pids+=($GW_PID)
wait_for "$W/gateway.log" '^ferry gateway listening on http://' 60 $GW_PID || exit 1

ALICE=$(cat "$W/idp/alice.token")
BOB=$(cat "$W/idp/bob.token")
export FERRY_GATEWAY="$GW"

# --- version and list -------------------------------------------------------------------
if grep -qE '^ferry [0-9]' <<<"$(java -jar "$JAR" --version)"; then pass "ferry --version"; else fail "ferry --version"; fi
if FERRY_TOKEN=$ALICE timeout 60 java -jar "$JAR" list >"$W/list.out" 2>&1 && grep -q '^pg' "$W/list.out"; then
  pass "list shows pg to alice"
else
  fail "list for alice: $(cat "$W/list.out")"
fi
if FERRY_TOKEN=$BOB timeout 60 java -jar "$JAR" list --json >"$W/list-bob.json" 2>&1 && ! grep -q '"pg"' "$W/list-bob.json"; then
  pass "list hides pg from bob"
else
  fail "list for bob: $(cat "$W/list-bob.json")"
fi

# --- psql through ferry connect ----------------------------------------------------------------
FERRY_TOKEN=$ALICE java -jar "$JAR" connect pg --port 0 >"$W/connect-pg.log" 2>&1 &
CPID=$!
pids+=($CPID)
if wait_for "$W/connect-pg.log" '^forwarding 127\.0\.0\.1:[0-9]+ -> pg' 60 $CPID; then
  LP=$(sed -nE 's/^forwarding 127\.0\.0\.1:([0-9]+) -> pg.*/\1/p' "$W/connect-pg.log")
  out=$(timeout 60 psql -h 127.0.0.1 -p "$LP" -U postgres -d postgres -Atc "select 41 + 1" 2>&1)
  if [ "$out" = "42" ]; then pass "psql through ferry connect"; else fail "psql: $out"; fi
  out=$(timeout 60 psql -h 127.0.0.1 -p "$LP" -U postgres -d postgres -qAtc \
    "create table t(x text); insert into t select repeat('x', 1000) from generate_series(1, 5000); select count(*), sum(length(x)) from t" 2>&1)
  if [ "$out" = "5000|5000000" ]; then pass "psql bulk insert/select through ferry connect"; else fail "psql bulk: $out"; fi
else
  fail "ferry connect pg did not start"
fi
stop $CPID

# --- ssh through ferry stdio as ProxyCommand -----------------------------------------------
out=$(FERRY_TOKEN=$ALICE timeout 60 ssh -i "$W/id" -p 22 \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
  -o "ProxyCommand=java -jar $JAR stdio ssh" root@ssh 'echo ferry-ssh-ok; head -c 3000000 /dev/zero | sha256sum' 2>&1)
expected_zero_sum=$(head -c 3000000 /dev/zero | sha256sum)
if grep -q '^ferry-ssh-ok$' <<<"$out" && grep -qF "$expected_zero_sum" <<<"$out"; then
  pass "ssh with ProxyCommand='ferry stdio'"
else
  fail "ssh: $out"
fi
head -c 5000000 /dev/urandom >"$W/blob"
want=$(sha256sum <"$W/blob" | cut -d' ' -f1)
got=$(FERRY_TOKEN=$ALICE timeout 60 ssh -i "$W/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes -o LogLevel=ERROR -o "ProxyCommand=java -jar $JAR stdio ssh" root@ssh 'sha256sum' <"$W/blob" 2>&1 | cut -d' ' -f1)
if [ "$want" = "$got" ]; then pass "ssh upload of 5 MB through stdio, SHA-256 matches"; else fail "ssh upload: $got"; fi

# --- redis-cli through ferry connect ------------------------------------------------------------
FERRY_TOKEN=$ALICE java -jar "$JAR" connect redis --port 0 >"$W/connect-redis.log" 2>&1 &
CPID=$!
pids+=($CPID)
if wait_for "$W/connect-redis.log" '^forwarding 127\.0\.0\.1:[0-9]+ -> redis' 60 $CPID; then
  LP=$(sed -nE 's/^forwarding 127\.0\.0\.1:([0-9]+) -> redis.*/\1/p' "$W/connect-redis.log")
  out=$(timeout 20 redis-cli -h 127.0.0.1 -p "$LP" ping 2>&1)
  if [ "$out" = "PONG" ]; then pass "redis-cli ping through ferry connect"; else fail "redis ping: $out"; fi
  timeout 20 redis-cli -h 127.0.0.1 -p "$LP" set k "ferry-value" >/dev/null 2>&1
  out=$(timeout 20 redis-cli -h 127.0.0.1 -p "$LP" get k 2>&1)
  if [ "$out" = "ferry-value" ]; then pass "redis-cli set/get through ferry connect"; else fail "redis get: $out"; fi
else
  fail "ferry connect redis did not start"
fi
stop $CPID

# --- refusals: exit code and one line naming the reason ----------------------------------------
expect_refusal() { # name expected_exit pattern -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc
  out=$(timeout 60 "$@" 2>&1 </dev/null) # a client that is let through instead would never exit
  rc=$?
  if [ $rc -eq "$want" ] && grep -qiE "$pattern" <<<"$out"; then
    pass "$name (exit $rc: $(printf '%s' "$out" | head -1))"
  else
    fail "$name: exit $rc, wanted $want matching '$pattern': $out"
  fi
}
expect_refusal "bob may not reach pg" 3 "not allowed|unknown" -- env FERRY_TOKEN="$BOB" java -jar "$JAR" connect pg --port 0
expect_refusal "unknown proxy" 3 "not allowed|unknown" -- env FERRY_TOKEN="$ALICE" java -jar "$JAR" connect nope --port 0
expect_refusal "no token" 2 "token|sign" -- env -u FERRY_TOKEN HOME="$W/home" XDG_CONFIG_HOME="$W/home" java -jar "$JAR" list
expect_refusal "garbage token" 2 "malformed|token" -- env FERRY_TOKEN=not-a-jwt java -jar "$JAR" list
expect_refusal "stdio to a closed upstream" 5 "upstream|refused" -- env FERRY_TOKEN="$ALICE" java -jar "$JAR" stdio closed
expect_refusal "gateway unreachable" 5 "unreachable|refused" -- env FERRY_TOKEN="$ALICE" java -jar "$JAR" list --gateway http://127.0.0.1:9

# --- audit: starts and ends balance, no token ---------------------------------------------------
# The gateway writes a session.end once it has seen both sides close, which can be after the
# client has already exited: give the last ones up to 15 s.
for ((i = 0; i < 150; i++)); do
  starts=$(grep -c '"session.start"' "$W/audit.jsonl" || true)
  ends=$(grep -c '"session.end"' "$W/audit.jsonl" || true)
  [ "$starts" = "$ends" ] && break
  sleep 0.1
done
denied=$(grep -c '"session.denied"' "$W/audit.jsonl" || true)
if [ "$starts" -gt 0 ] && [ "$starts" = "$ends" ] && [ "$denied" -gt 0 ]; then
  pass "audit: $starts starts, $ends ends, $denied denials"
else
  fail "audit: $starts starts, $ends ends, $denied denials"
fi
if grep -qF "${ALICE:0:40}" "$W/audit.jsonl" "$W/gateway.log"; then fail "a token appears in the audit or gateway log"; else pass "no token in audit or gateway log"; fi

# --- SIGTERM drains and exits 0 within 8 s -------------------------------------------------------
start=$(date +%s%N)
kill -TERM $GW_PID
# Bounded (a hung gateway must not hang CI); -s 0.1: tail polls the PID every 1 s by default.
timeout 30 tail --pid=$GW_PID -s 0.1 -f /dev/null || kill -KILL $GW_PID
wait $GW_PID
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ $rc -eq 0 ] && [ $ms -lt 8000 ]; then pass "gateway SIGTERM: exit 0 after ${ms} ms"; else fail "gateway SIGTERM: exit $rc after ${ms} ms"; fi

log ""
log "clients-e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Checks the gateway on its jlink'd runtime (jlink/gateway-runtime.sh), the way the container runs
# it: no JavaFX, no java.desktop, the port from $PORT (no --port), a config that takes its values
# from the environment (${VAR}, ${VAR:-default}). Starts a dev OIDC provider and a TCP echo target
# on 127.0.0.1, opens tunnels through the gateway with the normal client (`java -jar`), then sends
# SIGTERM while a tunnel is open: the gateway must exit 0 within 8 s and audit that session's end.
# Needs target/ferry.jar, target/test-classes and target/test-classpath.txt (see .ci/run).
# Everything started here is stopped on exit, by PID.
set -uo pipefail
cd "$(dirname "$0")/../.."
JAR="$PWD/target/ferry.jar"
RT="$PWD/target/runtime-gateway"
TEST_CP="$PWD/target/test-classes:$(cat target/test-classpath.txt)"
W=$(mktemp -d /tmp/ferry-gw-runtime.XXXXXX)
GW_PORT=28480 # below the ephemeral range (32768-60999)
pids=()
passed=0 failed=0

log() { printf '%s\n' "$*"; }
pass() { passed=$((passed + 1)); log "PASS $*"; }
fail() { failed=$((failed + 1)); log "FAIL $*"; }

cleanup() {
  local p i live ours=()
  exec 3>&- 2>/dev/null
  # Only our children still running: a PID waited for earlier may belong to another process now.
  live=" $(jobs -pr | tr '\n' ' ') "
  for p in "${pids[@]}"; do [[ $live == *" $p "* ]] && ours+=("$p"); done
  for p in "${ours[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${ours[@]}"; do # bounded: SIGKILL after 10 s
    for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

# wait_for FILE PATTERN SECONDS [PID]: until a line matching PATTERN appears in FILE (gives up
# early once PID has exited).
wait_for() {
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && grep -qE "$2" "$1" 2>/dev/null && return 0
    [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && break
    sleep 0.05
  done
  log "timed out waiting for '$2' in $1:"; sed 's/^/    /' "$1" 2>/dev/null | tail -20
  return 1
}

finish() {
  log ""
  log "gateway-runtime-check: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# --- the runtime ------------------------------------------------------------------------------
if bash jlink/gateway-runtime.sh >"$W/jlink.log" 2>&1; then
  pass "$(tail -1 "$W/jlink.log")"
else
  fail "jlink/gateway-runtime.sh: $(cat "$W/jlink.log")"
  finish
fi
mods=$("$RT/bin/java" --list-modules 2>&1)
if grep -qE '^(java\.desktop|javafx\.)' <<<"$mods"; then
  fail "the gateway runtime contains desktop modules: $(printf '%s' "$mods" | tr '\n' ' ')"
else
  pass "no java.desktop, no JavaFX in the runtime ($(printf '%s' "$mods" | sed 's/@.*//' | paste -sd' ' -))"
fi
# picocli builds every subcommand (demo, desktop included) at start-up: they must load without
# JavaFX and AWT.
if grep -qE '^ferry [0-9]' <<<"$("$RT/bin/java" -jar "$JAR" --version 2>&1)"; then
  pass "ferry --version on the gateway runtime"
else
  fail "ferry --version on the gateway runtime: $("$RT/bin/java" -jar "$JAR" --version 2>&1 | tail -3)"
fi
if "$RT/bin/java" -jar "$JAR" gateway --help >"$W/help.out" 2>&1 && grep -q -- '--config' "$W/help.out"; then
  pass "ferry gateway --help on the gateway runtime"
else
  fail "ferry gateway --help on the gateway runtime: $(tail -3 "$W/help.out")"
fi

# --- identity provider and target -----------------------------------------------------------
java -cp "$TEST_CP" dev.ferry.testkit.DevIssuerMain "$W/idp" ferry-runtime 300 >"$W/idp.log" 2>&1 &
IDP_PID=$!
pids+=($IDP_PID)
java -cp "$TEST_CP" dev.ferry.testkit.EchoServerMain 0 300 >"$W/echo.log" 2>&1 &
ECHO_PID=$!
pids+=($ECHO_PID)
wait_for "$W/idp.log" '^issuer: ' 60 $IDP_PID || finish
wait_for "$W/echo.log" '^echo: [0-9]+' 60 $ECHO_PID || finish

# Every deployment-specific value comes from the environment, as on Cloud Run.
cat >"$W/gateway.yaml" <<'CONF'
gateway:
  name: ${FERRY_NAME:-runtime-check}
  bind: 127.0.0.1
identity:
  issuers:
    - issuer: ${FERRY_ISSUER}
      audiences:
        - ${FERRY_AUDIENCE}      # block style: ${...} inside [ ] would read as YAML flow syntax
      clientId: ${FERRY_AUDIENCE}
audit:
  file: ${FERRY_AUDIT_FILE:-}
proxies:
  - name: echo
    target: 127.0.0.1:${ECHO_PORT}
    kind: tcp
    allow: { groups: [dev] }
CONF
export FERRY_ISSUER FERRY_AUDIENCE=ferry-runtime FERRY_AUDIT_FILE="$W/audit.jsonl" ECHO_PORT
FERRY_ISSUER=$(cat "$W/idp/issuer")
ECHO_PORT=$(sed -nE 's/^echo: ([0-9]+)$/\1/p' "$W/echo.log")

if "$RT/bin/java" -jar "$JAR" gateway check --config "$W/gateway.yaml" >"$W/check.out" 2>&1; then
  pass "gateway check on the runtime accepts the \${VAR} config"
else
  fail "gateway check on the runtime: $(cat "$W/check.out")"
fi

# --- the gateway on the runtime, port from $PORT ------------------------------------------------
start=$(date +%s%N)
PORT=$GW_PORT "$RT/bin/java" -jar "$JAR" gateway --config "$W/gateway.yaml" >"$W/gateway.log" 2>&1 &
GW_PID=$!
pids+=($GW_PID)
if wait_for "$W/gateway.log" "^ferry gateway listening on http://127\.0\.0\.1:$GW_PORT\$" 60 "$GW_PID"; then
  pass "listening on \$PORT=$GW_PORT after $((($(date +%s%N) - start) / 1000000)) ms"
else
  fail "no listening line on \$PORT=$GW_PORT"
  finish
fi
GW="http://127.0.0.1:$GW_PORT"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 "$GW/readyz")
if [ "$code" = 200 ]; then pass "/readyz 200"; else fail "/readyz $code"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 "$GW/healthz")
if [ "$code" = 200 ]; then pass "/healthz 200"; else fail "/healthz $code"; fi
if grep -q '"name":"runtime-check"' <<<"$(curl -s --max-time 15 "$GW/v1/info")"; then
  pass "/v1/info names the gateway from \${FERRY_NAME:-runtime-check}"
else
  fail "/v1/info: $(curl -s --max-time 15 "$GW/v1/info")"
fi
# Whole body first, then grep: under pipefail, `curl | grep -q` fails when grep stops reading
# early and curl gets EPIPE on the rest of a large body.
metrics=$(curl -s --max-time 15 "$GW/metrics")
if grep -q '^ferry_' <<<"$metrics"; then pass "/metrics"; else fail "/metrics has no ferry_ series ($(wc -c <<<"$metrics") bytes)"; fi

# --- a tunnel carries bytes -------------------------------------------------------------------
head -c 300000 /dev/urandom >"$W/blob"
want=$(sha256sum <"$W/blob" | cut -d' ' -f1)
got=$(timeout 60 java -jar "$JAR" stdio echo --gateway "$GW" --token-file "$W/idp/alice.token" \
  <"$W/blob" 2>"$W/stdio.err" | sha256sum | cut -d' ' -f1)
if [ "$want" = "$got" ]; then
  pass "300 kB through a tunnel to the echo target, SHA-256 matches"
else
  fail "tunnel bytes differ: $(head -3 "$W/stdio.err")"
fi

# --- SIGTERM with a tunnel open: exit 0 within 8 s, the session's end audited -------------------
mkfifo "$W/held.in"
timeout 60 java -jar "$JAR" stdio echo --gateway "$GW" --token-file "$W/idp/alice.token" \
  <"$W/held.in" >"$W/held.out" 2>"$W/held.err" &
HELD_PID=$!
pids+=($HELD_PID)
exec 3>"$W/held.in"
printf 'held-open\n' >&3
if wait_for "$W/held.out" '^held-open$' 60 $HELD_PID; then
  pass "a second tunnel is open and echoes"
else
  fail "the held tunnel did not echo: $(head -3 "$W/held.err")"
fi
session=$(grep '"session.start"' "$W/audit.jsonl" | tail -1 | sed -nE 's/.*"sessionId":"([^"]+)".*/\1/p')
start=$(date +%s%N)
kill -TERM "$GW_PID"
# -s 0.1: tail checks the PID only every second by default, up to 1 s more on the 8 s measured;
# after 15 s the gateway is killed, else the wait below would block CI for ever.
timeout 15 tail --pid="$GW_PID" -s 0.1 -f /dev/null || kill -KILL "$GW_PID" 2>/dev/null
wait "$GW_PID"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ $rc -eq 0 ] && [ $ms -lt 8000 ]; then
  pass "SIGTERM with a tunnel open: exit 0 after $ms ms"
else
  fail "SIGTERM with a tunnel open: exit $rc after $ms ms"
fi
if [ -n "$session" ] && grep '"session.end"' "$W/audit.jsonl" | grep -F "\"sessionId\":\"$session\"" >/dev/null; then
  pass "audit has session.end for the held session ($(grep '"session.end"' "$W/audit.jsonl" | grep "$session" | sed -nE 's/.*"reason":("?[^",}]*"?).*/reason \1/p'))"
else
  fail "no session.end for the held session '$session' in the audit"
fi
exec 3>&-
timeout 10 tail --pid="$HELD_PID" -f /dev/null
kill "$HELD_PID" 2>/dev/null
wait "$HELD_PID" 2>/dev/null
log "held client: exit $? ($(head -1 "$W/held.err" | grep -v picocli))"

finish

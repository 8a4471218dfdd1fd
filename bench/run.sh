#!/usr/bin/env bash
# Ferry's benchmark harness (issue 5): the same load client and target through each path, side by
# side, all on 127.0.0.1:
#   direct      client -> target
#   socat1      client -> socat -> target
#   socat2      client -> socat -> socat -> target            (Ferry's shape, no auth, no framing)
#   websockify  client -> wstunnel client (npm) -> websockify -> target
#   wstunnel    client -> wstunnel client (npm) -> wstunnel server (npm) -> target
#   ferry       client -> ferry connect -> ferry gateway -> target (token from a dev OIDC provider)
#   stdio       driver -> pipes -> ferry stdio (one process per stream) -> same gateway -> target:
#               one stream each way, and the time from the process's start to its first byte
# One path runs at a time; its relays are started before and stopped (by PID) after it. Prints a
# Markdown table; the full mode also rewrites docs/PERFORMANCE.md. A peer that cannot be installed
# is skipped with the reason in the table's notes.
#
#   bash bench/run.sh           full: 1 GiB per transfer (BENCH_BYTES), 10,000 tunnels for the
#                               capacity figure, JMH (bench/jmh.sh); about 10-15 minutes
#   bash bench/run.sh --smoke   CI: 4 MiB per transfer, a few seconds per figure, 200 tunnels,
#                               JMH in its smoke mode; prints only, about 2 minutes
#
# BENCH_PATHS=a,b,...  runs only those of direct socat1 socat2 wstunnel websockify ferry capacity
#                      stdio jmh (default: all); the others are listed as not selected. With it,
#                      the full mode prints only (docs/PERFORMANCE.md is rewritten by a full run).
# BENCH_STDIO_ROUNDS=N the stdio path N times (default 1), each round also `ferry connect`
#                      through the same driver; BENCH_STDIO_JARS="a.jar b.jar": each round also
#                      runs `java -jar X stdio` of those jars (another build, to compare) against
#                      a gateway of the same jar (port 0), since the protocol moves between builds;
#                      BENCH_STDIO_BYTES: bytes per stdio transfer (default BENCH_BYTES);
#                      BENCH_STDIO_JAVA_OPTS: JVM options of every stdio process (e.g. JFR).
#
# Needs java, mvn (builds target/ferry.jar and the test classes if missing), socat, websockify,
# npm (wstunnel@1.4.0 goes to bench/.npm). Background jobs of a script ignore SIGINT: everything
# is stopped with SIGTERM, then SIGKILL.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
# RATE_S: seconds of opening new tunnels (8 openers); IDLE: idle tunnels held for the memory
# figure; CAP_MAX / CAP_S: the capacity figure stops at that many tunnels or after that long.
if [ $SMOKE = 1 ]; then
  # LIMIT: the load client's bound per path; Ferry's includes jcmd attaches to the gateway, slow
  # on a loaded 2-core machine, and a Ferry path over it fails the run.
  BYTES=${BENCH_BYTES:-$((4 << 20))} PINGS=${BENCH_PINGS:-500} SETUPS=${BENCH_SETUPS:-20} LIMIT=120
  RATE_S=1 IDLE=100 CAP_MAX=200 CAP_S=30
else
  BYTES=${BENCH_BYTES:-$((1 << 30))} PINGS=${BENCH_PINGS:-20000} SETUPS=${BENCH_SETUPS:-300} LIMIT=420
  RATE_S=10 IDLE=1000 CAP_MAX=10000 CAP_S=240
fi
PARALLEL=16,64
ALL_PATHS=direct,socat1,socat2,wstunnel,websockify,ferry,capacity,stdio,jmh
PATHS=${BENCH_PATHS:-$ALL_PATHS}
want() { [[ ",$PATHS," == *",$1,"* ]]; }
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# Fixed ports below the ephemeral range (32768-60999 here): thousands of short connections per run
# leave local ports of that range busy, and a relay could then fail to bind its port.
PORT_BASE=${BENCH_PORT_BASE:-29100}
T_PORT=$PORT_BASE
W=$(mktemp -d /tmp/ferry-bench.XXXXXX)
R=$W/results
mkdir -p "$R"
pids=()

log() { printf '[%4ss] %s\n' "$SECONDS" "$*" >&2; }

stop() { # stop PID...: SIGTERM, then SIGKILL after 5 s
  local p i live ours=()
  # Only our children still running: a PID stopped earlier may belong to another process by now.
  live=" $(jobs -pr | tr '\n' ' ') "
  for p in "$@"; do [[ $live == *" $p "* ]] && ours+=("$p"); done
  for p in "${ours[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${ours[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}
cleanup() {
  [ ${#pids[@]} -gt 0 ] && stop "${pids[@]}"
  if [ -n "${BENCH_KEEP:-}" ]; then log "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

wait_port() { # wait_port PORT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
wait_for() { # wait_for FILE PATTERN SECONDS [PID: give up as soon as it exits]
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
      grep -qE "$2" "$1" 2>/dev/null && return 0
      log "process $4 exited while waiting for '$2' in $1:"; tail -5 "$1" >&2 2>/dev/null
      return 1
    fi
    sleep 0.1
  done
  log "timed out waiting for '$2' in $1:"; tail -20 "$1" >&2 2>/dev/null
  return 1
}
skip() { log "skip $1: $2"; printf '%s\n' "$2" >"$R/$1.skip"; }
unselected() { printf 'not selected (BENCH_PATHS=%s)\n' "$PATHS" >"$R/$1.skip"; }

# --- build what is missing ---------------------------------------------------------------------
# (rebuilt when a source is newer than the jar, so the figures always belong to the sources)
if [ ! -f target/ferry.jar ] || [ ! -f target/test-classes/dev/ferry/bench/BenchClientMain.class ] \
  || [ -n "$(find src pom.xml -newer target/ferry.jar -type f 2>/dev/null | head -1)" ]; then
  log "building target/ferry.jar and the test classes"
  mvn -B -q package -DskipTests || exit 1
fi
if [ ! -f target/test-classpath.txt ] || [ pom.xml -nt target/test-classpath.txt ]; then
  mvn -B -q dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt || exit 1
fi
JAR=$ROOT/target/ferry.jar
TEST_CP="$ROOT/target/test-classes:$(cat target/test-classpath.txt)"
CORE_CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat target/test-classpath.txt)"
BENCH_CP="$ROOT/target/test-classes"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the target --------------------------------------------------------------------------------
java -Xss256k -cp "$BENCH_CP" dev.ferry.bench.BenchTargetMain "$T_PORT" 3600 >"$W/target.log" 2>&1 &
pids+=($!)
wait_for "$W/target.log" '^bench-target: ' 60 $! || exit 1

measure() { # measure NAME PORT [SERVER_PIDS RELAY_PIDS [JVM_PID]] (PIDs comma-separated)
  # SERVER_PIDS: the gateway-side relay (the one next to the target); RELAY_PIDS: every relay
  # process of the path. Their CPU and memory are read from /proc (children included).
  log "measuring $1 (port $2, $BYTES bytes per transfer)"
  if ! timeout "$LIMIT" java -Dbench.parallel="$PARALLEL" -Dbench.rateSeconds="$RATE_S" \
    -Dbench.idle="$IDLE" -Dbench.serverPids="${3:-}" -Dbench.relayPids="${4:-}" \
    -Dbench.jvmPid="${5:-0}" -Dbench.clkTck="$CLK_TCK" \
    -cp "$BENCH_CP" dev.ferry.bench.BenchClientMain measure "$2" "$BYTES" \
    "$PINGS" "$SETUPS" "$R/$1.txt" >"$W/$1.client.log" 2>&1; then
    rm -f "$R/$1.txt"
    skip "$1" "the load client failed or ran over ${LIMIT} s: $(tail -1 "$W/$1.client.log")"
  fi
}

# --- direct ------------------------------------------------------------------------------------
if want direct; then measure direct "$T_PORT"; else unselected direct; fi

# --- socat, one hop and two hops -----------------------------------------------------------------
want socat1 || unselected socat1
want socat2 || unselected socat2
if ! want socat1 && ! want socat2; then
  : # neither selected
elif command -v socat >/dev/null; then
  P1=$((PORT_BASE + 1)) P2=$((PORT_BASE + 2))
  socat TCP-LISTEN:$P1,bind=127.0.0.1,fork,reuseaddr,backlog=512 TCP:127.0.0.1:$T_PORT 2>"$W/socat1.log" &
  s1=$!
  pids+=($s1)
  if want socat1; then
    wait_port $P1 10 && measure socat1 $P1 $s1 $s1 || skip socat1 "socat did not listen"
  fi
  if want socat2; then
    socat TCP-LISTEN:$P2,bind=127.0.0.1,fork,reuseaddr,backlog=512 TCP:127.0.0.1:$P1 2>"$W/socat2.log" &
    s2=$!
    pids+=($s2)
    wait_port $P2 10 && measure socat2 $P2 $s1 $s1,$s2 || skip socat2 "socat did not listen"
    stop $s2
  fi
  stop $s1
else
  skip socat1 "socat is not installed (apt-get install socat)"
  skip socat2 "socat is not installed (apt-get install socat)"
fi

# --- npm wstunnel 1.4.0 (client and server), and websockify behind its client -------------------
WST=$ROOT/bench/.npm/node_modules/.bin/wstunnel
if ! want wstunnel && ! want websockify; then
  : # neither selected
elif [ ! -x "$WST" ] && command -v npm >/dev/null; then
  log "npm install --prefix bench/.npm wstunnel@1.4.0"
  # bounded: offline, npm retries for minutes; the smoke run must stay well under a minute
  timeout $((SMOKE ? 30 : 120)) npm install --prefix "$ROOT/bench/.npm" --no-audit --no-fund \
    --fetch-retries=1 --fetch-timeout=15000 wstunnel@1.4.0 \
    >"$W/npm.log" 2>&1 || log "npm install failed: $(tail -1 "$W/npm.log")"
fi
if ! want wstunnel; then
  unselected wstunnel
elif [ -x "$WST" ]; then
  S=$((PORT_BASE + 3)) L=$((PORT_BASE + 4))
  "$WST" -s 127.0.0.1:$S -t 127.0.0.1:$T_PORT >"$W/wst-server.log" 2>&1 &
  ws=$!
  pids+=($ws)
  "$WST" -t 127.0.0.1:$L:127.0.0.1:$T_PORT ws://127.0.0.1:$S >"$W/wst-client.log" 2>&1 &
  wc=$!
  pids+=($wc)
  if wait_port $S 20 && wait_port $L 20; then measure wstunnel $L $ws $ws,$wc; else skip wstunnel "wstunnel did not listen: $(tail -1 "$W/wst-server.log") / $(tail -1 "$W/wst-client.log")"; fi
  stop $wc $ws
else
  skip wstunnel "npm wstunnel@1.4.0 could not be installed (npm missing or offline)"
fi
if ! want websockify; then
  unselected websockify
elif ! command -v websockify >/dev/null; then
  skip websockify "websockify is not installed (apt-get install websockify)"
elif [ ! -x "$WST" ]; then
  skip websockify "websockify is a server only; its client here is the npm wstunnel, which could not be installed"
else
  S=$((PORT_BASE + 5)) L=$((PORT_BASE + 6))
  websockify 127.0.0.1:$S 127.0.0.1:$T_PORT >"$W/websockify.log" 2>&1 &
  ws=$!
  pids+=($ws)
  "$WST" -t 127.0.0.1:$L:127.0.0.1:$T_PORT ws://127.0.0.1:$S >"$W/wsf-client.log" 2>&1 &
  wc=$!
  pids+=($wc)
  # One byte through the pair first: websockify 0.10 answers 400 "Invalid protocol selected" to
  # the subprotocol the npm wstunnel client asks for (tunnel-protocol), and no other WebSocket
  # client for it is served here (websocat is not packaged); then it is skipped with that reason.
  if ! wait_port $S 20 || ! wait_port $L 20; then
    skip websockify "websockify or its client did not listen: $(tail -1 "$W/websockify.log") / $(tail -1 "$W/wsf-client.log")"
  elif [ "$(timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$L; printf S >&3; head -c1 <&3" 2>/dev/null)" = S ]; then
    measure websockify $L $ws $ws,$wc
  else
    why=$(grep -oE 'code [0-9]+, message [^[:cntrl:]]*' "$W/websockify.log" | head -1)
    skip websockify "no client pairs with it here: the npm wstunnel client was refused (${why:-no byte came back}); websockify is a server only and websocat is not packaged"
  fi
  stop $wc $ws
fi

# --- Ferry: dev OIDC provider, gateway, ferry connect ---------------------------------------------
GW_PORT=$((PORT_BASE + 7))
want ferry || unselected ferry
want stdio || unselected stdio
STDIO_BYTES=${BENCH_STDIO_BYTES:-$BYTES}
stdio_measure() { # stdio_measure RUN GATEWAY_PID CLIENT_PID (exec COMMAND... | port PORT)
  # One run of BenchStdioMain; CLIENT_PID: `ferry connect`'s for a port, empty for exec (then the
  # command's own process is the client).
  local run=$1 server=$2 client=$3
  shift 3
  log "measuring $run ($STDIO_BYTES bytes per transfer)"
  mkdir -p "$R/stdio-runs"
  if ! FERRY_TOKEN=$(cat "$W/idp/alice.token") timeout "$LIMIT" java -Dbench.serverPids="$server" \
    -Dbench.clientPids="$client" -Dbench.clkTck="$CLK_TCK" -cp "$BENCH_CP" \
    dev.ferry.bench.BenchStdioMain measure "$R/stdio-runs/$run.txt" "$STDIO_BYTES" "$@" \
    >"$W/$run.log" 2>&1; then
    rm -f "$R/stdio-runs/$run.txt"
    log "$run failed or ran over ${LIMIT} s: $(tail -3 "$W/$run.log" | tr '\n' ' ')"
  fi
}
idp=
if want ferry || want capacity || want stdio; then
  java -cp "$TEST_CP" dev.ferry.testkit.DevIssuerMain "$W/idp" ferry-bench 3600 >"$W/idp.log" 2>&1 &
  idp=$!
  pids+=($idp)
fi
if [ -z "$idp" ]; then
  : # none of ferry, capacity, stdio selected
elif wait_for "$W/idp.log" '^issuer: ' 60 $idp; then
  # Warm the provider up: the gateway fetches discovery and keys with 5 s timeouts and, after a
  # failure, waits 30 s before it tries again; a cold provider JVM on a loaded machine can be that
  # slow to answer its first requests.
  for try in 1 2 3; do
    curl -fsS -m 30 "$(cat "$W/idp/issuer")/.well-known/openid-configuration" >"$W/discovery.json" 2>/dev/null \
      && curl -fsS -m 30 "$(sed -nE 's/.*"jwks_uri" *: *"([^"]+)".*/\1/p' "$W/discovery.json")" >/dev/null 2>&1 \
      && break
  done
  cat >"$W/gateway.yaml" <<CONF
gateway:
  name: bench
  bind: 127.0.0.1
identity:
  issuers:
    - issuer: $(cat "$W/idp/issuer")
      audiences: [ferry-bench]
      clientId: ferry-bench
audit:
  file: $W/audit.jsonl
proxies:
  - name: bench
    target: 127.0.0.1:$T_PORT
    allow: { groups: [dev] }
CONF
  java -jar "$JAR" gateway --config "$W/gateway.yaml" --port "$GW_PORT" >"$W/gateway.log" 2>&1 &
  gw=$!
  pids+=($gw)
  if wait_for "$W/gateway.log" '^ferry gateway listening on http://' 60 $gw; then
    # Up to three tries: on a loaded machine the gateway's first fetch of the provider's discovery
    # document can time out, and `ferry connect` then exits naming the issuer as unavailable.
    for try in 1 2 3; do
      FERRY_TOKEN=$(cat "$W/idp/alice.token") java -jar "$JAR" connect bench --port 0 \
        --gateway "http://127.0.0.1:$GW_PORT" >"$W/connect.log" 2>&1 &
      fc=$!
      pids+=($fc)
      wait_for "$W/connect.log" '^forwarding 127\.0\.0\.1:[0-9]+ -> bench' 60 $fc && break
      stop $fc
      log "ferry connect, try $try: $(tail -1 "$W/connect.log")"
      sleep 31 # the gateway's cool-down after a failed discovery
    done
    FC_PORT=$(sed -nE 's/^forwarding 127\.0\.0\.1:([0-9]+) -> bench.*/\1/p' "$W/connect.log")
    if ! want ferry; then
      :
    elif [ -n "$FC_PORT" ]; then
      measure ferry "$FC_PORT" $gw $gw,$fc $gw
    else
      skip ferry "ferry connect did not start: $(tail -1 "$W/connect.log")"
    fi
    # ferry stdio: one process per run, its own tunnel to the same gateway and target; each round
    # also runs `ferry connect` through the same driver (over its socket) and any other jars'
    # stdio (BENCH_STDIO_JARS), alternating, since the machine's noise moves between minutes.
    if want stdio; then
      run=0 stdio_log=/dev/null
      declare -A xgw=() # another build's stdio talks to that build's gateway
      for jar in ${BENCH_STDIO_JARS:-}; do
        x=$(basename "$jar" .jar)
        sed "s|^  file: .*|  file: $W/audit-$x.jsonl|" "$W/gateway.yaml" >"$W/gateway-$x.yaml"
        java -jar "$jar" gateway --config "$W/gateway-$x.yaml" --port 0 >"$W/gateway-$x.log" 2>&1 &
        pids+=($!)
        xgw[$jar]=$!
        wait_for "$W/gateway-$x.log" '^ferry gateway listening on http://' 60 $! \
          || log "the gateway of $jar did not start: $(tail -1 "$W/gateway-$x.log")"
      done
      for ((round = 1; round <= ${BENCH_STDIO_ROUNDS:-1}; round++)); do
        if [ -n "$FC_PORT" ]; then
          run=$((run + 1))
          stdio_measure "$(printf %02d $run)-connect" $gw $fc port "$FC_PORT"
        fi
        for jar in "$JAR" ${BENCH_STDIO_JARS:-}; do
          label=stdio url=http://127.0.0.1:$GW_PORT server=$gw
          if [ "$jar" != "$JAR" ]; then
            label="stdio-$(basename "$jar" .jar)" server=${xgw[$jar]}
            url=$(sed -nE 's|^ferry gateway listening on (http://[^ ]+).*|\1|p' \
              "$W/gateway-$(basename "$jar" .jar).log" | head -1)
          fi
          run=$((run + 1))
          # shellcheck disable=SC2086 # BENCH_STDIO_JAVA_OPTS: several options, e.g. for a profile
          stdio_measure "$(printf %02d $run)-$label" "$server" "" exec java ${BENCH_STDIO_JAVA_OPTS:-} -jar "$jar" \
            stdio bench --gateway "$url"
          [ "$label" = stdio ] && stdio_log="$W/$(printf %02d $run)-stdio.log"
          [ -f "$R/stdio.txt" ] || [ "$label" != stdio ] \
            || cp "$R/stdio-runs/$(printf %02d $run)-stdio.txt" "$R/stdio.txt" 2>/dev/null
        done
      done
      [ ${#xgw[@]} -gt 0 ] && stop "${xgw[@]}"
      [ -f "$R/stdio.txt" ] || skip stdio "ferry stdio failed: $(tail -2 "$stdio_log" | tr '\n' ' ')"
    fi
    stop $fc
  else
    want ferry && skip ferry "the gateway did not start: $(tail -1 "$W/gateway.log")"
    want stdio && skip stdio "the gateway did not start: $(tail -1 "$W/gateway.log")"
  fi
  stop $gw
  if ! want capacity; then
    CAP_NOTE="- Ferry's capacity: not selected (BENCH_PATHS=$PATHS)"
  else
    # Capacity: a fresh gateway with a 1 GiB heap, tunnels opened by the client core directly
    # (BenchCapacityMain says why), each carried to SESSION (authorized, target connected), idle.
    CAP_PORT=$((PORT_BASE + 8))
    java -Xmx1g -jar "$JAR" gateway --config "$W/gateway.yaml" --port "$CAP_PORT" >"$W/gateway-cap.log" 2>&1 &
    gc=$!
    pids+=($gc)
    if { ! want ferry || [ -f "$R/ferry.txt" ]; } && wait_for "$W/gateway-cap.log" '^ferry gateway listening on http://' 60 $gc; then
      log "capacity: up to $CAP_MAX tunnels on one gateway (-Xmx1g) within $CAP_S s"
      if timeout $((CAP_S + 120)) java -Dbench.jvmPid=$gc -cp "$CORE_CP" dev.ferry.bench.BenchCapacityMain \
        "http://127.0.0.1:$CAP_PORT" bench "$W/idp/alice.token" "$CAP_MAX" "$CAP_S" "$R/capacity.txt" \
        >"$W/capacity.log" 2>&1; then
        cat "$R/capacity.txt" >>"$R/ferry.txt"
        EMFILE=$(grep -c 'Too many open files' "$W/gateway-cap.log")
        CAP_NOTE="- Ferry's capacity: $(sed -n 's/^capacity_tunnels=//p' "$R/capacity.txt") of $CAP_MAX tunnels held by one gateway (-Xmx1g, open files limit $(ulimit -n)) after $(sed -n 's/^capacity_seconds=//p' "$R/capacity.txt") s; heap in use after a full GC $(sed -n 's/^capacity_heap_used_mib=//p' "$R/capacity.txt") MiB, PSS $(sed -n 's/^capacity_pss_mib=//p' "$R/capacity.txt") MiB; first failure: $(sed -n 's/^capacity_failure=//p' "$R/capacity.txt")$([ "$EMFILE" -gt 0 ] && echo " (the gateway logged 'Too many open files' $EMFILE times)")"
      else
        CAP_NOTE="- Ferry's capacity: not measured — the capacity client failed: $(tail -1 "$W/capacity.log")"
      fi
    else
      CAP_NOTE="- Ferry's capacity: not measured — the second gateway did not start: $(tail -1 "$W/gateway-cap.log")"
    fi
    stop $gc
  fi
else
  want ferry && skip ferry "the dev OIDC provider did not start"
  want stdio && skip stdio "the dev OIDC provider did not start"
fi
[ -n "$idp" ] && stop $idp

# --- the table ---------------------------------------------------------------------------------
TABLE=$(java -cp "$BENCH_CP" dev.ferry.bench.BenchClientMain report "$R" \
  direct socat1 socat2 websockify wstunnel ferry) || exit 1
[ -n "${CAP_NOTE:-}" ] && TABLE="$TABLE
$CAP_NOTE"
printf '\n%s\n' "$TABLE"
STDIO_TABLE=
if want stdio; then
  STDIO_TABLE=$(java -cp "$BENCH_CP" dev.ferry.bench.BenchStdioMain report "$R") || exit 1
  printf '\nferry stdio (%s bytes per transfer):\n\n%s\n' "$STDIO_BYTES" "$STDIO_TABLE"
fi
for p in direct ferry stdio; do
  # The paths made only of our own code (and the reference) must work, or the run fails.
  if want $p && [ ! -f "$R/$p.txt" ]; then log "$p was not measured"; exit 1; fi
done

# --- JMH microbenchmarks (frame codec, masking) -----------------------------------------------
if ! want jmh; then
  log "JMH not selected"
  exit 0
fi
if [ "$PATHS" != "$ALL_PATHS" ] && [ $SMOKE = 0 ]; then
  bash bench/jmh.sh || exit 1
  log "not all paths selected: docs/PERFORMANCE.md left as it is"
  exit 0
fi
log "JMH: bash bench/jmh.sh$([ $SMOKE = 1 ] && echo ' --smoke')"
if [ $SMOKE = 1 ]; then
  bash bench/jmh.sh --smoke || exit 1
  exit 0
fi
bash bench/jmh.sh "$R/jmh.md" >/dev/null || exit 1

# --- docs/PERFORMANCE.md (full mode only) ------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
MAIN_COMMIT=$(git log -1 --format='%h %s' -- src/main pom.xml 2>/dev/null || echo unknown)
# A hand-written "## Notes" section (to the end of the file) survives the rewrite.
NOTES=$(sed -n '/^## Notes/,$p' docs/PERFORMANCE.md 2>/dev/null)
git diff --quiet HEAD -- src pom.xml 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"
CPU=$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
JDK=$(java -version 2>&1 | head -1)
{
  echo "# Performance"
  echo
  echo "Written by \`bash bench/run.sh\` (do not edit by hand; rerun it). Everything ran on 127.0.0.1,"
  echo "one path at a time, with the same load client and target (\`src/test/java/dev/ferry/bench/\`)."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- commit: $COMMIT"
  echo "- Ferry's code (src/main, pom.xml) last changed in: $MAIN_COMMIT"
  echo "- machine: $(nproc) CPUs, $CPU; $(uname -sr); load average (1, 5, 15 min) $LOAD_BEFORE before"
  echo "  the run, $LOAD_AFTER after it (other work on the machine shows up here)"
  echo "- JDK: $JDK"
  echo "- per path: one download and one upload of $BYTES bytes over one connection (after an untimed"
  echo "  warm-up of an eighth of that, at most 64 MiB), $PINGS sequential 64-byte round trips on one"
  echo "  connection (after 1,000 untimed); the same download and upload split over 16, then 64"
  echo "  connections at once ($BYTES bytes in all each time; the aggregate counts from the common start"
  echo "  to the last byte, setups included); new connections opened for $RATE_S s by 8 threads at once"
  echo "  (connect, first byte echoed, close); then $SETUPS sequential new connections timed from connect"
  echo "  to the first byte echoed (after 10 untimed, and after the rate run, so every relay is warm: the"
  echo "  steady state of a long-running gateway, not a fresh JVM's JIT warm-up);"
  echo "  $IDLE idle connections held (first byte echoed) while the"
  echo "  gateway-side relay's memory is compared with before. Gbit/s are 10^9 bits per second."
  echo "- CPU-seconds per GiB: user + system time from /proc/PID/stat (children included: socat forks one"
  echo "  per connection) over all the timed bulk transfers above (one-tunnel and aggregate, 6 × $BYTES"
  echo "  bytes), divided by the GiB carried. \"Gateway-side relay\" is the process next to the target:"
  echo "  Ferry's gateway, socat's only relay (1 hop) or the one next to the target (2 hops), the"
  echo "  wstunnel or websockify server; \"all relay processes\" adds \`ferry connect\` and the other"
  echo "  socat or the wstunnel client."
  echo "- Memory per idle tunnel: PSS (/proc/PID/smaps_rollup, children included) after minus before,"
  echo "  divided by the tunnels; for Ferry's gateway (a JVM) also the heap in use after a full GC"
  echo "  (\`jcmd PID GC.run\`, then \`GC.heap_info\`), after minus before. A JVM's PSS moves with"
  echo "  its heap's commitment, so the heap figure is the one to read."
  echo "- Capacity: a second gateway with \`-Xmx1g\`; \`BenchCapacityMain\` opens tunnels through"
  echo "  the client core (\`TunnelConnector\`, 32 upgrades in flight, each carried to SESSION so the"
  echo "  target is connected), not through \`ferry connect\` (its forwarder would need 2 more"
  echo "  descriptors per tunnel), up to $CAP_MAX tunnels, the first failure or $CAP_S s. The open files"
  echo "  limit is $(ulimit -n) per process (soft and hard) and the gateway needs 2 per tunnel."
  echo
  echo "## Results"
  echo
  echo "$TABLE"
  echo
  if [ -n "$STDIO_TABLE" ]; then
    echo "\`ferry stdio\` (\`BenchStdioMain\`): one fresh process per stream, as ssh starts it, the load"
    echo "driven through its standard input and output; one download and one upload of $STDIO_BYTES bytes after"
    echo "an untimed warm-up of an eighth (at most 64 MiB), and the time from the process's start (JVM, token,"
    echo "tunnel) to the first byte echoed. \"Ferry (connect)\" is the same driver over the running \`ferry"
    echo "connect\`'s socket (warm); socat 2 hops is the one-tunnel row above. Medians of the runs listed."
    echo
    echo "$STDIO_TABLE"
    echo
  fi
  echo "Ratios are Ferry's value divided by the other's: above 1× is better for throughput, below 1× is"
  echo "better for times. The best peer is chosen per row among socat, websockify and wstunnel."
  echo
  echo "## The paths, exactly"
  echo
  echo '```sh'
  echo "java -Xss256k -cp target/test-classes dev.ferry.bench.BenchTargetMain $T_PORT          # target"
  echo "java -cp target/test-classes dev.ferry.bench.BenchClientMain measure PORT $BYTES $PINGS $SETUPS OUT"
  echo "# socat, one hop (port $((PORT_BASE + 1))) and two hops (port $((PORT_BASE + 2)) -> $((PORT_BASE + 1)))"
  echo "socat TCP-LISTEN:$((PORT_BASE + 1)),bind=127.0.0.1,fork,reuseaddr,backlog=512 TCP:127.0.0.1:$T_PORT"
  echo "socat TCP-LISTEN:$((PORT_BASE + 2)),bind=127.0.0.1,fork,reuseaddr,backlog=512 TCP:127.0.0.1:$((PORT_BASE + 1))"
  echo "# npm wstunnel 1.4.0 (npm install --prefix bench/.npm wstunnel@1.4.0)"
  echo "wstunnel -s 127.0.0.1:$((PORT_BASE + 3)) -t 127.0.0.1:$T_PORT"
  echo "wstunnel -t 127.0.0.1:$((PORT_BASE + 4)):127.0.0.1:$T_PORT ws://127.0.0.1:$((PORT_BASE + 3))"
  echo "# websockify (Debian) is a server only; its client is the npm wstunnel's"
  echo "websockify 127.0.0.1:$((PORT_BASE + 5)) 127.0.0.1:$T_PORT"
  echo "wstunnel -t 127.0.0.1:$((PORT_BASE + 6)):127.0.0.1:$T_PORT ws://127.0.0.1:$((PORT_BASE + 5))"
  echo "# Ferry: dev OIDC provider, gateway (proxy bench -> target), forwarder"
  echo "java -cp target/test-classes:\$(cat target/test-classpath.txt) dev.ferry.testkit.DevIssuerMain IDP ferry-bench"
  echo "java -jar target/ferry.jar gateway --config gateway.yaml --port $GW_PORT"
  echo "FERRY_TOKEN=\$(cat IDP/alice.token) java -jar target/ferry.jar connect bench --port 0 --gateway http://127.0.0.1:$GW_PORT"
  echo "# ferry stdio: the driver starts the process and talks to the target through its stdin/stdout"
  echo "FERRY_TOKEN=\$(cat IDP/alice.token) java -cp target/test-classes dev.ferry.bench.BenchStdioMain measure OUT $STDIO_BYTES \\"
  echo "  exec java -jar target/ferry.jar stdio bench --gateway http://127.0.0.1:$GW_PORT"
  echo "# capacity: a second gateway with a 1 GiB heap, tunnels from the client core"
  echo "java -Xmx1g -jar target/ferry.jar gateway --config gateway.yaml --port $((PORT_BASE + 8))"
  echo "java -Dbench.jvmPid=GATEWAY_PID -cp target/test-classes:target/classes:\$(cat target/test-classpath.txt) \\"
  echo "  dev.ferry.bench.BenchCapacityMain http://127.0.0.1:$((PORT_BASE + 8)) bench IDP/alice.token $CAP_MAX $CAP_S OUT"
  echo '```'
  echo
  echo "## JMH microbenchmarks"
  echo
  echo "\`bash bench/jmh.sh\` (\`src/test/java/dev/ferry/bench/jmh/\`; JMH 1.37, one fork, 3 warm-up and 5"
  echo "measured iterations of 1 s, average time per operation, same machine and run as above)."
  echo "\`FrameCodecBenchmark\`: \`FrameCodec\` encoding and decoding DATA (16 KiB payload, wrapped and"
  echo "sliced, not copied), ACK and EOF on Netty's pooled allocator. \`MaskingBenchmark\`: a client's"
  echo "DATA frame from a freshly allocated payload to masked wire bytes — \`ferryEncoder\` is the relay's"
  echo "\`DataFrameEncoder\` (masks in place), \`nettyEncoder\` the path it replaced (\`FrameCodec.data\`"
  echo "in a \`BinaryWebSocketFrame\` through Netty's masking \`WebSocket08FrameEncoder\`, which copies),"
  echo "both in an \`EmbeddedChannel\`; \`maskInPlace\` is the XOR loop alone."
  echo
  cat "$R/jmh.md"
  if [ -n "$NOTES" ]; then printf '\n%s\n' "$NOTES"; fi
} >docs/PERFORMANCE.md.tmp && mv docs/PERFORMANCE.md.tmp docs/PERFORMANCE.md
log "wrote docs/PERFORMANCE.md"

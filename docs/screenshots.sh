#!/usr/bin/env bash
# Screenshots of the real desktop app under Xvfb, with a real tray (trayer), a real OIDC provider
# (mock-oauth2-server, DevIssuerMain), a real gateway and echo targets, saved to docs/images/:
#   main.png       the proxy list, signed in
#   connected.png  a forwarder with live stats while bytes flow through it
#   tray.png       the tray menu (right click on the icon in trayer)
#   history.png    the History tab, with the sessions of the connected shot once they closed
# and the measurements of docs/DESKTOP.md (cold start to first window, idle memory) in
# target/desktop-measurements.txt.
#
# Installs nothing: needs Xvfb, trayer, xdotool, xwininfo (x11-utils) and ImageMagick (.ci/run
# installs them), target/ferry.jar, target/test-classes and target/test-classpath.txt. Sign-in uses
# --token-file with a token of the provider (the browser cannot run under Xvfb).
# Everything runs on 127.0.0.1 and :99 and is stopped on exit; the whole run is bounded in time.
# Exit status: non-zero only if the app (or what it needs) failed to start; a screenshot that could
# not be taken is reported and skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JAR="$ROOT/target/ferry.jar"
OUT="$ROOT/docs/images"
MEASURE="$ROOT/target/desktop-measurements.txt"
W=$(mktemp -d /tmp/ferry-shots.XXXXXX)
DISP=${FERRY_SHOTS_DISPLAY:-:99}
GW_PORT=28180 FWD_PORT=15432 # below the ephemeral range (32768-60999)
pids=()

log() { printf 'screenshots: %s\n' "$*"; }
cleanup() {
  # The app first, and wait for it: GTK crashes when its X server goes away under it.
  if [ -n "${APP:-}" ] && kill -0 "$APP" 2>/dev/null; then
    kill "$APP" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$APP" 2>/dev/null || break; sleep 0.1; done
  fi
  # Only our children still running (a PID reaped earlier may be reused), newest first; SIGKILL
  # what is left after 10 s, so that the wait cannot block for ever.
  local live
  live=" $(jobs -pr | tr '\n' ' ') "
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    [[ $live == *" ${pids[i]} "* ]] && kill "${pids[i]}" 2>/dev/null
  done
  for _ in $(seq 100); do [ -z "$(jobs -pr)" ] && break; sleep 0.1; done
  for p in $(jobs -pr); do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' TERM INT
# The whole run is bounded: a watchdog ends this script after 4 minutes.
(
  trap 'kill $sp 2>/dev/null; exit 0' TERM
  sleep 240 & sp=$!
  wait $sp && log "timed out after 240 s" && kill -TERM $$
) 2>/dev/null &
pids+=($!)

for tool in Xvfb trayer xdotool xwininfo import convert compare java; do
  command -v "$tool" >/dev/null || { log "skipped: $tool is not installed (.ci/run installs it)"; exit 0; }
done
[ -f "$JAR" ] && [ -f target/test-classpath.txt ] || { log "skipped: build first (target/ferry.jar, target/test-classpath.txt)"; exit 0; }
TEST_CP="$ROOT/target/test-classes:$(cat target/test-classpath.txt)"

# wait_for FILE PATTERN SECONDS [PID]: gives up early once PID has exited
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
  log "timed out waiting for '$2' in $1:"; tail -20 "$1" 2>/dev/null | sed 's/^/    /'
  return 1
}

# shot NAME [crop geometry]: the whole screen, or the geometry, as docs/images/NAME.png (< 300 KB).
shot() {
  local name=$1 geometry=${2:-}
  if ! import -display "$DISP" -window root "$W/raw.png" 2>"$W/import.log"; then
    log "could not take $name: $(cat "$W/import.log")"; return 1
  fi
  mkdir -p "$OUT"
  if [ -n "$geometry" ]; then
    convert "$W/raw.png" -crop "$geometry" +repage "$W/raw.png"
  fi
  convert "$W/raw.png" -strip -define png:compression-level=9 "$OUT/$name.png"
  if [ "$(stat -c %s "$OUT/$name.png")" -gt 300000 ]; then
    convert "$W/raw.png" -strip -colors 256 -define png:compression-level=9 "PNG8:$OUT/$name.png"
  fi
  log "saved docs/images/$name.png ($(stat -c %s "$OUT/$name.png") bytes)"
}

# --- display and tray --------------------------------------------------------------------
# -displayfd: Xvfb writes the display number once it accepts clients. Polling xwininfo instead
# would also succeed on another X server already holding the display, while ours exits.
Xvfb "$DISP" -screen 0 1280x800x24 -nolisten tcp -displayfd 3 3>"$W/xvfb.display" >"$W/xvfb.log" 2>&1 &
XVFB=$!
pids+=($XVFB)
export DISPLAY=$DISP
for _ in $(seq 200); do [ -s "$W/xvfb.display" ] && break; kill -0 $XVFB 2>/dev/null || break; sleep 0.1; done
[ -s "$W/xvfb.display" ] && xwininfo -root >/dev/null 2>&1 || { log "Xvfb did not start: $(cat "$W/xvfb.log")"; exit 1; }
xsetroot -solid '#3b4252' 2>/dev/null || true
trayer --edge top --align right --widthtype request --height 32 --transparent false \
  --tint 0x333333 >"$W/trayer.log" 2>&1 &
pids+=($!)

# --- identity provider, targets, gateway -------------------------------------------------
java -cp "$TEST_CP" dev.ferry.testkit.DevIssuerMain "$W/idp" ferry-demo 600 >"$W/idp.log" 2>&1 &
IDP=$!
pids+=($IDP)
java -cp "$TEST_CP" dev.ferry.testkit.EchoServerMain 0 600 >"$W/echo.log" 2>&1 &
ECHO_PID=$!
pids+=($ECHO_PID)
wait_for "$W/idp.log" '^issuer: ' 60 $IDP || exit 1
wait_for "$W/echo.log" '^echo: ' 60 $ECHO_PID || exit 1
ISSUER=$(cat "$W/idp/issuer")
ECHO=127.0.0.1:$(sed -n 's/^echo: //p' "$W/echo.log")

cat >"$W/gateway.yaml" <<CONF
gateway:
  name: acme-prod
  bind: 127.0.0.1
identity:
  issuers:
    - issuer: $ISSUER
      audiences: [ferry-demo]
      clientId: ferry-demo
proxies:
  - name: orders-db
    description: Orders PostgreSQL (primary)
    target: $ECHO
    kind: postgres
    tags: [prod, db]
    allow: { groups: [dev] }
  - name: analytics-db
    description: Reporting replica, read-only
    target: $ECHO
    kind: postgres
    tags: [staging, db]
    allow: { groups: [dev] }
  - name: bastion
    description: SSH jump host for the prod VPC
    target: $ECHO
    kind: ssh
    tags: [prod]
    allow: { groups: [dev] }
  - name: sessions-cache
    description: Redis for web sessions
    target: $ECHO
    kind: redis
    tags: [staging, cache]
    allow: { groups: [dev] }
  - name: grafana
    description: Dashboards
    target: $ECHO
    kind: http
    tags: [tools]
    allow: { groups: [dev] }
  - name: legacy-crm
    description: Old CRM over raw TCP (being retired)
    target: 127.0.0.1:9
    kind: tcp
    tags: [prod]
    allow: { groups: [dev] }
CONF
java -jar "$JAR" gateway --config "$W/gateway.yaml" --port "$GW_PORT" >"$W/gateway.log" 2>&1 &
pids+=($!)
wait_for "$W/gateway.log" 'listening on' 60 $! || exit 1
GW="http://127.0.0.1:$GW_PORT"

# --- the app: its own HOME and XDG folders, settings seeded to open on the gateway ----------
export HOME="$W/home" XDG_CONFIG_HOME="$W/home/.config" XDG_DATA_HOME="$W/home/.local/share"
export XDG_CACHE_HOME="$W/home/.cache"
mkdir -p "$XDG_CONFIG_HOME/ferry"
cat >"$XDG_CONFIG_HOME/ferry/desktop.json" <<JSON
{
  "theme": "LIGHT",
  "gateways": ["$GW"],
  "favorites": ["$GW#orders-db", "$GW#bastion"],
  "recents": ["$GW#sessions-cache", "$GW#orders-db", "$GW#grafana"],
  "pinnedPorts": {"$GW#orders-db": $FWD_PORT}
}
JSON

start_ns=$(date +%s%N)
java -XX:ErrorFile="$W/hs_err_%p.log" -jar "$JAR" desktop --token-file "$W/idp/alice.token" >"$W/app.log" 2>&1 &
APP=$!
pids+=($APP)
WIN=
# Up to 90 s (3.9-9.1 s measured on 2 shared cores, docs/DESKTOP.md); an app that exits stops it.
until [ $(( ($(date +%s%N) - start_ns) / 1000000000 )) -ge 90 ]; do
  WIN=$(xdotool search --onlyvisible --name '^Ferry$' 2>/dev/null | head -1)
  [ -n "$WIN" ] && break
  kill -0 "$APP" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$WIN" ]; then
  log "the app did not show its window:"; tail -30 "$W/app.log" | sed 's/^/    /'
  exit 1
fi
mapped_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
log "window mapped ${mapped_ms} ms after start"
eval "$(xdotool getwindowgeometry --shell "$WIN")" # X, Y, WIDTH, HEIGHT
# click DX DY: a left click at (DX, DY) inside the window
click() { xdotool mousemove $((X + $1)) $((Y + $2)) click 1; }
sleep 6 # sign-in with the token file, the proxy list, the tray icon

shot main "${WIDTH}x${HEIGHT}+${X}+${Y}"

# Idle memory: the window open and signed in, nothing connected, 30 s after start.
sleep $(( 30 - (($(date +%s%N) - start_ns) / 1000000000) > 0 ? 30 - (($(date +%s%N) - start_ns) / 1000000000) : 0 ))
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$APP/status" 2>/dev/null)
heap=$(jcmd "$APP" GC.heap_info 2>/dev/null | grep -E 'total|used' | head -3 | tr -s ' ' | tr '\n' ';')
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo), $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "cold start to window mapped: ${mapped_ms} ms"
  echo "idle RSS after 30 s: $((rss_kb / 1024)) MiB"
  echo "heap (jcmd GC.heap_info): $heap"
} >"$MEASURE"
sed 's/^/    /' "$MEASURE"

# --- connected: quick-connect orders-db (pinned to $FWD_PORT) from its row, then send bytes ----
# The first row's Connect button: the proxy list ends at 64 % of the width (MainView's divider);
# its row sits below the top bar (~50 px) and the Connect / History / Settings tab bar (~38 px).
click "${FERRY_SHOTS_CONNECT_X:-$((WIDTH * 64 / 100 - 76))}" "${FERRY_SHOTS_CONNECT_Y:-166}"
# Wait for the port to listen without connecting to it (a probe would be a session in History).
listening() {
  grep -qE "^ *[0-9]+: [0-9A-F]+:$(printf '%04X' "$1") [0-9A-F]+:0000 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
for _ in $(seq 50); do listening "$FWD_PORT" && break; sleep 0.2; done
if listening "$FWD_PORT"; then
  (
    exec 3<>"/dev/tcp/127.0.0.1/$FWD_PORT"
    cat <&3 >/dev/null 2>&1 &
    reader=$!
    for i in $(seq 1 40); do
      head -c $(( (i % 7 + 1) * 90000 + RANDOM * 3 )) /dev/zero >&3
      sleep 0.5
    done
    sleep 1 # the last echoes back, then close: the session ends and goes into the history
    kill "$reader" 2>/dev/null
    exec 3>&-
  ) &
  SENDER=$!
  pids+=($SENDER)
  sleep 14
  shot connected "${WIDTH}x${HEIGHT}+${X}+${Y}"
else
  log "skipped connected.png: nothing listens on 127.0.0.1:$FWD_PORT (the Connect click missed?)"
fi

# --- the tray menu: right click on Ferry's icon in trayer --------------------------------
# trayer's panel window holds the icons; Ferry's is the only one, at its right end.
PANEL=$(xdotool search --name '^panel$' 2>/dev/null | head -1)
if [ -n "$PANEL" ]; then
  eval "$(xdotool getwindowgeometry --shell "$PANEL" | sed 's/^/T/')" # TX, TY, TWIDTH, THEIGHT
  # Click and leave the icon at once (over the menu's first item), before its tooltip shows.
  xdotool mousemove $((TX + TWIDTH - 13)) $((TY + THEIGHT / 2)) click 3 \
    sleep 0.2 mousemove_relative -- -150 14
  sleep 1.5
  shot tray "560x300+$((1280 - 560))+0"
  xdotool key Escape
else
  log "skipped tray.png: no trayer window (no tray icon)"
fi

# --- history: the sessions above once closed, in the History tab -------------------------
if [ -n "${SENDER:-}" ]; then
  # The sender closes its connection after ~21 s (it started ~17 s ago); a second, short
  # session gives the table two rows.
  for _ in $(seq 150); do kill -0 "$SENDER" 2>/dev/null || break; sleep 0.1; done
  (
    exec 3<>"/dev/tcp/127.0.0.1/$FWD_PORT" || exit 0
    printf 'SELECT 1;\n' >&3
    timeout 2 head -c 10 <&3 >/dev/null
    exec 3>&-
  ) 2>/dev/null
  sleep 1.5 # the history store writes off the FX thread
  # The History tab header: second in the tab bar under the top bar (Connect, History, Settings).
  HX=${FERRY_SHOTS_HISTORY_X:-158} HY=${FERRY_SHOTS_HISTORY_Y:-69}
  # A click that misses leaves the Connect tab: compare its Gateways box (static, unlike the
  # live stats and the token countdown) before and after.
  box="250x180+$((X + 5))+$((Y + 95))"
  import -display "$DISP" -window root -crop "$box" "$W/before.png" 2>/dev/null
  click "$HX" "$HY"
  sleep 1.5
  import -display "$DISP" -window root -crop "$box" "$W/after.png" 2>/dev/null
  changed=$(compare -metric AE "$W/before.png" "$W/after.png" null: 2>&1 | cut -d' ' -f1)
  if [ -n "$changed" ] && [ "${changed%%.*}" != 0 ] 2>/dev/null; then
    shot history "${WIDTH}x${HEIGHT}+${X}+${Y}"
  else
    log "skipped history.png: the click on the History tab at ($HX, $HY) changed nothing"
  fi
else
  log "skipped history.png: no session was made (see connected.png)"
fi
if ! kill -0 "$APP" 2>/dev/null; then
  log "the app crashed:"; tail -30 "$W/app.log" | sed 's/^/    /'
  cat "$W"/hs_err_*.log 2>/dev/null | head -40
  exit 1
fi
exit 0

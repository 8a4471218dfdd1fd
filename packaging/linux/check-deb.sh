#!/usr/bin/env bash
# End-to-end check of the Linux installer (run as root, after packaging/build-installer.sh):
# installs target/installer/ferry_*.deb with dpkg -i, runs `ferry --version` and
# `ferry demo --no-gui` from the installed launcher, checks that the demo gateway answers and
# that a tunnel carries bytes, stops the demo, purges the package and checks nothing is left.
# Every step is bounded in time; whatever this script starts or installs, it stops or removes.
# Prints PASS/FAIL lines and a final `deb-check: N passed, N failed`; exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

pass=0
fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else ko "$what"; fi; }

W=$(mktemp -d /tmp/ferry-deb-check.XXXXXX)
demo_pid=""
installed=""
finish() {
  if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
    kill -KILL "$demo_pid" 2>/dev/null
  fi
  if [ -n "$installed" ]; then
    timeout 120 dpkg -P ferry >/dev/null 2>&1
  fi
  rm -rf "$W"
}
trap finish EXIT

deb=$(ls target/installer/ferry_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
  ko "no target/installer/ferry_*.deb: run packaging/build-installer.sh first"
  echo "deb-check: $pass passed, $fail failed"
  exit 1
fi
pom_version=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)
echo "package: $deb ($(du -h "$deb" | cut -f1))"

# A leftover install from an earlier, interrupted run would hide what this one installs.
if dpkg -s ferry >/dev/null 2>&1; then
  timeout 120 dpkg -P ferry >/dev/null 2>&1
fi

# dpkg -i does not fetch dependencies. The package's Depends (the shared libraries the runtime
# links against, found by jpackage, plus libgtk-3-0 and xdg-utils) that are missing here come
# from apt first, so that dpkg -i installs exactly what a user's apt would.
missing=""
for dep in $(dpkg-deb -f "$deb" Depends | tr -d ' ' | tr ',' ' '); do
  grep -q 'install ok installed' <<<"$(dpkg-query -W -f='${Status}' "$dep" 2>/dev/null)" ||
    missing="$missing $dep"
done
if [ -n "$missing" ] && command -v apt-get >/dev/null; then
  echo "installing the package's missing dependencies:$missing"
  # Three tries (a Debian mirror fails now and then), waiting for a dpkg lock held by another apt.
  for try in 1 2 3; do
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
      --no-install-recommends $missing >"$W/apt.log" 2>&1 && break
    tail -n 5 "$W/apt.log"
    [ "$try" = 3 ] || sleep $((try * 20))
  done
fi

if timeout 180 dpkg -i "$deb" >"$W/dpkg-i.log" 2>&1; then
  installed=yes
  ok "dpkg -i $(basename "$deb")"
else
  installed=yes
  ko "dpkg -i: $(tail -n 5 "$W/dpkg-i.log")"
fi
check "launcher /opt/ferry/bin/ferry is executable" test -x /opt/ferry/bin/ferry
check "/usr/bin/ferry links to the launcher" test "$(readlink /usr/bin/ferry)" = /opt/ferry/bin/ferry
check "menu entry /usr/share/applications/ferry.desktop" test -f /usr/share/applications/ferry.desktop
echo "installed size: $(du -sh /opt/ferry 2>/dev/null | cut -f1)"

# The JVM unpacks JavaFX natives and the demo keeps its state under HOME: a fresh, writable one.
export HOME="$W/home"
mkdir -p "$HOME"

start=$(date +%s%N)
version=$(timeout 60 /opt/ferry/bin/ferry --version 2>"$W/version.err")
ms=$((($(date +%s%N) - start) / 1000000))
check "ferry --version prints 'ferry $pom_version' ($ms ms): got '$version'" \
  test "$version" = "ferry $pom_version"
check "ferry --version on the PATH (/usr/bin/ferry)" \
  test "$(timeout 60 ferry --version 2>/dev/null)" = "ferry $pom_version"

# The demo from the installed launcher, started without a subshell so $! is its PID.
/opt/ferry/bin/ferry demo --no-gui >"$W/demo.log" 2>&1 &
demo_pid=$!
gateway=""
# Up to 120 s, and until bob's token file line too: it comes after the gateway line, and the log
# may be caught between the two.
for _ in $(seq 1 240); do
  gateway=$(sed -n 's/^gateway: \(http[^ ]*\)$/\1/p' "$W/demo.log" | head -n 1)
  [ -n "$gateway" ] && grep -q '^ *bob .*token file ' "$W/demo.log" && break
  kill -0 "$demo_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -n "$gateway" ]; then
  ok "ferry demo --no-gui printed gateway: $gateway"
else
  ko "ferry demo --no-gui printed no gateway line in 120 s: $(tail -n 5 "$W/demo.log")"
fi

if [ -n "$gateway" ]; then
  if info=$(curl -fsS --max-time 10 "$gateway/v1/info" 2>&1); then
    ok "GET $gateway/v1/info: $info"
  else
    ko "GET $gateway/v1/info: $info"
  fi
  bob_token=$(sed -n 's/^ *bob .*token file \(.*\)$/\1/p' "$W/demo.log" | head -n 1)
  check "the demo wrote bob's token file ($bob_token)" test -s "$bob_token"
  echoed=$(printf hello | timeout 60 /opt/ferry/bin/ferry stdio demo-echo \
    --gateway "$gateway" --token-file "$bob_token" 2>"$W/stdio.err")
  check "ferry stdio demo-echo carried 'hello' there and back: got '$echoed'" test "$echoed" = hello
  [ "$echoed" = hello ] || tail -n 5 "$W/stdio.err"
fi

# SIGTERM stops the demo within 15 s, and its temporary folder (the token files) goes with it.
if kill -0 "$demo_pid" 2>/dev/null; then
  kill -TERM "$demo_pid"
  for _ in $(seq 1 30); do
    kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$demo_pid" 2>/dev/null; then
    ko "ferry demo still running 15 s after SIGTERM (killed)"
    kill -KILL "$demo_pid" 2>/dev/null
  else
    ok "ferry demo exited after SIGTERM"
  fi
  wait "$demo_pid" 2>/dev/null
else
  ko "ferry demo had already exited: $(tail -n 5 "$W/demo.log")"
fi
demo_pid=""
if [ -n "${bob_token:-}" ]; then
  check "the demo removed its temporary folder" test ! -e "$(dirname "$bob_token")"
fi

if timeout 120 dpkg -P ferry >"$W/dpkg-r.log" 2>&1; then
  installed=""
  ok "dpkg -P ferry (remove and purge)"
else
  ko "dpkg -P ferry: $(tail -n 5 "$W/dpkg-r.log")"
fi
check "/opt/ferry is gone" test ! -e /opt/ferry
check "dpkg knows no ferry package any more" test -z "$(dpkg-query -W -f='${Status}' ferry 2>/dev/null)"
check "/usr/bin/ferry is gone" test ! -e /usr/bin/ferry -a ! -L /usr/bin/ferry
check "the menu entry is gone" test ! -e /usr/share/applications/ferry.desktop -a ! -L /usr/share/applications/ferry.desktop

echo "deb-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

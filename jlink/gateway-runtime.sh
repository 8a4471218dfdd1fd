#!/usr/bin/env bash
# Builds the gateway's Java runtime into target/runtime-gateway (or $1): the JDK modules listed in
# jlink/gateway.modules, no JavaFX, no java.desktop. Runs target/ferry.jar (`mvn package`) as
#   target/runtime-gateway/bin/java -jar target/ferry.jar gateway --config FILE
# Needs a JDK 17 with jmods (JAVA_HOME, else the one `javac` belongs to) and, for --strip-debug,
# objcopy (Debian: binutils); without objcopy it strips only Java debug attributes.
# No --generate-cds-archive: it adds 22 MB (two archives) and saves about 30-50 ms of JVM start
# here, against a gateway start of 2-3 s that is mostly class loading from the jar and Netty setup.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/runtime-gateway}
if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
JMODS="$JAVA_HOME/jmods"
[ -d "$JMODS" ] || { echo "gateway-runtime: no $JMODS (need a full JDK with jmods)" >&2; exit 1; }
modules=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' jlink/gateway.modules | grep -v '^$' | paste -sd, -)
strip=--strip-debug
command -v objcopy >/dev/null || strip=--strip-java-debug-attributes
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
"$JAVA_HOME/bin/jlink" --module-path "$JMODS" --add-modules "$modules" \
  "$strip" --no-header-files --no-man-pages --compress=2 --output "$OUT"
echo "gateway runtime: $OUT ($(du -sh "$OUT" | cut -f1); modules $modules)"

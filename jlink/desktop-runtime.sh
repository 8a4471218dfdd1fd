#!/usr/bin/env bash
# Builds the desktop runtime (JDK modules + JavaFX) into target/runtime-desktop with jlink.
# The modules are listed in jlink/desktop.modules. JavaFX comes from the linux-classified
# modular jars in the local Maven repository (run `mvn package` first, which fetches them).
# Needs a JDK with jmods ($JAVA_HOME/jmods) and objcopy (binutils) for --strip-debug.
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
out=target/runtime-desktop
m2=${MAVEN_REPO:-$HOME/.m2/repository}
fx_version=$(sed -n 's:.*<javafx.version>\(.*\)</javafx.version>.*:\1:p' pom.xml)
sep=:
case "$(uname -s)" in
  Linux) fx_os=linux ;;
  Darwin) fx_os=mac ;;
  *) fx_os=win; sep=';' ;; # Git Bash on Windows: the JDK wants ';' between module-path entries
esac
case "$(uname -m)" in aarch64 | arm64) fx_os="$fx_os-aarch64" ;; esac

fx_path=""
for m in base graphics controls; do
  jar="$m2/org/openjfx/javafx-$m/$fx_version/javafx-$m-$fx_version-$fx_os.jar"
  if [ ! -f "$jar" ]; then
    echo "missing $jar: run 'mvn package' (or dependency:get) first" >&2
    exit 1
  fi
  fx_path="$fx_path$sep$jar"
done

modules=$(grep -v '^\s*#' jlink/desktop.modules | grep -v '^\s*$' | paste -sd, -)
rm -rf "$out"
"$JAVA_HOME/bin/jlink" --module-path "$JAVA_HOME/jmods$fx_path" \
  --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$out"
echo "desktop runtime: $out ($(du -sh "$out" | cut -f1))"

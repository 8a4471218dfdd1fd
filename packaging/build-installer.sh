#!/usr/bin/env bash
# Builds the installer for this OS with jpackage into target/installer. Linux only today: a .deb
# (system-wide, /opt/ferry; a .deb cannot install per user). Windows and macOS steps are in
# packaging/README.md.
#
#   bash packaging/build-installer.sh          # .deb from target/ferry.jar (built if missing)
#   FERRY_INSTALLER_TYPE=rpm bash packaging/build-installer.sh   # untested: needs rpm-build, and
#        the /usr/bin/ferry link and menu entry come from the .deb's postinst only
#
# Needs a JDK 17 with jmods and jpackage, binutils (objcopy, for jlink --strip-debug) and
# fakeroot (jpackage's .deb step needs it even as root).
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
export JAVA_HOME
type=${FERRY_INSTALLER_TYPE:-deb}

[ "$(uname -s)" = Linux ] || { echo "build-installer.sh builds Linux packages; see packaging/README.md for Windows and macOS" >&2; exit 2; }
for tool in "$JAVA_HOME/bin/jpackage" "$JAVA_HOME/bin/jlink"; do
  [ -x "$tool" ] || { echo "missing $tool (a full JDK 17 is needed)" >&2; exit 2; }
done
if [ "$type" = deb ]; then
  for tool in fakeroot objcopy dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install fakeroot binutils" >&2; exit 2; }
  done
fi

# The version is the pom's; jpackage wants numbers only, so 0.1.0-SNAPSHOT becomes 0.1.0.
pom_version=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)
app_version=${pom_version%%-*}

[ -f target/ferry.jar ] || mvn -B -q package -DskipTests
bash jlink/desktop-runtime.sh

# jpackage copies all of --input into /opt/ferry/lib/app: only the jar. The menu entry
# (packaging/linux/ferry.desktop) and postinst/prerm come in through --resource-dir.
input=target/installer-input
rm -rf "$input" target/installer
mkdir -p "$input" target/installer
cp target/ferry.jar "$input/"

start=$(date +%s)
"$JAVA_HOME/bin/jpackage" --type "$type" \
  --name ferry \
  --app-version "$app_version" \
  --vendor "Ferry" \
  --description "Identity-aware TCP access over WebSocket tunnels: CLI (ferry) and desktop app (ferry desktop)" \
  --copyright "Ferry contributors" \
  --input "$input" \
  --main-jar ferry.jar \
  --main-class dev.ferry.cli.FerryMain \
  --runtime-image target/runtime-desktop \
  --icon packaging/linux/ferry.png \
  --resource-dir packaging/linux \
  --linux-package-name ferry \
  --linux-menu-group Network \
  --linux-app-category net \
  --linux-package-deps libgtk-3-0 \
  --dest target/installer
out=$(ls target/installer/*."$type")
echo "installer: $out ($(du -h "$out" | cut -f1), jpackage $(($(date +%s) - start)) s, version $app_version from pom $pom_version)"

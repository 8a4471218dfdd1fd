#!/usr/bin/env bash
# JMH microbenchmarks of the frame codec and the client's masking (issue 5, item 6); the classes
# are in src/test/java/dev/ferry/bench/jmh/ and JMH's annotation processor generates their harness
# during test-compile. Prints a Markdown table (score ± error per benchmark and payload size); with
# OUT_FILE also writes it there (bench/run.sh puts it in docs/PERFORMANCE.md).
#
#   bash bench/jmh.sh [--smoke] [OUT_FILE]
#     full:    1 fork, 3 warm-up + 5 measured iterations of 1 s each per benchmark (about 2 min)
#     --smoke: in this JVM (no fork: JVM starts were most of its time), 1 + 1 iterations of
#              100 ms, one payload size (CI: proves every benchmark still runs, no more)
#   BENCH_JMH_ARGS overrides the JMH options (e.g. "-f 2 -wi 5 -i 10 MaskingBenchmark").
#
# Needs target/classes, target/test-classes and target/test-classpath.txt (bench/run.sh builds both; otherwise
# `mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test
# -Dmdep.outputFile=target/test-classpath.txt`).
set -uo pipefail
cd "$(dirname "$0")/.."
SMOKE=0
[ "${1:-}" = "--smoke" ] && { SMOKE=1; shift; }
OUT=${1:-}
if [ ! -f target/test-classes/META-INF/BenchmarkList ] || [ ! -f target/test-classpath.txt ] \
  || [ pom.xml -nt target/test-classpath.txt ]; then
  echo "building the test classes and target/test-classpath.txt" >&2
  mvn -B -q test-compile dependency:build-classpath \
     -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt || exit 1
fi
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
if [ $SMOKE = 1 ]; then
  ARGS=${BENCH_JMH_ARGS:-"-f 0 -wi 1 -i 1 -w 100ms -r 100ms -p size=16384"}
  LIMIT=120
else
  ARGS=${BENCH_JMH_ARGS:-"-f 1 -wi 3 -i 5 -w 1s -r 1s"}
  LIMIT=900
fi
CSV=$(mktemp /tmp/ferry-jmh.XXXXXX.csv)
LOG=${CSV%.csv}.log
trap 'rm -f "$CSV" "$LOG"' EXIT
# The forked benchmark JVM is a child of this java: `timeout` ends both (SIGTERM to the group is
# not needed, JMH's host kills its fork when it exits).
# shellcheck disable=SC2086
if ! timeout "$LIMIT" java -cp "$CP" org.openjdk.jmh.Main $ARGS -foe true -rf csv -rff "$CSV" \
  'dev\.ferry\.bench\.jmh\..*' >"$LOG" 2>&1; then
  tail -30 "$LOG" >&2
  echo "JMH failed or ran over ${LIMIT} s" >&2
  exit 1
fi
# CSV columns: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit"[,"Param: size"]
TABLE=$(awk -F, '
  function unq(s) { gsub(/["\r]/, "", s); return s }
  NR == 1 { next }
  {
    name = unq($1); sub(/^dev\.ferry\.bench\.jmh\./, "", name)
    size = (NF >= 8) ? unq($8) : ""
    score = unq($5); err = unq($6); unit = unq($7)
    rate = (size != "" && unit == "ns/op") ? sprintf("%.2f", size / score) : "—"
    printf "| %s | %s | %.1f | %s | %s | %s |\n", name, (size == "" ? "—" : size), score,
      (err == "NaN" ? "—" : sprintf("± %.1f", err)), unit, rate
  }' "$CSV")
TABLE="| benchmark | payload (bytes) | score | error (99.9 %) | unit | payload GB/s |
|---|---:|---:|---:|---|---:|
$TABLE"
printf '%s\n' "$TABLE"
[ -n "$OUT" ] && printf '%s\n' "$TABLE" >"$OUT"
exit 0

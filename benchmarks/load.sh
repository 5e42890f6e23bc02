#!/usr/bin/env bash
# End-to-end load harness (see benchmarks/README.md, "End-to-end load"): builds the benchmarks jar
# if it is missing or older than the sources, then runs the standard suite; arguments are passed to
# dev.oprc.bench.load.LoadHarness (e.g. --quick, --scenarios, --variant, --target). JVM options of
# the harness itself: LOAD_JAVA_OPTS.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/benchmarks.jar
sources=(pom.xml benchmarks/pom.xml proto/src/main zenoh/src/main odgm-events/src/main odgm-storage/src/main odgm-replication/src/main odgm-shard/src/main benchmarks/src/main odgm.jvm-options)
if [[ ! -f $jar ]] || [[ -n $(find "${sources[@]}" -newer "$jar" -type f -print -quit) ]]; then
  echo "load.sh: building $jar" >&2
  mvn -q -o -T1 -pl benchmarks -am package -DskipTests
fi
attached=false
for a in "$@"; do [[ $a == --target ]] && attached=true; done
if [[ $attached == false ]] && ! python3 -c 'import zenoh' 2>/dev/null; then
  echo "load.sh: the Zenoh router needs Python eclipse-zenoh: python3 -m pip install eclipse-zenoh==1.10.2" >&2
  exit 3
fi
# shellcheck disable=SC2086 # LOAD_JAVA_OPTS is a list of options
exec java ${LOAD_JAVA_OPTS:-} -cp "$jar" dev.oprc.bench.load.LoadHarness "$@"

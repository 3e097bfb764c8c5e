#!/usr/bin/env bash
# `npm run build`: the TypeScript bundles, then the Java modules (./mvnw, which puts the core
# bundle into the plugin jar), then the Logstash gem. Needs Node, a JDK >= 21 (found by itself:
# JAVA_HOME, else the newest under /usr/lib/jvm) and Ruby's `gem`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

java_major() { # JDK home -> major version, 0 if none
  local home="$1"
  [[ -x "$home/bin/java" ]] || { echo 0; return; }
  if [[ -f "$home/release" ]]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" | head -n1
  else
    "$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
  fi
}

find_jdk() {
  local best="" best_major=0 home major
  if [[ -n "${JAVA_HOME:-}" ]] && (( $(java_major "$JAVA_HOME") >= 21 )); then
    echo "$JAVA_HOME"; return
  fi
  for home in /usr/lib/jvm/*; do
    [[ -d "$home" && ! -L "$home" ]] || continue
    major="$(java_major "$home")"
    if (( ${major:-0} > best_major )); then best="$home"; best_major="$major"; fi
  done
  (( best_major >= 21 )) || { echo "build-all: no JDK 21 or newer found (set JAVA_HOME)" >&2; return 1; }
  echo "$best"
}

node scripts/build.mjs

JAVA_HOME="$(find_jdk)"
export JAVA_HOME
if (( $(java_major "$JAVA_HOME") >= 24 )); then
  # Maven's own Guice uses sun.misc.Unsafe; say it is allowed so JDK 24+ prints no warnings.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
# The core bundle was built just above.
./mvnw -q -B package -Dcore.build.skip=true

bash scripts/build-gem.sh

#!/usr/bin/env bash
# `npm run build`: the TypeScript bundles, then the Java modules (./mvnw, which puts the core
# bundle into the plugin jar), then the Logstash gem. Needs Node, a JDK >= 21 (found by itself:
# JAVA_HOME, else the newest under /usr/lib/jvm) and Ruby's `gem`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

node scripts/build.mjs

JAVA_HOME="$(bash scripts/find-jdk.sh)"
export JAVA_HOME
if (( $(bash scripts/find-jdk.sh --major) >= 24 )); then
  # Maven's own Guice uses sun.misc.Unsafe; say it is allowed so JDK 24+ prints no warnings.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
# The core bundle was built just above.
./mvnw -q -B package -Dcore.build.skip=true

bash scripts/build-gem.sh

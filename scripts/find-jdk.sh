#!/usr/bin/env bash
# Prints the home of a JDK 21 or newer: $JAVA_HOME if it qualifies, else the newest under
# /usr/lib/jvm. Logstash 9 runs on JDK 21; the plugin is compiled with --release 21.
set -euo pipefail
major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
candidates=()
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
for d in /usr/lib/jvm/*/; do candidates+=("${d%/}"); done
best=""; best_major=0
for home in "${candidates[@]}"; do
  [ -x "$home/bin/javac" ] || continue
  m=$(major "$home" || echo 0)
  m=${m%%.*}
  if [ "${m:-0}" -ge 21 ] && [ "$m" -gt "$best_major" ]; then best="$home"; best_major=$m; fi
  # An explicit JAVA_HOME that qualifies wins over anything newer.
  if [ -n "$best" ] && [ "$home" = "${JAVA_HOME:-}" ]; then break; fi
done
if [ -z "$best" ]; then
  echo "misp-enrich: no JDK 21 or newer found (set JAVA_HOME); the Java plugin needs one to build" >&2
  exit 1
fi
echo "$best"

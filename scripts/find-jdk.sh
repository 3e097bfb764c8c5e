#!/usr/bin/env bash
# Prints the home of a JDK 21 or newer: $JAVA_HOME if it qualifies, else the newest under
# /usr/lib/jvm. Logstash 9 runs on JDK 21; the plugin is compiled with --release 21.
# With --major, prints that JDK's major version instead.
set -euo pipefail

java_major() { # JDK home -> major version, 0 if none
  local home="$1"
  [[ -x "$home/bin/javac" ]] || { echo 0; return; }
  if [[ -f "$home/release" ]]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" | head -n1
  else
    "$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
  fi
}

best="" best_major=0
if [[ -n "${JAVA_HOME:-}" ]] && (( $(java_major "$JAVA_HOME") >= 21 )); then
  best="$JAVA_HOME"; best_major=$(java_major "$JAVA_HOME")
else
  for home in /usr/lib/jvm/*; do
    [[ -d "$home" && ! -L "$home" ]] || continue
    major="$(java_major "$home")"
    if (( ${major:-0} > best_major )); then best="$home"; best_major="$major"; fi
  done
fi
if (( best_major < 21 )); then
  echo "misp-enrich: no JDK 21 or newer found (set JAVA_HOME); the Java plugin needs one to build" >&2
  exit 1
fi
if [[ "${1:-}" == "--major" ]]; then echo "$best_major"; else echo "$best"; fi

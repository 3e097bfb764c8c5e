#!/usr/bin/env bash
# Builds dist/gem/logstash-filter-misp_enrich-<version>-java.gem from the packaged plugin jar.
# A Java plugin gem holds exactly one jar, under vendor/jar-dependencies/<group path>/<name>/<version>/,
# named <gem name>-<gem version>.jar; the gem's files are staged in build/gem first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

version="$(tr -d '[:space:]' < VERSION)"
name="logstash-filter-misp_enrich"
jar="plugin/java/filter/target/${name}-${version}.jar"
if [[ ! -f "$jar" ]]; then
  echo "build-gem: $jar is missing; run ./mvnw package (or npm run build) first" >&2
  exit 1
fi
command -v gem >/dev/null || { echo "build-gem: 'gem' not found; install Ruby (apt-get install ruby)" >&2; exit 1; }

stage="build/gem"
rm -rf "$stage"
mkdir -p "$stage/docs" "$stage/vendor/jar-dependencies/io/mispenrich/${name}/${version}"
cp -R plugin/gem/. "$stage/"
cp VERSION LICENSE "$stage/"
cp docs/index.asciidoc "$stage/docs/"
cp "$jar" "$stage/vendor/jar-dependencies/io/mispenrich/${name}/${version}/${name}-${version}.jar"

mkdir -p dist/gem
out="$root/dist/gem/${name}-${version}-java.gem"
rm -f "$out"
(cd "$stage" && gem build --silent "${name}.gemspec" --output "$out")
echo "build-gem: wrote dist/gem/${name}-${version}-java.gem"

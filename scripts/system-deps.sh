#!/usr/bin/env bash
# Installs the system packages the build, the tests and the demo need when they are missing:
# memcached (specs and the demo run a real server), Ruby (gem build), unzip, openssl and python3-venv (specs),
# and with --packaging (.ci/run), on Debian-based hosts, what the agent's .deb and its spec need
# (below). A JDK >= 21 must be
# present already (Debian 12 packages none); scripts/find-jdk.sh locates it.
set -euo pipefail
missing=()
command -v memcached >/dev/null 2>&1 || missing+=(memcached)
command -v gem >/dev/null 2>&1 || missing+=(ruby)
# The gem and TLS specs unpack the gem and make throw-away certificates.
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The PyMISP specs run PyMISP in a virtual environment (scripts/python-venv.sh); Debian's python3
# needs python3-venv for that.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
# The agent's .deb (npm run package, spec/packaging): dpkg-shlibdeps (dpkg-dev, which brings strip
# and nm) computes its Depends and needs the libraries the executable links installed (libatomic1
# is absent from slim images); the spec checks it with lintian and runs the agent under the
# unit's system-call filter with python3-seccomp. Only on Debian-based hosts, and not for the demo.
if [ "${1:-}" = "--packaging" ] && command -v dpkg >/dev/null 2>&1; then
  command -v dpkg-shlibdeps >/dev/null 2>&1 || missing+=(dpkg-dev)
  [ -e /usr/lib/x86_64-linux-gnu/libatomic.so.1 ] || [ "$(uname -m)" != x86_64 ] || missing+=(libatomic1)
  command -v lintian >/dev/null 2>&1 || missing+=(lintian)
  /usr/bin/python3 -c 'import seccomp' >/dev/null 2>&1 || missing+=(python3-seccomp)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "misp-enrich: please install: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "misp-enrich: installing ${missing[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bash "$(dirname "$0")/find-jdk.sh" >/dev/null

#!/usr/bin/env bash
# Installs the system packages the build, the tests and the demo need when they are missing:
# memcached (specs and the demo run a real server), Ruby (gem build), unzip, openssl and python3-venv (specs). A JDK >= 21 must be
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

#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environment that spec/misp-sim/pymisp.spec.ts drives,
# under the project's git-ignored .tmp/, and installs PyMISP from PyPI into it, unmodified.
# Idempotent: a venv that already imports the wanted PyMISP version is left as it is.
# Prints the venv's python on stdout; exits 3 when no python3 with venv support exists.
#
#   PYTHON          interpreter to create the venv with (default: python3)
#   PYMISP_VERSION  PyMISP release to install (default: 2.5.34.4, the one the specs were written against)
#   VENV_DIR        where the venv lives (default: .tmp/venv-pymisp)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
version="${PYMISP_VERSION:-2.5.34.4}"
venv="${VENV_DIR:-$root/.tmp/venv-pymisp}"

if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "python-venv: no $python with the venv and ensurepip modules" >&2
  exit 3
fi
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv" >&2
fi
have="$("$venv/bin/python" -c 'import pymisp; print(pymisp.__version__)' 2>/dev/null || true)"
if [ "$have" != "$version" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pymisp==$version" >&2
fi
echo "$venv/bin/python"

#!/usr/bin/env bash
# A venv with the project on another CPython, for `bench/idp_load.py --server-python` or
# `--versus-python bench/.cpython/venv/bin/python` (bench/README.md, issue 11, fourteenth
# session). The default is Debian's /usr/bin/python3.11: built with PGO and LTO, and linked
# into its executable, like the python:3.11-slim image the Dockerfile ships (pyenv, which the
# project's .venv comes from here, builds neither by default, and links libpython.so).
# Nothing is installed on the system: the project's own pip installs into the new venv.
#
#     bench/cpython_env.sh      # ~8 s; run again, it rebuilds bench/.cpython
#
# PYTHON=<path> builds it on another interpreter.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3.11}
VENV=$ROOT/bench/.cpython/venv

[ -x "$PYTHON" ] || { echo "$PYTHON is missing (Debian: apt-get install -y python3.11)" >&2; exit 1; }
[ -x "$ROOT/.venv/bin/pip" ] || { echo "the project's .venv is missing: make test first" >&2; exit 1; }
rm -rf "$ROOT/bench/.cpython"
# --without-pip: Debian's interpreter has no ensurepip without python3.11-venv
"$PYTHON" -m venv --without-pip "$VENV"
# pip's log (warnings about this machine's package mirrors, setuptools' editable notice) only
# when the install fails
log=$ROOT/bench/.cpython/pip.log
"$ROOT/.venv/bin/pip" --python "$VENV/bin/python" install -q -e "$ROOT" >"$log" 2>&1 ||
  { cat "$log" >&2; exit 1; }
version=$("$VENV/bin/python" -c 'import platform; print(platform.python_version())')
echo "$VENV: CPython $version from $PYTHON"

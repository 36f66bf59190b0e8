#!/usr/bin/env bash
# PyPy 3.11 beside the project, for `bench/idp_load.py --server-python bench/.pypy/venv/bin/python`
# (bench/README.md, issue 11, thirteenth session). Debian 12 has only PyPy 3.9; Debian 13's
# pypy3 7.3.19 is PyPy 3.11 but needs Debian 13's C library. Both come from Debian's archive,
# checked the way apt checks them (InRelease signed by a key of debian-archive-keyring, then
# each file's SHA-256), unpacked under bench/.pypy: nothing is installed on the system. The
# interpreter is pointed at the unpacked libraries with patchelf; the venv gets the project.
#
#     bench/pypy_env.sh        # 30-45 s; run again, it rebuilds bench/.pypy from scratch
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOME_DIR=$ROOT/bench/.pypy
PACKAGES="pypy3 pypy3-lib libc6 libssl3t64 libffi8 libexpat1 libtinfo6 libncursesw6 libgdbm6t64
libsqlite3-0"
# cryptography's newer PyPy wheels call PyPyModule_FromDefAndSpec2, which 7.3.19 lacks (50.0.2
# fails to import); 46.0.3 is the newest tried that loads.
CONSTRAINTS="cryptography==46.0.3"

command -v patchelf >/dev/null || { echo "patchelf is missing: apt-get install -y patchelf" >&2; exit 1; }
[ -x "$ROOT/.venv/bin/python" ] || { echo "the project's .venv is missing: make test first" >&2; exit 1; }
rm -rf "$HOME_DIR"
mkdir -p "$HOME_DIR/debs" "$HOME_DIR/root"
cd "$HOME_DIR/debs"

curl -fsS -o InRelease "$MIRROR/dists/$SUITE/InRelease"
gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg InRelease 2>/dev/null ||
  { echo "InRelease of $SUITE: bad signature" >&2; exit 1; }
curl -fsS -o Packages.xz "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz"
want=$(awk '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s && $3=="main/binary-amd64/Packages.xz"{print $1}' InRelease)
echo "$want  Packages.xz" | sha256sum --quiet -c -

xzcat Packages.xz >Packages
for pkg in $PACKAGES; do
  read -r file sum < <(awk -v p="$pkg" '
    /^Package: /{hit=($2==p)} hit && /^Filename: /{f=$2} hit && /^SHA256: /{print f, $2; exit}' Packages) ||
    { echo "$pkg is not in Debian $SUITE's Packages" >&2; exit 1; }
  curl -fsS -o "$(basename "$file")" "$MIRROR/$file"
  echo "$sum  $(basename "$file")" | sha256sum --quiet -c -
  dpkg-deb -x "$(basename "$file")" "$HOME_DIR/root"
done
echo "pypy: $(echo $PACKAGES | wc -w) packages of Debian $SUITE checked and unpacked in $HOME_DIR/root"

LIB=$HOME_DIR/root/usr/lib/x86_64-linux-gnu
# DT_RPATH (not RUNPATH) on both: it also applies to the libraries the C extensions load
patchelf --set-interpreter "$LIB/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$LIB" \
  "$HOME_DIR/root/usr/bin/pypy3.11"
patchelf --force-rpath --set-rpath "$LIB" "$LIB/libpypy3.11-c.so"

"$HOME_DIR/root/usr/bin/pypy3.11" -m venv --without-pip "$HOME_DIR/venv"
echo "$CONSTRAINTS" >"$HOME_DIR/constraints.txt"
# pip (a wheel from PyPI, by the project's venv) and the build backend talk a lot; their words
# go to pip.log, shown only on failure
{
  "$ROOT/.venv/bin/python" -m pip download --no-deps pip -d "$HOME_DIR/wheels" &&
    pip_wheel=$(ls "$HOME_DIR"/wheels/pip-*.whl) &&
    "$HOME_DIR/venv/bin/python" "$pip_wheel/pip" install "$pip_wheel" &&
    "$HOME_DIR/venv/bin/python" -m pip install -c "$HOME_DIR/constraints.txt" -e "$ROOT"
} >"$HOME_DIR/pip.log" 2>&1 || { tail -20 "$HOME_DIR/pip.log" >&2; exit 1; }
echo "pypy: $("$HOME_DIR/venv/bin/python" -c 'import sys; print(sys.version.split()[0], sys.version.split("[")[1][:-1])') with the project in $HOME_DIR/venv"

#!/usr/bin/env bash
# Installs the pinned Django that the interop tests (tests/interop_*.rs)
# use as their oracle, in a virtual environment under target/ (ignored by
# git). Idempotent: when the venv already has the right version it only
# checks it and exits. The tests find the interpreter through
# SIGNED_SESSION_DJANGO_PYTHON, or at target/django-venv/bin/python.
# SIGNED_SESSION_DJANGO_VENV puts the venv elsewhere (then point
# SIGNED_SESSION_DJANGO_PYTHON at its bin/python); PYTHON picks the
# interpreter that creates it (Django 5.2 needs Python 3.10 or later).
set -euo pipefail
cd "$(dirname "$0")/.."

DJANGO_VERSION="5.2.19"
VENV="${SIGNED_SESSION_DJANGO_VENV:-target/django-venv}"
PY="$VENV/bin/python"
PYTHON="${PYTHON:-python3}"

have_django() {
  [ -x "$PY" ] && "$PY" - "$DJANGO_VERSION" <<'PYEOF' 2>/dev/null
import sys
import django
sys.exit(0 if django.get_version() == sys.argv[1] else 1)
PYEOF
}

if have_django; then
  echo "Django $DJANGO_VERSION already in $VENV"
  exit 0
fi

make_venv() {
  echo "creating venv $VENV with $($PYTHON --version 2>&1)"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
}

install() {
  "$PY" -m pip install --quiet --disable-pip-version-check "django==$DJANGO_VERSION"
}

[ -x "$PY" ] || make_venv
# A venv left behind by another Python (or half-made) is rebuilt once.
if ! install; then
  echo "pip install failed in $VENV; rebuilding the venv and retrying"
  make_venv
  install
fi

if ! have_django; then
  echo "error: Django $DJANGO_VERSION is not importable from $PY after install" >&2
  exit 1
fi
echo "Django $("$PY" -c 'import django; print(django.get_version())') installed in $VENV"

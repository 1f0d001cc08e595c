#!/usr/bin/env bash
# The live Django interop suites again, against Django 6.1 (issue 14), in a
# venv of their own. Django 6.x needs Python 3.12 or later: the first of
# python3.13 / python3.12 found on PATH or in pyenv is used. Where there is
# none, this run is skipped with the reason (the 5.2 run in the main test
# command never is).
set -euo pipefail
cd "$(dirname "$0")/.."

DJANGO_VERSION="6.1.3"
VENV="${SIGNED_SESSION_DJANGO61_VENV:-target/django61-venv}"
case "$VENV" in /*) ;; *) VENV="$(pwd)/$VENV" ;; esac
start=$SECONDS
say() { echo "--- django 6.1: $* (+$((SECONDS - start))s)"; }

# A pyenv shim for a version that is not selected is on PATH but fails when
# run, so each candidate is tried, not just looked up.
find_python() {
  local candidate
  local candidates=(python3.13 python3.12)
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9](\.|$)' | sort -rV); do
      candidates+=("$(pyenv root)/versions/$version/bin/python")
    done
  fi
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Absolute: the Django site tests run it from tests/django_site/.
PY="$VENV/bin/python"
have_django() {
  [ -x "$PY" ] && [ "$("$PY" -c 'import django; print(django.get_version())' 2>/dev/null)" = "$DJANGO_VERSION" ]
}

if ! have_django; then
  if ! base=$(find_python); then
    echo "SKIPPED: no Python 3.12 or later (on PATH or in pyenv), which Django $DJANGO_VERSION needs; the Django 5.2 runs cover the interop suites"
    exit 0
  fi
  say "venv $VENV with $("$base" --version 2>&1)"
  rm -rf "$VENV"
  "$base" -m venv "$VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check "django==$DJANGO_VERSION"
  have_django || { echo "error: Django $DJANGO_VERSION is not importable from $PY"; exit 1; }
fi

say "interop suites against Django $DJANGO_VERSION"
# Every test that talks to a live Django: the oracle suites, the shared
# framework suite (scripted sequences compared with Django) and the
# django-auth suites. Django is required here, and must be exactly 6.1.
SIGNED_SESSION_DJANGO_PYTHON="$PY" SIGNED_SESSION_EXPECT_DJANGO="$DJANGO_VERSION" \
  SIGNED_SESSION_REQUIRE_DJANGO=1 \
  cargo test --all-features --test it -- interop frameworks django_
say "done"

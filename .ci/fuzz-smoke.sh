#!/usr/bin/env bash
# Fuzz smoke test (issue 6): every cargo-fuzz target for a short while on
# the nightly toolchain; fails on any crash, timeout or memory-limit hit.
# The long runs are `fuzz/run.sh 600`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SMOKE_SECONDS:-15}"

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz-smoke: no nightly toolchain installed (rustup toolchain install nightly)" >&2
  exit 1
fi
# Installing takes minutes, so only when it is missing.
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-smoke: installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi
cargo fuzz --version

fuzz/run.sh "$seconds"

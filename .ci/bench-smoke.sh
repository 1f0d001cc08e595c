#!/usr/bin/env bash
# Keeps the benches from rotting without spending CI time on timings:
# builds every bench target with the dev profile (fast, shares the test
# build), then runs each benchmark once in criterion's test mode, which also
# checks the asserts in the set-up (our tokens equal Django's, the tampered
# token is refused). Real numbers come from `cargo bench` run by hand
# (see benches/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench --profile dev --benches --no-run
cargo bench --profile dev --benches -- --test

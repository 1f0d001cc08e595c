#!/usr/bin/env bash
# Requests per second of a one-`get` session handler (issue 18), as a smoke
# run: signed-session against actix-session on actix-web 4 and against
# tower-sessions on axum 0.8 (benches/frameworks/, its own workspace and
# lock file, so the main build never compiles those crates). Quick mode
# measures briefly but keeps every check: each server's set-up asserts,
# over HTTP and in process, that `/get` returns the stored value with the
# session cookie and nothing with a tampered one, and every measured
# response must be a 200 with that value. The summary lines (req/s and
# ratios) are only indicative here; benches/RESULTS.md has a full run and
# its command.
set -euo pipefail
cd "$(dirname "$0")/.."

manifest=benches/frameworks/Cargo.toml
cargo fmt --manifest-path "$manifest" -- --check
cargo clippy --manifest-path "$manifest" --locked --all-targets -- -D warnings
FRAMEWORK_BENCH_QUICK=1 cargo bench --manifest-path "$manifest" --locked

#!/usr/bin/env bash
# The core on wasm32-unknown-unknown (issue 8), called by .ci/run:
#  1. the library builds for wasm32 without default features (no clock),
#     with no C code and no getrandom in its dependency tree, and nothing
#     outside src/clock.rs reads the system clock;
#  2. the edge examples in examples-edge/ compile.
# The golden vectors run inside wasm through the npm package's public API,
# and its module's size is printed, by .ci/js.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=wasm32-unknown-unknown
start=$SECONDS
say() { echo "--- wasm: $* (+$((SECONDS - start))s)"; }

say "target $TARGET"
if command -v rustup >/dev/null 2>&1; then
  rustup target add "$TARGET"
else
  echo "rustup not found; assuming the $TARGET standard library is installed"
fi

say "core library for $TARGET, --no-default-features"
cargo build --lib --no-default-features --target "$TARGET"

# Nothing that needs a C compiler or an OS random source may be pulled in.
tree=$(cargo tree --no-default-features --target "$TARGET" -e normal,build --prefix none)
for crate in getrandom cc cmake pkg-config libz-sys libz-ng-sys ring wasm-bindgen js-sys; do
  if grep -q "^$crate v" <<<"$tree"; then
    echo "error: $crate is in the dependency tree of the wasm core build:"
    cargo tree --no-default-features --target "$TARGET" -e normal,build -i "$crate"
    exit 1
  fi
done

# Without the `clock` feature nothing may read the system clock (it panics
# on wasm32-unknown-unknown). Every convenience method goes through
# src/clock.rs, which only exists with the feature, so the build above
# proves those are gone; this catches a direct call anywhere else.
if grep -rnE 'SystemTime::now|Instant::now|now_utc\(|now_local\(' src --include='*.rs' |
  grep -v '^src/clock.rs:' | grep -vE '^[^:]+:[0-9]+:\s*//'; then
  echo "error: the system clock is read outside src/clock.rs"
  exit 1
fi

if [ -f examples-edge/Cargo.toml ]; then
  say "edge examples (compiled, not deployed)"
  cargo build --manifest-path examples-edge/Cargo.toml -p edge-cloudflare-worker --target "$TARGET"
  cargo build --manifest-path examples-edge/Cargo.toml -p edge-aws-lambda
fi

say "done"

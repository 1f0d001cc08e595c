#!/usr/bin/env bash
# The core on wasm32-unknown-unknown (issue 8), called by .ci/run:
#  1. the library builds for wasm32 without default features (no clock),
#     with no C code and no getrandom in its dependency tree;
#  2. wasm/ is built as an optimised module (opt-level "z", LTO) and its
#     size printed, raw and gzipped;
#  3. wasm/run-vectors.mjs runs the golden vectors inside it under Node.js
#     and exchanges tokens with the native CLI;
#  4. the edge examples in examples-edge/ compile.
# Node.js missing: a failure when CI=true, a skip (with the reason) otherwise.
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

say "wasm/ module, release (opt-level z, LTO)"
cargo fmt --manifest-path wasm/Cargo.toml -- --check
cargo clippy --manifest-path wasm/Cargo.toml --release --target "$TARGET" --features vectors -- -D warnings
out=wasm/target/$TARGET/release/signed_session_wasm.wasm
cargo build --manifest-path wasm/Cargo.toml --release --target "$TARGET"
cp "$out" wasm/target/signed_session_core.wasm
size=$(wc -c <wasm/target/signed_session_core.wasm)
gz=$(gzip -9 -c wasm/target/signed_session_core.wasm | wc -c)
echo "core wasm module (signing, codec, session; no vector replay): $size bytes, $gz bytes gzipped (-9)"
# The test module adds the session_store replay (ss_session_case).
cargo build --manifest-path wasm/Cargo.toml --release --target "$TARGET" --features vectors
echo "test wasm module (with the vector replay): $(wc -c <"$out") bytes"

say "native CLI for the token exchange"
cargo build -p signed-session-cli

say "golden vectors inside wasm, under Node.js"
if ! command -v node >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: node is not installed, and CI=true: the wasm tests cannot run"
    exit 1
  fi
  echo "SKIPPED: node is not installed (set up Node.js 18 or later to run the wasm tests)"
else
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 18 ]; then
    echo "error: Node.js $(node --version) is too old: 18 or later is needed"
    exit 1
  fi
  node wasm/run-vectors.mjs --wasm "$out" --cli target/debug/signed-session
fi

if [ -f examples-edge/Cargo.toml ]; then
  say "edge examples (compiled, not deployed)"
  cargo build --manifest-path examples-edge/Cargo.toml -p edge-cloudflare-worker --target "$TARGET"
  cargo build --manifest-path examples-edge/Cargo.toml -p edge-aws-lambda
fi

say "done"

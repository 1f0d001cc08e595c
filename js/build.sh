#!/usr/bin/env bash
# Builds the wasm module and its bindings into js/pkg/ (the package's
# build output; `npm pack` ships it), printing the size after each step:
#
#   1. cargo: js/crate for wasm32-unknown-unknown (opt-level "z", LTO,
#      panic=abort, strip; sha2's compact SHA-256, the talc allocator);
#   2. wasm-bindgen --target web: the bindings (pkg/signed_session.js);
#   3. wasm-opt -Oz (binaryen, from the npm registry: node_modules/.bin),
#      when it is installed.
#
# WASM_BINDGEN names the wasm-bindgen binary (default: the one on PATH); it
# must be the version Cargo.lock pins for the wasm-bindgen crate.
set -euo pipefail
cd "$(dirname "$0")"

WASM_BINDGEN=${WASM_BINDGEN:-wasm-bindgen}
TARGET=wasm32-unknown-unknown
out=pkg
mkdir -p "$out"

size() { # file label
  printf '%-44s %7d bytes, %6d gzipped (-9)\n' "$2" "$(wc -c <"$1")" "$(gzip -9 -c "$1" | wc -c)"
}

# Cargo reads js/crate/.cargo/config.toml (the sha2 backend) from the
# directory it runs in.
(cd crate && cargo build --locked --release --target "$TARGET")
raw=crate/target/$TARGET/release/signed_session_js.wasm
size "$raw" "1. cargo build (release profile)"

"$WASM_BINDGEN" --target web --out-dir "$out" --out-name signed_session "$raw"
rm -f "$out/package.json" "$out/.gitignore"
size "$out/signed_session_bg.wasm" "2. wasm-bindgen --target web"

if [ -x node_modules/.bin/wasm-opt ]; then
  # The features rustc enables by default for this target.
  node_modules/.bin/wasm-opt -Oz \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$out/signed_session_bg.opt.wasm" "$out/signed_session_bg.wasm"
  mv "$out/signed_session_bg.opt.wasm" "$out/signed_session_bg.wasm"
  size "$out/signed_session_bg.wasm" "3. wasm-opt -Oz"
else
  echo "3. wasm-opt -Oz: skipped (run npm ci in js/ to install binaryen)"
fi

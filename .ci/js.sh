#!/usr/bin/env bash
# The npm package (js/), called by .ci/run:
#  1. tools: Node.js 20 or later and npm; wasm-bindgen-cli at the version
#     js/crate/Cargo.lock pins, installed by `cargo install --locked` into
#     target/js-tools (kept, so a rerun skips it);
#  2. npm ci in js/ (the committed package-lock.json): binaryen (wasm-opt),
#     esbuild, miniflare (workerd), hono, typescript;
#  3. js/build.sh: the module and its bindings, the size after each step
#     (cargo, wasm-bindgen, wasm-opt); over 100 KB gzipped is a failure;
#  4. rustfmt and clippy on js/crate, tsc on the type declarations;
#  5. node --test js/test/: every golden vector through the package's API,
#     and tokens exchanged with the native CLI;
#  6. the Rust Worker of examples-edge/, its JS glue by wasm-bindgen-cli;
#  7. node --test js/workerd/: workerd (through Miniflare) running the
#     package's Worker, the Hono example and the Rust Worker, exchanging
#     cookies over HTTP with the native CLI and with Django;
#  8. npm pack --dry-run: the tarball holds exactly the package's files.
# A missing tool is a failure when CI=true, and a skip (with the reason)
# otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=wasm32-unknown-unknown
MAX_GZIP=100000 # bytes
start=$SECONDS
last=$SECONDS
# Each step's line gives the time since the start, and how long the step
# before it took.
say() {
  echo "--- js: $* (at +$((SECONDS - start))s; the step before took $((SECONDS - last))s)"
  last=$SECONDS
}
missing() { # what, why
  if [ "${CI:-}" = "true" ]; then
    echo "error: $1, and CI=true: $2"
    exit 1
  fi
  echo "SKIPPED: $1 ($2)"
  exit 0
}

say "tools"
command -v node >/dev/null 2>&1 || missing "node is not installed" "the package cannot be built or tested"
command -v npm >/dev/null 2>&1 || missing "npm is not installed" "the package cannot be built or tested"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || missing "Node.js $(node --version) is older than 20" "the test runner and Miniflare need 20"
if command -v rustup >/dev/null 2>&1; then
  rustup target add "$TARGET" >/dev/null
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen the module links.
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' js/crate/Cargo.lock)
tools=target/js-tools
export WASM_BINDGEN=$PWD/$tools/bin/wasm-bindgen
if [ "$("$WASM_BINDGEN" --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  say "cargo install --locked wasm-bindgen-cli $version (into $tools, once)"
  cargo install --locked --quiet wasm-bindgen-cli --version "$version" --root "$tools"
fi
echo "$("$WASM_BINDGEN" --version)"

say "npm ci"
(cd js && npm ci --no-audit --no-fund --loglevel=error)

say "build (js/build.sh)"
js/build.sh
gz=$(gzip -9 -c js/pkg/signed_session_bg.wasm | wc -c)
echo "wasm module shipped in the package: $(wc -c <js/pkg/signed_session_bg.wasm) bytes, $gz bytes gzipped (-9; limit $MAX_GZIP)"
if [ "$gz" -gt "$MAX_GZIP" ]; then
  echo "error: the wasm module is over $MAX_GZIP bytes gzipped"
  exit 1
fi

# The module holds the core without its clock: the time comes from the
# JavaScript clock passed in, never from std::time.
features=$(cd js/crate && cargo tree --locked -e features --target "$TARGET" -i signed-session)
if grep -qE 'signed-session feature "(clock|default)"' <<<"$features"; then
  echo "error: js/crate builds signed-session with its clock feature:"
  echo "$features"
  exit 1
fi

say "rustfmt, clippy (js/crate), tsc (declarations)"
(cd js/crate && cargo fmt -- --check && cargo clippy --locked --release --target "$TARGET" -- -D warnings)
(cd js && node_modules/.bin/tsc -p tsconfig.json)

say "js/crate's own tests, natively (its Cookie reader against the core's)"
(cd js/crate && cargo test --locked)

say "native CLI, for the exchanges"
cargo build -p signed-session-cli

say "node --test js/test (golden vectors through the public API, CLI exchange)"
(cd js && node --test test/)

say "Rust Worker (examples-edge/cloudflare-worker): cargo, then wasm-bindgen"
cargo build --manifest-path examples-edge/Cargo.toml -p edge-cloudflare-worker --target "$TARGET"
export RUST_WORKER=$PWD/target/js/rust-worker
"$WASM_BINDGEN" --target web --out-dir "$RUST_WORKER" --out-name worker \
  "examples-edge/target/$TARGET/debug/edge_cloudflare_worker.wasm"

say "Django for the exchanges"
export SIGNED_SESSION_DJANGO_PYTHON=${SIGNED_SESSION_DJANGO_PYTHON:-$PWD/target/django-venv/bin/python}
[ -x "$SIGNED_SESSION_DJANGO_PYTHON" ] || bash .ci/setup-django.sh

say "node --test js/workerd (workerd through Miniflare: JS, Hono and Rust Workers, CLI, Django)"
(cd js && node --test workerd/)

say "npm pack --dry-run"
files=$(cd js && npm pack --dry-run --json 2>/dev/null | node -e '
  const [p] = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(p.files.map((f) => f.path).sort().join("\n"));')
echo "$files"
expected="README.md
package.json
pkg/signed_session.js
pkg/signed_session_bg.wasm
src/browser.js
src/core.js
src/errors.js
src/hono.d.ts
src/hono.js
src/index.d.ts
src/json.js
src/node.js
src/workerd.js"
if [ "$files" != "$expected" ]; then
  echo "error: npm pack would ship other files than the package's own (expected the list in .ci/js.sh)"
  exit 1
fi

say "done: wasm $gz bytes gzipped"

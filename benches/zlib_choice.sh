#!/usr/bin/env bash
# Issue 12's zlib measurement: the operations a user runs (a session load
# and a session save, P1-P3, with Django's compression rule) with the
# crate's own inflater and deflater, then with zlib-rs (reused state) in
# their place, built with RUSTFLAGS="--cfg signed_session_zlib_rs" into a
# target directory of its own. Prints criterion's estimates for both and
# the ratio. The primitives alone (and a 32 KiB input) are the `floor`
# group of `cargo bench --bench signing` (deflate/deflate_ours,
# inflate/inflate_ours).
#
#   benches/zlib_choice.sh [criterion args...]   (default: a short run)
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--warm-up-time 1 --measurement-time 4)
filter='^(decode/ours_session|session_roundtrip/ours|policy_save/django|policy_load/django)/'

run() { # name, extra env...
  local name=$1
  shift
  env "$@" cargo bench --bench session -- "$filter" "${args[@]}" 2>/dev/null |
    awk -v who="$name" '/^(decode|session_roundtrip|policy_save|policy_load)\//{id=$1}
      /time:/{ if (id == "") next; for (i = 1; i <= NF; i++) if ($i == "time:") break
               print who, id, $(i + 3), $(i + 4); id = "" }'
}

{
  run ours
  run zlib-rs RUSTFLAGS="--cfg signed_session_zlib_rs" CARGO_TARGET_DIR=target/zlib-rs
} | awk '
  { key=$2; v=$3; u=$4; if (u=="ns") v/=1000; else if (u=="ms") v*=1000;
    t[$1, key]=v; keys[key]=1 }
  END {
    printf "%-34s %12s %12s %10s\n", "operation", "ours (us)", "zlib-rs (us)", "ours/zlib-rs"
    for (k in keys) printf "%-34s %12.2f %12.2f %10.2f\n", k, t["ours", k], t["zlib-rs", k], t["ours", k] / t["zlib-rs", k]
  }' | sort

//! The `signed-session` core (built with `default-features = false`, so
//! without the system clock) as a WebAssembly module for
//! `wasm32-unknown-unknown`, behind a small C ABI that any host can call
//! without generated bindings.
//!
//! The host writes a JSON request into a buffer from `ss_alloc`, calls an
//! entry point with `(ptr, len)` and gets back a `u64` packing the
//! response's address (high 32 bits) and length (low 32 bits), which it
//! frees with `ss_free`. Requests and responses are ASCII-only JSON, read
//! and written by the crate's Python-compatible JSON code; non-ASCII text
//! must be sent as `\uXXXX` escapes.
//!
//! There is no clock inside the module (the crate is built without its
//! `clock` feature). Every time is passed in as Unix seconds, a JS number
//! with a fraction (`now`, `timestamp`), and every age as seconds
//! (`max_age`). At the boundary each time becomes a
//! `time::OffsetDateTime`, exactly to the nanosecond (whole seconds and
//! fraction converted apart), and each request gets its own
//! `ManualClock` set to it, which every codec it builds reads. A time or
//! an age that is not a finite number, or not representable (a time
//! outside the years -9999 to 9999, an age past `time::Duration`), fails
//! closed: the answer is an error of kind `expired`, and nothing is signed
//! or verified.
//!
//! | export | request fields | response fields (besides `ok`) |
//! |---|---|---|
//! | `ss_dumps` | `secret`, `fallback_keys`?, `salt`?, `compress`?, `payload`, `timestamp` | `token`, `json`, `zlib_len` |
//! | `ss_loads` | `secret`, `fallback_keys`?, `salt`?, `token`, `max_age`?, `now` | `value`, `timestamp`, `key_index`, `compressed` |
//! | `ss_session_load` | `settings`, `cookie` (or null), `now` | `data`, `key_index`, `load_error`, `expiry_age`, `expire_at_browser_close` |
//! | `ss_session_save` | `settings`, `data`, `now` | `cookie`, `expiry_age`, `expire_at_browser_close` |
//! | `ss_session_case` (feature `vectors`) | `case`: one `session_store` vector | `pass`, `phases`, `enforced_differs`, `reason` |
//!
//! `settings` uses Django's names: `SECRET_KEY`, `SECRET_KEY_FALLBACKS`?,
//! `SESSION_COOKIE_AGE`?, `SESSION_EXPIRE_AT_BROWSER_CLOSE`?, `USE_TZ`?,
//! and our `enforce_expiry`? (default true).
//!
//! A failure is `{"ok":false,"kind":...,"error":...}`, where `kind` is a
//! decode error kind (`bad_signature`, `expired`, `malformed_json`, ...),
//! `encode` or `bad_request`.
//!
//! `run-vectors.mjs` loads the module in Node.js and replays the golden
//! Django vectors through these entry points.

mod abi;
mod api;
#[cfg(feature = "vectors")]
mod replay;
mod session;

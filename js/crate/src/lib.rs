//! The `signed-session` core as a WebAssembly module with `wasm-bindgen`
//! bindings: the engine of the `signed-session` npm package (`js/`).
//!
//! The JavaScript wrapper in `js/src/` is the package's API; these
//! bindings are its private half and keep to what crosses the boundary
//! cheaply:
//!
//! - **Values travel as JSON text.** JavaScript writes a value as ASCII
//!   JSON (numbers as `JSON.stringify` writes them, `NaN`, the infinities
//!   and big integers as Python writes them); the module reads it with the
//!   crate's Python reader and signs Python's exact form. Values come back
//!   as Python's JSON text, which the wrapper parses.
//! - **Results are tagged strings.** A call that can fail returns `" "`
//!   followed by its result, or `"!"` followed by a JSON error object
//!   (`kind`, `message` and the error's fields), which the wrapper turns
//!   into its error classes. Nothing from a cookie, a token or a value can
//!   make the module panic (a panic would abort the instance): every
//!   failure is one of these errors.
//! - **The time is passed in.** The module has no clock (the core is built
//!   without its `clock` feature): every call that needs "now" takes
//!   JavaScript milliseconds since the epoch, converted exactly, and sets
//!   the [`ManualClock`](signed_session::clock::ManualClock) its codec
//!   reads. A time that is not finite or not representable fails closed.
//! - **Secrets are wiped** from the module's memory once the keyring is
//!   built (the strings that carried them are zeroed before they are
//!   freed).

mod config;
mod convert;
mod cookie;
mod session;
mod signer;

pub use session::{Session, Store};
pub use signer::Signer;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
#[allow(unsafe_code)]
// SAFETY: wasm32-unknown-unknown without atomics has one thread, and the
// module's memory is the allocator's alone (TalckWasm's contract).
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

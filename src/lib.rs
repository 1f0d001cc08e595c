//! Web sessions kept entirely inside the cookie, wire-compatible with
//! Django's `signed_cookies` session backend and `django.core.signing`.
//!
//! # Overview
//!
//! The session map is written as JSON, zlib-compressed when that helps,
//! base64url-encoded, timestamped and signed with HMAC-SHA256, exactly as
//! Django writes it. Decoding verifies the signature in constant time, then
//! checks the age and the session's own expiry, and returns the data or a
//! precise, typed error. Nothing is stored on a server, so any number of
//! processes, serverless functions or edge isolates share sessions through
//! one secret, and a Rust service and a Django site read and write each
//! other's cookies.
//!
//! The crate is layered; each layer uses only the ones below it:
//!
//! - [`signing`]: [`Secret`] and [`Keyring`] (Django's `SECRET_KEY` and
//!   `SECRET_KEY_FALLBACKS`), [`Signer`] and [`TimestampSigner`] for plain
//!   strings, and [`ObjectSigner`] for `signing.dumps` / `signing.loads`;
//! - [`session`]: [`Session`], Django's `request.session` with its
//!   `accessed`/`modified` rules, and [`SessionCodec`], the
//!   `signed_cookies` store; the Django-to-Rust name table is there;
//! - [`http`] (feature `http`): Django's `SessionMiddleware` on the `http`
//!   crate's types, (feature `axum`) a tower layer with an axum
//!   extractor, and (feature `actix`) an actix-web middleware;
//! - [`django`] (feature `django-auth`): living beside a Django site, with
//!   its logins, its CSRF tokens and its settings;
//! - [`clock`]: where "now" comes from, given once to a codec;
//! - [`dangerous`]: reading a token without verifying it, for debugging;
//! - [`error`]: what a caller handles.
//!
//! Session values are [`Value`]s of the [`python_json`] crate: Python's JSON
//! data model (`NaN`, unbounded integers, `1.0` kept apart from `1`), which
//! is what Django writes.
//!
//! # A first example
//!
//! ```
//! use signed_session::clock::ManualClock;
//! use signed_session::{DecodeErrorKind, Expiry, Keyring, Secret, SessionCodec, SessionConfig};
//! use time::{Duration, macros::datetime};
//!
//! // Django's SECRET_KEY, and a clock the example can move.
//! let keys = Keyring::new(Secret::new("a long and random secret, at least fifty characters")?);
//! let clock = ManualClock::new(datetime!(2025-06-01 12:00 UTC));
//! let codec = SessionCodec::new(&keys, SessionConfig::new().with_clock(clock.clone()));
//!
//! // A request without a cookie: a new session, saved into a cookie value.
//! let mut session = codec.load(None);
//! session.insert("user_id", 42);
//! session.set_expiry(Expiry::Idle(Duration::minutes(30)));
//! let cookie = codec.save(&mut session)?;
//!
//! // The next request brings the cookie back.
//! clock.advance(Duration::minutes(10));
//! let session = codec.load(Some(&cookie));
//! assert_eq!(session.get_as::<u32>("user_id")?, Some(42));
//!
//! // Half an hour after the last save the session has expired: an empty
//! // session, as Django gives, with the reason kept.
//! clock.advance(Duration::minutes(21));
//! let session = codec.load(Some(&cookie));
//! assert!(session.get("user_id").is_none());
//! assert_eq!(session.load_error().map(|e| e.kind()), Some(DecodeErrorKind::Expired));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Django compatibility
//!
//! Tokens are byte for byte what Django writes and reads, compressed ones
//! included (the deflater reproduces stock zlib at level 6), and every
//! golden vector made by Django passes, as does a live differential test
//! against a running Django. Where the crate differs, it is on purpose and
//! stated on the item:
//!
//! - a session's own expiry (`set_expiry`) is enforced on load (Django
//!   ignores it; [`SessionConfig::with_enforce_expiry`] turns that off);
//! - the session codec compresses only JSON of 1 KiB or more by default
//!   ([`SessionConfig::with_compression`]; [`Compression::Django`] makes
//!   Django's choice);
//! - hard limits on every token, read and written ([`Limits`]), and
//!   nothing is written that the same limits would refuse;
//! - cookie settings that browsers drop (a `__Host-` name without
//!   `Secure`, `SameSite=None` without `Secure`…) are refused when the
//!   middleware is built;
//! - a token whose timestamp is not an instant of the years -9999 to 9999
//!   is refused as malformed;
//! - `pop(k)` returns `None` rather than raising, and signed data that is
//!   not a JSON object is refused rather than failing on first use;
//! - revocation checks, the absolute lifetime, key retirement, re-signing
//!   a fallback key's cookie, throttled refresh and `Partitioned` are this
//!   crate's own; Django carries the reserved key `_session_created` along
//!   but enforces none of them.
//!
//! The README lists every difference in one place.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `clock` | yes | [`clock::SystemClock`], the default clock of every codec |
//! | `tracing` | yes | a `tracing` warning when a codec is built with a weak secret, and the layer's logs |
//! | `http` | no | [`http::SessionMiddleware`] on the `http` crate's types (builds for wasm) |
//! | `axum` | no | a tower `Layer` and an axum extractor (implies `http`, `clock`, `tracing`) |
//! | `actix` | no | an actix-web 4 middleware and extractor (implies `http`, `clock`, `tracing`) |
//! | `django-auth` | no | [`django`]: Django's auth session fields, login and logout, the session auth hash with fallback secrets, CSRF with a tower layer, and Django-named settings from the environment (implies `axum`) |
//! | `serde_json` | no | conversions between [`Value`] and `serde_json::Value` |
//!
//! With `--no-default-features` the core builds for
//! `wasm32-unknown-unknown`: no clock (supply a
//! [`ManualClock`](clock::ManualClock)), no C code, no OS randomness.
//!
//! # Security notes
//!
//! - **Signed, not encrypted.** Anyone holding the cookie can read its
//!   contents; the signature only stops anyone without the secret from
//!   changing it or making a new one. Keep secrets out of sessions.
//! - **Verify first, then parse.** Nothing from a token is base64-decoded,
//!   inflated or parsed before its signature verified, and the length cap
//!   is checked before any cryptographic work. Signatures are compared in
//!   constant time.
//! - **Logging out alone cannot revoke a copy.** `flush()` makes the
//!   browser drop its cookie, but a copy taken earlier stays valid until it
//!   expires, unless a [revocation check](session::revocation) refuses it
//!   (per user or for everyone, without a session store). An absolute
//!   lifetime ([`SessionConfig::with_absolute_lifetime`]) bounds even an
//!   active session, and a fallback key can be retired at a set time
//!   ([`Keyring::with_fallback_until`]). The README's "Security model"
//!   maps each to the review finding it answers.
//! - **Keys** are wiped from memory on drop ([`Secret`], the derived HMAC
//!   states); `Debug` never shows a key or a cookie value. A weak secret
//!   (by Django's own check) is accepted, with a warning.
//! - **Untrusted input** gives a typed error, never a panic, and never more
//!   work or memory than the limits allow.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod dangerous;
#[cfg(feature = "django-auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "django-auth")))]
pub mod django;
// The token's own encodings (base64url, base62, zlib) are not the product's
// API; tests, benches and fuzz targets reach them through the internal
// feature, as zlib-rs does with `__internal-api`.
#[cfg(feature = "__internal-api")]
#[doc(hidden)]
pub mod encoding;
#[cfg(not(feature = "__internal-api"))]
mod encoding;
pub mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod session;
pub mod signing;

pub use error::{DecodeError, DecodeErrorKind, EncodeError, PayloadError, SignatureFailure};
pub use python_json::{Map, Number, Value};
pub use session::{Expiry, Session, SessionCodec, SessionConfig};
pub use signing::{Compression, Keyring, Limits, ObjectSigner, Secret, Signer, TimestampSigner};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

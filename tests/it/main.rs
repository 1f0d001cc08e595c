//! The integration tests of `signed-session`, as one test binary.
//!
//! - Golden vectors made by Django (`tests/vectors/`): `django_vectors`,
//!   `json_vectors`, `session_vectors`, `middleware_vectors`.
//! - A live Django as the oracle (`tests/django_oracle.py`, started once per
//!   run): `interop_signing`, `interop_session`, `interop_middleware`.
//! - Bounds, regressions and properties: `adversarial`, `reliability`,
//!   `session_regressions`, `session_props`, `fuzz_regressions`.
//! - Living beside Django (feature `django-auth`): `django_auth` and
//!   `django_csrf` (differential, against the oracle), `django_site` (a
//!   real Django project under `runserver`) and `django_e2e` (that site
//!   and the Rust sidecar example sharing one cookie jar).
//! - Real HTTP on loopback: `tower_layer`, `demo` (both demos), `security`,
//!   and `frameworks`, one suite run against the tower layer and the
//!   actix-web middleware.
//! - The deflater against Python's `zlib`, byte for byte: `zlib_differential`.
//!
//! Times in the vectors are Python floats; [`at`] replays calls at such
//! times through the public clock API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod at;
mod common;
#[cfg(feature = "axum")]
mod http_client;
#[cfg(feature = "django-auth")]
mod jar_client;
mod oracle;

mod adversarial;
mod demo;
mod django_auth;
mod django_csrf;
mod django_e2e;
#[cfg(feature = "django-auth")]
mod django_site;
mod django_vectors;
mod frameworks;
mod fuzz_regressions;
mod interop_middleware;
mod interop_security;
mod interop_session;
mod interop_signing;
mod json_vectors;
mod middleware_vectors;
mod reliability;
mod security;
mod session_props;
mod session_regressions;
mod session_vectors;
mod tower_layer;
mod zlib_differential;

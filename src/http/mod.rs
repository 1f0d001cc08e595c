//! HTTP glue (feature `http`): Django's `SessionMiddleware` on the `http`
//! crate's types, and (feature `axum`) a tower layer with an axum
//! extractor.
//!
//! - [`SessionMiddleware`]: framework-free. [`load`](SessionMiddleware::load)
//!   reads the session cookie from a request's `Cookie` headers;
//!   [`finish`](SessionMiddleware::finish) writes `Set-Cookie`,
//!   `Vary` and (optionally) `Cache-Control` exactly as Django's
//!   `process_response` does.
//! - [`CookieConfig`]: Django's `SESSION_COOKIE_*` settings with Django's
//!   defaults, the size budget and its [`OversizePolicy`].
//! - `SessionLayer` and `SessionHandle` (feature `axum`): the tower layer
//!   and the extractor handlers take. `ActixSession` (feature `actix`) is
//!   the same for actix-web 4, with the same `SessionHandle`. Each
//!   `SessionHandle` method locks the session only for the call, so no
//!   lock is held across an `.await`.
//!
//! # The 4096-byte budget
//!
//! Browsers keep a cookie only if its `Set-Cookie` line fits in about 4096
//! bytes; a larger one is dropped without an error, and the user silently
//! keeps the previous session (or none). Django does not check this. Here
//! the whole `Set-Cookie` value (name, value and attributes) is measured
//! before it is sent, and when it exceeds [`CookieConfig::size_budget`]
//! (4096 by default) it is **not** sent:
//!
//! - [`SessionMiddleware::finish`] returns a [`SaveError::TooLarge`]
//!   carrying a [`CookieTooLarge`] (the size and the budget);
//! - [`SessionMiddleware::process_response`] and the tower layer then
//!   apply the [`OversizePolicy`] chosen in the configuration:
//!   [`Fail`](OversizePolicy::Fail) (the default) replaces the response with
//!   an empty 500, [`KeepPrevious`](OversizePolicy::KeepPrevious) sends the
//!   response without the cookie, so the browser keeps the one it has;
//! - the error is put in the response's extensions, and the tower layer
//!   logs it with `tracing::error!`;
//! - a handler can check beforehand with
//!   [`SessionMiddleware::preview`] (or `SessionHandle::check_size`)
//!   and store less.
//!
//! Session data is compressed when that helps, but the cookie still holds
//! all of it: keep sessions small (identifiers, not documents).
//!
//! # Caches
//!
//! Like Django, every response that reads the session, or sets or deletes
//! its cookie, gets `Vary: Cookie`. Behind a shared cache (a CDN, a reverse
//! proxy) also turn on [`CookieConfig::with_cache_control_private`], so
//! that a response carrying one user's `Set-Cookie` is never stored and
//! served to another. It is off by default to keep Django's exact headers.

#[cfg(feature = "actix")]
mod actix;
mod config;
pub(crate) mod cookies;
mod error;
#[cfg(any(feature = "axum", feature = "actix"))]
mod handle;
#[cfg(feature = "axum")]
mod layer;
mod middleware;
mod vary;

#[cfg(feature = "actix")]
pub use actix::{ActixSession, ActixSessionService};
pub use config::{
    CookieConfig, DEFAULT_COOKIE_NAME, DEFAULT_SIZE_BUDGET, OversizePolicy, SameSite,
};
pub use cookies::{http_date, request_cookie};
pub use error::{ConfigError, CookieTooLarge, SaveError, SaveErrorKind};
#[cfg(any(feature = "axum", feature = "actix"))]
pub use handle::{MissingSessionLayer, SessionHandle};
#[cfg(feature = "axum")]
pub use layer::{ResponseFuture, SessionLayer, SessionService};
pub use middleware::{LoadedSession, Outcome, SessionMiddleware};
pub use vary::{patch_cache_control_private, patch_vary};

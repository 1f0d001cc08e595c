//! Django's CSRF protection (feature `django-auth`): its secrets and
//! masked tokens, its `Origin` and `Referer` checks with its exact reason
//! strings, and a tower layer that enforces them, so that a Rust service
//! and a Django site accept each other's forms and `X-CSRFToken` headers.
//!
//! - [`CsrfSecret`], [`check_token_format`]: the 32-character secret,
//!   Django's 64-character masked tokens, mask and unmask, the format
//!   check and the constant-time match.
//! - [`CsrfConfig`]: the settings (`CSRF_COOKIE_*`, `CSRF_HEADER_NAME`,
//!   `CSRF_TRUSTED_ORIGINS`, `CSRF_USE_SESSIONS`, `SECURE_PROXY_SSL_HEADER`
//!   …) with Django's defaults, loadable with
//!   [`CsrfConfig::from_lookup`].
//! - [`check`]: `CsrfViewMiddleware.process_view`, framework-free, on a
//!   [`CsrfRequest`] (the `http` crate's method and headers); a refusal is
//!   a [`CsrfRejection`] whose `Display` is Django's reason.
//! - [`CsrfLayer`] and [`CsrfHandle`]: the tower layer and the axum
//!   extractor with Django's `get_token` ([`CsrfHandle::token`]) and
//!   `rotate_token` ([`CsrfHandle::rotate`]).
//!
//! | Django | here |
//! |---|---|
//! | `CsrfViewMiddleware` | [`CsrfLayer`] |
//! | `process_view`'s checks | [`check`] |
//! | `get_token(request)` | [`CsrfHandle::token`] |
//! | `rotate_token(request)` | [`CsrfHandle::rotate`] |
//! | `@csrf_exempt` | [`CsrfExempt`], [`CsrfLayer::with_exempt_when`] |
//! | `_get_new_csrf_string()` | [`CsrfSecret::generate`] |
//! | `_mask_cipher_secret(s)` | [`CsrfSecret::mask`] |
//! | `_unmask_cipher_token(t)` | [`CsrfSecret::unmask`] |
//! | `_check_token_format(t)` | [`check_token_format`] |
//! | `_does_token_match(t, s)` | [`CsrfSecret::matches`] |
//! | `RejectRequest(reason)` | [`CsrfRejection`] |
//!
//! # Differences from Django
//!
//! Each is on purpose, and stated on its item:
//!
//! - `ALLOWED_HOSTS` defaults to `["*"]` (Django: `[]`, and localhost
//!   names with `DEBUG`); a malformed `Host` still fails as in Django.
//! - A form body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is refused with `413`
//!   (Django: `400`), the whole multipart body counting (Django counts
//!   the fields without the files), and `None` ("no limit") is refused.
//! - The form is read as UTF-8 whatever its `charset` parameter says
//!   (Django decodes by it); multipart parts with a
//!   `Content-Transfer-Encoding` are not decoded.
//! - Where Django fails with a server error on a session's `_csrftoken`
//!   that is not a string, or not a secret yet 64 characters long, that
//!   value counts as no secret (when not a string) or as one that no
//!   token matches, and [`CsrfHandle::token`] replaces it.
//! - The `Cookie` header is read by [`request_cookie`](crate::http::request_cookie),
//!   which does not undo Python's backslash escapes in quoted values (a
//!   secret never has any).
//! - Header names in `CSRF_HEADER_NAME` and `SECURE_PROXY_SSL_HEADER` may
//!   also be written as the header (`X-CSRFToken`); `CSRF_TRUSTED_ORIGINS`
//!   must be ASCII (punycode).
//! - Repeated `Origin`, `Referer`, `Host` or token headers are joined
//!   with `,` (as most WSGI servers do), which never matches.
//!
//! # Security notes
//!
//! - Secrets and masks come from the operating system's generator,
//!   uniformly over the alphabet (rejection sampling); `Debug` never
//!   shows a secret, and secrets are wiped on drop.
//! - Tokens are compared in constant time, and the masking arithmetic on
//!   secret characters has no data-dependent branch or lookup.
//! - Headers, cookies and bodies never cause a panic; a body is read only
//!   up to its cap, and multipart parsing is linear in its size.

#![cfg_attr(docsrs, doc(cfg(feature = "django-auth")))]

mod check;
mod config;
mod form;
mod handle;
mod layer;
mod token;
mod url;

pub use check::{
    CSRF_FORM_FIELD, CsrfRejection, CsrfRejectionKind, CsrfRequest, REASON_CSRF_TOKEN_MISSING,
    REASON_INSECURE_REFERER, REASON_MALFORMED_REFERER, REASON_NO_CSRF_COOKIE, REASON_NO_REFERER,
    TokenSource, check, is_safe_method,
};
pub use config::{
    CsrfConfig, CsrfConfigError, DEFAULT_CSRF_COOKIE_AGE, DEFAULT_CSRF_COOKIE_NAME,
    DEFAULT_CSRF_HEADER_NAME, DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_FORM_FIELDS,
};
pub use handle::{CSRF_SESSION_KEY, CsrfHandle, MissingCsrfLayer};
pub use layer::{CsrfExempt, CsrfFuture, CsrfLayer, CsrfService};
pub use token::{
    CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH, CsrfSecret, RandomnessError,
    TokenFormatError, check_token_format,
};

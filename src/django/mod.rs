//! Living beside a Django site (feature `django-auth`): what a Rust
//! service needs to share a login, and CSRF tokens, with Django.
//!
//! - [`auth`]: Django's auth session fields (`_auth_user_id`,
//!   `_auth_user_backend`, `_auth_user_hash`), `login` and `logout` as
//!   `django.contrib.auth` does them, and the session auth hash, verified
//!   with the fallback secrets as Django's `get_user` does.
//! - [`csrf`]: Django's CSRF secrets and masked tokens, its `Origin` and
//!   `Referer` checks, and a tower layer that enforces them with Django's
//!   reason strings.
//! - [`settings`]: the settings, named after Django's (`SESSION_COOKIE_*`,
//!   `CSRF_*`, `SECRET_KEY`, `SECRET_KEY_FALLBACKS`) with Django's
//!   defaults, loadable from environment variables of the same names.

pub mod auth;
pub mod csrf;
pub mod settings;

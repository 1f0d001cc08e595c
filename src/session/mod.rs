//! The session layer: Django's `request.session` ([`Session`]) with its
//! per-session expiry ([`Expiry`]) and settings ([`SessionConfig`]), and
//! the codec that ties a session to a cookie value ([`SessionCodec`], the
//! `signed_cookies` backend).
//!
//! Time is always a parameter: every method that needs "now" has an `_at`
//! variant taking Unix seconds as `f64` (fractions allowed, as Python's
//! `time.time()`). The variants without `_at` read the system clock and
//! exist only with the `clock` feature.
//!
//! # Django names
//!
//! | Django (`request.session` / `SessionStore`) | Rust |
//! |---|---|
//! | `s[k]` | [`Session::try_get`] (`Err(KeyError)` when missing) |
//! | `s.get(k)` | [`Session::get`] |
//! | `s.get(k, default)` | [`Session::get_or`] |
//! | `s.get(k)` into a type | [`Session::get_as`] |
//! | `s[k] = v` | [`Session::insert`], [`Session::insert_as`] (serde) |
//! | `del s[k]` | [`Session::delete`] |
//! | `s.pop(k)` | [`Session::pop`] / [`Session::remove`] (`None` instead of `KeyError`) |
//! | `s.pop(k, default)` | [`Session::pop_or`] |
//! | `s.setdefault(k, v)` | [`Session::setdefault`] |
//! | `s.update(d)` | [`Session::update`] |
//! | `k in s` / `s.has_key(k)` | [`Session::contains_key`] / [`Session::has_key`] |
//! | `s.keys()` / `s.values()` / `s.items()` | [`Session::keys`] / [`Session::values`] / [`Session::items`] |
//! | `len(s.keys())` | [`Session::len`] |
//! | `s.clear()` | [`Session::clear`] |
//! | `s.is_empty()` / `not s` | [`Session::is_empty`] |
//! | `s.flush()` | [`Session::flush`] |
//! | `s.cycle_key()` | [`Session::cycle_key`] (marks for re-signing) |
//! | `s.accessed` / `s.modified` | [`Session::accessed`] / [`Session::modified`] |
//! | `s.modified = True` | [`Session::mark_modified`], [`Session::set_modified`] |
//! | `s.session_key` | [`Session::session_key`] |
//! | `s.set_test_cookie()` | [`Session::set_test_cookie`] |
//! | `s.test_cookie_worked()` | [`Session::test_cookie_worked`] |
//! | `s.delete_test_cookie()` | [`Session::delete_test_cookie`] |
//! | `s.set_expiry(v)` | [`Session::set_expiry_at`] / `set_expiry` with an [`Expiry`] |
//! | `s.get_expiry_age()` | [`Session::get_expiry_age_at`] / `get_expiry_age` |
//! | `s.get_expiry_age(modification=…, expiry=…)` | [`Session::get_expiry_age_with`] with [`ExpiryArgs`] |
//! | `s.get_expiry_date()` | [`Session::get_expiry_date_at`] / `get_expiry_date` |
//! | `s.get_expiry_date(modification=…, expiry=…)` | [`Session::get_expiry_date_with`] with [`ExpiryArgs`] |
//! | `s.get_expire_at_browser_close()` | [`Session::get_expire_at_browser_close`] |
//! | `s.get_session_cookie_age()` | [`Session::get_session_cookie_age`] |
//! | `SessionStore(session_key)` + `load()` | [`SessionCodec::load_at`] (lenient), [`SessionCodec::try_load_at`] (strict) |
//! | `s.save()` | [`SessionCodec::save_at`] |
//! | `s.cycle_key()`, signing at once | [`SessionCodec::cycle_key_at`] |
//! | `s.encode(d)` / `s.decode(text)` | [`SessionCodec::encode_at`] / [`SessionCodec::decode`] ([`SessionCodec::try_decode`] keeps the reason) |
//! | `s.exists(key)` | none: always false for signed cookies |
//! | (the reason `load()` swallowed) | [`Session::load_error`], [`Session::key_index`] |
//! | `SessionStore.clear_expired()` | [`Session::clear_expired`] (a no-op: nothing is stored server-side) |
//! | `SessionStore.delete()` | [`Session::flush`] |
//! | `TEST_COOKIE_NAME` / `TEST_COOKIE_VALUE` | [`TEST_COOKIE_NAME`] / [`TEST_COOKIE_VALUE`] |
//! | `SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE`, `USE_TZ`, `TIME_ZONE` | [`SessionConfig`] |
//! | `a…` async twins (`aget`, `aset`, …) | the same methods: they never block |

mod codec;
mod config;
mod error;
mod expiry;
mod lazy;
mod store;

pub use codec::{SESSION_STORE_SALT, SessionCodec};
pub use config::{DEFAULT_COMPRESSION, DEFAULT_COOKIE_AGE, SESSION_SALT, SessionConfig};
pub use error::KeyError;
#[cfg(feature = "http")]
pub(crate) use expiry::unix_to_datetime_second;
pub use expiry::{EXPIRY_KEY, Expiry, ExpiryArgs, isoformat, isoformat_naive};
pub use store::{Session, TEST_COOKIE_NAME, TEST_COOKIE_VALUE};

//! The session layer: Django's `request.session` ([`Session`]) with its
//! per-session expiry ([`Expiry`]) and settings ([`SessionConfig`]), and
//! the codec that ties a session to a cookie value ([`SessionCodec`], the
//! `signed_cookies` backend).
//!
//! The time comes from the configuration's [clock](crate::clock): the
//! system clock by default, a [`ManualClock`](crate::clock::ManualClock)
//! in tests and on runtimes without one.
//!
//! # Django names
//!
//! This is the one table from Django's `SessionBase` (and the
//! `signed_cookies` `SessionStore`) to this crate. Where Rust has a
//! convention the Rust name follows it (`remove`, not also `pop`; no `get_`
//! prefix); where a Django method is a one-line combination of others, the
//! table shows the combination.
//!
//! | Django | Rust |
//! |---|---|
//! | `SessionStore(session_key)` + lazy `load()` | [`SessionCodec::load`] (a refused cookie gives an empty session, the reason in [`Session::load_error`]); [`SessionCodec::try_load`] returns the reason as an error |
//! | `s.save()` | [`SessionCodec::save`] |
//! | `s.cycle_key()` | [`Session::cycle_key`] (re-signed on the next save) |
//! | `s.flush()`, `SessionStore.delete()` | [`Session::flush`] |
//! | `s.clear()` | [`Session::clear`] |
//! | `s.encode(d)` / `s.decode(text)` | [`SessionCodec::encode`] / [`SessionCodec::decode`] ([`SessionCodec::try_decode`] keeps the reason) |
//! | `s.exists(key)`, `s.create()`, `s.delete(key)`, `s.load()` | none needed: nothing is stored server-side (`exists` is always false) |
//! | `SessionStore.clear_expired()` | none needed: nothing to purge |
//! | `s[k]` | [`Session::get`]`(k)`, `None` where Django raises `KeyError` |
//! | `s.get(k)` | [`Session::get`] |
//! | `s.get(k, default)` | `get(k).cloned().unwrap_or(default)` |
//! | `s.get(k)` into a Rust type | [`Session::get_as`] |
//! | `s[k] = v` | [`Session::insert`] ([`Session::insert_as`] for serde types) |
//! | `del s[k]` | [`Session::delete`] (`Err(KeyError)` when missing) |
//! | `s.pop(k)` / `s.pop(k, None)` | [`Session::remove`] (`None` where Django raises) |
//! | `s.pop(k, default)` | `remove(k).unwrap_or(default)` |
//! | `s.setdefault(k, v)` | [`Session::get_or_insert`] |
//! | `s.update(d)` | [`Session::extend`] |
//! | `k in s`, `s.has_key(k)` | [`Session::contains_key`] |
//! | `s.keys()` / `s.values()` / `s.items()` | [`Session::keys`] / [`Session::values`] / [`Session::iter`] |
//! | `len(s.keys())` | [`Session::len`] |
//! | `s.is_empty()`, `not s` | [`Session::is_blank`] (no key and no data; [`Session::is_empty`] is Rust's "no entries") |
//! | `s.accessed` | [`Session::accessed`] |
//! | `s.modified`, `s.modified = v` | [`Session::modified`], [`Session::set_modified`] |
//! | `s.session_key` | [`Session::session_key`] |
//! | `s.set_test_cookie()` / `test_cookie_worked()` / `delete_test_cookie()` | [`Session::set_test_cookie`] / [`Session::test_cookie_worked`] / [`Session::delete_test_cookie`] |
//! | `s.set_expiry(v)` | [`Session::set_expiry`] with an [`Expiry`] |
//! | `s.get_expiry_age()` | [`Session::expiry_age`] (a `time::Duration` of whole seconds) |
//! | `s.get_expiry_age(modification=…, expiry=…)` | [`Session::expiry_age_with`] with [`ExpiryArgs`] |
//! | `s.get_expiry_date()` | [`Session::expiry_date`] |
//! | `s.get_expiry_date(modification=…, expiry=…)` | [`Session::expiry_date_with`] with [`ExpiryArgs`] |
//! | `s.get_expire_at_browser_close()` | [`Session::expire_at_browser_close`] |
//! | `s.get_session_cookie_age()` | [`Session::cookie_age`] |
//! | (the reason `load()` swallowed) | [`Session::load_error`], [`Session::key_index`], [`Session::signed_at`] |
//! | `TEST_COOKIE_NAME` / `TEST_COOKIE_VALUE` | [`TEST_COOKIE_NAME`] / [`TEST_COOKIE_VALUE`] |
//! | `SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE`, `USE_TZ`, `TIME_ZONE` | [`SessionConfig`] |
//! | `SESSION_COOKIE_NAME`, `_DOMAIN`, `_PATH`, `_SECURE`, `_HTTPONLY`, `_SAMESITE`, `SESSION_SAVE_EVERY_REQUEST` | `http::CookieConfig` (feature `http`) |
//! | `a…` async twins (`aget`, `aset`, `asave`, …) | the same methods: they never block |

mod codec;
mod config;
mod error;
mod expiry;
mod lazy;
pub mod revocation;
mod store;
mod usage;

pub(crate) use codec::presented;
pub use codec::{SESSION_STORE_SALT, SessionCodec};
pub use config::{DEFAULT_COMPRESSION, DEFAULT_COOKIE_AGE, SESSION_SALT, SessionConfig};
pub use error::KeyError;
#[cfg(feature = "http")]
pub(crate) use expiry::unix_to_datetime_second;
pub use expiry::{EXPIRY_KEY, Expiry, ExpiryArgs, isoformat, isoformat_naive};
pub use store::{CREATED_KEY, Session, TEST_COOKIE_NAME, TEST_COOKIE_VALUE};
pub use usage::KeyUse;

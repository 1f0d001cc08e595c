//! Replaying calls at exact times, through the public clock API.
//!
//! The golden vectors and the Django oracle give times as Python floats
//! (`time.time()`). A codec built with [`TestClock`] reads "now" from a
//! per-thread cell; the `*_at` methods of the traits below set that cell to
//! the given float, make the ordinary call, and restore it. So
//! `codec.load_at(cookie, 1_700_000_060.5)` is `codec.load(cookie)` with the
//! clock showing that instant; nothing here reaches past the public API.
//!
//! Codecs must be built with the test clock ([`config`], [`signer`],
//! [`session`]), or the call reads the system clock instead and the test
//! fails on its times.

use std::cell::Cell;

use python_json::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use signed_session::clock::Clock;
use signed_session::session::{Expiry, Session, SessionCodec, SessionConfig};
use signed_session::signing::{Keyring, Loaded, ObjectSigner, TimestampSigner, TimestampUnsigned};
use signed_session::{DecodeError, EncodeError};
use time::{Duration, OffsetDateTime};

thread_local! {
    static NOW: Cell<f64> = const { Cell::new(1_700_000_000.0) };
}

/// A clock showing this thread's replay time.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestClock;

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        at(NOW.get())
    }
}

/// Fractional Unix seconds as an instant, to the nanosecond (exact for the
/// floats of any real clock: their spacing is far above a nanosecond).
pub fn at(seconds: f64) -> OffsetDateTime {
    // Whole seconds and the fraction apart: `seconds * 1e9` as one f64
    // would round to 256 ns at today's times.
    let whole = seconds.floor();
    #[allow(clippy::cast_possible_truncation)]
    let nanos = whole as i128 * 1_000_000_000 + ((seconds - whole) * 1e9).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or_else(|_| panic!("{seconds} s is outside the representable years"))
}

/// Seconds as a duration (for `max_age`).
pub fn secs(seconds: f64) -> Duration {
    Duration::saturating_seconds_f64(seconds)
}

/// Runs `f` with the test clock showing `now`.
pub fn with_now<R>(now: f64, f: impl FnOnce() -> R) -> R {
    let before = NOW.replace(now);
    let result = f();
    NOW.set(before);
    result
}

/// Session settings reading the test clock.
pub fn config() -> SessionConfig {
    SessionConfig::new().with_clock(TestClock)
}

/// An empty session with the test clock and Django's default settings.
pub fn session() -> Session {
    Session::with_config(&config())
}

/// A `signing.dumps` codec reading the test clock.
pub fn signer(keyring: &Keyring, salt: &str) -> ObjectSigner {
    ObjectSigner::new(keyring, salt).with_clock(TestClock)
}

/// A timestamp signer reading the test clock.
pub fn timestamp_signer(keyring: &Keyring, salt: &str) -> TimestampSigner {
    TimestampSigner::new(keyring, salt).with_clock(TestClock)
}

/// `ObjectSigner` calls at a given time.
pub trait ObjectSignerAt {
    fn dumps_at<T: Serialize + ?Sized>(&self, value: &T, now: f64) -> Result<String, EncodeError>;
    fn dumps_json_at(&self, json: &[u8], now: f64) -> Result<String, EncodeError>;
    fn loads_value_at(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<Loaded<Value>, DecodeError>;
    fn loads_at<T: DeserializeOwned + 'static>(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<T, DecodeError>;
}

impl ObjectSignerAt for ObjectSigner {
    fn dumps_at<T: Serialize + ?Sized>(&self, value: &T, now: f64) -> Result<String, EncodeError> {
        with_now(now, || self.dumps(value))
    }
    fn dumps_json_at(&self, json: &[u8], now: f64) -> Result<String, EncodeError> {
        with_now(now, || self.dumps_json(json))
    }
    fn loads_value_at(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<Loaded<Value>, DecodeError> {
        with_now(now, || self.loads::<Value>(token, max_age.map(secs)))
    }
    fn loads_at<T: DeserializeOwned + 'static>(
        &self,
        token: &str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<T, DecodeError> {
        with_now(now, || self.loads::<T>(token, max_age.map(secs))).map(|l| l.value)
    }
}

/// `TimestampSigner` calls at a given time.
pub trait TimestampSignerAt {
    fn sign_at(&self, value: &str, now: f64) -> Result<String, EncodeError>;
    fn unsign_at<'a>(
        &self,
        signed: &'a str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<TimestampUnsigned<'a>, DecodeError>;
}

impl TimestampSignerAt for TimestampSigner {
    fn sign_at(&self, value: &str, now: f64) -> Result<String, EncodeError> {
        with_now(now, || self.sign(value))
    }
    fn unsign_at<'a>(
        &self,
        signed: &'a str,
        max_age: Option<f64>,
        now: f64,
    ) -> Result<TimestampUnsigned<'a>, DecodeError> {
        with_now(now, || self.unsign(signed, max_age.map(secs)))
    }
}

/// `SessionCodec` calls at a given time.
pub trait SessionCodecAt {
    fn load_at(&self, cookie: Option<&str>, now: f64) -> Session;
    fn try_load_at(&self, cookie: Option<&str>, now: f64) -> Result<Session, DecodeError>;
    fn save_at(&self, session: &mut Session, now: f64) -> Result<String, EncodeError>;
    fn encode_at(&self, data: &signed_session::Map, now: f64) -> Result<String, EncodeError>;
}

impl SessionCodecAt for SessionCodec {
    fn load_at(&self, cookie: Option<&str>, now: f64) -> Session {
        with_now(now, || self.load(cookie))
    }
    fn try_load_at(&self, cookie: Option<&str>, now: f64) -> Result<Session, DecodeError> {
        with_now(now, || self.try_load(cookie))
    }
    fn save_at(&self, session: &mut Session, now: f64) -> Result<String, EncodeError> {
        with_now(now, || self.save(session))
    }
    fn encode_at(&self, data: &signed_session::Map, now: f64) -> Result<String, EncodeError> {
        with_now(now, || self.encode(data))
    }
}

/// `Session` expiry calls at a given time; ages in whole seconds, as Django
/// returns them.
pub trait SessionAt {
    fn set_expiry_at(&mut self, expiry: Expiry, now: f64);
    fn get_expiry_age_at(&self, now: f64) -> i64;
    fn get_expiry_date_at(&self, now: f64) -> OffsetDateTime;
}

impl SessionAt for Session {
    fn set_expiry_at(&mut self, expiry: Expiry, now: f64) {
        with_now(now, || self.set_expiry(expiry));
    }
    fn get_expiry_age_at(&self, now: f64) -> i64 {
        with_now(now, || self.expiry_age().whole_seconds())
    }
    fn get_expiry_date_at(&self, now: f64) -> OffsetDateTime {
        with_now(now, || self.expiry_date())
    }
}

#[cfg(feature = "http")]
pub use http_at::MiddlewareAt;

/// The traits, for `use crate::at::prelude::*`.
pub mod prelude {
    #[cfg(feature = "http")]
    pub use super::MiddlewareAt;
    pub use super::{ObjectSignerAt, SessionAt, SessionCodecAt, TimestampSignerAt};
}

#[cfg(feature = "http")]
mod http_at {
    use http::{HeaderMap, Response, StatusCode};
    use signed_session::http::{LoadedSession, Outcome, SaveError, SessionMiddleware};
    use signed_session::session::Session;

    use super::with_now;

    /// `SessionMiddleware` calls at a given time.
    pub trait MiddlewareAt {
        fn load_at(&self, headers: &HeaderMap, now: f64) -> LoadedSession;
        fn finish_at(
            &self,
            session: &mut Session,
            had_cookie: bool,
            status: StatusCode,
            headers: &mut HeaderMap,
            now: f64,
        ) -> Result<Outcome, SaveError>;
        fn process_response_at<B: Default>(
            &self,
            session: &mut Session,
            had_cookie: bool,
            response: &mut Response<B>,
            now: f64,
        ) -> Result<Outcome, SaveError>;
        fn preview_at(&self, session: &Session, now: f64) -> Result<String, SaveError>;
    }

    impl MiddlewareAt for SessionMiddleware {
        fn load_at(&self, headers: &HeaderMap, now: f64) -> LoadedSession {
            with_now(now, || self.load(headers))
        }
        fn finish_at(
            &self,
            session: &mut Session,
            had_cookie: bool,
            status: StatusCode,
            headers: &mut HeaderMap,
            now: f64,
        ) -> Result<Outcome, SaveError> {
            with_now(now, || self.finish(session, had_cookie, status, headers))
        }
        fn process_response_at<B: Default>(
            &self,
            session: &mut Session,
            had_cookie: bool,
            response: &mut Response<B>,
            now: f64,
        ) -> Result<Outcome, SaveError> {
            with_now(now, || self.process_response(session, had_cookie, response))
        }
        fn preview_at(&self, session: &Session, now: f64) -> Result<String, SaveError> {
            with_now(now, || self.preview(session))
        }
    }
}

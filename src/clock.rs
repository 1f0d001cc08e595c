//! Where "now" comes from: a [`Clock`], supplied once to a codec or its
//! configuration, instead of a time argument on every call.
//!
//! Times are [`time::OffsetDateTime`] instants and ages are
//! [`time::Duration`]s (signed, since Django allows negative ages: a cookie
//! age below zero, a date in the past). Django's float seconds are an
//! internal detail of the wire format.
//!
//! - [`SystemClock`] (feature `clock`, on by default) reads the system
//!   clock. It is what every codec uses unless told otherwise.
//! - [`ManualClock`] shows the time it was last set to: tests that need
//!   exact times, replays, and runtimes without a clock of their own
//!   (`wasm32-unknown-unknown`), which set it from the time their host
//!   passes in.
//!
//! Without the `clock` feature there is no default: a codec built without
//! [`with_clock`](crate::SessionConfig::with_clock) panics on first use of
//! the time, with a message saying so (a build that forgot its clock fails
//! at once in its first test, rather than signing tokens dated 1970).
//!
//! ```
//! use signed_session::clock::{Clock, ManualClock};
//! use time::{Duration, macros::datetime};
//!
//! let clock = ManualClock::new(datetime!(2023-11-14 22:13:20 UTC));
//! clock.advance(Duration::minutes(5));
//! assert_eq!(clock.now(), datetime!(2023-11-14 22:18:20 UTC));
//! ```

use core::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

/// A source of the current time.
///
/// Implement it to drive the crate from another clock (a runtime's, a
/// test harness's). `now` must return an instant in UTC or with any
/// offset; only the instant counts.
pub trait Clock: fmt::Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock ([`OffsetDateTime::now_utc`]).
#[cfg(feature = "clock")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemClock;

#[cfg(feature = "clock")]
impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that shows the time it was last set to. Clones share the time,
/// so a test keeps one and moves it while the codec holds another.
///
/// ```
/// use signed_session::clock::{Clock, ManualClock};
/// use time::OffsetDateTime;
///
/// let clock = ManualClock::new(OffsetDateTime::UNIX_EPOCH);
/// let shared = clock.clone();
/// clock.set(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
/// assert_eq!(shared.now().unix_timestamp(), 1_700_000_000);
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    at: Arc<Mutex<OffsetDateTime>>,
}

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: OffsetDateTime) -> Self {
        Self {
            at: Arc::new(Mutex::new(at)),
        }
    }

    /// Shows `at` from now on.
    pub fn set(&self, at: OffsetDateTime) {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// Moves the time on by `by` (back, if negative), saturating at the
    /// ends of the representable range.
    pub fn advance(&self, by: Duration) {
        let mut at = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        *at = at.saturating_add(by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The clock a codec holds.
pub(crate) type SharedClock = Arc<dyn Clock>;

/// The clock used when none is given: the system clock, or, without the
/// `clock` feature, one that refuses to be read.
pub(crate) fn default_clock() -> SharedClock {
    #[cfg(feature = "clock")]
    {
        Arc::new(SystemClock)
    }
    #[cfg(not(feature = "clock"))]
    {
        Arc::new(NoClock)
    }
}

/// Without the `clock` feature there is no time unless one is supplied.
#[cfg(not(feature = "clock"))]
#[derive(Debug)]
struct NoClock;

#[cfg(not(feature = "clock"))]
impl Clock for NoClock {
    #[expect(
        clippy::panic,
        reason = "a configuration error, met on first use: signing with a made-up time would \
                  silently produce tokens that expire at once or never"
    )]
    fn now(&self) -> OffsetDateTime {
        panic!(
            "signed-session: no clock configured; enable the `clock` feature or supply one \
             with `with_clock` (e.g. a ManualClock set from the host's time)"
        )
    }
}

/// An instant as Python's `time.time()` float: fractional Unix seconds.
pub(crate) fn unix_seconds(at: OffsetDateTime) -> f64 {
    // Whole seconds are exact in an f64 for any instant `time` can hold;
    // the fraction adds one rounding, as Python's float does.
    #[allow(clippy::cast_precision_loss)]
    let whole = at.unix_timestamp() as f64;
    whole + f64::from(at.nanosecond()) / 1e9
}

/// Fractional seconds as a [`Duration`], saturating (and NaN as zero).
pub(crate) fn seconds(s: f64) -> Duration {
    Duration::saturating_seconds_f64(s)
}

/// Python's `time.time()` float back to an instant, saturating at the
/// ends of the representable range (NaN as the epoch).
pub(crate) fn datetime(unix: f64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH.saturating_add(seconds(unix))
}

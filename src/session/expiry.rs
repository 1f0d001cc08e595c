//! Per-session expiry: what `set_expiry` stores under `_session_expiry`, and
//! how `get_expiry_age` / `get_expiry_date` read it back.
//!
//! Django stores either an integer (seconds of inactivity) or the text of
//! `datetime.isoformat()`. All arithmetic here is done on whole microseconds
//! since the Unix epoch, which is the resolution of a Python `datetime`, so
//! the text we write and the ages we compute match Django's to the digit.

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use python_json::Value;

use crate::clock::{SharedClock, unix_seconds};

/// The key under which the session data carries its custom expiry.
pub const EXPIRY_KEY: &str = "_session_expiry";

const MICROS_PER_SECOND: i128 = 1_000_000;
const SECONDS_PER_DAY: i128 = 86_400;
/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i128 = 2_440_588;
/// `datetime.min` (0001-01-01T00:00:00) in microseconds since the epoch.
const PY_MIN_MICROS: i128 = -62_135_596_800 * MICROS_PER_SECOND;
/// `datetime.max` (9999-12-31T23:59:59.999999) in microseconds since the epoch.
const PY_MAX_MICROS: i128 = 253_402_300_800 * MICROS_PER_SECOND - 1;

/// What [`Session::set_expiry`](super::Session::set_expiry) accepts:
/// the same choices as Django's `set_expiry(value)`.
///
/// | Django argument | Rust | stored `_session_expiry` |
/// |---|---|---|
/// | `None` | [`Expiry::Default`] | removed (the global policy applies) |
/// | `int` | [`Expiry::Idle`] | the whole seconds |
/// | `0` | [`Expiry::AT_BROWSER_CLOSE`] (`Idle` of zero) | `0` |
/// | aware `datetime` | [`Expiry::At`] | `isoformat()`, e.g. `2023-11-15T00:00:00+00:00` |
/// | naive `datetime` | [`Expiry::AtNaive`] | `isoformat()`, e.g. `2023-11-15T00:00:00` |
/// | `timedelta` | [`Expiry::In`] | `isoformat()` of now + duration |
///
/// ```
/// use signed_session::session::Expiry;
/// use time::Duration;
///
/// let in_one_hour = Expiry::from(std::time::Duration::from_secs(3600));
/// assert_eq!(in_one_hour, Expiry::In(Duration::hours(1)));
/// let idle = Expiry::Idle(Duration::minutes(5)); // Django's set_expiry(300)
/// # let _ = idle;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Expiry {
    /// Remove the custom expiry, so that the configured cookie age and
    /// expire-at-browser-close policy apply (Django's `set_expiry(None)`).
    #[default]
    Default,
    /// Expire after this long without a save (Django's integer). Zero means
    /// "when the browser closes". Stored as whole seconds (a fraction is
    /// dropped, as `int()` would).
    Idle(Duration),
    /// Expire at this instant. Stored as ISO-8601 text with the value's own
    /// UTC offset, as Python's `isoformat()` writes an aware `datetime`.
    At(OffsetDateTime),
    /// Expire at this wall-clock time without an offset, as Django does with
    /// a naive `datetime`. It is read back in the configured naive offset
    /// ([`SessionConfig::with_naive_offset`](super::SessionConfig::with_naive_offset)).
    AtNaive(PrimitiveDateTime),
    /// Expire this long after "now" (Django's `timedelta`). Stored as the
    /// resulting date: aware UTC text when `use_tz` is on, naive text in the
    /// naive offset when it is off.
    In(Duration),
}

impl Expiry {
    /// Expire when the browser closes: `Idle` of zero.
    pub const AT_BROWSER_CLOSE: Expiry = Expiry::Idle(Duration::ZERO);
}

impl From<Duration> for Expiry {
    fn from(d: Duration) -> Self {
        Expiry::In(d)
    }
}

impl From<std::time::Duration> for Expiry {
    /// A duration too long for [`time::Duration`] saturates at its maximum.
    fn from(d: std::time::Duration) -> Self {
        Expiry::In(Duration::try_from(d).unwrap_or(Duration::MAX))
    }
}

impl From<OffsetDateTime> for Expiry {
    fn from(at: OffsetDateTime) -> Self {
        Expiry::At(at)
    }
}

impl From<PrimitiveDateTime> for Expiry {
    fn from(at: PrimitiveDateTime) -> Self {
        Expiry::AtNaive(at)
    }
}

/// The optional keyword arguments of Django's `get_expiry_age(**kwargs)` and
/// `get_expiry_date(**kwargs)`.
///
/// Without `modification`, "now" is used; without `expiry`, the session's
/// own `_session_expiry` is read. When `expiry` is given the session data is
/// not touched (Django does not load the session then), so `accessed` stays
/// as it was.
///
/// ```
/// use signed_session::session::{ExpiryArgs, Session};
/// use time::macros::datetime;
///
/// let session = Session::new();
/// let args = ExpiryArgs::new()
///     .modification(datetime!(2023-11-14 22:13:20 UTC))
///     .expiry("2023-11-15T00:00:00+00:00");
/// assert_eq!(session.expiry_age_with(&args), time::Duration::seconds(6400));
/// assert!(!session.accessed());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExpiryArgs {
    modification: Option<OffsetDateTime>,
    expiry: Option<Value>,
}

impl ExpiryArgs {
    /// No arguments: Django's `get_expiry_age()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `modification=` argument: the instant the age is measured from.
    #[must_use]
    pub fn modification(mut self, at: OffsetDateTime) -> Self {
        self.modification = Some(at);
        self
    }

    /// The `expiry=` argument, in the form Django stores it: an integer,
    /// ISO-8601 text, or [`Value::Null`] for `None`.
    #[must_use]
    pub fn expiry(mut self, stored: impl Into<Value>) -> Self {
        self.expiry = Some(stored.into());
        self
    }

    pub(crate) fn modification_ref(&self) -> Option<OffsetDateTime> {
        self.modification
    }

    pub(crate) fn expiry_ref(&self) -> Option<&Value> {
        self.expiry.as_ref()
    }
}

/// The settings the expiry rules depend on, copied into every session.
#[derive(Clone, Debug)]
pub(crate) struct Policy {
    /// Whole seconds.
    pub(crate) cookie_age: i64,
    pub(crate) expire_at_browser_close: bool,
    pub(crate) use_tz: bool,
    pub(crate) naive_offset: UtcOffset,
    /// Where "now" comes from.
    pub(crate) clock: SharedClock,
}

impl Policy {
    /// The time now, as Python's `time.time()` float.
    pub(crate) fn now(&self) -> f64 {
        unix_seconds(self.clock.now())
    }
}

/// A stored `_session_expiry`, classified the way Django's code branches on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Absent, or falsy (`None`, `0`, `false`): the cookie age applies.
    Unset,
    /// A non-zero number of seconds (floats truncated toward zero, as the
    /// cookie's `Max-Age` is).
    Seconds(i64),
    /// An absolute instant, in microseconds since the epoch, with the offset
    /// it was written in (naive text takes the naive offset).
    Date { micros: i128, offset_seconds: i32 },
}

impl Stored {
    /// Reads a stored value. Text that Python could not parse, and types
    /// Django could not use (lists, objects, `NaN`), count as unset.
    pub(crate) fn classify(value: Option<&Value>, naive_offset: UtcOffset) -> Stored {
        let Some(value) = value else {
            return Stored::Unset;
        };
        match value {
            Value::Bool(true) => Stored::Seconds(1),
            Value::Number(n) if !n.is_zero() => {
                number_seconds(n).map_or(Stored::Unset, Stored::Seconds)
            }
            Value::String(text) => match parse_isoformat(text) {
                Some(parsed) => {
                    let offset = parsed
                        .offset_micros
                        .unwrap_or(i64::from(naive_offset.whole_seconds()) * 1_000_000);
                    Stored::Date {
                        micros: parsed.local_micros - i128::from(offset),
                        offset_seconds: i32::try_from(offset / 1_000_000).unwrap_or(0),
                    }
                }
                None => Stored::Unset,
            },
            _ => Stored::Unset,
        }
    }
}

/// Whole seconds from a JSON number, saturating; `None` for `NaN`.
fn number_seconds(n: &python_json::Number) -> Option<i64> {
    if n.is_float() {
        let f = n.as_f64()?;
        if f.is_nan() {
            return None;
        }
        // `as` saturates, and truncation toward zero is what `int()` does.
        #[allow(clippy::cast_possible_truncation)]
        return Some(f.trunc() as i64);
    }
    if let Some(v) = n.as_i64() {
        return Some(v);
    }
    // Larger integers saturate by sign.
    let negative = n.integer_text().is_some_and(|t| t.starts_with('-'));
    Some(if negative { i64::MIN } else { i64::MAX })
}

/// `get_expiry_age`: whole seconds, floored, possibly negative.
pub(crate) fn expiry_age(
    policy: &Policy,
    modification_micros: i128,
    stored: Option<&Value>,
) -> i64 {
    match Stored::classify(stored, policy.naive_offset) {
        Stored::Unset => policy.cookie_age,
        Stored::Seconds(s) => s,
        Stored::Date { micros, .. } => {
            let secs = (micros - modification_micros).div_euclid(MICROS_PER_SECOND);
            saturate_i64(secs)
        }
    }
}

/// `get_expiry_date`: a stored date as is, otherwise modification + seconds.
pub(crate) fn expiry_date(
    policy: &Policy,
    modification_micros: i128,
    modification_offset: UtcOffset,
    stored: Option<&Value>,
) -> OffsetDateTime {
    match Stored::classify(stored, policy.naive_offset) {
        Stored::Date {
            micros,
            offset_seconds,
        } => micros_to_datetime(
            micros,
            UtcOffset::from_whole_seconds(offset_seconds).unwrap_or(UtcOffset::UTC),
        ),
        other => {
            let secs = match other {
                Stored::Seconds(s) => s,
                _ => policy.cookie_age,
            };
            let at = modification_micros.saturating_add(i128::from(secs) * MICROS_PER_SECOND);
            micros_to_datetime(at, modification_offset)
        }
    }
}

/// The text `set_expiry` stores for a date-like [`Expiry`]; `None` for
/// [`Expiry::Default`] and [`Expiry::Idle`].
pub(crate) fn stored_text(policy: &Policy, expiry: Expiry, now: f64) -> Option<String> {
    match expiry {
        Expiry::Default | Expiry::Idle(_) => None,
        Expiry::At(at) => Some(isoformat(at)),
        Expiry::AtNaive(at) => Some(isoformat_naive(at)),
        Expiry::In(d) => {
            let at = unix_to_micros(now).saturating_add(duration_micros(d));
            if policy.use_tz {
                Some(isoformat(micros_to_datetime(at, UtcOffset::UTC)))
            } else {
                let local = micros_to_datetime(at, policy.naive_offset);
                Some(isoformat_naive(PrimitiveDateTime::new(
                    local.date(),
                    local.time(),
                )))
            }
        }
    }
}

fn saturate_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// The whole second of a Unix time as a Python `datetime` shows it: the
/// time rounded to the microsecond first (see [`unix_to_micros`]), then
/// truncated. So `x.9999995` is the next second, as in Django's
/// `http_date`.
#[cfg(feature = "http")]
pub(crate) fn unix_to_datetime_second(t: f64) -> i64 {
    saturate_i64(unix_to_micros(t).div_euclid(MICROS_PER_SECOND))
}

/// A Unix time in seconds to microseconds, rounded as Python's
/// `datetime.fromtimestamp` rounds (half to even on the fraction). A
/// non-finite time is clamped (`NaN` to the epoch).
pub(crate) fn unix_to_micros(now: f64) -> i128 {
    if now.is_nan() {
        return 0;
    }
    if !now.is_finite() {
        return if now > 0.0 {
            PY_MAX_MICROS
        } else {
            PY_MIN_MICROS
        };
    }
    let whole = now.trunc();
    let frac = ((now - whole) * 1e6).round_ties_even();
    // Both values are finite; `as` saturates anything out of range.
    #[allow(clippy::cast_possible_truncation)]
    let (whole, frac) = (whole as i128, frac as i128);
    (whole.saturating_mul(MICROS_PER_SECOND).saturating_add(frac))
        .clamp(PY_MIN_MICROS, PY_MAX_MICROS)
}

/// An instant to microseconds since the epoch (sub-microsecond digits floored).
pub(crate) fn datetime_micros(at: OffsetDateTime) -> i128 {
    at.unix_timestamp_nanos().div_euclid(1000)
}

/// A duration to microseconds, half to even, as `timedelta` rounds.
fn duration_micros(d: Duration) -> i128 {
    let nanos = d.whole_nanoseconds();
    let q = nanos.div_euclid(1000);
    let r = nanos.rem_euclid(1000);
    if r > 500 || (r == 500 && q % 2 != 0) {
        q + 1
    } else {
        q
    }
}

/// Builds the date-time at `micros` since the epoch seen in `offset`,
/// clamped to the range of a Python `datetime` (years 1 to 9999).
pub(crate) fn micros_to_datetime(micros: i128, offset: UtcOffset) -> OffsetDateTime {
    let offset_micros = i128::from(offset.whole_seconds()) * MICROS_PER_SECOND;
    let local = micros
        .saturating_add(offset_micros)
        .clamp(PY_MIN_MICROS, PY_MAX_MICROS);
    let days = local.div_euclid(SECONDS_PER_DAY * MICROS_PER_SECOND);
    let in_day = local.rem_euclid(SECONDS_PER_DAY * MICROS_PER_SECOND);
    let date = i32::try_from(days + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|jd| Date::from_julian_day(jd).ok())
        .unwrap_or(Date::MIN);
    let secs = in_day / MICROS_PER_SECOND;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let us = in_day % MICROS_PER_SECOND;
    let time = time::Time::from_hms_micro(
        u8::try_from(h).unwrap_or(0),
        u8::try_from(m).unwrap_or(0),
        u8::try_from(s).unwrap_or(0),
        u32::try_from(us).unwrap_or(0),
    )
    .unwrap_or(time::Time::MIDNIGHT);
    OffsetDateTime::new_in_offset(date, time, offset)
}

/// Python's `datetime.isoformat()` of an aware date-time:
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM[:SS]`. Microseconds appear only when
/// non-zero, and digits below a microsecond are dropped, as a Python
/// `datetime` cannot hold them.
///
/// ```
/// use signed_session::session::isoformat;
/// use time::macros::datetime;
///
/// assert_eq!(isoformat(datetime!(2023-11-14 23:13:20 UTC)), "2023-11-14T23:13:20+00:00");
/// assert_eq!(isoformat(datetime!(2023-11-14 23:13:20.5 -5)), "2023-11-14T23:13:20.500000-05:00");
/// ```
pub fn isoformat(at: OffsetDateTime) -> String {
    let mut out = isoformat_naive(PrimitiveDateTime::new(at.date(), at.time()));
    let total = at.offset().whole_seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let abs = total.unsigned_abs();
    out.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60));
    if !abs.is_multiple_of(60) {
        out.push_str(&format!(":{:02}", abs % 60));
    }
    out
}

/// Python's `datetime.isoformat()` of a naive date-time:
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
///
/// ```
/// use signed_session::session::isoformat_naive;
/// use time::macros::datetime;
///
/// assert_eq!(isoformat_naive(datetime!(2023-11-14 23:13:20)), "2023-11-14T23:13:20");
/// ```
pub fn isoformat_naive(at: PrimitiveDateTime) -> String {
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    let us = at.microsecond();
    if us != 0 {
        out.push_str(&format!(".{us:06}"));
    }
    out
}

/// A parsed `datetime.fromisoformat` result: the wall-clock time as
/// microseconds since 1970-01-01T00:00 and the offset, if aware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParsedIso {
    pub(crate) local_micros: i128,
    pub(crate) offset_micros: Option<i64>,
}

/// Parses text the way Python 3.11+'s `datetime.fromisoformat` does, for the
/// calendar-date forms: `YYYY-MM-DD` or `YYYYMMDD`, optionally followed by
/// any one separator character and `HH[:MM[:SS[.f+]]]` (or the basic
/// `HH[MM[SS[.f+]]]`), then optionally `Z` or `±HH[:MM[:SS[.ffffff]]]`.
/// Fractions use `.` or `,`; digits past the sixth are dropped. ISO week
/// dates (`2023-W46-2`) are not accepted.
pub(crate) fn parse_isoformat(text: &str) -> Option<ParsedIso> {
    let b = text.as_bytes();
    let (date, rest) = if b.get(4) == Some(&b'-') {
        (parse_date(b.get(..10)?, true)?, b.get(10..)?)
    } else {
        (parse_date(b.get(..8)?, false)?, b.get(8..)?)
    };
    let day_micros = (i128::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY)
        * SECONDS_PER_DAY
        * MICROS_PER_SECOND;
    if rest.is_empty() {
        return Some(ParsedIso {
            local_micros: day_micros,
            offset_micros: None,
        });
    }
    // Any single character separates date and time; it may be multi-byte.
    let sep_len = core::str::from_utf8(rest).ok()?.chars().next()?.len_utf8();
    let time_part = rest.get(sep_len..)?;
    let tz_at = time_part
        .iter()
        .position(|c| matches!(c, b'+' | b'-' | b'Z'));
    let (clock, tz) = match tz_at {
        Some(i) => (time_part.get(..i)?, Some(time_part.get(i..)?)),
        None => (time_part, None),
    };
    let (h, m, s, us) = parse_clock(clock)?;
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let offset_micros = match tz {
        None => None,
        Some(b"Z") => Some(0),
        Some(tz) => {
            let sign: i64 = if tz.first() == Some(&b'-') { -1 } else { 1 };
            let (oh, om, os, ous) = parse_clock(tz.get(1..)?)?;
            let total = ((i64::from(oh) * 60 + i64::from(om)) * 60 + i64::from(os)) * 1_000_000
                + i64::from(ous);
            if total >= 86_400 * 1_000_000 || om > 59 || os > 59 {
                return None;
            }
            Some(sign * total)
        }
    };
    let clock_micros = ((i128::from(h) * 60 + i128::from(m)) * 60 + i128::from(s))
        * MICROS_PER_SECOND
        + i128::from(us);
    Some(ParsedIso {
        local_micros: day_micros + clock_micros,
        offset_micros,
    })
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0u32, |acc, d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

fn parse_date(b: &[u8], extended: bool) -> Option<Date> {
    let (y, m, d) = if extended {
        if b.get(7) != Some(&b'-') {
            return None;
        }
        (b.get(0..4)?, b.get(5..7)?, b.get(8..10)?)
    } else {
        (b.get(0..4)?, b.get(4..6)?, b.get(6..8)?)
    };
    let year = i32::try_from(digits(y)?).ok()?;
    if year < 1 {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(digits(m)?).ok()?).ok()?;
    let day = u8::try_from(digits(d)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// `HH[:MM[:SS[.f+]]]` or `HH[MM[SS[.f+]]]` into (hours, minutes, seconds,
/// microseconds).
fn parse_clock(b: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let (main, frac) = match b.iter().position(|c| matches!(c, b'.' | b',')) {
        Some(i) => (b.get(..i)?, Some(b.get(i + 1..)?)),
        None => (b, None),
    };
    let extended = main.contains(&b':');
    let mut parts = [0u32; 3];
    let mut count = 0;
    if extended {
        for (i, piece) in main.split(|c| *c == b':').enumerate() {
            if piece.len() != 2 || i >= 3 {
                return None;
            }
            *parts.get_mut(i)? = digits(piece)?;
            count = i + 1;
        }
    } else {
        if main.is_empty() || main.len() % 2 != 0 || main.len() > 6 {
            return None;
        }
        for (i, piece) in main.chunks(2).enumerate() {
            *parts.get_mut(i)? = digits(piece)?;
            count = i + 1;
        }
    }
    let us = match frac {
        None => 0,
        Some(f) => {
            // A fraction is only allowed after the seconds.
            if count != 3 || f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let kept = f.get(..f.len().min(6))?;
            let scale = 10u32.pow(u32::try_from(6 - kept.len()).ok()?);
            digits(kept)? * scale
        }
    };
    let [h, m, s] = parts;
    Some((h, m, s, us))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn python_rounding_of_unix_time() {
        assert_eq!(unix_to_micros(1_700_000_000.5), 1_700_000_000_500_000);
        assert_eq!(unix_to_micros(1_700_000_000.999), 1_700_000_000_999_000);
        assert_eq!(unix_to_micros(-1.5), -1_500_000);
        assert_eq!(unix_to_micros(f64::NAN), 0);
        assert_eq!(unix_to_micros(f64::INFINITY), PY_MAX_MICROS);
    }

    #[test]
    fn isoformat_matches_python() {
        assert_eq!(
            isoformat(datetime!(2023-11-14 23:13:20.5 UTC)),
            "2023-11-14T23:13:20.500000+00:00"
        );
        assert_eq!(
            isoformat(datetime!(0001-01-01 0:00 +5:30:15)),
            "0001-01-01T00:00:00+05:30:15"
        );
        assert_eq!(
            isoformat(datetime!(2023-01-01 0:00:00.000_000_9 UTC)),
            "2023-01-01T00:00:00+00:00"
        );
    }

    #[test]
    fn parses_every_form_django_writes() {
        let base = 1_700_003_600_i128 * 1_000_000;
        let cases: &[(&str, i128, Option<i64>)] = &[
            ("2023-11-14T23:13:20", base, None),
            ("2023-11-14T23:13:20.500000", base + 500_000, None),
            ("2023-11-14T23:13:20+00:00", base, Some(0)),
            ("2023-11-14T23:13:20.500000+00:00", base + 500_000, Some(0)),
            (
                "2023-11-14T23:13:20-05:00",
                base,
                Some(-5 * 3600 * 1_000_000),
            ),
            (
                "2023-11-14T23:13:20+05:30:15.5",
                base,
                Some((5 * 3600 + 30 * 60 + 15) * 1_000_000 + 500_000),
            ),
            ("2023-11-14 23:13:20Z", base, Some(0)),
            ("20231114T231320,5", base + 500_000, None),
            ("2023-11-14T23:13:20.1234567", base + 123_456, None),
            ("2023-11-14T23", base - (13 * 60 + 20) * 1_000_000, None),
            (
                "2023-11-14",
                base - (23 * 3600 + 13 * 60 + 20) * 1_000_000,
                None,
            ),
        ];
        for (text, local, off) in cases {
            let parsed = parse_isoformat(text).unwrap_or_else(|| panic!("{text} did not parse"));
            assert_eq!(parsed.local_micros, *local, "{text}");
            assert_eq!(parsed.offset_micros, *off, "{text}");
        }
    }

    #[test]
    fn rejects_what_python_rejects() {
        for text in [
            "",
            "2023",
            "2023-13-01",
            "2023-02-30",
            "2023-11-14T24:00:00",
            "2023-11-14T23:60",
            "2023-11-14T23:13:20+24:00",
            "2023-11-14T23:13.5",
            "0000-01-01",
            "2023-11-14T1",
            "garbage",
            "2023-11-14T23:13:20+",
            "2023-W46-2",
        ] {
            assert_eq!(parse_isoformat(text), None, "{text}");
        }
    }

    #[test]
    fn round_trips_at_the_extremes() {
        for micros in [PY_MIN_MICROS, PY_MAX_MICROS, 0, -1, 1_700_000_000_500_000] {
            let dt = micros_to_datetime(micros, UtcOffset::UTC);
            assert_eq!(datetime_micros(dt), micros);
            let parsed = parse_isoformat(&isoformat(dt)).unwrap_or_else(|| panic!("{micros}"));
            assert_eq!(parsed.local_micros, micros);
        }
        // Clamped rather than overflowing.
        let dt = micros_to_datetime(PY_MAX_MICROS, offset!(+1));
        assert_eq!(dt.year(), 9999);
    }

    #[test]
    fn duration_rounding_is_half_even() {
        assert_eq!(duration_micros(Duration::nanoseconds(1500)), 2);
        assert_eq!(duration_micros(Duration::nanoseconds(2500)), 2);
        assert_eq!(duration_micros(Duration::nanoseconds(-1500)), -2);
    }
}

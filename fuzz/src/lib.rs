//! Helpers shared by the fuzz targets: `arbitrary` generators for
//! [`Value`], instants, ages and expiry settings, the keys used to sign, and
//! an allocator that records the peak number of live bytes so a target can
//! assert that decoding stays within the configured caps.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use arbitrary::{Arbitrary, Result, Unstructured};
use signed_session::clock::ManualClock;
use signed_session::session::{DEFAULT_COOKIE_AGE, Expiry};
use signed_session::{Keyring, Map, Number, Secret, Value};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The secret of the golden vectors, so the seed tokens verify.
pub const VECTOR_SECRET: &str =
    "vector-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-!@#$%^&*()";
/// The salt of Django's signed-cookie session backend.
pub const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";

/// The vector secret as current key, plus one fallback, so the fallback
/// path is exercised too.
pub fn keyring() -> Keyring {
    let current = Secret::new(VECTOR_SECRET).unwrap_or_else(|_| unreachable!());
    let old = Secret::new("an-old-fallback-secret").unwrap_or_else(|_| unreachable!());
    Keyring::new(current).with_fallback(old)
}

// ---------------------------------------------------------------------------
// Peak-memory accounting

/// Wraps the system allocator and tracks live and peak heap bytes.
pub struct PeakAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed).saturating_add(by);
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(by: usize) {
    LIVE.fetch_sub(by, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters are
// bookkeeping only and never influence the returned pointers.
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Runs `f` and returns its result with the largest number of heap bytes
/// that were live at once during the call, above what was live before it.
/// Only meaningful when [`PeakAlloc`] is the global allocator.
pub fn peak_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let r = f();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (r, peak)
}

// ---------------------------------------------------------------------------
// Arbitrary values

/// Deepest nesting the generator builds; the decoder's default cap is 128.
pub const MAX_GEN_DEPTH: usize = 40;

/// An arbitrary JSON [`Value`] as Python's `json` could carry it: nested
/// arrays and objects, any Unicode, every float (NaN, infinities, -0.0,
/// subnormals) and integers of any size.
#[derive(Debug, Clone)]
pub struct ArbValue(pub Value);

impl<'a> Arbitrary<'a> for ArbValue {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        gen_value(u, 0).map(ArbValue)
    }
}

/// An arbitrary value whose top level is an object (what a session holds).
#[derive(Debug, Clone)]
pub struct ArbObject(pub Map);

impl<'a> Arbitrary<'a> for ArbObject {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        gen_map(u, 1).map(ArbObject)
    }
}

fn gen_value(u: &mut Unstructured<'_>, depth: usize) -> Result<Value> {
    let leaf_only = depth >= MAX_GEN_DEPTH || u.is_empty();
    let choices = if leaf_only { 6 } else { 8 };
    Ok(match u.choose_index(choices)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(gen_int(u)?),
        3 => Value::Number(Number::from(gen_float(u)?)),
        4 | 5 => Value::String(u.arbitrary()?),
        6 => {
            let mut items = Vec::new();
            u.arbitrary_loop(None, Some(16), |u| {
                items.push(gen_value(u, depth + 1)?);
                Ok(core::ops::ControlFlow::Continue(()))
            })?;
            Value::Array(items)
        }
        _ => Value::Object(gen_map(u, depth + 1)?),
    })
}

fn gen_map(u: &mut Unstructured<'_>, depth: usize) -> Result<Map> {
    let mut map = Map::new();
    u.arbitrary_loop(None, Some(16), |u| {
        let key: String = u.arbitrary()?;
        let value = gen_value(u, depth)?;
        map.insert(key, value);
        Ok(core::ops::ControlFlow::Continue(()))
    })?;
    Ok(map)
}

fn gen_int(u: &mut Unstructured<'_>) -> Result<Number> {
    Ok(match u.choose_index(4)? {
        0 => Number::from(u.arbitrary::<i64>()?),
        1 => Number::from(u.arbitrary::<u64>()?),
        2 => Number::from(u.arbitrary::<i128>()?),
        _ => {
            // Integers past 128 bits, as decimal text of up to 400 digits.
            let neg: bool = u.arbitrary()?;
            let len = u.int_in_range(1..=400usize)?;
            let mut text = String::with_capacity(len + 1);
            if neg {
                text.push('-');
            }
            for _ in 0..len {
                text.push(char::from(b'0' + u.int_in_range(0..=9u8)?));
            }
            Number::from_integer_str(&text).unwrap_or_else(|| Number::from(0))
        }
    })
}

fn gen_float(u: &mut Unstructured<'_>) -> Result<f64> {
    Ok(match u.choose_index(8)? {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        3 => -0.0,
        4 => f64::from_bits(u.int_in_range(1..=0x000f_ffff_ffff_ffffu64)?), // subnormal
        _ => f64::from_bits(u.arbitrary()?),
    })
}

/// The first instant a clock can show: `-9999-01-01T00:00:00Z`.
pub fn min_instant() -> OffsetDateTime {
    OffsetDateTime::new_utc(Date::MIN, Time::MIDNIGHT)
}

/// The last instant a clock can show: `9999-12-31T23:59:59.999999999Z`.
pub fn max_instant() -> OffsetDateTime {
    OffsetDateTime::new_utc(Date::MAX, Time::MAX)
}

/// An ordinary clock value: around 2023-11-14, give or take four years.
pub const ORDINARY_UNIX: i64 = 1_700_000_000;

/// An arbitrary "now" for a [`ManualClock`]: ordinary clock values most of
/// the time, sometimes the ends of the representable range (the first
/// instant, the last whole second and the last nanosecond), the Unix epoch,
/// times just before it, Python's `datetime` range and any instant at all.
/// Now and then the instant is shown in another UTC offset: only the
/// instant may count.
pub fn gen_instant(u: &mut Unstructured<'_>) -> Result<OffsetDateTime> {
    let at = match u.choose_index(20)? {
        0 => min_instant(),
        1 => max_instant(),
        2 => OffsetDateTime::new_utc(Date::MAX, Time::from_hms(23, 59, 59).unwrap_or(Time::MAX)),
        3 => OffsetDateTime::UNIX_EPOCH,
        // Negative times, with and without a fraction of a second.
        4 => {
            OffsetDateTime::UNIX_EPOCH
                - *u.choose(&[
                    Duration::NANOSECOND,
                    Duration::milliseconds(500),
                    Duration::SECOND,
                    Duration::milliseconds(1500),
                    Duration::days(365),
                ])?
        }
        // The range of a Python `datetime`, years 1 to 9999.
        5 => *u.choose(&[
            PrimitiveDateTime::MIN.assume_utc(),
            OffsetDateTime::new_utc(
                Date::MAX,
                Time::from_hms_micro(23, 59, 59, 999_999).unwrap_or(Time::MAX),
            ),
        ])?,
        6 => {
            let nanos = u.int_in_range(
                min_instant().unix_timestamp_nanos()..=max_instant().unix_timestamp_nanos(),
            )?;
            OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .map_err(|_| arbitrary::Error::IncorrectFormat)?
        }
        // 1/16 s steps over about four years either side, plus any nanoseconds.
        _ => {
            let steps = i64::from(u.arbitrary::<i32>()?);
            let nanos = steps * 62_500_000 + i64::from(u.int_in_range(0..=62_499_999)?);
            OffsetDateTime::from_unix_timestamp(ORDINARY_UNIX)
                .map_err(|_| arbitrary::Error::IncorrectFormat)?
                + Duration::nanoseconds(nanos)
        }
    };
    if u.ratio(1, 8)? {
        let offset = UtcOffset::from_whole_seconds(u.int_in_range(-93_599..=93_599)?)
            .map_err(|_| arbitrary::Error::IncorrectFormat)?;
        // Near the ends, the local date-time in that offset may not exist.
        return Ok(at.checked_to_offset(offset).unwrap_or(at));
    }
    Ok(at)
}

/// A manual clock showing an arbitrary instant (see [`gen_instant`]).
pub fn gen_clock(u: &mut Unstructured<'_>) -> Result<ManualClock> {
    Ok(ManualClock::new(gen_instant(u)?))
}

/// An arbitrary age (a `max_age`): the extremes of [`Duration`] and of a
/// second, any duration at all, or (most often) up to four years either
/// way in 1/16 s steps.
pub fn gen_age(u: &mut Unstructured<'_>) -> Result<Duration> {
    Ok(match u.choose_index(6)? {
        0 => *u.choose(&[
            Duration::ZERO,
            Duration::NANOSECOND,
            Duration::SECOND,
            -Duration::SECOND,
            Duration::MAX,
            Duration::MIN,
            DEFAULT_COOKIE_AGE,
        ])?,
        1 => Duration::new(u.arbitrary()?, u.int_in_range(-999_999_999..=999_999_999)?),
        _ => Duration::nanoseconds(i64::from(u.arbitrary::<i32>()?) * 62_500_000),
    })
}

/// An arbitrary `SessionConfig::with_cookie_age` (Django's default, the
/// small ages around zero, a fraction of a second, and the extremes).
pub fn gen_cookie_age(u: &mut Unstructured<'_>) -> Result<Duration> {
    Ok(*u.choose(&[
        DEFAULT_COOKIE_AGE,
        Duration::SECOND,
        Duration::ZERO,
        -Duration::SECOND,
        Duration::minutes(1),
        Duration::milliseconds(500),
        Duration::seconds(i64::MAX),
        Duration::seconds(i64::MIN),
        Duration::MAX,
        Duration::MIN,
    ])?)
}

/// Django's `int(time.time())` at `at`: the instant as Python's float of
/// Unix seconds, truncated toward zero. This is the timestamp a token
/// signed at `at` carries. The float can round up to the next whole second
/// in the last fraction of a microsecond (or, in the year 9999, of some
/// microseconds) before it, as in Python; the crate keeps the timestamp
/// within the instants `time` represents (the last second of 9999 at most),
/// so that it reads back what it signs.
pub fn django_timestamp(at: OffsetDateTime) -> i64 {
    #[allow(clippy::cast_precision_loss)]
    let unix = at.unix_timestamp() as f64 + f64::from(at.nanosecond()) / 1e9;
    #[allow(clippy::cast_possible_truncation)]
    let whole = unix.trunc() as i64;
    whole.clamp(-377_705_116_800, 253_402_300_799)
}

/// An arbitrary `set_expiry` argument, the extremes of every kind included.
pub fn gen_expiry(u: &mut Unstructured<'_>) -> Result<Expiry> {
    Ok(match u.choose_index(8)? {
        0 => Expiry::Default,
        1 => Expiry::Idle(Duration::new(
            u.arbitrary()?,
            u.int_in_range(-999_999_999..=999_999_999)?,
        )),
        2 => Expiry::Idle(*u.choose(&[
            Duration::ZERO,
            Duration::SECOND,
            -Duration::SECOND,
            Duration::milliseconds(500),
            Duration::seconds(i64::MAX),
            Duration::seconds(i64::MIN),
            Duration::MAX,
            Duration::MIN,
            DEFAULT_COOKIE_AGE,
        ])?),
        3 => Expiry::In(Duration::new(
            u.arbitrary()?,
            u.int_in_range(-999_999_999..=999_999_999)?,
        )),
        4 => Expiry::In(*u.choose(&[Duration::MAX, Duration::MIN, Duration::ZERO])?),
        5 => {
            // Python's datetime range, years 1 to 9999.
            let secs = u.int_in_range(-62_135_596_800..=253_402_300_799)?;
            let at = OffsetDateTime::from_unix_timestamp(secs)
                .map_err(|_| arbitrary::Error::IncorrectFormat)?;
            Expiry::At(at)
        }
        6 => Expiry::At(*u.choose(&[
            OffsetDateTime::UNIX_EPOCH,
            PrimitiveDateTime::MAX.assume_utc(),
            PrimitiveDateTime::MIN.assume_utc(),
        ])?),
        _ => Expiry::AtNaive(*u.choose(&[PrimitiveDateTime::MAX, PrimitiveDateTime::MIN])?),
    })
}

// ---------------------------------------------------------------------------
// Stock zlib

/// `compress2(data, level 6)` with C zlib: the bytes of Python's
/// `zlib.compress(data)` (zlib's defaults: 32 KiB window, `memLevel` 8,
/// default strategy), which the crate's deflater must match exactly.
pub fn stock_zlib_compress(data: &[u8]) -> Vec<u8> {
    let source_len = libz_sys::uLong::try_from(data.len()).unwrap_or_else(|_| unreachable!());
    // SAFETY: `compressBound` only computes a size.
    let bound = unsafe { libz_sys::compressBound(source_len) };
    let mut out = vec![0u8; usize::try_from(bound).unwrap_or_else(|_| unreachable!())];
    let mut out_len = bound;
    // SAFETY: `out` has `out_len` writable bytes and `data` has
    // `source_len` readable ones; zlib writes at most `out_len` bytes and
    // sets `out_len` to the number written.
    let rc = unsafe {
        libz_sys::compress2(out.as_mut_ptr(), &mut out_len, data.as_ptr(), source_len, 6)
    };
    assert_eq!(rc, libz_sys::Z_OK, "compress2 failed");
    out.truncate(usize::try_from(out_len).unwrap_or_else(|_| unreachable!()));
    out
}

/// The version of the C zlib linked in (`zlibVersion()`).
pub fn stock_zlib_version() -> String {
    // SAFETY: zlibVersion returns a pointer to a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(libz_sys::zlibVersion()) }
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    /// The C zlib linked here writes the bytes Python's `zlib.compress`
    /// wrote (zlib 1.2.13; the same expected bytes as the main crate's
    /// `output_is_stock_zlibs_to_the_byte`), so the `deflate` target's
    /// reference is Django's.
    #[test]
    fn stock_zlib_writes_pythons_bytes() {
        let cases: [(&[u8], &str); 4] = [
            (
                br#"{"_language":"de","visits":23,"last_path":"/shop/23/?page=2","django_timezone":"Europe/Berlin"}"#,
                "789c158c4b0a80201040ef326b41d09d1041d039447050c39cc14f8ba2bb67ebf779c06657c27001c180\
                 471070a5967a03a3b480ec5ab7ec7a9c50b6482c95962b4f7b5153f5c76cc9f674e24de53feca312a3\
                 dcb0e654e0fd00d1891fa3",
            ),
            (b"", "789c030000000001"),
            (b"a", "789c4b040000620062"),
            (
                b"abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc\
                  abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc\
                  abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc\
                  abcabcabcabcabcabcabcabcabcabc",
                "789c4b4c4a4e1c45c42100884d72d9",
            ),
        ];
        for (data, hex) in cases {
            let expected: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0))
                .collect();
            assert_eq!(
                super::stock_zlib_compress(data),
                expected,
                "zlib {} on {} bytes",
                super::stock_zlib_version(),
                data.len()
            );
        }
    }
}

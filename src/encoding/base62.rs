//! Django's base62 timestamps (docs/django-format.md §2.4): digits `0-9A-Za-z`, most
//! significant first, an optional leading `-`.

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a base62 text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base62Error {
    /// The text is empty (Python raises `IndexError`).
    Empty,
    /// A character outside the alphabet (Python raises `ValueError`).
    InvalidChar,
    /// The value does not fit in an `i64`, or is not an instant of the
    /// years -9999 to 9999 (Python has no such limit, but no real
    /// timestamp comes near it; only a holder of the key can sign one).
    OutOfRange,
}

impl core::fmt::Display for Base62Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Base62Error::Empty => "the base62 timestamp is empty",
            Base62Error::InvalidChar => "the base62 timestamp has a character outside 0-9A-Za-z",
            Base62Error::OutOfRange => "the base62 timestamp is outside the years -9999 to 9999",
        })
    }
}

impl std::error::Error for Base62Error {}

/// Appends the base62 text of `n` to `out`.
pub fn encode_into(n: i64, out: &mut String) {
    if n < 0 {
        out.push('-');
    }
    let mut v = n.unsigned_abs();
    // 11 digits hold any u64 (62^11 > 2^64); fill from the right.
    let mut buf = [0u8; 11];
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        // v % 62 < 62, so the lookup always succeeds.
        *slot = ALPHABET.get((v % 62) as usize).copied().unwrap_or(b'0');
        v /= 62;
        start -= 1;
        if v == 0 {
            break;
        }
    }
    for &b in buf.iter().skip(start) {
        out.push(char::from(b));
    }
}

/// The base62 text of `n`.
#[cfg(test)]
fn encode(n: i64) -> String {
    let mut s = String::with_capacity(12);
    encode_into(n, &mut s);
    s
}

fn digit(b: u8) -> Option<u64> {
    let d = match b {
        b'0'..=b'9' => b - b'0',
        b'A'..=b'Z' => b - b'A' + 10,
        b'a'..=b'z' => b - b'a' + 36,
        _ => return None,
    };
    Some(u64::from(d))
}

/// Decodes base62 text as Django does: `"0"` is 0, a leading `-` negates
/// (`"-"` alone is 0), leading zeros are accepted.
///
/// # Errors
/// Empty text, a character outside the alphabet, or a value past `i64`.
pub fn decode(s: &str) -> Result<i64, Base62Error> {
    let bytes = s.as_bytes();
    let (neg, digits) = match bytes.split_first() {
        None => return Err(Base62Error::Empty),
        Some((b'-', rest)) => (true, rest),
        Some(_) => (false, bytes),
    };
    let mut v: u64 = 0;
    for &b in digits {
        let d = digit(b).ok_or(Base62Error::InvalidChar)?;
        v = v
            .checked_mul(62)
            .and_then(|v| v.checked_add(d))
            .ok_or(Base62Error::OutOfRange)?;
    }
    if neg {
        // -(2^63) is representable, so compare against its magnitude.
        if v > i64::MIN.unsigned_abs() {
            return Err(Base62Error::OutOfRange);
        }
        Ok(0i64.wrapping_sub_unsigned(v))
    } else {
        i64::try_from(v).map_err(|_| Base62Error::OutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        for (n, s) in [
            (0, "0"),
            (61, "z"),
            (62, "10"),
            (1_700_000_000, "1r31eq"),
            (1i64 << 31, "2LKcb2"),
            (-1, "-1"),
        ] {
            assert_eq!(encode(n), s, "encode {n}");
            assert_eq!(decode(s), Ok(n), "decode {s}");
        }
    }

    #[test]
    fn extremes_round_trip() {
        for n in [i64::MIN, i64::MIN + 1, -62, i64::MAX] {
            assert_eq!(decode(&encode(n)), Ok(n));
        }
    }

    #[test]
    fn django_leniencies() {
        assert_eq!(decode("-"), Ok(0));
        assert_eq!(decode("0001r31eq"), Ok(1_700_000_000));
        assert_eq!(decode(""), Err(Base62Error::Empty));
        assert_eq!(decode("1r3!eq"), Err(Base62Error::InvalidChar));
        assert_eq!(decode("--1"), Err(Base62Error::InvalidChar));
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(decode("zzzzzzzzzzzz"), Err(Base62Error::OutOfRange));
        assert_eq!(decode("-zzzzzzzzzzzz"), Err(Base62Error::OutOfRange));
        // one past i64::MAX
        let past = encode(i64::MAX).into_bytes();
        assert_eq!(
            String::from_utf8(past).map(|s| decode(&s)),
            Ok(Ok(i64::MAX))
        );
        assert_eq!(decode("AzL8n0Y58m8"), Err(Base62Error::OutOfRange));
    }
}

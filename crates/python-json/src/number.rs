//! Numbers as Python's `json` module has them: unbounded integers and
//! IEEE-754 doubles (with `NaN` and the infinities).

use core::fmt;

/// A JSON number: an integer of any size, or a float.
///
/// Integers and floats stay distinct (`1` and `1.0` are different values, as
/// in Python), so a payload re-encodes to the same bytes.
#[derive(Clone, Debug)]
pub struct Number(pub(crate) N);

#[derive(Clone, Debug)]
pub(crate) enum N {
    /// An integer that fits in an `i64`.
    Int(i64),
    /// A non-negative integer above `i64::MAX` that fits in a `u64`.
    UInt(u64),
    /// Any other integer, as canonical decimal text: an optional `-`, then
    /// digits with no leading zero.
    Big(Box<str>),
    /// A float, possibly `NaN` or infinite.
    Float(f64),
}

impl Number {
    /// An integer from its decimal text (`-?[0-9]+`); `None` if the text is
    /// not an integer, or has more than
    /// [`MAX_INTEGER_DIGITS`](crate::MAX_INTEGER_DIGITS)
    /// significant digits (Python refuses to read or write those as
    /// decimal text, so such a number could never travel in a token).
    /// Leading zeros are dropped and `-0` becomes `0`, as Python's `int()`
    /// does.
    pub fn from_integer_str(text: &str) -> Option<Number> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = digits.trim_start_matches('0');
        if trimmed.len() > crate::MAX_INTEGER_DIGITS {
            return None;
        }
        if trimmed.is_empty() {
            return Some(Number(N::Int(0)));
        }
        if neg {
            if let Ok(v) = format!("-{trimmed}").parse::<i64>() {
                return Some(Number(N::Int(v)));
            }
            return Some(Number(N::Big(format!("-{trimmed}").into_boxed_str())));
        }
        if let Ok(v) = trimmed.parse::<u64>() {
            return Some(Number::from(v));
        }
        Some(Number(N::Big(trimmed.into())))
    }

    /// Whether this is an integer (of any size).
    pub fn is_integer(&self) -> bool {
        !matches!(self.0, N::Float(_))
    }

    /// Whether this is a float (including `NaN` and the infinities).
    pub fn is_float(&self) -> bool {
        matches!(self.0, N::Float(_))
    }

    /// The value as an `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            N::Int(v) => Some(v),
            _ => None,
        }
    }

    /// The value as a `u64`, if it is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            N::Int(v) => u64::try_from(v).ok(),
            N::UInt(v) => Some(v),
            _ => None,
        }
    }

    /// The value as an `i128`, if it is an integer that fits.
    pub fn as_i128(&self) -> Option<i128> {
        match &self.0 {
            N::Int(v) => Some(i128::from(*v)),
            N::UInt(v) => Some(i128::from(*v)),
            N::Big(s) => s.parse().ok(),
            N::Float(_) => None,
        }
    }

    /// The value as a `u128`, if it is a non-negative integer that fits.
    pub fn as_u128(&self) -> Option<u128> {
        match &self.0 {
            N::Int(v) => u128::try_from(*v).ok(),
            N::UInt(v) => Some(u128::from(*v)),
            N::Big(s) => s.parse().ok(),
            N::Float(_) => None,
        }
    }

    /// The value as an `f64`. Integers are converted (large ones lose
    /// precision, as Python's `float(n)` does). Always `Some` for now; the
    /// `Option` leaves room for integers too large for a double.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.0 {
            #[allow(clippy::cast_precision_loss)]
            N::Int(v) => Some(*v as f64),
            #[allow(clippy::cast_precision_loss)]
            N::UInt(v) => Some(*v as f64),
            N::Big(s) => crate::float::parse(s).filter(|f| f.is_finite()),
            N::Float(f) => Some(*f),
        }
    }

    /// The integer's canonical decimal text, if this is an integer.
    pub fn integer_text(&self) -> Option<String> {
        match &self.0 {
            N::Int(v) => Some(v.to_string()),
            N::UInt(v) => Some(v.to_string()),
            N::Big(s) => Some(s.to_string()),
            N::Float(_) => None,
        }
    }

    /// Whether Python would treat this number as false (`0` or `0.0`).
    pub fn is_zero(&self) -> bool {
        match &self.0 {
            N::Int(v) => *v == 0,
            N::UInt(v) => *v == 0,
            N::Big(_) => false,
            N::Float(f) => *f == 0.0,
        }
    }
}

/// Equality is structural: `1` and `1.0` differ, and `NaN` equals `NaN` (so
/// that a decoded payload compares equal to the one that was encoded).
/// `0.0` and `-0.0` also differ, since they are written differently.
impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (N::Float(a), N::Float(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            (N::Float(_), _) | (_, N::Float(_)) => false,
            (N::Big(a), N::Big(b)) => a == b,
            (N::Big(_), _) | (_, N::Big(_)) => false,
            _ => self.as_i128() == other.as_i128(),
        }
    }
}

impl fmt::Display for Number {
    /// Writes the number exactly as Python's `json.dumps` would.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            N::Int(v) => write!(f, "{v}"),
            N::UInt(v) => write!(f, "{v}"),
            N::Big(s) => f.write_str(s),
            N::Float(v) => f.write_str(&crate::python_float_repr(*v)),
        }
    }
}

macro_rules! from_signed {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Self {
                Number(N::Int(i64::from(n)))
            }
        }
    )*};
}
from_signed!(i8, i16, i32, i64);

macro_rules! from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Self {
                let n = u64::from(n);
                match i64::try_from(n) {
                    Ok(v) => Number(N::Int(v)),
                    Err(_) => Number(N::UInt(n)),
                }
            }
        }
    )*};
}
from_unsigned!(u8, u16, u32, u64);

impl From<isize> for Number {
    fn from(n: isize) -> Self {
        // isize is at most 64 bits on every supported target.
        Number::from(n as i64)
    }
}

impl From<usize> for Number {
    fn from(n: usize) -> Self {
        Number::from(n as u64)
    }
}

impl From<i128> for Number {
    fn from(n: i128) -> Self {
        match i64::try_from(n) {
            Ok(v) => Number(N::Int(v)),
            Err(_) => match u64::try_from(n) {
                Ok(v) => Number(N::UInt(v)),
                Err(_) => Number(N::Big(n.to_string().into_boxed_str())),
            },
        }
    }
}

impl From<u128> for Number {
    fn from(n: u128) -> Self {
        match u64::try_from(n) {
            Ok(v) => Number::from(v),
            Err(_) => Number(N::Big(n.to_string().into_boxed_str())),
        }
    }
}

impl From<f64> for Number {
    fn from(f: f64) -> Self {
        Number(N::Float(f))
    }
}

impl From<f32> for Number {
    fn from(f: f32) -> Self {
        Number(N::Float(f64::from(f)))
    }
}

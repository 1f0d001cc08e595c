//! [`Value`] and [`Map`]: the data model, exactly what Python's `json`
//! module can produce and read back.

use crate::Number;

/// An insertion-ordered JSON object, as a Python `dict` is.
///
/// Inserting an existing key replaces its value in place, which is also what
/// Python does when a JSON document repeats a key (the last value wins, the
/// first position is kept).
pub type Map = indexmap::IndexMap<String, Value>;

/// A JSON value as Python's `json` module sees it.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null` (Python `None`).
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer of any size or a float, including `NaN` and the infinities.
    Number(Number),
    /// A string. Rust strings cannot hold lone UTF-16 surrogates, so a JSON
    /// text that contains one is refused by the parser.
    String(String),
    /// An array (Python `list` or `tuple`).
    Array(Vec<Value>),
    /// An object with its keys in insertion order.
    Object(Map),
}

impl Value {
    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The value as an `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The value as an `f64`, if it is a number (integers are converted).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The array, mutably, if this is one.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The object, mutably, if this is one.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Whether Python would treat this value as false (`None`, `False`, `0`,
    /// `0.0`, `""`, `[]`, `{}`). Django's expiry logic relies on this.
    pub fn is_falsy(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Bool(b) => !b,
            Value::Number(n) => n.is_zero(),
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(m) => m.is_empty(),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Object(m)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

macro_rules! from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(Number::from(n))
            }
        }
    )*};
}
from_number!(
    i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, i128, u128, f32, f64
);

/// Collects key-value pairs into an object, in order; a repeated key keeps
/// its first position and its last value, as a Python dict does.
impl FromIterator<(String, Value)> for Value {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Value::Object(iter.into_iter().collect::<Map>())
    }
}

/// Collects values into an array.
impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        Value::Array(iter.into_iter().collect())
    }
}

/// A value that could not be converted to or from a serde type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub(crate) String);

impl ValueError {
    /// The explanation.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Display for ValueError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

impl serde::ser::Error for ValueError {
    fn custom<T: core::fmt::Display>(msg: T) -> Self {
        ValueError(msg.to_string())
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: core::fmt::Display>(msg: T) -> Self {
        ValueError(msg.to_string())
    }
}

/// Builders and proptest strategies shared by the unit tests of this
/// crate's files.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Map, Number, Value};
    use proptest::prelude::*;

    /// An integer from its decimal text.
    pub(crate) fn int(text: &str) -> Value {
        Value::Number(Number::from_integer_str(text).unwrap())
    }

    /// An object from key/value pairs, in order.
    pub(crate) fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    pub(crate) fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => any::<char>(),
            4 => proptest::char::range(' ', '~'),
            1 => proptest::char::range('\0', '\u{1f}'),
            1 => proptest::sample::select(vec![
                '"', '\\', '/', '\u{7f}', '\u{80}', '\u{ff}', '\u{2028}', '\u{2029}',
                '\u{d7ff}', '\u{e000}', '\u{fffd}', '\u{ffff}', '\u{10000}',
                '\u{1f600}', '\u{10ffff}',
            ]),
        ]
    }

    pub(crate) fn any_string() -> impl Strategy<Value = String> {
        proptest::collection::vec(any_char(), 0..24).prop_map(|v| v.into_iter().collect())
    }

    // Exact float literals are the point.
    #[allow(clippy::excessive_precision)]
    pub(crate) fn any_float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            any::<u64>().prop_map(f64::from_bits),
            (0u64..1 << 52).prop_map(f64::from_bits), // subnormals
            proptest::sample::select(vec![
                0.0,
                -0.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                f64::MIN,
                f64::MIN_POSITIVE,
                5e-324,
                1e16,
                1e-5,
                1059438285926254.25,
            ]),
        ]
    }

    pub(crate) fn any_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any_float().prop_map(Number::from),
            any::<i64>().prop_map(Number::from),
            any::<u64>().prop_map(Number::from),
            proptest::sample::select(vec![i64::MIN, i64::MAX, -1, 0, 1]).prop_map(Number::from),
            proptest::sample::select(vec![u64::MAX, 1 << 63]).prop_map(Number::from),
            "-?[1-9][0-9]{0,80}".prop_map(|s| Number::from_integer_str(&s).unwrap()),
        ]
    }

    pub(crate) fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any_number().prop_map(Value::Number),
            any_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 96, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::vec((any_string(), inner), 0..8)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map>())),
            ]
        })
    }
}

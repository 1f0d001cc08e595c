//! A [`Value`] into any `serde::Deserialize` type, and `Deserialize` for
//! [`Value`] and [`Number`] from any self-describing format.
//!
//! `Value` and `&Value` are both serde `Deserializer`s: the owned one moves
//! its strings out, the borrowed one lends them (`&str` fields borrow from
//! the value without copying).
//!
//! Integers wider than 128 bits have no serde type. When a visitor asks for
//! "anything" (`deserialize_any`), such an integer is offered as a one-entry
//! map whose key is a private marker (bytes that are not UTF-8) and whose
//! value is the decimal text, much as `serde_json` carries its
//! arbitrary-precision numbers. The `Deserialize` impls of [`Value`] and
//! [`Number`] recognize the marker and rebuild the number, also after serde
//! has buffered the input (untagged enums). Any other visitor gets the error
//! "integer too large", whether it refuses maps or asks for string keys.

use core::cell::Cell;
use core::fmt;

use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny,
    IntoDeserializer, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use crate::number::N;
use crate::ser::float_key;
use crate::{Map, Number, Value, ValueError};

/// Converts a [`Value`] into any deserializable type.
///
/// Integer targets accept only integers in their range (`1.0` is not an
/// integer, as with `serde_json`); float targets accept integers too. `null`
/// is `None` for an `Option`. Enums are read externally tagged: a string for
/// a unit variant, a one-entry object `{"Variant": content}` for the others.
/// Map keys, which are always strings in a JSON object, are parsed when the
/// target key type is a number or a bool (`"1"` for `1u32`, `"true"`).
///
/// # Errors
///
/// When the value does not have the shape the type expects, an integer is
/// out of range for its target, or the type's `Deserialize` refuses it.
///
/// # Examples
///
/// ```
/// use python_json::{from_value, to_value};
///
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Cart { items: Vec<u32>, note: Option<String> }
///
/// let cart = Cart { items: vec![1, 2], note: Some("gift".into()) };
/// let back: Cart = from_value(to_value(&cart).unwrap()).unwrap();
/// assert_eq!(back, cart);
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ValueError> {
    T::deserialize(value)
}

/// Converts a borrowed [`Value`] into a deserializable type, without cloning
/// the value. The result may borrow strings from `value`.
///
/// Behaves as [`from_value`] otherwise.
///
/// # Errors
///
/// As [`from_value`].
///
/// # Examples
///
/// ```
/// use python_json::Value;
/// use python_json::from_value_ref;
///
/// let v = Value::from(vec!["a", "b"]);
/// let words: Vec<&str> = from_value_ref(&v).unwrap();
/// assert_eq!(words, ["a", "b"]);
/// ```
pub fn from_value_ref<'de, T: Deserialize<'de>>(value: &'de Value) -> Result<T, ValueError> {
    T::deserialize(value)
}

/// Upper bound on what a size hint may preallocate, so a hint from an
/// untrusted format cannot reserve a huge buffer up front.
fn cautious(hint: Option<usize>) -> usize {
    hint.unwrap_or(0).min(1024)
}

fn too_large(digits: &str) -> ValueError {
    ValueError(format!(
        "integer too large: {} digits do not fit in 128 bits",
        digits.trim_start_matches('-').len()
    ))
}

/// How a wide integer is named in an error message (long ones by length only,
/// so the message stays short whatever the input).
fn describe_big(digits: &str) -> String {
    if digits.len() <= 45 {
        format!("integer `{digits}`")
    } else {
        format!("integer of {} digits", digits.trim_start_matches('-').len())
    }
}

fn unexpected_number(n: &Number) -> Unexpected<'_> {
    match &n.0 {
        N::Int(v) => Unexpected::Signed(*v),
        N::UInt(v) => Unexpected::Unsigned(*v),
        N::Big(_) => Unexpected::Other("integer"),
        N::Float(f) => Unexpected::Float(*f),
    }
}

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => unexpected_number(n),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Hands a number to a visitor that did not ask for a particular type.
pub(crate) fn visit_number<'de, V: Visitor<'de>>(
    n: &Number,
    visitor: V,
) -> Result<V::Value, ValueError> {
    match &n.0 {
        N::Int(v) => visitor.visit_i64(*v),
        N::UInt(v) => visitor.visit_u64(*v),
        N::Float(f) => visitor.visit_f64(*f),
        N::Big(digits) => {
            if let Ok(v) = digits.parse::<i128>() {
                visitor.visit_i128(v)
            } else if let Ok(v) = digits.parse::<u128>() {
                visitor.visit_u128(v)
            } else {
                let touched = Cell::new(false);
                let access = BigIntAccess {
                    digits,
                    state: BigIntState::Key,
                    touched: &touched,
                };
                match visitor.visit_map(access) {
                    // The visitor refused a map without looking at it: it
                    // wanted a number it cannot hold.
                    Err(_) if !touched.get() => Err(too_large(digits)),
                    other => other,
                }
            }
        }
    }
}

/// Hands a number to a visitor that asked for an integer; `wide` is whether
/// it asked for a 128-bit one.
pub(crate) fn visit_integer<'de, V: Visitor<'de>>(
    n: &Number,
    wide: bool,
    visitor: V,
) -> Result<V::Value, ValueError> {
    match &n.0 {
        N::Int(v) => visitor.visit_i64(*v),
        N::UInt(v) => visitor.visit_u64(*v),
        N::Float(f) => Err(de::Error::invalid_type(Unexpected::Float(*f), &visitor)),
        N::Big(digits) if wide => {
            if let Ok(v) = digits.parse::<i128>() {
                visitor.visit_i128(v)
            } else if let Ok(v) = digits.parse::<u128>() {
                visitor.visit_u128(v)
            } else {
                Err(too_large(digits))
            }
        }
        // A `Big` never fits 64 bits.
        N::Big(digits) => Err(de::Error::invalid_value(
            Unexpected::Other(&describe_big(digits)),
            &visitor,
        )),
    }
}

/// Hands a number to a visitor that asked for a float.
pub(crate) fn visit_float<'de, V: Visitor<'de>>(
    n: &Number,
    visitor: V,
) -> Result<V::Value, ValueError> {
    match n.0 {
        N::Float(f) => visitor.visit_f64(f),
        _ => match n.as_f64() {
            Some(f) => visitor.visit_f64(f),
            None => Err(ValueError(
                "integer too large to convert to float".to_owned(),
            )),
        },
    }
}

/// The methods that read scalars the same way from `Value` and `&Value`.
macro_rules! scalar_methods {
    () => {
        fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self.as_bool() {
                Some(b) => visitor.visit_bool(b),
                None => Err(de::Error::invalid_type(unexpected(&self), &visitor)),
            }
        }

        scalar_methods!(@int
            deserialize_i8 false, deserialize_i16 false, deserialize_i32 false,
            deserialize_i64 false, deserialize_u8 false, deserialize_u16 false,
            deserialize_u32 false, deserialize_u64 false,
            deserialize_i128 true, deserialize_u128 true);

        fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            self.deserialize_f64(visitor)
        }

        fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self {
                Value::Number(n) => visit_float(&n, visitor),
                other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
            }
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self {
                Value::Null => visitor.visit_none(),
                other => visitor.visit_some(other),
            }
        }

        fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self {
                Value::Null => visitor.visit_unit(),
                other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
            }
        }

        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, ValueError> {
            self.deserialize_unit(visitor)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, ValueError> {
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            self.deserialize_str(visitor)
        }

        fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            self.deserialize_str(visitor)
        }

        fn deserialize_identifier<V: Visitor<'de>>(
            self,
            visitor: V,
        ) -> Result<V::Value, ValueError> {
            self.deserialize_str(visitor)
        }

        fn deserialize_byte_buf<V: Visitor<'de>>(
            self,
            visitor: V,
        ) -> Result<V::Value, ValueError> {
            self.deserialize_bytes(visitor)
        }

        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, ValueError> {
            self.deserialize_seq(visitor)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, ValueError> {
            self.deserialize_seq(visitor)
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(
            self,
            visitor: V,
        ) -> Result<V::Value, ValueError> {
            visitor.visit_unit()
        }
    };
    (@int $($method:ident $wide:literal),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self {
                Value::Number(n) => visit_integer(&n, $wide, visitor),
                other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for &'de Value {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visit_array_ref(items, visitor),
            Value::Object(map) => visit_object_ref(map, visitor),
        }
    }

    scalar_methods!();

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::String(s) => visitor.visit_borrowed_str(s),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visit_array_ref(items, visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Array(items) => visit_array_ref(items, visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Object(map) => visit_object_ref(map, visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self {
            Value::Object(map) => visit_object_ref(map, visitor),
            Value::Array(items) => visit_array_ref(items, visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self {
            Value::String(variant) => visitor.visit_enum(EnumRef {
                variant,
                value: None,
            }),
            Value::Object(map) => {
                let mut entries = map.iter();
                match (entries.next(), entries.next()) {
                    (Some((variant, value)), None) => visitor.visit_enum(EnumRef {
                        variant,
                        value: Some(value),
                    }),
                    _ => Err(de::Error::invalid_value(
                        Unexpected::Map,
                        &"a map with a single key",
                    )),
                }
            }
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"a string or a map with a single key",
            )),
        }
    }
}

impl<'de> Deserializer<'de> for Value {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(&n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_array_owned(items, visitor),
            Value::Object(map) => visit_object_owned(map, visitor),
        }
    }

    scalar_methods!();

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::String(s) => visitor.visit_string(s),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_array_owned(items, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Array(items) => visit_array_owned(items, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Object(map) => visit_object_owned(map, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self {
            Value::Object(map) => visit_object_owned(map, visitor),
            Value::Array(items) => visit_array_owned(items, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self {
            Value::String(variant) => visitor.visit_enum(EnumOwned {
                variant,
                value: None,
            }),
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((variant, value)) => visitor.visit_enum(EnumOwned {
                    variant,
                    value: Some(value),
                }),
                None => Err(de::Error::invalid_length(0, &"a map with a single key")),
            },
            Value::Object(_) => Err(de::Error::invalid_value(
                Unexpected::Map,
                &"a map with a single key",
            )),
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a string or a map with a single key",
            )),
        }
    }
}

impl<'de> IntoDeserializer<'de, ValueError> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

impl<'de> IntoDeserializer<'de, ValueError> for &'de Value {
    type Deserializer = &'de Value;

    fn into_deserializer(self) -> &'de Value {
        self
    }
}

fn visit_array_ref<'de, V: Visitor<'de>>(
    items: &'de [Value],
    visitor: V,
) -> Result<V::Value, ValueError> {
    let mut access = SeqRef { iter: items.iter() };
    let out = visitor.visit_seq(&mut access)?;
    if access.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

fn visit_array_owned<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    visitor: V,
) -> Result<V::Value, ValueError> {
    let len = items.len();
    let mut access = SeqOwned {
        iter: items.into_iter(),
    };
    let out = visitor.visit_seq(&mut access)?;
    if access.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

fn visit_object_ref<'de, V: Visitor<'de>>(
    map: &'de Map,
    visitor: V,
) -> Result<V::Value, ValueError> {
    let mut access = MapRef {
        iter: map.iter(),
        value: None,
    };
    let out = visitor.visit_map(&mut access)?;
    if access.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(
            map.len(),
            &"fewer elements in map",
        ))
    }
}

fn visit_object_owned<'de, V: Visitor<'de>>(map: Map, visitor: V) -> Result<V::Value, ValueError> {
    let len = map.len();
    let mut access = MapOwned {
        iter: map.into_iter(),
        value: None,
    };
    let out = visitor.visit_map(&mut access)?;
    if access.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

struct SeqRef<'de> {
    iter: core::slice::Iter<'de, Value>,
}

impl<'de> SeqAccess<'de> for SeqRef<'de> {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        self.iter.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct SeqOwned {
    iter: std::vec::IntoIter<Value>,
}

impl<'de> SeqAccess<'de> for SeqOwned {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        self.iter.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

fn missing_value() -> ValueError {
    ValueError("map value requested before its key".to_owned())
}

struct MapRef<'de> {
    iter: indexmap::map::Iter<'de, String, Value>,
    value: Option<&'de Value>,
}

impl<'de> MapAccess<'de> for MapRef<'de> {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDeserializer {
                    key: KeyText::Borrowed(key),
                })
                .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(missing_value()),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapOwned {
    iter: indexmap::map::IntoIter<String, Value>,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for MapOwned {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDeserializer {
                    key: KeyText::Owned(key),
                })
                .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(missing_value()),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The text of an object key, and how long it lives.
pub(crate) enum KeyText<'a, 'de> {
    /// Borrowed for the whole input: offered with `visit_borrowed_str`.
    Borrowed(&'de str),
    /// Owned: offered with `visit_string`.
    Owned(String),
    /// Borrowed for this call only: offered with `visit_str`.
    Transient(&'a str),
}

impl KeyText<'_, '_> {
    fn as_str(&self) -> &str {
        match self {
            KeyText::Borrowed(s) | KeyText::Transient(s) => s,
            KeyText::Owned(s) => s,
        }
    }
}

/// An object key. Keys are strings, but a key type may be a number or a
/// bool (a `HashMap<u32, _>`), which `to_value` wrote as text: parse it back.
pub(crate) struct KeyDeserializer<'a, 'de> {
    pub(crate) key: KeyText<'a, 'de>,
}

impl<'de> KeyDeserializer<'_, 'de> {
    fn integer<V: Visitor<'de>>(self, wide: bool, visitor: V) -> Result<V::Value, ValueError> {
        let key = self.key.as_str();
        match Number::from_integer_str(key) {
            Some(n) => visit_integer(&n, wide, visitor),
            None => Err(de::Error::invalid_type(Unexpected::Str(key), &visitor)),
        }
    }
}

macro_rules! key_int_methods {
    ($($method:ident $wide:literal),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            self.integer($wide, visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for KeyDeserializer<'_, 'de> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.key {
            KeyText::Borrowed(s) => visitor.visit_borrowed_str(s),
            KeyText::Owned(s) => visitor.visit_string(s),
            KeyText::Transient(s) => visitor.visit_str(s),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.key.as_str() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    key_int_methods!(
        deserialize_i8 false, deserialize_i16 false, deserialize_i32 false,
        deserialize_i64 false, deserialize_u8 false, deserialize_u16 false,
        deserialize_u32 false, deserialize_u64 false,
        deserialize_i128 true, deserialize_u128 true
    );

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        // Rust's float parser reads Python's spellings too ("NaN",
        // "Infinity", "1e+16").
        let key = self.key.as_str();
        match key.parse::<f64>() {
            Ok(f) => visitor.visit_f64(f),
            Err(_) => Err(de::Error::invalid_type(Unexpected::Str(key), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        // As in `serde_json`: a present key is never `None`.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        // Only unit variants can be keys.
        match self.key {
            KeyText::Borrowed(variant) => visitor.visit_enum(EnumRef {
                variant,
                value: None,
            }),
            KeyText::Owned(variant) => visitor.visit_enum(EnumOwned {
                variant,
                value: None,
            }),
            KeyText::Transient(variant) => visitor.visit_enum(EnumOwned {
                variant: variant.to_owned(),
                value: None,
            }),
        }
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct
        map struct identifier ignored_any
    }
}

/// An externally tagged enum in a borrowed value.
struct EnumRef<'de> {
    variant: &'de str,
    value: Option<&'de Value>,
}

impl<'de> EnumAccess<'de> for EnumRef<'de> {
    type Error = ValueError;
    type Variant = VariantRef<'de>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, VariantRef<'de>), ValueError> {
        let variant = seed.deserialize(KeyDeserializer {
            key: KeyText::Borrowed(self.variant),
        })?;
        Ok((variant, VariantRef { value: self.value }))
    }
}

struct VariantRef<'de> {
    value: Option<&'de Value>,
}

impl<'de> VariantAccess<'de> for VariantRef<'de> {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        match self.value {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self.value {
            Some(Value::Array(items)) => visit_array_ref(items, visitor),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"tuple variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self.value {
            Some(Value::Object(map)) => visit_object_ref(map, visitor),
            Some(Value::Array(items)) => visit_array_ref(items, visitor),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(other),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

/// An externally tagged enum in an owned value.
struct EnumOwned {
    variant: String,
    value: Option<Value>,
}

impl<'de> EnumAccess<'de> for EnumOwned {
    type Error = ValueError;
    type Variant = VariantOwned;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, VariantOwned), ValueError> {
        let variant = seed.deserialize(KeyDeserializer {
            key: KeyText::Owned(self.variant),
        })?;
        Ok((variant, VariantOwned { value: self.value }))
    }
}

struct VariantOwned {
    value: Option<Value>,
}

impl<'de> VariantAccess<'de> for VariantOwned {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        match self.value {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self.value {
            Some(Value::Array(items)) => visit_array_owned(items, visitor),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(&other),
                &"tuple variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self.value {
            Some(Value::Object(map)) => visit_object_owned(map, visitor),
            Some(Value::Array(items)) => visit_array_owned(items, visitor),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(&other),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

/// Where a [`BigIntAccess`] is in its single entry.
enum BigIntState {
    Key,
    Value,
    Done,
}

/// The one-entry map that carries an integer wider than 128 bits: the
/// marker key, then the decimal text.
struct BigIntAccess<'a> {
    digits: &'a str,
    state: BigIntState,
    /// Set once the visitor looks inside, so that a visitor refusing the map
    /// outright can be told the real problem.
    touched: &'a Cell<bool>,
}

impl<'de> MapAccess<'de> for BigIntAccess<'_> {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        self.touched.set(true);
        match self.state {
            BigIntState::Key => {
                self.state = BigIntState::Value;
                seed.deserialize(BigIntKey(self.digits)).map(Some)
            }
            BigIntState::Value | BigIntState::Done => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        self.touched.set(true);
        match self.state {
            BigIntState::Value => {
                self.state = BigIntState::Done;
                seed.deserialize(BigIntDigits(self.digits))
            }
            BigIntState::Key | BigIntState::Done => Err(missing_value()),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(1)
    }
}

/// The marker key as bytes. The leading 0xFF makes it invalid UTF-8: no JSON
/// object key can be spelled like it, and a visitor that wants a string
/// refuses it even after serde has buffered it (untagged enums).
const BIG_INT_KEY: &[u8] = b"\xFF$python_json::BigInt";

/// The marker key. To a visitor that asks for anything it is the bytes
/// [`BIG_INT_KEY`], so [`KeyVisitor`] cannot mistake a real key for it. A
/// visitor that asks for a string key (a `HashMap<String, _>`,
/// `serde_json::Value`) is told the integer is too large rather than handed
/// a map the data never had.
struct BigIntKey<'a>(&'a str);

impl<'de> Deserializer<'de> for BigIntKey<'_> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_borrowed_bytes(BIG_INT_KEY)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }

    fn deserialize_str<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_string<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        enum
    }
}

/// The decimal text of a wide integer: a string to whoever asks for one or
/// for anything, "too large" to whoever asks for a number.
struct BigIntDigits<'a>(&'a str);

impl<'de> Deserializer<'de> for BigIntDigits<'_> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_i16<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_i32<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_i64<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_i128<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_u8<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_u16<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_u32<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_u64<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    fn deserialize_u128<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(too_large(self.0))
    }

    forward_to_deserialize_any! {
        bool f32 f64 char bytes byte_buf unit unit_struct seq tuple tuple_struct
        map struct enum identifier
    }
}

/// A map key as [`Value`]'s `Deserialize` reads it: a string, or the marker
/// of a wide integer.
enum Key {
    Str(String),
    BigInt,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// Accepts string keys, and turns the other scalar keys some formats have
/// into the text Python's `json.dumps` would give them.
struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, bool or null map key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(Key::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(Key::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key, E> {
        if v == BIG_INT_KEY {
            return Ok(Key::BigInt);
        }
        match core::str::from_utf8(v) {
            Ok(s) => Ok(Key::Str(s.to_owned())),
            Err(_) => Err(de::Error::invalid_value(Unexpected::Bytes(v), &self)),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
        Ok(Key::Str(if v { "true" } else { "false" }.to_owned()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
        Ok(Key::Str(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
        Ok(Key::Str(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Key, E> {
        Ok(Key::Str(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Key, E> {
        Ok(Key::Str(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
        Ok(Key::Str(float_key(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
        Ok(Key::Str("null".to_owned()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Key, E> {
        Ok(Key::Str("null".to_owned()))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Reads the rest of a map whose first key was the wide-integer marker.
fn finish_big_int<'de, A: MapAccess<'de>>(mut access: A) -> Result<Number, A::Error> {
    let digits: String = access.next_value()?;
    let n = Number::from_integer_str(&digits).ok_or_else(|| {
        de::Error::invalid_value(Unexpected::Str(&digits), &"the decimal text of an integer")
    })?;
    if access.next_key::<IgnoredAny>()?.is_some() {
        return Err(de::Error::custom(
            "a big integer marker followed by other keys",
        ));
    }
    Ok(n)
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        // The same shape `to_value` gives bytes.
        Ok(Value::Array(v.iter().map(|&b| Value::from(b)).collect()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(cautious(access.size_hint()));
        while let Some(item) = access.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let first = match access.next_key_seed(KeySeed)? {
            None => return Ok(Value::Object(Map::new())),
            Some(Key::BigInt) => return finish_big_int(access).map(Value::Number),
            Some(Key::Str(key)) => key,
        };
        let mut map = Map::with_capacity(cautious(access.size_hint()).saturating_add(1));
        map.insert(first, access.next_value()?);
        while let Some(key) = access.next_key_seed(KeySeed)? {
            let Key::Str(key) = key else {
                return Err(de::Error::custom("a big integer marker among object keys"));
            };
            // A repeated key keeps its first position and its last value, as
            // a Python dict built from the same pairs does.
            map.insert(key, access.next_value()?);
        }
        Ok(Value::Object(map))
    }
}

/// Reads any self-describing format (`serde_json` and the like) into a
/// [`Value`]. Integers of up to 128 bits and floats keep their kind; bytes
/// become an array of integers; non-string map keys become the text Python
/// would give them. An integer wider than 128 bits survives a round trip
/// through [`to_value`](super::to_value)/[`from_value`], but reaches other
/// formats (and comes back from them) as a string.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Number, A::Error> {
        match access.next_key_seed(KeySeed)? {
            Some(Key::BigInt) => finish_big_int(access),
            _ => Err(de::Error::invalid_type(Unexpected::Map, &self)),
        }
    }
}

/// Reads a number (integer of up to 128 bits, or float) from any
/// self-describing format, and wider integers from a [`Value`].
impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Number, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Serialize};

    use super::{from_value, from_value_ref};
    use crate::{Map, Number, Value, to_value};

    use crate::value::testing::{int, obj};

    #[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
    enum Shape {
        Unit,
        Newtype(i32),
        Tuple(i32, String),
        Struct { x: i32, tags: Vec<String> },
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
    struct Unit;

    #[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
    struct Meters(f64);

    #[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
    struct Inner {
        id: u32,
        label: Option<String>,
        scores: Vec<Option<i16>>,
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
    struct Outer {
        name: String,
        initial: char,
        flag: bool,
        ratio: f64,
        small: i8,
        big_signed: i128,
        big_unsigned: u128,
        max_u64: u64,
        distance: Meters,
        nothing: Unit,
        pair: (u8, String),
        inner: Inner,
        many: Vec<Inner>,
        by_id: HashMap<u32, Inner>,
        by_signed: BTreeMap<i64, String>,
        by_flag: BTreeMap<bool, u8>,
        by_shape: BTreeMap<String, Shape>,
        shapes: Vec<Shape>,
        maybe_shape: Option<Shape>,
        missing: Option<Box<Outer>>,
        #[serde(skip)]
        skipped: u8,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        empty_skipped: Vec<u8>,
    }

    fn outer() -> Outer {
        let inner = Inner {
            id: 7,
            label: Some("seven".into()),
            scores: vec![Some(-3), None, Some(i16::MAX)],
        };
        Outer {
            name: "naïve ☃".into(),
            initial: 'n',
            flag: true,
            ratio: 0.25,
            small: i8::MIN,
            big_signed: i128::MIN,
            big_unsigned: u128::MAX,
            max_u64: u64::MAX,
            distance: Meters(12.5),
            nothing: Unit,
            pair: (255, "pair".into()),
            inner: inner.clone(),
            many: vec![
                inner.clone(),
                Inner {
                    id: 0,
                    label: None,
                    scores: vec![],
                },
            ],
            by_id: [(1, inner.clone()), (u32::MAX, inner)]
                .into_iter()
                .collect(),
            by_signed: [(-1, "minus".to_owned()), (i64::MAX, "max".to_owned())]
                .into_iter()
                .collect(),
            by_flag: [(false, 0), (true, 1)].into_iter().collect(),
            by_shape: [
                ("u".to_owned(), Shape::Unit),
                (
                    "s".to_owned(),
                    Shape::Struct {
                        x: -1,
                        tags: vec!["t".into()],
                    },
                ),
            ]
            .into_iter()
            .collect(),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(-2),
                Shape::Tuple(3, "three".into()),
                Shape::Struct { x: 4, tags: vec![] },
            ],
            maybe_shape: Some(Shape::Tuple(0, String::new())),
            missing: None,
            skipped: 0,
            empty_skipped: vec![],
        }
    }

    #[test]
    fn derived_structs_round_trip() {
        let original = outer();
        let value = to_value(&original).unwrap();
        let by_ref: Outer = from_value_ref(&value).unwrap();
        assert_eq!(by_ref, original);
        let owned: Outer = from_value(value).unwrap();
        assert_eq!(owned, original);
    }

    #[test]
    fn wire_shape_of_maps_and_enums() {
        let value = to_value(&outer()).unwrap();
        let top = value.as_object().unwrap();
        let by_id = top["by_id"].as_object().unwrap();
        assert!(by_id.contains_key("1"));
        assert!(by_id.contains_key("4294967295"));
        assert_eq!(top["shapes"].as_array().unwrap()[0], Value::from("Unit"));
        assert_eq!(top["missing"], Value::Null);
        assert!(!top.contains_key("skipped"));
        assert!(!top.contains_key("empty_skipped"));
    }

    #[test]
    fn strings_are_borrowed_from_a_borrowed_value() {
        #[derive(Deserialize)]
        struct Borrows<'a> {
            #[serde(borrow)]
            name: &'a str,
            #[serde(borrow)]
            words: Vec<&'a str>,
        }
        let v = obj(vec![
            ("name", Value::from("n")),
            ("words", Value::from(vec!["a", "b"])),
        ]);
        let b: Borrows<'_> = from_value_ref(&v).unwrap();
        assert_eq!(b.name, "n");
        assert_eq!(b.words, ["a", "b"]);
    }

    #[test]
    fn integer_targets_refuse_floats() {
        let err = from_value::<i64>(Value::from(1.0)).unwrap_err();
        assert!(err.message().contains("floating point"), "{err}");
        assert!(from_value::<i32>(Value::from(1.0)).is_err());
        assert!(from_value::<u8>(Value::from(0.0)).is_err());
        assert!(from_value::<i128>(Value::from(2.0)).is_err());
        assert!(from_value::<HashMap<String, u32>>(obj(vec![("k", Value::from(1.5))])).is_err());
    }

    #[test]
    fn integer_targets_check_the_range() {
        assert!(from_value::<u8>(Value::from(256)).is_err());
        assert!(from_value::<u32>(Value::from(-1)).is_err());
        assert!(from_value::<i64>(Value::from(u64::MAX)).is_err());
        assert_eq!(from_value::<u64>(Value::from(u64::MAX)).unwrap(), u64::MAX);
        assert_eq!(from_value::<i8>(Value::from(-128)).unwrap(), -128);

        let err = from_value::<i64>(Value::from(i128::MAX)).unwrap_err();
        assert_eq!(
            err.message(),
            "invalid value: integer `170141183460469231731687303715884105727`, expected i64"
        );
        assert!(from_value::<u64>(Value::from(u128::MAX)).is_err());
        assert!(from_value::<i128>(Value::from(u128::MAX)).is_err());
        assert_eq!(
            from_value::<u128>(Value::from(u128::MAX)).unwrap(),
            u128::MAX
        );
        assert_eq!(
            from_value::<i128>(Value::from(i128::MIN)).unwrap(),
            i128::MIN
        );

        let huge = int(&"9".repeat(40));
        let err = from_value::<u128>(huge.clone()).unwrap_err();
        assert!(err.message().starts_with("integer too large"), "{err}");
        let err = from_value::<i64>(huge).unwrap_err();
        assert!(err.message().contains("expected i64"), "{err}");
    }

    #[test]
    fn float_targets_accept_integers() {
        assert_eq!(from_value::<f64>(Value::from(3)).unwrap(), 3.0);
        assert_eq!(
            from_value::<f32>(Value::from(u64::MAX)).unwrap(),
            u64::MAX as f32
        );
        assert_eq!(
            from_value::<f64>(int(&"1".repeat(30))).unwrap(),
            1.111_111_111_111_111e29
        );
        let err = from_value::<f64>(int(&"9".repeat(400))).unwrap_err();
        assert_eq!(err.message(), "integer too large to convert to float");
        assert!(from_value::<f64>(Value::from(f64::NAN)).unwrap().is_nan());
        assert!(from_value::<f64>(Value::from("1.0")).is_err());
    }

    #[test]
    fn integer_keys_are_parsed_and_checked() {
        let v = obj(vec![("1", Value::from(true)), ("-2", Value::from(false))]);
        let m: BTreeMap<i32, bool> = from_value_ref(&v).unwrap();
        assert_eq!(m, [(1, true), (-2, false)].into_iter().collect());
        assert!(from_value_ref::<BTreeMap<u32, bool>>(&v).is_err());
        let not_int = obj(vec![("x", Value::Null)]);
        assert!(from_value::<HashMap<u8, ()>>(not_int).is_err());
        let floats = obj(vec![
            ("1.5", Value::Null),
            ("Infinity", Value::Null),
            ("NaN", Value::Null),
            ("1e+16", Value::Null),
        ]);
        let keys = from_value_ref::<FloatKeys>(&floats).unwrap().0;
        assert_eq!(keys[..2], [1.5, f64::INFINITY]);
        assert!(keys[2].is_nan());
        assert_eq!(keys[3], 1e16);
        assert!(from_value::<FloatKeys>(obj(vec![("one", Value::Null)])).is_err());
        let flags = obj(vec![("true", Value::from(1)), ("false", Value::from(0))]);
        let m: BTreeMap<bool, u8> = from_value(flags).unwrap();
        assert_eq!(m, [(true, 1), (false, 0)].into_iter().collect());
    }

    /// The keys of a map, read as floats (no std map takes float keys).
    struct FloatKeys(Vec<f64>);

    impl<'de> Deserialize<'de> for FloatKeys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Keys;
            impl<'de> serde::de::Visitor<'de> for Keys {
                type Value = FloatKeys;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("a map")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<FloatKeys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some((k, ())) = map.next_entry::<f64, ()>()? {
                        keys.push(k);
                    }
                    Ok(FloatKeys(keys))
                }
            }
            d.deserialize_map(Keys)
        }
    }

    #[test]
    fn options_and_units() {
        assert_eq!(from_value::<Option<u8>>(Value::Null).unwrap(), None);
        assert_eq!(from_value::<Option<u8>>(Value::from(4)).unwrap(), Some(4));
        assert_eq!(from_value::<Option<Option<u8>>>(Value::Null).unwrap(), None);
        from_value::<()>(Value::Null).unwrap();
        assert!(from_value::<()>(Value::from(0)).is_err());
        assert_eq!(from_value::<Unit>(Value::Null).unwrap(), Unit);
    }

    #[test]
    fn enum_shape_errors() {
        let two_keys = obj(vec![("Unit", Value::Null), ("Newtype", Value::from(1))]);
        assert!(from_value::<Shape>(two_keys).is_err());
        assert!(from_value::<Shape>(Value::from(1)).is_err());
        assert!(from_value::<Shape>(Value::from("Nope")).is_err());
        // A unit variant may also be written {"Unit": null}, as serde_json allows.
        assert_eq!(
            from_value::<Shape>(obj(vec![("Unit", Value::Null)])).unwrap(),
            Shape::Unit
        );
        // A data-carrying variant needs its data.
        assert!(from_value::<Shape>(Value::from("Newtype")).is_err());
        assert!(from_value::<Shape>(obj(vec![("Tuple", Value::from(1))])).is_err());
    }

    #[test]
    fn sequences_must_be_consumed_whole() {
        let three = Value::from(vec![1, 2, 3]);
        assert!(from_value::<(u8, u8)>(three.clone()).is_err());
        assert!(from_value_ref::<[u8; 2]>(&three).is_err());
        assert_eq!(from_value_ref::<(u8, u8, u8)>(&three).unwrap(), (1, 2, 3));
    }

    fn sample() -> Value {
        let huge = "-".to_owned() + &"9".repeat(200);
        obj(vec![
            ("null", Value::Null),
            ("int", int("-3")),
            ("uint", int("18446744073709551615")),
            ("i128", int("-170141183460469231731687303715884105728")),
            ("u128", int("340282366920938463463374607431768211455")),
            ("huge", int(&huge)),
            ("one_float", Value::from(1.0)),
            ("neg_zero", Value::from(-0.0)),
            ("nan", Value::from(f64::NAN)),
            ("inf", Value::from(f64::INFINITY)),
            ("str", Value::from("s")),
            (
                "arr",
                Value::Array(vec![int(&huge[1..]), Value::Object(Map::new())]),
            ),
        ])
    }

    #[test]
    fn values_deserialize_to_themselves() {
        let v = sample();
        assert_eq!(from_value_ref::<Value>(&v).unwrap(), v);
        assert_eq!(from_value::<Value>(v.clone()).unwrap(), v);
        let huge = Number::from_integer_str(&"5".repeat(80)).unwrap();
        assert_eq!(
            from_value::<Number>(Value::Number(huge.clone())).unwrap(),
            huge
        );
        assert!(from_value::<Number>(Value::from("5")).is_err());
    }

    #[test]
    fn wide_integers_survive_serde_buffering() {
        // Untagged enums buffer the input in serde's private Content first.
        #[derive(Deserialize, PartialEq, Debug)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Any(Value),
        }
        let huge = int(&"8".repeat(70));
        assert_eq!(
            from_value_ref::<Either>(&huge).unwrap(),
            Either::Any(huge.clone())
        );
        let wrapped = obj(vec![("k", huge.clone())]);
        assert_eq!(
            from_value::<Either>(wrapped.clone()).unwrap(),
            Either::Any(wrapped)
        );
    }

    #[test]
    fn wide_integers_are_too_large_for_other_visitors() {
        let huge = int(&"3".repeat(45));
        // A visitor that refuses maps outright.
        struct OnlyInt;
        impl<'de> serde::de::Visitor<'de> for OnlyInt {
            type Value = i64;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
        }
        let err = serde::Deserializer::deserialize_any(&huge, OnlyInt).unwrap_err();
        assert_eq!(
            err.message(),
            "integer too large: 45 digits do not fit in 128 bits"
        );
        // Visitors that read string-keyed maps.
        let err = from_value_ref::<serde_json::Value>(&huge).unwrap_err();
        assert!(err.message().starts_with("integer too large"), "{err}");
        #[derive(Deserialize, Debug)]
        #[serde(untagged)]
        enum Loose {
            Strings(#[allow(dead_code)] HashMap<String, String>),
        }
        assert!(from_value_ref::<Loose>(&huge).is_err());
        // A typed map target asks for a map, and an integer is not one.
        let err = from_value_ref::<HashMap<String, String>>(&huge).unwrap_err();
        assert_eq!(err.message(), "invalid type: integer, expected a map");
        // Ignoring it is fine.
        from_value_ref::<serde::de::IgnoredAny>(&huge).unwrap();
    }

    #[test]
    fn integers_reach_other_value_types() {
        let v: serde_json::Value = from_value(obj(vec![
            ("a", Value::from(u64::MAX)),
            ("b", Value::from(-1)),
            ("c", Value::from(0.5)),
        ]))
        .unwrap();
        assert_eq!(v, serde_json::json!({"a": u64::MAX, "b": -1, "c": 0.5}));
    }

    #[test]
    fn value_from_serde_json_text() {
        let text = r#"{"z": 1, "a": [1.0, -2, 18446744073709551615, null, true, "s"], "e": {}}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        let expected = obj(vec![
            ("z", int("1")),
            (
                "a",
                Value::Array(vec![
                    Value::from(1.0),
                    int("-2"),
                    int("18446744073709551615"),
                    Value::Null,
                    Value::Bool(true),
                    Value::from("s"),
                ]),
            ),
            ("e", Value::Object(Map::new())),
        ]);
        assert_eq!(v, expected);
        // Python keeps the last of repeated keys.
        let dup: Value = serde_json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(dup, obj(vec![("a", int("3")), ("b", int("2"))]));
    }

    #[test]
    fn value_from_a_format_with_wide_and_non_string_keys() {
        use serde::de::value::{MapDeserializer, U128Deserializer};
        // i128/u128 from a format that has them.
        let n = Value::deserialize(U128Deserializer::<super::ValueError>::new(u128::MAX)).unwrap();
        assert_eq!(n, Value::from(u128::MAX));
        // Integer and bool keys become their Python text.
        let entries = vec![(7i64, 1u8)];
        let de = MapDeserializer::<_, super::ValueError>::new(entries.into_iter());
        assert_eq!(Value::deserialize(de).unwrap(), obj(vec![("7", int("1"))]));
        let entries = vec![(true, 1u8)];
        let de = MapDeserializer::<_, super::ValueError>::new(entries.into_iter());
        assert_eq!(
            Value::deserialize(de).unwrap(),
            obj(vec![("true", int("1"))])
        );
    }
}

//! Any `serde::Serialize` type into a [`Value`], and `Serialize` for
//! [`Value`] and [`Number`] themselves.
//!
//! The mapping follows `serde_json` where the two agree, and Python's
//! `json.dumps` where a choice is left open (map keys).

use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::number::N;
use crate::{Map, Number, Value, ValueError};

/// The name of the private newtype struct that carries an integer wider than
/// 128 bits through serde as its decimal text.
///
/// serde has no integer type that wide, so [`Number`]'s `Serialize` wraps the
/// digits in a newtype struct with this name. [`to_value`] recognizes it and
/// turns the text back into a number; every other serializer sees a newtype
/// struct around a string and (like `serde_json`) writes the string.
pub(crate) const BIG_INT_TOKEN: &str = "$python_json::BigInt";

/// Converts any serializable value into a [`Value`].
///
/// Integers keep their exact value whatever their width, floats keep `NaN`
/// and the infinities, and objects keep the order in which fields or entries
/// were written. Enums are externally tagged as `serde_json` does: a unit
/// variant becomes its name, any other variant a one-entry object
/// `{"Variant": content}`. Bytes become an array of integers.
///
/// Map keys become strings the way Python's `json.dumps` converts dict keys:
/// integers as decimal text, `true`/`false`, `null` for a unit or `None`,
/// floats as Python writes them (`1.5`, `NaN`, `Infinity`), chars and unit
/// variants as strings.
///
/// Converting a [`Value`] gives back an equal value, including integers too
/// wide for 128 bits.
///
/// # Errors
///
/// A map key that is a sequence, a map, bytes or a non-unit enum variant
/// ("keys must be str, int, float, bool or None"), or an error raised by the
/// type's own `Serialize` implementation.
///
/// # Examples
///
/// ```
/// use python_json::{to_value, Value};
///
/// #[derive(serde::Serialize)]
/// struct Cart { items: Vec<u32>, note: Option<String> }
///
/// let v = to_value(&Cart { items: vec![1, 2], note: None }).unwrap();
/// let cart = v.as_object().unwrap();
/// assert_eq!(cart["items"], Value::from(vec![1, 2]));
/// assert!(cart["note"].is_null());
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, ValueError> {
    value.serialize(ValueSerializer)
}

fn key_error() -> ValueError {
    ValueError("keys must be str, int, float, bool or None".to_owned())
}

/// The serializer behind [`to_value`].
struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = ValueError;

    type SerializeSeq = SerializeArray;
    type SerializeTuple = SerializeArray;
    type SerializeTupleStruct = SerializeArray;
    type SerializeTupleVariant = SerializeTupleVariant;
    type SerializeMap = SerializeObject;
    type SerializeStruct = SerializeObject;
    type SerializeStructVariant = SerializeStructVariant;

    fn serialize_bool(self, v: bool) -> Result<Value, ValueError> {
        Ok(Value::Bool(v))
    }

    fn serialize_i8(self, v: i8) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i128(self, v: i128) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u8(self, v: u8) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u128(self, v: u128) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_f32(self, v: f32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_char(self, v: char) -> Result<Value, ValueError> {
        Ok(Value::String(v.to_string()))
    }

    fn serialize_str(self, v: &str) -> Result<Value, ValueError> {
        Ok(Value::String(v.to_owned()))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Value, ValueError> {
        Ok(Value::Array(v.iter().map(|&b| Value::from(b)).collect()))
    }

    fn serialize_none(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ValueError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ValueError> {
        Ok(Value::String(variant.to_owned()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        if name == BIG_INT_TOKEN {
            // The inner value is the decimal text written by `Number`.
            let inner = value.serialize(self)?;
            return inner
                .as_str()
                .and_then(Number::from_integer_str)
                .map(Value::Number)
                .ok_or_else(|| {
                    ValueError(
                        "invalid big integer text, or more than 4300 digits (Python refuses those)"
                            .to_owned(),
                    )
                });
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        let mut map = Map::with_capacity(1);
        map.insert(variant.to_owned(), value.serialize(self)?);
        Ok(Value::Object(map))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SerializeArray, ValueError> {
        Ok(SerializeArray {
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SerializeArray, ValueError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SerializeArray, ValueError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeTupleVariant, ValueError> {
        Ok(SerializeTupleVariant {
            variant,
            items: Vec::with_capacity(len),
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<SerializeObject, ValueError> {
        Ok(SerializeObject {
            map: Map::with_capacity(len.unwrap_or(0)),
            next_key: None,
        })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SerializeObject, ValueError> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeStructVariant, ValueError> {
        Ok(SerializeStructVariant {
            variant,
            map: Map::with_capacity(len),
        })
    }
}

/// Collects a sequence, tuple or tuple struct.
struct SerializeArray {
    items: Vec<Value>,
}

impl ser::SerializeSeq for SerializeArray {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.items.push(to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::Array(self.items))
    }
}

impl ser::SerializeTuple for SerializeArray {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SerializeArray {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeSeq::end(self)
    }
}

/// Collects a tuple variant into `{"Variant": [..]}`.
struct SerializeTupleVariant {
    variant: &'static str,
    items: Vec<Value>,
}

impl ser::SerializeTupleVariant for SerializeTupleVariant {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.items.push(to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        let mut map = Map::with_capacity(1);
        map.insert(self.variant.to_owned(), Value::Array(self.items));
        Ok(Value::Object(map))
    }
}

/// Collects a map or a struct, in the order the entries are written.
struct SerializeObject {
    map: Map,
    next_key: Option<String>,
}

impl ser::SerializeMap for SerializeObject {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        self.next_key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let key = self
            .next_key
            .take()
            .ok_or_else(|| ValueError("serialize_value called before serialize_key".to_owned()))?;
        let value = to_value(value)?;
        // A repeated key keeps its first position and takes the last value,
        // as a Python dict does.
        self.map.insert(key, value);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::Object(self.map))
    }
}

impl ser::SerializeStruct for SerializeObject {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.map.insert(key.to_owned(), to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::Object(self.map))
    }
}

/// Collects a struct variant into `{"Variant": {..}}`.
struct SerializeStructVariant {
    variant: &'static str,
    map: Map,
}

impl ser::SerializeStructVariant for SerializeStructVariant {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.map.insert(key.to_owned(), to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        let mut outer = Map::with_capacity(1);
        outer.insert(self.variant.to_owned(), Value::Object(self.map));
        Ok(Value::Object(outer))
    }
}

/// The text `json.dumps` gives a float dict key.
pub(crate) fn float_key(v: f64) -> String {
    // The special floats are spelled as in JSON number output, not as
    // repr() would ("nan", "inf").
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "Infinity".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Infinity".to_owned()
    } else {
        crate::python_float_repr(v)
    }
}

/// Turns a map key into the string Python's `json.dumps` would write for it.
struct KeySerializer;

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = ValueError;

    type SerializeSeq = Impossible<String, ValueError>;
    type SerializeTuple = Impossible<String, ValueError>;
    type SerializeTupleStruct = Impossible<String, ValueError>;
    type SerializeTupleVariant = Impossible<String, ValueError>;
    type SerializeMap = Impossible<String, ValueError>;
    type SerializeStruct = Impossible<String, ValueError>;
    type SerializeStructVariant = Impossible<String, ValueError>;

    fn serialize_bool(self, v: bool) -> Result<String, ValueError> {
        Ok(if v { "true" } else { "false" }.to_owned())
    }

    fn serialize_i8(self, v: i8) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i16(self, v: i16) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i32(self, v: i32) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i64(self, v: i64) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i128(self, v: i128) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u8(self, v: u8) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u16(self, v: u16) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u32(self, v: u32) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u64(self, v: u64) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u128(self, v: u128) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_f32(self, v: f32) -> Result<String, ValueError> {
        // The same widening `to_value` applies to f32 values.
        Ok(float_key(f64::from(v)))
    }

    fn serialize_f64(self, v: f64) -> Result<String, ValueError> {
        Ok(float_key(v))
    }

    fn serialize_char(self, v: char) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_str(self, v: &str) -> Result<String, ValueError> {
        Ok(v.to_owned())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<String, ValueError> {
        Err(key_error())
    }

    fn serialize_none(self) -> Result<String, ValueError> {
        Ok("null".to_owned())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, ValueError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<String, ValueError> {
        Ok("null".to_owned())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, ValueError> {
        Ok("null".to_owned())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, ValueError> {
        Ok(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, ValueError> {
        // Also covers the big-integer token: its inner value is the digits,
        // which is exactly the key Python would write.
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, ValueError> {
        Err(key_error())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, ValueError> {
        Err(key_error())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, ValueError> {
        Err(key_error())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, ValueError> {
        Err(key_error())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ValueError> {
        Err(key_error())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, ValueError> {
        Err(key_error())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, ValueError> {
        Err(key_error())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ValueError> {
        Err(key_error())
    }
}

/// Integers that fit 64 bits are written as `i64`/`u64`, wider ones that fit
/// 128 bits as `i128`/`u128` (`serde_json` supports both; some formats do
/// not). Integers wider than 128 bits are written as a newtype struct with a
/// private name around their decimal text: [`to_value`] restores the number,
/// while other serializers, `serde_json` included, write a plain string.
/// Floats are written as `f64`, `NaN` and the infinities included (what the
/// target format does with those is up to it; `serde_json` writes `null`).
impl Serialize for Number {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            N::Int(v) => serializer.serialize_i64(*v),
            N::UInt(v) => serializer.serialize_u64(*v),
            N::Float(v) => serializer.serialize_f64(*v),
            N::Big(digits) => {
                if let Ok(v) = digits.parse::<i128>() {
                    serializer.serialize_i128(v)
                } else if let Ok(v) = digits.parse::<u128>() {
                    serializer.serialize_u128(v)
                } else {
                    serializer.serialize_newtype_struct(BIG_INT_TOKEN, &**digits)
                }
            }
        }
    }
}

/// Writes the value as the JSON data model it is: `null` as a unit, objects
/// as maps in their order. Numbers follow [`Number`]'s `Serialize`, so an
/// integer wider than 128 bits reaches formats other than [`to_value`] as a
/// string.
impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(map) => serializer.collect_map(map),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::to_value;
    use crate::{Map, Number, Value};

    use crate::value::testing::{int, obj};

    #[test]
    fn integers_of_every_width_keep_their_value() {
        assert_eq!(to_value(&-128i8).unwrap(), int("-128"));
        assert_eq!(to_value(&65_535u16).unwrap(), int("65535"));
        assert_eq!(to_value(&i64::MIN).unwrap(), int("-9223372036854775808"));
        assert_eq!(to_value(&u64::MAX).unwrap(), int("18446744073709551615"));
        assert_eq!(
            to_value(&i128::MIN).unwrap(),
            int("-170141183460469231731687303715884105728")
        );
        assert_eq!(
            to_value(&i128::MAX).unwrap(),
            int("170141183460469231731687303715884105727")
        );
        assert_eq!(
            to_value(&u128::MAX).unwrap(),
            int("340282366920938463463374607431768211455")
        );
        let n = to_value(&u128::MAX).unwrap();
        assert_eq!(n.as_number().unwrap().as_u128(), Some(u128::MAX));
        assert!(n.as_number().unwrap().is_integer());
    }

    #[test]
    fn floats_keep_nan_infinities_and_their_kind() {
        let nan = to_value(&f64::NAN).unwrap();
        assert!(nan.as_f64().unwrap().is_nan());
        assert!(nan.as_number().unwrap().is_float());
        assert_eq!(
            to_value(&f64::INFINITY).unwrap().as_f64(),
            Some(f64::INFINITY)
        );
        assert_eq!(
            to_value(&f64::NEG_INFINITY).unwrap().as_f64(),
            Some(f64::NEG_INFINITY)
        );
        assert_eq!(
            to_value(&f32::INFINITY).unwrap().as_f64(),
            Some(f64::INFINITY)
        );
        // 1.0 stays a float, distinct from the integer 1.
        assert_ne!(to_value(&1.0f64).unwrap(), to_value(&1i32).unwrap());
        assert_ne!(to_value(&-0.0f64).unwrap(), to_value(&0.0f64).unwrap());
    }

    struct Bytes<'a>(&'a [u8]);

    impl Serialize for Bytes<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Wrapper(u8);

    #[test]
    fn scalars_and_units() {
        assert_eq!(to_value(&()).unwrap(), Value::Null);
        assert_eq!(to_value(&Option::<u8>::None).unwrap(), Value::Null);
        assert_eq!(to_value(&Some(3u8)).unwrap(), int("3"));
        assert_eq!(to_value(&Unit).unwrap(), Value::Null);
        assert_eq!(to_value(&Wrapper(7)).unwrap(), int("7"));
        assert_eq!(to_value(&'é').unwrap(), Value::from("é"));
        assert_eq!(to_value("text").unwrap(), Value::from("text"));
        assert_eq!(to_value(&true).unwrap(), Value::Bool(true));
        assert_eq!(
            to_value(&Bytes(&[0, 255])).unwrap(),
            Value::Array(vec![int("0"), int("255")])
        );
        assert_eq!(
            to_value(&(1u8, "a")).unwrap(),
            Value::Array(vec![int("1"), Value::from("a")])
        );
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(i32),
        Tuple(i32, String),
        Struct { x: i32 },
    }

    #[test]
    fn enums_are_externally_tagged() {
        assert_eq!(to_value(&Shape::Unit).unwrap(), Value::from("Unit"));
        assert_eq!(
            to_value(&Shape::Newtype(1)).unwrap(),
            obj(vec![("Newtype", int("1"))])
        );
        assert_eq!(
            to_value(&Shape::Tuple(1, "x".into())).unwrap(),
            obj(vec![(
                "Tuple",
                Value::Array(vec![int("1"), Value::from("x")])
            )])
        );
        assert_eq!(
            to_value(&Shape::Struct { x: 2 }).unwrap(),
            obj(vec![("Struct", obj(vec![("x", int("2"))]))])
        );
    }

    #[derive(Serialize)]
    struct Ordered {
        zeta: u8,
        #[serde(skip)]
        _hidden: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        maybe: Option<u8>,
        alpha: u8,
    }

    #[test]
    fn struct_fields_keep_order_and_skips_apply() {
        let v = to_value(&Ordered {
            zeta: 1,
            _hidden: 9,
            maybe: None,
            alpha: 2,
        })
        .unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["zeta", "alpha"]);
    }

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum KeyEnum {
        Plain,
        Holds(u8),
    }

    #[test]
    fn map_keys_become_strings_as_in_python() {
        let ints: BTreeMap<i64, u8> = [(1, 10), (-5, 20)].into_iter().collect();
        let v = to_value(&ints).unwrap();
        assert_eq!(v, obj(vec![("-5", int("20")), ("1", int("10"))]));

        let wide: BTreeMap<u128, u8> = [(u128::MAX, 1)].into_iter().collect();
        assert_eq!(
            to_value(&wide).unwrap(),
            obj(vec![("340282366920938463463374607431768211455", int("1"))])
        );

        let bools: BTreeMap<bool, u8> = [(false, 0), (true, 1)].into_iter().collect();
        assert_eq!(
            to_value(&bools).unwrap(),
            obj(vec![("false", int("0")), ("true", int("1"))])
        );

        let opts: BTreeMap<Option<u8>, u8> = [(None, 0), (Some(4), 1)].into_iter().collect();
        assert_eq!(
            to_value(&opts).unwrap(),
            obj(vec![("null", int("0")), ("4", int("1"))])
        );

        let chars: BTreeMap<char, u8> = [('k', 0)].into_iter().collect();
        assert_eq!(to_value(&chars).unwrap(), obj(vec![("k", int("0"))]));

        let units: BTreeMap<KeyEnum, u8> = [(KeyEnum::Plain, 0)].into_iter().collect();
        assert_eq!(to_value(&units).unwrap(), obj(vec![("Plain", int("0"))]));

        // Python: json.dumps({float("nan"): 1, float("inf"): 2, float("-inf"): 3})
        let floats = vec![(f64::NAN, 1), (f64::INFINITY, 2), (f64::NEG_INFINITY, 3)];
        let v = to_value(&FloatKeys(floats)).unwrap();
        assert_eq!(
            v,
            obj(vec![
                ("NaN", int("1")),
                ("Infinity", int("2")),
                ("-Infinity", int("3"))
            ])
        );
    }

    /// A map with float keys (no std map takes them).
    struct FloatKeys(Vec<(f64, i32)>);

    impl Serialize for FloatKeys {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    #[test]
    fn finite_float_key_uses_python_repr() {
        // Python: json.dumps({1.5: 1, 1e16: 2, 1e-05: 3, 100.0: 4})
        let keys = vec![(1.5, 1), (1e16, 2), (1e-5, 3), (100.0, 4)];
        let v = to_value(&FloatKeys(keys)).unwrap();
        assert_eq!(
            v,
            obj(vec![
                ("1.5", int("1")),
                ("1e+16", int("2")),
                ("1e-05", int("3")),
                ("100.0", int("4"))
            ])
        );
    }

    #[test]
    fn keys_that_python_refuses_are_errors() {
        let seq_keys: BTreeMap<Vec<u8>, u8> = [(vec![1], 0)].into_iter().collect();
        let err = to_value(&seq_keys).unwrap_err();
        assert_eq!(err.message(), "keys must be str, int, float, bool or None");

        let tuple_keys: BTreeMap<(u8, u8), u8> = [((1, 2), 0)].into_iter().collect();
        assert!(to_value(&tuple_keys).is_err());

        let variant_keys: BTreeMap<KeyEnum, u8> = [(KeyEnum::Holds(1), 0)].into_iter().collect();
        assert!(to_value(&variant_keys).is_err());

        let map_keys: BTreeMap<BTreeMap<u8, u8>, u8> = [(BTreeMap::new(), 0)].into_iter().collect();
        assert!(to_value(&map_keys).is_err());
    }

    #[test]
    fn repeated_key_keeps_first_position_and_last_value() {
        let pairs = vec![("a", 1), ("b", 2), ("a", 3)];
        struct Pairs<'a>(&'a [(&'a str, i32)]);
        impl Serialize for Pairs<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        assert_eq!(
            to_value(&Pairs(&pairs)).unwrap(),
            obj(vec![("a", int("3")), ("b", int("2"))])
        );
    }

    fn sample() -> Value {
        let huge = "-".to_owned() + &"9".repeat(200);
        obj(vec![
            ("null", Value::Null),
            ("bool", Value::Bool(false)),
            ("int", int("-3")),
            ("uint", int("18446744073709551615")),
            ("i128", int("-170141183460469231731687303715884105728")),
            ("u128", int("340282366920938463463374607431768211455")),
            ("past_u128", int("340282366920938463463374607431768211456")),
            ("huge", int(&huge)),
            ("one_float", Value::from(1.0)),
            ("neg_zero", Value::from(-0.0)),
            ("nan", Value::from(f64::NAN)),
            ("inf", Value::from(f64::NEG_INFINITY)),
            ("str", Value::from("s")),
            (
                "arr",
                Value::Array(vec![int(&huge), Value::Object(Map::new())]),
            ),
        ])
    }

    #[test]
    fn a_value_converts_to_itself_exactly() {
        let v = sample();
        assert_eq!(to_value(&v).unwrap(), v);
        let n = Number::from_integer_str(&"7".repeat(60)).unwrap();
        assert_eq!(to_value(&n).unwrap(), Value::Number(n));
    }

    #[test]
    fn other_serializers_see_wide_integers_as_numbers_or_strings() {
        let fits = int("-170141183460469231731687303715884105728");
        assert_eq!(
            serde_json::to_string(&fits).unwrap(),
            "-170141183460469231731687303715884105728"
        );
        let huge = int(&"1".repeat(50));
        assert_eq!(
            serde_json::to_string(&huge).unwrap(),
            format!("\"{}\"", "1".repeat(50))
        );
        // serde_json writes non-finite floats as null.
        assert_eq!(
            serde_json::to_string(&Value::from(f64::NAN)).unwrap(),
            "null"
        );
    }

    #[test]
    fn bad_big_int_token_text_is_an_error() {
        struct Fake;
        impl Serialize for Fake {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_newtype_struct(super::BIG_INT_TOKEN, "12a")
            }
        }
        assert!(to_value(&Fake).is_err());
    }
}

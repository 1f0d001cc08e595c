//! Conversions between [`Value`] and `serde_json::Value` (feature
//! `serde_json`).
//!
//! From `serde_json` nothing is lost: every `serde_json` number is an `i64`,
//! a `u64` or a finite `f64`, and [`Value`] keeps all three kinds apart.
//! Towards `serde_json` two kinds of numbers have no exact counterpart; see
//! [`Value::to_serde_json`].

use crate::number::N;
use crate::{Number, Value};

impl Value {
    /// The same data as a `serde_json::Value`.
    ///
    /// Lossy in two cases only, both numbers `serde_json` cannot hold:
    /// - `NaN` and the infinities become `null` (what `serde_json` itself
    ///   writes for them);
    /// - integers outside the `i64`/`u64` range become the nearest `f64`, or
    ///   `null` if they are too large for a finite `f64` (beyond about
    ///   1.8e308).
    ///
    /// Object key order is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use python_json::Value;
    ///
    /// let v = Value::from(vec![Value::from(1), Value::from(f64::NAN)]);
    /// assert_eq!(v.to_serde_json(), serde_json::json!([1, null]));
    /// ```
    pub fn to_serde_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_serde_json).collect())
            }
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    out.insert(k.clone(), v.to_serde_json());
                }
                serde_json::Value::Object(out)
            }
        }
    }
}

fn float_to_json(f: f64) -> serde_json::Value {
    serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn number_to_json(n: &Number) -> serde_json::Value {
    match &n.0 {
        N::Int(v) => serde_json::Value::from(*v),
        N::UInt(v) => serde_json::Value::from(*v),
        N::Float(f) => float_to_json(*f),
        N::Big(digits) => {
            // A `Big` is outside 64 bits by construction; check anyway so a
            // stray small one still converts exactly.
            if let Ok(v) = digits.parse::<i64>() {
                serde_json::Value::from(v)
            } else if let Ok(v) = digits.parse::<u64>() {
                serde_json::Value::from(v)
            } else {
                n.as_f64().map_or(serde_json::Value::Null, float_to_json)
            }
        }
    }
}

/// The same conversion as [`Value::to_serde_json`] (lossy for `NaN`, the
/// infinities and integers beyond 64 bits), moving strings instead of
/// copying them.
impl From<Value> for serde_json::Value {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => number_to_json(&n),
            Value::String(s) => serde_json::Value::String(s),
            Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(serde_json::Value::from).collect())
            }
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    out.insert(k, serde_json::Value::from(v));
                }
                serde_json::Value::Object(out)
            }
        }
    }
}

fn number_from_json(n: &serde_json::Number) -> Number {
    if let Some(v) = n.as_i64() {
        return Number::from(v);
    }
    if let Some(v) = n.as_u64() {
        return Number::from(v);
    }
    if n.is_f64()
        && let Some(f) = n.as_f64()
    {
        return Number::from(f);
    }
    // Only reachable when some crate in the build turns on serde_json's
    // `arbitrary_precision`: then a number can be a wide integer, or a float
    // outside the f64 range, kept as text.
    let text = n.to_string();
    if let Some(big) = Number::from_integer_str(&text) {
        return big;
    }
    Number::from(text.parse::<f64>().unwrap_or(f64::NAN))
}

/// Lossless: integers stay integers of the same value, floats stay floats,
/// key order is kept.
impl From<serde_json::Value> for Value {
    fn from(value: serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(number_from_json(&n)),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::Array(items.into_iter().map(Value::from).collect())
            }
            serde_json::Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

fn number_eq_json(a: &Number, b: &serde_json::Number) -> bool {
    match &a.0 {
        N::Int(v) => b.as_i64() == Some(*v),
        N::UInt(v) => b.as_u64() == Some(*v),
        // serde_json keeps 1 and 1.0 apart too; compare bits so that 0.0 and
        // -0.0 differ, as `Number`'s own equality has it.
        N::Float(f) => b.is_f64() && b.as_f64().map(f64::to_bits) == Some(f.to_bits()),
        N::Big(_) => !b.is_i64() && !b.is_u64() && !b.is_f64() && number_from_json(b) == *a,
    }
}

/// Structural equality with the same rules as `Value == Value`: integers
/// and floats differ (`1 != 1.0`), objects compare as maps (key order
/// ignored, as both `serde_json` and [`Map`](crate::Map) do).
impl PartialEq<serde_json::Value> for Value {
    fn eq(&self, other: &serde_json::Value) -> bool {
        match (self, other) {
            (Value::Null, serde_json::Value::Null) => true,
            (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Value::Number(a), serde_json::Value::Number(b)) => number_eq_json(a, b),
            (Value::String(a), serde_json::Value::String(b)) => a == b,
            (Value::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Value::Object(a), serde_json::Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

/// The same comparison as `Value == serde_json::Value`, reversed.
impl PartialEq<Value> for serde_json::Value {
    fn eq(&self, other: &Value) -> bool {
        other == self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Map, Number, Value};

    fn int(text: &str) -> Value {
        Value::Number(Number::from_integer_str(text).unwrap())
    }

    #[test]
    fn from_serde_json_is_lossless() {
        let j = json!({
            "z": 1,
            "a": [1.0, -2, u64::MAX, i64::MIN, 0.1, null, true, "s"],
            "m": {"inner": {}},
        });
        let v = Value::from(j.clone());
        let top = v.as_object().unwrap();
        let keys: Vec<&str> = top.keys().map(String::as_str).collect();
        assert_eq!(keys, ["z", "a", "m"]);
        let arr = top["a"].as_array().unwrap();
        assert!(arr[0].as_number().unwrap().is_float());
        assert_eq!(arr[0], Value::from(1.0));
        assert_eq!(arr[1], int("-2"));
        assert_eq!(arr[2], Value::from(u64::MAX));
        assert_eq!(arr[3], Value::from(i64::MIN));
        assert_eq!(arr[4], Value::from(0.1));
        assert_eq!(top["z"], int("1"));
        // And back, unchanged.
        assert_eq!(v.to_serde_json(), j);
        assert_eq!(serde_json::Value::from(v), j);
    }

    #[test]
    fn to_serde_json_lossy_cases() {
        let v = Value::Array(vec![
            Value::from(f64::NAN),
            Value::from(f64::INFINITY),
            Value::from(f64::NEG_INFINITY),
            Value::from(i128::MIN),
            int(&"9".repeat(400)),
            Value::from(u64::MAX),
            Value::from(-0.0),
        ]);
        let expected = json!([
            null,
            null,
            null,
            -1.7014118346046923e38,
            null,
            u64::MAX,
            -0.0
        ]);
        assert_eq!(v.to_serde_json(), expected);
        assert_eq!(serde_json::Value::from(v), expected);
    }

    #[test]
    fn equality_with_serde_json() {
        assert_eq!(Value::from(1), json!(1));
        assert_ne!(Value::from(1), json!(1.0));
        assert_ne!(Value::from(1.0), json!(1));
        assert_eq!(Value::from(u64::MAX), json!(u64::MAX));
        assert_ne!(Value::from(f64::NAN), json!(null));
        assert_ne!(Value::from(-0.0), json!(0.0));
        assert_ne!(int(&"1".repeat(30)), json!(1.111_111_111_111_111e29));
        let v = Value::from(json!({"a": [1, "x"], "b": null}));
        assert_eq!(v, json!({"b": null, "a": [1, "x"]}));
        assert_eq!(json!({"a": [1, "x"], "b": null}), v);
        assert_ne!(v, json!({"a": [1, "x"]}));
        assert_ne!(v, json!({"a": [1, "x"], "c": null}));
        assert_ne!(Value::from(vec![1, 2]), json!([1]));
        assert_ne!(Value::from("1"), json!(1));
    }

    #[test]
    fn collect_into_objects_and_arrays() {
        let obj: Value = [("b", 1), ("a", 2), ("b", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::from(v)))
            .collect();
        let mut expected = Map::new();
        expected.insert("b".to_owned(), Value::from(3));
        expected.insert("a".to_owned(), Value::from(2));
        assert_eq!(obj, Value::Object(expected));
        let keys: Vec<&String> = obj.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a"]);

        let arr: Value = (1..=3).map(Value::from).collect();
        assert_eq!(arr, Value::from(vec![1, 2, 3]));
    }
}

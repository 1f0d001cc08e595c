//! Helpers shared by the integration tests: loading the golden vectors.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use signed_session::Value;
use signed_session::encoding::json;
use signed_session::signing::{Keyring, Secret};

/// The whole of `tests/vectors/django.json`, read with the crate's own
/// Python-compatible JSON reader so that `1.0` stays a float and big
/// integers survive.
pub fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/django.json");
    let bytes = std::fs::read(path).expect("tests/vectors/django.json is readable");
    json::from_slice(&bytes, 1000).expect("the vectors file parses")
}

/// The cases of one section (`dumps`, `loads`, ...).
pub fn section(all: &Value, name: &str) -> Vec<Value> {
    all.as_object().unwrap()[name].as_array().unwrap().clone()
}

/// A field of a case; panics naming the case when absent.
pub fn field<'a>(case: &'a Value, name: &str) -> &'a Value {
    case.as_object()
        .and_then(|m| m.get(name))
        .unwrap_or_else(|| panic!("case {} has no field {name}", id(case)))
}

/// A string field.
pub fn str_field<'a>(case: &'a Value, name: &str) -> &'a str {
    field(case, name)
        .as_str()
        .unwrap_or_else(|| panic!("case {}: {name} is not a string", id(case)))
}

/// An optional number field as seconds.
pub fn opt_f64(case: &Value, name: &str) -> Option<f64> {
    let v = field(case, name);
    if v.is_null() {
        None
    } else {
        Some(
            v.as_f64()
                .unwrap_or_else(|| panic!("case {}: {name}", id(case))),
        )
    }
}

/// The case id.
pub fn id(case: &Value) -> String {
    case.as_object()
        .and_then(|m| m.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("<no id>")
        .to_owned()
}

/// A keyring from a secret string and fallback strings.
pub fn keyring(secret: &str, fallbacks: &[&str]) -> Keyring {
    let mut ring = Keyring::new(Secret::new(secret).unwrap());
    for f in fallbacks {
        ring = ring.with_fallback(Secret::new(*f).unwrap());
    }
    ring
}

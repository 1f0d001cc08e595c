//! Helpers shared by the integration tests: loading the golden vectors,
//! keyrings, and incompressible session data.

use python_json as json;
use signed_session::Value;
use signed_session::signing::{Keyring, Secret};

/// The whole of `tests/vectors/django.json`, read with the crate's own
/// Python-compatible JSON reader so that `1.0` stays a float and big
/// integers survive.
pub fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/django.json");
    let text = std::fs::read_to_string(path).expect("tests/vectors/django.json is readable");
    // The file is UTF-8 while the reader takes bytes as latin-1 (as Django
    // does); JSON is ASCII outside strings, so escaping every non-ASCII
    // character first gives the same document in a form both agree on.
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    json::from_slice(ascii.as_bytes(), 1000).expect("the vectors file parses")
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

/// Random letters (a fixed xorshift sequence): they barely compress, so a
/// session holding them really makes the cookie grow.
#[cfg(feature = "axum")]
pub fn noise(len: usize) -> String {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + u8::try_from(x % 26).unwrap())
        })
        .collect()
}

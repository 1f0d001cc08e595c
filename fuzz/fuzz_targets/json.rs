//! The Python-compatible JSON writer and reader.
//!
//! - Writer: output is ASCII only and reads back equal.
//! - Reader on arbitrary bytes: never panics; whatever it accepts is written
//!   and read back equal; the validating entry points (`skip_value`,
//!   `parse_object_raw`, `from_slice_at`) agree with `from_slice`; and on
//!   ASCII text `serde_json` accepts, it accepts too and finds the same data.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use python_json::{
    self as json, DEFAULT_MAX_DEPTH, JsonErrorKind, Value, from_slice, from_slice_at,
    parse_object_raw, skip_value,
};
use signed_session_fuzz::ArbValue;

fn write_then_read(value: &Value) {
    let text = json::to_vec(value);
    assert!(
        text.is_ascii(),
        "writer produced non-ASCII: {:?}",
        String::from_utf8_lossy(&text)
    );
    let back = from_slice(&text, DEFAULT_MAX_DEPTH).unwrap_or_else(|e| {
        panic!(
            "writer output refused: {e}\n{}",
            String::from_utf8_lossy(&text)
        )
    });
    assert_eq!(&back, value, "{}", String::from_utf8_lossy(&text));
    // The writer is deterministic and a fixed point after one pass.
    assert_eq!(json::to_vec(&back), text);
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `from_slice` and the validating entry points accept the same texts and
/// see the same values.
fn entry_points_agree(data: &[u8], depth: usize, parsed: &Result<Value, json::JsonError>) {
    let skipped = skip_value(data, 0, depth);
    let whole = skipped
        .as_ref()
        .is_ok_and(|&end| data[end..].iter().all(|&b| is_ws(b)));
    match parsed {
        Ok(_) => assert!(whole, "from_slice accepted but skip_value says {skipped:?}"),
        Err(e) if e.kind() == JsonErrorKind::TrailingData => {
            assert!(
                skipped.is_ok() && !whole,
                "trailing data but skip_value says {skipped:?}"
            );
        }
        Err(e) => assert!(
            skipped.is_err(),
            "from_slice refused ({e}) but skip_value accepted"
        ),
    }

    let raw = parse_object_raw(data, depth);
    assert_eq!(
        raw.is_ok(),
        parsed.is_ok(),
        "parse_object_raw {raw:?} vs from_slice {parsed:?}"
    );
    if let (Ok(Some(object)), Ok(Value::Object(map))) = (&raw, parsed) {
        assert_eq!(object.len(), map.len());
        for (at, ((key, range), (k, v))) in object.iter().zip(map).enumerate() {
            assert_eq!(key, k);
            assert_eq!(object.position(key), Some(at), "{key:?} found where it is");
            assert_eq!(object.get(key), Some(range.clone()));
            let one = from_slice_at(data, range.clone(), depth.saturating_sub(1));
            assert_eq!(one.as_ref(), Ok(v), "value of {key:?} at {range:?}");
        }
    }
    if let Ok(None) = raw {
        assert!(!matches!(parsed, Ok(Value::Object(_))));
    }
}

/// Structural equality where numbers compare by their `f64` value, which is
/// all `serde_json` (without arbitrary precision) keeps.
fn same_as_serde(ours: &Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (ours, theirs) {
        (Value::Null, J::Null) => true,
        (Value::Bool(a), J::Bool(b)) => a == b,
        (Value::String(a), J::String(b)) => a == b,
        (Value::Number(a), J::Number(b)) => {
            if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
                x == y
            } else {
                a.as_f64() == b.as_f64()
            }
        }
        (Value::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_as_serde(x, y))
        }
        (Value::Object(a), J::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_as_serde(va, vb))
        }
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    // Arbitrary bytes into the reader, with a small and the default depth.
    for depth in [4, DEFAULT_MAX_DEPTH] {
        let parsed = from_slice(data, depth);
        entry_points_agree(data, depth, &parsed);
        if let Ok(v) = &parsed {
            write_then_read(v);
        }
    }

    // ASCII text that serde_json accepts is JSON that Python accepts too.
    if data.is_ascii()
        && let Ok(theirs) = serde_json::from_slice::<serde_json::Value>(data)
    {
        match from_slice(data, 1024) {
            Ok(ours) => assert!(
                same_as_serde(&ours, &theirs),
                "ours {ours:?}\ntheirs {theirs:?}"
            ),
            Err(e) => assert!(
                e.kind() == JsonErrorKind::IntegerTooLong,
                "serde_json accepted, we refused: {e}"
            ),
        }
    }

    // Arbitrary values through the writer.
    if let Ok(ArbValue(v)) = ArbValue::arbitrary(&mut Unstructured::new(data)) {
        write_then_read(&v);
    }
});

//! Python-compatible JSON writer (to be implemented).
use crate::value::Value;

/// Python's `repr(float)`.
pub fn python_float_repr(f: f64) -> String {
    let _ = f;
    todo!()
}

/// Appends the compact, ASCII-only JSON text of `v` to `out`.
pub fn write_value(out: &mut Vec<u8>, v: &Value) {
    let _ = (out, v);
    todo!()
}

/// The compact, ASCII-only JSON text of `v`.
pub fn to_vec(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v);
    out
}

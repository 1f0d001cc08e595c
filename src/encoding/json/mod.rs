//! A JSON writer and reader that behave exactly like Python's `json` module
//! as Django uses it (`json.dumps(obj, separators=(",", ":"))` and
//! `json.loads(data.decode("latin-1"))`). See spec §2.1.

mod read;
mod write;

pub use read::{JsonError, JsonErrorKind, from_slice, DEFAULT_MAX_DEPTH};
pub use write::{python_float_repr, to_vec, write_value};

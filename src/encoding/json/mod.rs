//! A JSON writer and reader that behave exactly like Python's `json` module
//! as Django uses it (`json.dumps(obj, separators=(",", ":"))` and
//! `json.loads(data.decode("latin-1"))`). See spec §2.1.

mod read;
mod scan;
mod write;

pub use read::{
    DEFAULT_MAX_DEPTH, JsonError, JsonErrorKind, MAX_INTEGER_DIGITS, RawEntry, from_slice,
    from_slice_at, parse_object_raw, skip_value, validate,
};
pub use write::{
    python_float_repr, to_vec, write_float, write_str, write_value, write_value_depth,
};

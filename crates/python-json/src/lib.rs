//! Python's JSON data model in Rust: read and write JSON exactly as
//! Python's `json` module does, and carry every value it can produce.
//!
//! # Overview
//!
//! Python's `json` writes things `serde_json` cannot hold: `NaN`,
//! `Infinity` and `-Infinity`, integers of any size, and `1.0` as a float
//! distinct from `1`. Python also writes `\u`-escaped ASCII by default
//! (`ensure_ascii=True`), its own shortest float `repr`, and keeps object
//! keys in insertion order, with the last value of a repeated key in the
//! first key's place. This crate reproduces all of it, byte for byte:
//!
//! - [`Value`], [`Number`] and [`Map`]: the data model;
//! - [`from_slice`]: `json.loads(data.decode("latin-1"))`, with a nesting
//!   limit and without recursion (a hostile document cannot overflow the
//!   stack);
//! - [`to_vec`]: `json.dumps(obj, separators=(",", ":"))`;
//! - [`to_value`] and [`from_value`]: any serde type to and from a
//!   [`Value`];
//! - [`to_vec_of`] / [`write_of`] and [`from_slice_of`]: any serde type
//!   straight to and from JSON text, with exactly the results of the
//!   `Value` path and without its copy (see [below](#your-own-types));
//! - with the feature `serde_json`, lossless conversion from
//!   `serde_json::Value` and documented, lossy conversion to it.
//!
//! It was written for `signed-session`, whose tokens carry JSON made by
//! Django, and is useful to anyone who exchanges JSON with Python.
//!
//! # A first example
//!
//! ```
//! use python_json::{Value, from_slice, to_vec};
//!
//! // What Python's json.dumps([1.0, float("nan"), 10**30, "é"],
//! // separators=(",", ":")) writes.
//! let text = br#"[1.0,NaN,1000000000000000000000000000000,"\u00e9"]"#;
//! let value = from_slice(text, 128)?;
//! let items = value.as_array().unwrap();
//! assert!(items[0].as_number().unwrap().is_float());
//! assert!(items[1].as_f64().unwrap().is_nan());
//! assert_eq!(items[3], Value::from("é"));
//! assert_eq!(to_vec(&value), text);
//! # Ok::<(), python_json::JsonError>(())
//! ```
//!
//! # Your own types
//!
//! A Rust type travels without an intermediate [`Value`]:
//!
//! ```
//! use python_json::{Error, from_slice_of, to_vec_of};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Session { user_id: u64, cart: Vec<u32>, total: f64 }
//!
//! let s = Session { user_id: 42, cart: vec![1, 2], total: 10.0 };
//! let text = to_vec_of(&s)?;
//! assert_eq!(text, br#"{"user_id":42,"cart":[1,2],"total":10.0}"#);
//! assert_eq!(from_slice_of::<Session>(&text, 128)?, s);
//! # Ok::<(), Error>(())
//! ```
//!
//! The direct paths are defined by the `Value` path:
//!
//! - [`to_vec_of(&x)`](to_vec_of) is byte for byte
//!   `to_vec(&to_value(&x)?)`, and fails exactly when [`to_value`] does,
//!   with its error; [`write_of`] appends to a buffer and returns the
//!   nesting depth, as [`write_value_depth`] does.
//! - [`from_slice_of::<T>(bytes, max_depth)`](from_slice_of) is
//!   `from_value::<T>(from_slice(bytes, max_depth)?)`: the same value, or
//!   the same error ([`Error::Json`] or [`Error::Value`]), with every rule
//!   of the reader applied to the whole text, skipped parts included.
//!
//! They stream: the writer serializes into the output as it goes, the
//! reader hands the visitor each piece as it reads it. An object with a
//! repeated key (which Python merges: the first key's place, the last
//! value) and anything that fails are handed to the `Value` path, so those
//! rare cases cost what they cost before and give its exact answer. On
//! the usual data they run at about the speed of `serde_json` (see the
//! `typed` bench), several times faster than the `Value` path.
//!
//! # Compatibility with Python
//!
//! The reader accepts what `json.loads` accepts (including `NaN`,
//! `Infinity` and `-Infinity`) and refuses what it refuses, with two
//! deliberate differences: a lone UTF-16 surrogate escape (`"\ud800"`) is
//! refused, since a Rust string cannot hold one, and nesting deeper than
//! the caller's limit is refused (Python stops near 1000 levels with a
//! `RecursionError`). Integers are limited to 4300 digits, as Python 3.11+
//! limits them ([`MAX_INTEGER_DIGITS`]). Bytes are read as latin-1, as
//! Django reads a decoded token.
//!
//! The writer produces exactly `json.dumps(v, separators=(",", ":"))`:
//! ASCII only, Python's float `repr` (ties rounded to even), `NaN` and the
//! infinities as Python writes them.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `serde_json` | no | `From<serde_json::Value>`, `Value::to_serde_json`, comparisons |
//!
//! Enabling `serde_json` turns on no feature of `serde_json` itself, so it
//! changes nothing for other crates in a build.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod de;
mod float;
mod keys;
mod number;
mod read;
mod scan;
mod ser;
#[cfg(feature = "serde_json")]
mod serde_json;
mod typed_read;
mod typed_write;
mod value;
mod write;

#[cfg(test)]
mod typed_tests;

pub use de::{from_value, from_value_ref};
/// Not part of the API: the table-free float parser, for the fuzz target
/// that compares it with the standard library's.
#[cfg(feature = "__internal-api")]
#[doc(hidden)]
pub use float::compact as compact_float_parse;
pub use number::Number;
pub use read::{
    DEFAULT_MAX_DEPTH, JsonError, JsonErrorKind, MAX_INTEGER_DIGITS, RawObject, from_slice,
    from_slice_at, parse_object_raw, skip_value, validate,
};
pub use ser::to_value;
pub use typed_read::{Error, from_slice_of};
pub use typed_write::{to_vec_of, write_of};
pub use value::{Map, Value, ValueError};
pub use write::{
    python_float_repr, to_vec, write_float, write_str, write_value, write_value_depth,
};

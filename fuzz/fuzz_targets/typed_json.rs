//! The direct serde paths of python-json against their definitions through
//! a `Value`.
//!
//! - Reader: arbitrary bytes read into a handful of types with
//!   `from_slice_of` give exactly what `from_value(from_slice(..))` gives:
//!   equal values (compared as `Value`s, so NaN equals NaN), or the same
//!   error, at a small and at the default depth.
//! - Writer: arbitrary values and typed data written with `write_of` give
//!   the bytes and depth of `write_value_depth(&to_value(x))`, or the same
//!   error.
//!
//! The fuzz crate has no serde derive, so the types are serde's own impls
//! for std types, which between them reach every path: structs
//! (`Duration`, `Range`), externally tagged enums (`Bound`, `Result`),
//! maps with typed keys, tuples, options, chars, wide integers, `Value`,
//! `Number` and `serde_json::Value`.
#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::ops::{Bound, Range};
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use python_json::{
    DEFAULT_MAX_DEPTH, Error, Number, Value, from_slice, from_slice_of, from_value, to_value,
    write_of, write_value_depth,
};
use signed_session_fuzz::ArbValue;

/// A type both paths can read and write. The fuzz crate does not depend
/// on serde, so the checks are written per type by `probes!`, where the
/// serde bounds hold for the concrete type.
trait Probe: Sized {
    /// Reads `data` as this type both ways and checks they agree.
    fn read_both(data: &[u8], depth: usize);
    /// Writes the value both ways and checks they agree.
    fn write_both(&self);
}

macro_rules! probes {
    ($($t:ty),* $(,)?) => {$(
        impl Probe for $t {
            fn read_both(data: &[u8], depth: usize) {
                let direct = from_slice_of::<$t>(data, depth);
                let via_value = from_slice(data, depth)
                    .map_err(Error::Json)
                    .and_then(|v| from_value::<$t>(v).map_err(Error::Value));
                let shown = String::from_utf8_lossy(data);
                match (&direct, &via_value) {
                    // As values, so that NaN equals NaN.
                    (Ok(a), Ok(b)) => {
                        let (a, b) = (to_value(a), to_value(b));
                        assert!(a == b, "{shown}\ndirect {a:?}\nvia Value {b:?}");
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{shown}"),
                    (a, b) => panic!("{shown}\ndirect {a:?}\nvia Value {b:?}"),
                }
            }

            fn write_both(&self) {
                let via_value = to_value(self).map(|v| {
                    let mut out = Vec::new();
                    let depth = write_value_depth(&mut out, &v);
                    (out, depth)
                });
                let mut out = b"x".to_vec();
                let direct = write_of(&mut out, self).map(|depth| (out[1..].to_vec(), depth));
                match (&direct, &via_value) {
                    (Ok(a), Ok(b)) => assert!(
                        a == b,
                        "direct {:?} {}\nvia Value {:?} {}",
                        String::from_utf8_lossy(&a.0),
                        a.1,
                        String::from_utf8_lossy(&b.0),
                        b.1,
                    ),
                    (Err(a), Err(b)) => {
                        assert_eq!(a, b);
                        assert_eq!(out, b"x", "output left as it was on error");
                    }
                    (a, b) => panic!("direct {a:?}\nvia Value {b:?}"),
                }
            }
        }
    )*};
}

probes!(
    Value,
    Number,
    serde_json::Value,
    Vec<Value>,
    HashMap<String, Value>,
    BTreeMap<i64, f64>,
    BTreeMap<u8, Option<char>>,
    BTreeMap<bool, String>,
    BTreeMap<i128, u128>,
    BTreeMap<Option<u8>, ()>,
    BTreeMap<Vec<u8>, u8>,
    BTreeMap<Result<u8, u8>, u8>,
    (u64, f64, Option<String>),
    (i8, u16, f32, char),
    Option<Vec<i128>>,
    Vec<Bound<i64>>,
    Result<Vec<Bound<u8>>, String>,
    Result<(), Duration>,
    Duration,
    Vec<Option<Range<u64>>>,
    String,
    u128,
    f64,
);

fn read_both<T: Probe>(data: &[u8], depth: usize) {
    T::read_both(data, depth);
}

fn write_both<T: Probe>(x: &T) {
    x.write_both();
}

fn read_all(data: &[u8], depth: usize) {
    read_both::<Value>(data, depth);
    read_both::<Number>(data, depth);
    read_both::<serde_json::Value>(data, depth);
    read_both::<Vec<Value>>(data, depth);
    read_both::<HashMap<String, Value>>(data, depth);
    read_both::<BTreeMap<i64, f64>>(data, depth);
    read_both::<BTreeMap<u8, Option<char>>>(data, depth);
    read_both::<BTreeMap<bool, String>>(data, depth);
    read_both::<BTreeMap<i128, u128>>(data, depth);
    read_both::<(u64, f64, Option<String>)>(data, depth);
    read_both::<(i8, u16, f32, char)>(data, depth);
    read_both::<Option<Vec<i128>>>(data, depth);
    read_both::<Vec<Bound<i64>>>(data, depth);
    read_both::<Result<Vec<Bound<u8>>, String>>(data, depth);
    read_both::<Result<(), Duration>>(data, depth);
    read_both::<Duration>(data, depth);
    read_both::<Vec<Option<Range<u64>>>>(data, depth);
    read_both::<String>(data, depth);
    read_both::<u128>(data, depth);
    read_both::<f64>(data, depth);
}

/// Typed data to write.
#[derive(Debug, Arbitrary)]
struct Typed {
    ints: BTreeMap<i128, u128>,
    floats: BTreeMap<i64, f64>,
    chars: BTreeMap<u8, Option<char>>,
    flags: BTreeMap<bool, String>,
    nulls: BTreeMap<Option<u8>, ()>,
    refused: Option<BTreeMap<Vec<u8>, u8>>,
    variants: Option<BTreeMap<Result<u8, u8>, u8>>,
    tuple: (u64, f64, Option<String>),
    small: (i8, u16, f32, char),
    bounds: Vec<Bound<i64>>,
    result: Result<Vec<Bound<u8>>, String>,
    time: Result<(), Duration>,
    ranges: Vec<Option<Range<u64>>>,
}

fuzz_target!(|data: &[u8]| {
    for depth in [4, DEFAULT_MAX_DEPTH] {
        read_all(data, depth);
    }

    let mut u = Unstructured::new(data);
    if let Ok(ArbValue(v)) = ArbValue::arbitrary(&mut u) {
        write_both(&v);
        write_both(&v.to_serde_json());
        // What was written reads back the same both ways.
        let text = python_json::to_vec(&v);
        read_all(&text, DEFAULT_MAX_DEPTH);
    }
    if let Ok(t) = Typed::arbitrary(&mut u) {
        write_both(&t.ints);
        write_both(&t.floats);
        write_both(&t.chars);
        write_both(&t.flags);
        write_both(&t.nulls);
        if let Some(r) = &t.refused {
            write_both(r);
        }
        if let Some(r) = &t.variants {
            write_both(r);
        }
        write_both(&t.tuple);
        write_both(&t.small);
        write_both(&t.bounds);
        write_both(&t.result);
        write_both(&t.time);
        write_both(&t.ranges);
        if let Ok(text) = python_json::to_vec_of(&t.bounds) {
            read_both::<Vec<Bound<i64>>>(&text, DEFAULT_MAX_DEPTH);
        }
    }
});

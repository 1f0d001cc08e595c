//! Tests of the direct paths, [`to_vec_of`]/[`write_of`] and
//! [`from_slice_of`], against their definitions through a [`Value`]:
//! `to_vec(&to_value(x)?)` and `from_value(from_slice(bytes, depth)?)`.

use std::collections::{BTreeMap, HashMap};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::value::testing::{int, obj};
use crate::{
    Error, JsonErrorKind, Map, Number, Value, ValueError, from_slice, from_slice_of, from_value,
    to_value, to_vec, to_vec_of, write_of, write_value_depth,
};

// ---------------------------------------------------------------------------
// The two definitions

/// What the writer must produce: the `Value` path's bytes and depth.
fn written_via_value<T: Serialize + ?Sized>(x: &T) -> Result<(Vec<u8>, usize), ValueError> {
    let v = to_value(x)?;
    let mut out = Vec::new();
    let depth = write_value_depth(&mut out, &v);
    Ok((out, depth))
}

/// What the reader must produce: the `Value` path's result.
fn read_via_value<T: DeserializeOwned>(bytes: &[u8], max_depth: usize) -> Result<T, Error> {
    let v = from_slice(bytes, max_depth).map_err(Error::Json)?;
    from_value(v).map_err(Error::Value)
}

/// Checks the writer against its definition and returns its bytes.
#[track_caller]
fn check_write<T: Serialize + ?Sized>(x: &T) -> Result<Vec<u8>, ValueError> {
    let want = written_via_value(x);
    let mut out = b"prefix".to_vec();
    let got = write_of(&mut out, x);
    match (&want, got) {
        (Ok((bytes, depth)), Ok(d)) => {
            assert_eq!(
                String::from_utf8_lossy(&out[6..]),
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(d, *depth, "depth of {}", String::from_utf8_lossy(bytes));
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, &b);
            assert_eq!(out, b"prefix", "out is left as it was on error");
        }
        (a, b) => panic!("via Value: {a:?}, direct: {b:?}"),
    }
    let direct = to_vec_of(x);
    assert_eq!(direct, want.clone().map(|(bytes, _)| bytes));
    direct
}

/// Checks the reader against its definition and returns its result.
#[track_caller]
fn check_read<T: DeserializeOwned + Serialize + core::fmt::Debug>(
    text: &[u8],
    max_depth: usize,
) -> Result<T, Error> {
    let want = read_via_value::<T>(text, max_depth);
    let got = from_slice_of::<T>(text, max_depth);
    let shown = String::from_utf8_lossy(text);
    match (&want, &got) {
        // Compared as values, so that NaN equals NaN.
        (Ok(a), Ok(b)) => assert_eq!(to_value(a), to_value(b), "{shown}"),
        (Err(a), Err(b)) => assert_eq!(a, b, "{shown}"),
        (a, b) => panic!("{shown}\nvia Value: {a:?}\ndirect: {b:?}"),
    }
    got
}

// ---------------------------------------------------------------------------
// Types

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Kind {
    Plain,
    Count(u32),
    Pair(i8, bool),
    Named { a: Option<u8> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Record {
    id: u64,
    name: String,
    #[serde(default)]
    score: f64,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    big: Option<i128>,
    #[serde(default)]
    kind: Option<Kind>,
    #[serde(default)]
    counts: BTreeMap<u32, i64>,
    #[serde(default)]
    extra: HashMap<String, Value>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Flat {
    id: u64,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
enum Loose {
    Num(f64),
    Text(String),
    List(Vec<Loose>),
    Obj(BTreeMap<String, Value>),
}

fn record() -> Record {
    Record {
        id: u64::MAX,
        name: "naïve \"☃\"\n".into(),
        score: 0.1 + 0.2,
        tags: vec!["a".into(), String::new()],
        big: Some(i128::MIN),
        kind: Some(Kind::Named { a: Some(7) }),
        counts: [(1, -1), (u32::MAX, i64::MIN)].into_iter().collect(),
        extra: [("nan".to_owned(), Value::from(f64::NAN))]
            .into_iter()
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// The writer

// Exact float literals are the point.
#[allow(clippy::excessive_precision)]
fn sample_value() -> Value {
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
        ("tie", Value::from(1059438285926254.25)),
        ("str", Value::from("é\u{7f}😀\"\\")),
        (
            "arr",
            Value::Array(vec![
                int(&huge),
                Value::Object(Map::new()),
                Value::Array(vec![]),
            ]),
        ),
        (
            "é",
            obj(vec![("", obj(vec![("deep", Value::Array(vec![]))]))]),
        ),
    ])
}

#[test]
fn values_are_written_as_the_writer_writes_them() {
    let v = sample_value();
    assert_eq!(check_write(&v).unwrap(), to_vec(&v));
    for scalar in [
        Value::Null,
        Value::from(1.5),
        Value::from("x"),
        int(&"7".repeat(60)),
    ] {
        assert_eq!(check_write(&scalar).unwrap(), to_vec(&scalar));
    }
    let n = Number::from_integer_str(&"4".repeat(4300)).unwrap();
    assert_eq!(check_write(&n).unwrap(), "4".repeat(4300).as_bytes());
}

#[test]
fn scalars_of_every_kind() {
    assert_eq!(
        check_write(&i128::MIN).unwrap(),
        i128::MIN.to_string().as_bytes()
    );
    assert_eq!(
        check_write(&u128::MAX).unwrap(),
        u128::MAX.to_string().as_bytes()
    );
    assert_eq!(
        check_write(&i64::MIN).unwrap(),
        i64::MIN.to_string().as_bytes()
    );
    assert_eq!(check_write(&(-5i8)).unwrap(), b"-5");
    assert_eq!(check_write(&0.1f32).unwrap(), b"0.10000000149011612");
    assert_eq!(check_write(&f64::NAN).unwrap(), b"NaN");
    assert_eq!(check_write(&'é').unwrap(), br#""\u00e9""#);
    assert_eq!(check_write(&()).unwrap(), b"null");
    assert_eq!(check_write(&Some(None::<u8>)).unwrap(), b"null");
    assert_eq!(
        check_write(&(1u8, "a", [true])).unwrap(),
        br#"[1,"a",[true]]"#
    );
    struct Bytes<'a>(&'a [u8]);
    impl Serialize for Bytes<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    assert_eq!(check_write(&Bytes(&[0, 255])).unwrap(), b"[0,255]");
    assert_eq!(check_write(&Bytes(&[])).unwrap(), b"[]");
}

#[test]
fn enums_and_their_depth() {
    let kinds = vec![
        Kind::Plain,
        Kind::Count(3),
        Kind::Pair(-1, true),
        Kind::Named { a: None },
    ];
    assert_eq!(
        check_write(&kinds).unwrap(),
        br#"["Plain",{"Count":3},{"Pair":[-1,true]},{"Named":{"a":null}}]"#
    );
    let mut out = Vec::new();
    assert_eq!(write_of(&mut out, &Kind::Pair(0, false)), Ok(2));
    assert_eq!(write_of(&mut out, &Kind::Plain), Ok(0));
    assert_eq!(write_of(&mut out, &vec![Kind::Count(1)]), Ok(2));
    #[derive(Serialize)]
    enum Empty {
        T(),
        S {},
    }
    assert_eq!(check_write(&Empty::T()).unwrap(), br#"{"T":[]}"#);
    assert_eq!(check_write(&Empty::S {}).unwrap(), br#"{"S":{}}"#);
    check_write(&record()).unwrap();
}

#[test]
fn map_keys_as_python_writes_them() {
    let ints: BTreeMap<i128, u8> = [(i128::MIN, 1), (-1, 2), (u64::MAX.into(), 3)]
        .into_iter()
        .collect();
    check_write(&ints).unwrap();
    let wide: BTreeMap<u128, u8> = [(u128::MAX, 1)].into_iter().collect();
    check_write(&wide).unwrap();
    let flags: BTreeMap<bool, u8> = [(false, 0), (true, 1)].into_iter().collect();
    assert_eq!(check_write(&flags).unwrap(), br#"{"false":0,"true":1}"#);
    let opts: BTreeMap<Option<char>, u8> = [(None, 0), (Some('"'), 1), (Some('é'), 2)]
        .into_iter()
        .collect();
    assert_eq!(
        check_write(&opts).unwrap(),
        br#"{"null":0,"\"":1,"\u00e9":2}"#
    );
    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Plain,
        Holds(u8),
    }
    let units: BTreeMap<Key, u8> = [(Key::Plain, 0)].into_iter().collect();
    assert_eq!(check_write(&units).unwrap(), br#"{"Plain":0}"#);
    // Keys Python refuses: the same error as `to_value`.
    let holds: BTreeMap<Key, u8> = [(Key::Holds(1), 0)].into_iter().collect();
    let e = check_write(&holds).unwrap_err();
    assert_eq!(e.message(), "keys must be str, int, float, bool or None");
    let seqs: BTreeMap<Vec<u8>, u8> = [(vec![1], 0)].into_iter().collect();
    check_write(&seqs).unwrap_err();
    let nested: BTreeMap<u8, BTreeMap<(u8, u8), u8>> = [(1, [((1, 2), 3)].into_iter().collect())]
        .into_iter()
        .collect();
    check_write(&nested).unwrap_err();
}

/// A map written from a list of pairs, repeats and odd keys included.
struct Pairs<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Pairs<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[test]
fn float_and_wide_integer_keys() {
    let floats = Pairs(vec![
        (f64::NAN, 1),
        (f64::INFINITY, 2),
        (f64::NEG_INFINITY, 3),
        (1e16, 4),
        (1e-5, 5),
        (-0.0, 6),
        (100.0, 7),
    ]);
    assert_eq!(
        check_write(&floats).unwrap(),
        br#"{"NaN":1,"Infinity":2,"-Infinity":3,"1e+16":4,"1e-05":5,"-0.0":6,"100.0":7}"#
    );
    let n = Number::from_integer_str(&"9".repeat(50)).unwrap();
    let keys = Pairs(vec![(n, 1)]);
    check_write(&keys).unwrap();
}

#[test]
fn repeated_keys_keep_the_first_place_and_the_last_value() {
    let pairs = Pairs(vec![("a", 1), ("b", 2), ("a", 3)]);
    assert_eq!(check_write(&pairs).unwrap(), br#"{"a":3,"b":2}"#);
    // The same key from different key types.
    let mixed = Pairs(vec![
        (Value::from("1"), Value::from(1)),
        (Value::from(1), Value::from(2)),
    ]);
    assert_eq!(check_write(&mixed).unwrap(), br#"{"1":2}"#);
    let mixed = Pairs(vec![(Some("1"), 1), (None, 2), (Some("null"), 3)]);
    assert_eq!(check_write(&mixed).unwrap(), br#"{"1":1,"null":3}"#);
    // Deep inside, and in a large object.
    let many: Vec<(String, u32)> = (0..100).map(|i| (format!("k{}", i % 70), i)).collect();
    let inner = Pairs(many);
    let text = check_write(&vec![vec![inner]]).unwrap();
    assert!(text.starts_with(br#"[[{"k0":70,"#));
    // A struct whose flattened map repeats a field.
    let flat = Flat {
        id: 1,
        rest: [
            ("id".to_owned(), Value::from("again")),
            ("z".to_owned(), Value::Null),
        ]
        .into_iter()
        .collect(),
    };
    assert_eq!(check_write(&flat).unwrap(), br#"{"id":"again","z":null}"#);
}

/// A struct (or struct variant) whose `Serialize` writes the given field
/// names, repeats included.
struct Fields(&'static str, Vec<&'static str>, bool);

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeStruct, SerializeStructVariant};
        if self.2 {
            let mut v = s.serialize_struct_variant(self.0, 0, self.0, self.1.len())?;
            for (i, f) in self.1.iter().enumerate() {
                v.serialize_field(f, &i)?;
            }
            v.end()
        } else {
            let mut v = s.serialize_struct(self.0, self.1.len())?;
            for (i, f) in self.1.iter().enumerate() {
                v.serialize_field(f, &i)?;
            }
            v.end()
        }
    }
}

#[test]
fn repeated_field_names_are_found_every_time() {
    for variant in [false, true] {
        for _ in 0..3 {
            let ok = Fields("S", vec!["a", "b", "c"], variant);
            check_write(&ok).unwrap();
            // The same name and length, other fields: checked anew.
            let twice = Fields("S", vec!["a", "b", "a"], variant);
            let text = check_write(&twice).unwrap();
            assert!(text.ends_with(br#"{"a":2,"b":1}"#) || text.ends_with(br#"{"a":2,"b":1}}"#));
            let long: Vec<&'static str> =
                ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"]
                    .into_iter()
                    .cycle()
                    .take(11)
                    .collect();
            check_write(&Fields("S", long, variant)).unwrap();
        }
    }
    // A struct that announces three fields and writes others.
    struct Lying(Vec<&'static str>);
    impl Serialize for Lying {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut v = s.serialize_struct("S", 3)?;
            for (i, f) in self.0.iter().enumerate() {
                v.serialize_field(f, &i)?;
            }
            v.end()
        }
    }
    check_write(&Fields("S", vec!["a", "b", "c"], false)).unwrap();
    assert_eq!(
        check_write(&Lying(vec!["a", "b"])).unwrap(),
        br#"{"a":0,"b":1}"#
    );
    assert_eq!(
        check_write(&Lying(vec!["a", "b", "c", "a"])).unwrap(),
        br#"{"a":3,"b":1,"c":2}"#
    );
    assert_eq!(
        check_write(&Lying(vec!["a", "c", "b", "c"])).unwrap(),
        br#"{"a":0,"c":3,"b":2}"#
    );
    // A name equal in content but stored elsewhere is still a repeat.
    let a: &'static str = Box::leak(String::from("a").into_boxed_str());
    let text = check_write(&Fields("T", vec!["a", "b", a], false)).unwrap();
    assert_eq!(text, br#"{"a":2,"b":1}"#);
}

#[test]
fn misused_serializers_get_the_value_paths_answer() {
    // Two keys in a row, a value without a key, a key without a value.
    struct Odd(u8);
    impl Serialize for Odd {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(None)?;
            match self.0 {
                0 => {
                    m.serialize_key("a")?;
                    m.serialize_key("b")?;
                    m.serialize_value(&1)?;
                }
                1 => m.serialize_value(&1)?,
                _ => {
                    m.serialize_entry("x", &1)?;
                    m.serialize_key("dangling")?;
                }
            }
            m.end()
        }
    }
    assert_eq!(check_write(&Odd(0)).unwrap(), br#"{"b":1}"#);
    check_write(&Odd(1)).unwrap_err();
    assert_eq!(check_write(&Odd(2)).unwrap(), br#"{"x":1}"#);
    // A wide-integer token around bad text.
    struct Fake(&'static str);
    impl Serialize for Fake {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_newtype_struct(crate::ser::BIG_INT_TOKEN, self.0)
        }
    }
    check_write(&Fake("12a")).unwrap_err();
    assert_eq!(check_write(&Fake("-0007")).unwrap(), b"-7");
    assert_eq!(
        check_write(&Pairs(vec![(Fake("007"), 1)])).unwrap(),
        br#"{"007":1}"#
    );
    // An error of the type's own.
    struct Refuses;
    impl Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no, thanks"))
        }
    }
    let e = check_write(&vec![Value::Null, Value::Null]).map(|_| ());
    assert_eq!(e, Ok(()));
    let e = check_write(&(1, Refuses)).unwrap_err();
    assert_eq!(e.message(), "no, thanks");
}

#[test]
fn depth_is_the_writers() {
    let mut v = Value::Null;
    for _ in 0..50 {
        v = Value::Array(vec![v, Value::Object(Map::new())]);
    }
    check_write(&v).unwrap();
    let mut out = Vec::new();
    assert_eq!(write_of(&mut out, &v), Ok(51));
    assert_eq!(write_of(&mut out, &Vec::<u8>::new()), Ok(1));
    assert_eq!(write_of(&mut out, &5), Ok(0));
}

// ---------------------------------------------------------------------------
// The reader

#[test]
fn records_read_directly() {
    let r = record();
    let text = to_vec_of(&r).unwrap();
    let back: Record = check_read(&text, 128).unwrap();
    assert_eq!(to_value(&back), to_value(&r));
    let spaced = b" {\"id\" : 1 ,\n\"name\":\"n\", \"tags\" : [ ] , \"score\" : 2 }\r\n\t";
    let got: Record = check_read(spaced, 128).unwrap();
    assert_eq!((got.id, got.score, got.tags.len()), (1, 2.0, 0));
    // Unknown keys are skipped, but still checked.
    let unknown = br#"{"id":1,"name":"n","zzz":{"a":[1,{"b":NaN}]}}"#;
    check_read::<Record>(unknown, 128).unwrap();
    let bad_unknown = br#"{"id":1,"name":"n","zzz":"\ud800"}"#;
    let e = check_read::<Record>(bad_unknown, 128).unwrap_err();
    assert!(
        matches!(e, Error::Json(ref j) if j.kind() == JsonErrorKind::LoneSurrogate),
        "{e}"
    );
    let deep_unknown = br#"{"id":1,"name":"n","zzz":[[[]]]}"#;
    check_read::<Record>(deep_unknown, 4).unwrap();
    let e = check_read::<Record>(deep_unknown, 3).unwrap_err();
    assert!(
        matches!(e, Error::Json(ref j) if j.kind() == JsonErrorKind::TooDeep),
        "{e}"
    );
}

#[test]
fn repeated_keys_read_as_python_reads_them() {
    let text = br#"{"id":1,"name":"a","id":2,"name":"b"}"#;
    let r: Record = check_read(text, 128).unwrap();
    assert_eq!((r.id, r.name.as_str()), (2, "b"));
    // Spelled differently.
    let text = br#"{"id":1,"name":"a","\u0069d":3}"#;
    assert_eq!(check_read::<Record>(text, 128).unwrap().id, 3);
    // In a map, in a Value, deep inside.
    let text = br#"[{"k":1,"j":2,"k":3}]"#;
    let maps: Vec<BTreeMap<String, u8>> = check_read(text, 128).unwrap();
    assert_eq!(maps[0]["k"], 3);
    let v: Value = check_read(text, 128).unwrap();
    assert_eq!(to_vec(&v), br#"[{"k":3,"j":2}]"#);
    // A repeat that makes a struct valid: the first value is of the wrong type.
    let text = br#"{"id":"one","name":"a","id":1}"#;
    assert_eq!(check_read::<Record>(text, 128).unwrap().id, 1);
    // A repeat in an ignored part changes nothing.
    let text = br#"{"id":1,"name":"a","zzz":{"q":1,"q":2}}"#;
    check_read::<Record>(text, 128).unwrap();
    // Large objects with repeats, decoded keys included.
    let mut text = String::from("{");
    for i in 0..200 {
        text.push_str(&format!("\"k{}\\u00e9\":{i},", i % 150));
    }
    text.push_str("\"last\":0}");
    let m: HashMap<String, u32> = check_read(text.as_bytes(), 128).unwrap();
    assert_eq!(m["k0é"], 150);
    assert_eq!(m.len(), 151);
    // The variant of a tagged enum, written twice.
    let k: Kind = check_read(br#"{"Count":1,"Count":2}"#, 128).unwrap();
    assert_eq!(k, Kind::Count(2));
}

#[test]
fn reader_rules_hold() {
    // Latin-1 bytes, escapes, NaN and the infinities, the digit limit.
    let s: String = check_read(b"\"caf\xe9 \\u00e9\\ud83d\\ude00\"", 1).unwrap();
    assert_eq!(s, "café é😀");
    let f: Vec<f64> = check_read(b"[NaN,Infinity,-Infinity,1e400,-0.0,5]", 1).unwrap();
    assert!(f[0].is_nan());
    assert_eq!(
        f[1..],
        [f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, -0.0, 5.0]
    );
    let longest = "7".repeat(crate::MAX_INTEGER_DIGITS);
    let v: Value = check_read(longest.as_bytes(), 1).unwrap();
    assert!(v.as_number().unwrap().is_integer());
    let e = check_read::<Value>(format!("{longest}7").as_bytes(), 1).unwrap_err();
    assert!(matches!(e, Error::Json(ref j) if j.kind() == JsonErrorKind::IntegerTooLong));
    let e = check_read::<IgnoredAll>(format!("[{longest}7]").as_bytes(), 1).unwrap_err();
    assert!(matches!(e, Error::Json(ref j) if j.kind() == JsonErrorKind::IntegerTooLong));
    // Trailing data, and whitespace that is not JSON's.
    for bad in [
        &b"1 2"[..],
        b"{} x",
        b"\x0c1",
        b"1\x0b",
        b"",
        b"  ",
        b"[1,]",
        b"{\"a\":1,}",
    ] {
        let e = check_read::<Value>(bad, 8).unwrap_err();
        assert!(matches!(e, Error::Json(_)), "{e}");
        check_read::<IgnoredAll>(bad, 8).unwrap_err();
    }
    check_read::<u8>(b" 1 \n", 0).unwrap();
    // Lone surrogates, raw control characters, in keys and values.
    for bad in [
        &b"\"\\udc00\""[..],
        b"{\"\\ud800\":1}",
        b"\"a\nb\"",
        b"{\"\x01\":1}",
    ] {
        check_read::<Value>(bad, 8).unwrap_err();
        check_read::<HashMap<String, u8>>(bad, 8).unwrap_err();
        check_read::<String>(bad, 8).unwrap_err();
    }
}

/// Reads anything and keeps nothing.
#[derive(Deserialize, Debug)]
struct IgnoredAll(#[allow(dead_code)] serde::de::IgnoredAny);

impl Serialize for IgnoredAll {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

#[test]
fn depth_limit_is_the_readers() {
    for depth in 0..5 {
        let arrays = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"k\":".repeat(depth), "}".repeat(depth));
        for text in [&arrays, &objects] {
            for limit in 0..6 {
                check_read::<Value>(text.as_bytes(), limit).ok();
                check_read::<IgnoredAll>(text.as_bytes(), limit).ok();
                check_read::<Loose>(text.as_bytes(), limit).ok();
            }
        }
    }
    assert!(check_read::<Vec<Vec<u8>>>(b"[[]]", 2).is_ok());
    assert!(check_read::<Vec<Vec<u8>>>(b"[[]]", 1).is_err());
    assert!(check_read::<Vec<u8>>(b"[]", 0).is_err());
    assert!(check_read::<Kind>(br#"{"Count":1}"#, 0).is_err());
    assert!(check_read::<Kind>(br#"{"Count":1}"#, 1).is_ok());
    assert!(check_read::<Kind>(br#"{"Pair":[1,true]}"#, 1).is_err());
    assert!(check_read::<Kind>(br#"{"Pair":[1,true]}"#, 2).is_ok());
    // Far too deep for any stack, refused without recursing.
    let deep = "[".repeat(100_000);
    let e = check_read::<Value>(deep.as_bytes(), 128).unwrap_err();
    assert!(matches!(e, Error::Json(ref j) if j.kind() == JsonErrorKind::TooDeep));
}

#[test]
fn typing_rules_are_from_values() {
    check_read::<u8>(b"1.0", 8).unwrap_err();
    check_read::<u8>(b"256", 8).unwrap_err();
    check_read::<u64>(b"-1", 8).unwrap_err();
    assert_eq!(
        check_read::<u64>(b"18446744073709551615", 8).unwrap(),
        u64::MAX
    );
    check_read::<i64>(b"18446744073709551615", 8).unwrap_err();
    assert_eq!(check_read::<f64>(b"3", 8).unwrap(), 3.0);
    check_read::<f64>("9".repeat(400).as_bytes(), 8).unwrap_err();
    let huge = format!("-{}", "9".repeat(40));
    check_read::<i128>(huge.as_bytes(), 8).unwrap_err();
    check_read::<i128>(b"-170141183460469231731687303715884105728", 8).unwrap();
    check_read::<u128>(b"340282366920938463463374607431768211455", 8).unwrap();
    check_read::<u128>(b"340282366920938463463374607431768211456", 8).unwrap_err();
    // Wide integers reach `Value` and `Number` through the marker.
    let v: Value = check_read(huge.as_bytes(), 8).unwrap();
    assert_eq!(v, int(&huge));
    let n: Number = check_read(huge.as_bytes(), 8).unwrap();
    assert_eq!(n.integer_text().unwrap(), huge);
    check_read::<Loose>(format!("[{huge}]").as_bytes(), 8).unwrap_err();
    check_read::<Loose>(format!("{{\"k\":{huge}}}").as_bytes(), 8).unwrap();
    check_read::<BTreeMap<String, String>>(format!("{{\"k\":{huge}}}").as_bytes(), 8).unwrap_err();
    check_read::<IgnoredAll>(huge.as_bytes(), 8).unwrap();
    // Keys parsed for their type.
    let m: BTreeMap<i32, bool> = check_read(br#"{"1":true,"-2":false}"#, 8).unwrap();
    assert_eq!(m.len(), 2);
    check_read::<BTreeMap<u32, bool>>(br#"{"-2":false}"#, 8).unwrap_err();
    check_read::<BTreeMap<bool, u8>>(br#"{"true":1,"false":0}"#, 8).unwrap();
    check_read::<HashMap<u8, u8>>(br#"{"x":1}"#, 8).unwrap_err();
    check_read::<BTreeMap<char, u8>>(br#"{"\u00e9":1}"#, 8).unwrap();
    // Strings, chars, options, units.
    check_read::<char>(br#""\u00e9""#, 8).unwrap();
    check_read::<char>(br#""ab""#, 8).unwrap_err();
    assert_eq!(check_read::<Option<u8>>(b"null", 8).unwrap(), None);
    assert_eq!(check_read::<Option<Option<u8>>>(b"null", 8).unwrap(), None);
    check_read::<()>(b"null", 8).unwrap();
    check_read::<()>(b"0", 8).unwrap_err();
    check_read::<String>(b"1", 8).unwrap_err();
    check_read::<Vec<u8>>(b"{}", 8).unwrap_err();
    check_read::<(u8, u8)>(b"[1,2,3]", 8).unwrap_err();
    check_read::<(u8, u8, u8)>(b"[1,2,3]", 8).unwrap();
    check_read::<[u8; 2]>(b"[1]", 8).unwrap_err();
    check_read::<BTreeMap<String, u8>>(b"[]", 8).unwrap_err();
    // A struct from an array, as `from_value` allows.
    #[derive(Deserialize, Serialize, Debug)]
    struct Point {
        x: i8,
        y: i8,
    }
    check_read::<Point>(b"[1,2]", 8).unwrap();
    check_read::<Point>(b"[1,2,3]", 8).unwrap_err();
}

#[test]
fn enums_read_externally_tagged() {
    for text in [
        &br#""Plain""#[..],
        br#"{"Plain":null}"#,
        br#"{"Count":7}"#,
        br#"{"Pair":[-1,false]}"#,
        br#"{"Named":{"a":3}}"#,
        br#"{"Named":[null]}"#,
        br#" { "Named" : { } } "#,
        br#"{"\u0050lain":null}"#,
        br#""\u0050lain""#,
    ] {
        check_read::<Kind>(text, 8).unwrap();
    }
    for text in [
        &br#""Count""#[..],
        br#"{"Plain":1}"#,
        br#"{"Count":1,"Plain":null}"#,
        br#"{}"#,
        br#"{"Pair":{"a":1}}"#,
        br#"{"Nope":1}"#,
        br#""Nope""#,
        br#"1"#,
        br#"{"Count":1"#,
    ] {
        check_read::<Kind>(text, 8).unwrap_err();
    }
    // Unit variants as map keys.
    #[derive(Deserialize, Serialize, Debug, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        A,
        B,
    }
    check_read::<BTreeMap<Key, u8>>(br#"{"A":1,"\u0042":2}"#, 8).unwrap();
}

#[test]
fn flatten_and_untagged() {
    let f: Flat = check_read(br#"{"z":[1.5],"id":3,"a":{"b":NaN}}"#, 8).unwrap();
    assert_eq!(f.rest.len(), 2);
    check_read::<Flat>(br#"{"z":1,"id":3,"z":2}"#, 8).unwrap();
    check_read::<Flat>(br#"{"id":3,"id":4}"#, 8).unwrap();
    for text in [
        &b"1"[..],
        b"\"s\"",
        b"[1,\"s\",[],{}]",
        br#"{"k":[1],"k":2}"#,
        b"null",
        b"NaN",
        b"[18446744073709551616]",
    ] {
        check_read::<Loose>(text, 8).ok();
        check_read::<Value>(text, 8).unwrap();
    }
}

/// A sequence whose visitor swallows element errors.
#[derive(Debug, Serialize)]
struct Lenient(Vec<Option<u8>>);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Lenient, A::Error> {
                let mut items = Vec::new();
                for _ in 0..64 {
                    match a.next_element::<u8>() {
                        Ok(Some(x)) => items.push(Some(x)),
                        Ok(None) => break,
                        Err(_) => items.push(None),
                    }
                }
                Ok(Lenient(items))
            }
        }
        d.deserialize_seq(V)
    }
}

#[test]
fn swallowed_errors_do_not_leak_a_different_answer() {
    for text in [
        &b"[1,300,2]"[..],
        b"[1,\"x\",2]",
        b"[1,[2,3],4]",
        b"[1,{\"a\":[}],4]",
        b"[1,-1.5e3,7]",
    ] {
        let _ = check_read::<Lenient>(text, 8);
    }
    let got = check_read::<Lenient>(b"[1,300,2]", 8).unwrap();
    assert_eq!(got.0, [Some(1), None, Some(2)]);
}

#[test]
fn error_kinds_are_the_value_paths() {
    let e = from_slice_of::<Record>(b"{\"id\":1", 8).unwrap_err();
    assert!(matches!(e, Error::Json(ref j) if j.kind() == JsonErrorKind::UnexpectedEnd));
    assert!(e.to_string().ends_with("at byte 7"), "{e}");
    let e = from_slice_of::<Record>(b"{\"id\":-1,\"name\":\"\"}", 8).unwrap_err();
    let Error::Value(v) = &e else { panic!("{e:?}") };
    assert_eq!(e.to_string(), v.message());
    // A type error early, a syntax error late: the syntax error wins.
    let e = from_slice_of::<Record>(b"{\"id\":-1,\"name\":\"\",}", 8).unwrap_err();
    assert!(matches!(e, Error::Json(_)), "{e}");
    let _ = std::error::Error::source(&e);
}

/// How many times `f` made the writer and the reader fall back to the
/// `Value` path.
fn fallbacks(f: impl FnOnce()) -> (usize, usize) {
    let count = || {
        (
            crate::typed_write::VALUE_PATH_TAKEN.with(core::cell::Cell::get),
            crate::typed_read::VALUE_PATH_TAKEN.with(core::cell::Cell::get),
        )
    };
    let before = count();
    f();
    let after = count();
    (after.0 - before.0, after.1 - before.1)
}

#[test]
fn ordinary_data_takes_the_direct_paths() {
    let none = fallbacks(|| {
        let r = record();
        let text = to_vec_of(&r).unwrap();
        from_slice_of::<Record>(&text, 128).unwrap();
        let v = sample_value();
        let text = to_vec_of(&v).unwrap();
        from_slice_of::<Value>(&text, 128).unwrap();
        // (Untagged enums buffer in serde's `Content`, which has no i128.)
        from_slice_of::<Loose>(br#"[1.5,"s",{"k":[1,{"j":NaN}]}]"#, 128).unwrap();
        let inner = obj(vec![
            ("n", Value::from(f64::NAN)),
            ("big", int(&"9".repeat(50))),
            ("a", Value::from(vec![1, 2])),
        ]);
        let flat = Flat {
            id: 1,
            rest: [("a".to_owned(), inner)].into_iter().collect(),
        };
        from_slice_of::<Flat>(&to_vec_of(&flat).unwrap(), 128).unwrap();
        let kinds = vec![
            Kind::Plain,
            Kind::Count(1),
            Kind::Pair(1, true),
            Kind::Named { a: None },
        ];
        from_slice_of::<Vec<Kind>>(&to_vec_of(&kinds).unwrap(), 128).unwrap();
        // Escaped keys and strings, latin-1 bytes, a large object.
        from_slice_of::<Record>(b"{\"\\u0069d\":1,\"name\":\"\\n\xe9\",\"zzz\":[{}]}", 128)
            .unwrap();
        let big: BTreeMap<String, u32> = (0..500).map(|i| (format!("key{i}"), i)).collect();
        let text = to_vec_of(&big).unwrap();
        from_slice_of::<BTreeMap<String, u32>>(&text, 128).unwrap();
    });
    assert_eq!(none, (0, 0));
    let (w, r) = fallbacks(|| {
        to_vec_of(&Pairs(vec![("a", 1), ("a", 2)])).unwrap();
        from_slice_of::<Value>(br#"{"a":1,"a":2}"#, 128).unwrap();
        from_slice_of::<Value>(br#"[1,"#, 128).unwrap_err();
    });
    assert_eq!((w, r), (1, 2));
}

// ---------------------------------------------------------------------------
// Properties

mod props {
    use super::*;
    use crate::value::testing::{any_float, any_number, any_string, any_value};
    use proptest::prelude::*;

    /// Values nested at most twice, to keep the typed cases quick.
    fn small_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any_number().prop_map(Value::Number),
            any_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::vec((any_string(), inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map>())),
            ]
        })
    }

    fn any_kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Plain),
            any::<u32>().prop_map(Kind::Count),
            (any::<i8>(), any::<bool>()).prop_map(|(a, b)| Kind::Pair(a, b)),
            proptest::option::of(any::<u8>()).prop_map(|a| Kind::Named { a }),
        ]
    }

    fn any_record() -> impl Strategy<Value = Record> {
        (
            any::<u64>(),
            any_string(),
            any_float(),
            proptest::collection::vec(any_string(), 0..4),
            proptest::option::of(any::<i128>()),
            proptest::option::of(any_kind()),
            proptest::collection::btree_map(any::<u32>(), any::<i64>(), 0..4),
            proptest::collection::hash_map(any_string(), small_value(), 0..3),
        )
            .prop_map(|(id, name, score, tags, big, kind, counts, extra)| Record {
                id,
                name,
                score,
                tags,
                big,
                kind,
                counts,
                extra,
            })
    }

    fn any_flat() -> impl Strategy<Value = Flat> {
        let key = prop_oneof![
            3 => any_string(),
            1 => Just("id".to_owned()),
        ];
        (
            any::<u64>(),
            proptest::collection::btree_map(key, small_value(), 0..4),
        )
            .prop_map(|(id, rest)| Flat { id, rest })
    }

    fn any_loose() -> impl Strategy<Value = Loose> {
        let leaf = prop_oneof![
            any_float().prop_map(Loose::Num),
            any_string().prop_map(Loose::Text),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner, 0..4).prop_map(Loose::List),
                proptest::collection::btree_map(any_string(), small_value(), 0..3)
                    .prop_map(Loose::Obj),
            ]
        })
    }

    /// A JSON text built from pieces chosen to hit the reader's and the
    /// typing rules: few key names (so repeats are common, some spelled
    /// with escapes), the field and variant names of the test types, wide
    /// integers, NaN, bad escapes, latin-1 bytes, odd whitespace.
    fn any_text() -> impl Strategy<Value = Vec<u8>> {
        let scalar = proptest::sample::select(vec![
            "null",
            "true",
            "false",
            "0",
            "1",
            "-1",
            "7",
            "300",
            "-0",
            "1.0",
            "-0.0",
            "1.5e3",
            "1e400",
            "NaN",
            "Infinity",
            "-Infinity",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "170141183460469231731687303715884105728",
            "340282366920938463463374607431768211456",
            "123456789012345678901234567890123456789012345",
            "\"\"",
            "\"s\"",
            "\"Plain\"",
            "\"Count\"",
            "\"\\u0050lain\"",
            "\"caf\u{e9}\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud800\"",
            "\"\\x\"",
            "\"1\"",
            "\"true\"",
        ]);
        let key = proptest::sample::select(vec![
            "id", "name", "score", "tags", "big", "kind", "counts", "extra", "Plain", "Count",
            "Pair", "Named", "a", "1", "-3", "true", "\\u0069d", "k", "\u{e9}",
        ]);
        let ws = proptest::sample::select(vec!["", "", "", " ", "\n\t", "\r "]);
        let leaf = (scalar, ws.clone()).prop_map(|(s, w)| format!("{w}{s}"));
        let text = leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                proptest::collection::vec((key.clone(), inner, ws.clone()), 0..6).prop_map(
                    |entries| {
                        let body: Vec<String> = entries
                            .into_iter()
                            .map(|(k, v, w)| format!("{w}\"{k}\"{w}:{v}"))
                            .collect();
                        format!("{{{}}}", body.join(","))
                    }
                ),
            ]
        });
        // Latin-1: each char below 256 is one byte.
        text.prop_map(|t| {
            t.chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect()
        })
    }

    /// `text` damaged in one place, or left whole.
    fn damaged(text: Vec<u8>, at: prop::sample::Index, byte: u8, mode: u8) -> Vec<u8> {
        let mut text = text;
        if !text.is_empty() {
            let i = at.index(text.len());
            match mode {
                0 => text[i] = byte,
                1 => {
                    text.remove(i);
                }
                2 => text.insert(i, byte),
                _ => {}
            }
        }
        text
    }

    fn read_all_ways(text: &[u8], max_depth: usize) {
        check_read::<Value>(text, max_depth).ok();
        check_read::<Record>(text, max_depth).ok();
        check_read::<Flat>(text, max_depth).ok();
        check_read::<Loose>(text, max_depth).ok();
        check_read::<Kind>(text, max_depth).ok();
        check_read::<Vec<Option<Kind>>>(text, max_depth).ok();
        check_read::<HashMap<String, Value>>(text, max_depth).ok();
        check_read::<BTreeMap<i64, f64>>(text, max_depth).ok();
        check_read::<(u64, f32, Option<String>)>(text, max_depth).ok();
        check_read::<IgnoredAll>(text, max_depth).ok();
        check_read::<Number>(text, max_depth).ok();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn values_write_the_same(v in any_value()) {
            check_write(&v).unwrap();
            prop_assert_eq!(to_vec_of(&v).unwrap(), to_vec(&v));
        }

        #[test]
        fn typed_data_writes_the_same(
            r in any_record(),
            f in any_flat(),
            l in any_loose(),
            k in proptest::collection::vec(any_kind(), 0..4),
        ) {
            check_write(&r).unwrap();
            check_write(&f).unwrap();
            check_write(&l).unwrap();
            check_write(&k).unwrap();
            check_write(&(&r, &f, &l, &k)).unwrap();
        }

        #[test]
        fn written_typed_data_reads_the_same(
            r in any_record(),
            f in any_flat(),
            l in any_loose(),
            depth in 0usize..8,
        ) {
            for text in [to_vec_of(&r).unwrap(), to_vec_of(&f).unwrap(), to_vec_of(&l).unwrap()] {
                read_all_ways(&text, depth);
                read_all_ways(&text, 128);
            }
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn texts_read_the_same(
            text in any_text(),
            at in any::<prop::sample::Index>(),
            byte in proptest::sample::select(vec![b'"', b',', b'}', b']', b'{', b'[', b':', b'\\', b' ', b'1', b'n', 0xe9, 0]),
            mode in 0u8..6,
            depth in prop_oneof![0usize..7, Just(128usize)],
        ) {
            let text = damaged(text, at, byte, mode);
            read_all_ways(&text, depth);
        }

        #[test]
        fn written_values_read_the_same(v in any_value(), depth in prop_oneof![0usize..7, Just(128usize)]) {
            let text = to_vec(&v);
            let back = check_read::<Value>(&text, depth);
            if depth == 128 {
                prop_assert_eq!(back.ok(), Some(v));
            }
            check_read::<Loose>(&text, depth).ok();
            check_read::<IgnoredAll>(&text, depth).ok();
        }

        #[test]
        fn garbage_reads_the_same(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
            read_all_ways(&bytes, 4);
        }
    }
}

//! The JSON writer and reader against Django's golden vectors
//! (`tests/vectors/django.json`).
//!
//! The vectors file is itself Python-written JSON, so it is read with the
//! crate's own reader: it must keep `1.0` apart from `1` and keep big
//! integers whole, which `serde_json` cannot.

use python_json::{DEFAULT_MAX_DEPTH, JsonErrorKind, from_slice, parse_object_raw, to_vec};
use signed_session::Value;
use signed_session::encoding::{b64, zlib};

/// The vectors file, parsed.
///
/// The file is UTF-8 (written with `ensure_ascii=False`), while the reader
/// takes bytes as latin-1, as Django does. Outside strings JSON is pure
/// ASCII, so writing every non-ASCII char as its `\uXXXX` escape first gives
/// the same document in a form both agree on.
fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/django.json");
    let text = std::fs::read_to_string(path).unwrap();
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    from_slice(ascii.as_bytes(), DEFAULT_MAX_DEPTH).unwrap()
}

fn section<'a>(all: &'a Value, name: &str) -> &'a [Value] {
    all.as_object().unwrap()[name].as_array().unwrap()
}

fn field<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, key| {
        v.as_object()
            .and_then(|m| m.get(*key))
            .unwrap_or_else(|| panic!("missing field {path:?}"))
    })
}

fn id(case: &Value) -> &str {
    field(case, &["id"]).as_str().unwrap()
}

#[test]
fn dumps_vectors_write_and_read_byte_for_byte() {
    let all = vectors();
    let mut checked = 0;
    for case in section(&all, "dumps") {
        let id = id(case);
        let payload = field(case, &["payload"]);
        let json = field(case, &["expected", "json"]).as_str().unwrap();
        let written = to_vec(payload);
        assert!(
            written == json.as_bytes(),
            "dumps/{id}: wrote\n  {}\nDjango wrote\n  {json}",
            String::from_utf8_lossy(&written)
        );
        let len = field(case, &["expected", "json_len"]).as_i64().unwrap();
        assert_eq!(
            i64::try_from(written.len()).unwrap(),
            len,
            "dumps/{id}: json_len"
        );
        let read = from_slice(json.as_bytes(), DEFAULT_MAX_DEPTH)
            .unwrap_or_else(|e| panic!("dumps/{id}: reading expected.json: {e}"));
        assert_eq!(
            &read, payload,
            "dumps/{id}: expected.json reads back as the payload"
        );
        // The raw-object view must agree with the full parse.
        match (
            parse_object_raw(json.as_bytes(), DEFAULT_MAX_DEPTH).unwrap(),
            payload,
        ) {
            (Some(object), Value::Object(m)) => {
                let keys: Vec<&str> = object.keys().collect();
                let expected: Vec<&str> = m.keys().map(String::as_str).collect();
                assert_eq!(keys, expected, "dumps/{id}: raw keys");
            }
            (None, Value::Object(_)) => panic!("dumps/{id}: raw view missed the object"),
            (Some(_), _) => panic!("dumps/{id}: raw view invented an object"),
            (None, _) => {}
        }
        checked += 1;
    }
    assert_eq!(checked, section(&all, "dumps").len());
    assert!(checked >= 30, "only {checked} dumps vectors");
    println!("checked {checked} dumps vectors");
}

/// The JSON bytes inside a token, before any signature check (the signing
/// layer is tested elsewhere; here only the payload matters).
fn token_json(token: &str) -> Option<Vec<u8>> {
    let body = token.split(':').next()?;
    let (compressed, body) = match body.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let raw = b64::decode(body.as_bytes()).ok()?;
    if compressed {
        zlib::decompress(&raw, 1 << 20).ok()
    } else {
        Some(raw)
    }
}

/// Python's offset from a `JSONDecodeError` message: `... (char N)`.
fn python_offset(message: &str) -> usize {
    let tail = message.rsplit("(char ").next().unwrap();
    tail.trim_end_matches(')').parse().unwrap()
}

#[test]
fn loads_vectors_read_like_python() {
    let all = vectors();
    let (mut ok, mut refused) = (0, 0);
    for case in section(&all, "loads") {
        let id = id(case);
        let outcome = field(case, &["expected", "outcome"]).as_str().unwrap();
        let token = field(case, &["token"]).as_str().unwrap();
        let expected = field(case, &["expected"]).as_object().unwrap();
        if outcome == "ok" {
            let want = &expected["value"];
            let json = token_json(token).unwrap_or_else(|| panic!("loads/{id}: payload"));
            let got =
                from_slice(&json, DEFAULT_MAX_DEPTH).unwrap_or_else(|e| panic!("loads/{id}: {e}"));
            assert_eq!(&got, want, "loads/{id}");
            // The expected value itself survives a write/read round trip.
            let again = from_slice(&to_vec(want), DEFAULT_MAX_DEPTH).unwrap();
            assert_eq!(&again, want, "loads/{id}: expected.value round trip");
            ok += 1;
        } else if expected.get("python_exception").and_then(Value::as_str)
            == Some("json.decoder.JSONDecodeError")
        {
            let json = token_json(token).unwrap_or_else(|| panic!("loads/{id}: payload"));
            let e = from_slice(&json, DEFAULT_MAX_DEPTH)
                .expect_err(&format!("loads/{id}: Django refused this JSON"));
            let message = expected["python_message"].as_str().unwrap();
            assert_eq!(
                e.offset,
                python_offset(message),
                "loads/{id}: {e} vs {message}"
            );
            refused += 1;
        }
    }
    assert!(
        ok >= 20 && refused >= 3,
        "too few loads vectors: {ok} ok, {refused} refused"
    );
    println!("checked {ok} ok loads vectors and {refused} JSON errors");
}

#[test]
fn latin1_vector_is_mojibake_not_utf8() {
    // loads/ok_latin1_bytes signs the UTF-8 bytes of {"k":"é"}.
    let v = from_slice("{\"k\":\"é\"}".as_bytes(), DEFAULT_MAX_DEPTH).unwrap();
    assert_eq!(v.as_object().unwrap()["k"], Value::from("\u{c3}\u{a9}"));
    assert_eq!(to_vec(&v), br#"{"k":"\u00c3\u00a9"}"#);
}

#[test]
fn lone_surrogates_are_refused() {
    // Python would accept these; a Rust String cannot hold them.
    for text in [r#""\ud83d""#, r#""\ude00""#, r#"{"\ud83d x":1}"#] {
        let e = from_slice(text.as_bytes(), DEFAULT_MAX_DEPTH).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::LoneSurrogate, "{text}");
    }
}

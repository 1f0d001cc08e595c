//! Replays the `dumps`, `signer` and `loads` golden vectors made by real
//! Django (tests/vectors/django.json). Every failure names its vector id.

use crate::at::{self, prelude::*};
use crate::common;

use common::*;
use python_json as json;
use signed_session::encoding::zlib;
use signed_session::signing::{Compression, Signer};
use signed_session::{DecodeErrorKind, Value};

#[test]
fn dumps_vectors() {
    let all = vectors();
    let cases = section(&all, "dumps");
    let (mut exact, mut compressed) = (0, 0);
    for case in &cases {
        let id = id(case);
        let expected = field(case, "expected");
        let ring = keyring(str_field(case, "secret"), &[]);
        let compress = field(case, "compress").as_bool().unwrap();
        let codec = at::signer(&ring, str_field(case, "salt")).with_compression(if compress {
            Compression::Django
        } else {
            Compression::Never
        });
        let payload = field(case, "payload");
        let now = field(case, "timestamp").as_f64().unwrap();

        let our_json = json::to_vec(payload);
        assert_eq!(
            String::from_utf8_lossy(&our_json),
            str_field(expected, "json"),
            "{id}: JSON bytes differ from Django's"
        );
        assert_eq!(
            our_json.len() as i64,
            field(expected, "json_len").as_i64().unwrap(),
            "{id}"
        );

        // The signature over Django's own signed message, with the effective salt.
        let signer = Signer::new(&ring, str_field(case, "effective_salt"));
        assert_eq!(
            signer.signature(str_field(expected, "signed_message")),
            str_field(expected, "signature"),
            "{id}: signature of the signed message"
        );

        let token = codec
            .dumps_at(payload, now)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let django_compressed = field(expected, "compressed").as_bool().unwrap();
        // The deflater writes stock zlib's bytes: same length, same
        // decision, and the same token whether compressed or not.
        let our_zlib_len = zlib::compress(&our_json).len() as i64;
        assert_eq!(
            our_zlib_len,
            field(expected, "zlib_len").as_i64().unwrap(),
            "{id}: zlib length differs from Django's"
        );
        let ours_compressed = token.starts_with('.');
        assert_eq!(
            ours_compressed, django_compressed,
            "{id}: compression decision"
        );
        assert_eq!(
            token,
            str_field(expected, "token"),
            "{id}: token differs from Django's"
        );
        exact += 1;
        if ours_compressed {
            compressed += 1;
        }
        // Both tokens decode to the payload.
        for t in [token.as_str(), str_field(expected, "token")] {
            let back = codec
                .loads_value_at(t, None, now)
                .unwrap_or_else(|e| panic!("{id}: {t}: {e}"));
            assert_eq!(&back.value, payload, "{id}: decoded value of {t}");
            assert_eq!(back.signed_at.unix_timestamp(), now.trunc() as i64, "{id}");
            assert_eq!(back.key_index, 0, "{id}");
        }
    }
    println!(
        "dumps: {} vectors, {exact} byte-identical tokens, {compressed} of them compressed",
        cases.len()
    );
    assert_eq!(exact, cases.len());
}

#[test]
fn signer_vectors() {
    let all = vectors();
    let cases = section(&all, "signer");
    for case in &cases {
        let id = id(case);
        let expected = field(case, "expected");
        let ring = keyring(str_field(case, "secret"), &[]);
        let salt = field(case, "salt").as_str().unwrap_or("");
        let sep = str_field(case, "sep");
        let value = str_field(case, "value");
        let token = str_field(expected, "token");
        match str_field(case, "class") {
            "Signer" => {
                let s = Signer::new(&ring, salt).with_separator(sep).unwrap();
                assert_eq!(s.sign(value).unwrap(), token, "{id}");
                let back = s.unsign(token).unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(back.value, value, "{id}");
            }
            "TimestampSigner" => {
                let s = at::timestamp_signer(&ring, salt)
                    .with_separator(sep)
                    .unwrap();
                let ts = field(case, "timestamp").as_f64().unwrap();
                assert_eq!(s.sign_at(value, ts).unwrap(), token, "{id}");
                let back = s
                    .unsign_at(token, None, ts)
                    .unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(
                    (back.value, back.signed_at.unix_timestamp()),
                    (value, ts.trunc() as i64),
                    "{id}"
                );
                assert_eq!(
                    s.unsign_at(token, Some(0.0), ts + 1.0)
                        .map(|u| u.value)
                        .unwrap_err()
                        .kind(),
                    DecodeErrorKind::Expired,
                    "{id}"
                );
            }
            other => panic!("{id}: unknown class {other}"),
        }
    }
    println!("signer: {} vectors", cases.len());
}

fn expected_kind(outcome: &str, message: &str, id: &str) -> DecodeErrorKind {
    match outcome {
        "BadSignature" => DecodeErrorKind::BadSignature,
        "SignatureExpired" => DecodeErrorKind::Expired,
        "PayloadError" => {
            // Map Django's exception to the decoding step, by vector id.
            if id.contains("timestamp") {
                DecodeErrorKind::MalformedTimestamp
            } else if id.contains("base64") {
                DecodeErrorKind::MalformedBase64
            } else if id.contains("zlib") || id.contains("gzip") || id.contains("deflate") {
                DecodeErrorKind::MalformedZlib
            } else if id.contains("json") || id.contains("empty_payload") {
                DecodeErrorKind::MalformedJson
            } else {
                panic!("{id}: no step known for PayloadError {message}")
            }
        }
        other => panic!("{id}: unknown outcome {other}"),
    }
}

#[test]
fn loads_vectors() {
    let all = vectors();
    let cases = section(&all, "loads");
    let mut counts = std::collections::BTreeMap::new();
    for case in &cases {
        let id = id(case);
        let expected = field(case, "expected");
        let fallbacks: Vec<&str> = field(case, "fallback_keys")
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let ring = keyring(str_field(case, "secret"), &fallbacks);
        let codec = at::signer(&ring, str_field(case, "salt"));
        let now = field(case, "now").as_f64().unwrap();
        let got = codec.loads_value_at(str_field(case, "token"), opt_f64(case, "max_age"), now);
        let outcome = str_field(expected, "outcome");
        *counts.entry(outcome.to_owned()).or_insert(0) += 1;
        if outcome == "ok" {
            let got = got.unwrap_or_else(|e| panic!("{id}: expected ok, got {e}"));
            assert_eq!(&got.value, field(expected, "value"), "{id}: value");
            if id.starts_with("ok_fallback") || id.starts_with("ok_second_fallback") {
                assert!(
                    got.key_index > 0,
                    "{id}: a fallback key should have matched"
                );
            }
            if id == "ok_second_fallback_key" {
                assert_eq!(got.key_index, 2, "{id}");
            }
        } else {
            let message = field(expected, "python_message").as_str().unwrap_or("");
            let err = got
                .err()
                .unwrap_or_else(|| panic!("{id}: expected {outcome}, got ok"));
            assert_eq!(
                err.kind(),
                expected_kind(outcome, message, &id),
                "{id}: {err}"
            );
        }
    }
    println!("loads: {} vectors, outcomes {counts:?}", cases.len());
}

#[test]
fn expired_error_carries_age_and_max_age() {
    let ring = keyring("k", &[]);
    let codec = at::signer(&ring, "s");
    let token = codec.dumps_at(&Value::from("x"), 1000.0).unwrap();
    let err = codec
        .loads_value_at(&token, Some(10.0), 1010.25)
        .unwrap_err();
    assert_eq!(
        err,
        signed_session::DecodeError::Expired {
            age: time::Duration::milliseconds(10_250),
            max_age: time::Duration::seconds(10)
        }
    );
    assert!(err.to_string().contains("10.25"));
}

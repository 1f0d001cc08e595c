//! Encode, decode and tamper rejection of Django session tokens, beside the
//! floor (the primitives alone on the same bytes) and the Rust peer (the
//! `cookie` crate's `SignedJar` with `serde_json`).
//!
//! Groups (see `benches/RESULTS.md` and `benches/compare_django.py`):
//! - `encode/<impl>/<P>`: a value to a cookie value.
//! - `decode/<impl>/<P>`: a cookie value made by Django back to data.
//! - `reject_tampered_4k/<impl>`: a 4 KB token with one body byte changed.
//! - `floor/<primitive>/<P>`: serde_json, deflate/inflate with reused
//!   state, base64, and HMAC-SHA256 with a pre-keyed state, one by one
//!   (`deflate_ours` and `inflate_ours` are this crate's own codecs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// criterion_group! makes an undocumented function.
#![allow(missing_docs)]

mod common;

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Data, Payload, SALT};
use cookie::{Cookie, CookieJar};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flate2::{Compress, Decompress, FlushCompress, FlushDecompress};
use hmac::{Hmac, KeyInit, Mac};
use python_json as json;
use sha2::Sha256;
use signed_session::Value;
use signed_session::clock::ManualClock;
use signed_session::signing::{Compression, ObjectSigner};
use subtle::ConstantTimeEq;
use time::Duration;

const COOKIE_NAME: &str = "sessionid";

fn throughput(p: &Payload) -> Throughput {
    Throughput::Bytes(p.json.len() as u64)
}

/// The `cookie` crate's signed value of the payload's JSON.
fn cookie_token(key: &cookie::Key, json: &str) -> String {
    let mut jar = CookieJar::new();
    jar.signed_mut(key)
        .add(Cookie::new(COOKIE_NAME, json.to_owned()));
    jar.get(COOKIE_NAME).unwrap().value().to_owned()
}

fn encode(c: &mut Criterion) {
    let data = Data::load();
    let clock = ManualClock::new(data.at(data.timestamp));
    let ring = data.keyring();
    let django = ObjectSigner::new(&ring, SALT)
        .with_compression(Compression::Django)
        .with_clock(clock.clone());
    let never = ObjectSigner::new(&ring, SALT).with_clock(clock);
    let key = data.cookie_key();
    let mut g = c.benchmark_group("encode");
    for p in data.sessions() {
        // Byte-identical to Django, compressed or not (the deflater writes
        // stock zlib's bytes).
        assert_eq!(never.dumps(&p.value).unwrap(), p.plain, "{}", p.name);
        let ours = django.dumps(&p.value).unwrap();
        assert_eq!(ours.starts_with('.'), p.is_compressed, "{}", p.name);
        assert_eq!(ours, p.compressed, "{}", p.name);
        let back = django.loads::<Value>(&ours, None).unwrap();
        assert_eq!(back.value, p.value, "{}", p.name);
        g.throughput(throughput(p));
        g.bench_with_input(BenchmarkId::new("ours", p.name), p, |b, p| {
            b.iter(|| django.dumps(black_box(&p.value)).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("ours_uncompressed", p.name), p, |b, p| {
            b.iter(|| never.dumps(black_box(&p.value)).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("cookie_serde_json", p.name), p, |b, p| {
            b.iter(|| {
                let text = serde_json::to_string(black_box(&p.serde)).unwrap();
                let mut jar = CookieJar::new();
                jar.signed_mut(&key).add(Cookie::new(COOKIE_NAME, text));
                jar.get(COOKIE_NAME).map(|c| c.value().len())
            });
        });
    }
    g.finish();
}

fn decode(c: &mut Criterion) {
    let data = Data::load();
    let clock = ManualClock::new(data.at(data.timestamp + 60.0));
    let age = Some(Duration::days(14));
    let ring = data.keyring();
    let signer = ObjectSigner::new(&ring, SALT).with_clock(clock);
    let key = data.cookie_key();
    let mut g = c.benchmark_group("decode");
    for p in data.sessions() {
        assert_eq!(
            signer.loads::<Value>(&p.compressed, age).unwrap().value,
            p.value
        );
        g.throughput(throughput(p));
        // The whole value built, as `signing.loads` returns it.
        g.bench_with_input(BenchmarkId::new("ours", p.name), p, |b, p| {
            b.iter(|| {
                signer
                    .loads::<Value>(black_box(&p.compressed), age)
                    .unwrap()
            });
        });
        // Verified and validated, the top-level values kept as raw JSON
        // (what a session needs before any value is read).
        g.bench_with_input(BenchmarkId::new("ours_raw", p.name), p, |b, p| {
            b.iter(|| {
                let opened = signer.open(black_box(&p.compressed), age).unwrap();
                let entries = json::parse_object_raw(&opened.json, 128).unwrap().unwrap();
                (opened, entries)
            });
        });
        // The same payload signed without compression.
        g.bench_with_input(BenchmarkId::new("ours_uncompressed", p.name), p, |b, p| {
            b.iter(|| signer.loads::<Value>(black_box(&p.plain), age).unwrap());
        });
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(COOKIE_NAME, cookie_token(&key, p.json)));
        g.bench_with_input(BenchmarkId::new("cookie_serde_json", p.name), p, |b, _| {
            b.iter(|| {
                let cookie = black_box(&jar).signed(&key).get(COOKIE_NAME).unwrap();
                serde_json::from_str::<serde_json::Value>(cookie.value()).unwrap()
            });
        });
    }
    g.finish();
}

fn reject(c: &mut Criterion) {
    let data = Data::load();
    let clock = ManualClock::new(data.at(data.timestamp + 60.0));
    let ring = data.keyring();
    let signer = ObjectSigner::new(&ring, SALT).with_clock(clock);
    let key = data.cookie_key();
    let big = data.big();
    let tampered = big.tampered.as_deref().unwrap();
    assert!(signer.loads::<Value>(&big.plain, None).is_ok());
    let mut g = c.benchmark_group("reject_tampered_4k");
    g.throughput(Throughput::Bytes(tampered.len() as u64));
    g.bench_function("ours", |b| {
        b.iter(|| {
            signer
                .loads::<Value>(black_box(tampered), None)
                .unwrap_err()
        });
    });
    // The peer on a 4 KB value tampered the same way.
    let good = cookie_token(&key, big.json);
    let mid = good.len() / 2;
    let swap = if &good[mid..=mid] == "A" { "B" } else { "A" };
    let bad = format!("{}{}{}", &good[..mid], swap, &good[mid + 1..]);
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new(COOKIE_NAME, bad));
    assert!(jar.signed(&key).get(COOKIE_NAME).is_none());
    g.bench_function("cookie", |b| {
        b.iter(|| black_box(&jar).signed(&key).get(COOKIE_NAME).is_none());
    });
    g.finish();
}

/// HMAC-SHA256 keyed once, as the floor for signing and verifying.
fn keyed_mac(secret: &str) -> Hmac<Sha256> {
    use sha2::Digest as _;
    let mut h = Sha256::new();
    h.update(SALT.as_bytes());
    h.update(b"signer");
    h.update(secret.as_bytes());
    <Hmac<Sha256> as KeyInit>::new_from_slice(&h.finalize()).unwrap()
}

fn floor(c: &mut Criterion) {
    let data = Data::load();
    let mac = keyed_mac(&data.secret);
    let mut compressor = Compress::new(flate2::Compression::new(6), true);
    let mut decompressor = Decompress::new(true);
    let mut g = c.benchmark_group("floor");
    for p in data.payloads.iter() {
        g.throughput(throughput(p));
        let n = p.name;
        g.bench_with_input(BenchmarkId::new("serde_json_ser", n), p, |b, p| {
            b.iter(|| serde_json::to_vec(black_box(&p.serde)).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("serde_json_parse", n), p, |b, p| {
            b.iter(|| {
                serde_json::from_slice::<serde_json::Value>(black_box(p.json.as_bytes())).unwrap()
            });
        });
        let raw = p.json.as_bytes();
        g.bench_function(BenchmarkId::new("deflate", n), |b| {
            b.iter(|| {
                compressor.reset();
                let mut out = Vec::with_capacity(raw.len() + 64);
                compressor
                    .compress_vec(black_box(raw), &mut out, FlushCompress::Finish)
                    .unwrap();
                out
            });
        });
        // This crate's own deflater on the same bytes, for comparison.
        g.bench_function(BenchmarkId::new("deflate_ours", n), |b| {
            b.iter(|| signed_session::encoding::zlib::compress(black_box(raw)));
        });
        let z = URL_SAFE_NO_PAD.decode(common::body(&p.compressed)).unwrap();
        g.bench_function(BenchmarkId::new("inflate", n), |b| {
            b.iter(|| {
                decompressor.reset(true);
                let mut out = Vec::with_capacity(raw.len() + 64);
                decompressor
                    .decompress_vec(black_box(&z), &mut out, FlushDecompress::Finish)
                    .unwrap();
                assert_eq!(out.len(), raw.len());
                out
            });
        });
        // This crate's own inflater on the same stream, for comparison.
        g.bench_function(BenchmarkId::new("inflate_ours", n), |b| {
            b.iter(|| signed_session::encoding::zlib::decompress(black_box(&z), 1 << 16).unwrap());
        });
        // base64 and HMAC on the bytes of both token forms.
        for (form, token) in [("", &p.compressed), ("_plain", &p.plain)] {
            let body = URL_SAFE_NO_PAD.decode(common::body(token)).unwrap();
            g.bench_function(BenchmarkId::new(format!("b64_encode{form}"), n), |b| {
                b.iter(|| URL_SAFE_NO_PAD.encode(black_box(&body)));
            });
            let text = common::body(token);
            g.bench_function(BenchmarkId::new(format!("b64_decode{form}"), n), |b| {
                b.iter(|| URL_SAFE_NO_PAD.decode(black_box(text)).unwrap());
            });
            let (msg, tag) = common::split_token(token);
            g.bench_function(BenchmarkId::new(format!("hmac_sign{form}"), n), |b| {
                b.iter(|| {
                    let mut m = mac.clone();
                    m.update(black_box(msg.as_bytes()));
                    let t: [u8; 32] = m.finalize().into_bytes().into();
                    URL_SAFE_NO_PAD.encode(t)
                });
            });
            g.bench_function(BenchmarkId::new(format!("hmac_verify{form}"), n), |b| {
                b.iter(|| {
                    let mut m = mac.clone();
                    m.update(black_box(msg.as_bytes()));
                    let t: [u8; 32] = m.finalize().into_bytes().into();
                    bool::from(t.ct_eq(&tag))
                });
            });
        }
    }
    // A 32 KiB session JSON (the payloads' keys and values cycled with
    // changing numbers): the deflater and inflater against zlib-rs with
    // reused state on a large input (issue 12's zlib measurement).
    let big_json = {
        let mut text = String::from("{");
        let mut i = 0usize;
        while text.len() < 32 * 1024 - 64 {
            let p = &data.payloads[i % data.payloads.len()];
            text.push_str(&format!(
                "\"k{i}\":{{\"n\":{},\"v\":{}}},",
                i * 7919 % 10007,
                p.json
            ));
            i += 1;
        }
        text.push_str("\"end\":0}");
        text
    };
    let raw = big_json.as_bytes();
    g.throughput(Throughput::Bytes(raw.len() as u64));
    g.bench_function(BenchmarkId::new("deflate", "J32K"), |b| {
        b.iter(|| {
            compressor.reset();
            let mut out = Vec::with_capacity(raw.len() + 64);
            compressor
                .compress_vec(black_box(raw), &mut out, FlushCompress::Finish)
                .unwrap();
            out
        });
    });
    g.bench_function(BenchmarkId::new("deflate_ours", "J32K"), |b| {
        b.iter(|| signed_session::encoding::zlib::compress(black_box(raw)));
    });
    let z = signed_session::encoding::zlib::compress(raw);
    g.bench_function(BenchmarkId::new("inflate", "J32K"), |b| {
        b.iter(|| {
            decompressor.reset(true);
            let mut out = Vec::with_capacity(raw.len() + 64);
            decompressor
                .decompress_vec(black_box(&z), &mut out, FlushDecompress::Finish)
                .unwrap();
            out
        });
    });
    g.bench_function(BenchmarkId::new("inflate_ours", "J32K"), |b| {
        b.iter(|| signed_session::encoding::zlib::decompress(black_box(&z), 1 << 16).unwrap());
    });
    // The tampered 4 KB token: one HMAC over its signed part is the floor.
    let tampered = data.big().tampered.as_deref().unwrap();
    let (msg, tag) = common::split_token(tampered);
    g.throughput(Throughput::Bytes(tampered.len() as u64));
    g.bench_function(BenchmarkId::new("hmac_verify_tampered", "T4K"), |b| {
        b.iter(|| {
            let mut m = mac.clone();
            m.update(black_box(msg.as_bytes()));
            let t: [u8; 32] = m.finalize().into_bytes().into();
            bool::from(t.ct_eq(&tag))
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = encode, decode, reject, floor
}
criterion_main!(benches);

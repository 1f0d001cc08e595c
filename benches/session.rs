//! The session layer on Django-made session cookies: loading (and reading
//! one key, as an auth middleware does), the load + change + save round
//! trip, rejection of a tampered cookie, and what the compression policy
//! costs on the request that saves and on every request after it.
//!
//! Groups (beside those of `benches/signing.rs`):
//! - `decode/ours_session/<P>`: `SessionCodec::load` + one `get`.
//! - `session_roundtrip/<impl>/<P>`: load, insert one key, save.
//! - `reject_tampered_4k/ours_session`: a tampered 4 KB cookie loaded.
//! - `policy_save/<mode>/<P>` and `policy_load/<mode>/<P>`: the save and
//!   the later loads with Django's rule (`django`) or without compression
//!   (`never`).

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

use common::{Data, SALT};
use cookie::{Cookie, CookieJar};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use signed_session::clock::ManualClock;
use signed_session::session::{SessionCodec, SessionConfig};
use signed_session::{Compression, Value};

const COOKIE_NAME: &str = "sessionid";

/// A codec whose clock shows a minute after the tokens were made.
fn codec(data: &Data, compression: Compression) -> SessionCodec {
    let config = SessionConfig::new()
        .with_salt(SALT)
        .with_compression(compression)
        .with_clock(ManualClock::new(data.at(data.timestamp + 60.0)));
    SessionCodec::new(&data.keyring(), config)
}

fn load(c: &mut Criterion) {
    let data = Data::load();
    let codec = codec(&data, Compression::Django);
    let mut g = c.benchmark_group("decode");
    for p in data.sessions() {
        let s = codec.try_load(Some(&p.compressed)).unwrap();
        assert_eq!(&Value::Object(s.as_map().clone()), &p.value, "{}", p.name);
        g.throughput(Throughput::Bytes(p.json.len() as u64));
        g.bench_with_input(BenchmarkId::new("ours_session", p.name), p, |b, p| {
            b.iter(|| {
                let s = codec.load(Some(black_box(&p.compressed)));
                s.get("_auth_user_id").cloned()
            });
        });
    }
    g.finish();

    let big = data.big();
    let tampered = big.tampered.as_deref().unwrap();
    assert!(codec.load(Some(tampered)).load_error().is_some());
    let mut g = c.benchmark_group("reject_tampered_4k");
    g.throughput(Throughput::Bytes(tampered.len() as u64));
    g.bench_function("ours_session", |b| {
        b.iter(|| codec.load(Some(black_box(tampered))));
    });
    g.finish();
}

fn roundtrip(c: &mut Criterion) {
    let data = Data::load();
    let codec = codec(&data, Compression::Django);
    let key = data.cookie_key();
    let mut g = c.benchmark_group("session_roundtrip");
    for p in data.sessions() {
        g.throughput(Throughput::Bytes(p.json.len() as u64));
        g.bench_with_input(BenchmarkId::new("ours", p.name), p, |b, p| {
            b.iter(|| {
                let mut s = codec.load(Some(black_box(&p.compressed)));
                s.insert("counter", 1);
                codec.save(&mut s).unwrap()
            });
        });
        let mut jar = CookieJar::new();
        jar.signed_mut(&key)
            .add_original(Cookie::new(COOKIE_NAME, p.json.to_owned()));
        g.bench_with_input(BenchmarkId::new("cookie_serde_json", p.name), p, |b, _| {
            b.iter(|| {
                let cookie = black_box(&jar).signed(&key).get(COOKIE_NAME).unwrap();
                let mut v: serde_json::Value = serde_json::from_str(cookie.value()).unwrap();
                v.as_object_mut()
                    .unwrap()
                    .insert("counter".into(), 1.into());
                let mut out = CookieJar::new();
                out.signed_mut(&key)
                    .add(Cookie::new(COOKIE_NAME, serde_json::to_string(&v).unwrap()));
                out.get(COOKIE_NAME).map(|c| c.value().len())
            });
        });
    }
    g.finish();
}

/// Django's rule against no compression: the request that saves pays the
/// deflate, every later request pays the inflate (or more bytes to verify
/// and decode without it).
fn policy(c: &mut Criterion) {
    let data = Data::load();
    for (mode, compression) in [
        ("django", Compression::Django),
        ("never", Compression::Never),
    ] {
        let codec = codec(&data, compression);
        for p in data.sessions() {
            let mut s = codec.load(Some(&p.compressed));
            s.set_modified(true);
            let token = codec.save(&mut s).unwrap();
            let mut g = c.benchmark_group("policy_save");
            g.throughput(Throughput::Bytes(p.json.len() as u64));
            g.bench_with_input(BenchmarkId::new(mode, p.name), p, |b, _| {
                b.iter(|| codec.save(black_box(&mut s)).unwrap());
            });
            g.finish();
            let mut g = c.benchmark_group("policy_load");
            g.throughput(Throughput::Bytes(p.json.len() as u64));
            g.bench_with_input(BenchmarkId::new(mode, p.name), p, |b, _| {
                b.iter(|| {
                    let s = codec.load(Some(black_box(&token)));
                    s.get("_auth_user_id").cloned()
                });
            });
            g.finish();
            println!(
                "policy {mode} {}: json {} B, cookie {} B",
                p.name,
                p.json.len(),
                token.len()
            );
        }
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = load, roundtrip, policy
}
criterion_main!(benches);

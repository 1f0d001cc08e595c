//! The speed targets of issue 13, each operation beside its floor in one
//! run: the floor is the sum of the bare primitives on the same bytes
//! (`serde_json`, zlib-rs with reused state, base64, pre-keyed
//! HMAC-SHA256), timed in this same run, so the ratio compares figures
//! taken under the same load.
//!
//! After criterion has measured every group, the medians are read back from
//! its estimates and a table of ratios against the targets is printed
//! (`cargo bench --bench targets`). In test mode (`-- --test`) every
//! operation runs once and no table is printed.
//!
//! | row | operation | floor | target |
//! |---|---|---|---|
//! | typed encode, compressed | `dumps(&serde_json::Value)`, Django's rule | serialize + deflate + base64 + HMAC | ≤ 1.0x |
//! | typed encode, uncompressed | `dumps(&serde_json::Value)`, no compression | serialize + base64 + HMAC | ≤ 1.15x |
//! | loads, compressed | `loads::<Value>` of Django's token | HMAC + base64 + inflate + parse | ≤ 1.05x |
//! | typed loads | `loads::<serde_json::Value>` of Django's token | the same | ≤ 1.1x |
//! | loads, uncompressed | `loads::<Value>` of the uncompressed token | HMAC + base64 + parse | ≤ 1.1x |
//! | session load + one get | `SessionCodec::load` + `get` | as compressed loads | P2 ≤ 0.65x, P3 ≤ 0.3x |
//! | tampered 4 KB | every decode path | one HMAC over the signed bytes | ≤ 1.1x |

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
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Data, SALT};
use criterion::{BenchmarkId, Criterion};
use flate2::{Compress, Decompress, FlushCompress, FlushDecompress};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use signed_session::Value;
use signed_session::clock::ManualClock;
use signed_session::session::{SessionCodec, SessionConfig};
use signed_session::signing::{Compression, ObjectSigner, Signer, TimestampSigner};
use subtle::ConstantTimeEq;
use time::Duration;

/// The pre-keyed HMAC of the session salt, as Django derives it.
fn session_mac(secret: &str) -> Hmac<Sha256> {
    let mut h = Sha256::new();
    h.update(SALT.as_bytes());
    h.update(b"signer");
    h.update(secret.as_bytes());
    <Hmac<Sha256> as KeyInit>::new_from_slice(&h.finalize()).unwrap()
}

fn floor(c: &mut Criterion, data: &Data) {
    let mac = session_mac(&data.secret);
    let mut compressor = Compress::new(flate2::Compression::new(6), true);
    let mut decompressor = Decompress::new(true);
    let mut g = c.benchmark_group("t_floor");
    for p in data.sessions() {
        let n = p.name;
        g.bench_function(BenchmarkId::new("serialize", n), |b| {
            b.iter(|| serde_json::to_vec(black_box(&p.serde)).unwrap());
        });
        g.bench_function(BenchmarkId::new("parse", n), |b| {
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
        let z = URL_SAFE_NO_PAD.decode(common::body(&p.compressed)).unwrap();
        g.bench_function(BenchmarkId::new("inflate", n), |b| {
            b.iter(|| {
                decompressor.reset(true);
                let mut out = Vec::with_capacity(raw.len() + 64);
                decompressor
                    .decompress_vec(black_box(&z), &mut out, FlushDecompress::Finish)
                    .unwrap();
                out
            });
        });
        for (form, token) in [("z", &p.compressed), ("plain", &p.plain)] {
            let body = URL_SAFE_NO_PAD.decode(common::body(token)).unwrap();
            let text = common::body(token);
            g.bench_function(BenchmarkId::new(format!("b64_encode_{form}"), n), |b| {
                b.iter(|| URL_SAFE_NO_PAD.encode(black_box(&body)));
            });
            g.bench_function(BenchmarkId::new(format!("b64_decode_{form}"), n), |b| {
                b.iter(|| URL_SAFE_NO_PAD.decode(black_box(text)).unwrap());
            });
            let (msg, tag) = common::split_token(token);
            g.bench_function(BenchmarkId::new(format!("hmac_sign_{form}"), n), |b| {
                b.iter(|| {
                    let mut m = mac.clone();
                    m.update(black_box(msg.as_bytes()));
                    let t: [u8; 32] = m.finalize().into_bytes().into();
                    URL_SAFE_NO_PAD.encode(t)
                });
            });
            g.bench_function(BenchmarkId::new(format!("hmac_verify_{form}"), n), |b| {
                b.iter(|| {
                    let mut m = mac.clone();
                    m.update(black_box(msg.as_bytes()));
                    let t: [u8; 32] = m.finalize().into_bytes().into();
                    bool::from(t.ct_eq(&tag))
                });
            });
        }
    }
    let tampered = data.big().tampered.as_deref().unwrap();
    let (msg, tag) = common::split_token(tampered);
    g.bench_function(BenchmarkId::new("hmac_verify", "T4K"), |b| {
        b.iter(|| {
            let mut m = mac.clone();
            m.update(black_box(msg.as_bytes()));
            let t: [u8; 32] = m.finalize().into_bytes().into();
            bool::from(t.ct_eq(&tag))
        });
    });
    g.finish();
}

fn ours(c: &mut Criterion, data: &Data) {
    let ring = data.keyring();
    let clock = ManualClock::new(data.at(data.timestamp + 60.0));
    let django = ObjectSigner::new(&ring, SALT)
        .with_compression(Compression::Django)
        .with_clock(clock.clone());
    let never = ObjectSigner::new(&ring, SALT).with_clock(clock.clone());
    let sessions = SessionCodec::new(
        &ring,
        SessionConfig::new()
            .with_compression(Compression::Django)
            .with_clock(clock.clone()),
    );
    let age = Some(Duration::days(14));
    let mut g = c.benchmark_group("t_ours");
    for p in data.sessions() {
        let n = p.name;
        // The typed path byte for byte what Django writes.
        assert_eq!(
            django.dumps(&p.serde).unwrap().split(':').next(),
            p.compressed.split(':').next()
        );
        g.bench_function(BenchmarkId::new("encode_z", n), |b| {
            b.iter(|| django.dumps(black_box(&p.serde)).unwrap());
        });
        g.bench_function(BenchmarkId::new("encode_plain", n), |b| {
            b.iter(|| never.dumps(black_box(&p.serde)).unwrap());
        });
        assert_eq!(
            django.loads::<Value>(&p.compressed, age).unwrap().value,
            p.value
        );
        g.bench_function(BenchmarkId::new("loads_z", n), |b| {
            b.iter(|| {
                django
                    .loads::<Value>(black_box(&p.compressed), age)
                    .unwrap()
            });
        });
        assert_eq!(
            django
                .loads::<serde_json::Value>(&p.compressed, age)
                .unwrap()
                .value,
            p.serde
        );
        g.bench_function(BenchmarkId::new("loads_typed", n), |b| {
            b.iter(|| {
                django
                    .loads::<serde_json::Value>(black_box(&p.compressed), age)
                    .unwrap()
            });
        });
        g.bench_function(BenchmarkId::new("loads_plain", n), |b| {
            b.iter(|| django.loads::<Value>(black_box(&p.plain), age).unwrap());
        });
        assert!(sessions.try_load(Some(&p.compressed)).is_ok());
        g.bench_function(BenchmarkId::new("session_get", n), |b| {
            b.iter(|| {
                let s = sessions.load(Some(black_box(&p.compressed)));
                s.get("_auth_user_id").cloned()
            });
        });
    }
    // A tampered 4 KB token through every decode path.
    let tampered = data.big().tampered.as_deref().unwrap();
    let signer = Signer::new(&ring, SALT);
    let timestamped = TimestampSigner::new(&ring, SALT).with_clock(clock);
    assert!(sessions.load(Some(tampered)).load_error().is_some());
    g.bench_function(BenchmarkId::new("tampered_loads", "T4K"), |b| {
        b.iter(|| django.loads::<Value>(black_box(tampered), age).unwrap_err());
    });
    g.bench_function(BenchmarkId::new("tampered_typed", "T4K"), |b| {
        b.iter(|| {
            django
                .loads::<serde_json::Value>(black_box(tampered), age)
                .unwrap_err()
        });
    });
    g.bench_function(BenchmarkId::new("tampered_open", "T4K"), |b| {
        b.iter(|| django.open(black_box(tampered), age).unwrap_err());
    });
    g.bench_function(BenchmarkId::new("tampered_session", "T4K"), |b| {
        b.iter(|| sessions.load(Some(black_box(tampered))));
    });
    g.bench_function(BenchmarkId::new("tampered_session_strict", "T4K"), |b| {
        b.iter(|| sessions.try_load(Some(black_box(tampered))).unwrap_err());
    });
    g.bench_function(BenchmarkId::new("tampered_unsign", "T4K"), |b| {
        b.iter(|| timestamped.unsign(black_box(tampered), age).unwrap_err());
    });
    g.bench_function(BenchmarkId::new("tampered_signer", "T4K"), |b| {
        b.iter(|| {
            signer
                .clone()
                .with_max_len(usize::MAX)
                .unsign(black_box(tampered))
                .unwrap_err()
        });
    });
    g.finish();
}

/// Where criterion keeps its estimates.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

/// The median of one benchmark of this run, in nanoseconds.
fn median(group: &str, function: &str, payload: &str) -> f64 {
    let path = criterion_dir()
        .join(group)
        .join(function)
        .join(payload)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["median"]["point_estimate"].as_f64().unwrap()
}

fn report() {
    let f = |name: &str, p: &str| median("t_floor", name, p);
    let o = |name: &str, p: &str| median("t_ours", name, p);
    let mut rows: Vec<(String, String, f64, f64, f64, &str)> = Vec::new();
    let mut row = |label: &str, p: &str, ours: f64, floor: f64, target: f64, unit: &'static str| {
        rows.push((label.to_owned(), p.to_owned(), ours, floor, target, unit));
    };
    for p in ["P1", "P2", "P3"] {
        let encode_z =
            f("serialize", p) + f("deflate", p) + f("b64_encode_z", p) + f("hmac_sign_z", p);
        let encode_plain = f("serialize", p) + f("b64_encode_plain", p) + f("hmac_sign_plain", p);
        let decode_z =
            f("hmac_verify_z", p) + f("b64_decode_z", p) + f("inflate", p) + f("parse", p);
        let decode_plain = f("hmac_verify_plain", p) + f("b64_decode_plain", p) + f("parse", p);
        row(
            "typed encode, compressed",
            p,
            o("encode_z", p),
            encode_z,
            1.0,
            "floor",
        );
        row(
            "typed encode, uncompressed",
            p,
            o("encode_plain", p),
            encode_plain,
            1.15,
            "floor",
        );
        row(
            "loads of a compressed token",
            p,
            o("loads_z", p),
            decode_z,
            1.05,
            "floor",
        );
        row(
            "typed loads into a serde type",
            p,
            o("loads_typed", p),
            decode_z,
            1.1,
            "floor",
        );
        row(
            "uncompressed loads",
            p,
            o("loads_plain", p),
            decode_plain,
            1.1,
            "floor",
        );
        let session_target = match p {
            "P2" => 0.65,
            "P3" => 0.3,
            _ => f64::NAN,
        };
        row(
            "session load + one get",
            p,
            o("session_get", p),
            decode_z,
            session_target,
            "floor",
        );
    }
    let hmac = f("hmac_verify", "T4K");
    for path in [
        "tampered_loads",
        "tampered_typed",
        "tampered_open",
        "tampered_session",
        "tampered_session_strict",
        "tampered_unsign",
        "tampered_signer",
    ] {
        row(
            &format!("tampered 4 KB: {}", &path["tampered_".len()..]),
            "T4K",
            o(path, "T4K"),
            hmac,
            1.1,
            "one HMAC",
        );
    }
    println!();
    println!("| operation | payload | ours | floor | ratio | target | |");
    println!("|---|---|---|---|---|---|---|");
    for (label, p, ours, floor, target, unit) in rows {
        let ratio = ours / floor;
        let (target_text, mark) = if target.is_nan() {
            ("(reported)".to_owned(), "")
        } else if ratio <= target {
            (format!("≤ {target}x {unit}"), "met")
        } else {
            (format!("≤ {target}x {unit}"), "missed")
        };
        println!(
            "| {label} | {p} | {:.2} µs | {:.2} µs | {ratio:.2}x | {target_text} | {mark} |",
            ours / 1000.0,
            floor / 1000.0
        );
    }
}

fn main() {
    let data = Data::load();
    let mut c = common::config();
    floor(&mut c, &data);
    ours(&mut c, &data);
    c.final_summary();
    let testing = std::env::args().any(|a| a == "--test" || a == "--list");
    if !testing {
        report();
    }
}

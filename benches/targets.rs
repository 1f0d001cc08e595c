//! The speed targets of issue 13, each operation beside its floor in one
//! run: the floor is the sum of the bare primitives on the same bytes
//! (`serde_json`, zlib-rs with reused state, base64, pre-keyed
//! HMAC-SHA256), run back to back in one closure.
//!
//! The machines these run on are shared, and their speed drifts by tens of
//! per cent over seconds; timing the floor and the operation at different
//! moments would measure the drift. So each criterion sample here times
//! both, interleaved: its iterations are cut into eight slices, each
//! timed once for the operation and once for the floor. Criterion reports
//! the operation's time; the ratio of each sample is kept aside, and after
//! the run a table prints, per row, the median over the measured samples
//! of `operation / floor` against the target (`cargo bench --bench
//! targets`). In test mode (`-- --test`) every closure runs once and no
//! table is printed.
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

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Data, Payload, SALT};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion};
use flate2::{Compress, Decompress, FlushCompress, FlushDecompress};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use signed_session::Value;
use signed_session::clock::ManualClock;
use signed_session::session::{SessionCodec, SessionConfig};
use signed_session::signing::{Compression, ObjectSigner, Signer, TimestampSigner};
use subtle::ConstantTimeEq;
use time::Duration;

/// Slices per sample, alternating operation and floor.
const SLICES: u64 = 8;

/// One row of the table: what it measures and what it must reach.
struct Row {
    label: String,
    payload: &'static str,
    /// The largest ratio allowed (`None`: reported only).
    target: Option<f64>,
    /// What the floor is called in the table.
    floor_name: &'static str,
    /// Per sample: the operation's and the floor's time per iteration, ns.
    samples: Vec<(f64, f64)>,
}

thread_local! {
    static ROWS: RefCell<Vec<Row>> = const { RefCell::new(Vec::new()) };
}

/// Times `ours` against `floor`, interleaved, as the benchmark
/// `t/{id}/{payload}`; the row's samples go to [`ROWS`].
#[allow(clippy::too_many_arguments)]
fn pair<O, F>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    label: &str,
    payload: &'static str,
    target: Option<f64>,
    floor_name: &'static str,
    mut ours: impl FnMut() -> O,
    mut floor: impl FnMut() -> F,
) {
    let row = ROWS.with(|rows| {
        let mut rows = rows.borrow_mut();
        rows.push(Row {
            label: label.to_owned(),
            payload,
            target,
            floor_name,
            samples: Vec::new(),
        });
        rows.len() - 1
    });
    g.bench_function(BenchmarkId::new(id, payload), |b| {
        b.iter_custom(|iters| {
            let slice = iters.div_ceil(SLICES).max(1);
            let (mut t_ours, mut t_floor) = (StdDuration::ZERO, StdDuration::ZERO);
            let mut done = 0;
            while done < iters {
                let n = slice.min(iters - done);
                let start = Instant::now();
                for _ in 0..n {
                    black_box(ours());
                }
                t_ours += start.elapsed();
                let start = Instant::now();
                for _ in 0..n {
                    black_box(floor());
                }
                t_floor += start.elapsed();
                done += n;
            }
            let per = |t: StdDuration| t.as_nanos() as f64 / iters as f64;
            ROWS.with(|rows| {
                rows.borrow_mut()[row]
                    .samples
                    .push((per(t_ours), per(t_floor)));
            });
            t_ours
        });
    });
}

/// The pre-keyed HMAC of the session salt, as Django derives it.
fn session_mac(secret: &str) -> Hmac<Sha256> {
    let mut h = Sha256::new();
    h.update(SALT.as_bytes());
    h.update(b"signer");
    h.update(secret.as_bytes());
    <Hmac<Sha256> as KeyInit>::new_from_slice(&h.finalize()).unwrap()
}

/// The bare primitives, with the state a careful caller would reuse.
struct Floor {
    mac: Hmac<Sha256>,
    compressor: RefCell<Compress>,
    decompressor: RefCell<Decompress>,
}

impl Floor {
    fn sign(&self, msg: &[u8]) -> String {
        let mut m = self.mac.clone();
        m.update(msg);
        let t: [u8; 32] = m.finalize().into_bytes().into();
        URL_SAFE_NO_PAD.encode(t)
    }

    fn verify(&self, msg: &[u8], tag: &[u8; 32]) -> bool {
        let mut m = self.mac.clone();
        m.update(msg);
        let t: [u8; 32] = m.finalize().into_bytes().into();
        bool::from(t.ct_eq(tag))
    }

    fn deflate(&self, raw: &[u8]) -> Vec<u8> {
        let mut c = self.compressor.borrow_mut();
        c.reset();
        let mut out = Vec::with_capacity(raw.len() + 64);
        c.compress_vec(raw, &mut out, FlushCompress::Finish)
            .unwrap();
        out
    }

    fn inflate(&self, z: &[u8], size: usize) -> Vec<u8> {
        let mut d = self.decompressor.borrow_mut();
        d.reset(true);
        let mut out = Vec::with_capacity(size + 64);
        d.decompress_vec(z, &mut out, FlushDecompress::Finish)
            .unwrap();
        out
    }

    /// serialize + (deflate) + base64 + HMAC, as `dumps` does them.
    fn encode(&self, p: &Payload, compress: bool, msg: &[u8]) -> (String, String) {
        let json = serde_json::to_vec(&p.serde).unwrap();
        let body = if compress {
            URL_SAFE_NO_PAD.encode(self.deflate(&json))
        } else {
            URL_SAFE_NO_PAD.encode(&json)
        };
        (body, self.sign(msg))
    }

    /// HMAC + base64 + (inflate) + parse, as `loads` does them.
    fn decode(&self, token: &str, compress: bool, size: usize) -> serde_json::Value {
        let (msg, tag) = common::split_token(token);
        assert!(self.verify(msg.as_bytes(), &tag));
        let raw = URL_SAFE_NO_PAD.decode(common::body(token)).unwrap();
        let json = if compress {
            self.inflate(&raw, size)
        } else {
            raw
        };
        serde_json::from_slice(&json).unwrap()
    }
}

fn rows(c: &mut Criterion, data: &Data) {
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
    let floor = Floor {
        mac: session_mac(&data.secret),
        compressor: RefCell::new(Compress::new(flate2::Compression::new(6), true)),
        decompressor: RefCell::new(Decompress::new(true)),
    };
    let age = Some(Duration::days(14));
    let mut g = c.benchmark_group("t");
    for p in data.sessions() {
        let n = p.name;
        let size = p.json.len();
        let (msg_z, _) = common::split_token(&p.compressed);
        let (msg_plain, _) = common::split_token(&p.plain);
        // The typed path writes byte for byte what Django writes, and the
        // floor decodes what the operations decode.
        assert_eq!(
            django.dumps(&p.serde).unwrap().split(':').next(),
            p.compressed.split(':').next()
        );
        assert_eq!(floor.decode(&p.compressed, p.is_compressed, size), p.serde);
        assert_eq!(floor.decode(&p.plain, false, size), p.serde);
        assert_eq!(
            django.loads::<Value>(&p.compressed, age).unwrap().value,
            p.value
        );
        assert_eq!(
            django
                .loads::<serde_json::Value>(&p.compressed, age)
                .unwrap()
                .value,
            p.serde
        );
        assert!(sessions.try_load(Some(&p.compressed)).is_ok());

        pair(
            &mut g,
            "encode_z",
            "typed encode, compressed",
            n,
            Some(1.0),
            "floor",
            || django.dumps(black_box(&p.serde)).unwrap(),
            || floor.encode(black_box(p), true, msg_z.as_bytes()),
        );
        pair(
            &mut g,
            "encode_plain",
            "typed encode, uncompressed",
            n,
            Some(1.15),
            "floor",
            || never.dumps(black_box(&p.serde)).unwrap(),
            || floor.encode(black_box(p), false, msg_plain.as_bytes()),
        );
        let decode_z = || floor.decode(black_box(&p.compressed), p.is_compressed, size);
        pair(
            &mut g,
            "loads_z",
            "loads of a compressed token",
            n,
            Some(1.05),
            "floor",
            || {
                django
                    .loads::<Value>(black_box(&p.compressed), age)
                    .unwrap()
            },
            decode_z,
        );
        pair(
            &mut g,
            "loads_typed",
            "typed loads into a serde type",
            n,
            Some(1.1),
            "floor",
            || {
                django
                    .loads::<serde_json::Value>(black_box(&p.compressed), age)
                    .unwrap()
            },
            decode_z,
        );
        pair(
            &mut g,
            "loads_plain",
            "uncompressed loads",
            n,
            Some(1.1),
            "floor",
            || django.loads::<Value>(black_box(&p.plain), age).unwrap(),
            || floor.decode(black_box(&p.plain), false, size),
        );
        let session_target = match n {
            "P2" => Some(0.65),
            "P3" => Some(0.3),
            _ => None,
        };
        pair(
            &mut g,
            "session_get",
            "session load + one get",
            n,
            session_target,
            "floor",
            || {
                let s = sessions.load(Some(black_box(&p.compressed)));
                s.get("_auth_user_id").cloned()
            },
            decode_z,
        );
    }

    // A tampered 4 KB token through every decode path, against one HMAC
    // over its signed bytes.
    let tampered = data.big().tampered.as_deref().unwrap();
    let (msg, tag) = common::split_token(tampered);
    let hmac = || floor.verify(black_box(msg.as_bytes()), &tag);
    let signer = Signer::new(&ring, SALT).with_max_len(usize::MAX);
    let timestamped = TimestampSigner::new(&ring, SALT).with_clock(clock);
    assert!(!hmac());
    assert!(sessions.load(Some(tampered)).load_error().is_some());
    let mut tampered_row = |id: &str, ours: &mut dyn FnMut()| {
        pair(
            &mut g,
            &format!("tampered_{id}"),
            &format!("tampered 4 KB: {id}"),
            "T4K",
            Some(1.1),
            "one HMAC",
            ours,
            hmac,
        );
    };
    tampered_row("loads", &mut || {
        django.loads::<Value>(black_box(tampered), age).unwrap_err();
    });
    tampered_row("typed", &mut || {
        django
            .loads::<serde_json::Value>(black_box(tampered), age)
            .unwrap_err();
    });
    tampered_row("open", &mut || {
        django.open(black_box(tampered), age).unwrap_err();
    });
    tampered_row("session", &mut || {
        black_box(sessions.load(Some(black_box(tampered))));
    });
    tampered_row("session_strict", &mut || {
        sessions.try_load(Some(black_box(tampered))).unwrap_err();
    });
    tampered_row("unsign", &mut || {
        timestamped.unsign(black_box(tampered), age).unwrap_err();
    });
    tampered_row("signer", &mut || {
        signer.unsign(black_box(tampered)).unwrap_err();
    });
    g.finish();
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The table of every row: medians over the measured samples (criterion
/// runs its warm-up through the same closure first; those are dropped).
fn report(sample_size: usize) {
    println!();
    println!("| operation | payload | ours | floor | ratio | target | |");
    println!("|---|---|---|---|---|---|---|");
    ROWS.with(|rows| {
        for row in rows.borrow().iter() {
            let from = row.samples.len().saturating_sub(sample_size);
            let measured = &row.samples[from..];
            if measured.is_empty() {
                continue;
            }
            let mut ours: Vec<f64> = measured.iter().map(|s| s.0).collect();
            let mut floor: Vec<f64> = measured.iter().map(|s| s.1).collect();
            let mut ratio: Vec<f64> = measured.iter().map(|s| s.0 / s.1).collect();
            let ratio = median(&mut ratio);
            let (target, mark) = match row.target {
                None => ("(reported)".to_owned(), ""),
                Some(t) => (
                    format!("≤ {t}x {}", row.floor_name),
                    if ratio <= t { "met" } else { "missed" },
                ),
            };
            println!(
                "| {} | {} | {:.2} µs | {:.2} µs | {ratio:.2}x | {target} | {mark} |",
                row.label,
                row.payload,
                median(&mut ours) / 1000.0,
                median(&mut floor) / 1000.0,
            );
        }
    });
}

fn main() {
    let data = Data::load();
    let mut c = common::config();
    rows(&mut c, &data);
    c.final_summary();
    let testing = std::env::args().any(|a| a == "--test" || a == "--list");
    if !testing {
        report(common::sample_size());
    }
}

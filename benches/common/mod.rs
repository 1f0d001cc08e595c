//! Shared set-up for the benches: the payloads of `benches/data/`, the
//! Django-made tokens, and the keys for this crate, the floor and the
//! `cookie` crate.

#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use python_json as json;
use signed_session::Value;
use signed_session::signing::{Keyring, Secret};

/// The session backend's salt, as in `benches/data/make_tokens.py`.
pub const SALT: &str = "django.contrib.sessions.backends.signed_cookies";

/// The names under which each payload is reported.
pub const NAMES: [&str; 3] = ["P1", "P2", "P3"];

const TOKENS: &str = include_str!("../data/tokens.json");
const JSON: [&str; 4] = [
    include_str!("../data/p1.json"),
    include_str!("../data/p2.json"),
    include_str!("../data/p3.json"),
    include_str!("../data/tamper4k.json"),
];

/// One payload with the tokens Django made for it.
pub struct Payload {
    /// `P1`, `P2`, `P3` or `T4K`.
    pub name: &'static str,
    /// Django's exact JSON text.
    pub json: &'static str,
    /// The payload as this crate's value.
    pub value: Value,
    /// The payload as `serde_json`'s value (for the floor and the peer).
    pub serde: serde_json::Value,
    /// `signing.dumps(obj, salt=SALT, compress=True)`.
    pub compressed: String,
    /// Whether Django's rule actually compressed it.
    pub is_compressed: bool,
    /// `signing.dumps(obj, salt=SALT, compress=False)`.
    pub plain: String,
    /// `plain` with one body character changed (the 4 KB payload only).
    pub tampered: Option<String>,
}

/// Everything the benches need.
pub struct Data {
    /// The secret Django signed with.
    pub secret: String,
    /// The timestamp in the tokens.
    pub timestamp: f64,
    /// P1, P2, P3, then the 4 KB payload.
    pub payloads: Vec<Payload>,
}

impl Data {
    /// Reads `benches/data/` (compiled in).
    pub fn load() -> Data {
        let tokens: serde_json::Value = serde_json::from_str(TOKENS).expect("tokens.json");
        let names = ["p1", "p2", "p3", "tamper4k"];
        let shown = ["P1", "P2", "P3", "T4K"];
        let payloads = names
            .iter()
            .zip(shown)
            .zip(JSON)
            .map(|((file, name), text)| {
                let text = text.trim_end();
                let entry = &tokens["payloads"][file];
                let s = |k: &str| entry[k].as_str().map(str::to_owned);
                Payload {
                    name,
                    json: text,
                    value: json::from_slice(text.as_bytes(), 128).expect("payload json"),
                    serde: serde_json::from_str(text).expect("payload json"),
                    compressed: s("compressed").expect("compressed token"),
                    is_compressed: entry["is_compressed"].as_bool().expect("is_compressed"),
                    plain: s("plain").expect("plain token"),
                    tampered: s("tampered"),
                }
            })
            .collect();
        Data {
            secret: tokens["secret_key"].as_str().expect("secret").to_owned(),
            timestamp: tokens["timestamp"].as_f64().expect("timestamp"),
            payloads,
        }
    }

    /// The keyring of Django's `SECRET_KEY`.
    /// Fractional Unix seconds as an instant (whole seconds and the
    /// fraction apart, so the float is kept exactly).
    pub fn at(&self, seconds: f64) -> time::OffsetDateTime {
        let whole = seconds.floor();
        let nanos = whole as i128 * 1_000_000_000 + ((seconds - whole) * 1e9).round() as i128;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos).expect("a time of the benches")
    }

    pub fn keyring(&self) -> Keyring {
        Keyring::new(Secret::new(self.secret.as_str()).expect("secret"))
    }

    /// A key for the `cookie` crate (it wants 64 bytes of its own).
    pub fn cookie_key(&self) -> cookie::Key {
        let mut bytes = [0u8; 64];
        for (i, b) in self.secret.bytes().cycle().take(64).enumerate() {
            bytes[i] = b;
        }
        cookie::Key::from(&bytes)
    }

    /// P1, P2 and P3.
    pub fn sessions(&self) -> &[Payload] {
        &self.payloads[..3]
    }

    /// The 4 KB payload.
    pub fn big(&self) -> &Payload {
        &self.payloads[3]
    }
}

/// The signed part of a token (everything before the last separator) and
/// its raw 32-byte tag.
pub fn split_token(token: &str) -> (&str, [u8; 32]) {
    use base64::Engine as _;
    let (msg, sig) = token.rsplit_once(':').expect("signed token");
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .expect("signature base64");
    (msg, tag.try_into().expect("32-byte tag"))
}

/// The base64 body of a token (without the leading `.` of a compressed one).
pub fn body(token: &str) -> &str {
    let (msg, _) = token.rsplit_once(':').expect("signed token");
    let (body, _) = msg.rsplit_once(':').expect("timestamped token");
    body.strip_prefix('.').unwrap_or(body)
}

/// Samples per benchmark, unless `--sample-size` says otherwise.
pub const SAMPLE_SIZE: usize = 40;

/// The sample size of this run: `--sample-size N` if given, else
/// [`SAMPLE_SIZE`].
pub fn sample_size() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == "--sample-size")
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(SAMPLE_SIZE)
}

/// Modest times: the machine is shared, and ratios within one run are
/// what the targets are about. Override on the command line as usual.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(SAMPLE_SIZE)
        .noise_threshold(0.03)
        .configure_from_args()
}

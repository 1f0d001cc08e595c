//! `signing.dumps` / `signing.loads` for one keyring and salt.

use python_json::{Map, Value};
use signed_session::clock::ManualClock;
use signed_session::signing::{Compression, Limits, ObjectSigner};
use wasm_bindgen::prelude::*;

use crate::config::{clock, keyring};
use crate::convert::{
    clock_failure, decode_failure, encode_failure, instant, millis, ok, ok_value, read, seconds,
    time_failure,
};

/// Django's `signing.dumps` / `signing.loads` with one keyring, salt,
/// compression choice and limits. The HMAC keys are derived once, here.
#[wasm_bindgen]
pub struct Signer {
    signer: ObjectSigner,
    clock: ManualClock,
    depth: usize,
}

#[wasm_bindgen]
impl Signer {
    /// `secret` signs and verifies, `fallbacks` only verify (Django's
    /// `SECRET_KEY_FALLBACKS`); `max_token_length` 0 keeps the default
    /// limit (8192 bytes).
    ///
    /// # Errors
    /// An empty secret.
    #[wasm_bindgen(constructor)]
    pub fn new(
        secret: String,
        fallbacks: Vec<String>,
        salt: &str,
        compress: bool,
        max_token_length: usize,
    ) -> Result<Signer, JsError> {
        let ring = keyring(secret, fallbacks)?;
        let clock = clock();
        let mut limits = Limits::default();
        if max_token_length > 0 {
            // A longer token must be able to carry a payload as long.
            limits = limits
                .with_max_token_len(max_token_length)
                .with_max_inflated_len(limits.max_inflated_len().max(max_token_length));
        }
        let signer = ObjectSigner::new(&ring, salt)
            .with_compression(if compress {
                Compression::Django
            } else {
                Compression::Never
            })
            .with_limits(limits)
            .with_clock(clock.clone());
        Ok(Signer {
            depth: limits.max_json_depth(),
            signer,
            clock,
        })
    }

    /// Signs the value in `json` (JSON from the wrapper, read with Python's
    /// rules and signed in Python's exact form) as made at `now_ms`.
    /// Returns `" " + token` or `"!" + error`.
    pub fn dumps(&self, json: &str, now_ms: f64) -> String {
        let Some(now) = instant(now_ms) else {
            return clock_failure(now_ms);
        };
        let value = match read(json, self.depth) {
            Ok(value) => value,
            Err(failure) => return failure,
        };
        self.clock.set(now);
        // Python's form of the value, through the Value writer the session
        // codec uses too (the serde writer of `dumps` would add its code).
        match self.signer.dumps_json(&python_json::to_vec(&value)) {
            Ok(token) => ok(&token),
            Err(e) => encode_failure(&e),
        }
    }

    /// Signs `json` as it is, after checking that it reads back (Rust's
    /// `dumps_json`): for Python's exact text, such as `1.0`.
    pub fn dumps_json(&self, json: &str, now_ms: f64) -> String {
        let Some(now) = instant(now_ms) else {
            return clock_failure(now_ms);
        };
        self.clock.set(now);
        match self.signer.dumps_json(json.as_bytes()) {
            Ok(token) => ok(&token),
            Err(e) => encode_failure(&e),
        }
    }

    /// Verifies `token` at `now_ms`, at most `max_age` seconds old
    /// (`undefined`: no age check). Returns `" "` and the value's Python
    /// JSON text or, with `detail`, an object `{"value", "signedAt" (ms),
    /// "keyIndex", "compressed"}`; or `"!" + error`. A time or an age that
    /// is not usable fails closed, as `expired`.
    pub fn loads(&self, token: &str, max_age: Option<f64>, now_ms: f64, detail: bool) -> String {
        let Some(now) = instant(now_ms) else {
            return time_failure("the clock's time", now_ms);
        };
        let max_age = match max_age {
            None => None,
            Some(s) => match seconds(s) {
                Some(d) => Some(d),
                None => return time_failure("maxAge", s),
            },
        };
        self.clock.set(now);
        let loaded = match self.signer.loads::<Value>(token, max_age) {
            Ok(loaded) => loaded,
            Err(e) => return decode_failure(&e),
        };
        if !detail {
            return ok_value(&loaded.value);
        }
        let mut m = Map::new();
        m.insert("value".into(), loaded.value);
        m.insert("signedAt".into(), millis(loaded.signed_at).into());
        m.insert("keyIndex".into(), loaded.key_index.into());
        m.insert("compressed".into(), loaded.compressed.into());
        ok_value(&Value::Object(m))
    }
}

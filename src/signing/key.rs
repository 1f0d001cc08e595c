//! Secrets, the keyring, and the per-salt derived HMAC keys (docs/django-format.md §2.5).

use core::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// A secret key (Django's `SECRET_KEY` or one of `SECRET_KEY_FALLBACKS`).
///
/// The bytes are private, wiped from memory when the value is dropped, and
/// never shown by `Debug`.
///
/// ```
/// use signed_session::signing::Secret;
/// let s = Secret::new("correct horse battery staple")?;
/// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
/// assert!(Secret::new("").is_err());
/// # Ok::<(), signed_session::signing::SecretError>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
}

impl Secret {
    /// Wraps secret bytes (a Django `SECRET_KEY` string is used as its UTF-8
    /// bytes).
    ///
    /// # Errors
    /// [`SecretError::Empty`] for an empty secret: it would sign with a key
    /// anyone can compute.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, SecretError> {
        let bytes = Zeroizing::new(bytes.into());
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Secret { bytes })
    }

    /// Reads a secret from the environment variable `name`.
    ///
    /// # Errors
    /// [`SecretError::MissingEnv`] if the variable is unset or not valid
    /// Unicode, [`SecretError::Empty`] if it is empty.
    pub fn from_env(name: &str) -> Result<Self, SecretError> {
        let value = std::env::var(name).map_err(|_| SecretError::MissingEnv(name.to_owned()))?;
        Secret::new(value)
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether Django would call this secret weak, and why: its system check
    /// `security.W009` (`W025` for a fallback) warns about a `SECRET_KEY`
    /// of fewer than 50 characters, with fewer than 5 distinct characters,
    /// or starting with `django-insecure-`. `None` for a strong secret.
    ///
    /// Weak secrets are still accepted, since a Django project with a short
    /// key must keep interoperating, but they can be guessed: building a
    /// codec or layer with one logs a `tracing` warning (feature
    /// `tracing`), and the command-line tool prints one.
    ///
    /// ```
    /// use signed_session::signing::{Secret, Weakness};
    /// assert_eq!(Secret::new("s3cr3t")?.weakness(), Some(Weakness::TooShort { chars: 6 }));
    /// let strong = Secret::new("wZ1u7Hq0-Kx9vRb2!sLm4Tn8pYc3@dFg6Jh5^aQe0Vo7*iNk9Xr")?;
    /// assert_eq!(strong.weakness(), None);
    /// # Ok::<(), signed_session::signing::SecretError>(())
    /// ```
    pub fn weakness(&self) -> Option<Weakness> {
        let bytes: &[u8] = &self.bytes;
        // Django counts the characters of a `str`; bytes that are not
        // UTF-8 count one each.
        let (chars, distinct) = match core::str::from_utf8(bytes) {
            Ok(text) => {
                let mut seen: Vec<char> = text.chars().collect();
                let chars = seen.len();
                seen.sort_unstable();
                seen.dedup();
                (chars, seen.len())
            }
            Err(_) => {
                let mut seen = [false; 256];
                for &b in bytes {
                    if let Some(slot) = seen.get_mut(usize::from(b)) {
                        *slot = true;
                    }
                }
                (bytes.len(), seen.iter().filter(|s| **s).count())
            }
        };
        if bytes.starts_with(INSECURE_PREFIX.as_bytes()) {
            Some(Weakness::InsecurePrefix)
        } else if chars < MIN_SECRET_CHARS {
            Some(Weakness::TooShort { chars })
        } else if distinct < MIN_DISTINCT_CHARS {
            Some(Weakness::FewDistinct { distinct })
        } else {
            None
        }
    }
}

/// Django's `SECRET_KEY_MIN_LENGTH`.
const MIN_SECRET_CHARS: usize = 50;
/// Django's `SECRET_KEY_MIN_UNIQUE_CHARACTERS`.
const MIN_DISTINCT_CHARS: usize = 5;
/// Django's `SECRET_KEY_INSECURE_PREFIX`, which `startproject` writes.
const INSECURE_PREFIX: &str = "django-insecure-";

/// Why a secret is weak by Django's standard (see [`Secret::weakness`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Weakness {
    /// Fewer than 50 characters.
    TooShort {
        /// How many characters the secret has.
        chars: usize,
    },
    /// Fewer than 5 distinct characters.
    FewDistinct {
        /// How many distinct characters the secret has.
        distinct: usize,
    },
    /// It starts with `django-insecure-`, the prefix of the throwaway key
    /// `django-admin startproject` generates.
    InsecurePrefix,
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Weakness::TooShort { chars } => write!(
                f,
                "it has {chars} characters, fewer than the {MIN_SECRET_CHARS} Django asks for"
            ),
            Weakness::FewDistinct { distinct } => write!(
                f,
                "it has {distinct} distinct characters, fewer than the {MIN_DISTINCT_CHARS} \
                 Django asks for"
            ),
            Weakness::InsecurePrefix => write!(
                f,
                "it starts with {INSECURE_PREFIX:?}, the throwaway key of a new Django project"
            ),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a secret or keyring could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty.
    Empty,
    /// The named environment variable is not set (or not Unicode).
    MissingEnv(String),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Empty => f.write_str("the secret key is empty; refusing to sign with it"),
            SecretError::MissingEnv(name) => {
                write!(
                    f,
                    "the environment variable {name} holding the secret key is not set"
                )
            }
        }
    }
}

impl std::error::Error for SecretError {}

/// The current secret plus fallbacks, in order (Django's `SECRET_KEY` and
/// `SECRET_KEY_FALLBACKS`).
///
/// New tokens are always signed with the current secret; a token signed
/// with any of them verifies, and decoding reports the index of the key
/// that matched (0 = current, 1 = first fallback, ...), so an operator can
/// see when an old key is no longer used and can be retired.
///
/// ```
/// use signed_session::signing::{Keyring, Secret};
/// let ring = Keyring::new(Secret::new("new-secret")?).with_fallback(Secret::new("old-secret")?);
/// assert_eq!(ring.len(), 2);
/// # Ok::<(), signed_session::signing::SecretError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Keyring {
    secrets: Vec<Secret>,
    /// Per secret, the Unix second from which it no longer verifies.
    retire_at: Vec<Option<i64>>,
}

impl Keyring {
    /// A keyring with one current secret and no fallbacks.
    pub fn new(current: Secret) -> Self {
        Keyring {
            secrets: vec![current],
            retire_at: vec![None],
        }
    }

    /// Adds a fallback secret, tried after the current one and after every
    /// fallback added before it.
    #[must_use]
    pub fn with_fallback(mut self, fallback: Secret) -> Self {
        self.secrets.push(fallback);
        self.retire_at.push(None);
        self
    }

    /// Adds a fallback secret that verifies only until `retire_at`: from
    /// that instant on, a token it signed is refused as
    /// [`SignatureFailure::Retired`](crate::SignatureFailure::Retired), as
    /// if the key were gone. Schedule it when rotating: the old key keeps
    /// the sessions it signed alive for a grace period (long enough for
    /// active users to be re-signed with the current key), then stops.
    /// Django has no such setting; its `SECRET_KEY_FALLBACKS` must be
    /// edited instead.
    ///
    /// ```
    /// use signed_session::clock::ManualClock;
    /// use signed_session::signing::{Keyring, Secret, Signer};
    /// use signed_session::{DecodeError, SignatureFailure};
    /// use time::{Duration, macros::datetime};
    ///
    /// let clock = ManualClock::new(datetime!(2025-06-01 12:00 UTC));
    /// let old = Signer::new(&Keyring::new(Secret::new("old")?), "s");
    /// let token = old.sign("hello")?;
    /// let ring = Keyring::new(Secret::new("new")?)
    ///     .with_fallback_until(Secret::new("old")?, datetime!(2025-06-08 12:00 UTC));
    /// let signer = Signer::new(&ring, "s").with_clock(clock.clone());
    /// assert_eq!(signer.unsign(&token)?.key_index, 1);
    /// clock.advance(Duration::weeks(1));
    /// assert_eq!(
    ///     signer.unsign(&token).unwrap_err(),
    ///     DecodeError::BadSignature(SignatureFailure::Retired { key_index: 1 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_fallback_until(
        mut self,
        fallback: Secret,
        retire_at: time::OffsetDateTime,
    ) -> Self {
        self.secrets.push(fallback);
        self.retire_at.push(Some(retire_at.unix_timestamp()));
        self
    }

    /// When each secret stops verifying (by index; `None` for never): the
    /// times given to [`with_fallback_until`](Self::with_fallback_until).
    pub fn retirements(&self) -> Vec<Option<time::OffsetDateTime>> {
        self.retire_at
            .iter()
            .map(|t| t.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok()))
            .collect()
    }

    /// The current secret followed by the fallbacks.
    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// The number of secrets (current plus fallbacks), at least 1.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Always false: a keyring has a current secret.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The weak secrets of the keyring, by index (0 = current), with the
    /// reason (see [`Secret::weakness`]).
    ///
    /// ```
    /// use signed_session::signing::{Keyring, Secret, Weakness};
    /// let ring = Keyring::new(Secret::new("x".repeat(60))?);
    /// assert_eq!(ring.weak_secrets(), [(0, Weakness::FewDistinct { distinct: 1 })]);
    /// # Ok::<(), signed_session::signing::SecretError>(())
    /// ```
    pub fn weak_secrets(&self) -> Vec<(usize, Weakness)> {
        self.secrets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.weakness().map(|w| (i, w)))
            .collect()
    }

    /// Logs a `tracing` warning for each weak secret (see
    /// [`Secret::weakness`]); `what` names the component being built.
    pub(crate) fn warn_if_weak(&self, what: &str) {
        #[cfg(feature = "tracing")]
        for (index, weakness) in self.weak_secrets() {
            let which = if index == 0 {
                "the current secret (SECRET_KEY)"
            } else {
                "a fallback secret (SECRET_KEY_FALLBACKS)"
            };
            tracing::warn!(
                key_index = index,
                "{what} built with a weak key: {which} is weak: {weakness}; \
                 anyone who guesses it can forge sessions"
            );
        }
        #[cfg(not(feature = "tracing"))]
        let _ = what;
    }

    /// Derives the HMAC keys for `salt` once, for repeated signing and
    /// verification.
    pub(crate) fn derive(&self, salt: &str) -> DerivedKeys {
        DerivedKeys {
            macs: self
                .secrets
                .iter()
                .map(|s| derive_mac(salt, s.expose()))
                .collect(),
            retire_at: self.retire_at.iter().copied().collect(),
        }
    }
}

/// `HMAC-SHA256` keyed with `SHA256(salt ‖ "signer" ‖ secret)`, ready to
/// clone for each message: Django's `Signer` is `salted_hmac(salt +
/// "signer", ...)`.
fn derive_mac(salt: &str, secret: &[u8]) -> HmacSha256 {
    keyed_mac(&[salt.as_bytes(), b"signer", secret])
}

/// `HMAC-SHA256` keyed with the SHA-256 of the concatenated `parts`: the
/// key derivation of Django's `salted_hmac(key_salt, ..., secret,
/// algorithm="sha256")`, whose key is `SHA256(key_salt ‖ secret)`.
#[expect(
    clippy::expect_used,
    reason = "HMAC takes keys of every length, so a 32-byte key is never refused"
)]
fn keyed_mac(parts: &[&[u8]]) -> HmacSha256 {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    let key = Zeroizing::new(<[u8; 32]>::from(h.finalize()));
    <HmacSha256 as KeyInit>::new_from_slice(key.as_slice()).expect("HMAC accepts a 32-byte key")
}

/// Django's `salted_hmac(key_salt, value, secret, algorithm="sha256")`:
/// the raw 32-byte tag (Django's `.digest()`; `.hexdigest()` is its
/// lowercase hex).
#[cfg(feature = "django-auth")]
pub(crate) fn salted_hmac_sha256(key_salt: &str, secret: &Secret, value: &[u8]) -> [u8; 32] {
    keyed_mac(&[key_salt.as_bytes(), secret.expose()])
        .chain_update(value)
        .finalize()
        .into_bytes()
        .into()
}

/// The pre-keyed HMAC states for one salt, current key first. Cloning is
/// cheap (shared).
#[derive(Clone)]
pub(crate) struct DerivedKeys {
    macs: Arc<[HmacSha256]>,
    /// Per key, the Unix second from which it no longer verifies.
    retire_at: Arc<[Option<i64>]>,
}

impl fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DerivedKeys(<{} redacted>)", self.macs.len())
    }
}

impl DerivedKeys {
    /// Whether any key has a retirement time (then verifying needs the time).
    pub(crate) fn has_retirement(&self) -> bool {
        self.retire_at.iter().any(Option::is_some)
    }

    /// Whether key `index` is retired at `now` (Unix seconds).
    pub(crate) fn is_retired(&self, index: usize, now: f64) -> bool {
        #[allow(clippy::cast_precision_loss)] // Unix seconds are far below 2^53
        // Retired from the instant on; a NaN time counts as retired.
        let retired = |at: i64| now.partial_cmp(&(at as f64)) != Some(core::cmp::Ordering::Less);
        self.retire_at
            .get(index)
            .copied()
            .flatten()
            .is_some_and(retired)
    }

    /// The raw 32-byte tag of `msg` under key `index`.
    fn tag(&self, index: usize, msg: &[u8]) -> Option<[u8; 32]> {
        #[cfg(test)]
        tests::HMAC_RUNS.with(|n| n.set(n.get() + 1));
        let mut mac = self.macs.get(index)?.clone();
        mac.update(msg);
        Some(mac.finalize().into_bytes().into())
    }

    /// The 43-character signature of `msg` under the current key.
    pub(crate) fn sign(&self, msg: &[u8], out: &mut String) {
        if let Some(tag) = self.tag(0, msg) {
            crate::encoding::b64::encode_into(&tag, out);
        }
    }

    /// The index of the first key whose signature of `msg` equals `sig`,
    /// compared in constant time.
    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8]) -> Option<usize> {
        use subtle::ConstantTimeEq;
        // Django compares the signature as text with the base64 of each
        // key's tag. Only canonical 43-character base64 is the text of some
        // tag, so the text is decoded once and the raw tags compared, in
        // constant time; anything else matches no key (its shape is
        // public, so refusing it at once tells nothing about the keys).
        let expected = crate::encoding::b64::decode_signature(sig)?;
        (0..self.macs.len()).find(|&index| {
            self.tag(index, msg)
                .is_some_and(|tag| bool::from(tag.ct_eq(&expected)))
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    thread_local! {
        /// How many HMACs this thread has computed: lets the tests prove
        /// that a refused token cost no cryptographic work.
        pub(crate) static HMAC_RUNS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    }

    /// The number of HMACs `f` computed on this thread.
    pub(crate) fn hmacs_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
        let before = HMAC_RUNS.with(core::cell::Cell::get);
        let r = f();
        (r, HMAC_RUNS.with(core::cell::Cell::get) - before)
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = Secret::new("hunter2-very-secret").unwrap();
        let ring = Keyring::new(secret.clone()).with_fallback(Secret::new("old-hunter2").unwrap());
        for text in [
            format!("{secret:?}"),
            format!("{ring:?}"),
            format!("{:?}", ring.derive("s")),
        ] {
            assert!(!text.contains("hunter2"), "{text}");
        }
    }

    /// Issue 11, item 13: the per-salt HMAC states (the SHA-256 states
    /// keyed with key⊕ipad and key⊕opad, kept for the codec's life and
    /// cloned for every message) are wiped when dropped. This only compiles
    /// while the hash core and its block buffer wipe themselves on drop
    /// (the `zeroize` features of `sha2`, `hmac` and `digest`).
    #[test]
    fn item13_derived_hmac_states_are_wiped_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<<Sha256 as hmac::EagerHash>::Core>();
        wiped_on_drop::<
            hmac::digest::block_buffer::BlockBuffer<
                hmac::digest::consts::U64,
                hmac::digest::block_buffer::Eager,
            >,
        >();
        wiped_on_drop::<hmac::digest::CtOutput<HmacSha256>>();
    }

    /// Issue 11, item 6: the key derivation had a silent fallback to an
    /// all-zero HMAC key on an error HMAC never returns. It is now an
    /// `expect`; the derived key must be the real one, which the Django
    /// vector in `derived_key_matches_django` pins, and never the zero key.
    #[test]
    fn item06_no_zero_key_fallback_in_key_derivation() {
        let zero = <HmacSha256 as KeyInit>::new_from_slice(&[0u8; 32]).unwrap();
        let derived = derive_mac("salt", b"secret");
        let tag = |m: &HmacSha256| m.clone().chain_update(b"msg").finalize().into_bytes();
        assert_ne!(tag(&derived), tag(&zero));
    }

    #[test]
    fn empty_secret_is_refused() {
        assert_eq!(Secret::new(Vec::new()).unwrap_err(), SecretError::Empty);
        assert!(SecretError::Empty.to_string().contains("empty"));
    }

    /// Issue 6: a token over the length limit is refused before any HMAC
    /// work, even when its signature is valid.
    #[test]
    fn a_token_over_the_limit_costs_no_hmac() {
        use crate::signing::{Limits, ObjectSigner, Signer, TimestampSigner};
        use crate::{DecodeError, DecodeErrorKind, Value};
        let ring =
            Keyring::new(Secret::new("k").unwrap()).with_fallback(Secret::new("old").unwrap());
        let big = Limits::default()
            .with_max_token_len(2 << 20)
            .with_max_inflated_len(2 << 20);
        let wide = ObjectSigner::new(&ring, "s").with_limits(big);
        let strict = ObjectSigner::new(&ring, "s");
        let token = wide
            .dumps_value_at(&Value::from("x".repeat(800_000)), 0.0)
            .unwrap();
        assert!(token.len() >= 1 << 20);

        // Calibration: verifying it costs one HMAC (the current key matches)...
        let (ok, runs) = hmacs_during(|| wide.loads_value_at(&token, None, 0.0));
        assert!(ok.is_ok());
        assert_eq!(runs, 1);
        // ...and a short forged token one per key of the keyring.
        let forged = format!("e30:0:{}", "A".repeat(43));
        let (err, runs) = hmacs_during(|| strict.loads_value_at(&forged, None, 0.0));
        assert_eq!(err.unwrap_err().kind(), DecodeErrorKind::BadSignature);
        assert_eq!(runs, 2);

        // The validly signed 1 MiB token costs none, at every level.
        let (err, runs) = hmacs_during(|| strict.loads_value_at(&token, None, 0.0));
        assert_eq!(
            err.unwrap_err(),
            DecodeError::TooLong {
                len: token.len(),
                max: 8192
            }
        );
        assert_eq!(runs, 0);
        let (err, runs) = hmacs_during(|| Signer::new(&ring, "s").unsign(&token).map(|_| ()));
        assert_eq!(err.unwrap_err().kind(), DecodeErrorKind::TooLong);
        assert_eq!(runs, 0);
        let ts = TimestampSigner::new(&ring, "s");
        let (err, runs) = hmacs_during(|| ts.unsign_at(&token, None, 0.0).map(|_| ()));
        assert_eq!(err.unwrap_err().kind(), DecodeErrorKind::TooLong);
        assert_eq!(runs, 0);
    }

    #[test]
    fn derived_key_matches_django() {
        // dumps/empty_dict: sha256(salt + "signer" + secret) and the signature.
        let secret = "vector-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-!@#$%^&*()";
        let ring = Keyring::new(Secret::new(secret).unwrap());
        let keys = ring.derive("django.contrib.sessions.backends.signed_cookies");
        let mut sig = String::new();
        keys.sign(b"e30:1r31eq", &mut sig);
        assert_eq!(sig, "zpnU7o-wl1cw04PddfH76dsXZrq2gLG8gdgEiAUPHks");
        assert_eq!(keys.verify(b"e30:1r31eq", sig.as_bytes()), Some(0));
        assert_eq!(keys.verify(b"e30:1r31er", sig.as_bytes()), None);
    }
}

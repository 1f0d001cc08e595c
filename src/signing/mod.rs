//! The middle layer: Django's `django.core.signing` (spec §2 and §3).
//!
//! - [`Secret`] and [`Keyring`]: the current key and its fallbacks.
//! - [`Signer`] and [`TimestampSigner`]: signatures over plain strings.
//! - [`ObjectSigner`]: `signing.dumps` / `signing.loads` for JSON values,
//!   with optional zlib compression and the hard limits of [`Limits`].
//!
//! Every check runs in Django's order: the length limit, then the
//! signature (in constant time), then the timestamp and age, and only then
//! is anything from the token base64-decoded, inflated or parsed.

mod key;
mod object;
mod signer;

pub use key::{KeyError, Keyring, Secret, Weakness};
pub use object::{Compression, Loaded, ObjectSigner, Opened};
pub use signer::{
    SIGNER_CLASS_SALT, SeparatorError, Signer, TIMESTAMP_SIGNER_CLASS_SALT, TimestampSigner,
    TimestampUnsigned, Unsigned,
};

/// The salt of `signing.dumps` / `signing.loads` when none is given.
pub const DEFAULT_SALT: &str = "django.core.signing";

/// The deepest JSON nesting a token may have, whatever
/// [`Limits::max_json_depth`] says.
///
/// The reader itself never recurses, but a decoded [`Value`](crate::Value)
/// is dropped, cloned, compared and converted recursively, so a deeper one
/// could overflow the stack of the thread that touches it (a few thousand
/// levels are enough on a 2 MiB stack in a debug build). Python's own `json`
/// stops near 1000 levels, so Django cannot read deeper payloads either.
pub const MAX_JSON_DEPTH: usize = 512;

/// Hard limits applied to untrusted tokens, past what Django does.
///
/// ```
/// use signed_session::signing::Limits;
/// let limits = Limits::default().with_max_token_len(4096);
/// assert_eq!(limits.max_inflated_len, 64 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The longest token accepted, in bytes, checked before any other work.
    /// Default 8192 (a browser keeps at most about 4096 bytes per cookie).
    pub max_token_len: usize,
    /// The largest payload once base64-decoded and inflated, in bytes.
    /// Default 65536. This is what stops a validly signed zip bomb.
    pub max_inflated_len: usize,
    /// How deeply JSON arrays and objects may nest. Default 128; values
    /// above [`MAX_JSON_DEPTH`] act as [`MAX_JSON_DEPTH`] (see
    /// [`json_depth`](Self::json_depth)).
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_token_len: 8 * 1024,
            max_inflated_len: 64 * 1024,
            max_json_depth: 128,
        }
    }
}

impl Limits {
    /// Sets [`max_token_len`](Self::max_token_len).
    #[must_use]
    pub fn with_max_token_len(mut self, n: usize) -> Self {
        self.max_token_len = n;
        self
    }

    /// Sets [`max_inflated_len`](Self::max_inflated_len).
    #[must_use]
    pub fn with_max_inflated_len(mut self, n: usize) -> Self {
        self.max_inflated_len = n;
        self
    }

    /// The nesting depth enforced on decode: [`max_json_depth`](Self::max_json_depth),
    /// capped at [`MAX_JSON_DEPTH`].
    ///
    /// ```
    /// use signed_session::signing::{Limits, MAX_JSON_DEPTH};
    /// assert_eq!(Limits::default().json_depth(), 128);
    /// assert_eq!(Limits::default().with_max_json_depth(usize::MAX).json_depth(), MAX_JSON_DEPTH);
    /// ```
    pub fn json_depth(&self) -> usize {
        self.max_json_depth.min(MAX_JSON_DEPTH)
    }

    /// Sets [`max_json_depth`](Self::max_json_depth) (at most
    /// [`MAX_JSON_DEPTH`] takes effect).
    #[must_use]
    pub fn with_max_json_depth(mut self, n: usize) -> Self {
        self.max_json_depth = n;
        self
    }
}

//! The middle layer: Django's `django.core.signing` (docs/django-format.md §2 and §3).
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

#[cfg(feature = "django-auth")]
pub(crate) use key::salted_hmac_sha256;
pub use key::{Keyring, Secret, SecretError, Weakness};
pub use object::{Compression, Loaded, ObjectSigner, Opened};
pub use signer::{
    SIGNER_CLASS_SALT, SeparatorError, Signer, TIMESTAMP_SIGNER_CLASS_SALT, TimestampSigner,
    TimestampUnsigned, Unsigned,
};
pub(crate) use signer::{signed_at, token_timestamp};

/// The salt of `signing.dumps` / `signing.loads` when none is given.
pub const DEFAULT_SALT: &str = "django.core.signing";

/// The deepest JSON nesting a token may have, whatever
/// [`Limits::with_max_json_depth`] is given.
///
/// The reader itself never recurses, but a decoded [`Value`](crate::Value)
/// is dropped, cloned, compared and converted recursively, so a deeper one
/// could overflow the stack of the thread that touches it (a few thousand
/// levels are enough on a 2 MiB stack in a debug build). Python's own `json`
/// stops near 1000 levels, so Django cannot read deeper payloads either.
pub const MAX_JSON_DEPTH: usize = 512;

/// Hard limits on tokens, past what Django does: applied to every token
/// read, and to every token written, so that nothing is written that the
/// same limits would refuse.
///
/// | limit | default | what it bounds |
/// |---|---|---|
/// | [`max_token_len`](Self::max_token_len) | 8192 bytes | a token, checked before any other work |
/// | [`max_inflated_len`](Self::max_inflated_len) | 65536 bytes | the payload once base64-decoded and inflated (stops a validly signed zip bomb) |
/// | [`max_json_depth`](Self::max_json_depth) | 128 | how deeply JSON arrays and objects nest (the top level counts 1); at most [`MAX_JSON_DEPTH`] |
///
/// ```
/// use signed_session::signing::{Limits, MAX_JSON_DEPTH};
///
/// let limits = Limits::default().with_max_token_len(4096);
/// assert_eq!(limits.max_token_len(), 4096);
/// assert_eq!(limits.max_inflated_len(), 64 * 1024);
/// // A depth past the hard cap is capped when it is set.
/// assert_eq!(Limits::default().with_max_json_depth(usize::MAX).max_json_depth(), MAX_JSON_DEPTH);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max_token_len: usize,
    max_inflated_len: usize,
    /// Never above [`MAX_JSON_DEPTH`].
    max_json_depth: usize,
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
    /// Sets the longest token accepted or written, in bytes. Default 8192
    /// (a browser keeps at most about 4096 bytes per cookie).
    #[must_use]
    pub fn with_max_token_len(mut self, bytes: usize) -> Self {
        self.max_token_len = bytes;
        self
    }

    /// Sets the largest payload once base64-decoded and inflated, in
    /// bytes. Default 65536.
    #[must_use]
    pub fn with_max_inflated_len(mut self, bytes: usize) -> Self {
        self.max_inflated_len = bytes;
        self
    }

    /// Sets how deeply JSON may nest. Default 128; a value above
    /// [`MAX_JSON_DEPTH`] is stored as [`MAX_JSON_DEPTH`].
    #[must_use]
    pub fn with_max_json_depth(mut self, depth: usize) -> Self {
        self.max_json_depth = depth.min(MAX_JSON_DEPTH);
        self
    }

    /// See [`with_max_token_len`](Self::with_max_token_len).
    pub fn max_token_len(&self) -> usize {
        self.max_token_len
    }

    /// See [`with_max_inflated_len`](Self::with_max_inflated_len).
    pub fn max_inflated_len(&self) -> usize {
        self.max_inflated_len
    }

    /// See [`with_max_json_depth`](Self::with_max_json_depth).
    pub fn max_json_depth(&self) -> usize {
        self.max_json_depth
    }
}

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

pub use key::{KeyError, Keyring, Secret};
pub use object::{Compression, Loaded, ObjectSigner, Opened};
pub use signer::{
    SIGNER_CLASS_SALT, SeparatorError, Signer, TIMESTAMP_SIGNER_CLASS_SALT, TimestampSigner,
    TimestampUnsigned, Unsigned,
};

/// The salt of `signing.dumps` / `signing.loads` when none is given.
pub const DEFAULT_SALT: &str = "django.core.signing";

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
    /// How deeply JSON arrays and objects may nest. Default 128.
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

    /// Sets [`max_json_depth`](Self::max_json_depth).
    #[must_use]
    pub fn with_max_json_depth(mut self, n: usize) -> Self {
        self.max_json_depth = n;
        self
    }
}

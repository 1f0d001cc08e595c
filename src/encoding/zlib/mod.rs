//! zlib (RFC 1950) as Django uses it (docs/django-format.md §2.2): `zlib.compress` at level 6
//! on encode; on decode any zlib stream, with trailing bytes after the end
//! of the stream ignored, and (past Django) a cap on the inflated size.
//!
//! Both directions are this module's own code, sized for sessions: a
//! general zlib spends more on setting up its state than on a session.

/// Why a zlib stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZlibError {
    /// Not a valid zlib stream (bad header, bad data, bad checksum).
    Invalid,
    /// The stream ends before its end marker.
    Truncated,
    /// Inflating would produce more than the allowed number of bytes.
    TooLarge {
        /// The cap that was reached.
        limit: usize,
    },
}

impl core::fmt::Display for ZlibError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ZlibError::Invalid => f.write_str("the compressed payload is not a valid zlib stream"),
            ZlibError::Truncated => {
                f.write_str("the compressed payload ends before the end of its zlib stream")
            }
            ZlibError::TooLarge { limit } => {
                write!(
                    f,
                    "the compressed payload inflates to more than {limit} bytes"
                )
            }
        }
    }
}

impl std::error::Error for ZlibError {}

/// Compresses `data` into a zlib stream: the bytes stock zlib writes at
/// level 6, Python's `zlib.compress(data)` (and so Django's), for any
/// input. See the `deflate` module for how.
#[cfg(not(signed_session_zlib_rs))]
pub fn compress(data: &[u8]) -> Vec<u8> {
    deflate::zlib(data)
}

/// Inflates a zlib stream, producing at most `limit` bytes. Bytes after the
/// end of the stream are ignored, as Python's `zlib.decompress` does.
///
/// This is a small inflater of its own rather than zlib's: a session cookie
/// inflates to a few KB at most, and there a general inflater spends most of
/// its time building full-size decoding tables and running its streaming
/// state machine. This one sizes its tables to the codes in hand, decodes
/// from one contiguous input into one growing output, and checks everything
/// zlib checks (header, block types, code sets, distances, Adler-32).
///
/// # Errors
/// An invalid or truncated stream, or one that inflates past `limit`.
#[cfg(not(signed_session_zlib_rs))]
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
    let guess = data
        .len()
        .saturating_mul(4)
        .clamp(64, limit.saturating_add(1).max(64));
    let mut out = Vec::with_capacity(guess.min(limit.saturating_add(1)));
    inflate::zlib(data, limit, &mut out)?;
    Ok(out)
}

// Unused in the measurement build below.
#[cfg_attr(signed_session_zlib_rs, allow(dead_code))]
mod deflate;
#[cfg_attr(signed_session_zlib_rs, allow(dead_code))]
mod inflate;

// Measurement only: built with `RUSTFLAGS="--cfg signed_session_zlib_rs"`,
// both directions go through zlib-rs (with reused state) instead, so the
// benches can time a session load and save each way. zlib-rs does not
// write stock zlib's bytes, so Django-exact compression is lost in that
// build; no release or test build uses it.
#[cfg(signed_session_zlib_rs)]
mod via_zlib_rs;
#[cfg(signed_session_zlib_rs)]
pub use via_zlib_rs::{compress, decompress};

#[cfg(test)]
mod tests;

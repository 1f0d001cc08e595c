//! zlib (RFC 1950) as Django uses it (spec §2.2): `zlib.compress` at level 6
//! on encode; on decode any zlib stream, with trailing bytes after the end
//! of the stream ignored, and (past Django) a cap on the inflated size.
//!
//! Building a deflate state costs far more than compressing a session, so
//! each thread keeps one compressor and one decompressor and resets them.

use std::cell::RefCell;

use flate2::{Compress, Compression, FlushCompress, Status};

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

thread_local! {
    static COMPRESSOR: RefCell<Option<Compress>> = const { RefCell::new(None) };
}

/// Compresses `data` into a zlib stream with the effort of zlib's level 6
/// (Python's default). Session-sized inputs (up to 32 KiB) go through a
/// small deflater of this module, larger ones through zlib-rs; neither
/// gives stock zlib's exact bytes, but any zlib (Django's) inflates both.
pub fn compress(data: &[u8]) -> Vec<u8> {
    if data.len() <= deflate::MAX_INPUT {
        return deflate::zlib(data);
    }
    compress_zlib_rs(data)
}

/// [`compress`] through zlib-rs, whatever the size.
fn compress_zlib_rs(data: &[u8]) -> Vec<u8> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let c = slot.get_or_insert_with(|| Compress::new(Compression::new(6), true));
        c.reset();
        compress_with(c, data)
    })
}

fn compress_with(c: &mut Compress, data: &[u8]) -> Vec<u8> {
    // zlib's worst case is a few bytes per 16 KiB block plus a small header.
    let mut out = Vec::with_capacity(data.len() + data.len() / 1000 + 64);
    loop {
        let before_in = c.total_in();
        let consumed = usize::try_from(before_in).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or(&[]);
        match c.compress_vec(input, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return out,
            Ok(_) => out.reserve(out.capacity().max(64)),
            // The in-memory deflate cannot fail on valid state; fall back to
            // a fresh stream if it ever does.
            Err(_) => {
                *c = Compress::new(Compression::new(6), true);
                out.clear();
            }
        }
    }
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
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
    let guess = data
        .len()
        .saturating_mul(4)
        .clamp(64, limit.saturating_add(1).max(64));
    let mut out = Vec::with_capacity(guess.min(limit.saturating_add(1)));
    inflate::zlib(data, limit, &mut out)?;
    Ok(out)
}

mod deflate;
mod inflate;

#[cfg(test)]
mod tests;

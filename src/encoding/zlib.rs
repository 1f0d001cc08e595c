//! zlib (RFC 1950) as Django uses it (spec §2.2): `zlib.compress` at level 6
//! on encode; on decode any zlib stream, with trailing bytes after the end
//! of the stream ignored, and (past Django) a cap on the inflated size.
//!
//! Building a deflate state costs far more than compressing a session, so
//! each thread keeps one compressor and one decompressor and resets them.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

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
    static DECOMPRESSOR: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Compresses `data` into a zlib stream at level 6 (Python's default).
pub fn compress(data: &[u8]) -> Vec<u8> {
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
/// # Errors
/// An invalid or truncated stream, or one that inflates past `limit`.
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let d = slot.get_or_insert_with(|| Decompress::new(true));
        d.reset(true);
        decompress_with(d, data, limit)
    })
}

fn decompress_with(d: &mut Decompress, data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
    // Start from a guess; JSON compresses a few times at most for sessions.
    let first = data
        .len()
        .saturating_mul(4)
        .clamp(64, limit.saturating_add(1));
    let mut out: Vec<u8> = Vec::with_capacity(first);
    loop {
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or(&[]);
        // Leave room for one byte past the limit, so that reaching it is
        // distinguishable from stopping exactly at it.
        let room = limit.saturating_add(1).saturating_sub(out.len());
        if room == 0 {
            return Err(ZlibError::TooLarge { limit });
        }
        if out.capacity() == out.len() {
            out.reserve(out.len().max(64).min(room));
        }
        let before_out = out.len();
        let status = d
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|_| ZlibError::Invalid)?;
        if out.len() > limit {
            return Err(ZlibError::TooLarge { limit });
        }
        match status {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => {
                let consumed_now = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
                let made_progress = out.len() > before_out || consumed_now > consumed;
                if consumed_now >= data.len() && out.len() < out.capacity() {
                    // All input used, output space left, and no end marker.
                    return Err(ZlibError::Truncated);
                }
                if !made_progress && out.len() < out.capacity() {
                    return Err(ZlibError::Truncated);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let data = b"{\"cart\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}".repeat(20);
        let z = compress(&data);
        assert_eq!(&z[..2], &[0x78, 0x9c]);
        assert!(z.len() < data.len());
        assert_eq!(decompress(&z, 1 << 20), Ok(data.clone()));
        // Reused state gives the same output.
        assert_eq!(compress(&data), z);
    }

    #[test]
    fn trailing_garbage_is_ignored() {
        let mut z = compress(b"{\"a\":1}");
        z.extend_from_slice(b"garbage");
        assert_eq!(decompress(&z, 1024), Ok(b"{\"a\":1}".to_vec()));
    }

    #[test]
    fn truncated_and_invalid() {
        let z = compress(&b"abcdefgh".repeat(100));
        let cut = &z[..z.len() - 5];
        assert_eq!(decompress(cut, 1 << 20), Err(ZlibError::Truncated));
        assert_eq!(decompress(b"not zlib", 1 << 20), Err(ZlibError::Invalid));
        assert_eq!(decompress(b"", 1 << 20), Err(ZlibError::Truncated));
    }

    #[test]
    fn limit_is_enforced_exactly() {
        let data = vec![b'a'; 10_000];
        let z = compress(&data);
        assert_eq!(decompress(&z, 10_000).map(|v| v.len()), Ok(10_000));
        assert_eq!(
            decompress(&z, 9_999),
            Err(ZlibError::TooLarge { limit: 9_999 })
        );
    }

    #[test]
    fn zip_bomb_stops_at_the_cap() {
        let data = vec![0u8; 50 << 20];
        let z = compress(&data);
        assert!(z.len() < 100_000);
        assert_eq!(
            decompress(&z, 65_536),
            Err(ZlibError::TooLarge { limit: 65_536 })
        );
    }
}

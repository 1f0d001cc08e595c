//! zlib-rs in place of the crate's own deflater and inflater, for the
//! benches' side-by-side measurement only (see `mod.rs`).

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::ZlibError;

thread_local! {
    static STATE: RefCell<(Compress, Decompress)> =
        RefCell::new((Compress::new(Compression::new(6), true), Decompress::new(true)));
}

/// zlib-rs's level 6, with the compressor reused.
#[expect(
    clippy::expect_used,
    reason = "a measurement build: a failure is a bug to see"
)]
pub fn compress(data: &[u8]) -> Vec<u8> {
    STATE.with(|state| {
        let compress = &mut state.borrow_mut().0;
        compress.reset();
        let mut out = Vec::with_capacity(data.len() + data.len() / 1000 + 64);
        let status = compress
            .compress_vec(data, &mut out, FlushCompress::Finish)
            .expect("zlib-rs deflates into a large enough buffer");
        assert_eq!(
            status,
            Status::StreamEnd,
            "the buffer holds the whole stream"
        );
        out
    })
}

/// zlib-rs's inflate, with the decompressor reused, capped at `limit`.
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
    STATE.with(|state| {
        let decompress = &mut state.borrow_mut().1;
        decompress.reset(true);
        let mut out = Vec::with_capacity(limit.saturating_add(1).min(data.len() * 8 + 64));
        loop {
            let consumed = usize::try_from(decompress.total_in()).unwrap_or(usize::MAX);
            let input = data.get(consumed..).unwrap_or(&[]);
            let before = (decompress.total_in(), out.len());
            match decompress.decompress_vec(input, &mut out, FlushDecompress::Finish) {
                Ok(Status::StreamEnd) => return Ok(out),
                Ok(_) if out.len() > limit => return Err(ZlibError::TooLarge { limit }),
                Ok(_)
                    if (decompress.total_in(), out.len()) == before
                        && out.len() < out.capacity() =>
                {
                    return Err(ZlibError::Truncated);
                }
                Ok(_) => out.reserve(out.capacity().max(64).min(limit + 1 - out.len().min(limit))),
                Err(_) => return Err(ZlibError::Invalid),
            }
        }
    })
}

//! The crate's own inflater against zlib-rs (through flate2), on any bytes.
//!
//! Both must agree: the same output when the stream is valid, an error when
//! it is not, and `TooLarge` exactly when the reference output passes the
//! cap. Half of the inputs are first made valid (compressed by zlib-rs at a
//! chosen level, then one byte changed or the stream cut), so that the
//! fuzzer reaches every block type and code path, not just header checks.
#![no_main]

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use libfuzzer_sys::fuzz_target;
use signed_session::encoding::zlib::{self, ZlibError};

const LIMIT: usize = 256 * 1024;

/// zlib-rs's answer: `Some(output)` for a complete stream (trailing bytes
/// ignored), `None` for an invalid or truncated one. Output is capped at
/// `LIMIT + 1` bytes so a bomb cannot exhaust memory.
fn reference(data: &[u8]) -> Option<Vec<u8>> {
    let mut d = Decompress::new(true);
    let mut out = Vec::with_capacity(4096);
    loop {
        let consumed = usize::try_from(d.total_in()).ok()?;
        let input = data.get(consumed..).unwrap_or(&[]);
        if out.len() > LIMIT {
            return Some(out);
        }
        if out.capacity() == out.len() {
            out.reserve(out.len().max(4096).min(LIMIT + 1 - out.len().min(LIMIT)));
        }
        let before = (d.total_in(), out.len());
        match d.decompress_vec(input, &mut out, FlushDecompress::None) {
            Ok(Status::StreamEnd) => return Some(out),
            Ok(_) => {
                if (d.total_in(), out.len()) == before && out.len() < out.capacity() {
                    return None; // no progress with room to spare: truncated
                }
            }
            Err(_) => return None,
        }
    }
}

fn deflate_reference(data: &[u8], level: u32) -> Vec<u8> {
    let mut c = Compress::new(Compression::new(level), true);
    let mut out = Vec::with_capacity(data.len() + 64);
    loop {
        let consumed = usize::try_from(c.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or(&[]);
        match c.compress_vec(input, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return out,
            Ok(_) => out.reserve(out.capacity().max(64)),
            Err(e) => panic!("reference deflate failed: {e}"),
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    let stream = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        // A valid stream, then at most one edit chosen by the mode byte.
        let Some((&pos, data)) = rest.split_first() else {
            return;
        };
        let mut z = deflate_reference(data, u32::from(mode >> 4) % 10);
        match (mode >> 1) & 3 {
            1 if !z.is_empty() => {
                let i = usize::from(pos) * z.len() / 256;
                z[i] ^= 1 << (mode >> 5);
            }
            2 => z.truncate(usize::from(pos) * z.len() / 256),
            3 => z.extend_from_slice(&[pos; 3]),
            _ => {}
        }
        z
    };
    let ours = zlib::decompress(&stream, LIMIT);
    match (reference(&stream), ours) {
        (Some(expected), Ok(got)) => assert_eq!(got, expected, "outputs differ"),
        (Some(expected), Err(ZlibError::TooLarge { limit })) => {
            assert_eq!(limit, LIMIT);
            assert!(
                expected.len() > LIMIT,
                "TooLarge for {} bytes",
                expected.len()
            );
        }
        (Some(expected), Err(e)) => panic!(
            "refused a valid stream ({e}); zlib-rs gave {} bytes",
            expected.len()
        ),
        (None, Ok(got)) => panic!(
            "accepted a stream zlib-rs refuses ({} bytes out)",
            got.len()
        ),
        (None, Err(_)) => {}
    }
});

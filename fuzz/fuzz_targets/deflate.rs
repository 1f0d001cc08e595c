//! The crate's own deflater: it writes exactly the bytes stock C zlib
//! writes at level 6 (`compress2`, Python's `zlib.compress`), so Django's
//! compress/don't-compress decision is the same too; and whatever it
//! writes, zlib-rs (an independent inflater) and the crate's inflater both
//! read back to the input exactly, within the stored-block bound.
#![no_main]

use flate2::{Decompress, FlushDecompress, Status};
use libfuzzer_sys::fuzz_target;
use signed_session::encoding::zlib;
use signed_session_fuzz::{stock_zlib_compress, stock_zlib_version};

fn inflate_reference(data: &[u8], expected_len: usize) -> Vec<u8> {
    let mut d = Decompress::new(true);
    let mut out = Vec::with_capacity(expected_len + 1);
    loop {
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or(&[]);
        if out.len() == out.capacity() {
            out.reserve(64);
        }
        let before = (d.total_in(), out.len());
        match d.decompress_vec(input, &mut out, FlushDecompress::None) {
            Ok(Status::StreamEnd) => return out,
            Ok(_) if (d.total_in(), out.len()) == before && out.len() < out.capacity() => {
                panic!("zlib-rs: our deflate output is truncated")
            }
            Ok(_) => {}
            Err(e) => panic!("zlib-rs refuses our deflate output: {e}"),
        }
    }
}

static VERSION: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    VERSION.call_once(|| eprintln!("deflate: against C zlib {}", stock_zlib_version()));
    let z = zlib::compress(data);
    let stock = stock_zlib_compress(data);
    if z != stock {
        let at = z.iter().zip(&stock).take_while(|(a, b)| a == b).count();
        panic!(
            "{} input bytes: ours {} bytes, zlib {} {} bytes, first difference at byte {at}",
            data.len(),
            z.len(),
            stock_zlib_version(),
            stock.len()
        );
    }
    // Django's rule (`len(compressed) < len(data) - 1`), on both.
    assert_eq!(
        z.len() + 1 < data.len(),
        stock.len() + 1 < data.len(),
        "Django's decision"
    );
    assert_eq!(z.get(..2), Some(&[0x78u8, 0x9c][..]), "zlib header");
    assert_eq!(
        inflate_reference(&z, data.len()),
        data,
        "zlib-rs read back differs"
    );
    let ours = zlib::decompress(&z, data.len()).expect("our inflater reads our deflater");
    assert_eq!(ours, data, "own read back differs");
    // Stored blocks cost 5 bytes per 64 KiB plus 6 bytes of header and
    // checksum, so no sane deflater needs more than that.
    assert!(
        z.len() <= data.len() + 5 * (data.len() / 65_535 + 1) + 6,
        "{} > {}",
        z.len(),
        data.len()
    );
});

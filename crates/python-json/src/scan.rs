//! Finding, eight bytes at a time, where a JSON string stops being a plain
//! run of bytes that the reader and the writer can copy as they are.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of the word is zero (exact as a yes/no answer).
#[inline]
fn has_zero_byte(w: u64) -> bool {
    w.wrapping_sub(ONES) & !w & HIGH != 0
}

/// Whether any of the 8 bytes in `w` ends a plain run: below 0x20, 0x80 or
/// above, `"`, `\`, and with `ESCAPE_DEL` also 0x7F.
#[inline]
fn word_is_special<const ESCAPE_DEL: bool>(w: u64) -> bool {
    // Bytes >= 0x80 show in the high bits; bytes < 0x20 are found with the
    // classic "has a byte less than n" trick, exact for n <= 128.
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    (w | below_space) & HIGH != 0
        || has_zero_byte(w ^ (ONES * u64::from(b'"')))
        || has_zero_byte(w ^ (ONES * u64::from(b'\\')))
        || (ESCAPE_DEL && has_zero_byte(w ^ (ONES * 0x7F)))
}

#[inline]
fn byte_is_special<const ESCAPE_DEL: bool>(b: u8) -> bool {
    !(0x20..0x80).contains(&b) || b == b'"' || b == b'\\' || (ESCAPE_DEL && b == 0x7F)
}

/// Length of the leading run of `bytes` that is copied as it is: the
/// reader stops at `"`, `\`, control characters and bytes >= 0x80 (which
/// it transcodes from latin-1); the writer (`ESCAPE_DEL`) also at DEL,
/// which Python escapes.
#[inline]
pub(super) fn plain_run<const ESCAPE_DEL: bool>(bytes: &[u8]) -> usize {
    let mut i = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if word_is_special::<ESCAPE_DEL>(u64::from_le_bytes(word)) {
            break;
        }
        i += 8;
    }
    let tail = bytes.get(i..).unwrap_or(&[]);
    i + tail
        .iter()
        .position(|&b| byte_is_special::<ESCAPE_DEL>(b))
        .unwrap_or(tail.len())
}

#[cfg(test)]
mod tests {
    use super::plain_run;

    #[test]
    fn word_and_byte_paths_agree() {
        for special in [0u8, 0x1f, b'"', b'\\', 0x7f, 0x80, 0xff] {
            for pos in 0..20 {
                let mut v = vec![b'a'; 20];
                v[pos] = special;
                let writer_stops = pos;
                let reader_stops = if special == 0x7f { 20 } else { pos };
                assert_eq!(plain_run::<true>(&v), writer_stops, "{special:#x} at {pos}");
                assert_eq!(
                    plain_run::<false>(&v),
                    reader_stops,
                    "{special:#x} at {pos}"
                );
            }
        }
        assert_eq!(plain_run::<true>(b" ~abc"), 5);
    }
}

//! Finding, eight bytes at a time, where a JSON string stops being a plain
//! run of bytes that the reader and the writer can copy as they are.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of a byte is set where `w` has a zero byte (or only above
/// one): exact as a yes/no answer.
#[inline]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w
}

/// Whether any of the 8 bytes in `w` ends a plain run: below 0x20, 0x80 or
/// above, `"`, `\`, and with `ESCAPE_DEL` also 0x7F.
#[inline]
fn word_is_special<const ESCAPE_DEL: bool>(w: u64) -> bool {
    // Each term sets a byte's high bit where that byte is special (or only
    // above a special one, which changes no yes/no answer): bytes < 0x20 by
    // the classic "has a byte less than n" trick, exact for n <= 128;
    // bytes >= 0x80 by their own high bit; with `ESCAPE_DEL`, 0x7F and up
    // by adding 1 (a carry only leaves a byte that is 0xFF, special itself).
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    let high = if ESCAPE_DEL {
        w.wrapping_add(ONES) | w
    } else {
        w
    };
    let quote = zero_bytes(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_bytes(w ^ (ONES * u64::from(b'\\')));
    (below_space | high | quote | backslash) & HIGH != 0
}

#[inline]
fn byte_is_special<const ESCAPE_DEL: bool>(b: u8) -> bool {
    !(0x20..0x80).contains(&b) || b == b'"' || b == b'\\' || (ESCAPE_DEL && b == 0x7F)
}

/// Length of the leading run of `bytes` that is copied as it is: the
/// reader stops at `"`, `\`, control characters and bytes >= 0x80 (which
/// it transcodes from latin-1); the writer (`ESCAPE_DEL`) also at DEL,
/// which Python escapes.
///
/// Whole words are tested, the last one overlapping the one before (or,
/// under eight bytes, made of overlapping halves or sample bytes: a byte
/// seen twice changes nothing in a yes/no test); bytes are looked at one
/// by one only to find where a special one is.
#[inline]
pub(crate) fn plain_run<const ESCAPE_DEL: bool>(bytes: &[u8]) -> usize {
    let mut i = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if word_is_special::<ESCAPE_DEL>(u64::from_le_bytes(word)) {
            return i + first_special::<ESCAPE_DEL>(chunk);
        }
        i += 8;
    }
    let tail = bytes.get(i..).unwrap_or(&[]);
    if tail.is_empty() || !word_is_special::<ESCAPE_DEL>(tail_word(bytes, tail)) {
        return bytes.len();
    }
    i + first_special::<ESCAPE_DEL>(tail)
}

/// A word in which every byte of `tail` (the last 1 to 7 bytes of `bytes`)
/// appears, and nothing else but those bytes and spaces.
#[inline]
fn tail_word(bytes: &[u8], tail: &[u8]) -> u64 {
    if let Some(last) = bytes.last_chunk::<8>() {
        // Overlaps bytes already found plain.
        return u64::from_le_bytes(*last);
    }
    if let (Some(first), Some(last)) = (tail.first_chunk::<4>(), tail.last_chunk::<4>()) {
        return u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32;
    }
    let at = |i: usize| tail.get(i).copied().unwrap_or(b' ');
    u64::from_le_bytes([
        at(0),
        at(tail.len() / 2),
        at(tail.len().wrapping_sub(1)),
        b' ',
        b' ',
        b' ',
        b' ',
        b' ',
    ])
}

/// Where the first special byte of `bytes` is (its length if none).
#[inline]
fn first_special<const ESCAPE_DEL: bool>(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| byte_is_special::<ESCAPE_DEL>(b))
        .unwrap_or(bytes.len())
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
        // Every byte value in every lane, alone and after a 0xFF (whose
        // carry the writer's DEL test must not let hide anything).
        for b in 0..=255u8 {
            for pos in 0..16 {
                for before in [b'x', 0xff] {
                    let mut v = vec![b'x'; 16];
                    if pos > 0 {
                        v[pos - 1] = before;
                    }
                    v[pos] = b;
                    for (del, got) in [
                        (false, plain_run::<false>(&v)),
                        (true, plain_run::<true>(&v)),
                    ] {
                        let want = v
                            .iter()
                            .position(|&c| {
                                !(0x20..0x80).contains(&c)
                                    || c == b'"'
                                    || c == b'\\'
                                    || (del && c == 0x7f)
                            })
                            .unwrap_or(16);
                        assert_eq!(got, want, "{b:#x} at {pos} after {before:#x}, del {del}");
                    }
                }
            }
        }
        // Every length, every position, the tail paths included.
        for len in 0..20 {
            let plain = vec![b'x'; len];
            assert_eq!(plain_run::<true>(&plain), len);
            assert_eq!(plain_run::<false>(&plain), len);
            for pos in 0..len {
                for special in [b'"', 0x7f, 0x80, 0x00] {
                    let mut v = plain.clone();
                    v[pos] = special;
                    let want = v
                        .iter()
                        .position(|&b| b == b'"' || !(0x20..0x80).contains(&b))
                        .unwrap_or(len);
                    assert_eq!(plain_run::<false>(&v), want, "{len} {pos} {special}");
                    let want = v
                        .iter()
                        .position(|&b| b == b'"' || !(0x20..0x7f).contains(&b))
                        .unwrap_or(len);
                    assert_eq!(plain_run::<true>(&v), want, "{len} {pos} {special}");
                }
            }
        }
    }
}

//! Django's base64 (docs/django-format.md §2.3): URL-safe alphabet, `=` padding stripped on
//! encode. The decoder mirrors Python's non-validating `urlsafe_b64decode`
//! after Django re-pads the text.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why base64 text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum B64Error {
    /// The number of base64 characters is 1 more than a multiple of 4, which
    /// no byte string encodes to.
    BadLength,
    /// Python's decoder would report "Incorrect padding": junk characters
    /// were dropped, leaving too few symbols for the padding Django added.
    IncorrectPadding,
}

impl core::fmt::Display for B64Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            B64Error::BadLength => {
                "the base64 text has an impossible length (1 more than a multiple of 4)"
            }
            B64Error::IncorrectPadding => {
                "the base64 text has characters outside the alphabet (incorrect padding)"
            }
        })
    }
}

impl std::error::Error for B64Error {}

/// Appends the unpadded URL-safe base64 text of `data` to `out`.
pub fn encode_into(data: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(data, out);
}

/// The unpadded URL-safe base64 text of `data`.
#[cfg(test)]
fn encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

fn sextet(b: u8) -> Option<u8> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    })
}

/// Decodes `text` exactly as Django's `b64_decode` does: the text is padded
/// to a multiple of 4 with `=`, then decoded with both the URL-safe and the
/// standard alphabet accepted and any other character skipped (but still
/// counted toward the padding).
///
/// # Errors
/// The inputs on which Python raises `binascii.Error`.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, B64Error> {
    let mut out = Vec::new();
    decode_into(text, &mut out)?;
    Ok(out)
}

/// [`decode`] into `out` (cleared first), so a caller can reuse a buffer.
///
/// # Errors
/// As [`decode`].
pub fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), B64Error> {
    out.clear();
    // One pass in the common case: the engine accepts exactly the canonical
    // unpadded URL-safe text a correct encoder writes (it checks every
    // byte, the length and the trailing bits itself), and Python decodes
    // such text to the same bytes. Anything else takes Python's lenient
    // rules below.
    if URL_SAFE_NO_PAD.decode_vec(text, out).is_ok() {
        return Ok(());
    }
    out.clear();
    decode_lenient(text, out)
}

/// The 32 bytes of a 43-character signature, if it is canonical unpadded
/// URL-safe base64 (what Django's `signature()` writes); `None` otherwise,
/// since no key's signature can then equal it as text.
pub fn decode_signature(text: &[u8]) -> Option<[u8; 32]> {
    let mut tag = [0u8; 32];
    match URL_SAFE_NO_PAD.decode_slice(text, &mut tag) {
        Ok(32) if text.len() == 43 => Some(tag),
        _ => None,
    }
}

/// The general path of [`decode`], following CPython's non-strict
/// `binascii.a2b_base64` fed with Django's re-padded text: bytes are emitted
/// as soon as each symbol completes one, a complete padded group ends the
/// input, and anything outside both alphabets is skipped.
fn decode_lenient(text: &[u8], out: &mut Vec<u8>) -> Result<(), B64Error> {
    let pad = (4 - text.len() % 4) % 4;
    out.reserve(text.len() / 4 * 3 + 3);
    let mut left: u8 = 0; // bits carried to the next output byte
    let mut quad = 0u8; // symbols seen in the current group
    let mut pads = 0u8; // '=' seen since the last symbol
    for &b in text.iter().chain(core::iter::repeat_n(&b'=', pad)) {
        if b == b'=' {
            if quad >= 2 {
                pads = pads.saturating_add(1);
                if quad.saturating_add(pads) >= 4 {
                    return Ok(());
                }
            }
            continue;
        }
        let Some(s) = sextet(b) else { continue };
        pads = 0;
        match quad {
            0 => {
                left = s;
                quad = 1;
            }
            1 => {
                out.push((left << 2) | (s >> 4));
                left = s & 0x0f;
                quad = 2;
            }
            2 => {
                out.push((left << 4) | (s >> 2));
                left = s & 0x03;
                quad = 3;
            }
            _ => {
                out.push((left << 6) | s);
                left = 0;
                quad = 0;
            }
        }
    }
    match quad {
        0 => Ok(()),
        1 => Err(B64Error::BadLength),
        _ => Err(B64Error::IncorrectPadding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_url_alphabet() {
        let data = [0xfbu8, 0xff, 0xfe, 0x00, 0x10];
        let s = encode(&data);
        assert_eq!(s, "-__-ABA");
        assert_eq!(decode(s.as_bytes()), Ok(data.to_vec()));
    }

    #[test]
    fn standard_alphabet_is_accepted() {
        assert_eq!(decode(b"+//+ABA"), Ok(vec![0xfb, 0xff, 0xfe, 0x00, 0x10]));
    }

    #[test]
    fn length_one_mod_four() {
        assert_eq!(decode(b"eyJhI"), Err(B64Error::BadLength));
    }

    #[test]
    fn junk_char_gives_incorrect_padding() {
        // "e30" is "{}"; a junk char makes 4 chars, no padding added, 3 symbols left.
        assert_eq!(decode(b"e3!0"), Err(B64Error::IncorrectPadding));
    }

    #[test]
    fn empty_is_empty() {
        assert_eq!(decode(b""), Ok(vec![]));
    }
}

//! python-json's table-free float parser (`--cfg python_json_compact_float`,
//! what the npm package's wasm module uses) against the standard library's:
//! the same double, bit for bit, for JSON number text with any sign, any
//! number of digits before and after the point (leading and trailing zeros
//! included, past the 800 digits it keeps), and any exponent.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Number {
    negative: bool,
    integer: Vec<u8>,
    fraction: Option<Vec<u8>>,
    zeros: (u16, u16),
    exponent: Option<(Option<bool>, u64)>,
}

fn digits(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(b'0' + b % 10)).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(n) = Number::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let mut text = String::new();
    if n.negative {
        text.push('-');
    }
    text.push_str(&"0".repeat(usize::from(n.zeros.0 % 900)));
    text.push_str(&digits(&n.integer));
    if text.trim_start_matches('-').is_empty() {
        text.push('0');
    }
    if let Some(f) = &n.fraction {
        text.push('.');
        text.push_str(&digits(f));
        text.push_str(&"0".repeat(usize::from(n.zeros.1 % 900)));
        if f.is_empty() {
            text.push('0');
        }
    }
    if let Some((sign, e)) = n.exponent {
        text.push('e');
        match sign {
            Some(true) => text.push('+'),
            Some(false) => text.push('-'),
            None => {}
        }
        // Mostly exponents near the double range, sometimes huge ones.
        let e = if e % 8 == 0 { e } else { e % 400 };
        text.push_str(&e.to_string());
    }
    let want = text.parse::<f64>().ok().map(f64::to_bits);
    let got = python_json::compact_float_parse(&text).map(f64::to_bits);
    assert_eq!(got, want, "{text}");
});

//! The writer: `json.dumps(obj, separators=(",", ":"))` with Python's
//! defaults (`ensure_ascii=True`, `allow_nan=True`, insertion order).

use std::io::Write as _;

use crate::scan;
use crate::{Number, Value};

/// Python's `repr(float)`, which is what `json.dumps` writes for a float.
///
/// The digits are the shortest ones that read back to the same double. They
/// are written positionally when the decimal exponent `e` satisfies
/// `-4 <= e < 16` (always with a fractional part), otherwise as
/// `d[.ddd]e±XX`. `NaN` and the infinities come out as the non-standard
/// tokens `NaN`, `Infinity` and `-Infinity`.
///
/// ```
/// use python_json::python_float_repr;
/// assert_eq!(python_float_repr(100.0), "100.0");
/// assert_eq!(python_float_repr(0.00001), "1e-05");
/// assert_eq!(python_float_repr(1e16), "1e+16");
/// assert_eq!(python_float_repr(f64::NEG_INFINITY), "-Infinity");
/// ```
pub fn python_float_repr(f: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_float(&mut out, f);
    // The text is pure ASCII, so each byte is one char.
    out.into_iter().map(char::from).collect()
}

/// Appends Python's `repr(f)` to `out` (see [`python_float_repr`]).
pub fn write_float(out: &mut Vec<u8>, f: f64) {
    if f.is_nan() {
        out.extend_from_slice(b"NaN");
        return;
    }
    if f.is_infinite() {
        out.extend_from_slice(if f > 0.0 { b"Infinity" } else { b"-Infinity" });
        return;
    }

    // Rust's `{:e}` gives the shortest round-trip digits, which is also what
    // Python's repr uses; only the layout differs. Let Rust write them at the
    // end of `out`, pick the digits and the exponent out of that text, then
    // replace it with Python's layout.
    let start = out.len();
    // Writing into a Vec<u8> cannot fail.
    let _ = write!(out, "{f:e}");
    let mut digits = [0u8; 40];
    let mut n = 0usize;
    let mut neg = false;
    let mut exp: i32 = 0;
    let mut exp_neg = false;
    let mut in_exp = false;
    for &b in out.get(start..).unwrap_or(&[]) {
        match b {
            b'-' if in_exp => exp_neg = true,
            b'-' => neg = true,
            b'e' => in_exp = true,
            b'0'..=b'9' if in_exp => {
                exp = exp.saturating_mul(10).saturating_add(i32::from(b - b'0'));
            }
            b'0'..=b'9' => {
                // A double never needs more than 17 significant digits, so
                // the 40 slots are never exhausted.
                if let Some(slot) = digits.get_mut(n) {
                    *slot = b;
                    n += 1;
                }
            }
            _ => {} // the '.' after the first digit
        }
    }
    out.truncate(start);
    if exp_neg {
        exp = -exp;
    }
    n = round_tie_to_even(f, &mut digits, n, exp);
    let digits = digits.get(..n).unwrap_or(&[]);

    if neg {
        out.push(b'-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            // `exp` is in 0..16 here.
            let int_len = usize::try_from(exp).unwrap_or(0) + 1;
            if n <= int_len {
                out.extend_from_slice(digits);
                out.resize(out.len() + (int_len - n), b'0');
                out.extend_from_slice(b".0");
            } else {
                let (int_part, frac_part) = digits.split_at(int_len);
                out.extend_from_slice(int_part);
                out.push(b'.');
                out.extend_from_slice(frac_part);
            }
        } else {
            // `exp` is in -4..0 here: "0." then -exp-1 zeros.
            let zeros = usize::try_from(-exp - 1).unwrap_or(0);
            out.extend_from_slice(b"0.");
            out.resize(out.len() + zeros, b'0');
            out.extend_from_slice(digits);
        }
    } else {
        let (first, rest) = digits.split_at(n.min(1));
        out.extend_from_slice(first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        write_u64(out, u64::from(e));
    }
}

/// Python and Rust agree on the shortest digit count, but when two
/// candidates of that length are exactly equally close to the double, Rust
/// rounds up and Python's `dtoa` picks the even last digit (e.g. the double
/// 1059438285926254.25: Rust says `...254.3`, Python `...254.2`). Fixes
/// `digits[..n]` (ASCII, first digit at exponent `exp`) in that case and
/// returns the new digit count.
fn round_tie_to_even(f: f64, digits: &mut [u8; 40], n: usize, exp: i32) -> usize {
    let Some(last) = n.checked_sub(1) else {
        return n;
    };
    let Some(&last_digit) = digits.get(last) else {
        return n;
    };
    // A tie is only possible for 17 digits or fewer, and only an odd last
    // digit needs a change.
    if n > 17 || (last_digit - b'0').is_multiple_of(2) {
        return n;
    }
    let d = digits
        .get(..n)
        .unwrap_or(&[])
        .iter()
        .fold(0u64, |acc, &c| acc * 10 + u64::from(c - b'0'));
    // Is |f| exactly (10 d - 5) * 10^q, the midpoint below the digits?
    let Ok(n_i32) = i32::try_from(n) else {
        return n;
    };
    let q = exp - n_i32;
    let midpoint = u128::from(d * 10 - 5);
    let bits = f.abs().to_bits();
    let biased = i32::try_from(bits >> 52).unwrap_or(0);
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, two_exp) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1u64 << 52, biased - 1075)
    };
    if mantissa == 0 {
        return n;
    }
    let zeros = mantissa.trailing_zeros();
    let odd = u128::from(mantissa >> zeros);
    // midpoint is odd, so |f| = midpoint * 10^q = odd * 2^(two_exp + zeros)
    // needs the powers of two to match and the odd parts to be equal.
    if two_exp + i32::try_from(zeros).unwrap_or(0) != q {
        return n;
    }
    let five_pow = 5u128.checked_pow(q.unsigned_abs());
    let equal = match five_pow {
        Some(p) if q >= 0 => midpoint.checked_mul(p) == Some(odd),
        Some(p) => odd.checked_mul(p) == Some(midpoint),
        None => false,
    };
    if !equal {
        return n;
    }
    // Use the even neighbour below, if it still reads back as `f`.
    let mut candidate = *digits;
    if let Some(c) = candidate.get_mut(last) {
        *c -= 1;
    }
    let mut m = n;
    while m > 1 && candidate.get(m - 1) == Some(&b'0') {
        m -= 1;
    }
    let mut text = String::with_capacity(m + 8);
    text.extend(
        candidate
            .get(..m)
            .unwrap_or(&[])
            .iter()
            .map(|&c| char::from(c)),
    );
    text.push('e');
    text.push_str(&(exp + 1 - i32::try_from(m).unwrap_or(0)).to_string());
    if crate::float::parse(&text) == Some(f.abs()) {
        *digits = candidate;
        return m;
    }
    n
}

/// Appends the decimal digits of `v`.
pub(crate) fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            // `v % 10` is below 10, so the cast keeps it whole.
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or(&[]));
}

pub(crate) fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(i) = n.as_i64() {
        if i < 0 {
            out.push(b'-');
        }
        write_u64(out, i.unsigned_abs());
    } else if let Some(u) = n.as_u64() {
        write_u64(out, u);
    } else if n.is_float() {
        write_float(out, n.as_f64().unwrap_or(f64::NAN));
    } else {
        // A big integer: its Display writes the stored canonical text.
        let _ = write!(out, "{n}");
    }
}

#[inline]
fn hex_digit(d: u32) -> u8 {
    // `d` is a nibble, so it fits a u8.
    let d = (d & 0xF) as u8;
    if d < 10 { b'0' + d } else { b'a' + d - 10 }
}

fn write_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        hex_digit(unit >> 12),
        hex_digit(unit >> 8),
        hex_digit(unit >> 4),
        hex_digit(unit),
    ]);
}

/// Appends `s` as a quoted JSON string with Python's `ensure_ascii=True`
/// escaping: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, and `\uXXXX` (lowercase
/// hex, UTF-16 surrogate pairs above U+FFFF) for every other character outside
/// 0x20..=0x7E. The output is pure ASCII.
///
/// ```
/// let mut out = Vec::new();
/// python_json::write_str(&mut out, "é\u{7f}😀\n");
/// assert_eq!(out, br#""\u00e9\u007f\ud83d\ude00\n""#);
/// ```
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let plain = scan::plain_run::<true>(bytes);
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if plain == bytes.len() {
        // The usual case: nothing to escape.
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    out.extend_from_slice(bytes.get(..plain).unwrap_or(&[]));
    let mut i = plain;
    while i < bytes.len() {
        let rest = bytes.get(i..).unwrap_or(&[]);
        let run = scan::plain_run::<true>(rest);
        out.extend_from_slice(rest.get(..run).unwrap_or(&[]));
        i += run;
        let Some(&b) = bytes.get(i) else { break };
        if b < 0x80 {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0C => out.extend_from_slice(b"\\f"),
                _ => write_u_escape(out, u32::from(b)),
            }
            i += 1;
        } else {
            // `i` is on a char boundary: runs and escapes end on one.
            let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else {
                break;
            };
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write_u_escape(out, u32::from(*unit));
            }
            i += c.len_utf8();
        }
    }
    out.push(b'"');
}

/// Appends the compact, ASCII-only JSON text of `v` to `out`, byte for byte
/// what Python's `json.dumps(v, separators=(",", ":"))` produces.
///
/// Nested values are walked with an explicit stack, so any depth is fine.
pub fn write_value(out: &mut Vec<u8>, v: &Value) {
    write_value_depth(out, v);
}

/// [`write_value`], returning how deeply `v` nests: 0 for a scalar, 1 for
/// an array or object of scalars (empty ones included), and so on. This is
/// the depth the reader's `max_depth` is compared with.
pub fn write_value_depth(out: &mut Vec<u8>, v: &Value) -> usize {
    enum Frame<'a> {
        Array(core::slice::Iter<'a, Value>),
        Object(indexmap::map::Iter<'a, String, Value>),
    }

    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut depth = 0;
    let mut cur = v;
    loop {
        if matches!(cur, Value::Array(_) | Value::Object(_)) {
            depth = depth.max(stack.len() + 1);
        }
        match cur {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(n) => write_number(out, n),
            Value::String(s) => write_str(out, s),
            Value::Array(a) => {
                out.push(b'[');
                let mut items = a.iter();
                if let Some(first) = items.next() {
                    stack.push(Frame::Array(items));
                    cur = first;
                    continue;
                }
                out.push(b']');
            }
            Value::Object(m) => {
                out.push(b'{');
                let mut entries = m.iter();
                if let Some((k, first)) = entries.next() {
                    write_str(out, k);
                    out.push(b':');
                    stack.push(Frame::Object(entries));
                    cur = first;
                    continue;
                }
                out.push(b'}');
            }
        }
        // `cur` is complete: move on to the next sibling, closing every
        // container that has run out.
        loop {
            match stack.last_mut() {
                None => return depth,
                Some(Frame::Array(items)) => {
                    if let Some(next) = items.next() {
                        out.push(b',');
                        cur = next;
                        break;
                    }
                    out.push(b']');
                }
                Some(Frame::Object(entries)) => {
                    if let Some((k, next)) = entries.next() {
                        out.push(b',');
                        write_str(out, k);
                        out.push(b':');
                        cur = next;
                        break;
                    }
                    out.push(b'}');
                }
            }
            stack.pop();
        }
    }
}

/// The compact, ASCII-only JSON text of `v` (see [`write_value`]).
pub fn to_vec(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v);
    out
}

#[cfg(test)]
// Exact float literals are the point of these tests.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
mod tests {
    use super::*;
    use crate::Map;

    fn text(v: &Value) -> String {
        String::from_utf8(to_vec(v)).unwrap()
    }

    #[test]
    fn float_repr_table() {
        // (value, Python 3 repr)
        let cases: &[(f64, &str)] = &[
            // every float of the `dumps/floats` vector
            (3.14159, "3.14159"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1e22, "1e+22"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-0.0, "-0.0"),
            (-2.5e-7, "-2.5e-07"),
            (123456789.123, "123456789.123"),
            // more edges
            (0.0, "0.0"),
            (-1.0, "-1.0"),
            (1.5, "1.5"),
            (9999999999999998.0, "9999999999999998.0"),
            (1e16 + 2.0, "1.0000000000000002e+16"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.00012345, "0.00012345"),
            (0.000012345, "1.2345e-05"),
            (0.001, "0.001"),
            (1e-7, "1e-07"),
            (1e100, "1e+100"),
            (1e-100, "1e-100"),
            (1.5e300, "1.5e+300"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"), // smallest normal
            (2.225073858507201e-308, "2.225073858507201e-308"),   // largest subnormal
            (1e-310, "1e-310"),
            (-4.9406564584124654e-324, "-5e-324"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::EPSILON, "2.220446049250313e-16"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (1234.5, "1234.5"),
            (9007199254740993.0, "9007199254740992.0"),
            // exact ties between two shortest candidates: Python rounds
            // half to even, Rust's formatter rounds half up
            (1059438285926254.25, "1059438285926254.2"),
            (1125899906842624.25, "1125899906842624.2"),
            (1125899906842624.75, "1125899906842624.8"),
            (1125899906842625.25, "1125899906842625.2"),
            (4503599627370495.5, "4503599627370495.5"),
            (562949953421312.125, "562949953421312.1"),
            (562949953421312.375, "562949953421312.4"),
            (f64::NAN, "NaN"),
            (-f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for &(f, want) in cases {
            assert_eq!(python_float_repr(f), want, "repr of {f:e}");
            let mut out = b"x".to_vec();
            write_float(&mut out, f);
            assert_eq!(&out[1..], want.as_bytes(), "write_float of {f:e}");
        }
    }

    #[test]
    fn float_repr_round_trips() {
        // Every finite output must read back as the same double.
        let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            bits = bits
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let f = f64::from_bits(bits);
            if !f.is_finite() {
                continue;
            }
            let s = python_float_repr(f);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), f.to_bits(), "{s}");
            assert!(
                s.contains('.') || s.contains('e'),
                "{s} must not look like an int"
            );
        }
    }

    #[test]
    fn string_escapes() {
        let cases: &[(&str, &str)] = &[
            ("", r#""""#),
            ("plain ascii ~!", r#""plain ascii ~!""#),
            ("quote\"d", r#""quote\"d""#),
            ("back\\slash", r#""back\\slash""#),
            ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
            ("\u{0}\u{1}\u{1f}", r#""\u0000\u0001\u001f""#),
            ("del\u{7f}", r#""del\u007f""#),
            ("\u{80}\u{a0}\u{ff}", r#""\u0080\u00a0\u00ff""#),
            ("\u{2028}\u{2029}", r#""\u2028\u2029""#),
            ("\u{abcd}\u{FFFF}", r#""\uabcd\uffff""#),
            ("😀", r#""\ud83d\ude00""#),
            ("\u{10000}\u{10FFFF}", r#""\ud800\udc00\udbff\udfff""#),
            ("/<>&'", r#""/<>&'""#),
            ("José García", r#""Jos\u00e9 Garc\u00eda""#),
            // Runs longer than a word, with the special byte at every lane.
            ("0123456789abcdef\"", r#""0123456789abcdef\"""#),
            ("01234567\\89abcdef", r#""01234567\\89abcdef""#),
            ("0123456\u{7f}89abcdef", r#""0123456\u007f89abcdef""#),
            ("012345678\u{1f}9abcdef", r#""012345678\u001f9abcdef""#),
        ];
        for &(s, want) in cases {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), want, "escaping {s:?}");
        }
    }

    #[test]
    fn every_char_class_escapes_like_python() {
        // Python: 0x20..=0x7E as is (except " and \), everything else \u.
        for c in (0u32..0x3000)
            .chain(0xE000..0x10100)
            .filter_map(char::from_u32)
        {
            let mut out = Vec::new();
            write_str(&mut out, &c.to_string());
            let got = String::from_utf8(out).unwrap();
            let inner = &got[1..got.len() - 1];
            let want = match c {
                '"' => "\\\"".to_owned(),
                '\\' => "\\\\".to_owned(),
                '\n' => "\\n".to_owned(),
                '\r' => "\\r".to_owned(),
                '\t' => "\\t".to_owned(),
                '\u{8}' => "\\b".to_owned(),
                '\u{c}' => "\\f".to_owned(),
                ' '..='~' => c.to_string(),
                _ => c
                    .encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect(),
            };
            assert_eq!(inner, want, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn values_compact_in_insertion_order() {
        let mut inner = Map::new();
        inner.insert("z".into(), Value::Null);
        inner.insert("a".into(), Value::Array(vec![]));
        let mut m = Map::new();
        m.insert("b".into(), Value::from(1));
        m.insert("a".into(), Value::from(1.0));
        m.insert("e".into(), Value::Object(Map::new()));
        m.insert("n".into(), Value::Object(inner));
        m.insert(
            "l".into(),
            Value::Array(vec![true.into(), false.into(), Value::Null, "s".into()]),
        );
        assert_eq!(
            text(&Value::Object(m)),
            r#"{"b":1,"a":1.0,"e":{},"n":{"z":null,"a":[]},"l":[true,false,null,"s"]}"#
        );
    }

    #[test]
    fn integers() {
        assert_eq!(text(&Value::from(0)), "0");
        assert_eq!(text(&Value::from(-17)), "-17");
        assert_eq!(text(&Value::from(i64::MIN)), "-9223372036854775808");
        assert_eq!(text(&Value::from(i64::MAX)), "9223372036854775807");
        assert_eq!(text(&Value::from(u64::MAX)), "18446744073709551615");
        assert_eq!(
            text(&Value::from(i128::MIN)),
            "-170141183460469231731687303715884105728"
        );
        let big = "1".repeat(300);
        let n = Number::from_integer_str(&big).unwrap();
        assert_eq!(text(&Value::Number(n)), big);
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let mut v = Value::Null;
        for _ in 0..10_000 {
            v = Value::Array(vec![v]);
        }
        let out = to_vec(&v);
        let want = format!("{}null{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(out == want.as_bytes(), "10k nested arrays written wrongly");
        // Take it apart by hand: the recursive drop of 10k levels is what
        // would overflow in debug builds, not the writer.
        let mut cur = v;
        while let Value::Array(mut a) = cur {
            cur = a.pop().unwrap_or(Value::Null);
        }
    }
}

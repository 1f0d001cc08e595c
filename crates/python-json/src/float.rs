//! Decimal text to the nearest `f64`.
//!
//! [`parse`] is Rust's own parser (`str::parse::<f64>`), except in builds
//! with `--cfg python_json_compact_float`, where it is [`compact`]: the
//! same correctly rounded result without the standard library's 10 KB
//! table of powers of five, for WebAssembly modules whose size counts (the
//! `signed-session` npm package). Most floats take an exact fast path
//! there (at most 15 digits and a power of ten up to 1e22, Clinger's
//! method); the rest are computed exactly with big integers, which is
//! slower but rare in session data. Tests compare the two on hard cases
//! and on random text.

/// The nearest `f64` to JSON number text (`-`, digits, a fraction, an
/// exponent), rounding half to even, infinite past the largest double.
/// `None` for text that is not such a number.
pub(crate) fn parse(text: &str) -> Option<f64> {
    #[cfg(python_json_compact_float)]
    {
        compact(text)
    }
    #[cfg(not(python_json_compact_float))]
    {
        text.parse().ok()
    }
}

/// Powers of ten that a double holds exactly.
#[cfg_attr(
    not(any(test, python_json_compact_float, feature = "__internal-api")),
    allow(dead_code)
)]
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Significant digits kept: a tie between two doubles needs at most 767,
/// so past this a non-zero tail only decides which side of a tie the
/// value is on, and one digit 1 stands for it.
#[cfg_attr(
    not(any(test, python_json_compact_float, feature = "__internal-api")),
    allow(dead_code)
)]
const MAX_DIGITS: usize = 800;

/// What `parse` computes (the nearest `f64`), without the standard
/// library's tables.
#[cfg_attr(
    not(any(test, python_json_compact_float, feature = "__internal-api")),
    allow(dead_code)
)]
pub fn compact(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let mut digits: Vec<u8> = Vec::new();
    // value = digits × 10^exp10
    let mut exp10: i64 = 0;
    let mut i = 0;
    let mut seen_digit = false;
    let mut dropped_nonzero = false;
    let mut push = |d: u8, digits: &mut Vec<u8>, fraction: bool, exp10: &mut i64| {
        if digits.is_empty() && d == 0 {
            if fraction {
                *exp10 -= 1;
            }
            return;
        }
        if digits.len() < MAX_DIGITS {
            digits.push(d);
            if fraction {
                *exp10 -= 1;
            }
        } else {
            dropped_nonzero |= d != 0;
            if !fraction {
                *exp10 += 1;
            }
        }
    };
    while let Some(&c) = rest.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        seen_digit = true;
        push(c - b'0', &mut digits, false, &mut exp10);
        i += 1;
    }
    if rest.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&c) = rest.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            seen_digit = true;
            push(c - b'0', &mut digits, true, &mut exp10);
            i += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    if matches!(rest.get(i), Some(b'e' | b'E')) {
        i += 1;
        let sign: i64 = match rest.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 1,
        };
        let mut e: i64 = 0;
        let start = i;
        while let Some(&c) = rest.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            // Saturates far beyond any double, where only the sign matters.
            e = e.saturating_mul(10).saturating_add(i64::from(c - b'0'));
            i += 1;
        }
        if i == start {
            return None;
        }
        exp10 = exp10.saturating_add(sign.saturating_mul(e));
    }
    if i != rest.len() {
        return None;
    }
    if dropped_nonzero {
        digits.push(1);
        exp10 = exp10.saturating_sub(1);
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exp10 = exp10.saturating_add(1);
    }
    let magnitude = magnitude(&digits, exp10);
    Some(if negative { -magnitude } else { magnitude })
}

/// `digits × 10^exp10`, correctly rounded (`digits` without leading or
/// trailing zeros).
fn magnitude(digits: &[u8], exp10: i64) -> f64 {
    let n = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    if n == 0 || n.saturating_add(exp10) < -324 {
        return 0.0;
    }
    if n.saturating_add(exp10) > 310 {
        return f64::INFINITY;
    }
    // Clinger's fast path: both operands exact, so one rounding.
    if n <= 15 && (-22..=22).contains(&exp10) {
        let d = digits.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x));
        #[allow(clippy::cast_precision_loss)] // below 10^15 < 2^53: exact
        let f = d as f64;
        let p = EXACT_POW10
            .get(usize::try_from(exp10.unsigned_abs()).unwrap_or(0))
            .copied()
            .unwrap_or(1.0);
        return if exp10 >= 0 { f * p } else { f / p };
    }
    let mut d = Big::from_digits(digits);
    if exp10 >= 0 {
        for _ in 0..exp10 {
            d.mul_small(10);
        }
        let (m, e2, sticky) = d.top_bits();
        round(m, e2, sticky)
    } else {
        let mut q = Big::from_digits(&[1]);
        for _ in 0..(-exp10) {
            q.mul_small(10);
        }
        // Scale one side so that the quotient has 55 or 56 bits: enough
        // for 53, a rounding bit and more.
        let (bd, bq) = (d.bits(), q.bits());
        let e2 = if bq + 55 >= bd {
            let s = bq + 55 - bd;
            d.shl(s);
            -i64::from(s)
        } else {
            let t = bd - bq - 55;
            q.shl(t);
            i64::from(t)
        };
        let (m, sticky) = d.div_small_quotient(&q, 57);
        round(m, i32::try_from(e2).unwrap_or(i32::MIN), sticky)
    }
}

/// `m × 2^e2` (plus less than one unit of `m` when `sticky`), rounded half
/// to even to a double, subnormals and overflow included.
fn round(m: u128, e2: i32, sticky: bool) -> f64 {
    if m == 0 {
        return 0.0;
    }
    let b = i32::try_from(128 - m.leading_zeros()).unwrap_or(128);
    let top = b - 1 + e2;
    if top > 1023 {
        return f64::INFINITY;
    }
    // Bits the result keeps: 53, fewer below the normal range.
    let p = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
    let drop = b - p;
    let (kept, scale) = if drop <= 0 {
        (m, e2)
    } else {
        let d = drop.unsigned_abs();
        let kept = if d >= 128 { 0 } else { m >> d };
        let half = d <= 128 && (m >> (d - 1)) & 1 == 1;
        let below = if d > 128 {
            m
        } else {
            m & ((1u128 << (d - 1)) - 1)
        };
        let rest = below != 0 || sticky;
        let up = half && (rest || kept & 1 == 1);
        (kept + u128::from(up), e2 + drop)
    };
    #[allow(clippy::cast_precision_loss)] // at most 2^53: exact
    ldexp(kept as f64, scale)
}

/// `x × 2^k`, exact whenever the result is representable (and `x` is
/// exact with at most 53 bits).
fn ldexp(mut x: f64, mut k: i32) -> f64 {
    let pow2 = |e: i32| f64::from_bits(u64::try_from(1023 + e).unwrap_or(0) << 52);
    while k > 1000 {
        x *= pow2(1000);
        k -= 1000;
    }
    while k < -1000 {
        x *= pow2(-1000);
        k += 1000;
    }
    x * pow2(k)
}

/// A non-negative big integer, 32-bit limbs, least significant first.
struct Big(Vec<u32>);

impl Big {
    fn from_digits(digits: &[u8]) -> Self {
        let mut b = Big(Vec::with_capacity(digits.len() / 9 + 1));
        for &d in digits {
            b.mul_small(10);
            b.add_small(u32::from(d));
        }
        b
    }

    fn mul_small(&mut self, k: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(k) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn add_small(&mut self, k: u32) {
        let mut carry = u64::from(k);
        for limb in &mut self.0 {
            if carry == 0 {
                return;
            }
            let v = u64::from(*limb) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn bits(&self) -> u32 {
        match self.0.iter().rposition(|&l| l != 0) {
            None => 0,
            Some(i) => {
                let top = self.0.get(i).copied().unwrap_or(0);
                u32::try_from(i).unwrap_or(u32::MAX / 64) * 32 + (32 - top.leading_zeros())
            }
        }
    }

    fn bit(&self, i: u32) -> bool {
        self.0
            .get(usize::try_from(i / 32).unwrap_or(usize::MAX))
            .is_some_and(|l| (l >> (i % 32)) & 1 == 1)
    }

    fn shl(&mut self, n: u32) {
        let words = usize::try_from(n / 32).unwrap_or(0);
        let bits = n % 32;
        if bits != 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let next = *limb >> (32 - bits);
                *limb = (*limb << bits) | carry;
                carry = next;
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if words != 0 {
            self.0.splice(0..0, core::iter::repeat_n(0, words));
        }
    }

    /// The top 64 bits, the power of two they stand for, and whether any
    /// bit below them is set.
    fn top_bits(&self) -> (u128, i32, bool) {
        let b = self.bits();
        let start = b.saturating_sub(64);
        let mut m = 0u128;
        for i in (start..b).rev() {
            m = (m << 1) | u128::from(self.bit(i));
        }
        let sticky = (0..start).any(|i| self.bit(i));
        (m, i32::try_from(start).unwrap_or(i32::MAX), sticky)
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    fn compare(&self, other: &Big) -> core::cmp::Ordering {
        let len = self.0.len().max(other.0.len());
        for i in (0..len).rev() {
            let x = self.0.get(i).copied().unwrap_or(0);
            let y = other.0.get(i).copied().unwrap_or(0);
            if x != y {
                return x.cmp(&y);
            }
        }
        core::cmp::Ordering::Equal
    }

    /// `self -= other`, for `other <= self`.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0u64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let y = u64::from(other.0.get(i).copied().unwrap_or(0)) + borrow;
            let x = u64::from(*limb);
            if x >= y {
                *limb = (x - y) as u32;
                borrow = 0;
            } else {
                *limb = (x + (1u64 << 32) - y) as u32;
                borrow = 1;
            }
        }
        self.trim();
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.0.iter_mut().rev() {
            let next = *limb & 1;
            *limb = (*limb >> 1) | (carry << 31);
            carry = next;
        }
        self.trim();
    }

    /// `self / q` when the quotient has at most `bits` bits, and whether a
    /// remainder is left. Binary long division: slow, and only for the
    /// rare floats the fast path leaves.
    fn div_small_quotient(mut self, q: &Big, bits: u32) -> (u128, bool) {
        let mut t = Big(q.0.clone());
        t.shl(bits - 1);
        let mut quotient = 0u128;
        for shift in (0..bits).rev() {
            if self.compare(&t) != core::cmp::Ordering::Less {
                self.sub(&t);
                quotient |= 1u128 << shift;
            }
            t.shr1();
        }
        (quotient, !self.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::compact;

    fn same(text: &str) {
        let want = text.parse::<f64>().ok();
        let got = compact(text);
        assert_eq!(
            got.map(f64::to_bits),
            want.map(f64::to_bits),
            "{text}: compact {got:?}, std {want:?}"
        );
    }

    #[test]
    fn hard_cases_match_the_standard_parser() {
        for text in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "1.0",
            "0.1",
            "0.30000000000000004",
            "1e16",
            "1e+16",
            "1e22",
            "1e23",
            "9007199254740993",
            "9007199254740992",
            "9007199254740994",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.797693134862315807e308",
            "1.7976931348623159e308",
            "1e309",
            "5e-324",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "2.225073858507201136057409796709131975934819546351645648e-308",
            "123456789.123",
            "-2.5e-7",
            "3.14159",
            "1e-400",
            "1e-07",
            "100.0",
            "1000000000000000.0",
            "4503599627370496.5",
            "4503599627370497.5",
            "0.000000000000000000000000000001",
            "7.2057594037927933e16",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126",
            "1e999999999999999999999",
            "1e-999999999999999999999",
            "123e",
            "e5",
            ".5",
            "1.",
            "-",
            "",
        ] {
            same(text);
        }
        // A halfway case written out with more than MAX_DIGITS digits.
        let mut long = String::from("1.00000000000000011102230246251565404236316680908203125");
        long.push_str(&"0".repeat(900));
        same(&long);
        long.push('1');
        same(&long);
    }

    #[test]
    fn random_text_matches_the_standard_parser() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let f = f64::from_bits(next());
            if !f.is_finite() {
                continue;
            }
            same(&format!("{f:e}"));
            same(&format!("{f:.17e}"));
            same(&format!("{f:.25e}"));
            let digits = (next() % 25) + 1;
            let mantissa: String = (0..digits)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            let exp = (next() % 700) as i64 - 350;
            same(&format!("{mantissa}e{exp}"));
            same(&format!("0.{mantissa}e{exp}"));
        }
    }
}

//! A seeded generator of awkward JSON payloads for the differential tests.
//!
//! It aims at the places where two JSON implementations disagree: every
//! class of Unicode (control characters, DEL, C1, U+2028, noncharacters,
//! astral planes), floats at the edges of `repr` (subnormals, the 1e16
//! switch to exponent form, `-0.0`, `NaN`, the infinities), integers past
//! 64 bits, long repetitive strings that compress, and object keys that
//! are not in sorted order.

use signed_session::{Map, Number, Value};

/// SplitMix64: tiny, seedable, and good enough to spread test cases.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The seed for this run: `$SIGNED_SESSION_INTEROP_SEED` if set, else fresh
/// from the clock (printed by the tests so a failure can be replayed).
pub fn seed() -> u64 {
    if let Some(s) = std::env::var("SIGNED_SESSION_INTEROP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return s;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    Rng::new(nanos ^ u64::from(std::process::id())).next_u64()
}

/// How many generated cases to run each way: `$SIGNED_SESSION_INTEROP_CASES`
/// or `default`.
pub fn case_count(default: usize) -> usize {
    std::env::var("SIGNED_SESSION_INTEROP_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Characters that JSON writers tend to get wrong.
const AWKWARD: &[char] = &[
    '"',
    '\\',
    '/',
    '<',
    '>',
    '&',
    '\'',
    '\u{7f}',
    '\u{80}',
    '\u{9f}',
    '\u{a0}',
    '\u{ad}',
    '\u{ff}',
    '\u{2028}',
    '\u{2029}',
    '\u{200b}',
    '\u{200d}',
    '\u{feff}',
    '\u{fffd}',
    '\u{fffe}',
    '\u{ffff}',
    '\u{d7ff}',
    '\u{e000}',
    '\u{0301}',
    '\u{10000}',
    '\u{1f600}',
    '\u{1f511}',
    '\u{1d11e}',
    '\u{10ffff}',
    '\u{e0001}',
];

/// One character from a randomly chosen class.
pub fn char_of(rng: &mut Rng) -> char {
    let code = match rng.below(14) {
        0..=4 => rng.range(0x20, 0x7e) as u32,
        5 => rng.range(0x00, 0x1f) as u32,
        6 => return *rng.pick(AWKWARD),
        7 => rng.range(0x80, 0xff) as u32,
        8 => rng.range(0x100, 0x7ff) as u32,
        // Anywhere in the BMP; surrogates are not characters and are skipped.
        9 => {
            let c = rng.range(0x800, 0xffff) as u32;
            if (0xd800..=0xdfff).contains(&c) {
                c - 0x800
            } else {
                c
            }
        }
        10 => rng.range(0x4e00, 0x9fff) as u32,
        11 => rng.range(0x1_0000, 0x10_ffff) as u32,
        12 => rng.range(0x1f300, 0x1faff) as u32,
        _ => *rng.pick(&[
            0x2028, 0x2029, 0x7f, 0x00, 0x1f, 0x0a, 0x0d, 0x09, 0x08, 0x0c,
        ]),
    };
    char::from_u32(code).unwrap_or('\u{fffd}')
}

/// A string: usually short and mixed, sometimes long and repetitive (so
/// that zlib has something to do), sometimes empty.
pub fn string(rng: &mut Rng) -> String {
    match rng.below(20) {
        0 => String::new(),
        1 | 2 => {
            let chunk: String = (0..rng.range(1, 6)).map(|_| char_of(rng)).collect();
            chunk.repeat(rng.range(10, 120) as usize)
        }
        3 => {
            let word = rng.pick(&[
                "lorem ",
                "ipsum ",
                "ab",
                "\u{e9}t\u{e9} ",
                "\u{1f600}",
                "\\\"",
                "\n",
            ]);
            word.repeat(rng.range(5, 80) as usize)
        }
        4 => (0..rng.range(1, 8)).map(|_| *rng.pick(AWKWARD)).collect(),
        _ => (0..rng.range(1, 16)).map(|_| char_of(rng)).collect(),
    }
}

/// An object key: often plain ASCII, sometimes anything `string` makes.
pub fn key(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 | 1 => {
            let len = rng.range(1, 10);
            (0..len)
                .map(|_| *rng.pick(&['a', 'b', 'z', 'A', '_', '0', '9', '-', '.', ' ']))
                .collect()
        }
        2 => rng
            .pick(&[
                "_auth_user_id",
                "_session_expiry",
                "testcookie",
                "",
                "cart",
                "\u{e9}",
                "\u{1f511}",
            ])
            .to_string(),
        _ => (0..rng.range(0, 8)).map(|_| char_of(rng)).collect(),
    }
}

/// Floats that sit on the edges of Python's `repr` and of IEEE-754.
// The tie values below are exact doubles; clippy calls them too precise
// because Rust's own formatter prints them with the other tie digit.
#[allow(clippy::excessive_precision)]
pub const EDGE_FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    0.5,
    100.0,
    0.0001,
    0.00001,
    0.000123,
    1e15,
    9_999_999_999_999_998.0,
    1e16,
    1.0000000000000002e16,
    -1e16,
    1e17,
    1e21,
    1e22,
    1e23,
    123_456_789.123,
    0.30000000000000004,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    2.2250738585072014e-308,
    2.225_073_858_507_201e-308,
    5e-324,
    -5e-324,
    1e-323,
    9_007_199_254_740_992.0,
    9_007_199_254_740_993.0,
    f64::EPSILON,
    // Exact ties between two shortest candidates: Python's repr picks the
    // even last digit (…774.2), a naive shortest formatter rounds up.
    1_108_978_065_236_774.25,
    1_216_493_800_201_501.25,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

/// A float: an edge case, a subnormal, an arbitrary bit pattern, or an
/// ordinary decimal.
pub fn float(rng: &mut Rng) -> f64 {
    match rng.below(6) {
        0 | 1 => *rng.pick(EDGE_FLOATS),
        2 => {
            // Subnormal: exponent bits all zero, random mantissa and sign.
            let bits = rng.next_u64() & ((1u64 << 52) - 1) | (rng.below(2) << 63);
            f64::from_bits(bits)
        }
        3 => f64::from_bits(rng.next_u64()),
        4 => {
            // A short decimal scaled across the positional/exponent boundary.
            let mant = rng.below(2_000_000) as f64 - 1_000_000.0;
            mant * 10f64.powi(rng.range(0, 44) as i32 - 22)
        }
        _ => (rng.unit() - 0.5) * 10f64.powi(rng.range(0, 40) as i32 - 20),
    }
}

/// An integer: small, at the 64-bit edges, or far past them.
pub fn integer(rng: &mut Rng) -> Number {
    match rng.below(6) {
        0 | 1 => Number::from(rng.below(2001) as i64 - 1000),
        2 => Number::from(*rng.pick(&[
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(i64::MAX) + 1,
            i128::from(i64::MIN) - 1,
            i128::from(u64::MAX),
            i128::from(u64::MAX) + 1,
            (1i128 << 53) + 1,
            -(1i128 << 53) - 1,
            i128::MAX,
            i128::MIN,
            0,
        ])),
        3 => Number::from(rng.next_u64() as i64),
        _ => {
            let mut digits = String::new();
            if rng.chance(1, 2) {
                digits.push('-');
            }
            digits.push(char::from(b'1' + rng.below(9) as u8));
            for _ in 0..rng.range(19, 60) {
                digits.push(char::from(b'0' + rng.below(10) as u8));
            }
            Number::from_integer_str(&digits).unwrap()
        }
    }
}

/// Any JSON value, nesting at most `depth` more levels.
pub fn value(rng: &mut Rng, depth: u32) -> Value {
    let kinds = if depth == 0 { 6 } else { 9 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(1, 2)),
        2 => Value::Number(integer(rng)),
        3 => Value::from(float(rng)),
        4 | 5 => Value::String(string(rng)),
        6 => Value::Array((0..rng.below(5)).map(|_| value(rng, depth - 1)).collect()),
        _ => object(rng, depth - 1, 5),
    }
}

/// An object with up to `max_len` entries, its keys in generation order
/// (which is rarely sorted), or deliberately reverse-sorted.
pub fn object(rng: &mut Rng, depth: u32, max_len: u64) -> Value {
    let mut m = Map::new();
    let n = rng.below(max_len + 1);
    if rng.chance(1, 8) {
        let mut keys: Vec<String> = (0..n).map(|_| key(rng)).collect();
        keys.sort();
        keys.reverse();
        for k in keys {
            let v = value(rng, depth);
            m.insert(k, v);
        }
    } else {
        for _ in 0..n {
            let k = key(rng);
            let v = value(rng, depth);
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

/// A payload as `dumps` would get it: mostly a session-like object, now
/// and then any top-level value.
pub fn payload(rng: &mut Rng) -> Value {
    if rng.chance(1, 6) {
        value(rng, 3)
    } else {
        object(rng, 3, 8)
    }
}

/// A secret: Django `SECRET_KEY`s come in all shapes, including non-ASCII.
pub fn secret(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => rng
            .pick(&[
                "k",
                "django-insecure-abc123",
                "cl\u{e9}-secr\u{e8}te-\u{1f511}",
            ])
            .to_string(),
        1 => "L".repeat(rng.range(60, 200) as usize),
        _ => {
            let s: String = (0..rng.range(1, 50)).map(|_| char_of(rng)).collect();
            if s.is_empty() { "x".to_owned() } else { s }
        }
    }
}

/// A salt, including the empty one (Django then uses the class path).
pub fn salt(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => String::new(),
        1 => "django.core.signing".to_owned(),
        2 => "django.contrib.sessions.backends.signed_cookies".to_owned(),
        _ => (0..rng.range(1, 20)).map(|_| char_of(rng)).collect(),
    }
}

/// A signing time in Unix seconds, with or without a fraction, including
/// 0, negative times and far-future ones (up to the year 9999, the end of
/// what a clock can show).
pub fn sign_time(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => 1_700_000_000.0,
        1 => 1_700_000_000.999,
        2 => *rng.pick(&[
            0.0,
            -1.5,
            -86_400.0,
            61.0,
            62.0,
            2_147_483_648.0,
            // Late in 9999: load times up to 14 days later still fit the
            // instants a clock can show.
            253_400_000_000.0,
            0.5,
        ]),
        3 => rng.below(4_000_000_000) as f64,
        _ => 1_600_000_000.0 + rng.unit() * 200_000_000.0,
    }
}

/// A `max_age` (or none) and a load time relative to `signed_at`, aimed
/// at the strict `age > max_age` boundary as often as not.
pub fn age_check(rng: &mut Rng, signed_at: f64) -> (Option<f64>, f64) {
    let whole = signed_at.trunc();
    let max_age = match rng.below(6) {
        0 | 1 => None,
        2 => Some(0.0),
        3 => Some(3600.0),
        4 => Some(1_209_600.0),
        _ => Some((rng.below(10_000) as f64) / 4.0),
    };
    let now = match (rng.below(6), max_age) {
        (0, Some(m)) => whole + m,
        (1, Some(m)) => whole + m + 0.25,
        (2, Some(m)) => whole + m + 1.0,
        (3, _) => whole - 5000.0,
        _ => signed_at + rng.unit() * 7200.0,
    };
    (max_age, now)
}

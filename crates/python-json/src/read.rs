//! The reader: `json.loads(data.decode("latin-1"))`.
//!
//! Every input byte is one character (latin-1), so bytes 0x80..=0xFF inside
//! strings become U+0080..=U+00FF and offsets are byte offsets. One parser
//! loop serves both building a [`Value`] and validating without building
//! (a [`Sink`] decides what to make of each piece), so the two cannot drift
//! apart. Nesting is tracked on an explicit stack, never by recursion.

use core::ops::Range;
use std::collections::HashMap;
use std::hash::BuildHasher as _;

use crate::keys::{has_repeat, same_bytes};
use crate::scan;
use crate::{Map, Number, Value};

/// How deeply arrays and objects may nest before the reader gives up.
pub const DEFAULT_MAX_DEPTH: usize = 128;

/// Python refuses to convert integer text longer than this many digits
/// (`sys.get_int_max_str_digits()`, default since Python 3.11).
pub const MAX_INTEGER_DIGITS: usize = 4300;

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// What went wrong.
    pub kind: JsonErrorKind,
    /// Byte offset in the input where it was noticed.
    pub offset: usize,
}

impl JsonError {
    fn new(kind: JsonErrorKind, offset: usize) -> Self {
        JsonError { kind, offset }
    }

    /// What went wrong.
    pub fn kind(&self) -> JsonErrorKind {
        self.kind
    }

    /// Byte offset in the input where it was noticed.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

/// The kinds of [`JsonError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input ended where more was needed (this includes empty input).
    UnexpectedEnd,
    /// A character that cannot start a value was found where a value was
    /// expected.
    ExpectedValue,
    /// An object key was not followed by `:`.
    ExpectedColon,
    /// An array or object element was followed by something other than `,`
    /// or the closing bracket.
    ExpectedCommaOrEnd,
    /// An object key is not a string (this includes a trailing comma before
    /// `}`).
    NonStringKey,
    /// Something other than whitespace follows the top-level value.
    TrailingData,
    /// A malformed number, e.g. `-` without digits, a leading zero (`01`),
    /// or `.`/`e` without digits after them.
    InvalidNumber,
    /// An integer with more than [`MAX_INTEGER_DIGITS`] digits, which Python
    /// refuses to convert.
    IntegerTooLong,
    /// A string whose closing quote is missing (the offset is that of the
    /// opening quote).
    UnterminatedString,
    /// A backslash followed by something that is not a valid escape, or a
    /// `\u` without four hex digits.
    InvalidEscape,
    /// A `\u` escape of a UTF-16 surrogate that is not part of a pair. Python
    /// accepts it, but a Rust string cannot hold it.
    LoneSurrogate,
    /// A raw control character (below 0x20) inside a string, which Python's
    /// strict mode refuses.
    ControlCharacter,
    /// Arrays and objects are nested deeper than the allowed depth.
    TooDeep,
}

impl JsonErrorKind {
    fn describe(self) -> &'static str {
        match self {
            JsonErrorKind::UnexpectedEnd => "the JSON text ends too early",
            JsonErrorKind::ExpectedValue => "expected a JSON value",
            JsonErrorKind::ExpectedColon => "expected ':' after an object key",
            JsonErrorKind::ExpectedCommaOrEnd => "expected ',' or a closing bracket",
            JsonErrorKind::NonStringKey => "expected an object key in double quotes",
            JsonErrorKind::TrailingData => "unexpected data after the JSON value",
            JsonErrorKind::InvalidNumber => "malformed number",
            JsonErrorKind::IntegerTooLong => {
                "integer has more than 4300 digits (Python's conversion limit)"
            }
            JsonErrorKind::UnterminatedString => "string is never closed",
            JsonErrorKind::InvalidEscape => "invalid escape sequence in a string",
            JsonErrorKind::LoneSurrogate => "\\u escape of an unpaired UTF-16 surrogate",
            JsonErrorKind::ControlCharacter => "raw control character inside a string",
            JsonErrorKind::TooDeep => "arrays and objects are nested too deeply",
        }
    }
}

impl core::fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.describe())
    }
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} at byte {}", self.kind.describe(), self.offset)
    }
}

impl std::error::Error for JsonError {}

type Result<T> = core::result::Result<T, JsonError>;

fn err<T>(kind: JsonErrorKind, offset: usize) -> Result<T> {
    Err(JsonError::new(kind, offset))
}

// ---------------------------------------------------------------------------
// Small scanners

/// The position of the first byte at or after `i` that is not JSON
/// whitespace (Python's `[ \t\n\r]*`).
#[inline]
pub(crate) fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(i) {
        i += 1;
    }
    i
}

/// Where decoded string content goes: a buffer, or nowhere (validation only).
pub(crate) trait StrOut {
    fn ascii(&mut self, run: &[u8]);
    fn latin1(&mut self, b: u8);
    fn char(&mut self, c: char);
}

impl StrOut for Vec<u8> {
    #[inline]
    fn ascii(&mut self, run: &[u8]) {
        self.extend_from_slice(run);
    }
    #[inline]
    fn latin1(&mut self, b: u8) {
        // U+0080..=U+00FF in UTF-8.
        self.extend_from_slice(&[0xC0 | (b >> 6), 0x80 | (b & 0x3F)]);
    }
    #[inline]
    fn char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

/// Validation only: string content is dropped.
struct Discard;

impl StrOut for Discard {
    #[inline]
    fn ascii(&mut self, _: &[u8]) {}
    #[inline]
    fn latin1(&mut self, _: u8) {}
    #[inline]
    fn char(&mut self, _: char) {}
}

/// The four hex digits at `at` (either case).
#[inline]
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at.checked_add(4)?)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &b| Some(acc << 4 | char::from(b).to_digit(16)?))
}

/// Decodes the escape whose backslash is at `i`; returns the position after
/// it. `start` is the string's opening quote, for the error offset.
fn read_escape<O: StrOut>(bytes: &[u8], i: usize, start: usize, out: &mut O) -> Result<usize> {
    let Some(&c) = bytes.get(i + 1) else {
        return err(JsonErrorKind::UnterminatedString, start);
    };
    let simple = match c {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'u' => {
            let Some(unit) = hex4(bytes, i + 2) else {
                return err(JsonErrorKind::InvalidEscape, i);
            };
            let mut next = i + 6;
            let code = match unit {
                0xD800..=0xDBFF => {
                    // A high surrogate must be followed by a `\u` low one.
                    if bytes.get(next..next + 2) != Some(b"\\u") {
                        return err(JsonErrorKind::LoneSurrogate, i);
                    }
                    let Some(low) = hex4(bytes, next + 2) else {
                        return err(JsonErrorKind::InvalidEscape, next);
                    };
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return err(JsonErrorKind::LoneSurrogate, i);
                    }
                    next += 6;
                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                0xDC00..=0xDFFF => return err(JsonErrorKind::LoneSurrogate, i),
                _ => unit,
            };
            let Some(ch) = char::from_u32(code) else {
                return err(JsonErrorKind::LoneSurrogate, i);
            };
            out.char(ch);
            return Ok(next);
        }
        _ => return err(JsonErrorKind::InvalidEscape, i),
    };
    out.ascii(&[simple]);
    Ok(i + 2)
}

/// Reads the string whose opening quote is at `start`, decoding it into
/// `out`; returns the position after the closing quote.
#[inline]
fn read_string<O: StrOut>(bytes: &[u8], start: usize, out: &mut O) -> Result<usize> {
    read_string_from(bytes, start, start + 1, out)
}

/// [`read_string`] for a string whose content up to `from` has already
/// been decoded into `out` (a plain run that a caller scanned itself).
pub(crate) fn read_string_from<O: StrOut>(
    bytes: &[u8],
    start: usize,
    from: usize,
    out: &mut O,
) -> Result<usize> {
    let mut i = from;
    loop {
        let rest = bytes.get(i..).unwrap_or(&[]);
        let run = scan::plain_run::<false>(rest);
        out.ascii(rest.get(..run).unwrap_or(&[]));
        i += run;
        match bytes.get(i) {
            None => return err(JsonErrorKind::UnterminatedString, start),
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => i = read_escape(bytes, i, start, out)?,
            Some(&b) if b < 0x20 => return err(JsonErrorKind::ControlCharacter, i),
            Some(&b) => {
                out.latin1(b);
                i += 1;
            }
        }
    }
}

/// Reads a string into a new `String`: allocated once, at its exact size,
/// when the string is one plain ASCII run (most keys and values are).
#[expect(
    clippy::expect_used,
    reason = "plain runs are ASCII, and the decoder only writes whole UTF-8 chars"
)]
fn read_owned_string(bytes: &[u8], start: usize) -> Result<(String, usize)> {
    let from = start + 1;
    let rest = bytes.get(from..).unwrap_or(&[]);
    let run = scan::plain_run::<false>(rest);
    let plain = rest.get(..run).unwrap_or(&[]);
    if rest.get(run) == Some(&b'"') {
        let text = core::str::from_utf8(plain).expect("a plain run is ASCII");
        return Ok((text.to_owned(), from + run + 1));
    }
    let mut buf = Vec::with_capacity(run + 16);
    buf.extend_from_slice(plain);
    let end = read_string_from(bytes, start, from + run, &mut buf)?;
    let text = String::from_utf8(buf).expect("ASCII runs and whole encoded chars are UTF-8");
    Ok((text, end))
}

/// Scans the number at `start` (Python's
/// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`); returns its end and whether it
/// is an integer (no fraction, no exponent).
pub(crate) fn scan_number(bytes: &[u8], start: usize) -> Result<(usize, bool)> {
    let digits_from = |mut i: usize| {
        while let Some(b'0'..=b'9') = bytes.get(i) {
            i += 1;
        }
        i
    };
    let mut i = start;
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits_from(i + 1),
        Some(_) => return err(JsonErrorKind::InvalidNumber, start),
        None => return err(JsonErrorKind::UnexpectedEnd, i),
    }
    let int_end = i;
    let mut integer = true;
    if bytes.get(i) == Some(&b'.') {
        let end = digits_from(i + 1);
        if end == i + 1 {
            return err(JsonErrorKind::InvalidNumber, i);
        }
        integer = false;
        i = end;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        let mut j = i + 1;
        if let Some(b'+' | b'-') = bytes.get(j) {
            j += 1;
        }
        let end = digits_from(j);
        if end == j {
            return err(JsonErrorKind::InvalidNumber, i);
        }
        integer = false;
        i = end;
    }
    // Python's regex would stop before these, and what follows a number can
    // never be one of them, so the text is malformed either way.
    if let Some(b'0'..=b'9' | b'.' | b'e' | b'E') = bytes.get(i) {
        return err(JsonErrorKind::InvalidNumber, i);
    }
    if integer && int_end - int_start > MAX_INTEGER_DIGITS {
        return err(JsonErrorKind::IntegerTooLong, start);
    }
    Ok((i, integer))
}

/// The value of integer text validated by [`scan_number`], if it has at
/// most 18 digits (so that it fits an `i64` whatever they are).
#[inline]
pub(crate) fn small_integer(text: &[u8]) -> Option<i64> {
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.len() > 18 {
        return None;
    }
    let magnitude = digits
        .iter()
        .fold(0i64, |acc, &d| acc * 10 + i64::from(d.wrapping_sub(b'0')));
    Some(if neg { -magnitude } else { magnitude })
}

/// Converts number text validated by [`scan_number`].
pub(crate) fn make_number(text: &[u8], integer: bool, at: usize) -> Result<Number> {
    let bad = || JsonError::new(JsonErrorKind::InvalidNumber, at);
    if integer {
        if let Some(v) = small_integer(text) {
            return Ok(Number::from(v));
        }
        let (neg, digits) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        // Up to 38 digits fit an i128 either way; that covers i64, u64 and
        // then some without going through text.
        if digits.len() <= 38 {
            let magnitude = digits
                .iter()
                .fold(0i128, |acc, &d| acc * 10 + i128::from(d - b'0'));
            return Ok(Number::from(if neg { -magnitude } else { magnitude }));
        }
        let s = core::str::from_utf8(text).map_err(|_| bad())?;
        Number::from_integer_str(s).ok_or_else(bad)
    } else {
        let s = core::str::from_utf8(text).map_err(|_| bad())?;
        // Rounded correctly and, like Python's float(), an exponent too
        // large gives an infinity.
        crate::float::parse(s).map(Number::from).ok_or_else(bad)
    }
}

/// Matches the literal `word` at `i`.
pub(crate) fn literal(bytes: &[u8], i: usize, word: &[u8]) -> Result<usize> {
    let end = i + word.len();
    match bytes.get(i..end) {
        Some(found) if found == word => Ok(end),
        Some(_) => err(JsonErrorKind::ExpectedValue, i),
        None if word.starts_with(bytes.get(i..).unwrap_or(&[])) => {
            err(JsonErrorKind::UnexpectedEnd, bytes.len())
        }
        None => err(JsonErrorKind::ExpectedValue, i),
    }
}

// ---------------------------------------------------------------------------
// The parser

/// A scalar that needs no input text to build.
#[derive(Clone, Copy)]
enum Literal {
    Null,
    True,
    False,
    NaN,
    Infinity,
    NegInfinity,
}

/// What the parser makes of the pieces it finds.
trait Sink {
    type Value;
    type Array;
    type Object;
    type Key: Default;
    fn literal(&mut self, l: Literal) -> Self::Value;
    fn number(&mut self, text: &[u8], integer: bool, at: usize) -> Result<Self::Value>;
    /// Reads the string whose quote is at `at`; returns it and its end.
    fn string(&mut self, bytes: &[u8], at: usize) -> Result<(Self::Value, usize)>;
    fn key(&mut self, bytes: &[u8], at: usize) -> Result<(Self::Key, usize)>;
    fn new_array(&mut self) -> Self::Array;
    fn push(&mut self, a: &mut Self::Array, v: Self::Value);
    fn finish_array(&mut self, a: Self::Array) -> Self::Value;
    fn new_object(&mut self) -> Self::Object;
    fn insert(&mut self, o: &mut Self::Object, k: Self::Key, v: Self::Value);
    fn finish_object(&mut self, o: Self::Object) -> Self::Value;
}

/// Builds [`Value`]s.
struct Build;

impl Sink for Build {
    type Value = Value;
    type Array = Vec<Value>;
    type Object = Map;
    type Key = String;

    fn literal(&mut self, l: Literal) -> Value {
        match l {
            Literal::Null => Value::Null,
            Literal::True => Value::Bool(true),
            Literal::False => Value::Bool(false),
            Literal::NaN => Value::Number(Number::from(f64::NAN)),
            Literal::Infinity => Value::Number(Number::from(f64::INFINITY)),
            Literal::NegInfinity => Value::Number(Number::from(f64::NEG_INFINITY)),
        }
    }
    fn number(&mut self, text: &[u8], integer: bool, at: usize) -> Result<Value> {
        make_number(text, integer, at).map(Value::Number)
    }
    fn string(&mut self, bytes: &[u8], at: usize) -> Result<(Value, usize)> {
        read_owned_string(bytes, at).map(|(s, end)| (Value::String(s), end))
    }
    fn key(&mut self, bytes: &[u8], at: usize) -> Result<(String, usize)> {
        read_owned_string(bytes, at)
    }
    fn new_array(&mut self) -> Vec<Value> {
        Vec::new()
    }
    fn push(&mut self, a: &mut Vec<Value>, v: Value) {
        a.push(v);
    }
    fn finish_array(&mut self, a: Vec<Value>) -> Value {
        Value::Array(a)
    }
    fn new_object(&mut self) -> Map {
        // Most objects that are read have a few keys: one allocation each
        // for entries and index holds them, where growing from empty
        // takes three.
        Map::with_capacity(8)
    }
    fn insert(&mut self, o: &mut Map, k: String, v: Value) {
        // Python's dict(pairs): the last value wins, the first position stays.
        o.insert(k, v);
    }
    fn finish_object(&mut self, o: Map) -> Value {
        Value::Object(o)
    }
}

/// Validates without building anything.
struct Skip;

impl Sink for Skip {
    type Value = ();
    type Array = ();
    type Object = ();
    type Key = ();

    fn literal(&mut self, _: Literal) {}
    fn number(&mut self, _: &[u8], _: bool, _: usize) -> Result<()> {
        Ok(())
    }
    fn string(&mut self, bytes: &[u8], at: usize) -> Result<((), usize)> {
        read_string(bytes, at, &mut Discard).map(|end| ((), end))
    }
    fn key(&mut self, bytes: &[u8], at: usize) -> Result<((), usize)> {
        read_string(bytes, at, &mut Discard).map(|end| ((), end))
    }
    fn new_array(&mut self) {}
    fn push(&mut self, _: &mut (), _: ()) {}
    fn finish_array(&mut self, _: ()) {}
    fn new_object(&mut self) {}
    fn insert(&mut self, _: &mut (), _: (), _: ()) {}
    fn finish_object(&mut self, _: ()) {}
}

enum Frame<S: Sink> {
    Array(S::Array),
    Object(S::Object, S::Key),
}

/// Reads an object key whose opening quote should be at `i`, and the `:`
/// after it; returns the key and the position after the colon.
fn key_and_colon<S: Sink>(sink: &mut S, bytes: &[u8], i: usize) -> Result<(S::Key, usize)> {
    match bytes.get(i) {
        Some(b'"') => {}
        Some(_) => return err(JsonErrorKind::NonStringKey, i),
        None => return err(JsonErrorKind::UnexpectedEnd, i),
    }
    let (key, end) = sink.key(bytes, i)?;
    let i = skip_ws(bytes, end);
    match bytes.get(i) {
        Some(b':') => Ok((key, i + 1)),
        Some(_) => err(JsonErrorKind::ExpectedColon, i),
        None => err(JsonErrorKind::UnexpectedEnd, i),
    }
}

/// Parses one value starting at `pos` (after optional whitespace); returns
/// it and the position just after it.
fn parse_value<S: Sink>(
    sink: &mut S,
    bytes: &[u8],
    pos: usize,
    max_depth: usize,
) -> Result<(S::Value, usize)> {
    let mut stack: Vec<Frame<S>> = Vec::new();
    let mut i = pos;
    'value: loop {
        i = skip_ws(bytes, i);
        let Some(&b) = bytes.get(i) else {
            return err(JsonErrorKind::UnexpectedEnd, i);
        };
        let mut v = match b {
            b'[' | b'{' if stack.len() >= max_depth => {
                return err(JsonErrorKind::TooDeep, i);
            }
            b'[' => {
                let after = skip_ws(bytes, i + 1);
                if bytes.get(after) == Some(&b']') {
                    i = after + 1;
                    let a = sink.new_array();
                    sink.finish_array(a)
                } else {
                    stack.push(Frame::Array(sink.new_array()));
                    i += 1;
                    continue 'value;
                }
            }
            b'{' => {
                let after = skip_ws(bytes, i + 1);
                if bytes.get(after) == Some(&b'}') {
                    i = after + 1;
                    let o = sink.new_object();
                    sink.finish_object(o)
                } else {
                    let (key, next) = key_and_colon(sink, bytes, after)?;
                    stack.push(Frame::Object(sink.new_object(), key));
                    i = next;
                    continue 'value;
                }
            }
            b'"' => {
                let (s, end) = sink.string(bytes, i)?;
                i = end;
                s
            }
            b'-' if bytes.get(i + 1) == Some(&b'I') => {
                i = literal(bytes, i, b"-Infinity")?;
                sink.literal(Literal::NegInfinity)
            }
            b'-' | b'0'..=b'9' => {
                let (end, integer) = scan_number(bytes, i)?;
                let v = sink.number(bytes.get(i..end).unwrap_or(&[]), integer, i)?;
                i = end;
                v
            }
            b'n' => {
                i = literal(bytes, i, b"null")?;
                sink.literal(Literal::Null)
            }
            b't' => {
                i = literal(bytes, i, b"true")?;
                sink.literal(Literal::True)
            }
            b'f' => {
                i = literal(bytes, i, b"false")?;
                sink.literal(Literal::False)
            }
            b'N' => {
                i = literal(bytes, i, b"NaN")?;
                sink.literal(Literal::NaN)
            }
            b'I' => {
                i = literal(bytes, i, b"Infinity")?;
                sink.literal(Literal::Infinity)
            }
            _ => return err(JsonErrorKind::ExpectedValue, i),
        };

        // `v` is complete: hand it to its container, then either go on to
        // the next element or close containers until one stays open.
        loop {
            let Some(frame) = stack.last_mut() else {
                return Ok((v, i));
            };
            i = skip_ws(bytes, i);
            let next = bytes.get(i).copied();
            match frame {
                Frame::Array(a) => {
                    sink.push(a, v);
                    match next {
                        Some(b',') => {
                            i += 1;
                            continue 'value;
                        }
                        Some(b']') => i += 1,
                        Some(_) => return err(JsonErrorKind::ExpectedCommaOrEnd, i),
                        None => return err(JsonErrorKind::UnexpectedEnd, i),
                    }
                }
                Frame::Object(o, key) => {
                    sink.insert(o, core::mem::take(key), v);
                    match next {
                        Some(b',') => {
                            let (k, after) = key_and_colon(sink, bytes, skip_ws(bytes, i + 1))?;
                            *key = k;
                            i = after;
                            continue 'value;
                        }
                        Some(b'}') => i += 1,
                        Some(_) => return err(JsonErrorKind::ExpectedCommaOrEnd, i),
                        None => return err(JsonErrorKind::UnexpectedEnd, i),
                    }
                }
            }
            v = match stack.pop() {
                Some(Frame::Array(a)) => sink.finish_array(a),
                Some(Frame::Object(o, _)) => sink.finish_object(o),
                None => return err(JsonErrorKind::UnexpectedEnd, i),
            };
        }
    }
}

/// Parses a whole document: one value with optional whitespace around it.
fn parse_document<S: Sink>(sink: &mut S, bytes: &[u8], max_depth: usize) -> Result<S::Value> {
    let (v, end) = parse_value(sink, bytes, 0, max_depth)?;
    let end = skip_ws(bytes, end);
    if end != bytes.len() {
        return err(JsonErrorKind::TrailingData, end);
    }
    Ok(v)
}

/// Parses `bytes` exactly as Python's `json.loads(bytes.decode("latin-1"))`
/// does, except that a lone surrogate escape is refused.
///
/// Any value may be at the top level, surrounded by optional whitespace.
/// `NaN`, `Infinity` and `-Infinity` are accepted. A number without fraction
/// or exponent is an integer of any size (up to [`MAX_INTEGER_DIGITS`]
/// digits); any other number is a float. A repeated object key keeps its
/// first position and its last value. Arrays and objects may nest at most
/// `max_depth` deep ([`DEFAULT_MAX_DEPTH`] is a sensible choice; a deep
/// [`Value`] is also dropped recursively, so do not raise it far).
///
/// ```
/// use python_json::{DEFAULT_MAX_DEPTH, from_slice, to_vec};
/// let v = from_slice(b" {\"a\": [1, 1.0, NaN], \"a\": \"\xc3\xa9\"} ", DEFAULT_MAX_DEPTH)?;
/// assert_eq!(to_vec(&v), br#"{"a":"\u00c3\u00a9"}"#);
/// # Ok::<(), python_json::JsonError>(())
/// ```
///
/// # Errors
/// Whenever Python would raise (see [`JsonErrorKind`]), and for lone
/// surrogates and nesting deeper than `max_depth`.
pub fn from_slice(bytes: &[u8], max_depth: usize) -> Result<Value> {
    parse_document(&mut Build, bytes, max_depth)
}

/// Checks that `bytes` is one document [`from_slice`] accepts, with the
/// same rules and errors, without building it.
///
/// # Errors
/// As [`from_slice`].
pub fn validate(bytes: &[u8], max_depth: usize) -> Result<()> {
    parse_document(&mut Skip, bytes, max_depth)
}

/// Parses `bytes[range]` as a whole document, like [`from_slice`]. Error
/// offsets count from the start of `bytes`.
///
/// Meant for the ranges returned by [`parse_object_raw`]; those values sit
/// one level inside the object, so pass `max_depth - 1` to keep exactly the
/// limit of the enclosing document.
///
/// # Errors
/// As [`from_slice`]; [`JsonErrorKind::UnexpectedEnd`] if the range is not
/// inside `bytes`.
pub fn from_slice_at(bytes: &[u8], range: Range<usize>, max_depth: usize) -> Result<Value> {
    let start = range.start;
    let Some(part) = bytes.get(range) else {
        return err(JsonErrorKind::UnexpectedEnd, bytes.len());
    };
    from_slice(part, max_depth).map_err(|e| JsonError::new(e.kind, start + e.offset))
}

/// Checks that one JSON value starts at `pos` (after optional whitespace),
/// with exactly the rules of [`from_slice`], without building it. Returns
/// the offset just after the value; what follows is not looked at.
///
/// # Errors
/// As [`from_slice`] (but never [`JsonErrorKind::TrailingData`]).
pub fn skip_value(bytes: &[u8], pos: usize, max_depth: usize) -> Result<usize> {
    parse_value(&mut Skip, bytes, pos, max_depth).map(|((), end)| end)
}

/// The map from a key's hash to its first entry hashes that value no
/// further.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl core::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).rotate_left(5);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type KeyHashBuild = core::hash::BuildHasherDefault<KeyHasher>;

/// The top-level object of a validated document, its values left unbuilt:
/// each key (decoded) with the byte range of its raw value, in object
/// order. Made by [`parse_object_raw`]; [`from_slice_at`] builds a value.
///
/// The keys share one buffer, so reading an object costs a few
/// allocations, whatever its number of keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawObject {
    /// Every key's text, one after the other.
    keys: String,
    /// Per entry: the range of its key in `keys`, and of its value in the
    /// document.
    entries: Vec<(Range<usize>, Range<usize>)>,
}

impl RawObject {
    /// The number of entries (keys are unique).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the object has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in object order: each key and the byte range of its
    /// value in the document.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, Range<usize>)> + '_ {
        self.entries
            .iter()
            .map(|(key, value)| (self.key_at(key), value.clone()))
    }

    /// The keys in object order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.entries.iter().map(|(key, _)| self.key_at(key))
    }

    /// The position of `key` among the entries.
    #[must_use]
    pub fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| self.key_at(k) == key)
    }

    /// The byte range of the value under `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Range<usize>> {
        let at = self.position(key)?;
        self.entries.get(at).map(|(_, value)| value.clone())
    }

    /// The byte range of the value of the entry at `position`.
    #[must_use]
    pub fn get_index(&self, position: usize) -> Option<Range<usize>> {
        self.entries.get(position).map(|(_, value)| value.clone())
    }

    #[expect(
        clippy::expect_used,
        reason = "a key's range is made with the buffer, on the boundaries of whole keys"
    )]
    fn key_at(&self, range: &Range<usize>) -> &str {
        self.keys
            .get(range.clone())
            .expect("a key's range lies on char boundaries of the key buffer")
    }
}

impl core::fmt::Debug for RawObject {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Validates the document `bytes` with the rules of [`from_slice`] and, if
/// its top-level value is an object, returns its keys (decoded) with the
/// byte ranges of their raw values, in object order. A repeated key keeps
/// its first position and its last value's range, as [`from_slice`] does.
/// Returns `Ok(None)` if the document is valid but not an object.
///
/// The values are only validated, not built; [`from_slice_at`] builds one
/// later.
///
/// ```
/// use python_json::{from_slice_at, parse_object_raw};
/// let text = br#"{"a": [1, 2], "b": "x", "a": 3}"#;
/// let object = parse_object_raw(text, 128)?.unwrap_or_default();
/// assert_eq!(object.iter().collect::<Vec<_>>(), [("a", 29..30), ("b", 19..22)]);
/// assert_eq!(object.get("b"), Some(19..22));
/// assert_eq!(from_slice_at(text, 19..22, 127)?, python_json::Value::from("x"));
/// # Ok::<(), python_json::JsonError>(())
/// ```
///
/// # Errors
/// As [`from_slice`].
#[expect(
    clippy::expect_used,
    reason = "the key buffer only ever receives ASCII runs and whole encoded chars"
)]
pub fn parse_object_raw(bytes: &[u8], max_depth: usize) -> Result<Option<RawObject>> {
    let start = skip_ws(bytes, 0);
    if bytes.get(start) != Some(&b'{') {
        parse_document(&mut Skip, bytes, max_depth)?;
        return Ok(None);
    }
    let Some(inner_depth) = max_depth.checked_sub(1) else {
        return err(JsonErrorKind::TooDeep, start);
    };
    let mut keys: Vec<u8> = Vec::with_capacity(256);
    let mut entries: Vec<(Range<usize>, Range<usize>)> = Vec::with_capacity(16);
    let mut i = skip_ws(bytes, start + 1);
    if bytes.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            match bytes.get(i) {
                Some(b'"') => {}
                Some(_) => return err(JsonErrorKind::NonStringKey, i),
                None => return err(JsonErrorKind::UnexpectedEnd, i),
            }
            let key_start = keys.len();
            i = skip_ws(bytes, read_string(bytes, i, &mut keys)?);
            match bytes.get(i) {
                Some(b':') => {}
                Some(_) => return err(JsonErrorKind::ExpectedColon, i),
                None => return err(JsonErrorKind::UnexpectedEnd, i),
            }
            let value_start = skip_ws(bytes, i + 1);
            let value_end = skip_value(bytes, value_start, inner_depth)?;
            entries.push((key_start..keys.len(), value_start..value_end));
            i = skip_ws(bytes, value_end);
            match bytes.get(i) {
                Some(b',') => i = skip_ws(bytes, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                Some(_) => return err(JsonErrorKind::ExpectedCommaOrEnd, i),
                None => return err(JsonErrorKind::UnexpectedEnd, i),
            }
        }
    }
    let end = skip_ws(bytes, i);
    if end != bytes.len() {
        return err(JsonErrorKind::TrailingData, end);
    }
    // Repeated keys are rare: the whole object is checked once, at its
    // end, and merged only if it has one.
    let key = |range: &Range<usize>| keys.get(range.clone()).unwrap_or_default();
    if has_repeat(&entries, |(k, _)| key(k)) {
        entries = merge_repeats(entries, key);
    }
    let keys = String::from_utf8(keys).expect("decoded keys are UTF-8");
    Ok(Some(RawObject { keys, entries }))
}

/// Python's dict over `entries` that repeat a key: each key at its first
/// position, with its last value.
///
/// Keys are found again through a map from the key's hash to its first
/// entry. The hash is SipHash under std's per-process random key (the one
/// `Map` uses), so nobody can craft keys that share a hash and push every
/// lookup onto the linear fallback, which only keeps chance collisions
/// correct.
#[cold]
fn merge_repeats<'k>(
    entries: Vec<(Range<usize>, Range<usize>)>,
    key: impl Fn(&Range<usize>) -> &'k [u8],
) -> Vec<(Range<usize>, Range<usize>)> {
    let keyed = std::hash::RandomState::new();
    let mut index: HashMap<u64, usize, KeyHashBuild> =
        HashMap::with_capacity_and_hasher(entries.len(), KeyHashBuild::default());
    let mut merged: Vec<(Range<usize>, Range<usize>)> = Vec::with_capacity(entries.len());
    for (name, value) in entries {
        let bytes = key(&name);
        let hash = keyed.hash_one(bytes);
        let same = |(k, _): &(Range<usize>, Range<usize>)| same_bytes(key(k), bytes);
        let found = match index.get(&hash) {
            None => None,
            Some(&at) if merged.get(at).is_some_and(same) => Some(at),
            Some(_) => merged.iter().position(same),
        };
        match found.and_then(|at| merged.get_mut(at)) {
            Some(entry) => entry.1 = value,
            None => {
                index.entry(hash).or_insert(merged.len());
                merged.push((name, value));
            }
        }
    }
    merged
}

#[cfg(test)]
// Exact float literals are the point of these tests.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
mod tests {
    use super::*;
    use crate::to_vec;
    use JsonErrorKind as K;

    /// Issue 11, item 5: the duplicate-key index used an unkeyed hash
    /// (FNV-1a folded eight bytes at a time), for which 16-byte keys
    /// sharing one 64-bit hash can be solved directly; every such key then
    /// fell back to a linear search, and parsing went quadratic (24,000
    /// keys took 1.5 s). With a keyed hash the same keys cost a few
    /// comparisons each.
    #[test]
    fn item05_duplicate_key_index_uses_a_keyed_hash() {
        const P: u64 = 0x0000_0100_0000_01b3;
        fn old_hash(key: &[u8]) -> u64 {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ key.len() as u64;
            for c in key.chunks_exact(8) {
                let w = u64::from_le_bytes(c.try_into().unwrap());
                h = (h ^ w).wrapping_mul(P).rotate_left(29);
            }
            h
        }
        let h0 = 0xcbf2_9ce4_8422_2325_u64 ^ 16;
        let first_word = |w0: u64| (h0 ^ w0).wrapping_mul(P).rotate_left(29);
        let printable = |w: u64| {
            w.to_le_bytes()
                .iter()
                .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        };
        // Any second word w1 = first_word(w0) ^ C gives the same final hash.
        let c = first_word(u64::from_le_bytes(*b"AAAAAAAA")) ^ u64::from_le_bytes(*b"BBBBBBBB");
        let mut keys = Vec::new();
        let mut n: u64 = 0;
        while keys.len() < 1500 {
            n += 1;
            // Eight letters from the counter, so every candidate is printable.
            let mut w0 = [0u8; 8];
            for (i, b) in w0.iter_mut().enumerate() {
                *b = b'a' + ((n >> (3 * i)) & 7) as u8 + 8 * ((n >> (24 + i)) & 1) as u8;
            }
            let w0 = u64::from_le_bytes(w0);
            let w1 = first_word(w0) ^ c;
            if printable(w1) {
                let mut key = w0.to_le_bytes().to_vec();
                key.extend_from_slice(&w1.to_le_bytes());
                keys.push(String::from_utf8(key).unwrap());
            }
        }
        let target = old_hash(keys[0].as_bytes());
        assert!(keys.iter().all(|k| old_hash(k.as_bytes()) == target));
        let mut doc = String::from("{");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&format!("\"{k}\":{i}"));
        }
        doc.push('}');
        use crate::keys::KEY_COMPARISONS;
        let before = KEY_COMPARISONS.with(core::cell::Cell::get);
        let entries = parse_object_raw(doc.as_bytes(), 8).unwrap().unwrap();
        let comparisons = KEY_COMPARISONS.with(core::cell::Cell::get) - before;
        assert_eq!(entries.len(), keys.len(), "the crafted keys are distinct");
        assert!(
            comparisons < 4 * keys.len(),
            "{comparisons} key comparisons for {} keys",
            keys.len()
        );
    }

    /// Keys that share the quick (unkeyed) hash of the repeat check, with
    /// one of them repeated: the check falls back to the keyed hash, the
    /// merge finds the repeat, and neither compares keys more than a few
    /// times each.
    #[test]
    fn crafted_keys_with_a_repeat_merge_in_linear_comparisons() {
        use crate::keys::KEY_COMPARISONS;
        for n in [6, 100, 1500] {
            let keys: Vec<String> = (0..n)
                .map(|i| format!("01234567-{i:05}-76543210"))
                .collect();
            let mut doc = String::from("{");
            for (i, k) in keys.iter().enumerate() {
                doc.push_str(&format!("\"{k}\":{i},"));
            }
            doc.push_str(&format!("\"{}\":\"last\"}}", keys[1]));
            let before = KEY_COMPARISONS.with(core::cell::Cell::get);
            let entries = parse_object_raw(doc.as_bytes(), 8).unwrap().unwrap();
            let comparisons = KEY_COMPARISONS.with(core::cell::Cell::get) - before;
            assert_eq!(entries.len(), n, "the repeat is merged");
            let (key, range) = entries.iter().nth(1).unwrap();
            assert_eq!(key, keys[1], "first position");
            assert_eq!(&doc[range], "\"last\"", "last value");
            assert!(
                comparisons < 4 * n,
                "{comparisons} key comparisons for {n} keys"
            );
        }
    }

    fn parse(text: &[u8]) -> Result<Value> {
        from_slice(text, DEFAULT_MAX_DEPTH)
    }

    fn ok(text: &str) -> Value {
        parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn float(v: &Value) -> f64 {
        let n = v.as_number().unwrap();
        assert!(n.is_float(), "{v:?} should be a float");
        n.as_f64().unwrap()
    }

    /// Skipping must agree with building, error for error.
    fn skip_doc(text: &[u8], max_depth: usize) -> Result<()> {
        parse_document(&mut Skip, text, max_depth)
    }

    #[test]
    fn scalars_and_literals() {
        assert_eq!(ok("null"), Value::Null);
        assert_eq!(ok("true"), Value::Bool(true));
        assert_eq!(ok("false"), Value::Bool(false));
        assert!(float(&ok("NaN")).is_nan());
        assert_eq!(float(&ok("Infinity")), f64::INFINITY);
        assert_eq!(float(&ok("-Infinity")), f64::NEG_INFINITY);
        assert_eq!(ok(r#""just a string""#), Value::from("just a string"));
        assert_eq!(ok("[NaN, Infinity,-Infinity]").as_array().unwrap().len(), 3);
    }

    #[test]
    fn numbers() {
        assert_eq!(ok("0"), Value::from(0));
        assert_eq!(ok("-0"), Value::from(0));
        assert_eq!(ok("-17"), Value::from(-17));
        assert_eq!(ok("1"), Value::from(1));
        assert_ne!(ok("1"), ok("1.0"), "1 and 1.0 must stay distinct");
        assert_eq!(float(&ok("1.0")), 1.0);
        assert_eq!(float(&ok("-0.0")).to_bits(), (-0.0f64).to_bits());
        assert_eq!(float(&ok("1E2")), 100.0);
        assert_eq!(float(&ok("1e+2")), 100.0);
        assert_eq!(float(&ok("25e-1")), 2.5);
        assert_eq!(float(&ok("1e400")), f64::INFINITY);
        assert_eq!(float(&ok("-1e400")), f64::NEG_INFINITY);
        assert_eq!(float(&ok("1e-400")), 0.0);
        assert_eq!(float(&ok("0.30000000000000004")), 0.1 + 0.2);
        assert_eq!(float(&ok("5e-324")), 5e-324);
        assert_eq!(ok("9223372036854775807"), Value::from(i64::MAX));
        assert_eq!(ok("-9223372036854775808"), Value::from(i64::MIN));
        assert_eq!(
            ok("9223372036854775808"),
            Value::from(9223372036854775808u64)
        );
        assert_eq!(ok("18446744073709551615"), Value::from(u64::MAX));
        for text in [
            "18446744073709551616",
            "-9223372036854775809",
            "99999999999999999999999999999999999999",
            "-99999999999999999999999999999999999999",
            "100000000000000000000000000000000000000",
            "123456789012345678901234567890123456789012345678901234567890",
        ] {
            let n = Number::from_integer_str(text).unwrap();
            assert_eq!(ok(text), Value::Number(n), "{text}");
            assert_eq!(to_vec(&ok(text)), text.as_bytes(), "{text}");
        }
    }

    #[test]
    fn integer_digit_limit() {
        let longest = "7".repeat(MAX_INTEGER_DIGITS);
        assert_eq!(to_vec(&ok(&longest)), longest.as_bytes());
        let neg = format!("-{longest}");
        assert_eq!(to_vec(&ok(&neg)), neg.as_bytes());
        let too_long = "7".repeat(MAX_INTEGER_DIGITS + 1);
        let e = parse(format!("[{too_long}]").as_bytes()).unwrap_err();
        assert_eq!((e.kind, e.offset), (K::IntegerTooLong, 1));
        let e = parse(format!("-{too_long}").as_bytes()).unwrap_err();
        assert_eq!((e.kind, e.offset), (K::IntegerTooLong, 0));
        assert!(e.to_string().contains("4300 digits"), "{e}");
        // Python has no such limit for floats.
        let long_float = format!("{too_long}.5");
        assert_eq!(float(&ok(&long_float)), f64::INFINITY);
        assert!(float(&ok(&format!("0.{too_long}"))) < 1.0);
    }

    #[test]
    fn strings_and_escapes() {
        let cases: &[(&str, &str)] = &[
            (r#""""#, ""),
            (r#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{c}\n\r\t"),
            (r#""\u00e9\u00E9\u4E2d""#, "éé中"),
            (r#""\u0000\u001f\u007f""#, "\u{0}\u{1f}\u{7f}"),
            (r#""\ud83d\ude00\uD83D\uDE80""#, "😀🚀"),
            (r#""\udbff\udfff""#, "\u{10FFFF}"),
            (r#""\u2028\u2029""#, "\u{2028}\u{2029}"),
            ("\"raw del \u{7f} ok\"", "raw del \u{7f} ok"),
            (
                r#""0123456789abcdef\"0123456789""#,
                "0123456789abcdef\"0123456789",
            ),
        ];
        for &(text, want) in cases {
            assert_eq!(ok(text), Value::from(want), "{text}");
        }
    }

    #[test]
    fn bytes_are_latin1() {
        // `loads/ok_latin1_bytes`: the UTF-8 bytes of "é" read as two
        // latin-1 chars.
        assert_eq!(
            parse(b"{\"k\":\"\xc3\xa9\"}").unwrap(),
            parse(br#"{"k":"\u00c3\u00a9"}"#).unwrap()
        );
        let v = parse(b"\"\x80\xff plain \xa0\"").unwrap();
        assert_eq!(v, Value::from("\u{80}\u{ff} plain \u{a0}"));
        // Keys too.
        let v = parse(b"{\"\xe9\":1}").unwrap();
        assert_eq!(v.as_object().unwrap().get("é"), Some(&Value::from(1)));
        // Every byte value 0x20..=0xFF except `"` and `\` stands for itself.
        let mut text = vec![b'"'];
        text.extend((0x20..=0xFFu8).filter(|&b| b != b'"' && b != b'\\'));
        text.push(b'"');
        let want: String = (0x20..=0xFFu8)
            .filter(|&b| b != b'"' && b != b'\\')
            .map(char::from)
            .collect();
        assert_eq!(parse(&text).unwrap(), Value::from(want));
    }

    #[test]
    fn whitespace_duplicates_and_order() {
        let v = ok(" \t\r\n{ \"b\" : [ 1 , 2 ] ,\n\"a\":{},\"b\":\"last\" , \"c\" : null } \n");
        let m = v.as_object().unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(m["b"], Value::from("last"));
        assert_eq!(to_vec(&v), br#"{"b":"last","a":{},"c":null}"#);
        // `loads/ok_duplicate_json_keys`
        assert_eq!(to_vec(&ok(r#"{"a":1,"a":2}"#)), br#"{"a":2}"#);
        // Form feed and vertical tab are not JSON whitespace.
        assert_eq!(parse(b"\x0c1").unwrap_err().kind, K::ExpectedValue);
        assert_eq!(parse(b"1\x0b").unwrap_err().kind, K::TrailingData);
    }

    #[test]
    fn error_kinds_and_offsets() {
        let cases: &[(&[u8], JsonErrorKind, usize)] = &[
            (b"", K::UnexpectedEnd, 0),
            (b"  \n", K::UnexpectedEnd, 3),
            (b"[1,]", K::ExpectedValue, 3),
            (b"[,1]", K::ExpectedValue, 1),
            (b"{\"a\":1,}", K::NonStringKey, 7),
            (b"{1:2}", K::NonStringKey, 1),
            (b"{'a':2}", K::NonStringKey, 1),
            (b"{\"a\" 1}", K::ExpectedColon, 5),
            (b"[1 2]", K::ExpectedCommaOrEnd, 3),
            (b"{\"a\":1 \"b\":2}", K::ExpectedCommaOrEnd, 7),
            (b"[1}", K::ExpectedCommaOrEnd, 2),
            (b"{\"a\":1]", K::ExpectedCommaOrEnd, 6),
            (b"\"abc", K::UnterminatedString, 0),
            (b"[\"abc\\", K::UnterminatedString, 1),
            (b"nul", K::UnexpectedEnd, 3),
            (b"tru", K::UnexpectedEnd, 3),
            (b"-Inf", K::UnexpectedEnd, 4),
            (b"nulx", K::ExpectedValue, 0),
            (b"True", K::ExpectedValue, 0),
            (b"nan", K::ExpectedValue, 0),
            (b"+1", K::ExpectedValue, 0),
            (b".5", K::ExpectedValue, 0),
            (b"\xef\xbb\xbf{}", K::ExpectedValue, 0),
            (b"\"\\x\"", K::InvalidEscape, 1),
            (b"\"\\U0041\"", K::InvalidEscape, 1),
            (b"\"\\u12\"", K::InvalidEscape, 1),
            (b"\"\\u12g4\"", K::InvalidEscape, 1),
            (b"\"\\u+123\"", K::InvalidEscape, 1),
            (b"\"\\ud800\\uzzzz\"", K::InvalidEscape, 7),
            (b"\"\\ud800\"", K::LoneSurrogate, 1),
            (b"\"ab\\udc00\"", K::LoneSurrogate, 3),
            (b"\"\\ud800\\u0041\"", K::LoneSurrogate, 1),
            (b"\"\\ud800\\ud800\"", K::LoneSurrogate, 1),
            (b"\"\\ud800\\n\"", K::LoneSurrogate, 1),
            (b"{\"\\udfff\":1}", K::LoneSurrogate, 2),
            (b"[\"a\nb\"]", K::ControlCharacter, 3),
            (b"\"\x00\"", K::ControlCharacter, 1),
            (b"\"\x1f\"", K::ControlCharacter, 1),
            (b"\"\t\"", K::ControlCharacter, 1),
            (b"1 2", K::TrailingData, 2),
            (b"[1,2]x", K::TrailingData, 5),
            (b"{}{}", K::TrailingData, 2),
            (b"-Infinityy", K::TrailingData, 9),
            (b"nullnull", K::TrailingData, 4),
            (b"01", K::InvalidNumber, 1),
            (b"-01", K::InvalidNumber, 2),
            (b"1.", K::InvalidNumber, 1),
            (b"1.e5", K::InvalidNumber, 1),
            (b"1e", K::InvalidNumber, 1),
            (b"1e+", K::InvalidNumber, 1),
            (b"[1.5.2]", K::InvalidNumber, 4),
            (b"1.5e3e", K::InvalidNumber, 5),
            (b"-x", K::InvalidNumber, 0),
            (b"-", K::UnexpectedEnd, 1),
            (b"[", K::UnexpectedEnd, 1),
            (b"[1", K::UnexpectedEnd, 2),
            (b"[1,", K::UnexpectedEnd, 3),
            (b"{", K::UnexpectedEnd, 1),
            (b"{\"a\"", K::UnexpectedEnd, 4),
            (b"{\"a\":", K::UnexpectedEnd, 5),
            (b"{\"a\":1", K::UnexpectedEnd, 6),
            (b"{\"a\":1,", K::UnexpectedEnd, 7),
        ];
        for &(text, kind, offset) in cases {
            let shown = String::from_utf8_lossy(text);
            let e = parse(text).expect_err(&shown);
            assert_eq!((e.kind, e.offset), (kind, offset), "from_slice({shown:?})");
            assert_eq!(
                skip_doc(text, DEFAULT_MAX_DEPTH),
                Err(e.clone()),
                "skip {shown:?}"
            );
            assert_eq!(
                parse_object_raw(text, DEFAULT_MAX_DEPTH).map(|_| ()),
                Err(e.clone()),
                "parse_object_raw({shown:?})"
            );
            let msg = e.to_string();
            assert!(msg.ends_with(&format!(" at byte {offset}")), "{msg}");
            assert!(
                !msg.contains(&format!("{kind:?}")),
                "Display must not be Debug: {msg}"
            );
        }
    }

    #[test]
    fn depth_limit() {
        let nested = |depth: usize, open: &str, close: &str| {
            format!("{}1{}", open.repeat(depth), close.repeat(depth))
        };
        for (open, close) in [("[", "]"), ("{\"k\":", "}"), ("[{\"k\":", "}]")] {
            let per = if open.len() > 5 { 2 } else { 1 };
            let at_limit = nested(DEFAULT_MAX_DEPTH / per, open, close);
            assert!(parse(at_limit.as_bytes()).is_ok(), "{open} at the limit");
            let over = nested(DEFAULT_MAX_DEPTH / per + 1, open, close);
            let e = parse(over.as_bytes()).unwrap_err();
            assert_eq!(e.kind, K::TooDeep, "{open} over the limit");
            assert_eq!(e.offset, DEFAULT_MAX_DEPTH * open.len() / per, "{open}");
            assert_eq!(skip_doc(over.as_bytes(), DEFAULT_MAX_DEPTH), Err(e));
        }
        // Scalars need no depth; empty containers need one level.
        assert_eq!(from_slice(b"1", 0).unwrap(), Value::from(1));
        assert_eq!(from_slice(b"[]", 0).unwrap_err().kind, K::TooDeep);
        assert_eq!(from_slice(b"{}", 0).unwrap_err().kind, K::TooDeep);
        assert!(from_slice(b"[[]]", 2).is_ok());
        assert_eq!(
            from_slice(b"[[[]]]", 2).unwrap_err(),
            JsonError::new(K::TooDeep, 2)
        );
    }

    #[test]
    fn huge_nesting_is_an_error_not_a_stack_overflow() {
        let deep = vec![b'['; 1_000_000];
        assert_eq!(
            parse(&deep).unwrap_err(),
            JsonError::new(K::TooDeep, DEFAULT_MAX_DEPTH)
        );
        let deep_objects = "{\"a\":".repeat(200_000);
        assert_eq!(parse(deep_objects.as_bytes()).unwrap_err().kind, K::TooDeep);
        // With the limit lifted, 100 000 levels are walked without
        // recursion: validation only, since dropping a Value that deep
        // would itself recurse.
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(skip_value(text.as_bytes(), 0, 100_000), Ok(text.len()));
        assert_eq!(
            skip_value(text.as_bytes(), 0, 99_999).unwrap_err(),
            JsonError::new(K::TooDeep, 99_999)
        );
        let unclosed = "[".repeat(100_000);
        assert_eq!(
            skip_value(unclosed.as_bytes(), 0, usize::MAX),
            Err(JsonError::new(K::UnexpectedEnd, 100_000))
        );
    }

    #[test]
    fn skip_value_returns_the_end() {
        let text = br#"  {"a": [1, "x\"y", {"b": null}]}  , 42"#;
        let end = skip_value(text, 0, DEFAULT_MAX_DEPTH).unwrap();
        assert_eq!(&text[..end], br#"  {"a": [1, "x\"y", {"b": null}]}"#);
        let next = end + 3;
        assert_eq!(skip_value(text, next, DEFAULT_MAX_DEPTH), Ok(text.len()));
        assert_eq!(
            skip_value(b"12", 5, 1),
            Err(JsonError::new(K::UnexpectedEnd, 5))
        );
        assert_eq!(
            skip_value(b"\"\\ud800\"", 0, 1).unwrap_err().kind,
            K::LoneSurrogate
        );
        assert_eq!(skip_value(b"1 x", 0, 1), Ok(1));
    }

    #[test]
    fn raw_object_entries() {
        let text = b" {\"b\" : [1, {\"x\": 2}] , \"a\":\"\xe9\", \"b\": 3.5 ,\"c\":{}} ";
        let entries = parse_object_raw(text, DEFAULT_MAX_DEPTH).unwrap().unwrap();
        let keys: Vec<&str> = entries.keys().collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(entries.get("a"), Some(28..31));
        assert_eq!(entries.get("\u{e9}"), None);
        assert_eq!(entries.position("c"), Some(2));
        let full = parse(text).unwrap();
        let m = full.as_object().unwrap();
        for (k, r) in entries.iter() {
            let v = from_slice_at(text, r, DEFAULT_MAX_DEPTH - 1).unwrap();
            assert_eq!(&v, &m[k], "{k}");
        }
        assert_eq!(&text[entries.get("b").unwrap()], b"3.5");
        assert_eq!(
            format!("{entries:?}"),
            r#"{"b": 38..41, "a": 28..31, "c": 47..49}"#
        );
        assert_eq!(parse_object_raw(b"{}", 1), Ok(Some(RawObject::default())));
        assert_eq!(parse_object_raw(b" [1] ", 1), Ok(None));
        assert_eq!(parse_object_raw(b"\"s\"", 0), Ok(None));
        assert_eq!(
            parse_object_raw(b"{}", 0),
            Err(JsonError::new(K::TooDeep, 0))
        );
        assert!(parse_object_raw(b"{\"a\":1}", 1).is_ok());
        assert_eq!(
            parse_object_raw(b"{\"a\":[]}", 1),
            Err(JsonError::new(K::TooDeep, 5))
        );
        assert_eq!(
            parse_object_raw(b"{\"a\":1} x", 1),
            Err(JsonError::new(K::TrailingData, 8))
        );
        // Offsets of from_slice_at count from the start of the whole input.
        assert_eq!(
            from_slice_at(b"{\"a\":[1,]}", 5..9, 10),
            Err(JsonError::new(K::ExpectedValue, 8))
        );
        assert_eq!(
            from_slice_at(b"[]", 1..5, 10).unwrap_err().kind,
            K::UnexpectedEnd
        );
    }

    mod props {
        use super::*;
        use crate::value::testing::{any_string, any_value};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn write_then_read_round_trips(v in any_value()) {
                let text = to_vec(&v);
                prop_assert!(text.iter().all(|&b| (0x20..0x7f).contains(&b)),
                    "output is printable ASCII: {}", String::from_utf8_lossy(&text));
                let back = from_slice(&text, DEFAULT_MAX_DEPTH);
                prop_assert_eq!(back.as_ref(), Ok(&v));
                prop_assert_eq!(skip_value(&text, 0, DEFAULT_MAX_DEPTH), Ok(text.len()));
                // Re-encoding is stable byte for byte.
                prop_assert_eq!(to_vec(&back.unwrap()), text);
            }

            #[test]
            fn strings_round_trip(s in any_string()) {
                let mut text = Vec::new();
                crate::write_str(&mut text, &s);
                prop_assert_eq!(parse(&text), Ok(Value::String(s)));
            }

            #[test]
            fn skip_and_raw_agree_with_from_slice(
                v in any_value(),
                cut in any::<prop::sample::Index>(),
                byte in any::<u8>(),
                mode in 0u8..3,
            ) {
                // Damage a valid text in one place, then check that all
                // entry points accept or refuse it the same way.
                let mut text = to_vec(&v);
                if !text.is_empty() {
                    let at = cut.index(text.len());
                    match mode {
                        0 => text[at] = byte,
                        1 => { text.remove(at); }
                        _ => text.insert(at, byte),
                    }
                }
                let built = from_slice(&text, 5);
                prop_assert_eq!(skip_doc(&text, 5), built.as_ref().map(|_| ()).map_err(Clone::clone));
                let raw = parse_object_raw(&text, 5);
                match (&built, &raw) {
                    (Err(a), Err(b)) => prop_assert_eq!(a, b),
                    (Ok(Value::Object(m)), Ok(Some(entries))) => {
                        prop_assert_eq!(m.len(), entries.len());
                        for ((k, r), (mk, mv)) in entries.iter().zip(m) {
                            prop_assert_eq!(k, mk);
                            prop_assert_eq!(&from_slice_at(&text, r.clone(), 4).unwrap(), mv);
                        }
                    }
                    (Ok(Value::Object(_)), other) => prop_assert!(false, "raw: {:?}", other),
                    (Ok(_), other) => prop_assert_eq!(other, &Ok(None)),
                    (Err(e), other) => prop_assert!(false, "built: {e}, raw: {:?}", other),
                }
            }

            #[test]
            fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
                let built = from_slice(&bytes, 4);
                prop_assert_eq!(skip_doc(&bytes, 4), built.map(|_| ()));
                let _ = parse_object_raw(&bytes, 4);
            }
        }
    }
}

//! JSON text straight into any `serde::Deserialize` type, without building
//! a [`Value`](crate::Value) first.
//!
//! The result is by definition that of the `Value` path,
//! `from_value::<T>(from_slice(bytes, max_depth)?)`. The streaming
//! deserializer below reads with the reader's own pieces (whitespace,
//! strings, numbers, literals, depth, validation of skipped values) and
//! hands values to visitors as `from_value` does. Whenever the attempt
//! meets anything else (any error at all, whoever raised it, or an object
//! that repeats a key, which a `Value` would have merged) it is thrown
//! away and the `Value` path gives the answer. So the streaming path only
//! ever has to be right when it succeeds: it then has read the whole text
//! under the reader's rules and has no repeated key to account for.

use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use crate::de::{KeyDeserializer, KeyText, visit_float, visit_integer, visit_number};
use crate::keys::{KeyLoc, KeyLog, ObjectKeys};
use crate::read::{
    literal, make_number, read_string_from, scan_number, skip_value, skip_ws, small_integer,
};
use crate::scan;
use crate::{JsonError, Number, ValueError, from_slice, from_value};

/// Why [`from_slice_of`] failed: the text is not JSON that
/// [`from_slice`] accepts, or its value does not fit the type, as
/// [`from_value`] says.
///
/// `Display` shows the inner error's message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The text was refused by the reader.
    Json(JsonError),
    /// The value does not have the shape the type expects.
    Value(ValueError),
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Json(e) => e.fmt(f),
            Error::Value(e) => e.fmt(f),
        }
    }
}

/// The inner errors have no cause of their own, and `Display` already
/// shows them, so there is no `source`.
impl std::error::Error for Error {}

impl From<JsonError> for Error {
    fn from(e: JsonError) -> Self {
        Error::Json(e)
    }
}

impl From<ValueError> for Error {
    fn from(e: ValueError) -> Self {
        Error::Value(e)
    }
}

/// Reads JSON text straight into any deserializable type: the same result
/// as `from_value::<T>(from_slice(bytes, max_depth)?)`, without the
/// intermediate [`Value`](crate::Value).
///
/// The text is read exactly as [`from_slice`] reads it
/// (`json.loads(bytes.decode("latin-1"))`: `NaN` and the infinities,
/// integers of up to [`MAX_INTEGER_DIGITS`](crate::MAX_INTEGER_DIGITS)
/// digits, no lone surrogates, at most `max_depth` levels of nesting, only
/// whitespace after the value), skipped parts included, and the value is
/// typed as [`from_value`] types it: integer targets take integers in
/// range only, float targets take integers too, map keys are parsed for
/// numeric and bool key types, enums are externally tagged.
///
/// An object that repeats a key means, as in Python, the first key's place
/// with the last value; such a text (rare: `json.dumps` never writes one)
/// is read through a [`Value`](crate::Value), as is any text that fails,
/// so that the error is the one the `Value` path gives.
///
/// # Errors
///
/// [`Error::Json`] when [`from_slice`] refuses the text, otherwise
/// [`Error::Value`] when [`from_value`] refuses the value.
///
/// # Examples
///
/// ```
/// use python_json::from_slice_of;
///
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Cart { items: Vec<u32>, total: f64, note: Option<String> }
///
/// let text = br#"{"items": [1, 2], "total": 10, "note": "caf\u00e9"}"#;
/// let cart: Cart = from_slice_of(text, 128)?;
/// assert_eq!(cart, Cart { items: vec![1, 2], total: 10.0, note: Some("café".into()) });
///
/// // Python's rules: the last of two values for one key.
/// let twice: Cart = from_slice_of(br#"{"items":[],"total":1,"note":null,"total":2}"#, 128)?;
/// assert_eq!(twice.total, 2.0);
///
/// // The reader's and the typing errors.
/// assert!(matches!(from_slice_of::<Cart>(b"{", 128), Err(python_json::Error::Json(_))));
/// assert!(matches!(from_slice_of::<u8>(b"1.0", 128), Err(python_json::Error::Value(_))));
/// # Ok::<(), python_json::Error>(())
/// ```
pub fn from_slice_of<T: DeserializeOwned>(bytes: &[u8], max_depth: usize) -> Result<T, Error> {
    if let Some(value) = read_direct(bytes, max_depth) {
        return Ok(value);
    }
    #[cfg(test)]
    VALUE_PATH_TAKEN.with(|n| n.set(n.get() + 1));
    let value = from_slice(bytes, max_depth)?;
    Ok(from_value(value)?)
}

#[cfg(test)]
thread_local! {
    /// How many times [`from_slice_of`] fell back to the `Value` path on
    /// this thread: lets tests check that ordinary texts never do.
    pub(crate) static VALUE_PATH_TAKEN: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// The streaming attempt: `Some` only if it read the whole text without
/// any error and without a repeated key.
fn read_direct<T: DeserializeOwned>(bytes: &[u8], max_depth: usize) -> Option<T> {
    let mut reader = Reader {
        bytes,
        pos: 0,
        depth: 0,
        max_depth,
        failed: false,
        scratch: Vec::new(),
        keys: KeyLog::default(),
        spare: Vec::new(),
    };
    let value = T::deserialize(&mut reader).ok()?;
    if reader.failed || skip_ws(bytes, reader.pos) != bytes.len() {
        return None;
    }
    Some(value)
}

/// The streaming attempt gives up: the `Value` path takes over (and says
/// what, if anything, was wrong).
#[cold]
fn give_up() -> ValueError {
    ValueError(String::new())
}

#[inline]
fn json_error(_: JsonError) -> ValueError {
    give_up()
}

/// An integer of at most 18 digits at `at`, read in one pass, and its
/// end; `None` for anything else (a fraction, an exponent, more digits, a
/// malformed number), which [`scan_number`] then reads or refuses. It
/// accepts exactly what `scan_number` reads as such an integer: `-?`,
/// then `0` or a nonzero digit and more digits, followed by none of
/// `0-9 . e E`.
#[inline]
fn short_integer(bytes: &[u8], at: usize) -> Option<(i64, usize)> {
    let neg = bytes.get(at) == Some(&b'-');
    let start = at + usize::from(neg);
    let mut i = start;
    let mut magnitude: i64 = 0;
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(&d @ b'1'..=b'9') => {
            magnitude = i64::from(d - b'0');
            i += 1;
            while let Some(&d @ b'0'..=b'9') = bytes.get(i) {
                if i - start >= 18 {
                    return None;
                }
                magnitude = magnitude * 10 + i64::from(d - b'0');
                i += 1;
            }
        }
        _ => return None,
    }
    if let Some(b'0'..=b'9' | b'.' | b'e' | b'E') = bytes.get(i) {
        return None;
    }
    Some((if neg { -magnitude } else { magnitude }, i))
}

/// A number as read: most integers need no [`Number`].
enum Num {
    /// An integer that fits an `i64` (a `Number` holds it as one too).
    Small(i64),
    Other(Number),
}

/// The streaming deserializer's state.
struct Reader<'de> {
    bytes: &'de [u8],
    /// The next byte to read.
    pos: usize,
    /// Arrays and objects open around `pos`.
    depth: usize,
    max_depth: usize,
    /// Set as soon as an error leaves any of the deserializer's methods:
    /// a visitor that swallows it must not make the attempt succeed.
    failed: bool,
    /// Decoded string values (those that are not plain runs of the input).
    scratch: Vec<u8>,
    /// The keys of the open objects.
    keys: KeyLog,
    /// Decoded keys of the open objects (plain keys stay in the input).
    spare: Vec<u8>,
}

impl<'de> Reader<'de> {
    /// Passes `r` on, noting whether it is an error.
    #[inline]
    fn note<T>(&mut self, r: Result<T, ValueError>) -> Result<T, ValueError> {
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    /// The next byte after whitespace, which `pos` is moved to.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.pos = skip_ws(self.bytes, self.pos);
        self.bytes.get(self.pos).copied()
    }

    /// Reads the literal `word` at `pos`.
    #[inline]
    fn word(&mut self, word: &[u8]) -> Result<(), ValueError> {
        self.pos = literal(self.bytes, self.pos, word).map_err(json_error)?;
        Ok(())
    }

    /// Enters the array or object whose bracket is at `pos`.
    #[inline]
    fn open(&mut self) -> Result<(), ValueError> {
        // The reader refuses a bracket with `max_depth` levels already open.
        if self.depth >= self.max_depth {
            return Err(give_up());
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Reads the number (or `NaN`, `Infinity`, `-Infinity`) at `pos`.
    #[inline]
    fn number(&mut self) -> Result<Num, ValueError> {
        let bytes = self.bytes;
        let at = self.pos;
        let special = |n: f64| Ok(Num::Other(Number::from(n)));
        match bytes.get(at) {
            Some(b'N') => {
                self.word(b"NaN")?;
                special(f64::NAN)
            }
            Some(b'I') => {
                self.word(b"Infinity")?;
                special(f64::INFINITY)
            }
            Some(b'-') if bytes.get(at + 1) == Some(&b'I') => {
                self.word(b"-Infinity")?;
                special(f64::NEG_INFINITY)
            }
            Some(b'-' | b'0'..=b'9') => {
                if let Some((v, end)) = short_integer(bytes, at) {
                    self.pos = end;
                    return Ok(Num::Small(v));
                }
                let (end, integer) = scan_number(bytes, at).map_err(json_error)?;
                let text = bytes.get(at..end).unwrap_or(&[]);
                self.pos = end;
                if integer && let Some(v) = small_integer(text) {
                    return Ok(Num::Small(v));
                }
                let n = make_number(text, integer, at).map_err(json_error)?;
                Ok(Num::Other(n))
            }
            _ => Err(give_up()),
        }
    }

    /// The string whose quote is at `pos`, to `visitor`.
    fn string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        let bytes = self.bytes;
        let start = self.pos;
        let body = start + 1;
        let rest = bytes.get(body..).unwrap_or(&[]);
        let run = scan::plain_run::<false>(rest);
        let plain = rest.get(..run).unwrap_or(&[]);
        if rest.get(run) == Some(&b'"') {
            // A plain run is printable ASCII: the text is its own content.
            self.pos = body + run + 1;
            let s = core::str::from_utf8(plain).map_err(|_| give_up())?;
            return visitor.visit_borrowed_str(s);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(plain);
        self.pos =
            read_string_from(bytes, start, body + run, &mut self.scratch).map_err(json_error)?;
        let s = core::str::from_utf8(&self.scratch).map_err(|_| give_up())?;
        visitor.visit_str(s)
    }

    /// Reads the key whose quote is at `pos` and the colon after it, and
    /// logs the key as one of the innermost object's.
    #[inline]
    fn key(&mut self) -> Result<KeyLoc, ValueError> {
        let bytes = self.bytes;
        let start = self.pos;
        let body = start + 1;
        let rest = bytes.get(body..).unwrap_or(&[]);
        let run = scan::plain_run::<false>(rest);
        let loc = if rest.get(run) == Some(&b'"') {
            self.pos = body + run + 1;
            KeyLoc {
                start: body,
                end: body + run,
                spare: false,
            }
        } else {
            let from = self.spare.len();
            self.spare.extend_from_slice(rest.get(..run).unwrap_or(&[]));
            self.pos =
                read_string_from(bytes, start, body + run, &mut self.spare).map_err(json_error)?;
            KeyLoc {
                start: from,
                end: self.spare.len(),
                spare: true,
            }
        };
        self.keys.push(loc);
        self.pos = skip_ws(bytes, self.pos);
        if bytes.get(self.pos) != Some(&b':') {
            return Err(give_up());
        }
        self.pos += 1;
        Ok(loc)
    }

    /// The text of a key read by [`Reader::key`].
    #[inline]
    fn key_text(&self, loc: KeyLoc) -> Result<KeyText<'_, 'de>, ValueError> {
        if loc.spare {
            let raw = self.spare.get(loc.start..loc.end).unwrap_or(&[]);
            let s = core::str::from_utf8(raw).map_err(|_| give_up())?;
            Ok(KeyText::Transient(s))
        } else {
            let bytes = self.bytes;
            let raw = bytes.get(loc.start..loc.end).unwrap_or(&[]);
            let s = core::str::from_utf8(raw).map_err(|_| give_up())?;
            Ok(KeyText::Borrowed(s))
        }
    }

    /// Reads the string at `pos` as an enum variant's name.
    fn variant_name(&mut self) -> Result<KeyText<'de, 'de>, ValueError> {
        let bytes = self.bytes;
        let start = self.pos;
        let body = start + 1;
        let rest = bytes.get(body..).unwrap_or(&[]);
        let run = scan::plain_run::<false>(rest);
        let plain = rest.get(..run).unwrap_or(&[]);
        if rest.get(run) == Some(&b'"') {
            self.pos = body + run + 1;
            let s = core::str::from_utf8(plain).map_err(|_| give_up())?;
            return Ok(KeyText::Borrowed(s));
        }
        let mut buf = plain.to_vec();
        self.pos = read_string_from(bytes, start, body + run, &mut buf).map_err(json_error)?;
        let s = String::from_utf8(buf).map_err(|_| give_up())?;
        Ok(KeyText::Owned(s))
    }

    /// The array whose bracket is at `pos`, to `visitor`, which must take
    /// every element.
    fn array<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        self.open()?;
        let mut access = ArrayAccess {
            de: self,
            state: Items::First,
        };
        let value = visitor.visit_seq(&mut access)?;
        access.finish()?;
        self.depth = self.depth.saturating_sub(1);
        Ok(value)
    }

    /// The object whose brace is at `pos`, to `visitor`, which must take
    /// every entry.
    fn object<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        self.open()?;
        let spare_mark = self.spare.len();
        let keys = self.keys.open();
        let mut access = ObjectAccess {
            de: self,
            keys,
            state: Entries::First,
        };
        let value = visitor.visit_map(&mut access)?;
        access.finish()?;
        let keys = access.keys;
        let (bytes, spare) = (self.bytes, &self.spare);
        let bytes_of = |l: KeyLoc| {
            let buf = if l.spare { &spare[..] } else { bytes };
            buf.get(l.start..l.end).unwrap_or(&[])
        };
        if self.keys.close(&keys, bytes_of) {
            // A repeated key: the `Value` path merges it.
            return Err(give_up());
        }
        self.spare.truncate(spare_mark);
        self.depth = self.depth.saturating_sub(1);
        Ok(value)
    }

    // What each `deserialize_*` does, as the owned `Value` deserializer
    // (`de.rs`) does it. Anything it would refuse gives up.

    fn any<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'"') => self.string(visitor),
            Some(b'{') => self.object(visitor),
            Some(b'[') => self.array(visitor),
            Some(b'n') => {
                self.word(b"null")?;
                visitor.visit_unit()
            }
            Some(b't') => {
                self.word(b"true")?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.word(b"false")?;
                visitor.visit_bool(false)
            }
            // An integer that fits 64 bits is an `i64` in a `Number` too.
            _ => match self.number()? {
                Num::Small(v) => visitor.visit_i64(v),
                Num::Other(n) => visit_number(&n, visitor),
            },
        }
    }

    fn boolean<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b't') => {
                self.word(b"true")?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.word(b"false")?;
                visitor.visit_bool(false)
            }
            _ => Err(give_up()),
        }
    }

    fn integer<V: Visitor<'de>>(&mut self, wide: bool, visitor: V) -> Result<V::Value, ValueError> {
        self.peek();
        match self.number()? {
            Num::Small(v) => visitor.visit_i64(v),
            Num::Other(n) => visit_integer(&n, wide, visitor),
        }
    }

    fn float<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        self.peek();
        match self.number()? {
            // What `Number::as_f64` does with an `i64`.
            #[allow(clippy::cast_precision_loss)]
            Num::Small(v) => visitor.visit_f64(v as f64),
            Num::Other(n) => visit_float(&n, visitor),
        }
    }

    fn text<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'"') => self.string(visitor),
            _ => Err(give_up()),
        }
    }

    fn bytes<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'"') => self.string(visitor),
            Some(b'[') => self.array(visitor),
            _ => Err(give_up()),
        }
    }

    fn option<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'n') => {
                self.word(b"null")?;
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn unit<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'n') => {
                self.word(b"null")?;
                visitor.visit_unit()
            }
            _ => Err(give_up()),
        }
    }

    fn seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'[') => self.array(visitor),
            _ => Err(give_up()),
        }
    }

    fn map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'{') => self.object(visitor),
            _ => Err(give_up()),
        }
    }

    fn structure<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'{') => self.object(visitor),
            Some(b'[') => self.array(visitor),
            _ => Err(give_up()),
        }
    }

    fn enumeration<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        match self.peek() {
            Some(b'"') => {
                let name = self.variant_name()?;
                visitor.visit_enum(VariantName { de: self, name })
            }
            Some(b'{') => {
                // `{"Variant": content}` with exactly one entry; a second
                // one, even a repeat of the first, gives up.
                self.open()?;
                if self.peek() != Some(b'"') {
                    return Err(give_up());
                }
                let name = self.variant_name()?;
                if self.peek() != Some(b':') {
                    return Err(give_up());
                }
                self.pos += 1;
                let value = visitor.visit_enum(Tagged { de: self, name })?;
                if self.peek() != Some(b'}') {
                    return Err(give_up());
                }
                self.pos += 1;
                self.depth = self.depth.saturating_sub(1);
                Ok(value)
            }
            _ => Err(give_up()),
        }
    }

    fn ignored<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ValueError> {
        // Not looked at, but held to the reader's rules all the same.
        let budget = self.max_depth.saturating_sub(self.depth);
        self.pos = skip_value(self.bytes, self.pos, budget).map_err(json_error)?;
        visitor.visit_unit()
    }
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.any(visitor);
        self.note(r)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.boolean(visitor);
        self.note(r)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(true, visitor);
        self.note(r)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(false, visitor);
        self.note(r)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.integer(true, visitor);
        self.note(r)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.float(visitor);
        self.note(r)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.float(visitor);
        self.note(r)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.text(visitor);
        self.note(r)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.text(visitor);
        self.note(r)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.text(visitor);
        self.note(r)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.bytes(visitor);
        self.note(r)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.bytes(visitor);
        self.note(r)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.option(visitor);
        self.note(r)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.unit(visitor);
        self.note(r)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = self.unit(visitor);
        self.note(r)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = visitor.visit_newtype_struct(&mut *self);
        self.note(r)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.seq(visitor);
        self.note(r)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = self.seq(visitor);
        self.note(r)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = self.seq(visitor);
        self.note(r)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.map(visitor);
        self.note(r)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = self.structure(visitor);
        self.note(r)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = self.enumeration(visitor);
        self.note(r)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.text(visitor);
        self.note(r)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let r = self.ignored(visitor);
        self.note(r)
    }
}

/// Where an array's reading is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Items {
    /// Just after `[`.
    First,
    /// After an element.
    Next,
    /// After `]`.
    Done,
}

struct ArrayAccess<'r, 'de> {
    de: &'r mut Reader<'de>,
    state: Items,
}

impl ArrayAccess<'_, '_> {
    /// Moves past the next `,` (true) or the closing `]` (false).
    #[inline]
    fn more(&mut self) -> Result<bool, ValueError> {
        match (self.state, self.de.peek()) {
            (Items::Done, _) => Ok(false),
            (Items::First | Items::Next, Some(b']')) => {
                self.de.pos += 1;
                self.state = Items::Done;
                Ok(false)
            }
            (Items::First, _) => Ok(true),
            (Items::Next, Some(b',')) => {
                self.de.pos += 1;
                Ok(true)
            }
            (Items::Next, _) => Err(give_up()),
        }
    }

    /// After the visitor: the array must be over, as `from_value` requires.
    fn finish(&mut self) -> Result<(), ValueError> {
        if self.more()? {
            return Err(give_up());
        }
        Ok(())
    }
}

impl<'de> SeqAccess<'de> for ArrayAccess<'_, 'de> {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        let r = match self.more() {
            Ok(true) => {
                self.state = Items::Next;
                seed.deserialize(&mut *self.de).map(Some)
            }
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        self.de.note(r)
    }
}

/// Where an object's reading is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Entries {
    /// Just after `{`.
    First,
    /// After a key and its colon.
    ValueDue,
    /// After a value.
    Next,
    /// After `}`.
    Done,
}

struct ObjectAccess<'r, 'de> {
    de: &'r mut Reader<'de>,
    keys: ObjectKeys,
    state: Entries,
}

impl ObjectAccess<'_, '_> {
    /// Moves to the next key's quote (true) or past the closing `}`
    /// (false).
    #[inline]
    fn more(&mut self) -> Result<bool, ValueError> {
        match (self.state, self.de.peek()) {
            (Entries::Done, _) => Ok(false),
            (Entries::First | Entries::Next, Some(b'}')) => {
                self.de.pos += 1;
                self.state = Entries::Done;
                Ok(false)
            }
            (Entries::First, Some(b'"')) => Ok(true),
            (Entries::Next, Some(b',')) => {
                self.de.pos += 1;
                if self.de.peek() == Some(b'"') {
                    Ok(true)
                } else {
                    Err(give_up())
                }
            }
            _ => Err(give_up()),
        }
    }

    /// After the visitor: the object must be over, as `from_value`
    /// requires.
    fn finish(&mut self) -> Result<(), ValueError> {
        if self.more()? {
            return Err(give_up());
        }
        Ok(())
    }
}

impl<'de> MapAccess<'de> for ObjectAccess<'_, 'de> {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        let r = match self.more() {
            Ok(true) => match self.de.key() {
                Ok(loc) => {
                    self.state = Entries::ValueDue;
                    self.de
                        .key_text(loc)
                        .and_then(|key| seed.deserialize(KeyDeserializer { key }))
                        .map(Some)
                }
                Err(e) => Err(e),
            },
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        self.de.note(r)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        let r = if self.state == Entries::ValueDue {
            self.state = Entries::Next;
            seed.deserialize(&mut *self.de)
        } else {
            Err(give_up())
        };
        self.de.note(r)
    }
}

/// An enum written as its variant's name.
struct VariantName<'r, 'de> {
    de: &'r mut Reader<'de>,
    name: KeyText<'de, 'de>,
}

impl<'de> EnumAccess<'de> for VariantName<'_, 'de> {
    type Error = ValueError;
    type Variant = UnitOnly;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, UnitOnly), ValueError> {
        let r = seed.deserialize(KeyDeserializer { key: self.name });
        self.de.note(r).map(|v| (v, UnitOnly))
    }
}

/// The content of a variant given by its name alone: there is none, which
/// only a unit variant accepts.
struct UnitOnly;

impl<'de> VariantAccess<'de> for UnitOnly {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        _seed: T,
    ) -> Result<T::Value, ValueError> {
        Err(give_up())
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, ValueError> {
        Err(give_up())
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ValueError> {
        Err(give_up())
    }
}

/// An enum written as `{"Variant": content}`, read up to the content.
struct Tagged<'r, 'de> {
    de: &'r mut Reader<'de>,
    name: KeyText<'de, 'de>,
}

impl<'r, 'de> EnumAccess<'de> for Tagged<'r, 'de> {
    type Error = ValueError;
    type Variant = Content<'r, 'de>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Content<'r, 'de>), ValueError> {
        let r = seed.deserialize(KeyDeserializer { key: self.name });
        let v = self.de.note(r)?;
        Ok((v, Content { de: self.de }))
    }
}

/// The content of a tagged variant.
struct Content<'r, 'de> {
    de: &'r mut Reader<'de>,
}

impl<'de> VariantAccess<'de> for Content<'_, 'de> {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        // `{"Unit": null}`, as `from_value` allows.
        let r = match self.de.peek() {
            Some(b'n') => self.de.word(b"null"),
            _ => Err(give_up()),
        };
        self.de.note(r)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        let r = seed.deserialize(&mut *self.de);
        self.de.note(r)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = self.de.seq(visitor);
        self.de.note(r)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let r = self.de.structure(visitor);
        self.de.note(r)
    }
}

#[cfg(test)]
mod tests {
    use super::short_integer;
    use crate::read::{make_number, scan_number};

    /// Wherever the one-pass reader answers, the reader's own scanner
    /// reads the same integer with the same end.
    #[test]
    fn short_integers_agree_with_the_scanner() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "7",
            "-7",
            "10",
            "01",
            "-01",
            "00",
            "1.5",
            "1e5",
            "1E5",
            "-",
            "--1",
            "-a",
            "123456789012345678",
            "1234567890123456789",
            "-999999999999999999",
            "-9999999999999999999",
            "0.0",
            "0e",
            "5 ",
            "5,",
            "5]",
            "5x",
            "9223372036854775807",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let alphabet = b"-0123456789.eE x";
            let len = (x >> 60) as usize + 1;
            let text: String = (0..len)
                .map(|i| char::from(alphabet[((x >> (i * 4)) & 0xf) as usize]))
                .collect();
            texts.push(text);
        }
        for text in &texts {
            let bytes = format!("{text}]").into_bytes();
            if let Some((v, end)) = short_integer(&bytes, 0) {
                let (scan_end, integer) = scan_number(&bytes, 0).unwrap();
                assert!(integer, "{text}");
                assert_eq!(end, scan_end, "{text}");
                let n = make_number(&bytes[..end], true, 0).unwrap();
                assert_eq!(n.as_i64(), Some(v), "{text}");
            }
        }
    }
}

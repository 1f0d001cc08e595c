//! Any `serde::Serialize` type straight to Python-compatible JSON text,
//! without building a [`Value`](crate::Value) first.
//!
//! The output is by definition that of the `Value` path,
//! `write_value_depth(out, &to_value(x)?)`: the streaming serializer below
//! follows [`to_value`]'s rules and the writer's layout, and whenever it
//! meets something it does not write itself (any error, or an object
//! that repeats a key, which a `Value` would merge) it throws its partial
//! output away and takes the `Value` path instead. Errors are therefore
//! always `to_value`'s own.

use std::io::Write as _;

use serde::Serialize;
use serde::ser::{self, Impossible};

use core::cell::RefCell;
use std::rc::Rc;

use crate::keys::{KeyLoc, KeyLog, ObjectKeys, has_repeat};
use crate::scan;
use crate::ser::BIG_INT_TOKEN;
use crate::write::{write_float, write_number, write_u64};
use crate::{Number, ValueError, to_value, write_str, write_value_depth};

/// Appends the JSON text of any serializable value to `out`, byte for byte
/// what `to_vec(&to_value(value)?)` gives, without the intermediate
/// [`Value`](crate::Value); returns how deeply it nests, as
/// [`write_value_depth`] does (0 for a scalar, 1 for an array or object of
/// scalars, and so on), so the caller can hold it to a reader's
/// `max_depth`.
///
/// Everything [`to_value`] does applies: integers of any width, `NaN` and
/// the infinities, Python's float `repr`, externally tagged enums, map keys
/// turned into strings as `json.dumps` turns dict keys, `ensure_ascii`
/// escaping. A map or struct that writes a key twice comes out once, in
/// the first key's place with the last value, as a Python dict would have
/// it (this rare case takes the slower `Value` path).
///
/// # Errors
///
/// Exactly when [`to_value`] fails, with its error: a map key Python
/// refuses ("keys must be str, int, float, bool or None"), or an error of
/// the type's own `Serialize` implementation. On error `out` is left as it
/// was.
///
/// # Examples
///
/// ```
/// use python_json::{to_value, to_vec, write_of};
///
/// #[derive(serde::Serialize)]
/// struct Cart { items: Vec<u32>, total: f64, note: Option<String> }
///
/// let cart = Cart { items: vec![1, 2], total: 10.0, note: Some("café".into()) };
/// let mut out = Vec::new();
/// let depth = write_of(&mut out, &cart)?;
/// assert_eq!(out, br#"{"items":[1,2],"total":10.0,"note":"caf\u00e9"}"#);
/// assert_eq!(depth, 2);
/// assert_eq!(out, to_vec(&to_value(&cart)?));
/// # Ok::<(), python_json::ValueError>(())
/// ```
pub fn write_of<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<usize, ValueError> {
    let start = out.len();
    // The writer owns the buffer while it writes (one indirection less on
    // every byte), and gives it back.
    let mut writer = Writer {
        out: core::mem::take(out),
        depth: 0,
        deepest: 0,
        keys: KeyLog::default(),
        fields: Vec::new(),
    };
    let written = value.serialize(&mut writer);
    *out = core::mem::take(&mut writer.out);
    if written.is_ok() {
        return Ok(writer.deepest);
    }
    #[cfg(test)]
    VALUE_PATH_TAKEN.with(|n| n.set(n.get() + 1));
    out.truncate(start);
    let built = to_value(value)?;
    Ok(write_value_depth(out, &built))
}

#[cfg(test)]
thread_local! {
    /// How many times [`write_of`] fell back to the `Value` path on this
    /// thread: lets tests check that ordinary data never does.
    pub(crate) static VALUE_PATH_TAKEN: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// The JSON text of any serializable value: [`write_of`] into a new
/// vector, the same bytes as `to_vec(&to_value(value)?)`.
///
/// # Errors
///
/// As [`write_of`]: exactly when [`to_value`] fails.
///
/// # Examples
///
/// ```
/// use std::collections::BTreeMap;
///
/// // Python: json.dumps({1: float("nan"), 2: 1e16}, separators=(",", ":"))
/// let m: BTreeMap<u8, f64> = [(1, f64::NAN), (2, 1e16)].into_iter().collect();
/// assert_eq!(python_json::to_vec_of(&m)?, br#"{"1":NaN,"2":1e+16}"#);
/// # Ok::<(), python_json::ValueError>(())
/// ```
pub fn to_vec_of<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::with_capacity(128);
    write_of(&mut out, value)?;
    Ok(out)
}

/// The streaming serializer's state.
struct Writer {
    out: Vec<u8>,
    /// Arrays and objects open around the current position.
    depth: usize,
    /// The largest `depth` seen.
    deepest: usize,
    /// The keys of the open maps, as ranges of `out`.
    keys: KeyLog,
    /// The field names of the open structs.
    fields: Vec<&'static str>,
}

/// The streaming serializer gives up: the `Value` path takes over (and
/// says what, if anything, was wrong).
fn give_up() -> ValueError {
    ValueError(String::new())
}

impl Writer {
    #[inline]
    fn enter(&mut self, levels: usize) {
        self.depth += levels;
        self.deepest = self.deepest.max(self.depth);
    }

    #[inline]
    fn leave(&mut self, levels: usize) {
        self.depth = self.depth.saturating_sub(levels);
    }

    #[inline]
    fn write_i64(&mut self, v: i64) {
        if v < 0 {
            self.out.push(b'-');
        }
        write_u64(&mut self.out, v.unsigned_abs());
    }

    fn write_i128(&mut self, v: i128) {
        if v < 0 {
            self.out.push(b'-');
        }
        self.write_u128(v.unsigned_abs());
    }

    fn write_u128(&mut self, v: u128) {
        match u64::try_from(v) {
            Ok(small) => write_u64(&mut self.out, small),
            // Writing into a Vec<u8> cannot fail.
            Err(_) => {
                let _ = write!(&mut self.out, "{v}");
            }
        }
    }

    /// Logs the key just written at `start..` as a key of the innermost
    /// object.
    #[inline]
    fn log_key(&mut self, start: usize) {
        self.keys.push(KeyLoc {
            start,
            end: self.out.len(),
            spare: false,
        });
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = ValueError;

    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), ValueError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), ValueError> {
        self.write_i64(i64::from(v));
        Ok(())
    }

    fn serialize_i16(self, v: i16) -> Result<(), ValueError> {
        self.write_i64(i64::from(v));
        Ok(())
    }

    fn serialize_i32(self, v: i32) -> Result<(), ValueError> {
        self.write_i64(i64::from(v));
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<(), ValueError> {
        self.write_i64(v);
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), ValueError> {
        self.write_i128(v);
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), ValueError> {
        write_u64(&mut self.out, u64::from(v));
        Ok(())
    }

    fn serialize_u16(self, v: u16) -> Result<(), ValueError> {
        write_u64(&mut self.out, u64::from(v));
        Ok(())
    }

    fn serialize_u32(self, v: u32) -> Result<(), ValueError> {
        write_u64(&mut self.out, u64::from(v));
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<(), ValueError> {
        write_u64(&mut self.out, v);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), ValueError> {
        self.write_u128(v);
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), ValueError> {
        // `to_value` widens an f32 to the f64 of the same value.
        write_float(&mut self.out, f64::from(v));
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<(), ValueError> {
        write_float(&mut self.out, v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), ValueError> {
        write_str(&mut self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), ValueError> {
        write_str(&mut self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), ValueError> {
        // An array of integers, as `to_value` has it.
        self.enter(1);
        self.out.push(b'[');
        for (i, &b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_u64(&mut self.out, u64::from(b));
        }
        self.out.push(b']');
        self.leave(1);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), ValueError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ValueError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), ValueError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), ValueError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), ValueError> {
        write_str(&mut self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        if name == BIG_INT_TOKEN {
            // `Number`'s wide integer: its digits, in canonical form, as
            // `to_value` reads them.
            let digits = to_value(value)?;
            let n = digits
                .as_str()
                .and_then(Number::from_integer_str)
                .ok_or_else(give_up)?;
            write_number(&mut self.out, &n);
            return Ok(());
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.enter(1);
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        self.leave(1);
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, ValueError> {
        self.enter(1);
        self.out.push(b'[');
        Ok(Array {
            w: self,
            first: true,
            levels: 1,
        })
    }

    fn serialize_tuple(self, _len: usize) -> Result<Array<'a>, ValueError> {
        self.serialize_seq(None)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, ValueError> {
        self.serialize_seq(None)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, ValueError> {
        // `{"Variant":[...]}`: an object around an array.
        self.enter(2);
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Array {
            w: self,
            first: true,
            levels: 2,
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a>, ValueError> {
        self.enter(1);
        self.out.push(b'{');
        let keys = Keys::Map(self.keys.open());
        Ok(Object {
            w: self,
            keys,
            first: true,
            key_written: false,
            levels: 1,
        })
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Object<'a>, ValueError> {
        self.enter(1);
        self.out.push(b'{');
        let keys = Keys::Fields {
            base: self.fields.len(),
            name,
            known: known_fields(name, len),
            matched: 0,
        };
        Ok(Object {
            w: self,
            keys,
            first: true,
            key_written: false,
            levels: 1,
        })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Object<'a>, ValueError> {
        // `{"Variant":{...}}`: an object around an object.
        self.enter(2);
        self.out.push(b'{');
        write_str(&mut self.out, variant);
        self.out.extend_from_slice(b":{");
        let keys = Keys::Fields {
            base: self.fields.len(),
            name: variant,
            known: known_fields(variant, len),
            matched: 0,
        };
        Ok(Object {
            w: self,
            keys,
            first: true,
            key_written: false,
            levels: 2,
        })
    }
}

/// An array being written (also a tuple variant's array, with the object
/// around it).
struct Array<'a> {
    w: &'a mut Writer,
    first: bool,
    /// 1, or 2 for a tuple variant (which closes with `]}`).
    levels: usize,
}

impl Array<'_> {
    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        if !self.first {
            self.w.out.push(b',');
        }
        self.first = false;
        value.serialize(&mut *self.w)
    }

    #[inline]
    fn close(self) -> Result<(), ValueError> {
        self.w.out.push(b']');
        if self.levels == 2 {
            self.w.out.push(b'}');
        }
        self.w.leave(self.levels);
        Ok(())
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.close()
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Array<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.close()
    }
}

/// An object being written (also a struct variant's object, with the
/// object around it).
struct Object<'a> {
    w: &'a mut Writer,
    keys: Keys,
    first: bool,
    /// A map key was written and its value is due.
    key_written: bool,
    /// 1, or 2 for a struct variant (which closes with `}}`).
    levels: usize,
}

/// How an object's keys are checked for repeats.
enum Keys {
    /// A map's keys, logged as written.
    Map(ObjectKeys),
    /// A struct's field names: `name` is the struct's (or the variant's).
    /// While its fields are the first `matched` of `known`, a list already
    /// found free of repeats and of names to escape, nothing needs logging;
    /// otherwise they are logged from `base` on in `Writer::fields`.
    Fields {
        base: usize,
        name: &'static str,
        known: Option<Rc<[&'static str]>>,
        matched: usize,
    },
}

impl Object<'_> {
    #[inline]
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        let Keys::Fields { known, matched, .. } = &mut self.keys else {
            return Err(give_up());
        };
        let w = &mut *self.w;
        if let Some(names) = known {
            if names
                .get(*matched)
                .is_some_and(|n| n.as_ptr() == key.as_ptr() && n.len() == key.len())
            {
                // The expected name, known to need no escaping.
                *matched += 1;
                let out = &mut w.out;
                out.reserve(key.len() + 4);
                if self.first {
                    out.push(b'"');
                } else {
                    out.extend_from_slice(b",\"");
                }
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(b"\":");
                self.first = false;
                return value.serialize(&mut *self.w);
            }
            // Another list after all: log the names so far.
            w.fields
                .extend_from_slice(names.get(..*matched).unwrap_or(&[]));
            *known = None;
        }
        if !self.first {
            w.out.push(b',');
        }
        write_str(&mut w.out, key);
        w.out.push(b':');
        if w.fields.capacity() == 0 {
            // A few dozen fields open at once covers most types.
            w.fields.reserve(32);
        }
        w.fields.push(key);
        self.first = false;
        value.serialize(&mut *self.w)
    }

    #[inline]
    fn close(self) -> Result<(), ValueError> {
        if self.key_written {
            // `to_value` would drop a key without a value: leave it to it.
            return Err(give_up());
        }
        let w = &mut *self.w;
        let repeat = match &self.keys {
            Keys::Map(keys) => {
                let out: &[u8] = &w.out;
                let bytes_of = |l: KeyLoc| out.get(l.start..l.end).unwrap_or(&[]);
                w.keys.close(keys, bytes_of)
            }
            // A prefix of a list free of repeats is free of them too.
            Keys::Fields { known: Some(_), .. } => false,
            Keys::Fields {
                base,
                name,
                known: None,
                ..
            } => {
                let repeat = fields_repeat(name, w.fields.get(*base..).unwrap_or(&[]));
                w.fields.truncate(*base);
                repeat
            }
        };
        if repeat {
            // The `Value` path merges a repeated key.
            return Err(give_up());
        }
        self.w.out.push(b'}');
        if self.levels == 2 {
            self.w.out.push(b'}');
        }
        self.w.leave(self.levels);
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        if self.key_written || !matches!(self.keys, Keys::Map(_)) {
            // Two keys in a row: `to_value` keeps the second only.
            return Err(give_up());
        }
        if !self.first {
            self.w.out.push(b',');
        }
        let start = self.w.out.len();
        key.serialize(KeyWriter(&mut self.w.out))?;
        self.w.log_key(start);
        self.w.out.push(b':');
        self.first = false;
        self.key_written = true;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        if !self.key_written {
            return Err(give_up());
        }
        self.key_written = false;
        value.serialize(&mut *self.w)
    }

    fn end(self) -> Result<(), ValueError> {
        self.close()
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = ValueError;

    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Object<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.close()
    }
}

/// How many struct field lists [`KNOWN_FIELDS`] remembers.
const KNOWN_SLOTS: usize = 64;

/// The longest field list [`KNOWN_FIELDS`] remembers.
const KNOWN_MAX_FIELDS: usize = 64;

/// A remembered field list (see [`KNOWN_FIELDS`]).
type FieldList = Rc<[&'static str]>;

thread_local! {
    /// Field lists of structs already written and found free of repeated
    /// names and of names that need escaping, by struct name and length. A
    /// `&'static str` never changes, so a field with the same address and
    /// length as the expected one has the same name: a struct written
    /// again (the usual case) needs no second look at its names.
    static KNOWN_FIELDS: RefCell<[Option<FieldList>; KNOWN_SLOTS]> =
        const { RefCell::new([const { None }; KNOWN_SLOTS]) };
}

/// Where the field list of `name` with `len` fields is remembered.
#[inline]
fn known_slot(name: &'static str, len: usize) -> usize {
    let h =
        (name.as_ptr() as u64 ^ (len as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 58) as usize
}

/// The remembered field list of a struct called `name` with `len` fields,
/// if any (the fields written must still be compared with it).
#[inline]
fn known_fields(name: &'static str, len: usize) -> Option<FieldList> {
    if len < 2 {
        return None;
    }
    let slot = known_slot(name, len);
    KNOWN_FIELDS
        .try_with(|k| k.try_borrow().ok()?.get(slot)?.clone())
        .ok()
        .flatten()
}

/// Whether the field names of a struct (or struct variant) called `name`
/// repeat one; a list that does not is remembered if its names need no
/// escaping.
fn fields_repeat(name: &'static str, fields: &[&'static str]) -> bool {
    if has_repeat(fields, |f| f.as_bytes()) {
        return true;
    }
    let plain = |f: &&'static str| scan::plain_run::<true>(f.as_bytes()) == f.len();
    if (2..=KNOWN_MAX_FIELDS).contains(&fields.len()) && fields.iter().all(plain) {
        let list: FieldList = Rc::from(fields);
        let slot = known_slot(name, fields.len());
        let _ = KNOWN_FIELDS.try_with(|k| {
            if let Ok(mut k) = k.try_borrow_mut()
                && let Some(s) = k.get_mut(slot)
            {
                *s = Some(list);
            }
        });
    }
    false
}

/// Writes a map key as the quoted string `to_value`'s key rules make of
/// it (see `KeySerializer` in `ser.rs`); anything those rules refuse makes
/// the writer give up.
struct KeyWriter<'a>(&'a mut Vec<u8>);

impl KeyWriter<'_> {
    fn quoted(self, text: impl FnOnce(&mut Vec<u8>)) -> Result<(), ValueError> {
        // The texts written here (digits, signs, `true`, `NaN`, a float's
        // repr...) never need escaping.
        self.0.push(b'"');
        text(self.0);
        self.0.push(b'"');
        Ok(())
    }

    fn int(self, v: i128) -> Result<(), ValueError> {
        self.quoted(|out| {
            if v < 0 {
                out.push(b'-');
            }
            let m = v.unsigned_abs();
            match u64::try_from(m) {
                Ok(small) => write_u64(out, small),
                Err(_) => out.extend_from_slice(m.to_string().as_bytes()),
            }
        })
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = ValueError;

    type SerializeSeq = Impossible<(), ValueError>;
    type SerializeTuple = Impossible<(), ValueError>;
    type SerializeTupleStruct = Impossible<(), ValueError>;
    type SerializeTupleVariant = Impossible<(), ValueError>;
    type SerializeMap = Impossible<(), ValueError>;
    type SerializeStruct = Impossible<(), ValueError>;
    type SerializeStructVariant = Impossible<(), ValueError>;

    fn serialize_bool(self, v: bool) -> Result<(), ValueError> {
        self.quoted(|out| out.extend_from_slice(if v { b"true" } else { b"false" }))
    }

    fn serialize_i8(self, v: i8) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_i128(self, v: i128) -> Result<(), ValueError> {
        self.int(v)
    }

    fn serialize_u8(self, v: u8) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), ValueError> {
        self.int(i128::from(v))
    }

    fn serialize_u128(self, v: u128) -> Result<(), ValueError> {
        self.quoted(|out| out.extend_from_slice(v.to_string().as_bytes()))
    }

    fn serialize_f32(self, v: f32) -> Result<(), ValueError> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), ValueError> {
        // `float_key`: the writer's spelling, NaN and the infinities
        // included.
        self.quoted(|out| write_float(out, v))
    }

    fn serialize_char(self, v: char) -> Result<(), ValueError> {
        write_str(self.0, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), ValueError> {
        write_str(self.0, v);
        Ok(())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), ValueError> {
        Err(give_up())
    }

    fn serialize_none(self) -> Result<(), ValueError> {
        self.quoted(|out| out.extend_from_slice(b"null"))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ValueError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), ValueError> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), ValueError> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), ValueError> {
        write_str(self.0, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        // The wide-integer token too: its digits are the key, as written.
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), ValueError> {
        Err(give_up())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, ValueError> {
        Err(give_up())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, ValueError> {
        Err(give_up())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, ValueError> {
        Err(give_up())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ValueError> {
        Err(give_up())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, ValueError> {
        Err(give_up())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, ValueError> {
        Err(give_up())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ValueError> {
        Err(give_up())
    }
}

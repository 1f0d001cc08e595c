//! The storage behind [`Session`](super::Session): a map that can start as
//! verified, validated JSON and parse each top-level value on first read.
//!
//! Most requests read one or two keys (the user id, say) and change
//! nothing, so building every value of a cookie up front is wasted work.
//! Loading validates the whole document exactly as a full parse would
//! (the same errors, at the same time) and records where each top-level
//! value lies; a value is built when it is first read. The first change,
//! or a call that needs the whole map, builds the rest.

use core::cell::OnceCell;
use core::fmt;
use core::ops::Range;

use indexmap::map::Entry;

use python_json::{self as json, JsonError, RawObject};
use python_json::{Map, Value};

/// Session data: a built [`Map`], or raw JSON with values built on demand.
///
/// While `raw` is set it holds the data and `map` is empty.
#[derive(Clone)]
pub(crate) struct Data {
    map: Map,
    raw: Option<Box<Raw>>,
}

/// A validated JSON object, its keys, and the values built so far.
#[derive(Clone)]
struct Raw {
    json: Vec<u8>,
    /// The depth limit for a value (one less than the document's).
    depth: usize,
    /// Keys are unique (the reader keeps the last of repeated ones), and
    /// few: a linear search beats hashing every key of every request.
    object: RawObject,
    /// Each entry's value, once built (same positions as `object`).
    values: Box<[OnceCell<Value>]>,
    /// The whole map, once something asked for it by reference.
    all: OnceCell<Map>,
}

/// One entry of a [`Raw`]: where its value lies, and the value once built.
struct Slot<'a> {
    range: Range<usize>,
    value: &'a OnceCell<Value>,
}

impl Raw {
    fn slot(&self, key: &str) -> Option<Slot<'_>> {
        let at = self.object.position(key)?;
        self.slot_at(at, self.object.get_index(at)?)
    }

    fn slot_at(&self, at: usize, range: Range<usize>) -> Option<Slot<'_>> {
        Some(Slot {
            range,
            value: self.values.get(at)?,
        })
    }

    /// Every entry, in order.
    fn entries(&self) -> impl ExactSizeIterator<Item = (&str, Slot<'_>)> + '_ {
        self.object
            .iter()
            .zip(self.values.iter())
            .map(|((key, range), value)| (key, Slot { range, value }))
    }

    #[expect(
        clippy::expect_used,
        reason = "the range was validated with these very rules at load; a failure is a bug, \
                  and a stand-in value would silently change the user's data"
    )]
    fn build(&self, range: Range<usize>) -> Value {
        json::from_slice_at(&self.json, range, self.depth)
            .expect("a value range validated when the session was loaded parses again")
    }

    fn value<'a>(&'a self, slot: Slot<'a>) -> &'a Value {
        slot.value.get_or_init(|| self.build(slot.range))
    }

    fn into_map(mut self) -> Map {
        if let Some(map) = self.all.take() {
            return map;
        }
        let values = core::mem::take(&mut self.values).into_vec();
        self.object
            .iter()
            .zip(values)
            .map(|((key, range), value)| {
                let value = value.into_inner().unwrap_or_else(|| self.build(range));
                (key.to_owned(), value)
            })
            .collect()
    }

    fn to_map(&self) -> Map {
        self.entries()
            .map(|(k, slot)| (k.to_owned(), self.value(slot).clone()))
            .collect()
    }
}

/// One of two iterators of the same item type.
enum Either<A, B> {
    Left(A),
    Right(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for Either<A, B> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Either::Left(a) => a.next(),
            Either::Right(b) => b.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Either::Left(a) => a.size_hint(),
            Either::Right(b) => b.size_hint(),
        }
    }
}

impl<T, A: ExactSizeIterator<Item = T>, B: ExactSizeIterator<Item = T>> ExactSizeIterator
    for Either<A, B>
{
}

impl Default for Data {
    fn default() -> Self {
        Data::from(Map::new())
    }
}

impl From<Map> for Data {
    fn from(map: Map) -> Self {
        Data { map, raw: None }
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Data {
    /// Validates `json` with the rules of [`json::from_slice`] and, if it
    /// is an object, keeps it with its values unbuilt. `Ok(None)` if it is
    /// valid JSON but not an object.
    pub(crate) fn parse(json: Vec<u8>, max_depth: usize) -> Result<Option<Data>, JsonError> {
        let Some(object) = json::parse_object_raw(&json, max_depth)? else {
            return Ok(None);
        };
        let values = core::iter::repeat_with(OnceCell::new)
            .take(object.len())
            .collect();
        let depth = max_depth.saturating_sub(1);
        let raw = Raw {
            json,
            depth,
            object,
            values,
            all: OnceCell::new(),
        };
        Ok(Some(Data {
            map: Map::new(),
            raw: Some(Box::new(raw)),
        }))
    }

    /// The raw form, while no full map has been built.
    fn lazy(&self) -> Option<&Raw> {
        self.raw.as_deref().filter(|raw| raw.all.get().is_none())
    }

    /// The whole data as a [`Map`] (built, and kept, on first call).
    pub(crate) fn as_map(&self) -> &Map {
        match self.raw.as_deref() {
            Some(raw) => raw.all.get_or_init(|| raw.to_map()),
            None => &self.map,
        }
    }

    /// The map, for changing it: builds what is left and drops the JSON.
    pub(crate) fn make_mut(&mut self) -> &mut Map {
        if let Some(raw) = self.raw.take() {
            self.map = raw.into_map();
        }
        &mut self.map
    }

    /// Takes the data out as a [`Map`], leaving it empty.
    pub(crate) fn take_map(&mut self) -> Map {
        core::mem::take(self.make_mut())
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        match self.lazy() {
            Some(raw) => raw.slot(key).map(|slot| raw.value(slot)),
            None => self.as_map().get(key),
        }
    }

    /// The value under `key` as a serde type. A value not built yet is
    /// read straight from its JSON (and stays unbuilt); a built one is
    /// converted where it is, without a copy.
    #[expect(
        clippy::expect_used,
        clippy::panic,
        reason = "the range was validated with the reader's rules at load, so only the type \
                  can refuse it"
    )]
    pub(crate) fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Option<Result<T, json::ValueError>> {
        if let Some(raw) = self.lazy() {
            let slot = raw.slot(key)?;
            if slot.value.get().is_none() {
                let text = raw
                    .json
                    .get(slot.range)
                    .expect("a range of the JSON it indexes");
                return Some(
                    json::from_slice_of::<T>(text, raw.depth).map_err(|e| match e {
                        json::Error::Value(e) => e,
                        other => panic!("a value range validated at load no longer reads: {other}"),
                    }),
                );
            }
        }
        self.get(key).map(json::from_value_ref::<T>)
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        match self.lazy() {
            Some(raw) => raw.slot(key).is_some(),
            None => self.as_map().contains_key(key),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self.lazy() {
            Some(raw) => raw.object.len(),
            None => self.as_map().len(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        match self.lazy() {
            Some(raw) => Either::Left(raw.object.keys()),
            None => Either::Right(self.as_map().keys().map(String::as_str)),
        }
    }

    pub(crate) fn values(&self) -> impl ExactSizeIterator<Item = &Value> + '_ {
        match self.lazy() {
            Some(raw) => Either::Left(raw.entries().map(|(_, slot)| raw.value(slot))),
            None => Either::Right(self.as_map().values()),
        }
    }

    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> + '_ {
        match self.lazy() {
            Some(raw) => Either::Left(raw.entries().map(|(k, slot)| (k, raw.value(slot)))),
            None => Either::Right(self.as_map().iter().map(|(k, v)| (k.as_str(), v))),
        }
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.make_mut().get_mut(key)
    }

    pub(crate) fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        self.make_mut().insert(key, value)
    }

    pub(crate) fn shift_remove(&mut self, key: &str) -> Option<Value> {
        self.make_mut().shift_remove(key)
    }

    pub(crate) fn entry(&mut self, key: String) -> Entry<'_, String, Value> {
        self.make_mut().entry(key)
    }

    pub(crate) fn extend(&mut self, entries: impl IntoIterator<Item = (String, Value)>) {
        self.make_mut().extend(entries);
    }

    pub(crate) fn clear(&mut self) {
        *self = Data::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lazy(text: &str) -> Data {
        Data::parse(text.as_bytes().to_vec(), 128).unwrap().unwrap()
    }

    #[test]
    fn reads_build_only_what_they_touch() {
        let d = lazy(r#"{"a": [1, 2], "b": {"c": "x"}, "a": 3}"#);
        assert_eq!(d.len(), 2);
        assert_eq!(d.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(d.get("a"), Some(&Value::from(3)));
        let raw = d.lazy().unwrap();
        assert!(
            raw.slot("b").unwrap().value.get().is_none(),
            "b is not built yet"
        );
        assert!(d.contains_key("b") && !d.contains_key("z"));
        assert_eq!(d.values().count(), 2);
        assert!(raw.slot("b").unwrap().value.get().is_some());
    }

    #[test]
    fn same_data_as_a_full_parse() {
        let text = r#"{"x": 1.0, "y": "\u00e9\ud83d\ude00", "z": [null, true, NaN], "x": -0}"#;
        let full = json::from_slice(text.as_bytes(), 128).unwrap();
        let d = lazy(text);
        assert_eq!(&Value::Object(d.as_map().clone()), &full);
        let mut d = lazy(text);
        assert_eq!(d.get("y").and_then(Value::as_str), Some("é😀"));
        assert_eq!(&Value::Object(d.take_map()), &full);
        assert!(d.is_empty());
    }

    #[test]
    fn changes_build_the_rest() {
        let mut d = lazy(r#"{"a": 1, "b": 2}"#);
        assert_eq!(d.get("a"), Some(&Value::from(1)));
        d.insert("c".into(), Value::from(3));
        assert!(d.raw.is_none());
        assert_eq!(
            d.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(d.shift_remove("a"), Some(Value::from(1)));
        d.clear();
        assert!(d.is_empty());
    }

    #[test]
    fn repeated_keys_in_large_objects() {
        // Past 32 keys the reader indexes them; repeats on both sides of
        // that point keep the first position and the last value.
        let mut text = String::from("{");
        for i in 0..50 {
            text.push_str(&format!("\"k{}\": {i},", i % 40));
        }
        text.push_str("\"k3\": \"last\"}");
        let full = json::from_slice(text.as_bytes(), 128).unwrap();
        let d = lazy(&text);
        assert_eq!(d.len(), 40);
        assert_eq!(d.get("k3").and_then(Value::as_str), Some("last"));
        assert_eq!(d.get("k5").and_then(Value::as_i64), Some(45));
        assert_eq!(&Value::Object(d.as_map().clone()), &full);
    }

    /// Issue 11, item 6: a value whose validated range no longer parses
    /// is a broken invariant; it used to become `null` without a word,
    /// silently changing the session's data.
    #[test]
    #[should_panic(expected = "validated when the session was loaded")]
    fn item06_a_broken_lazy_value_is_not_turned_into_null() {
        let mut d = lazy(r#"{"a": [1, 2]}"#);
        if let Some(raw) = d.raw.as_deref_mut() {
            // Break the invariant: the value's closing bracket is gone.
            let end = raw.object.get("a").unwrap().end;
            raw.json[end - 1] = b' ';
        }
        let _ = d.get("a");
    }

    #[test]
    fn invalid_or_non_object() {
        assert!(Data::parse(b"{\"a\": [1,}".to_vec(), 128).is_err());
        assert!(Data::parse(b"[1, 2]".to_vec(), 128).unwrap().is_none());
        // The depth limit counts the top-level object.
        assert!(
            Data::parse(b"{\"a\": [[1]]}".to_vec(), 3)
                .unwrap()
                .is_some()
        );
        assert!(Data::parse(b"{\"a\": [[1]]}".to_vec(), 2).is_err());
    }
}

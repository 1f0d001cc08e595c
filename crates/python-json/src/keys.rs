//! Spotting a repeated key among the keys of an object while JSON is read
//! or written as a stream, where no `Map` is built to merge them.
//!
//! The streaming writer and reader only need to know *whether* an object
//! repeats a key: if it does, they give up and let the `Value` path (which
//! keeps the first position and the last value, as Python does) produce
//! the result. Keys stay where they already are (in the output, in the
//! input, or in a side buffer for decoded keys); the log keeps a hash and a
//! location for each.
//!
//! The cost per key must be a few nanoseconds, since a struct's every field
//! goes through here. Small objects use an unkeyed hash of the key's length
//! and first and last eight bytes, a 128-bit filter, and a scan of the
//! object's earlier hashes when the filter says "maybe". That hash can be
//! made to collide on purpose, so the first time two different keys share
//! it, and whenever an object grows past [`LINEAR_LIMIT`] keys, the object
//! switches to an index under std's per-process keyed SipHash (as
//! `parse_object_raw` uses): a hostile input costs at most one wasted
//! comparison per object before that, and linear time overall.

use std::collections::HashMap;
use std::hash::{BuildHasher as _, RandomState};

use crate::read::KeyHashBuild;

/// How many keys an object may have before it is indexed by a keyed hash.
const LINEAR_LIMIT: usize = 32;

/// Where a key's bytes are: `start..end` of one of two buffers, which one
/// chosen by `spare` (what the buffers are is up to the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyLoc {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) spare: bool,
}

#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    loc: KeyLoc,
}

/// The keys of every object that is open, innermost object last (objects
/// nest, so the log is a stack).
#[derive(Default)]
pub(crate) struct KeyLog {
    entries: Vec<Entry>,
}

/// One open object's part of a [`KeyLog`].
pub(crate) struct ObjectKeys {
    /// Where the object's keys start in the log.
    base: usize,
    /// Bit `hash >> 57` (the top seven bits) is set for each key's quick hash.
    mask: u128,
    /// Set once the object is large, or has shown a quick-hash collision.
    index: Option<Box<Index>>,
}

/// A keyed index of an object's keys: the SipHash of a key to the log
/// position of the first key with that hash.
struct Index {
    hasher: RandomState,
    first: HashMap<u64, usize, KeyHashBuild>,
}

/// A fast, unkeyed hash of a key: its length and its first and last eight
/// bytes (fewer for short keys), folded through one 128-bit multiply.
#[inline]
fn quick_hash(key: &[u8]) -> u64 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let len = key.len() as u64;
    let (a, b) = match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (Some(first), Some(last)) => (u64::from_le_bytes(*first), u64::from_le_bytes(*last)),
        _ => match (key.first_chunk::<4>(), key.last_chunk::<4>()) {
            (Some(first), Some(last)) => (
                u64::from(u32::from_le_bytes(*first)),
                u64::from(u32::from_le_bytes(*last)),
            ),
            _ => {
                let at = |i: usize| u64::from(key.get(i).copied().unwrap_or(0));
                (
                    at(0) | at(key.len() / 2) << 8 | at(key.len().wrapping_sub(1)) << 16,
                    0,
                )
            }
        },
    };
    let product = u128::from(a ^ K1) * u128::from(b ^ K2 ^ len.rotate_left(40));
    // The fold keeps both halves of the product.
    (product as u64) ^ ((product >> 64) as u64)
}

impl KeyLog {
    /// Starts the keys of a new (innermost) object.
    #[inline]
    pub(crate) fn open(&self) -> ObjectKeys {
        ObjectKeys {
            base: self.entries.len(),
            mask: 0,
            index: None,
        }
    }

    /// Forgets the keys of the innermost object.
    #[inline]
    pub(crate) fn close(&mut self, object: &ObjectKeys) {
        self.entries.truncate(object.base);
    }

    /// Records `key` (found at `loc`) as a key of `object`, the innermost
    /// open object, and says whether the object already had it.
    /// `bytes_of` gives the bytes of an earlier key from its location.
    #[inline]
    pub(crate) fn repeated<'b>(
        &mut self,
        object: &mut ObjectKeys,
        key: &[u8],
        loc: KeyLoc,
        bytes_of: impl Fn(KeyLoc) -> &'b [u8],
    ) -> bool {
        let hash = quick_hash(key);
        if object.index.is_none() {
            let count = self.entries.len().saturating_sub(object.base);
            if count < LINEAR_LIMIT {
                let bit = 1u128 << (hash >> 57);
                let mut collided = false;
                if object.mask & bit != 0 {
                    for e in self.entries.get(object.base..).unwrap_or(&[]) {
                        if e.hash == hash {
                            if bytes_of(e.loc) == key {
                                return true;
                            }
                            collided = true;
                        }
                    }
                }
                object.mask |= bit;
                self.entries.push(Entry { hash, loc });
                if collided {
                    // Every earlier key with this hash was compared: not a
                    // repeat. But the quick hash may be under attack, so
                    // the rest of this object goes through the keyed index.
                    object.index = Some(self.index(object.base, &bytes_of));
                }
                return false;
            }
            object.index = Some(self.index(object.base, &bytes_of));
        }
        let Some(index) = object.index.as_mut() else {
            return false;
        };
        let keyed = index.hasher.hash_one(key);
        let at = self.entries.len();
        match index.first.get(&keyed) {
            None => {
                index.first.insert(keyed, at);
            }
            Some(&first) => {
                let same = |e: &Entry| bytes_of(e.loc) == key;
                if self.entries.get(first).is_some_and(same) {
                    return true;
                }
                // Two keys with one SipHash: a chance event, checked in full.
                let earlier = self.entries.get(object.base..).unwrap_or(&[]);
                if earlier.iter().any(same) {
                    return true;
                }
            }
        }
        self.entries.push(Entry { hash, loc });
        false
    }

    /// A keyed index of the keys logged from `base` on.
    #[cold]
    fn index<'b>(&self, base: usize, bytes_of: &impl Fn(KeyLoc) -> &'b [u8]) -> Box<Index> {
        let hasher = RandomState::new();
        let earlier = self.entries.get(base..).unwrap_or(&[]);
        let mut first = HashMap::with_capacity_and_hasher(
            earlier.len().max(LINEAR_LIMIT) * 2,
            KeyHashBuild::default(),
        );
        for (i, e) in earlier.iter().enumerate() {
            first
                .entry(hasher.hash_one(bytes_of(e.loc)))
                .or_insert(base + i);
        }
        Box::new(Index { hasher, first })
    }
}

#[cfg(test)]
mod tests {
    use super::{KeyLoc, KeyLog, LINEAR_LIMIT, quick_hash};

    /// Logs each key of `keys` (stored back to back in one buffer) and
    /// returns which ones were reported as repeats.
    fn repeats(keys: &[&str]) -> Vec<bool> {
        let buf: String = keys.concat();
        let mut log = KeyLog::default();
        let mut object = log.open();
        let mut at = 0;
        let mut out = Vec::new();
        for k in keys {
            let loc = KeyLoc {
                start: at,
                end: at + k.len(),
                spare: false,
            };
            at += k.len();
            let bytes_of = |l: KeyLoc| buf.as_bytes().get(l.start..l.end).unwrap_or(&[]);
            out.push(log.repeated(&mut object, k.as_bytes(), loc, bytes_of));
        }
        log.close(&object);
        out
    }

    #[test]
    fn small_and_large_objects() {
        assert_eq!(
            repeats(&["a", "b", "", "a", "", "bb", "b"]),
            [false, false, false, true, true, false, true]
        );
        let many: Vec<String> = (0..300).map(|i| format!("key{i}")).collect();
        let mut keys: Vec<&str> = many.iter().map(String::as_str).collect();
        keys.push("key7");
        keys.push("key299");
        keys.push("key300");
        let got = repeats(&keys);
        assert!(got[..300].iter().all(|r| !r));
        assert_eq!(got[300..], [true, true, false]);
    }

    #[test]
    fn quick_hash_collisions_switch_to_the_keyed_index() {
        // Same length, same first and last eight bytes: one quick hash.
        let a = "01234567-a-76543210";
        let b = "01234567-b-76543210";
        assert_eq!(quick_hash(a.as_bytes()), quick_hash(b.as_bytes()));
        assert_eq!(
            repeats(&[a, b, "x", a, b, "x"]),
            [false, false, false, true, true, true]
        );
        let crafted: Vec<String> = (0..(LINEAR_LIMIT * 4))
            .map(|i| format!("01234567-{i:05}-76543210"))
            .collect();
        let mut keys: Vec<&str> = crafted.iter().map(String::as_str).collect();
        keys.push(crafted[5].as_str());
        let got = repeats(&keys);
        assert!(got[..crafted.len()].iter().all(|r| !r));
        assert_eq!(got.last(), Some(&true));
    }

    #[test]
    fn nested_objects_are_separate() {
        let buf = b"abab";
        let bytes_of = |l: KeyLoc| buf.get(l.start..l.end).unwrap_or(&[]);
        let loc = |start: usize| KeyLoc {
            start,
            end: start + 2,
            spare: false,
        };
        let mut log = KeyLog::default();
        let mut outer = log.open();
        assert!(!log.repeated(&mut outer, b"ab", loc(0), bytes_of));
        let mut inner = log.open();
        assert!(!log.repeated(&mut inner, b"ab", loc(2), bytes_of));
        log.close(&inner);
        assert!(log.repeated(&mut outer, b"ab", loc(2), bytes_of));
    }
}

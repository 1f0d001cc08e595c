//! Spotting a repeated key among the keys of an object while JSON is read
//! or written as a stream, where no `Map` is built to merge them.
//!
//! The streaming writer and reader only need to know *whether* an object
//! repeats a key: if it does, they give up and let the `Value` path (which
//! keeps the first position and the last value, as Python does) produce
//! the result. Keys stay where they already are (in the output, in the
//! input, or in a side buffer for decoded keys); the log keeps where each
//! one is, and an object's keys are checked together when it closes (a
//! key read back right after it was written would stall on the store).
//!
//! The check must cost a few nanoseconds per key, since a struct's every
//! field goes through here. Keys get an unkeyed hash of their length and
//! first and last eight bytes. Up to [`SCAN_LIMIT`] keys are compared
//! pairwise by hash; up to [`TABLE_LIMIT`], through a 256-slot
//! open-addressing table of hashes on the stack. That hash can be made to
//! collide on purpose, so as soon as two different keys share it, and for
//! objects of more than [`TABLE_LIMIT`] keys, the check is done again
//! under std's per-process keyed SipHash (as `parse_object_raw` does): a
//! hostile input costs at most one wasted comparison and a bounded number
//! of probes per key before that, and linear time overall.

use std::collections::HashMap;
use std::hash::{BuildHasher as _, RandomState};

use crate::read::KeyHashBuild;

/// Objects of at most this many keys compare their hashes pairwise.
const SCAN_LIMIT: usize = 8;

/// Objects of at most this many keys use a table of hashes (the table holds
/// a key's position in a byte, and stays at most half full).
const TABLE_LIMIT: usize = 128;

/// Slots in the table.
const TABLE_SLOTS: usize = 256;

/// Where a key's bytes are: `start..end` of one of two buffers, which one
/// chosen by `spare` (what the buffers are is up to the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyLoc {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) spare: bool,
}

/// The keys of every object that is open, innermost object last (objects
/// nest, so the log is a stack).
#[derive(Default)]
pub(crate) struct KeyLog {
    keys: Vec<KeyLoc>,
}

/// One open object's part of a [`KeyLog`]: where its keys start.
pub(crate) struct ObjectKeys {
    base: usize,
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

/// What a check by quick hash found.
enum Found {
    /// No key is there twice.
    Distinct,
    /// Some key is there twice.
    Repeat,
    /// Two different keys share a quick hash: the check must be redone
    /// with the keyed hash.
    Collision,
}

impl KeyLog {
    /// Starts the keys of a new (innermost) object.
    #[inline]
    pub(crate) fn open(&self) -> ObjectKeys {
        ObjectKeys {
            base: self.keys.len(),
        }
    }

    /// Records a key of the innermost open object.
    #[inline]
    pub(crate) fn push(&mut self, loc: KeyLoc) {
        if self.keys.capacity() == 0 {
            // A few dozen keys open at once covers most documents.
            self.keys.reserve(32);
        }
        self.keys.push(loc);
    }

    /// Closes the innermost object, `object`: forgets its keys and says
    /// whether one of them was there twice. `bytes_of` gives the bytes of
    /// a key from its location.
    #[inline]
    pub(crate) fn close<'b>(
        &mut self,
        object: &ObjectKeys,
        bytes_of: impl Fn(KeyLoc) -> &'b [u8],
    ) -> bool {
        let keys = self.keys.get(object.base..).unwrap_or(&[]);
        let repeat = has_repeat(keys, |&loc| bytes_of(loc));
        self.keys.truncate(object.base);
        repeat
    }
}

/// Whether two of `keys` have the same bytes (as `bytes_of` gives them).
#[inline]
pub(crate) fn has_repeat<'k, 'b, K>(keys: &'k [K], bytes_of: impl Fn(&'k K) -> &'b [u8]) -> bool {
    let n = keys.len();
    if n < 2 {
        return false;
    }
    let found = if n <= SCAN_LIMIT {
        scan(keys, &bytes_of)
    } else if n <= TABLE_LIMIT {
        table(keys, &bytes_of)
    } else {
        Found::Collision
    };
    match found {
        Found::Distinct => false,
        Found::Repeat => true,
        Found::Collision => keyed(keys, &bytes_of),
    }
}

/// Compares the quick hashes of a few keys pairwise.
#[inline]
fn scan<'k, 'b, K>(keys: &'k [K], bytes_of: &impl Fn(&'k K) -> &'b [u8]) -> Found {
    let mut hashes = [0u64; SCAN_LIMIT];
    for (h, loc) in hashes.iter_mut().zip(keys) {
        *h = quick_hash(bytes_of(loc));
    }
    for (i, (&h, loc)) in hashes.iter().zip(keys).enumerate() {
        for (&earlier, earlier_loc) in hashes.iter().zip(keys).take(i) {
            if earlier == h {
                return if same_bytes(bytes_of(earlier_loc), bytes_of(loc)) {
                    Found::Repeat
                } else {
                    Found::Collision
                };
            }
        }
    }
    Found::Distinct
}

/// Puts the quick hashes of up to [`TABLE_LIMIT`] keys in a table.
fn table<'k, 'b, K>(keys: &'k [K], bytes_of: &impl Fn(&'k K) -> &'b [u8]) -> Found {
    let mut hashes = [0u64; TABLE_LIMIT];
    let mut slots = [0u8; TABLE_SLOTS];
    for (i, loc) in keys.iter().enumerate().take(TABLE_LIMIT) {
        let key = bytes_of(loc);
        let h = quick_hash(key);
        // The table is at most half full, so an empty slot comes soon.
        let mut slot = (h >> 56) as usize;
        loop {
            match slots.get(slot).copied() {
                Some(0) | None => break,
                Some(taken) => {
                    let earlier = usize::from(taken) - 1;
                    if hashes.get(earlier) == Some(&h) {
                        let earlier_key = keys.get(earlier).map_or(&[][..], bytes_of);
                        return if same_bytes(earlier_key, key) {
                            Found::Repeat
                        } else {
                            Found::Collision
                        };
                    }
                }
            }
            slot = (slot + 1) % TABLE_SLOTS;
        }
        if let Some(s) = slots.get_mut(slot) {
            // `i` is below TABLE_LIMIT, so `i + 1` fits a byte.
            *s = u8::try_from(i + 1).unwrap_or(0);
        }
        if let Some(stored) = hashes.get_mut(i) {
            *stored = h;
        }
    }
    Found::Distinct
}

#[cfg(test)]
thread_local! {
    /// How many times two keys' bytes were compared on this thread: lets a
    /// test prove that crafted keys cannot make a check quadratic.
    pub(crate) static KEY_COMPARISONS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Whether two keys have the same bytes (counted in tests).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    #[cfg(test)]
    KEY_COMPARISONS.with(|n| n.set(n.get() + 1));
    a == b
}

/// Looks for a repeated key by std's per-process keyed SipHash.
#[cold]
fn keyed<'k, 'b, K>(keys: &'k [K], bytes_of: &impl Fn(&'k K) -> &'b [u8]) -> bool {
    let hasher = RandomState::new();
    let mut first: HashMap<u64, usize, KeyHashBuild> =
        HashMap::with_capacity_and_hasher(keys.len(), KeyHashBuild::default());
    for (i, loc) in keys.iter().enumerate() {
        let key = bytes_of(loc);
        match first.entry(hasher.hash_one(key)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let same = |l: &'k K| same_bytes(bytes_of(l), key);
                if keys.get(*o.get()).is_some_and(same) {
                    return true;
                }
                // Two keys with one SipHash: a chance event, checked in full.
                if keys.iter().take(i).any(same) {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{KeyLoc, KeyLog, TABLE_LIMIT, quick_hash};

    /// Whether an object with `keys` has one twice, as the log says.
    fn repeats(keys: &[&str]) -> bool {
        let buf: String = keys.concat();
        let mut log = KeyLog::default();
        let object = log.open();
        let mut at = 0;
        for k in keys {
            log.push(KeyLoc {
                start: at,
                end: at + k.len(),
                spare: false,
            });
            at += k.len();
        }
        let bytes_of = |l: KeyLoc| buf.as_bytes().get(l.start..l.end).unwrap_or(&[]);
        log.close(&object, bytes_of)
    }

    #[test]
    fn objects_of_every_size() {
        assert!(!repeats(&[]));
        assert!(!repeats(&["a"]));
        assert!(!repeats(&["a", "b", "", "bb", "ab"]));
        assert!(repeats(&["a", "b", "", "a"]));
        assert!(repeats(&["", "x", ""]));
        let many: Vec<String> = (0..300).map(|i| format!("key{i}")).collect();
        for n in [2, 7, 8, 9, 20, 100, 127, 128, 129, 300] {
            let mut keys: Vec<&str> = many[..n].iter().map(String::as_str).collect();
            assert!(!repeats(&keys), "{n} distinct");
            keys.push("key0");
            assert!(repeats(&keys), "{n} and a repeat of the first");
            keys.pop();
            keys.insert(n / 2, many[n - 1].as_str());
            assert!(repeats(&keys), "{n} and a repeat of the last");
        }
    }

    #[test]
    fn quick_hash_collisions_are_checked_with_the_keyed_hash() {
        // Same length, same first and last eight bytes: one quick hash.
        let a = "01234567-a-76543210";
        let b = "01234567-b-76543210";
        assert_eq!(quick_hash(a.as_bytes()), quick_hash(b.as_bytes()));
        assert!(!repeats(&[a, b, "x"]));
        assert!(repeats(&[a, b, "x", b]));
        for n in [3, 50, TABLE_LIMIT * 4] {
            let crafted: Vec<String> = (0..n)
                .map(|i| format!("01234567-{i:05}-76543210"))
                .collect();
            let mut keys: Vec<&str> = crafted.iter().map(String::as_str).collect();
            assert!(!repeats(&keys), "{n}");
            keys.push(crafted[1].as_str());
            assert!(repeats(&keys), "{n}");
        }
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
        let outer = log.open();
        log.push(loc(0));
        let inner = log.open();
        log.push(loc(2));
        assert!(!log.close(&inner, bytes_of));
        log.push(loc(2));
        assert!(log.close(&outer, bytes_of));
    }
}

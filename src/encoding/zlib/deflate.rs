//! Deflate exactly as stock zlib does it at level 6, for inputs of any
//! size: the stream written here is, byte for byte, the one Python's
//! `zlib.compress(data)` writes (level 6, 32 KiB window, `memLevel` 8,
//! default strategy; checked against zlib 1.2.13). So `Compression::Django`
//! makes Django's compress/don't-compress choice by construction, and a
//! compressed token is Django's token to the byte.
//!
//! Every choice zlib's encoder makes that shows in its output is made the
//! same way here:
//! - LZ77: a 64 KiB view of the input that slides by 32 KiB once the
//!   position reaches `WSIZE + MAX_DIST` with under `MIN_LOOKAHEAD` bytes
//!   ahead; hash chains on three bytes (15 bits, shift 5) in which window
//!   position 0 means "none"; lazy evaluation with level 6's parameters
//!   (good 8, lazy 16, nice 128, chain 128, a quarter of the chain after a
//!   good match); the candidate order and tie rule of the match search,
//!   its distance limit, the dropping of 3-byte matches more than 4096
//!   bytes back, and which positions inside a match are hashed.
//! - Blocks: one ends when it holds 16383 symbols (zlib's
//!   `lit_bufsize - 1` for `memLevel` 8), and the last at the end of the
//!   input.
//! - Huffman codes: the heap construction (ties broken by subtree depth),
//!   the repair of codes longer than 15 (7) bits, canonical codes, the
//!   run-length coding of each tree's code lengths, the trimming of the
//!   code length code, and the choice of block type from whole-byte
//!   estimates: fixed when it is no larger than dynamic, stored when its
//!   length plus 4 is no larger than that and its bytes are still in view.
//!
//! It is this crate's own code, written from that description of the
//! algorithm, and it is checked against Python's zlib by
//! `tests/zlib_differential.rs` and against C zlib by the `deflate` fuzz
//! target.
//!
//! Speed: buffers are kept per thread, and the hash table is never
//! cleared (its entries carry the tag of the call that wrote them), so a
//! small input costs little more than its own bytes. An input that never
//! slides (up to `WSIZE + MAX_DIST` bytes, every session) has all its hash
//! chains linked in one pass before the search, which finds them as zlib
//! would have built them by then. On long repetitive inputs the exact
//! algorithm is slower than zlib-rs's own level 6 (which is not zlib's).

use core::cell::RefCell;

use super::inflate::{DIST_BASE, DIST_EXTRA, LEN_BASE, LEN_EXTRA};

/// The LZ77 window (zlib's `w_size`, windowBits 15).
const WSIZE: usize = 1 << 15;
const WMASK: usize = WSIZE - 1;
/// Bytes of input in view at once: two windows.
const WINDOW_SIZE: usize = 2 * WSIZE;
/// Hash table size and mask (`memLevel` 8: 15 bits).
const HASH_SIZE: usize = 1 << 15;
const HASH_MASK: usize = HASH_SIZE - 1;
/// Bits each byte shifts the hash by; three shifts push a byte out.
const HASH_SHIFT: u32 = 5;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// Bytes ahead of the position that a match search wants in view.
const MIN_LOOKAHEAD: usize = MAX_MATCH + MIN_MATCH + 1;
/// The farthest back a match may start.
const MAX_DIST: usize = WSIZE - MIN_LOOKAHEAD;
// Level 6: good_length, max_lazy, nice_length, max_chain.
const GOOD_LENGTH: usize = 8;
const MAX_LAZY: usize = 16;
const NICE_LENGTH: usize = 128;
const MAX_CHAIN: u32 = 128;
/// A 3-byte match farther back than this is dropped.
const TOO_FAR: usize = 4096;
/// Symbols per block: zlib's `lit_bufsize - 1` (`lit_bufsize` is 16384
/// for `memLevel` 8).
const BLOCK_SYMBOLS: usize = (1 << 14) - 1;

const L_CODES: usize = 286;
const D_CODES: usize = 30;
const BL_CODES: usize = 19;
const END_BLOCK: usize = 256;
/// Nodes of the largest tree (leaves and internal nodes) plus one.
#[cfg(test)]
const HEAP_SIZE: usize = 2 * L_CODES + 1;
/// The order in which the code length code's lengths are sent.
const BL_ORDER: [usize; BL_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];
/// Extra bits of the code length symbols (16: repeat 3-6, 17: 3-10
/// zeros, 18: 11-138 zeros).
const BL_EXTRA: [u8; BL_CODES] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const REP_3_6: u8 = 16;
const REPZ_3_10: u8 = 17;
const REPZ_11_138: u8 = 18;

/// Buffers kept per thread.
struct Scratch {
    /// Most recent window position of each hash value (0: none), tagged
    /// in its top 16 bits with the call that wrote it: an entry with
    /// another call's tag is empty, so the table is never cleared between
    /// calls (only once every 65535 calls).
    head: Vec<u32>,
    /// This call's tag, `1..=0xffff`.
    tag: u32,
    /// Previous position with the same hash: by position for an input
    /// that never slides, else by position mod `WSIZE`. Only slots
    /// written during a call are read, so it is never cleared.
    prev: Vec<u16>,
    /// The current block's symbols. Literal: the byte; match:
    /// `distance << 16 | length`.
    syms: Vec<u32>,
}

impl Scratch {
    const fn new() -> Self {
        Scratch {
            head: Vec::new(),
            tag: 0,
            prev: Vec::new(),
            syms: Vec::new(),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch::new()) };
}

/// Compresses `data` into a zlib stream, stock zlib's level-6 bytes.
pub(super) fn zlib(data: &[u8]) -> Vec<u8> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => zlib_with(data, &mut s),
        Err(_) => zlib_with(data, &mut Scratch::new()),
    })
}

fn zlib_with(data: &[u8], s: &mut Scratch) -> Vec<u8> {
    s.tag += 1;
    if s.head.len() != HASH_SIZE || s.tag > 0xffff {
        s.head.clear();
        s.head.resize(HASH_SIZE, 0);
        s.tag = 1;
    }
    if s.prev.len() < WSIZE {
        s.prev.resize(WSIZE, 0);
    }
    let mut w = BitOut {
        out: Vec::with_capacity(data.len() / 2 + 64),
        buf: 0,
        cnt: 0,
    };
    // The header zlib writes for level 6 and a 32 KiB window.
    w.out.extend_from_slice(&[0x78, 0x9c]);
    deflate(data, s, &mut w);
    w.out
        .extend_from_slice(&zlib_rs::adler32::adler32(1, data).to_be_bytes());
    w.out
}

/// zlib's hash of three bytes: each shifted in by `HASH_SHIFT`, so after
/// three the oldest is gone.
#[inline]
fn hash3(a: u8, b: u8, c: u8) -> usize {
    ((usize::from(a) << (2 * HASH_SHIFT)) ^ (usize::from(b) << HASH_SHIFT) ^ usize::from(c))
        & HASH_MASK
}

/// [`hash3`] of the three bytes at `i`.
#[inline]
fn hash(win: &[u8], i: usize) -> usize {
    match win.get(i..i + 3) {
        Some(&[a, b, c]) => hash3(a, b, c),
        _ => 0,
    }
}

/// Puts window position `pos` at the head of its hash chain and returns
/// the position that was there (0: none). `tag` is this call's tag,
/// shifted into place.
#[inline]
fn insert(win: &[u8], head: &mut [u32], prev: &mut [u16], tag: u32, pos: usize) -> usize {
    let h = hash(win, pos);
    let Some(slot) = head.get_mut(h) else {
        return 0;
    };
    let entry = *slot;
    let before = if entry >> 16 == tag >> 16 {
        entry & 0xffff
    } else {
        0
    };
    *slot = tag | pos as u32;
    if let Some(p) = prev.get_mut(pos & WMASK) {
        *p = before as u16;
    }
    before as usize
}

/// [`insert`] for every position of `data` at once, in order: `prev[i]`
/// is the chain link of position `i`.
fn link(data: &[u8], head: &mut [u32], prev: &mut [u16], tag: u32) {
    for (i, (three, p)) in data.windows(3).zip(prev.iter_mut()).enumerate() {
        let &[a, b, c] = three else {
            continue;
        };
        if let Some(slot) = head.get_mut(hash3(a, b, c)) {
            let entry = *slot;
            *p = if entry >> 16 == tag >> 16 {
                entry as u16
            } else {
                0
            };
            *slot = tag | i as u32;
        }
    }
}

/// Moves every position in `prev` back by `WSIZE`; those that fall off
/// the front (and the one that lands on 0) become "none".
fn slide(prev: &mut [u16]) {
    for p in prev {
        *p = p.saturating_sub(WSIZE as u16);
    }
}

/// [`slide`] for the heads of this call (tagged `tag`); the others are
/// empty anyway.
fn slide_head(head: &mut [u32], tag: u32) {
    for e in head {
        if *e >> 16 == tag >> 16 {
            *e = tag | (*e & 0xffff).saturating_sub(WSIZE as u32);
        }
    }
}

/// The input in view when the window starts at `base`.
#[inline]
fn window(data: &[u8], base: usize) -> &[u8] {
    data.get(base..data.len().min(base + WINDOW_SIZE))
        .unwrap_or(&[])
}

/// The two bytes at `i`, if there are two.
#[inline]
fn pair(bytes: &[u8], i: usize) -> Option<[u8; 2]> {
    match bytes.get(i..i + 2) {
        Some(&[a, b]) => Some([a, b]),
        _ => None,
    }
}

/// Length of the common prefix of `a` and `b`.
#[inline]
fn common(a: &[u8], b: &[u8]) -> usize {
    let max = a.len().min(b.len());
    let mut n = 0;
    while let (Some(p), Some(q)) = (a.get(n..n + 8), b.get(n..n + 8)) {
        let mut w1 = [0u8; 8];
        let mut w2 = [0u8; 8];
        w1.copy_from_slice(p);
        w2.copy_from_slice(q);
        let diff = u64::from_le_bytes(w1) ^ u64::from_le_bytes(w2);
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && a.get(n) == b.get(n) {
        n += 1;
    }
    n
}

/// zlib's match search from `strstart`, starting with chain entry `cur`:
/// the longest match longer than `prev_len` (and its distance), the
/// first found among equals, stopping at `nice` bytes. A result of at
/// most `prev_len` comes back without a distance.
///
/// zlib compares up to `MAX_MATCH` bytes even past the end of the input
/// and then cuts the length to what is left; comparing only what is
/// left picks the same candidate, because `nice` never exceeds what is
/// left.
#[inline]
fn longest_match(
    win: &[u8],
    prev: &[u16],
    mask: usize,
    strstart: usize,
    mut cur: usize,
    prev_len: usize,
    lookahead: usize,
) -> (usize, Option<usize>) {
    let max = lookahead.min(MAX_MATCH);
    let mut best = prev_len;
    let mut dist = None;
    let Some(scan) = win.get(strstart..strstart + max) else {
        return (best.min(lookahead), None);
    };
    if best >= max {
        return (best.min(lookahead), None);
    }
    let nice = NICE_LENGTH.min(lookahead);
    let mut chain = if prev_len >= GOOD_LENGTH {
        MAX_CHAIN >> 2
    } else {
        MAX_CHAIN
    };
    let limit = strstart.saturating_sub(MAX_DIST);
    // A candidate must match the first two bytes, and the two at
    // `best - 1` and `best` to beat `best`; those are checked first.
    let start = pair(scan, 0);
    let mut end = pair(scan, best - 1);
    let rest = scan.get(2..).unwrap_or(&[]);
    loop {
        if pair(win, cur + best - 1) == end && pair(win, cur) == start {
            // Equal hashes and equal first two bytes: the third is equal
            // too.
            let len = 2 + common(win.get(cur + 2..cur + max).unwrap_or(&[]), rest);
            if len > best {
                best = len;
                dist = Some(strstart - cur);
                if len >= nice {
                    break;
                }
                end = pair(scan, best - 1);
            }
        }
        cur = usize::from(prev.get(cur & mask).copied().unwrap_or(0));
        chain -= 1;
        if cur <= limit || chain == 0 {
            break;
        }
    }
    (best.min(lookahead), dist)
}

/// zlib's `deflate_slow` with level 6's parameters over the whole input,
/// blocks written to `w` as they fill.
fn deflate(data: &[u8], s: &mut Scratch, w: &mut BitOut) {
    let Scratch {
        head,
        tag,
        prev,
        syms,
    } = s;
    let tag = *tag << 16;
    syms.clear();
    // An input that never slides has every position with three bytes
    // ahead hashed, in order, before the search gets there, and nothing
    // else: its chains can all be linked in one pass up front, `prev`
    // then indexed by position (unmasked), `head` untouched afterwards.
    let linked = data.len() <= WSIZE + MAX_DIST;
    let mask = if linked { usize::MAX } else { WMASK };
    if linked {
        if prev.len() < data.len() {
            prev.resize(data.len(), 0);
        }
        link(data, head, prev, tag);
    }
    let mut base = 0;
    let mut win = window(data, base);
    let mut strstart = 0usize;
    // Window position where the current block's bytes start; negative
    // once they have slid out of view (no stored block then).
    let mut block_start: isize = 0;
    let mut match_len = MIN_MATCH - 1;
    let mut match_dist = 0usize;
    let mut match_available = false;
    loop {
        let mut lookahead = win.len() - strstart;
        if lookahead < MIN_LOOKAHEAD {
            if strstart >= WSIZE + MAX_DIST {
                base += WSIZE;
                win = window(data, base);
                strstart -= WSIZE;
                block_start -= WSIZE as isize;
                slide_head(head, tag);
                slide(prev.get_mut(..WSIZE).unwrap_or(&mut []));
                lookahead = win.len() - strstart;
            }
            if lookahead == 0 {
                break;
            }
        }
        let hash_head = if lookahead < MIN_MATCH {
            0
        } else if linked {
            usize::from(prev.get(strstart).copied().unwrap_or(0))
        } else {
            insert(win, head, prev, tag, strstart)
        };
        // The match found at the previous position, and one here.
        let prev_len = match_len;
        let prev_dist = match_dist;
        match_len = MIN_MATCH - 1;
        if hash_head != 0 && prev_len < MAX_LAZY && strstart - hash_head <= MAX_DIST {
            let (len, dist) =
                longest_match(win, prev, mask, strstart, hash_head, prev_len, lookahead);
            match_len = len;
            if let Some(d) = dist {
                match_dist = d;
            }
            if match_len == MIN_MATCH && match_dist > TOO_FAR {
                match_len = MIN_MATCH - 1;
            }
        }
        if prev_len >= MIN_MATCH && match_len <= prev_len {
            // The previous position's match wins; it covers this position
            // (already hashed) and the next `prev_len - 2`.
            let max_insert = strstart + lookahead - MIN_MATCH;
            syms.push((prev_dist as u32) << 16 | prev_len as u32);
            let last = strstart + prev_len - 2;
            if !linked {
                for p in strstart + 1..=last.min(max_insert) {
                    insert(win, head, prev, tag, p);
                }
            }
            strstart = last + 1;
            match_available = false;
            match_len = MIN_MATCH - 1;
            if syms.len() == BLOCK_SYMBOLS {
                flush_block(w, syms, win, &mut block_start, strstart, false);
            }
        } else if match_available {
            // No better match here: the previous byte goes as a literal.
            syms.push(u32::from(win.get(strstart - 1).copied().unwrap_or(0)));
            if syms.len() == BLOCK_SYMBOLS {
                flush_block(w, syms, win, &mut block_start, strstart, false);
            }
            strstart += 1;
        } else {
            // Wait for the next position before deciding.
            match_available = true;
            strstart += 1;
        }
    }
    if match_available {
        syms.push(u32::from(win.get(strstart - 1).copied().unwrap_or(0)));
    }
    flush_block(w, syms, win, &mut block_start, strstart, true);
}

/// Ends the current block at `strstart` and writes it.
fn flush_block(
    w: &mut BitOut,
    syms: &mut Vec<u32>,
    win: &[u8],
    block_start: &mut isize,
    strstart: usize,
    last: bool,
) {
    let stored_len = (strstart as isize - *block_start) as usize;
    let stored = usize::try_from(*block_start)
        .ok()
        .and_then(|b| win.get(b..b + stored_len));
    write_block(w, syms, stored, stored_len, last);
    syms.clear();
    *block_start = strstart as isize;
}

/// The literal/length symbol and extra bits of a match length.
#[inline]
fn len_code(len: usize) -> (usize, u32, u32) {
    let x = len - MIN_MATCH;
    let code = if len == MAX_MATCH {
        28
    } else if x < 8 {
        x
    } else {
        let l = (usize::BITS - 1 - x.leading_zeros()) as usize;
        4 * (l - 1) + ((x >> (l - 2)) & 3)
    };
    let base = usize::from(LEN_BASE.get(code).copied().unwrap_or(3));
    let extra = u32::from(LEN_EXTRA.get(code).copied().unwrap_or(0));
    (257 + code, extra, (len - base) as u32)
}

/// The distance symbol and extra bits of a match distance.
#[inline]
fn dist_code(dist: usize) -> (usize, u32, u32) {
    let x = dist - 1;
    let code = if x < 4 {
        x
    } else {
        let l = (usize::BITS - 1 - x.leading_zeros()) as usize;
        2 * l + ((x >> (l - 1)) & 1)
    };
    let base = usize::from(DIST_BASE.get(code).copied().unwrap_or(1));
    let extra = u32::from(DIST_EXTRA.get(code).copied().unwrap_or(0));
    (code, extra, (dist - base) as u32)
}

/// Length of symbol `n` in the fixed literal/length code.
fn fixed_lit_len(n: usize) -> u32 {
    match n {
        0..=143 => 8,
        144..=255 => 9,
        256..=279 => 7,
        _ => 8,
    }
}

fn fixed_dist_len(_: usize) -> u32 {
    5
}

/// What zlib knows about one of its three trees.
struct TreeDesc {
    /// Number of symbols.
    elems: usize,
    /// Code lengths of the fixed code, for the trees that have one.
    fixed_len: Option<fn(usize) -> u32>,
    /// Extra bits of symbol `extra_base + i`.
    extra: &'static [u8],
    extra_base: usize,
    /// Longest code allowed.
    max_length: usize,
}

const L_DESC: TreeDesc = TreeDesc {
    elems: L_CODES,
    fixed_len: Some(fixed_lit_len),
    extra: &LEN_EXTRA,
    extra_base: END_BLOCK + 1,
    max_length: 15,
};
const D_DESC: TreeDesc = TreeDesc {
    elems: D_CODES,
    fixed_len: Some(fixed_dist_len),
    extra: &DIST_EXTRA,
    extra_base: 0,
    max_length: 15,
};
const BL_DESC: TreeDesc = TreeDesc {
    elems: BL_CODES,
    fixed_len: None,
    extra: &BL_EXTRA,
    extra_base: 0,
    max_length: 7,
};

/// A block's size in bits, as zlib estimates it: `dynamic` with the
/// trees being built (header included once all three are), `fixed` with
/// the fixed code (3-bit block header excluded from both).
#[derive(Default)]
struct Cost {
    dynamic: i64,
    fixed: i64,
}

/// A heap entry: the sort key (frequency, then subtree depth) above the
/// node number, so that zlib's order is one integer comparison of the
/// bits above `NODE_BITS`.
const NODE_BITS: u32 = 16;
const DEPTH_BITS: u32 = 8;

#[inline]
fn entry(freq: u64, depth: u64, node: usize) -> u64 {
    (freq << (DEPTH_BITS + NODE_BITS)) | (depth << NODE_BITS) | node as u64
}

#[inline]
fn entry_node(e: u64) -> usize {
    (e & ((1 << NODE_BITS) - 1)) as usize
}

/// Restores zlib's heap order below `k` (`heap[1..=len]` is the heap):
/// lower frequency first, then the shallower subtree; on a full tie the
/// right child is taken and the sifted entry stops.
#[allow(
    clippy::indexing_slicing,
    reason = "k and its children stay within 1..=len, len < N"
)]
#[inline]
fn sift_down<const N: usize>(heap: &mut [u64; N], len: usize, mut k: usize) {
    let v = heap[k];
    let key = v >> NODE_BITS;
    let mut j = k << 1;
    while j <= len {
        let mut child = heap[j];
        if j < len {
            let right = heap[j + 1];
            if right >> NODE_BITS <= child >> NODE_BITS {
                j += 1;
                child = right;
            }
        }
        if key <= child >> NODE_BITS {
            break;
        }
        heap[k] = child;
        k = j;
        j <<= 1;
    }
    heap[k] = v;
}

/// zlib's `build_tree`: Huffman code lengths for `freq` into `lens`
/// (`desc.elems` entries), adding the tree's share to `cost`. Returns the
/// largest symbol with a code. There are always at least two codes: the
/// missing ones are made up with frequency 1 from the lowest symbols.
#[allow(
    clippy::indexing_slicing,
    reason = "node numbers stay below 2 * elems <= N - 1 and bit lengths within max_length <= 15"
)]
fn build_tree<const N: usize>(
    freq_in: &[u32],
    desc: &TreeDesc,
    lens: &mut [u8],
    cost: &mut Cost,
) -> usize {
    let elems = desc.elems.min(freq_in.len()).min((N - 1) / 2);
    // heap[1..=heap_len]: the heap; heap[heap_max..]: the nodes in the
    // order they were taken out, most frequent first.
    let mut heap = [0u64; N];
    let mut dad = [0u16; N];
    let mut heap_len = 0;
    let mut max_code: Option<usize> = None;
    for (n, &f) in freq_in.iter().enumerate().take(elems) {
        if f != 0 {
            heap_len += 1;
            heap[heap_len] = entry(u64::from(f), 0, n);
            max_code = Some(n);
        }
    }
    while heap_len < 2 {
        let node = match max_code {
            Some(m) if m >= 2 => 0,
            Some(m) => m + 1,
            None => 0,
        };
        if max_code.is_none_or(|m| m < 2) {
            max_code = Some(node);
        }
        heap_len += 1;
        heap[heap_len] = entry(1, 0, node);
        // Not really sent: take it back out of the estimates.
        cost.dynamic -= 1;
        if let Some(fixed) = desc.fixed_len {
            cost.fixed -= i64::from(fixed(node));
        }
    }
    let max_code = max_code.unwrap_or(0);
    for k in (1..=heap_len / 2).rev() {
        sift_down(&mut heap, heap_len, k);
    }
    // Combine the two least frequent nodes until one is left.
    let mut heap_max = N;
    let mut node = elems;
    loop {
        let n = heap[1];
        heap[1] = heap[heap_len];
        heap_len -= 1;
        sift_down(&mut heap, heap_len, 1);
        let m = heap[1];
        heap_max -= 1;
        heap[heap_max] = n;
        heap_max -= 1;
        heap[heap_max] = m;
        let shift = DEPTH_BITS + NODE_BITS;
        let freq = (n >> shift) + (m >> shift);
        let depth_of = |e: u64| (e >> NODE_BITS) & ((1 << DEPTH_BITS) - 1);
        let depth = (depth_of(n).max(depth_of(m)) + 1) & ((1 << DEPTH_BITS) - 1);
        dad[entry_node(n)] = node as u16;
        dad[entry_node(m)] = node as u16;
        heap[1] = entry(freq, depth, node);
        node += 1;
        sift_down(&mut heap, heap_len, 1);
        if heap_len < 2 {
            break;
        }
    }
    heap_max -= 1;
    heap[heap_max] = heap[1];

    // zlib's `gen_bitlen`: depths from the root down, cut at
    // `max_length`, then the counts repaired and handed out again.
    let max_length = desc.max_length;
    let mut bits_of = [0u8; N];
    let mut bl_count = [0u16; 16];
    let mut overflow = 0i32;
    let leaf_freq = |n: usize| i64::from(freq_in.get(n).copied().unwrap_or(0).max(1));
    for &e in &heap[heap_max + 1..] {
        let n = entry_node(e);
        let mut bits = usize::from(bits_of[usize::from(dad[n])]) + 1;
        if bits > max_length {
            bits = max_length;
            overflow += 1;
        }
        bits_of[n] = bits as u8;
        if n > max_code {
            continue;
        }
        bl_count[bits] += 1;
        let xbits = if n >= desc.extra_base {
            i64::from(desc.extra.get(n - desc.extra_base).copied().unwrap_or(0))
        } else {
            0
        };
        // Made-up leaves count once.
        let f = leaf_freq(n);
        cost.dynamic += f * (bits as i64 + xbits);
        if let Some(fixed) = desc.fixed_len {
            cost.fixed += f * (i64::from(fixed(n)) + xbits);
        }
    }
    if overflow > 0 {
        loop {
            let mut bits = max_length - 1;
            while bits > 0 && bl_count[bits] == 0 {
                bits -= 1;
            }
            // A leaf moves down a level, and an overflowed one becomes
            // its sibling.
            bl_count[bits] -= 1;
            bl_count[bits + 1] += 2;
            bl_count[max_length] -= 1;
            overflow -= 2;
            if overflow <= 0 {
                break;
            }
        }
        // Longest codes to the least frequent leaves.
        let mut h = N;
        for bits in (1..=max_length).rev() {
            let mut left = bl_count[bits];
            while left != 0 {
                h -= 1;
                let m = entry_node(heap[h]);
                if m > max_code {
                    continue;
                }
                if usize::from(bits_of[m]) != bits {
                    cost.dynamic += (bits as i64 - i64::from(bits_of[m])) * leaf_freq(m);
                    bits_of[m] = bits as u8;
                }
                left -= 1;
            }
        }
    }
    // Every leaf of the tree, made-up ones included, gets its length.
    lens.iter_mut().take(elems).for_each(|l| *l = 0);
    for &e in &heap[heap_max..] {
        let n = entry_node(e);
        if n <= max_code
            && let Some(l) = lens.get_mut(n)
        {
            *l = bits_of[n];
        }
    }
    max_code
}

/// Canonical codes for `lens`, bit-reversed for LSB-first output.
fn codes(lens: &[u8], out: &mut [u16]) {
    let mut count = [0u16; 16];
    for &l in lens {
        if let Some(c) = count.get_mut(usize::from(l & 15)) {
            *c += 1;
        }
    }
    let mut next = [0u16; 16];
    let mut code = 0u16;
    if let Some(c) = count.first_mut() {
        *c = 0;
    }
    for l in 1..16 {
        code = (code + count.get(l - 1).copied().unwrap_or(0)) << 1;
        if let Some(n) = next.get_mut(l) {
            *n = code;
        }
    }
    for (&l, o) in lens.iter().zip(out.iter_mut()) {
        if l != 0
            && let Some(n) = next.get_mut(usize::from(l & 15))
        {
            *o = n.reverse_bits() >> (16 - u32::from(l));
            *n += 1;
        }
    }
}

/// zlib's run-length coding of one tree's code lengths
/// (`lens[..=max_code]`): `emit(symbol, extra value)` for each code
/// length symbol. Zeros go in pieces of up to 138: fewer than three as
/// zeros, then 17 (3-10) or 18 (11-138). Another length goes first in a
/// piece of up to seven: fewer than four as themselves, else the length
/// once and 16 for the rest; the run continues in pieces of up to six,
/// fewer than three as themselves, else 16 alone.
fn rle_lengths(lens: &[u8], max_code: usize, mut emit: impl FnMut(u8, u8)) {
    let lens = lens.get(..=max_code).unwrap_or(lens);
    let mut n = 0;
    while let Some(&len) = lens.get(n) {
        let run = lens
            .get(n..)
            .map_or(1, |rest| rest.iter().take_while(|&&l| l == len).count());
        n += run;
        let mut left = run;
        if len == 0 {
            while left > 0 {
                let piece = left.min(138);
                left -= piece;
                match piece {
                    0..=2 => (0..piece).for_each(|_| emit(0, 0)),
                    3..=10 => emit(REPZ_3_10, (piece - 3) as u8),
                    _ => emit(REPZ_11_138, (piece - 11) as u8),
                }
            }
            continue;
        }
        let first = left.min(7);
        left -= first;
        if first < 4 {
            (0..first).for_each(|_| emit(len, 0));
        } else {
            emit(len, 0);
            emit(REP_3_6, (first - 1 - 3) as u8);
        }
        while left > 0 {
            let piece = left.min(6);
            left -= piece;
            if piece < 3 {
                (0..piece).for_each(|_| emit(len, 0));
            } else {
                emit(REP_3_6, (piece - 3) as u8);
            }
        }
    }
}

/// Writes one block of `syms` the way zlib's `_tr_flush_block` does:
/// stored, fixed or dynamic, whichever zlib's estimate makes smallest.
/// `stored` is the block's input when it is still in view.
fn write_block(w: &mut BitOut, syms: &[u32], stored: Option<&[u8]>, stored_len: usize, last: bool) {
    let mut lit_freq = [0u32; L_CODES];
    let mut dist_freq = [0u32; D_CODES];
    for &sym in syms {
        let dist = (sym >> 16) as usize;
        if dist == 0 {
            if let Some(f) = lit_freq.get_mut((sym & 0xff) as usize) {
                *f += 1;
            }
        } else {
            let (lc, _, _) = len_code((sym & 0xffff) as usize);
            let (dc, _, _) = dist_code(dist);
            if let Some(f) = lit_freq.get_mut(lc) {
                *f += 1;
            }
            if let Some(f) = dist_freq.get_mut(dc) {
                *f += 1;
            }
        }
    }
    if let Some(f) = lit_freq.get_mut(END_BLOCK) {
        *f = 1;
    }
    let mut cost = Cost::default();
    // 288 entries: the fixed code's symbols 286 and 287 count when its
    // codes are made.
    let mut lit_len = [0u8; L_CODES + 2];
    let mut dist_len = [0u8; D_CODES];
    let lit_max = build_tree::<{ 2 * L_CODES + 1 }>(&lit_freq, &L_DESC, &mut lit_len, &mut cost);
    let dist_max = build_tree::<{ 2 * D_CODES + 1 }>(&dist_freq, &D_DESC, &mut dist_len, &mut cost);

    // The code lengths, run-length coded tree by tree.
    let mut runs = [(0u8, 0u8); L_CODES + D_CODES];
    let mut n_runs = 0;
    let mut bl_freq = [0u32; BL_CODES];
    let mut push = |sym: u8, extra: u8| {
        if let Some(r) = runs.get_mut(n_runs) {
            *r = (sym, extra);
            n_runs += 1;
        }
        if let Some(f) = bl_freq.get_mut(usize::from(sym)) {
            *f += 1;
        }
    };
    rle_lengths(&lit_len, lit_max, &mut push);
    rle_lengths(&dist_len, dist_max, &mut push);
    let mut bl_len = [0u8; BL_CODES];
    build_tree::<{ 2 * BL_CODES + 1 }>(&bl_freq, &BL_DESC, &mut bl_len, &mut cost);
    // Trailing zero lengths in `BL_ORDER` are not sent (at least 4 are).
    let bl_count = (3..BL_CODES)
        .rev()
        .find(|&i| {
            BL_ORDER
                .get(i)
                .and_then(|&k| bl_len.get(k))
                .is_some_and(|&l| l != 0)
        })
        .unwrap_or(3)
        + 1;
    cost.dynamic += 3 * bl_count as i64 + 5 + 5 + 4;

    // Whole bytes, with the 3-bit block header and 7 bits of rounding.
    let mut opt_bytes = (cost.dynamic.max(0) as u64 + 3 + 7) >> 3;
    let fixed_bytes = (cost.fixed.max(0) as u64 + 3 + 7) >> 3;
    if fixed_bytes <= opt_bytes {
        opt_bytes = fixed_bytes;
    }
    let last_bit = u32::from(last);
    match stored {
        Some(bytes) if stored_len as u64 + 4 <= opt_bytes => {
            w.put(last_bit, 3); // stored
            w.align();
            let len = stored_len as u16;
            w.out.extend_from_slice(&len.to_le_bytes());
            w.out.extend_from_slice(&(!len).to_le_bytes());
            w.out.extend_from_slice(bytes);
        }
        _ if fixed_bytes == opt_bytes => {
            w.put(2 | last_bit, 3); // fixed
            let lens: [u8; L_CODES + 2] = core::array::from_fn(|i| fixed_lit_len(i) as u8);
            write_symbols(w, syms, &lens, &[5u8; D_CODES]);
        }
        _ => {
            w.put(4 | last_bit, 3); // dynamic
            w.put((lit_max + 1 - 257) as u32, 5);
            w.put(dist_max as u32, 5);
            w.put((bl_count - 4) as u32, 4);
            for &k in BL_ORDER.iter().take(bl_count) {
                w.put(u32::from(bl_len.get(k).copied().unwrap_or(0)), 3);
            }
            let mut bl_code = [0u16; BL_CODES];
            codes(&bl_len, &mut bl_code);
            for &(sym, extra) in runs.iter().take(n_runs) {
                let i = usize::from(sym);
                w.put(
                    u32::from(bl_code.get(i).copied().unwrap_or(0)),
                    u32::from(bl_len.get(i).copied().unwrap_or(0)),
                );
                w.put(
                    u32::from(extra),
                    u32::from(BL_EXTRA.get(i).copied().unwrap_or(0)),
                );
            }
            write_symbols(w, syms, &lit_len, &dist_len);
        }
    }
    if last {
        w.align();
    }
}

/// The block's symbols and its end, with the given code lengths.
fn write_symbols(w: &mut BitOut, syms: &[u32], lit_len: &[u8], dist_len: &[u8]) {
    let mut lit_code = [0u16; L_CODES + 2];
    let mut dist_code_bits = [0u16; D_CODES];
    codes(lit_len, &mut lit_code);
    codes(dist_len, &mut dist_code_bits);
    let put_sym = |w: &mut BitOut, codes: &[u16], lens: &[u8], i: usize| {
        w.put(
            u32::from(codes.get(i).copied().unwrap_or(0)),
            u32::from(lens.get(i).copied().unwrap_or(0)),
        );
    };
    for &sym in syms {
        let dist = (sym >> 16) as usize;
        if dist == 0 {
            put_sym(w, &lit_code, lit_len, (sym & 0xff) as usize);
        } else {
            let (lc, le, lv) = len_code((sym & 0xffff) as usize);
            put_sym(w, &lit_code, lit_len, lc);
            w.put(lv, le);
            let (dc, de, dv) = dist_code(dist);
            put_sym(w, &dist_code_bits, dist_len, dc);
            w.put(dv, de);
        }
    }
    put_sym(w, &lit_code, lit_len, END_BLOCK);
}

struct BitOut {
    out: Vec<u8>,
    buf: u64,
    cnt: u32,
}

impl BitOut {
    #[inline]
    fn put(&mut self, bits: u32, n: u32) {
        self.buf |= u64::from(bits) << self.cnt;
        self.cnt += n;
        if self.cnt >= 32 {
            self.out.extend_from_slice(&(self.buf as u32).to_le_bytes());
            self.buf >>= 32;
            self.cnt -= 32;
        }
    }

    /// Writes out the pending bits, zero-padded to a whole byte.
    fn align(&mut self) {
        while self.cnt > 0 {
            self.out.push(self.buf as u8);
            self.buf >>= 8;
            self.cnt = self.cnt.saturating_sub(8);
        }
        self.buf = 0;
    }
}

/// Huffman code lengths for `freq` (at most 286 symbols), at most `limit`
/// bits (15 or 7), as zlib's tree building makes them.
#[cfg(test)]
pub(super) fn code_lengths(freq: &[u32], limit: u32, lens: &mut [u8]) {
    let desc = TreeDesc {
        elems: freq.len().min(L_CODES),
        fixed_len: None,
        extra: &[],
        extra_base: usize::MAX,
        max_length: limit as usize,
    };
    build_tree::<HEAP_SIZE>(freq, &desc, lens, &mut Cost::default());
}

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
//! target. It is also quicker than a general deflater on session-sized
//! inputs: its buffers are kept per thread, and each call leaves the
//! 64 KiB hash table empty again by clearing only the slots it used
//! (small inputs), instead of clearing all of it up front.

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
/// Past this size the hash table is cleared whole rather than slot by slot.
const CLEAR_BY_SLOT_MAX: usize = 4096;

/// Buffers kept per thread.
struct Scratch {
    /// Most recent window position of each hash value, 0 for none. All
    /// zeros between calls when `head_clean`.
    head: Vec<u16>,
    /// Previous position with the same hash, by position mod `WSIZE`.
    /// Only slots written during a call are read, so it is never cleared.
    prev: Vec<u16>,
    /// The current block's symbols. Literal: the byte; match:
    /// `distance << 16 | length`.
    syms: Vec<u32>,
    head_clean: bool,
}

impl Scratch {
    const fn new() -> Self {
        Scratch {
            head: Vec::new(),
            prev: Vec::new(),
            syms: Vec::new(),
            head_clean: false,
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
    if s.head.len() != HASH_SIZE || !s.head_clean {
        s.head.clear();
        s.head.resize(HASH_SIZE, 0);
    }
    if s.prev.len() != WSIZE {
        s.prev.clear();
        s.prev.resize(WSIZE, 0);
    }
    // Until the slots used are cleared again below (a panic in between
    // leaves the table to be cleared whole by the next call).
    s.head_clean = false;
    let mut w = BitOut {
        out: Vec::with_capacity(data.len() / 2 + 64),
        buf: 0,
        cnt: 0,
    };
    // The header zlib writes for level 6 and a 32 KiB window.
    w.out.extend_from_slice(&[0x78, 0x9c]);
    let slid = deflate(data, s, &mut w);
    w.out
        .extend_from_slice(&zlib_rs::adler32::adler32(1, data).to_be_bytes());
    if slid || data.len() > CLEAR_BY_SLOT_MAX {
        s.head.fill(0);
    } else {
        // Without a slide, every position set in `head` is a window
        // position, and window = input: clear the slots of all of them.
        for i in 0..data.len().saturating_sub(MIN_MATCH - 1) {
            if let Some(h) = s.head.get_mut(hash(data, i)) {
                *h = 0;
            }
        }
    }
    s.head_clean = true;
    w.out
}

/// zlib's hash of the three bytes at `i`: each byte shifted in by
/// `HASH_SHIFT`, so after three the oldest is gone.
#[inline]
fn hash(win: &[u8], i: usize) -> usize {
    match win.get(i..i + 3) {
        Some(&[a, b, c]) => {
            ((usize::from(a) << (2 * HASH_SHIFT)) ^ (usize::from(b) << HASH_SHIFT) ^ usize::from(c))
                & HASH_MASK
        }
        _ => 0,
    }
}

/// Puts window position `pos` at the head of its hash chain and returns
/// the position that was there (0: none).
#[inline]
fn insert(win: &[u8], head: &mut [u16], prev: &mut [u16], pos: usize) -> usize {
    let h = hash(win, pos);
    let Some(slot) = head.get_mut(h) else {
        return 0;
    };
    let before = *slot;
    *slot = pos as u16;
    if let Some(p) = prev.get_mut(pos & WMASK) {
        *p = before;
    }
    usize::from(before)
}

/// Moves every position in `table` back by `WSIZE`; those that fall off
/// the front (and the one that lands on 0) become "none".
fn slide(table: &mut [u16]) {
    for p in table {
        *p = p.saturating_sub(WSIZE as u16);
    }
}

/// The input in view when the window starts at `base`.
#[inline]
fn window(data: &[u8], base: usize) -> &[u8] {
    data.get(base..data.len().min(base + WINDOW_SIZE))
        .unwrap_or(&[])
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
    let (Some(&s0), Some(&s1)) = (scan.first(), scan.get(1)) else {
        return (best.min(lookahead), None);
    };
    // The bytes at `best - 1` and `best`: a candidate must match them to
    // beat `best`, and they are checked first.
    let mut end1 = scan.get(best - 1).copied();
    let mut end0 = scan.get(best).copied();
    loop {
        if let Some(cand) = win.get(cur..cur + max) {
            if cand.get(best).copied() == end0
                && cand.get(best - 1).copied() == end1
                && cand.first() == Some(&s0)
                && cand.get(1) == Some(&s1)
            {
                // Equal hashes and equal first two bytes: the third is
                // equal too.
                let len = 2 + common(cand.get(2..).unwrap_or(&[]), scan.get(2..).unwrap_or(&[]));
                if len > best {
                    best = len;
                    dist = Some(strstart - cur);
                    if len >= nice {
                        break;
                    }
                    end1 = scan.get(best - 1).copied();
                    end0 = scan.get(best).copied();
                }
            }
        }
        cur = usize::from(prev.get(cur & WMASK).copied().unwrap_or(0));
        chain -= 1;
        if cur <= limit || chain == 0 {
            break;
        }
    }
    (best.min(lookahead), dist)
}

/// zlib's `deflate_slow` with level 6's parameters over the whole input,
/// blocks written to `w` as they fill. Returns whether the window slid.
fn deflate(data: &[u8], s: &mut Scratch, w: &mut BitOut) -> bool {
    let Scratch {
        head, prev, syms, ..
    } = s;
    syms.clear();
    let mut base = 0;
    let mut win = window(data, base);
    let mut slid = false;
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
                slide(head);
                slide(prev);
                slid = true;
                lookahead = win.len() - strstart;
            }
            if lookahead == 0 {
                break;
            }
        }
        let hash_head = if lookahead >= MIN_MATCH {
            insert(win, head, prev, strstart)
        } else {
            0
        };
        // The match found at the previous position, and one here.
        let prev_len = match_len;
        let prev_dist = match_dist;
        match_len = MIN_MATCH - 1;
        if hash_head != 0 && prev_len < MAX_LAZY && strstart - hash_head <= MAX_DIST {
            let (len, dist) = longest_match(win, prev, strstart, hash_head, prev_len, lookahead);
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
            for p in strstart + 1..=last.min(max_insert) {
                insert(win, head, prev, p);
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
    slid
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

/// zlib's heap order: lower frequency first, then the shallower subtree.
#[inline]
fn smaller(freq: &[u32], depth: &[u8], n: u16, m: u16) -> bool {
    let (n, m) = (usize::from(n), usize::from(m));
    let (fnn, fm) = (
        freq.get(n).copied().unwrap_or(0),
        freq.get(m).copied().unwrap_or(0),
    );
    fnn < fm || (fnn == fm && depth.get(n) <= depth.get(m))
}

/// Restores the heap order below `k` (`heap[1..=len]` is the heap).
#[allow(
    clippy::indexing_slicing,
    reason = "k and its children stay within 1..=len, len < HEAP_SIZE"
)]
fn sift_down(heap: &mut [u16; HEAP_SIZE], len: usize, freq: &[u32], depth: &[u8], mut k: usize) {
    let v = heap[k];
    let mut j = k << 1;
    while j <= len {
        if j < len && smaller(freq, depth, heap[j + 1], heap[j]) {
            j += 1;
        }
        if smaller(freq, depth, v, heap[j]) {
            break;
        }
        heap[k] = heap[j];
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
    reason = "node numbers stay below 2 * elems <= HEAP_SIZE - 1 and bit lengths within max_length <= 15"
)]
fn build_tree(freq_in: &[u32], desc: &TreeDesc, lens: &mut [u8], cost: &mut Cost) -> usize {
    let elems = desc.elems;
    let mut freq = [0u32; HEAP_SIZE];
    let mut dad = [0u16; HEAP_SIZE];
    let mut depth = [0u8; HEAP_SIZE];
    let mut bits_of = [0u16; HEAP_SIZE];
    let mut heap = [0u16; HEAP_SIZE];
    let mut heap_len = 0;
    let mut max_code: Option<usize> = None;
    for (n, &f) in freq_in.iter().enumerate().take(elems) {
        freq[n] = f;
        if f != 0 {
            heap_len += 1;
            heap[heap_len] = n as u16;
            max_code = Some(n);
        }
    }
    while heap_len < 2 {
        let node = match max_code {
            None => 0,
            Some(m) if m < 2 => m + 1,
            Some(_) => 0,
        };
        if max_code.is_none_or(|m| m < 2) {
            max_code = Some(node);
        }
        heap_len += 1;
        heap[heap_len] = node as u16;
        freq[node] = 1;
        // Not really sent: take it back out of the estimates.
        cost.dynamic -= 1;
        if let Some(fixed) = desc.fixed_len {
            cost.fixed -= i64::from(fixed(node));
        }
    }
    let max_code = max_code.unwrap_or(0);
    for k in (1..=heap_len / 2).rev() {
        sift_down(&mut heap, heap_len, &freq, &depth, k);
    }
    // Combine the two least frequent nodes until one is left; the removed
    // nodes go to the top of `heap`, downwards, most frequent last.
    let mut heap_max = HEAP_SIZE;
    let mut node = elems;
    loop {
        let n = heap[1];
        heap[1] = heap[heap_len];
        heap_len -= 1;
        sift_down(&mut heap, heap_len, &freq, &depth, 1);
        let m = heap[1];
        heap_max -= 1;
        heap[heap_max] = n;
        heap_max -= 1;
        heap[heap_max] = m;
        let (n, m) = (usize::from(n), usize::from(m));
        freq[node] = freq[n] + freq[m];
        depth[node] = depth[n].max(depth[m]).wrapping_add(1);
        dad[n] = node as u16;
        dad[m] = node as u16;
        heap[1] = node as u16;
        node += 1;
        sift_down(&mut heap, heap_len, &freq, &depth, 1);
        if heap_len < 2 {
            break;
        }
    }
    heap_max -= 1;
    heap[heap_max] = heap[1];

    // zlib's `gen_bitlen`: depths from the root down, cut at
    // `max_length`, then the counts repaired and handed out again.
    let max_length = desc.max_length;
    let mut bl_count = [0u16; 16];
    let mut overflow = 0i32;
    bits_of[usize::from(heap[heap_max])] = 0;
    for &node in &heap[heap_max + 1..] {
        let n = usize::from(node);
        let mut bits = usize::from(bits_of[usize::from(dad[n])]) + 1;
        if bits > max_length {
            bits = max_length;
            overflow += 1;
        }
        bits_of[n] = bits as u16;
        if n > max_code {
            continue;
        }
        bl_count[bits] += 1;
        let xbits = if n >= desc.extra_base {
            i64::from(desc.extra.get(n - desc.extra_base).copied().unwrap_or(0))
        } else {
            0
        };
        let f = i64::from(freq[n]);
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
        let mut h = HEAP_SIZE;
        for bits in (1..=max_length).rev() {
            let mut left = bl_count[bits];
            while left != 0 {
                h -= 1;
                let m = usize::from(heap[h]);
                if m > max_code {
                    continue;
                }
                if usize::from(bits_of[m]) != bits {
                    cost.dynamic += (bits as i64 - i64::from(bits_of[m])) * i64::from(freq[m]);
                    bits_of[m] = bits as u16;
                }
                left -= 1;
            }
        }
    }
    for (n, l) in lens.iter_mut().enumerate().take(elems) {
        *l = if n <= max_code && freq[n] != 0 {
            bits_of[n] as u8
        } else {
            0
        };
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
        #[allow(
            clippy::collapsible_if,
            reason = "rewritten by the exact-deflate change"
        )]
        if l != 0 {
            if let Some(n) = next.get_mut(usize::from(l & 15)) {
                *o = n.reverse_bits() >> (16 - u32::from(l));
                *n += 1;
            }
        }
    }
}

/// zlib's run-length coding of one tree's code lengths
/// (`lens[..=max_code]`): `emit(symbol, extra value)` for each code
/// length symbol. A length is repeated with 16 after it has been sent
/// once (or right after a run of it), zeros go as 17 or 18 from three on.
fn rle_lengths(lens: &[u8], max_code: usize, mut emit: impl FnMut(u8, u8)) {
    // Past `max_code` a value no length has, so that runs stop there.
    let len_at = |n: usize| -> u16 {
        if n > max_code {
            0xffff
        } else {
            lens.get(n).map_or(0xffff, |&l| u16::from(l))
        }
    };
    let mut prevlen = 0xfffe_u16;
    let mut nextlen = len_at(0);
    let mut count = 0u16;
    let (mut max_count, mut min_count) = if nextlen == 0 { (138, 3) } else { (7, 4) };
    for n in 0..=max_code {
        let curlen = nextlen;
        nextlen = len_at(n + 1);
        count += 1;
        if count < max_count && curlen == nextlen {
            continue;
        }
        if count < min_count {
            for _ in 0..count {
                emit(curlen as u8, 0);
            }
        } else if curlen != 0 {
            if curlen != prevlen {
                emit(curlen as u8, 0);
                count -= 1;
            }
            emit(REP_3_6, (count - 3) as u8);
        } else if count <= 10 {
            emit(REPZ_3_10, (count - 3) as u8);
        } else {
            emit(REPZ_11_138, (count - 11) as u8);
        }
        count = 0;
        prevlen = curlen;
        (max_count, min_count) = if nextlen == 0 {
            (138, 3)
        } else if curlen == nextlen {
            (6, 3)
        } else {
            (7, 4)
        };
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
    let lit_max = build_tree(&lit_freq, &L_DESC, &mut lit_len, &mut cost);
    let dist_max = build_tree(&dist_freq, &D_DESC, &mut dist_len, &mut cost);

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
    build_tree(&bl_freq, &BL_DESC, &mut bl_len, &mut cost);
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
    build_tree(freq, &desc, lens, &mut Cost::default());
}

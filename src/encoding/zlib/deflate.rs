//! A small deflater for session-sized inputs: LZ77 with hash chains and
//! one-step lazy matching (zlib's level 6 parameters), one block, and
//! the cheapest of dynamic Huffman, fixed Huffman and stored.
//!
//! The output is a valid zlib stream but not zlib's exact bytes (zlib-rs
//! is not byte-exact either); sizes stay within a few bytes of zlib's.
//! What it saves is zlib's start-up: clearing a 128 KiB hash table and
//! building Huffman trees through a heap, which cost more than the
//! compression itself below a few KB.

use core::cell::RefCell;

use super::inflate::{DIST_BASE, DIST_EXTRA, LEN_BASE, LEN_EXTRA};

/// Inputs up to this size take this path (every distance then fits the
/// 32 KiB window); larger ones go to zlib-rs.
pub(super) const MAX_INPUT: usize = 32 * 1024;

const HASH_BITS: u32 = 12;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
// zlib's level 6: good_length, max_lazy, nice_length, max_chain.
const GOOD: usize = 8;
const MAX_LAZY: usize = 16;
const NICE: usize = 128;
const MAX_CHAIN: u32 = 128;
/// zlib drops a 3-byte match farther than this: it costs more than
/// three literals.
const TOO_FAR: usize = 4096;
/// Past this length, positions inside a match are not all hashed.
const LONG_MATCH: usize = 32;
const CLEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Buffers kept per thread: the hash heads, the chains, the symbols.
struct Scratch {
    head: Vec<u16>,
    prev: Vec<u16>,
    /// Literal: the byte; match: `dist << 16 | len`.
    syms: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { head: Vec::new(), prev: Vec::new(), syms: Vec::new() })
    };
}

#[inline]
fn get(a: &[u8], i: usize) -> u8 {
    a.get(i).copied().unwrap_or(0)
}

#[inline]
fn hash(data: &[u8], i: usize) -> usize {
    if let Some(four) = data.get(i..i + 4) {
        let mut w = [0u8; 4];
        w.copy_from_slice(four);
        let v = u32::from_le_bytes(w) & 0x00ff_ffff;
        return (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize;
    }
    let v = u32::from(get(data, i))
        | u32::from(get(data, i + 1)) << 8
        | u32::from(get(data, i + 2)) << 16;
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// Length of the common prefix of `data[a..]` and `data[b..]`, at most `max`.
#[inline]
fn common(data: &[u8], a: usize, b: usize, max: usize) -> usize {
    let (Some(x), Some(y)) = (data.get(a..), data.get(b..)) else {
        return 0;
    };
    let mut n = 0;
    while n + 8 <= max {
        let (Some(p), Some(q)) = (x.get(n..n + 8), y.get(n..n + 8)) else {
            break;
        };
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
    while n < max && x.get(n).is_some() && x.get(n) == y.get(n) {
        n += 1;
    }
    n
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

/// Adds position `i` to its hash chain; returns the previous head.
/// Positions are stored plus one, so that 0 means "none".
#[inline]
fn insert(data: &[u8], head: &mut [u16], prev: &mut [u16], i: usize) -> usize {
    let h = hash(data, i);
    let before = head.get(h).copied().unwrap_or(0);
    if let Some(slot) = head.get_mut(h) {
        *slot = (i + 1) as u16;
    }
    if let Some(p) = prev.get_mut(i) {
        *p = before;
    }
    usize::from(before)
}

/// LZ77 with zlib's lazy evaluation, into `syms`.
fn lz77(data: &[u8], s: &mut Scratch) {
    let n = data.len();
    s.head.clear();
    s.head.resize(1 << HASH_BITS, 0);
    s.prev.clear();
    s.prev.resize(n, 0);
    s.syms.clear();
    let Scratch { head, prev, syms } = s;
    let mut i = 0;
    let (mut prev_len, mut prev_dist) = (0usize, 0usize);
    let mut pending = false;
    while i < n {
        let (mut len, mut dist) = (0usize, 0usize);
        if i + MIN_MATCH <= n {
            let mut cand = insert(data, head, prev, i);
            if prev_len < MAX_LAZY {
                let max = (n - i).min(MAX_MATCH);
                let mut chain = if prev_len >= GOOD {
                    MAX_CHAIN >> 2
                } else {
                    MAX_CHAIN
                };
                let mut best = prev_len.max(MIN_MATCH - 1);
                while cand != 0 && chain > 0 {
                    let c = cand - 1;
                    // Only a candidate that beats `best` at its last byte is worth a full compare.
                    if get(data, c + best) == get(data, i + best) {
                        let l = common(data, c, i, max);
                        if l > best {
                            best = l;
                            len = l;
                            dist = i - c;
                            if l >= NICE || l >= max {
                                break;
                            }
                        }
                    }
                    cand = usize::from(prev.get(c).copied().unwrap_or(0));
                    chain -= 1;
                }
                if len == MIN_MATCH && dist > TOO_FAR {
                    len = 0;
                }
            }
        }
        if prev_len >= MIN_MATCH && len <= prev_len {
            syms.push((prev_dist as u32) << 16 | prev_len as u32);
            // The match started at i - 1; i is already in the chains.
            // Inside a long match only its last positions are worth
            // finding again (zlib's faster levels do the same).
            let end = i - 1 + prev_len;
            let from = if prev_len > LONG_MATCH {
                end - LONG_MATCH / 2
            } else {
                i + 1
            };
            for j in from..end {
                if j + MIN_MATCH <= n {
                    insert(data, head, prev, j);
                }
            }
            i = end;
            pending = false;
            prev_len = 0;
        } else {
            if pending {
                syms.push(u32::from(get(data, i - 1)));
            }
            pending = true;
            prev_len = len;
            prev_dist = dist;
            i += 1;
        }
    }
    if pending {
        syms.push(u32::from(get(data, n - 1)));
    }
}

/// Huffman code lengths for `freq`, at most `limit` bits, with at
/// least two codes (as zlib makes them: one-code sets trouble some
/// inflaters).
pub(super) fn code_lengths(freq: &[u32], limit: u32, lens: &mut [u8]) {
    lens.iter_mut().for_each(|l| *l = 0);
    let mut syms: Vec<(u32, usize)> = freq
        .iter()
        .enumerate()
        .filter(|(_, f)| **f > 0)
        .map(|(i, f)| (*f, i))
        .collect();
    for dummy in [0usize, 1] {
        if syms.len() < 2 && !syms.iter().any(|&(_, s)| s == dummy) {
            syms.push((1, dummy));
        }
    }
    syms.sort_unstable();
    let mut a: Vec<u32> = syms.iter().map(|&(f, _)| f).collect();
    minimum_redundancy(&mut a);
    // Lengths come out non-increasing along ascending frequency.
    let mut count = [0u32; 33];
    for &l in &a {
        if let Some(c) = count.get_mut((l as usize).min(32)) {
            *c += 1;
        }
    }
    let max = count.iter().rposition(|&c| c != 0).unwrap_or(0) as u32;
    if max > limit {
        limit_lengths(&mut count, limit);
    }
    // Hand out the lengths again, longest to the least frequent.
    let mut order = (1..=limit.min(32) as usize)
        .rev()
        .flat_map(|l| core::iter::repeat_n(l as u8, count.get(l).copied().unwrap_or(0) as usize));
    for &(_, sym) in &syms {
        if let (Some(slot), Some(l)) = (lens.get_mut(sym), order.next()) {
            *slot = l;
        }
    }
}

/// Moffat and Katajainen's in-place minimum-redundancy code: `a` holds
/// frequencies in ascending order and ends up holding code lengths.
fn minimum_redundancy(a: &mut [u32]) {
    let n = a.len();
    if n < 2 {
        if let Some(x) = a.first_mut() {
            *x = 1;
        }
        return;
    }
    let at = |a: &[u32], i: usize| a.get(i).copied().unwrap_or(0);
    let set = |a: &mut [u32], i: usize, v: u32| {
        if let Some(x) = a.get_mut(i) {
            *x = v;
        }
    };
    // Phase 1: build the tree; internal nodes hold their weight, then
    // the index of their parent.
    set(a, 0, at(a, 0) + at(a, 1));
    let (mut root, mut leaf) = (0usize, 2usize);
    for next in 1..n - 1 {
        if leaf >= n || at(a, root) < at(a, leaf) {
            set(a, next, at(a, root));
            set(a, root, next as u32);
            root += 1;
        } else {
            set(a, next, at(a, leaf));
            leaf += 1;
        }
        if leaf >= n || (root < next && at(a, root) < at(a, leaf)) {
            set(a, next, at(a, next) + at(a, root));
            set(a, root, next as u32);
            root += 1;
        } else {
            set(a, next, at(a, next) + at(a, leaf));
            leaf += 1;
        }
    }
    // Phase 2: depths of the internal nodes.
    set(a, n - 2, 0);
    for next in (0..n - 2).rev() {
        let parent = at(a, next) as usize;
        set(a, next, at(a, parent) + 1);
    }
    // Phase 3: depths of the leaves.
    let (mut avail, mut used, mut depth) = (1u32, 0u32, 0u32);
    let mut root = n as isize - 2;
    let mut next = n as isize - 1;
    while avail > 0 {
        while root >= 0 && at(a, root as usize) == depth {
            used += 1;
            root -= 1;
        }
        while avail > used {
            set(a, next as usize, depth);
            next -= 1;
            avail -= 1;
        }
        avail = 2 * used;
        depth += 1;
        used = 0;
    }
}

/// Moves codes longer than `limit` up to it and rebalances the counts
/// so that the code stays complete (the method of zlib's `gen_bitlen`).
fn limit_lengths(count: &mut [u32; 33], limit: u32) {
    let limit = limit as usize;
    let over: u32 = count.iter().skip(limit + 1).sum();
    count.iter_mut().skip(limit + 1).for_each(|c| *c = 0);
    if let Some(c) = count.get_mut(limit) {
        *c += over;
    }
    let kraft = |count: &[u32; 33]| -> u64 {
        (1..=limit)
            .map(|l| u64::from(count.get(l).copied().unwrap_or(0)) << (limit - l))
            .sum()
    };
    let full = 1u64 << limit;
    while kraft(count) > full {
        if let Some(c) = count.get_mut(limit) {
            *c -= 1;
        }
        if let Some(l) = (1..limit)
            .rev()
            .find(|&l| count.get(l).copied().unwrap_or(0) != 0)
        {
            if let Some(c) = count.get_mut(l) {
                *c -= 1;
            }
            if let Some(c) = count.get_mut(l + 1) {
                *c += 2;
            }
        }
    }
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

    fn flush(&mut self) {
        while self.cnt > 0 {
            self.out.push(self.buf as u8);
            self.buf >>= 8;
            self.cnt = self.cnt.saturating_sub(8);
        }
        self.buf = 0;
    }
}

/// The code-length run-length symbols for `lens`: (symbol, extra bits, extra value).
fn rle(lens: &[u8], out: &mut Vec<(u8, u32, u32)>) {
    let mut i = 0;
    while let Some(&l) = lens.get(i) {
        let run = lens
            .get(i..)
            .map_or(0, |r| r.iter().take_while(|&&x| x == l).count());
        if l == 0 && run >= 3 {
            let r = run.min(138);
            if r >= 11 {
                out.push((18, 7, (r - 11) as u32));
            } else {
                out.push((17, 3, (r - 3) as u32));
            }
            i += r;
        } else if l != 0 && run >= 4 {
            out.push((l, 0, 0));
            let r = (run - 1).min(6);
            out.push((16, 2, (r - 3) as u32));
            i += 1 + r;
        } else {
            out.push((l, 0, 0));
            i += 1;
        }
    }
}

fn fixed_len(sym: usize) -> u32 {
    match sym {
        0..=143 => 8,
        144..=255 => 9,
        256..=279 => 7,
        _ => 8,
    }
}

/// Compresses `data` (at most [`MAX_INPUT`] bytes) into a zlib stream.
pub(super) fn zlib(data: &[u8]) -> Vec<u8> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => zlib_with(data, &mut s),
        Err(_) => zlib_with(
            data,
            &mut Scratch {
                head: Vec::new(),
                prev: Vec::new(),
                syms: Vec::new(),
            },
        ),
    })
}

fn zlib_with(data: &[u8], s: &mut Scratch) -> Vec<u8> {
    lz77(data, s);
    let mut lit_freq = [0u32; 286];
    let mut dist_freq = [0u32; 30];
    for &sym in &s.syms {
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
    if let Some(f) = lit_freq.get_mut(256) {
        *f = 1;
    }
    let mut lit_len = [0u8; 286];
    let mut dist_len = [0u8; 30];
    code_lengths(&lit_freq, 15, &mut lit_len);
    code_lengths(&dist_freq, 15, &mut dist_len);
    let hlit = lit_len
        .iter()
        .rposition(|&l| l != 0)
        .map_or(257, |p| (p + 1).max(257));
    let hdist = dist_len.iter().rposition(|&l| l != 0).map_or(1, |p| p + 1);
    let mut all = Vec::with_capacity(hlit + hdist);
    all.extend_from_slice(lit_len.get(..hlit).unwrap_or(&[]));
    all.extend_from_slice(dist_len.get(..hdist).unwrap_or(&[]));
    let mut runs = Vec::with_capacity(all.len());
    rle(&all, &mut runs);
    let mut cl_freq = [0u32; 19];
    for &(sym, _, _) in &runs {
        if let Some(f) = cl_freq.get_mut(usize::from(sym)) {
            *f += 1;
        }
    }
    let mut cl_len = [0u8; 19];
    code_lengths(&cl_freq, 7, &mut cl_len);
    let hclen = CLEN_ORDER
        .iter()
        .rposition(|&k| cl_len.get(k).copied().unwrap_or(0) != 0)
        .map_or(4, |p| (p + 1).max(4));

    // The three block kinds, priced in bits.
    let extra_bits: u64 = s
        .syms
        .iter()
        .filter(|&&sym| sym >> 16 != 0)
        .map(|&sym| {
            let (_, le, _) = len_code((sym & 0xffff) as usize);
            let (_, de, _) = dist_code((sym >> 16) as usize);
            u64::from(le + de)
        })
        .sum();
    let weigh = |freq: &[u32], len: &dyn Fn(usize) -> u32| -> u64 {
        freq.iter()
            .enumerate()
            .map(|(i, &f)| u64::from(f) * u64::from(len(i)))
            .sum()
    };
    let dynamic_bits = 3
        + 14
        + 3 * hclen as u64
        + runs
            .iter()
            .map(|&(sym, e, _)| {
                u64::from(cl_len.get(usize::from(sym)).copied().unwrap_or(0)) + u64::from(e)
            })
            .sum::<u64>()
        + weigh(&lit_freq, &|i| {
            u32::from(lit_len.get(i).copied().unwrap_or(0))
        })
        + weigh(&dist_freq, &|i| {
            u32::from(dist_len.get(i).copied().unwrap_or(0))
        })
        + extra_bits;
    let fixed_bits = 3 + weigh(&lit_freq, &fixed_len) + weigh(&dist_freq, &|_| 5) + extra_bits;
    // A stored block right after the 2-byte header: 3 header bits
    // padded to a byte, LEN and NLEN, then the data. Compare whole
    // bytes, since a Huffman block is padded to a byte at the end too.
    let stored_bits = (8 + 32 + 8 * data.len()) as u64;
    let huffman_bits = dynamic_bits.min(fixed_bits).div_ceil(8) * 8;

    let mut w = BitOut {
        out: Vec::with_capacity(data.len() / 2 + 64),
        buf: 0,
        cnt: 0,
    };
    // zlib's header for level 6 (0x78 0x9c), as Python writes it.
    w.out.extend_from_slice(&[0x78, 0x9c]);
    if stored_bits <= huffman_bits {
        w.put(1, 3); // final, stored
        w.flush();
        let len = data.len() as u16;
        w.out.extend_from_slice(&len.to_le_bytes());
        w.out.extend_from_slice(&(!len).to_le_bytes());
        w.out.extend_from_slice(data);
    } else {
        let mut lit_code = [0u16; 288];
        let mut dist_code_bits = [0u16; 30];
        // 288 entries: the fixed code's symbols 286 and 287 shift the
        // codes of the 9-bit literals.
        let (lit_l, dist_l): ([u8; 288], [u8; 30]) = if dynamic_bits < fixed_bits {
            w.put(0b101, 3); // final, dynamic
            w.put((hlit - 257) as u32, 5);
            w.put((hdist - 1) as u32, 5);
            w.put((hclen - 4) as u32, 4);
            for &k in CLEN_ORDER.iter().take(hclen) {
                w.put(u32::from(cl_len.get(k).copied().unwrap_or(0)), 3);
            }
            let mut cl_code = [0u16; 19];
            codes(&cl_len, &mut cl_code);
            for &(sym, e, v) in &runs {
                let i = usize::from(sym);
                w.put(
                    u32::from(cl_code.get(i).copied().unwrap_or(0)),
                    u32::from(cl_len.get(i).copied().unwrap_or(0)),
                );
                w.put(v, e);
            }
            (
                core::array::from_fn(|i| lit_len.get(i).copied().unwrap_or(0)),
                dist_len,
            )
        } else {
            w.put(0b011, 3); // final, fixed
            (core::array::from_fn(|i| fixed_len(i) as u8), [5u8; 30])
        };
        codes(&lit_l, &mut lit_code);
        codes(&dist_l, &mut dist_code_bits);
        let put_sym = |w: &mut BitOut, codes: &[u16], lens: &[u8], i: usize| {
            w.put(
                u32::from(codes.get(i).copied().unwrap_or(0)),
                u32::from(lens.get(i).copied().unwrap_or(0)),
            );
        };
        for &sym in &s.syms {
            let dist = (sym >> 16) as usize;
            if dist == 0 {
                put_sym(&mut w, &lit_code, &lit_l, (sym & 0xff) as usize);
            } else {
                let (lc, le, lv) = len_code((sym & 0xffff) as usize);
                put_sym(&mut w, &lit_code, &lit_l, lc);
                w.put(lv, le);
                let (dc, de, dv) = dist_code(dist);
                put_sym(&mut w, &dist_code_bits, &dist_l, dc);
                w.put(dv, de);
            }
        }
        put_sym(&mut w, &lit_code, &lit_l, 256);
        w.flush();
    }
    w.out
        .extend_from_slice(&zlib_rs::adler32::adler32(1, data).to_be_bytes());
    w.out
}

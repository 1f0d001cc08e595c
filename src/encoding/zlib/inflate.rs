//! RFC 1950 / RFC 1951 decoding into a `Vec`.

use super::ZlibError;
use std::sync::OnceLock;

/// Table sizes: bits looked up at once in the literal/length (10),
/// distance (8) and code length (7) tables. Longer codes, rare in small
/// blocks, take the canonical slow path.
const LIT_FAST: usize = 1 << 10;
const DIST_FAST: usize = 1 << 8;
const CLEN_FAST: usize = 1 << 7;

/// Length symbols 257..=285: base length and extra bits.
pub(super) const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
pub(super) const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Distance symbols 0..=29: base distance and extra bits.
pub(super) const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
pub(super) const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order in which code length code lengths are sent.
const CLEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Reads bits least significant first. Past the end of the input it
/// feeds zero bytes (so that look-ahead never fails) and counts them:
/// using one of them means the stream is truncated.
#[derive(Clone, Copy)]
struct Bits<'a> {
    data: &'a [u8],
    /// Bytes moved into `buf` so far, zero padding included.
    pos: usize,
    buf: u64,
    cnt: u32,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits {
            data,
            pos: 0,
            buf: 0,
            cnt: 0,
        }
    }

    /// Tops the buffer up to at least 56 bits.
    #[inline]
    fn refill(&mut self) -> Result<(), ZlibError> {
        if let Some(chunk) = self.data.get(self.pos..self.pos.wrapping_add(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.buf |= u64::from_le_bytes(word) << self.cnt;
            let take = (63 - self.cnt) >> 3;
            self.pos += take as usize;
            self.cnt |= 56;
            return Ok(());
        }
        while self.cnt <= 56 {
            let byte = match self.data.get(self.pos) {
                Some(&b) => b,
                // The buffer holds at most 8 bytes: past 8 bytes of
                // padding, real data has run out for what is consumed.
                None if self.pos >= self.data.len().saturating_add(8) => {
                    return Err(ZlibError::Truncated);
                }
                None => 0,
            };
            self.buf |= u64::from(byte) << self.cnt;
            self.pos += 1;
            self.cnt += 8;
        }
        Ok(())
    }

    #[inline]
    fn peek(&self, n: u32) -> u32 {
        (self.buf & ((1u64 << n) - 1)) as u32
    }

    #[inline]
    fn drop_bits(&mut self, n: u32) {
        self.buf >>= n;
        self.cnt -= n;
    }

    /// `n` bits (n <= 32, with enough buffered).
    #[inline]
    fn take(&mut self, n: u32) -> u32 {
        let v = self.peek(n);
        self.drop_bits(n);
        v
    }

    /// Whether bits past the end of the real input have been used.
    fn overrun(&self) -> bool {
        self.consumed_bits() > self.data.len().saturating_mul(8)
    }

    fn consumed_bits(&self) -> usize {
        (self.pos * 8).saturating_sub(self.cnt as usize)
    }

    /// Skips to the next byte boundary and returns the byte offset
    /// there, emptying the buffer (stored blocks and the trailer are
    /// read from the slice directly).
    fn align(&mut self) -> Result<usize, ZlibError> {
        let at = self.consumed_bits().div_ceil(8);
        if at > self.data.len() {
            return Err(ZlibError::Truncated);
        }
        self.pos = at;
        self.buf = 0;
        self.cnt = 0;
        Ok(at)
    }
}

/// A canonical Huffman code: a direct table for codes up to `fast_bits`
/// long, and counts plus sorted symbols for the rest.
struct Huffman<const N: usize, const F: usize> {
    /// Entry: symbol | length << 9; 0 means "use the slow path".
    fast: [u16; F],
    fast_bits: u32,
    counts: [u16; 16],
    symbols: [u16; N],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    CodeLengths,
    LitLen,
    Dist,
}

impl<const N: usize, const F: usize> Huffman<N, F> {
    /// Builds the code for `lengths`, with zlib's rules: an
    /// over-subscribed set is invalid, and so is an incomplete one,
    /// except a single code of length 1 for literals/lengths and
    /// distances, or no code at all.
    fn build(&mut self, lengths: &[u8], kind: Kind) -> Result<(), ZlibError> {
        let h = self;
        h.counts = [0; 16];
        h.fast_bits = 0;
        if let Some(first) = h.fast.first_mut() {
            // The table of a code without codes is this one slot.
            *first = 0;
        }
        for &l in lengths {
            if l != 0
                && let Some(c) = h.counts.get_mut(usize::from(l & 15))
            {
                *c += 1;
            }
        }
        let max = h.counts.iter().rposition(|&c| c != 0).unwrap_or(0);
        // Kraft sum: `left` codes of the current length still free.
        let mut left: i32 = 1;
        for &c in h.counts.iter().skip(1) {
            left = (left << 1) - i32::from(c);
            if left < 0 {
                return Err(ZlibError::Invalid);
            }
        }
        if max == 0 {
            // No codes: every lookup fails as an invalid code.
            return if kind == Kind::CodeLengths {
                Err(ZlibError::Invalid)
            } else {
                Ok(())
            };
        }
        if left > 0 && (kind == Kind::CodeLengths || max != 1) {
            return Err(ZlibError::Invalid);
        }
        // Symbols in canonical order (by length, then by value).
        let mut offs = [0u16; 16];
        let mut acc = 0;
        for (o, &c) in offs.iter_mut().zip(h.counts.iter()) {
            *o = acc;
            acc += c;
        }
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0
                && let Some(o) = offs.get_mut(usize::from(l & 15))
            {
                if let Some(slot) = h.symbols.get_mut(usize::from(*o)) {
                    *slot = sym as u16;
                }
                *o += 1;
            }
        }
        h.fast_bits = (max as u32).min(F.trailing_zeros());
        // Fill the table one code length at a time: at length `l` it
        // covers 2^l slots, each code of that length takes the slot of
        // its bit-reversed code, and going to `l + 1` doubles the table
        // by copying (a shorter code owns every slot that ends in its
        // bits). Unowned slots stay 0, for the slow path.
        if let Some(table) = h.fast.get_mut(..2) {
            table.fill(0);
        }
        let mut code: u32 = 0;
        let mut idx = 0usize;
        for l in 1..=h.fast_bits {
            if l > 1 {
                let half = 1usize << (l - 1);
                if half * 2 <= F {
                    h.fast.copy_within(0..half, half);
                }
            }
            let count = h.counts.get(l as usize).copied().unwrap_or(0);
            for _ in 0..count {
                let sym = h.symbols.get(idx).copied().unwrap_or(0);
                let rev = (code.reverse_bits() >> (32 - l)) as usize;
                if let Some(slot) = h.fast.get_mut(rev) {
                    *slot = sym | (l as u16) << 9;
                }
                code += 1;
                idx += 1;
            }
            code <<= 1;
        }
        Ok(())
    }

    /// Decodes one symbol; the buffer must hold at least 15 bits.
    #[inline]
    fn decode(&self, bits: &mut Bits<'_>) -> Result<u16, ZlibError> {
        let mask = (1u64 << self.fast_bits) - 1;
        let e = self
            .fast
            .get((bits.buf & mask) as usize)
            .copied()
            .unwrap_or(0);
        let (sym, len) = if e != 0 {
            (e & 0x1ff, u32::from(e >> 9))
        } else {
            // Taking the buffer by value keeps `bits` in registers.
            self.decode_slow(bits.buf)?
        };
        bits.drop_bits(len);
        Ok(sym)
    }

    /// Canonical decoding one bit at a time, for codes longer than the
    /// table; returns the symbol and its length.
    #[cold]
    fn decode_slow(&self, buf: u64) -> Result<(u16, u32), ZlibError> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for l in 1..16u32 {
            code |= ((buf >> (l - 1)) & 1) as i32;
            let count = i32::from(self.counts.get(l as usize).copied().unwrap_or(0));
            if code - first < count {
                let at = (index + code - first) as usize;
                let sym = self.symbols.get(at).copied().ok_or(ZlibError::Invalid)?;
                return Ok((sym, l));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(ZlibError::Invalid)
    }
}

type LitLen = Huffman<288, LIT_FAST>;
type Dist = Huffman<32, DIST_FAST>;

fn fixed() -> &'static (LitLen, Dist) {
    static FIXED: OnceLock<(LitLen, Dist)> = OnceLock::new();
    FIXED.get_or_init(|| {
        let l: [u8; 288] = core::array::from_fn(|i| match i {
            0..=143 => 8,
            144..=255 => 9,
            256..=279 => 7,
            _ => 8,
        });
        let mut lit = empty_code();
        let mut dist = empty_code();
        // The fixed code is complete by construction; were it refused,
        // every lookup would fail as an invalid code.
        if lit.build(&l, Kind::LitLen).is_err() || dist.build(&[5u8; 32], Kind::Dist).is_err() {
            return (empty_code(), empty_code());
        }
        (lit, dist)
    })
}

#[cold]
fn empty_code<const N: usize, const F: usize>() -> Huffman<N, F> {
    Huffman {
        fast: [0; F],
        fast_bits: 0,
        counts: [0; 16],
        symbols: [0; N],
    }
}

/// The codes of a dynamic block, built in place (they are a few KB).
struct Tables {
    clen: Huffman<19, CLEN_FAST>,
    lit: LitLen,
    dist: Dist,
}

/// Reads the code lengths of a dynamic block and builds its codes.
fn dynamic(bits: &mut Bits<'_>, t: &mut Tables) -> Result<(), ZlibError> {
    bits.refill()?;
    let nlen = bits.take(5) as usize + 257;
    let ndist = bits.take(5) as usize + 1;
    let ncode = bits.take(4) as usize + 4;
    if nlen > 286 || ndist > 30 {
        return Err(ZlibError::Invalid);
    }
    let mut clens = [0u8; 19];
    for &at in CLEN_ORDER.iter().take(ncode) {
        bits.refill()?;
        if let Some(slot) = clens.get_mut(at) {
            *slot = bits.take(3) as u8;
        }
    }
    t.clen.build(&clens, Kind::CodeLengths)?;
    let clcode = &t.clen;
    let mut lengths = [0u8; 286 + 30];
    let total = nlen + ndist;
    // A local copy keeps the bit buffer in registers in this loop.
    let mut b = *bits;
    let mut read = || -> Result<(), ZlibError> {
        let mut i = 0;
        while i < total {
            // One symbol and its extra bits take at most 7 + 7 bits.
            if b.cnt < 14 {
                b.refill()?;
            }
            let sym = clcode.decode(&mut b)?;
            if sym < 16 {
                let Some(slot) = lengths.get_mut(i) else {
                    return Err(ZlibError::Invalid);
                };
                *slot = sym as u8;
                i += 1;
                continue;
            }
            let (value, repeat) = match sym {
                16 => {
                    let prev = i.checked_sub(1).and_then(|p| lengths.get(p).copied());
                    let Some(prev) = prev else {
                        return Err(ZlibError::Invalid);
                    };
                    (prev, 3 + b.take(2) as usize)
                }
                17 => (0, 3 + b.take(3) as usize),
                _ => (0, 11 + b.take(7) as usize),
            };
            if i + repeat > total {
                return Err(ZlibError::Invalid);
            }
            // The array starts zeroed: runs of zeros need no writing.
            if value != 0
                && let Some(run) = lengths.get_mut(i..i + repeat)
            {
                run.fill(value);
            }
            i += repeat;
        }
        Ok(())
    };
    let result = read();
    *bits = b;
    result?;
    let (lit_lens, dist_lens) = lengths.split_at(nlen);
    // zlib refuses a literal/length code without an end-of-block symbol.
    if lit_lens.get(256).copied().unwrap_or(0) == 0 {
        return Err(ZlibError::Invalid);
    }
    t.lit.build(lit_lens, Kind::LitLen)?;
    t.dist
        .build(dist_lens.get(..ndist).unwrap_or(&[]), Kind::Dist)
}

/// The output while a stream is inflated: `buf` is zero-filled ahead of
/// `pos`, the end of what is written, and grows (up to `limit`) only when
/// it is full, so that writing a byte is a store, not a push.
struct Out<'a> {
    buf: &'a mut Vec<u8>,
    pos: usize,
    limit: usize,
}

impl Out<'_> {
    /// Makes room for `need` more bytes, or fails if that goes past the
    /// limit.
    #[cold]
    fn grow(&mut self, need: usize) -> Result<(), ZlibError> {
        let want = self.pos.saturating_add(need);
        if want > self.limit {
            return Err(ZlibError::TooLarge { limit: self.limit });
        }
        let len = self.buf.len().saturating_mul(2).max(want).min(self.limit);
        self.buf.resize(len, 0);
        Ok(())
    }

    /// Appends `bytes` (a stored block).
    fn extend(&mut self, bytes: &[u8]) -> Result<(), ZlibError> {
        if self.pos + bytes.len() > self.buf.len() {
            self.grow(bytes.len())?;
        }
        let end = self.pos + bytes.len();
        let slot = self.buf.get_mut(self.pos..end).ok_or(ZlibError::Invalid)?;
        slot.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }
}

/// Copies `len` bytes from `dist` back to `pos`, overlapping allowed; the
/// caller has checked that `pos + len` fits `buf`.
#[inline]
fn copy_match(buf: &mut [u8], pos: usize, dist: usize, len: usize) -> Result<(), ZlibError> {
    let Some(start) = pos.checked_sub(dist) else {
        return Err(ZlibError::Invalid);
    };
    if dist >= len {
        buf.copy_within(start..start + len, pos);
        return Ok(());
    }
    // The output from `start` on repeats with period `dist`; each copy
    // doubles what can be copied next.
    let mut done = 0;
    while done < len {
        let n = (len - done).min(pos + done - start);
        buf.copy_within(start..start + n, pos + done);
        done += n;
    }
    Ok(())
}

/// What the fast loop could not write for want of room.
enum Pending {
    Literal(u8),
    Match { dist: usize, len: usize },
}

/// Decodes the compressed data of one block with `lit` and `dist`.
fn codes(
    bits: &mut Bits<'_>,
    out: &mut Out<'_>,
    lit: &LitLen,
    dist: &Dist,
) -> Result<(), ZlibError> {
    // Work on a local copy so that the bit buffer lives in registers
    // instead of going through memory on every symbol.
    let mut b = *bits;
    let result = loop {
        let (pos, pending) = match fill(&mut b, out.buf.as_mut_slice(), out.pos, lit, dist) {
            Ok(done) => done,
            Err(e) => break Err(e),
        };
        out.pos = pos;
        let written = match pending {
            None => break Ok(()),
            Some(Pending::Literal(byte)) => out.grow(1).and_then(|()| {
                let slot = out.buf.get_mut(pos).ok_or(ZlibError::Invalid)?;
                *slot = byte;
                Ok(1)
            }),
            Some(Pending::Match { dist, len }) => out
                .grow(len)
                .and_then(|()| copy_match(out.buf, pos, dist, len).map(|()| len)),
        };
        match written {
            Ok(n) => out.pos += n,
            Err(e) => break Err(e),
        }
    };
    *bits = b;
    result
}

/// Decodes symbols into `buf` from `pos` until the end of the block (then
/// `None`) or until one does not fit (then what it was); returns the new
/// end of the output with it.
#[inline(always)]
fn fill(
    bits: &mut Bits<'_>,
    buf: &mut [u8],
    mut pos: usize,
    lit: &LitLen,
    dist: &Dist,
) -> Result<(usize, Option<Pending>), ZlibError> {
    loop {
        // A literal/length code takes at most 15 bits; refilling tops
        // up to 56, which is enough for three literals in a row.
        if bits.cnt < 15 {
            bits.refill()?;
        }
        let sym = lit.decode(bits)?;
        if sym < 256 {
            let Some(slot) = buf.get_mut(pos) else {
                return Ok((pos, Some(Pending::Literal(sym as u8))));
            };
            *slot = sym as u8;
            pos += 1;
            continue;
        }
        if sym == 256 {
            return Ok((pos, None));
        }
        // Length extra bits, distance code and its extra bits: 5 + 15 + 13.
        if bits.cnt < 33 {
            bits.refill()?;
        }
        let k = usize::from(sym - 257);
        let (Some(&base), Some(&extra)) = (LEN_BASE.get(k), LEN_EXTRA.get(k)) else {
            return Err(ZlibError::Invalid);
        };
        let len = usize::from(base) + bits.take(u32::from(extra)) as usize;
        let d = usize::from(dist.decode(bits)?);
        let (Some(&base), Some(&extra)) = (DIST_BASE.get(d), DIST_EXTRA.get(d)) else {
            return Err(ZlibError::Invalid);
        };
        let distance = usize::from(base) + bits.take(u32::from(extra)) as usize;
        if pos + len > buf.len() {
            return Ok((
                pos,
                Some(Pending::Match {
                    dist: distance,
                    len,
                }),
            ));
        }
        copy_match(buf, pos, distance, len)?;
        pos += len;
    }
}

/// One stored block, the bit reader at its header's end.
fn stored(bits: &mut Bits<'_>, out: &mut Out<'_>) -> Result<(), ZlibError> {
    let at = bits.align()?;
    let head = bits.data.get(at..at + 4).ok_or(ZlibError::Truncated)?;
    let [l0, l1, n0, n1] = <[u8; 4]>::try_from(head).map_err(|_| ZlibError::Truncated)?;
    let len = usize::from(u16::from_le_bytes([l0, l1]));
    let nlen = u16::from_le_bytes([n0, n1]);
    if len != usize::from(!nlen) {
        return Err(ZlibError::Invalid);
    }
    let body = at + 4;
    let Some(chunk) = bits.data.get(body..body + len) else {
        // Copy what is there first, as zlib would, so that the size
        // limit is still reported first when it is hit.
        let have = bits.data.get(body..).unwrap_or(&[]);
        if out.pos + have.len() > out.limit {
            return Err(ZlibError::TooLarge { limit: out.limit });
        }
        return Err(ZlibError::Truncated);
    };
    out.extend(chunk)?;
    bits.pos = body + len;
    Ok(())
}

fn adler32(data: &[u8]) -> u32 {
    zlib_rs::adler32::adler32(1, data)
}

/// Inflates the zlib stream at the start of `data` into `out`.
pub(super) fn zlib(data: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), ZlibError> {
    let (cmf, flg) = match data {
        [] | [_] => return Err(ZlibError::Truncated),
        [cmf, flg, ..] => (*cmf, *flg),
    };
    // zlib's header checks: checksum, method 8, window <= 32K, and no
    // preset dictionary (Python has none to give).
    if (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0
        || cmf & 0x0f != 8
        || cmf >> 4 > 7
        || flg & 0x20 != 0
    {
        return Err(ZlibError::Invalid);
    }
    let mut bits = Bits::new(data.get(2..).unwrap_or(&[]));
    // Write into the capacity the caller reserved (zeroed once), then cut
    // the output to what was written.
    let room = out.capacity().min(limit);
    out.clear();
    out.resize(room, 0);
    let mut o = Out {
        buf: out,
        pos: 0,
        limit,
    };
    let result = blocks(&mut bits, &mut o);
    let written = o.pos;
    out.truncate(written);
    // An error found while reading bits past the end means the data ran
    // out first: zlib would have stopped there asking for more.
    let result = match result {
        Err(ZlibError::Invalid) if bits.overrun() => Err(ZlibError::Truncated),
        other => other,
    };
    result?;
    if bits.overrun() {
        return Err(ZlibError::Truncated);
    }
    let at = bits.align()?;
    let trailer = bits.data.get(at..at + 4).ok_or(ZlibError::Truncated)?;
    let trailer = <[u8; 4]>::try_from(trailer).map_err(|_| ZlibError::Truncated)?;
    let expected = u32::from_be_bytes(trailer);
    if adler32(out) != expected {
        return Err(ZlibError::Invalid);
    }
    Ok(())
}

fn blocks(bits: &mut Bits<'_>, out: &mut Out<'_>) -> Result<(), ZlibError> {
    // The dynamic-block tables (a few KB) are kept per thread, so a
    // call neither zeroes nor moves them.
    thread_local! {
        static TABLES: core::cell::RefCell<Option<Box<Tables>>> =
            const { core::cell::RefCell::new(None) };
    }
    TABLES.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => blocks_with(bits, out, &mut slot),
        // Only reachable through re-entrance, which never happens.
        Err(_) => blocks_with(bits, out, &mut None),
    })
}

fn blocks_with(
    bits: &mut Bits<'_>,
    out: &mut Out<'_>,
    tables: &mut Option<Box<Tables>>,
) -> Result<(), ZlibError> {
    loop {
        bits.refill()?;
        let last = bits.take(1) == 1;
        match bits.take(2) {
            0 => stored(bits, out)?,
            1 => {
                let (lit, dist) = fixed();
                codes(bits, out, lit, dist)?;
            }
            2 => {
                let t = tables.get_or_insert_with(|| {
                    Box::new(Tables {
                        clen: empty_code(),
                        lit: empty_code(),
                        dist: empty_code(),
                    })
                });
                dynamic(bits, t)?;
                codes(bits, out, &t.lit, &t.dist)?;
            }
            _ => return Err(ZlibError::Invalid),
        }
        if last {
            return Ok(());
        }
    }
}

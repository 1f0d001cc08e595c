//! zlib (RFC 1950) as Django uses it (spec §2.2): `zlib.compress` at level 6
//! on encode; on decode any zlib stream, with trailing bytes after the end
//! of the stream ignored, and (past Django) a cap on the inflated size.
//!
//! Building a deflate state costs far more than compressing a session, so
//! each thread keeps one compressor and one decompressor and resets them.

use std::cell::RefCell;

use flate2::{Compress, Compression, FlushCompress, Status};

/// Why a zlib stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZlibError {
    /// Not a valid zlib stream (bad header, bad data, bad checksum).
    Invalid,
    /// The stream ends before its end marker.
    Truncated,
    /// Inflating would produce more than the allowed number of bytes.
    TooLarge {
        /// The cap that was reached.
        limit: usize,
    },
}

impl core::fmt::Display for ZlibError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ZlibError::Invalid => f.write_str("the compressed payload is not a valid zlib stream"),
            ZlibError::Truncated => {
                f.write_str("the compressed payload ends before the end of its zlib stream")
            }
            ZlibError::TooLarge { limit } => {
                write!(
                    f,
                    "the compressed payload inflates to more than {limit} bytes"
                )
            }
        }
    }
}

impl std::error::Error for ZlibError {}

thread_local! {
    static COMPRESSOR: RefCell<Option<Compress>> = const { RefCell::new(None) };
}

/// Compresses `data` into a zlib stream with the effort of zlib's level 6
/// (Python's default). Session-sized inputs (up to 32 KiB) go through a
/// small deflater of this module, larger ones through zlib-rs; neither
/// gives stock zlib's exact bytes, but any zlib (Django's) inflates both.
pub fn compress(data: &[u8]) -> Vec<u8> {
    if data.len() <= deflate::MAX_INPUT {
        return deflate::zlib(data);
    }
    compress_zlib_rs(data)
}

/// [`compress`] through zlib-rs, whatever the size.
fn compress_zlib_rs(data: &[u8]) -> Vec<u8> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let c = slot.get_or_insert_with(|| Compress::new(Compression::new(6), true));
        c.reset();
        compress_with(c, data)
    })
}

fn compress_with(c: &mut Compress, data: &[u8]) -> Vec<u8> {
    // zlib's worst case is a few bytes per 16 KiB block plus a small header.
    let mut out = Vec::with_capacity(data.len() + data.len() / 1000 + 64);
    loop {
        let before_in = c.total_in();
        let consumed = usize::try_from(before_in).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or(&[]);
        match c.compress_vec(input, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return out,
            Ok(_) => out.reserve(out.capacity().max(64)),
            // The in-memory deflate cannot fail on valid state; fall back to
            // a fresh stream if it ever does.
            Err(_) => {
                *c = Compress::new(Compression::new(6), true);
                out.clear();
            }
        }
    }
}

/// Inflates a zlib stream, producing at most `limit` bytes. Bytes after the
/// end of the stream are ignored, as Python's `zlib.decompress` does.
///
/// This is a small inflater of its own rather than zlib's: a session cookie
/// inflates to a few KB at most, and there a general inflater spends most of
/// its time building full-size decoding tables and running its streaming
/// state machine. This one sizes its tables to the codes in hand, decodes
/// from one contiguous input into one growing output, and checks everything
/// zlib checks (header, block types, code sets, distances, Adler-32).
///
/// # Errors
/// An invalid or truncated stream, or one that inflates past `limit`.
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
    let guess = data
        .len()
        .saturating_mul(4)
        .clamp(64, limit.saturating_add(1).max(64));
    let mut out = Vec::with_capacity(guess.min(limit.saturating_add(1)));
    inflate::zlib(data, limit, &mut out)?;
    Ok(out)
}

mod inflate {
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
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
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
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
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
                if l != 0 {
                    if let Some(c) = h.counts.get_mut(usize::from(l & 15)) {
                        *c += 1;
                    }
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
                if l != 0 {
                    if let Some(o) = offs.get_mut(usize::from(l & 15)) {
                        if let Some(slot) = h.symbols.get_mut(usize::from(*o)) {
                            *slot = sym as u16;
                        }
                        *o += 1;
                    }
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
                if value != 0 {
                    if let Some(run) = lengths.get_mut(i..i + repeat) {
                        run.fill(value);
                    }
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

    /// Copies `len` bytes from `dist` back, overlapping allowed.
    #[inline]
    fn copy_match(out: &mut Vec<u8>, dist: usize, len: usize) -> Result<(), ZlibError> {
        let Some(start) = out.len().checked_sub(dist) else {
            return Err(ZlibError::Invalid);
        };
        if dist >= len {
            out.extend_from_within(start..start + len);
            return Ok(());
        }
        // The output from `start` on repeats with period `dist`; each copy
        // doubles what can be copied next.
        let mut left = len;
        while left > 0 {
            let n = left.min(out.len() - start);
            out.extend_from_within(start..start + n);
            left -= n;
        }
        Ok(())
    }

    /// Decodes the compressed data of one block with `lit` and `dist`.
    fn codes(
        bits: &mut Bits<'_>,
        out: &mut Vec<u8>,
        limit: usize,
        lit: &LitLen,
        dist: &Dist,
    ) -> Result<(), ZlibError> {
        // Work on a local copy so that the bit buffer lives in registers
        // instead of going through memory on every symbol.
        let mut b = *bits;
        let result = codes_local(&mut b, out, limit, lit, dist);
        *bits = b;
        result
    }

    #[inline(always)]
    fn codes_local(
        bits: &mut Bits<'_>,
        out: &mut Vec<u8>,
        limit: usize,
        lit: &LitLen,
        dist: &Dist,
    ) -> Result<(), ZlibError> {
        loop {
            // A literal/length code takes at most 15 bits; refilling tops
            // up to 56, which is enough for three literals in a row.
            if bits.cnt < 15 {
                bits.refill()?;
            }
            let sym = lit.decode(bits)?;
            if sym < 256 {
                if out.len() >= limit {
                    return Err(ZlibError::TooLarge { limit });
                }
                out.push(sym as u8);
                continue;
            }
            if sym == 256 {
                return Ok(());
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
            if out.len() + len > limit {
                return Err(ZlibError::TooLarge { limit });
            }
            copy_match(out, distance, len)?;
        }
    }

    /// One stored block, the bit reader at its header's end.
    fn stored(bits: &mut Bits<'_>, out: &mut Vec<u8>, limit: usize) -> Result<(), ZlibError> {
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
            if out.len() + have.len() > limit {
                return Err(ZlibError::TooLarge { limit });
            }
            return Err(ZlibError::Truncated);
        };
        if out.len() + len > limit {
            return Err(ZlibError::TooLarge { limit });
        }
        out.extend_from_slice(chunk);
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
        let result = blocks(&mut bits, out, limit);
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

    fn blocks(bits: &mut Bits<'_>, out: &mut Vec<u8>, limit: usize) -> Result<(), ZlibError> {
        // The dynamic-block tables (a few KB) are kept per thread, so a
        // call neither zeroes nor moves them.
        thread_local! {
            static TABLES: core::cell::RefCell<Option<Box<Tables>>> =
                const { core::cell::RefCell::new(None) };
        }
        TABLES.with(|cell| match cell.try_borrow_mut() {
            Ok(mut slot) => blocks_with(bits, out, limit, &mut slot),
            // Only reachable through re-entrance, which never happens.
            Err(_) => blocks_with(bits, out, limit, &mut None),
        })
    }

    fn blocks_with(
        bits: &mut Bits<'_>,
        out: &mut Vec<u8>,
        limit: usize,
        tables: &mut Option<Box<Tables>>,
    ) -> Result<(), ZlibError> {
        loop {
            bits.refill()?;
            let last = bits.take(1) == 1;
            match bits.take(2) {
                0 => stored(bits, out, limit)?,
                1 => {
                    let (lit, dist) = fixed();
                    codes(bits, out, limit, lit, dist)?;
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
                    codes(bits, out, limit, &t.lit, &t.dist)?;
                }
                _ => return Err(ZlibError::Invalid),
            }
            if last {
                return Ok(());
            }
        }
    }
}

mod deflate {
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
        let mut order = (1..=limit.min(32) as usize).rev().flat_map(|l| {
            core::iter::repeat_n(l as u8, count.get(l).copied().unwrap_or(0) as usize)
        });
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `deflate` fuzz target: a stored block was costed with
    /// 7 bits of padding instead of 5, so 55 incompressible bytes came out
    /// in a fixed-Huffman block one byte longer than stock zlib's 66.
    #[test]
    fn fuzz_deflate_stored_block_is_chosen_when_smallest() {
        let data = [
            175, 175, 49, 175, 255, 175, 175, 141, 49, 255, 49, 255, 238, 227, 227, 3, 0, 30, 155,
            16, 3, 0, 3, 155, 30, 16, 176, 181, 157, 24, 48, 125, 103, 187, 0, 215, 151, 120, 8,
            120, 8, 252, 0, 15, 186, 255, 238, 175, 175, 186, 255, 255, 255, 186, 178,
        ];
        let z = compress(&data);
        assert_eq!(
            z.len(),
            data.len() + 11,
            "stored: 2 header + 5 + data + 4 adler"
        );
        assert_eq!(decompress(&z, data.len()), Ok(data.to_vec()));
    }

    #[test]
    fn round_trip() {
        let data = b"{\"cart\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}".repeat(20);
        let z = compress(&data);
        assert_eq!(&z[..2], &[0x78, 0x9c]);
        assert!(z.len() < data.len());
        assert_eq!(decompress(&z, 1 << 20), Ok(data.clone()));
        // Reused state gives the same output.
        assert_eq!(compress(&data), z);
    }

    #[test]
    fn trailing_garbage_is_ignored() {
        let mut z = compress(b"{\"a\":1}");
        z.extend_from_slice(b"garbage");
        assert_eq!(decompress(&z, 1024), Ok(b"{\"a\":1}".to_vec()));
    }

    #[test]
    fn truncated_and_invalid() {
        let z = compress(&b"abcdefgh".repeat(100));
        let cut = &z[..z.len() - 5];
        assert_eq!(decompress(cut, 1 << 20), Err(ZlibError::Truncated));
        assert_eq!(decompress(b"not zlib", 1 << 20), Err(ZlibError::Invalid));
        assert_eq!(decompress(b"", 1 << 20), Err(ZlibError::Truncated));
    }

    #[test]
    fn limit_is_enforced_exactly() {
        let data = vec![b'a'; 10_000];
        let z = compress(&data);
        assert_eq!(decompress(&z, 10_000).map(|v| v.len()), Ok(10_000));
        assert_eq!(
            decompress(&z, 9_999),
            Err(ZlibError::TooLarge { limit: 9_999 })
        );
    }

    /// zlib-rs through flate2, as the reference for the inflater.
    fn reference(data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
        use flate2::{Decompress, FlushDecompress};
        let mut d = Decompress::new(true);
        let mut out = Vec::with_capacity(limit + 1);
        match d.decompress_vec(data, &mut out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) if out.len() <= limit => Ok(out),
            Ok(_) if out.len() > limit => Err(ZlibError::TooLarge { limit }),
            Ok(_) => Err(ZlibError::Truncated),
            Err(_) => Err(ZlibError::Invalid),
        }
    }

    fn deflate_with(data: &[u8], level: u32) -> Vec<u8> {
        let mut c = Compress::new(Compression::new(level), true);
        // Level 1 can expand incompressible input by more than a few bytes.
        let mut out = Vec::with_capacity(data.len() * 2 + 64);
        assert_eq!(
            c.compress_vec(data, &mut out, FlushCompress::Finish)
                .unwrap(),
            Status::StreamEnd
        );
        out
    }

    #[test]
    fn every_block_type_and_level() {
        let text = br#"{"_auth_user_id":"42","cart":[1,2,3],"n":"\u00e9"}"#.repeat(40);
        let noise: Vec<u8> = (0u32..3000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for data in [&text[..], &noise[..], b"", b"a", &text[..7]] {
            for level in 0..=9 {
                let z = deflate_with(data, level);
                assert_eq!(
                    decompress(&z, 1 << 20),
                    Ok(data.to_vec()),
                    "level {level}, len {}",
                    data.len()
                );
            }
        }
    }

    #[test]
    fn fixed_huffman_and_stored_blocks_by_hand() {
        // "a" with fixed Huffman codes (zlib.compress(b"a") on a 1-byte input).
        assert_eq!(
            decompress(&[0x78, 0x9c, 0x4b, 0x04, 0x00, 0x00, 0x62, 0x00, 0x62], 10),
            Ok(b"a".to_vec())
        );
        // A stored block: 78 01, final stored, LEN 2, NLEN !2, "hi", adler.
        let stored = [
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, b'h', b'i', 0x01, 0x3b, 0x00, 0xd2,
        ];
        assert_eq!(decompress(&stored, 10), Ok(b"hi".to_vec()));
        assert_eq!(
            decompress(&stored, 1),
            Err(ZlibError::TooLarge { limit: 1 })
        );
        let mut bad_nlen = stored;
        bad_nlen[5] = 0xfc;
        assert_eq!(decompress(&bad_nlen, 10), Err(ZlibError::Invalid));
        let mut bad_sum = stored;
        bad_sum[12] ^= 1;
        assert_eq!(decompress(&bad_sum, 10), Err(ZlibError::Invalid));
        for cut in 0..stored.len() {
            assert_eq!(
                decompress(&stored[..cut], 10),
                Err(ZlibError::Truncated),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn header_checks() {
        // Preset dictionary flag, window over 32K, method 7, bad check bits.
        for head in [[0x78, 0xbb], [0x88, 0x98], [0x77, 0x85], [0x78, 0x9d]] {
            let mut z = compress(b"{}");
            z[..2].copy_from_slice(&head);
            assert_eq!(decompress(&z, 100), Err(ZlibError::Invalid), "{head:x?}");
        }
    }

    #[test]
    fn small_deflater_sizes_are_close_to_zlib() {
        for name in ["p1", "p2", "p3", "tamper4k"] {
            let path = format!("{}/benches/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let data = std::fs::read(path).unwrap();
            let ours = compress(&data);
            let zlib = compress_zlib_rs(&data);
            assert_eq!(reference(&ours, 1 << 20), Ok(data.clone()), "{name}");
            assert_eq!(decompress(&ours, 1 << 20), Ok(data.clone()), "{name}");
            // Within 3% (plus a few bytes) of zlib-rs at level 6.
            assert!(
                ours.len() <= zlib.len() + zlib.len() * 3 / 100 + 4,
                "{name}: {} bytes vs zlib-rs {}",
                ours.len(),
                zlib.len()
            );
        }
    }

    #[test]
    fn code_lengths_are_limited_and_complete() {
        // Fibonacci frequencies give the deepest Huffman trees.
        let mut fib = vec![1u32, 1];
        while fib.len() < 30 {
            let n = fib[fib.len() - 1] + fib[fib.len() - 2];
            fib.push(n);
        }
        for (n, limit) in [
            (30usize, 15u32),
            (19, 7),
            (2, 15),
            (1, 15),
            (0, 15),
            (286, 15),
        ] {
            let freq: Vec<u32> = (0..n).map(|i| fib[i % 30]).collect();
            let mut lens = vec![0u8; n.max(2)];
            let mut padded = freq.clone();
            padded.resize(n.max(2), 0);
            deflate::code_lengths(&padded, limit, &mut lens);
            assert!(lens.iter().all(|&l| u32::from(l) <= limit), "{n}: {lens:?}");
            let kraft: u64 = lens
                .iter()
                .filter(|&&l| l > 0)
                .map(|&l| 1u64 << (limit - u32::from(l)))
                .sum();
            assert_eq!(kraft, 1u64 << limit, "{n} symbols, limit {limit}: {lens:?}");
        }
    }

    #[test]
    fn small_deflater_edge_cases() {
        for data in [
            &b""[..],
            b"a",
            b"ab",
            b"aaa",
            b"aaaa",
            &[0u8; 300],
            &[7u8; 32 * 1024],
            &b"abc".repeat(100),
        ] {
            let z = compress(data);
            assert_eq!(
                reference(&z, 1 << 20),
                Ok(data.to_vec()),
                "len {}",
                data.len()
            );
        }
        // Incompressible data comes out as a stored block.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..1000)
            .map(|_| {
                // xorshift64: bytes with no repeats worth a match.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        let z = compress(&noise);
        assert_eq!(z.len(), noise.len() + 2 + 5 + 4);
        assert_eq!(reference(&z, 1 << 20), Ok(noise));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// What the small deflater makes, zlib-rs inflates back.
        #[test]
        fn small_deflater_round_trips(data in proptest::collection::vec(0u8..12, 0..4000),
                                      text in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
                                      repeat in 1usize..20) {
            let mut input = data;
            input.extend(text.repeat(repeat));
            let z = compress(&input);
            proptest::prop_assert_eq!(reference(&z, 1 << 20), Ok(input.clone()));
            proptest::prop_assert_eq!(decompress(&z, 1 << 20), Ok(input));
        }

        /// Any stream flate2 makes decodes to its input, at every level.
        #[test]
        fn round_trips_like_zlib(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
                                 level in 0u32..10, repeat in 1usize..4) {
            let data = data.repeat(repeat);
            let z = deflate_with(&data, level);
            proptest::prop_assert_eq!(decompress(&z, 1 << 20), Ok(data));
        }

        /// Damaged streams get the same verdict as zlib-rs: the same bytes,
        /// or an error (the size cap is checked at the same output size).
        #[test]
        fn damaged_streams_agree_with_zlib(data in proptest::collection::vec(0u8..8, 1..800),
                                           flips in proptest::collection::vec((0usize..2000, 0u8..8), 1..4),
                                           cut in 0usize..2000, limit in 1usize..2000) {
            let mut z = deflate_with(&data, 6);
            for (at, bit) in flips {
                let n = z.len();
                z[at % n] ^= 1 << bit;
            }
            z.truncate(cut.max(1).min(z.len()));
            let ours = decompress(&z, limit);
            let theirs = reference(&z, limit);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => proptest::prop_assert_eq!(a, b),
                (Err(_), Err(_)) => {}
                _ => proptest::prop_assert!(false, "ours {:?} vs zlib-rs {:?}", ours, theirs),
            }
        }

        /// Arbitrary bytes never panic and agree with zlib-rs on ok/err.
        #[test]
        fn garbage_agrees_with_zlib(mut z in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            if z.len() >= 2 {
                z[0] = 0x78;
                z[1] = 0x9c;
            }
            let ours = decompress(&z, 4096);
            let theirs = reference(&z, 4096);
            proptest::prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "ours {:?} vs zlib-rs {:?}", ours, theirs);
            if let (Ok(a), Ok(b)) = (&ours, &theirs) {
                proptest::prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn zip_bomb_stops_at_the_cap() {
        let data = vec![0u8; 50 << 20];
        let z = compress(&data);
        assert!(z.len() < 100_000);
        assert_eq!(
            decompress(&z, 65_536),
            Err(ZlibError::TooLarge { limit: 65_536 })
        );
    }
}

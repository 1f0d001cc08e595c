//! Django's CSRF secrets and masked tokens.
//!
//! A secret is 32 characters of Django's 62-character alphabet (ASCII
//! letters, then digits: `string.ascii_letters + string.digits`). A token
//! handed to a page is *masked*: 32 random characters (the mask) followed
//! by the secret with each character shifted by the mask's character at
//! the same place, modulo 62. Every page gets a different token for the
//! same secret, which defeats BREACH-style compression attacks.
//!
//! The arithmetic on secret characters is written without data-dependent
//! branches or table lookups ([`subtle`]'s selections), and tokens are
//! compared in constant time.

use core::fmt;

use subtle::{ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater, ConstantTimeLess};
use zeroize::{Zeroize, Zeroizing};

/// Django's `CSRF_SECRET_LENGTH`: the characters of a secret.
pub const CSRF_SECRET_LENGTH: usize = 32;

/// Django's `CSRF_TOKEN_LENGTH`: the characters of a masked token.
pub const CSRF_TOKEN_LENGTH: usize = 2 * CSRF_SECRET_LENGTH;

/// Django's `CSRF_ALLOWED_CHARS`, in Django's order (which the masking
/// arithmetic depends on): lowercase letters, uppercase letters, digits.
pub const CSRF_ALLOWED_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// The size of the alphabet.
const RADIX: u8 = 62;

/// Why a secret or a token is refused before any comparison: Django's
/// `InvalidTokenFormat` reasons.
///
/// ```
/// use signed_session::django::csrf::{TokenFormatError, check_token_format};
///
/// assert_eq!(check_token_format("short"), Err(TokenFormatError::IncorrectLength));
/// assert_eq!(
///     check_token_format(&"-".repeat(32)).map_err(|e| e.reason()),
///     Err("has invalid characters")
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenFormatError {
    /// Neither 32 nor 64 characters (Django's `REASON_INCORRECT_LENGTH`).
    IncorrectLength,
    /// A character outside letters and digits (Django's
    /// `REASON_INVALID_CHARACTERS`).
    InvalidCharacters,
}

impl TokenFormatError {
    /// Django's phrase, without a subject: `"has incorrect length"` or
    /// `"has invalid characters"`.
    pub fn reason(self) -> &'static str {
        match self {
            TokenFormatError::IncorrectLength => "has incorrect length",
            TokenFormatError::InvalidCharacters => "has invalid characters",
        }
    }
}

impl fmt::Display for TokenFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the CSRF token {}", self.reason())
    }
}

impl std::error::Error for TokenFormatError {}

/// The operating system's random number generator failed, so no secret
/// or mask could be made.
#[derive(Debug)]
pub struct RandomnessError {
    source: getrandom::Error,
}

impl fmt::Display for RandomnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operating system's random number generator failed")
    }
}

impl std::error::Error for RandomnessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Django's `_check_token_format`: `token` (a secret or a request token,
/// masked or not) has 32 or 64 characters, all ASCII letters or digits.
/// Characters are counted as Python counts them (code points), and the
/// length is checked first, as Django does, so the reason is Django's.
///
/// # Errors
/// [`TokenFormatError::IncorrectLength`], then
/// [`TokenFormatError::InvalidCharacters`].
pub fn check_token_format(token: &str) -> Result<(), TokenFormatError> {
    let length = token.chars().count();
    if length != CSRF_TOKEN_LENGTH && length != CSRF_SECRET_LENGTH {
        return Err(TokenFormatError::IncorrectLength);
    }
    if !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(TokenFormatError::InvalidCharacters);
    }
    Ok(())
}

/// A CSRF secret: 32 characters of Django's alphabet, the value of the
/// `csrftoken` cookie (or of the session's `_csrftoken`). Wiped from
/// memory on drop; `Debug` does not show it; compared in constant time.
///
/// ```
/// use signed_session::django::csrf::CsrfSecret;
///
/// let secret = CsrfSecret::generate()?;
/// let token = secret.mask()?;
/// assert_eq!(token.len(), 64);
/// assert_eq!(CsrfSecret::unmask(&token)?, secret);
/// assert_eq!(secret.matches(&token), Ok(true));
/// assert_eq!(secret.matches(secret.as_str()), Ok(true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CsrfSecret {
    /// ASCII letters and digits only (every constructor ensures it).
    chars: [u8; CSRF_SECRET_LENGTH],
}

impl CsrfSecret {
    /// A new secret, uniformly random over the alphabet (Django's
    /// `_get_new_csrf_string`): bytes from the operating system, each
    /// reduced to 6 bits and kept only below 62 (rejection sampling, so
    /// no character is likelier than another).
    ///
    /// # Errors
    /// [`RandomnessError`] when the operating system gives no randomness.
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut chars = [0u8; CSRF_SECRET_LENGTH];
        random_chars(&mut chars)?;
        Ok(Self { chars })
    }

    /// A secret as stored in the CSRF cookie (Django's `_get_secret`):
    /// the format is checked, and a 64-character value (Django before 4.0
    /// stored the secret masked) is unmasked.
    ///
    /// # Errors
    /// The [`TokenFormatError`] of [`check_token_format`].
    pub fn parse(text: &str) -> Result<Self, TokenFormatError> {
        check_token_format(text)?;
        if text.len() == CSRF_TOKEN_LENGTH {
            return Self::unmask(text);
        }
        let mut chars = [0u8; CSRF_SECRET_LENGTH];
        chars.copy_from_slice(text.as_bytes());
        Ok(Self { chars })
    }

    /// Django's `_unmask_cipher_token`: the secret inside a 64-character
    /// masked token.
    ///
    /// # Errors
    /// [`TokenFormatError`] when `token` is not 64 letters or digits.
    pub fn unmask(token: &str) -> Result<Self, TokenFormatError> {
        check_token_format(token)?;
        let (mask, cipher) = token
            .as_bytes()
            .split_at_checked(CSRF_SECRET_LENGTH)
            .ok_or(TokenFormatError::IncorrectLength)?;
        if cipher.len() != CSRF_SECRET_LENGTH {
            return Err(TokenFormatError::IncorrectLength);
        }
        let mut chars = [0u8; CSRF_SECRET_LENGTH];
        for ((out, &m), &c) in chars.iter_mut().zip(mask).zip(cipher) {
            // (c - m) mod 62, without a branch on the values.
            let sum = index_of(c) + RADIX - index_of(m);
            *out = char_of(reduce(sum));
        }
        Ok(Self { chars })
    }

    /// Django's `_mask_cipher_secret`: a fresh 64-character token for
    /// this secret (a new random mask each call).
    ///
    /// # Errors
    /// [`RandomnessError`] when the operating system gives no randomness.
    pub fn mask(&self) -> Result<String, RandomnessError> {
        let mut mask = Zeroizing::new([0u8; CSRF_SECRET_LENGTH]);
        random_chars(mask.as_mut_slice())?;
        let mut token = Vec::with_capacity(CSRF_TOKEN_LENGTH);
        token.extend_from_slice(mask.as_slice());
        for (&s, &m) in self.chars.iter().zip(mask.iter()) {
            token.push(char_of(reduce(index_of(s) + index_of(m))));
        }
        Ok(ascii_string(token))
    }

    /// The secret's 32 characters, as the cookie carries them.
    pub fn as_str(&self) -> &str {
        #[expect(
            clippy::expect_used,
            reason = "every constructor stores ASCII letters and digits only"
        )]
        core::str::from_utf8(&self.chars).expect("a CSRF secret is ASCII")
    }

    /// Django's `_does_token_match` after its format check: whether
    /// `request_token` (masked, 64 characters, or plain, 32) carries this
    /// secret. Compared in constant time.
    ///
    /// # Errors
    /// The [`TokenFormatError`] of [`check_token_format`]: a request token
    /// in the wrong format is refused before any comparison.
    pub fn matches(&self, request_token: &str) -> Result<bool, TokenFormatError> {
        check_token_format(request_token)?;
        if request_token.len() == CSRF_TOKEN_LENGTH {
            let unmasked = Self::unmask(request_token)?;
            return Ok(bool::from(unmasked.chars.ct_eq(&self.chars)));
        }
        Ok(bool::from(request_token.as_bytes().ct_eq(&self.chars)))
    }
}

impl PartialEq for CsrfSecret {
    /// In constant time.
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.chars.ct_eq(&other.chars))
    }
}

impl Eq for CsrfSecret {}

impl fmt::Debug for CsrfSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfSecret(..)")
    }
}

impl Drop for CsrfSecret {
    fn drop(&mut self) {
        self.chars.zeroize();
    }
}

/// Fills `out` with characters of the alphabet, uniformly (see
/// [`CsrfSecret::generate`]).
fn random_chars(out: &mut [u8]) -> Result<(), RandomnessError> {
    let mut pool = Zeroizing::new([0u8; 64]);
    let mut filled = 0;
    while filled < out.len() {
        getrandom::fill(pool.as_mut_slice()).map_err(|source| RandomnessError { source })?;
        // 62 of the 64 six-bit values are kept: about 97% of the bytes.
        for value in pool.iter().map(|b| b & 63).filter(|v| *v < RADIX) {
            let Some(slot) = out.get_mut(filled) else {
                break;
            };
            *slot = char_of(value);
            filled += 1;
        }
    }
    Ok(())
}

/// The position of an alphabet character (`c` must be a letter or a
/// digit): lowercase 0..26, uppercase 26..52, digits 52..62. Branch-free.
fn index_of(c: u8) -> u8 {
    let lower = c.wrapping_sub(b'a');
    let upper = c.wrapping_sub(b'A').wrapping_add(26);
    let mut index = c.wrapping_sub(b'0').wrapping_add(52);
    index.conditional_assign(&upper, c.ct_gt(&(b'A' - 1)));
    index.conditional_assign(&lower, c.ct_gt(&(b'a' - 1)));
    index
}

/// The alphabet character at `index` (below 62). Branch-free.
fn char_of(index: u8) -> u8 {
    let lower = b'a'.wrapping_add(index);
    let upper = b'A'.wrapping_add(index.wrapping_sub(26));
    let mut c = b'0'.wrapping_add(index.wrapping_sub(52));
    c.conditional_assign(&upper, index.ct_lt(&52));
    c.conditional_assign(&lower, index.ct_lt(&26));
    c
}

/// `value mod 62` for `value` below 124. Branch-free.
fn reduce(value: u8) -> u8 {
    let mut reduced = value.wrapping_sub(RADIX);
    reduced.conditional_assign(&value, value.ct_lt(&RADIX));
    reduced
}

/// Bytes known to be ASCII as a `String`.
fn ascii_string(bytes: Vec<u8>) -> String {
    #[expect(
        clippy::expect_used,
        reason = "only alphabet characters are written into a token"
    )]
    String::from_utf8(bytes).expect("a CSRF token is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_positions_are_djangos() {
        for (i, c) in CSRF_ALLOWED_CHARS.bytes().enumerate() {
            let i = u8::try_from(i).unwrap();
            assert_eq!(index_of(c), i, "{}", c as char);
            assert_eq!(char_of(i), c, "{i}");
        }
        for v in 0..124u8 {
            assert_eq!(reduce(v), v % 62, "{v}");
        }
    }

    #[test]
    fn known_vector_from_django() {
        // Django 5.2: _unmask_cipher_token(mask + cipher) with this mask
        // and secret (worked by hand from its definition: each cipher
        // character is the secret's shifted by the mask's).
        let mask = "a".repeat(31) + "b";
        let secret = "A".repeat(31) + "9";
        // 'a' is 0, so the first 31 cipher characters are the secret's;
        // '9' is 61 and 'b' is 1: (61 + 1) mod 62 = 0 = 'a'.
        let token = format!("{mask}{}a", "A".repeat(31));
        assert_eq!(CsrfSecret::unmask(&token).unwrap().as_str(), secret);
    }

    #[test]
    fn mask_unmask_round_trip() {
        for _ in 0..200 {
            let secret = CsrfSecret::generate().unwrap();
            assert!(secret.as_str().bytes().all(|b| b.is_ascii_alphanumeric()));
            let a = secret.mask().unwrap();
            let b = secret.mask().unwrap();
            assert_ne!(a, b, "each token has its own mask");
            assert_eq!(CsrfSecret::unmask(&a).unwrap(), secret);
            assert_eq!(
                CsrfSecret::parse(&a).unwrap(),
                secret,
                "legacy masked cookie"
            );
            assert_eq!(CsrfSecret::parse(secret.as_str()).unwrap(), secret);
        }
    }

    #[test]
    fn generated_characters_are_spread_over_the_whole_alphabet() {
        let mut seen = [0u32; 62];
        for _ in 0..400 {
            for c in CsrfSecret::generate().unwrap().as_str().bytes() {
                seen[usize::from(index_of(c))] += 1;
            }
        }
        // 12800 draws, 206 expected per character: every one appears, and
        // none is wildly over- or under-represented.
        assert!(seen.iter().all(|n| (100..350).contains(n)), "{seen:?}");
    }

    #[test]
    fn format_errors_are_djangos() {
        let ok32 = "a".repeat(32);
        let ok64 = "Z9".repeat(32);
        assert_eq!(check_token_format(&ok32), Ok(()));
        assert_eq!(check_token_format(&ok64), Ok(()));
        for bad in [
            "",
            "a",
            &"a".repeat(31),
            &"a".repeat(33),
            &"a".repeat(63),
            &"a".repeat(65),
        ] {
            assert_eq!(
                check_token_format(bad),
                Err(TokenFormatError::IncorrectLength),
                "{bad}"
            );
        }
        // Length first, then characters; code points, not bytes.
        assert_eq!(
            check_token_format(&("é".repeat(2) + &"a".repeat(30))),
            Err(TokenFormatError::InvalidCharacters)
        );
        assert_eq!(
            check_token_format(&"-".repeat(33)),
            Err(TokenFormatError::IncorrectLength)
        );
        assert_eq!(
            check_token_format(&format!("{}_", "a".repeat(63))),
            Err(TokenFormatError::InvalidCharacters)
        );
        assert_eq!(
            TokenFormatError::IncorrectLength.reason(),
            "has incorrect length"
        );
        assert_eq!(
            TokenFormatError::InvalidCharacters.reason(),
            "has invalid characters"
        );
    }

    #[test]
    fn matching() {
        let secret = CsrfSecret::generate().unwrap();
        let other = CsrfSecret::generate().unwrap();
        assert_eq!(secret.matches(&secret.mask().unwrap()), Ok(true));
        assert_eq!(secret.matches(secret.as_str()), Ok(true));
        assert_eq!(secret.matches(&other.mask().unwrap()), Ok(false));
        assert_eq!(secret.matches(other.as_str()), Ok(false));
        assert_eq!(
            secret.matches("nope"),
            Err(TokenFormatError::IncorrectLength)
        );
        assert_ne!(secret, other);
    }

    #[test]
    fn debug_shows_no_secret() {
        let secret = CsrfSecret::generate().unwrap();
        let shown = format!("{secret:?}");
        assert_eq!(shown, "CsrfSecret(..)");
        assert!(!shown.contains(secret.as_str()));
    }
}

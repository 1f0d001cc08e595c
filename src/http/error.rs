//! The errors of the HTTP layer: a configuration that cannot be written
//! into a header, and a session that could not be sent.

use core::fmt;

use crate::error::EncodeError;

/// A [`CookieConfig`](super::CookieConfig) value that cannot go into a
/// `Set-Cookie` header.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The cookie name is empty or not an HTTP token.
    Name(String),
    /// A `Domain` or `Path` value contains `;`, a control character or a
    /// non-ASCII character.
    Attribute {
        /// `"Domain"` or `"Path"`.
        attribute: &'static str,
        /// The value given.
        value: String,
    },
    /// A `SameSite` string other than lax, strict or none.
    SameSite(String),
    /// The cookie name has a `__Host-` or `__Secure-` prefix whose rules
    /// the other settings break, so browsers would drop the cookie.
    Prefix {
        /// The cookie name.
        name: String,
        /// `"__Host-"` or `"__Secure-"`.
        prefix: &'static str,
        /// The rule that is broken.
        rule: &'static str,
    },
    /// `SameSite=None` without `Secure`: browsers drop such a cookie.
    SameSiteNoneWithoutSecure,
    /// `Partitioned` without `Secure`: browsers drop such a cookie.
    PartitionedWithoutSecure,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Name(name) => write!(
                f,
                "the cookie name \"{}\" is not an HTTP token (use letters, digits and !#$%&'*+-.^_`|~)",
                name.escape_debug()
            ),
            ConfigError::Attribute { attribute, value } => write!(
                f,
                "the cookie {attribute} \"{}\" contains a ';', a control or a non-ASCII character",
                value.escape_debug()
            ),
            ConfigError::SameSite(value) => write!(
                f,
                "SameSite must be \"Lax\", \"Strict\" or \"None\", not \"{}\"",
                value.escape_debug()
            ),
            ConfigError::Prefix { name, prefix, rule } => write!(
                f,
                "the cookie \"{}\" has the {prefix} prefix, so {rule}; browsers drop it otherwise",
                name.escape_debug()
            ),
            ConfigError::SameSiteNoneWithoutSecure => f.write_str(
                "SameSite=None needs Secure (with_secure(true)); browsers drop the cookie otherwise",
            ),
            ConfigError::PartitionedWithoutSecure => f.write_str(
                "Partitioned needs Secure (with_secure(true)); browsers drop the cookie otherwise",
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The session cookie would exceed the size budget, so it was not sent.
///
/// ```
/// use signed_session::http::CookieTooLarge;
///
/// let err = CookieTooLarge::new("sessionid", 5000, 4096);
/// assert_eq!(err.size(), 5000);
/// assert_eq!(err.excess(), 904);
/// assert!(err.to_string().contains("4096"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieTooLarge {
    name: String,
    size: usize,
    budget: usize,
}

impl CookieTooLarge {
    /// The error for the cookie `name` whose `Set-Cookie` header value
    /// would be `size` bytes, over `budget`.
    pub fn new(name: impl Into<String>, size: usize, budget: usize) -> Self {
        Self {
            name: name.into(),
            size,
            budget,
        }
    }

    /// The cookie name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size of the `Set-Cookie` header value that was not sent, in
    /// bytes. When the signed value itself was already over the codec's
    /// token limit ([`Limits::max_token_len`](crate::signing::Limits)), the
    /// header was never built and this is a lower bound.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The configured budget.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// How many bytes too many.
    pub fn excess(&self) -> usize {
        self.size.saturating_sub(self.budget)
    }
}

impl fmt::Display for CookieTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the session cookie \"{}\" would be {} bytes, over the budget of {} bytes, \
             and a browser would drop it; store less in the session",
            self.name.escape_debug(),
            self.size,
            self.budget
        )
    }
}

impl std::error::Error for CookieTooLarge {}

/// Why the session could not be sent back with a response.
///
/// The middleware sends no `Set-Cookie` for the session in that case and
/// applies the [`OversizePolicy`](super::OversizePolicy); the tower layer
/// also logs it and stores it in the response's extensions.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SaveError {
    /// The cookie would be over the size budget.
    TooLarge(CookieTooLarge),
    /// The session data has no JSON form.
    Encode(EncodeError),
}

/// The kind of a [`SaveError`], without details, for matching and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SaveErrorKind {
    /// [`SaveError::TooLarge`].
    TooLarge,
    /// [`SaveError::Encode`].
    Encode,
}

impl SaveError {
    /// The kind of error.
    pub fn kind(&self) -> SaveErrorKind {
        match self {
            SaveError::TooLarge(_) => SaveErrorKind::TooLarge,
            SaveError::Encode(_) => SaveErrorKind::Encode,
        }
    }

    /// The size details when the cookie was too large.
    pub fn too_large(&self) -> Option<&CookieTooLarge> {
        match self {
            SaveError::TooLarge(e) => Some(e),
            SaveError::Encode(_) => None,
        }
    }
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The reason is the source, so a chain printer shows it once.
        match self {
            SaveError::TooLarge(_) => f.write_str("session not saved: the cookie is over budget"),
            SaveError::Encode(_) => f.write_str("session not saved: it cannot be encoded"),
        }
    }
}

impl std::error::Error for SaveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SaveError::TooLarge(e) => Some(e),
            SaveError::Encode(e) => Some(e),
        }
    }
}

impl From<CookieTooLarge> for SaveError {
    fn from(e: CookieTooLarge) -> Self {
        SaveError::TooLarge(e)
    }
}

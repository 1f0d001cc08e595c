//! The error of the session's mapping API.

use core::fmt;

/// A key was not in the session: what Django raises as `KeyError` from
/// `del session[key]` and `delete_test_cookie()`.
///
/// ```
/// use signed_session::session::Session;
///
/// let mut session = Session::new();
/// let err = session.delete("user_id").unwrap_err();
/// assert_eq!(err.key(), "user_id");
/// assert_eq!(err.to_string(), "no \"user_id\" in the session");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyError {
    key: String,
}

impl KeyError {
    pub(crate) fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
        }
    }

    /// The key that was missing.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no \"{}\" in the session", self.key.escape_debug())
    }
}

impl std::error::Error for KeyError {}

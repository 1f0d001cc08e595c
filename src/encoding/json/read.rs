//! Python-compatible JSON reader (to be implemented).
use crate::value::Value;

/// How deeply arrays and objects may nest before the reader gives up.
pub const DEFAULT_MAX_DEPTH: usize = 128;

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// What went wrong.
    pub kind: JsonErrorKind,
    /// Byte offset in the input where it was noticed.
    pub offset: usize,
}

/// The kinds of [`JsonError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input is not JSON.
    Syntax,
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?} at byte {}", self.kind, self.offset)
    }
}
impl std::error::Error for JsonError {}

/// Parses `bytes` (read as latin-1) as Python's `json.loads` would.
pub fn from_slice(bytes: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    let _ = (bytes, max_depth);
    todo!()
}

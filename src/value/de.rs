//! A [`Value`] into any `serde::Deserialize` type (to be implemented).
use super::Value;

/// Converts a [`Value`] into any deserializable type.
pub fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, crate::value::ValueError> {
    let _ = value;
    todo!()
}

//! Any `serde::Serialize` type into a [`Value`] (to be implemented).
use super::Value;

/// Converts any serializable value into a [`Value`].
pub fn to_value<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, crate::value::ValueError> {
    let _ = value;
    todo!()
}

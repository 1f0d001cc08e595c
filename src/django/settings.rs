//! Settings named after Django's, with Django's defaults, and a loader
//! from environment variables of the same names, so a Rust service can
//! share its configuration with the Django site it lives beside.
//!
//! Django's settings are Python values; in the environment they are text.
//! The loader reads them as follows (the README's "Living beside Django"
//! lists the same rules):
//!
//! - booleans: `True`/`False` (Python's spelling), `true`/`false`, `1`/`0`;
//! - integers: decimal, optionally signed;
//! - `None` (an optional string such as `SESSION_COOKIE_DOMAIN`): the
//!   variable unset, empty, or `None`;
//! - lists (`SECRET_KEY_FALLBACKS`, `CSRF_TRUSTED_ORIGINS`): a JSON array
//!   of strings (`["a", "b"]`), or items separated by commas;
//! - anything else: the text as it is.
//!
//! A value that cannot be read is a [`SettingsError`] naming the variable,
//! never a silent default.

use core::fmt;

/// A setting that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    name: String,
    reason: String,
}

impl SettingsError {
    /// The setting `name` is not usable, because of `reason`.
    pub fn new(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// The setting's name, e.g. `SESSION_COOKIE_AGE`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Why it is not usable.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "setting {}: {}", self.name, self.reason)
    }
}

impl std::error::Error for SettingsError {}

/// Where the loader reads settings from: a function from a setting's
/// name to its text, `None` when it is not set. [`env`] reads the
/// process environment; tests pass a map.
pub trait Lookup {
    /// The text of setting `name`, if set.
    fn get(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// The process environment as a [`Lookup`]. A variable that is not valid
/// Unicode reads as set but unusable, so it is reported, not ignored.
pub fn env() -> impl Lookup {
    |name: &str| match std::env::var(name) {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => Some("\u{fffd}".to_owned()),
    }
}

/// A boolean setting: `default` when unset.
pub fn read_bool(lookup: &dyn Lookup, name: &str, default: bool) -> Result<bool, SettingsError> {
    let Some(text) = lookup.get(name) else {
        return Ok(default);
    };
    match text.trim() {
        "True" | "true" | "1" => Ok(true),
        "False" | "false" | "0" => Ok(false),
        other => Err(SettingsError::new(
            name,
            format!("{other:?} is not a boolean (True, False, true, false, 1 or 0)"),
        )),
    }
}

/// An integer setting: `default` when unset.
pub fn read_i64(lookup: &dyn Lookup, name: &str, default: i64) -> Result<i64, SettingsError> {
    let Some(text) = lookup.get(name) else {
        return Ok(default);
    };
    text.trim()
        .parse::<i64>()
        .map_err(|_| SettingsError::new(name, format!("{text:?} is not an integer")))
}

/// A string setting: `default` when unset.
pub fn read_string(lookup: &dyn Lookup, name: &str, default: &str) -> String {
    lookup.get(name).unwrap_or_else(|| default.to_owned())
}

/// An optional string setting (Django's `None` by default): unset, empty
/// or `None` is `None`.
pub fn read_optional(lookup: &dyn Lookup, name: &str) -> Option<String> {
    lookup
        .get(name)
        .filter(|text| !text.is_empty() && text != "None")
}

/// A list of strings: empty when unset. A JSON array of strings, or items
/// separated by commas (each trimmed; empty items dropped).
pub fn read_list(lookup: &dyn Lookup, name: &str) -> Result<Vec<String>, SettingsError> {
    let Some(text) = lookup.get(name) else {
        return Ok(Vec::new());
    };
    let trimmed = text.trim();
    if trimmed.starts_with('[') {
        let value = python_json::from_slice(trimmed.as_bytes(), python_json::DEFAULT_MAX_DEPTH)
            .map_err(|e| SettingsError::new(name, format!("not a JSON array of strings: {e}")))?;
        let python_json::Value::Array(items) = value else {
            return Err(SettingsError::new(name, "not a JSON array of strings"));
        };
        return items
            .into_iter()
            .map(|item| match item {
                python_json::Value::String(s) => Ok(s),
                _ => Err(SettingsError::new(name, "a list item is not a string")),
            })
            .collect();
    }
    Ok(trimmed
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn map(pairs: &[(&str, &str)]) -> impl Lookup {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn values_are_read_as_documented() {
        let lookup = map(&[
            ("B1", "True"),
            ("B0", "0"),
            ("BAD", "yes"),
            ("N", " -42 "),
            ("NONE", "None"),
            ("EMPTY", ""),
            ("JSON", r#"["https://a.example", "https://b.example"]"#),
            ("CSV", "https://a.example, ,https://b.example"),
            ("JSON_BAD", "[1]"),
        ]);
        assert_eq!(read_bool(&lookup, "B1", false), Ok(true));
        assert_eq!(read_bool(&lookup, "B0", true), Ok(false));
        assert_eq!(read_bool(&lookup, "UNSET", true), Ok(true));
        assert_eq!(
            read_bool(&lookup, "BAD", true).map_err(|e| e.name().to_owned()),
            Err("BAD".to_owned())
        );
        assert_eq!(read_i64(&lookup, "N", 0), Ok(-42));
        assert!(read_i64(&lookup, "B1", 0).is_err());
        assert_eq!(read_optional(&lookup, "NONE"), None);
        assert_eq!(read_optional(&lookup, "EMPTY"), None);
        assert_eq!(read_optional(&lookup, "N").as_deref(), Some(" -42 "));
        let both = vec![
            "https://a.example".to_owned(),
            "https://b.example".to_owned(),
        ];
        assert_eq!(read_list(&lookup, "JSON"), Ok(both.clone()));
        assert_eq!(read_list(&lookup, "CSV"), Ok(both));
        assert_eq!(read_list(&lookup, "UNSET"), Ok(Vec::new()));
        assert!(read_list(&lookup, "JSON_BAD").is_err());
    }
}

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

use time::Duration;

use super::auth::{AuthConfig, MODEL_BACKEND};
use super::csrf::CsrfConfig;
use crate::http::{ConfigError, CookieConfig, SameSite};
use crate::session::SessionConfig;
use crate::signing::{Keyring, Secret};

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
/// name to its text, `None` when it is not set. [`env()`] reads the
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

/// A `SameSite` setting (`SESSION_COOKIE_SAMESITE`, `CSRF_COOKIE_SAMESITE`):
/// `default` when unset; `Lax`, `Strict` or `None` (the string, which
/// writes `SameSite=None`) in any case; `False` or empty leaves the
/// attribute out (Python's `False` or `None`).
pub(crate) fn read_same_site(
    lookup: &dyn Lookup,
    name: &str,
    default: Option<SameSite>,
) -> Result<Option<SameSite>, SettingsError> {
    let Some(text) = lookup.get(name) else {
        return Ok(default);
    };
    match text.trim() {
        "" | "False" => Ok(None),
        trimmed => trimmed.parse::<SameSite>().map(Some).map_err(|_| {
            SettingsError::new(
                name,
                format!("{text:?} is not Lax, Strict, None (the string) or False (no attribute)"),
            )
        }),
    }
}

/// The attributes of one of Django's cookies from the settings named
/// `{prefix}NAME`, `{prefix}DOMAIN`, `{prefix}SECURE`, `{prefix}HTTPONLY`
/// and `{prefix}SAMESITE` (`prefix` is `SESSION_COOKIE_` or
/// `CSRF_COOKIE_`), over `defaults`: an unset setting keeps the default's
/// value, but for `{prefix}DOMAIN`, whose default is Django's `None`. The
/// path, age and anything else are the caller's, as Django's cookies read
/// them differently.
pub(crate) fn read_cookie(
    lookup: &dyn Lookup,
    prefix: &str,
    defaults: CookieConfig,
) -> Result<CookieConfig, SettingsError> {
    let setting = |attribute: &str| format!("{prefix}{attribute}");
    let name = read_string(lookup, &setting("NAME"), defaults.name());
    let secure = read_bool(lookup, &setting("SECURE"), defaults.secure())?;
    let http_only = read_bool(lookup, &setting("HTTPONLY"), defaults.http_only())?;
    let same_site = read_same_site(lookup, &setting("SAMESITE"), defaults.same_site())?;
    Ok(defaults
        .with_name(name)
        .with_domain(read_optional(lookup, &setting("DOMAIN")))
        .with_secure(secure)
        .with_http_only(http_only)
        .with_same_site(same_site))
}

/// Django's default `SESSION_COOKIE_AGE`, in seconds: two weeks.
pub const DEFAULT_SESSION_COOKIE_AGE: i64 = 1_209_600;

/// The settings a Rust service shares with the Django site it lives
/// beside, named as Django names them, with Django's defaults. Build one
/// from the environment ([`from_env`](Self::from_env)) or a map
/// ([`from_lookup`](Self::from_lookup)), or by hand from a secret and the
/// `with_*` builders; then make the crate's values from it:
/// [`keyring`](Self::keyring), [`session_config`](Self::session_config),
/// [`cookie_config`](Self::cookie_config),
/// [`auth_config`](Self::auth_config) and [`csrf`](Self::csrf).
///
/// | method | Django setting | default |
/// |---|---|---|
/// | [`new`](Self::new) | `SECRET_KEY` | none: required (Django refuses to start without one) |
/// | [`with_secret_key_fallbacks`](Self::with_secret_key_fallbacks) | `SECRET_KEY_FALLBACKS` | `[]` |
/// | [`with_session_cookie_name`](Self::with_session_cookie_name) | `SESSION_COOKIE_NAME` | `"sessionid"` |
/// | [`with_session_cookie_age`](Self::with_session_cookie_age) | `SESSION_COOKIE_AGE` | 1209600 s (two weeks) |
/// | [`with_session_cookie_domain`](Self::with_session_cookie_domain) | `SESSION_COOKIE_DOMAIN` | `None` (host-only cookie) |
/// | [`with_session_cookie_path`](Self::with_session_cookie_path) | `SESSION_COOKIE_PATH` | `Some("/")` |
/// | [`with_session_cookie_secure`](Self::with_session_cookie_secure) | `SESSION_COOKIE_SECURE` | `false` (**risky**: turn it on over HTTPS) |
/// | [`with_session_cookie_httponly`](Self::with_session_cookie_httponly) | `SESSION_COOKIE_HTTPONLY` | `true` |
/// | [`with_session_cookie_samesite`](Self::with_session_cookie_samesite) | `SESSION_COOKIE_SAMESITE` | `Some(SameSite::Lax)` |
/// | [`with_session_save_every_request`](Self::with_session_save_every_request) | `SESSION_SAVE_EVERY_REQUEST` | `false` |
/// | [`with_session_expire_at_browser_close`](Self::with_session_expire_at_browser_close) | `SESSION_EXPIRE_AT_BROWSER_CLOSE` | `false` |
/// | [`with_use_tz`](Self::with_use_tz) | `USE_TZ` | `true` |
/// | [`with_authentication_backends`](Self::with_authentication_backends) | `AUTHENTICATION_BACKENDS` | `["django.contrib.auth.backends.ModelBackend"]` |
/// | [`with_csrf`](Self::with_csrf) | `CSRF_*` (see [`CsrfConfig`]) | [`CsrfConfig::new()`] |
///
/// The values made from it keep the crate's own defaults for what Django
/// has no setting for (the size budget, re-signing a fallback key's
/// cookie, enforcing a session's own expiry...): change those on the
/// values made.
///
/// ```
/// use std::collections::HashMap;
/// use signed_session::django::settings::DjangoSettings;
///
/// let env = HashMap::from([
///     ("SECRET_KEY", "the Django site's secret key"),
///     ("SECRET_KEY_FALLBACKS", r#"["the previous secret key"]"#),
///     ("SESSION_COOKIE_SECURE", "True"),
///     ("SESSION_COOKIE_SAMESITE", "Strict"),
/// ]);
/// let settings = DjangoSettings::from_lookup(&|name: &str| env.get(name).map(|v| v.to_string()))?;
/// assert_eq!(settings.keyring().len(), 2);
/// let cookie = settings.cookie_config();
/// assert!(cookie.secure());
/// assert_eq!(cookie.name(), "sessionid");
/// # Ok::<(), signed_session::django::settings::SettingsError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DjangoSettings {
    secret_key: Secret,
    secret_key_fallbacks: Vec<Secret>,
    /// The `SESSION_COOKIE_*` settings but the age, and
    /// `SESSION_SAVE_EVERY_REQUEST`.
    cookie: CookieConfig,
    /// `SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE` and `USE_TZ`.
    session: SessionConfig,
    authentication_backends: Vec<String>,
    /// Its `SESSION_COOKIE_DOMAIN` is always the cookie's domain.
    csrf: CsrfConfig,
}

impl DjangoSettings {
    /// Django's defaults, with `secret_key` as `SECRET_KEY`.
    pub fn new(secret_key: Secret) -> Self {
        Self {
            secret_key,
            secret_key_fallbacks: Vec::new(),
            // The crate's defaults are Django's.
            cookie: CookieConfig::new(),
            session: SessionConfig::new(),
            authentication_backends: vec![MODEL_BACKEND.to_owned()],
            csrf: CsrfConfig::new(),
        }
    }

    /// The settings from the process environment, one variable per
    /// setting, read as [`from_lookup`](Self::from_lookup) says.
    ///
    /// # Errors
    /// As [`from_lookup`](Self::from_lookup).
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(&env())
    }

    /// The settings from `lookup`, with the module's reading rules and
    /// Django's defaults for what is not set. Beyond those rules:
    ///
    /// - `SECRET_KEY` must be set and not empty, and no item of
    ///   `SECRET_KEY_FALLBACKS` may be empty;
    /// - `SESSION_COOKIE_PATH`: unset is `/`; empty or `None` leaves the
    ///   `Path` attribute out;
    /// - `SESSION_COOKIE_SAMESITE`: `Lax`, `Strict` or `None` (the string,
    ///   which writes `SameSite=None`), in any case; `False` or empty
    ///   leaves the attribute out (Python's `False` or `None`);
    /// - `AUTHENTICATION_BACKENDS`: unset is the default; set, it must
    ///   list at least one backend;
    /// - the `CSRF_*` settings as [`CsrfConfig::from_lookup`] reads them;
    /// - the session cookie must be one browsers keep
    ///   ([`CookieConfig::validate`]).
    ///
    /// # Errors
    /// A [`SettingsError`] naming the first setting that cannot be used.
    pub fn from_lookup(lookup: &dyn Lookup) -> Result<Self, SettingsError> {
        let secret_key = match lookup.get("SECRET_KEY") {
            None => {
                return Err(SettingsError::new(
                    "SECRET_KEY",
                    "not set (Django refuses to start without one)",
                ));
            }
            Some(text) => Secret::new(text)
                .map_err(|_| SettingsError::new("SECRET_KEY", "must not be empty"))?,
        };
        let secret_key_fallbacks = read_list(lookup, "SECRET_KEY_FALLBACKS")?
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                Secret::new(text).map_err(|_| {
                    SettingsError::new("SECRET_KEY_FALLBACKS", format!("item {} is empty", i + 1))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let session_cookie_path = match lookup.get("SESSION_COOKIE_PATH") {
            None => Some("/".to_owned()),
            Some(text) if text.is_empty() || text == "None" => None,
            Some(text) => Some(text),
        };
        let cookie = read_cookie(lookup, "SESSION_COOKIE_", CookieConfig::new())?
            .with_path(session_cookie_path)
            .with_save_every_request(read_bool(lookup, "SESSION_SAVE_EVERY_REQUEST", false)?);
        let authentication_backends = match lookup.get("AUTHENTICATION_BACKENDS") {
            None => vec![MODEL_BACKEND.to_owned()],
            Some(_) => {
                let backends = read_list(lookup, "AUTHENTICATION_BACKENDS")?;
                if backends.is_empty() {
                    return Err(SettingsError::new(
                        "AUTHENTICATION_BACKENDS",
                        "no backend is listed, so no session could ever be logged in",
                    ));
                }
                backends
            }
        };
        let settings = Self::new(secret_key)
            .with_secret_key_fallbacks(secret_key_fallbacks)
            .with_session_cookie_age(Duration::seconds(read_i64(
                lookup,
                "SESSION_COOKIE_AGE",
                DEFAULT_SESSION_COOKIE_AGE,
            )?))
            .with_session_expire_at_browser_close(read_bool(
                lookup,
                "SESSION_EXPIRE_AT_BROWSER_CLOSE",
                false,
            )?)
            .with_use_tz(read_bool(lookup, "USE_TZ", true)?)
            .with_authentication_backends(authentication_backends)
            .with_csrf(CsrfConfig::from_lookup(lookup)?)
            .with_cookie(cookie);
        settings
            .cookie_config()
            .validate()
            .map_err(|e| SettingsError::new(cookie_setting(&e), e.to_string()))?;
        Ok(settings)
    }

    /// `SECRET_KEY_FALLBACKS`: older secrets that still verify cookies and
    /// session auth hashes, tried in order. Default none.
    #[must_use]
    pub fn with_secret_key_fallbacks(mut self, fallbacks: Vec<Secret>) -> Self {
        self.secret_key_fallbacks = fallbacks;
        self
    }

    /// `SESSION_COOKIE_NAME`. Default `"sessionid"`.
    #[must_use]
    pub fn with_session_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie = self.cookie.with_name(name);
        self
    }

    /// `SESSION_COOKIE_AGE`: the cookie's lifetime and the oldest session
    /// accepted. Default two weeks. Whole seconds: a fraction is dropped.
    #[must_use]
    pub fn with_session_cookie_age(mut self, age: Duration) -> Self {
        self.session = self.session.with_cookie_age(age);
        self
    }

    /// `SESSION_COOKIE_DOMAIN`, e.g. `".example.com"` to share the cookie
    /// with subdomains. Default `None`: a host-only cookie. The CSRF
    /// settings read it too (with `CSRF_USE_SESSIONS`), and are kept in
    /// step.
    #[must_use]
    pub fn with_session_cookie_domain(self, domain: Option<String>) -> Self {
        let cookie = self.cookie.clone().with_domain(domain);
        self.with_cookie(cookie)
    }

    /// The session cookie's settings, its domain kept in step in the CSRF
    /// settings.
    fn with_cookie(mut self, cookie: CookieConfig) -> Self {
        self.csrf = self
            .csrf
            .with_session_cookie_domain(cookie.domain().map(str::to_owned));
        self.cookie = cookie;
        self
    }

    /// `SESSION_COOKIE_PATH`; `None` leaves the `Path` attribute out.
    /// Default `Some("/")`.
    #[must_use]
    pub fn with_session_cookie_path(mut self, path: Option<String>) -> Self {
        self.cookie = self.cookie.with_path(path);
        self
    }

    /// `SESSION_COOKIE_SECURE`. Default `false`, as in Django, which is
    /// risky: turn it on for any site served over HTTPS.
    #[must_use]
    pub fn with_session_cookie_secure(mut self, secure: bool) -> Self {
        self.cookie = self.cookie.with_secure(secure);
        self
    }

    /// `SESSION_COOKIE_HTTPONLY`. Default `true`.
    #[must_use]
    pub fn with_session_cookie_httponly(mut self, http_only: bool) -> Self {
        self.cookie = self.cookie.with_http_only(http_only);
        self
    }

    /// `SESSION_COOKIE_SAMESITE`; `None` leaves the attribute out (Django's
    /// `False` or `None`). Default `Some(SameSite::Lax)`.
    #[must_use]
    pub fn with_session_cookie_samesite(mut self, same_site: Option<SameSite>) -> Self {
        self.cookie = self.cookie.with_same_site(same_site);
        self
    }

    /// `SESSION_SAVE_EVERY_REQUEST`. Default `false`.
    #[must_use]
    pub fn with_session_save_every_request(mut self, yes: bool) -> Self {
        self.cookie = self.cookie.with_save_every_request(yes);
        self
    }

    /// `SESSION_EXPIRE_AT_BROWSER_CLOSE`. Default `false`.
    #[must_use]
    pub fn with_session_expire_at_browser_close(mut self, yes: bool) -> Self {
        self.session = self.session.with_expire_at_browser_close(yes);
        self
    }

    /// `USE_TZ`: whether session expiry dates are written with an offset.
    /// Default `true`.
    #[must_use]
    pub fn with_use_tz(mut self, yes: bool) -> Self {
        self.session = self.session.with_use_tz(yes);
        self
    }

    /// `AUTHENTICATION_BACKENDS`: the backends whose logins are accepted.
    /// Default `["django.contrib.auth.backends.ModelBackend"]`.
    #[must_use]
    pub fn with_authentication_backends(mut self, backends: Vec<String>) -> Self {
        self.authentication_backends = backends;
        self
    }

    /// The CSRF settings. Default [`CsrfConfig::new()`]. Their
    /// `SESSION_COOKIE_DOMAIN` is replaced by this value's.
    #[must_use]
    pub fn with_csrf(mut self, csrf: CsrfConfig) -> Self {
        self.csrf = csrf.with_session_cookie_domain(self.cookie.domain().map(str::to_owned));
        self
    }

    /// `SECRET_KEY` (see [`new`](Self::new)).
    pub fn secret_key(&self) -> &Secret {
        &self.secret_key
    }

    /// See [`with_secret_key_fallbacks`](Self::with_secret_key_fallbacks).
    pub fn secret_key_fallbacks(&self) -> &[Secret] {
        &self.secret_key_fallbacks
    }

    /// See [`with_session_cookie_name`](Self::with_session_cookie_name).
    pub fn session_cookie_name(&self) -> &str {
        self.cookie.name()
    }

    /// See [`with_session_cookie_age`](Self::with_session_cookie_age).
    pub fn session_cookie_age(&self) -> Duration {
        self.session.cookie_age()
    }

    /// See [`with_session_cookie_domain`](Self::with_session_cookie_domain).
    pub fn session_cookie_domain(&self) -> Option<&str> {
        self.cookie.domain()
    }

    /// See [`with_session_cookie_path`](Self::with_session_cookie_path).
    pub fn session_cookie_path(&self) -> Option<&str> {
        self.cookie.path()
    }

    /// See [`with_session_cookie_secure`](Self::with_session_cookie_secure).
    pub fn session_cookie_secure(&self) -> bool {
        self.cookie.secure()
    }

    /// See [`with_session_cookie_httponly`](Self::with_session_cookie_httponly).
    pub fn session_cookie_httponly(&self) -> bool {
        self.cookie.http_only()
    }

    /// See [`with_session_cookie_samesite`](Self::with_session_cookie_samesite).
    pub fn session_cookie_samesite(&self) -> Option<SameSite> {
        self.cookie.same_site()
    }

    /// See [`with_session_save_every_request`](Self::with_session_save_every_request).
    pub fn session_save_every_request(&self) -> bool {
        self.cookie.save_every_request()
    }

    /// See [`with_session_expire_at_browser_close`](Self::with_session_expire_at_browser_close).
    pub fn session_expire_at_browser_close(&self) -> bool {
        self.session.expire_at_browser_close()
    }

    /// See [`with_use_tz`](Self::with_use_tz).
    pub fn use_tz(&self) -> bool {
        self.session.use_tz()
    }

    /// See [`with_authentication_backends`](Self::with_authentication_backends).
    pub fn authentication_backends(&self) -> &[String] {
        &self.authentication_backends
    }

    /// See [`with_csrf`](Self::with_csrf).
    pub fn csrf(&self) -> &CsrfConfig {
        &self.csrf
    }

    /// `SECRET_KEY` and `SECRET_KEY_FALLBACKS` as a [`Keyring`], in
    /// Django's order.
    pub fn keyring(&self) -> Keyring {
        self.secret_key_fallbacks
            .iter()
            .fold(Keyring::new(self.secret_key.clone()), |ring, fallback| {
                ring.with_fallback(fallback.clone())
            })
    }

    /// `SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE` and `USE_TZ`
    /// as a [`SessionConfig`]; everything else is [`SessionConfig::new`]'s.
    pub fn session_config(&self) -> SessionConfig {
        self.session.clone()
    }

    /// The `SESSION_COOKIE_*` settings and `SESSION_SAVE_EVERY_REQUEST` as
    /// a [`CookieConfig`]; everything else is [`CookieConfig::new`]'s.
    pub fn cookie_config(&self) -> CookieConfig {
        self.cookie.clone()
    }

    /// `AUTHENTICATION_BACKENDS` as an [`AuthConfig`], with Django's
    /// default integer primary key (change it with
    /// [`AuthConfig::with_user_id_kind`]).
    pub fn auth_config(&self) -> AuthConfig {
        AuthConfig::new().with_backends(self.authentication_backends.iter().cloned())
    }
}

/// The setting behind a refused session cookie configuration.
fn cookie_setting(error: &ConfigError) -> &'static str {
    match error {
        ConfigError::Name(_) | ConfigError::Prefix { .. } => "SESSION_COOKIE_NAME",
        ConfigError::SameSite(_) | ConfigError::SameSiteNoneWithoutSecure => {
            "SESSION_COOKIE_SAMESITE"
        }
        ConfigError::Attribute {
            attribute: "Domain",
            ..
        } => "SESSION_COOKIE_DOMAIN",
        ConfigError::Attribute { .. } => "SESSION_COOKIE_PATH",
        _ => "SESSION_COOKIE_SECURE",
    }
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

    fn settings(pairs: &[(&str, &str)]) -> Result<DjangoSettings, SettingsError> {
        let mut all = vec![("SECRET_KEY", "a secret key")];
        all.extend_from_slice(pairs);
        DjangoSettings::from_lookup(&map(&all))
    }

    fn refused(pairs: &[(&str, &str)]) -> String {
        match settings(pairs) {
            Ok(s) => panic!("{pairs:?} was accepted: {s:?}"),
            Err(e) => e.name().to_owned(),
        }
    }

    #[test]
    fn django_settings_defaults_are_djangos() {
        let s = settings(&[]).unwrap();
        assert!(s.secret_key_fallbacks().is_empty());
        assert_eq!(s.session_cookie_name(), "sessionid");
        assert_eq!(s.session_cookie_age(), Duration::seconds(1_209_600));
        assert_eq!(s.session_cookie_domain(), None);
        assert_eq!(s.session_cookie_path(), Some("/"));
        assert!(!s.session_cookie_secure());
        assert!(s.session_cookie_httponly());
        assert_eq!(s.session_cookie_samesite(), Some(SameSite::Lax));
        assert!(!s.session_save_every_request());
        assert!(!s.session_expire_at_browser_close());
        assert!(s.use_tz());
        assert_eq!(
            s.authentication_backends(),
            ["django.contrib.auth.backends.ModelBackend"]
        );
        assert_eq!(s.csrf().cookie_name(), "csrftoken");
        // The values made from it are the crate's defaults, which are Django's.
        assert_eq!(s.cookie_config(), CookieConfig::new());
        let session = s.session_config();
        assert_eq!(session.cookie_age(), SessionConfig::new().cookie_age());
        assert!(!session.expire_at_browser_close() && session.use_tz());
        assert_eq!(s.auth_config(), AuthConfig::new());
        assert_eq!(s.keyring().len(), 1);
        // Built by hand, the same.
        let by_hand = DjangoSettings::new(Secret::new("a secret key").unwrap());
        assert_eq!(by_hand.cookie_config(), s.cookie_config());
    }

    #[test]
    fn django_settings_are_read() {
        // __Host- refuses the Domain: the error names the setting.
        assert_eq!(
            settings(&[
                ("SESSION_COOKIE_NAME", "__Host-sid"),
                ("SESSION_COOKIE_SECURE", "True"),
                ("SESSION_COOKIE_DOMAIN", ".example.com"),
            ])
            .unwrap_err()
            .name(),
            "SESSION_COOKIE_NAME"
        );
        let s = settings(&[
            ("SECRET_KEY_FALLBACKS", r#"["old", "older"]"#),
            ("SESSION_COOKIE_NAME", "sid"),
            ("SESSION_COOKIE_AGE", "3600"),
            ("SESSION_COOKIE_DOMAIN", ".example.com"),
            ("SESSION_COOKIE_PATH", "None"),
            ("SESSION_COOKIE_SECURE", "True"),
            ("SESSION_COOKIE_HTTPONLY", "False"),
            ("SESSION_COOKIE_SAMESITE", "none"),
            ("SESSION_SAVE_EVERY_REQUEST", "1"),
            ("SESSION_EXPIRE_AT_BROWSER_CLOSE", "true"),
            ("USE_TZ", "False"),
            ("AUTHENTICATION_BACKENDS", "a.One, b.Two"),
            ("CSRF_COOKIE_NAME", "xsrf"),
        ])
        .unwrap();
        assert_eq!(s.keyring().len(), 3);
        let cookie = s.cookie_config();
        assert_eq!(cookie.name(), "sid");
        assert_eq!(cookie.domain(), Some(".example.com"));
        assert_eq!(cookie.path(), None);
        assert!(cookie.secure() && !cookie.http_only() && cookie.save_every_request());
        assert_eq!(cookie.same_site(), Some(SameSite::None));
        let session = s.session_config();
        assert_eq!(session.cookie_age(), Duration::hours(1));
        assert!(session.expire_at_browser_close() && !session.use_tz());
        assert_eq!(s.auth_config().backends(), ["a.One", "b.Two"]);
        assert_eq!(s.csrf().cookie_name(), "xsrf");
        assert_eq!(s.csrf().session_cookie_domain(), Some(".example.com"));

        for (text, want) in [
            ("Lax", Some(SameSite::Lax)),
            ("STRICT", Some(SameSite::Strict)),
            ("None", Some(SameSite::None)),
            ("False", None),
            ("", None),
        ] {
            let s = settings(&[
                ("SESSION_COOKIE_SAMESITE", text),
                ("SESSION_COOKIE_SECURE", "True"),
            ])
            .unwrap();
            assert_eq!(s.session_cookie_samesite(), want, "{text:?}");
        }
        assert_eq!(
            settings(&[("SESSION_COOKIE_PATH", "")])
                .unwrap()
                .session_cookie_path(),
            None
        );
        assert_eq!(
            settings(&[("SESSION_COOKIE_PATH", "/app")])
                .unwrap()
                .session_cookie_path(),
            Some("/app")
        );
    }

    #[test]
    fn every_bad_setting_is_named() {
        let unset = DjangoSettings::from_lookup(&map(&[])).unwrap_err();
        assert_eq!(unset.name(), "SECRET_KEY");
        assert!(
            unset.to_string().starts_with("setting SECRET_KEY: "),
            "{unset}"
        );
        assert_eq!(
            DjangoSettings::from_lookup(&map(&[("SECRET_KEY", "")]))
                .unwrap_err()
                .name(),
            "SECRET_KEY"
        );
        for (pairs, name) in [
            (
                &[("SECRET_KEY_FALLBACKS", r#"["old", ""]"#)][..],
                "SECRET_KEY_FALLBACKS",
            ),
            (&[("SECRET_KEY_FALLBACKS", "[1]")], "SECRET_KEY_FALLBACKS"),
            (&[("SESSION_COOKIE_AGE", "two weeks")], "SESSION_COOKIE_AGE"),
            (&[("SESSION_COOKIE_SECURE", "yes")], "SESSION_COOKIE_SECURE"),
            (
                &[("SESSION_COOKIE_HTTPONLY", "no")],
                "SESSION_COOKIE_HTTPONLY",
            ),
            (
                &[("SESSION_COOKIE_SAMESITE", "sometimes")],
                "SESSION_COOKIE_SAMESITE",
            ),
            (
                &[("SESSION_COOKIE_SAMESITE", "None")],
                "SESSION_COOKIE_SAMESITE",
            ),
            (
                &[("SESSION_SAVE_EVERY_REQUEST", "maybe")],
                "SESSION_SAVE_EVERY_REQUEST",
            ),
            (
                &[("SESSION_EXPIRE_AT_BROWSER_CLOSE", "2")],
                "SESSION_EXPIRE_AT_BROWSER_CLOSE",
            ),
            (&[("USE_TZ", "UTC")], "USE_TZ"),
            (
                &[("AUTHENTICATION_BACKENDS", "[]")],
                "AUTHENTICATION_BACKENDS",
            ),
            (
                &[("AUTHENTICATION_BACKENDS", " , ")],
                "AUTHENTICATION_BACKENDS",
            ),
            (
                &[("AUTHENTICATION_BACKENDS", "[1]")],
                "AUTHENTICATION_BACKENDS",
            ),
            (
                &[("SESSION_COOKIE_NAME", "my session")],
                "SESSION_COOKIE_NAME",
            ),
            (
                &[("SESSION_COOKIE_NAME", "__Secure-sid")],
                "SESSION_COOKIE_NAME",
            ),
            (&[("SESSION_COOKIE_DOMAIN", "a;b")], "SESSION_COOKIE_DOMAIN"),
            (&[("SESSION_COOKIE_PATH", "/\n")], "SESSION_COOKIE_PATH"),
            (&[("CSRF_COOKIE_SECURE", "sure")], "CSRF_COOKIE_SECURE"),
        ] {
            assert_eq!(refused(pairs), name, "{pairs:?}");
        }
    }

    #[test]
    fn the_session_cookie_domain_is_one_value() {
        let s = DjangoSettings::new(Secret::new("k").unwrap())
            .with_csrf(CsrfConfig::new().with_session_cookie_domain(Some("csrf.example".into())))
            .with_session_cookie_domain(Some(".example.com".into()));
        assert_eq!(s.csrf().session_cookie_domain(), Some(".example.com"));
        let s = s.with_csrf(CsrfConfig::new());
        assert_eq!(s.csrf().session_cookie_domain(), Some(".example.com"));
        assert_eq!(s.cookie_config().domain(), Some(".example.com"));
    }

    #[test]
    fn debug_shows_no_secret() {
        let s = settings(&[("SECRET_KEY_FALLBACKS", "hunter2-old")]).unwrap();
        let text = format!("{s:?}");
        assert!(
            !text.contains("a secret key") && !text.contains("hunter2"),
            "{text}"
        );
    }
}

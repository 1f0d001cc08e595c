//! [`CookieConfig`]: Django's `SESSION_COOKIE_*` settings, plus the cookie
//! size budget and the two opt-in extras of this crate.

use core::fmt;
use core::str::FromStr;

use super::error::ConfigError;

/// Django's `SESSION_COOKIE_NAME` default.
pub const DEFAULT_COOKIE_NAME: &str = "sessionid";

/// The size a browser is guaranteed to keep for one cookie (RFC 6265 §6.1
/// asks for "at least 4096 bytes per cookie"); larger ones are dropped
/// without a word, which silently loses the session.
pub const DEFAULT_SIZE_BUDGET: usize = 4096;

/// The `SameSite` attribute (Django's `SESSION_COOKIE_SAMESITE`).
///
/// Django accepts the strings `"Lax"`, `"Strict"` and `"None"` in any case,
/// and Python's `None` (or `False`) for "no attribute", which is
/// `Option::<SameSite>::None` here.
///
/// ```
/// use signed_session::http::SameSite;
///
/// assert_eq!("strict".parse::<SameSite>(), Ok(SameSite::Strict));
/// assert_eq!(SameSite::None.as_str(), "None");
/// assert!("sometimes".parse::<SameSite>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Lax`, Django's default: sent on top-level navigations
    /// from other sites, not on their sub-requests.
    Lax,
    /// `SameSite=Strict`: never sent on requests started by another site.
    Strict,
    /// `SameSite=None`: sent everywhere. Browsers require `Secure` with it;
    /// Django's deletion cookie adds `Secure` for it by itself.
    None,
}

impl SameSite {
    /// The attribute value as Django writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SameSite {
    type Err = ConfigError;

    /// Case-insensitive, as Django's `set_cookie` checks it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("lax") {
            Ok(SameSite::Lax)
        } else if s.eq_ignore_ascii_case("strict") {
            Ok(SameSite::Strict)
        } else if s.eq_ignore_ascii_case("none") {
            Ok(SameSite::None)
        } else {
            Err(ConfigError::SameSite(s.to_owned()))
        }
    }
}

/// What to do when the session cookie would be larger than the
/// [size budget](CookieConfig::with_size_budget).
///
/// In both cases no oversized cookie is sent (the browser would drop it and
/// the user would silently lose the session), the error is logged through
/// `tracing` by the tower layer, and a [`SaveError`](super::SaveError) is
/// put in the response's extensions for the application's own middleware.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OversizePolicy {
    /// Replace the response with an empty `500 Internal Server Error`
    /// (the default). The request visibly fails, so nobody believes a
    /// change was stored when it was not.
    #[default]
    Fail,
    /// Send the handler's response as is, without a session cookie: the
    /// browser keeps the cookie it already has (or none), so this request's
    /// session changes are lost but earlier state survives.
    KeepPrevious,
}

/// The cookie settings of the session middleware, with Django's names and
/// defaults. The session's own settings (`SESSION_COOKIE_AGE`,
/// `SESSION_EXPIRE_AT_BROWSER_CLOSE`, the salt, the clock…) are a
/// [`SessionConfig`](crate::SessionConfig), given beside it to
/// [`SessionMiddleware::new`](super::SessionMiddleware::new).
///
/// | method | Django setting | default |
/// |---|---|---|
/// | [`with_name`](Self::with_name) | `SESSION_COOKIE_NAME` | `"sessionid"` |
/// | [`with_domain`](Self::with_domain) | `SESSION_COOKIE_DOMAIN` | none (host-only cookie) |
/// | [`with_path`](Self::with_path) | `SESSION_COOKIE_PATH` | `Some("/")` |
/// | [`with_secure`](Self::with_secure) | `SESSION_COOKIE_SECURE` | `false` |
/// | [`with_http_only`](Self::with_http_only) | `SESSION_COOKIE_HTTPONLY` | `true` |
/// | [`with_same_site`](Self::with_same_site) | `SESSION_COOKIE_SAMESITE` | `Some(SameSite::Lax)` |
/// | [`with_save_every_request`](Self::with_save_every_request) | `SESSION_SAVE_EVERY_REQUEST` | `false` |
/// | [`with_size_budget`](Self::with_size_budget) | none (ours) | `4096` bytes |
/// | [`with_oversize_policy`](Self::with_oversize_policy) | none (ours) | [`OversizePolicy::Fail`] |
/// | [`with_cache_control_private`](Self::with_cache_control_private) | none (ours) | `false` |
/// | [`with_partitioned`](Self::with_partitioned) | none (Django has no `Partitioned`) | `false` |
/// | [`with_refresh_interval`](Self::with_refresh_interval) | none (ours) | none: every request, as Django |
/// | [`with_resign_fallback`](Self::with_resign_fallback) | none (ours) | `true` |
///
/// `secure` is off by default only because it is off in Django: turn it on
/// for any site served over HTTPS, or the cookie also travels in clear text.
///
/// ```
/// use signed_session::http::{CookieConfig, SameSite};
///
/// let config = CookieConfig::new()
///     .with_name("sid")
///     .with_secure(true)
///     .with_same_site(Some(SameSite::Strict));
/// assert_eq!(config.name(), "sid");
/// assert_eq!(config.path(), Some("/"));
/// assert!(config.http_only());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieConfig {
    name: String,
    domain: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    save_every_request: bool,
    size_budget: usize,
    oversize_policy: OversizePolicy,
    cache_control_private: bool,
    partitioned: bool,
    /// Whole seconds; `None` re-signs on every request.
    refresh_interval: Option<i64>,
    resign_fallback: bool,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            name: DEFAULT_COOKIE_NAME.to_owned(),
            domain: None,
            path: Some("/".to_owned()),
            secure: false,
            http_only: true,
            same_site: Some(SameSite::Lax),
            save_every_request: false,
            size_budget: DEFAULT_SIZE_BUDGET,
            oversize_policy: OversizePolicy::Fail,
            cache_control_private: false,
            partitioned: false,
            refresh_interval: None,
            resign_fallback: true,
        }
    }
}

impl CookieConfig {
    /// Django's defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// `SESSION_COOKIE_NAME`. Default `"sessionid"`. It must be an HTTP
    /// token (letters, digits and ``!#$%&'*+-.^_`|~``), which
    /// [`validate`](Self::validate) checks.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// `SESSION_COOKIE_DOMAIN`: the `Domain` attribute, e.g.
    /// `".example.com"` to share the cookie with subdomains. Default none:
    /// the cookie goes back only to the host that set it.
    #[must_use]
    pub fn with_domain(mut self, domain: Option<String>) -> Self {
        self.domain = domain;
        self
    }

    /// `SESSION_COOKIE_PATH`: the `Path` attribute; `None` leaves it out
    /// (as Django does for `None`). Default `Some("/")`.
    #[must_use]
    pub fn with_path(mut self, path: Option<String>) -> Self {
        self.path = path;
        self
    }

    /// `SESSION_COOKIE_SECURE`: the `Secure` attribute (HTTPS only).
    /// Default `false`, as in Django; turn it on in production.
    #[must_use]
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// `SESSION_COOKIE_HTTPONLY`: the `HttpOnly` attribute (hidden from
    /// page scripts). Default `true`.
    #[must_use]
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// `SESSION_COOKIE_SAMESITE`: the `SameSite` attribute, or `None` to
    /// leave it out. Default `Some(SameSite::Lax)`.
    #[must_use]
    pub fn with_same_site(mut self, same_site: Option<SameSite>) -> Self {
        self.same_site = same_site;
        self
    }

    /// `SESSION_SAVE_EVERY_REQUEST`: re-sign and re-send the cookie on every
    /// response (a sliding expiry), not only when the session changed.
    /// Default `false`.
    #[must_use]
    pub fn with_save_every_request(mut self, yes: bool) -> Self {
        self.save_every_request = yes;
        self
    }

    /// The largest `Set-Cookie` header value, in bytes, that will be sent
    /// for the session: name, value and every attribute, as the browser
    /// receives it. Default `4096`, the size every browser keeps. A larger
    /// session is not sent; what happens instead is the
    /// [oversize policy](Self::with_oversize_policy).
    ///
    /// Raising it above 4096 lets through cookies some browsers drop.
    #[must_use]
    pub fn with_size_budget(mut self, bytes: usize) -> Self {
        self.size_budget = bytes;
        self
    }

    /// What to do with a response whose session cookie is over the
    /// [budget](Self::with_size_budget). Default [`OversizePolicy::Fail`].
    #[must_use]
    pub fn with_oversize_policy(mut self, policy: OversizePolicy) -> Self {
        self.oversize_policy = policy;
        self
    }

    /// Add `Cache-Control: private` to every response that sets or deletes
    /// the session cookie. Default `false`, because Django does not do it.
    ///
    /// Recommended when a shared cache (a CDN or a reverse proxy) sits in
    /// front of the application: `Vary: Cookie` alone does not stop every
    /// cache from storing a response carrying one user's `Set-Cookie` and
    /// serving it to others. Any `public` directive is removed.
    #[must_use]
    pub fn with_cache_control_private(mut self, yes: bool) -> Self {
        self.cache_control_private = yes;
        self
    }

    /// The `Partitioned` attribute (CHIPS): in a third-party context the
    /// browser keeps a separate cookie per top-level site, so an embedded
    /// application keeps its session without a cross-site tracking cookie.
    /// It requires `Secure` ([`validate`](Self::validate) refuses it
    /// otherwise), and the deletion cookie carries it too, since only a
    /// partitioned cookie replaces a partitioned one. Default `false`;
    /// Django has no such setting, so a Django site sharing the cookie
    /// must add the attribute itself.
    #[must_use]
    pub fn with_partitioned(mut self, yes: bool) -> Self {
        self.partitioned = yes;
        self
    }

    /// Throttles [`save_every_request`](Self::with_save_every_request): an
    /// unmodified session is re-signed only when its cookie is older than
    /// `interval`, so most responses carry no `Set-Cookie`. A modified
    /// session is always saved. Without `save_every_request` it has no
    /// effect. Default: none (re-sign on every request, as Django).
    ///
    /// The idle timeout then lies between the cookie age minus `interval`
    /// and the cookie age: keep `interval` a small part of the cookie age.
    /// Whole seconds: a fraction is dropped.
    #[must_use]
    pub fn with_refresh_interval(mut self, interval: Option<time::Duration>) -> Self {
        self.refresh_interval = interval.map(|d| d.whole_seconds());
        self
    }

    /// Whether a session whose cookie a fallback key verified is re-signed
    /// with the current key on that response, even if unmodified, so that
    /// users move off an old key as they come back. Default `true`; Django
    /// does not re-sign (`false` gives its exact headers).
    #[must_use]
    pub fn with_resign_fallback(mut self, yes: bool) -> Self {
        self.resign_fallback = yes;
        self
    }

    /// See [`with_partitioned`](Self::with_partitioned).
    pub fn partitioned(&self) -> bool {
        self.partitioned
    }

    /// See [`with_refresh_interval`](Self::with_refresh_interval).
    pub fn refresh_interval(&self) -> Option<time::Duration> {
        self.refresh_interval.map(time::Duration::seconds)
    }

    /// See [`with_resign_fallback`](Self::with_resign_fallback).
    pub fn resign_fallback(&self) -> bool {
        self.resign_fallback
    }

    /// See [`with_name`](Self::with_name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// See [`with_domain`](Self::with_domain).
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// See [`with_path`](Self::with_path).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// See [`with_secure`](Self::with_secure).
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// See [`with_http_only`](Self::with_http_only).
    pub fn http_only(&self) -> bool {
        self.http_only
    }

    /// See [`with_same_site`](Self::with_same_site).
    pub fn same_site(&self) -> Option<SameSite> {
        self.same_site
    }

    /// See [`with_save_every_request`](Self::with_save_every_request).
    pub fn save_every_request(&self) -> bool {
        self.save_every_request
    }

    /// See [`with_size_budget`](Self::with_size_budget).
    pub fn size_budget(&self) -> usize {
        self.size_budget
    }

    /// See [`with_oversize_policy`](Self::with_oversize_policy).
    pub fn oversize_policy(&self) -> OversizePolicy {
        self.oversize_policy
    }

    /// See [`with_cache_control_private`](Self::with_cache_control_private).
    pub fn cache_control_private(&self) -> bool {
        self.cache_control_private
    }

    /// Checks that the name, domain and path can be written into a
    /// `Set-Cookie` header, and that a browser will keep the cookie at all.
    /// The middleware calls it when it is built.
    ///
    /// Browsers silently drop a cookie that breaks its name prefix's rules
    /// or sends `SameSite=None` without `Secure`; the user would then be
    /// logged out on every request without an error anywhere. Django does
    /// not check these; this crate refuses such a configuration:
    ///
    /// * a name starting with `__Host-` needs `Secure`, `Path=/` and no
    ///   `Domain`;
    /// * a name starting with `__Secure-` needs `Secure`;
    /// * `SameSite=None` needs `Secure`;
    /// * `Partitioned` needs `Secure`.
    ///
    /// Prefixes are matched without regard to case, as current browsers do.
    ///
    /// # Errors
    /// [`ConfigError::Name`] when the name is empty or not an HTTP token,
    /// [`ConfigError::Attribute`] when the domain or path contains a `;`, a
    /// control character or a non-ASCII character,
    /// [`ConfigError::Prefix`] and [`ConfigError::SameSiteNoneWithoutSecure`]
    /// for the rules above.
    ///
    /// ```
    /// use signed_session::http::{CookieConfig, SameSite};
    ///
    /// assert!(CookieConfig::new().validate().is_ok());
    /// assert!(CookieConfig::new().with_name("my session").validate().is_err());
    /// assert!(CookieConfig::new().with_path(Some("/; Secure".into())).validate().is_err());
    /// assert!(CookieConfig::new().with_name("__Host-sid").validate().is_err());
    /// assert!(CookieConfig::new().with_name("__Host-sid").with_secure(true).validate().is_ok());
    /// assert!(CookieConfig::new().with_same_site(Some(SameSite::None)).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.is_empty() || !self.name.bytes().all(is_token_byte) {
            return Err(ConfigError::Name(self.name.clone()));
        }
        for (attribute, value) in [("Domain", &self.domain), ("Path", &self.path)] {
            if let Some(value) = value
                && !value.bytes().all(is_attribute_byte)
            {
                return Err(ConfigError::Attribute {
                    attribute,
                    value: value.clone(),
                });
            }
        }
        let has_prefix = |prefix: &str| {
            self.name
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        let prefix_error = |prefix: &'static str, rule: &'static str| {
            Err(ConfigError::Prefix {
                name: self.name.clone(),
                prefix,
                rule,
            })
        };
        if has_prefix("__Host-") {
            if !self.secure {
                return prefix_error("__Host-", "it must be Secure");
            }
            if self.domain.is_some() {
                return prefix_error("__Host-", "it must not have a Domain");
            }
            if self.path.as_deref() != Some("/") {
                return prefix_error("__Host-", "its Path must be \"/\"");
            }
        }
        if has_prefix("__Secure-") && !self.secure {
            return prefix_error("__Secure-", "it must be Secure");
        }
        if self.same_site == Some(SameSite::None) && !self.secure {
            return Err(ConfigError::SameSiteNoneWithoutSecure);
        }
        if self.partitioned && !self.secure {
            return Err(ConfigError::PartitionedWithoutSecure);
        }
        Ok(())
    }
}

/// RFC 9110 `tchar`: what a cookie name may be made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6265 `av-octet` (any CHAR except CTLs or `;`), limited to ASCII so
/// the header stays valid.
fn is_attribute_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b';'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_djangos() {
        let c = CookieConfig::new();
        assert_eq!(c.name(), "sessionid");
        assert_eq!(c.domain(), None);
        assert_eq!(c.path(), Some("/"));
        assert!(!c.secure());
        assert!(c.http_only());
        assert_eq!(c.same_site(), Some(SameSite::Lax));
        assert!(!c.save_every_request());
        assert_eq!(c.size_budget(), 4096);
        assert_eq!(c.oversize_policy(), OversizePolicy::Fail);
        assert!(!c.cache_control_private());
    }

    #[test]
    fn validation() {
        for bad in ["", "a b", "a;b", "a=b", "é", "a\"b"] {
            assert!(
                matches!(
                    CookieConfig::new().with_name(bad).validate(),
                    Err(ConfigError::Name(_))
                ),
                "name {bad:?}"
            );
        }
        for good in ["sessionid", "__Host-sid", "a.b_c-d"] {
            assert!(
                CookieConfig::new()
                    .with_name(good)
                    .with_secure(true)
                    .validate()
                    .is_ok(),
                "{good}"
            );
        }
        for bad in ["a;b", "a\nb", "\u{7f}", "ü"] {
            assert!(
                CookieConfig::new()
                    .with_domain(Some(bad.into()))
                    .validate()
                    .is_err(),
                "domain {bad:?}"
            );
            assert!(
                CookieConfig::new()
                    .with_path(Some(bad.into()))
                    .validate()
                    .is_err(),
                "path {bad:?}"
            );
        }
    }

    /// Issue 11, item 11: cookies a browser would drop are refused when the
    /// configuration is built, not discovered as silent logouts.
    #[test]
    fn item11_prefix_and_same_site_rules_are_enforced() {
        let secure = || CookieConfig::new().with_secure(true);
        let refused = [
            (
                "__Host- without Secure",
                CookieConfig::new().with_name("__Host-sid"),
            ),
            (
                "__Host- with a Domain",
                secure()
                    .with_name("__Host-sid")
                    .with_domain(Some("example.com".into())),
            ),
            (
                "__Host- with Path=/app",
                secure()
                    .with_name("__Host-sid")
                    .with_path(Some("/app".into())),
            ),
            (
                "__Host- without a Path",
                secure().with_name("__host-sid").with_path(None),
            ),
            (
                "__Secure- without Secure",
                CookieConfig::new().with_name("__SECURE-sid"),
            ),
            (
                "SameSite=None without Secure",
                CookieConfig::new().with_same_site(Some(SameSite::None)),
            ),
        ];
        for (what, config) in refused {
            let err = config.validate().unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Prefix { .. } | ConfigError::SameSiteNoneWithoutSecure
                ),
                "{what}: {err:?}"
            );
        }
        for config in [
            secure().with_name("__Host-sid"),
            secure()
                .with_name("__Secure-sid")
                .with_domain(Some("example.com".into())),
            secure().with_same_site(Some(SameSite::None)),
        ] {
            assert_eq!(config.validate(), Ok(()), "{config:?}");
        }
    }

    #[test]
    fn same_site_parsing() {
        for (text, want) in [
            ("Lax", SameSite::Lax),
            ("LAX", SameSite::Lax),
            ("strict", SameSite::Strict),
            ("None", SameSite::None),
            ("nOnE", SameSite::None),
        ] {
            assert_eq!(text.parse::<SameSite>(), Ok(want), "{text}");
        }
        assert_eq!(
            "".parse::<SameSite>(),
            Err(ConfigError::SameSite(String::new()))
        );
    }
}

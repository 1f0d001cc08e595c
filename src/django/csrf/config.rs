//! [`CsrfConfig`]: Django's `CSRF_*` settings and the few others the
//! CSRF checks read, with Django's defaults.

use core::fmt;
use std::sync::Arc;

use ::http::HeaderName;
use time::Duration;

use super::url::urlsplit;
use crate::clock::{Clock, SharedClock, default_clock};
use crate::django::settings::{
    Lookup, SettingsError, read_bool, read_cookie, read_i64, read_list, read_optional, read_string,
};
use crate::http::{ConfigError, CookieConfig, SameSite};

/// Django's `CSRF_COOKIE_NAME` default.
pub const DEFAULT_CSRF_COOKIE_NAME: &str = "csrftoken";

/// Django's `CSRF_COOKIE_AGE` default: 52 weeks, in seconds.
pub const DEFAULT_CSRF_COOKIE_AGE: i64 = 60 * 60 * 24 * 7 * 52;

/// Django's `CSRF_HEADER_NAME` default, in `request.META` spelling (the
/// `X-CSRFToken` header).
pub const DEFAULT_CSRF_HEADER_NAME: &str = "HTTP_X_CSRFTOKEN";

/// Django's `DATA_UPLOAD_MAX_MEMORY_SIZE` default: 2.5 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 2_621_440;

/// Django's `DATA_UPLOAD_MAX_NUMBER_FIELDS` default.
pub const DEFAULT_MAX_FORM_FIELDS: usize = 1000;

/// A header named in Django's settings, which name headers by their
/// `request.META` key (`HTTP_X_CSRFTOKEN`); the header spelling
/// (`X-CSRFToken`) is accepted too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderSetting {
    /// As given.
    given: String,
    /// The `request.META` key, as Django's `to_wsgi_name` makes it.
    meta: String,
}

impl HeaderSetting {
    fn new(given: &str) -> Self {
        let meta = if given.starts_with("HTTP_") {
            given.to_owned()
        } else {
            format!("HTTP_{}", given.replace('-', "_").to_ascii_uppercase())
        };
        Self {
            given: given.to_owned(),
            meta,
        }
    }

    /// The header carrying it: the `META` key without `HTTP_`, with `-`
    /// for `_` (what a WSGI server reverses).
    pub(crate) fn header_name(&self) -> Result<HeaderName, ()> {
        let bare = self.meta.get("HTTP_".len()..).unwrap_or("");
        HeaderName::from_bytes(bare.replace('_', "-").as_bytes()).map_err(|_| ())
    }

    /// Django's `HttpHeaders.parse_header_name` of the `META` key, as the
    /// reason strings name the header (`X-Csrftoken`).
    pub(crate) fn display_name(&self) -> String {
        let bare = self.meta.get("HTTP_".len()..).unwrap_or("");
        super::url::python_title(&bare.replace('_', "-"))
    }
}

/// The CSRF settings, named after Django's, with Django's defaults.
///
/// | method | Django setting | default |
/// |---|---|---|
/// | [`with_cookie_name`](Self::with_cookie_name) | `CSRF_COOKIE_NAME` | `"csrftoken"` |
/// | [`with_cookie_age`](Self::with_cookie_age) | `CSRF_COOKIE_AGE` | 31449600 s (52 weeks); `None` = a browser-session cookie |
/// | [`with_cookie_domain`](Self::with_cookie_domain) | `CSRF_COOKIE_DOMAIN` | none (host-only) |
/// | [`with_cookie_path`](Self::with_cookie_path) | `CSRF_COOKIE_PATH` | `"/"` |
/// | [`with_cookie_secure`](Self::with_cookie_secure) | `CSRF_COOKIE_SECURE` | `false` (**risky**: turn on over HTTPS) |
/// | [`with_cookie_http_only`](Self::with_cookie_http_only) | `CSRF_COOKIE_HTTPONLY` | `false` |
/// | [`with_cookie_same_site`](Self::with_cookie_same_site) | `CSRF_COOKIE_SAMESITE` | `Some(SameSite::Lax)` |
/// | [`with_header_name`](Self::with_header_name) | `CSRF_HEADER_NAME` | `"HTTP_X_CSRFTOKEN"` (the `X-CSRFToken` header) |
/// | [`with_trusted_origins`](Self::with_trusted_origins) | `CSRF_TRUSTED_ORIGINS` | none |
/// | [`with_use_sessions`](Self::with_use_sessions) | `CSRF_USE_SESSIONS` | `false` |
/// | [`with_session_cookie_domain`](Self::with_session_cookie_domain) | `SESSION_COOKIE_DOMAIN` | none |
/// | [`with_secure_proxy_ssl_header`](Self::with_secure_proxy_ssl_header) | `SECURE_PROXY_SSL_HEADER` | none |
/// | [`with_https`](Self::with_https) | the WSGI server's `url_scheme` | `false` |
/// | [`with_use_x_forwarded_host`](Self::with_use_x_forwarded_host) | `USE_X_FORWARDED_HOST` | `false` |
/// | [`with_use_x_forwarded_port`](Self::with_use_x_forwarded_port) | `USE_X_FORWARDED_PORT` | `false` |
/// | [`with_allowed_hosts`](Self::with_allowed_hosts) | `ALLOWED_HOSTS` | `["*"]` (Django: `[]`) |
/// | [`with_max_body_size`](Self::with_max_body_size) | `DATA_UPLOAD_MAX_MEMORY_SIZE` | 2621440 bytes |
/// | [`with_max_form_fields`](Self::with_max_form_fields) | `DATA_UPLOAD_MAX_NUMBER_FIELDS` | `Some(1000)` |
/// | [`with_clock`](Self::with_clock) | (the cookie's `expires`) | the system clock |
///
/// The safe methods, never checked, are Django's: `GET`, `HEAD`,
/// `OPTIONS` and `TRACE` ([`is_safe_method`](super::is_safe_method)).
///
/// ```
/// use signed_session::django::csrf::CsrfConfig;
///
/// let config = CsrfConfig::new()
///     .with_cookie_secure(true)
///     .with_trusted_origins(vec!["https://*.example.com".into()])
///     .with_secure_proxy_ssl_header(Some(("HTTP_X_FORWARDED_PROTO".into(), "https".into())));
/// assert_eq!(config.cookie_name(), "csrftoken");
/// assert_eq!(config.header_name(), "HTTP_X_CSRFTOKEN");
/// assert!(config.validate().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct CsrfConfig {
    /// Name, domain, path, Secure, HttpOnly and SameSite of the cookie.
    cookie: CookieConfig,
    cookie_age: Option<i64>,
    header: HeaderSetting,
    trusted_origins: Vec<String>,
    use_sessions: bool,
    session_cookie_domain: Option<String>,
    proxy_ssl_header: Option<(HeaderSetting, String)>,
    https: bool,
    use_x_forwarded_host: bool,
    use_x_forwarded_port: bool,
    allowed_hosts: Vec<String>,
    max_body_size: usize,
    max_form_fields: Option<usize>,
    clock: SharedClock,
}

impl Default for CsrfConfig {
    fn default() -> Self {
        Self {
            cookie: CookieConfig::new()
                .with_name(DEFAULT_CSRF_COOKIE_NAME)
                .with_http_only(false),
            cookie_age: Some(DEFAULT_CSRF_COOKIE_AGE),
            header: HeaderSetting::new(DEFAULT_CSRF_HEADER_NAME),
            trusted_origins: Vec::new(),
            use_sessions: false,
            session_cookie_domain: None,
            proxy_ssl_header: None,
            https: false,
            use_x_forwarded_host: false,
            use_x_forwarded_port: false,
            allowed_hosts: vec!["*".to_owned()],
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            max_form_fields: Some(DEFAULT_MAX_FORM_FIELDS),
            clock: default_clock(),
        }
    }
}

impl CsrfConfig {
    /// Django's defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// `CSRF_COOKIE_NAME`. Default `"csrftoken"`.
    #[must_use]
    pub fn with_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie = self.cookie.with_name(name);
        self
    }

    /// `CSRF_COOKIE_AGE`: the cookie's `Max-Age` (and `expires`), whole
    /// seconds; `None` makes a browser-session cookie. Default 52 weeks.
    #[must_use]
    pub fn with_cookie_age(mut self, age: Option<Duration>) -> Self {
        self.cookie_age = age.map(|d| d.whole_seconds());
        self
    }

    /// `CSRF_COOKIE_DOMAIN`: the `Domain` attribute, e.g. `".example.com"`
    /// for a cookie shared with subdomains. It also widens the `Referer`
    /// check to that domain. Default none.
    #[must_use]
    pub fn with_cookie_domain(mut self, domain: Option<String>) -> Self {
        self.cookie = self.cookie.with_domain(domain);
        self
    }

    /// `CSRF_COOKIE_PATH`: the `Path` attribute; `None` leaves it out.
    /// Default `Some("/")`.
    #[must_use]
    pub fn with_cookie_path(mut self, path: Option<String>) -> Self {
        self.cookie = self.cookie.with_path(path);
        self
    }

    /// `CSRF_COOKIE_SECURE`: the `Secure` attribute. Default `false`, as
    /// in Django; turn it on for a site served over HTTPS.
    #[must_use]
    pub fn with_cookie_secure(mut self, secure: bool) -> Self {
        self.cookie = self.cookie.with_secure(secure);
        self
    }

    /// `CSRF_COOKIE_HTTPONLY`: the `HttpOnly` attribute. Default `false`
    /// (page scripts read the cookie to send `X-CSRFToken`).
    #[must_use]
    pub fn with_cookie_http_only(mut self, http_only: bool) -> Self {
        self.cookie = self.cookie.with_http_only(http_only);
        self
    }

    /// `CSRF_COOKIE_SAMESITE`: the `SameSite` attribute, `None` to leave
    /// it out. Default `Some(SameSite::Lax)`.
    #[must_use]
    pub fn with_cookie_same_site(mut self, same_site: Option<SameSite>) -> Self {
        self.cookie = self.cookie.with_same_site(same_site);
        self
    }

    /// `CSRF_HEADER_NAME`: the header a script sends the token in, named
    /// as Django names it, by its `request.META` key
    /// (`"HTTP_X_CSRFTOKEN"`), or as the header itself (`"X-CSRFToken"`).
    /// Default `"HTTP_X_CSRFTOKEN"`.
    #[must_use]
    pub fn with_header_name(mut self, name: impl AsRef<str>) -> Self {
        self.header = HeaderSetting::new(name.as_ref());
        self
    }

    /// `CSRF_TRUSTED_ORIGINS`: origins, with their scheme, whose unsafe
    /// requests are accepted besides the site's own:
    /// `"https://app.example.com"`, or `"https://*.example.com"` for every
    /// subdomain. Also the hosts a secure request's `Referer` may name.
    /// Default none. [`validate`](Self::validate) requires a scheme
    /// (`://`, as Django's system check does) and ASCII (the punycode
    /// form of a domain, which is what browsers send).
    #[must_use]
    pub fn with_trusted_origins(mut self, origins: Vec<String>) -> Self {
        self.trusted_origins = origins;
        self
    }

    /// `CSRF_USE_SESSIONS`: keep the secret in the session, under
    /// `_csrftoken`, instead of a cookie. The session layer must then be
    /// outside the CSRF layer. Default `false`.
    #[must_use]
    pub fn with_use_sessions(mut self, yes: bool) -> Self {
        self.use_sessions = yes;
        self
    }

    /// `SESSION_COOKIE_DOMAIN`, which replaces `CSRF_COOKIE_DOMAIN` in the
    /// `Referer` check when [`use_sessions`](Self::with_use_sessions) is
    /// on. Default none.
    #[must_use]
    pub fn with_session_cookie_domain(mut self, domain: Option<String>) -> Self {
        self.session_cookie_domain = domain;
        self
    }

    /// `SECURE_PROXY_SSL_HEADER`: `(header, value)`; a request whose
    /// header's first comma-separated item is `value` is HTTPS, and any
    /// other value of it makes it HTTP. The header is named as Django
    /// names it (`"HTTP_X_FORWARDED_PROTO"`) or as the header itself
    /// (`"X-Forwarded-Proto"`). Only set it behind a proxy that always
    /// sets or strips that header. Default none.
    #[must_use]
    pub fn with_secure_proxy_ssl_header(mut self, header: Option<(String, String)>) -> Self {
        self.proxy_ssl_header = header.map(|(name, value)| (HeaderSetting::new(&name), value));
        self
    }

    /// Whether a request is HTTPS when nothing else tells: when its URI
    /// has no scheme (HTTP/1.1) and [`SECURE_PROXY_SSL_HEADER`](Self::with_secure_proxy_ssl_header)
    /// is not set or its header is absent. Turn it on when this server
    /// itself terminates TLS (Django reads this from the WSGI server's
    /// `wsgi.url_scheme`). Default `false`.
    #[must_use]
    pub fn with_https(mut self, yes: bool) -> Self {
        self.https = yes;
        self
    }

    /// `USE_X_FORWARDED_HOST`: take the host from `X-Forwarded-Host`
    /// rather than `Host`. Default `false`.
    #[must_use]
    pub fn with_use_x_forwarded_host(mut self, yes: bool) -> Self {
        self.use_x_forwarded_host = yes;
        self
    }

    /// `USE_X_FORWARDED_PORT`: take the server port from
    /// `X-Forwarded-Port`. Default `false`.
    #[must_use]
    pub fn with_use_x_forwarded_port(mut self, yes: bool) -> Self {
        self.use_x_forwarded_port = yes;
        self
    }

    /// `ALLOWED_HOSTS`: the hosts Django's `request.get_host()` accepts,
    /// which the `Origin` and `Referer` checks compare against (`"*"`
    /// any, `".example.com"` a domain and its subdomains, anything else
    /// exactly). A host must also be well formed. Default `["*"]`, where
    /// Django's is `[]` (no host at all when `DEBUG` is off): here the
    /// host check belongs to the application, and the CSRF checks only
    /// need the host the browser addressed.
    #[must_use]
    pub fn with_allowed_hosts(mut self, hosts: Vec<String>) -> Self {
        self.allowed_hosts = hosts;
        self
    }

    /// `DATA_UPLOAD_MAX_MEMORY_SIZE`: the largest form body, in bytes, the
    /// layer reads to find the `csrfmiddlewaretoken` field. A larger one
    /// is refused with `413 Payload Too Large` (Django answers `400`), the
    /// whole body counting, multipart uploads included. Default 2.5 MiB.
    #[must_use]
    pub fn with_max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// `DATA_UPLOAD_MAX_NUMBER_FIELDS`: a form with more fields is refused
    /// with `400 Bad Request`, as Django does; `None` for no limit.
    /// Default `Some(1000)`.
    #[must_use]
    pub fn with_max_form_fields(mut self, fields: Option<usize>) -> Self {
        self.max_form_fields = fields;
        self
    }

    /// Where the time for the cookie's `expires` comes from. Default the
    /// system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// See [`with_cookie_name`](Self::with_cookie_name).
    pub fn cookie_name(&self) -> &str {
        self.cookie.name()
    }

    /// See [`with_cookie_age`](Self::with_cookie_age).
    pub fn cookie_age(&self) -> Option<Duration> {
        self.cookie_age.map(Duration::seconds)
    }

    /// See [`with_cookie_domain`](Self::with_cookie_domain).
    pub fn cookie_domain(&self) -> Option<&str> {
        self.cookie.domain()
    }

    /// See [`with_cookie_path`](Self::with_cookie_path).
    pub fn cookie_path(&self) -> Option<&str> {
        self.cookie.path()
    }

    /// See [`with_cookie_secure`](Self::with_cookie_secure).
    pub fn cookie_secure(&self) -> bool {
        self.cookie.secure()
    }

    /// See [`with_cookie_http_only`](Self::with_cookie_http_only).
    pub fn cookie_http_only(&self) -> bool {
        self.cookie.http_only()
    }

    /// See [`with_cookie_same_site`](Self::with_cookie_same_site).
    pub fn cookie_same_site(&self) -> Option<SameSite> {
        self.cookie.same_site()
    }

    /// See [`with_header_name`](Self::with_header_name): the name as
    /// given.
    pub fn header_name(&self) -> &str {
        &self.header.given
    }

    /// See [`with_trusted_origins`](Self::with_trusted_origins).
    pub fn trusted_origins(&self) -> &[String] {
        &self.trusted_origins
    }

    /// See [`with_use_sessions`](Self::with_use_sessions).
    pub fn use_sessions(&self) -> bool {
        self.use_sessions
    }

    /// See [`with_session_cookie_domain`](Self::with_session_cookie_domain).
    pub fn session_cookie_domain(&self) -> Option<&str> {
        self.session_cookie_domain.as_deref()
    }

    /// See [`with_secure_proxy_ssl_header`](Self::with_secure_proxy_ssl_header):
    /// the header as given and the value.
    pub fn secure_proxy_ssl_header(&self) -> Option<(&str, &str)> {
        self.proxy_ssl_header
            .as_ref()
            .map(|(header, value)| (header.given.as_str(), value.as_str()))
    }

    /// See [`with_https`](Self::with_https).
    pub fn https(&self) -> bool {
        self.https
    }

    /// See [`with_use_x_forwarded_host`](Self::with_use_x_forwarded_host).
    pub fn use_x_forwarded_host(&self) -> bool {
        self.use_x_forwarded_host
    }

    /// See [`with_use_x_forwarded_port`](Self::with_use_x_forwarded_port).
    pub fn use_x_forwarded_port(&self) -> bool {
        self.use_x_forwarded_port
    }

    /// See [`with_allowed_hosts`](Self::with_allowed_hosts).
    pub fn allowed_hosts(&self) -> &[String] {
        &self.allowed_hosts
    }

    /// See [`with_max_body_size`](Self::with_max_body_size).
    pub fn max_body_size(&self) -> usize {
        self.max_body_size
    }

    /// See [`with_max_form_fields`](Self::with_max_form_fields).
    pub fn max_form_fields(&self) -> Option<usize> {
        self.max_form_fields
    }

    pub(crate) fn header(&self) -> &HeaderSetting {
        &self.header
    }

    pub(crate) fn proxy_ssl_header(&self) -> Option<&(HeaderSetting, String)> {
        self.proxy_ssl_header.as_ref()
    }

    pub(crate) fn cookie(&self) -> &CookieConfig {
        &self.cookie
    }

    pub(crate) fn now_unix(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    /// Checks that the cookie can be written and kept by browsers (the
    /// rules of [`CookieConfig::validate`]: a `__Host-` name needs
    /// `Secure`, `SameSite=None` needs `Secure`…), that the header names
    /// are header names, and that every trusted origin has a scheme and
    /// parses. [`CsrfLayer::new`](super::CsrfLayer::new) calls it.
    ///
    /// # Errors
    /// A [`CsrfConfigError`] naming the setting.
    pub fn validate(&self) -> Result<(), CsrfConfigError> {
        self.cookie.validate().map_err(CsrfConfigError::Cookie)?;
        if self.header.header_name().is_err() {
            return Err(CsrfConfigError::HeaderName(self.header.given.clone()));
        }
        if let Some((header, _)) = &self.proxy_ssl_header
            && header.header_name().is_err()
        {
            return Err(CsrfConfigError::ProxySslHeader(header.given.clone()));
        }
        for origin in &self.trusted_origins {
            let reason = if !origin.contains("://") {
                Some("it has no scheme (write https://example.com)")
            } else if !origin.is_ascii() {
                Some("it is not ASCII (write the domain's punycode form)")
            } else if urlsplit(origin).is_err() {
                Some("it is not a valid URL")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(CsrfConfigError::TrustedOrigin {
                    origin: origin.clone(),
                    reason,
                });
            }
        }
        Ok(())
    }

    /// The CSRF settings from `lookup` (see
    /// [`settings`](crate::django::settings) for how values are written),
    /// each unset one at Django's default, then [validated](Self::validate):
    /// `CSRF_COOKIE_NAME`, `CSRF_COOKIE_AGE` (`None` for a browser-session
    /// cookie), `CSRF_COOKIE_DOMAIN`, `CSRF_COOKIE_PATH`,
    /// `CSRF_COOKIE_SECURE`, `CSRF_COOKIE_HTTPONLY`, `CSRF_COOKIE_SAMESITE`
    /// (`Lax`, `Strict`, `None`; empty or `False` for no attribute),
    /// `CSRF_HEADER_NAME`, `CSRF_TRUSTED_ORIGINS`, `CSRF_USE_SESSIONS`,
    /// `SESSION_COOKIE_DOMAIN`, `SECURE_PROXY_SSL_HEADER` (two items:
    /// `HTTP_X_FORWARDED_PROTO,https`), `USE_X_FORWARDED_HOST`,
    /// `USE_X_FORWARDED_PORT`, `ALLOWED_HOSTS` (unset: any host),
    /// `DATA_UPLOAD_MAX_MEMORY_SIZE` (a number; `None`, Django's "no
    /// limit", is refused) and `DATA_UPLOAD_MAX_NUMBER_FIELDS` (`None`: no
    /// limit).
    ///
    /// # Errors
    /// A [`SettingsError`] naming the first setting that cannot be read or
    /// that [`validate`](Self::validate) refuses.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use signed_session::django::csrf::CsrfConfig;
    ///
    /// let env: HashMap<&str, &str> = HashMap::from([
    ///     ("CSRF_COOKIE_SECURE", "True"),
    ///     ("CSRF_TRUSTED_ORIGINS", "https://a.example.com,https://*.example.net"),
    /// ]);
    /// let lookup = |name: &str| env.get(name).map(|v| v.to_string());
    /// let config = CsrfConfig::from_lookup(&lookup)?;
    /// assert!(config.cookie_secure());
    /// assert_eq!(config.trusted_origins().len(), 2);
    /// # Ok::<(), signed_session::django::settings::SettingsError>(())
    /// ```
    pub fn from_lookup(lookup: &dyn Lookup) -> Result<CsrfConfig, SettingsError> {
        let cookie_age = match lookup.get("CSRF_COOKIE_AGE") {
            None => Some(DEFAULT_CSRF_COOKIE_AGE),
            Some(text) if text.trim().is_empty() || text.trim() == "None" => None,
            Some(_) => Some(read_i64(
                lookup,
                "CSRF_COOKIE_AGE",
                DEFAULT_CSRF_COOKIE_AGE,
            )?),
        };
        let defaults = CsrfConfig::new();
        let cookie = read_cookie(lookup, "CSRF_COOKIE_", defaults.cookie.clone())?
            .with_path(Some(read_string(lookup, "CSRF_COOKIE_PATH", "/")));
        let proxy = read_list(lookup, "SECURE_PROXY_SSL_HEADER")?;
        let proxy_ssl_header = match <[String; 2]>::try_from(proxy) {
            Ok([header, value]) => Some((header, value)),
            Err(items) if items.is_empty() || items == ["None"] => None,
            Err(_) => {
                return Err(SettingsError::new(
                    "SECURE_PROXY_SSL_HEADER",
                    "two items are needed: the header and the value, e.g. HTTP_X_FORWARDED_PROTO,https",
                ));
            }
        };
        let allowed_hosts = match lookup.get("ALLOWED_HOSTS") {
            None => vec!["*".to_owned()],
            Some(_) => read_list(lookup, "ALLOWED_HOSTS")?,
        };
        let max_body_size = match read_optional(lookup, "DATA_UPLOAD_MAX_MEMORY_SIZE") {
            None if lookup.get("DATA_UPLOAD_MAX_MEMORY_SIZE").is_some() => {
                return Err(SettingsError::new(
                    "DATA_UPLOAD_MAX_MEMORY_SIZE",
                    "a limit in bytes is needed (None, no limit, is not supported)",
                ));
            }
            None => DEFAULT_MAX_BODY_SIZE,
            Some(_) => non_negative(lookup, "DATA_UPLOAD_MAX_MEMORY_SIZE", DEFAULT_MAX_BODY_SIZE)?,
        };
        let max_form_fields = match lookup.get("DATA_UPLOAD_MAX_NUMBER_FIELDS") {
            None => Some(DEFAULT_MAX_FORM_FIELDS),
            Some(text) if text.trim() == "None" => None,
            Some(_) => Some(non_negative(
                lookup,
                "DATA_UPLOAD_MAX_NUMBER_FIELDS",
                DEFAULT_MAX_FORM_FIELDS,
            )?),
        };
        let config = CsrfConfig { cookie, ..defaults }
            .with_cookie_age(cookie_age.map(Duration::seconds))
            .with_header_name(read_string(
                lookup,
                "CSRF_HEADER_NAME",
                DEFAULT_CSRF_HEADER_NAME,
            ))
            .with_trusted_origins(read_list(lookup, "CSRF_TRUSTED_ORIGINS")?)
            .with_use_sessions(read_bool(lookup, "CSRF_USE_SESSIONS", false)?)
            .with_session_cookie_domain(read_optional(lookup, "SESSION_COOKIE_DOMAIN"))
            .with_secure_proxy_ssl_header(proxy_ssl_header)
            .with_use_x_forwarded_host(read_bool(lookup, "USE_X_FORWARDED_HOST", false)?)
            .with_use_x_forwarded_port(read_bool(lookup, "USE_X_FORWARDED_PORT", false)?)
            .with_allowed_hosts(allowed_hosts)
            .with_max_body_size(max_body_size)
            .with_max_form_fields(max_form_fields);
        config
            .validate()
            .map_err(|e| SettingsError::new(e.setting(), e.to_string()))?;
        Ok(config)
    }
}

/// A non-negative integer setting as a `usize`.
fn non_negative(lookup: &dyn Lookup, name: &str, default: usize) -> Result<usize, SettingsError> {
    let fallback = i64::try_from(default).unwrap_or(i64::MAX);
    let value = read_i64(lookup, name, fallback)?;
    usize::try_from(value).map_err(|_| SettingsError::new(name, "must not be negative"))
}

/// A [`CsrfConfig`] that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfConfigError {
    /// The cookie cannot be written, or browsers would drop it.
    Cookie(ConfigError),
    /// `CSRF_HEADER_NAME` does not name a header.
    HeaderName(String),
    /// `SECURE_PROXY_SSL_HEADER` does not name a header.
    ProxySslHeader(String),
    /// An entry of `CSRF_TRUSTED_ORIGINS` is not a usable origin.
    TrustedOrigin {
        /// The entry.
        origin: String,
        /// Why.
        reason: &'static str,
    },
}

impl CsrfConfigError {
    /// The Django setting at fault.
    pub fn setting(&self) -> &'static str {
        match self {
            CsrfConfigError::Cookie(ConfigError::Name(_)) => "CSRF_COOKIE_NAME",
            CsrfConfigError::Cookie(ConfigError::SameSite(_))
            | CsrfConfigError::Cookie(ConfigError::SameSiteNoneWithoutSecure) => {
                "CSRF_COOKIE_SAMESITE"
            }
            CsrfConfigError::Cookie(ConfigError::Attribute {
                attribute: "Domain",
                ..
            }) => "CSRF_COOKIE_DOMAIN",
            CsrfConfigError::Cookie(ConfigError::Attribute { .. }) => "CSRF_COOKIE_PATH",
            CsrfConfigError::Cookie(_) => "CSRF_COOKIE_SECURE",
            CsrfConfigError::HeaderName(_) => "CSRF_HEADER_NAME",
            CsrfConfigError::ProxySslHeader(_) => "SECURE_PROXY_SSL_HEADER",
            CsrfConfigError::TrustedOrigin { .. } => "CSRF_TRUSTED_ORIGINS",
        }
    }
}

impl fmt::Display for CsrfConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsrfConfigError::Cookie(_) => f.write_str("the CSRF cookie settings are not usable"),
            CsrfConfigError::HeaderName(name) => write!(
                f,
                "CSRF_HEADER_NAME \"{}\" does not name a header (write HTTP_X_CSRFTOKEN or X-CSRFToken)",
                name.escape_debug()
            ),
            CsrfConfigError::ProxySslHeader(name) => write!(
                f,
                "SECURE_PROXY_SSL_HEADER \"{}\" does not name a header (write HTTP_X_FORWARDED_PROTO or X-Forwarded-Proto)",
                name.escape_debug()
            ),
            CsrfConfigError::TrustedOrigin { origin, reason } => write!(
                f,
                "the trusted origin \"{}\" is not usable: {reason}",
                origin.escape_debug()
            ),
        }
    }
}

impl std::error::Error for CsrfConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CsrfConfigError::Cookie(cause) => Some(cause),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Lookup {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn defaults_are_djangos() {
        let c = CsrfConfig::new();
        assert_eq!(c.cookie_name(), "csrftoken");
        assert_eq!(c.cookie_age(), Some(Duration::seconds(31_449_600)));
        assert_eq!(c.cookie_domain(), None);
        assert_eq!(c.cookie_path(), Some("/"));
        assert!(!c.cookie_secure());
        assert!(!c.cookie_http_only());
        assert_eq!(c.cookie_same_site(), Some(SameSite::Lax));
        assert_eq!(c.header_name(), "HTTP_X_CSRFTOKEN");
        assert!(c.trusted_origins().is_empty());
        assert!(!c.use_sessions());
        assert_eq!(c.secure_proxy_ssl_header(), None);
        assert_eq!(c.max_body_size(), 2_621_440);
        assert_eq!(c.max_form_fields(), Some(1000));
        assert_eq!(c.validate(), Ok(()));
        let from_env = CsrfConfig::from_lookup(&lookup(&[])).unwrap();
        assert_eq!(from_env.cookie_age(), c.cookie_age());
        assert_eq!(from_env.allowed_hosts(), ["*"]);
    }

    #[test]
    fn header_names_in_both_spellings() {
        for given in ["HTTP_X_CSRFTOKEN", "X-CSRFToken", "x-csrftoken"] {
            let h = HeaderSetting::new(given);
            assert_eq!(h.meta, "HTTP_X_CSRFTOKEN", "{given}");
            assert_eq!(h.header_name().unwrap().as_str(), "x-csrftoken");
            assert_eq!(h.display_name(), "X-Csrftoken");
        }
        assert!(
            CsrfConfig::new()
                .with_header_name("X CSRF")
                .validate()
                .is_err()
        );
    }

    #[test]
    fn settings_are_read() {
        let c = CsrfConfig::from_lookup(&lookup(&[
            ("CSRF_COOKIE_NAME", "__Host-csrf"),
            ("CSRF_COOKIE_AGE", "None"),
            ("CSRF_COOKIE_SECURE", "True"),
            ("CSRF_COOKIE_HTTPONLY", "1"),
            ("CSRF_COOKIE_SAMESITE", "Strict"),
            ("CSRF_HEADER_NAME", "HTTP_X_XSRF_TOKEN"),
            ("CSRF_TRUSTED_ORIGINS", r#"["https://*.example.com"]"#),
            ("CSRF_USE_SESSIONS", "true"),
            ("SESSION_COOKIE_DOMAIN", ".example.com"),
            ("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO,https"),
            ("USE_X_FORWARDED_HOST", "True"),
            ("ALLOWED_HOSTS", "example.com,.example.net"),
            ("DATA_UPLOAD_MAX_MEMORY_SIZE", "1024"),
            ("DATA_UPLOAD_MAX_NUMBER_FIELDS", "None"),
        ]))
        .unwrap();
        assert_eq!(c.cookie_name(), "__Host-csrf");
        assert_eq!(c.cookie_age(), None);
        assert!(c.cookie_secure() && c.cookie_http_only());
        assert_eq!(c.cookie_same_site(), Some(SameSite::Strict));
        assert_eq!(c.header().display_name(), "X-Xsrf-Token");
        assert!(c.use_sessions());
        assert_eq!(c.session_cookie_domain(), Some(".example.com"));
        assert_eq!(
            c.secure_proxy_ssl_header(),
            Some(("HTTP_X_FORWARDED_PROTO", "https"))
        );
        assert!(c.use_x_forwarded_host());
        assert_eq!(c.allowed_hosts(), ["example.com", ".example.net"]);
        assert_eq!(c.max_body_size(), 1024);
        assert_eq!(c.max_form_fields(), None);
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let cases: [(&[(&str, &str)], &str); 7] = [
            (&[("CSRF_COOKIE_AGE", "soon")], "CSRF_COOKIE_AGE"),
            (
                &[("CSRF_COOKIE_SAMESITE", "Sometimes")],
                "CSRF_COOKIE_SAMESITE",
            ),
            (&[("CSRF_COOKIE_NAME", "__Host-x")], "CSRF_COOKIE_SECURE"),
            (
                &[("CSRF_TRUSTED_ORIGINS", "example.com")],
                "CSRF_TRUSTED_ORIGINS",
            ),
            (
                &[("SECURE_PROXY_SSL_HEADER", "HTTP_X")],
                "SECURE_PROXY_SSL_HEADER",
            ),
            (
                &[("DATA_UPLOAD_MAX_MEMORY_SIZE", "None")],
                "DATA_UPLOAD_MAX_MEMORY_SIZE",
            ),
            (&[("CSRF_HEADER_NAME", "X Token")], "CSRF_HEADER_NAME"),
        ];
        for (pairs, setting) in cases {
            let err = CsrfConfig::from_lookup(&lookup(pairs)).unwrap_err();
            assert_eq!(err.name(), setting, "{pairs:?}: {err}");
        }
        for bad in ["https://[::1/", "https://exämple.com"] {
            assert!(
                CsrfConfig::new()
                    .with_trusted_origins(vec![bad.into()])
                    .validate()
                    .is_err(),
                "{bad}"
            );
        }
    }
}

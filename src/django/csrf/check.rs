//! Django's `CsrfViewMiddleware.process_view` checks, framework-free, on
//! the `http` crate's types: [`check`] and its [`CsrfRejection`].

use core::fmt;

use ::http::{HeaderMap, HeaderName, Method};
use subtle::ConstantTimeEq;

use super::config::{CsrfConfig, HeaderSetting};
use super::token::{CSRF_TOKEN_LENGTH, CsrfSecret, TokenFormatError, check_token_format};
use super::url::{is_same_domain, python_repr, python_strip, split_domain_port, urlsplit};
use crate::http::request_cookie;

/// Django's `REASON_NO_REFERER`.
pub const REASON_NO_REFERER: &str = "Referer checking failed - no Referer.";
/// Django's `REASON_NO_CSRF_COOKIE`.
pub const REASON_NO_CSRF_COOKIE: &str = "CSRF cookie not set.";
/// Django's `REASON_CSRF_TOKEN_MISSING`.
pub const REASON_CSRF_TOKEN_MISSING: &str = "CSRF token missing.";
/// Django's `REASON_MALFORMED_REFERER`.
pub const REASON_MALFORMED_REFERER: &str = "Referer checking failed - Referer is malformed.";
/// Django's `REASON_INSECURE_REFERER`.
pub const REASON_INSECURE_REFERER: &str =
    "Referer checking failed - Referer is insecure while host is secure.";

/// The name of the form field carrying the token (Django's
/// `csrfmiddlewaretoken`).
pub const CSRF_FORM_FIELD: &str = "csrfmiddlewaretoken";

/// Whether `method` is one Django never checks (RFC 9110's safe methods:
/// `GET`, `HEAD`, `OPTIONS`, `TRACE`). Compared without regard to case,
/// as Django upper-cases the method.
pub fn is_safe_method(method: &Method) -> bool {
    ["GET", "HEAD", "OPTIONS", "TRACE"]
        .iter()
        .any(|safe| method.as_str().eq_ignore_ascii_case(safe))
}

/// Where the request's token came from, as Django's reasons name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenSource {
    /// The `csrfmiddlewaretoken` field of a `POST` form (`"POST"`).
    Post,
    /// The header of `CSRF_HEADER_NAME`, by the name Django's
    /// `HttpHeaders.parse_header_name` gives it (`"X-Csrftoken"`).
    Header(String),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Post => f.write_str("POST"),
            TokenSource::Header(name) => write!(f, "the {} HTTP header", python_repr(name)),
        }
    }
}

/// Why a request failed the CSRF checks. `Display` (and
/// [`reason`](Self::reason)) is exactly Django's reason string, which its
/// 403 page and its log show.
///
/// ```
/// use signed_session::django::csrf::{CsrfRejection, CsrfRejectionKind};
///
/// let rejection = CsrfRejection::BadOrigin { origin: "https://evil.example".into() };
/// assert_eq!(
///     rejection.to_string(),
///     "Origin checking failed - https://evil.example does not match any trusted origins."
/// );
/// assert_eq!(rejection.kind(), CsrfRejectionKind::BadOrigin);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfRejection {
    /// The `Origin` header is neither the site's own origin nor a trusted
    /// one (`REASON_BAD_ORIGIN`).
    BadOrigin {
        /// The `Origin` header, as sent.
        origin: String,
    },
    /// A secure request without `Origin` has no `Referer`
    /// (`REASON_NO_REFERER`).
    NoReferer,
    /// The `Referer` is not a URL with a scheme and a host
    /// (`REASON_MALFORMED_REFERER`).
    MalformedReferer,
    /// A secure request's `Referer` is not `https`
    /// (`REASON_INSECURE_REFERER`).
    InsecureReferer,
    /// The `Referer`'s host is neither the site's nor trusted
    /// (`REASON_BAD_REFERER`).
    BadReferer {
        /// The `Referer` as Python's `geturl()` writes it back.
        referer: String,
    },
    /// No secret: no CSRF cookie, or no `_csrftoken` in the session
    /// (`REASON_NO_CSRF_COOKIE`).
    NoCookie,
    /// The CSRF cookie is not a secret (`"CSRF cookie has incorrect
    /// length."`, `"… has invalid characters."`).
    BadCookie(TokenFormatError),
    /// No token in the form field nor in the header
    /// (`REASON_CSRF_TOKEN_MISSING`).
    TokenMissing,
    /// The request's token is not a token (`"CSRF token from POST has
    /// incorrect length."`).
    BadToken {
        /// Where it came from.
        source: TokenSource,
        /// What is wrong with it.
        error: TokenFormatError,
    },
    /// The request's token does not carry the secret (`"CSRF token from
    /// POST incorrect."`).
    IncorrectToken {
        /// Where it came from.
        source: TokenSource,
    },
}

/// The kind of a [`CsrfRejection`], without its data, for matching and
/// metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CsrfRejectionKind {
    /// [`CsrfRejection::BadOrigin`].
    BadOrigin,
    /// [`CsrfRejection::NoReferer`].
    NoReferer,
    /// [`CsrfRejection::MalformedReferer`].
    MalformedReferer,
    /// [`CsrfRejection::InsecureReferer`].
    InsecureReferer,
    /// [`CsrfRejection::BadReferer`].
    BadReferer,
    /// [`CsrfRejection::NoCookie`].
    NoCookie,
    /// [`CsrfRejection::BadCookie`].
    BadCookie,
    /// [`CsrfRejection::TokenMissing`].
    TokenMissing,
    /// [`CsrfRejection::BadToken`].
    BadToken,
    /// [`CsrfRejection::IncorrectToken`].
    IncorrectToken,
}

impl fmt::Display for CsrfRejectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsrfRejectionKind::BadOrigin => "bad_origin",
            CsrfRejectionKind::NoReferer => "no_referer",
            CsrfRejectionKind::MalformedReferer => "malformed_referer",
            CsrfRejectionKind::InsecureReferer => "insecure_referer",
            CsrfRejectionKind::BadReferer => "bad_referer",
            CsrfRejectionKind::NoCookie => "no_cookie",
            CsrfRejectionKind::BadCookie => "bad_cookie",
            CsrfRejectionKind::TokenMissing => "token_missing",
            CsrfRejectionKind::BadToken => "bad_token",
            CsrfRejectionKind::IncorrectToken => "incorrect_token",
        })
    }
}

impl CsrfRejection {
    /// The kind, for matching and metrics.
    pub fn kind(&self) -> CsrfRejectionKind {
        match self {
            CsrfRejection::BadOrigin { .. } => CsrfRejectionKind::BadOrigin,
            CsrfRejection::NoReferer => CsrfRejectionKind::NoReferer,
            CsrfRejection::MalformedReferer => CsrfRejectionKind::MalformedReferer,
            CsrfRejection::InsecureReferer => CsrfRejectionKind::InsecureReferer,
            CsrfRejection::BadReferer { .. } => CsrfRejectionKind::BadReferer,
            CsrfRejection::NoCookie => CsrfRejectionKind::NoCookie,
            CsrfRejection::BadCookie(_) => CsrfRejectionKind::BadCookie,
            CsrfRejection::TokenMissing => CsrfRejectionKind::TokenMissing,
            CsrfRejection::BadToken { .. } => CsrfRejectionKind::BadToken,
            CsrfRejection::IncorrectToken { .. } => CsrfRejectionKind::IncorrectToken,
        }
    }

    /// Django's reason string, exactly (the same text as `Display`).
    pub fn reason(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for CsrfRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsrfRejection::BadOrigin { origin } => write!(
                f,
                "Origin checking failed - {origin} does not match any trusted origins."
            ),
            CsrfRejection::NoReferer => f.write_str(REASON_NO_REFERER),
            CsrfRejection::MalformedReferer => f.write_str(REASON_MALFORMED_REFERER),
            CsrfRejection::InsecureReferer => f.write_str(REASON_INSECURE_REFERER),
            CsrfRejection::BadReferer { referer } => write!(
                f,
                "Referer checking failed - {referer} does not match any trusted origins."
            ),
            CsrfRejection::NoCookie => f.write_str(REASON_NO_CSRF_COOKIE),
            CsrfRejection::BadCookie(error) => write!(f, "CSRF cookie {}.", error.reason()),
            CsrfRejection::TokenMissing => f.write_str(REASON_CSRF_TOKEN_MISSING),
            CsrfRejection::BadToken { source, error } => {
                write!(f, "CSRF token from {source} {}.", error.reason())
            }
            CsrfRejection::IncorrectToken { source } => {
                write!(f, "CSRF token from {source} incorrect.")
            }
        }
    }
}

impl std::error::Error for CsrfRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CsrfRejection::BadCookie(error) | CsrfRejection::BadToken { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// What [`check`] needs of a request: its method and headers (`Host`,
/// `Origin`, `Referer`, `Cookie`, the token header), how it arrived, and
/// what the layer read from elsewhere (the form field, the session).
///
/// ```
/// use http::{HeaderMap, Method};
/// use signed_session::django::csrf::{CsrfConfig, CsrfRequest, CsrfSecret, check};
///
/// let secret = CsrfSecret::generate()?;
/// let mut headers = HeaderMap::new();
/// headers.insert("host", "example.com".parse()?);
/// headers.insert("origin", "https://example.com".parse()?);
/// headers.insert("cookie", format!("csrftoken={}", secret.as_str()).parse()?);
/// let token = secret.mask()?;
/// let request = CsrfRequest::new(&Method::POST, &headers)
///     .with_tls(true)
///     .with_form_token(Some(&token));
/// assert_eq!(check(&CsrfConfig::new(), &request), Ok(()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct CsrfRequest<'a> {
    method: &'a Method,
    headers: &'a HeaderMap,
    tls: bool,
    server_port: Option<&'a str>,
    authority: Option<&'a str>,
    form_token: Option<&'a str>,
    session_secret: Option<&'a str>,
}

impl fmt::Debug for CsrfRequest<'_> {
    /// Names the headers but shows none of their values (the `Cookie`
    /// header carries credentials), nor the token or the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("CsrfRequest")
            .field("method", self.method)
            .field("headers", &headers)
            .field("tls", &self.tls)
            .field("server_port", &self.server_port)
            .field("authority", &self.authority)
            .field("has_form_token", &self.form_token.is_some())
            .field("has_session_secret", &self.session_secret.is_some())
            .finish()
    }
}

impl<'a> CsrfRequest<'a> {
    /// A request with this method and these headers, over plain HTTP, on
    /// the port its `Host` names, without a form field or a session.
    pub fn new(method: &'a Method, headers: &'a HeaderMap) -> Self {
        Self {
            method,
            headers,
            tls: false,
            server_port: None,
            authority: None,
            form_token: None,
            session_secret: None,
        }
    }

    /// Whether the connection itself is HTTPS (Django's `wsgi.url_scheme`);
    /// [`CsrfConfig::with_secure_proxy_ssl_header`] can override it.
    /// Default `false`.
    #[must_use]
    pub fn with_tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// The server's port (Django's `SERVER_PORT`), which the `Referer`
    /// check appends to a cookie domain when it is not 80 or 443. Default:
    /// the port of the `Host` header (or [authority](Self::with_authority)),
    /// else 443 or 80 by the connection's scheme, as gunicorn sets it.
    /// Django's `USE_X_FORWARDED_PORT` takes precedence.
    #[must_use]
    pub fn with_server_port(mut self, port: Option<&'a str>) -> Self {
        self.server_port = port;
        self
    }

    /// The host, with its port, when there is no `Host` header (an HTTP/2
    /// request's `:authority`). As Django rebuilds the host from
    /// `SERVER_NAME` and `SERVER_PORT`, its port is replaced by the
    /// request's port, left out when it is the scheme's default.
    #[must_use]
    pub fn with_authority(mut self, authority: Option<&'a str>) -> Self {
        self.authority = authority;
        self
    }

    /// The value of the form's `csrfmiddlewaretoken` field, decoded. Read
    /// only for `POST`, as Django reads `request.POST`; an empty value
    /// counts as none.
    #[must_use]
    pub fn with_form_token(mut self, token: Option<&'a str>) -> Self {
        self.form_token = token;
        self
    }

    /// The session's `_csrftoken` string, when
    /// [`CSRF_USE_SESSIONS`](CsrfConfig::with_use_sessions) is on.
    #[must_use]
    pub fn with_session_secret(mut self, secret: Option<&'a str>) -> Self {
        self.session_secret = secret;
        self
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The request's headers.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// Django's `request.META[key]` for a header: every value of it, each
    /// byte one character (latin-1, as WSGI gives headers), joined with
    /// `,` when it repeats.
    fn meta(&self, name: &HeaderName) -> Option<String> {
        let mut values = self.headers.get_all(name).iter();
        let first = values.next()?;
        let mut text: String = first.as_bytes().iter().map(|&b| char::from(b)).collect();
        for value in values {
            text.push(',');
            text.extend(value.as_bytes().iter().map(|&b| char::from(b)));
        }
        Some(text)
    }

    fn meta_setting(&self, setting: &HeaderSetting) -> Option<String> {
        setting.header_name().ok().and_then(|name| self.meta(&name))
    }

    /// Django's `request.is_secure()`.
    pub(crate) fn is_secure(&self, config: &CsrfConfig) -> bool {
        if let Some((header, secure_value)) = config.proxy_ssl_header()
            && let Some(value) = self.meta_setting(header)
        {
            let first = value.split_once(',').map_or(value.as_str(), |(f, _)| f);
            return python_strip(first) == secure_value;
        }
        self.tls
    }

    /// Django's `request.get_host()`: the host (and port) as sent, when it
    /// is well formed and allowed.
    fn host(&self, config: &CsrfConfig) -> Option<String> {
        let raw = self.raw_host(config)?;
        let (domain, _) = split_domain_port(&raw);
        let allowed =
            !domain.is_empty() && super::url::validate_host(&domain, config.allowed_hosts());
        allowed.then_some(raw)
    }

    /// Django's `request._get_raw_host()`: `X-Forwarded-Host` (when
    /// enabled), else `Host`, else the authority's name with the port of
    /// [`port`](Self::port) unless it is the scheme's default (PEP 333).
    fn raw_host(&self, config: &CsrfConfig) -> Option<String> {
        if config.use_x_forwarded_host()
            && let Some(host) = self.meta(&HeaderName::from_static("x-forwarded-host"))
        {
            return Some(host);
        }
        if let Some(host) = self.meta(&::http::header::HOST) {
            return Some(host);
        }
        let (name, _) = split_port(self.authority?);
        let port = self.port(config);
        let default = if self.is_secure(config) { "443" } else { "80" };
        Some(if port == default {
            name.to_owned()
        } else {
            format!("{name}:{port}")
        })
    }

    /// Django's `request.get_port()`.
    fn port(&self, config: &CsrfConfig) -> String {
        if config.use_x_forwarded_port()
            && let Some(port) = self.meta(&HeaderName::from_static("x-forwarded-port"))
        {
            return port;
        }
        if let Some(port) = self.server_port {
            return port.to_owned();
        }
        let host = self
            .meta(&::http::header::HOST)
            .or_else(|| self.authority.map(str::to_owned))
            .unwrap_or_default();
        match split_port(&host) {
            (_, Some(port)) => port.to_owned(),
            _ if self.tls => "443".to_owned(),
            _ => "80".to_owned(),
        }
    }
}

/// A host and its port, if it names one (`[::1]:80`, `example.com:8000`).
fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    }
}

/// The secret a request brings, as Django's `_get_secret` reads it.
#[derive(Clone)]
pub(crate) enum StoredSecret {
    /// A well-formed secret.
    Secret(CsrfSecret),
    /// A session value that is not a secret (wrong length, other
    /// characters): Django compares with it as it is, so no token
    /// matches it. Never written back as a secret.
    Opaque(zeroize::Zeroizing<String>),
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoredSecret::Secret(_) => "Secret(..)",
            StoredSecret::Opaque(_) => "Opaque(..)",
        })
    }
}

impl StoredSecret {
    /// The cookie's secret (format-checked) or the session's (not checked,
    /// as in Django).
    pub(crate) fn read(
        config: &CsrfConfig,
        request: &CsrfRequest<'_>,
    ) -> Result<Option<StoredSecret>, TokenFormatError> {
        if config.use_sessions() {
            return Ok(request.session_secret.map(Self::from_session));
        }
        match request_cookie(request.headers, config.cookie_name()) {
            None => Ok(None),
            Some(value) => CsrfSecret::parse(&value).map(|s| Some(StoredSecret::Secret(s))),
        }
    }

    fn from_session(value: &str) -> StoredSecret {
        match CsrfSecret::parse(value) {
            Ok(secret) => StoredSecret::Secret(secret),
            Err(_) => StoredSecret::Opaque(zeroize::Zeroizing::new(value.to_owned())),
        }
    }

    /// Django's `_does_token_match` for a token whose format was checked.
    fn matches(&self, token: &str) -> Result<bool, TokenFormatError> {
        match self {
            StoredSecret::Secret(secret) => secret.matches(token),
            StoredSecret::Opaque(value) => {
                check_token_format(token)?;
                let unmasked;
                let plain = if token.len() == CSRF_TOKEN_LENGTH {
                    unmasked = CsrfSecret::unmask(token)?;
                    unmasked.as_str()
                } else {
                    token
                };
                Ok(bool::from(plain.as_bytes().ct_eq(value.as_bytes())))
            }
        }
    }
}

/// Django's `CsrfViewMiddleware.process_view` on a request that is not
/// exempt: accepted, or refused with Django's reason.
///
/// In Django's order: a safe method passes; an `Origin` header must be
/// the site's own origin (`scheme://host`) or a trusted one; without one,
/// a secure request's `Referer` must be `https` and name the site (or a
/// trusted origin's host, or the cookie domain); then the secret (cookie
/// or session) must exist and be well formed, and the token (the form
/// field for `POST`, else the header) must be well formed and carry it.
///
/// # Errors
/// The [`CsrfRejection`] Django would answer `403` with.
pub fn check(config: &CsrfConfig, request: &CsrfRequest<'_>) -> Result<(), CsrfRejection> {
    if is_safe_method(request.method) {
        return Ok(());
    }
    let secret = check_before_token(config, request)?;
    check_token(config, request, &secret)
}

/// Everything [`check`] does before it reads the token: the `Origin` or
/// `Referer`, and the secret, which is returned.
pub(crate) fn check_before_token(
    config: &CsrfConfig,
    request: &CsrfRequest<'_>,
) -> Result<StoredSecret, CsrfRejection> {
    if let Some(origin) = request.meta(&::http::header::ORIGIN) {
        if !origin_verified(config, request, &origin) {
            return Err(CsrfRejection::BadOrigin { origin });
        }
    } else if request.is_secure(config) {
        check_referer(config, request)?;
    }
    match StoredSecret::read(config, request) {
        Err(error) => Err(CsrfRejection::BadCookie(error)),
        Ok(None) => Err(CsrfRejection::NoCookie),
        Ok(Some(secret)) => Ok(secret),
    }
}

/// The last step of [`check`]: the token against the secret.
pub(crate) fn check_token(
    config: &CsrfConfig,
    request: &CsrfRequest<'_>,
    secret: &StoredSecret,
) -> Result<(), CsrfRejection> {
    let is_post = request.method.as_str().eq_ignore_ascii_case("POST");
    let form_token = request.form_token.filter(|t| is_post && !t.is_empty());
    let header_token;
    let (token, source) = match form_token {
        Some(token) => (token, TokenSource::Post),
        None => {
            header_token = request
                .meta_setting(config.header())
                .ok_or(CsrfRejection::TokenMissing)?;
            (
                header_token.as_str(),
                TokenSource::Header(config.header().display_name()),
            )
        }
    };
    match secret.matches(token) {
        Ok(true) => Ok(()),
        Ok(false) => Err(CsrfRejection::IncorrectToken { source }),
        Err(error) => Err(CsrfRejection::BadToken { source, error }),
    }
}

/// Django's `_origin_verified`.
fn origin_verified(config: &CsrfConfig, request: &CsrfRequest<'_>, origin: &str) -> bool {
    if let Some(host) = request.host(config) {
        let scheme = if request.is_secure(config) {
            "https"
        } else {
            "http"
        };
        if origin == format!("{scheme}://{host}") {
            return true;
        }
    }
    let trusted = config.trusted_origins();
    if trusted.iter().any(|t| !t.contains('*') && t == origin) {
        return true;
    }
    let Ok(parsed) = urlsplit(origin) else {
        return false;
    };
    trusted
        .iter()
        .filter(|t| t.contains('*'))
        .filter_map(|t| urlsplit(t).ok())
        .filter(|t| t.scheme == parsed.scheme)
        .any(|t| is_same_domain(&parsed.netloc, t.netloc.trim_start_matches('*')))
}

/// Django's `_check_referer`.
fn check_referer(config: &CsrfConfig, request: &CsrfRequest<'_>) -> Result<(), CsrfRejection> {
    let referer = request
        .meta(&::http::header::REFERER)
        .ok_or(CsrfRejection::NoReferer)?;
    let referer = urlsplit(&referer).map_err(|_| CsrfRejection::MalformedReferer)?;
    if referer.scheme.is_empty() || referer.netloc.is_empty() {
        return Err(CsrfRejection::MalformedReferer);
    }
    if referer.scheme != "https" {
        return Err(CsrfRejection::InsecureReferer);
    }
    let trusted = config
        .trusted_origins()
        .iter()
        .filter_map(|t| urlsplit(t).ok())
        .any(|t| is_same_domain(&referer.netloc, t.netloc.trim_start_matches('*')));
    if trusted {
        return Ok(());
    }
    let bad = || CsrfRejection::BadReferer {
        referer: referer.geturl(),
    };
    let cookie_domain = if config.use_sessions() {
        config.session_cookie_domain()
    } else {
        config.cookie_domain()
    };
    let good = match cookie_domain {
        None => request.host(config).ok_or_else(bad)?,
        Some(domain) => {
            let port = request.port(config);
            if port == "443" || port == "80" {
                domain.to_owned()
            } else {
                format!("{domain}:{port}")
            }
        }
    };
    if is_same_domain(&referer.netloc, &good) {
        Ok(())
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use ::http::HeaderValue;

    use super::*;

    #[derive(Clone)]
    struct Case {
        method: Method,
        headers: HeaderMap,
        tls: bool,
        form: Option<String>,
        session: Option<String>,
    }

    impl Case {
        fn post() -> Self {
            let mut headers = HeaderMap::new();
            headers.insert("host", HeaderValue::from_static("example.com"));
            Case {
                method: Method::POST,
                headers,
                tls: false,
                form: None,
                session: None,
            }
        }
        fn header(mut self, name: &'static str, value: &str) -> Self {
            self.headers
                .append(name, HeaderValue::from_bytes(value.as_bytes()).unwrap());
            self
        }
        fn tls(mut self) -> Self {
            self.tls = true;
            self
        }
        fn form(mut self, token: &str) -> Self {
            self.form = Some(token.to_owned());
            self
        }
        fn run(&self, config: &CsrfConfig) -> Result<(), String> {
            let request = CsrfRequest::new(&self.method, &self.headers)
                .with_tls(self.tls)
                .with_form_token(self.form.as_deref())
                .with_session_secret(self.session.as_deref());
            check(config, &request).map_err(|r| r.to_string())
        }
    }

    fn secret() -> CsrfSecret {
        CsrfSecret::generate().unwrap()
    }

    /// Every one of Django's reasons, word for word.
    #[test]
    fn every_reason() {
        let config = CsrfConfig::new();
        let s = secret();
        let cookie = format!("csrftoken={}", s.as_str());
        let token = s.mask().unwrap();
        let ok = |c: Case| c.run(&config);

        assert_eq!(
            ok(Case::post().header("cookie", &cookie).form(&token)),
            Ok(())
        );
        assert_eq!(
            ok(Case::post().header("origin", "https://evil.example")),
            Err(
                "Origin checking failed - https://evil.example does not match any trusted origins."
                    .into()
            )
        );
        assert_eq!(ok(Case::post().tls()), Err(REASON_NO_REFERER.into()));
        assert_eq!(
            ok(Case::post().tls().header("referer", "example.com/x")),
            Err(REASON_MALFORMED_REFERER.into())
        );
        assert_eq!(
            ok(Case::post().tls().header("referer", "https://[::1/x")),
            Err(REASON_MALFORMED_REFERER.into())
        );
        assert_eq!(
            ok(Case::post().tls().header("referer", "http://example.com/x")),
            Err(REASON_INSECURE_REFERER.into())
        );
        assert_eq!(
            ok(Case::post().tls().header("referer", "HTTPS://evil.example/a?#")),
            Err("Referer checking failed - https://evil.example/a does not match any trusted origins.".into())
        );
        assert_eq!(ok(Case::post()), Err(REASON_NO_CSRF_COOKIE.into()));
        assert_eq!(
            ok(Case::post().header("cookie", "csrftoken=abc")),
            Err("CSRF cookie has incorrect length.".into())
        );
        assert_eq!(
            ok(Case::post().header("cookie", &format!("csrftoken={}", "-".repeat(32)))),
            Err("CSRF cookie has invalid characters.".into())
        );
        assert_eq!(
            ok(Case::post().header("cookie", &cookie)),
            Err(REASON_CSRF_TOKEN_MISSING.into())
        );
        assert_eq!(
            ok(Case::post().header("cookie", &cookie).form("short")),
            Err("CSRF token from POST has incorrect length.".into())
        );
        assert_eq!(
            ok(Case::post().header("cookie", &cookie).form(&"!".repeat(64))),
            Err("CSRF token from POST has invalid characters.".into())
        );
        assert_eq!(
            ok(Case::post()
                .header("cookie", &cookie)
                .form(&secret().mask().unwrap())),
            Err("CSRF token from POST incorrect.".into())
        );
        assert_eq!(
            ok(Case::post()
                .header("cookie", &cookie)
                .header("x-csrftoken", "x")),
            Err("CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.".into())
        );
        assert_eq!(
            ok(Case::post()
                .header("cookie", &cookie)
                .header("x-csrftoken", &"a".repeat(32))),
            Err("CSRF token from the 'X-Csrftoken' HTTP header incorrect.".into())
        );
        assert_eq!(
            ok(Case::post()
                .header("cookie", &cookie)
                .header("x-csrftoken", &token)),
            Ok(())
        );
    }

    #[test]
    fn origins() {
        let s = secret();
        let cookie = format!("csrftoken={}", s.as_str());
        let base = || {
            Case::post()
                .header("cookie", &cookie)
                .header("x-csrftoken", s.as_str())
        };
        let config = CsrfConfig::new().with_trusted_origins(vec![
            "https://trusted.example".into(),
            "https://*.example.net".into(),
        ]);
        assert_eq!(
            base().header("origin", "http://example.com").run(&config),
            Ok(())
        );
        assert!(
            base()
                .header("origin", "https://example.com")
                .run(&config)
                .is_err()
        );
        assert_eq!(
            base()
                .tls()
                .header("origin", "https://example.com")
                .run(&config),
            Ok(())
        );
        assert_eq!(
            base()
                .header("origin", "https://trusted.example")
                .run(&config),
            Ok(())
        );
        assert_eq!(
            base()
                .header("origin", "https://a.b.example.net")
                .run(&config),
            Ok(())
        );
        assert_eq!(
            base().header("origin", "https://example.net").run(&config),
            Ok(())
        );
        assert!(
            base()
                .header("origin", "http://a.example.net")
                .run(&config)
                .is_err()
        );
        assert!(
            base()
                .header("origin", "https://badexample.net")
                .run(&config)
                .is_err()
        );
        assert!(base().header("origin", "null").run(&config).is_err());
        // A disallowed host has no own origin.
        let strict = config
            .clone()
            .with_allowed_hosts(vec!["other.example".into()]);
        assert!(
            base()
                .header("origin", "http://example.com")
                .run(&strict)
                .is_err()
        );
    }

    #[test]
    fn referers() {
        let s = secret();
        let cookie = format!("csrftoken={}", s.as_str());
        let base = || {
            Case::post()
                .tls()
                .header("cookie", &cookie)
                .header("x-csrftoken", s.as_str())
        };
        let config = CsrfConfig::new();
        assert_eq!(
            base()
                .header("referer", "https://example.com/form")
                .run(&config),
            Ok(())
        );
        let domain = CsrfConfig::new().with_cookie_domain(Some(".example.com".into()));
        assert_eq!(
            base()
                .header("referer", "https://www.example.com/")
                .run(&domain),
            Ok(())
        );
        assert!(
            base()
                .header("referer", "https://www.example.org/")
                .run(&domain)
                .is_err()
        );
        // A port other than 80 and 443 is appended to the cookie domain.
        let mut on_8443 = base();
        on_8443
            .headers
            .insert("host", HeaderValue::from_static("example.com:8443"));
        assert!(
            on_8443
                .clone()
                .header("referer", "https://www.example.com/")
                .run(&domain)
                .is_err()
        );
        assert_eq!(
            on_8443
                .header("referer", "https://www.example.com:8443/")
                .run(&domain),
            Ok(())
        );
        // With sessions, SESSION_COOKIE_DOMAIN replaces CSRF_COOKIE_DOMAIN.
        let sessions = CsrfConfig::new()
            .with_use_sessions(true)
            .with_cookie_domain(Some(".example.org".into()))
            .with_session_cookie_domain(Some(".example.com".into()));
        let mut case = Case::post()
            .tls()
            .header("referer", "https://www.example.com/")
            .header("x-csrftoken", s.as_str());
        case.session = Some(s.as_str().to_owned());
        assert_eq!(case.run(&sessions), Ok(()));
        let trusted = CsrfConfig::new().with_trusted_origins(vec!["https://*.example.org".into()]);
        assert_eq!(
            base()
                .header("referer", "https://a.example.org/")
                .run(&trusted),
            Ok(())
        );
        // The proxy header makes a plain connection secure, and back.
        let proxied = CsrfConfig::new()
            .with_secure_proxy_ssl_header(Some(("HTTP_X_FORWARDED_PROTO".into(), "https".into())));
        let plain = Case::post()
            .header("cookie", &cookie)
            .header("x-csrftoken", s.as_str());
        assert_eq!(
            plain
                .clone()
                .header("x-forwarded-proto", " https ,http")
                .run(&proxied),
            Err(REASON_NO_REFERER.into())
        );
        assert_eq!(
            base().header("x-forwarded-proto", "http").run(&proxied),
            Ok(())
        );
    }

    #[test]
    fn sessions_and_legacy_secrets() {
        let s = secret();
        let config = CsrfConfig::new().with_use_sessions(true);
        let mut case = Case::post().header("x-csrftoken", &s.mask().unwrap());
        assert_eq!(case.run(&config), Err(REASON_NO_CSRF_COOKIE.into()));
        case.session = Some(s.mask().unwrap());
        assert_eq!(case.run(&config), Ok(()), "a legacy masked secret");
        case.session = Some("short".into());
        assert_eq!(
            case.run(&config),
            Err("CSRF token from the 'X-Csrftoken' HTTP header incorrect.".into())
        );
        // A legacy masked cookie, and a plain token against it.
        let legacy = Case::post()
            .header("cookie", &format!("csrftoken={}", s.mask().unwrap()))
            .header("x-csrftoken", s.as_str());
        assert_eq!(legacy.run(&CsrfConfig::new()), Ok(()));
    }

    #[test]
    fn form_and_header_precedence() {
        let s = secret();
        let cookie = format!("csrftoken={}", s.as_str());
        let config = CsrfConfig::new();
        // The form field wins on POST; an empty one falls back to the header.
        let case = Case::post()
            .header("cookie", &cookie)
            .header("x-csrftoken", "bad")
            .form(s.as_str());
        assert_eq!(case.run(&config), Ok(()));
        let case = Case::post()
            .header("cookie", &cookie)
            .header("x-csrftoken", s.as_str())
            .form("");
        assert_eq!(case.run(&config), Ok(()));
        // Not on PUT: only the header counts.
        let mut case = Case::post().header("cookie", &cookie).form(s.as_str());
        case.method = Method::PUT;
        assert_eq!(case.run(&config), Err(REASON_CSRF_TOKEN_MISSING.into()));
        case.method = Method::GET;
        assert_eq!(case.run(&config), Ok(()));
        // A custom header, named either way.
        for name in ["HTTP_X_XSRF_TOKEN", "X-XSRF-Token"] {
            let config = CsrfConfig::new().with_header_name(name);
            let case = Case::post()
                .header("cookie", &cookie)
                .header("x-xsrf-token", "x");
            assert_eq!(
                case.run(&config),
                Err("CSRF token from the 'X-Xsrf-Token' HTTP header has incorrect length.".into())
            );
        }
    }

    #[test]
    fn debug_shows_no_credentials() {
        let s = secret();
        let case = Case::post()
            .header(
                "cookie",
                &format!("csrftoken={}; sessionid=topsecret", s.as_str()),
            )
            .form(&s.mask().unwrap());
        let request = CsrfRequest::new(&case.method, &case.headers)
            .with_form_token(case.form.as_deref())
            .with_session_secret(Some(s.as_str()));
        let shown = format!("{request:?}");
        assert!(shown.contains("cookie"), "{shown}");
        assert!(
            !shown.contains(s.as_str()) && !shown.contains("topsecret"),
            "{shown}"
        );
        let stored = StoredSecret::from_session("not a secret");
        assert_eq!(format!("{stored:?}"), "Opaque(..)");
    }

    #[test]
    fn odd_headers_never_panic() {
        let config = CsrfConfig::new().with_trusted_origins(vec!["https://*.x".into()]);
        for value in [
            &b"\xff\xfe"[..],
            b"https://[",
            b"https://]",
            b"",
            b"\t \x80",
            b"https://\xe9.x/",
        ] {
            for name in ["origin", "referer", "host", "cookie", "x-csrftoken"] {
                let mut case = Case::post().tls();
                case.headers
                    .insert(name, HeaderValue::from_bytes(value).unwrap());
                let _ = case.run(&config);
            }
        }
    }
}

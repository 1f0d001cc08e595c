//! Django's CSRF protection, against Django itself and over real HTTP.
//!
//! - Mask and unmask vectors both ways, and the format check, against
//!   the oracle's `django.middleware.csrf`.
//! - Random requests (seeded; `SIGNED_SESSION_CSRF_SEED` replays one run,
//!   `SIGNED_SESSION_CSRF_CASES` sets the count) through Django's
//!   `CsrfViewMiddleware` and through both the Rust [`check`] and the
//!   [`CsrfLayer`] (in process): accept or reject, the exact reason, the
//!   `Set-Cookie` and `Vary` of the response, the session's `_csrftoken`.
//! - The layer in an axum router on loopback: tokens from the extractor,
//!   403 pages with Django's reason, the cookie's attributes.
#![cfg(feature = "django-auth")]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::routing::{any, get, post};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use signed_session::clock::ManualClock;
use signed_session::django::csrf::{
    CSRF_SESSION_KEY, CsrfConfig, CsrfExempt, CsrfHandle, CsrfLayer, CsrfRejection,
    CsrfRejectionKind, CsrfRequest, CsrfSecret, check, check_token_format,
};
use signed_session::http::{
    CookieConfig, SameSite, SessionHandle, SessionLayer, SessionMiddleware,
};
use signed_session::session::Session;
use signed_session::{Keyring, Secret, SessionConfig, Value};
use time::OffsetDateTime;
use tower_service::Service;

use crate::http_client::{self, send_headers, serve};
use crate::oracle::payload::Rng;
use crate::oracle::{self, get as field, items, obj};

// ---------------------------------------------------------------------------
// vectors
// ---------------------------------------------------------------------------

fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().map(|s| Value::from(s.as_str())).collect())
}

fn texts(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn mask_and_unmask_agree_with_django_both_ways() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let secrets: Vec<CsrfSecret> = (0..100).map(|_| CsrfSecret::generate().unwrap()).collect();
    let plain: Vec<String> = secrets.iter().map(|s| s.as_str().to_owned()).collect();

    // Django unmasks ours.
    let ours: Vec<String> = secrets.iter().map(|s| s.mask().unwrap()).collect();
    let unmasked = texts(&django.call("csrf_unmask", obj([("tokens", strings(&ours))])));
    assert_eq!(unmasked, plain, "Django's unmasking of our tokens");

    // We unmask Django's.
    let theirs = texts(&django.call("csrf_mask", obj([("secrets", strings(&plain))])));
    for (i, (token, secret)) in theirs.iter().zip(&secrets).enumerate() {
        assert_eq!(token.len(), 64, "vector {i}");
        assert_eq!(
            &CsrfSecret::unmask(token).unwrap(),
            secret,
            "vector {i}: {token}"
        );
        assert_eq!(secret.matches(token), Ok(true), "vector {i}");
    }
    oracle::report(&format!(
        "django csrf: {} tokens unmasked by Django, {} of Django's unmasked here",
        ours.len(),
        theirs.len()
    ));
}

#[test]
fn format_check_agrees_with_django() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let s = CsrfSecret::generate().unwrap();
    let cases: Vec<String> = vec![
        String::new(),
        "a".into(),
        s.as_str().into(),
        s.mask().unwrap(),
        "a".repeat(31),
        "a".repeat(33),
        "a".repeat(63),
        "a".repeat(65),
        "-".repeat(32),
        "-".repeat(33),
        format!("{}é", "a".repeat(31)),
        format!("{}é", "a".repeat(63)),
        format!("{} ", "a".repeat(31)),
        "\u{ff}".repeat(64),
        "٣".repeat(32),
    ];
    let theirs = django.call("csrf_format", obj([("tokens", strings(&cases))]));
    for (case, want) in cases.iter().zip(items(&theirs)) {
        let ours = check_token_format(case)
            .err()
            .map(|e| e.reason().to_owned());
        assert_eq!(ours.as_deref(), want.as_str(), "{case:?}");
    }
}

// ---------------------------------------------------------------------------
// random requests
// ---------------------------------------------------------------------------

/// The settings of one case, in Django's terms.
#[derive(Clone, Debug)]
struct Settings {
    cookie_name: &'static str,
    cookie_age: Option<i64>,
    cookie_domain: Option<&'static str>,
    cookie_path: &'static str,
    cookie_secure: bool,
    cookie_http_only: bool,
    same_site: Option<&'static str>,
    header_meta: &'static str,
    /// As given to the Rust config (either spelling).
    header_given: &'static str,
    trusted: Vec<&'static str>,
    use_sessions: bool,
    session_domain: Option<&'static str>,
    proxy_header: bool,
    x_forwarded_host: bool,
    x_forwarded_port: bool,
    allowed_hosts: Vec<&'static str>,
    max_body: usize,
    max_fields: usize,
}

#[derive(Clone, Debug)]
struct Case {
    id: usize,
    settings: Settings,
    now: i64,
    method: &'static str,
    tls: bool,
    host: Option<String>,
    /// Header name (lowercase) and value (one char per byte).
    headers: Vec<(String, String)>,
    content_type: Option<String>,
    body: Vec<u8>,
    /// The `csrfmiddlewaretoken` value Django will decode, if the body is a
    /// form carrying it (for the framework-free check).
    form_token: Option<String>,
    session: Option<String>,
    exempt: bool,
    view_ops: Vec<&'static str>,
    vary: Option<&'static str>,
    /// The case's secret and another one.
    s: String,
    t: String,
}

fn latin1_bytes(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

fn latin1_text(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn gen_settings(rng: &mut Rng) -> Settings {
    let cookie_secure = rng.chance(40, 100);
    let mut same_site = *rng.pick(&[Some("Lax"), Some("Lax"), Some("Strict"), None]);
    if cookie_secure && rng.chance(20, 100) {
        same_site = Some("None");
    }
    let (header_meta, header_given) = *rng.pick(&[
        ("HTTP_X_CSRFTOKEN", "HTTP_X_CSRFTOKEN"),
        ("HTTP_X_CSRFTOKEN", "HTTP_X_CSRFTOKEN"),
        ("HTTP_X_CSRFTOKEN", "X-CSRFToken"),
        ("HTTP_X_XSRF_TOKEN", "HTTP_X_XSRF_TOKEN"),
        ("HTTP_X_XSRF_TOKEN", "X-XSRF-TOKEN"),
    ]);
    let all_trusted = [
        "https://trusted.example",
        "https://*.example.net",
        "http://*.example.org",
        "https://example.com:8443",
    ];
    let trusted = all_trusted
        .iter()
        .copied()
        .filter(|_| rng.chance(35, 100))
        .collect();
    Settings {
        cookie_name: rng.pick::<&str>(&["csrftoken", "csrftoken", "mycsrf"]),
        cookie_age: *rng.pick(&[Some(31_449_600), Some(31_449_600), Some(60), None]),
        cookie_domain: *rng.pick(&[None, None, Some(".example.com")]),
        cookie_path: rng.pick::<&str>(&["/", "/", "/app"]),
        cookie_secure,
        cookie_http_only: rng.chance(25, 100),
        same_site,
        header_meta,
        header_given,
        trusted,
        use_sessions: rng.chance(25, 100),
        session_domain: *rng.pick(&[None, Some(".example.com")]),
        proxy_header: rng.chance(25, 100),
        x_forwarded_host: rng.chance(15, 100),
        x_forwarded_port: rng.chance(15, 100),
        allowed_hosts: rng
            .pick(&[
                vec!["*"],
                vec!["*"],
                vec!["example.com", ".example.com", "testserver"],
                vec!["other.example"],
            ])
            .clone(),
        max_body: *rng.pick(&[2_621_440, 2_621_440, 2_621_440, 64]),
        max_fields: *rng.pick(&[1000, 1000, 1000, 3]),
    }
}

/// Replaces a few characters of a form value by `%XX` escapes.
fn percent_some(rng: &mut Rng, value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii() && rng.chance(10, 100) {
                format!("%{:02X}", u32::from(c))
            } else if !c.is_ascii() {
                c.to_string().bytes().map(|b| format!("%{b:02X}")).collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A URL-like string from the pieces Python's `urlsplit` and
/// `ipaddress` treat specially, to exercise their reproduction.
fn random_url(rng: &mut Rng) -> String {
    let head = *rng.pick(&[
        "https://",
        "https://",
        "HTTPS://",
        "http://",
        "https:",
        "//",
        " https://",
        "h1+s://",
        "",
    ]);
    let pieces = [
        "[",
        "]",
        ":",
        "::",
        "/",
        "?",
        "#",
        "@",
        "%",
        "%25",
        ".",
        "v1",
        "v",
        "1",
        "01",
        "255",
        "256",
        "ffff",
        "fe80",
        "1.2.3.4",
        "example.com",
        "www.example.com",
        "EXAMPLE",
        "\t",
        " ",
        "\u{e9}",
        "\u{a0}",
        "x",
        "-",
        "_",
    ];
    let mut url = head.to_owned();
    for _ in 0..rng.below(8) {
        url.push_str(rng.pick::<&str>(&pieces));
    }
    url
}

fn gen_case(rng: &mut Rng, id: usize) -> Case {
    let settings = gen_settings(rng);
    let s = CsrfSecret::generate().unwrap();
    let t = CsrfSecret::generate().unwrap();
    let method = *rng.pick(&[
        "POST", "POST", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "GET", "HEAD", "OPTIONS",
        "TRACE", "post",
    ]);
    let tls = rng.chance(50, 100);
    let mut host = rng
        .pick(&[
            Some("example.com"),
            Some("example.com"),
            Some("example.com"),
            Some("www.example.com"),
            Some("example.com:8443"),
            Some("EXAMPLE.com"),
            Some("bad host"),
            Some("example.com:"),
            Some("[::1]:8000"),
            Some("example.com."),
            Some("xn--bcher-kva.example.com"),
            None,
        ])
        .map(str::to_owned);
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, value: String| headers.push((name.to_owned(), value));
    if let Some(h) = &host {
        add("host", h.clone());
    }
    if rng.chance(15, 100) {
        add(
            "x-forwarded-host",
            (*rng.pick(&["proxy.example.com", "a b"])).to_owned(),
        );
    }
    if rng.chance(15, 100) {
        add("x-forwarded-port", (*rng.pick(&["8443", "443"])).to_owned());
    }
    if rng.chance(40, 100) {
        add(
            "x-forwarded-proto",
            (*rng.pick(&["https", "http", " https , http", "HTTPS"])).to_owned(),
        );
    }
    let scheme = if tls { "https" } else { "http" };
    let own = format!("{scheme}://{}", host.as_deref().unwrap_or("testserver"));
    if rng.chance(50, 100) {
        let origin = *rng.pick(&[
            own.as_str(),
            own.as_str(),
            "http://example.com",
            "https://example.com",
            "https://trusted.example",
            "https://a.example.net",
            "https://example.net",
            "http://a.example.org",
            "null",
            "https://[::1",
            "https://evil.example",
            "HTTPS://a.example.net",
            "https://example.com:8443",
            "https://EXAMPLE.com",
            "http://example.com:80",
            "https://\u{e9}.example.net",
            "https://a.example.net/",
        ]);
        let origin = if rng.chance(15, 100) {
            random_url(rng)
        } else {
            origin.to_owned()
        };
        add("origin", origin);
    }
    if rng.chance(70, 100) {
        let referer = rng
            .pick(&[
                format!("{own}/form"),
                "https://example.com/form?x=1#y".to_owned(),
                "http://example.com/".to_owned(),
                "https://www.example.com/".to_owned(),
                "example.com/x".to_owned(),
                "https://".to_owned(),
                "https://evil.example/p?q#f".to_owned(),
                "https://a.example.net/".to_owned(),
                "https://[bad/".to_owned(),
                "https://example.com:8443/".to_owned(),
                " \thttps://EXAMPLE.com/a?#".to_owned(),
                "https://\u{e9}.example/".to_owned(),
                "https://[::1]:8000/x".to_owned(),
                "https://trusted.example/".to_owned(),
                "https://[fe80::1%25eth0]/".to_owned(),
                "https://[fe80::1%eth0]/".to_owned(),
                "https://[v1.x]/".to_owned(),
                "https://[1.2.3.4]/".to_owned(),
                "https://[1.2.3.04]/".to_owned(),
                "https://[::ffff:1.2.3.4]:443/".to_owned(),
                "https://[1::2::3]/".to_owned(),
                "https://ex\tample.com/".to_owned(),
                "https://example.com\u{a0}/".to_owned(),
                "https://www.example.com./".to_owned(),
                "https:example.com/".to_owned(),
                "https://user@example.com/".to_owned(),
            ])
            .clone();
        let referer = if rng.chance(25, 100) {
            random_url(rng)
        } else {
            referer
        };
        add("referer", referer);
    }
    // The secret's storage.
    let secret_forms = [
        s.as_str().to_owned(),
        s.as_str().to_owned(),
        s.mask().unwrap(),
        "abc".to_owned(),
        "-".repeat(32),
        t.as_str().to_owned(),
    ];
    let mut session = None;
    if settings.use_sessions {
        if rng.chance(80, 100) {
            session = Some(
                rng.pick(&[
                    s.as_str().to_owned(),
                    s.as_str().to_owned(),
                    s.mask().unwrap(),
                    "short".to_owned(),
                ])
                .clone(),
            );
        }
    } else if rng.chance(80, 100) {
        let value = rng.pick(&secret_forms).clone();
        let mut cookie = format!("{}={value}", settings.cookie_name);
        if rng.chance(20, 100) {
            cookie = format!("theme=dark; {cookie}");
        }
        if rng.chance(10, 100) {
            cookie = format!("{cookie}; sessionid=x");
        }
        add("cookie", cookie);
    }
    if settings.use_sessions && rng.chance(20, 100) {
        // A CSRF cookie is ignored when the secret is in the session.
        add("cookie", format!("{}={}", settings.cookie_name, t.as_str()));
    }
    // The token.
    let mut bad_chars = s.mask().unwrap();
    bad_chars.replace_range(0..1, "\u{e9}");
    let token = rng
        .pick(&[
            s.mask().unwrap(),
            s.mask().unwrap(),
            s.mask().unwrap(),
            s.as_str().to_owned(),
            t.mask().unwrap(),
            "short".to_owned(),
            "!".repeat(64),
            String::new(),
            bad_chars,
        ])
        .clone();
    let header_name = settings.header_meta["HTTP_".len()..]
        .replace('_', "-")
        .to_ascii_lowercase();
    let place = rng.below(5); // 0 none, 1 header, 2 form, 3 both, 4 form with another header token
    if place == 1 || place == 3 {
        add(&header_name, token.clone());
    }
    if place == 4 {
        add(
            &header_name,
            rng.pick(&[s.as_str().to_owned(), "bad".to_owned()]).clone(),
        );
    }
    let mut content_type = None;
    let mut body = Vec::new();
    let mut form_token = None;
    if place >= 2 {
        let multipart = settings.max_body > 64 && rng.chance(20, 100);
        if multipart {
            content_type = Some("multipart/form-data; boundary=XyZ-b0undary".to_owned());
            let mut parts = vec![
                ("a", "1".to_owned()),
                ("csrfmiddlewaretoken", token.clone()),
            ];
            if rng.chance(20, 100) {
                parts.insert(0, ("csrfmiddlewaretoken", t.mask().unwrap()));
            }
            for (name, value) in &parts {
                body.extend_from_slice(b"--XyZ-b0undary\r\n");
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"--XyZ-b0undary--\r\n");
            form_token = Some(token.clone());
        } else {
            content_type = Some(
                (*rng.pick(&[
                    "application/x-www-form-urlencoded",
                    "application/x-www-form-urlencoded",
                    "application/x-www-form-urlencoded; charset=utf-8",
                    "application/json",
                ]))
                .to_owned(),
            );
            let mut fields = vec!["a=1".to_owned()];
            if rng.chance(20, 100) {
                fields.push(format!("csrfmiddlewaretoken={}", t.mask().unwrap()));
            }
            fields.push(format!("csrfmiddlewaretoken={}", percent_some(rng, &token)));
            if rng.chance(50, 100) {
                fields.push("b=x+y&&c".to_owned());
            }
            body = fields.join("&").into_bytes();
            if content_type
                .as_deref()
                .is_some_and(|ct| ct.contains("urlencoded"))
            {
                form_token = Some(token.clone());
            }
        }
    }
    if body.is_empty() {
        content_type = None;
    }
    let mut view_ops = rng
        .pick(&[
            vec![],
            vec![],
            vec!["get_token"],
            vec!["rotate"],
            vec!["rotate", "get_token"],
            vec!["get_token", "get_token"],
        ])
        .clone();
    if session.as_deref() == Some("short") {
        // Django masks such a value into a malformed token; see the module
        // docs of django::csrf.
        view_ops.retain(|op| *op != "get_token");
    }
    if host.is_some() && rng.chance(3, 100) {
        host = None;
        headers.retain(|(n, _)| n != "host");
    }
    Case {
        id,
        settings,
        now: 1_700_000_000 + i64::try_from(rng.below(100_000)).unwrap(),
        method,
        tls,
        host,
        headers,
        content_type,
        body,
        form_token,
        session,
        exempt: rng.chance(8, 100),
        view_ops,
        vary: *rng.pick(&[None, None, Some("Accept-Encoding"), Some("cookie")]),
        s: s.as_str().to_owned(),
        t: t.as_str().to_owned(),
    }
}

impl Case {
    /// Django's `SERVER_PORT`, as the layer derives it from the host.
    fn server_port(&self) -> String {
        let host = self.host.as_deref().unwrap_or("testserver");
        match host.rsplit_once(':') {
            Some((_, port)) if !port.contains(']') => port.to_owned(),
            _ if self.tls => "443".to_owned(),
            _ => "80".to_owned(),
        }
    }

    fn django(&self) -> Value {
        let st = &self.settings;
        let opt = |v: Option<&str>| v.map_or(Value::Null, Value::from);
        let settings = obj([
            ("CSRF_COOKIE_NAME", Value::from(st.cookie_name)),
            (
                "CSRF_COOKIE_AGE",
                st.cookie_age.map_or(Value::Null, Value::from),
            ),
            ("CSRF_COOKIE_DOMAIN", opt(st.cookie_domain)),
            ("CSRF_COOKIE_PATH", Value::from(st.cookie_path)),
            ("CSRF_COOKIE_SECURE", Value::Bool(st.cookie_secure)),
            ("CSRF_COOKIE_HTTPONLY", Value::Bool(st.cookie_http_only)),
            ("CSRF_COOKIE_SAMESITE", opt(st.same_site)),
            ("CSRF_HEADER_NAME", Value::from(st.header_meta)),
            (
                "CSRF_TRUSTED_ORIGINS",
                Value::Array(st.trusted.iter().map(|t| Value::from(*t)).collect()),
            ),
            ("CSRF_USE_SESSIONS", Value::Bool(st.use_sessions)),
            ("SESSION_COOKIE_DOMAIN", opt(st.session_domain)),
            (
                "SECURE_PROXY_SSL_HEADER",
                if st.proxy_header {
                    Value::Array(vec!["HTTP_X_FORWARDED_PROTO".into(), "https".into()])
                } else {
                    Value::Null
                },
            ),
            ("USE_X_FORWARDED_HOST", Value::Bool(st.x_forwarded_host)),
            ("USE_X_FORWARDED_PORT", Value::Bool(st.x_forwarded_port)),
            (
                "ALLOWED_HOSTS",
                Value::Array(st.allowed_hosts.iter().map(|h| Value::from(*h)).collect()),
            ),
            ("DATA_UPLOAD_MAX_MEMORY_SIZE", Value::from(st.max_body)),
            ("DATA_UPLOAD_MAX_NUMBER_FIELDS", Value::from(st.max_fields)),
        ]);
        let mut meta = signed_session::Map::new();
        for (name, value) in &self.headers {
            let key = format!("HTTP_{}", name.replace('-', "_").to_ascii_uppercase());
            // Repeated headers are joined, as a WSGI server does.
            match meta.get_mut(&key) {
                Some(Value::String(existing)) => {
                    existing.push(',');
                    existing.push_str(value);
                }
                _ => {
                    meta.insert(key, Value::from(value.as_str()));
                }
            }
        }
        meta.insert("SERVER_PORT".into(), Value::from(self.server_port()));
        let session = self.session.as_ref().map_or(Value::Null, |v| {
            obj([(CSRF_SESSION_KEY, Value::from(v.as_str()))])
        });
        obj([
            ("settings", settings),
            ("now", Value::from(self.now)),
            ("method", Value::from(self.method)),
            ("secure", Value::Bool(self.tls)),
            ("meta", Value::Object(meta)),
            ("body", Value::from(latin1_text(&self.body))),
            (
                "content_type",
                self.content_type
                    .as_deref()
                    .map_or(Value::Null, Value::from),
            ),
            ("session", session),
            ("exempt", Value::Bool(self.exempt)),
            (
                "view_ops",
                Value::Array(self.view_ops.iter().map(|o| Value::from(*o)).collect()),
            ),
            ("vary", self.vary.map_or(Value::Null, Value::from)),
        ])
    }

    fn config(&self) -> CsrfConfig {
        let st = &self.settings;
        let clock = ManualClock::new(OffsetDateTime::from_unix_timestamp(self.now).unwrap());
        CsrfConfig::new()
            .with_cookie_name(st.cookie_name)
            .with_cookie_age(st.cookie_age.map(time::Duration::seconds))
            .with_cookie_domain(st.cookie_domain.map(str::to_owned))
            .with_cookie_path(Some(st.cookie_path.to_owned()))
            .with_cookie_secure(st.cookie_secure)
            .with_cookie_http_only(st.cookie_http_only)
            .with_cookie_same_site(st.same_site.map(|s| s.parse::<SameSite>().unwrap()))
            .with_header_name(st.header_given)
            .with_trusted_origins(st.trusted.iter().map(|t| (*t).to_owned()).collect())
            .with_use_sessions(st.use_sessions)
            .with_session_cookie_domain(st.session_domain.map(str::to_owned))
            .with_secure_proxy_ssl_header(
                st.proxy_header
                    .then(|| ("HTTP_X_FORWARDED_PROTO".to_owned(), "https".to_owned())),
            )
            .with_use_x_forwarded_host(st.x_forwarded_host)
            .with_use_x_forwarded_port(st.x_forwarded_port)
            .with_allowed_hosts(st.allowed_hosts.iter().map(|h| (*h).to_owned()).collect())
            .with_max_body_size(st.max_body)
            .with_max_form_fields(Some(st.max_fields))
            .with_https(self.tls)
            .with_clock(clock)
    }

    fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(&latin1_bytes(value)).unwrap(),
            );
        }
        if let Some(ct) = &self.content_type {
            map.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_str(ct).unwrap(),
            );
        }
        map
    }

    /// The class of a secret value: the case's own, the other, a fresh
    /// one, or as it is.
    fn class(&self, value: Option<&str>) -> String {
        match value {
            None => "none".into(),
            Some(v) if v == self.s => "S".into(),
            Some(v) if v == self.t => "T".into(),
            Some(v) if v.len() == 32 && v.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                "fresh".into()
            }
            Some(v) => format!("other:{v}"),
        }
    }
}

/// What the Rust layer answered.
struct LayerAnswer {
    status: StatusCode,
    reason: Option<String>,
    kind: Option<CsrfRejectionKind>,
    body: String,
    view_ran: bool,
    tokens: Vec<String>,
    set_cookie: Option<String>,
    vary: Option<String>,
    session_secret: Option<String>,
    session_modified: Option<bool>,
    echoed_body: Option<Vec<u8>>,
}

/// The view of the in-process router: runs the ops named in
/// `x-view-ops`, echoes the body, lists the tokens in `x-tokens`.
async fn view(csrf: CsrfHandle, request: Request<Body>) -> http::Response<Body> {
    let ops = request
        .headers()
        .get("x-view-ops")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let vary = request.headers().get("x-view-vary").cloned();
    let mut tokens = Vec::new();
    for op in ops.split(',').filter(|o| !o.is_empty()) {
        match op {
            "get_token" => tokens.push(csrf.token()),
            "rotate" => csrf.rotate(),
            other => panic!("unknown view op {other}"),
        }
    }
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let mut response = http::Response::new(Body::from(body));
    response.headers_mut().insert(
        "x-tokens",
        HeaderValue::from_str(&tokens.join(",")).unwrap(),
    );
    response
        .headers_mut()
        .insert("x-view-ran", HeaderValue::from_static("1"));
    if let Some(vary) = vary {
        response.headers_mut().insert(http::header::VARY, vary);
    }
    response
}

fn session_middleware() -> Arc<SessionMiddleware> {
    let keys = Keyring::new(Secret::new("csrf differential session key").unwrap());
    Arc::new(SessionMiddleware::new(&keys, SessionConfig::new(), CookieConfig::new()).unwrap())
}

async fn run_layer(case: &Case, sessions: &Arc<SessionMiddleware>) -> LayerAnswer {
    let layer = CsrfLayer::new(case.config()).unwrap();
    let mut router: Router = Router::new().route("/submit", any(view)).layer(layer);
    let uri = if case.host.is_some() {
        "/submit".to_owned()
    } else {
        format!(
            "{}://testserver/submit",
            if case.tls { "https" } else { "http" }
        )
    };
    let mut request = Request::builder()
        .method(Method::from_bytes(case.method.as_bytes()).unwrap())
        .uri(uri)
        .body(Body::from(case.body.clone()))
        .unwrap();
    *request.headers_mut() = case.header_map();
    request.headers_mut().insert(
        "x-view-ops",
        HeaderValue::from_str(&case.view_ops.join(",")).unwrap(),
    );
    if let Some(vary) = case.vary {
        request
            .headers_mut()
            .insert("x-view-vary", HeaderValue::from_static(vary));
    }
    if case.exempt {
        request.extensions_mut().insert(CsrfExempt);
    }
    let handle = case.settings.use_sessions.then(|| {
        let mut session = Session::new();
        if let Some(value) = &case.session {
            session.insert(CSRF_SESSION_KEY, value.as_str());
        }
        session.set_modified(false);
        SessionHandle::new(session, Arc::clone(sessions))
    });
    if let Some(handle) = &handle {
        request.extensions_mut().insert(handle.clone());
    }
    let response = router.call(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    let name = format!("{}=", case.settings.cookie_name);
    let set_cookie = parts
        .headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|line| line.starts_with(&name));
    let view_ran = parts.headers.contains_key("x-view-ran");
    LayerAnswer {
        status: parts.status,
        reason: parts
            .extensions
            .get::<CsrfRejection>()
            .map(ToString::to_string),
        kind: parts
            .extensions
            .get::<CsrfRejection>()
            .map(CsrfRejection::kind),
        body: String::from_utf8_lossy(&body).into_owned(),
        view_ran,
        tokens: parts
            .headers
            .get("x-tokens")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        set_cookie,
        vary: parts
            .headers
            .get(http::header::VARY)
            .map(|v| v.to_str().unwrap().to_owned()),
        session_secret: handle.as_ref().and_then(|h| {
            h.get(CSRF_SESSION_KEY)
                .and_then(|v| v.as_str().map(str::to_owned))
        }),
        session_modified: handle.as_ref().map(|h| h.with(Session::modified)),
        echoed_body: view_ran.then_some(body),
    }
}

/// The framework-free check on the same request.
fn run_check(case: &Case) -> Result<(), CsrfRejection> {
    let config = case.config();
    let headers = case.header_map();
    let method = Method::from_bytes(case.method.as_bytes()).unwrap();
    let port = case.server_port();
    let authority = case.host.is_none().then_some("testserver");
    let request = CsrfRequest::new(&method, &headers)
        .with_tls(case.tls)
        .with_server_port(Some(&port))
        .with_authority(authority)
        .with_form_token(case.form_token.as_deref())
        .with_session_secret(case.session.as_deref());
    check(&config, &request)
}

/// The cookie line without its value.
fn attributes(line: Option<&str>) -> Option<String> {
    line.map(|l| l.split_once(';').map_or("", |(_, rest)| rest).to_owned())
}

fn cookie_value(line: Option<&str>) -> Option<String> {
    line.map(|l| {
        let first = l.split(';').next().unwrap();
        first.split_once('=').unwrap().1.to_owned()
    })
}

fn compare(case: &Case, django: &Value, ours: &LayerAnswer) -> Result<(), String> {
    let mut problems: Vec<String> = Vec::new();
    fn differ(problems: &mut Vec<String>, what: &str, theirs: String, mine: String) {
        if theirs != mine {
            problems.push(format!("{what}: Django {theirs}, Rust {mine}"));
        }
    }
    macro_rules! expect {
        ($what:expr, $theirs:expr, $mine:expr $(,)?) => {
            differ(&mut problems, $what, $theirs, $mine)
        };
    }
    let error = field(django, "error").as_str();
    let django_status = field(django, "status").as_i64().unwrap();
    let want_status = match error {
        None => django_status,
        Some("RequestDataTooBig") => 413,
        Some("TooManyFieldsSent" | "MultiPartParserError") => 400,
        Some(other) => return Err(format!("Django raised {other}")),
    };
    expect!(
        "status",
        want_status.to_string(),
        ours.status.as_u16().to_string(),
    );
    let django_reason = field(django, "reason").as_str().map(str::to_owned);
    expect!(
        "reason",
        format!("{django_reason:?}"),
        format!("{:?}", ours.reason),
    );
    if let Some(reason) = &ours.reason
        && !ours.body.contains(reason.as_str())
    {
        problems.push(format!("the 403 body lacks the reason: {:?}", ours.body));
    }
    expect!(
        "view ran",
        field(django, "view_ran").as_bool().unwrap().to_string(),
        ours.view_ran.to_string(),
    );
    // (axum answers HEAD without a body.)
    if let Some(echo) = &ours.echoed_body
        && !case.method.eq_ignore_ascii_case("HEAD")
        && echo != &case.body
    {
        problems.push("the handler did not get the body unchanged".into());
    }
    let django_cookie = field(django, "set_cookie").as_str();
    expect!(
        "Set-Cookie attributes",
        format!("{:?}", attributes(django_cookie)),
        format!("{:?}", attributes(ours.set_cookie.as_deref())),
    );
    let django_value = field(django, "cookie_value").as_str();
    let our_value = cookie_value(ours.set_cookie.as_deref());
    expect!(
        "cookie value",
        case.class(django_value),
        case.class(our_value.as_deref()),
    );
    expect!(
        "Vary",
        format!("{:?}", field(django, "vary").as_str()),
        format!("{:?}", ours.vary.as_deref()),
    );
    if case.settings.use_sessions {
        expect!(
            "session secret",
            case.class(field(django, "session_secret").as_str()),
            case.class(ours.session_secret.as_deref()),
        );
        expect!(
            "session modified",
            format!("{:?}", field(django, "session_modified").as_bool()),
            format!("{:?}", ours.session_modified),
        );
    }
    // Tokens: as many, and each carries the secret sent back.
    let django_tokens: Vec<String> = items(field(django, "tokens"))
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    expect!(
        "token count",
        django_tokens.len().to_string(),
        ours.tokens.len().to_string(),
    );
    let django_secret = field(django, "meta_secret").as_str();
    for token in &django_tokens {
        let unmasked = CsrfSecret::unmask(token).map(|s| s.as_str().to_owned());
        if unmasked.as_deref().ok() != django_secret {
            problems.push(format!(
                "Django's token {token} does not unmask to its secret"
            ));
        }
    }
    let our_secret = if case.settings.use_sessions {
        ours.session_secret.clone()
    } else {
        our_value
    };
    for token in &ours.tokens {
        let unmasked = CsrfSecret::unmask(token).map(|s| s.as_str().to_owned());
        if unmasked.ok() != our_secret {
            problems.push(format!(
                "our token {token} does not unmask to the secret sent"
            ));
        }
    }
    // The framework-free check, where Django's process_view ran its checks.
    let checked = !case.exempt
        && !["GET", "HEAD", "OPTIONS", "TRACE"]
            .contains(&case.method.to_ascii_uppercase().as_str());
    if checked && error.is_none() {
        let ours = run_check(case).err().map(|r| r.to_string());
        expect!("check()", format!("{django_reason:?}"), format!("{ours:?}"),);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

#[test]
fn random_requests_match_django() {
    let Some(mut django) = oracle::django() else {
        return;
    };
    let seed = std::env::var("SIGNED_SESSION_CSRF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let count: usize = std::env::var("SIGNED_SESSION_CSRF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let mut rng = Rng::new(seed);
    let cases: Vec<Case> = (0..count).map(|id| gen_case(&mut rng, id)).collect();
    let mut answers = Vec::new();
    for chunk in cases.chunks(100) {
        let batch = Value::Array(chunk.iter().map(Case::django).collect());
        answers.extend(items(&django.call("csrf_requests", obj([("cases", batch)]))).to_vec());
    }
    drop(django);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sessions = session_middleware();
    let mut failures = Vec::new();
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for (case, answer) in cases.iter().zip(&answers) {
        let ours = runtime.block_on(run_layer(case, &sessions));
        let outcome = match ours.kind {
            Some(kind) => format!("403 {kind}"),
            None => ours.status.as_u16().to_string(),
        };
        *tally.entry(outcome).or_default() += 1;
        if let Err(why) = compare(case, answer, &ours) {
            failures.push(format!("case {} (seed {seed}): {why}\n  {case:?}", case.id));
        }
    }
    oracle::report(&format!(
        "django csrf: {count} random requests (seed {seed}, SIGNED_SESSION_CSRF_SEED replays), outcomes {tally:?}"
    ));
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ from Django:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------------------
// over real HTTP
// ---------------------------------------------------------------------------

async fn form_page(csrf: CsrfHandle) -> String {
    csrf.token()
}

async fn submit(body: String) -> String {
    format!("got {body}")
}

async fn login(csrf: CsrfHandle) -> &'static str {
    csrf.rotate();
    "rotated"
}

fn http_app(config: CsrfConfig) -> Router {
    let layer = CsrfLayer::new(config)
        .unwrap()
        .with_exempt_when(|head| head.uri.path().starts_with("/hooks/"));
    Router::new()
        .route("/form", get(form_page))
        .route("/submit", post(submit))
        .route("/login", post(login))
        .route("/hooks/in", post(submit))
        .layer(layer)
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn over_http_a_form_token_from_the_extractor_is_accepted() {
    let clock = ManualClock::new(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
    let addr = serve(http_app(
        CsrfConfig::new()
            .with_cookie_secure(true)
            .with_cookie_same_site(Some(SameSite::Strict))
            .with_clock(clock),
    ))
    .await;

    let page = send_headers(addr, "GET", "/form", &[], "").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page.body.clone();
    assert_eq!(token.len(), 64);
    let line = page.cookie_line("csrftoken").expect("the cookie is set");
    let secret = page.cookie("csrftoken").unwrap();
    assert_eq!(
        line,
        format!(
            "csrftoken={secret}; expires=Tue, 12 Nov 2024 22:13:20 GMT; Max-Age=31449600; Path=/; SameSite=Strict; Secure"
        )
    );
    assert_eq!(page.header("vary").as_deref(), Some("Cookie"));
    assert_eq!(CsrfSecret::unmask(&token).unwrap().as_str(), secret);

    let cookie = format!("csrftoken={secret}");
    let body = format!("a=1&csrfmiddlewaretoken={token}&b=2");
    let ok = http_client::send(addr, "POST", "/submit", Some(&cookie), Some(&body)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body, format!("got {body}"), "the handler gets the body");
    assert!(ok.cookie_line("csrftoken").is_none(), "no renewal needed");

    // The header works too, masked or not; and a new page renews the cookie.
    for header_token in [token.as_str(), secret.as_str()] {
        let ok = send_headers(
            addr,
            "POST",
            "/submit",
            &[("cookie", &cookie), ("x-csrftoken", header_token)],
            "{}",
        )
        .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    }
    let again = send_headers(addr, "GET", "/form", &[("cookie", &cookie)], "").await;
    assert_eq!(again.cookie("csrftoken").as_deref(), Some(secret.as_str()));
    assert_ne!(again.body, token, "a new mask each time");

    // Login rotates: the old token stops working.
    let rotated = send_headers(
        addr,
        "POST",
        "/login",
        &[("cookie", &cookie), ("x-csrftoken", &token)],
        "",
    )
    .await;
    assert_eq!(rotated.status, StatusCode::OK);
    let new_secret = rotated.cookie("csrftoken").unwrap();
    assert_ne!(new_secret, secret);
    let stale = send_headers(
        addr,
        "POST",
        "/submit",
        &[
            ("cookie", &format!("csrftoken={new_secret}")),
            ("x-csrftoken", &token),
        ],
        "",
    )
    .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
}

/// Headers, body, Django's reason, and the kind of the rejection.
type RefusalCase<'a> = (
    &'a [(&'a str, &'a str)],
    &'a str,
    &'a str,
    CsrfRejectionKind,
);

#[tokio::test]
async fn over_http_missing_or_wrong_tokens_are_403_with_djangos_reason() {
    let addr = serve(http_app(CsrfConfig::new())).await;
    let secret = CsrfSecret::generate().unwrap();
    let cookie = format!("csrftoken={}", secret.as_str());
    let other = CsrfSecret::generate().unwrap().mask().unwrap();
    let cases: [RefusalCase<'_>; 6] = [
        (&[], "", "CSRF cookie not set.", CsrfRejectionKind::NoCookie),
        (
            &[("cookie", cookie.as_str())],
            "",
            "CSRF token missing.",
            CsrfRejectionKind::TokenMissing,
        ),
        (
            &[("cookie", cookie.as_str()), ("content-type", FORM)],
            "csrfmiddlewaretoken=abc",
            "CSRF token from POST has incorrect length.",
            CsrfRejectionKind::BadToken,
        ),
        (
            &[("cookie", cookie.as_str()), ("x-csrftoken", other.as_str())],
            "",
            "CSRF token from the 'X-Csrftoken' HTTP header incorrect.",
            CsrfRejectionKind::IncorrectToken,
        ),
        (
            &[("cookie", "csrftoken=bad")],
            "",
            "CSRF cookie has incorrect length.",
            CsrfRejectionKind::BadCookie,
        ),
        (
            &[
                ("cookie", cookie.as_str()),
                ("origin", "https://evil.example"),
            ],
            "",
            "Origin checking failed - https://evil.example does not match any trusted origins.",
            CsrfRejectionKind::BadOrigin,
        ),
    ];
    for (headers, body, reason, kind) in cases {
        let reply = send_headers(addr, "POST", "/submit", headers, body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reason}");
        assert!(reply.body.contains(reason), "{reason}: {}", reply.body);
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("text/plain; charset=utf-8")
        );
        // A bad cookie is replaced on the 403 itself, as Django does.
        assert_eq!(
            reply.cookie_line("csrftoken").is_some(),
            kind == CsrfRejectionKind::BadCookie,
            "{reason}"
        );
    }
    // Exempt routes and safe methods pass without anything.
    let hook = send_headers(addr, "POST", "/hooks/in", &[], "x").await;
    assert_eq!(hook.status, StatusCode::OK);
    let safe = send_headers(addr, "GET", "/form", &[], "").await;
    assert_eq!(safe.status, StatusCode::OK);
}

#[tokio::test]
async fn over_http_an_oversized_form_is_413_and_the_handle_needs_the_layer() {
    let addr = serve(http_app(CsrfConfig::new().with_max_body_size(100))).await;
    let secret = CsrfSecret::generate().unwrap();
    let cookie = format!("csrftoken={}", secret.as_str());
    let body = format!(
        "csrfmiddlewaretoken={}&pad={}",
        secret.as_str(),
        "x".repeat(100)
    );
    let reply = http_client::send(addr, "POST", "/submit", Some(&cookie), Some(&body)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Another content type is not read: the header decides.
    let reply = send_headers(
        addr,
        "POST",
        "/submit",
        &[
            ("cookie", &cookie),
            ("content-type", "application/json"),
            ("x-csrftoken", secret.as_str()),
        ],
        &body,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);

    let bare = serve(Router::new().route("/form", get(form_page))).await;
    let reply = send_headers(bare, "GET", "/form", &[], "").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.body.contains("CsrfLayer"), "{}", reply.body);
}

async fn session_form(csrf: CsrfHandle, session: SessionHandle) -> String {
    let token = csrf.token();
    session.insert("seen", true);
    token
}

#[tokio::test]
async fn over_http_the_secret_can_live_in_the_session() {
    let keys = Keyring::new(Secret::new("csrf in the session, over http").unwrap());
    let sessions =
        SessionMiddleware::new(&keys, SessionConfig::new(), CookieConfig::new()).unwrap();
    let csrf = CsrfLayer::new(CsrfConfig::new().with_use_sessions(true)).unwrap();
    let app = Router::new()
        .route("/form", get(session_form))
        .route("/submit", post(submit))
        .layer(csrf)
        .layer(SessionLayer::new(sessions));
    let addr = serve(app).await;

    let page = send_headers(addr, "GET", "/form", &[], "").await;
    assert!(page.cookie_line("csrftoken").is_none(), "no CSRF cookie");
    let session = page.cookie("sessionid").expect("the session carries it");
    let token = page.body.clone();
    let cookie = format!("sessionid={session}");
    let body = format!("csrfmiddlewaretoken={token}");
    let ok = http_client::send(addr, "POST", "/submit", Some(&cookie), Some(&body)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let no_session = send_headers(addr, "POST", "/submit", &[("x-csrftoken", &token)], "").await;
    assert_eq!(no_session.status, StatusCode::FORBIDDEN);
    assert!(no_session.body.contains("CSRF cookie not set."));

    // Without the session layer outside, the layer says so.
    let wrong = Router::new()
        .route("/form", get(form_page))
        .layer(CsrfLayer::new(CsrfConfig::new().with_use_sessions(true)).unwrap());
    let addr = serve(wrong).await;
    let reply = send_headers(addr, "GET", "/form", &[], "").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.body.contains("SessionLayer"), "{}", reply.body);
}

//! Reading the session cookie from `Cookie` request headers, and writing
//! `Set-Cookie` header values byte for byte as Django does.

use ::http::HeaderMap;
use ::http::header::COOKIE;
use cookie::Cookie;
use time::OffsetDateTime;

use super::config::{CookieConfig, SameSite};

/// Django's deletion date, the Unix epoch as an IMF-fixdate.
pub(crate) const EPOCH_DATE: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

/// The value of the cookie `name` in a request, as Django's
/// `request.COOKIES.get(name)` sees it: every `Cookie` header is read in
/// order (HTTP/2 may split them), and when the name repeats the **last**
/// occurrence wins. Surrounding double quotes are removed. Pieces the
/// `cookie` crate cannot parse are skipped; bytes that are not UTF-8 are
/// replaced, so another cookie's odd value cannot hide ours.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::COOKIE};
/// use signed_session::http::request_cookie;
///
/// let mut headers = HeaderMap::new();
/// headers.append(COOKIE, HeaderValue::from_static("sessionid=first; theme=dark"));
/// headers.append(COOKIE, HeaderValue::from_static("sessionid=second"));
/// assert_eq!(request_cookie(&headers, "sessionid").as_deref(), Some("second"));
/// assert_eq!(request_cookie(&headers, "csrftoken"), None);
/// ```
pub fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = None;
    for header in headers.get_all(COOKIE) {
        let text = String::from_utf8_lossy(header.as_bytes());
        for cookie in Cookie::split_parse(text.as_ref()).flatten() {
            if cookie.name() == name {
                found = Some(cookie.value_trimmed().to_owned());
            }
        }
    }
    found
}

/// Formats Unix seconds as an IMF-fixdate (`Wdy, DD Mon YYYY HH:MM:SS GMT`,
/// RFC 9110 §5.6.7), Django's `http_date`. Times outside years 1 to 9999
/// are clamped.
///
/// ```
/// use signed_session::http::http_date;
///
/// assert_eq!(http_date(1_700_001_000 + 1_209_600), "Tue, 28 Nov 2023 22:30:00 GMT");
/// assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
/// ```
pub fn http_date(unix_seconds: i64) -> String {
    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    const MIN: i64 = -62_135_596_800;
    const MAX: i64 = 253_402_300_799;
    let at = OffsetDateTime::from_unix_timestamp(unix_seconds.clamp(MIN, MAX))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let weekday = match at.weekday() {
        time::Weekday::Monday => "Mon",
        time::Weekday::Tuesday => "Tue",
        time::Weekday::Wednesday => "Wed",
        time::Weekday::Thursday => "Thu",
        time::Weekday::Friday => "Fri",
        time::Weekday::Saturday => "Sat",
        time::Weekday::Sunday => "Sun",
    };
    let month = match at.month() {
        time::Month::January => "Jan",
        time::Month::February => "Feb",
        time::Month::March => "Mar",
        time::Month::April => "Apr",
        time::Month::May => "May",
        time::Month::June => "Jun",
        time::Month::July => "Jul",
        time::Month::August => "Aug",
        time::Month::September => "Sep",
        time::Month::October => "Oct",
        time::Month::November => "Nov",
        time::Month::December => "Dec",
    };
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        at.day(),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// `Max-Age` and `expires` of a persistent cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lifetime {
    pub(crate) max_age: i64,
    pub(crate) expires: String,
}

/// The `Set-Cookie` value Django's `response.set_cookie(...)` produces for
/// the session: attributes in Python's sorted order (`Domain`, `expires`,
/// `HttpOnly`, `Max-Age`, `Path`, `SameSite`, `Secure`). `lifetime` is
/// `None` for a browser-session cookie.
pub(crate) fn set_cookie_value(
    config: &CookieConfig,
    value: &str,
    lifetime: Option<&Lifetime>,
) -> String {
    let (max_age, expires) = match lifetime {
        Some(l) => (Some(l.max_age), Some(l.expires.as_str())),
        None => (None, None),
    };
    write_cookie(
        config.name(),
        value,
        &Attributes {
            domain: config.domain(),
            expires,
            http_only: config.http_only(),
            max_age,
            path: config.path(),
            same_site: config.same_site(),
            secure: config.secure(),
            partitioned: config.partitioned(),
        },
    )
}

/// The `Set-Cookie` value of Django's `response.delete_cookie(name, path,
/// domain, samesite)`: an empty value, the epoch as `expires`, `Max-Age=0`,
/// no `HttpOnly`, and `Secure` only for `SameSite=None` or a `__Secure-` /
/// `__Host-` name (browsers refuse those cookies without it).
pub(crate) fn deletion_cookie_value(config: &CookieConfig) -> String {
    let name = config.name();
    // A partitioned cookie is only replaced by a partitioned one, which
    // must be Secure (Django has no `Partitioned`).
    let secure = name.starts_with("__Secure-")
        || name.starts_with("__Host-")
        || config.same_site() == Some(SameSite::None)
        || config.partitioned();
    write_cookie(
        name,
        "",
        &Attributes {
            domain: config.domain(),
            expires: Some(EPOCH_DATE),
            http_only: false,
            max_age: Some(0),
            path: config.path(),
            same_site: config.same_site(),
            secure,
            partitioned: config.partitioned(),
        },
    )
}

struct Attributes<'a> {
    domain: Option<&'a str>,
    expires: Option<&'a str>,
    http_only: bool,
    max_age: Option<i64>,
    path: Option<&'a str>,
    same_site: Option<SameSite>,
    secure: bool,
    partitioned: bool,
}

fn write_cookie(name: &str, value: &str, a: &Attributes<'_>) -> String {
    use core::fmt::Write as _;

    let mut out = String::with_capacity(name.len() + value.len() + 96);
    out.push_str(name);
    out.push('=');
    // Python's cookie module writes an empty value as "".
    out.push_str(if value.is_empty() { "\"\"" } else { value });
    // Writing into a String cannot fail.
    if let Some(domain) = a.domain {
        let _ = write!(out, "; Domain={domain}");
    }
    if let Some(expires) = a.expires {
        let _ = write!(out, "; expires={expires}");
    }
    if a.http_only {
        out.push_str("; HttpOnly");
    }
    if let Some(max_age) = a.max_age {
        let _ = write!(out, "; Max-Age={max_age}");
    }
    if let Some(path) = a.path {
        let _ = write!(out, "; Path={path}");
    }
    if let Some(same_site) = a.same_site {
        let _ = write!(out, "; SameSite={same_site}");
    }
    if a.secure {
        out.push_str("; Secure");
    }
    if a.partitioned {
        out.push_str("; Partitioned");
    }
    out
}

#[cfg(test)]
mod tests {
    use ::http::HeaderValue;

    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(COOKIE, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn last_duplicate_wins_across_headers() {
        let h = headers(&[b"a=1; sessionid=x1; sessionid=x2", b"b=2; sessionid=x3"]);
        assert_eq!(request_cookie(&h, "sessionid").as_deref(), Some("x3"));
        let h = headers(&[b"sessionid=x1; b=2"]);
        assert_eq!(request_cookie(&h, "sessionid").as_deref(), Some("x1"));
    }

    #[test]
    fn names_are_exact_and_values_trimmed() {
        let h = headers(&[b"  sessionid =  \"abc:def\" ; SessionId=other"]);
        assert_eq!(request_cookie(&h, "sessionid").as_deref(), Some("abc:def"));
        assert_eq!(request_cookie(&h, "SessionId").as_deref(), Some("other"));
        assert_eq!(request_cookie(&h, "session"), None);
    }

    #[test]
    fn empty_value_is_present() {
        let h = headers(&[b"sessionid="]);
        assert_eq!(request_cookie(&h, "sessionid").as_deref(), Some(""));
    }

    #[test]
    fn garbage_is_skipped_not_fatal() {
        let h = headers(&[b"junk; =nameless; \xff\xfe=x; sessionid=tok; ;;"]);
        assert_eq!(request_cookie(&h, "sessionid").as_deref(), Some("tok"));
        // No panic on anything a client can send.
        let h = headers(&[b"=", b";", b"\xc3", b"sessionid"]);
        assert_eq!(request_cookie(&h, "sessionid"), None);
    }

    #[test]
    fn percent_escapes_are_not_decoded() {
        // Django does not decode them either; a signed value never has any.
        let h = headers(&[b"sessionid=a%3Ab"]);
        assert_eq!(request_cookie(&h, "sessionid").as_deref(), Some("a%3Ab"));
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(1_700_001_300), "Tue, 14 Nov 2023 22:35:00 GMT");
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(http_date(i64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(i64::MIN), "Mon, 01 Jan 0001 00:00:00 GMT");
    }

    #[test]
    fn django_attribute_order() {
        let config = CookieConfig::new()
            .with_name("sid")
            .with_domain(Some(".example.com".into()))
            .with_path(Some("/app".into()))
            .with_secure(true)
            .with_http_only(false)
            .with_same_site(Some(SameSite::Strict));
        let lifetime = Lifetime {
            max_age: 1_209_600,
            expires: http_date(1_700_001_000 + 1_209_600),
        };
        assert_eq!(
            set_cookie_value(&config, "v", Some(&lifetime)),
            "sid=v; Domain=.example.com; expires=Tue, 28 Nov 2023 22:30:00 GMT; \
             Max-Age=1209600; Path=/app; SameSite=Strict; Secure"
        );
        assert_eq!(
            set_cookie_value(&CookieConfig::new().with_path(None), "v", None),
            "sessionid=v; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn deletion_cookies() {
        assert_eq!(
            deletion_cookie_value(&CookieConfig::new()),
            "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
        );
        let none = CookieConfig::new().with_same_site(Some(SameSite::None));
        assert!(deletion_cookie_value(&none).ends_with("; SameSite=None; Secure"));
        for name in ["__Secure-sid", "__Host-sid"] {
            let c = CookieConfig::new().with_name(name).with_same_site(None);
            assert!(
                deletion_cookie_value(&c).ends_with("; Path=/; Secure"),
                "{name}"
            );
        }
        // Case-sensitive, as Python's startswith.
        let c = CookieConfig::new().with_name("__secure-sid");
        assert!(!deletion_cookie_value(&c).contains("Secure"));
    }

    #[test]
    fn written_cookies_parse_back() {
        let config = CookieConfig::new().with_domain(Some("example.com".into()));
        let lifetime = Lifetime {
            max_age: 300,
            expires: http_date(1_700_001_300),
        };
        let text = set_cookie_value(&config, "eyJhIjoxfQ:1r31uy:sig", Some(&lifetime));
        let parsed = Cookie::parse(text.as_str()).unwrap();
        assert_eq!(parsed.name(), "sessionid");
        assert_eq!(parsed.value(), "eyJhIjoxfQ:1r31uy:sig");
        assert_eq!(parsed.max_age(), Some(cookie::time::Duration::seconds(300)));
        assert_eq!(parsed.http_only(), Some(true));
        assert_eq!(parsed.same_site(), Some(cookie::SameSite::Lax));
        assert_eq!(parsed.path(), Some("/"));
        assert_eq!(parsed.domain(), Some("example.com"));
        let exp = parsed.expires_datetime().unwrap();
        assert_eq!(exp.unix_timestamp(), 1_700_001_300);
    }
}

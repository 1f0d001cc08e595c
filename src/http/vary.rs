//! Merging `Vary` and `Cache-Control` into a response's existing headers.

use ::http::header::{CACHE_CONTROL, VARY};
use ::http::{HeaderMap, HeaderName, HeaderValue};

/// Django's `patch_vary_headers(response, (name,))`: adds `name` to the
/// `Vary` header unless it is already listed (compared case-insensitively),
/// keeping the existing entries in order; when any entry is `*` the header
/// becomes just `*`.
///
/// Several `Vary` header lines are read as one list and written back as a
/// single line. Empty entries are dropped (Django would keep them).
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::VARY};
/// use signed_session::http::patch_vary;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
/// patch_vary(&mut headers, "Cookie");
/// assert_eq!(headers[VARY], "Accept-Encoding, Cookie");
/// patch_vary(&mut headers, "cookie");
/// assert_eq!(headers[VARY], "Accept-Encoding, Cookie");
/// ```
pub fn patch_vary(headers: &mut HeaderMap, name: &str) {
    let mut entries = list_entries(headers, &VARY);
    if !entries
        .iter()
        .any(|e| e.eq_ignore_ascii_case(name.as_bytes()))
    {
        entries.push(name.as_bytes());
    }
    let joined = if entries.iter().any(|e| *e == b"*") {
        b"*".to_vec()
    } else {
        entries.join(&b", "[..])
    };
    // The entries come from valid header values (or are `name`), so the
    // fallback only guards against a `name` that is not a header value.
    if let Ok(value) = HeaderValue::from_bytes(&joined) {
        headers.insert(VARY, value);
    }
}

/// Makes the response `Cache-Control: private`: keeps the other
/// directives, removes `public` (which contradicts it) and any qualified
/// `private="..."`, and adds a bare `private` unless one is there.
///
/// A qualified `private="Set-Cookie"` is not enough: RFC 9111 §5.2.2.7
/// lets a shared cache store such a response without the listed fields,
/// so another user could be served this user's page. Only the bare
/// directive keeps the whole response out of shared caches.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::CACHE_CONTROL};
/// use signed_session::http::patch_cache_control_private;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
/// patch_cache_control_private(&mut headers);
/// assert_eq!(headers[CACHE_CONTROL], "max-age=60, private");
/// ```
pub fn patch_cache_control_private(headers: &mut HeaderMap) {
    let mut directives: Vec<&[u8]> = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .flat_map(|value| split_outside_quotes(value.as_bytes()))
        .map(<[u8]>::trim_ascii)
        .filter(|d| !d.is_empty())
        .collect();
    directives.retain(|d| !directive_is(d, b"public") && !is_qualified_private(d));
    if !directives.iter().any(|d| directive_is(d, b"private")) {
        directives.push(b"private");
    }
    if let Ok(value) = HeaderValue::from_bytes(&directives.join(&b", "[..])) {
        headers.insert(CACHE_CONTROL, value);
    }
}

/// `private="..."` (or `private=token`): the form that leaves the rest of
/// the response storable.
fn is_qualified_private(directive: &[u8]) -> bool {
    directive_is(directive, b"private") && directive.contains(&b'=')
}

/// Splits a list header value on the commas that are not inside a quoted
/// string (`private="Set-Cookie, X-Token"` is one directive).
fn split_outside_quotes(value: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, &b) in value.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                parts.push(value.get(start..i).unwrap_or(&[]));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value.get(start..).unwrap_or(&[]));
    parts
}

/// The comma-separated entries of every line of a list header, trimmed,
/// without empty ones. Works on bytes so that odd (non-UTF-8) entries of
/// other parties are kept as they are.
fn list_entries<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Vec<&'h [u8]> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| value.as_bytes().split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|e| !e.is_empty())
        .collect()
}

/// Whether a directive such as `private="Set-Cookie"` is named `name`.
fn directive_is(directive: &[u8], name: &[u8]) -> bool {
    let head = directive.split(|b| *b == b'=').next().unwrap_or(directive);
    head.trim_ascii().eq_ignore_ascii_case(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary_after(existing: &[&str]) -> String {
        let mut h = HeaderMap::new();
        for e in existing {
            h.append(VARY, HeaderValue::from_str(e).unwrap());
        }
        patch_vary(&mut h, "Cookie");
        assert_eq!(h.get_all(VARY).iter().count(), 1);
        h[VARY].to_str().unwrap().to_owned()
    }

    #[test]
    fn vary_merging() {
        assert_eq!(vary_after(&[]), "Cookie");
        assert_eq!(vary_after(&["Accept-Encoding"]), "Accept-Encoding, Cookie");
        assert_eq!(vary_after(&["COOKIE"]), "COOKIE");
        assert_eq!(vary_after(&["Accept ,  cookie"]), "Accept, cookie");
        assert_eq!(vary_after(&["*"]), "*");
        assert_eq!(vary_after(&["Accept, *"]), "*");
        assert_eq!(vary_after(&["Accept", "Origin"]), "Accept, Origin, Cookie");
        assert_eq!(vary_after(&[""]), "Cookie");
        assert_eq!(vary_after(&["Accept,,"]), "Accept, Cookie");
    }

    #[test]
    fn vary_with_non_utf8_value_still_gets_cookie() {
        let mut h = HeaderMap::new();
        h.insert(VARY, HeaderValue::from_bytes(b"X-\xff").unwrap());
        patch_vary(&mut h, "Cookie");
        assert_eq!(h[VARY].as_bytes(), b"X-\xff, Cookie");
    }

    fn cache_control_after(existing: Option<&str>) -> String {
        let mut h = HeaderMap::new();
        if let Some(e) = existing {
            h.insert(CACHE_CONTROL, HeaderValue::from_str(e).unwrap());
        }
        patch_cache_control_private(&mut h);
        h[CACHE_CONTROL].to_str().unwrap().to_owned()
    }

    #[test]
    fn cache_control_merging() {
        assert_eq!(cache_control_after(None), "private");
        assert_eq!(cache_control_after(Some("no-cache")), "no-cache, private");
        assert_eq!(cache_control_after(Some("PUBLIC")), "private");
        assert_eq!(cache_control_after(Some("Private")), "Private");
        assert_eq!(
            cache_control_after(Some("no-cache=\"Set-Cookie, X-A\", private")),
            "no-cache=\"Set-Cookie, X-A\", private"
        );
    }

    /// Issue 11, item 10: a qualified `private="Set-Cookie"` lets a shared
    /// cache store the rest of the response (RFC 9111 §5.2.2.7), so the
    /// bare directive must still be added.
    #[test]
    fn item10_qualified_private_still_gets_a_bare_private() {
        assert_eq!(
            cache_control_after(Some("private=\"Set-Cookie\", max-age=0")),
            "max-age=0, private"
        );
        assert_eq!(
            cache_control_after(Some("PRIVATE=\"Set-Cookie, X-Token\"")),
            "private"
        );
        assert_eq!(
            cache_control_after(Some("private=Set-Cookie, Private")),
            "Private"
        );
    }
}

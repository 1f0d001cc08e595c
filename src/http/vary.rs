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

/// Makes the response `Cache-Control: private`: keeps the existing
/// directives, removes `public` (which contradicts it) and adds `private`
/// unless a `private` directive is already there.
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
    let mut directives = list_entries(headers, &CACHE_CONTROL);
    directives.retain(|d| !directive_is(d, b"public"));
    if !directives.iter().any(|d| directive_is(d, b"private")) {
        directives.push(b"private");
    }
    if let Ok(value) = HeaderValue::from_bytes(&directives.join(&b", "[..])) {
        headers.insert(CACHE_CONTROL, value);
    }
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
        assert_eq!(
            cache_control_after(Some("private=\"Set-Cookie\", max-age=0")),
            "private=\"Set-Cookie\", max-age=0"
        );
        assert_eq!(cache_control_after(Some("Private")), "Private");
    }
}

//! The `csrfmiddlewaretoken` field of a buffered form body, read as
//! Django's `request.POST.get("csrfmiddlewaretoken")` reads it: the last
//! value of the field, decoded.

use ::http::HeaderMap;
use ::http::header::CONTENT_TYPE;

use super::check::CSRF_FORM_FIELD;

/// A body Django parses into `request.POST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FormKind {
    /// `application/x-www-form-urlencoded`.
    UrlEncoded,
    /// `multipart/form-data`, with its boundary (if any was given).
    Multipart(Option<String>),
}

/// Why a form body could not be read. Django answers `400` to both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormError {
    /// More fields than `DATA_UPLOAD_MAX_NUMBER_FIELDS`.
    TooManyFields,
    /// A multipart body that does not parse (Django's
    /// `MultiPartParserError`).
    Malformed,
}

/// The form kind of a request, from its `Content-Type` (the media type
/// compared without regard to case, as Django lowercases it).
pub(crate) fn form_kind(headers: &HeaderMap) -> Option<FormKind> {
    let value = headers.get(CONTENT_TYPE)?;
    let text: String = value.as_bytes().iter().map(|&b| char::from(b)).collect();
    let mut pieces = text.split(';');
    let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
    match media.as_str() {
        "application/x-www-form-urlencoded" => Some(FormKind::UrlEncoded),
        "multipart/form-data" => {
            let boundary = pieces.find_map(|piece| {
                let (name, value) = piece.split_once('=')?;
                if !name.trim().eq_ignore_ascii_case("boundary") {
                    return None;
                }
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                Some(value.to_owned())
            });
            Some(FormKind::Multipart(boundary))
        }
        _ => None,
    }
}

/// The last `csrfmiddlewaretoken` value of `body`, decoded; `None` when
/// the field is absent.
pub(crate) fn form_token(
    kind: &FormKind,
    body: &[u8],
    max_fields: Option<usize>,
) -> Result<Option<String>, FormError> {
    match kind {
        FormKind::UrlEncoded => urlencoded_token(body, max_fields),
        FormKind::Multipart(boundary) => multipart_token(
            boundary.as_deref().ok_or(FormError::Malformed)?,
            body,
            max_fields,
        ),
    }
}

/// Django's `QueryDict(body)`: UTF-8 (or latin-1 when the body is not
/// UTF-8), then Python's `parse_qsl(keep_blank_values=True)`.
fn urlencoded_token(body: &[u8], max_fields: Option<usize>) -> Result<Option<String>, FormError> {
    let text = match core::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(body.iter().map(|&b| char::from(b)).collect()),
    };
    if let Some(max) = max_fields
        && !text.is_empty()
        && text.matches('&').count() >= max
    {
        return Err(FormError::TooManyFields);
    }
    let mut found = None;
    for field in text.split('&').filter(|f| !f.is_empty()) {
        let (name, value) = field.split_once('=').unwrap_or((field, ""));
        if unquote_plus(name) == CSRF_FORM_FIELD {
            found = Some(unquote_plus(value));
        }
    }
    Ok(found)
}

/// Python's `unquote_plus` (UTF-8, errors replaced): `+` is a space, and
/// each run of ASCII characters has its `%XX` escapes decoded as UTF-8
/// (other characters are kept as they are).
fn unquote_plus(text: &str) -> String {
    let text = text.replace('+', " ");
    if !text.contains('%') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut run: Vec<u8> = Vec::new();
    let flush = |run: &mut Vec<u8>, out: &mut String| {
        out.push_str(&String::from_utf8_lossy(&percent_decode(run)));
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii() {
            run.push(c as u8);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Python's `unquote_to_bytes`: `%` and two hex digits is a byte; any
/// other `%` stays.
fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%'
            && let [hi, lo, ..] = tail
            && let (Some(hi), Some(lo)) = (hex(*hi), hex(*lo))
        {
            out.push(hi << 4 | lo);
            rest = tail.get(2..).unwrap_or(&[]);
            continue;
        }
        out.push(b);
        rest = tail;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The field of a `multipart/form-data` body: parts between
/// `--boundary` lines, each with headers, a blank line and its content;
/// the field is a part whose `Content-Disposition` is `form-data` with
/// `name="csrfmiddlewaretoken"` and no `filename`. The content is read
/// as UTF-8 (errors replaced). A `Content-Transfer-Encoding` is not
/// decoded (browsers send none).
fn multipart_token(
    boundary: &str,
    body: &[u8],
    max_fields: Option<usize>,
) -> Result<Option<String>, FormError> {
    if boundary.is_empty()
        || boundary.len() > 200
        || !boundary.bytes().all(|b| (b' '..=b'~').contains(&b))
    {
        return Err(FormError::Malformed);
    }
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let start = find(body, delimiter).ok_or(FormError::Malformed)?;
    let mut rest = body.get(start + delimiter.len()..).unwrap_or(&[]);
    let mut separator = b"\r\n".to_vec();
    separator.extend_from_slice(delimiter);
    let mut found = None;
    let mut fields = 0usize;
    loop {
        if rest.starts_with(b"--") {
            return Ok(found);
        }
        // The rest of the delimiter line (transport padding), then the part.
        let line_end = find(rest, b"\r\n").ok_or(FormError::Malformed)?;
        let part_start = rest.get(line_end + 2..).unwrap_or(&[]);
        let part_len = find(part_start, &separator).ok_or(FormError::Malformed)?;
        let part = part_start.get(..part_len).unwrap_or(&[]);
        rest = part_start.get(part_len + separator.len()..).unwrap_or(&[]);
        let (head, content) = match find(part, b"\r\n\r\n") {
            Some(i) => (
                part.get(..i).unwrap_or(&[]),
                part.get(i + 4..).unwrap_or(&[]),
            ),
            None if part.starts_with(b"\r\n") => (&[][..], part.get(2..).unwrap_or(&[])),
            None => return Err(FormError::Malformed),
        };
        let Some((name, has_filename)) = disposition(head) else {
            continue;
        };
        if !has_filename {
            fields += 1;
            if max_fields.is_some_and(|max| fields > max) {
                return Err(FormError::TooManyFields);
            }
            if name == CSRF_FORM_FIELD {
                found = Some(String::from_utf8_lossy(content).into_owned());
            }
        }
    }
}

/// The field name of a part's `Content-Disposition: form-data`, and
/// whether it names a file.
fn disposition(head: &[u8]) -> Option<(String, bool)> {
    let head = String::from_utf8_lossy(head);
    let line = head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    let mut params = line.split(';');
    if !params.next()?.trim().eq_ignore_ascii_case("form-data") {
        return None;
    }
    let mut name = None;
    let mut has_filename = false;
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value.to_owned()),
            "filename" | "filename*" => has_filename = true,
            _ => {}
        }
    }
    Some((name?, has_filename))
}

/// The first position of `needle` in `haystack`, in linear time
/// (Knuth-Morris-Pratt), so that no body makes the search quadratic.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    // fail[i]: the length of the longest proper border of needle[..=i].
    let mut fail = vec![0usize; needle.len()];
    let mut k = 0;
    for (i, &b) in needle.iter().enumerate().skip(1) {
        while k > 0 && needle.get(k) != Some(&b) {
            k = fail.get(k - 1).copied().unwrap_or(0);
        }
        if needle.get(k) == Some(&b) {
            k += 1;
        }
        if let Some(slot) = fail.get_mut(i) {
            *slot = k;
        }
    }
    let mut matched = 0;
    for (i, &b) in haystack.iter().enumerate() {
        while matched > 0 && needle.get(matched) != Some(&b) {
            matched = fail.get(matched - 1).copied().unwrap_or(0);
        }
        if needle.get(matched) == Some(&b) {
            matched += 1;
        }
        if matched == needle.len() {
            return Some(i + 1 - needle.len());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use ::http::HeaderValue;

    use super::*;

    fn kind(ct: &str) -> Option<FormKind> {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        form_kind(&h)
    }

    #[test]
    fn kinds() {
        assert_eq!(
            kind("application/x-www-form-urlencoded"),
            Some(FormKind::UrlEncoded)
        );
        assert_eq!(
            kind(" Application/X-WWW-Form-Urlencoded ; charset=utf-8"),
            Some(FormKind::UrlEncoded)
        );
        assert_eq!(
            kind("multipart/form-data; boundary=\"abc\""),
            Some(FormKind::Multipart(Some("abc".into())))
        );
        assert_eq!(kind("multipart/form-data"), Some(FormKind::Multipart(None)));
        assert_eq!(kind("application/json"), None);
    }

    #[test]
    fn urlencoded_as_django() {
        let t = |body: &[u8]| urlencoded_token(body, Some(1000)).unwrap();
        assert_eq!(t(b"a=1&csrfmiddlewaretoken=abc"), Some("abc".into()));
        assert_eq!(
            t(b"csrfmiddlewaretoken=a&csrfmiddlewaretoken=b"),
            Some("b".into())
        );
        assert_eq!(t(b"csrfmiddlewaretoken"), Some(String::new()));
        assert_eq!(t(b"csrf%6Diddlewaretoken=a+b%2"), Some("a b%2".into()));
        assert_eq!(
            t(b"csrfmiddlewaretoken=%C3%A9%ff"),
            Some("é\u{fffd}".into())
        );
        assert_eq!(
            t(b"csrfmiddlewaretoken=\xe9"),
            Some("é".into()),
            "latin-1 fallback"
        );
        assert_eq!(t(b"&&x=1&"), None);
        assert_eq!(t(b""), None);
        assert_eq!(
            urlencoded_token(b"a&b&c", Some(2)),
            Err(FormError::TooManyFields)
        );
        assert_eq!(urlencoded_token(b"a&b", Some(2)), Ok(None));
    }

    #[test]
    fn find_is_a_substring_search() {
        for (hay, needle, want) in [
            (&b"abcabd"[..], &b"abd"[..], Some(3)),
            (b"aaaab", b"aab", Some(2)),
            (b"----x", b"---x", Some(1)),
            (b"abc", b"abcd", None),
            (b"", b"a", None),
            (b"abababc", b"ababc", Some(2)),
        ] {
            assert_eq!(find(hay, needle), want, "{hay:?} {needle:?}");
        }
    }

    #[test]
    fn multipart() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"; filename=\"f\"\r\n\
Content-Type: text/plain\r\n\r\nfile\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_token("XyZ", body, Some(1000)),
            Ok(Some("tok".into()))
        );
        assert_eq!(
            multipart_token("XyZ", body, Some(1)),
            Err(FormError::TooManyFields)
        );
        assert_eq!(
            multipart_token("Other", body, None),
            Err(FormError::Malformed)
        );
        assert_eq!(
            multipart_token(
                "XyZ",
                b"--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated",
                None
            ),
            Err(FormError::Malformed)
        );
        assert_eq!(multipart_token("XyZ", b"--XyZ--", None), Ok(None));
        for junk in [
            &b""[..],
            b"--",
            b"--XyZ",
            b"--XyZ\r\n",
            b"--XyZ\r\n\r\n--XyZ",
        ] {
            let _ = multipart_token("XyZ", junk, None);
        }
    }
}

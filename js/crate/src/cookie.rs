//! Reading one cookie out of a `Cookie` header, without the `cookie`
//! crate. The core's `signed_session::http::request_cookie` parses with
//! that crate; here the same rules are written out so that the crate, and
//! the date parser it brings, stay out of the module (about 30 KB of the
//! gzipped size, measured in js/README.md). The tests below hold this
//! function to the core's on random headers.

/// The value of the cookie `name` in a `Cookie` header, read as the core's
/// `signed_session::http::request_cookie` reads it (the `cookie` crate's
/// `split_parse`): pairs split at `;`, name and value trimmed, a pair
/// without `=` or with an empty name skipped, surrounding double quotes
/// removed, and the last occurrence of the name wins. Done here rather
/// than through that function so that the `cookie` crate, and the date
/// parser it brings, stay out of the module (about 30 KB).
pub(crate) fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| key.trim() == name)
        .map(|(_, value)| {
            let value = value.trim();
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value)
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use http::header::COOKIE;
    use http::{HeaderMap, HeaderValue};
    use signed_session::http::request_cookie;

    use super::cookie_value;

    /// Headers built from the pieces that matter to the parser, compared
    /// with the core's reading (the `cookie` crate's `split_parse`).
    #[test]
    fn reads_every_header_as_the_core_does() {
        const PIECES: [&str; 14] = [
            "sessionid",
            "sessionid2",
            "a",
            "=",
            ";",
            " ",
            "\"",
            "x=1",
            "\t",
            "==",
            ";;",
            "sessionid=",
            "\"v\"",
            "abc:def-ghi_",
        ];
        let mut state: u64 = 0x05ee_dc00_c1e5;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).unwrap()
        };
        let mut compared = 0;
        for _ in 0..200_000 {
            let header: String = (0..next(12)).map(|_| PIECES[next(PIECES.len())]).collect();
            let Ok(value) = HeaderValue::from_str(&header) else {
                continue;
            };
            let mut headers = HeaderMap::new();
            headers.insert(COOKIE, value);
            for name in ["sessionid", "a", "x"] {
                assert_eq!(
                    cookie_value(&header, name).map(str::to_owned),
                    request_cookie(&headers, name),
                    "{header:?}, cookie {name}"
                );
                compared += 1;
            }
        }
        assert!(compared > 300_000, "{compared}");
    }
}

//! A browser-like HTTP/1.1 client for end-to-end tests: a cookie jar that
//! keeps what `Set-Cookie` says and sends it back, to any server it talks
//! to.
//!
//! The jar is keyed by cookie name only: every server is on loopback and a
//! browser shares cookies between ports of one host name, so a Django site
//! and a Rust service on two ports see the same cookies, as they would
//! behind one host name. `Path`, `Domain`, `Secure` and `SameSite` are not
//! looked at; a cookie with `Max-Age` zero or below, or (without
//! `Max-Age`) an `Expires` in the past, is deleted, as Django's
//! `delete_cookie` means it to be.
//!
//! Answers are [`Reply`]s of `http_client` (status, headers, body). Each
//! request has its own connection and is bounded by [`REQUEST_TIMEOUT`].

use std::net::SocketAddr;
use std::time::Duration;

use http::header::{CONTENT_TYPE, COOKIE, HOST};
use http::{HeaderName, HeaderValue, Request};
use http_body_util::Full;
use hyper::body::Bytes;

pub use crate::http_client::Reply;
use crate::http_client::exchange;

/// How long one request (connect, send, the whole answer) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The cookies a browser would hold for one host name, in the order they
/// were first set.
#[derive(Clone, Debug, Default)]
pub struct Jar {
    cookies: Vec<(String, String)>,
}

impl Jar {
    /// An empty jar.
    pub fn new() -> Jar {
        Jar::default()
    }

    /// The value of cookie `name`, if the jar holds it.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The names of the cookies held.
    pub fn names(&self) -> Vec<&str> {
        self.cookies.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Sets cookie `name` (replacing its value, keeping its place).
    pub fn insert(&mut self, name: &str, value: &str) {
        match self.cookies.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => value.clone_into(&mut slot.1),
            None => self.cookies.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Forgets cookie `name`.
    pub fn remove(&mut self, name: &str) {
        self.cookies.retain(|(n, _)| n != name);
    }

    /// The `Cookie` header the jar sends, `None` when it is empty.
    pub fn header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Applies one `Set-Cookie` line: stores the cookie, or deletes it when
    /// it has expired. Panics on a line that is not a cookie.
    pub fn set_cookie(&mut self, line: &str) {
        let cookie = cookie::Cookie::parse(line)
            .unwrap_or_else(|e| panic!("unreadable Set-Cookie line {line:?}: {e}"));
        let expired = match cookie.max_age() {
            Some(age) => age <= time::Duration::ZERO,
            None => cookie
                .expires_datetime()
                .is_some_and(|at| at <= time::OffsetDateTime::now_utc()),
        };
        if expired {
            self.remove(cookie.name());
        } else {
            self.insert(cookie.name(), cookie.value());
        }
    }

    /// Applies every `Set-Cookie` line of `reply`, in order.
    pub fn absorb(&mut self, reply: &Reply) {
        for line in reply.set_cookies() {
            self.set_cookie(&line);
        }
    }

    /// GET `path` on `addr` with the jar's cookies and `headers`.
    pub async fn get(&mut self, addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(addr, "GET", path, headers, None).await
    }

    /// POST an `application/x-www-form-urlencoded` body of `form` to
    /// `path` on `addr`, with the jar's cookies and `headers`.
    pub async fn post_form(
        &mut self,
        addr: SocketAddr,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let body = form_encode(form);
        self.send(
            addr,
            "POST",
            path,
            headers,
            Some(("application/x-www-form-urlencoded", body.as_bytes())),
        )
        .await
    }

    /// Sends one request and keeps the cookies of the answer.
    ///
    /// `Host` is `addr` unless `headers` name one; `Cookie` is the jar's
    /// unless `headers` name one (then only theirs is sent). `body` is a
    /// content type and the bytes.
    pub async fn send(
        &mut self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Reply {
        let named = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        let mut request = Request::builder().method(method).uri(path);
        if !named("host") {
            request = request.header(HOST, addr.to_string());
        }
        if let Some(cookie) = self.header().filter(|_| !named("cookie")) {
            request = request.header(COOKIE, cookie);
        }
        if let Some((content_type, _)) = body.filter(|_| !named("content-type")) {
            request = request.header(CONTENT_TYPE, content_type);
        }
        for (name, value) in headers {
            request = request.header(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
        let bytes = Bytes::from(body.map(|(_, b)| b.to_vec()).unwrap_or_default());
        let request = request.body(Full::new(bytes)).unwrap();
        let reply = tokio::time::timeout(REQUEST_TIMEOUT, exchange(addr, request))
            .await
            .unwrap_or_else(|_| {
                panic!("{method} {path} on {addr}: no answer within {REQUEST_TIMEOUT:?}")
            })
            .unwrap_or_else(|e| panic!("{method} {path} on {addr}: {e}"));
        self.absorb(&reply);
        reply
    }
}

/// `application/x-www-form-urlencoded`, as a browser encodes a form.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    fn encode(out: &mut String, text: &str) {
        for &b in text.as_bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(char::from(b));
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(&mut out, name);
        out.push('=');
        encode(&mut out, value);
    }
    out
}

/// The `csrfmiddlewaretoken` of the first form in `html` (Django's
/// `{% csrf_token %}`).
pub fn form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"csrfmiddlewaretoken\"")?;
    let rest = html.get(at..)?;
    let value = rest.get(rest.find("value=\"")? + "value=\"".len()..)?;
    Some(value.get(..value.find('"')?)?.to_owned())
}

/// The body of `reply` as JSON; panics with the status and body otherwise.
pub fn json_body(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| {
        panic!(
            "expected JSON ({e}), got {} with body {:?}",
            reply.status, reply.body
        )
    })
}

#[test]
fn the_jar_keeps_replaces_and_deletes_cookies() {
    let mut jar = Jar::new();
    jar.set_cookie("csrftoken=abc; expires=Sat, 04 Dec 2100 11:37:13 GMT; Max-Age=31449600; Path=/; SameSite=Lax");
    jar.set_cookie("sessionid=one:two:three; HttpOnly; Path=/; SameSite=Lax");
    assert_eq!(
        jar.header().as_deref(),
        Some("csrftoken=abc; sessionid=one:two:three")
    );
    jar.set_cookie("csrftoken=def; Path=/");
    assert_eq!(jar.cookie("csrftoken"), Some("def"));
    assert_eq!(jar.names(), ["csrftoken", "sessionid"]);
    // Django's delete_cookie.
    jar.set_cookie(
        "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax",
    );
    assert_eq!(jar.cookie("sessionid"), None);
    // An Expires in the past without Max-Age deletes too.
    jar.set_cookie("csrftoken=x; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/");
    assert_eq!(jar.header(), None);
}

#[test]
fn forms_are_encoded_as_a_browser_does_and_tokens_are_scraped() {
    assert_eq!(
        form_encode(&[("user name", "a&b=c"), ("pw", "é/~")]),
        "user+name=a%26b%3Dc&pw=%C3%A9%2F%7E"
    );
    let html = r#"<form><input type="hidden" name="csrfmiddlewaretoken" value="tok123"></form>"#;
    assert_eq!(form_token(html).as_deref(), Some("tok123"));
    assert_eq!(form_token("<p>no form</p>"), None);
}

//! A minimal HTTP/1.1 client over loopback for the axum tests (hyper's
//! low-level connection API, one connection per request), and a helper to
//! serve a router on an ephemeral port.

use std::net::SocketAddr;

use http::header::{CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// Every `Set-Cookie` line.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The value the response sets for cookie `name`, if it sets it.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|line| {
            let first = line.split(';').next()?;
            let (n, v) = first.split_once('=')?;
            (n.trim() == name).then(|| v.trim().to_owned())
        })
    }

    /// The `Set-Cookie` line for `name`.
    pub fn cookie_line(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|line| line.starts_with(&format!("{name}=")))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// Serves `app` on 127.0.0.1 with an ephemeral port.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

/// Sends one request: `cookie` is the whole `Cookie` header, `form` an
/// `application/x-www-form-urlencoded` body.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Reply {
    try_send(addr, method, path, cookie, form).await.unwrap()
}

/// [`send`], with a connection the server closed before answering (a
/// handler that panicked) as an error instead of a panic.
pub async fn try_send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Result<Reply, hyper::Error> {
    let mut headers = Vec::new();
    if let Some(cookie) = cookie {
        headers.push((COOKIE.as_str(), cookie));
    }
    if form.is_some() {
        headers.push((CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded"));
    }
    try_send_headers(addr, method, path, &headers, form.unwrap_or_default()).await
}

/// Sends one request with `headers` (after `Host`) and `body`, as they
/// are.
pub async fn send_headers(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    try_send_headers(addr, method, path, headers, body)
        .await
        .unwrap()
}

/// [`send_headers`], with the server's closing the connection as an error.
pub async fn try_send_headers(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Reply, hyper::Error> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = Full::new(Bytes::from(body.to_owned()));
    exchange(addr, request.body(body).unwrap()).await
}

/// Sends `request` on a new HTTP/1 connection to `addr` and reads the
/// whole answer; the server closing the connection first is an error.
pub async fn exchange(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<Reply, hyper::Error> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await?.to_bytes();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    })
}

/// GET with an optional session cookie `name=value`.
pub async fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Reply {
    send(addr, "GET", path, cookie, None).await
}

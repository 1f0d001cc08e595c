//! The load generator: a small HTTP/1.1 client over keep-alive TCP
//! connections, the same for every contender.
//!
//! It writes a fixed request, reads the status line and the headers, then
//! exactly `Content-Length` body bytes. It has no chunked decoding (the
//! servers send a known-length body) and treats `Connection: close` as an
//! error, since every measured request must reuse its connection.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A `GET` request for `path`, with `cookie` (`name=value`) if given.
pub fn request(path: &str, cookie: Option<&str>) -> Vec<u8> {
    let mut out = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(cookie) = cookie {
        out.push_str("Cookie: ");
        out.push_str(cookie);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// One response, with the headers the benchmark looks at.
#[derive(Clone, Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Set-Cookie` header values, in order.
    pub set_cookies: Vec<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `name=value` pair of the first `Set-Cookie` that sets a
    /// non-empty value: what a browser sends back.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookies.iter().find_map(|header| {
            let pair = header.split(';').next()?.trim();
            let (name, value) = pair.split_once('=')?;
            (!name.is_empty() && !value.is_empty()).then(|| pair.to_owned())
        })
    }
}

/// One keep-alive connection.
#[derive(Debug)]
pub struct Connection {
    reader: BufReader<TcpStream>,
    line: Vec<u8>,
    body: Vec<u8>,
}

impl Connection {
    /// Connects to `addr` (with `TCP_NODELAY`).
    ///
    /// # Errors
    /// The connection's.
    pub fn open(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        // A hung server fails the benchmark instead of stalling it.
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::with_capacity(16 * 1024, stream),
            line: Vec::with_capacity(256),
            body: Vec::with_capacity(256),
        })
    }

    /// Sends `request` and reads the whole response.
    ///
    /// # Errors
    /// I/O errors, or a response this client does not understand.
    pub fn round_trip(&mut self, request: &[u8]) -> io::Result<Response> {
        self.reader.get_mut().write_all(request)?;
        let mut set_cookies = Vec::new();
        let status = self.read_response(|name, value| {
            if name.eq_ignore_ascii_case(b"set-cookie") {
                set_cookies.push(String::from_utf8_lossy(value).into_owned());
            }
        })?;
        Ok(Response {
            status,
            set_cookies,
            body: self.body.clone(),
        })
    }

    /// Sends `request` and checks that the response is a `200` whose body
    /// is `expected`: the measured loop, which allocates nothing.
    ///
    /// # Errors
    /// I/O errors, another status, or another body.
    pub fn expect(&mut self, request: &[u8], expected: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(request)?;
        let status = self.read_response(|_, _| {})?;
        if status != 200 {
            return Err(invalid(format!("status {status}, expected 200")));
        }
        if self.body != expected {
            return Err(invalid(format!(
                "body {:?}, expected {:?}",
                String::from_utf8_lossy(&self.body),
                String::from_utf8_lossy(expected)
            )));
        }
        Ok(())
    }

    /// Reads a status line, the headers (each given to `on_header`) and
    /// the body into `self.body`; returns the status.
    fn read_response(&mut self, mut on_header: impl FnMut(&[u8], &[u8])) -> io::Result<u16> {
        let status = {
            let line = self.read_line()?;
            // "HTTP/1.1 200 OK"
            let code = line
                .strip_prefix(b"HTTP/1.1 ")
                .and_then(|rest| rest.get(..3))
                .and_then(|code| std::str::from_utf8(code).ok())
                .and_then(|code| code.parse::<u16>().ok());
            code.ok_or_else(|| {
                invalid(format!(
                    "bad status line {:?}",
                    String::from_utf8_lossy(line)
                ))
            })?
        };
        let mut length = None;
        loop {
            let line = self.read_line()?;
            if line.is_empty() {
                break;
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                return Err(invalid("header line without a colon"));
            };
            let (name, value) = line.split_at(colon);
            let value = value.get(1..).unwrap_or_default().trim_ascii();
            if name.eq_ignore_ascii_case(b"content-length") {
                let text = std::str::from_utf8(value).map_err(|_| invalid("Content-Length"))?;
                length = Some(
                    text.parse::<usize>()
                        .map_err(|_| invalid("Content-Length"))?,
                );
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                return Err(invalid("Transfer-Encoding is not supported by this client"));
            } else if name.eq_ignore_ascii_case(b"connection")
                && value.eq_ignore_ascii_case(b"close")
            {
                return Err(invalid("the server closes the connection"));
            }
            on_header(name, value);
        }
        let length = length.ok_or_else(|| invalid("no Content-Length"))?;
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body)?;
        Ok(status)
    }

    /// The next line, without its line ending.
    fn read_line(&mut self) -> io::Result<&[u8]> {
        self.line.clear();
        if self.reader.read_until(b'\n', &mut self.line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        let line = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
        Ok(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// A closed-loop load: [`crate::CONNECTIONS`] connections, each sending
/// the same request and checking each response, one request in flight per
/// connection.
#[derive(Debug)]
pub struct Load {
    request: Vec<u8>,
    expected: Vec<u8>,
    connections: Vec<Connection>,
}

impl Load {
    /// Opens `connections` connections to `addr` that will send `request`
    /// and expect `expected` back.
    ///
    /// # Errors
    /// The connections'.
    pub fn open(
        addr: SocketAddr,
        request: Vec<u8>,
        expected: &[u8],
        connections: usize,
    ) -> io::Result<Self> {
        let connections = (0..connections)
            .map(|_| Connection::open(addr))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Self {
            request,
            expected: expected.to_vec(),
            connections,
        })
    }

    /// Sends `total` requests spread evenly over the connections, each
    /// connection on its own thread, and returns the wall-clock time from
    /// the first request to the last response.
    ///
    /// # Errors
    /// The first failed request's (I/O, status or body).
    pub fn run(&mut self, total: u64) -> io::Result<Duration> {
        let count = u64::try_from(self.connections.len())
            .unwrap_or(u64::MAX)
            .max(1);
        let (request, expected) = (&self.request, &self.expected);
        let start = Instant::now();
        let results = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .connections
                .iter_mut()
                .zip(0..)
                .map(|(connection, index)| {
                    // The first `total % count` connections send one more.
                    let share = total / count + u64::from(index < total % count);
                    scope.spawn(move || {
                        for _ in 0..share {
                            connection.expect(request, expected)?;
                        }
                        Ok::<(), io::Error>(())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|_| Err(io::Error::other("a client thread panicked")))
                })
                .collect::<Vec<_>>()
        });
        let elapsed = start.elapsed();
        results.into_iter().collect::<io::Result<()>>()?;
        Ok(elapsed)
    }
}

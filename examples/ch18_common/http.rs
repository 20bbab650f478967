// The protocol every server of chapter 18 speaks: a small subset of HTTP/1.1, with no I/O in
// it. A `Session` holds the bytes a connection has received so far; the servers put bytes in
// and take answers out, and differ only in how they wait for the bytes.

/// The longest request line we accept, in bytes; a longer one gets `414 URI Too Long`.
pub const MAX_REQUEST_LINE: usize = 2048;
/// The most bytes a request head (request line and headers) may take: `431` beyond it.
pub const MAX_HEAD: usize = 8192;
/// The largest body the `/bytes/N` route will send.
pub const MAX_BYTES: usize = 16 << 20;

// ANCHOR: parse
/// What the bytes received so far make.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// A whole request head, and how many bytes of the buffer it took.
    Request {
        path: String,
        keep_alive: bool,
        used: usize,
    },
    /// Not a whole head yet, and not too long: read more.
    Incomplete,
    /// A request we will not serve: answer with this status and close the connection.
    Reject(u16),
}

/// Parses one request head from the front of `buf`. Lines end in `\n`, with an optional `\r`
/// before it (RFC 9112 lets a server accept a bare `\n`); the head ends at an empty line.
pub fn parse(buf: &[u8]) -> Parsed {
    let mut lines = Vec::new();
    let mut start = 0;
    let end = loop {
        let Some(at) = buf[start..].iter().position(|&b| b == b'\n') else {
            // No whole line yet: refuse now if what is there is already too long.
            let partial = buf.len() - start;
            if lines.is_empty() && partial > MAX_REQUEST_LINE {
                return Parsed::Reject(414);
            }
            if buf.len() > MAX_HEAD {
                return Parsed::Reject(431);
            }
            return Parsed::Incomplete;
        };
        let line = &buf[start..start + at];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        start += at + 1;
        if lines.is_empty() && line.len() > MAX_REQUEST_LINE {
            return Parsed::Reject(414);
        }
        if start > MAX_HEAD {
            return Parsed::Reject(431);
        }
        if line.is_empty() {
            if lines.is_empty() {
                continue; // RFC 9112 2.2: ignore empty lines before the request line
            }
            break start;
        }
        lines.push(line);
    };
    match request(&lines) {
        Ok((path, keep_alive)) => Parsed::Request {
            path,
            keep_alive,
            used: end,
        },
        Err(status) => Parsed::Reject(status),
    }
}

fn request(lines: &[&[u8]]) -> Result<(String, bool), u16> {
    let text = |line: &[u8]| {
        std::str::from_utf8(line)
            .map(str::to_owned)
            .map_err(|_| 400u16)
    };
    let first = text(lines[0])?;
    let mut parts = first.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => return Err(505),
        _ => return Err(400),
    };
    if !target.starts_with('/') {
        return Err(400);
    }
    if method != "GET" {
        return Err(405);
    }
    for line in &lines[1..] {
        let header = text(line)?;
        let Some((name, value)) = header.split_once(':') else {
            return Err(400);
        };
        // A space before the colon is an attack on proxies (RFC 9112 5.1): refuse it.
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(400);
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            if value.eq_ignore_ascii_case("close") {
                keep_alive = false;
            } else if value.eq_ignore_ascii_case("keep-alive") {
                keep_alive = true;
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            // We take no bodies: a body we did not read would be parsed as the next request.
            // Digits only (RFC 9112: `1*DIGIT`): `parse` alone would also take `+0`, which
            // another parser on the path might read otherwise.
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(400);
            }
            match value.parse::<u64>() {
                Ok(0) => {}
                Ok(_) => return Err(413),
                Err(_) => return Err(400),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(501);
        }
    }
    Ok((target.to_owned(), keep_alive))
}
// ANCHOR_END: parse

// ANCHOR: respond
/// What a route answers with: a short text, or `n` filler bytes (`/bytes/N`), which are never
/// built in memory.
pub enum Body {
    Text(&'static [u8]),
    Filler(usize),
}

/// The routes: `/` says hello, `/bytes/N` sends N bytes (a large answer, which a
/// non-blocking server has to write in pieces), anything else is `404`.
pub fn route(path: &str) -> (u16, Body) {
    if path == "/" {
        return (200, Body::Text(b"Hello from a Rust server\n"));
    }
    if let Some(n) = path.strip_prefix("/bytes/") {
        if let Ok(n) = n.parse::<usize>() {
            if n <= MAX_BYTES {
                return (200, Body::Filler(n));
            }
        }
    }
    (404, Body::Text(b"not found\n"))
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// The filler bytes of every `/bytes/N` answer come from this one buffer, a slice at a time.
static FILLER: [u8; 1 << 16] = [b'x'; 1 << 16];

/// A response on its way out: the head (with a short body) in memory, then `filler` bytes
/// taken from `FILLER`. An answer of 16 MiB costs the memory of its head.
#[derive(Default)]
pub struct Answer {
    head: Vec<u8>,
    filler: usize,
}

impl Answer {
    pub fn len(&self) -> usize {
        self.head.len() + self.filler
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next bytes to write once `at` bytes are written: the rest of the head, or up to
    /// 64 KiB of filler. Empty when the whole answer is written.
    pub fn rest(&self, at: usize) -> &[u8] {
        if at < self.head.len() {
            return &self.head[at..];
        }
        let left = self.len().saturating_sub(at);
        &FILLER[..left.min(FILLER.len())]
    }
}

/// A whole response: status line, headers, body.
pub fn response(status: u16, body: Body, keep_alive: bool) -> Answer {
    match body {
        Body::Text(text) => answer(status, text, 0, keep_alive),
        Body::Filler(n) => answer(status, b"", n, keep_alive),
    }
}

/// An error answer, after which the server closes the connection. It is small: its bytes
/// are all in `rest(0)`.
pub fn refusal(status: u16) -> Answer {
    answer(status, format!("{}\n", reason(status)).as_bytes(), 0, false)
}

fn answer(status: u16, text: &[u8], filler: usize, keep_alive: bool) -> Answer {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: {connection}\r\n\r\n",
        reason(status),
        text.len() + filler
    )
    .into_bytes();
    head.extend_from_slice(text);
    Answer { head, filler }
}
// ANCHOR_END: respond

// ANCHOR: session
/// One connection's protocol state: the bytes received and not yet answered.
#[derive(Default)]
pub struct Session {
    received: Vec<u8>,
}

/// What a server does next on a connection.
pub enum Next {
    /// Send this answer; then close the connection if `close`, else look for the next request.
    Send { answer: Answer, close: bool },
    /// Read more bytes first.
    Read,
}

impl Session {
    pub fn received(&mut self, bytes: &[u8]) {
        self.received.extend_from_slice(bytes);
    }

    /// True while part of a request has arrived (a timeout then deserves a `408`).
    pub fn has_partial(&self) -> bool {
        !self.received.is_empty()
    }

    /// The answer to the next whole request in the buffer, if there is one. With `may_keep`
    /// false the answer closes the connection, though the client asked to keep it open,
    /// unless more of the client's requests have already arrived.
    pub fn next(&mut self, may_keep: bool) -> Next {
        match parse(&self.received) {
            Parsed::Incomplete => Next::Read,
            Parsed::Reject(status) => {
                self.received.clear();
                Next::Send {
                    answer: refusal(status),
                    close: true,
                }
            }
            Parsed::Request {
                path,
                keep_alive,
                used,
            } => {
                self.received.drain(..used);
                // Requests already received (pipelined) are answered, whatever `may_keep` says.
                let keep = keep_alive && (may_keep || !self.received.is_empty());
                let (status, body) = route(&path);
                Next::Send {
                    answer: response(status, body, keep),
                    close: !keep,
                }
            }
        }
    }
}
// ANCHOR_END: session

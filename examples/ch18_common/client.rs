// A small blocking HTTP client that shows exactly what a server sent back, for the pages that
// send servers bad input.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One request on a connection kept open: the status and the body.
pub struct Keeper {
    reader: BufReader<TcpStream>,
}

impl Keeper {
    pub fn connect(addr: SocketAddr) -> io::Result<Keeper> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Keeper {
            reader: BufReader::new(stream),
        })
    }

    /// Sends `GET path` and reads the answer. `Ok(None)`: the server closed the connection.
    pub fn get(&mut self, path: &str) -> io::Result<Option<(u16, Vec<u8>, bool)>> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        self.reader.get_mut().write_all(request.as_bytes())?;
        read_response(&mut self.reader)
    }

    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }
}

/// Reads one response: its status, its body, and whether the connection stays open.
pub fn read_response(reader: &mut impl BufRead) -> io::Result<Option<(u16, Vec<u8>, bool)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, format!("status line {line:?}"))
        })?;
    let (mut length, mut keep) = (0usize, true);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value
                    .parse()
                    .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
            } else if name.eq_ignore_ascii_case("connection") {
                keep = !value.eq_ignore_ascii_case("close");
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some((status, body, keep)))
}

/// What came back on a connection: the status line of each answer, then whether the server
/// closed it.
pub fn what_came_back(stream: TcpStream) -> String {
    let mut reader = BufReader::new(stream);
    let mut seen = Vec::new();
    loop {
        match read_response(&mut reader) {
            Ok(Some((status, _, keep))) => {
                seen.push(format!("{status} {}", super::http::reason(status)));
                if !keep {
                    // The server said it closes: check that it does.
                    let mut rest = Vec::new();
                    let closed = reader.read_to_end(&mut rest).is_ok();
                    seen.push(if closed {
                        "closed".into()
                    } else {
                        "not closed".into()
                    });
                    break;
                }
            }
            Ok(None) => {
                seen.push(if seen.is_empty() {
                    "closed, no answer".into()
                } else {
                    "closed".into()
                });
                break;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                seen.push("still open after 10 s".into());
                break;
            }
            Err(e) => {
                seen.push(format!("error: {e}"));
                break;
            }
        }
    }
    seen.join(", ")
}

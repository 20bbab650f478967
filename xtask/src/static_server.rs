//! A small static file server for the built book, for the browser test.
//!
//! The test needs the book over HTTP rather than `file://`: browsers treat every `file://`
//! page as a separate origin, so the search index, the fonts and `localStorage` (where mdBook
//! keeps the theme) would not behave as they do for a reader. It serves one folder on
//! 127.0.0.1, on a port the system picks, with std only: a thread per connection, one request
//! per connection, GET and HEAD.

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves the files under `root` on 127.0.0.1, on a free port.
    pub fn start(root: &Path) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let root = root.to_path_buf();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let acceptor = thread::Builder::new()
            .name("static-server".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let root = root.clone();
                    // A browser opens several connections at once and may leave one idle;
                    // a thread each keeps one slow connection from holding up the others.
                    let _ = thread::Builder::new()
                        .name("static-server-conn".into())
                        .spawn(move || {
                            let _ = handle(&root, stream);
                        });
                }
            })?;
        Ok(Server {
            addr,
            stop,
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:PORT/`, with the trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // `accept` blocks until a connection comes; make one so the loop sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// The Content-Type for a file name; the types a built mdBook contains, and a neutral one
/// for anything else.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that a request path names, or `None` when the path is not one a
/// browser would send for a file inside `root` (`..`, a drive, an encoded slash).
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let path = request_path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    let mut file = root.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            let byte = u8::from_str_radix(hex, 16).ok()?;
            // An encoded slash or backslash would let a name smuggle in a path separator.
            if byte == b'/' || byte == b'\\' {
                return None;
            }
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn handle(root: &Path, stream: TcpStream) -> io::Result<()> {
    // A connection that never sends its request must not keep a thread forever.
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    // The headers say nothing this server uses, but they must be read before answering.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let text = "text/plain; charset=utf-8";
    let (status, kind, body) = if method != "GET" && method != "HEAD" {
        ("405 Method Not Allowed", text, Vec::new())
    } else {
        match resolve(root, target).and_then(|file| Some((fs::read(&file).ok()?, file))) {
            Some((body, file)) => ("200 OK", content_type(&file), body),
            None => (
                "404 Not Found",
                text,
                format!("not found: {target}\n").into_bytes(),
            ),
        }
    };
    let mut stream = stream;
    // `no-store`: a test that changes a file between runs must see the change.
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()?;
    stream.shutdown(Shutdown::Write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(server: &Server, path: &str) -> (String, Vec<u8>) {
        let mut stream = TcpStream::connect(server.addr).expect("connects");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("sends");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("reads");
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        (head, response[split + 4..].to_vec())
    }

    #[test]
    fn serves_files_with_their_type_and_404_otherwise() {
        let root = bookkit::run::scratch_dir("static-server").expect("scratch dir");
        fs::create_dir_all(root.join("fonts")).expect("dir");
        fs::write(root.join("index.html"), "<p>hi</p>").expect("write");
        fs::write(root.join("fonts/a b.woff2"), [0u8, 1, 2]).expect("write");
        let server = Server::start(&root).expect("starts");

        let (head, body) = get(&server, "/");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("Content-Type: text/html"), "{head}");
        assert_eq!(body, b"<p>hi</p>");

        let (head, body) = get(&server, "/fonts/a%20b.woff2?v=1");
        assert!(head.contains("Content-Type: font/woff2"), "{head}");
        assert_eq!(body, [0, 1, 2]);

        for missing in ["/nothing.css", "/../index.html", "/fonts%2Fa%20b.woff2"] {
            let (head, _) = get(&server, missing);
            assert!(head.starts_with("HTTP/1.1 404"), "{missing}: {head}");
        }
        drop(server);
        let _ = fs::remove_dir_all(root);
    }

    #[test]
    fn content_types_of_a_built_book() {
        for (name, kind) in [
            ("a.css", "text/css; charset=utf-8"),
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.svg", "image/svg+xml"),
            ("a.png", "image/png"),
            ("a.woff", "font/woff"),
            ("a.ttf", "font/ttf"),
            ("a.json", "application/json"),
        ] {
            assert_eq!(content_type(Path::new(name)), kind);
        }
    }
}

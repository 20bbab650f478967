//! A small static file server for the built book: for the browser test, and for
//! `cargo xtask serve` with live reload.
//!
//! The browser test needs the book over HTTP rather than `file://`: browsers treat every
//! `file://` page as a separate origin, so the search index, the fonts and `localStorage`
//! (where mdBook keeps the theme) would not behave as they do for a reader. It serves one
//! folder on 127.0.0.1, on a port the system picks, with std only: a thread per connection,
//! one request per connection, GET and HEAD. [`Server::start`] sends every file exactly as it
//! is on disk.
//!
//! [`Server::start_live`] serves whichever build a [`Live`] points at, and adds live reload:
//! every HTML response gets a small script before `</body>` that listens on `/__reload`
//! (Server-Sent Events) and reloads the page when [`Live::publish`] switches to a newer
//! build. Only the bytes sent change; the files on disk stay as the build wrote them.

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The path of the live-reload event stream.
pub const RELOAD_PATH: &str = "/__reload";

/// How often an idle event stream sends a comment, so that a closed tab's connection is
/// noticed (the write fails) and its thread ends.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    site: Arc<Site>,
    acceptor: Option<JoinHandle<()>>,
}

/// What a server serves.
enum Site {
    /// One folder, byte for byte.
    Files(PathBuf),
    /// The build a [`Live`] points at, with the reload script.
    Live(Arc<Live>),
}

impl Server {
    /// Serves the files under `root` on 127.0.0.1, on a free port.
    pub fn start(root: &Path) -> io::Result<Server> {
        Server::listen(("127.0.0.1", 0), Site::Files(root.to_path_buf()))
    }

    /// Serves the build `live` points at on `addr` (port 0: a free port), with live reload.
    pub fn start_live(addr: impl ToSocketAddrs, live: Arc<Live>) -> io::Result<Server> {
        Server::listen(addr, Site::Live(live))
    }

    fn listen(addr: impl ToSocketAddrs, site: Site) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let site = Arc::new(site);
        let stop = Arc::new(AtomicBool::new(false));
        let (stopping, serving) = (Arc::clone(&stop), Arc::clone(&site));
        let acceptor = thread::Builder::new()
            .name("static-server".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (site, stop) = (Arc::clone(&serving), Arc::clone(&stopping));
                    // A browser opens several connections at once and may leave one idle;
                    // a thread each keeps one slow connection from holding up the others.
                    let _ = thread::Builder::new()
                        .name("static-server-conn".into())
                        .spawn(move || {
                            let _ = handle(&site, &stop, stream);
                        });
                }
            })?;
        Ok(Server {
            addr,
            stop,
            site,
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:PORT/`, with the trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Open event streams wait for a new build; wake them so they see the flag.
        if let Site::Live(live) = &*self.site {
            live.changed.notify_all();
        }
        // `accept` blocks until a connection comes; make one so the loop sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// The build a live server serves, and the signal that tells open pages to reload.
pub struct Live {
    state: Mutex<LiveState>,
    changed: Condvar,
}

struct LiveState {
    /// The folder of the build being served; `None` until the first build succeeds.
    root: Option<PathBuf>,
    /// Names the build being served. Pages carry the id they were served with and reload
    /// when the event stream announces another. It starts from the clock, so that pages
    /// left open across a restart of the server reload too.
    id: u64,
    /// Shown instead of the book while there is no build to serve.
    waiting: String,
}

impl Live {
    /// Nothing to serve yet: every page says the book is being built.
    pub fn new() -> Arc<Live> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Arc::new(Live {
            state: Mutex::new(LiveState {
                root: None,
                id: now,
                waiting: "The book is being built; this page reloads when it is ready.".into(),
            }),
            changed: Condvar::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, LiveState> {
        // A panic elsewhere while holding the lock leaves plain data behind; serve on.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Serves the build in `root` from now on and tells every open page to reload. Returns
    /// the folder served before, if any.
    pub fn publish(&self, root: PathBuf) -> Option<PathBuf> {
        let mut state = self.state();
        let previous = state.root.replace(root);
        state.id += 1;
        drop(state);
        self.changed.notify_all();
        previous
    }

    /// While there is no build to serve, pages show `message` (and still reload once a
    /// build is published).
    pub fn set_waiting_message(&self, message: &str) {
        self.state().waiting = message.to_owned();
    }

    /// The folder being served, if any.
    pub fn root(&self) -> Option<PathBuf> {
        self.state().root.clone()
    }
}

/// The script added before `</body>` of every HTML page a live server sends. It keeps an
/// event stream open only while the page is visible (a browser allows few connections per
/// server, and background tabs must not use them up); on (re)connecting the server sends the
/// id of the build it serves, so a page that missed a rebuild while hidden reloads when it
/// is shown again.
fn reload_script(id: u64) -> String {
    format!(
        r#"<script>
(function () {{
  var shown = "{id}", events = null;
  function connect() {{
    if (events || document.hidden) return;
    events = new EventSource("{RELOAD_PATH}");
    events.onmessage = function (event) {{
      if (event.data !== shown) {{ events.close(); location.reload(); }}
    }};
  }}
  document.addEventListener("visibilitychange", function () {{
    if (document.hidden && events) {{ events.close(); events = null; }} else connect();
  }});
  connect();
}})();
</script>
"#
    )
}

/// `html` with the reload script inserted before its last `</body>` (at the end when it
/// has none).
pub fn inject_reload_script(html: &[u8], id: u64) -> Vec<u8> {
    let script = reload_script(id);
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + script.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
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

/// The status line, Content-Type and body of an answer.
type Answer = (&'static str, &'static str, Vec<u8>);

const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

fn not_found(target: &str) -> Answer {
    (
        "404 Not Found",
        TEXT,
        format!("not found: {target}\n").into_bytes(),
    )
}

/// The file `target` names under `root`, as it is on disk.
fn file_answer(root: &Path, target: &str) -> Answer {
    match resolve(root, target).and_then(|file| Some((fs::read(&file).ok()?, file))) {
        Some((body, file)) => ("200 OK", content_type(&file), body),
        None => not_found(target),
    }
}

/// What a live server answers for `target`: the file from the build being served (HTML
/// with the reload script), the book's own 404 page for a missing one, and a page that says
/// so while there is no build yet.
fn live_answer(live: &Live, target: &str) -> Answer {
    // The folder and the id are read together, so a page names the build it came from.
    let (root, id, waiting) = {
        let state = live.state();
        (state.root.clone(), state.id, state.waiting.clone())
    };
    let Some(root) = root else {
        let escaped = waiting
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Building the book</title></head>\n<body><pre>{escaped}</pre></body></html>\n"
        );
        return (
            "503 Service Unavailable",
            HTML,
            inject_reload_script(page.as_bytes(), id),
        );
    };
    let (status, mut kind, mut body) = file_answer(&root, target);
    if status.starts_with("404") {
        if let Ok(page) = fs::read(root.join("404.html")) {
            (kind, body) = (HTML, page);
        }
    }
    if kind == HTML {
        body = inject_reload_script(&body, id);
    }
    (status, kind, body)
}

fn handle(site: &Site, stop: &AtomicBool, stream: TcpStream) -> io::Result<()> {
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
    let (status, kind, body) = if method != "GET" && method != "HEAD" {
        ("405 Method Not Allowed", TEXT, Vec::new())
    } else {
        match site {
            Site::Files(root) => file_answer(root, target),
            Site::Live(live) => {
                if target.split('?').next() == Some(RELOAD_PATH) && method == "GET" {
                    return event_stream(live, stop, stream);
                }
                live_answer(live, target)
            }
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

/// `/__reload`: sends the id of the build being served now and after every change, until
/// the page goes away or the server stops.
fn event_stream(live: &Live, stop: &AtomicBool, mut stream: TcpStream) -> io::Result<()> {
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
          Connection: close\r\n\r\nretry: 1000\n\n",
    )?;
    let mut state = live.state();
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let id = state.id;
        drop(state);
        stream.write_all(format!("data: {id}\n\n").as_bytes())?;
        stream.flush()?;
        state = live.state();
        while state.id == id && !stop.load(Ordering::SeqCst) {
            let (next, wait) = live
                .changed
                .wait_timeout(state, KEEP_ALIVE)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state = next;
            if wait.timed_out() && state.id == id {
                drop(state);
                stream.write_all(b": still here\n\n")?;
                stream.flush()?;
                state = live.state();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(addr: SocketAddr, path: &str) -> (String, Vec<u8>) {
        let mut stream = TcpStream::connect(addr).expect("connects");
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

        let (head, body) = get(server.addr, "/");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("Content-Type: text/html"), "{head}");
        assert_eq!(body, b"<p>hi</p>");

        let (head, body) = get(server.addr, "/fonts/a%20b.woff2?v=1");
        assert!(head.contains("Content-Type: font/woff2"), "{head}");
        assert_eq!(body, [0, 1, 2]);

        for missing in [
            "/nothing.css",
            "/../index.html",
            "/fonts%2Fa%20b.woff2",
            RELOAD_PATH,
        ] {
            let (head, _) = get(server.addr, missing);
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

    #[test]
    fn the_script_goes_before_the_last_body_end_tag() {
        let html = b"<body><p>a</body> text</BODY>\n</html>";
        let out = String::from_utf8(inject_reload_script(html, 7)).expect("utf-8");
        let script = reload_script(7);
        assert_eq!(
            out,
            format!("<body><p>a</body> text{script}</BODY>\n</html>")
        );
        let out = inject_reload_script(b"<p>no end tag</p>", 7);
        assert_eq!(out, format!("<p>no end tag</p>{script}").into_bytes());
    }

    /// Reads an event stream until it announces an id other than `not`.
    fn next_id(reader: &mut BufReader<TcpStream>, not: Option<&str>) -> String {
        loop {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).expect("reads") > 0, "closed");
            if let Some(id) = line.trim_end().strip_prefix("data: ") {
                if Some(id) != not {
                    return id.to_owned();
                }
            }
        }
    }

    #[test]
    fn a_live_server_adds_the_script_to_html_only_and_announces_new_builds() {
        let scratch = bookkit::run::scratch_dir("live-server").expect("scratch dir");
        let (first, second) = (scratch.join("1"), scratch.join("2"));
        for (dir, text) in [(&first, "one"), (&second, "two")] {
            fs::create_dir_all(dir).expect("dir");
            fs::write(dir.join("index.html"), format!("<body>{text}</body>")).expect("write");
            fs::write(dir.join("404.html"), "<body>lost</body>").expect("write");
            fs::write(dir.join("a.css"), "p {}").expect("write");
        }
        let live = Live::new();
        let server = Server::start_live(("127.0.0.1", 0), Arc::clone(&live)).expect("starts");

        let (head, body) = get(server.addr(), "/");
        assert!(head.starts_with("HTTP/1.1 503"), "{head}");
        assert!(String::from_utf8_lossy(&body).contains("EventSource"));

        live.publish(first.clone());
        let id = live.state().id;
        let (head, body) = get(server.addr(), "/index.html");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(body, inject_reload_script(b"<body>one</body>", id));
        let (_, body) = get(server.addr(), "/a.css");
        assert_eq!(body, b"p {}", "only HTML gets the script");
        let (head, body) = get(server.addr(), "/missing.html");
        assert!(head.starts_with("HTTP/1.1 404"), "{head}");
        assert_eq!(body, inject_reload_script(b"<body>lost</body>", id));

        let mut stream = TcpStream::connect(server.addr()).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        write!(
            stream,
            "GET {RELOAD_PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .expect("sends");
        let mut events = BufReader::new(stream);
        let announced = next_id(&mut events, None);
        assert_eq!(announced, id.to_string());
        assert_eq!(live.publish(second.clone()), Some(first));
        let announced = next_id(&mut events, Some(&announced));
        assert_eq!(announced, (id + 1).to_string());
        let (_, body) = get(server.addr(), "/");
        assert_eq!(body, inject_reload_script(b"<body>two</body>", id + 1));

        // Stopping the server ends the open event stream too.
        drop(server);
        let mut rest = String::new();
        let _ = events.read_to_string(&mut rest);
        let _ = fs::remove_dir_all(scratch);
    }
}

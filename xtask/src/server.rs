//! The built book over HTTP: for the browser test, and for `cargo xtask serve` with live
//! reload. axum and tower-http's `ServeDir` do the HTTP (the crates chapter 5 and chapter 11
//! teach with); this file only says what is served.
//!
//! The browser test needs the book over HTTP rather than `file://`: browsers treat every
//! `file://` page as a separate origin, so the search index, the fonts and `localStorage`
//! (where mdBook keeps the theme) would not behave as they do for a reader. [`Server::start`]
//! serves one folder on 127.0.0.1, on a port the system picks, every file exactly as it is on
//! disk; a path that would leave the folder is refused.
//!
//! [`Server::start_live`] serves whichever build a [`Live`] points at, and adds live reload:
//! every HTML response gets a small script before `</body>` that listens on `/__reload`
//! (Server-Sent Events) and reloads the page when [`Live::publish`] switches to a newer
//! build. Only the bytes sent change; the files on disk stay as the build wrote them.

use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::{Stream, StreamExt};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The path of the live-reload event stream.
pub const RELOAD_PATH: &str = "/__reload";

/// How often an idle event stream sends a comment, so that a closed tab's connection is
/// noticed (the write fails) and its stream ends.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How long a stopping server lets requests in flight finish before it closes them.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
    runtime: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves the files under `root` on 127.0.0.1, on a free port.
    pub fn start(root: &Path) -> io::Result<Server> {
        let root = root.to_path_buf();
        Server::listen(("127.0.0.1", 0), move |_| files(&root))
    }

    /// Serves the build `live` points at on `addr` (port 0: a free port), with live reload.
    pub fn start_live(addr: impl ToSocketAddrs, live: Arc<Live>) -> io::Result<Server> {
        Server::listen(addr, move |stop| live_site(live, stop))
    }

    /// Binds `addr` here, so that a port in use is this call's error, then serves the router
    /// `app` builds on a small tokio runtime of its own thread until the server is dropped.
    fn listen(
        addr: impl ToSocketAddrs,
        app: impl FnOnce(CancellationToken) -> Router + Send + 'static,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("book-server")
            .enable_all()
            .build()?;
        let stop = CancellationToken::new();
        let stopping = stop.clone();
        let runtime = thread::Builder::new()
            .name("book-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let app = app(stopping.clone());
                    let serving = axum::serve(listener, app)
                        .with_graceful_shutdown(stopping.clone().cancelled_owned());
                    // A browser may keep a connection open for ever; after a short grace the
                    // runtime's end closes whatever is left.
                    tokio::select! {
                        _ = serving => {}
                        _ = async {
                            stopping.cancelled().await;
                            tokio::time::sleep(STOP_GRACE).await;
                        } => {}
                    }
                });
                runtime.shutdown_background();
            })?;
        Ok(Server {
            addr,
            stop,
            runtime: Some(runtime),
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
        self.stop.cancel();
        if let Some(runtime) = self.runtime.take() {
            let _ = runtime.join();
        }
    }
}

/// `no-store`: a test that changes a file between runs must see the change.
fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// One folder, byte for byte; 404 for anything else.
fn files(root: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(root))
        .layer(no_store())
}

/// The build a live server serves, and the signal that tells open pages to reload.
pub struct Live {
    state: Mutex<LiveState>,
    /// Names the build being served. Pages carry the id they were served with and reload
    /// when the event stream announces another. It starts from the clock, so that pages left
    /// open across a restart of the server reload too.
    id: watch::Sender<u64>,
}

struct LiveState {
    /// The folder of the build being served; `None` until the first build succeeds.
    root: Option<PathBuf>,
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
                waiting: "The book is being built; this page reloads when it is ready.".into(),
            }),
            id: watch::Sender::new(now),
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
        // Under the lock, so that a page is never served one build with another's id.
        self.id.send_modify(|id| *id += 1);
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

    /// The id of the build being served.
    pub fn id(&self) -> u64 {
        *self.id.borrow()
    }

    /// The folder, the id and the waiting message, read together.
    fn snapshot(&self) -> (Option<PathBuf>, u64, String) {
        let state = self.state();
        (state.root.clone(), self.id(), state.waiting.clone())
    }
}

/// The live site: the reload stream, and every other path from the build being served.
fn live_site(live: Arc<Live>, stop: CancellationToken) -> Router {
    Router::new()
        .route(RELOAD_PATH, get(reload_events))
        .fallback(live_page)
        .with_state((live, stop))
        .layer(no_store())
}

type LiveSite = (Arc<Live>, CancellationToken);

/// What a live server answers for a path: the file from the build being served (HTML with
/// the reload script), the book's own 404 page for a missing one, and a page that says so
/// while there is no build yet.
async fn live_page(State((live, _)): State<LiveSite>, request: Request) -> Response {
    let (root, id, waiting) = live.snapshot();
    let Some(root) = root else {
        let escaped = waiting
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Building the book</title></head>\n<body><pre>{escaped}</pre></body></html>\n"
        );
        let body = inject_reload_script(page.as_bytes(), id);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response();
    };
    let serve = ServeDir::new(&root).not_found_service(ServeFile::new(root.join("404.html")));
    let Ok(response) = serve.oneshot(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|kind| kind.to_str().ok())
        .is_some_and(|kind| kind.starts_with("text/html"));
    if !is_html {
        return response.map(Body::new);
    }
    let (mut parts, body) = response.into_parts();
    let Ok(html) = to_bytes(Body::new(body), usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = inject_reload_script(&html, id);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
}

/// `/__reload`: the id of the build being served now and after every change, until the page
/// goes away or the server stops.
async fn reload_events(
    State((live, stop)): State<LiveSite>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let ids = live.id.subscribe();
    // The id of the build served now, then one each time another is published.
    let builds = futures::stream::unfold((ids, true), |(mut ids, first)| async move {
        if !first && ids.changed().await.is_err() {
            return None;
        }
        let id = *ids.borrow_and_update();
        Some((Ok(Event::default().data(id.to_string())), (ids, false)))
    });
    // A dropped connection is retried after a second, as the old server asked.
    let retry = Event::default().retry(Duration::from_secs(1));
    let stream = futures::stream::once(async { Ok(retry) })
        .chain(builds)
        .take_until(stop.cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("still here"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;

    /// One request with a bare socket, as a browser would send it; the head and the body.
    fn request(addr: SocketAddr, method: &str, path: &str) -> (String, Vec<u8>) {
        let mut stream = TcpStream::connect(addr).expect("connects");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .expect("sends");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("reads");
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        (head, response[split + 4..].to_vec())
    }

    fn get(addr: SocketAddr, path: &str) -> (String, Vec<u8>) {
        request(addr, "GET", path)
    }

    /// The value of header `name` in a response head (names compare without case).
    fn header_of<'a>(head: &'a str, name: &str) -> Option<&'a str> {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    #[test]
    fn serves_files_as_they_are_with_their_type_and_404_otherwise() {
        let root = bookkit::run::scratch_dir("book-server").expect("scratch dir");
        fs::create_dir_all(root.join("fonts")).expect("dir");
        fs::write(root.join("index.html"), "<p>hi</p>").expect("write");
        fs::write(root.join("fonts/a b.woff2"), [0u8, 1, 2]).expect("write");
        for name in ["a.css", "a.js", "a.svg", "a.png", "a.json"] {
            fs::write(root.join(name), name).expect("write");
        }
        let outside = root.with_extension("secret");
        fs::write(&outside, "not for the browser").expect("write");
        let server = Server::start(&root).expect("starts");

        let (head, body) = get(server.addr(), "/");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(header_of(&head, "content-type")
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(
            header_of(&head, "cache-control"),
            Some("no-store"),
            "{head}"
        );
        assert_eq!(body, b"<p>hi</p>", "HTML is sent as it is on disk");

        let (head, body) = get(server.addr(), "/fonts/a%20b.woff2?v=1");
        assert_eq!(
            header_of(&head, "content-type"),
            Some("font/woff2"),
            "{head}"
        );
        assert_eq!(body, [0, 1, 2]);
        for (name, kind) in [
            ("a.css", "text/css"),
            ("a.js", "text/javascript"),
            ("a.svg", "image/svg+xml"),
            ("a.png", "image/png"),
            ("a.json", "application/json"),
        ] {
            let (head, body) = get(server.addr(), &format!("/{name}"));
            assert_eq!(
                header_of(&head, "content-type"),
                Some(kind),
                "{name}: {head}"
            );
            assert_eq!(body, name.as_bytes());
        }
        let (head, body) = request(server.addr(), "HEAD", "/a.css");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(body.is_empty(), "HEAD sends no body");

        let secret = outside.file_name().unwrap().to_string_lossy().into_owned();
        for missing in [
            "/nothing.css".to_owned(),
            format!("/../{secret}"),
            format!("/%2e%2e/{secret}"),
            format!("/fonts/..%2F..%2F{secret}"),
            RELOAD_PATH.to_owned(),
        ] {
            let (head, body) = get(server.addr(), &missing);
            assert!(head.starts_with("HTTP/1.1 404"), "{missing}: {head}");
            assert!(!String::from_utf8_lossy(&body).contains("not for the browser"));
        }
        let (head, _) = request(server.addr(), "POST", "/index.html");
        assert!(head.starts_with("HTTP/1.1 405"), "{head}");

        let addr = server.addr();
        drop(server);
        assert!(
            TcpStream::connect(addr).is_err(),
            "a dropped server stops listening"
        );
        let _ = fs::remove_dir_all(root);
        let _ = fs::remove_file(outside);
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
        let id = live.id();
        let (head, body) = get(server.addr(), "/index.html");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(body, inject_reload_script(b"<body>one</body>", id));
        let (head, body) = get(server.addr(), "/");
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

        // Stopping the server ends the open event stream too, within the grace period.
        let stopped = std::time::Instant::now();
        drop(server);
        assert!(stopped.elapsed() < STOP_GRACE + Duration::from_secs(5));
        let mut rest = String::new();
        let _ = events.read_to_string(&mut rest);
        let _ = fs::remove_dir_all(scratch);
    }
}

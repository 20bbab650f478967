// The local HTTP server of chapter 5: every program starts one on 127.0.0.1, on a port the
// operating system picks, and stops it before it ends. Its routes stand for the sites the
// Python original fetched: each answers with a chosen status code after a chosen delay, so a
// program can ask for a slow site, a broken one or a flaky one.
//
//   GET /status/{code}?delay_ms=N     answers `code` (200 to 599) after N ms
//   GET /flaky/{key}?fail=N&delay_ms=D  503 for the first N requests with this key, then 200
//   GET /pages/{n}                    page n of a small site of linked HTML pages
//
// Anything else gets a 4xx answer that says what went wrong; nothing a client sends makes the
// server panic or stop serving.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::{oneshot, watch};

/// The longest delay a request may ask for, so that a typo cannot keep a program waiting.
pub const MAX_DELAY_MS: u64 = 10_000;
/// The pages of the small site, `/pages/0` to `/pages/15`.
pub const PAGES: u32 = 16;
/// How long the site takes to serve one of its pages.
const PAGE_DELAY: Duration = Duration::from_millis(20);

// ANCHOR: server
/// An HTTP server running on a thread of its own until `stop` (or drop).
pub struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Starts the server on 127.0.0.1, on a free port that the operating system picks.
    pub fn start() -> io::Result<Server> {
        // One thread serves every connection: the handlers wait, they never compute.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            // `listen` registers the socket with the runtime's I/O driver: enter it first.
            let _inside = runtime.enter();
            let socket = tokio::net::TcpSocket::new_v4()?;
            // Port 0: the operating system picks any free port.
            socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            // Room for hundreds of connections arriving at once (std's listeners allow 128).
            socket.listen(1024)?
        };
        let addr = listener.local_addr()?;

        let (stop, stop_asked) = oneshot::channel::<()>();
        let (stopping, stopping_seen) = watch::channel(false);
        let app = routes(Shared {
            flaky: Mutex::default(),
            stopping: stopping_seen,
        });
        let thread = thread::Builder::new()
            .name("server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            // Ok: `stop` or `drop` asked. Err: the sender is gone unsent,
                            // so nobody could ask any more; stop then too.
                            let _ = stop_asked.await;
                            // Cut short the requests still waiting out their delay, so that
                            // the graceful shutdown, which lets them finish, ends at once.
                            let _ = stopping.send(true);
                        })
                        .await
                })
            })?;
        Ok(Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The full URL of a path on this server: `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops accepting connections, lets the open ones finish, and joins the thread.
    pub fn stop(mut self) -> io::Result<()> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(()); // Err: the server thread has already ended.
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    /// A server that goes out of scope stops too, even when the program returns early.
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}
// ANCHOR_END: server

/// What the handlers share: the request counts of the flaky route, and whether the server is
/// stopping.
struct Shared {
    flaky: Mutex<HashMap<String, u32>>,
    stopping: watch::Receiver<bool>,
}

// ANCHOR: routes
fn routes(shared: Shared) -> Router {
    Router::new()
        .route("/status/{code}", get(status))
        .route("/flaky/{key}", get(flaky))
        .route("/pages/{n}", get(page))
        .fallback(no_such_route)
        .with_state(Arc::new(shared))
}

type Params = Query<HashMap<String, String>>;

/// `/status/{code}?delay_ms=N`: waits N ms, then answers with the status code.
async fn status(
    State(shared): State<Arc<Shared>>,
    Path(code): Path<String>,
    Query(params): Params,
) -> Response {
    let code = match status_code(&code) {
        Ok(code) => code,
        Err(problem) => return bad_request(problem),
    };
    let delay = match delay(&params, &["delay_ms"]) {
        Ok(delay) => delay,
        Err(problem) => return bad_request(problem),
    };
    if let Err(stopping) = pause(&shared, delay).await {
        return stopping;
    }
    (code, format!("{code} after {} ms\n", delay.as_millis())).into_response()
}

fn bad_request(problem: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("400 Bad Request: {problem}\n"),
    )
        .into_response()
}
// ANCHOR_END: routes

/// The status code in the path: a whole number from 200 to 599.
fn status_code(text: &str) -> Result<StatusCode, String> {
    text.parse::<u16>()
        .ok()
        .filter(|code| (200..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| format!("the status code must be a number from 200 to 599, not `{text}`"))
}

/// The optional `delay_ms` parameter; any parameter not in `allowed` is refused.
fn delay(params: &HashMap<String, String>, allowed: &[&str]) -> Result<Duration, String> {
    if let Some(unknown) = params.keys().find(|name| !allowed.contains(&name.as_str())) {
        return Err(format!(
            "unknown parameter `{unknown}` (this route takes {})",
            allowed.join(", ")
        ));
    }
    let Some(text) = params.get("delay_ms") else {
        return Ok(Duration::ZERO);
    };
    match text.parse::<u64>() {
        Ok(ms) if ms <= MAX_DELAY_MS => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "delay_ms must be a whole number of milliseconds from 0 to {MAX_DELAY_MS}, not `{text}`"
        )),
    }
}

/// Waits as a slow site would; a server that is stopping answers 503 at once instead.
async fn pause(shared: &Shared, delay: Duration) -> Result<(), Response> {
    let mut stopping = shared.stopping.clone();
    tokio::select! {
        () = tokio::time::sleep(delay) => Ok(()),
        _ = stopping.wait_for(|&stopping| stopping) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            "503 Service Unavailable: the server is stopping\n",
        )
            .into_response()),
    }
}

/// `/flaky/{key}?fail=N&delay_ms=D`: the first N requests for a key get 503, the rest 200.
async fn flaky(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    Query(params): Params,
) -> Response {
    let failures = match params.get("fail").map(|text| (text, text.parse::<u32>())) {
        None => 0,
        Some((_, Ok(n))) => n,
        Some((text, Err(_))) => {
            return bad_request(format!("fail must be a whole number, not `{text}`"));
        }
    };
    let delay = match delay(&params, &["fail", "delay_ms"]) {
        Ok(delay) => delay,
        Err(problem) => return bad_request(problem),
    };
    if let Err(stopping) = pause(&shared, delay).await {
        return stopping;
    }
    let attempt = {
        // A std Mutex is fine here: it is never held across an `.await`.
        let mut counts = shared.flaky.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(key.clone()).or_insert(0);
        *count += 1;
        *count
    };
    if attempt <= failures {
        let text = format!("503 Service Unavailable: attempt {attempt} at {key}\n");
        (StatusCode::SERVICE_UNAVAILABLE, text).into_response()
    } else {
        (
            StatusCode::OK,
            format!("200 OK: attempt {attempt} at {key}\n"),
        )
            .into_response()
    }
}

/// The links on page n: its two children in a binary tree of pages, the home page, and on
/// some pages a link that is broken, fails or is slow.
pub fn page_links(n: u32) -> Vec<String> {
    let mut links: Vec<String> = [2 * n + 1, 2 * n + 2]
        .into_iter()
        .filter(|&child| child < PAGES)
        .map(|child| format!("/pages/{child}"))
        .collect();
    if n > 0 {
        links.push("/pages/0".into());
    }
    if n % 5 == 4 {
        links.push(format!("/pages/{}", n + PAGES)); // no such page: 404
    }
    if n == 6 {
        links.push("/status/500".into());
    }
    if n == 11 {
        links.push("/status/200?delay_ms=2000".into()); // slower than a checker should wait
    }
    links
}

/// `/pages/{n}`: an HTML page with the links of `page_links`.
async fn page(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> Response {
    let n = match n.parse::<u32>() {
        Ok(n) if n < PAGES => n,
        Ok(_) => {
            let text = format!(
                "404 Not Found: the pages are /pages/0 to /pages/{}\n",
                PAGES - 1
            );
            return (StatusCode::NOT_FOUND, text).into_response();
        }
        Err(_) => return bad_request(format!("a page is a whole number, not `{n}`")),
    };
    if let Err(stopping) = pause(&shared, PAGE_DELAY).await {
        return stopping;
    }
    let items: String = page_links(n)
        .iter()
        .map(|link| format!("<li><a href=\"{link}\">{link}</a></li>\n"))
        .collect();
    Html(format!(
        "<!DOCTYPE html>\n<title>Page {n}</title>\n<h1>Page {n}</h1>\n<ul>\n{items}</ul>\n"
    ))
    .into_response()
}

async fn no_such_route(uri: Uri) -> Response {
    let text = format!(
        "404 Not Found: no route {uri}; the routes are /status/{{code}}, /flaky/{{key}} \
         and /pages/{{n}}\n"
    );
    (StatusCode::NOT_FOUND, text).into_response()
}

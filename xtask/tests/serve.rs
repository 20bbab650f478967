//! `cargo xtask serve` closes the loop: over a copy of the book, on a free port, it serves a
//! page, serves the new text soon after the page's Markdown changes (and tells the open page
//! to reload), keeps serving when a change breaks the build, and stops when told.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// The first build compiles nothing (cargo built the program before the test started) but
/// renders every page and formula; a busy two-core machine may take a while.
const FIRST_BUILD: Duration = Duration::from_secs(300);
/// From saving a page to its new text being served.
const REBUILD: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(200);

/// What the book's build reads, beside the pages: `{{#include}}` takes listings from
/// `examples/` (and Python programs from `python/`, where there are any).
const BOOK_SOURCES: [&str; 5] = ["book.toml", "src", "examples", "theme", "python"];

/// The running `cargo xtask serve`; dropping it kills it, so a failing test leaves nothing
/// running.
struct Serving {
    child: Child,
    /// Lines the server printed on standard error, as they come.
    lines: Receiver<String>,
    /// The lines read from `lines` so far.
    seen: Vec<String>,
}

impl Serving {
    fn start(book: &Path) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["serve", "0", "--book"])
            .arg(book)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts cargo xtask serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // Shown with the test's output when it fails.
                eprintln!("serve: {line}");
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Serving {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line of standard error that starts with `prefix`; returns it.
    fn wait_for_line(&mut self, prefix: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "serve printed no line `{prefix}...` in {} s",
                        limit.as_secs()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().expect("waits");
                    panic!("serve stopped ({status}) before printing `{prefix}...`");
                }
            }
        }
    }

    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("asks for the status") {
            panic!("serve stopped: {status}");
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One GET: the status code and the body.
fn get(addr: SocketAddr, path: &str) -> io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // The body ends where the connection does.
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| io::Error::other("no header block"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::other(format!("no status in `{head}`")))?;
    Ok((status, body.to_owned()))
}

/// Polls `path` until its body contains `text` (status 200); returns how long it took.
fn wait_for_text(serving: &mut Serving, addr: SocketAddr, path: &str, text: &str, limit: Duration) {
    let started = Instant::now();
    let mut last = String::from("nothing yet");
    while started.elapsed() < limit {
        serving.assert_running();
        match get(addr, path) {
            Ok((200, body)) if body.contains(text) => return,
            Ok((status, body)) => last = format!("status {status}, {} bytes", body.len()),
            Err(error) => last = error.to_string(),
        }
        thread::sleep(POLL);
    }
    panic!(
        "{path} did not contain `{text}` within {} s (last: {last})",
        limit.as_secs()
    );
}

/// The event stream a page listens on; returns the reader and the id it first announced.
fn open_reload_stream(addr: SocketAddr) -> (BufReader<TcpStream>, String) {
    let mut stream = TcpStream::connect(addr).expect("connects to /__reload");
    stream
        .set_read_timeout(Some(REBUILD))
        .expect("sets a timeout");
    write!(stream, "GET /__reload HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("sends");
    let mut reader = BufReader::new(stream);
    let id = next_event(&mut reader);
    (reader, id)
}

fn next_event(reader: &mut BufReader<TcpStream>) -> String {
    loop {
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .expect("the event stream sends an event in time");
        assert!(read > 0, "the event stream closed");
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            return data.to_owned();
        }
    }
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    if from.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        fs::copy(from, to).map(drop)
    }
}

#[test]
fn serve_rebuilds_a_changed_page_and_keeps_serving_through_a_broken_build() {
    let book = bookkit::run::scratch_dir("serve").expect("a scratch folder");
    let root = xtask::root();
    for name in BOOK_SOURCES {
        if root.join(name).exists() {
            copy_tree(&root.join(name), &book.join(name)).expect("copies the book");
        }
    }
    let first_page = xtask::book::summary_pages(&book).expect("reads SUMMARY.md")[0].clone();
    let markdown = book.join(&first_page);
    let html = format!(
        "/{}",
        Path::new(first_page.strip_prefix("src/").expect("under src/"))
            .with_extension("html")
            .display()
    );

    let mut serving = Serving::start(&book);
    let line = serving.wait_for_line("serving the book at http://", Duration::from_secs(60));
    let addr: SocketAddr = line
        .trim_start_matches("serving the book at http://")
        .split('/')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in `{line}`"));

    // The first build.
    let started = Instant::now();
    wait_for_text(&mut serving, addr, &html, "</html>", FIRST_BUILD);
    eprintln!(
        "first page served {:.1} s after the server started listening",
        started.elapsed().as_secs_f64()
    );
    let (status, body) = get(addr, &html).expect("gets the page");
    assert_eq!(status, 200);
    assert!(
        body.contains("new EventSource(\"/__reload\")"),
        "the served page carries the reload script"
    );
    let (mut events, first_id) = open_reload_stream(addr);

    // A change to the page's Markdown.
    let marker = format!("Served afresh {}", std::process::id());
    assert!(!body.contains(&marker));
    let mut text = fs::read_to_string(&markdown).expect("reads the page");
    text.push_str(&format!("\n{marker}.\n"));
    fs::write(&markdown, &text).expect("changes the page");
    let changed = Instant::now();
    wait_for_text(&mut serving, addr, &html, &marker, REBUILD);
    eprintln!(
        "the change was served {:.1} s after it was saved",
        changed.elapsed().as_secs_f64()
    );
    let next_id = next_event(&mut events);
    assert_ne!(next_id, first_id, "the open page is told to reload");

    // What is served is a build's file, byte for byte, plus the reload script.
    let (_, served) = get(addr, &html).expect("gets the page");
    let id: u64 = next_id.parse().expect("a numeric build id");
    let builds = book.join("target/book-serve");
    let built: Vec<Vec<u8>> = fs::read_dir(&builds)
        .expect("lists the builds")
        .filter_map(|entry| fs::read(entry.ok()?.path().join(&html[1..])).ok())
        .collect();
    assert!(
        built
            .iter()
            .any(|file| served.as_bytes() == xtask::server::inject_reload_script(file, id)),
        "the served page is a built file with the reload script added, and nothing else"
    );

    // A change that breaks the build: the last good build stays served.
    let summary = book.join("src/SUMMARY.md");
    let mut broken = fs::read_to_string(&summary).expect("reads SUMMARY.md");
    broken.push_str("\n- [Not written](no-such-page.md)\n");
    fs::write(&summary, broken).expect("breaks SUMMARY.md");
    serving.wait_for_line("error: the book does not build", REBUILD);
    serving.assert_running();
    let (status, body) = get(addr, &html).expect("gets the page");
    assert_eq!(status, 200);
    assert!(
        body.contains(&marker),
        "the last good build is still served"
    );

    // Each rebuild had a cause: reading the sources while building is no change.
    let page_changed = format!("changed: {first_page}");
    serving.seen.extend(serving.lines.try_iter());
    let changes: Vec<&String> = serving
        .seen
        .iter()
        .filter(|line| line.starts_with("changed: "))
        .collect();
    let summary_changed = "changed: src/SUMMARY.md".to_string();
    // (A slow save may arrive as two batches of events; then one change has two lines.)
    assert!(
        changes.contains(&&page_changed)
            && changes.contains(&&summary_changed)
            && changes
                .iter()
                .all(|line| **line == page_changed || **line == summary_changed),
        "one rebuild for each change, and none for nothing: {changes:?}"
    );

    // Stopping it: the process ends and the port closes.
    serving.child.kill().expect("stops serve");
    serving.child.wait().expect("waits for serve");
    assert!(
        TcpStream::connect(addr).is_err(),
        "nothing listens on {addr} any more"
    );
    drop(serving);
    drop(events);
    let _ = fs::remove_dir_all(&book);
}

// What the servers of chapter 18 share: their settings, their counters, and the handle that
// reports where a server listens and stops it.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The four designs of the chapter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Threads,
    Pool,
    Mio,
    Tokio,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Threads, Kind::Pool, Kind::Mio, Kind::Tokio];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Threads => "threads",
            Kind::Pool => "pool",
            Kind::Mio => "mio",
            Kind::Tokio => "tokio",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Starts this kind of server on `127.0.0.1:0`.
    pub fn start(self, config: Config) -> io::Result<Server> {
        match self {
            Kind::Threads => super::blocking::thread_per_connection(config),
            Kind::Pool => super::blocking::pool(config),
            Kind::Mio => super::reactor::reactor(config),
            Kind::Tokio => super::on_tokio::tokio_server(config),
        }
    }
}

// ANCHOR: config
/// The limits every server keeps, whatever its design.
#[derive(Clone, Debug)]
pub struct Config {
    /// A connection has this long, from its opening or from the end of its last answer, to
    /// deliver a whole request head; then it gets `408` (if part of one came) and is closed.
    pub timeout: Duration,
    /// At most this many connections at once; one more gets `503` and is closed.
    pub max_connections: usize,
    /// The pool's worker threads, and how many accepted connections may wait for one.
    pub workers: usize,
    pub queue: usize,
    /// The mio loop: how many reads and writes one connection may make in a turn before the
    /// loop serves the others.
    pub turn_budget: usize,
}
// ANCHOR_END: config

impl Default for Config {
    fn default() -> Self {
        Config {
            timeout: Duration::from_secs(10),
            max_connections: 15_000,
            workers: 16,
            queue: 64,
            turn_budget: 32,
        }
    }
}

/// What a server counted, read at any time.
#[derive(Default, Debug)]
pub struct Counters {
    pub accepted: AtomicU64,
    pub answered: AtomicU64,
    pub refused: AtomicU64,
    pub timed_out: AtomicU64,
    pub open: AtomicUsize,
}

impl Counters {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// A running server: where it listens, and how to stop it.
pub struct Server {
    pub addr: SocketAddr,
    pub counters: std::sync::Arc<Counters>,
    pub(super) signal: Box<dyn FnOnce() + Send>,
    pub(super) main: JoinHandle<()>,
}

impl Server {
    /// Stops accepting, closes the connections (each after the answer it is writing), joins
    /// every thread the server started, and returns its counters.
    pub fn stop(self) -> std::sync::Arc<Counters> {
        (self.signal)();
        self.main.join().expect("the server's main thread panicked");
        self.counters
    }
}

// ANCHOR: listen
/// The length of each listener's accept queue (the `backlog` of listen(2)).
pub const BACKLOG: u32 = 4096;

/// A listener on `127.0.0.1:0` with an accept queue of `BACKLOG` connections. std's
/// `TcpListener::bind` asks for 128, and mio's for the same, which a thousand clients that
/// connect at once overflow: Linux then drops their SYNs, and each client tries again after
/// a second. std cannot set the backlog; tokio's `TcpSocket` can, and hands the listener on
/// through tokio's reactor, so a small runtime lends it one for that moment. (The `socket2`
/// crate does it without one.) Linux caps the backlog at `net.core.somaxconn`, 4096 since
/// Linux 5.4. The listener comes back in blocking mode, as `bind`'s does.
pub fn listen() -> io::Result<std::net::TcpListener> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let _inside = runtime.enter();
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?; // as std's `bind` does on Unix
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let listener = socket.listen(BACKLOG)?.into_std()?;
    listener.set_nonblocking(false)?;
    Ok(listener)
}
// ANCHOR_END: listen

/// Accept errors: a failed connection (the peer reset it while it waited) costs nothing, so
/// the loop goes on; running out of descriptors or memory does not go away by retrying at
/// once, so the loop waits a little (chapter 11's lesson).
pub fn accept_backoff(error: &io::Error) -> Option<Duration> {
    use std::io::ErrorKind::*;
    match error.kind() {
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock => None,
        _ => Some(Duration::from_millis(100)),
    }
}

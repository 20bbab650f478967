// The two blocking servers: a thread per connection, and a fixed pool of threads fed by a
// bounded queue. Both serve a connection with `serve_blocking`, which reads, answers and
// waits on one socket at a time.

use super::http::{refusal, Answer, Next, Session};
use super::server::{accept_backoff, listen, Config, Counters, Server};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the threads of one blocking server share.
struct Shared {
    config: Config,
    counters: Arc<Counters>,
    stopping: AtomicBool,
    /// A second handle on every open connection (the same socket, not a duplicated
    /// descriptor), so that `stop` can wake the threads that are blocked reading them.
    open: Mutex<HashMap<u64, Arc<TcpStream>>>,
    /// Notified whenever a connection ends, for `close_all`.
    one_closed: Condvar,
}

/// How long a stopping server lets its connections finish the answer they are writing.
const GRACE: Duration = Duration::from_secs(1);
/// How long a connection lingers after its last answer (see `linger`).
const LINGER: Duration = Duration::from_millis(500);

impl Shared {
    fn new(config: Config) -> Arc<Shared> {
        Arc::new(Shared {
            config,
            counters: Arc::default(),
            stopping: AtomicBool::new(false),
            open: Mutex::new(HashMap::new()),
            one_closed: Condvar::new(),
        })
    }

    /// Registers a connection, unless the server is stopping. Checked under the lock, so a
    /// connection is either seen by `close_all` or never served.
    fn register(&self, id: u64, stream: &Arc<TcpStream>) -> bool {
        let mut open = self.open.lock().unwrap();
        if self.stopping.load(Ordering::SeqCst) {
            return false;
        }
        open.insert(id, Arc::clone(stream));
        self.counters.open.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn unregister(&self, id: u64) {
        self.open.lock().unwrap().remove(&id);
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
        self.one_closed.notify_all();
    }

    /// Stops every open connection within `GRACE`. First the reading side: a thread blocked
    /// in `read` gets 0 bytes (end of stream) and returns, one writing an answer finishes it.
    /// Whatever is still open after `GRACE` (a client that reads slowly, or keeps sending
    /// requests the kernel had already received) loses both sides: a thread blocked in
    /// `write` then fails with `EPIPE`, one in `read` gets 0.
    fn close_all(&self) {
        let open = self.open.lock().unwrap();
        for stream in open.values() {
            let _ = stream.shutdown(Shutdown::Read);
        }
        let (open, _) = self
            .one_closed
            .wait_timeout_while(open, GRACE, |open| !open.is_empty())
            .unwrap();
        for stream in open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

// ANCHOR: serve_blocking
/// Serves one connection to its end: answer every whole request received, read when there
/// is none, give up when the client is silent past the deadline. `may_keep` says, before
/// each answer, whether the connection may stay open after it.
fn serve_blocking(
    stream: &TcpStream,
    config: &Config,
    counters: &Counters,
    may_keep: impl Fn() -> bool,
) -> io::Result<()> {
    // `Read` and `Write` are implemented for `&TcpStream`: reading and writing need no `mut`.
    let mut stream = stream;
    let mut session = Session::default();
    let mut buf = [0u8; 4096];
    let mut deadline = Instant::now() + config.timeout;
    // An answer goes out in two writes, head then body. Without `TCP_NODELAY`, Nagle's
    // algorithm holds a small last piece until the head is acknowledged, and the client
    // delays that ACK (40 ms on Linux): the write-write-read stall.
    stream.set_nodelay(true)?;
    loop {
        if let Next::Send { answer, close } = session.next(may_keep()) {
            // A client that reads its answer slowly, or never, has the same timeout for the
            // whole answer.
            write_by(stream, &answer, Instant::now() + config.timeout)?;
            Counters::add(&counters.answered);
            if close {
                return linger(stream);
            }
            deadline = Instant::now() + config.timeout;
            continue;
        }
        // The read timeout shrinks as the deadline nears: a client that sends one byte a
        // second (slowloris) gains nothing by it.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return time_out(stream, &session, counters);
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => session.received(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return time_out(stream, &session, counters);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes a whole answer by `deadline`. A write timeout limits one `write` call, and a call
/// that sent a few bytes before it ran out succeeds: so each call waits only for what is
/// left of the deadline, as each `read` above does.
fn write_by(mut stream: &TcpStream, answer: &Answer, deadline: Instant) -> io::Result<()> {
    let mut written = 0;
    while written < answer.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match stream.write(answer.rest(written)) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: serve_blocking

fn time_out(stream: &TcpStream, session: &Session, counters: &Counters) -> io::Result<()> {
    Counters::add(&counters.timed_out);
    if session.has_partial() {
        write_by(stream, &refusal(408), Instant::now() + LINGER)?;
        return linger(stream);
    }
    Ok(())
}

/// Closes a connection after its last answer without losing that answer. Closing a socket
/// whose unread input is not empty makes the kernel send a reset, which can destroy the
/// answer before the client reads it; so we end our side, then read and drop what the
/// client still sends, for a short while, until it closes its side.
fn linger(mut stream: &TcpStream) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Answers `503` from the accepting thread, which must not wait: write, end our side, drop
/// what the client has sent so far (so that closing does not reset the connection), close.
pub fn refuse_now(mut stream: TcpStream) {
    let _ = stream.write(refusal(503).rest(0)); // small: one call writes it whole
    let _ = stream.shutdown(Shutdown::Write);
    if stream.set_nonblocking(true).is_ok() {
        let mut sink = [0u8; 4096];
        while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    }
}

// ANCHOR: threads
/// Design (a): one thread per connection.
pub fn thread_per_connection(config: Config) -> io::Result<Server> {
    let listener = listen()?; // a longer accept queue than `bind` gives
    let addr = listener.local_addr()?;
    let listener_view = stop_handle(&listener)?;
    let shared = Shared::new(config);
    let counters = Arc::clone(&shared.counters);
    let state = Arc::clone(&shared);
    let main = thread::spawn(move || {
        let mut handlers = Vec::new();
        for (id, accepted) in (0u64..).zip(listener.incoming()) {
            if state.stopping.load(Ordering::SeqCst) {
                break;
            }
            let stream = match accepted {
                Ok(stream) => stream,
                Err(error) => {
                    if let Some(pause) = accept_backoff(&error) {
                        thread::sleep(pause);
                    }
                    continue;
                }
            };
            Counters::add(&state.counters.accepted);
            if state.counters.open.load(Ordering::Relaxed) >= state.config.max_connections {
                Counters::add(&state.counters.refused);
                refuse_now(stream);
                continue;
            }
            let stream = Arc::new(stream);
            if !state.register(id, &stream) {
                break;
            }
            let shared = Arc::clone(&state);
            let spawned = thread::Builder::new().spawn(move || {
                let _ = serve_blocking(&stream, &shared.config, &shared.counters, || true);
                shared.unregister(id);
            });
            match spawned {
                Ok(handle) => handlers.push(handle),
                // No thread to be had (a limit on threads or on memory): undo and back off.
                Err(_) => {
                    state.unregister(id);
                    thread::sleep(Duration::from_millis(100));
                }
            }
            if handlers.len() % 1024 == 0 {
                handlers.retain(|h| !h.is_finished());
            }
        }
        state.close_all();
        for handler in handlers {
            let _ = handler.join();
        }
    });
    Ok(Server {
        addr,
        counters,
        signal: wake_acceptor(shared, listener_view, addr),
        main,
    })
}
// ANCHOR_END: threads

/// A second handle on the listening socket, made while descriptors are to be had, through
/// which `stop` can end an `accept` (std's `shutdown` is a method of `TcpStream` only).
fn stop_handle(listener: &TcpListener) -> io::Result<TcpStream> {
    Ok(TcpStream::from(OwnedFd::from(listener.try_clone()?)))
}

/// The stop signal of a blocking acceptor: set the flag, then wake the `accept` it is
/// blocked in. On Linux, shutting down the reading side of a listening socket makes a
/// blocked `accept` fail at once (`EINVAL`), with no descriptor needed; elsewhere a
/// connection to ourselves wakes it, if the process has a descriptor left to make one.
fn wake_acceptor(
    shared: Arc<Shared>,
    listener: TcpStream,
    addr: std::net::SocketAddr,
) -> Box<dyn FnOnce() + Send> {
    Box::new(move || {
        shared.stopping.store(true, Ordering::SeqCst);
        if listener.shutdown(Shutdown::Read).is_err() {
            let _ = TcpStream::connect(addr);
        }
    })
}

// ANCHOR: pool
/// Design (b): a fixed pool of worker threads, fed accepted connections through a bounded
/// queue. A full queue means the server is saturated: the acceptor answers `503` at once
/// instead of letting connections pile up.
pub fn pool(config: Config) -> io::Result<Server> {
    let listener = listen()?; // a longer accept queue than `bind` gives
    let addr = listener.local_addr()?;
    let listener_view = stop_handle(&listener)?;
    let shared = Shared::new(config);
    let counters = Arc::clone(&shared.counters);
    let (queue, waiting) = crossbeam::channel::bounded::<(u64, TcpStream)>(shared.config.queue);
    let mut workers = Vec::new();
    for _ in 0..shared.config.workers {
        let (state, waiting) = (Arc::clone(&shared), waiting.clone());
        workers.push(thread::spawn(move || {
            for (id, stream) in waiting.iter() {
                let stream = Arc::new(stream);
                if !state.register(id, &stream) {
                    continue; // stopping: close it unserved
                }
                // Keep-alive holds a worker for as long as the client likes; when others
                // wait in the queue, answer with `Connection: close` and take the next.
                let nobody_waits = || waiting.is_empty();
                let _ = serve_blocking(&stream, &state.config, &state.counters, nobody_waits);
                state.unregister(id);
            }
        }));
    }
    let state = Arc::clone(&shared);
    let main = thread::spawn(move || {
        for (id, accepted) in (0u64..).zip(listener.incoming()) {
            if state.stopping.load(Ordering::SeqCst) {
                break;
            }
            match accepted {
                Ok(stream) => {
                    Counters::add(&state.counters.accepted);
                    if let Err(full) = queue.try_send((id, stream)) {
                        Counters::add(&state.counters.refused);
                        refuse_now(full.into_inner().1);
                    }
                }
                Err(error) => {
                    if let Some(pause) = accept_backoff(&error) {
                        thread::sleep(pause);
                    }
                }
            }
        }
        drop(queue); // the workers' `iter()` ends once the queue is empty
        state.close_all();
        for worker in workers {
            let _ = worker.join();
        }
    });
    Ok(Server {
        addr,
        counters,
        signal: wake_acceptor(shared, listener_view, addr),
        main,
    })
}
// ANCHOR_END: pool

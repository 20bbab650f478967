//! A reactor at work: an echo server and its clients, all as tasks on the chapter's
//! single-threaded executor. Their sockets are non-blocking; a task that finds its socket not
//! ready (`WouldBlock`) leaves its waker with the reactor and answers `Pending`, and the
//! reactor thread, asleep in epoll (through mio) until some socket is ready, wakes it.
//!
//! Usage: cargo run --release --example ch09_echo [-- CLIENTS]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::poll_fn;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use mio::event::Source;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Registry, Token};

mod ch09_common;

use ch09_common::cli::optional_number;
use ch09_common::executor::Executor;
use ch09_common::timer::sleep;

const LINES: usize = 3;
const PAUSE: Duration = Duration::from_millis(100);
// However it fails, the program ends within this time instead of waiting for a reply that
// will never come.
const LIMIT: Duration = Duration::from_secs(20);

const USAGE: &str = "\
usage: ch09_echo [CLIENTS]

Starts an echo server on 127.0.0.1 and CLIENTS clients (default 3, at most 50), all as
tasks on the main thread, with a reactor thread (epoll, through mio) that wakes a task
when its socket is ready. Each client sends 3 lines, pausing 0.1 s after each, and checks
that each comes back; the program prints what each client got and how long it all took.
";

// ANCHOR: reactor
/// The wakers of the tasks that wait on each socket, by the socket's token.
type Waiting = Arc<Mutex<HashMap<Token, Vec<Waker>>>>;

/// What the tasks' side needs: the registry to add and remove sockets with, and the map in
/// which a task leaves its waker before it answers `Pending`.
struct Reactor {
    registry: Registry,
    waiting: Waiting,
    next_token: AtomicUsize,
}

/// The reactor, started the first time a socket is registered.
fn reactor() -> &'static Reactor {
    static REACTOR: OnceLock<Reactor> = OnceLock::new();
    REACTOR.get_or_init(|| {
        let poll = mio::Poll::new().expect("could not create an epoll instance");
        let registry = poll
            .registry()
            .try_clone()
            .expect("could not share the registry");
        let waiting = Waiting::default();
        let to_wake = Arc::clone(&waiting);
        thread::Builder::new()
            .name("reactor".into())
            .spawn(move || run_reactor(poll, &to_wake))
            .expect("could not start the reactor thread");
        Reactor {
            registry,
            waiting,
            next_token: AtomicUsize::new(0),
        }
    })
}

fn run_reactor(mut poll: mio::Poll, waiting: &Waiting) {
    let mut events = Events::with_capacity(256);
    loop {
        // Sleep in the kernel (epoll_wait) until at least one registered socket is ready.
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == ErrorKind::Interrupted {
                continue; // a signal arrived; wait again
            }
            // Without its reactor no task that waits on a socket would ever be woken: end
            // the program rather than let it hang.
            eprintln!("error: the reactor could not wait for events: {e}");
            std::process::exit(1);
        }
        for event in events.iter() {
            // Take the wakers out under the lock, and wake them after releasing it.
            let wakers = waiting.lock().unwrap().remove(&event.token());
            for waker in wakers.into_iter().flatten() {
                waker.wake();
            }
        }
    }
}
// ANCHOR_END: reactor

// ANCHOR: async_io
/// A non-blocking socket, registered with the reactor for as long as it lives.
pub struct Async<S: Source> {
    source: S,
    token: Token,
}

impl<S: Source> Async<S> {
    pub fn new(mut source: S) -> io::Result<Async<S>> {
        let reactor = reactor();
        let token = Token(reactor.next_token.fetch_add(1, Ordering::Relaxed));
        // mio's registrations are edge-triggered: one event each time the socket *becomes*
        // readable or writable, not one per poll while it stays so.
        let both = Interest::READABLE | Interest::WRITABLE;
        reactor.registry.register(&mut source, token, both)?;
        Ok(Async { source, token })
    }

    /// Tries `op` on the socket. If the socket is not ready (`WouldBlock`), the task's waker
    /// stays with the reactor and the answer is `Pending`: the reactor wakes the task when
    /// the socket becomes ready, and the next poll tries again.
    pub fn poll_io<T>(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> io::Result<T>,
    ) -> Poll<io::Result<T>> {
        // The waker goes in *before* the attempt. Left until after a failed attempt, it could
        // miss the event of a socket that became ready in between, and with edge-triggered
        // events there would never be another one: the task would wait forever.
        {
            let mut waiting = reactor().waiting.lock().unwrap();
            let wakers = waiting.entry(self.token).or_default();
            if !wakers.iter().any(|waker| waker.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
        }
        match op(&self.source) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => Poll::Pending,
            result => Poll::Ready(result),
        }
    }
}

impl<S: Source> Drop for Async<S> {
    /// A socket that is dropped leaves the reactor, and so do the wakers that waited on it.
    fn drop(&mut self) {
        let reactor = reactor();
        let _ = reactor.registry.deregister(&mut self.source);
        reactor.waiting.lock().unwrap().remove(&self.token);
    }
}
// ANCHOR_END: async_io

// ANCHOR: tcp
impl Async<TcpListener> {
    pub fn bind(address: SocketAddr) -> io::Result<Async<TcpListener>> {
        Async::new(TcpListener::bind(address)?)
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.local_addr()
    }

    pub async fn accept(&self) -> io::Result<(Async<TcpStream>, SocketAddr)> {
        let (stream, peer) = poll_fn(|cx| self.poll_io(cx, |listener| listener.accept())).await?;
        Ok((Async::new(stream)?, peer))
    }
}

impl Async<TcpStream> {
    pub async fn connect(address: SocketAddr) -> io::Result<Async<TcpStream>> {
        // The kernel's non-blocking connect answers EINPROGRESS; mio's connect hides that and
        // returns the unconnected socket, which becomes writable when the connection is made
        // or has failed. Until then `peer_addr` fails: on Linux with ENOTCONN, which is
        // `NotConnected`. mio's documentation also allows EINPROGRESS there, which std has no
        // stable `ErrorKind` for yet; a port to such a system would test its raw code too.
        let stream = Async::new(TcpStream::connect(address)?)?;
        poll_fn(|cx| {
            stream.poll_io(cx, |socket| {
                if let Some(e) = socket.take_error()? {
                    return Err(e);
                }
                match socket.peer_addr() {
                    Err(e) if e.kind() == ErrorKind::NotConnected => {
                        Err(ErrorKind::WouldBlock.into())
                    }
                    other => other.map(drop),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    pub async fn read(&self, buffer: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_io(cx, |mut socket| socket.read(buffer))).await
    }

    pub async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let written = poll_fn(|cx| self.poll_io(cx, |mut socket| socket.write(bytes))).await?;
            if written == 0 {
                return Err(ErrorKind::WriteZero.into());
            }
            bytes = &bytes[written..];
        }
        Ok(())
    }
}
// ANCHOR_END: tcp

// ANCHOR: server
/// What the server tasks share: how many connections are open now, the most that were open
/// at once, and how many lines came through.
#[derive(Default)]
struct Counts {
    open: Cell<usize>,
    most_open: Cell<usize>,
    lines: Cell<usize>,
}

/// One server task: accepts one connection and sends back whatever arrives, until the
/// client closes it. All the server tasks wait on the same listener.
async fn serve_one(listener: Rc<Async<TcpListener>>, counts: Rc<Counts>) -> io::Result<()> {
    let (stream, _peer) = listener.accept().await?;
    counts.open.set(counts.open.get() + 1);
    counts
        .most_open
        .set(counts.most_open.get().max(counts.open.get()));
    let mut buffer = [0; 1024];
    let result = loop {
        match stream.read(&mut buffer).await {
            Ok(0) => break Ok(()), // the client closed its end
            Ok(n) => {
                let lines = buffer[..n].iter().filter(|&&byte| byte == b'\n').count();
                counts.lines.set(counts.lines.get() + lines);
                if let Err(e) = stream.write_all(&buffer[..n]).await {
                    break Err(e);
                }
            }
            Err(e) => break Err(e),
        }
    };
    counts.open.set(counts.open.get() - 1);
    result
}
// ANCHOR_END: server

// ANCHOR: client
/// One client task: sends `LINES` lines, waits for each to come back, pauses after each,
/// and returns how many came back unchanged.
async fn client(id: usize, address: SocketAddr) -> io::Result<usize> {
    let stream = Async::connect(address).await?;
    let mut echoed = 0;
    for number in 1..=LINES {
        let line = format!("line {number} from client {id}\n");
        stream.write_all(line.as_bytes()).await?;
        let mut reply = Vec::new();
        let mut buffer = [0; 64];
        while reply.len() < line.len() {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                return Err(ErrorKind::UnexpectedEof.into());
            }
            reply.extend_from_slice(&buffer[..n]);
        }
        if reply == line.as_bytes() {
            echoed += 1;
        }
        sleep(PAUSE).await; // the task waits on the timer; the thread serves the others
    }
    Ok(echoed)
}
// ANCHOR_END: client

fn main() -> ExitCode {
    let clients = match optional_number(USAGE, 3, 1, 50) {
        Ok(n) => n as usize,
        Err(status) => return status,
    };
    // However it fails, the program ends within LIMIT and says so, instead of hanging.
    thread::spawn(|| {
        thread::sleep(LIMIT);
        eprintln!(
            "error: the echo did not finish within {} s",
            LIMIT.as_secs()
        );
        std::process::exit(1);
    });
    let listener = match Async::bind(SocketAddr::from(([127, 0, 0, 1], 0))) {
        Ok(listener) => Rc::new(listener),
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1: {e}");
            return ExitCode::FAILURE;
        }
    };
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(e) => {
            eprintln!("error: cannot read the listening address: {e}");
            return ExitCode::FAILURE;
        }
    };
    // ANCHOR: main
    let start = Instant::now();
    let counts = Rc::new(Counts::default());
    let results = Rc::new(RefCell::new(vec![None; clients]));
    let server_errors = Rc::new(RefCell::new(Vec::new()));
    let mut executor = Executor::new();
    for _ in 0..clients {
        let (listener, counts) = (Rc::clone(&listener), Rc::clone(&counts));
        let server_errors = Rc::clone(&server_errors);
        executor.spawn(async move {
            if let Err(e) = serve_one(listener, counts).await {
                server_errors.borrow_mut().push(e.to_string());
            }
        });
    }
    for id in 0..clients {
        let results = Rc::clone(&results);
        executor.spawn(async move {
            let result = client(id, address).await.map_err(|e| e.to_string());
            results.borrow_mut()[id] = Some(result);
        });
    }
    executor.run(); // every task above, on this one thread
    let took = start.elapsed().as_secs_f64();
    // ANCHOR_END: main
    println!(
        "{clients} clients and {clients} server tasks on one thread, \
         {LINES} lines per client, a pause of {:.1} s after each:",
        PAUSE.as_secs_f64()
    );
    let mut failed = false;
    for (id, result) in results.borrow().iter().enumerate() {
        match result {
            Some(Ok(echoed)) => println!("  client {id}: {echoed} of {LINES} lines came back"),
            Some(Err(e)) => {
                failed = true;
                println!("  client {id}: error: {e}");
            }
            None => {
                failed = true;
                println!("  client {id}: did not finish");
            }
        }
    }
    for e in server_errors.borrow().iter() {
        failed = true;
        println!("  server task: error: {e}");
    }
    println!(
        "  the server echoed {} lines, with at most {} connections open at once",
        counts.lines.get(),
        counts.most_open.get()
    );
    let pauses = LINES as f64 * PAUSE.as_secs_f64();
    let one_by_one = clients as f64 * pauses;
    println!(
        "  took {took:.3} s (one client's pauses: {pauses:.1} s; \
         one connection after another: at least {one_by_one:.1} s)"
    );
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

// Design (c): one thread, one `mio::Poll` (epoll on Linux), every socket non-blocking. The
// loop waits for readiness, then drives each ready connection's state machine as far as it
// goes without blocking.

use super::http::{refusal, Answer, Next, Session};
use super::server::{accept_backoff, listen, Config, Counters, Server};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use std::collections::{BTreeSet, VecDeque};
use std::io::{self, ErrorKind, Read, Write};
use std::net::Shutdown;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
/// Connection `i` of the slab is registered as `Token(i + FIRST)`.
const FIRST: usize = 2;
/// How long a connection drains the client's bytes after its last answer, as `linger` does
/// in the blocking servers.
const LINGER: Duration = Duration::from_millis(500);

// ANCHOR: connection
/// One connection's state between two events: what came in and is not answered, what is
/// to go out and is not written, and when the client's time runs out.
struct Connection {
    stream: TcpStream,
    session: Session,
    out: Answer,
    written: usize,
    /// After `out` is written: end our side and drain the client's (see `linger` in the
    /// blocking servers), then close.
    close_after: bool,
    draining: bool,
    deadline: Instant,
    /// In the loop's list of connections that used up their turn and are still ready.
    queued: bool,
}

enum State {
    /// Waiting for an event: a read or a write returned `WouldBlock`.
    Open,
    /// Used up its turn before `WouldBlock`: no event will come, so the loop must come back.
    Ready,
    Closed,
}

impl Connection {
    /// Makes progress without blocking, for at most `budget` reads and writes (tokio gives a
    /// task 128 operations). Readiness in mio is edge-triggered: the next event comes only
    /// after a `WouldBlock`, so a turn that ends before one returns `Ready`, and the loop
    /// must remember to drive it again.
    fn drive(&mut self, counters: &Counters, config: &Config) -> State {
        let mut buf = [0u8; 4096];
        let mut budget = config.turn_budget;
        loop {
            while self.written < self.out.len() {
                if budget == 0 {
                    return State::Ready;
                }
                budget -= 1;
                match self.stream.write(self.out.rest(self.written)) {
                    Ok(0) => return State::Closed,
                    Ok(n) => self.written += n, // a partial write: keep the rest for later
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return State::Open,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => return State::Closed,
                }
            }
            if !self.out.is_empty() {
                // Written whole: the wait for the next request starts now.
                self.deadline = Instant::now() + config.timeout;
            }
            self.out = Answer::default();
            self.written = 0;
            if self.close_after && !self.draining {
                if self.stream.shutdown(Shutdown::Write).is_err() {
                    return State::Closed;
                }
                self.draining = true;
                self.deadline = Instant::now() + LINGER;
            }
            if !self.draining {
                // Answer one request at a time, and read only when none is waiting: a client
                // that sends requests without reading answers fills its own socket, not our
                // memory.
                if let Next::Send { answer, close } = self.session.next(true) {
                    Counters::add(&counters.answered);
                    self.out = answer;
                    self.close_after = close;
                    self.deadline = Instant::now() + config.timeout;
                    continue;
                }
            }
            if budget == 0 {
                return State::Ready;
            }
            budget -= 1;
            match self.stream.read(&mut buf) {
                Ok(0) => return State::Closed,
                Ok(_) if self.draining => {}
                Ok(n) => self.session.received(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return State::Open,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return State::Closed,
            }
        }
    }
}
// ANCHOR_END: connection

/// Connections by index, with the free indexes kept for reuse.
#[derive(Default)]
struct Slab {
    slots: Vec<Option<Connection>>,
    free: Vec<usize>,
    len: usize,
}

impl Slab {
    fn insert(&mut self, connection: Connection) -> usize {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(connection);
                i
            }
            None => {
                self.slots.push(Some(connection));
                self.slots.len() - 1
            }
        }
    }
    fn remove(&mut self, i: usize) -> Option<Connection> {
        let connection = self.slots.get_mut(i)?.take()?;
        self.free.push(i);
        self.len -= 1;
        Some(connection)
    }
}

// ANCHOR: reactor
pub fn reactor(config: Config) -> io::Result<Server> {
    let std_listener = listen()?; // a longer accept queue than `bind` gives
    std_listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(std_listener);
    let addr = listener.local_addr()?;
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let counters = Arc::new(Counters::default());
    let shared = Arc::clone(&counters);
    // The loop keeps a handle on the waker too: if the only one were dropped right after
    // `wake`, its descriptor would close, and epoll forgets the events of closed descriptors.
    let keep_waker = Arc::clone(&waker);
    let main = thread::spawn(move || {
        let _waker = keep_waker;
        if let Err(error) = event_loop(poll, listener, config, &shared) {
            eprintln!("mio server: {error}");
        }
    });
    let signal = Box::new(move || {
        let _ = waker.wake();
    });
    Ok(Server {
        addr,
        counters,
        signal,
        main,
    })
}

fn event_loop(
    mut poll: Poll,
    listener: TcpListener,
    config: Config,
    counters: &Counters,
) -> io::Result<()> {
    let mut events = Events::with_capacity(1024);
    let mut slab = Slab::default();
    // Every connection's deadline, soonest first: the poll's timeout is the first of them.
    let mut deadlines: BTreeSet<(Instant, usize)> = BTreeSet::new();
    let mut listener = Some(listener);
    let mut paused_until: Option<Instant> = None; // accepting, after an accept error
    let mut accept_more = false; // the last accepting turn spent its budget
    let mut stop_by: Option<Instant> = None; // set when stopping: the grace period's end
                                             // Connections that used up their turn while still ready: no event will come for them.
    let mut ready: VecDeque<usize> = VecDeque::new();
    loop {
        let now = Instant::now();
        let next_timer = [deadlines.first().map(|d| d.0), paused_until, stop_by]
            .into_iter()
            .flatten()
            .min();
        let mut timeout = next_timer.map(|t| t.saturating_duration_since(now));
        if !ready.is_empty() || accept_more {
            timeout = Some(Duration::ZERO); // look for new events, then serve those too
        }
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let mut accept_now = accept_more || paused_until.is_some_and(|t| Instant::now() >= t);
        accept_more = false;
        for event in events.iter() {
            match event.token() {
                // While paused, a new connection waits for the pause to end.
                LISTENER => accept_now |= paused_until.is_none(),
                WAKER => {
                    // Stop: no more accepting; idle connections close now, busy ones after
                    // the answer they are writing; whatever is left goes after a second.
                    if let Some(mut l) = listener.take() {
                        poll.registry().deregister(&mut l)?;
                    }
                    paused_until = None; // no listener, nothing to resume
                    stop_by = Some(Instant::now() + Duration::from_secs(1));
                    for i in 0..slab.slots.len() {
                        let busy = slab.slots[i]
                            .as_ref()
                            .is_some_and(|c| c.written < c.out.len());
                        match (&mut slab.slots[i], busy) {
                            (Some(c), true) => c.close_after = true,
                            (Some(_), false) => {
                                close(&mut slab, &mut deadlines, &poll, i, counters)
                            }
                            (None, _) => {}
                        }
                    }
                }
                Token(t) => {
                    let i = t - FIRST;
                    turn(
                        &mut slab,
                        &mut deadlines,
                        &mut ready,
                        &poll,
                        i,
                        &config,
                        counters,
                    );
                }
            }
        }
        // Then one more turn for each connection that used up its last one, in the order
        // they did: one greedy client gets its turn like the others, not all of them.
        for _ in 0..ready.len() {
            let Some(i) = ready.pop_front() else { break };
            let Some(c) = slab.slots[i].as_mut().filter(|c| c.queued) else {
                continue; // closed since, or its index reused by a newer connection
            };
            c.queued = false;
            turn(
                &mut slab,
                &mut deadlines,
                &mut ready,
                &poll,
                i,
                &config,
                counters,
            );
        }
        if accept_now {
            if let Some(l) = &listener {
                match accept_all(l, &poll, &mut slab, &mut deadlines, &config, counters) {
                    Accepted::Drained => paused_until = None,
                    Accepted::Budget => (paused_until, accept_more) = (None, true),
                    Accepted::PauseUntil(t) => paused_until = Some(t),
                }
            }
        }
        // Connections whose time ran out: a `408` if they sent part of a request and no
        // answer is half written, then close. A draining connection was answered: it only
        // ends its linger.
        let now = Instant::now();
        while let Some(&(deadline, i)) = deadlines.first() {
            if deadline > now {
                break;
            }
            deadlines.pop_first();
            if let Some(c) = slab.slots[i].as_mut().filter(|c| c.deadline == deadline) {
                if !c.draining {
                    Counters::add(&counters.timed_out);
                    if c.session.has_partial() && c.written == c.out.len() {
                        let _ = c.stream.write(refusal(408).rest(0)); // best effort: it is small
                    }
                }
                close(&mut slab, &mut deadlines, &poll, i, counters);
            }
        }
        if let Some(end) = stop_by {
            if slab.len == 0 || Instant::now() >= end {
                // Dropping the slab closes what is left: count those as closed too.
                counters.open.fetch_sub(slab.len, Ordering::Relaxed);
                return Ok(());
            }
        }
    }
}

/// How many connections one turn of the loop accepts, like a connection's `turn_budget`:
/// a flood of connects must not keep the loop from the connections it already has.
const ACCEPT_BUDGET: usize = 64;

enum Accepted {
    /// The listener had nothing more (`WouldBlock`).
    Drained,
    /// `ACCEPT_BUDGET` accepted: more may wait, and no new event will say so.
    Budget,
    /// An accept error that calls for a pause, until then.
    PauseUntil(Instant),
}

/// Accepts until the listener has nothing more, the budget is spent, or an accept error
/// calls for a pause.
fn accept_all(
    listener: &TcpListener,
    poll: &Poll,
    slab: &mut Slab,
    deadlines: &mut BTreeSet<(Instant, usize)>,
    config: &Config,
    counters: &Counters,
) -> Accepted {
    for _ in 0..ACCEPT_BUDGET {
        let mut stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Accepted::Drained,
            Err(e) => match accept_backoff(&e) {
                Some(pause) => return Accepted::PauseUntil(Instant::now() + pause),
                None => continue,
            },
        };
        Counters::add(&counters.accepted);
        // Head and body are separate writes: no Nagle delay on the second (see `serve_blocking`).
        let _ = stream.set_nodelay(true);
        if slab.len >= config.max_connections {
            Counters::add(&counters.refused);
            let _ = stream.write(refusal(503).rest(0));
            let _ = stream.shutdown(Shutdown::Write);
            continue; // dropped: closed
        }
        let deadline = Instant::now() + config.timeout;
        let connection = Connection {
            stream,
            session: Session::default(),
            out: Answer::default(),
            written: 0,
            close_after: false,
            draining: false,
            deadline,
            queued: false,
        };
        let i = slab.insert(connection);
        let c = slab.slots[i].as_mut().unwrap();
        // Both directions, once: with edge-triggered readiness an unused interest costs an
        // event at most when its state changes.
        let registered = poll.registry().register(
            &mut c.stream,
            Token(i + FIRST),
            Interest::READABLE | Interest::WRITABLE,
        );
        if registered.is_err() {
            // This connection's failure (no memory for it in epoll), not the server's.
            slab.remove(i);
            Counters::add(&counters.refused);
            continue;
        }
        deadlines.insert((deadline, i));
        counters.open.fetch_add(1, Ordering::Relaxed);
    }
    Accepted::Budget
}

/// One turn of connection `i`: drive it, move its deadline, and queue or close it.
fn turn(
    slab: &mut Slab,
    deadlines: &mut BTreeSet<(Instant, usize)>,
    ready: &mut VecDeque<usize>,
    poll: &Poll,
    i: usize,
    config: &Config,
    counters: &Counters,
) {
    let Some(c) = slab.slots.get_mut(i).and_then(Option::as_mut) else {
        return; // closed earlier in this same batch of events
    };
    let before = c.deadline;
    let after = c.drive(counters, config);
    if c.deadline != before {
        deadlines.remove(&(before, i));
        deadlines.insert((c.deadline, i));
    }
    match after {
        State::Open => {}
        State::Ready => {
            if !c.queued {
                c.queued = true;
                ready.push_back(i);
            }
        }
        State::Closed => close(slab, deadlines, poll, i, counters),
    }
}
// ANCHOR_END: reactor

fn close(
    slab: &mut Slab,
    deadlines: &mut BTreeSet<(Instant, usize)>,
    poll: &Poll,
    i: usize,
    counters: &Counters,
) {
    if let Some(mut c) = slab.remove(i) {
        deadlines.remove(&(c.deadline, i));
        let _ = poll.registry().deregister(&mut c.stream);
        counters.open.fetch_sub(1, Ordering::Relaxed);
    }
}

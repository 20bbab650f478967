// The chapter's load generator, on tokio: N connections, each sending `GET /` and waiting
// for the answer before it sends the next. The clock starts only once every connection has
// been answered once; then a warm-up, then the measured window.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::{timeout_at, Instant};

/// How long the clients have to be answered once each before the clock starts anyway.
pub const SETUP_LIMIT: Duration = Duration::from_secs(10);

/// What one run of the generator saw.
#[derive(Default)]
pub struct Run {
    /// Latency of every request answered `200` inside the measured window, in microseconds.
    pub latencies: Vec<u32>,
    /// Requests answered with something else (`503`), or connections refused or reset.
    pub failed: u64,
    /// Times a connection had to be opened again because the server closed it.
    pub reopened: u64,
    /// Connections still waiting for an answer when the window closed.
    pub waiting_at_end: u64,
    /// Every request answered `200`, warm-up included.
    pub all_answered: u64,
    /// Clients that had connected and been answered once when the clock started.
    pub ready: u64,
    pub seconds: f64,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }
}

// ANCHOR: percentile
/// The nearest-rank percentile of sorted latencies, in milliseconds.
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}
// ANCHOR_END: percentile

// ANCHOR: generator
/// When the measured window starts: once every client has been answered once (or after
/// `SETUP_LIMIT`), plus the warm-up. Until then nobody knows, and nothing is counted.
struct Clock {
    clients: usize,
    answered_once: AtomicUsize,
    all_answered: Notify,
    start: OnceLock<Instant>,
    window: Duration,
    /// The latest the window can end, for waits that begin before `start` is set.
    latest_end: Instant,
}

impl Clock {
    fn end(&self) -> Instant {
        self.start
            .get()
            .map_or(self.latest_end, |&s| s + self.window)
    }
    fn counts(&self, sent: Instant) -> bool {
        self.start.get().is_some_and(|&s| sent >= s)
    }
}

/// Runs `connections` clients against `addr`, on the calling runtime.
pub async fn run(addr: SocketAddr, connections: usize, warmup: Duration, window: Duration) -> Run {
    let clock = Arc::new(Clock {
        clients: connections,
        answered_once: AtomicUsize::new(0),
        all_answered: Notify::new(),
        start: OnceLock::new(),
        window,
        latest_end: Instant::now() + SETUP_LIMIT + warmup + window,
    });
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..connections {
        clients.spawn(client(addr, Arc::clone(&clock)));
    }
    // The clients connect all at once; the clock starts when the last one has its answer.
    let _ = tokio::time::timeout(SETUP_LIMIT, clock.all_answered.notified()).await;
    let ready = clock.answered_once.load(Ordering::SeqCst);
    clock.start.get_or_init(|| Instant::now() + warmup);
    let mut total = Run {
        seconds: window.as_secs_f64(),
        ready: ready as u64,
        ..Run::default()
    };
    while let Some(done) = clients.join_next().await {
        let one = done.expect("a client task panicked");
        total.latencies.extend(one.latencies);
        total.failed += one.failed;
        total.reopened += one.reopened;
        total.waiting_at_end += one.waiting_at_end;
        total.all_answered += one.all_answered;
    }
    total.latencies.sort_unstable();
    total
}

async fn client(addr: SocketAddr, clock: Arc<Clock>) -> Run {
    const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut run = Run::default();
    let mut connection: Option<BufReader<TcpStream>> = None;
    let (mut opened_once, mut answered_once) = (false, false);
    while Instant::now() < clock.end() {
        let sent = Instant::now();
        let conn = match &mut connection {
            Some(conn) => conn,
            None => match timeout_at(clock.end(), TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    run.reopened += u64::from(opened_once);
                    opened_once = true;
                    stream.set_nodelay(true).ok();
                    connection.insert(BufReader::new(stream))
                }
                Ok(Err(_)) => {
                    run.failed += u64::from(clock.counts(sent));
                    // Refused: wait a little rather than spin on connect.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                Err(_) => break, // the window closed
            },
        };
        let answer = timeout_at(clock.end(), async {
            conn.get_mut().write_all(REQUEST).await?;
            read_answer(conn).await
        })
        .await;
        if matches!(answer, Ok(Ok(_))) && !answered_once {
            // Any answer, `503` included: the server has accepted this client.
            answered_once = true;
            let now_answered = clock.answered_once.fetch_add(1, Ordering::SeqCst) + 1;
            if now_answered == clock.clients {
                clock.all_answered.notify_one();
            }
        }
        match answer {
            Err(_) => {
                run.waiting_at_end += 1;
                break;
            }
            Ok(Ok((200, keep))) => {
                run.all_answered += 1;
                let done = Instant::now();
                if clock.counts(sent) {
                    run.latencies
                        .push(done.duration_since(sent).as_micros() as u32);
                }
                if !keep {
                    connection = None;
                }
            }
            Ok(Ok((_, _))) | Ok(Err(_)) => {
                // A `503` or a reset: count it, back off, open a new connection.
                run.failed += u64::from(clock.counts(sent));
                connection = None;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    run
}
// ANCHOR_END: generator

/// Reads one answer: its status and whether the connection stays open.
async fn read_answer(conn: &mut BufReader<TcpStream>) -> std::io::Result<(u16, bool)> {
    let mut line = String::new();
    if conn.read_line(&mut line).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (mut length, mut keep) = (0u64, true);
    loop {
        line.clear();
        if conn.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("connection") {
                keep = !value.trim().eq_ignore_ascii_case("close");
            }
        }
    }
    let mut body = (&mut *conn).take(length);
    tokio::io::copy(&mut body, &mut tokio::io::sink()).await?;
    Ok((status, keep))
}

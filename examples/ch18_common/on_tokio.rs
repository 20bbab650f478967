// Design (d): the same protocol on tokio. The runtime's reactor does what our mio loop did
// (readiness, wake-ups, timers); each connection is a task written as straight-line code.

use super::blocking::refuse_now;
use super::http::{refusal, Answer, Next, Session};
use super::server::{accept_backoff, listen, Config, Counters, Server};
use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{timeout, timeout_at, Instant};

/// How long a connection drains the client's bytes after its last answer.
const LINGER: std::time::Duration = std::time::Duration::from_millis(500);
/// How long a stopping server waits for the answers being written.
const GRACE: std::time::Duration = std::time::Duration::from_secs(1);

// ANCHOR: connection
async fn serve(
    mut stream: TcpStream,
    config: Arc<Config>,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let mut session = Session::default();
    let mut buf = [0u8; 4096];
    let mut deadline = Instant::now() + config.timeout;
    // Head and body are separate writes: no Nagle delay on the second (see `serve_blocking`).
    stream.set_nodelay(true)?;
    loop {
        if let Next::Send { answer, close } = session.next(true) {
            // A client that reads its answer slowly, or never, is cut off after the timeout.
            timeout(config.timeout, write_answer(&mut stream, &answer)).await??;
            Counters::add(&counters.answered);
            if close || *stop.borrow() {
                return linger(stream).await;
            }
            deadline = Instant::now() + config.timeout;
            continue;
        }
        tokio::select! {
            read = timeout_at(deadline, stream.read(&mut buf)) => match read {
                Ok(Ok(0)) => return Ok(()),
                Ok(Ok(n)) => session.received(&buf[..n]),
                Ok(Err(e)) => return Err(e),
                Err(_elapsed) => {
                    Counters::add(&counters.timed_out);
                    if session.has_partial() {
                        let refused = refusal(408);
                        timeout(LINGER, stream.write_all(refused.rest(0))).await??;
                        return linger(stream).await;
                    }
                    return Ok(());
                }
            },
            // Stopping: a connection waiting for a request closes now.
            _ = stop.changed() => return Ok(()),
        }
    }
}

async fn write_answer(stream: &mut TcpStream, answer: &Answer) -> io::Result<()> {
    let mut written = 0;
    while written < answer.len() {
        let part = answer.rest(written);
        stream.write_all(part).await?;
        written += part.len();
    }
    Ok(())
}
// ANCHOR_END: connection

async fn linger(mut stream: TcpStream) -> io::Result<()> {
    stream.shutdown().await?;
    let mut sink = [0u8; 4096];
    let drain = async {
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = timeout(LINGER, drain).await;
    Ok(())
}

// ANCHOR: accept
pub fn tokio_server(config: Config) -> io::Result<Server> {
    let std_listener = listen()?; // a longer accept queue than `bind` gives
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let counters = Arc::new(Counters::default());
    let shared = Arc::clone(&counters);
    let main = std::thread::spawn(move || {
        runtime.block_on(async move {
            let listener = TcpListener::from_std(std_listener).expect("inside a runtime");
            let limit = Arc::new(Semaphore::new(config.max_connections));
            let config = Arc::new(config);
            let mut stop = stop_rx.clone();
            let mut tasks = JoinSet::new();
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = stop.changed() => break,
                    // Reap finished tasks as we go, so the set holds only live ones.
                    Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
                };
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        if let Some(pause) = accept_backoff(&error) {
                            tokio::time::sleep(pause).await;
                        }
                        continue;
                    }
                };
                Counters::add(&shared.accepted);
                let Ok(permit) = Arc::clone(&limit).try_acquire_owned() else {
                    // Refused here and now, as the blocking servers do, not in a task of its
                    // own: a task would hold the socket beyond the limit while it wrote.
                    Counters::add(&shared.refused);
                    if let Ok(stream) = stream.into_std() {
                        refuse_now(stream); // non-blocking: never waits
                    }
                    continue;
                };
                let (config, counters, stop) = (config.clone(), shared.clone(), stop_rx.clone());
                let seat = Seat::take(&counters);
                tasks.spawn(async move {
                    let _ = serve(stream, config, counters, stop).await;
                    drop((seat, permit));
                });
            }
            drop(listener);
            // Idle connections end at once; a task still writing gets a second of grace,
            // as in the other servers, and is then cancelled (its socket closes).
            let all_done = async { while tasks.join_next().await.is_some() {} };
            if timeout(GRACE, all_done).await.is_err() {
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
            }
        });
    });
    let signal = Box::new(move || {
        let _ = stop_tx.send(true);
    });
    Ok(Server {
        addr,
        counters,
        signal,
        main,
    })
}

/// One open connection, counted in `open` for as long as its task holds it. The count goes
/// down in `drop`, because a task that `abort_all` cancels never runs the code after its
/// `.await`: dropping the future drops the seat (and the permit) with it.
struct Seat(Arc<Counters>);

impl Seat {
    fn take(counters: &Arc<Counters>) -> Seat {
        counters.open.fetch_add(1, Ordering::Relaxed);
        Seat(Arc::clone(counters))
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}
// ANCHOR_END: accept

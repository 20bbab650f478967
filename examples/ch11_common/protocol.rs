// The line protocol of chapter 11 and a server for it. One command per line, one answer per
// line:
//
//   SUM 1 2 3       OK 6            (whole numbers that fit in 64 bits)
//   ECHO any text   OK any text
//   QUIT            BYE             (and the server closes the connection)
//
// Anything else gets `ERR ...` and the connection stays open. A line longer than MAX_LINE
// bytes, or one that is not UTF-8, or a silence longer than the idle limit, gets `ERR ...`
// and the connection is closed; the server goes on serving everyone else.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout, Instant};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

/// The longest line the server reads, in bytes, not counting the newline.
pub const MAX_LINE: usize = 64;

// ANCHOR: answer
/// What the server does with one line.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// Send this line back and wait for the next command.
    Answer(String),
    /// Say goodbye and close the connection.
    Quit,
}

/// The protocol itself: a line in, a reply out, and no I/O, so it is easy to test.
pub fn answer(line: &str) -> Reply {
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    match command.to_ascii_uppercase().as_str() {
        "SUM" => Reply::Answer(match sum(rest) {
            Ok(total) => format!("OK {total}"),
            Err(problem) => format!("ERR {problem}"),
        }),
        "ECHO" => Reply::Answer(format!("OK {rest}")),
        "QUIT" => Reply::Quit,
        "" => Reply::Answer("ERR empty line (the commands are SUM, ECHO and QUIT)".into()),
        _ => Reply::Answer(format!(
            "ERR unknown command `{command}` (the commands are SUM, ECHO and QUIT)"
        )),
    }
}

fn sum(numbers: &str) -> Result<i64, String> {
    let mut total: i64 = 0;
    let mut count = 0;
    for word in numbers.split_whitespace() {
        let n: i64 = word
            .parse()
            .map_err(|_| format!("SUM takes whole numbers, not `{word}`"))?;
        total = total
            .checked_add(n)
            .ok_or("the sum does not fit in 64 bits")?;
        count += 1;
    }
    if count == 0 {
        return Err("SUM needs at least one number".into());
    }
    Ok(total)
}
// ANCHOR_END: answer

// ANCHOR: limits
/// The server's limits. A server without them can be taken down by its clients: each
/// connection costs a task, buffers and a file descriptor, and a client that connects and
/// says nothing would hold them for ever.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most connections served at once; the next client waits in the kernel's queue of
    /// pending connections until one ends.
    pub connections: usize,
    /// How long a connection may stay silent between two commands, or leave an answer
    /// unread, before it is closed.
    pub idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 1000,
            idle: Duration::from_secs(30),
        }
    }
}
// ANCHOR_END: limits

// ANCHOR: connection
/// Serves one connection until the client quits or closes it, stays silent for longer than
/// `idle`, stops reading for longer than `idle`, or sends a line the codec refuses. Returns
/// how many commands it answered.
pub async fn serve_connection(stream: TcpStream, idle: Duration) -> Result<u64, LinesCodecError> {
    // The codec turns the byte stream into lines, and refuses to buffer more than MAX_LINE
    // bytes while it looks for a newline: a client cannot make the server hold a huge line.
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    let mut answered = 0;
    loop {
        let Ok(next) = timeout(idle, lines.next()).await else {
            let refusal = format!("ERR idle for {} s; closing", idle.as_secs_f64());
            send(&mut lines, refusal, idle).await?;
            linger(lines).await;
            break;
        };
        let Some(line) = next else { break }; // the client closed the connection
        let line = match line {
            Ok(line) => line,
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                let refusal = format!("ERR line longer than {MAX_LINE} bytes; closing");
                send(&mut lines, refusal, idle).await?;
                linger(lines).await;
                break;
            }
            Err(LinesCodecError::Io(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
                send(&mut lines, "ERR line is not UTF-8; closing", idle).await?;
                linger(lines).await;
                break;
            }
            Err(other) => return Err(other), // the connection itself failed
        };
        answered += 1;
        match answer(&line) {
            Reply::Answer(text) => send(&mut lines, text, idle).await?,
            Reply::Quit => {
                send(&mut lines, "BYE", idle).await?;
                break; // the client has sent nothing after QUIT, if it follows the protocol
            }
        }
    }
    Ok(answered) // dropping `lines` closes the connection
}

/// Sends one line, or gives up after `limit`. A client that sends commands and never reads
/// the answers fills the socket's buffers, and from then on a plain `send` waits for ever,
/// holding the task, its permit and its descriptor: the write needs a bound as the read does.
async fn send(
    lines: &mut Framed<TcpStream, LinesCodec>,
    line: impl AsRef<str>,
    limit: Duration,
) -> Result<(), LinesCodecError> {
    match timeout(limit, lines.send(line)).await {
        Ok(sent) => sent,
        Err(_) => Err(LinesCodecError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the client stopped reading",
        ))),
    }
}
// ANCHOR_END: connection

// ANCHOR: linger
/// Closes a connection whose client may still be sending, without losing our last line.
/// Closing a socket with unread bytes in its receive queue makes the kernel send a reset
/// (RST) instead of the end of the stream, and the client may then lose the `ERR` line we
/// just sent. So: end our side (the client reads our line, then the end of the stream),
/// read and discard what the client still sends until it closes too, and give up after
/// LINGER.
async fn linger(lines: Framed<TcpStream, LinesCodec>) {
    let mut stream = lines.into_inner();
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut discard = [0u8; 4096];
    let drain = async { while let Ok(1..) = stream.read(&mut discard).await {} };
    let _ = timeout(LINGER, drain).await;
}
// ANCHOR_END: linger

/// How long a closing connection keeps reading what its client still sends.
pub const LINGER: Duration = Duration::from_secs(2);

// ANCHOR: serve
/// Accepts connections until `stop` is cancelled, at most `limits.connections` at once,
/// each served by a task of its own; then waits for the open connections to end. Returns
/// how many commands were answered in all.
pub async fn serve(listener: TcpListener, stop: CancellationToken, limits: Limits) -> u64 {
    let permits = Arc::new(Semaphore::new(limits.connections));
    let mut backoff = Backoff::default();
    let mut connections = JoinSet::new();
    let mut answered = 0;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            (stream, permit) = accept(&listener, &permits, &mut backoff) => {
                connections.spawn(async move {
                    let served = serve_connection(stream, limits.idle).await;
                    drop(permit); // the connection is closed: room for the next one
                    served
                });
            }
            // Collect the connections that have ended, so that the set does not grow.
            Some(ended) = connections.join_next() => answered += count(ended),
        }
    }
    drop(listener); // stop accepting: a new client is now refused
    while let Some(ended) = connections.join_next().await {
        answered += count(ended);
    }
    answered
}

fn count(ended: Result<Result<u64, LinesCodecError>, tokio::task::JoinError>) -> u64 {
    match ended {
        Ok(Ok(answered)) => answered,
        _ => 0, // a connection that failed or panicked ends alone; the server goes on
    }
}
// ANCHOR_END: serve

// ANCHOR: accept
/// Waits for room under the connection limit, then for a connection. An error that
/// belongs to one connection (it was reset before we took it) is skipped. Any other error
/// (out of file descriptors, EMFILE and ENFILE, or out of kernel memory) leaves the pending
/// connection in the queue, so an `accept` at once would fail again at once, for ever: log
/// it and wait, twice as long each time, up to a second, while open connections end and
/// give their descriptors back. Cancel safe: dropped while it waits, it holds no permit and
/// has taken no connection, and `backoff` keeps its state for the next call.
pub async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    backoff: &mut Backoff,
) -> (TcpStream, OwnedSemaphorePermit) {
    let permit = Arc::clone(permits)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                backoff.delay = Backoff::FIRST;
                return (stream, permit);
            }
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                // One line a second at most: a server out of descriptors should not also
                // fill its log.
                if backoff.logged.is_none_or(|at| at.elapsed() >= Backoff::MAX) {
                    eprintln!("server: accept failed: {error}; retrying, more slowly each time");
                    backoff.logged = Some(Instant::now());
                }
                sleep(backoff.delay).await;
                backoff.delay = (backoff.delay * 2).min(Backoff::MAX);
            }
        }
    }
}

/// The state of the accept loop's back-off, kept outside `accept`, whose future a
/// `select!` drops whenever another branch wins.
pub struct Backoff {
    delay: Duration,
    logged: Option<Instant>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            delay: Backoff::FIRST,
            logged: None,
        }
    }
}

/// The errors that concern one connection only, as hyper and axum classify them.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}
// ANCHOR_END: accept

// ANCHOR: signal
/// A future that completes on Ctrl-C (SIGINT) or on SIGTERM, the signal with which
/// systemd, Docker and Kubernetes ask a service to stop. Both are registered by this call,
/// before anything waits: from here on neither signal ends the process, and one that
/// arrives before the future is awaited is not lost.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
// ANCHOR_END: signal

/// Elsewhere, Ctrl-C only.
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Serves on 127.0.0.1:PORT until Ctrl-C or SIGTERM, for trying the protocol by hand with `nc`.
pub async fn serve_by_hand(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("serving on 127.0.0.1:{port}; try `nc 127.0.0.1 {port}`, stop with Ctrl-C");
    let stop = CancellationToken::new();
    let mut server = tokio::spawn(serve(listener, stop.clone(), Limits::default()));
    shutdown_signal()?.await;
    stop.cancel();
    // Connections left open in other terminals get a second to end. A timeout around the
    // handle itself would only detach the task, so we wrap `&mut server` and abort it.
    match timeout(Duration::from_secs(1), &mut server).await {
        Ok(Ok(answered)) => println!("stopped after answering {answered} commands"),
        _ => {
            server.abort();
            println!("stopped, closing the connections still open");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(answer("SUM 1 2 3"), Reply::Answer("OK 6".into()));
        assert_eq!(answer("sum -4 4"), Reply::Answer("OK 0".into()));
        assert_eq!(answer("ECHO a b"), Reply::Answer("OK a b".into()));
        assert_eq!(answer("QUIT"), Reply::Quit);
        assert!(matches!(answer("SUM"), Reply::Answer(a) if a.starts_with("ERR")));
    }
}

//! A graceful shutdown: on a CancellationToken the server stops accepting, tells idle
//! connections goodbye, lets requests under way finish within a deadline, cuts off the rest,
//! and ends. Four clients show what each kind of connection sees.

mod ch11_common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout, Instant};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

use ch11_common::cli::no_arguments;
use ch11_common::protocol::{accept, shutdown_signal, Backoff};

const USAGE: &str = "\
usage: ch11_shutdown

Starts a server on 127.0.0.1 (a free port) whose command `WORK ms` takes that long; three
clients connect (one idle, one with 300 ms of work under way, one with 5000 ms), then the
server shuts down gracefully with a deadline of 1 s, and a fourth client tries to connect.
Prints what the server and each client saw.
";

const DEADLINE: Duration = Duration::from_secs(1);

type Lines = Framed<TcpStream, LinesCodec>;

// ANCHOR: connection
/// One connection: `WORK ms` is acknowledged at once and answered when done. Between
/// commands the connection also watches `stop`; work under way is not interrupted by it.
async fn connection(stream: TcpStream, stop: CancellationToken) -> Result<(), LinesCodecError> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(64));
    loop {
        let line = tokio::select! {
            _ = stop.cancelled() => {
                lines.send("BYE the server is shutting down").await?;
                return Ok(());
            }
            line = lines.next() => line, // cancel safe: a half-read line stays in `lines`
        };
        let Some(line) = line.transpose()? else {
            return Ok(()); // the client closed the connection
        };
        match line.strip_prefix("WORK ").map(str::parse::<u64>) {
            Some(Ok(ms)) => {
                lines.send(format!("OK working {ms} ms")).await?;
                sleep(Duration::from_millis(ms)).await; // stands for real work
                lines.send(format!("DONE {ms} ms")).await?;
            }
            _ => {
                lines
                    .send("ERR the command is WORK followed by milliseconds")
                    .await?
            }
        }
    }
}
// ANCHOR_END: connection

// ANCHOR: server
async fn server(listener: TcpListener, stop: CancellationToken, closed: oneshot::Sender<()>) {
    // The accept loop of the line server: a connection limit, errors handled.
    let permits = Arc::new(Semaphore::new(1000));
    let mut backoff = Backoff::default();
    let mut connections = JoinSet::new();
    let mut finished = 0;
    loop {
        tokio::select! {
            biased; // once `stop` is cancelled, nothing else is looked at
            _ = stop.cancelled() => break,
            (stream, permit) = accept(&listener, &permits, &mut backoff) => {
                let connection = connection(stream, stop.clone());
                connections.spawn(async move {
                    let _ = connection.await;
                    drop(permit);
                });
            }
            // Collect the connections that have ended, so that the set does not grow.
            Some(_) = connections.join_next() => finished += 1,
        }
    }
    // 1. Stop accepting: with the listener gone, a new client is refused by the system.
    drop(listener);
    let _ = closed.send(());
    let start = Instant::now();
    println!(
        "server: stopped accepting; {} connections open, waiting up to {} s",
        connections.len(),
        DEADLINE.as_secs()
    );
    // 2. Let the open connections finish, within the deadline.
    let waited = timeout(DEADLINE, async {
        while connections.join_next().await.is_some() {
            finished += 1;
        }
    })
    .await;
    // 3. Cut off the rest: `shutdown` aborts the tasks and waits until they are gone.
    let cut_off = connections.len();
    connections.shutdown().await;
    println!(
        "server: {finished} finished, {cut_off} cut off {}",
        if waited.is_ok() {
            "(none left at the deadline)"
        } else {
            "at the deadline"
        }
    );
    println!(
        "server: stopped {:.3} s after the signal",
        start.elapsed().as_secs_f64()
    );
}
// ANCHOR_END: server

// ANCHOR: clients
/// Connects, sends `WORK ms`, reports on `ready` when the work is under way, then prints
/// everything the server says until it closes the connection. A client that fails drops
/// `ready` unsent, so main never waits for it in vain.
async fn client(
    addr: SocketAddr,
    name: &str,
    ms: u64,
    ready: oneshot::Sender<()>,
) -> std::io::Result<()> {
    let start = Instant::now();
    let mut lines: Lines = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
    let failed = |error: LinesCodecError| std::io::Error::other(error);
    lines.send(format!("WORK {ms}")).await.map_err(failed)?;
    let mut ready = Some(ready);
    while let Some(line) = lines.next().await {
        let line = line.map_err(failed)?;
        println!(
            "{name}: got {line:?} at {:.3} s",
            start.elapsed().as_secs_f64()
        );
        // Under way: acknowledged, or for no work at all, already done.
        let under_way = line.starts_with(if ms == 0 { "DONE" } else { "OK" });
        if let Some(ready) = ready.take_if(|_| under_way) {
            let _ = ready.send(());
        }
    }
    println!(
        "{name}: the server closed the connection at {:.3} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
// ANCHOR_END: clients

// ANCHOR: main
async fn run() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    // Ctrl-C or SIGTERM cancels the token. The handlers are installed here, before any
    // signal can come; from now on neither ends the process.
    let signalled = shutdown_signal()?;
    let on_signal = stop.clone();
    tokio::spawn(async move {
        signalled.await;
        on_signal.cancel();
    });
    let (closed, listener_closed) = oneshot::channel();
    let server = tokio::spawn(server(listener, stop.clone(), closed));

    let mut clients = JoinSet::new();
    let mut under_way = Vec::new();
    for (name, ms) in [("idle", 0), ("busy", 300), ("stuck", 5000)] {
        let (ready, is_ready) = oneshot::channel();
        clients.spawn(client(addr, name, ms, ready));
        under_way.push(is_ready);
    }
    for is_ready in under_way {
        // Ok: that client's request is under way. Err: the client failed first, and its
        // error comes out when the clients are joined below.
        let _ = is_ready.await;
    }
    // What systemd, Docker or Kubernetes does to stop a service.
    println!("main: sending SIGTERM to this process");
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGTERM)?;

    listener_closed
        .await
        .expect("the server ended without closing its listener");
    match TcpStream::connect(addr).await {
        Ok(_) => println!("late: connected (unexpected)"),
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            println!("late: connection refused")
        }
        Err(error) => println!("late: {error}"),
    }
    while let Some(ended) = clients.join_next().await {
        ended.expect("a client panicked")?;
    }
    server.await.expect("the server panicked");
    Ok(())
}
// ANCHOR_END: main

#[tokio::main]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

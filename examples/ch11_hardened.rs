//! The line server's limits at work: a connection limit and an idle timeout, a line that is
//! too long closed without losing its `ERR` line, and an accept loop that runs out of file
//! descriptors and keeps serving.

mod ch11_common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout, Instant};
use tokio_util::codec::{Framed, LinesCodec};
use tokio_util::sync::CancellationToken;

use ch11_common::cli::no_arguments;
use ch11_common::protocol::{serve, Limits};

const USAGE: &str = "\
usage: ch11_hardened

Starts the line server of chapter 11 on 127.0.0.1 (a free port) with a limit of 2
connections and an idle limit of 0.3 s, and shows what clients see at those limits and
when one sends a line of 1 MiB; then starts it again, lowers this process's soft limit on
open file descriptors so that the server runs out of them, and shows that it goes on
serving once a client leaves.
";

type Lines = Framed<TcpStream, LinesCodec>;
type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// How long a client waits before it concludes that no answer is coming yet.
const PATIENCE: Duration = Duration::from_millis(100);

async fn connect(addr: SocketAddr) -> Result<Lines> {
    Ok(Framed::new(
        TcpStream::connect(addr).await?,
        LinesCodec::new(),
    ))
}

/// The next line from the server, or an error if it closed the connection first.
async fn next_line(lines: &mut Lines) -> Result<String> {
    Ok(lines
        .next()
        .await
        .ok_or("the server closed the connection")??)
}

async fn ask(lines: &mut Lines, command: &str) -> Result<String> {
    lines.send(command).await?;
    next_line(lines).await
}

/// Reads the server's last line, then expects the end of the stream.
async fn last_words(name: &str, mut lines: Lines, since: Instant) -> Result<()> {
    let line = next_line(&mut lines).await?;
    let at = since.elapsed().as_secs_f64();
    let end = match lines.next().await {
        None => "then the end of the stream",
        Some(Ok(_)) => "then more lines (unexpected)",
        Some(Err(_)) => "then an error (a reset?)",
    };
    println!("{name}: got {line:?} {at:.3} s after its last command, {end}");
    Ok(())
}

// ANCHOR: limits
async fn at_the_limits() -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let limits = Limits {
        connections: 2,
        idle: Duration::from_millis(300),
    };
    let server = tokio::spawn(serve(listener, stop.clone(), limits));

    let (mut a, mut b) = (connect(addr).await?, connect(addr).await?);
    println!("a: got {:?}", ask(&mut a, "ECHO a").await?);
    println!("b: got {:?}", ask(&mut b, "ECHO b").await?);
    let quiet_since = Instant::now();
    // The kernel completes c's connection, but the server takes no third one.
    let mut c = connect(addr).await?;
    c.send("ECHO c").await?;
    match timeout(PATIENCE, c.next()).await {
        Err(_) => println!("c: connected, but no answer within 0.1 s"),
        Ok(line) => println!("c: answered at once: {line:?} (unexpected)"),
    }
    // a and b say nothing more: the server closes both when their idle limit expires.
    last_words("a", a, quiet_since).await?;
    last_words("b", b, quiet_since).await?;
    let answer = next_line(&mut c).await?;
    let at = quiet_since.elapsed().as_secs_f64();
    println!("c: got {answer:?} at {at:.3} s, once a connection had ended");
    println!("c: got {:?}", ask(&mut c, "QUIT").await?);

    // d sends 1 MiB with no newline, then closes its side, then reads the answer.
    let mut d = TcpStream::connect(addr).await?;
    let sent = vec![b'x'; 1 << 20];
    d.write_all(&sent).await?;
    d.shutdown().await?;
    let mut answer = String::new();
    d.read_to_string(&mut answer).await?;
    println!(
        "d: sent {} bytes without a newline, got {:?}, then the end of the stream",
        sent.len(),
        answer.trim_end()
    );
    stop.cancel();
    let answered = server.await?;
    println!("server: answered {answered} commands");
    Ok(())
}
// ANCHOR_END: limits

// ANCHOR: descriptors
/// Room for three connections (two descriptors each: the client's and the server's) and a
/// fourth client's socket, but not for the server's side of that fourth connection.
const ROOM: u64 = 7;

#[cfg(unix)]
async fn out_of_descriptors() -> Result<()> {
    use rlimit::Resource;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, stop.clone(), Limits::default()));

    // Lower only the soft limit; it is put back below.
    let (soft, hard) = Resource::NOFILE.get()?;
    Resource::NOFILE.set(limit_leaving_room(&open_descriptors()?, ROOM), hard)?;
    println!("soft limit lowered: room for {ROOM} more descriptors");
    let mut clients = Vec::new();
    for id in 1..=3 {
        let mut client = connect(addr).await?;
        println!(
            "client {id}: got {:?}",
            ask(&mut client, &format!("ECHO {id}")).await?
        );
        clients.push(client);
    }
    // The fourth connection is complete in the kernel, but `accept` has no descriptor for it.
    let mut fourth = connect(addr).await?;
    fourth.send("ECHO 4").await?;
    match timeout(PATIENCE, fourth.next()).await {
        Err(_) => println!("client 4: connected, but no answer within 0.1 s"),
        Ok(line) => println!("client 4: answered at once: {line:?} (unexpected)"),
    }
    let mut first = clients.remove(0);
    println!(
        "client 1: got {:?}, and closes",
        ask(&mut first, "QUIT").await?
    );
    drop(first); // gives back two descriptors, once the server's side has closed too
    println!("client 4: got {:?}", next_line(&mut fourth).await?);
    drop((clients, fourth));
    Resource::NOFILE.set(soft, hard)?;
    let mut fifth = connect(addr).await?;
    println!("client 5: got {:?}", ask(&mut fifth, "ECHO 5").await?);
    drop(fifth);
    stop.cancel();
    server.await?;
    Ok(())
}
// ANCHOR_END: descriptors

/// The descriptors this process has open, in order (as in chapter 4's `ch04_descriptors`).
#[cfg(unix)]
fn open_descriptors() -> Result<Vec<u64>> {
    use std::os::fd::AsRawFd;

    let folder = if cfg!(target_os = "linux") {
        "/proc/self/fd"
    } else {
        "/dev/fd"
    };
    // Reading the folder opens a descriptor too; a probe opened and closed just before
    // tells which number it will have, since the system hands out the lowest free one.
    let probe = std::fs::File::open(folder)?;
    let listing_fd = probe.as_raw_fd() as u64;
    drop(probe);
    let mut open: Vec<u64> = std::fs::read_dir(folder)?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&fd| fd != listing_fd)
        .collect();
    open.sort_unstable();
    Ok(open)
}

/// The smallest soft limit that leaves exactly `room` free descriptor numbers below it.
fn limit_leaving_room(open: &[u64], room: u64) -> u64 {
    let free_below = |limit: u64| limit - open.iter().filter(|&&fd| fd < limit).count() as u64;
    let mut limit = room;
    while free_below(limit) < room {
        limit += 1;
    }
    limit
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    let result = async {
        println!("at a limit of 2 connections and 0.3 s of silence:");
        at_the_limits().await?;
        #[cfg(unix)]
        {
            println!("out of file descriptors:");
            out_of_descriptors().await?;
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

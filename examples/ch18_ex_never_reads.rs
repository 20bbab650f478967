// Chapter 18, exercise 1: a client that asks for a large answer and never reads it, and one
// that reads it slowly. Each server must give up on both after its timeout, not hold a
// thread or memory for as long as the client likes.

mod ch18_common;

use ch18_common::cli::{arguments, refuse};
use ch18_common::server::{Config, Counters, Kind};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch18_ex_never_reads

Asks each server for 16 MB twice; after the first bytes, one client reads nothing more, the
other reads 256 KiB every 0.2 s (the whole answer would take 13 s). The servers' timeout is 0.5 s; prints whether each
server let go of the connection within 3 s, and when.
";

const ANSWER: usize = 16_000_000;
/// How long the client waits for the server to let go before calling it a failure.
const PATIENCE: Duration = Duration::from_secs(3);

// ANCHOR: solution
/// How the client reads its answer.
#[derive(Clone, Copy)]
enum Reader {
    Never,
    /// Reads this many bytes every 200 ms: 1.25 MiB/s for 256 KiB.
    Slowly(usize),
}

/// Asks for a large answer, reads its first bytes, then reads the rest the way `reader`
/// says, and returns how long the server took after that to let go of the connection (its
/// count of open connections back to 0), or `None` if it still held it after `PATIENCE`.
fn client(
    addr: std::net::SocketAddr,
    counters: &Counters,
    reader: Reader,
) -> std::io::Result<Option<Duration>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(format!("GET /bytes/{ANSWER} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes())?;
    // The first bytes of the answer: from here on the server holds the connection.
    let mut buf = vec![0u8; 256 << 10];
    if stream.read(&mut buf[..64])? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let began = Instant::now();
    while began.elapsed() < PATIENCE {
        match reader {
            // Not reading: the server fills the socket buffers, then waits for us.
            Reader::Never => std::thread::sleep(Duration::from_millis(100)),
            Reader::Slowly(n) => {
                let mut got = 0;
                while got < n {
                    match stream.read(&mut buf[got..n]) {
                        Ok(0) | Err(_) => break,
                        Ok(k) => got += k,
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        if counters.open.load(Ordering::Relaxed) == 0 {
            return Ok(Some(began.elapsed()));
        }
    }
    Ok(None)
}
// ANCHOR_END: solution

fn main() -> ExitCode {
    let args = match arguments(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    if let Some(arg) = args.first() {
        return refuse(&format!("unexpected argument `{arg}`"));
    }
    let config = Config {
        timeout: Duration::from_millis(500),
        ..Config::default()
    };
    println!(
        "timeout {:.1} s; each client asks for {ANSWER} bytes",
        config.timeout.as_secs_f64()
    );
    for kind in Kind::ALL {
        for (name, reader) in [
            ("reads nothing more", Reader::Never),
            ("reads 256 KiB every 0.2 s", Reader::Slowly(256 << 10)),
        ] {
            let result = kind.start(config.clone()).and_then(|server| {
                let let_go = client(server.addr, &server.counters, reader);
                server.stop();
                let_go
            });
            match result {
                Ok(Some(after)) => println!(
                    "{:<7} a client that {name}: the server let go: true (after {:.1} s)",
                    kind.name(),
                    after.as_secs_f64()
                ),
                Ok(None) => println!(
                    "{:<7} a client that {name}: the server let go: false (still open after {:.1} s)",
                    kind.name(),
                    PATIENCE.as_secs_f64()
                ),
                Err(error) => {
                    eprintln!("error: {}: {error}", kind.name());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    ExitCode::SUCCESS
}

// Chapter 18, exercise 1: a client that asks for a large answer and never reads it. Each
// server must give up on it after its timeout, not hold a thread or memory forever.

mod ch18_common;

use ch18_common::cli::{arguments, refuse};
use ch18_common::server::{Config, Kind};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch18_ex_never_reads

Asks each server for 16 MB and reads nothing for 2 s, then reads what is left, and prints
how much arrived and whether the server had closed the connection.
";

// ANCHOR: solution
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
        "timeout {:.1} s; each client asks for 16 MB and reads nothing for 2 s",
        config.timeout.as_secs_f64()
    );
    for kind in Kind::ALL {
        let result = (|| -> std::io::Result<(usize, bool)> {
            let server = kind.start(config.clone())?;
            let mut stream = TcpStream::connect(server.addr)?;
            stream.write_all(b"GET /bytes/16000000 HTTP/1.1\r\n\r\n")?;
            // The server writes until the socket buffers are full, then waits for us.
            std::thread::sleep(Duration::from_secs(2));
            stream.set_read_timeout(Some(Duration::from_secs(5)))?;
            let (mut got, mut buf, began) = (0, vec![0u8; 1 << 16], Instant::now());
            let closed = loop {
                match stream.read(&mut buf) {
                    Ok(0) => break true,
                    Ok(n) => got += n,
                    Err(_) => break false, // a reset, or still open after 5 s
                }
                if began.elapsed() > Duration::from_secs(5) {
                    break false;
                }
            };
            server.stop();
            Ok((got, closed))
        })();
        match result {
            Ok((got, closed)) => println!(
                "{}: the client got less than the whole answer: {}; the server had given up: {closed}",
                kind.name(),
                got < 16_000_000
            ),
            Err(error) => {
                eprintln!("error: {}: {error}", kind.name());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
// ANCHOR_END: solution

//! Stopping a thread that is blocked in a read, from outside: shut its socket down, and the
//! read returns at once, so that the thread ends by itself and can be joined.

mod ch05_common;

use std::io::{self, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use ch05_common::cli::no_arguments;

const DEADLINE: Duration = Duration::from_millis(200);

const USAGE: &str = "\
usage: ch05_stop_blocked_read

Connects to a local peer that never sends anything, and reads from it on a
thread of its own. After 200 ms without an answer, main shuts the socket down;
the blocked read returns, and the thread ends and is joined.
";

fn run() -> io::Result<()> {
    // A peer that accepts the connection and never writes: a read from it waits for ever.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let stream = TcpStream::connect(listener.local_addr()?)?;
    let (_silent_peer, _) = listener.accept()?;

    // ANCHOR: shutdown
    let start = Instant::now();
    let at = || format!("{:.3} s", start.elapsed().as_secs_f64());
    // A second handle to the same socket, for main to keep.
    let control = stream.try_clone()?;
    let (result, results) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut stream = stream;
        let mut buffer = [0u8; 1024];
        let _ = result.send(stream.read(&mut buffer)); // blocks until data, EOF or error
    });

    match results.recv_timeout(DEADLINE) {
        Err(RecvTimeoutError::Timeout) => println!("at {}: no answer, the reader is blocked", at()),
        other => println!("at {}: the reader ended early: {other:?}", at()),
    }
    // Both directions: the blocked read returns, and the peer sees the connection end.
    control.shutdown(Shutdown::Both)?;
    println!("at {}: shut the socket down", at());
    match results.recv() {
        Ok(Ok(0)) => println!("at {}: the read returned 0 bytes, end of stream", at()),
        Ok(outcome) => println!("at {}: the read returned {outcome:?}", at()),
        Err(_) => println!("at {}: the reader ended without a result", at()),
    }
    match reader.join() {
        Ok(()) => println!("at {}: the reader thread joined", at()),
        Err(_) => println!("at {}: the reader thread panicked", at()),
    }
    // ANCHOR_END: shutdown
    Ok(())
}

fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

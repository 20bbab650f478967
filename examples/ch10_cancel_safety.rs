//! A `select!` loop that reads lines while a timer ticks. With a fresh buffer each time round
//! the loop, every tick that comes in the middle of a line throws the half-read line away.
//! A buffer kept outside the loop, or a framed stream, loses nothing.

use std::process::ExitCode;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::time::{interval_at, sleep, Instant};
use tokio_util::codec::{FramedRead, LinesCodec};

const USAGE: &str = "\
usage: ch10_cancel_safety

Sends three lines through an in-memory pipe, each in two halves 150 ms apart, to a reader
whose select! loop also ticks every 300 ms, and prints what the reader received: with a new
buffer each time round the loop, with one buffer kept outside it, and with a framed stream.
All on a paused clock, so the times are exact.
";

const HALF: Duration = Duration::from_millis(150);

// ANCHOR: sender
/// Writes each line in two halves, 150 ms apart, as a slow network might deliver it.
async fn send_slowly(mut pipe: DuplexStream) {
    for n in 1..=3 {
        let line = format!("message {n}\n");
        let (first, second) = line.split_at(5);
        for half in [first, second] {
            pipe.write_all(half.as_bytes())
                .await
                .expect("the reader is gone");
            sleep(HALF).await;
        }
    }
    // Dropping the pipe's end here is the end of the stream for the reader.
}
// ANCHOR_END: sender

fn at(start: Instant) -> String {
    format!("{:.3} s", start.elapsed().as_secs_f64())
}

// ANCHOR: lossy
async fn fresh_buffer_each_time(pipe: DuplexStream, start: Instant) {
    let mut reader = BufReader::new(pipe);
    let mut ticks = interval_at(start + Duration::from_millis(100), 2 * HALF);
    loop {
        // Wrong: the partly read line lives in `line`, which a tick throws away.
        let mut line = Vec::new();
        tokio::select! {
            read = reader.read_until(b'\n', &mut line) => {
                if read.expect("in-memory pipes do not fail") == 0 {
                    break;
                }
                println!("received {:?} at {}", String::from_utf8_lossy(&line), at(start));
            }
            _ = ticks.tick() => println!("tick at {}", at(start)),
        }
    }
}
// ANCHOR_END: lossy

// ANCHOR: kept
async fn buffer_kept_outside(pipe: DuplexStream, start: Instant) {
    let mut reader = BufReader::new(pipe);
    let mut ticks = interval_at(start + Duration::from_millis(100), 2 * HALF);
    // Right: `read_until` appends what it has read to `line` before it is cancelled,
    // and the next call carries on where it stopped.
    let mut line = Vec::new();
    loop {
        tokio::select! {
            read = reader.read_until(b'\n', &mut line) => {
                if read.expect("in-memory pipes do not fail") == 0 {
                    break;
                }
                println!("received {:?} at {}", String::from_utf8_lossy(&line), at(start));
                line.clear();
            }
            _ = ticks.tick() => println!("tick at {}", at(start)),
        }
    }
}
// ANCHOR_END: kept

// ANCHOR: framed
async fn framed_lines(pipe: DuplexStream, start: Instant) {
    // The stream keeps its partial line inside itself, so `next()` is cancel safe.
    let mut lines = FramedRead::new(pipe, LinesCodec::new());
    let mut ticks = interval_at(start + Duration::from_millis(100), 2 * HALF);
    loop {
        tokio::select! {
            line = lines.next() => match line {
                Some(line) => {
                    let line = line.expect("in-memory pipes do not fail");
                    println!("received {line:?} at {}", at(start));
                }
                None => break,
            },
            _ = ticks.tick() => println!("tick at {}", at(start)),
        }
    }
}
// ANCHOR_END: framed

#[derive(Clone, Copy)]
enum Reader {
    Fresh,
    Kept,
    Framed,
}

async fn run(reader: Reader) {
    let start = Instant::now();
    let (sending_end, reading_end) = tokio::io::duplex(64);
    let sender = tokio::spawn(send_slowly(sending_end));
    match reader {
        Reader::Fresh => fresh_buffer_each_time(reading_end, start).await,
        Reader::Kept => buffer_kept_outside(reading_end, start).await,
        Reader::Framed => framed_lines(reading_end, start).await,
    }
    sender.await.expect("the sender panicked");
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> ExitCode {
    if let Err(status) = no_arguments(USAGE) {
        return status;
    }
    for (title, reader) in [
        ("a new buffer each time round the loop:", Reader::Fresh),
        ("one buffer, kept outside the loop:", Reader::Kept),
        ("a framed stream of lines:", Reader::Framed),
    ] {
        println!("{title}");
        run(reader).await;
    }
    ExitCode::SUCCESS
}

// The command line, the same in every program of the book that takes no arguments:
// `--help` prints the usage, anything else is refused with exit status 2.
fn no_arguments(usage: &str) -> Result<(), ExitCode> {
    quiet_on_closed_pipe();
    match std::env::args_os().nth(1) {
        None => Ok(()),
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!(
                "error: unexpected argument `{}` (try --help)",
                other.to_string_lossy()
            );
            Err(ExitCode::from(2))
        }
    }
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
/// Only that panic: a failed write to a socket, a file or a child still panics as usual.
fn quiet_on_closed_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str().is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}

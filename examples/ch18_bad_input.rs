// Chapter 18, bad input and bad clients: each kind of bad request is sent to each of the four
// servers while two well-behaved clients keep asking for pages; what came back is printed
// once per input when all four servers agree, and a fresh client is served after each one.

mod ch18_common;

use ch18_common::cli::{arguments, refuse};
use ch18_common::client::{what_came_back, Keeper};
use ch18_common::server::{Config, Kind};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch18_bad_input

Sends malformed, oversized, slow and silent requests, and one connection too many, to each
of the chapter's four servers, while two good clients keep fetching pages, and prints what
each server answered.
";

// ANCHOR: inputs
/// The bad inputs: a name and the bytes sent (all at once, on a fresh connection).
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(3000));
    let long_header = format!("GET / HTTP/1.1\r\nX-Filler: {}\r\n\r\n", "b".repeat(10_000));
    vec![
        ("not HTTP", b"HELLO SERVER\r\n\r\n".to_vec()),
        ("a request line of 3000 bytes", long_line.into_bytes()),
        ("a header of 10000 bytes", long_header.into_bytes()),
        ("bytes that are not UTF-8", b"GET /\xff\xfe HTTP/1.1\r\n\r\n".to_vec()),
        ("a POST", b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi".to_vec()),
        ("a GET with a body", b"GET / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi".to_vec()),
        ("a chunked body", b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec()),
        ("HTTP/2.0", b"GET / HTTP/2.0\r\n\r\n".to_vec()),
        // Not bad at all: three requests in one write (pipelining), the last one closing.
        (
            "three requests in one write",
            b"GET / HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n"
                .to_vec(),
        ),
        ("half a request, then silence", b"GET / HTTP/1.1\r\nHost: loc".to_vec()),
        ("nothing at all", Vec::new()),
    ]
}
// ANCHOR_END: inputs

// ANCHOR: slowloris
/// A slowloris: a request head that never ends, one byte every 50 ms. The deadline counts
/// from the connection's start, so the trickle does not keep the connection alive.
fn slowloris(addr: SocketAddr) -> std::io::Result<String> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut writer = stream.try_clone()?;
    let trickle = thread::spawn(move || {
        let head = b"GET / HTTP/1.1\r\nX-Slow: "
            .iter()
            .chain(b"z".repeat(200).iter())
            .copied()
            .collect::<Vec<_>>();
        for byte in head {
            if writer.write_all(&[byte]).is_err() {
                return; // the server closed the connection
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    let answer = what_came_back(stream);
    let _ = trickle.join();
    Ok(answer)
}
// ANCHOR_END: slowloris

/// One request on a new connection: is a newcomer still served?
fn fresh_client_served(addr: SocketAddr) -> bool {
    let answer = Keeper::connect(addr).and_then(|mut k| k.get("/"));
    matches!(answer, Ok(Some((200, _, _))))
}

/// Opens `count` silent connections at once, then looks for the first one the server
/// refused: the one past its limit, counting the two good clients' connections.
fn over_the_limit(addr: SocketAddr, count: usize) -> std::io::Result<String> {
    let held = (0..count)
        .map(|_| TcpStream::connect(addr))
        .collect::<Result<Vec<_>, _>>()?;
    for stream in held {
        // A refusal comes at once; a connection that was let in gets nothing (it sent nothing).
        stream.set_read_timeout(Some(Duration::from_millis(100)))?;
        let mut peek = [0u8; 12];
        if let Ok(12) = stream.peek(&mut peek) {
            if &peek[9..12] == b"503" {
                stream.set_read_timeout(Some(Duration::from_secs(10)))?;
                return Ok(what_came_back(stream));
            }
        }
    }
    Ok(format!("no refusal in {count} connections"))
}

/// What each server answered to one input, and how long the answer took.
type Answers = Vec<(Kind, String, f64)>;

struct Outcome {
    answers: Vec<(String, Answers)>,
}

fn try_server(
    kind: Kind,
    config: &Config,
    outcome: &mut Outcome,
) -> Result<(), Box<dyn std::error::Error>> {
    let server = kind.start(config.clone())?;
    let addr = server.addr;
    // ANCHOR: good_clients
    let stop = AtomicBool::new(false);
    let (answered, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    let started = Instant::now();
    let mut all_served = true;
    thread::scope(|s| -> Result<(), Box<dyn std::error::Error>> {
        for _ in 0..2 {
            s.spawn(|| {
                let mut keeper = None;
                while !stop.load(Ordering::Relaxed) {
                    let k = match keeper.as_mut() {
                        Some(k) => k,
                        None => match Keeper::connect(addr) {
                            Ok(k) => keeper.insert(k),
                            Err(_) => {
                                failed.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        },
                    };
                    match k.get("/") {
                        Ok(Some((200, _, keep))) => {
                            answered.fetch_add(1, Ordering::Relaxed);
                            if !keep {
                                keeper = None;
                            }
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            keeper = None;
                        }
                    }
                }
            });
        }
        let mut record = |name: &str, answer: String, seconds: f64| match outcome
            .answers
            .iter_mut()
            .find(|(n, _)| n == name)
        {
            Some((_, list)) => list.push((kind, answer, seconds)),
            None => outcome
                .answers
                .push((name.to_owned(), vec![(kind, answer, seconds)])),
        };
        for (name, bytes) in inputs() {
            let began = Instant::now();
            let mut stream = TcpStream::connect(addr)?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            stream.write_all(&bytes)?;
            let answer = what_came_back(stream);
            record(name, answer, began.elapsed().as_secs_f64());
            all_served &= fresh_client_served(addr);
        }
        let began = Instant::now();
        let answer = slowloris(addr)?;
        record(
            "one byte every 50 ms",
            answer,
            began.elapsed().as_secs_f64(),
        );
        all_served &= fresh_client_served(addr);
        let answer = over_the_limit(
            addr,
            config.max_connections.max(config.workers + config.queue) + 1,
        )?;
        record("one connection over the limit", answer, 0.0);
        // The held connections are closed now, but the server learns it a moment later.
        all_served &= (0..50).any(|_| {
            fresh_client_served(addr) || {
                thread::sleep(Duration::from_millis(10));
                false
            }
        });
        stop.store(true, Ordering::Relaxed);
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    server.stop();
    // ANCHOR_END: good_clients
    let (ok, bad) = (
        answered.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    println!(
        "{}: good clients got {:.1} answers a second ({:.1}% failed); a new client was served after every input: {all_served}",
        kind.name(),
        ok as f64 / seconds,
        100.0 * bad as f64 / (ok + bad).max(1) as f64,
    );
    Ok(())
}

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
        max_connections: 8,
        workers: 8,
        queue: 8,
    };
    println!(
        "every server: {:.1} s to send a whole request head; at most {} connections (the pool: {} workers and a queue of {})",
        config.timeout.as_secs_f64(),
        config.max_connections,
        config.workers,
        config.queue
    );
    let mut outcome = Outcome {
        answers: Vec::new(),
    };
    for kind in Kind::ALL {
        if let Err(error) = try_server(kind, &config, &mut outcome) {
            eprintln!("error: {}: {error}", kind.name());
            return ExitCode::FAILURE;
        }
    }
    // ANCHOR: report
    for (name, answers) in &outcome.answers {
        let first = &answers[0].1;
        if answers.iter().all(|(_, a, _)| a == first) {
            print!("{name} -> {first} (all four)");
            if answers.iter().any(|(_, _, s)| *s > 0.2) {
                let times: Vec<String> =
                    answers.iter().map(|(_, _, s)| format!("{s:.2}")).collect();
                print!(" after {} s", times.join(" / "));
            }
            println!();
        } else {
            for (kind, answer, _) in answers {
                println!("{name} -> {}: {answer}", kind.name());
            }
        }
    }
    // ANCHOR_END: report
    ExitCode::SUCCESS
}

// Chapter 18, bad input and bad clients: each kind of bad request is sent to each of the four
// servers while two well-behaved clients keep asking for pages; what came back is printed
// once per input when all four servers agree, and a fresh client is served after each one.

mod ch18_common;

use ch18_common::cli::{arguments, refuse};
use ch18_common::client::{read_response, what_came_back, Keeper};
use ch18_common::server::{Config, Counters, Kind, Server};
use std::io::{BufReader, ErrorKind, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch18_bad_input

Sends malformed, oversized, slow and silent requests, a client that pipelines without end,
one that never reads, and one connection too many, to each of the chapter's four servers,
while two good clients keep fetching pages, and prints what each server answered.
";

// ANCHOR: inputs
/// The bad inputs: a name and the bytes sent (in one write, on a fresh connection; one
/// input after another).
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

// ANCHOR: greedy
/// A greedy client, within the rules: it pipelines requests for `window`, 500 to a write,
/// and reads every answer, as fast as it can. Returns how many it got.
fn greedy(addr: SocketAddr, window: Duration) -> std::io::Result<u64> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let end = Instant::now() + window;
    let mut writer = stream.try_clone()?;
    let writing = thread::spawn(move || {
        let batch = b"GET / HTTP/1.1\r\n\r\n".repeat(500);
        while Instant::now() < end && writer.write_all(&batch).is_ok() {}
    });
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut got = 0;
    while Instant::now() < end {
        match read_response(&mut reader) {
            Ok(Some((200, _, true))) => got += 1,
            _ => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Both); // ends the writer, should it wait in `write`
    let _ = writing.join();
    Ok(got)
}

/// A client that pipelines requests and never reads an answer: how long until the server
/// lets go of it (its writes then fail), or `None` if it still holds it after `limit`.
fn never_reads(addr: SocketAddr, limit: Duration) -> std::io::Result<Option<f64>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_write_timeout(Some(Duration::from_millis(100)))?;
    let batch = b"GET / HTTP/1.1\r\n\r\n".repeat(500);
    let began = Instant::now();
    while began.elapsed() < limit {
        match stream.write(&batch) {
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Ok(Some(began.elapsed().as_secs_f64())), // reset or closed
        }
    }
    Ok(None)
}
/// How many requests the batch client sends in its one write: 54 000 bytes, within the
/// receive window of a fresh connection (about 64 KiB), so they reach the server as one piece.
const BATCH: u64 = 3000;

/// The mio loop as it was before it had a turn budget. A client sends `BATCH` pipelined
/// requests in one write and reads the answers on a thread of its own; once the loop has
/// started answering them, two good clients connect and ask for `/` again and again. The
/// loop has a request of the batch to read until the last, and room to write its answers
/// (about 340 KB, which the sockets' buffers hold), however slow the clients are. At each
/// answer a good client gets, the server's count of answers less the good clients' count is
/// at least what the batch has got: below `BATCH`, the batch still had requests waiting.
fn mio_without_budget(config: &Config) -> Result<String, Box<dyn std::error::Error>> {
    let config = Config {
        turn_budget: usize::MAX,
        ..config.clone()
    };
    let server = Kind::Mio.start(config)?;
    let (addr, counters) = (server.addr, &server.counters);
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::with_capacity(1 << 16, stream.try_clone()?);
    let (stop, good, during) = (AtomicBool::new(false), AtomicU64::new(0), AtomicU64::new(0));
    let began = Instant::now();
    let (got, took) = thread::scope(|s| -> std::io::Result<(u64, Duration)> {
        let reading = s.spawn(move || {
            let mut got = 0;
            while got < BATCH {
                match read_response(&mut reader) {
                    Ok(Some((200, _, true))) => got += 1,
                    _ => break,
                }
            }
            (got, began.elapsed())
        });
        stream.write_all(&b"GET / HTTP/1.1\r\n\r\n".repeat(BATCH as usize))?;
        // The good clients come once the loop is answering the batch (a condition, bounded).
        let waited = Instant::now();
        while Counters::get(&counters.answered) == 0 && waited.elapsed() < Duration::from_secs(10) {
            thread::yield_now();
        }
        for _ in 0..2 {
            s.spawn(|| {
                let Ok(mut keeper) = Keeper::connect(addr) else {
                    return;
                };
                while !stop.load(Ordering::Relaxed) {
                    let Ok(Some((200, _, true))) = keeper.get("/") else {
                        return;
                    };
                    let g = good.fetch_add(1, Ordering::Relaxed) + 1;
                    if Counters::get(&counters.answered).saturating_sub(g) < BATCH {
                        during.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        let (got, took) = reading.join().expect("the reading thread panicked");
        // Then the good clients are served: ten answers between them, within a bound.
        let waited = Instant::now();
        while good.load(Ordering::Relaxed) < 10 && waited.elapsed() < Duration::from_secs(10) {
            thread::yield_now();
        }
        stop.store(true, Ordering::Relaxed);
        Ok((got, took))
    })?;
    drop(stream);
    server.stop();
    let (good, during) = (good.load(Ordering::Relaxed), during.load(Ordering::Relaxed));
    Ok(format!(
        "mio with no turn budget: a client sent {BATCH} requests in one write and got {got} answers, {:.1} thousand a second; the good clients got {during} answers while it had requests waiting, and were served after it: {}; both served: {}",
        got as f64 / took.as_secs_f64() / 1000.0,
        good > during,
        got == BATCH && during > 0,
    ))
}
// ANCHOR_END: greedy

/// Opens `count` silent connections, each once the server has taken the one before (its
/// counters say so: `accepted`, and `open` up to `seated`, the connections it serves at
/// once), and returns how many it refused and what the last one got.
fn over_the_limit(
    server: &Server,
    count: usize,
    seated: usize,
) -> std::io::Result<(u64, u64, String)> {
    let counters = &server.counters;
    let refused_before = Counters::get(&counters.refused);
    let accepted_before = Counters::get(&counters.accepted);
    let mut held = Vec::new();
    for i in 1..=count {
        held.push(TcpStream::connect(server.addr)?);
        let taken = || {
            Counters::get(&counters.accepted) - accepted_before >= i as u64
                && counters.open.load(Ordering::Relaxed) >= i.min(seated)
        };
        let began = Instant::now();
        while !taken() && began.elapsed() < Duration::from_secs(10) {
            thread::yield_now();
        }
    }
    let last = held.pop().expect("at least one");
    last.set_read_timeout(Some(Duration::from_secs(10)))?;
    let got = what_came_back(last);
    // Read only now: a server counts a refusal after `accepted` and before it closes the
    // connection, so the count is complete once the last connection has been answered.
    let refused = Counters::get(&counters.refused) - refused_before;
    Ok((count as u64 - refused, refused, got))
}

// ANCHOR: together
/// `count` clients that each send half a request head, all at once and then nothing; once
/// the server holds them all, a newcomer asks for `/`. Returns what it got and how long
/// it waited.
fn silent_together(server: &Server, count: usize) -> std::io::Result<(String, f64)> {
    let mut held = Vec::new();
    for _ in 0..count {
        let mut stream = TcpStream::connect(server.addr)?;
        stream.write_all(b"GET / HTTP/1.1\r\nHost: loc")?;
        held.push(stream);
    }
    let began = Instant::now();
    while server.counters.open.load(Ordering::Relaxed) < count
        && began.elapsed() < Duration::from_secs(10)
    {
        thread::yield_now();
    }
    let began = Instant::now();
    let got = match Keeper::connect(server.addr).and_then(|mut k| k.get("/")) {
        Ok(Some((status, _, _))) => format!("the newcomer got {status}"),
        Ok(None) => "the newcomer's connection was closed".to_owned(),
        Err(e) => format!("the newcomer failed: {}", e.kind()),
    };
    Ok((got, began.elapsed().as_secs_f64()))
}
// ANCHOR_END: together

/// What each server answered to one input, and how long the answer took.
type Answers = Vec<(Kind, String, f64)>;

struct Outcome {
    answers: Vec<(String, Answers)>,
}

/// A well-behaved client: one request at a time on a kept-alive connection, until `stop`.
fn good_client(addr: SocketAddr, stop: &AtomicBool, answered: &AtomicU64, failed: &AtomicU64) {
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
}

/// Runs the greedy client for a second while good clients count their answers in
/// `answered`, and says what each side got.
fn greedy_beside(name: &str, addr: SocketAddr, answered: &AtomicU64) -> std::io::Result<String> {
    let window = Duration::from_secs(1);
    let good_before = answered.load(Ordering::Relaxed);
    let greedy_got = greedy(addr, window)?;
    let good_meanwhile = answered.load(Ordering::Relaxed) - good_before;
    Ok(format!(
        "{name}: a client pipelined for {:.1} s and got {:.1} thousand answers a second; the good clients {:.1} thousand a second meanwhile; both served: {}",
        window.as_secs_f64(),
        greedy_got as f64 / window.as_secs_f64() / 1000.0,
        good_meanwhile as f64 / window.as_secs_f64() / 1000.0,
        greedy_got > 100 && good_meanwhile > 100,
    ))
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
    let mut seconds = 0.0;
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
    thread::scope(|s| -> Result<(), Box<dyn std::error::Error>> {
        let good: Vec<_> = (0..2)
            .map(|_| s.spawn(|| good_client(addr, &stop, &answered, &failed)))
            .collect();
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
        let greedy_line = greedy_beside(kind.name(), addr, &answered)?;
        all_served &= fresh_client_served(addr);
        let answer = match never_reads(addr, Duration::from_secs(5))? {
            Some(after) => ("let go by the server".to_owned(), after),
            None => ("still held after 5 s".to_owned(), 5.0),
        };
        record(
            "requests without end, answers never read",
            answer.0,
            answer.1,
        );
        all_served &= fresh_client_served(addr);
        // The silent clients must find every worker free, so the good clients stop first
        // and their connections close: the server then holds none.
        stop.store(true, Ordering::Relaxed);
        for client in good {
            let _ = client.join();
        }
        seconds = started.elapsed().as_secs_f64();
        let began = Instant::now();
        while server.counters.open.load(Ordering::Relaxed) > 0
            && began.elapsed() < Duration::from_secs(10)
        {
            thread::sleep(Duration::from_millis(1));
        }
        // As many silent clients as the pool has workers, all at once.
        let (got, waited) = silent_together(&server, config.workers)?;
        record(
            &format!("{} half requests at once, then a newcomer", config.workers),
            got,
            waited,
        );
        // The limit test counts exactly, on a server of its own whose timeout is long: with
        // 0.5 s, the first silent connections could time out, and free their seats, before a
        // slow machine had opened the last one.
        let limit_server = kind.start(Config {
            timeout: Duration::from_secs(10),
            ..config.clone()
        })?;
        let (limit, seated) = match kind {
            Kind::Pool => (config.workers + config.queue, config.workers),
            _ => (config.max_connections, config.max_connections),
        };
        let (admitted, refused, last) = over_the_limit(&limit_server, limit + 1, seated)?;
        record(
            "one silent connection more than the limit",
            format!(
                "{} connections: admitted {admitted}, refused {refused}; the last got {last}",
                limit + 1
            ),
            0.0,
        );
        // The held connections are closed now, but the server learns it a moment later:
        // the newcomer tries again, for up to 10 s.
        let began = Instant::now();
        all_served &= loop {
            if fresh_client_served(limit_server.addr) {
                break true;
            }
            if began.elapsed() > Duration::from_secs(10) {
                break false;
            }
            thread::sleep(Duration::from_millis(1));
        };
        limit_server.stop();
        println!("{greedy_line}");
        Ok(())
    })?;
    server.stop();
    // ANCHOR_END: good_clients
    let (ok, bad) = (
        answered.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    println!(
        "{}: good clients got {:.1} thousand answers a second ({:.1}% failed); a new client was served after every input: {all_served}",
        kind.name(),
        ok as f64 / seconds / 1000.0,
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
        max_connections: 16,
        workers: 8,
        queue: 8,
        ..Config::default()
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
    match mio_without_budget(&config) {
        Ok(line) => println!("{line}"),
        Err(error) => {
            eprintln!("error: mio with no turn budget: {error}");
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

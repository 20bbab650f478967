//! A load test of the line server, from inside the program: a fixed number of clients, each
//! sending requests one after another for a few seconds after a warm-up, three times; prints
//! requests per second and the 50th and 99th percentile latencies of each run, and their
//! spread.

mod ch11_common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::codec::{Framed, LinesCodec};
use tokio_util::sync::CancellationToken;

use ch11_common::cli::{arguments, Mode};
use ch11_common::protocol::{serve, serve_by_hand, Limits};

const USAGE: &str = "\
usage: ch11_load [CLIENTS SECONDS]

Starts the line server of chapter 11 on 127.0.0.1 (a free port) and runs CLIENTS clients
(default 10, from 1 to 1000), each sending `SUM` requests one after another over its own
connection and checking every answer. Each of three runs lasts a warm-up of 0.5 s, whose
requests are not counted, then SECONDS seconds (default 2, from 0.1 to 60) that are
measured. Prints each run's requests per second and latency percentiles, then the spread
between the runs.

With --serve PORT, only serves on 127.0.0.1:PORT until Ctrl-C.
";

const RUNS: usize = 3;
const WARM_UP: Duration = Duration::from_millis(500);

fn parse(args: &[String]) -> Result<(usize, Duration), String> {
    let clients = |text: &String| match text.parse::<usize>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err(format!("expected CLIENTS from 1 to 1000, not `{text}`")),
    };
    let seconds = |text: &String| match text.parse::<f64>() {
        Ok(s) if (0.1..=60.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("expected SECONDS from 0.1 to 60, not `{text}`")),
    };
    match args {
        [] => Ok((10, Duration::from_secs(2))),
        [c, s] => Ok((clients(c)?, seconds(s)?)),
        _ => Err("expected CLIENTS and SECONDS, or nothing".into()),
    }
}

// ANCHOR: client
/// One client: sends requests one at a time over one connection until `end`, checks each
/// answer, and returns how many requests it sent and the latencies of those it sent after
/// `measure_from`.
async fn client(
    addr: SocketAddr,
    id: i64,
    measure_from: Instant,
    end: Instant,
) -> std::io::Result<(u64, Vec<Duration>)> {
    let failed = std::io::Error::other;
    let mut lines = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
    let mut latencies = Vec::new();
    let mut n: i64 = 0;
    loop {
        let sent = Instant::now();
        if sent >= end {
            return Ok((n as u64, latencies));
        }
        lines.send(format!("SUM {id} {n}")).await.map_err(failed)?;
        let answer = lines
            .next()
            .await
            .ok_or_else(|| std::io::Error::other("the server closed"))?;
        if sent >= measure_from {
            latencies.push(sent.elapsed()); // the warm-up's requests are not counted
        }
        if answer.map_err(failed)? != format!("OK {}", id + n) {
            return Err(std::io::Error::other("a wrong answer"));
        }
        n += 1;
    }
}
// ANCHOR_END: client

// ANCHOR: percentile
/// The latency that `p` percent of the requests did not exceed, by nearest rank: the
/// smallest latency with at least `p` percent of them at or below it. `sorted` is in
/// increasing order and not empty; `p` is a whole percentage, from 1 to 100.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    // The rank is ceil(p * n / 100), in whole numbers: with floating point, 7 / 100 * 100
    // comes out as 7.000000000000001, and its ceiling would be one rank too far.
    let rank = (p * sorted.len()).div_ceil(100);
    sorted[rank.clamp(1, sorted.len()) - 1]
}
// ANCHOR_END: percentile

// ANCHOR: main
/// One run: every client connects, warms up, then is measured for `seconds`. Returns the
/// how many requests were sent, the requests per second and the sorted latencies of the
/// measured part.
async fn one_run(
    addr: SocketAddr,
    clients: usize,
    seconds: Duration,
) -> std::io::Result<(u64, f64, Vec<Duration>)> {
    let measure_from = Instant::now() + WARM_UP;
    let end = measure_from + seconds;
    let mut tasks = JoinSet::new();
    for id in 1..=clients as i64 {
        tasks.spawn(client(addr, id, measure_from, end));
    }
    let (mut sent, mut latencies) = (0, Vec::new());
    while let Some(ended) = tasks.join_next().await {
        let (requests, measured) = ended.expect("a client panicked")?;
        sent += requests;
        latencies.extend(measured);
    }
    latencies.sort();
    let rate = latencies.len() as f64 / seconds.as_secs_f64();
    Ok((sent, rate, latencies))
}

async fn run(clients: usize, seconds: Duration) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, stop.clone(), Limits::default()));

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{clients} clients, one request at a time on each connection; {RUNS} runs of {:.1} s \
         after a {:.1} s warm-up",
        seconds.as_secs_f64(),
        WARM_UP.as_secs_f64()
    );
    let mut rates = Vec::new();
    let mut p99s = Vec::new();
    let mut sent = 0;
    for n in 1..=RUNS {
        let (requests, rate, latencies) = one_run(addr, clients, seconds).await?;
        sent += requests;
        println!(
            "run {n}: {:.3} million requests per second; latency p50 {:.3} ms, p99 {:.3} ms, \
             max {:.3} ms",
            rate / 1e6,
            ms(percentile(&latencies, 50)),
            ms(percentile(&latencies, 99)),
            ms(latencies[latencies.len() - 1])
        );
        rates.push(rate);
        p99s.push(ms(percentile(&latencies, 99)));
    }
    stop.cancel();
    let answered = server.await.expect("the server panicked");
    println!(
        "every answer was correct; the server answered every request sent: {}",
        answered == sent
    );

    rates.sort_by(f64::total_cmp);
    p99s.sort_by(f64::total_cmp);
    println!(
        "requests per second: median {:.3} million, from {:.3} to {:.3} ({:.1}% spread)",
        rates[RUNS / 2] / 1e6,
        rates[0] / 1e6,
        rates[RUNS - 1] / 1e6,
        (rates[RUNS - 1] - rates[0]) / rates[RUNS / 2] * 100.0
    );
    println!(
        "p99 latency: median {:.3} ms, from {:.3} to {:.3} ms",
        p99s[RUNS / 2],
        p99s[0],
        p99s[RUNS - 1]
    );
    Ok(())
}
// ANCHOR_END: main

#[tokio::main]
async fn main() -> ExitCode {
    let result = match arguments(USAGE, parse) {
        Err(status) => return status,
        Ok(Mode::Serve(port)) => serve_by_hand(port).await,
        Ok(Mode::Run((clients, seconds))) => run(clients, seconds).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

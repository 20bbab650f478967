//! A bounded load test of the line server, from inside the program: a fixed number of
//! clients, each sending a fixed number of requests one after another; prints requests per
//! second and the 50th and 99th percentile latencies.

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
use ch11_common::protocol::{serve, serve_by_hand};

const USAGE: &str = "\
usage: ch11_load [CLIENTS REQUESTS]

Starts the line server of chapter 11 on 127.0.0.1 (a free port) and runs CLIENTS clients
(default 10), each sending REQUESTS requests (default 1000) one after another, each a
`SUM` whose answer it checks. Prints the requests per second and the 50th and 99th
percentile latencies, then stops the server. Both numbers from 1 to 10000.

With --serve PORT, only serves on 127.0.0.1:PORT until Ctrl-C.
";

fn parse(args: &[String]) -> Result<(usize, usize), String> {
    let number = |text: &String| match text.parse::<usize>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to 10000, not `{text}`")),
    };
    match args {
        [] => Ok((10, 1000)),
        [clients, requests] => Ok((number(clients)?, number(requests)?)),
        _ => Err("expected CLIENTS and REQUESTS, or nothing".into()),
    }
}

// ANCHOR: client
/// One client: sends its requests one at a time over one connection, checks each answer,
/// and returns the latency of every request.
async fn client(addr: SocketAddr, id: usize, requests: usize) -> std::io::Result<Vec<Duration>> {
    let failed = std::io::Error::other;
    let mut lines = Framed::new(TcpStream::connect(addr).await?, LinesCodec::new());
    let mut latencies = Vec::with_capacity(requests);
    for n in 0..requests {
        let (a, b) = (id as i64, n as i64);
        let sent = Instant::now();
        lines.send(format!("SUM {a} {b}")).await.map_err(failed)?;
        let answer = lines
            .next()
            .await
            .ok_or_else(|| std::io::Error::other("the server closed"))?;
        latencies.push(sent.elapsed());
        if answer.map_err(failed)? != format!("OK {}", a + b) {
            return Err(std::io::Error::other("a wrong answer"));
        }
    }
    Ok(latencies)
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
async fn run(clients: usize, requests: usize) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(listener, stop.clone()));

    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for id in 1..=clients {
        tasks.spawn(client(addr, id, requests));
    }
    let mut latencies = Vec::with_capacity(clients * requests);
    while let Some(ended) = tasks.join_next().await {
        latencies.extend(ended.expect("a client panicked")?);
    }
    let elapsed = start.elapsed().as_secs_f64();
    stop.cancel();
    let answered = server.await.expect("the server panicked");

    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{clients} clients, {requests} requests each, one at a time on each connection");
    println!(
        "{} answers, all correct; the server answered {answered}",
        latencies.len()
    );
    println!(
        "{:.3} s in all: {:.1} requests per second",
        elapsed,
        latencies.len() as f64 / elapsed
    );
    println!(
        "latency: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(percentile(&latencies, 50)),
        ms(percentile(&latencies, 99)),
        ms(latencies[latencies.len() - 1])
    );
    Ok(())
}
// ANCHOR_END: main

#[tokio::main]
async fn main() -> ExitCode {
    let result = match arguments(USAGE, parse) {
        Err(status) => return status,
        Ok(Mode::Serve(port)) => serve_by_hand(port).await,
        Ok(Mode::Run((clients, requests))) => run(clients, requests).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

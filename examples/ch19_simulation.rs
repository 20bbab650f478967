//! A client that retries its deposits and a server that applies them, run inside turmoil's
//! simulated network: seeds that lose messages, the seed that breaks the balance, the same
//! seed run again, and the fixed server that remembers request ids.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use turmoil::net::UdpSocket;

const USAGE: &str = "\
usage: ch19_simulation [SEEDS]

Runs a client that makes 10 deposits of 10 to a server, retrying each until it is
acknowledged, in turmoil's simulated network with message loss, once per seed from 1 to
SEEDS (default 200). Prints in how many seeds the final balance is wrong, the first such
seed, that seed run again, and the same seeds against a server that ignores repeats.
";

const PORT: u16 = 4000;
const DEPOSITS: u64 = 10;
const AMOUNT: u64 = 10;

// ANCHOR: server
/// Applies `deposit ID AMOUNT` and answers `ok ID BALANCE`; answers `balance` with the
/// balance. With `remember_ids`, a deposit whose id it has applied before is answered
/// again but not applied again. A request it cannot parse is ignored, like one it does not
/// know: anyone can send a datagram, and one bad one must not stop the server.
async fn server(remember_ids: bool) -> turmoil::Result {
    let socket = UdpSocket::bind(("0.0.0.0", PORT)).await?;
    let mut balance: u64 = 0;
    let mut applied: HashMap<u64, u64> = HashMap::new();
    let mut buf = [0; 64];
    loop {
        let (n, from) = socket.recv_from(&mut buf).await?;
        let request = String::from_utf8_lossy(&buf[..n]).into_owned();
        let words: Vec<&str> = request.split(' ').collect();
        let reply = match words[..] {
            ["deposit", id, amount] => {
                let (Ok(id), Ok(amount)) = (id.parse::<u64>(), amount.parse::<u64>()) else {
                    continue; // malformed: ignored
                };
                let repeat = remember_ids && applied.contains_key(&id);
                match balance.checked_add(amount) {
                    _ if repeat => format!("ok {id} {balance}"),
                    Some(new) => {
                        balance = new;
                        applied.insert(id, amount);
                        format!("ok {id} {balance}")
                    }
                    None => format!("err {id} overflow"),
                }
            }
            ["balance"] => format!("balance {balance}"),
            _ => continue,
        };
        socket.send_to(reply.as_bytes(), from).await?;
    }
}
// ANCHOR_END: server

// ANCHOR: client
/// Sends `request` until an answer that starts with `expect` comes back, waiting 50 ms
/// for each; answers to earlier requests that arrive late are skipped.
async fn call(socket: &UdpSocket, request: &str, expect: &str) -> turmoil::Result<String> {
    let mut buf = [0; 64];
    loop {
        socket.send_to(request.as_bytes(), ("server", PORT)).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        while let Ok(got) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
            let (n, _) = got?;
            let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
            if answer.starts_with(expect) {
                return Ok(answer);
            }
        }
        // No answer in time: the request or its answer was lost; send it again.
    }
}

/// Makes the deposits, one at a time, then asks for the balance.
async fn client() -> turmoil::Result<u64> {
    let socket = UdpSocket::bind(("0.0.0.0", 0)).await?;
    for id in 1..=DEPOSITS {
        call(
            &socket,
            &format!("deposit {id} {AMOUNT}"),
            &format!("ok {id} "),
        )
        .await?;
    }
    let answer = call(&socket, "balance", "balance ").await?;
    Ok(answer["balance ".len()..].parse()?)
}

/// One whole simulation, decided by `seed`: the balance the client ends with, and the
/// simulated time it took.
fn simulate(seed: u64, fail_rate: f64, remember_ids: bool) -> (u64, Duration) {
    let mut sim = turmoil::Builder::new()
        .rng_seed(seed)
        // Both rates are chances per message sent, not per tick: each message sent on a
        // healthy link takes it down with this chance (dropping that message and every
        // message in flight), and each message sent on a link that is down first brings it
        // back with the second.
        .fail_rate(fail_rate)
        .repair_rate(0.5)
        .min_message_latency(Duration::from_millis(1))
        .max_message_latency(Duration::from_millis(5))
        .simulation_duration(Duration::from_secs(60))
        .build();
    sim.host("server", move || server(remember_ids));
    let balance = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&balance);
    sim.client("client", async move {
        *slot.lock().unwrap() = Some(client().await?);
        Ok(())
    });
    sim.run().expect("the simulation ran to the end");
    let balance = balance.lock().unwrap().take();
    (balance.expect("the client finished"), sim.elapsed())
}
// ANCHOR_END: client

fn main() -> ExitCode {
    let seeds = match arguments() {
        Ok(n) => n,
        Err(status) => return status,
    };
    let expected = DEPOSITS * AMOUNT;
    // ANCHOR: hunt
    let started = std::time::Instant::now();
    let (mut runs, mut simulated) = (0, Duration::ZERO);
    let mut balance = |seed, fail_rate, remember_ids| {
        let (balance, took) = simulate(seed, fail_rate, remember_ids);
        runs += 1;
        simulated += took;
        balance
    };
    let perfect = (1..=seeds)
        .filter(|&s| balance(s, 0.0, false) != expected)
        .count();
    println!("no message loss: balance wrong in {perfect} of {seeds} seeds");
    let wrong: Vec<u64> = (1..=seeds)
        .filter(|&s| balance(s, 0.02, false) != expected)
        .collect();
    println!(
        "2% chance per message that the link fails: balance wrong in {} of {seeds} seeds",
        wrong.len()
    );
    if let Some(&seed) = wrong.first() {
        for run in ["first run", "run again"] {
            let got = balance(seed, 0.02, false);
            println!("seed {seed}, {run}: balance {got}, expected {expected}");
        }
    }
    let fixed = (1..=seeds)
        .filter(|&s| balance(s, 0.02, true) != expected)
        .count();
    println!("server that remembers ids: balance wrong in {fixed} of {seeds} seeds");
    println!(
        "{runs} simulations, {:.1} s of simulated time, in {:.3} s of real time",
        simulated.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    // ANCHOR_END: hunt
    ExitCode::SUCCESS
}

/// `[SEEDS]`: a whole number from 1 to 100000, 200 when absent.
fn arguments() -> Result<u64, ExitCode> {
    quiet_on_closed_pipe();
    let mut args = std::env::args_os().skip(1);
    let seeds = match args.next() {
        None => 200,
        Some(flag) if flag == "--help" || flag == "-h" => {
            print!("{USAGE}");
            return Err(ExitCode::SUCCESS);
        }
        Some(arg) => match arg.to_str().and_then(|a| a.parse::<u64>().ok()) {
            Some(n) if (1..=100_000).contains(&n) => n,
            _ => {
                eprintln!(
                    "error: SEEDS must be a whole number from 1 to 100000, not `{}`",
                    arg.to_string_lossy()
                );
                return Err(ExitCode::from(2));
            }
        },
    };
    if let Some(extra) = args.next() {
        eprintln!(
            "error: unexpected argument `{}` (try --help)",
            extra.to_string_lossy()
        );
        return Err(ExitCode::from(2));
    }
    Ok(seeds)
}

/// `println!` panics with "failed printing to stdout: Broken pipe" when standard output is
/// a pipe whose reader has gone (`| head`); end quietly then, as command-line tools do.
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

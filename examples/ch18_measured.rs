// Chapter 18, the servers measured side by side: each server runs in a child process (this
// program again, with `--serve KIND`; or the Python reactor), and the chapter's load
// generator, on tokio in this process, drives it with 10, 100 and 1000 keep-alive
// connections, a few runs each.

mod ch18_common;

use ch18_common::child::{serve_until_stdin_closes, ChildServer};
use ch18_common::cli::{arguments, number, options, refuse};
use ch18_common::load::{percentile, run};
use ch18_common::server::{Config, Kind};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: ch18_measured [--seconds S] [--warmup S] [--repeats N] [--connections LIST]
                     [--servers LIST]

Loads each server with the chapter's load generator and prints requests per second and
latency percentiles. LIST is comma-separated: --connections 10,100,1000 (the default),
--servers threads,pool,mio,tokio (the default; `python` adds the Python reactor).
Defaults: --seconds 1 --warmup 0.25 --repeats 3.
(--serve KIND [--timeout S] runs one server until standard input closes.)
";

struct Plan {
    seconds: f64,
    warmup: f64,
    repeats: usize,
    connections: Vec<usize>,
    servers: Vec<String>,
}

fn main() -> ExitCode {
    let args = match arguments(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    if args.first().is_some_and(|a| a == "--serve") {
        return serve(&args[1..]);
    }
    let mut plan = Plan {
        seconds: 1.0,
        warmup: 0.25,
        repeats: 3,
        connections: vec![10, 100, 1000],
        servers: ["threads", "pool", "mio", "tokio"]
            .map(String::from)
            .to_vec(),
    };
    let parsed = options(&args, |name, value| {
        match name {
            "--seconds" => plan.seconds = number(name, value, 0.01, 600.0)?,
            "--warmup" => plan.warmup = number(name, value, 0.0, 60.0)?,
            "--repeats" => plan.repeats = number(name, value, 1, 100)?,
            "--connections" => {
                plan.connections = value
                    .split(',')
                    .map(|n| number(name, n, 1, 5000))
                    .collect::<Result<_, _>>()?
            }
            "--servers" => {
                plan.servers = value.split(',').map(String::from).collect();
                if let Some(bad) = plan
                    .servers
                    .iter()
                    .find(|s| *s != "python" && Kind::from_name(s).is_none())
                {
                    return Err(format!("no server called `{bad}`"));
                }
            }
            _ => return Err(format!("unexpected argument `{name}`")),
        }
        Ok(())
    });
    if let Err(status) = parsed {
        return status;
    }
    match measure(&plan) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The child's side: `--serve KIND [--timeout S]`.
fn serve(args: &[String]) -> ExitCode {
    let Some(kind) = args.first().and_then(|k| Kind::from_name(k)) else {
        return refuse("--serve takes threads, pool, mio or tokio");
    };
    let mut config = Config::default();
    let parsed = options(&args[1..], |name, value| match name {
        "--timeout" => {
            config.timeout = Duration::from_secs(number(name, value, 1, 3600)?);
            Ok(())
        }
        _ => Err(format!("unexpected argument `{name}`")),
    });
    if let Err(status) = parsed {
        return status;
    }
    match serve_until_stdin_closes(kind, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: measure
fn measure(plan: &Plan) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Runtime::new()?;
    println!(
        "machine: {} cores, shared by the load generator and the server",
        std::thread::available_parallelism()?
    );
    println!(
        "each cell: {} run(s) of {:.2} s after a {:.2} s warm-up; thousands of requests per second",
        plan.repeats, plan.seconds, plan.warmup
    );
    println!("server   conns  req/s  (min-max)        p50 ms  p99 ms   max ms  failed  CPU us/req");
    for name in &plan.servers {
        let server = match Kind::from_name(name) {
            Some(kind) => ChildServer::rust(kind, 60)?,
            None => ChildServer::python()?,
        };
        for &connections in &plan.connections {
            let mut runs = Vec::new();
            let cpu_before = server.cpu_seconds()?;
            for _ in 0..plan.repeats {
                let warmup = Duration::from_secs_f64(plan.warmup);
                let window = Duration::from_secs_f64(plan.seconds);
                runs.push(runtime.block_on(run(server.addr, connections, warmup, window)));
            }
            // The server's own CPU time for each request it answered, warm-ups included: what
            // a request costs the server, whoever else needs the cores.
            let cpu = server.cpu_seconds()? - cpu_before;
            let all: u64 = runs.iter().map(|r| r.all_answered).sum();
            let cpu_us = cpu * 1e6 / all.max(1) as f64;
            let mut rates: Vec<f64> = runs.iter().map(|r| r.per_second() / 1000.0).collect();
            rates.sort_by(f64::total_cmp);
            let median = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let p50 = median(
                runs.iter()
                    .map(|r| percentile(&r.latencies, 50.0))
                    .collect(),
            );
            let p99 = median(
                runs.iter()
                    .map(|r| percentile(&r.latencies, 99.0))
                    .collect(),
            );
            let max = runs
                .iter()
                .map(|r| percentile(&r.latencies, 100.0))
                .fold(0.0, f64::max);
            let answered: usize = runs.iter().map(|r| r.latencies.len()).sum();
            let failed: u64 = runs.iter().map(|r| r.failed).sum();
            let range = format!("({:.1}-{:.1})", rates[0], rates[rates.len() - 1]);
            println!(
                "{name:<8} {connections:>5}  {:>6.1} {range:<15} {p50:>7.3} {p99:>7.3} {max:>8.3}  {:>5.1}%  {cpu_us:>5.1}",
                median(rates.clone()),
                100.0 * failed as f64 / (answered as u64 + failed).max(1) as f64,
            );
        }
        server.stop()?;
    }
    Ok(())
}
// ANCHOR_END: measure

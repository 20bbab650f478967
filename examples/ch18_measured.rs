// Chapter 18, the servers measured side by side: each server runs in a child process (this
// program again, with `--serve KIND`; or the Python reactor), and the chapter's load
// generator, on tokio in this process, drives it with 10, 100 and 1000 keep-alive
// connections, a few runs each.

mod ch18_common;

use ch18_common::child::{serve_until_stdin_closes, ChildServer};
use ch18_common::cli::{arguments, number, options, refuse};
use ch18_common::load::{percentile, run, Run};
use ch18_common::server::{Config, Kind};
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
/// How many times, on the whole machine, a listener's accept queue was full when a
/// connection came (`ListenOverflows` in the `TcpExt` lines of `/proc/net/netstat`).
fn listen_overflows() -> std::io::Result<u64> {
    let netstat = std::fs::read_to_string("/proc/net/netstat")?;
    let mut tcp_ext = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (tcp_ext.next().unwrap_or(""), tcp_ext.next().unwrap_or(""));
    let mut found = names.split_whitespace().zip(values.split_whitespace());
    found
        .find(|(name, _)| *name == "ListenOverflows")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| std::io::Error::other("no ListenOverflows in /proc/net/netstat"))
}

/// CPU seconds so far: the whole machine's busy, idle and stolen time (the first line of
/// `/proc/stat`), and this process's own (the load generator's).
#[derive(Clone, Copy, Default)]
struct Cpu {
    busy: f64,
    idle: f64,
    steal: f64,
    generator: f64,
    server: f64,
}

fn ticks(line: &str, skip: usize) -> Vec<f64> {
    let fields = line.split_whitespace().skip(skip);
    fields.map(|f| f.parse().unwrap_or(0.0) / 100.0).collect() // USER_HZ ticks
}

fn cpu_now(server: &ChildServer) -> std::io::Result<Cpu> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let t = ticks(stat.lines().next().unwrap_or(""), 1); // user nice system idle iowait irq softirq steal
    let own = std::fs::read_to_string("/proc/self/stat")?;
    let own = ticks(own.rsplit_once(')').map_or("", |(_, rest)| rest), 0);
    let at = |v: &Vec<f64>, i: usize| v.get(i).copied().unwrap_or(0.0);
    Ok(Cpu {
        busy: at(&t, 0) + at(&t, 1) + at(&t, 2) + at(&t, 5) + at(&t, 6),
        idle: at(&t, 3) + at(&t, 4),
        steal: at(&t, 7),
        generator: at(&own, 11) + at(&own, 12), // utime, stime
        server: server.cpu_seconds()?,
    })
}

/// One cell of the table: every run of one server at one concurrency, and the CPU time
/// the machine spent during those runs.
#[derive(Default)]
struct Cell {
    runs: Vec<Run>,
    cpu: Cpu,
    wall: f64,
    overflows: u64,
}

fn measure(plan: &Plan) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Runtime::new()?;
    // A thousand connections are a thousand descriptors on each side.
    let limit = rlimit::increase_nofile_limit(u64::MAX)?;
    println!(
        "machine: {} cores, shared by the load generator and the server; open-file limit {limit}",
        std::thread::available_parallelism()?
    );
    println!(
        "each cell: {} run(s) of {:.2} s after a {:.2} s warm-up, taken in turns with the other servers' cells",
        plan.repeats, plan.seconds, plan.warmup
    );
    let mut servers = Vec::new();
    for name in &plan.servers {
        servers.push(match Kind::from_name(name) {
            Some(kind) => ChildServer::rust(kind, 60)?,
            None => ChildServer::python()?,
        });
    }
    let mut cells: Vec<Vec<Cell>> = servers
        .iter()
        .map(|_| plan.connections.iter().map(|_| Cell::default()).collect())
        .collect();
    let warmup = Duration::from_secs_f64(plan.warmup);
    let window = Duration::from_secs_f64(plan.seconds);
    // Interleaved: a change in the machine's load then falls on every server alike.
    for _ in 0..plan.repeats {
        for (server, row) in servers.iter().zip(&mut cells) {
            for (&connections, cell) in plan.connections.iter().zip(row.iter_mut()) {
                let overflows = listen_overflows()?;
                let (before, began) = (cpu_now(server)?, Instant::now());
                cell.runs
                    .push(runtime.block_on(run(server.addr, connections, warmup, window)));
                let after = cpu_now(server)?;
                cell.wall += began.elapsed().as_secs_f64();
                cell.cpu.busy += after.busy - before.busy;
                cell.cpu.idle += after.idle - before.idle;
                cell.cpu.steal += after.steal - before.steal;
                cell.cpu.generator += after.generator - before.generator;
                cell.cpu.server += after.server - before.server;
                cell.overflows += listen_overflows()?.saturating_sub(overflows);
            }
        }
    }
    // What the children printed after their address (the Python reactor: its version).
    let mut said = String::new();
    for server in servers {
        said += &server.stop()?;
    }
    println!("ready: the fewest clients, of conns, answered once before a run's clock started;");
    println!(
        "ovfl: times a connection found a listener's accept queue full (on the whole machine);"
    );
    println!(
        "req/s in thousands; cores: the average number busy in each part, during the cell's runs"
    );
    println!("server   conns ready ovfl  req/s  (min-max)        p50 ms  p99 ms   max ms  failed reopened  CPU us/req | cores: server   gen  other  idle  steal");
    for (name, row) in plan.servers.iter().zip(&cells) {
        for (&connections, cell) in plan.connections.iter().zip(row) {
            print_cell(name, connections, cell);
        }
    }
    print!("{said}");
    Ok(())
}

fn print_cell(name: &str, connections: usize, cell: &Cell) {
    let runs = &cell.runs;
    // The server's own CPU time for each request it answered, warm-ups included.
    let all: u64 = runs.iter().map(|r| r.all_answered).sum();
    let cpu_us = cell.cpu.server * 1e6 / all.max(1) as f64;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let rates: Vec<f64> = runs.iter().map(|r| r.per_second() / 1000.0).collect();
    let (low, high) = rates
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), &r| (l.min(r), h.max(r)));
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
    let answered: u64 = runs.iter().map(|r| r.latencies.len() as u64).sum();
    let failed: u64 = runs.iter().map(|r| r.failed).sum();
    let reopened: u64 = runs.iter().map(|r| r.reopened).sum();
    let attempts = (answered + failed).max(1) as f64;
    let ready = runs.iter().map(|r| r.ready).min().unwrap_or(0);
    let cores = |seconds: f64| seconds / cell.wall;
    // Each part is read in ticks of 1/100 s, so the difference can come out a hair below 0.
    let other = (cell.cpu.busy - cell.cpu.server - cell.cpu.generator).max(0.0);
    println!(
        "{name:<8} {connections:>5} {ready:>5} {:>4}  {:>6.1} {:<15} {p50:>7.3} {p99:>7.3} {max:>8.3}  {:>5.1}%  {:>6.1}%  {cpu_us:>9.1}  |  {:>12.2} {:>5.2} {:>6.2} {:>5.2} {:>6.2}",
        cell.overflows,
        median(rates.clone()),
        format!("({low:.1}-{high:.1})"),
        100.0 * failed as f64 / attempts,
        100.0 * reopened as f64 / attempts,
        cores(cell.cpu.server),
        cores(cell.cpu.generator),
        cores(other),
        cores(cell.cpu.idle),
        cores(cell.cpu.steal),
    );
}
// ANCHOR_END: measure

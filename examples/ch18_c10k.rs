// Chapter 18, ten thousand idle connections (the C10K problem): each server runs in a child
// process; this program opens N connections to it, asks one request on each and leaves them
// open, and reads the child's resident memory and thread count from /proc before and after.

mod ch18_common;

use ch18_common::child::{serve_until_stdin_closes, ChildServer};
use ch18_common::cli::{arguments, number, options, refuse};
use ch18_common::client::Keeper;
use ch18_common::server::{Config, Kind};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch18_c10k [--connections N] [--servers LIST]

Opens N idle keep-alive connections (10000 by default) to each server (LIST: any of
threads,mio,tokio, all three by default), each after one request, and prints the time to
open them and the server's resident memory and threads before and after.
(--serve KIND runs one server until standard input closes.)
";

fn main() -> ExitCode {
    let args = match arguments(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    if args.first().is_some_and(|a| a == "--serve") {
        return serve(&args[1..]);
    }
    let mut connections = 10_000;
    let mut servers = vec![Kind::Threads, Kind::Mio, Kind::Tokio];
    let parsed = options(&args, |name, value| {
        match name {
            "--connections" => connections = number(name, value, 1, 100_000)?,
            "--servers" => {
                servers = value
                    .split(',')
                    .map(|s| match Kind::from_name(s) {
                        // The pool serves 16 connections at a time by design: it cannot hold
                        // thousands of idle ones.
                        Some(Kind::Pool) | None => {
                            Err(format!("`{s}` is not threads, mio or tokio"))
                        }
                        Some(kind) => Ok(kind),
                    })
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(format!("unexpected argument `{name}`")),
        }
        Ok(())
    });
    if let Err(status) = parsed {
        return status;
    }
    match run(connections, &servers) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &[String]) -> ExitCode {
    let Some(kind) = args.first().and_then(|k| Kind::from_name(k)) else {
        return refuse("--serve takes threads, pool, mio or tokio");
    };
    // Idle connections must outlive the experiment; the limit is above the experiment's.
    let mut config = Config {
        timeout: Duration::from_secs(600),
        max_connections: 100_000,
        ..Config::default()
    };
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

// ANCHOR: run
fn run(connections: usize, servers: &[Kind]) -> Result<(), Box<dyn std::error::Error>> {
    // Each connection takes a descriptor here and one in the server; raise our soft limit
    // to the hard one (the child inherits it), as chapter 4 showed.
    let limit = rlimit::increase_nofile_limit(u64::MAX)?;
    println!(
        "machine: {} cores; open-file limit {limit}",
        std::thread::available_parallelism()?
    );
    if (limit as usize) < connections + 100 {
        return Err(format!(
            "{connections} connections need a limit above {}",
            connections + 100
        )
        .into());
    }
    println!("{connections} idle connections, each after one request:");
    for &kind in servers {
        let server = ChildServer::rust(kind, 600)?;
        let rss_before = server.status("VmRSS")?;
        let started = Instant::now();
        let mut open = Vec::with_capacity(connections);
        for _ in 0..connections {
            let mut keeper = Keeper::connect(server.addr)?;
            match keeper
                .get("/")
                .map_err(|e| format!("{}: connection {}: {e}", kind.name(), open.len()))?
            {
                Some((200, _, true)) => open.push(keeper),
                other => {
                    return Err(format!("{}: answer {:?}", kind.name(), other.map(|a| a.0)).into())
                }
            }
        }
        let opening = started.elapsed();
        let rss_after = server.status("VmRSS")?;
        let threads = server.status("Threads")?;
        // With all of them open, is a newcomer still served, and how fast?
        let asked = Instant::now();
        let fresh = Keeper::connect(server.addr)?.get("/")?;
        let newcomer = asked.elapsed();
        let per_connection = (rss_after.saturating_sub(rss_before)) as f64 / connections as f64;
        println!(
            "{:<8} opened in {:.2} s; memory {:.1} MiB -> {:.1} MiB, {per_connection:.1} KiB a connection; {threads} threads; a newcomer got {} in {:.2} ms",
            kind.name(),
            opening.as_secs_f64(),
            rss_before as f64 / 1024.0,
            rss_after as f64 / 1024.0,
            fresh.map_or(0, |a| a.0),
            newcomer.as_secs_f64() * 1000.0,
        );
        drop(open);
        server.stop()?;
    }
    Ok(())
}
// ANCHOR_END: run

//! Exercise solution: a link checker. Four workers walk the local server's small site from
//! /pages/0, follow every link once, and report the links that are broken, fail or are slow.

mod ch05_common;

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch05_common::cli::no_arguments;
use ch05_common::server::Server;
use crossbeam::channel;
use ureq::Agent;

const WORKERS: usize = 4;
const TIMEOUT: Duration = Duration::from_millis(500);

const USAGE: &str = "\
usage: ch05_ex_link_checker

Starts the chapter's local HTTP server and checks every link of its small site,
starting at /pages/0, with four workers. Prints the links that did not answer
200 within half a second.
";

/// What checking one link found: the status (or the error), and the links on the page.
struct Checked {
    path: String,
    outcome: Result<u16, String>,
    links: Vec<String>,
}

// ANCHOR: check
fn check(agent: &Agent, base: &str, path: String) -> Checked {
    let (outcome, links) = match agent.get(format!("{base}{path}")).call() {
        Ok(mut response) => {
            let status = response.status().as_u16();
            match response.body_mut().read_to_string() {
                Ok(body) => (Ok(status), links_in(&body)),
                // Not "200 with no links": a page we could not read is a problem to report.
                Err(error) => (
                    Err(format!("{status}, then the body failed: {error}")),
                    vec![],
                ),
            }
        }
        Err(ureq::Error::StatusCode(code)) => (Ok(code), Vec::new()),
        Err(error) => (Err(error.to_string()), Vec::new()),
    };
    Checked {
        path,
        outcome,
        links,
    }
}

/// The targets of the links (the `href` attributes) in a page: enough for our own site.
fn links_in(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}
// ANCHOR_END: check

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::start()?;
    let base = server.url("");
    let agent: Agent = Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    // ANCHOR: crawl
    let (jobs, queue) = channel::unbounded::<String>();
    let (results, checked) = mpsc::channel::<Checked>();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (agent, base, queue, results) =
                (agent.clone(), base.clone(), queue.clone(), results.clone());
            thread::spawn(move || {
                for path in queue {
                    // A check that panics still answers for its path, or `pending` below
                    // would never reach 0 and main would wait for ever.
                    let result = panic::catch_unwind(AssertUnwindSafe(|| {
                        check(&agent, &base, path.clone())
                    }))
                    .unwrap_or_else(|_| Checked {
                        path,
                        outcome: Err("the check panicked".into()),
                        links: Vec::new(),
                    });
                    if results.send(result).is_err() {
                        break; // main has stopped listening
                    }
                }
            })
        })
        .collect();
    drop(results);

    // Main alone decides what to check, so every link is checked once, and it knows the
    // walk is over when no check is pending.
    let start = "/pages/0".to_string();
    let mut linked_from: HashMap<String, String> = HashMap::from([(start.clone(), "-".into())]);
    jobs.send(start)?;
    let mut pending = 1;
    let mut problems = Vec::new();
    let mut pages = 0;
    while pending > 0 {
        let Ok(result) = checked.recv() else { break }; // every worker has gone
        pending -= 1;
        match &result.outcome {
            Ok(200) => pages += 1,
            Ok(code) => problems.push((result.path.clone(), format!("answered {code}"))),
            Err(error) => problems.push((result.path.clone(), error.clone())),
        }
        for link in result.links {
            if !linked_from.contains_key(&link) {
                linked_from.insert(link.clone(), result.path.clone());
                jobs.send(link)?;
                pending += 1;
            }
        }
    }
    drop(jobs); // the queue closes, and each worker's loop ends
    for worker in workers {
        worker.join().map_err(|_| "a worker panicked")?;
    }
    // ANCHOR_END: crawl
    println!(
        "checked {} links with {WORKERS} workers: {pages} answered 200",
        linked_from.len()
    );
    problems.sort();
    for (path, problem) in problems {
        println!("{path} (linked from {}): {problem}", linked_from[&path]);
    }
    server.stop()?;
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

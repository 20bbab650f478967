//! What a timely computation does when one of its processes dies: two processes on
//! 127.0.0.1, process 1 killed once its dataflow runs, and what process 0 does then.

mod ch20_common;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use timely::dataflow::operators::{Exchange, Input, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

use ch20_common::cli;
use ch20_common::cluster;

const USAGE: &str = "\
usage: ch20_failure

Starts two processes of one timely computation on 127.0.0.1, kills process 1 as soon as it
says its dataflow is running, and shows what process 0 does then: how it fails, how long it
takes, and that no process is left behind.

A copy started with --process-index I --hosts ADDR,ADDR is process I of the computation.
";

/// The line process 1 prints when its first epoch is complete.
const RUNNING: &str = "epoch 0 complete, the dataflow is running";
/// How long the parent gives the processes to start, and then process 0 to end after the
/// kill: each a deadline, however much the processes print meanwhile.
const LIMIT: Duration = Duration::from_secs(30);

// ANCHOR: job
/// Each process's work: epoch after epoch, numbers exchanged between the workers by value.
/// It only ends when its peer is gone; the parent's bound ends it otherwise.
fn job(worker: &mut Worker) -> u64 {
    let (index, peers) = (worker.index(), worker.peers());
    let mut input = InputHandle::new();
    let probe = ProbeHandle::new();
    worker.dataflow(|scope| {
        scope
            .input_from(&mut input)
            .container::<Vec<u64>>()
            .exchange(|x| *x)
            .probe_with(&probe);
    });
    for epoch in 0..u64::MAX {
        for x in (0..10_000).filter(|x| x % peers as u64 == index as u64) {
            input.send(x);
        }
        input.advance_to(epoch + 1);
        // Waits, parked when idle, until every worker has finished the epoch: this needs the
        // other process.
        worker.step_or_park_while(None, || probe.less_than(input.time()));
        if epoch == 0 && index == 1 {
            println!("{RUNNING}");
        }
    }
    u64::MAX
}
// ANCHOR_END: job

// ANCHOR: children
/// The processes we started; dropping this kills and waits for every one still running, on
/// every way out of `main`, an error or a panic included.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}
// ANCHOR_END: children

/// Two addresses on 127.0.0.1 that were free a moment ago (another program may take one
/// before our process binds it: that process then fails, and we stop the other).
fn free_addresses() -> Result<String, String> {
    let a = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let b = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let (a, b) = (a.local_addr(), b.local_addr());
    Ok(format!(
        "{},{}",
        a.map_err(|e| e.to_string())?,
        b.map_err(|e| e.to_string())?
    ))
}

/// What a reader thread saw on a process's output.
enum Seen {
    Line(usize, String),
    Closed(usize, String),
}

fn main() -> ExitCode {
    let args = match cli::parse(USAGE) {
        Ok(args) => args,
        Err(status) => return status,
    };
    if let Err(status) = args.each_option(|name, _| Err(format!("unexpected option `{name}`"))) {
        return status;
    }
    if let Some(place) = &args.place {
        return cluster::serve(place, job);
    }
    match watch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: watch
fn watch() -> Result<(), String> {
    let hosts = free_addresses()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let parent = std::process::id().to_string();
    let mut children = Children(Vec::new());
    let (tx, seen) = mpsc::channel();
    for index in 0..2 {
        let mut child = Command::new(&exe)
            .args(["--process-index", &index.to_string(), "--hosts", &hosts])
            .args(["--parent-pid", &parent])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start process {index}: {e}"))?;
        let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
            return Err("no pipes to a process".into());
        };
        children.0.push(child);
        // Standard output, line by line, to see "running"; standard error whole, until the
        // process ends and the pipe closes.
        let lines = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = lines.send(Seen::Line(index, line));
            }
        });
        let closed = tx.clone();
        thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(err).read_to_string(&mut text);
            let _ = closed.send(Seen::Closed(index, text));
        });
    }
    drop(tx);
    println!("started process 0 and process 1 on 127.0.0.1, one worker each");

    // Wait, within the bound, for process 1 to say its dataflow is running; then kill it.
    // Timely prints its connection attempts meanwhile, so the bound is a deadline, not a
    // silence: a line that arrives does not extend it.
    let deadline = Instant::now() + LIMIT;
    loop {
        match seen.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Seen::Line(1, line)) if line == RUNNING => break,
            Ok(Seen::Closed(i, text)) => {
                return Err(format!(
                    "process {i} ended before the kill: {}",
                    text.trim()
                ))
            }
            Ok(_) => {}
            Err(_) => return Err(format!("process 1 did not start within {LIMIT:?}")),
        }
    }
    println!("process 1: {RUNNING}");
    let killed = Instant::now();
    children.0[1]
        .kill()
        .map_err(|e| format!("cannot kill process 1: {e}"))?;
    let status = children.0[1].wait().map_err(|e| e.to_string())?;
    println!("killed process 1 ({status})");

    // Process 0 must now end by itself: its standard error closes when it does.
    let report = loop {
        match seen.recv_timeout(LIMIT.saturating_sub(killed.elapsed())) {
            Ok(Seen::Closed(0, text)) => break text,
            Ok(_) => {}
            Err(_) => {
                return Err(format!(
                    "process 0 still runs {LIMIT:?} after its peer died; killed it"
                ))
            }
        }
    };
    let status = children.0[0].wait().map_err(|e| e.to_string())?;
    println!(
        "process 0 ended {:.3} s after the kill ({status})",
        killed.elapsed().as_secs_f64()
    );
    // Each thread of process 0 that panicked wrote "thread 'NAME' ... panicked at" and its
    // message on standard error. Which ones did, and with what?
    let panicked = |thread: &str, message: &str| {
        let lines: Vec<&str> = report.lines().collect();
        lines.windows(2).any(|pair| {
            pair[0].starts_with(&format!("thread '{thread}"))
                && pair[0].contains("panicked")
                && pair[1].starts_with(message)
        })
    };
    let yes = |b: bool| if b { "yes" } else { "no" };
    println!(
        "its network thread panicked, \"timely communication error\": {}",
        yes(panicked("timely:recv", "timely communication error"))
    );
    println!(
        "its worker panicked, \"MergeQueue poisoned\": {}",
        yes(panicked("timely:work", "MergeQueue poisoned"))
    );
    println!(
        "its main thread panicked while joining the network threads: {}",
        yes(panicked("main", "Send thread panic") || panicked("main", "Recv thread panic"))
    );
    // Both have been waited for; the kernel's list of processes says whether any process
    // this program started is still there, running or not yet reaped.
    match processes_started_by_us() {
        Some(left) => println!("processes of ours the kernel still lists: {left}"),
        None => println!("processes of ours the kernel still lists: cannot tell (no /proc)"),
    }
    Ok(())
}

/// How many processes have this one as their parent, from /proc/PID/stat (Linux): its fourth
/// field is the parent's pid. `None` where there is no /proc to read.
fn processes_started_by_us() -> Option<usize> {
    let us = std::process::id();
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut count = 0;
    for entry in entries.map_while(Result::ok) {
        // A process can end between the listing and the read: then it is not there.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "PID (NAME) STATE PPID ...": the name may hold spaces, so read after its ')'.
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest);
        let parent = after_name.and_then(|rest| rest.split_whitespace().nth(1));
        if parent.and_then(|p| p.parse::<u32>().ok()) == Some(us) {
            count += 1;
        }
    }
    Some(count)
}
// ANCHOR_END: watch

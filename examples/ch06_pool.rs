//! A pool of consumer processes, one per CPU, checking numbers for primality. Tasks and
//! verdicts travel as JSON lines over pipes; closing a consumer's standard input is its
//! poison pill.

mod ch06_common;

use ch06_common::cli::{self, Mode};
use ch06_common::guard::ChildGuard;
use ch06_common::status::describe;
use crossbeam::channel;
use serde::{Deserialize, Serialize};
use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: ch06_pool [--in-order] [--sweep]
       ch06_pool --child consumer

Starts one consumer process per CPU this process may use (copies of this program,
run with `--child consumer`) and has them check the ten numbers of the Python
original for primality, printing each verdict as it arrives. With --in-order the
verdicts are printed in the order of the numbers instead. With --sweep it checks
the 1000 integers from 10^13 on 1 and then 2 consumer processes, and prints the
time each took with 2 and with 16 tasks in flight per consumer, the speedup, and
the time of 1000 tasks that need no work (the pool's own cost per task).
";

/// The ten numbers of the Python original.
const NUMBERS: [u64; 10] = [2, 36, 101, 193, 323, 513, 1327, 100000, 9999999, 433785907];
/// Chapter 2's sweep: the 1000 integers from 10^13.
const SWEEP_START: u64 = 10_000_000_000_000;
const SWEEP_COUNT: u64 = 1000;
/// Each sweep is timed this many times; the fastest run counts.
const SWEEP_RUNS: usize = 3;
/// The two windows the sweep compares: tasks given to a consumer ahead of its answers.
const WINDOWS: [usize; 2] = [2, 16];

// ANCHOR: messages
/// One number to check, with its place in the input.
#[derive(Serialize, Deserialize)]
struct Task {
    id: usize,
    n: u64,
}

/// The answer, with the task's place, so that the parent can put answers in order.
#[derive(Serialize, Deserialize)]
struct Verdict {
    id: usize,
    n: u64,
    prime: bool,
}
// ANCHOR_END: messages

// ANCHOR: consumer
/// The consumer: a verdict line for every task line, until its standard input ends.
fn consumer() -> io::Result<()> {
    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let task: Task = serde_json::from_str(&line?)?;
        let verdict = Verdict {
            id: task.id,
            n: task.n,
            prime: is_prime(task.n),
        };
        serde_json::to_writer(&mut out, &verdict)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    // End of input: the parent has no more tasks for us. This is the poison pill.
    Ok(())
}
// ANCHOR_END: consumer

/// Trial division by 2 and the odd numbers up to the square root, as in chapter 2.
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let limit = n.isqrt();
    let mut divisor = 3;
    while divisor <= limit {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}

// ANCHOR: pool
/// Tasks a consumer is given ahead of its answers by default: a small window, so that
/// the pipes hold a few small messages at most (see the text for when to widen it).
const IN_FLIGHT: usize = 2;

/// Checks `numbers` on `consumers` child processes, each given up to `in_flight` tasks
/// ahead of its answers, handing each verdict to `on_verdict` as it arrives.
fn check_on_processes(
    numbers: &[u64],
    consumers: usize,
    in_flight: usize,
    mut on_verdict: impl FnMut(Verdict),
) -> io::Result<()> {
    // The queue: every task is in it, and its sender is gone, before any consumer starts.
    let (sender, tasks) = channel::unbounded();
    for (id, &n) in numbers.iter().enumerate() {
        sender.send(Task { id, n }).expect("the queue is open");
    }
    drop(sender);

    let me = env::current_exe()?;
    let children = (0..consumers)
        .map(|_| {
            ChildGuard::spawn(
                Command::new(&me)
                    .args(["--child", "consumer"])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped()),
            )
        })
        .collect::<io::Result<Vec<_>>>()?;

    let (verdict_sender, verdicts) = mpsc::channel();
    thread::scope(|scope| {
        // One thread per consumer process feeds it and reads its answers.
        let feeders: Vec<_> = children
            .into_iter()
            .map(|child| {
                let (tasks, verdict_sender) = (tasks.clone(), verdict_sender.clone());
                scope.spawn(move || feed(child, in_flight, tasks, verdict_sender))
            })
            .collect();
        // Only the feeders hold senders now: `verdicts` ends when they all have ended.
        drop(verdict_sender);
        for verdict in verdicts {
            on_verdict(verdict);
        }
        // Every feeder has ended; the first error, if any, is the pool's.
        feeders
            .into_iter()
            .try_for_each(|feeder| feeder.join().expect("a feeder thread panicked"))
    })
}

/// Keeps one consumer process busy: sends it tasks from the queue, up to `in_flight`
/// ahead of its answers, and passes its verdicts on. When the queue is empty it closes
/// the consumer's input, the poison pill, and waits for it to exit.
fn feed(
    mut child: ChildGuard,
    in_flight: usize,
    tasks: channel::Receiver<Task>,
    verdicts: mpsc::Sender<Verdict>,
) -> io::Result<()> {
    let mut input = child.stdin.take().expect("piped");
    let mut answers = BufReader::new(child.stdout.take().expect("piped"));
    let mut line = String::new();
    let mut unanswered = 0;
    loop {
        // try_recv takes a task or reports that there is none, in one step: no other
        // feeder can take the task between a look and a take.
        while unanswered < in_flight {
            let Ok(task) = tasks.try_recv() else { break };
            input.write_all((serde_json::to_string(&task)? + "\n").as_bytes())?;
            unanswered += 1;
        }
        if unanswered == 0 {
            break;
        }
        // As in Listing 6-15: no bytes, or bytes without their newline, mean the
        // consumer ended, between two verdicts or in the middle of one.
        line.clear();
        if answers.read_line(&mut line)? == 0 || !line.ends_with('\n') {
            let how = describe(child.wait()?);
            let cut = if line.is_empty() {
                ""
            } else {
                " (one cut off)"
            };
            let message = format!("a consumer {how} with {unanswered} verdicts unsent{cut}");
            return Err(io::Error::other(message));
        }
        // The parent may stop listening; then there is no one to pass verdicts to.
        let _ = verdicts.send(serde_json::from_str(&line)?);
        unanswered -= 1;
    }
    drop(input);
    let status = child.wait()?;
    if !status.success() {
        return Err(io::Error::other(format!("a consumer {}", describe(status))));
    }
    Ok(())
}
// ANCHOR_END: pool

// ANCHOR: ten
fn ten_numbers(in_order: bool) -> io::Result<()> {
    let consumers = thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {consumers} consumer processes, one per CPU this process may use");
    let mut verdicts: Vec<Option<Verdict>> = NUMBERS.iter().map(|_| None).collect();
    check_on_processes(&NUMBERS, consumers, IN_FLIGHT, |verdict| {
        if in_order {
            let id = verdict.id;
            verdicts[id] = Some(verdict);
        } else {
            print_verdict(&verdict);
        }
    })?;
    for verdict in verdicts.iter().flatten() {
        print_verdict(verdict);
    }
    println!("every consumer has exited");
    Ok(())
}

fn print_verdict(verdict: &Verdict) {
    let what = if verdict.prime {
        "a prime"
    } else {
        "not a prime"
    };
    println!("{} is {what}", verdict.n);
}
// ANCHOR_END: ten

// ANCHOR: sweep
/// The fastest of `SWEEP_RUNS` runs of `numbers` on the pool, in seconds, and the primes.
fn fastest_sweep(
    numbers: &[u64],
    consumers: usize,
    in_flight: usize,
) -> io::Result<(f64, Vec<u64>)> {
    let mut primes = Vec::new();
    let mut fastest = Duration::MAX;
    for _ in 0..SWEEP_RUNS {
        primes.clear();
        let start = Instant::now();
        check_on_processes(numbers, consumers, in_flight, |verdict| {
            if verdict.prime {
                primes.push(verdict.n);
            }
        })?;
        fastest = fastest.min(start.elapsed());
    }
    Ok((fastest.as_secs_f64(), primes))
}

fn sweep() -> io::Result<()> {
    let numbers: Vec<u64> = (SWEEP_START..SWEEP_START + SWEEP_COUNT).collect();
    println!(
        "checking the {SWEEP_COUNT} integers from {SWEEP_START} on 1 and 2 consumer \
         processes, fastest of {SWEEP_RUNS} runs"
    );
    // Tasks that need no work (1 is not a prime, at once) time the pool itself:
    // starting a consumer, and a round trip through two pipes per task.
    let empty = vec![1; numbers.len()];
    let (overhead, _) = fastest_sweep(&empty, 1, WINDOWS[0])?;
    println!(
        "{} tasks with no work, 1 process, {} in flight: {overhead:.3} s ({:.1} µs a task)",
        empty.len(),
        WINDOWS[0],
        overhead * 1e6 / empty.len() as f64
    );
    let mut primes = Vec::new();
    for in_flight in WINDOWS {
        let (one, _) = fastest_sweep(&numbers, 1, in_flight)?;
        let (two, found) = fastest_sweep(&numbers, 2, in_flight)?;
        println!(
            "{in_flight:>2} in flight: 1 process {one:.3} s, 2 processes {two:.3} s, \
             speedup {:.2}x",
            one / two
        );
        primes = found;
    }
    primes.sort_unstable();
    if let (Some(first), Some(last)) = (primes.first(), primes.last()) {
        println!("primes: {} (first {first}, last {last})", primes.len());
    }
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cpus} CPUs this process may use");
    Ok(())
}
// ANCHOR_END: sweep

fn main() -> ExitCode {
    let result = match cli::parse(USAGE, &["consumer"], &["--in-order", "--sweep"]) {
        Ok(Mode::Child(_)) => consumer(),
        Ok(Mode::Parent(flags)) if flags.contains(&"--sweep") => sweep(),
        Ok(Mode::Parent(flags)) => ten_numbers(flags.contains(&"--in-order")),
        Err(status) => return status,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

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
time each took and the speedup.
";

/// The ten numbers of the Python original.
const NUMBERS: [u64; 10] = [2, 36, 101, 193, 323, 513, 1327, 100000, 9999999, 433785907];
/// Chapter 2's sweep: the 1000 integers from 10^13.
const SWEEP_START: u64 = 10_000_000_000_000;
const SWEEP_COUNT: u64 = 1000;
/// Each sweep is timed this many times; the fastest run counts.
const SWEEP_RUNS: usize = 3;
/// The chapter's target for the sweep on 2 processes.
const TARGET_SPEEDUP: f64 = 1.8;

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
/// Tasks a consumer is given ahead of its answers: enough that it never waits for its
/// next task, few enough that no pipe can fill up (see the text).
const IN_FLIGHT: usize = 2;

/// Checks `numbers` on `consumers` child processes, handing each verdict to
/// `on_verdict` as it arrives.
fn check_on_processes(
    numbers: &[u64],
    consumers: usize,
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
                scope.spawn(move || feed(child, tasks, verdict_sender))
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

/// Keeps one consumer process busy: sends it tasks from the queue, `IN_FLIGHT` ahead
/// of its answers, and passes its verdicts on. When the queue is empty it closes the
/// consumer's input, the poison pill, and waits for it to exit.
fn feed(
    mut child: ChildGuard,
    tasks: channel::Receiver<Task>,
    verdicts: mpsc::Sender<Verdict>,
) -> io::Result<()> {
    let mut input = child.stdin.take().expect("piped");
    let mut answers = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut unanswered = 0;
    loop {
        // try_recv takes a task or reports that there is none, in one step: no other
        // feeder can take the task between a look and a take.
        while unanswered < IN_FLIGHT {
            let Ok(task) = tasks.try_recv() else { break };
            input.write_all((serde_json::to_string(&task)? + "\n").as_bytes())?;
            unanswered += 1;
        }
        if unanswered == 0 {
            break;
        }
        let Some(line) = answers.next() else {
            let how = describe(child.wait()?);
            let message = format!("a consumer {how} with {unanswered} tasks unanswered");
            return Err(io::Error::other(message));
        };
        // The parent may stop listening; then there is no one to pass verdicts to.
        let _ = verdicts.send(serde_json::from_str(&line?)?);
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
    check_on_processes(&NUMBERS, consumers, |verdict| {
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
fn sweep() -> io::Result<()> {
    let numbers: Vec<u64> = (SWEEP_START..SWEEP_START + SWEEP_COUNT).collect();
    println!(
        "checking the {SWEEP_COUNT} integers from {SWEEP_START} on 1 and 2 consumer \
         processes, fastest of {SWEEP_RUNS} runs"
    );
    let mut primes = Vec::new();
    let mut fastest = [Duration::MAX; 2];
    for (slot, consumers) in [1, 2].into_iter().enumerate() {
        for _ in 0..SWEEP_RUNS {
            primes.clear();
            let start = Instant::now();
            check_on_processes(&numbers, consumers, |verdict| {
                if verdict.prime {
                    primes.push(verdict.n);
                }
            })?;
            fastest[slot] = fastest[slot].min(start.elapsed());
        }
    }
    let [one, two] = fastest.map(|time| time.as_secs_f64());
    println!("1 process:   {one:.3} s");
    println!("2 processes: {two:.3} s");
    println!(
        "speedup at 2 processes: {:.2}x (the target: at least {TARGET_SPEEDUP:.2}x)",
        one / two
    );
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
